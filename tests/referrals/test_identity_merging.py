"""Merging two established records of one young person, and undoing it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditEvent
from disruption.meeting_services import agenda_item_add, meeting_schedule
from disruption.models import AgendaItem, Link, Node, PersonOfConcern
from disruption.services import node_for
from referrals.identity_merging import young_person_merge, young_person_unmerge
from referrals.identity_merging_selectors import young_person_merges
from referrals.models import Referral, YoungPerson, YoungPersonMerge
from referrals.search import parse, search_young_people
from referrals.selectors import young_people_list, young_person_get
from tests.factories import AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db


def _link(young_person: YoungPerson, entity: PersonOfConcern, actor: Any, nature: str) -> Link:
    a, b = sorted((node_for(young_person), node_for(entity)), key=lambda node: node.pk)
    return Link.objects.create(
        area=young_person.area,
        a=a,
        b=b,
        nature=nature,
        source="Synthetic source",
        source_evaluation="1",
        intelligence_assessment="A",
        handling_code="P",
        observed_on=date(2026, 1, 5),
        recorded_by=actor,
    )


@pytest.fixture
def two_records() -> dict[str, Any]:
    """One young person known twice in an area, each record with referrals and a link."""
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    coordinator = member(Role.COORDINATOR, area=area)
    first = raise_referral(practitioner, submit=True, given_name="Amira", family_name="Khan")
    second = raise_referral(practitioner, submit=True, given_name="Amira", family_name="Kahn")
    kept, merged = first.young_person, second.young_person
    another = Referral.objects.create(
        reference="SH-MERGE-2",
        area=area,
        young_person=merged,
        raised_by=practitioner,
        raised_by_agency=second.raised_by_agency,
        state=second.state,
        narrative="Another concern",
        submitted_at=timezone.now(),
    )
    entity = PersonOfConcern.objects.create(
        area=area, name="Synthetic Adult", created_by=coordinator
    )
    return {
        "area": area,
        "coordinator": coordinator,
        "practitioner": practitioner,
        "kept": kept,
        "merged": merged,
        "kept_referral": first,
        "moved": [second, another],
        "kept_link": _link(kept, entity, coordinator, "seen_with"),
        "moved_link": _link(merged, entity, coordinator, "contacted_by"),
        # The same link as the kept record's: it moves, absorbed into that one.
        "repeated_link": _link(merged, entity, coordinator, "seen_with"),
    }


def _merge(case: dict[str, Any], **changes: Any) -> YoungPersonMerge:
    arguments = {
        "actor": case["coordinator"],
        "kept": case["kept"],
        "merged": case["merged"],
        "reason": "Same NHS number on the GP record",
    }
    return young_person_merge(**(arguments | changes))


def _links_as_they_are() -> dict[int, tuple[int, int, int | None]]:
    return {
        link.pk: (link.a_id, link.b_id, link.absorbed_into_id) for link in Link.every_link.all()
    }


def _owner(pk: int) -> int:
    return Referral.objects.get(pk=pk).young_person_id


def test_merge_moves_referrals_and_links_and_keeps_the_merged_record(
    two_records: dict[str, Any],
) -> None:
    case = two_records
    kept, merged = case["kept"], case["merged"]
    merge = _merge(case)
    merged.refresh_from_db()
    assert merged.merged_into_id == kept.pk  # kept, marked, never deleted
    assert sorted(merge.moved_referrals) == sorted(r.pk for r in case["moved"])
    assert all(_owner(r.pk) == kept.pk for r in case["moved"])
    repeated = case["repeated_link"]
    assert merge.moved_links == [case["moved_link"].pk, repeated.pk]
    assert merge.absorbed_links == [repeated.pk]
    moved_link = Link.objects.get(pk=case["moved_link"].pk)
    assert kept.node.pk in (moved_link.a_id, moved_link.b_id)
    absorbed = Link.every_link.get(pk=repeated.pk)  # kept, never deleted
    assert kept.node.pk in (absorbed.a_id, absorbed.b_id)
    assert absorbed.absorbed_into_id == case["kept_link"].pk
    # Nothing is left on the merged record, and the kept one shows each link once.
    assert not Link.every_link.filter(Q(a=merged.node) | Q(b=merged.node)).exists()
    shown = Link.objects.filter(Q(a=kept.node) | Q(b=kept.node))
    assert sorted(shown.values_list("nature", flat=True)) == ["contacted_by", "seen_with"]
    for referral in case["moved"]:
        event = referral.events.get(event_type="young_person_merged")
        assert event.parameters | {"reason": ""} == {
            "kept_record": str(kept),
            "merged_record": str(merged),
            "reason": "",
            "links_moved": 2,
            "links_absorbed": 1,
            "agenda_items": 0,
        }
    audited = AuditEvent.objects.get(object_id=str(merged.pk), detail__reason=merge.reason)
    assert audited.details["referrals_moved"] == merge.moved_referrals
    assert audited.details["links_absorbed"] == [repeated.pk]


def test_a_merged_record_resolves_to_the_kept_one(two_records: dict[str, Any]) -> None:
    case = two_records
    _merge(case)
    coordinator = case["coordinator"]
    assert case["merged"] not in young_people_list(user=coordinator)
    assert young_person_get(user=coordinator, pk=case["merged"].pk) == case["kept"]
    found = search_young_people(actor=coordinator, terms=parse("Amira"))
    assert found[:] == [case["kept"]]


def test_merge_both_ways_then_undo_restores_exactly_what_moved(
    two_records: dict[str, Any],
) -> None:
    case = two_records
    kept, merged = case["kept"], case["merged"]
    before = _links_as_they_are()
    # The other direction first: the older record merged into the newer.
    backwards = _merge(case, kept=merged, merged=kept)
    assert backwards.moved_referrals == [case["kept_referral"].pk]
    assert _owner(case["kept_referral"].pk) == merged.pk
    young_person_unmerge(actor=case["coordinator"], merge=backwards, reason="Wrong way round")
    kept.refresh_from_db()
    assert kept.merged_into_id is None and _owner(case["kept_referral"].pk) == kept.pk
    assert _links_as_they_are() == before

    merge = _merge(case)
    # Something added to the kept record after the merge stays with it on the undo.
    later = raise_referral(case["practitioner"], submit=True)
    Referral.objects.filter(pk=later.pk).update(young_person=kept)
    young_person_unmerge(actor=case["coordinator"], merge=merge, reason="Twins, checked")
    merged.refresh_from_db()
    assert merged.merged_into_id is None
    assert all(_owner(r.pk) == merged.pk for r in case["moved"])
    assert _owner(case["kept_referral"].pk) == kept.pk and _owner(later.pk) == kept.pk
    assert _links_as_they_are() == before  # the absorbed link on its own again too
    merge.refresh_from_db()
    assert merge.undone_by == case["coordinator"] and merge.undo_reason == "Twins, checked"
    assert list(young_person_merges(user=case["coordinator"], young_person=kept)) == []
    for referral in case["moved"]:
        assert referral.events.filter(event_type="young_person_unmerged").count() == 1
    with pytest.raises(ValidationError, match="already been undone"):
        young_person_unmerge(actor=case["coordinator"], merge=merge, reason="Again")


def test_undo_is_refused_after_the_areas_period(two_records: dict[str, Any]) -> None:
    case = two_records
    area = case["area"]
    area.merge_undo_days = 7
    area.save()
    merge = _merge(case)
    YoungPersonMerge.objects.filter(pk=merge.pk).update(
        merged_at=timezone.now() - timedelta(days=7, minutes=1)
    )
    with pytest.raises(ValidationError, match=r"can no longer be undone: .* allows 7 days"):
        young_person_unmerge(actor=case["coordinator"], merge=merge, reason="Too late")
    assert _owner(case["moved"][0].pk) == case["kept"].pk
    YoungPersonMerge.objects.filter(pk=merge.pk).update(
        merged_at=timezone.now() - timedelta(days=6)
    )
    young_person_unmerge(actor=case["coordinator"], merge=merge, reason="In time")
    assert _owner(case["moved"][0].pk) == case["merged"].pk


def test_another_areas_record_is_not_found(two_records: dict[str, Any]) -> None:
    case = two_records
    elsewhere = raise_referral(member(Role.PRACTITIONER), submit=True).young_person
    with pytest.raises(Http404):
        _merge(case, merged=elsewhere)
    assert not YoungPersonMerge.objects.exists()


def test_only_the_areas_coordinators_merge_and_undo(two_records: dict[str, Any]) -> None:
    case = two_records
    police_lead = member(Role.POLICE_LEAD, area=case["area"])
    with pytest.raises(PermissionDenied):
        _merge(case, actor=police_lead)
    merge = _merge(case)
    with pytest.raises(PermissionDenied):
        young_person_unmerge(actor=police_lead, merge=merge, reason="Not mine to undo")
    elsewhere = member(Role.COORDINATOR)
    with pytest.raises(PermissionDenied):
        young_person_unmerge(actor=elsewhere, merge=merge, reason="Not my area")


def test_merge_needs_a_reason_and_two_records(two_records: dict[str, Any]) -> None:
    case = two_records
    with pytest.raises(ValidationError) as refused:
        _merge(case, reason="  ")
    assert set(refused.value.message_dict) == {"reason"}
    with pytest.raises(ValidationError):
        _merge(case, merged=case["kept"])
    _merge(case)
    with pytest.raises(ValidationError, match="already merged"):
        _merge(case)


def test_the_agenda_items_naming_moved_referrals_go_with_them_and_come_back(
    two_records: dict[str, Any],
) -> None:
    case = two_records
    kept, merged, coordinator = case["kept"], case["merged"], case["coordinator"]
    meeting = meeting_schedule(
        actor=coordinator,
        area=case["area"],
        held_at=timezone.now() + timedelta(days=7),
        chair=coordinator,
    )
    item = agenda_item_add(meeting=meeting, actor=coordinator, referral=case["moved"][0])
    merge = _merge(case)

    def agenda_names() -> list[int]:
        items = AgendaItem.objects.filter(meeting=meeting)
        return list(items.values_list("referral__young_person", flat=True))

    assert agenda_names() == [kept.pk]
    audited = AuditEvent.objects.get(object_id=str(merged.pk), detail__reason=merge.reason)
    assert audited.details["agenda_items_moved"] == [item.pk]
    moved_event = case["moved"][0].events.get(event_type="young_person_merged")
    assert moved_event.parameters["agenda_items"] == 1
    young_person_unmerge(actor=coordinator, merge=merge, reason="Twins, checked")
    assert agenda_names() == [merged.pk]
    undone = AuditEvent.objects.get(object_id=str(merged.pk), detail__reason="Twins, checked")
    assert undone.details["agenda_items_restored"] == [item.pk]
    back = case["moved"][0].events.get(event_type="young_person_unmerged")
    assert back.parameters["agenda_items"] == 1 and back.parameters["links_absorbed"] == 1


def test_links_move_to_a_kept_record_not_yet_in_the_network(
    two_records: dict[str, Any],
) -> None:
    case = two_records
    newcomer = raise_referral(case["practitioner"], submit=True).young_person
    assert not Node.objects.filter(young_person=newcomer).exists()
    merge = _merge(case, kept=newcomer)
    node = Node.objects.get(young_person=newcomer)
    moved = Link.objects.filter(Q(a=node) | Q(b=node))
    assert sorted(moved.values_list("pk", flat=True)) == sorted(merge.moved_links)
    assert merge.absorbed_links == []  # nothing there to repeat
