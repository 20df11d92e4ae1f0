"""The kinds of record beyond young people and intelligence: notifications and emails (a
month at a time), national returns, strategy library documents, MACE meeting minutes, and
the kinds the schedule shows without reviewing them (case notes and documents, which go with
the young person's record, and the audit trail, which is kept)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditAction, AuditDetail, AuditEvent, MeetingHistory
from disruption.models import AgendaItem, AgendaReason, Meeting
from notifications.models import Notification, NotificationKind
from records.models import (
    FIXED_KINDS,
    KIND_TRIGGERS,
    HoldScope,
    RecordKind,
    RetentionAction,
    RetentionReview,
    TriggerKind,
)
from records.review_job import area_due, retention_review_run
from records.selectors import area_rules, held_in, month_number, reviews_for
from records.services import hold_place, hold_release, review_approve, review_ask, rule_set
from referrals.models import CaseNote, InformationRequest
from reports.models import NationalReturn, NationalReturnRow, StrategyDocument, StrategyProfile
from reports.rollups import rollups_refresh
from tests.factories import AreaFactory, member, recorded
from tests.records.world import OLD, OLD_MONTH, TODAY, World, build_world, sent

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def due(world: World, kind: str, today: date = TODAY) -> set[int]:
    return {d.record_id for d in area_due(area=world.area, today=today) if d.kind == kind}


def approve(world: World, kind: str, action: str, record_id: int | None = None) -> Any:
    reviews = RetentionReview.objects.filter(area=world.area, kind=kind, status="open")
    review = reviews.get(record_id=record_id) if record_id else reviews.get()
    return review_approve(
        actor=world.coordinator,
        review=review,
        action=action,
        rule_action=area_rules(area=world.area)[kind].rule.action,
    )


def test_every_kind_is_in_the_schedule_with_a_trigger_it_allows() -> None:
    rows = area_rules(area=AreaFactory.create())
    assert set(rows) == set(RecordKind.values)
    for kind, row in rows.items():
        assert row.rule.trigger in KIND_TRIGGERS[kind]
        assert row.fixed == (kind in FIXED_KINDS)
    words = {kind: row.trigger_words for kind, row in rows.items()}
    assert words[RecordKind.NOTIFICATION] == ("90 days after the end of the month it was sent in")
    assert words[RecordKind.NATIONAL_RETURN] == "6 years after the period it covers ended"
    assert words[RecordKind.MINUTES] == "15 years after the meeting was held"
    assert words[RecordKind.LIBRARY_DOCUMENT] == "6 years after it was uploaded"
    assert words[RecordKind.NOTE] == "With the young person's record"
    assert words[RecordKind.AUDIT] == "Never: kept for as long as the service runs"
    assert rows[RecordKind.AUDIT].rule.action == RetentionAction.KEEP


def test_an_area_sets_days_for_notifications_and_cannot_set_the_fixed_kinds() -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    change: dict[str, Any] = {
        "actor": coordinator,
        "area": area,
        "kind": RecordKind.NOTIFICATION,
        "trigger": TriggerKind.DAYS_AFTER_CREATED,
        "action": RetentionAction.DELETE,
        "justification": "A year, to trace alerts in the annual audit.",
    }
    with pytest.raises(ValidationError) as refused:
        rule_set(number=3651, **change)
    assert set(refused.value.message_dict) == {"number"}
    rule = rule_set(number=365, **change)
    assert (rule.days, rule.years) == (365, None)
    assert area_rules(area=area)[RecordKind.NOTIFICATION].trigger_words.startswith("365 days")
    for kind in FIXED_KINDS:
        with pytest.raises(ValidationError) as refused:
            rule_set(**{**change, "kind": kind, "trigger": TriggerKind.KEPT, "number": 1})
        assert set(refused.value.message_dict) == {"kind"}
    with pytest.raises(ValidationError) as refused:  # a library document is only deleted
        rule_set(
            **{
                **change,
                "kind": RecordKind.LIBRARY_DOCUMENT,
                "trigger": TriggerKind.YEARS_AFTER_UPLOAD,
                "number": 3,
                "action": RetentionAction.ANONYMISE,
            }
        )
    assert set(refused.value.message_dict) == {"action"}


def test_notifications_are_listed_a_month_at_a_time_and_deleted_on_approval(
    world: World,
) -> None:
    old = [sent(world, OLD), sent(world, OLD + timedelta(days=20))]
    recent = sent(world, TODAY)
    other_area = AreaFactory.create()
    theirs = Notification.objects.create(
        recipient=member(Role.COORDINATOR, area=other_area),
        kind=NotificationKind.RETENTION_REVIEWS,
        event_key="test:theirs",
        title="Theirs",
        area=other_area,
    )
    Notification.objects.filter(pk=theirs.pk).update(
        created_at=Notification.objects.get(pk=old[0].pk).created_at
    )

    assert due(world, RecordKind.NOTIFICATION) == {OLD_MONTH}
    # Due 90 days after the end of the month, not before.
    month_end = OLD + relativedelta(months=1)
    assert due(world, RecordKind.NOTIFICATION, month_end + timedelta(days=89)) == set()
    assert due(world, RecordKind.NOTIFICATION, month_end + timedelta(days=90)) == {OLD_MONTH}

    out = StringIO()
    call_command("retention_review", "--dry-run", stdout=out)
    assert f"Notifications and emails of {OLD:%B %Y}: due" in out.getvalue()
    assert not RetentionReview.objects.exists()

    retention_review_run(today=TODAY)
    # One review per area and month: the same month number in two areas.
    reviews = RetentionReview.objects.filter(kind=RecordKind.NOTIFICATION)
    assert sorted((r.area_id, r.record_id) for r in reviews) == sorted(
        [(world.area.pk, OLD_MONTH), (other_area.pk, OLD_MONTH)]
    )
    _, leads = reviews_for(user=world.police_lead, ons_code=world.area.ons_code)
    assert not leads.filter(kind=RecordKind.NOTIFICATION).exists()  # the coordinators'

    tombstone = approve(world, RecordKind.NOTIFICATION, RetentionAction.DELETE)
    assert tombstone.counts == {"notifications and emails": 2}
    assert not Notification.objects.filter(pk__in=[n.pk for n in old]).exists()
    assert Notification.objects.filter(pk=recent.pk).exists()
    assert Notification.objects.filter(pk=theirs.pk).exists()  # another area's review
    assert due(world, RecordKind.NOTIFICATION) == set()  # erased, never listed again
    call_command("audit_verify", stdout=StringIO())


def test_a_month_with_a_notification_about_a_held_case_waits_for_the_hold(world: World) -> None:
    sent(world, OLD, referral=world.referral)
    sent(world, OLD - relativedelta(months=1))
    retention_review_run(today=TODAY)
    hold = hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.REFERRAL,
        record_id=world.referral.pk,
        reason="Prosecution of Dan Smith under way.",
        ends_on=None,
    )
    assert held_in(area_id=world.area.pk).holds(RecordKind.NOTIFICATION, OLD_MONTH)
    _, open_reviews = reviews_for(user=world.coordinator, ons_code=world.area.ons_code)
    assert set(
        open_reviews.filter(kind=RecordKind.NOTIFICATION).values_list("record_id", flat=True)
    ) == {month_number(OLD - relativedelta(months=1))}
    with pytest.raises(ValidationError, match="legal hold"):
        approve(world, RecordKind.NOTIFICATION, RetentionAction.DELETE, OLD_MONTH)
    assert Notification.objects.filter(referral=world.referral).exists()
    RetentionReview.objects.filter(kind=RecordKind.NOTIFICATION).delete()
    assert due(world, RecordKind.NOTIFICATION) == {month_number(OLD - relativedelta(months=1))}
    hold_release(actor=world.coordinator, hold=hold, reason="The trial has ended now.")
    assert OLD_MONTH in due(world, RecordKind.NOTIFICATION)


def return_of(world: World, *, ended: date) -> NationalReturn:
    national_return = NationalReturn.objects.create(
        area=world.area,
        period_start=ended - relativedelta(years=1) + timedelta(days=1),
        period_end=ended,
        imported_by=member(Role.NATIONAL_ANALYST),
    )
    for token in ("a" * 64, ""):
        NationalReturnRow.objects.create(
            national_return=national_return,
            age_band="14-15",
            sex="female",
            ethnicity_group="white",
            agency_type="school",
            risk_level="high",
            exploitation_type="sexual",
            outcome="ongoing",
            timeliness="in_time",
            token=token,
        )
    return national_return


def test_a_national_return_is_deleted_six_years_after_its_period(world: World) -> None:
    rollups_refresh()
    old = return_of(world, ended=TODAY - relativedelta(years=6))
    recent = return_of(world, ended=TODAY - relativedelta(years=6) + timedelta(days=1))
    assert due(world, RecordKind.NATIONAL_RETURN) == {old.pk}
    retention_review_run(today=TODAY)
    tombstone = approve(world, RecordKind.NATIONAL_RETURN, RetentionAction.DELETE)
    assert tombstone.counts == {"national returns": 1, "national return rows": 2}
    assert not NationalReturnRow.objects.filter(national_return_id=old.pk).exists()
    assert NationalReturn.objects.filter(pk=recent.pk).exists()
    out = StringIO()
    call_command("rollups_check", area=[world.area.ons_code], stdout=out)
    assert "0 differ" in out.getvalue()


def library_document(world: World, *, uploaded: datetime) -> StrategyDocument:
    profile, _ = StrategyProfile.objects.get_or_create(area=world.area, year=uploaded.year)
    document = StrategyDocument(
        profile=profile,
        title="Exploitation protocol",
        kind="protocol",
        original_name="protocol.pdf",
        size=8,
        uploaded_by=world.coordinator,
        uploaded_at=uploaded,
    )
    document.file.save("protocol.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return document


def test_a_library_document_and_its_file_go_six_years_after_upload(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    old = library_document(world, uploaded=datetime(2019, 1, 10, tzinfo=UTC))
    new = library_document(world, uploaded=timezone.now())
    downloaded = recorded(
        action=AuditAction.VIEW,
        actor=world.coordinator,
        target=old,
        content={"document": "protocol.pdf"},
    )
    assert due(world, RecordKind.LIBRARY_DOCUMENT) == {old.pk}
    retention_review_run(today=TODAY)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tombstone = approve(world, RecordKind.LIBRARY_DOCUMENT, RetentionAction.DELETE)
    assert default_storage.exists(old.file.name)  # nothing leaves storage before the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(old.file.name)
    assert default_storage.exists(new.file.name)
    assert not StrategyDocument.objects.filter(pk=old.pk).exists()
    assert tombstone.counts == {
        "strategy library documents": 1,
        "uploaded files": 1,
        "audit reasons": 1,
    }
    assert AuditDetail.objects.get(event=downloaded).content == {}
    call_command("audit_verify", stdout=StringIO())


def meeting_of(world: World, *, held: datetime) -> Meeting:
    meeting = Meeting.objects.create(
        area=world.area,
        held_at=held,
        chair=world.coordinator,
        created_by=world.coordinator,
        status="held",
        minutes="Amira Khan was seen with Dan Smith at the park.",
    )
    AgendaItem.objects.create(
        meeting=meeting,
        referral=world.referral,
        reason=AgendaReason.ADDED,
        reasons=[AgendaReason.ADDED],
        decision="Amira's school to be told.",
    )
    return meeting


def test_minutes_are_cleared_fifteen_years_after_the_meeting_unless_held(world: World) -> None:
    rollups_refresh()
    meeting = meeting_of(world, held=timezone.now() - relativedelta(years=15, days=1))
    recent = meeting_of(world, held=timezone.now() - relativedelta(years=14))
    assert due(world, RecordKind.MINUTES) == {meeting.pk}

    # A hold on the young person holds the minutes of the meetings that discussed them.
    hold = hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.YOUNG_PERSON,
        record_id=world.young_person.pk,
        reason="A civil claim has been issued.",
        ends_on=None,
    )
    assert due(world, RecordKind.MINUTES) == set()
    hold_release(actor=world.coordinator, hold=hold, reason="The claim has been settled.")
    retention_review_run(today=TODAY)
    with pytest.raises(PermissionDenied):  # minutes are the coordinators' to review
        review_approve(
            actor=world.police_lead,
            review=RetentionReview.objects.get(kind=RecordKind.MINUTES),
            action=RetentionAction.ANONYMISE,
            rule_action=RetentionAction.ANONYMISE,
        )
    with pytest.raises(ValidationError):  # a meeting is never deleted
        approve(world, RecordKind.MINUTES, RetentionAction.DELETE)

    tombstone = approve(world, RecordKind.MINUTES, RetentionAction.ANONYMISE)

    meeting.refresh_from_db()
    assert "Amira" not in meeting.minutes
    item = AgendaItem.objects.get(meeting=meeting)
    assert "Amira" not in item.decision and item.referral_id == world.referral.pk
    snapshots = MeetingHistory.objects.filter(pgh_obj_id=meeting.pk)
    assert snapshots.exists()
    assert not any("Amira" in s.minutes for s in snapshots)
    assert (tombstone.counts["meeting minutes"], tombstone.counts["agenda decisions"]) == (1, 1)
    assert "Amira" in Meeting.objects.get(pk=recent.pk).minutes
    call_command("audit_verify", stdout=StringIO())
    out = StringIO()
    call_command("rollups_check", area=[world.area.ons_code], stdout=out)
    assert "0 differ" in out.getvalue()


def test_notes_and_case_documents_go_with_the_young_person_and_are_never_listed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    for kind in (*FIXED_KINDS,):
        assert due(world, kind) == set()
    for kind in (RecordKind.NOTE, RecordKind.MINUTES, RecordKind.AUDIT):
        with pytest.raises(ValidationError) as refused:  # erasure is asked for a person
            review_ask(
                actor=world.coordinator,
                area=world.area,
                kind=kind,
                record_id=1,
                reason="Asked for by phone on 1 December.",
            )
        assert set(refused.value.message_dict) == {"kind"}
    upload = InformationRequest.objects.get(referral=world.referral).attachment.name
    retention_review_run(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        tombstone = approve(world, RecordKind.YOUNG_PERSON, RetentionAction.ANONYMISE)
    assert tombstone.counts["case notes"] == 1 and tombstone.counts["uploaded files"] == 1
    assert "Amira" not in CaseNote.objects.get(referral=world.referral).text
    assert not default_storage.exists(upload)
    # The audit trail is kept whole: every event stays, and the chain still verifies.
    events = AuditEvent.objects.count()
    retention_review_run(today=TODAY + timedelta(days=365 * 100))
    assert not RetentionReview.objects.filter(kind__in=FIXED_KINDS).exists()
    assert AuditEvent.objects.count() >= events
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("audit chain intact")
