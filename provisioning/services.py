"""Writes of provisioning: SCIM tokens issued and revoked by an area administrator, and the
people an agency's identity provider creates, changes and deactivates through one.

Each change is one transaction with its audit record. A change made through a token is
recorded with no actor (the identity provider did it), under the token's area, naming the
token and its agency, so the area's administrators find it in their audit record.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from agencies.models import Agency, Area, Membership, User
from agencies.selectors import administered_area_membership
from agencies.services import end_sessions_and_tokens
from api.services import new_secret
from audit.models import AuditAction
from audit.services import audit_record

from .details import PersonDetails
from .models import PROVISIONED_ROLES, ProvisionedPerson, ScimToken
from .selectors import person_details, person_is_active

MAX_LIFETIME_DAYS = 365


class Uniqueness(Exception):
    """The userName or email is someone else's (SCIM's 409 `uniqueness`)."""


class VersionMismatch(Exception):
    """The client's If-Match names a version that is no longer the person's (412)."""


# Tokens, issued and revoked by an area administrator.


def _require_area_administrator(*, actor: User, area: Area) -> Membership:
    membership = administered_area_membership(user=actor, area=area)
    if membership is None:
        raise PermissionDenied("Only an area administrator of this area may do this.")
    return membership


def scim_token_issue(
    *,
    actor: User,
    area: Area,
    agency: Agency,
    role: str,
    lifetime_days: int,
    request: HttpRequest | None = None,
) -> tuple[ScimToken, str]:
    """Issue a token for `agency`'s identity provider in `area`; returns the record and the
    raw secret (shown once only). People it creates are given `role` there."""
    admin = _require_area_administrator(actor=actor, area=area)
    errors = {}
    if not agency.is_active or not agency.areas.filter(pk=area.pk).exists():
        errors["agency"] = "Choose an active agency that serves this area"
    if role not in dict(PROVISIONED_ROLES):
        errors["role"] = "Choose a role that is not an administrator's or a national analyst's"
    if not 1 <= lifetime_days <= MAX_LIFETIME_DAYS:
        errors["lifetime_days"] = f"Choose a lifetime from 1 to {MAX_LIFETIME_DAYS} days"
    if errors:
        raise ValidationError(errors)
    raw, secret = new_secret(lifetime_days=lifetime_days)
    with transaction.atomic(durable=True):
        token = ScimToken.objects.create(
            area=area, agency=agency, role=role, created_by=actor, **secret
        )
        audit_record(
            action=AuditAction.TOKEN_CREATED,
            actor=actor,
            membership=admin,
            request=request,
            target=token,
            area=area,
            details={
                "scim": True,
                "agency": agency.pk,
                "role": role,
                "expires_at": token.expires_at.isoformat(),
            },
        )
    return token, raw


def scim_token_revoke(
    *, actor: User, area: Area, token: ScimToken, request: HttpRequest | None = None
) -> ScimToken:
    admin = _require_area_administrator(actor=actor, area=area)
    with transaction.atomic(durable=True):
        locked = ScimToken.objects.select_for_update().get(pk=token.pk, area=area)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(
                action=AuditAction.TOKEN_REVOKED,
                actor=actor,
                membership=admin,
                target=locked,
                area=area,
                request=request,
                details={"scim": True, "agency": locked.agency_id},
            )
    return locked


def scim_token_used(*, token: ScimToken) -> None:
    ScimToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


def scim_token_refused(*, token: ScimToken, reason: str, request: HttpRequest) -> None:
    """Audit a refused token that was once issued (a made-up one names nothing to record).
    No transaction is open: the record commits although the request fails."""
    audit_record(
        action=AuditAction.SIGN_IN_FAILED,
        area=token.area,
        request=request,
        details={"via": "scim_token", "reason": reason, "prefix": token.prefix},
    )


def scim_people_seen(
    *,
    token: ScimToken,
    people: Sequence[ProvisionedPerson],
    request: HttpRequest,
    user_name: str | None = None,
) -> None:
    """Record what the token's provider read about the agency's people (names, email
    addresses, whether active), as each read of people's details is recorded. The userName it
    searched for is an email address: kept outside the chain."""
    audit_record(
        action=AuditAction.VIEW,
        target=people[0].user if len(people) == 1 else None,
        area=token.area,
        request=request,
        details={
            "via": "scim",
            "scim_token": token.prefix,
            "agency": token.agency_id,
            "people": [person.user_id for person in people],
        },
        content={"user_name_filter": user_name} if user_name is not None else None,
    )


# People, as the identity provider sends them.


def _in_scope(token: ScimToken) -> dict[str, Any]:
    return {"area_id": token.area_id, "agency_id": token.agency_id}


def _owned_by_scope(user: User, token: ScimToken) -> bool:
    """Whether the account is the agency's alone here: every role it ever had is in the
    token's agency and area, so the identity provider may take it over. Never a staff account."""
    memberships = user.memberships.all()
    return (
        not (user.is_staff or user.is_superuser)
        and memberships.exists()
        and not memberships.exclude(**_in_scope(token)).exists()
    )


def _record(
    *,
    token: ScimToken,
    action: AuditAction,
    user: User,
    request: HttpRequest | None,
    **details: Any,
) -> None:
    audit_record(
        action=action,
        target=user,
        area=token.area,
        request=request,
        details={"via": "scim", "scim_token": token.prefix, "agency": token.agency_id, **details},
    )


def _check_unique(*, details: PersonDetails, user: User | None) -> None:
    others = User.objects.exclude(pk=user.pk) if user is not None else User.objects.all()
    if others.filter(username__iexact=details.user_name).exists():
        raise Uniqueness("userName is already taken")
    if others.filter(email__iexact=details.email).exists():
        raise Uniqueness("This email address is already someone else's")


def person_provision(
    *, token: ScimToken, details: PersonDetails, request: HttpRequest | None = None
) -> ProvisionedPerson:
    """Create the person (or take over an account that is the agency's alone, as people added
    by hand before provisioning began are) with the token's role in its agency and area.

    Raises Uniqueness when the userName or email is someone else's, ValidationError for bad
    details."""
    details = details.checked()
    try:
        with transaction.atomic(durable=True):
            user = (
                User.objects.select_for_update().filter(username__iexact=details.user_name).first()
            )
            if user is not None and (
                not _owned_by_scope(user, token)
                or ProvisionedPerson.objects.filter(user=user, **_in_scope(token)).exists()
            ):
                raise Uniqueness("userName is already taken")
            _check_unique(details=details, user=user)
            created = user is None
            if user is None:
                user = User(
                    username=details.user_name, email=details.email, is_active=details.active
                )
                user.set_unusable_password()  # they sign in through their organisation
                user.save()
            person = ProvisionedPerson.objects.create(user=user, **_in_scope(token))
            Membership.objects.get_or_create(
                user=user,
                role=token.role,
                **_in_scope(token),
                defaults={"is_active": details.active},
            )
            changed = _write(token=token, person=person, details=details, request=request)
            _record(
                token=token,
                action=AuditAction.CREATE,
                user=user,
                request=request,
                created_account=created,
                role=token.role,
                changed=changed,
            )
    except IntegrityError as error:  # a concurrent create took the name first
        raise Uniqueness("userName is already taken") from error
    return person


def person_replace(
    *,
    token: ScimToken,
    person: ProvisionedPerson,
    details: PersonDetails,
    expected_version: int | None = None,
    request: HttpRequest | None = None,
) -> ProvisionedPerson:
    """Make the person what `details` say (PUT, and PATCH once its operations are applied).
    Deactivating ends their role here, and their every session, API token and websocket."""
    details = details.checked()
    try:
        with transaction.atomic(durable=True):
            locked = (
                ProvisionedPerson.objects.select_for_update()
                .select_related("user")
                .get(pk=person.pk, **_in_scope(token))
            )
            if expected_version is not None and expected_version != locked.version:
                raise VersionMismatch(locked.version)
            _check_unique(details=details, user=locked.user)
            changed = _write(token=token, person=locked, details=details, request=request)
            if changed:
                locked.version += 1
                locked.save(update_fields=["version", "updated_at"])
                _record(
                    token=token,
                    action=AuditAction.CHANGE,
                    user=locked.user,
                    request=request,
                    changed=changed,
                )
    except IntegrityError as error:
        raise Uniqueness("userName is already taken") from error
    return locked


def person_remove(
    *, token: ScimToken, person: ProvisionedPerson, request: HttpRequest | None = None
) -> None:
    """DELETE: the person is deactivated as a leaver and the identity provider's link to them
    ends (the resource is gone: 404 from now on). The account and its roles stay, inactive,
    for the record; creating the same userName again brings them back."""
    with transaction.atomic(durable=True):
        locked = (
            ProvisionedPerson.objects.select_for_update()
            .select_related("user")
            .get(pk=person.pk, **_in_scope(token))
        )
        current = person_details(person=locked, token=token)
        _write(
            token=token,
            person=locked,
            details=current.but(active=False),
            request=request,
        )
        user = locked.user
        locked.delete()
        _record(
            token=token,
            action=AuditAction.CHANGE,
            user=user,
            request=request,
            unlinked=True,
            external_id=current.external_id,
        )


def _write(
    *,
    token: ScimToken,
    person: ProvisionedPerson,
    details: PersonDetails,
    request: HttpRequest | None,
) -> list[str]:
    """Inside the caller's transaction, with the person locked: apply `details`; returns the
    SCIM attributes that changed."""
    user = person.user
    changed = []
    account = {
        "username": ("userName", details.user_name),
        "email": ("emails", details.email),
        "first_name": ("name.givenName", details.given_name),
        "last_name": ("name.familyName", details.family_name),
    }
    updated = [field for field, (_, value) in account.items() if getattr(user, field) != value]
    for field in updated:
        setattr(user, field, account[field][1])
        changed.append(account[field][0])
    if updated:
        user.save(update_fields=updated)
    if person.external_id != details.external_id:
        person.external_id = details.external_id
        person.save(update_fields=["external_id", "updated_at"])
        changed.append("externalId")
    was_active = person_is_active(person=person, token=token)
    if details.active and not was_active:
        _activate(token=token, user=user)
        if person_is_active(person=person, token=token):
            changed.append("active")
    elif not details.active and was_active:
        _deactivate(token=token, user=user, request=request)
        changed.append("active")
    return changed


def _activate(*, token: ScimToken, user: User) -> None:
    """Back in the role here; the account itself only if it is the agency's alone (an account
    deactivated by an area administrator for another reason is theirs to bring back)."""
    membership, _ = Membership.objects.get_or_create(user=user, role=token.role, **_in_scope(token))
    if not membership.is_active:
        Membership.objects.filter(pk=membership.pk).update(is_active=True)
    if not user.is_active and _owned_by_scope(user, token):
        User.objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True


def _deactivate(*, token: ScimToken, user: User, request: HttpRequest | None) -> None:
    """A leaver: their roles in the agency here end; with no role left anywhere the account is
    deactivated. Either way every session, API token and websocket of theirs ends at once."""
    Membership.objects.filter(user=user, is_active=True, **_in_scope(token)).update(is_active=False)
    still_working = Membership.objects.filter(user=user, is_active=True).exists()
    if not still_working:
        User.objects.filter(pk=user.pk).update(is_active=False)
    revoked = end_sessions_and_tokens(user)
    _record(
        token=token,
        action=AuditAction.SIGN_OUT if still_working else AuditAction.DEACTIVATED,
        user=user,
        request=request,
        everywhere=True,
        revoked_tokens=revoked,
        roles_elsewhere=still_working,
    )
