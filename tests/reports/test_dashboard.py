"""The area dashboard: figures raised through the services, small counts suppressed, link
clusters counted as they stood at each period's end, and nothing identifying in any response."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role
from disruption.network import clusters, clusters_found
from referrals.models import Referral
from referrals.statutory import nrm_referral_record, section_47_record, strategy_discussion_record
from referrals.validators import nhs_number_check_digit, validate_nhs_number
from referrals.workflow import referral_transition
from reports.periods import Period, PeriodKind, period_from
from reports.selectors import Row, area_dashboard
from tests.disruption.graph import Graph
from tests.factories import AreaFactory, member, sign_in
from tests.reports.helpers import period_boxes, report_world, this_month

pytestmark = pytest.mark.django_db


def summary_row(dashboard, key: str) -> Row:
    return next(row for row in dashboard.summary.rows if row.key == key)


def shown(row: Row) -> tuple[str, str, str]:
    return row.current.text, row.previous.text, row.change.text


def test_concerns_raised_through_the_services_are_counted_and_small_counts_suppressed() -> None:
    world = report_world()
    world.raise_now(7, sex="female")
    world.raise_last_month(3, sex="male")
    board = member(Role.BOARD_MEMBER, area=world.area)

    dashboard = area_dashboard(user=board, ons_code=world.area.ons_code, period=this_month())

    assert shown(summary_row(dashboard, "raised")) == ("7", "c", "c")
    by_sex = next(t for t in dashboard.tables if t.slug == "sex")
    female = next(r for r in by_sex.rows if r.key == "raised.sex:female")
    male = next(r for r in by_sex.rows if r.key == "raised.sex:male")
    assert shown(female) == ("7", "0", "+7")
    assert shown(male) == ("0", "c", "c")
    month = dashboard.series.rows[-1]
    assert month.current.text == "7"


def test_strategy_discussions_section_47_and_nrm_referrals_are_counted() -> None:
    world = report_world()
    [referral] = world.raise_now(1)
    coordinator = member(Role.COORDINATOR, area=world.area)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    today = timezone.localdate()
    for n in range(6):
        discussion = strategy_discussion_record(
            referral=referral,
            actor=coordinator,
            held_on=today,
            agencies=[referral.raised_by_agency],
            outcome="Synthetic outcome.",
            section_47=n > 0,
        )
        nrm_referral_record(
            referral=referral, actor=coordinator, referred_on=today, first_responder="Council"
        )
    section_47_record(
        referral=referral, actor=coordinator, started_on=today, strategy_discussion=discussion
    )
    board = member(Role.BOARD_MEMBER, area=world.area)

    dashboard = area_dashboard(user=board, ons_code=world.area.ons_code, period=this_month())

    assert shown(summary_row(dashboard, "strategy"))[0] == "6"
    assert shown(summary_row(dashboard, "nrm.referred"))[0] == "6"
    assert shown(summary_row(dashboard, "section47"))[0] == "c"  # one: suppressed
    table = next(t for t in dashboard.tables if t.slug == "strategy_discussions")
    rows = {r.key: r.current.text for r in table.rows}
    # 5 and 1 would each be suppressed, and the total then gives neither away.
    assert rows == {"strategy.held:section_47": "c", "strategy.held:no_section_47": "c"}


def link_clusters(graph: Graph, count: int, observed_on: date, prefix: str) -> None:
    """`count` clusters of two young people at a place, each linked on `observed_on`."""
    for n in range(count):
        graph.location(f"{prefix}place{n}")
        for who in ("a", "b"):
            graph.young_person(f"{prefix}{who}{n}")
            graph.link(f"{prefix}{who}{n}", f"{prefix}place{n}", observed_on=observed_on)


def test_link_clusters_are_counted_as_they_stood_at_each_period_end() -> None:
    graph = Graph(AreaFactory.create())
    period = this_month()
    link_clusters(graph, 6, period.start - timedelta(days=40), "old")  # before both ends
    link_clusters(graph, 2, period.start, "new")  # this month only
    link_clusters(graph, 1, period.end + timedelta(days=1), "later")  # after both ends
    # Two of last month's clusters joined this month: one cluster from then on.
    graph.person("Go-between")
    graph.link("olda0", "Go-between", observed_on=period.end)
    graph.link("olda1", "Go-between", observed_on=period.end)

    previous_end = period.previous().end
    assert clusters_found(area=graph.area, ends=[period.end, previous_end]) == [7, 6]

    board = member(Role.BOARD_MEMBER, area=graph.area)
    dashboard = area_dashboard(user=board, ons_code=graph.area.ons_code, period=period)
    assert shown(summary_row(dashboard, "clusters")) == ("7", "6", "+1")

    # A count from 1 to 5 is suppressed like any other.
    before_old = (period.start - timedelta(days=40)).replace(day=1) - timedelta(days=1)
    earlier = period_from(
        kind="custom",
        on=None,
        start=before_old.replace(day=1),
        end=before_old,  # a whole month, before the oldest links
        today=period.end,
    )
    dashboard = area_dashboard(user=board, ons_code=graph.area.ons_code, period=earlier)
    assert shown(summary_row(dashboard, "clusters")) == ("0", "0", "0")


def test_clusters_and_their_count_agree() -> None:
    graph = Graph(AreaFactory.create())
    link_clusters(graph, 3, date(2026, 1, 1), "x")
    graph.young_person("alone")
    graph.location("nowhere")
    graph.link("alone", "nowhere")  # one young person: not a cluster
    coordinator = member(Role.COORDINATOR, area=graph.area)
    assert clusters(user=coordinator, area=graph.area).total == 3
    assert clusters_found(area=graph.area, ends=[date(2026, 1, 1)]) == [3]
    assert clusters_found(area=graph.area, ends=[date(2025, 12, 31)]) == [0]
    board = member(Role.BOARD_MEMBER, area=graph.area)
    year = period_from(
        kind=PeriodKind.YEAR, on=date(2026, 1, 1), start=None, end=None, today=date(2026, 11, 26)
    )
    row = summary_row(
        area_dashboard(user=board, ons_code=graph.area.ons_code, period=year), "clusters"
    )
    assert shown(row) == ("c", "0", "c")


def nhs_number(first_nine: str) -> str:
    """A real-looking NHS number: the nine digits and their modulus 11 check digit."""
    check = nhs_number_check_digit(first_nine)
    assert check is not None
    return f"{first_nine}{check}"


# Names, dates of birth and NHS numbers that appear nowhere else: any one of them in a report
# response is a leak.
DISTINCTIVE = [
    {
        "given_name": "Quillon",
        "family_name": "Zephyrine",
        "date_of_birth": date(2012, 3, 17),
        "nhs_number": nhs_number("718294035"),
    },
    {
        "given_name": "Marisande",
        "family_name": "Oxtoby",
        "date_of_birth": date(2011, 7, 29),
        "nhs_number": nhs_number("602957413"),
    },
]


def test_no_identifying_field_reaches_any_dashboard_response() -> None:
    world = report_world()
    for person in DISTINCTIVE:
        validate_nhs_number(str(person["nhs_number"]))
        world.raise_now(4, **person)
    references = list(Referral.objects.filter(area=world.area).values_list("reference", flat=True))
    secrets = [*references]
    for person in DISTINCTIVE:
        born: date = person["date_of_birth"]  # type: ignore[assignment]
        secrets += [
            person["given_name"],
            person["family_name"],
            person["nhs_number"],
            born.isoformat(),
            f"{born:%d/%m/%Y}",
            f"{born:%-d %B %Y}",
        ]
        nhs = str(person["nhs_number"])
        secrets.append(f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}")

    responses = []
    for role in (Role.BOARD_MEMBER, Role.COORDINATOR, Role.AREA_ADMINISTRATOR):
        reader = member(role, area=world.area)
        page, api = Client(), APIClient()
        sign_in(page, reader)
        sign_in(api, reader)
        code = world.area.ons_code
        custom = Period(PeriodKind.CUSTOM, date(2026, 1, 1), date(2026, 11, 26))
        for query, boxes in (
            ({}, {}),
            ({"kind": "month"}, {"kind": "month"}),
            (this_month().as_query(), period_boxes(this_month())),
            (custom.as_query(), period_boxes(custom)),
        ):
            responses.append(page.get(f"/reports/{code}/", boxes).content.decode())
            responses.append(
                json.dumps(api.get(f"/api/v1/reports/areas/{code}/dashboard/", query).json())
            )
        responses.append(page.get("/reports/", follow=True).content.decode())
        responses.append(json.dumps(api.get("/api/v1/reports/areas/").json()))

    assert all(responses)
    # The figures are there; the people are not.
    assert any(">8<" in text for text in responses)
    for text in responses:
        for secret in secrets:
            assert secret.casefold() not in text.casefold(), secret


def test_a_cluster_count_is_kept_until_the_areas_links_change(monkeypatch) -> None:
    graph = Graph(AreaFactory.create())
    period = this_month()
    link_clusters(graph, 6, period.start, "a")
    board = member(Role.BOARD_MEMBER, area=graph.area)
    counted = []

    def counting(**kwargs):
        counted.append(kwargs["ends"])
        return clusters_found(**kwargs)

    monkeypatch.setattr("reports.selectors.clusters_found", counting)

    def read() -> tuple[str, str, str]:
        board_view = area_dashboard(user=board, ons_code=graph.area.ons_code, period=period)
        return shown(summary_row(board_view, "clusters"))

    assert read() == ("6", "0", "+6")
    assert read() == ("6", "0", "+6")
    assert len(counted) == 1  # the second read came from the cache
    link_clusters(graph, 1, period.start, "b")  # a new link raises the area's version
    assert read() == ("7", "0", "+7")
    assert len(counted) == 2
