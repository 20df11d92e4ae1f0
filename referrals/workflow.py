"""The referral workflow's steps, each one transaction with its timeline event and audit
record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from agencies.models import Agency
from audit.models import AuditAction
from audit.services import audit_record

from . import events
from .models import Referral, ReferralAssignment
from .selectors import granting_membership
from .signals import referral_step_taken
from .steps import STEP_EFFECTS


class TransitionConflict(Exception):
    """The transition is not possible from the referral's state now (someone else moved it)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def declared_transitions() -> list[Any]:
    """Every transition of the referral workflow, as declared on the model."""
    state = Referral._meta.get_field("state")
    return list(state.get_all_transitions(Referral))


def transitions_for(*, referral: Referral, user: Any) -> list[Any]:
    """The workflow transitions `user` may take on `referral` now (django-fsm declarations)."""
    return list(referral.get_available_user_state_transitions(user))  # type: ignore[attr-defined]


def referral_transition(
    *,
    referral: Referral,
    actor: Any,
    name: str,
    inputs: dict[str, str] | None = None,
    request: Any = None,
) -> Referral:
    """Take one workflow transition: one transaction with its timeline event and audit record.

    The row is locked first, so of two people acting at once the second sees the first's
    result: a transition no longer possible from that state raises TransitionConflict.
    Raises PermissionDenied when the actor's role may never take it, ValidationError for
    missing or invalid inputs (nothing is saved), LookupError for an unknown transition.
    """
    with transaction.atomic():  # not durable: an API retry record commits with it
        locked = lock_referral(referral.pk)
        referral_step_on_locked(
            locked, actor=actor, name=name, inputs=inputs or {}, request=request
        )
    return locked


def referral_step_on_locked(
    locked: Referral, *, actor: Any, name: str, inputs: Mapping[str, Any], request: Any = None
) -> None:
    """A step on a referral row the caller has locked, inside the caller's transaction."""
    source = locked.state
    wanted = _step_on(locked, actor=actor, name=name, inputs=inputs)
    locked.save()
    effects = STEP_EFFECTS[name]
    events.referral_transitioned_event(
        referral=locked, actor=actor, event_type=effects.event, source=source, inputs=wanted
    )
    if effects.follow_up is not None:
        effects.follow_up(referral=locked, actor=actor, inputs=wanted)
    audit_record(
        action=AuditAction.TRANSITION,
        actor=actor,
        membership=granting_membership(user=actor, referral=locked),
        target=locked,
        request=request,
        reason=wanted.get("reason", ""),
        details={"transition": name, "from": source, "to": locked.state},
    )
    referral_step_taken.send(
        sender=Referral, referral=locked, actor=actor, transition=name, source=source
    )


def referral_step_check(
    *, referral: Referral, actor: Any, name: str, inputs: Mapping[str, Any]
) -> None:
    """Check a step as taking it would (who may, from which state, every input and the
    rules between them), writing nothing: for a page that asks to confirm before the step.
    Raises as referral_transition does."""
    fresh = Referral.objects.select_related("area").get(pk=referral.pk)
    _step_on(fresh, actor=actor, name=name, inputs=inputs)


def _step_on(
    referral: Referral, *, actor: Any, name: str, inputs: Mapping[str, Any]
) -> dict[str, str]:
    """Run the transition `name` on the row in memory; answers the inputs it took."""
    declared = {t.name: t for t in declared_transitions()}
    if name not in declared:
        raise LookupError(name)
    custom = declared[name].custom
    wanted = {k: str(v) for k, v in inputs.items() if k in custom["inputs"]}
    if not declared[name].has_perm(referral, actor):
        raise PermissionDenied("Your role cannot take this step.")
    if name not in {t.name for t in transitions_for(referral=referral, user=actor)}:
        raise TransitionConflict(referral.state)
    getattr(referral, name)(**wanted, **({"actor": actor} if custom["takes_actor"] else {}))
    return wanted


def lock_referral(pk: int) -> Referral:
    """Lock one referral row for a write, inside the caller's transaction."""
    return Referral.objects.select_for_update().select_related("area").get(pk=pk)


def referral_submit(*, referral: Referral, actor: Any) -> Referral:
    return referral_transition(referral=referral, actor=actor, name="submit")


def referral_assign_lead(
    *, referral: Referral, actor: Any, agency: Agency, lead_professional: Any | None = None
) -> ReferralAssignment:
    """Name `agency` (and its lead professional) on the referral, ending any earlier naming."""
    referral_transition(
        referral=referral,
        actor=actor,
        name="assign_lead",
        inputs={
            "agency": str(agency.pk),
            "lead_professional": str(lead_professional.pk) if lead_professional else "",
        },
    )
    return ReferralAssignment.objects.get(referral=referral, agency=agency, ended_at__isnull=True)
