"""Choosing which of one's roles to act in: everything one does is recorded against it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from agencies.models import Membership

CHOOSE_A_ROLE = "Select the role you are acting in"


def role_in_words(membership: Membership) -> str:
    """The role, then where it is held: "Coordinator, Northshire Police, Northshire"."""
    return ", ".join([membership.get_role_display(), *_where(membership)])


def _where(membership: Membership) -> list[str]:
    return [place.name for place in (membership.agency, membership.area) if place]


@dataclass(frozen=True)
class RoleOption:
    """One radio: the role as its label, where it is held as its hint."""

    value: str
    role: str
    where: str
    current: bool


class ActAsForm(forms.Form):
    """The roles to choose from, none chosen beforehand: acting in a role is a choice a person
    makes, not one the page makes for them. The role they act in now is named on its radio."""

    membership = forms.ChoiceField(
        label="Which role are you acting in?",
        help_text="What you do is recorded against the role you choose.",
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_A_ROLE, "invalid_choice": CHOOSE_A_ROLE},
    )

    def __init__(
        self, *args: Any, memberships: list[Membership], acting: Membership | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = {str(m.pk): m for m in memberships}
        self.acting = acting
        field = self.fields["membership"]
        if isinstance(field, forms.ChoiceField):  # always; narrows the type
            field.choices = [(pk, role_in_words(m)) for pk, m in self.memberships.items()]

    def options(self) -> list[RoleOption]:
        return [
            RoleOption(
                value=pk,
                role=m.get_role_display(),
                where=", ".join(_where(m)),
                current=m == self.acting,
            )
            for pk, m in self.memberships.items()
        ]

    def chosen(self) -> Membership:
        return self.memberships[self.cleaned_data["membership"]]
