from __future__ import annotations

import io
import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Membership, Role
from bench.generate import (
    BENCH_AREA_ONS_CODE,
    CASE_DECISIONS,
    COORDINATOR_USERNAME,
    FAMILY_NAMES,
    RAISING_AGENCIES,
    RATED_SHARE,
    STATE_SHARES,
    ensure_cast,
    generate_referrals,
    plan_referrals,
    plan_young_people,
)
from disruption.models import DisruptionActivity
from referrals.models import (
    QUEUE_STATES,
    MissingEpisode,
    ProtectiveAction,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    Sex,
    YoungPerson,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_generates_exactly_n_referrals_each_with_its_timeline() -> None:
    result = generate_referrals(300, seed=3, batch_size=70)  # several batches, one partial

    area = Area.objects.get(ons_code=BENCH_AREA_ONS_CODE)
    referrals = Referral.objects.filter(area=area)
    assert referrals.count() == 300
    assert result.referrals == 300
    assert result.young_people == YoungPerson.objects.filter(area=area).count() == 150
    assert result.events == ReferralEvent.objects.filter(referral__area=area).count()
    assert result.missing_episodes == MissingEpisode.objects.filter(referral__area=area).count()
    assert result.actions == ProtectiveAction.objects.filter(referral__area=area).count() > 0
    assert result.disruption_activities == DisruptionActivity.objects.filter(area=area).count()

    states = set(referrals.values_list("state", flat=True))
    assert ReferralState.DRAFT in states and ReferralState.CLOSED in states
    cast = ensure_cast()
    raisers = {(r.user_id, r.agency_id) for r in cast.raisers}
    coordinator = Membership.objects.get(user__username=COORDINATOR_USERNAME)
    now = timezone.now()
    for referral in referrals.prefetch_related("events"):
        events = list(referral.events.all())
        assert (referral.raised_by_id, referral.raised_by_agency_id) in raisers
        assert referral.young_person.area_id == area.pk
        raised = events[0]
        assert raised.event_type == ReferralEventType.RAISED
        assert raised.parameters == {"agency_id": referral.raised_by_agency_id}
        assert raised.actor_id == referral.raised_by_id
        assert raised.created_at == referral.created_at
        assert all(referral.created_at <= e.created_at <= now for e in events)
        if referral.state == ReferralState.DRAFT:
            assert [e.event_type for e in events] == ["raised"]
            assert referral.submitted_at is None
            assert referral.triage_due_at is None
            continue
        submitted = events[1]
        assert submitted.event_type == ReferralEventType.SUBMITTED
        assert submitted.parameters == {"reference": referral.reference}
        assert submitted.created_at == referral.submitted_at
        assert referral.submitted_at is not None
        assert referral.submitted_at >= referral.created_at
        assert referral.triage_due_at is not None
        assert referral.triage_due_at > referral.submitted_at
        assert (referral.rag_due_at is None) is (referral.rag == "")
        kinds = [e.event_type for e in events]
        decided = referral.state in (ReferralState.ACTIVE, ReferralState.CLOSED)
        in_triage = referral.state == ReferralState.IN_TRIAGE
        assert referral.triaged_by_id == (coordinator.user_id if in_triage or decided else None)
        assert (ReferralEventType.TRIAGE_STARTED in kinds) is (in_triage or decided)
        if not decided:
            assert referral.decision == "" and referral.decided_at is None
            assert not referral.actions.exists() and not referral.missing_episodes.exists()
            continue
        assert referral.decision and referral.risk_level
        assert referral.decided_at is not None
        assert referral.submitted_at <= referral.decided_at <= now
        (decision,) = [e for e in events if e.event_type == ReferralEventType.DECIDED]
        assert decision.created_at == referral.decided_at
        if referral.state == ReferralState.CLOSED:
            assert referral.outcome and referral.closed_at is not None
            assert referral.closed_at >= referral.decided_at
            (closed,) = [e for e in events if e.event_type == ReferralEventType.CLOSED]
            assert closed.created_at == referral.closed_at
        else:
            assert referral.outcome == "" and referral.closed_at is None
        casework = referral.actions.exists() or referral.missing_episodes.exists()
        if casework:
            assert referral.decision in CASE_DECISIONS
        for action in referral.actions.all():
            assert action.due_on > referral.decided_at.date()
            assert (action.completed_at is not None) is (action.status == "done")
        for episode in referral.missing_episodes.all():
            assert episode.started_at >= referral.decided_at
            assert (episode.interview_due_at is None) is (episode.ended_at is None)


@pytest.mark.django_db
def test_a_load_leaves_the_rollups_equal_to_a_recount_and_nothing_stale() -> None:
    from django.core.management import call_command

    from reports.models import Rollup, StaleDay

    generate_referrals(400, seed=8)
    assert Rollup.objects.exists()
    assert not StaleDay.objects.exists()
    call_command("rollups_check", stdout=io.StringIO())  # raises CommandError on a difference


@pytest.mark.django_db
def test_timelines_hold_about_ten_events_a_referral() -> None:
    result = generate_referrals(2000, seed=9)
    assert 8 <= result.events / result.referrals <= 12


def test_referrals_spread_over_four_years_and_several_agencies() -> None:
    rng = random.Random(11)  # noqa: S311 - seeded test data, not a secret
    people = plan_young_people(rng, 20_000, NOW)
    plans = plan_referrals(rng, 40_000, [p.referred_around for p in people], NOW)
    submitted = [p.submitted_at for p in plans if p.submitted_at is not None]
    last_year = sum(s > NOW - timedelta(days=365) for s in submitted) / len(submitted)
    assert last_year == pytest.approx(0.25, abs=0.04)
    assert min(submitted) < NOW - timedelta(days=3 * 365)
    raisers = Counter(p.raiser for p in plans)
    for index, (_, share) in enumerate(RAISING_AGENCIES):
        assert raisers[index] / len(plans) == pytest.approx(share, abs=0.01)
    sexes = Counter(p.sex for p in people)
    assert sexes[Sex.FEMALE] / len(people) == pytest.approx(0.56, abs=0.02)
    assert len({p.ethnicity for p in people}) > 15
    assert 0.02 < sum(p.date_of_birth is None for p in people) / len(people) < 0.06
    assert all((p.date_of_birth is None) is (p.estimated_age is not None) for p in people)
    ages = [
        (p.referred_around.date() - p.date_of_birth).days // 365
        for p in people
        if p.date_of_birth is not None
    ]
    assert min(ages) >= 8 and max(ages) <= 18
    assert any(p.exploitation_models for p in plans) and any(p.exploitation_type for p in plans)


@pytest.mark.django_db
def test_a_queue_for_the_coordinator_with_clocks_either_side_of_now() -> None:
    from referrals.selectors import triage_queue

    generate_referrals(3000, seed=4)
    cast = ensure_cast()
    queue = list(triage_queue(user=cast.coordinator))
    assert 5 <= len(queue) <= 40  # about half a percent of the referrals
    assert {r.state for r in queue} == set(QUEUE_STATES)
    now = timezone.now()
    due = [r.due_at for r in queue if r.due_at is not None]
    assert len(due) == len(queue)
    assert min(due) < now + timedelta(hours=4) and max(due) > now
    assert {r.triaged_by_id for r in queue if r.state == ReferralState.IN_TRIAGE} == {
        cast.coordinator.pk
    }


def test_the_planned_states_spread_as_a_year_of_work_does() -> None:
    rng = random.Random(7)  # noqa: S311 - seeded test data, not a secret
    plans = plan_referrals(rng, 100_000, [NOW] * 10, NOW)
    shares = Counter(p.state for p in plans)
    for state, share in STATE_SHARES.items():
        assert shares[state] / len(plans) == pytest.approx(share, abs=0.01)
    queued = sum(shares[state] for state in QUEUE_STATES)
    assert 300 <= queued <= 700  # a few thousand per million
    assert all(p.rag == "" for p in plans if p.state == ReferralState.DRAFT)
    rated = [p for p in plans if p.submitted_at is not None and p.rag]
    assert len(rated) / sum(p.submitted_at is not None for p in plans) == pytest.approx(
        RATED_SHARE, abs=0.02
    )


@pytest.mark.django_db
def test_references_are_unique_and_shaped_like_the_services_ones() -> None:
    generate_referrals(50, seed=1, batch_size=20)
    generate_referrals(50, seed=1, batch_size=20)  # the same seed again: still unique

    references = list(Referral.objects.values_list("reference", flat=True))
    assert len(references) == len(set(references)) == 100
    assert all(re.fullmatch(r"R\d{2}-\d{6,}", reference) for reference in references)


@pytest.mark.django_db
def test_generated_referrals_coexist_with_ones_from_the_service() -> None:
    from referrals.concerns import referral_create_draft

    generate_referrals(5, seed=1)
    cast = ensure_cast()
    person = YoungPerson.objects.filter(area=cast.area).first()
    assert person is not None
    referral = referral_create_draft(
        actor=cast.practitioner,
        membership=cast.practitioner_membership,
        young_person=person,
        narrative="Synthetic concern.",
    )
    # The sequence moved on past the generated numbers, so no clash.
    assert Referral.objects.filter(reference=referral.reference).count() == 1
    assert Referral.objects.count() == 6


@pytest.mark.django_db
def test_the_cast_is_created_once_and_reused() -> None:
    first = ensure_cast()
    generate_referrals(3, seed=1)
    second = ensure_cast()

    assert first.area == second.area
    assert Area.objects.filter(ons_code=BENCH_AREA_ONS_CODE).count() == 1
    assert second.coordinator.username == COORDINATOR_USERNAME
    assert not second.coordinator.has_usable_password()
    # A practitioner of each raising agency, the coordinator and a board member.
    assert Membership.objects.filter(area=first.area).count() == len(RAISING_AGENCIES) + 2
    assert set(Membership.objects.filter(area=first.area).values_list("role", flat=True)) == {
        Role.PRACTITIONER,
        Role.COORDINATOR,
        Role.BOARD_MEMBER,
    }
    assert first.raisers == second.raisers
    types = set(
        Agency.objects.filter(pk__in=[r.agency_id for r in first.raisers]).values_list(
            "agency_type", flat=True
        )
    )
    assert types == {agency_type for (_, agency_type), _ in RAISING_AGENCIES}


@pytest.mark.django_db
def test_the_coordinator_sees_the_submitted_referrals() -> None:
    from referrals.selectors import referral_list

    generate_referrals(30, seed=2)
    cast = ensure_cast()
    # A coordinator of another area sees none of them.
    elsewhere = Area.objects.create(name="Elsewhere", ons_code="E99000998", region="Nowhere")
    agency = Agency.objects.create(name="Elsewhere Services", agency_type=AgencyType.OTHER)
    outsider = get_user_model().objects.create(username="outsider", email="o@example.invalid")
    Membership.objects.create(user=outsider, role=Role.COORDINATOR, area=elsewhere, agency=agency)
    submitted = Referral.objects.filter(area=cast.area).exclude(state=ReferralState.DRAFT).count()
    assert referral_list(user=cast.coordinator).count() == submitted > 0
    assert referral_list(user=outsider).count() == 0


def test_plans_are_reproducible_from_the_seed() -> None:
    def plans(seed: int) -> tuple[object, object]:
        rng = random.Random(seed)  # noqa: S311 - seeded test data, not a secret
        people = plan_young_people(rng, 10, NOW)
        return people, plan_referrals(rng, 40, [p.referred_around for p in people], NOW)

    assert plans(5) == plans(5)
    assert plans(5) != plans(6)


def test_planned_names_and_narratives_are_clearly_synthetic() -> None:
    rng = random.Random(1)  # noqa: S311 - seeded test data, not a secret
    people = plan_young_people(rng, 50, NOW)
    assert all(p.family_name in FAMILY_NAMES for p in people)
    assert all(p.created_at < NOW for p in people)
    referrals = plan_referrals(rng, 50, [p.referred_around for p in people], NOW)
    assert all(r.narrative.startswith("Synthetic benchmark concern.") for r in referrals)
    assert all(0 <= r.young_person_index < len(people) for r in referrals)
    assert all(r.created_at <= NOW for r in referrals)


@pytest.mark.django_db
def test_count_must_be_positive() -> None:
    with pytest.raises(ValueError):
        generate_referrals(0, seed=1)


@pytest.mark.django_db
def test_history_triggers_are_back_on_after_a_load() -> None:
    from django.db import connection

    from bench.generate import HISTORY_TRACKED, ROLLUP_TRACKED, generate_referrals

    generate_referrals(20, seed=5)
    tables = [m._meta.db_table for m in (*HISTORY_TRACKED, *ROLLUP_TRACKED)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D' "
            "AND tgrelid::regclass::text = ANY(%s)",
            [tables],
        )
        (disabled,) = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal "
            "AND tgrelid::regclass::text = ANY(%s)",
            [tables],
        )
        (installed,) = cursor.fetchone()
    assert installed >= 9 and disabled == 0
