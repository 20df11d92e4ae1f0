"""Agencies' own identity providers (OpenID Connect) and the accounts people hold there.

Above `agencies`: it names agencies and people; nothing in `agencies` names it.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django_otp.models import Device

from agencies.models import Agency, Area, Role, User

# Roles a provider's group may give (as SCIM may): never those that administer an area or
# see across areas.
GROUP_ROLES = [
    (value, label)
    for value, label in Role.choices
    if value not in {Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST}
]


class IdentityProvider(models.Model):
    """An agency's OpenID Connect provider (Microsoft Entra ID, say), set by an area
    administrator. The client secret is never stored: the record names the server's
    environment variable that holds it."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="+")
    issuer = models.URLField("issuer", max_length=500)
    client_id = models.CharField("client ID", max_length=255)
    client_secret_variable = models.CharField(
        "environment variable holding the client secret", max_length=64
    )
    email_domains = ArrayField(models.CharField(max_length=253), verbose_name="work email domains")
    email_claim = models.CharField("claim holding the email address", max_length=64)
    email_verified_claim = models.CharField(
        "claim saying the email address is verified", max_length=64
    )
    mfa_acr_values = ArrayField(
        models.CharField(max_length=200),
        blank=True,
        default=list,
        verbose_name="acr values that mean two factors were used",
    )
    password_sign_in = models.BooleanField(
        "its people may also sign in with a password", default=True
    )
    # Empty: roles never come from the provider. Set: the agency opted in, and each sign-in
    # gives or ends the roles its area administrators mapped to groups (`GroupRole`).
    groups_claim = models.CharField("claim holding the groups", max_length=64, blank=True)
    metadata = models.JSONField(
        default=dict, help_text="The provider's discovery document, read when it was saved"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__name"]

    def __str__(self) -> str:
        return f"{self.agency.name}'s sign-in ({self.issuer})"


class GroupRole(models.Model):
    """A group at the agency's provider that gives one role in one area, set by that area's
    administrators. At each sign-in through the provider, a person in the group is given the
    role in the agency and area, and someone no longer in it loses it; roles that no group
    gives are never touched."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="group_roles"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, choices=GROUP_ROLES)
    group = models.CharField("group at the provider", max_length=255)

    class Meta:
        ordering = ["provider", "area", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "area", "role"], name="identity_one_group_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.group} gives {self.get_role_display()} in {self.area_id}"


class ExternalIdentity(Device):
    """A person's account at their agency's provider, by the provider's `sub`, linked on their
    first sign-in through it. A django-otp device too: a session the provider signed in with
    both factors (its ID token says so) is verified by it, as one verified by an authenticator
    app; it never accepts a typed code."""

    # Device's own `user`, named: django-otp's models are untyped, these are not.
    user: models.ForeignKey[User, User] = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="+"
    )
    provider: models.ForeignKey[IdentityProvider, IdentityProvider] = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="+"
    )
    sub: models.CharField[str, str] = models.CharField("subject at the provider", max_length=255)
    linked_at: models.DateTimeField[datetime, datetime] = models.DateTimeField(auto_now_add=True)
    last_sign_in_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        null=True, blank=True
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "sub"], name="identity_one_sub"),
            models.UniqueConstraint(fields=["provider", "user"], name="identity_one_link"),
        ]

    def verify_token(self, token: object) -> bool:
        return False


class UsedLogoutToken(models.Model):
    """A back-channel logout token already acted on, by its `jti`, kept until it expires: the
    same token posted again (replayed) is refused rather than acted on twice."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "jti"], name="identity_logout_jti_once")
        ]
        indexes = [models.Index(fields=["provider", "expires_at"], name="identity_logout_expiry")]

    def __str__(self) -> str:
        return f"logout token {self.jti} of {self.provider_id}"


class ProviderSession(models.Model):
    """A sign-in through an agency's provider, kept while the person's sessions may last: its
    `sid` (a back-channel logout may name only that) and the refresh token the provider
    issued, sealed (`identity.sealing`). The service spends the token every few minutes to ask
    the provider whether the account still stands; a leaver's is refused."""

    identity = models.ForeignKey(ExternalIdentity, on_delete=models.CASCADE, related_name="+")
    sid = models.CharField("session at the provider", max_length=255, blank=True)
    refresh_token = models.TextField(blank=True)
    # The person's session epoch at sign-in: once it moves on (signed out everywhere), the
    # sessions this sign-in made are gone and there is nothing left to check.
    session_epoch = models.PositiveIntegerField()
    signed_in_at = models.DateTimeField(auto_now_add=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # Taken by one check at a time: a rotated refresh token spent twice would be refused.
    checking_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["sid"], name="identity_session_sid")]

    def __str__(self) -> str:
        return f"provider session {self.pk} of identity {self.identity_id}"
