"""Synthetic benchmark data: one fictional area whose referrals are loaded in bulk.

Rows go in with PostgreSQL COPY, in batches, with ids and reference numbers taken from the
database sequences in one query per batch. COPY rather than bulk_create because `created_at`
is auto_now_add, which bulk_create would overwrite with the same instant for every row; the
list endpoints order by it, so the data needs a realistic spread of dates.

Each referral carries what the area dashboard counts: the young person's sex, ethnicity and
date of birth, a raising agency of one of several types, the exploitation type and models, the
decision and when it was made, the risk level, the outcome at closure, and a timeline of about
ten events; cases with a plan have protective actions and some have missing episodes and
disruption activity. Submissions spread over four years, so a 12-month dashboard reads about a
quarter of them. Every name and narrative is invented.

The load is a bulk import: the tables' field-history and rollup triggers are off while it runs
(a million trigger calls would mostly measure themselves), and the area's rollups are rebuilt
from the records at the end, which is what `manage.py rollups_check --repair` does after any
import that bypassed them.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Membership, Role
from disruption.models import (
    DisruptionActivity,
    DisruptionMode,
    DisruptionStatus,
    DisruptionTactic,
    Link,
    Location,
    LocationType,
    Node,
    NodeKind,
    OnlineIdentifier,
    PersonOfConcern,
    Vehicle,
)
from referrals.models import (
    QUEUE_STATES,
    ActionStatus,
    ClosureOutcome,
    Decision,
    Ethnicity,
    ExploitationModel,
    ExploitationType,
    MissingEpisode,
    ProtectiveAction,
    ProtectiveActionType,
    Rag,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    ReturnInterview,
    RiskLevel,
    Sex,
    YoungPerson,
)
from referrals.references import format_referral_reference
from referrals.working_time import add_working_days, add_working_hours
from reports.rollups import rollups_rebuild

# E99… codes are never issued by the ONS, so the bench area cannot clash with a real one.
BENCH_AREA_ONS_CODE = "E99000900"
BENCH_AREA_NAME = "Benchmark Safeguarding Partnership"
PRACTITIONER_USERNAME = "bench-practitioner"
COORDINATOR_USERNAME = "bench-coordinator"
BOARD_MEMBER_USERNAME = "bench-board-member"
OUTSIDER_USERNAME = "bench-outsider"
OTHER_AREA_ONS_CODE = "E99000901"
OTHER_AREA_NAME = "Benchmark Neighbouring Partnership"
OUTSIDER_AGENCY = ("Benchmark Neighbouring Children's Services", AgencyType.CHILDRENS_SOCIAL_CARE)
PRACTITIONER_AGENCY = ("Benchmark Academy", AgencyType.EDUCATION)
COORDINATOR_AGENCY = ("Benchmark Children's Services", AgencyType.CHILDRENS_SOCIAL_CARE)
# The agencies that raise the area's concerns, and each one's share. Each has a practitioner
# who raises them; the first is the cast's practitioner.
RAISING_AGENCIES: tuple[tuple[tuple[str, AgencyType], float], ...] = (
    (PRACTITIONER_AGENCY, 0.30),
    (("Benchmark Constabulary", AgencyType.POLICE), 0.22),
    (COORDINATOR_AGENCY, 0.15),
    (("Benchmark Health Trust", AgencyType.HEALTH), 0.14),
    (("Benchmark Youth Justice Service", AgencyType.YOUTH_JUSTICE), 0.07),
    (("Benchmark Young People's Project", AgencyType.SPECIALIST_VOLUNTARY), 0.06),
    (("Benchmark Housing", AgencyType.HOUSING), 0.03),
    (("Benchmark Sports Club", AgencyType.OTHER), 0.03),
)

BATCH_SIZE = 5_000
# How a partnership's referrals stand: most closed, some with an active plan, a few thousand
# per million waiting for triage. Drafts are visible to their raiser only.
STATE_SHARES: dict[ReferralState, float] = {
    ReferralState.CLOSED: 0.80,
    ReferralState.ACTIVE: 0.10,
    ReferralState.DRAFT: 0.05,
    ReferralState.WITHDRAWN: 0.045,
    ReferralState.SUBMITTED: 0.003,
    ReferralState.IN_TRIAGE: 0.002,
}
RATED_SHARE = 0.4  # of submitted referrals, those a coordinator has RAG-rated
# Referrals still waiting for triage arrived lately, so their clocks fall either side of now:
# over five days, so that whatever the day (a Sunday evening too) three working days of them
# have had time to run out, the clocks counting working time only.
QUEUE_HISTORY_HOURS = 5 * 24
REFERRALS_PER_YOUNG_PERSON = 2
HISTORY_DAYS = 4 * 365
# A young person's referrals fall within this many days either side of a moment of their own,
# so some are repeats within 12 months and most young people are referred at one age.
REFERRAL_SPREAD_DAYS = 180
IN_TIME_SHARE = 0.85  # decisions within the area's triage timescale
LOCATIONS = 200  # disruption targets in the bench area

SEX_SHARES = {Sex.FEMALE: 0.56, Sex.MALE: 0.41, Sex.NOT_KNOWN: 0.02, "": 0.01}
ETHNICITY_SHARES = {
    Ethnicity.WHITE_BRITISH: 0.66, Ethnicity.WHITE_OTHER: 0.05, Ethnicity.WHITE_IRISH: 0.005,
    Ethnicity.WHITE_GYPSY_TRAVELLER: 0.005, Ethnicity.WHITE_ROMA: 0.005,
    Ethnicity.MIXED_WHITE_BLACK_CARIBBEAN: 0.03, Ethnicity.MIXED_WHITE_ASIAN: 0.015,
    Ethnicity.MIXED_WHITE_BLACK_AFRICAN: 0.01, Ethnicity.MIXED_OTHER: 0.015,
    Ethnicity.ASIAN_PAKISTANI: 0.04, Ethnicity.ASIAN_INDIAN: 0.02,
    Ethnicity.ASIAN_BANGLADESHI: 0.015, Ethnicity.ASIAN_CHINESE: 0.005,
    Ethnicity.ASIAN_OTHER: 0.01, Ethnicity.BLACK_AFRICAN: 0.035,
    Ethnicity.BLACK_CARIBBEAN: 0.015, Ethnicity.BLACK_OTHER: 0.01, Ethnicity.OTHER_ARAB: 0.005,
    Ethnicity.OTHER_ANY: 0.01, Ethnicity.NOT_KNOWN: 0.02, "": 0.02,
}  # fmt: skip
# Age when referred: mostly 13 to 17, a few younger children and care leavers.
AGE_SHARES = {8: 0.01, 9: 0.02, 10: 0.03, 11: 0.05, 12: 0.08, 13: 0.12, 14: 0.17, 15: 0.19,
              16: 0.17, 17: 0.13, 18: 0.03}  # fmt: skip
DATE_OF_BIRTH_UNKNOWN_SHARE = 0.04  # an estimated age instead
EXPLOITATION_TYPE_SHARES = {
    ExploitationType.SEXUAL: 0.45, ExploitationType.CRIMINAL: 0.35,
    ExploitationType.SEXUAL_AND_CRIMINAL: 0.08, ExploitationType.OTHER: 0.04, "": 0.08,
}  # fmt: skip
MODEL_COUNT_SHARES = {0: 0.3, 1: 0.45, 2: 0.2, 3: 0.05}
DECISION_SHARES = {
    ReferralState.ACTIVE: {Decision.STATUTORY_REFERRAL: 0.35, Decision.MULTI_AGENCY_PLAN: 0.65},
    ReferralState.CLOSED: {
        Decision.NO_FURTHER_ACTION: 0.30, Decision.ADVICE_AND_SIGNPOSTING: 0.25,
        Decision.STATUTORY_REFERRAL: 0.20, Decision.MULTI_AGENCY_PLAN: 0.25,
    },
}  # fmt: skip
# Decisions that open a case the partnership works: protective actions, reviews, missing
# episodes and disruption belong to these.
CASE_DECISIONS = (Decision.STATUTORY_REFERRAL, Decision.MULTI_AGENCY_PLAN)
RISK_SHARES = {
    Decision.NO_FURTHER_ACTION: {RiskLevel.NOT_AT_RISK: 0.6, RiskLevel.LOW: 0.4},
    Decision.ADVICE_AND_SIGNPOSTING: {
        RiskLevel.NOT_AT_RISK: 0.2, RiskLevel.LOW: 0.6, RiskLevel.MEDIUM: 0.2,
    },
    Decision.STATUTORY_REFERRAL: {RiskLevel.LOW: 0.2, RiskLevel.MEDIUM: 0.45, RiskLevel.HIGH: 0.35},
    Decision.MULTI_AGENCY_PLAN: {RiskLevel.LOW: 0.2, RiskLevel.MEDIUM: 0.45, RiskLevel.HIGH: 0.35},
}  # fmt: skip
CASE_OUTCOME_SHARES = {
    ClosureOutcome.RISK_REDUCED: 0.5, ClosureOutcome.TRANSFERRED_TO_STATUTORY: 0.2,
    ClosureOutcome.MOVED_AREA: 0.1, ClosureOutcome.TURNED_18: 0.1,
    ClosureOutcome.NO_FURTHER_ACTION: 0.1,
}  # fmt: skip
MISSING_SHARE = 0.12  # of cases, those with missing episodes
REVIEWS = (4, 9)  # reviews of a case, fewest and most: about ten events a referral in all
DISRUPTION_SHARE = 0.08  # of cases, those with disruption activity
DISRUPTION_STATUS_SHARES = {
    DisruptionStatus.DONE: 0.5, DisruptionStatus.IN_PROGRESS: 0.2,
    DisruptionStatus.PLANNED: 0.15, DisruptionStatus.REFUSED: 0.05,
    DisruptionStatus.EXPIRED: 0.05, DisruptionStatus.BREACHED: 0.05,
}  # fmt: skip

GIVEN_NAMES = (
    "Ava", "Sam", "Jay", "Riley", "Morgan", "Alex", "Charlie", "Jordan", "Casey", "Robin",
    "Quinn", "Rowan", "Sky", "Toni", "Kit", "Ellis", "Frankie", "Harley", "Jesse", "Remy",
)  # fmt: skip
FAMILY_NAMES = (
    "Example", "Sample", "Placeholder", "Fictional", "Madeup", "Synthetic", "Invented",
    "Pretend", "Notreal", "Imaginary", "Testcase", "Dummy",
)  # fmt: skip
CONCERNS = (
    "Seen getting into cars with unknown adults near the bus station.",
    "Missing from home twice this month, returned with new clothes and a second phone.",
    "Teacher reports sudden drop in attendance and an older group waiting at the gate.",
    "Found far from home by transport police without a ticket or explanation.",
    "Has unexplained cash and gifts and will not say where they came from.",
    "Friends report messages from an adult asking to meet in private.",
    "Injury explained inconsistently; has been seen with known older associates.",
    "Carrying packages between towns at weekends, according to a youth worker.",
)


def _pick(rng: random.Random, shares: dict[Any, float]) -> Any:
    (chosen,) = rng.choices(list(shares), list(shares.values()))
    return chosen


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A moment from `start` to `end` (or `start` if the span is empty)."""
    span = (end - start).total_seconds()
    return start + timedelta(seconds=rng.uniform(0, span)) if span > 0 else start


@dataclass(frozen=True)
class Raiser:
    user_id: int
    agency_id: int | None  # never None: every membership here names its agency


@dataclass(frozen=True)
class BenchCast:
    """The fixed people and places every run reuses."""

    area: Area
    practitioner: Any
    practitioner_membership: Membership
    coordinator: Any
    outsider: Any  # a coordinator of another area: every bench referral is out of their scope
    board_member: Any  # reads the area's dashboard
    raisers: tuple[Raiser, ...]  # one per RAISING_AGENCIES entry, in its order


@dataclass(frozen=True)
class GenerateResult:
    referrals: int
    events: int
    young_people: int
    seconds: float
    missing_episodes: int = 0
    actions: int = 0
    disruption_activities: int = 0
    rollup_rebuild_seconds: float = 0.0


@dataclass(frozen=True)
class PersonPlan:
    given_name: str
    family_name: str
    date_of_birth: date | None
    estimated_age: int | None  # when the date of birth is not known
    sex: str
    ethnicity: str
    created_at: datetime
    referred_around: datetime  # their referrals fall within REFERRAL_SPREAD_DAYS of this


@dataclass(frozen=True)
class ReferralPlan:
    young_person_index: int  # into the young people created by the same run
    state: ReferralState
    created_at: datetime
    submitted_at: datetime | None
    narrative: str
    rag: str  # "" when not rated
    raiser: int  # into RAISING_AGENCIES
    exploitation_type: str
    exploitation_models: tuple[str, ...]


@dataclass(frozen=True)
class ActionPlan:
    added_at: datetime
    due_on: date
    status: ActionStatus
    completed_at: datetime | None


@dataclass(frozen=True)
class MissingPlan:
    started_at: datetime
    ended_at: datetime | None
    interview: str  # "" until the young person is back
    interview_on: date | None


@dataclass(frozen=True)
class DisruptionPlan:
    tactic_index: int
    status: DisruptionStatus
    created_at: datetime
    issued_on: date | None
    served_on: date | None


@dataclass(frozen=True)
class CasePlan:
    """What happened to a submitted referral after triage."""

    decision: str = ""
    decided_at: datetime | None = None
    risk_level: str = ""
    outcome: str = ""
    closed_at: datetime | None = None
    reviews: tuple[datetime, ...] = ()
    actions: tuple[ActionPlan, ...] = ()
    missing: tuple[MissingPlan, ...] = ()
    disruption: tuple[DisruptionPlan, ...] = ()


def _agency(name: str, agency_type: AgencyType, area: Area) -> Agency:
    agency, _ = Agency.objects.get_or_create(name=name, defaults={"agency_type": agency_type})
    agency.areas.add(area)
    return agency


def _user(username: str, last_name: str) -> Any:
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@bench.invalid",
            "first_name": "Benchmark",
            "last_name": last_name,
        },
    )
    if created:
        # Nobody signs in as a bench user; the run authenticates with a short-lived API token.
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _member(user: Any, role: Role, area: Area, agency: tuple[str, AgencyType]) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        user=user, role=role, area=area, agency=_agency(*agency, area)
    )
    return membership


def ensure_cast() -> BenchCast:
    """Create the bench area, its agencies and users if missing; reuse them otherwise."""
    area, _ = Area.objects.get_or_create(
        ons_code=BENCH_AREA_ONS_CODE, defaults={"name": BENCH_AREA_NAME, "region": "Nowhere"}
    )
    practitioner = _user(PRACTITIONER_USERNAME, "Practitioner")
    coordinator = _user(COORDINATOR_USERNAME, "Coordinator")
    board_member = _user(BOARD_MEMBER_USERNAME, "Board member")
    membership = _member(practitioner, Role.PRACTITIONER, area, PRACTITIONER_AGENCY)
    _member(coordinator, Role.COORDINATOR, area, COORDINATOR_AGENCY)
    _member(board_member, Role.BOARD_MEMBER, area, COORDINATOR_AGENCY)
    raisers = [Raiser(practitioner.pk, membership.agency_id)]
    for agency, _share in RAISING_AGENCIES[1:]:
        user = _user(f"{PRACTITIONER_USERNAME}-{agency[1]}", "Practitioner")
        raisers.append(Raiser(user.pk, _member(user, Role.PRACTITIONER, area, agency).agency_id))
    other_area, _ = Area.objects.get_or_create(
        ons_code=OTHER_AREA_ONS_CODE, defaults={"name": OTHER_AREA_NAME, "region": "Nowhere"}
    )
    outsider = _user(OUTSIDER_USERNAME, "Coordinator elsewhere")
    _member(outsider, Role.COORDINATOR, other_area, OUTSIDER_AGENCY)
    return BenchCast(
        area, practitioner, membership, coordinator, outsider, board_member, tuple(raisers)
    )


def sample_reference(area: Area) -> str:
    """The newest submitted referral of the bench area, for the detail scenarios."""
    referral = (
        Referral.objects.filter(area=area)
        .exclude(state=ReferralState.DRAFT)
        .order_by("-created_at", "-id")
        .only("reference")
        .first()
    )
    if referral is None:
        raise RuntimeError("the bench area has no submitted referral: run without --skip-generate")
    return referral.reference


def plan_young_people(rng: random.Random, count: int, now: datetime) -> list[PersonPlan]:
    plans = []
    for _ in range(count):
        referred_around = now - timedelta(seconds=rng.uniform(0, HISTORY_DAYS * 86400))
        age = _pick(rng, AGE_SHARES)
        born = referred_around.date() - timedelta(days=age * 365 + rng.randint(0, 364))
        known = rng.random() >= DATE_OF_BIRTH_UNKNOWN_SHARE
        plans.append(
            PersonPlan(
                given_name=rng.choice(GIVEN_NAMES),
                family_name=rng.choice(FAMILY_NAMES),
                date_of_birth=born if known else None,
                estimated_age=None if known else age,
                sex=str(_pick(rng, SEX_SHARES)),
                ethnicity=str(_pick(rng, ETHNICITY_SHARES)),
                # Known to the service before any of their referrals.
                created_at=referred_around
                - timedelta(days=REFERRAL_SPREAD_DAYS + rng.randint(1, 30)),
                referred_around=referred_around,
            )
        )
    return plans


def plan_referrals(
    rng: random.Random, count: int, people: Sequence[datetime], now: datetime
) -> list[ReferralPlan]:
    """`count` referrals of young people referred around the moments in `people`."""
    plans = []
    states, weights = list(STATE_SHARES), list(STATE_SHARES.values())
    raisers = [share for _, share in RAISING_AGENCIES]
    models_ = list(ExploitationModel.values)
    spread = timedelta(days=REFERRAL_SPREAD_DAYS)
    for _ in range(count):
        (state,) = rng.choices(states, weights)
        person = rng.randrange(len(people))
        queued = state in QUEUE_STATES
        if queued:
            created_at = now - timedelta(seconds=rng.randint(60, QUEUE_HISTORY_HOURS * 3600))
        else:
            around = people[person]
            created_at = min(
                now - timedelta(minutes=1), _between(rng, around - spread, around + spread)
            )
        submitted_at = None
        if state != ReferralState.DRAFT:
            delay = timedelta(minutes=rng.randint(1, 30 if queued else 3 * 24 * 60))
            submitted_at = min(now, created_at + delay)
        rated = submitted_at is not None and rng.random() < RATED_SHARE
        sentences = rng.sample(CONCERNS, k=rng.randint(1, 3))
        (raiser,) = rng.choices(range(len(raisers)), raisers)
        plans.append(
            ReferralPlan(
                young_person_index=person,
                state=state,
                created_at=created_at,
                submitted_at=submitted_at,
                narrative="Synthetic benchmark concern. " + " ".join(sentences),
                rag=rng.choice(Rag.values) if rated else "",
                raiser=raiser,
                exploitation_type=str(_pick(rng, EXPLOITATION_TYPE_SHARES)),
                exploitation_models=tuple(rng.sample(models_, k=_pick(rng, MODEL_COUNT_SHARES))),
            )
        )
    return plans


def plan_case(
    rng: random.Random,
    plan: ReferralPlan,
    triage_due_at: datetime | None,
    now: datetime,
    tactics: int,
) -> CasePlan:
    """The decision, closure and casework of a referral the coordinator has decided (active
    or closed); nothing for the others. `tactics`: how many disruption tactics to pick from."""
    if plan.state not in DECISION_SHARES or plan.submitted_at is None or triage_due_at is None:
        return CasePlan()
    latest = now - timedelta(seconds=30)
    submitted = plan.submitted_at
    if rng.random() < IN_TIME_SHARE:
        decided = _between(rng, submitted + timedelta(minutes=5), triage_due_at)
    else:
        decided = triage_due_at + timedelta(seconds=rng.uniform(1800, 4 * 86400))
    decided = max(submitted, min(latest, decided))
    decision = _pick(rng, DECISION_SHARES[plan.state])
    case = decision in CASE_DECISIONS
    end = latest
    closed_at, outcome = None, ""
    if plan.state == ReferralState.CLOSED:
        days = rng.uniform(30, 400) if case else rng.uniform(1 / 24, 5)
        closed_at = end = max(decided, min(latest, decided + timedelta(days=days)))
        outcome = (
            _pick(rng, CASE_OUTCOME_SHARES)
            if case
            else {
                Decision.NO_FURTHER_ACTION: ClosureOutcome.NO_FURTHER_ACTION,
                Decision.ADVICE_AND_SIGNPOSTING: ClosureOutcome.ADVICE_AND_SIGNPOSTING,
            }[decision]
        )

    risk = _pick(rng, RISK_SHARES[decision])
    if not case:
        return CasePlan(decision, decided, risk, outcome, closed_at)
    # Cases are reviewed about monthly while open.
    reviews = tuple(
        sorted(_between(rng, decided, end) for _ in range(rng.randint(REVIEWS[0], REVIEWS[1])))
    )
    return CasePlan(
        decision,
        decided,
        risk,
        outcome,
        closed_at,
        reviews=reviews,
        actions=tuple(
            _plan_action(rng, decided, end, closed_at is not None, now)
            for _ in range(rng.randint(1, 3))
        ),
        missing=tuple(
            _plan_missing(rng, decided, end, now)
            for _ in range(rng.randint(1, 3) if rng.random() < MISSING_SHARE else 0)
        ),
        disruption=tuple(
            _plan_disruption(rng, decided, end, now, tactics)
            for _ in range(rng.randint(1, 2) if tactics and rng.random() < DISRUPTION_SHARE else 0)
        ),
    )


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _plan_action(
    rng: random.Random, decided: datetime, end: datetime, closed: bool, now: datetime
) -> ActionPlan:
    added = _between(rng, decided, min(end, decided + timedelta(days=2)))
    due_on = _local_day(added) + timedelta(days=rng.randint(7, 42))
    if closed or due_on < now.date():
        shares = {ActionStatus.DONE: 0.8, ActionStatus.OPEN: 0.15, ActionStatus.CANCELLED: 0.05}
    else:
        shares = {ActionStatus.DONE: 0.2, ActionStatus.OPEN: 0.75, ActionStatus.CANCELLED: 0.05}
    status = _pick(rng, shares)
    completed = None
    if status == ActionStatus.DONE:
        # Most on or before the day due, some late.
        target = timezone.make_aware(datetime.combine(due_on, datetime.min.time())) + timedelta(
            days=rng.uniform(-14, 6)
        )
        completed = max(added, min(now - timedelta(seconds=30), target))
    return ActionPlan(added, due_on, status, completed)


def _plan_missing(
    rng: random.Random, decided: datetime, end: datetime, now: datetime
) -> MissingPlan:
    started = _between(rng, decided, end)
    ended: datetime | None = started + timedelta(hours=rng.uniform(2, 72))
    if ended is not None and ended >= now:
        ended = None
    interview, interview_on = "", None
    if ended is not None:
        interview = _pick(rng, {ReturnInterview.HELD: 0.75, ReturnInterview.NOT_HELD: 0.1,
                                ReturnInterview.DUE: 0.15})  # fmt: skip
        if interview == ReturnInterview.HELD:
            interview_on = min(now.date(), _local_day(ended) + timedelta(days=rng.randint(0, 5)))
    return MissingPlan(started, ended, str(interview), interview_on)


def _plan_disruption(
    rng: random.Random, decided: datetime, end: datetime, now: datetime, tactics: int
) -> DisruptionPlan:
    created = _between(rng, decided, end)
    status = _pick(rng, DISRUPTION_STATUS_SHARES)
    issued = served = None
    if status != DisruptionStatus.PLANNED:
        issued = min(now.date(), _local_day(created) + timedelta(days=rng.randint(0, 14)))
        if status != DisruptionStatus.REFUSED and rng.random() < 0.7:
            served = min(now.date(), issued + timedelta(days=rng.randint(0, 7)))
    return DisruptionPlan(rng.randrange(tactics), status, created, issued, served)


def _clocks(plan: ReferralPlan, area: Area) -> tuple[datetime | None, datetime | None]:
    """(triage_due_at, rag_due_at) as the service sets them at submission and rating."""
    if plan.submitted_at is None:
        return None, None
    triage_due = add_working_days(plan.submitted_at, area.triage_working_days)
    if not plan.rag:
        return triage_due, None
    hours = {
        Rag.RED: area.rag_red_working_hours,
        Rag.AMBER: area.rag_amber_working_hours,
        Rag.GREEN: area.rag_green_working_hours,
    }[Rag(plan.rag)]
    return triage_due, add_working_hours(plan.submitted_at, hours)


def _copy_text(value: object) -> str:
    """One value in COPY's text format."""
    if value is None:
        return r"\N"
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = json.dumps(value)
    else:
        text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _column(model: type[models.Model], name: str) -> str:
    # From the model, so that a renamed field fails here rather than loading the wrong column.
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a concrete field")
    return field.column


def _copy(
    cursor: Any, model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(_column(model, name)) for name in fields)
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN", buffer)


def _next_values(cursor: Any, sequence: str, count: int) -> list[int]:
    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
    return [number for (number,) in cursor.fetchall()]


def _id_sequence(cursor: Any, model: type[models.Model]) -> str:
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
    (name,) = cursor.fetchone()
    return str(name)


def _batches(total: int, size: int) -> Iterable[int]:
    for start in range(0, total, size):
        yield min(size, total - start)


# Tables whose field-history triggers (django-pghistory) are off while the bench loads them
# (the referrals here, the intelligence in bench.network).
HISTORY_TRACKED = (
    YoungPerson,
    Referral,
    PersonOfConcern,
    Location,
    Vehicle,
    OnlineIdentifier,
    Link,
)
# Tables whose rollup triggers (reports migration 0002) mark days stale, beyond those above;
# the load rebuilds the area's rollups instead.
ROLLUP_TRACKED = (MissingEpisode, ProtectiveAction, DisruptionActivity)


def _history_triggers(cursor: Any, *, enabled: bool) -> None:
    """Turn the user triggers (field history, rollup marks) of the loaded tables off or on,
    inside the caller's transaction. Each field-history call opens PL/pgSQL exception blocks,
    that is subtransactions; a million of them in one transaction makes every further row
    slower, so a bulk load runs without them (as any bulk import would) and synthetic rows
    carry no field history."""
    action = "ENABLE" if enabled else "DISABLE"
    # ALTER TABLE refuses while foreign-key checks wait for commit: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for model in (*HISTORY_TRACKED, *ROLLUP_TRACKED):
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _pg_array(values: Sequence[str]) -> str:
    # The values are choice slugs: no quoting needed.
    return "{" + ",".join(values) + "}"


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()) + timedelta(hours=hour))


def _disruption_targets(cast: BenchCast) -> list[int]:
    """LOCATIONS places in the bench area, as network nodes that disruption can target."""
    found = list(
        Node.objects.filter(area=cast.area, kind=NodeKind.LOCATION)
        .order_by("id")
        .values_list("id", flat=True)[:LOCATIONS]
    )
    missing = LOCATIONS - len(found)
    if missing > 0:
        places = Location.objects.bulk_create(
            Location(
                area=cast.area,
                created_by=cast.coordinator,
                name=f"Synthetic benchmark place {len(found) + i}",
                location_type=LocationType.TAKEAWAY,
            )
            for i in range(missing)
        )
        nodes = Node.objects.bulk_create(
            Node(area=cast.area, kind=NodeKind.LOCATION, location=place) for place in places
        )
        found.extend(node.pk for node in nodes)
    return found


@dataclass
class _Rows:
    """One batch's rows, table by table, in COPY order."""

    referrals: list[tuple[object, ...]] = field(default_factory=list)
    events: list[tuple[object, ...]] = field(default_factory=list)
    missing: list[tuple[object, ...]] = field(default_factory=list)
    actions: list[tuple[object, ...]] = field(default_factory=list)
    disruption: list[tuple[object, ...]] = field(default_factory=list)
    disruption_referrals: list[tuple[object, ...]] = field(default_factory=list)

    def event(self, referral: int, kind: ReferralEventType, actor: int, at: datetime,
              **parameters: object) -> None:  # fmt: skip
        self.events.append((referral, kind.value, parameters, actor, at))


@dataclass(frozen=True)
class _Catalogues:
    tactics: list[tuple[int, str]]  # (id, code)
    action_types: list[tuple[int, str]]
    targets: list[int]  # node ids


def _transition(rows: _Rows, pk: int, kind: ReferralEventType, actor: int, at: datetime,
                source: ReferralState, target: ReferralState) -> None:  # fmt: skip
    rows.event(pk, kind, actor, at, source=source.value, target=target.value)


def _timeline_and_casework(
    rows: _Rows,
    *,
    pk: int,
    reference: str,
    plan: ReferralPlan,
    case: CasePlan,
    raiser: Raiser,
    coordinator: int,
    area_id: int,
    catalogues: _Catalogues,
    ids: dict[str, Iterable[int]],
    rng: random.Random,
    now: datetime,
) -> None:
    """The referral's timeline events, and its missing episodes, actions and disruption,
    as the services would have written them. Parameters match referrals.events."""
    rows.event(pk, ReferralEventType.RAISED, raiser.user_id, plan.created_at,
               agency_id=raiser.agency_id)  # fmt: skip
    submitted = plan.submitted_at
    if submitted is None:
        return
    rows.event(pk, ReferralEventType.SUBMITTED, raiser.user_id, submitted, reference=reference)
    if plan.state == ReferralState.WITHDRAWN:
        withdrawn = min(now, submitted + timedelta(hours=rng.uniform(1, 72)))
        _transition(rows, pk, ReferralEventType.WITHDRAWN, raiser.user_id, withdrawn,
                    ReferralState.SUBMITTED, ReferralState.WITHDRAWN)  # fmt: skip
        return
    if plan.state == ReferralState.SUBMITTED:
        return
    _transition(rows, pk, ReferralEventType.TRIAGE_STARTED, coordinator, submitted,
                ReferralState.SUBMITTED, ReferralState.IN_TRIAGE)  # fmt: skip
    if plan.rag:
        rows.event(pk, ReferralEventType.RAG_SET, coordinator, submitted, rag=plan.rag)
    if case.decided_at is None:
        return
    rows.event(pk, ReferralEventType.DECIDED, coordinator, case.decided_at,
               source=ReferralState.IN_TRIAGE.value, target=ReferralState.ACTIVE.value,
               decision=case.decision)  # fmt: skip
    for at in case.reviews:
        _transition(rows, pk, ReferralEventType.REVIEWED, coordinator, at,
                    ReferralState.ACTIVE, ReferralState.ACTIVE)  # fmt: skip
    for action, action_id in zip(case.actions, ids["action"], strict=False):
        type_id, code = rng.choice(catalogues.action_types)
        rows.actions.append((
            action_id, pk, type_id, "", raiser.user_id, raiser.agency_id, action.due_on,
            action.status.value, "", action.completed_at, coordinator, action.added_at,
        ))  # fmt: skip
        rows.event(pk, ReferralEventType.ACTION_ADDED, coordinator, action.added_at,
                   action_id=action_id, action_type=code, owner_agency_id=raiser.agency_id,
                   due_on=action.due_on.isoformat())  # fmt: skip
        if action.status != ActionStatus.OPEN:
            updated = action.completed_at or _between(rng, action.added_at, now)
            rows.event(pk, ReferralEventType.ACTION_UPDATED, raiser.user_id, updated,
                       action_id=action_id, status=action.status.value,
                       previous_status=ActionStatus.OPEN.value, previous_outcome="")  # fmt: skip
    for episode, episode_id in zip(case.missing, ids["missing"], strict=False):
        due = episode.ended_at + timedelta(hours=72) if episode.ended_at else None
        rows.missing.append((
            episode_id, pk, episode.started_at, episode.ended_at, "Synthetic carer", "", due,
            episode.interview, "Synthetic worker" if episode.interview_on else "",
            episode.interview_on, "", "", coordinator, episode.started_at,
        ))  # fmt: skip
        rows.event(pk, ReferralEventType.MISSING_STARTED, coordinator, episode.started_at,
                   episode_id=episode_id, started_at=episode.started_at.isoformat())  # fmt: skip
        if episode.ended_at is not None and due is not None:
            rows.event(pk, ReferralEventType.MISSING_ENDED, coordinator, episode.ended_at,
                       episode_id=episode_id, ended_at=episode.ended_at.isoformat(),
                       interview_due_at=due.isoformat())  # fmt: skip
            if episode.interview in (ReturnInterview.HELD, ReturnInterview.NOT_HELD):
                at = _at(episode.interview_on, 12) if episode.interview_on else due
                rows.event(pk, ReferralEventType.RETURN_HOME_INTERVIEW, coordinator,
                           max(episode.ended_at, min(now, at)), episode_id=episode_id,
                           interview=episode.interview)  # fmt: skip
    for activity, activity_id in zip(case.disruption, ids["disruption"], strict=False):
        tactic_id, code = catalogues.tactics[activity.tactic_index]
        breached = activity.served_on if activity.status == DisruptionStatus.BREACHED else None
        rows.disruption.append((
            activity_id, area_id, tactic_id, rng.choice(catalogues.targets),
            DisruptionMode.DIRECT.value, "", coordinator, raiser.agency_id,
            activity.status.value, _local_day(activity.created_at), activity.issued_on,
            activity.served_on, None, breached, "", "", "", coordinator, activity.created_at,
            activity.created_at,
        ))  # fmt: skip
        rows.disruption_referrals.append((activity_id, pk))
        rows.event(pk, ReferralEventType.DISRUPTION_LOGGED, coordinator, activity.created_at,
                   activity_id=activity_id, tactic=code, status=activity.status.value)  # fmt: skip
    if case.closed_at is not None:
        rows.event(pk, ReferralEventType.CLOSED, coordinator, case.closed_at,
                   source=ReferralState.ACTIVE.value, target=ReferralState.CLOSED.value,
                   outcome=case.outcome)  # fmt: skip


REFERRAL_COLUMNS = [
    "id", "reference", "area", "young_person", "raised_by", "raised_by_agency", "state",
    "narrative", "created_at", "submitted_at", "triage_due_at", "rag", "rag_due_at",
    "triaged_by", "exploitation_type", "exploitation_models", "decision", "decided_at",
    "risk_level", "risk_assessed_at", "last_reviewed_at", "outcome", "closed_at",
]  # fmt: skip
MISSING_COLUMNS = [
    "id", "referral", "started_at", "ended_at", "reported_by", "police_reference",
    "interview_due_at", "interview", "interview_by", "interview_on", "interview_summary",
    "not_held_reason", "recorded_by", "created_at",
]  # fmt: skip
ACTION_COLUMNS = [
    "id", "referral", "action_type", "detail", "owner", "owner_agency", "due_on", "status",
    "outcome", "completed_at", "created_by", "created_at",
]  # fmt: skip
DISRUPTION_COLUMNS = [
    "id", "area", "tactic", "target", "mode", "legal_power", "owner", "owner_agency", "status",
    "planned_on", "issued_on", "served_on", "expires_on", "breached_on", "outcome", "court",
    "court_reference", "created_by", "created_at", "updated_at",
]  # fmt: skip


def _copy_through(cursor: Any, rows: list[tuple[object, ...]]) -> None:
    through = DisruptionActivity.referrals.through
    quote = connection.ops.quote_name
    buffer = io.StringIO("".join(f"{a}\t{r}\n" for a, r in rows))
    cursor.copy_expert(
        f"COPY {quote(through._meta.db_table)} (disruptionactivity_id, referral_id) FROM STDIN",
        buffer,
    )


def generate_referrals(
    count: int,
    *,
    seed: int,
    batch_size: int = BATCH_SIZE,
    cast: BenchCast | None = None,
    rebuild_rollups: bool = True,
) -> GenerateResult:
    """Add `count` referrals (with their timelines and casework) to the bench area in one
    transaction, then rebuild the area's rollups (unless told not to).

    The same seed gives the same names, narratives, states and relative dates.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    totals = {"events": 0, "missing": 0, "actions": 0, "disruption": 0}
    with transaction.atomic():
        cast = cast or ensure_cast()
        area_id, coordinator_id = cast.area.pk, cast.coordinator.pk
        with connection.cursor() as cursor:
            _history_triggers(cursor, enabled=False)
            catalogues = _Catalogues(
                tactics=list(DisruptionTactic.objects.order_by("id").values_list("id", "code")),
                action_types=list(
                    ProtectiveActionType.objects.order_by("id").values_list("id", "code")
                ),
                targets=_disruption_targets(cast),
            )
            person_seq = _id_sequence(cursor, YoungPerson)
            sequences = {
                "referral": _id_sequence(cursor, Referral),
                "missing": _id_sequence(cursor, MissingEpisode),
                "action": _id_sequence(cursor, ProtectiveAction),
                "disruption": _id_sequence(cursor, DisruptionActivity),
            }

            person_ids: list[int] = []
            referred_around: list[datetime] = []
            people = max(1, count // REFERRALS_PER_YOUNG_PERSON)
            for size in _batches(people, batch_size):
                ids = _next_values(cursor, person_seq, size)
                people_plans = plan_young_people(rng, size, now)
                _copy(
                    cursor,
                    YoungPerson,
                    # No NHS number: synthetic people must never carry a real-looking one.
                    ["id", "area", "given_name", "family_name", "date_of_birth",
                     "estimated_age", "sex", "ethnicity", "nhs_number", "created_at"],
                    [
                        (pk, area_id, p.given_name, p.family_name, p.date_of_birth,
                         p.estimated_age, p.sex, p.ethnicity, "", p.created_at)
                        for pk, p in zip(ids, people_plans, strict=True)
                    ],
                )  # fmt: skip
                person_ids.extend(ids)
                referred_around.extend(p.referred_around for p in people_plans)

            for size in _batches(count, batch_size):
                ids = _next_values(cursor, sequences["referral"], size)
                numbers = _next_values(cursor, "referral_reference_seq", size)
                rows = _Rows()
                plans = plan_referrals(rng, size, referred_around, now)
                clocks = [_clocks(plan, cast.area) for plan in plans]
                cases = [
                    plan_case(rng, plan, triage_due, now, len(catalogues.tactics))
                    for plan, (triage_due, _) in zip(plans, clocks, strict=True)
                ]
                pools = {
                    name: iter(_next_values(cursor, sequences[name], needed) if needed else [])
                    for name, needed in (
                        ("missing", sum(len(c.missing) for c in cases)),
                        ("action", sum(len(c.actions) for c in cases)),
                        ("disruption", sum(len(c.disruption) for c in cases)),
                    )
                }
                for pk, number, plan, (triage_due_at, rag_due_at), case in zip(
                    ids, numbers, plans, clocks, cases, strict=True
                ):
                    reference = format_referral_reference(number, today)
                    raiser = cast.raisers[plan.raiser]
                    triaged = plan.state == ReferralState.IN_TRIAGE or case.decided_at
                    rows.referrals.append((
                        pk, reference, area_id, person_ids[plan.young_person_index],
                        raiser.user_id, raiser.agency_id, plan.state.value, plan.narrative,
                        plan.created_at, plan.submitted_at, triage_due_at, plan.rag, rag_due_at,
                        coordinator_id if triaged else None, plan.exploitation_type,
                        _pg_array(plan.exploitation_models), case.decision, case.decided_at,
                        case.risk_level, case.decided_at,
                        case.reviews[-1] if case.reviews else None,
                        case.outcome, case.closed_at,
                    ))  # fmt: skip
                    _timeline_and_casework(
                        rows, pk=pk, reference=reference, plan=plan, case=case, raiser=raiser,
                        coordinator=coordinator_id, area_id=area_id, catalogues=catalogues,
                        ids={n: [next(pools[n]) for _ in range(k)] for n, k in (
                            ("missing", len(case.missing)), ("action", len(case.actions)),
                            ("disruption", len(case.disruption)))},
                        rng=rng, now=now,
                    )  # fmt: skip
                _copy(cursor, Referral, REFERRAL_COLUMNS, rows.referrals)
                _copy(
                    cursor,
                    ReferralEvent,
                    ["referral", "event_type", "parameters", "actor", "created_at"],
                    rows.events,
                )
                _copy(cursor, MissingEpisode, MISSING_COLUMNS, rows.missing)
                _copy(cursor, ProtectiveAction, ACTION_COLUMNS, rows.actions)
                _copy(cursor, DisruptionActivity, DISRUPTION_COLUMNS, rows.disruption)
                _copy_through(cursor, rows.disruption_referrals)
                totals["events"] += len(rows.events)
                totals["missing"] += len(rows.missing)
                totals["actions"] += len(rows.actions)
                totals["disruption"] += len(rows.disruption)
            _history_triggers(cursor, enabled=True)
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum would give a long-lived database.
        tables = (YoungPerson, Referral, ReferralEvent, *ROLLUP_TRACKED)
        cursor.execute(
            "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        )
    loaded = time.perf_counter()
    if rebuild_rollups:
        rollups_rebuild(area_ids=[cast.area.pk])
    return GenerateResult(
        referrals=count,
        events=totals["events"],
        young_people=len(person_ids),
        seconds=loaded - started,
        missing_episodes=totals["missing"],
        actions=totals["actions"],
        disruption_activities=totals["disruption"],
        rollup_rebuild_seconds=time.perf_counter() - loaded if rebuild_rollups else 0.0,
    )
