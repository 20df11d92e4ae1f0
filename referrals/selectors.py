"""Reads of referrals, always scoped to what the user may see (need to know).

The scope is written once, as rules per role, and used two ways: `referral_visible_q` filters
lists in the database, and `referral_access` grades one referral. Tests check the two agree.

- practitioner: referrals they raised (summary);
- agency safeguarding lead: submitted referrals raised by their agency in their area (summary);
- coordinator: every submitted referral in their area, and any transfer offered to it (full);
- police lead: every submitted referral in their areas (full);
- lead professional: referrals where they or their agency are currently assigned (full);
- anyone with a live break-glass access to that referral (full);
- board members, national analysts, area administrators: no records at all.
A draft is its raiser's alone until it is submitted. A young person's record under a
restriction of processing (referrals.restriction) and its referrals are the coordinators'
alone: every other rule above leaves them out (`_unrestricted`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from difflib import SequenceMatcher
from enum import IntEnum, StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Least
from django.db.models.lookups import GreaterThan
from django.http import Http404
from django.utils import timezone

from agencies.models import Agency, Area, Membership, Role
from agencies.selectors import acting_membership, active_memberships, membership_in

from .models import (
    OPEN_STATES,
    QUEUE_STATES,
    ActionStatus,
    BreakGlassAccess,
    CaseNote,
    InformationRequest,
    MissingEpisode,
    ProtectiveAction,
    Rag,
    Referral,
    ReferralAssignment,
    ReferralEvent,
    ReferralState,
    ReturnInterview,
    ScreeningTool,
    YoungPerson,
    YoungPersonRestriction,
    version_number,
)


class ReferralAccess(IntEnum):
    NONE = 0
    SUMMARY = 1  # status, decision and outcome: what a referrer needs to know
    FULL = 2


_AREA_WIDE_FULL = {Role.COORDINATOR, Role.POLICE_LEAD}
# Sent to the area at some point: a draft withdrawn before it was sent stays its author's.
_SENT = Q(submitted_at__isnull=False)


def _current_assignments() -> QuerySet[ReferralAssignment]:
    return ReferralAssignment.objects.filter(referral=OuterRef("pk"), ended_at__isnull=True)


def _live_break_glass(user: Any) -> QuerySet[BreakGlassAccess]:
    return BreakGlassAccess.objects.filter(
        referral=OuterRef("pk"), user_id=user.pk, expires_at__gt=timezone.now()
    )


def restricted_q(*, young_person: str = "young_person") -> Q:
    """Rows whose young person (reached by the path `young_person` from the rows filtered)
    is under a restriction of processing (referrals.restriction)."""
    standing = YoungPersonRestriction.objects.filter(
        young_person=OuterRef(young_person), lifted_at__isnull=True
    )
    return Q(Exists(standing))


def unrestricted_q(*, young_person: str = "young_person") -> Q:
    return ~restricted_q(young_person=young_person)


def _unrestricted() -> Q:
    return unrestricted_q()


def _scopes(user: Any) -> tuple[Q, Q]:
    """(full, summary) filters over submitted referrals, from the user's active memberships.
    A coordinator sees their area's referrals restricted or not; every other role's scope
    leaves out those about a restricted young person."""
    coordinated, full, summary = Q(pk__in=[]), Q(pk__in=[]), Q(pk__in=[])
    is_lead = False
    lead_places = Q(pk__in=[])  # (agency, area) of each lead professional membership
    for membership in active_memberships(user=user):
        role = Role(membership.role)
        if role is Role.COORDINATOR:  # and a transfer offered to their area, to decide on
            coordinated |= Q(area_id=membership.area_id) | Q(
                state=ReferralState.TRANSFER_REQUESTED, transfer_to_area_id=membership.area_id
            )
        elif role is Role.POLICE_LEAD:
            full |= Q(area_id=membership.area_id)
        elif role is Role.LEAD_PROFESSIONAL:
            lead_places |= Q(agency_id=membership.agency_id, referral__area_id=membership.area_id)
            is_lead = True
        elif role is Role.AGENCY_SAFEGUARDING_LEAD:
            summary |= Q(area_id=membership.area_id, raised_by_agency_id=membership.agency_id)
    if is_lead:
        named = Q(lead_professional_id=user.pk)
        full |= Q(Exists(_current_assignments().filter(named | lead_places)))
    return coordinated | (full & _unrestricted()), summary & _unrestricted()


def _break_glass_q(user: Any) -> Q:
    """Referrals open to `user` by a live emergency access; never one about a restricted young
    person (a coordinator of its area sees it through their role)."""
    return Q(Exists(_live_break_glass(user))) & _unrestricted()


def referral_visible_q(*, user: Any) -> Q:
    """The filter for referrals `user` may see; matches nothing for a user with no active role."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    full, summary = _scopes(user)
    submitted = _SENT
    return (
        (Q(raised_by_id=user.pk) & _unrestricted())
        | ((full | summary) & submitted)
        | _break_glass_q(user)
    )


def referral_full_q(*, user: Any) -> Q:
    """The filter for referrals `user` sees in full (their whole case)."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    full, _ = _scopes(user)
    return (full & _SENT) | _break_glass_q(user)


def referral_list(*, user: Any) -> QuerySet[Referral]:
    return (
        Referral.objects.filter(referral_visible_q(user=user))
        .select_related("area", "raised_by_agency", "young_person")
        .order_by("-created_at", "-id")
    )


def referral_access(*, user: Any, referral: Referral) -> ReferralAccess:
    """How much of `referral` the user may see (NONE means it must answer 404)."""
    if not active_memberships(user=user):
        return ReferralAccess.NONE
    full, summary = _scopes(user)
    candidates = Referral.objects.filter(pk=referral.pk)
    submitted = referral.submitted_at is not None
    if (submitted and candidates.filter(full).exists()) or candidates.filter(
        _break_glass_q(user)
    ).exists():
        return ReferralAccess.FULL
    raised = referral.raised_by_id == user.pk and candidates.filter(_unrestricted()).exists()
    if raised or (submitted and candidates.filter(summary).exists()):
        return ReferralAccess.SUMMARY
    return ReferralAccess.NONE


def referral_get(*, user: Any, reference: str) -> tuple[Referral, ReferralAccess]:
    """The referral with `reference` and the user's access to it; 404 when out of scope,
    whether or not it exists, so that existence is never revealed."""
    referral = (
        Referral.objects.select_related(
            "area", "raised_by_agency", "young_person", "raised_by", "screening_tool"
        )
        .filter(reference=reference)
        .first()
    )
    access = referral_access(user=user, referral=referral) if referral else ReferralAccess.NONE
    if referral is None or access is ReferralAccess.NONE:
        raise Http404("No referral found")
    return referral, access


def referral_for_break_glass(*, reference: str) -> Referral:
    """A submitted referral by reference, for an emergency-access request (404 otherwise).

    Whoever asks must already know the reference; the request itself is recorded and reviewed.
    """
    referral = (
        Referral.objects.select_related("area").filter(_SENT).filter(reference=reference).first()
    )
    if referral is None:
        raise Http404("No referral found")
    return referral


def granting_membership(*, user: Any, referral: Referral) -> Membership | None:
    """The membership through which the user sees `referral`, for the audit record."""
    for membership in active_memberships(user=user):
        if membership.area_id == referral.area_id:
            return membership
    return acting_membership(user=user)


def emergency_access_until(*, user: Any, referral: Referral) -> datetime | None:
    """When the user's live emergency (break-glass) access to `referral` ends; None when they
    have none, so the case page can say it is open to them only for a while."""
    live = BreakGlassAccess.objects.filter(
        referral=referral, user_id=user.pk, expires_at__gt=timezone.now()
    )
    return live.aggregate(until=Max("expires_at"))["until"]


def break_glass_for_review(*, user: Any) -> QuerySet[BreakGlassAccess]:
    """Break-glass accesses to referrals in the areas the user coordinates, unreviewed first."""
    return (
        BreakGlassAccess.objects.filter(referral__area_id__in=coordinated_areas(user=user))
        .select_related("user", "membership__agency", "referral", "reviewed_by")
        .order_by(F("reviewed_at").asc(nulls_first=True), "-granted_at")
    )


def casework_membership(*, user: Any, referral: Referral) -> Membership | None:
    """The membership through which `user` works on `referral`'s case (actions, missing
    episodes, notes): a coordinator or police lead of its area, or a lead professional whose
    agency is named on it. None: they may read at most, and write nothing."""
    assigned = {
        a.agency_id: a.lead_professional_id
        for a in referral.assignments.all()
        if a.ended_at is None
    }
    for membership in active_memberships(user=user):
        if membership.area_id != referral.area_id:
            continue
        if membership.role in _AREA_WIDE_FULL:
            return membership
        if membership.role == Role.LEAD_PROFESSIONAL and membership.agency_id in assigned:
            return membership
    return None


def referral_for_casework(*, user: Any, reference: str) -> Referral:
    """A referral the user sees in full (404 otherwise): casework is never shown in summary."""
    referral, access = referral_get(user=user, reference=reference)
    if access is not ReferralAccess.FULL:
        raise Http404("No referral found")
    return referral


def actions_for(*, referral: Referral) -> QuerySet[ProtectiveAction]:
    return ProtectiveAction.objects.filter(referral=referral).select_related(
        "action_type", "owner", "owner_agency"
    )


def overdue_actions(*, user: Any) -> QuerySet[ProtectiveAction]:
    """Open actions past their due date on open referrals in the areas the user coordinates."""
    return (
        ProtectiveAction.objects.filter(
            referral__area_id__in=coordinated_areas(user=user),
            referral__state__in=OPEN_STATES,
            status=ActionStatus.OPEN,
            due_on__lt=timezone.localdate(),
        )
        .select_related("referral", "action_type", "owner", "owner_agency")
        .order_by("due_on", "id")
    )


def _owner_memberships(referral: Referral) -> QuerySet[Membership]:
    """Those who work the case own its actions (as casework_membership): the area's
    coordinators and police leads, and the lead professionals of the agencies named on it."""
    named = ReferralAssignment.objects.filter(referral=referral, ended_at__isnull=True)
    return Membership.objects.filter(
        Q(role__in=_AREA_WIDE_FULL)
        | Q(role=Role.LEAD_PROFESSIONAL, agency_id__in=named.values("agency_id")),
        area_id=referral.area_id,
        agency__isnull=False,
        is_active=True,
        user__is_active=True,
    ).exclude(agency__is_active=False)


def action_owners(*, referral: Referral) -> list[Membership]:
    """Who may own an action on `referral`, one membership each: the agency named with it."""
    owners: dict[int, Membership] = {}
    memberships = (
        _owner_memberships(referral)
        .select_related("user", "agency")
        .order_by("user__last_name", "user__first_name", "user_id", "pk")
    )
    for membership in memberships:
        owners.setdefault(membership.user_id, membership)
    return list(owners.values())


def missing_episodes_for(*, referral: Referral) -> QuerySet[MissingEpisode]:
    return MissingEpisode.objects.filter(referral=referral)


def information_requests_for(*, referral: Referral, actor: Any) -> QuerySet[InformationRequest]:
    """What the coordinators asked agencies about this referral, soonest due first: none for
    someone who does not see the referral in full (a referrer, an agency's safeguarding lead).
    The scope is part of the one query."""
    full, _ = _scopes(actor)
    seen = Referral.objects.filter((full & _SENT) | _break_glass_q(actor))
    return (
        referral.information_requests.filter(referral__in=seen)
        .select_related("agency", "requested_by", "answered_by")
        .order_by("due_on", "id")
    )


def return_home_interview_overdue(*, episode: MissingEpisode) -> bool:
    """The young person is back and the interview is still due past its time."""
    return (
        episode.interview == ReturnInterview.DUE
        and episode.interview_due_at is not None
        and episode.interview_due_at < timezone.now()
    )


def notes_for(*, user: Any, referral: Referral) -> QuerySet[CaseNote]:
    """The case notes `user` may read: a restricted note only by its author's agency and the
    area's coordinators."""
    notes = CaseNote.objects.filter(referral=referral).select_related("author", "author_agency")
    if membership_in(user=user, area_id=referral.area_id, roles=[Role.COORDINATOR]):
        return notes
    agencies = [m.agency_id for m in active_memberships(user=user) if m.agency_id is not None]
    return notes.filter(Q(restricted=False) | Q(author_agency_id__in=agencies))


def timeline(
    *, user: Any, referrals: QuerySet[Referral], event_types: Sequence[str] = ()
) -> QuerySet[ReferralEvent]:
    """Timeline events of those `referrals` the user sees in full, oldest first, optionally of
    some types only. Event parameters never carry note text, so restricted notes stay hidden."""
    full, _ = _scopes(user)
    visible = referrals.filter((full & _SENT) | _break_glass_q(user))
    events = ReferralEvent.objects.filter(referral__in=visible).select_related("actor", "referral")
    if event_types:
        events = events.filter(event_type__in=event_types)
    return events.order_by("created_at", "id")


def young_people_list(*, user: Any) -> QuerySet[YoungPerson]:
    """Young people with at least one referral the user sees in full."""
    full, _ = _scopes(user)
    seen = Referral.objects.filter(
        (full & _SENT) | _break_glass_q(user),
        young_person=OuterRef("pk"),
    )
    return (
        YoungPerson.objects.filter(Exists(seen), merged_into__isnull=True)
        .select_related("area")
        .order_by("family_name", "given_name", "id")
    )


# Records merged into records themselves merged later: how far a record is followed.
MERGE_CHAIN_LIMIT = 10


def kept_record_id(pk: int) -> int:
    """The record a young person's record stands for: itself, or the record it was merged
    into (following later merges), so a merged-away record never shows as a person apart."""
    for _ in range(MERGE_CHAIN_LIMIT):
        into = YoungPerson.objects.filter(pk=pk).values_list("merged_into_id", flat=True).first()
        if into is None:
            break
        pk = into
    return pk


def young_person_get(*, user: Any, pk: int) -> YoungPerson:
    person = young_people_list(user=user).filter(pk=kept_record_id(pk)).first()
    if person is None:
        raise Http404("No young person found")
    return person


# How alike two names must be (0..1) to offer a record as a possible match.
NAME_MATCH_THRESHOLD = 0.8


@dataclass(frozen=True)
class PossibleMatch:
    """A record that may be the same young person, with what agrees between the two, in
    words, for the coordinator who decides."""

    person: YoungPerson
    reasons: tuple[str, ...]
    likeness: float  # of the names, 0..1


Likeness = tuple[float, str, str]


def _closest_names(a: YoungPerson, b: YoungPerson) -> Likeness:
    """How alike the two are by name or alias (0..1), and the two names that are closest."""

    def names(p: YoungPerson) -> list[str]:
        return [f"{p.given_name} {p.family_name}", *p.aliases]

    return max(
        (SequenceMatcher(None, x.lower(), y.lower()).ratio(), x, y)
        for x in names(a)
        for y in names(b)
    )


def _possible_match(young_person: YoungPerson, other: YoungPerson) -> PossibleMatch:
    likeness, name, other_name = _closest_names(young_person, other)
    agreeing = [
        (
            bool(young_person.nhs_number) and young_person.nhs_number == other.nhs_number,
            "The same NHS number",
        ),
        (likeness == 1, f"The same name: {other_name}"),
        (NAME_MATCH_THRESHOLD <= likeness < 1, f"Names alike: {name} and {other_name}"),
        (
            young_person.date_of_birth is not None
            and young_person.date_of_birth == other.date_of_birth,
            "The same date of birth",
        ),
        (
            bool(young_person.postcode) and young_person.postcode == other.postcode,
            "The same postcode",
        ),
    ]
    reasons = tuple(reason for agrees, reason in agreeing if agrees)
    return PossibleMatch(other, reasons, likeness)


def young_person_possible_matches(*, young_person: YoungPerson) -> list[PossibleMatch]:
    """Possible existing records of the same young person in their area, best first, each
    with the reasons it is offered.

    The NHS number decides when both have one. Otherwise a record is offered when the names
    (or aliases) are alike and the date of birth or the postcode agrees."""
    # Only people the area already knows of: someone else's unsent draft stays theirs.
    known = Referral.objects.filter(_SENT, young_person=OuterRef("pk"))
    others = YoungPerson.objects.filter(
        Exists(known), area_id=young_person.area_id, merged_into__isnull=True
    ).exclude(pk=young_person.pk)
    if young_person.nhs_number:
        exact = others.filter(nhs_number=young_person.nhs_number)
        if exact:
            return [_possible_match(young_person, other) for other in exact]
        # A different NHS number is a different person, however alike the rest.
        others = others.filter(nhs_number="")
    agreeing = Q(pk__in=[])
    if young_person.date_of_birth:
        agreeing |= Q(date_of_birth=young_person.date_of_birth)
    if young_person.postcode:
        agreeing |= Q(postcode=young_person.postcode)
    matches = [_possible_match(young_person, other) for other in others.filter(agreeing)]
    return sorted(
        (match for match in matches if match.likeness >= NAME_MATCH_THRESHOLD),
        key=lambda match: -match.likeness,
    )


def young_person_matches(*, young_person: YoungPerson) -> list[YoungPerson]:
    """The records of young_person_possible_matches, without the reasons."""
    return [match.person for match in young_person_possible_matches(young_person=young_person)]


def referrals_about(
    *, young_people: Sequence[YoungPerson], area: Area
) -> dict[int, list[Referral]]:
    """The referrals `area` has received about each young person (by id), newest first: what
    one of its coordinators weighs before linking another referral to them. One query."""
    found: dict[int, list[Referral]] = {person.pk: [] for person in young_people}
    rows = Referral.objects.filter(_SENT, young_person__in=young_people, area=area).order_by(
        "-submitted_at", "-id"
    )
    for referral in rows:
        found[referral.young_person_id].append(referral)
    return found


def open_referral_of(*, young_person: YoungPerson, besides: Referral) -> Referral | None:
    """The young person's open referral other than `besides`, if any: linking `besides` to
    them merges it into this one (referrals.identity.young_person_link)."""
    return young_person.referrals.filter(state__in=OPEN_STATES).exclude(pk=besides.pk).first()


def has_other_referrals(*, young_person: YoungPerson, besides: Referral) -> bool:
    """Whether the record is established beyond `besides`: then it is not linked away as a
    duplicate but merged (referrals.identity_merging), with a side-by-side check."""
    return young_person.referrals.exclude(pk=besides.pk).exists()


def drafts_of(*, user: Any) -> QuerySet[Referral]:
    """Concerns the user started and has not submitted yet, newest first."""
    return (
        Referral.objects.filter(raised_by_id=user.pk, state=ReferralState.DRAFT)
        .select_related("young_person")
        .order_by("-created_at", "-id")
    )


# The triage queue's order, written exactly as the `referral_triage_queue` index is so that
# PostgreSQL reads a page off the index instead of sorting the area's whole queue.
_RED_FIRST = Case(When(rag=Rag.RED, then=0), default=1)
_DUE = Least("rag_due_at", "triage_due_at")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Taken(StrEnum):
    BY_ME = "me"
    NOT_TAKEN = "nobody"


@dataclass(frozen=True)
class TriageFilters:
    rag: str = ""  # a Rag value; "" for any
    state: str = ""  # submitted or in_triage; "" for both
    overdue: bool = False
    taken: str = ""  # a Taken value; "" for anyone or nobody
    agency_id: int | None = None  # the raising agency


@dataclass(frozen=True)
class TriagePage:
    rows: list[Referral]
    next_after: str  # the cursor of the next page; "" on the last page


def coordinated_areas(*, user: Any) -> list[int]:
    return [
        m.area_id
        for m in active_memberships(user=user)
        if m.role == Role.COORDINATOR and m.area_id is not None
    ]


def triage_queue(
    *, user: Any, area: Area | None = None, filters: TriageFilters | None = None
) -> QuerySet[Referral]:
    """Submitted and in-triage referrals of the areas the user coordinates (or of `area`, if
    they coordinate it), Red first, then by the nearest due time: overdue ones come first.

    Any other user, or any other area, gets an empty queue.
    """
    areas = coordinated_areas(user=user)
    if area is not None:
        areas = [area.pk] if area.pk in areas else []
    filters = filters or TriageFilters()
    queue = Referral.objects.filter(area_id__in=areas, state__in=QUEUE_STATES)
    if filters.rag:
        queue = queue.filter(rag=filters.rag)
    if filters.state:
        queue = queue.filter(state=filters.state)
    if filters.overdue:
        queue = queue.alias(due=_DUE).filter(due__lt=timezone.now())
    if filters.taken == Taken.BY_ME:
        queue = queue.filter(triaged_by_id=user.pk)
    elif filters.taken == Taken.NOT_TAKEN:
        queue = queue.filter(triaged_by__isnull=True)
    if filters.agency_id is not None:
        queue = queue.filter(raised_by_agency_id=filters.agency_id)
    return queue.select_related("young_person", "raised_by_agency", "triaged_by").order_by(
        _RED_FIRST, _DUE, "id"
    )


def triage_queue_agencies(*, user: Any) -> QuerySet[Agency]:
    """The agencies that may raise referrals in the areas the user coordinates."""
    return Agency.objects.filter(areas__in=coordinated_areas(user=user)).distinct().order_by("name")


def _cursor(referral: Referral) -> str:
    """Where the next page starts: the queue's sort key of the last row shown."""
    due = referral.due_at
    if due is None:  # every queue referral has its triage clock from submission
        return ""
    rank = 0 if referral.rag == Rag.RED else 1
    return f"{rank}_{(due - _EPOCH) // timedelta(microseconds=1)}_{referral.pk}"


def _after(cursor: str) -> GreaterThan | None:
    """`(rank, due, id) > cursor` as a row comparison, which PostgreSQL turns into a start
    point in the index: a deep page costs what the first does. None for a malformed cursor."""
    try:
        rank, micros, pk = (int(part) for part in cursor.split("_"))
        due = _EPOCH + timedelta(microseconds=micros)
    except (ValueError, OverflowError):
        return None
    return GreaterThan(
        Func(_RED_FIRST, _DUE, F("id"), function="ROW", output_field=IntegerField()),
        Func(Value(rank), Value(due), Value(pk), function="ROW", output_field=IntegerField()),
    )


def triage_queue_page(queue: QuerySet[Referral], *, after: str = "", size: int) -> TriagePage:
    """One page of the queue in one query, starting after the `after` cursor (keyset paging:
    rows do not shift under a coordinator when others are taken or decided meanwhile)."""
    start = _after(after) if after else None
    if start is not None:
        queue = queue.filter(start)
    rows = list(queue[: size + 1])  # one more than shown says whether a next page exists
    shown = rows[:size]
    return TriagePage(shown, _cursor(shown[-1]) if len(rows) > size else "")


def action_owner_choices(*, referral: Referral) -> QuerySet[Any]:
    """The same people as action_owners, as a queryset of users (for the API's choices)."""
    return get_user_model().objects.filter(pk__in=_owner_memberships(referral).values("user_id"))


def referral_after_step(*, user: Any, referral: Referral) -> tuple[Referral, ReferralAccess]:
    """What to show `user` after they moved `referral` on: the referral itself while they may
    see it; after accepting a transfer, the receiving area's referral; 404 when neither (a
    declined transfer goes back out of their sight)."""
    for candidate in (referral, Referral.objects.filter(transferred_from=referral).first()):
        if candidate is None:
            continue
        access = referral_access(user=user, referral=candidate)
        if access is not ReferralAccess.NONE:
            return candidate, access
    raise Http404("No referral found")


def referral_id_in_area(*, area: Area, reference: str) -> int | None:
    """The id of the area's referral with this reference (any case), for searching the audit
    record of it; None when the area has none."""
    return (
        Referral.objects.filter(area=area, reference__iexact=reference.strip())
        .values_list("pk", flat=True)
        .first()
    )


def screening_tool_choices(*, area: Area) -> list[tuple[str, str]]:
    """The screening tools an area's settings may name, as an area administrator chooses one:
    (version, name). The national ones and the area's own, not retired."""
    tools = (
        ScreeningTool.objects.filter(Q(area__isnull=True) | Q(area=area))
        .filter(retired_at__isnull=True)
        .order_by("name", "version")
        .values_list("version", "name")
    )
    return [(version, f"{name}, version {version_number(version)}") for version, name in tools]
