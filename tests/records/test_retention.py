"""The retention schedule, the review job, review decisions, legal holds and erasure."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from agencies.models import Area, Role
from audit.models import AuditAction, AuditDetail, AuditEvent
from config.celery import app
from disruption.models import Link, Node, PersonOfConcern
from notifications.models import Notification, NotificationKind
from operations.models import TimerOutcome, TimerRun
from records.erasure import ERASERS
from records.models import (
    KIND_ERASURES,
    HoldScope,
    RecordKind,
    RetentionAction,
    RetentionReview,
    RetentionRule,
    ReviewStatus,
    Tombstone,
    TriggerKind,
)
from records.review_job import area_due, retention_review_run
from records.selectors import area_rules, reviews_for
from records.services import (
    hold_place,
    hold_release,
    review_approve,
    review_ask,
    review_extend,
    rule_set,
)
from referrals.models import (
    CaseNote,
    InformationRequest,
    Referral,
    ReferralEvent,
    YoungPerson,
)
from reports.rollups import rollups_refresh
from subject_access.models import ExportStatus, SubjectAccessExport
from tests.factories import AreaFactory, YoungPersonFactory, member, recorded
from tests.records.world import TODAY, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def listed(world: World) -> set[tuple[str, int]]:
    return {(d.kind, d.record_id) for d in area_due(area=world.area, today=TODAY)}


def test_every_kind_has_a_national_default_and_an_area_follows_it_until_it_chooses() -> None:
    area = AreaFactory.create()
    rules = area_rules(area=area)
    assert set(rules) == set(RecordKind.values)
    assert all(row.rule.area_id is None and not row.own for row in rules.values())
    assert rules[RecordKind.YOUNG_PERSON].trigger_words == "The young person's 25th birthday"
    assert rules[RecordKind.PERSON].trigger_words == "10 years after the last link was recorded"

    coordinator = member(Role.COORDINATOR, area=area)
    rule_set(
        actor=coordinator,
        area=area,
        kind=RecordKind.YOUNG_PERSON,
        trigger=TriggerKind.AGE,
        number=30,
        action=RetentionAction.ANONYMISE,
        justification="The partnership keeps records longer for survivors.",
    )
    area.refresh_from_db()
    assert area.retention_review_age_years == 30  # the age lives in the one setting
    rules = area_rules(area=area)
    assert rules[RecordKind.YOUNG_PERSON].own
    assert rules[RecordKind.YOUNG_PERSON].trigger_words == "The young person's 30th birthday"
    assert not rules[RecordKind.PERSON].own
    assert area_rules(area=AreaFactory.create())[RecordKind.YOUNG_PERSON].age == 25
    assert RetentionRule.objects.filter(area__isnull=True).count() == len(RecordKind.values)


def test_the_schedule_is_changed_by_coordinators_and_administrators_only_within_limits() -> None:
    area = AreaFactory.create()
    change: dict[str, Any] = {
        "area": area,
        "kind": RecordKind.PERSON,
        "trigger": TriggerKind.YEARS_AFTER_LAST_LINK,
        "number": 7,
        "action": RetentionAction.DELETE,
        "justification": "Seven years after the last link, as agreed by the board.",
    }
    with pytest.raises(PermissionDenied):
        rule_set(actor=member(Role.POLICE_LEAD, area=area), **change)
    administrator = member(Role.AREA_ADMINISTRATOR, area=area)
    for wrong, field in (
        ({"number": 0}, "number"),
        ({"number": 101}, "number"),
        ({"trigger": TriggerKind.AGE}, "trigger"),
        (
            {"kind": RecordKind.YOUNG_PERSON, "trigger": TriggerKind.AGE, "action": "delete"},
            "action",
        ),
        ({"justification": "short"}, "justification"),
    ):
        with pytest.raises(ValidationError) as refused:
            rule_set(actor=administrator, **{**change, **wrong})
        assert field in refused.value.message_dict
    rule = rule_set(actor=administrator, **change)
    assert (rule.years, rule.action) == (7, "delete")
    assert AuditEvent.objects.filter(object_id=str(rule.pk), actor=administrator).exists()


def test_the_job_lists_what_reached_its_trigger_and_nothing_else(world: World) -> None:
    assert listed(world) == {
        (RecordKind.YOUNG_PERSON, world.young_person.pk),
        (RecordKind.PERSON, world.person.pk),
    }
    # On 2 April 2026 the young person was 25 already, but the person of concern's ten years
    # since the last link had not passed.
    earlier = {(d.kind, d.record_id) for d in area_due(area=world.area, today=date(2026, 4, 2))}
    assert earlier == {(RecordKind.YOUNG_PERSON, world.young_person.pk)}
    # Open referral: the record is in use.
    Referral.objects.filter(pk=world.referral.pk).update(state="active")
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in listed(world)
    Referral.objects.filter(pk=world.referral.pk).update(state="closed")
    # A looked-after child's record is kept until their 75th birthday.
    YoungPerson.objects.filter(pk=world.young_person.pk).update(looked_after=True)
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in listed(world)


def test_a_dry_run_lists_nothing_and_a_run_lists_each_record_once(world: World) -> None:
    out = StringIO()
    call_command("retention_review", "--dry-run", stdout=out)
    assert "would be listed" in out.getvalue()
    assert "Amira" not in out.getvalue()  # kinds and ids only
    assert not RetentionReview.objects.exists()

    assert len(retention_review_run(today=TODAY)) == 2
    assert RetentionReview.objects.filter(status=ReviewStatus.OPEN).count() == 2
    # Each reviewer is told what waits for them: the young person for the coordinators,
    # the person of concern for the police leads.
    told = Notification.objects.filter(kind=NotificationKind.RETENTION_REVIEWS)
    assert sorted((n.recipient_id, n.title) for n in told) == sorted(
        [
            (world.coordinator.pk, "1 record waits for your review under the retention schedule"),
            (world.police_lead.pk, "1 record waits for your review under the retention schedule"),
        ]
    )
    assert {n.url for n in told} == {f"/records/{world.area.ons_code}/reviews/"}
    assert retention_review_run(today=TODAY) == []  # listed already
    assert AuditEvent.objects.filter(area=world.area, details__retention_reviews_listed=2).exists()


def test_kept_longer_the_record_is_listed_again_on_the_new_date(world: World) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    with pytest.raises(PermissionDenied):  # intelligence's reviewer is not young people's
        review_extend(
            actor=world.police_lead,
            review=review,
            reason="A civil claim is expected.",
            keep_until=date.today() + timedelta(days=400),
        )
    with pytest.raises(ValidationError) as refused:
        review_extend(
            actor=world.coordinator, review=review, reason="Claim.", keep_until=date(9999, 1, 1)
        )
    assert set(refused.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError) as refused:
        review_extend(
            actor=world.coordinator,
            review=review,
            reason="A civil claim is expected.",
            keep_until=date(2090, 1, 1),
        )
    assert set(refused.value.message_dict) == {"keep_until"}  # out of the sane range
    keep_until = TODAY + timedelta(days=200)
    review_extend(
        actor=world.coordinator,
        review=review,
        reason="A civil claim is expected.",
        keep_until=keep_until,
    )
    review.refresh_from_db()
    assert review.status == ReviewStatus.EXTENDED
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in {
        (d.kind, d.record_id) for d in area_due(area=world.area, today=keep_until - timedelta(1))
    }
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) in {
        (d.kind, d.record_id) for d in area_due(area=world.area, today=keep_until)
    }


def test_approval_anonymises_the_young_person_and_their_case_in_one_transaction(
    world: World, django_capture_on_commit_callbacks
) -> None:
    rollups_refresh()
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    said = recorded(
        action=AuditAction.CHANGE,
        actor=world.coordinator,
        target=world.referral,
        reason="Amira told her teacher about the man in the car",
    )
    upload = InformationRequest.objects.get(referral=world.referral).attachment.name
    assert default_storage.exists(upload)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tombstone = review_approve(
            actor=world.coordinator,
            review=review,
            action=RetentionAction.ANONYMISE,
            rule_action=RetentionAction.REVIEW,
        )
    assert default_storage.exists(upload)  # nothing leaves storage before the commit
    for callback in callbacks:
        callback()
    assert not default_storage.exists(upload)

    person = YoungPerson.objects.get(pk=world.young_person.pk)
    assert (person.given_name, person.date_of_birth, person.aliases) == ("Removed", None, [])
    referral = Referral.objects.get(pk=world.referral.pk)
    assert referral.narrative == "" and referral.reference == world.referral.reference
    assert "Amira" not in CaseNote.objects.get(referral=referral).text
    request = InformationRequest.objects.get(referral=referral)
    assert (request.answer, request.attachment.name) == ("", "")
    link = Link.every_link.get(referral=referral)
    assert "Amira" not in link.detail + link.source
    assert Node.objects.get(young_person=person).label == "Removed record"
    timeline = str(list(ReferralEvent.objects.filter(referral=referral).values("parameters")))
    assert "attending school" not in timeline and "question" in timeline  # the step stays

    assert (tombstone.kind, tombstone.record_id, tombstone.approved_by) == (
        RecordKind.YOUNG_PERSON,
        person.pk,
        world.coordinator,
    )
    assert tombstone.counts["young people"] == 1 and tombstone.counts["uploaded files"] == 1
    assert "Amira" not in str(tombstone.counts)
    review.refresh_from_db()
    assert (review.status, review.action) == (ReviewStatus.ERASED, "anonymise")
    assert AuditEvent.objects.filter(
        object_type="records.tombstone", object_id=str(tombstone.pk), actor=world.coordinator
    ).exists()
    # Erased once, never listed again.
    assert (RecordKind.YOUNG_PERSON, person.pk) not in listed(world)

    detail = AuditDetail.objects.get(event=said)
    assert (detail.reason, detail.erased_at is not None) == ("", True)
    assert tombstone.counts["audit reasons"] >= 1
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("audit chain intact")
    out = StringIO()
    call_command("rollups_check", area=[world.area.ons_code], stdout=out)
    assert "0 differ" in out.getvalue()


def test_a_refused_erasure_changes_nothing(world: World) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    Referral.objects.filter(pk=world.referral.pk).update(state="active")  # reopened since
    with pytest.raises(ValidationError, match="put off"):
        review_approve(
            actor=world.coordinator,
            review=review,
            action=RetentionAction.ANONYMISE,
            rule_action=RetentionAction.REVIEW,
        )
    Referral.objects.filter(pk=world.referral.pk).update(state="closed")
    with pytest.raises(ValidationError):  # young people are never deleted
        review_approve(
            actor=world.coordinator,
            review=review,
            action=RetentionAction.DELETE,
            rule_action=RetentionAction.REVIEW,
        )
    with pytest.raises(PermissionDenied):
        review_approve(
            actor=world.police_lead,
            review=review,
            action=RetentionAction.ANONYMISE,
            rule_action=RetentionAction.REVIEW,
        )
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Amira"
    assert not Tombstone.objects.exists()


def test_the_police_lead_anonymises_or_deletes_intelligence(world: World) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.PERSON)
    _, coordinators = reviews_for(user=world.coordinator, ons_code=world.area.ons_code)
    assert review not in coordinators
    _, leads = reviews_for(user=world.police_lead, ons_code=world.area.ons_code)
    assert list(leads) == [review]

    tombstone = review_approve(
        actor=world.police_lead,
        review=review,
        action=RetentionAction.DELETE,
        rule_action=RetentionAction.REVIEW,
    )
    assert not PersonOfConcern.objects.filter(pk=world.person.pk).exists()
    assert not Link.every_link.filter(referral=world.referral).exists()
    assert tombstone.counts == {
        "audit reasons": 0,
        "link alerts": 0,
        "links": 1,
        "subject access exports": 0,
        "persons of concern": 1,
        "history snapshots": tombstone.counts["history snapshots"],
    }
    assert tombstone.counts["history snapshots"] >= 2  # the person's and the link's
    # The young person's side stays until their own review is decided.
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Amira"
    call_command("audit_verify", stdout=StringIO())
    call_command("rollups_check", area=[world.area.ons_code], stdout=StringIO())


def export_of(world: World, **subject: Any) -> SubjectAccessExport:
    export = SubjectAccessExport.objects.create(
        area=world.area,
        received_on=TODAY,
        requester="Their solicitor, Ms Patel",
        started_by=world.coordinator,
        started_at=timezone.now(),
        status=ExportStatus.AWAITING if "person_of_concern" in subject else ExportStatus.DONE,
        **subject,
    )
    export.pdf.save("export.pdf", ContentFile(b"%PDF-1.4"), save=False)
    export.bundle.save("export.zip", ContentFile(b"PK"), save=True)
    return export


def test_erasure_takes_the_subject_access_exports_files_and_requesters_with_it(
    world: World, django_capture_on_commit_callbacks
) -> None:
    """An export holds everything about its subject: its files go after the commit, its row
    stays without the requester's name, or goes with a deleted person of concern."""
    answered = export_of(world, young_person=world.young_person)
    waiting = export_of(world, person_of_concern=world.person)
    files = [answered.pdf.name, answered.bundle.name, waiting.pdf.name, waiting.bundle.name]
    retention_review_run(today=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        for kind, action, actor in (
            (RecordKind.YOUNG_PERSON, RetentionAction.ANONYMISE, world.coordinator),
            (RecordKind.PERSON, RetentionAction.DELETE, world.police_lead),
        ):
            tombstone = review_approve(
                actor=actor,
                review=RetentionReview.objects.get(kind=kind),
                action=action,
                rule_action=RetentionAction.REVIEW,
            )
            assert tombstone.counts["subject access exports"] == 1
    answered.refresh_from_db()
    assert (answered.pdf.name, answered.bundle.name) == ("", "")
    assert "Patel" not in answered.requester
    assert not SubjectAccessExport.objects.filter(pk=waiting.pk).exists()
    assert not any(default_storage.exists(name) for name in files)


def test_an_anonymised_person_of_concern_keeps_their_links_without_their_text(
    world: World,
) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.PERSON)
    review_approve(
        actor=world.police_lead,
        review=review,
        action=RetentionAction.ANONYMISE,
        rule_action=RetentionAction.REVIEW,
    )
    person = PersonOfConcern.objects.get(pk=world.person.pk)
    assert (person.name, person.name_signatures) == ("Removed person of concern", [])
    link = Link.every_link.get(referral=world.referral)
    assert link.detail == "" and "Amira" not in link.source


def test_held_records_are_never_listed_nor_erased(world: World) -> None:
    retention_review_run(today=TODAY)
    review = RetentionReview.objects.get(kind=RecordKind.YOUNG_PERSON)
    with pytest.raises(PermissionDenied):
        hold_place(
            actor=world.police_lead,
            area=world.area,
            scope=HoldScope.AREA,
            record_id=None,
            reason="Public inquiry into the area.",
            ends_on=None,
        )
    hold = hold_place(
        actor=world.administrator,
        area=world.area,
        scope=HoldScope.REFERRAL,
        record_id=world.referral.pk,
        reason="Prosecution of Dan Smith under way.",
        ends_on=None,
    )
    with pytest.raises(ValidationError, match="legal hold"):
        review_approve(
            actor=world.coordinator,
            review=review,
            action=RetentionAction.ANONYMISE,
            rule_action=RetentionAction.REVIEW,
        )
    _, open_reviews = reviews_for(user=world.coordinator, ons_code=world.area.ons_code)
    assert not open_reviews.exists()
    review.delete()
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in listed(world)

    with pytest.raises(PermissionDenied):
        hold_release(actor=world.police_lead, hold=hold, reason="The trial has ended now.")
    hold_release(actor=world.coordinator, hold=hold, reason="The trial has ended now.")
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) in listed(world)
    assert (
        AuditEvent.objects.filter(object_type="records.legalhold", object_id=str(hold.pk)).count()
        == 2
    )

    hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.AREA,
        record_id=None,
        reason="Independent inquiry moratorium.",
        ends_on=TODAY,  # in force until the end of that day
    )
    assert listed(world) == set()


def test_a_hold_names_a_record_of_its_own_area(world: World) -> None:
    other = AreaFactory.create()
    with pytest.raises(Http404):
        hold_place(
            actor=member(Role.COORDINATOR, area=other),
            area=other,
            scope=HoldScope.PERSON,
            record_id=world.person.pk,
            reason="A hold across areas.",
            ends_on=None,
        )


def test_every_erasure_the_schedule_offers_is_implemented() -> None:
    offered = {(kind, action) for kind, actions in KIND_ERASURES.items() for action in actions}
    assert offered == set(ERASERS)


def test_the_area_setting_is_read_by_the_young_persons_trigger(world: World) -> None:
    Area.objects.filter(pk=world.area.pk).update(retention_review_age_years=30)
    world.area.refresh_from_db()
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in listed(world)


def test_the_nightly_job_is_a_timed_task_that_records_its_run() -> None:
    assert settings.CELERY_BEAT_SCHEDULE["records-retention-review"]["task"] == (
        "records.retention_review"
    )
    YoungPersonFactory.create(date_of_birth=date(1995, 1, 1))  # 25 years ago and more
    app.loader.import_default_modules()
    assert app.tasks["records.retention_review"].apply().get() == 1
    run = TimerRun.objects.get(job="records.retention_review")
    assert (run.outcome, run.count) == (TimerOutcome.DONE, 1)


def test_a_hold_on_the_young_person_lasts_until_its_end(world: World) -> None:
    hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.YOUNG_PERSON,
        record_id=world.young_person.pk,
        reason="A civil claim has been issued.",
        ends_on=TODAY + timedelta(days=10),
    )
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) not in listed(world)
    after = area_due(area=world.area, today=TODAY + timedelta(days=11))
    assert (RecordKind.YOUNG_PERSON, world.young_person.pk) in {
        (d.kind, d.record_id) for d in after
    }
    with pytest.raises(ValidationError) as refused:
        hold_place(
            actor=world.coordinator,
            area=world.area,
            scope=HoldScope.YOUNG_PERSON,
            record_id=world.young_person.pk,
            reason="A civil claim has been issued.",
            ends_on=TODAY - timedelta(days=1),
        )
    assert set(refused.value.message_dict) == {"ends_on"}


def test_the_command_without_dry_run_lists_as_the_nightly_job_does(world: World) -> None:
    out = StringIO()
    call_command("retention_review", stdout=out)
    assert out.getvalue().strip().endswith("2 record(s) listed for review")
    assert f"Persons of concern record {world.person.pk}" in out.getvalue()
    assert RetentionReview.objects.filter(area=world.area, status=ReviewStatus.OPEN).count() == 2


def test_a_record_whose_erasure_is_asked_for_is_listed_now_and_erased_on_approval(
    world: World,
) -> None:
    # Born in 2000 and so due; made young again, the schedule would not list them for years.
    YoungPerson.objects.filter(pk=world.young_person.pk).update(date_of_birth=date(2012, 1, 1))
    assert listed(world) == {(RecordKind.PERSON, world.person.pk)}
    reason = "Amira asked on 1 December for her record to be erased."
    with pytest.raises(PermissionDenied):  # young people are the coordinators' to review
        review_ask(
            actor=world.police_lead,
            area=world.area,
            kind=RecordKind.YOUNG_PERSON,
            record_id=world.young_person.pk,
            reason=reason,
        )
    with pytest.raises(Http404):  # a record of another area
        review_ask(
            actor=world.coordinator,
            area=world.area,
            kind=RecordKind.YOUNG_PERSON,
            record_id=YoungPersonFactory.create().pk,
            reason=reason,
        )

    review = review_ask(
        actor=world.coordinator,
        area=world.area,
        kind=RecordKind.YOUNG_PERSON,
        record_id=world.young_person.pk,
        reason=reason,
    )

    assert (review.status, review.due_on, review.asked_by) == ("open", TODAY, world.coordinator)
    with pytest.raises(ValidationError, match="listed for review already"):
        review_ask(
            actor=world.coordinator,
            area=world.area,
            kind=RecordKind.YOUNG_PERSON,
            record_id=world.young_person.pk,
            reason=reason,
        )
    asked = AuditEvent.objects.get(
        object_type="records.retentionreview", object_id=str(review.pk), action=AuditAction.CREATE
    )
    assert asked.detail.reason == reason and "Amira" not in str(asked.details)

    tombstone = review_approve(
        actor=world.coordinator, review=review, action="anonymise", rule_action="anonymise"
    )

    assert tombstone.record_id == world.young_person.pk
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Removed"
    review.refresh_from_db()
    assert review.asked_reason == "" and review.status == ReviewStatus.ERASED
    asked.detail.refresh_from_db()
    assert asked.detail.reason == ""  # why it was asked for went with the record


def test_erasure_is_not_asked_for_a_held_record_nor_one_in_use(world: World) -> None:
    ask: dict[str, Any] = {
        "actor": world.coordinator,
        "area": world.area,
        "kind": RecordKind.YOUNG_PERSON,
        "record_id": world.young_person.pk,
        "reason": "Amira asked on 1 December for her record to be erased.",
    }
    Referral.objects.filter(pk=world.referral.pk).update(state="active")
    with pytest.raises(ValidationError, match="open referral"):
        review_ask(**ask)
    Referral.objects.filter(pk=world.referral.pk).update(state="closed")
    hold = hold_place(
        actor=world.coordinator,
        area=world.area,
        scope=HoldScope.YOUNG_PERSON,
        record_id=world.young_person.pk,
        reason="Operation Bluebell prosecution.",
        ends_on=None,
    )
    with pytest.raises(ValidationError, match="legal hold"):
        review_ask(**ask)
    hold_release(actor=world.coordinator, hold=hold, reason="The trial has ended.")
    review = review_ask(**ask)
    # A referral reopened after it was listed: the approval is refused, the record kept.
    Referral.objects.filter(pk=world.referral.pk).update(state="active")
    with pytest.raises(ValidationError, match="open referral"):
        review_approve(
            actor=world.coordinator, review=review, action="anonymise", rule_action="anonymise"
        )
    assert YoungPerson.objects.get(pk=world.young_person.pk).given_name == "Amira"
