"""factory-boy factories shared by the whole suite."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

import factory
from django.db import DEFAULT_DB_ALIAS, connections
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from agencies.sessions import SESSION_EPOCH_KEY
from audit.database.base import DatabaseWrapper
from audit.models import AuditEvent
from audit.services import audit_record
from referrals.concerns import referral_create_draft
from referrals.models import Referral, YoungPerson
from referrals.workflow import referral_submit

PASSWORD = "a-test-password-1"


class AreaFactory(factory.django.DjangoModelFactory[Area]):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Test Area {n}")
    ons_code = factory.Sequence(lambda n: f"E98{n:06d}")
    region = "North West"


class AgencyFactory(factory.django.DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    agency_type = AgencyType.EDUCATION

    @factory.post_generation
    def areas(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.areas.add(*extracted)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance: Any, create: bool, results: Any = None) -> None:
        if create:
            instance.save()


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.PRACTITIONER
    area = factory.SubFactory(AreaFactory)
    agency = factory.SubFactory(AgencyFactory)


class YoungPersonFactory(factory.django.DjangoModelFactory[YoungPerson]):
    class Meta:
        model = YoungPerson

    area = factory.SubFactory(AreaFactory)
    given_name = factory.Sequence(lambda n: f"Synthetic{n}")
    family_name = "Person"
    # Ages 10 to 17, different for each: alike names alone never make a match.
    date_of_birth = factory.Sequence(lambda n: date(2008, 1, 1) + timedelta(days=n % 2900))


def member(role: Role, *, area: Area | None = None, agency: Agency | None = None) -> User:
    """A new user holding one active membership in `role` (national analysts hold no area)."""
    if role is Role.NATIONAL_ANALYST:
        return MembershipFactory.create(role=role, area=None, agency=None).user
    area = area or AreaFactory.create()
    agency = agency or AgencyFactory.create(areas=[area])
    return MembershipFactory.create(role=role, area=area, agency=agency).user


# Everything a concern needs before it can be submitted.
COMPLETE_CONCERN: dict[str, Any] = {
    "narrative": "Synthetic concern.",
    "immediate_danger": False,
    "lawful_basis": "safeguarding_public_task",
    "consent": "not_sought",
}


def raise_referral(
    practitioner: User,
    *,
    submit: bool = False,
    concern: dict[str, Any] | None = None,
    **person: Any,
) -> Referral:
    """A concern raised through the practitioner's membership (and submitted if asked)."""
    membership = Membership.objects.get(user=practitioner)
    referral = referral_create_draft(
        actor=practitioner,
        membership=membership,
        young_person=YoungPersonFactory.create(area=membership.area, **person),
        **{**COMPLETE_CONCERN, **(concern or {})},
    )
    return referral_submit(referral=referral, actor=practitioner) if submit else referral


def totp_device(user: User) -> TOTPDevice:
    """The user's authenticator app, set up (confirmed) if they have none yet."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Test authenticator")


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now, as the user's authenticator app would show it.

    A code is accepted once; when this time step's code was used already, the next step's
    (within the device's tolerance) is returned, so a test may sign in twice in a row.
    """
    device.refresh_from_db()
    step = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    return f"{hotp(device.bin_key, max(step, device.last_t + 1), device.digits):0{device.digits}d}"


def sign_in(client: Any, user: User) -> None:
    """Sign `user` in on a Django or DRF test client as a completed sign-in would: password,
    then the authenticator app (the session records the device as django_otp.login does)."""
    device = totp_device(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    # Read afresh: `user` may predate a "sign out everywhere" in the test.
    session[SESSION_EPOCH_KEY] = User.objects.values_list("session_epoch", flat=True).get(
        pk=user.pk
    )
    session.save()


def sign_in_with_password(
    client: Any, identifier: str, password: str = PASSWORD, **extra: str
) -> Any:
    """Sign in through the pages as far as the password, as a person would: who (the first
    step, which sends anyone without an agency's own sign-in to the password step), then the
    password; the password step's answer. `extra` (`next`) goes with both."""
    first = client.post("/sign-in/", {"username": identifier, **extra})
    assert first.status_code == 302, first.status_code
    assert first["Location"].startswith("/sign-in/password/"), first["Location"]
    return client.post(first["Location"], {"password": password, **extra})


def locked_out(user: User) -> None:
    """The user's account locked after repeated failed sign-ins, as django-axes records it."""
    from axes.models import AccessAttempt
    from django.conf import settings

    AccessAttempt.objects.create(
        username=user.username,
        ip_address="192.0.2.10",
        user_agent="Test browser",
        path_info="/sign-in/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )


def recorded(**kwargs: Any) -> AuditEvent:
    """`audit_record`, then the event as stored: the recorder returns nothing, because inside
    a transaction its insert goes with the transaction's next statement."""
    audit_record(**kwargs)
    return AuditEvent.objects.latest("id")


def waiting_audit_statements() -> list[Any]:
    """The audit inserts waiting for the transaction's next statement (audit.database)."""
    return cast(DatabaseWrapper, connections[DEFAULT_DB_ALIAS]).audit_waiting
