"""The coordinator's triage queue: order, filters, scope and keyset pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Role
from referrals.models import Rag, Referral, ReferralState
from referrals.selectors import (
    Taken,
    TriageFilters,
    triage_queue,
    triage_queue_agencies,
    triage_queue_page,
)
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral

pytestmark = pytest.mark.django_db


def queued(
    practitioner: Any,
    *,
    due_in: timedelta,
    rag: str = "",
    state: ReferralState = ReferralState.SUBMITTED,
    taken_by: Any = None,
) -> Referral:
    """A submitted referral whose nearest deadline is `due_in` from now."""
    referral = raise_referral(practitioner, submit=True)
    due = timezone.now() + due_in
    rated = {"rag": rag, "rag_due_at": due, "triage_due_at": due + timedelta(days=1)}
    Referral.objects.filter(pk=referral.pk).update(
        state=state,
        triaged_by=taken_by,
        **(rated if rag else {"triage_due_at": due}),
    )
    return referral


@pytest.fixture
def world() -> dict[str, Any]:
    area = AreaFactory.create()
    school, clinic = AgencyFactory.create(areas=[area]), AgencyFactory.create(areas=[area])
    teacher = member(Role.PRACTITIONER, area=area, agency=school)
    nurse = member(Role.PRACTITIONER, area=area, agency=clinic)
    coordinator = member(Role.COORDINATOR, area=area)
    colleague = member(Role.COORDINATOR, area=area)
    return {
        "area": area,
        "school": school,
        "coordinator": coordinator,
        "green_later": queued(teacher, due_in=timedelta(hours=2), rag=Rag.GREEN),
        "red_later": queued(
            nurse,
            due_in=timedelta(hours=3),
            rag=Rag.RED,
            state=ReferralState.IN_TRIAGE,
            taken_by=coordinator,
        ),
        "unrated_overdue": queued(teacher, due_in=-timedelta(hours=1)),
        "red_overdue": queued(teacher, due_in=-timedelta(minutes=30), rag=Rag.RED),
        "amber_soon": queued(
            nurse,
            due_in=timedelta(hours=1),
            rag=Rag.AMBER,
            state=ReferralState.IN_TRIAGE,
            taken_by=colleague,
        ),
    }


def names(world: dict[str, Any], referrals: Any) -> list[str]:
    by_pk = {v.pk: k for k, v in world.items() if isinstance(v, Referral)}
    return [by_pk[r.pk] for r in referrals]


def test_red_first_then_by_the_nearest_deadline_overdue_first(world: dict[str, Any]) -> None:
    queue = triage_queue(user=world["coordinator"])
    assert names(world, queue) == [
        "red_overdue",
        "red_later",
        "unrated_overdue",
        "amber_soon",
        "green_later",
    ]


def test_only_submitted_and_in_triage_referrals_are_queued(world: dict[str, Any]) -> None:
    teacher = member(Role.PRACTITIONER, area=world["area"])
    raise_referral(teacher)  # a draft
    decided = queued(teacher, due_in=timedelta(hours=1))
    Referral.objects.filter(pk=decided.pk).update(state=ReferralState.ACTIVE)
    assert len(triage_queue(user=world["coordinator"])) == 5


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (TriageFilters(rag=Rag.RED), ["red_overdue", "red_later"]),
        (TriageFilters(rag=Rag.AMBER), ["amber_soon"]),
        (TriageFilters(state=ReferralState.IN_TRIAGE), ["red_later", "amber_soon"]),
        (
            TriageFilters(state=ReferralState.SUBMITTED),
            ["red_overdue", "unrated_overdue", "green_later"],
        ),
        (TriageFilters(overdue=True), ["red_overdue", "unrated_overdue"]),
        (TriageFilters(taken=Taken.BY_ME), ["red_later"]),
        (TriageFilters(taken=Taken.NOT_TAKEN), ["red_overdue", "unrated_overdue", "green_later"]),
        (TriageFilters(rag=Rag.RED, overdue=True), ["red_overdue"]),
    ],
)
def test_filters(world: dict[str, Any], filters: TriageFilters, expected: list[str]) -> None:
    assert names(world, triage_queue(user=world["coordinator"], filters=filters)) == expected


def test_filter_by_raising_agency(world: dict[str, Any]) -> None:
    filters = TriageFilters(agency_id=world["school"].pk)
    queue = triage_queue(user=world["coordinator"], filters=filters)
    assert names(world, queue) == ["red_overdue", "unrated_overdue", "green_later"]
    assert world["school"] in triage_queue_agencies(user=world["coordinator"])


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.POLICE_LEAD, Role.AGENCY_SAFEGUARDING_LEAD, Role.BOARD_MEMBER]
)
def test_only_the_areas_coordinators_have_a_queue(world: dict[str, Any], role: Role) -> None:
    assert not triage_queue(user=member(role, area=world["area"])).exists()
    assert not triage_queue_agencies(user=member(role, area=world["area"])).exists()


def test_another_areas_coordinator_sees_nothing_of_this_area(world: dict[str, Any]) -> None:
    outsider = member(Role.COORDINATOR)
    assert not triage_queue(user=outsider).exists()
    assert not triage_queue(user=outsider, area=world["area"]).exists()
    assert world["school"] not in triage_queue_agencies(user=outsider)
    assert len(triage_queue(user=world["coordinator"], area=world["area"])) == 5


def test_keyset_pages_walk_the_whole_queue_in_order(world: dict[str, Any]) -> None:
    queue = triage_queue(user=world["coordinator"])
    walked, after = [], ""
    while True:
        page = triage_queue_page(queue, after=after, size=2)
        walked.extend(page.rows)
        if not page.next_after:
            break
        after = page.next_after
    assert walked == list(queue)
    assert len(walked) == 5


@pytest.mark.parametrize("cursor", ["", "nonsense", "1_2", "1_x_3", "0_99999999999999999999_1"])
def test_a_malformed_cursor_gives_the_first_page(world: dict[str, Any], cursor: str) -> None:
    queue = triage_queue(user=world["coordinator"])
    page = triage_queue_page(queue, after=cursor, size=2)
    assert names(world, page.rows) == ["red_overdue", "red_later"]


def test_pages_are_read_off_the_queue_index_without_sorting(world: dict[str, Any]) -> None:
    """The ORDER BY must match the index's expressions exactly, or PostgreSQL sorts; a later
    page's cursor must be a start point in the index (an Index Cond), not a filter."""
    queue = triage_queue(user=world["coordinator"], filters=TriageFilters(taken=Taken.NOT_TAKEN))
    after = triage_queue_page(queue, size=1).next_after
    with CaptureQueriesContext(connection) as captured:
        triage_queue_page(queue, after=after, size=50)
    (later,) = (q["sql"] for q in captured.captured_queries)
    with transaction.atomic(), connection.cursor() as cursor:
        # The test table is tiny: make the planner show the plan it uses on a large one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        plans = [queue[:51].explain()]
        cursor.execute(f"EXPLAIN {later}")
        plans.append("\n".join(row for (row,) in cursor.fetchall()))
    for plan in plans:
        assert "referral_triage_queue" in plan
        assert "Sort" not in plan
    assert "ROW(" in plans[1].split("Index Cond:")[1].split("\n")[0]
