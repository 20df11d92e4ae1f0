"""SCIM 2.0 provisioning: an agency's identity provider creates, changes and deactivates its
people here, through a bearer token an area administrator issued for that agency in that area.

The token decides the role a provisioned person is given; the request never does."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from agencies.models import Agency, Area, Role
from api.models import BearerToken

# Roles a token may give: never those that administer or see across areas.
PROVISIONED_ROLES = [
    (value, label)
    for value, label in Role.choices
    if value not in {Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST}
]


class ScimToken(BearerToken):
    """The secret an agency's identity provider presents. Stored only as a SHA-256 digest,
    expiring and revocable; it reaches only the people provisioned for its agency in its area."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="scim_tokens")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="scim_tokens")
    role = models.CharField(
        max_length=32,
        choices=PROVISIONED_ROLES,
        default=Role.PRACTITIONER,
        help_text="The role every person it creates is given in the agency and area",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"SCIM token {self.prefix}… for {self.agency} in {self.area}"


class ProvisionedPerson(models.Model):
    """A person as the agency's identity provider knows them: the SCIM User resource.

    `scim_id` is the resource's `id` (never the account's key); `version` counts changes and
    makes the ETag."""

    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provisioned_as"
    )
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(max_length=255, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["area", "agency", "user"], name="provisioned_once_per_agency_and_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} provisioned by {self.agency} in {self.area}"
