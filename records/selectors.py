"""Reads of records management, scoped to the user: the area's schedule, the reviews they
decide, the legal holds in force. An area out of the user's roles answers 404."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, Model, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from agencies.models import Area, Membership, Role
from agencies.selectors import membership_in
from disruption.models import ENTITY_MODELS, AgendaItem, Meeting, NodeKind
from disruption.selectors import entity_list
from notifications.models import Notification
from referrals.models import Referral, YoungPerson
from referrals.selectors import young_people_list
from reports.models import NationalReturn, StrategyDocument

from .models import (
    DAY_TRIGGERS,
    FIXED_KINDS,
    INTELLIGENCE_KINDS,
    MONTH_KINDS,
    UNCOUNTED,
    HoldScope,
    LegalHold,
    RecordKind,
    RetentionReview,
    RetentionRule,
    ReviewStatus,
    Tombstone,
    TriggerKind,
)

# Who reads an area's schedule and its holds, and who changes them.
SCHEDULE_READERS = (
    Role.COORDINATOR,
    Role.POLICE_LEAD,
    Role.AREA_ADMINISTRATOR,
    Role.BOARD_MEMBER,
)
SCHEDULE_KEEPERS = (Role.COORDINATOR, Role.AREA_ADMINISTRATOR)
HOLD_READERS = (Role.COORDINATOR, Role.POLICE_LEAD, Role.AREA_ADMINISTRATOR)
HOLD_KEEPERS = SCHEDULE_KEEPERS
# A looked-after child's record is kept until their 75th birthday, whatever the area's age.
LOOKED_AFTER_AGE = 75

# Each kind of entity by its hold scope and its kind of record (they share their codes).
ENTITY_KINDS: dict[str, NodeKind] = {
    RecordKind.PERSON: NodeKind.PERSON,
    RecordKind.LOCATION: NodeKind.LOCATION,
    RecordKind.VEHICLE: NodeKind.VEHICLE,
    RecordKind.IDENTIFIER: NodeKind.IDENTIFIER,
}


# Who reviews records that reached their trigger: see reviewer_roles for which kinds.
REVIEWERS = (Role.COORDINATOR, Role.POLICE_LEAD)


def reviewer_roles(kind: str) -> tuple[Role, ...]:
    """Intelligence is reviewed by the police lead, the rest by the coordinator."""
    return (Role.POLICE_LEAD,) if kind in INTELLIGENCE_KINDS else (Role.COORDINATOR,)


def area_with_role(*, user: Any, ons_code: str, roles: Iterable[Role]) -> tuple[Area, Membership]:
    """The area and the user's membership in one of `roles` there; 404 otherwise, so an area
    the user has no part in is not told apart from one that does not exist."""
    area = Area.objects.filter(ons_code=ons_code).first()
    membership = area and membership_in(user=user, area_id=area.pk, roles=roles)
    if area is None or not membership:
        raise Http404
    return area, membership


def areas_with_role(*, user: Any, roles: Iterable[Role]) -> list[Area]:
    wanted = set(roles)
    return list(
        Area.objects.filter(
            memberships__user=user,
            memberships__is_active=True,
            memberships__role__in=wanted,
        )
        .distinct()
        .order_by("name")
    )


@dataclass(frozen=True)
class ScheduleRow:
    """One kind of record in an area's schedule: the rule in force and where it comes from."""

    kind: str
    rule: RetentionRule
    own: bool  # the area's own rule, not the national default
    age: int | None  # for the age trigger, the area's retention age

    @property
    def fixed(self) -> bool:
        """Set nationally: the kind follows the young person's record or is kept."""
        return self.kind in FIXED_KINDS

    @property
    def number(self) -> int | None:
        """The age for the age trigger, the days for a day trigger, else the years."""
        if self.rule.trigger == TriggerKind.AGE:
            return self.age
        return self.rule.days if self.rule.trigger in DAY_TRIGGERS else self.rule.years

    @property
    def trigger_words(self) -> str:
        if self.rule.trigger == TriggerKind.AGE:
            return f"The young person's {_ordinal(self.age or 0)} birthday"
        label = TriggerKind(self.rule.trigger).label
        if self.rule.trigger in UNCOUNTED:
            return label
        return f"{self.number} {label[0].lower()}{label[1:]}"


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def area_rules(*, area: Area) -> dict[str, ScheduleRow]:
    """The rule in force for every kind of record in `area`: its own, else the national
    default. One query."""
    rules = RetentionRule.objects.filter(Q(area=area) | Q(area__isnull=True)).select_related(
        "changed_by"
    )
    national = {r.kind: r for r in rules if r.area_id is None}
    own = {r.kind: r for r in rules if r.area_id is not None}
    return {
        kind: ScheduleRow(
            kind=kind,
            rule=own.get(kind) or national[kind],
            own=kind in own,
            age=area.retention_review_age_years if kind == RecordKind.YOUNG_PERSON else None,
        )
        for kind in RecordKind.values
    }


def area_schedule(*, user: Any, ons_code: str) -> tuple[Area, list[ScheduleRow]]:
    area, _ = area_with_role(user=user, ons_code=ons_code, roles=SCHEDULE_READERS)
    return area, list(area_rules(area=area).values())


def can_keep_schedule(*, user: Any, area: Area) -> bool:
    return membership_in(user=user, area_id=area.pk, roles=SCHEDULE_KEEPERS) is not None


# Legal holds.


def active_holds(*, today: date | None = None) -> QuerySet[LegalHold]:
    """Holds in force: not released and not past their end."""
    today = today or timezone.localdate()
    return LegalHold.objects.filter(released_at__isnull=True).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today)
    )


@dataclass(frozen=True)
class Held:
    """What the holds in force of one area keep: everything, or these records by kind."""

    whole_area: bool
    records: dict[str, set[int]]

    def holds(self, kind: str, record_id: int) -> bool:
        return self.whole_area or record_id in self.records.get(kind, set())


def held_in(*, area_id: int, today: date | None = None) -> Held:
    """What is held in an area, by kind of record. A hold on a referral holds its young
    person, whose erasure would reach it (and so their notes and documents); a held young
    person or piece of intelligence holds the minutes of every meeting that discussed them,
    and the months of notifications about the young person's referrals."""
    holds = list(
        active_holds(today=today).filter(area_id=area_id).values_list("scope", "record_id")
    )
    records: dict[str, set[int]] = {}
    for scope, record_id in holds:
        if record_id is not None:  # every scope but the whole area names its record
            records.setdefault(scope, set()).add(record_id)
    referral_ids = records.pop(HoldScope.REFERRAL, set())
    if referral_ids:
        records.setdefault(RecordKind.YOUNG_PERSON, set()).update(
            Referral.objects.filter(pk__in=referral_ids).values_list("young_person_id", flat=True)
        )
    if records:
        records.update(_held_through_cases(area_id, records))
    return Held(whole_area=any(s == HoldScope.AREA for s, _ in holds), records=records)


def _held_through_cases(area_id: int, records: dict[str, set[int]]) -> dict[str, set[int]]:
    """The meetings and notification months that name a held record: two queries."""
    young = records.get(RecordKind.YOUNG_PERSON, set())
    about = Q(referral__young_person__in=young) | Q(node__young_person__in=young)
    for kind, node_kind in ENTITY_KINDS.items():
        about |= Q(**{f"node__{node_kind.value}__in": records.get(kind, set())})
    meetings = AgendaItem.objects.filter(about, meeting__area_id=area_id).values_list(
        "meeting_id", flat=True
    )
    sent = Notification.objects.filter(
        area_id=area_id, referral__young_person__in=young
    ).values_list("created_at", flat=True)
    return {
        RecordKind.MINUTES: set(meetings),
        RecordKind.NOTIFICATION: {month_number(timezone.localtime(at).date()) for at in sent},
    }


def month_number(day: date) -> int:
    """The month of `day` as a review names it: 202603 for March 2026."""
    return day.year * 100 + day.month


def month_of(number: int) -> date:
    """The first day of the month a review names (records.models.MONTH_KINDS)."""
    return date(number // 100, number % 100, 1)


def month_span(number: int) -> tuple[datetime, datetime]:
    """The moments a month named by its number starts and ends (exclusive), local time."""
    first = month_of(number)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(
        datetime.combine(
            date(first.year + first.month // 12, first.month % 12 + 1, 1), datetime.min.time()
        )
    )
    return start, end


def record_words(kind: str, record_id: int) -> str:
    """A record by its kind and number, for a terminal or a list: never a name."""
    if kind in MONTH_KINDS:
        return _month_words(kind, record_id)
    return f"{RecordKind(kind).label} record {record_id}"


def area_holds(*, user: Any, ons_code: str) -> tuple[Area, QuerySet[LegalHold]]:
    """Every hold of the area, in force first, newest first."""
    area, _ = area_with_role(user=user, ons_code=ons_code, roles=HOLD_READERS)
    holds = (
        LegalHold.objects.filter(area=area)
        .select_related("placed_by", "released_by")
        .order_by(F("released_at").asc(nulls_first=True), "-placed_at", "-id")
    )
    return area, holds


def area_hold(*, user: Any, ons_code: str, pk: int) -> tuple[Area, LegalHold]:
    area, holds = area_holds(user=user, ons_code=ons_code)
    hold = holds.filter(pk=pk).first()
    if hold is None:
        raise Http404
    return area, hold


def hold_target(*, area: Area, scope: str, record_id: int | None) -> Any:
    """The record a hold names, in `area`; 404 for one that is not there."""
    if scope == HoldScope.AREA:
        return area
    model: Any = {
        HoldScope.YOUNG_PERSON: YoungPerson,
        HoldScope.REFERRAL: Referral,
        **{scope: ENTITY_MODELS[node] for scope, node in ENTITY_KINDS.items()},
    }[HoldScope(scope)]
    record = model.objects.filter(area=area, pk=record_id).first()
    if record is None:
        raise Http404
    return record


@dataclass(frozen=True)
class HoldLabels:
    words: dict[int, str]  # by hold id
    named: list[Any]  # the records named in them, for the caller to record as seen


def hold_labels(holds: Iterable[LegalHold], *, user: Any) -> HoldLabels:
    """What each hold holds, in words: a referral by its reference; a young person or a
    piece of intelligence by name where `user` may see that record (and so it is named to
    them), else by its kind and record number, as for an area administrator. One query per
    kind of record, whatever the number of holds."""
    holds = list(holds)
    wanted: dict[str, set[int]] = {}
    for hold in holds:
        if hold.scope != HoldScope.AREA:
            wanted.setdefault(hold.scope, set()).add(hold.record_id or 0)
    references = dict(
        Referral.objects.filter(pk__in=wanted.pop(HoldScope.REFERRAL, set())).values_list(
            "pk", "reference"
        )
    )
    named = {
        (scope, record.pk): record
        for scope, ids in wanted.items()
        for record in _visible_to(user, scope).filter(pk__in=ids)
    }
    words = {}
    for hold in holds:
        if hold.scope == HoldScope.AREA:
            words[hold.pk] = "Every record of the area"
        elif hold.scope == HoldScope.REFERRAL:
            words[hold.pk] = f"Referral {references.get(hold.record_id, hold.record_id)}"
        elif record := named.get((hold.scope, hold.record_id)):
            words[hold.pk] = f"{HoldScope(hold.scope).label}: {record}"
        else:
            words[hold.pk] = f"{HoldScope(hold.scope).label} (record {hold.record_id})"
    return HoldLabels(words=words, named=list(named.values()))


def _visible_to(user: Any, scope: str) -> QuerySet[Any]:
    if scope == HoldScope.YOUNG_PERSON:
        return young_people_list(user=user)
    return entity_list(user=user, model=ENTITY_MODELS[ENTITY_KINDS[scope]])


# Reviews.


def reviews_for(*, user: Any, ons_code: str) -> tuple[Area, QuerySet[RetentionReview]]:
    """The open reviews of the area the user decides: young people for its coordinators,
    intelligence for its police leads. Held records are left out."""
    area, _ = area_with_role(user=user, ons_code=ons_code, roles=REVIEWERS)
    return area, _open_reviews(user=user, area=area)


def reviews_waiting(*, user: Any) -> list[tuple[Area, int]]:
    """How many records wait for the user's review in each area they review: the home page
    points to what the nightly job listed, as nobody is told otherwise."""
    return [
        (area, _open_reviews(user=user, area=area).count())
        for area in areas_with_role(user=user, roles=REVIEWERS)
    ]


def reviewed_kinds(*, user: Any, area: Area) -> list[str]:
    """The kinds of record the user reviews in the area."""
    return [
        k
        for k in RecordKind.values
        if membership_in(user=user, area_id=area.pk, roles=reviewer_roles(k))
    ]


def _open_reviews(*, user: Any, area: Area) -> QuerySet[RetentionReview]:
    kinds = reviewed_kinds(user=user, area=area)
    reviews = RetentionReview.objects.filter(area=area, kind__in=kinds, status=ReviewStatus.OPEN)
    held = held_in(area_id=area.pk)
    if held.whole_area:
        return reviews.none()
    for kind, ids in held.records.items():
        reviews = reviews.exclude(kind=kind, record_id__in=ids)
    return reviews


def review_for(*, user: Any, ons_code: str, pk: int) -> tuple[Area, RetentionReview]:
    area, reviews = reviews_for(user=user, ons_code=ons_code)
    review = reviews.filter(pk=pk).first()
    if review is None:
        raise Http404
    return area, review


def reviewed_records(reviews: Iterable[RetentionReview]) -> dict[tuple[str, int], Any]:
    """The records the reviews name, by (kind, id): one query per kind shown. A young person
    or a piece of intelligence is its record (to be recorded as seen: seen_records); any
    other kind is its description, which names nobody."""
    wanted: dict[str, list[int]] = {}
    for review in reviews:
        wanted.setdefault(review.kind, []).append(review.record_id)
    found: dict[tuple[str, int], Any] = {}
    for kind, ids in wanted.items():
        if kind in MONTH_KINDS:
            found.update(((kind, pk), _month_words(kind, pk)) for pk in ids)
        elif kind in DESCRIBED:
            described, words = DESCRIBED[kind]
            found.update(((kind, r.pk), words(r)) for r in described.objects.filter(pk__in=ids))
        else:
            model: Any = (
                YoungPerson
                if kind == RecordKind.YOUNG_PERSON
                else ENTITY_MODELS[ENTITY_KINDS[kind]]
            )
            found.update(((kind, r.pk), r) for r in model.objects.filter(pk__in=ids))
    return found


def seen_records(found: dict[tuple[str, int], Any]) -> list[Model]:
    """Of reviewed_records, the records whose showing is recorded as seen."""
    return [record for record in found.values() if isinstance(record, Model)]


def _month_words(kind: str, number: int) -> str:
    return f"{RecordKind(kind).label} of {month_of(number):%B %Y}"


# How a record of the kinds that name nobody is described to its reviewer.
DESCRIBED: dict[str, tuple[Any, Any]] = {
    RecordKind.MINUTES: (
        Meeting,
        lambda m: f"Minutes of the MACE meeting of {timezone.localtime(m.held_at):%-d %B %Y}",
    ),
    RecordKind.LIBRARY_DOCUMENT: (StrategyDocument, lambda d: f"{d.title} ({d.original_name})"),
    RecordKind.NATIONAL_RETURN: (
        NationalReturn,
        lambda r: f"National return for {r.period_start:%-d %B %Y} to {r.period_end:%-d %B %Y}",
    ),
}


def area_tombstones(*, user: Any, ons_code: str) -> tuple[Area, QuerySet[Tombstone]]:
    """What erasure left in the area, newest first: no personal data, so every role that
    reads the holds reads them."""
    area, _ = area_with_role(user=user, ons_code=ons_code, roles=HOLD_READERS)
    return area, Tombstone.objects.filter(area=area).select_related("approved_by")
