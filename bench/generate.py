"""Synthetic benchmark data: one fictional area whose referrals are loaded in bulk.

Rows go in with PostgreSQL COPY, in batches, with ids and reference numbers taken from the
database sequences in one query per batch. COPY rather than bulk_create because `created_at`
is auto_now_add, which bulk_create would overwrite with the same instant for every row; the
list endpoints order by it, so the data needs a realistic spread of dates.
Every name and narrative is invented.
"""

from __future__ import annotations

import io
import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Membership, Role
from disruption.models import Link, Location, OnlineIdentifier, PersonOfConcern, Vehicle
from referrals.models import (
    QUEUE_STATES,
    Rag,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    YoungPerson,
)
from referrals.services import format_referral_reference
from referrals.working_time import add_working_days, add_working_hours

# E99… codes are never issued by the ONS, so the bench area cannot clash with a real one.
BENCH_AREA_ONS_CODE = "E99000900"
BENCH_AREA_NAME = "Benchmark Safeguarding Partnership"
PRACTITIONER_USERNAME = "bench-practitioner"
COORDINATOR_USERNAME = "bench-coordinator"
OUTSIDER_USERNAME = "bench-outsider"
OTHER_AREA_ONS_CODE = "E99000901"
OTHER_AREA_NAME = "Benchmark Neighbouring Partnership"
OUTSIDER_AGENCY = ("Benchmark Neighbouring Children's Services", AgencyType.CHILDRENS_SOCIAL_CARE)
PRACTITIONER_AGENCY = ("Benchmark Academy", AgencyType.EDUCATION)
COORDINATOR_AGENCY = ("Benchmark Children's Services", AgencyType.CHILDRENS_SOCIAL_CARE)

BATCH_SIZE = 5_000
# How a year of a partnership's referrals stands: most closed, some with an active plan, a few
# thousand per million waiting for triage. Drafts are visible to their raiser only.
STATE_SHARES: dict[ReferralState, float] = {
    ReferralState.CLOSED: 0.80,
    ReferralState.ACTIVE: 0.10,
    ReferralState.DRAFT: 0.05,
    ReferralState.WITHDRAWN: 0.045,
    ReferralState.SUBMITTED: 0.003,
    ReferralState.IN_TRIAGE: 0.002,
}
RATED_SHARE = 0.4  # of submitted referrals, those a coordinator has RAG-rated
# Referrals still waiting for triage arrived lately, so their clocks fall either side of now.
QUEUE_HISTORY_HOURS = 72
REFERRALS_PER_YOUNG_PERSON = 2
HISTORY_DAYS = 365

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


@dataclass(frozen=True)
class BenchCast:
    """The fixed people and places every run reuses."""

    area: Area
    practitioner: Any
    practitioner_membership: Membership
    coordinator: Any
    outsider: Any  # a coordinator of another area: every bench referral is out of their scope


@dataclass(frozen=True)
class GenerateResult:
    referrals: int
    events: int
    young_people: int
    seconds: float


@dataclass(frozen=True)
class PersonPlan:
    given_name: str
    family_name: str
    date_of_birth: date
    created_at: datetime


@dataclass(frozen=True)
class ReferralPlan:
    young_person_index: int  # into the young people created by the same run
    state: ReferralState
    created_at: datetime
    submitted_at: datetime | None
    narrative: str
    rag: str  # "" when not rated


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


def ensure_cast() -> BenchCast:
    """Create the bench area, its agencies and users if missing; reuse them otherwise."""
    area, _ = Area.objects.get_or_create(
        ons_code=BENCH_AREA_ONS_CODE, defaults={"name": BENCH_AREA_NAME, "region": "Nowhere"}
    )
    practitioner = _user(PRACTITIONER_USERNAME, "Practitioner")
    coordinator = _user(COORDINATOR_USERNAME, "Coordinator")
    membership, _ = Membership.objects.get_or_create(
        user=practitioner,
        role=Role.PRACTITIONER,
        area=area,
        agency=_agency(*PRACTITIONER_AGENCY, area),
    )
    Membership.objects.get_or_create(
        user=coordinator,
        role=Role.COORDINATOR,
        area=area,
        agency=_agency(*COORDINATOR_AGENCY, area),
    )
    other_area, _ = Area.objects.get_or_create(
        ons_code=OTHER_AREA_ONS_CODE, defaults={"name": OTHER_AREA_NAME, "region": "Nowhere"}
    )
    outsider = _user(OUTSIDER_USERNAME, "Coordinator elsewhere")
    Membership.objects.get_or_create(
        user=outsider,
        role=Role.COORDINATOR,
        area=other_area,
        agency=_agency(*OUTSIDER_AGENCY, other_area),
    )
    return BenchCast(area, practitioner, membership, coordinator, outsider)


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
    today = now.date()
    return [
        PersonPlan(
            given_name=rng.choice(GIVEN_NAMES),
            family_name=rng.choice(FAMILY_NAMES),
            date_of_birth=today - timedelta(days=rng.randint(10 * 365, 17 * 365)),
            # Known to the service before any of their referrals.
            created_at=now - timedelta(days=HISTORY_DAYS + rng.randint(1, 30)),
        )
        for _ in range(count)
    ]


def plan_referrals(
    rng: random.Random, count: int, young_people: int, now: datetime
) -> list[ReferralPlan]:
    plans = []
    states, weights = list(STATE_SHARES), list(STATE_SHARES.values())
    for _ in range(count):
        (state,) = rng.choices(states, weights)
        queued = state in QUEUE_STATES
        age_s = QUEUE_HISTORY_HOURS * 3600 if queued else HISTORY_DAYS * 24 * 3600
        created_at = now - timedelta(seconds=rng.randint(60, age_s))
        submitted_at = None
        if state != ReferralState.DRAFT:
            delay = timedelta(minutes=rng.randint(1, 30 if queued else 3 * 24 * 60))
            submitted_at = min(now, created_at + delay)
        rated = submitted_at is not None and rng.random() < RATED_SHARE
        sentences = rng.sample(CONCERNS, k=rng.randint(1, 3))
        plans.append(
            ReferralPlan(
                young_person_index=rng.randrange(young_people),
                state=state,
                created_at=created_at,
                submitted_at=submitted_at,
                narrative="Synthetic benchmark concern. " + " ".join(sentences),
                rag=rng.choice(Rag.values) if rated else "",
            )
        )
    return plans


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


def _history_triggers(cursor: Any, *, enabled: bool) -> None:
    """Turn the field-history triggers of the loaded tables off or on, inside the caller's
    transaction. Each trigger call opens PL/pgSQL exception blocks, that is subtransactions;
    a million of them in one transaction makes every further row slower, so a bulk load runs
    without them (as any bulk import would) and synthetic rows carry no field history."""
    action = "ENABLE" if enabled else "DISABLE"
    # ALTER TABLE refuses while foreign-key checks wait for commit: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for model in HISTORY_TRACKED:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER USER")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def generate_referrals(
    count: int, *, seed: int, batch_size: int = BATCH_SIZE, cast: BenchCast | None = None
) -> GenerateResult:
    """Add `count` referrals (with their timeline events) to the bench area in one transaction.

    The same seed gives the same names, narratives, states and relative dates.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    events = 0
    with transaction.atomic():
        cast = cast or ensure_cast()
        area_id, agency_id = cast.area.pk, cast.practitioner_membership.agency_id
        actor_id, coordinator_id = cast.practitioner.pk, cast.coordinator.pk
        with connection.cursor() as cursor:
            _history_triggers(cursor, enabled=False)
            person_seq = _id_sequence(cursor, YoungPerson)
            referral_seq = _id_sequence(cursor, Referral)

            person_ids: list[int] = []
            people = max(1, count // REFERRALS_PER_YOUNG_PERSON)
            for size in _batches(people, batch_size):
                ids = _next_values(cursor, person_seq, size)
                rows = [
                    (pk, area_id, p.given_name, p.family_name, p.date_of_birth, "", p.created_at)
                    for pk, p in zip(ids, plan_young_people(rng, size, now), strict=True)
                ]
                _copy(
                    cursor,
                    YoungPerson,
                    # No NHS number: synthetic people must never carry a real-looking one.
                    [
                        "id",
                        "area",
                        "given_name",
                        "family_name",
                        "date_of_birth",
                        "nhs_number",
                        "created_at",
                    ],
                    rows,
                )
                person_ids.extend(ids)

            for size in _batches(count, batch_size):
                ids = _next_values(cursor, referral_seq, size)
                numbers = _next_values(cursor, "referral_reference_seq", size)
                referral_rows = []
                event_rows: list[tuple[object, ...]] = []
                plans = plan_referrals(rng, size, len(person_ids), now)
                for pk, number, plan in zip(ids, numbers, plans, strict=True):
                    reference = format_referral_reference(number, today)
                    triage_due_at, rag_due_at = _clocks(plan, cast.area)
                    in_triage = plan.state == ReferralState.IN_TRIAGE
                    referral_rows.append(
                        (
                            pk,
                            reference,
                            area_id,
                            person_ids[plan.young_person_index],
                            actor_id,
                            agency_id,
                            plan.state.value,
                            plan.narrative,
                            plan.created_at,
                            plan.submitted_at,
                            triage_due_at,
                            plan.rag,
                            rag_due_at,
                            coordinator_id if in_triage else None,
                        )
                    )
                    # Parameters match referrals.events so timelines read like real ones.
                    event_rows.append(
                        (
                            pk,
                            ReferralEventType.RAISED.value,
                            {"agency_id": agency_id},
                            actor_id,
                            plan.created_at,
                        )
                    )
                    if plan.submitted_at is not None:
                        event_rows.append(
                            (
                                pk,
                                ReferralEventType.SUBMITTED.value,
                                {"reference": reference},
                                actor_id,
                                plan.submitted_at,
                            )
                        )
                    if in_triage and plan.submitted_at is not None:
                        event_rows.append(
                            (
                                pk,
                                ReferralEventType.TRIAGE_STARTED.value,
                                {
                                    "source": ReferralState.SUBMITTED.value,
                                    "target": plan.state.value,
                                },
                                coordinator_id,
                                plan.submitted_at,
                            )
                        )
                _copy(
                    cursor,
                    Referral,
                    [
                        "id",
                        "reference",
                        "area",
                        "young_person",
                        "raised_by",
                        "raised_by_agency",
                        "state",
                        "narrative",
                        "created_at",
                        "submitted_at",
                        "triage_due_at",
                        "rag",
                        "rag_due_at",
                        "triaged_by",
                    ],
                    referral_rows,
                )
                _copy(
                    cursor,
                    ReferralEvent,
                    ["referral", "event_type", "parameters", "actor", "created_at"],
                    event_rows,
                )
                events += len(event_rows)
            _history_triggers(cursor, enabled=True)
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum would give a long-lived database.
        tables = (YoungPerson, Referral, ReferralEvent)
        cursor.execute(
            "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        )
    return GenerateResult(
        referrals=count,
        events=events,
        young_people=len(person_ids),
        seconds=time.perf_counter() - started,
    )
