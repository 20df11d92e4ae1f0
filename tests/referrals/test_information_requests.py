"""Information requests: who reads and answers them, what the agency asked reads, and what an
answer or a refusal writes (timeline, audit, notifications, timers)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.http import Http404

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from notifications.models import Notification, NotificationKind
from notifications.timers import timers_check
from referrals.information_requests import (
    Asked,
    Direction,
    InformationRequestClosed,
    information_request_answer,
    information_request_decline,
    information_request_get,
    information_request_list,
    information_request_open,
    information_requests_asked_of,
)
from referrals.models import (
    InformationRequest,
    InformationRequestStatus,
    ReferralEventType,
)
from referrals.selectors import ReferralAccess, referral_access
from referrals.workflow import referral_transition
from tests.factories import member
from tests.referrals.asking import Asking, build_asking

pytestmark = pytest.mark.django_db


@pytest.fixture
def asking() -> Asking:
    return build_asking()


def test_the_agency_asked_reads_the_request_and_nothing_else_of_the_case(asking: Asking) -> None:
    assert referral_access(user=asking.lead, referral=asking.referral) is ReferralAccess.NONE
    assert list(information_requests_asked_of(user=asking.lead)) == [asking.request]
    shown = information_request_open(user=asking.lead, pk=asking.request.pk)
    assert {f.name for f in dataclasses.fields(Asked)} == {
        "pk",
        "status",
        "question",
        "due_on",
        "requested_at",
        "requested_by",
        "agency_id",
        "agency",
        "reference",
        "area_id",
        "referral_id",
        "young_person",
        "date_of_birth",
        "lawful_basis",
        "answer",
        "attachment_name",
        "declined_reason",
        "answered_by",
        "answered_at",
    }
    assert (shown.reference, shown.young_person, shown.date_of_birth) == (
        asking.referral.reference,
        "Amira Khan",
        date(2011, 4, 2),
    )
    assert shown.lawful_basis.startswith("Public task (UK GDPR Art 6(1)(e))")
    assert shown.question == "Is she attending school?"
    viewed = AuditEvent.objects.filter(
        actor=asking.lead, action=AuditAction.VIEW, object_id=str(asking.request.pk)
    )
    assert viewed.get().area_id == asking.area.pk


def test_another_agencys_lead_gets_404(asking: Asking) -> None:
    assert not information_requests_asked_of(user=asking.other_lead).exists()
    assert not information_request_list(user=asking.other_lead).exists()
    with pytest.raises(Http404):
        information_request_get(user=asking.other_lead, pk=asking.request.pk)
    with pytest.raises(PermissionDenied):
        information_request_answer(
            information_request=asking.request, actor=asking.other_lead, answer="Yes"
        )


def test_the_named_lead_professional_answers_for_their_agency(asking: Asking) -> None:
    lead_professional = member(Role.LEAD_PROFESSIONAL, area=asking.area, agency=asking.asked)
    assert not information_requests_asked_of(user=lead_professional).exists()
    referral_transition(
        referral=asking.referral,
        actor=asking.coordinator,
        name="assign_lead",
        inputs={"agency": str(asking.asked.pk), "lead_professional": str(lead_professional.pk)},
    )
    assert list(information_requests_asked_of(user=lead_professional)) == [asking.request]


def test_the_list_runs_both_ways(asking: Asking) -> None:
    assert list(information_request_list(user=asking.coordinator)) == [asking.request]
    assert not information_request_list(user=asking.coordinator, direction=Direction.OF_ME)
    assert list(information_request_list(user=asking.lead, direction=Direction.OF_ME)) == [
        asking.request
    ]
    assert not information_request_list(user=asking.lead, direction=Direction.BY_ME)


def test_an_answer_writes_the_timeline_audit_and_tells_whoever_asked(asking: Asking) -> None:
    document = SimpleUploadedFile("attendance.txt", b"Attended 92%.\n", "text/plain")
    done = information_request_answer(
        information_request=asking.request,
        actor=asking.lead,
        answer="  She attends most days.  ",
        attachment=document,
    )
    done.refresh_from_db()
    assert (done.status, done.answer, done.answered_by) == (
        InformationRequestStatus.ANSWERED,
        "She attends most days.",
        asking.lead,
    )
    assert done.attachment_name == "attendance.txt"
    assert done.attachment.read() == b"Attended 92%.\n"
    event = asking.referral.events.latest("pk")
    assert event.event_type == ReferralEventType.INFORMATION_PROVIDED
    assert event.parameters["information_request_id"] == done.pk
    assert "She attends" not in str(event.parameters)
    assert AuditEvent.objects.filter(
        actor=asking.lead, action=AuditAction.CHANGE, object_id=str(done.pk)
    ).exists()
    told = Notification.objects.get(kind=NotificationKind.INFORMATION_PROVIDED)
    assert told.recipient == asking.coordinator
    assert "Amira" not in told.title + told.body
    with pytest.raises(InformationRequestClosed):
        information_request_decline(
            information_request=asking.request, actor=asking.lead, reason="Not known"
        )


def test_a_refusal_needs_a_reason_and_is_told(asking: Asking) -> None:
    with pytest.raises(ValidationError) as excinfo:
        information_request_decline(
            information_request=asking.request, actor=asking.lead, reason="  "
        )
    assert set(excinfo.value.message_dict) == {"reason"}
    information_request_decline(
        information_request=asking.request, actor=asking.lead, reason="Not known to us."
    )
    asking.request.refresh_from_db()
    assert asking.request.status == InformationRequestStatus.DECLINED
    event = asking.referral.events.latest("pk")
    assert event.event_type == ReferralEventType.INFORMATION_DECLINED
    assert Notification.objects.filter(
        kind=NotificationKind.INFORMATION_DECLINED, recipient=asking.coordinator
    ).exists()


@pytest.mark.parametrize(
    ("answer", "upload", "field"),
    [
        ("", None, "answer"),
        ("x" * 10_001, None, "answer"),
        ("Yes", SimpleUploadedFile("run.exe", b"MZ...", "application/octet-stream"), "attachment"),
        ("Yes", SimpleUploadedFile("fake.pdf", b"not a pdf", "application/pdf"), "attachment"),
    ],
)
def test_answers_are_capped_and_documents_checked(
    asking: Asking, answer: str, upload: SimpleUploadedFile | None, field: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        information_request_answer(
            information_request=asking.request, actor=asking.lead, answer=answer, attachment=upload
        )
    assert set(excinfo.value.message_dict) == {field}
    asking.request.refresh_from_db()
    assert asking.request.status == InformationRequestStatus.OPEN


def test_the_agency_asked_is_told_when_due_soon_then_overdue_then_escalated(
    asking: Asking,
) -> None:
    # Monday 18 May 2026, 10:00 in London; the request is due on Tuesday 19 May.
    monday = datetime(2026, 5, 18, 9, tzinfo=UTC)
    InformationRequest.objects.filter(pk=asking.request.pk).update(due_on=date(2026, 5, 19))
    notified = Notification.objects.filter(referral=asking.referral)

    timers_check(now=monday)
    soon = notified.get(kind=NotificationKind.INFORMATION_DUE_SOON)
    assert soon.recipient == asking.lead
    assert soon.url == f"/information-requests/{asking.request.pk}/"

    timers_check(now=datetime(2026, 5, 20, 9, tzinfo=UTC))  # Wednesday: overdue
    assert notified.get(kind=NotificationKind.INFORMATION_OVERDUE).recipient == asking.lead
    assert not notified.filter(kind=NotificationKind.ESCALATION).exists()

    # One escalation interval (4 working hours) on; past the area's cap of 3 it would be final.
    timers_check(now=datetime(2026, 5, 20, 14, tzinfo=UTC))
    escalated = notified.filter(kind=NotificationKind.ESCALATION)
    assert escalated.exists()
    assert {n.recipient for n in escalated} == {asking.coordinator}
    timers_check(now=datetime(2026, 5, 20, 14, tzinfo=UTC))  # nobody is told twice
    assert escalated.count() == len({n.recipient_id for n in escalated})


@pytest.mark.django_db(transaction=True)  # two threads, each with its own connection
def test_two_answers_at_once_one_is_kept_and_the_other_refused() -> None:
    asking = build_asking()
    colleague = member(Role.AGENCY_SAFEGUARDING_LEAD, area=asking.area, agency=asking.asked)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def answer(actor: User, text: str) -> None:
        try:
            start.wait(timeout=10)
            information_request_answer(information_request=asking.request, actor=actor, answer=text)
            outcomes.append("answered")
        except InformationRequestClosed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=answer, args=(asking.lead, "First.")),
        threading.Thread(target=answer, args=(colleague, "Second.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["answered", "refused"]
    asking.request.refresh_from_db()
    provided = asking.referral.events.filter(event_type=ReferralEventType.INFORMATION_PROVIDED)
    assert provided.count() == 1
    assert asking.request.answer in ("First.", "Second.")
