"""Forms for signing in: who, then the password, then a code from an authenticator app or a
recovery code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from agencies.selectors import username_for_sign_in
from identity.selectors import password_sign_in_allowed

# One message for every wrong combination: it must not tell an attacker which part was wrong,
# nor whether the account exists, is inactive or is locked.
INVALID_SIGN_IN = "Enter a correct username and password"
WRONG_CODE = "The code is not correct or has already been used"
TOO_SOON = "Wait a few seconds, then enter the code again"


class _SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Work email address or username",
        max_length=254,  # an email address may be longer than a username
        error_messages={"required": "Enter your work email address or username"},
    )


class IdentifierForm(_SignInForm):
    """The first step: who is signing in. Their agency's own sign-in, or the password step,
    comes next; nothing is checked against the accounts here."""

    password = None  # type: ignore[assignment]  # asked on the next step


class PasswordForm(_SignInForm):
    """The password step: the identifier comes from the first step (the view puts it in the
    data), kept in the page for password managers."""

    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": "Enter your password"},
    )
    error_messages = {"invalid_login": INVALID_SIGN_IN, "inactive": INVALID_SIGN_IN}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not a question here: the page shows it, and the error summary links to the password.
        self.fields["username"].widget = forms.HiddenInput()
        self.attempted = False  # True once the password was checked (for the audit record)

    def clean(self) -> dict[str, Any]:
        identifier = self.cleaned_data.get("username")
        if identifier:
            self.cleaned_data["username"] = username_for_sign_in(identifier=identifier)
        self.attempted = bool(identifier and self.cleaned_data.get("password"))
        cleaned = super().clean()
        if self.user_cache is not None and not password_sign_in_allowed(user=self.user_cache):
            # The agency signs its people in through its own provider alone.
            raise self.get_invalid_login_error()
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery "
        "codes",
        error_messages={"required": "Enter the code from your authenticator app"},
    )

    def reject(self) -> None:
        self.add_error("code", WRONG_CODE)


class SetUpCodeForm(CodeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from your authenticator app"
        self.fields["code"].help_text = "The 6-digit code the app shows after you add the account"
