"""What an identity provider says of a person: the whole of a SCIM User resource we keep."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from agencies.models import User

NAME_MAX = 150  # the account's username, first and last name fields
EXTERNAL_ID_MAX = 255


@dataclass(frozen=True)
class PersonDetails:
    """A person's details as SCIM carries them."""

    user_name: str  # the sign-in name: the work email
    email: str
    given_name: str = ""
    family_name: str = ""
    external_id: str = ""
    active: bool = True

    def checked(self) -> PersonDetails:
        """These details with the email defaulting to the userName, or ValidationError."""
        email = self.email or self.user_name
        errors = {}
        for field, value in (("userName", self.user_name), ("emails", email)):
            try:
                EmailValidator(message=f"{field} must be an email address")(value)
            except ValidationError as error:
                errors[field] = error.messages
        if len(self.user_name) > NAME_MAX:
            errors["userName"] = [f"userName is at most {NAME_MAX} characters"]
        elif "userName" not in errors:
            try:  # the sign-in name's own rule: no spaces or quotes, which an email may have
                User.username_validator(self.user_name)
            except ValidationError:
                errors["userName"] = ["userName may hold letters, digits and @ . + - _ only"]
        for field, value in (
            ("name.givenName", self.given_name),
            ("name.familyName", self.family_name),
        ):
            if len(value) > NAME_MAX:
                errors[field] = [f"{field} is at most {NAME_MAX} characters"]
        if len(self.external_id) > EXTERNAL_ID_MAX:
            errors["externalId"] = [f"externalId is at most {EXTERNAL_ID_MAX} characters"]
        if errors:
            raise ValidationError(errors)
        return self.but(email=email)

    def but(self, **changes: object) -> PersonDetails:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
