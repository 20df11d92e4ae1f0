"""Reads of provisioning: tokens by their secret or their area, and the people a token sees
(those provisioned for its agency in its area, and no one else)."""

from __future__ import annotations

import uuid

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from agencies.models import Area, Membership
from api.services import token_digest

from .details import PersonDetails
from .models import ProvisionedPerson, ScimToken


def scim_token_for_secret(*, raw: str) -> ScimToken | None:
    """The token with this secret whatever its state, or None."""
    return (
        ScimToken.objects.select_related("area", "agency").filter(digest=token_digest(raw)).first()
    )


def scim_token_refusal_reason(*, token: ScimToken) -> str | None:
    """Why `token` cannot be used ("revoked", "expired", "inactive_agency"), or None."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= timezone.now():
        return "expired"
    if not token.agency.is_active:
        return "inactive_agency"
    return None


def scim_tenant_url(*, request: HttpRequest) -> str:
    """The SCIM base URL an identity provider is given (its "tenant URL"), ending in a slash."""
    return request.build_absolute_uri(reverse("provisioning:users")).removesuffix("Users")


def scim_tokens_for_area(*, area: Area) -> QuerySet[ScimToken]:
    return (
        ScimToken.objects.filter(area=area)
        .select_related("agency", "created_by")
        .order_by("-created_at", "-pk")
    )


def provisioned_people(
    *, token: ScimToken, user_name: str | None = None
) -> QuerySet[ProvisionedPerson]:
    """The people the token sees, oldest first, each with `scope_active`: their account is
    active and so is a role of theirs in the token's agency and area. `user_name` matches as
    SCIM's userName does, ignoring case."""
    role_here = Membership.objects.filter(
        user_id=OuterRef("user_id"),
        area_id=token.area_id,
        agency_id=token.agency_id,
        is_active=True,
    )
    people = (
        ProvisionedPerson.objects.filter(area_id=token.area_id, agency_id=token.agency_id)
        .select_related("user")
        .annotate(
            scope_active=ExpressionWrapper(
                Exists(role_here) & Q(user__is_active=True), output_field=BooleanField()
            )
        )
        .order_by("pk")
    )
    if user_name is not None:
        people = people.filter(user__username__iexact=user_name)
    return people


def provisioned_person(*, token: ScimToken, scim_id: str) -> ProvisionedPerson | None:
    """One person the token sees, by their SCIM id; None for anyone else (answered 404)."""
    try:
        wanted = uuid.UUID(scim_id)
    except ValueError:
        return None
    return provisioned_people(token=token).filter(scim_id=wanted).first()


def person_is_active(*, person: ProvisionedPerson, token: ScimToken) -> bool:
    return (
        person.user.is_active
        and Membership.objects.filter(
            user_id=person.user_id, area_id=token.area_id, agency_id=token.agency_id, is_active=True
        ).exists()
    )


def person_details(*, person: ProvisionedPerson, token: ScimToken) -> PersonDetails:
    user = person.user
    active = getattr(person, "scope_active", None)  # annotated by provisioned_people
    return PersonDetails(
        user_name=user.username,
        email=user.email,
        given_name=user.first_name,
        family_name=user.last_name,
        external_id=person.external_id,
        active=person_is_active(person=person, token=token) if active is None else active,
    )
