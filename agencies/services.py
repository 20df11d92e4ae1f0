"""Writes about people: second factors, ending sessions, deactivation."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.models import ApiToken
from audit.models import AuditAction
from audit.services import audit_record

from . import auth_events
from .lockout import reset_failures
from .models import Agency, AgencyType, Area, Membership, Role, User
from .selectors import (
    administered_area_membership,
    administered_memberships,
    emergency_duty_agency_choices,
    escalation_manager_choices,
)
from .signals import sessions_ended

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def normalise_code(code: str) -> str:
    """People type codes with spaces, or copy recovery codes in capitals."""
    return "".join(code.split()).lower()


def two_factor_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up; the same one until confirmed, so
    a reload keeps the secret they may already have scanned."""
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        # Replacing a confirmed authenticator needs the old one first; never from this step.
        raise PermissionDenied("The user already has an authenticator app")
    with transaction.atomic(durable=True):
        User.objects.select_for_update().filter(pk=user.pk).first()  # one device per user
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def two_factor_enrolment_confirm(*, user: User, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the authenticator with a code from it. Returns the device and new recovery codes
    (shown once), or None when the code is wrong."""
    with transaction.atomic(durable=True):
        if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
            return None
        device = (
            TOTPDevice.objects.devices_for_user(user, confirmed=False)
            .select_for_update()
            .order_by("pk")
            .first()
        )
        if device is None or not device.verify_token(normalise_code(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        codes = _replace_recovery_codes(user)
    return device, codes


def _replace_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()  # earlier codes stop working
    static = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


@dataclass(frozen=True)
class CodeCheck:
    device: Device | None = None  # the device that accepted the code
    throttled: bool = False  # too soon after a wrong code: not checked, so not a failure


def two_factor_verify(*, user: User, code: str) -> CodeCheck:
    """Check `code` against the authenticator (digits) or the recovery codes (used up on
    success). Concurrent checks for one user queue on the device row, so django-otp's growing
    delay after each wrong code also holds against a burst of parallel guesses."""
    code = normalise_code(code)
    with transaction.atomic(durable=True):
        device: Device | None
        if code.isdigit():
            device = (
                TOTPDevice.objects.devices_for_user(user, confirmed=True)
                .select_for_update()
                .order_by("pk")
                .first()
            )
        else:
            device = (
                StaticDevice.objects.devices_for_user(user, confirmed=True)
                .select_for_update()
                .order_by("pk")
                .first()
            )
        if device is None or not code:
            return CodeCheck()
        if not device.verify_is_allowed()[0]:
            return CodeCheck(throttled=True)
        return CodeCheck(device=device if device.verify_token(code) else None)


def end_sessions_and_tokens(user: User) -> int:
    """Inside the caller's transaction: every session fails the epoch check from its next
    request; every live API token is revoked; on commit, every open websocket of the user is
    closed (`sessions_ended`). Returns how many tokens were revoked."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch", "is_active"])
    transaction.on_commit(lambda: sessions_ended.send(sender=User, user=user))
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def user_sign_out_everywhere(
    *, user: User, actor: Any, because: Mapping[str, str] | None = None
) -> int:
    """End every session the user has, on every device, and revoke their API tokens.
    `because` says, for the audit record, what asked for it when not the person (a provider's
    back-channel logout)."""
    with transaction.atomic(durable=True):
        revoked = end_sessions_and_tokens(user)
        auth_events.signed_out_everywhere(
            user=user, actor=actor, revoked_tokens=revoked, because=because
        )
    return revoked


def user_deactivate(*, user: User, actor: Any, membership: Membership | None = None) -> int:
    """The user can no longer sign in or use the API. Memberships are kept for the record."""
    with transaction.atomic(durable=True):
        User.objects.filter(pk=user.pk).update(is_active=False)
        revoked = end_sessions_and_tokens(user)
        auth_events.deactivated(
            user=user, actor=actor, membership=membership, revoked_tokens=revoked
        )
    return revoked


# Area administration: people, agencies and settings of an area the actor administers.


def _require_area_administrator(*, actor: Any, area: Area) -> Membership:
    membership = administered_area_membership(user=actor, area=area)
    if membership is not None:
        return membership
    raise PermissionDenied("Only an area administrator of this area may do this.")


def _administered_area_ids(actor: Any) -> set[int | None]:
    return {m.area_id for m in administered_memberships(user=actor)}


def person_add(
    *,
    actor: Any,
    area: Area,
    username: str,
    role: Role,
    agency: Agency,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> Membership:
    """Give a person a role in the area, creating their account if the username is new.

    An existing account keeps its details: an administrator of one area cannot change a
    person's name, email or password set elsewhere.
    """
    admin = _require_area_administrator(actor=actor, area=area)
    if username == actor.get_username():
        # Administrators see no case content; a second administrator grants them any role.
        raise PermissionDenied("Ask another area administrator to change your own roles.")
    if role == Role.NATIONAL_ANALYST:
        raise PermissionDenied("National analysts are not appointed by an area.")
    if not agency.is_active or not agency.areas.filter(pk=area.pk).exists():
        raise ValidationError({"agency": "Choose an active agency that serves this area."})
    with transaction.atomic(durable=True):
        user = User.objects.filter(username=username).first()
        if user is None:
            if not email or not password:
                raise ValidationError(
                    {"email": "Enter an email address and a first password for a new person."}
                )
            user = User(username=username, email=email, first_name=first_name, last_name=last_name)
            validate_password(password, user)
            user.set_password(password)
            user.full_clean()
            user.save()
        membership, created = Membership.objects.get_or_create(
            user=user, role=role, area=area, agency=agency, defaults={"is_active": True}
        )
        if not created and not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        audit_record(
            action=AuditAction.CREATE, actor=actor, membership=admin, target=membership, area=area
        )
    return membership


def membership_end(*, actor: Any, membership: Membership) -> Membership:
    """The person no longer holds this role here; the record of it stays."""
    admin = _require_area_administrator(actor=actor, area=membership.area)  # type: ignore[arg-type]
    with transaction.atomic(durable=True):
        Membership.objects.filter(pk=membership.pk).update(is_active=False)
        membership.refresh_from_db()
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=admin,
            target=membership,
            details={"is_active": False},
        )
    return membership


def person_deactivate(*, actor: Any, area: Area, user: User) -> int:
    """A leaver: every session ends and every token is revoked at once.

    Allowed only when all the person's current roles are in areas the actor administers;
    someone who still works elsewhere has their roles here ended instead.
    """
    admin = _require_area_administrator(actor=actor, area=area)
    if user.pk == actor.pk:
        raise PermissionDenied("Ask another area administrator to deactivate your account.")
    areas = set(user.memberships.filter(is_active=True).values_list("area_id", flat=True))
    if not areas or not areas <= _administered_area_ids(actor):
        raise PermissionDenied(
            "This person also has roles in another area. End their roles here instead."
        )
    return user_deactivate(user=user, actor=actor, membership=admin)


def person_unlock(*, actor: Any, area: Area, user: User) -> None:
    """Let a locked-out person of the area try again now rather than after the cool-off."""
    admin = _require_area_administrator(actor=actor, area=area)
    if not user.memberships.filter(area=area, is_active=True).exists():
        raise PermissionDenied("This person has no role in this area.")
    with transaction.atomic(durable=True):
        reset_failures(username=user.get_username())
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=admin,
            target=user,
            area=area,
            details={"unlocked": True},
        )


def agency_add(*, actor: Any, area: Area, name: str, agency_type: AgencyType) -> Agency:
    admin = _require_area_administrator(actor=actor, area=area)
    with transaction.atomic(durable=True):
        agency = Agency(name=name.strip(), agency_type=agency_type)
        agency.full_clean()
        agency.save()
        agency.areas.add(area)
        audit_record(
            action=AuditAction.CREATE, actor=actor, membership=admin, target=agency, area=area
        )
    return agency


def agency_deactivate(*, actor: Any, area: Area, agency: Agency) -> Agency:
    """Memberships in a deactivated agency grant nothing from the next request on."""
    admin = _require_area_administrator(actor=actor, area=area)
    if not set(agency.areas.values_list("pk", flat=True)) <= _administered_area_ids(actor):
        raise PermissionDenied("This agency also serves other areas; their administrators decide.")
    with transaction.atomic(durable=True):
        Agency.objects.filter(pk=agency.pk).update(is_active=False)
        agency.refresh_from_db()
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=admin,
            target=agency,
            area=area,
            details={"is_active": False},
        )
    return agency


# The area's retention_review_age_years is left out: it is the young person's retention age,
# read by the nightly review and changed with the rest of the schedule (records.services).
AREA_SETTINGS = (
    "triage_working_days",
    "rag_red_working_hours",
    "rag_amber_working_hours",
    "rag_green_working_hours",
    "review_interval_weeks",
    "risk_reassessment_months",
    "return_home_interview_hours",
    "screening_tool_version",
    "break_glass_hours",
    "merge_undo_days",
    "due_soon_working_hours",
    "escalation_working_hours",
    "escalation_manager",
    "escalation_max_repeats",
    "emergency_duty_agency",
    "emergency_duty_person",
)

# The largest value that makes sense for each number: anything above is a slip of the keyboard.
AREA_SETTING_MAXIMUMS = {
    "triage_working_days": 10,
    "rag_red_working_hours": 200,
    "rag_amber_working_hours": 200,
    "rag_green_working_hours": 200,
    "review_interval_weeks": 52,
    "risk_reassessment_months": 24,
    "return_home_interview_hours": 168,
    "break_glass_hours": 168,
    "due_soon_working_hours": 40,
    "escalation_working_hours": 200,
    "escalation_max_repeats": 20,
}


SCREENING_TOOL_INVALID = "Choose a screening tool version that is loaded"


def _check_screening_tool(area: Area, version: str | None) -> None:
    """Concerns are scored with the area's tool: a national one or the area's own, in use."""
    from referrals.selectors import screening_tool_choices  # referrals builds on agencies

    if version is not None and version not in dict(screening_tool_choices(area=area)):
        raise ValidationError({"screening_tool_version": SCREENING_TOOL_INVALID})


ESCALATION_MANAGER_INVALID = (
    "Choose a manager who is an active coordinator or police lead in this area"
)


def _check_escalation_manager(area: Area, manager: User | None) -> None:
    """The named manager is told of overdue referrals, so must be someone who sees them all."""
    eligible = escalation_manager_choices(area=area)
    if manager is not None and not eligible.filter(pk=manager.pk).exists():
        raise ValidationError({"escalation_manager": ESCALATION_MANAGER_INVALID})


EMERGENCY_DUTY_BOTH = "Choose an agency or a person as the emergency duty contact, not both"
EMERGENCY_DUTY_AGENCY_INVALID = "Choose an active agency that works in this area"
EMERGENCY_DUTY_PERSON_INVALID = (
    "Choose a person who is an active coordinator or police lead in this area"
)


def check_emergency_duty_contact(area: Area) -> None:
    """Whoever is told of immediate danger out of hours must be reachable and see the concern:
    an active agency of the area, or one of the people who see every referral in it."""
    agency, person = area.emergency_duty_agency, area.emergency_duty_person
    if agency is not None and person is not None:
        raise ValidationError({"emergency_duty_person": EMERGENCY_DUTY_BOTH})
    if (
        agency is not None
        and not emergency_duty_agency_choices(area=area).filter(pk=agency.pk).exists()
    ):
        raise ValidationError({"emergency_duty_agency": EMERGENCY_DUTY_AGENCY_INVALID})
    if (
        person is not None
        and not escalation_manager_choices(area=area).filter(pk=person.pk).exists()
    ):
        raise ValidationError({"emergency_duty_person": EMERGENCY_DUTY_PERSON_INVALID})


def area_settings_update(*, actor: Any, area: Area, changes: dict[str, Any]) -> Area:
    admin = _require_area_administrator(actor=actor, area=area)
    unknown = set(changes) - set(AREA_SETTINGS)
    if unknown:
        raise ValueError(f"not area settings: {', '.join(sorted(unknown))}")
    with transaction.atomic(durable=True):
        locked = Area.objects.select_for_update().get(pk=area.pk)
        changed = {k: v for k, v in changes.items() if getattr(locked, k) != v}
        for field, value in changed.items():
            setattr(locked, field, value)
        if {"emergency_duty_agency", "emergency_duty_person"} & set(changed):
            check_emergency_duty_contact(locked)
        locked.full_clean()
        _check_screening_tool(locked, changed.get("screening_tool_version"))
        if "escalation_manager" in changed:
            _check_escalation_manager(locked, changed["escalation_manager"])
        if changed:
            locked.save(update_fields=list(changed))
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=admin,
            target=locked,
            details={"changed": sorted(changed)},
        )
    return locked
