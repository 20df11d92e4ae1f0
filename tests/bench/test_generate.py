from __future__ import annotations

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
    COORDINATOR_USERNAME,
    FAMILY_NAMES,
    PRACTITIONER_USERNAME,
    RATED_SHARE,
    STATE_SHARES,
    ensure_cast,
    generate_referrals,
    plan_referrals,
    plan_young_people,
)
from referrals.models import (
    QUEUE_STATES,
    Referral,
    ReferralEvent,
    ReferralEventType,
    ReferralState,
    YoungPerson,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_generates_exactly_n_referrals_each_with_its_timeline() -> None:
    result = generate_referrals(50, seed=3, batch_size=20)  # several batches, one partial

    area = Area.objects.get(ons_code=BENCH_AREA_ONS_CODE)
    referrals = Referral.objects.filter(area=area)
    assert referrals.count() == 50
    assert result.referrals == 50
    assert result.young_people == YoungPerson.objects.filter(area=area).count() == 25
    assert result.events == ReferralEvent.objects.filter(referral__area=area).count()

    states = set(referrals.values_list("state", flat=True))
    assert ReferralState.DRAFT in states and ReferralState.CLOSED in states
    practitioner = Membership.objects.get(user__username=PRACTITIONER_USERNAME)
    coordinator = Membership.objects.get(user__username=COORDINATOR_USERNAME)
    for referral in referrals.prefetch_related("events"):
        events = list(referral.events.all())
        assert referral.raised_by_id == practitioner.user_id
        assert referral.raised_by_agency_id == practitioner.agency_id
        assert referral.young_person.area_id == area.pk
        raised = events[0]
        assert raised.event_type == ReferralEventType.RAISED
        assert raised.parameters == {"agency_id": practitioner.agency_id}
        assert raised.actor_id == practitioner.user_id
        assert raised.created_at == referral.created_at
        if referral.state == ReferralState.DRAFT:
            assert [e.event_type for e in events] == ["raised"]
            assert referral.submitted_at is None
            assert referral.triage_due_at is None
            continue
        triaged = ["triage_started"] if referral.state == ReferralState.IN_TRIAGE else []
        assert [e.event_type for e in events] == ["raised", "submitted", *triaged]
        submitted = events[1]
        assert submitted.parameters == {"reference": referral.reference}
        assert submitted.created_at == referral.submitted_at
        assert referral.submitted_at is not None
        assert referral.submitted_at >= referral.created_at
        assert referral.triage_due_at is not None
        assert referral.triage_due_at > referral.submitted_at
        assert (referral.rag_due_at is None) is (referral.rag == "")
        in_triage = referral.state == ReferralState.IN_TRIAGE
        assert referral.triaged_by_id == (coordinator.user_id if in_triage else None)


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
    plans = plan_referrals(rng, 100_000, 10, NOW)
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
    from referrals.services import referral_create_draft

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
    assert Membership.objects.filter(area=first.area).count() == 2
    assert set(Membership.objects.filter(area=first.area).values_list("role", flat=True)) == {
        Role.PRACTITIONER,
        Role.COORDINATOR,
    }


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
        return plan_young_people(rng, 10, NOW), plan_referrals(rng, 40, 10, NOW)

    assert plans(5) == plans(5)
    assert plans(5) != plans(6)


def test_planned_names_and_narratives_are_clearly_synthetic() -> None:
    rng = random.Random(1)  # noqa: S311 - seeded test data, not a secret
    people = plan_young_people(rng, 50, NOW)
    assert all(p.family_name in FAMILY_NAMES for p in people)
    assert all(p.created_at < NOW for p in people)
    referrals = plan_referrals(rng, 50, len(people), NOW)
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

    from bench.generate import HISTORY_TRACKED, generate_referrals

    generate_referrals(20, seed=5)
    tables = [m._meta.db_table for m in HISTORY_TRACKED]
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
    assert installed >= 6 and disabled == 0
