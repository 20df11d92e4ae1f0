"""A synthetic reporting history for the demo areas, so the dashboard has figures to show.

Eighteen months of concerns, decided and mostly closed, written straight to the tables with
their past dates (the services stamp the present). Young people are invented ("Synthetic
History 1" and so on), reused now and then to make repeat referrals. The stale-day triggers
mark every day written, so the rollups are recounted like any other change.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.models import Agency, Area, Membership
from referrals.models import (
    ClosureOutcome,
    Decision,
    Ethnicity,
    ExploitationModel,
    ExploitationType,
    Referral,
    ReferralState,
    RiskLevel,
    Sex,
    YoungPerson,
)
from referrals.working_time import add_working_days

HISTORY_PREFIX = "HIST"
DAYS = 540
# Decisions: (value, weight). Most concerns get advice or a plan; few are dismissed.
DECISIONS = (
    (Decision.NO_FURTHER_ACTION, 2),
    (Decision.ADVICE_AND_SIGNPOSTING, 4),
    (Decision.STATUTORY_REFERRAL, 2),
    (Decision.MULTI_AGENCY_PLAN, 5),
)
CLOSING = (ClosureOutcome.RISK_REDUCED, ClosureOutcome.MOVED_AREA, ClosureOutcome.TURNED_18)


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _young_person(rng: random.Random, area: Area, number: int, now: datetime) -> YoungPerson:
    age_days = rng.randint(10 * 365, 17 * 365)
    return YoungPerson(
        area=area,
        given_name="Synthetic",
        family_name=f"History {number}",
        date_of_birth=(now - timedelta(days=age_days)).date(),
        sex=rng.choices([Sex.FEMALE, Sex.MALE, Sex.NOT_KNOWN], [70, 27, 3])[0],
        ethnicity=rng.choice(Ethnicity.values),
    )


def _referral(
    rng: random.Random,
    *,
    area: Area,
    number: int,
    person: YoungPerson,
    raiser: Membership,
    agencies: list[Agency],
    submitted: datetime,
    now: datetime,
) -> Referral:
    due = add_working_days(submitted, area.triage_working_days)
    # Most decisions come within the working day; a few take longer.
    decided = submitted + timedelta(hours=rng.choice([1, 2, 3, 5, 8, 20, 30, 70]))
    decision = _pick(rng, DECISIONS)
    plan = decision == Decision.MULTI_AGENCY_PLAN
    closed = decided if not plan else decided + timedelta(days=rng.randint(30, 200))
    open_now = plan and closed > now
    outcome = ""
    if not open_now:
        outcome = (
            rng.choice(CLOSING)
            if plan
            else (
                ClosureOutcome.TRANSFERRED_TO_STATUTORY
                if decision == Decision.STATUTORY_REFERRAL
                else decision
            )
        )
    return Referral(
        reference=f"{HISTORY_PREFIX}-{area.ons_code[-3:]}-{number:05d}",
        area=area,
        young_person=person,
        raised_by=raiser.user,
        raised_by_agency=rng.choice(agencies),
        state=ReferralState.ACTIVE if open_now else ReferralState.CLOSED,
        narrative="Synthetic demonstration history.",
        exploitation_type=rng.choices(ExploitationType.values, [60, 25, 10, 5])[0],
        exploitation_models=rng.sample(ExploitationModel.values, rng.randint(0, 2)),
        immediate_danger=False,
        lawful_basis="safeguarding_public_task",
        consent="not_sought",
        submitted_at=submitted,
        triage_due_at=due,
        decision=decision,
        decided_at=decided,
        risk_level=rng.choice(RiskLevel.values),
        outcome=outcome,
        closed_at=None if open_now else closed,
    )


def seed_report_history(
    *, area: Area, raiser: Membership, agencies: list[Agency], per_month: int = 25
) -> int:
    """Add the history once per area; returns how many concerns were added (0 when present)."""
    prefix = f"{HISTORY_PREFIX}-{area.ons_code[-3:]}-"
    if Referral.objects.filter(reference__startswith=prefix).exists():
        return 0
    rng = random.Random(area.ons_code)  # noqa: S311 - invented data; the same on every machine
    now = timezone.now()
    total = per_month * DAYS // 30
    with transaction.atomic():
        people: list[YoungPerson] = []
        referrals = []
        for number in range(1, total + 1):
            if people and rng.random() < 0.12:
                person = rng.choice(people)
            else:
                person = _young_person(rng, area, number, now)
                person.save()
                people.append(person)
            submitted = now - timedelta(days=rng.uniform(1, DAYS))
            referrals.append(
                _referral(
                    rng,
                    area=area,
                    number=number,
                    person=person,
                    raiser=raiser,
                    agencies=agencies,
                    submitted=submitted,
                    now=now,
                )
            )
        Referral.objects.bulk_create(referrals)
        # bulk_create stamps created_at with the present; a drafted concern predates its
        # submission, and open-case counts rely on it.
        Referral.objects.filter(reference__startswith=prefix).update(
            created_at=F("submitted_at") - timedelta(minutes=30)
        )
    return total
