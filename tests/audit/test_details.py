"""The erasable part of audit events (AuditDetail): free text and content about a case are kept
apart from the hash chain, so erasing them leaves `manage.py audit_verify` passing; and they are
read only by those entitled to the area's cases."""

from __future__ import annotations

import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from agencies.models import Role, User
from audit.models import AuditAction, AuditDetail, AuditEvent
from audit.selectors import CSV_HEADER, audit_csv_rows, audit_search, content_areas
from audit.services import audit_details_erase, audit_record, audit_seal
from referrals.break_glass import break_glass_open
from referrals.identity import young_person_correct
from referrals.workflow import referral_transition
from tests.factories import (
    AreaFactory,
    MembershipFactory,
    member,
    raise_referral,
    recorded,
    sign_in,
)

pytestmark = pytest.mark.django_db

EMERGENCY = "Seen at the hotel on Mill Lane with an older man; need her history now."
CORRECTED = "Her mother says she also uses the name Kayleigh at school."


def verified() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_free_text_and_case_content_are_kept_out_of_the_chained_event() -> None:
    user = member(Role.COORDINATOR)
    event = recorded(
        action=AuditAction.BREAK_GLASS,
        actor=user,
        reason=EMERGENCY,
        details={"expires_at": "2026-12-06T10:00:00+00:00"},
        content={"document": "Amira Khan school report.pdf"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.reason == ""
    assert stored.details == {"expires_at": "2026-12-06T10:00:00+00:00"}
    assert (stored.given_reason(), stored.content()) == (
        EMERGENCY,
        {"document": "Amira Khan school report.pdf"},
    )
    # An event with nothing erasable writes no detail at all.
    plain = recorded(action=AuditAction.VIEW, actor=user, details={"access": "full"})
    assert not AuditDetail.objects.filter(event=plain).exists()


def test_erasing_the_details_keeps_the_chain_verifiable(checkpoint_store: Path) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    break_glass_open(referral=referral, actor=member(Role.COORDINATOR), reason=EMERGENCY)
    young_person_correct(
        referral=referral, actor=coordinator, changes={"given_name": "Kay"}, reason=CORRECTED
    )
    call_command("audit_seal", "--checkpoint", stdout=StringIO())
    assert "audit chain intact" in verified()

    about = AuditEvent.objects.filter(area=area)
    assert audit_details_erase(events=about) == 2
    assert audit_details_erase(events=about) == 0  # erased once
    for detail in AuditDetail.objects.filter(event__area=area):
        assert (detail.reason, detail.content) == ("", {})
        assert detail.erased_at is not None
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent WHERE reason LIKE %s", ["%hotel%"])
        assert cursor.fetchone() == (0,)
    assert "audit chain intact" in verified()
    assert about.filter(action=AuditAction.BREAK_GLASS).get().given_reason() == ""


def test_the_app_role_may_blank_details_but_not_events() -> None:
    event = recorded(action=AuditAction.VIEW, reason="seen")
    audit_seal()
    role = f"hub_app_{uuid.uuid4().hex[:12]}"
    call_command("grant_app_role", role, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
    assert audit_details_erase(events=AuditEvent.objects.filter(pk=event.pk)) == 1
    assert "audit chain intact" in verified()


def test_the_trails_content_is_shown_to_the_areas_coordinators_only() -> None:
    area = AreaFactory.create()
    administrator = MembershipFactory.create(role=Role.AREA_ADMINISTRATOR, area=area).user
    both = MembershipFactory.create(role=Role.AREA_ADMINISTRATOR, area=area).user
    MembershipFactory.create(role=Role.COORDINATOR, area=area, user=both)
    assert content_areas(user=administrator) == frozenset()
    assert content_areas(user=both) == {area.pk}

    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    young_person_correct(
        referral=referral, actor=coordinator, changes={"given_name": "Kay"}, reason=CORRECTED
    )
    audit_record(
        action=AuditAction.VIEW,
        actor=coordinator,
        target=referral,
        content={"document": "Kayleigh statement.pdf"},
    )

    def read(user: User) -> tuple[str, str]:
        client = Client()
        sign_in(client, user)
        page = client.get(f"/administration/{area.ons_code}/audit/").content.decode()
        csv = client.get(f"/administration/{area.ons_code}/audit/", {"format": "csv"})
        return page, b"".join(csv.streaming_content).decode()  # type: ignore[attr-defined]

    for shown in read(administrator):
        assert CORRECTED not in shown and "Kayleigh statement" not in shown
        assert "recorded; shown to the area" in shown
    page, csv = read(both)
    assert CORRECTED in page
    assert CORRECTED in csv and "Kayleigh statement.pdf" in csv

    rows = list(audit_csv_rows(audit_search(area=area), entitled=content_areas(user=both)))
    assert rows[0] == CSV_HEADER
