"""The triage queue page: what each row shows, filters, who may see it, and its cost."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from frontend import views
from referrals.models import Rag, Referral, ReferralState, RiskLevel
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area], name="Hillside Academy")
    teacher = member(Role.PRACTITIONER, area=area, agency=school)
    coordinator = member(Role.COORDINATOR, area=area)
    now = timezone.now()
    born = date(timezone.localdate().year - 14, 1, 1)
    red = raise_referral(teacher, submit=True, date_of_birth=born)
    Referral.objects.filter(pk=red.pk).update(
        rag=Rag.RED,
        rag_due_at=now - timedelta(hours=2, minutes=5),
        risk_level=RiskLevel.HIGH,
        state=ReferralState.IN_TRIAGE,
        triaged_by=coordinator,
    )
    later = raise_referral(teacher, submit=True, date_of_birth=None, estimated_age=15)
    Referral.objects.filter(pk=later.pk).update(
        triage_due_at=now + timedelta(hours=3, minutes=30), proposed_risk=RiskLevel.LOW
    )
    return {"area": area, "school": school, "coordinator": coordinator, "red": red, "later": later}


def page(user: Any, query: str = "") -> Any:
    client = Client()
    sign_in(client, user)
    return client.get(f"/triage/{query}")


def row_texts(html: str) -> list[str]:
    body = html.split('<tbody class="govuk-table__body">')[1].split("</tbody>")[0]
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split()).replace(" ,", ",")
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_the_queue_shows_each_referrals_urgency_and_who_has_it(world: dict[str, Any]) -> None:
    response = page(world["coordinator"])
    assert response.status_code == 200
    html = response.content.decode()
    first, second = row_texts(html)
    red, later = world["red"].reference, world["later"].reference
    coordinator = world["coordinator"].get_full_name()
    assert first.startswith(f"{red}, in triage Red Overdue by 2 hours 5 minutes High")
    assert first.endswith(f"14 Hillside Academy {coordinator}")
    assert second.startswith(f"{later}, submitted Not rated 3 hours")  # 29 or 30 minutes left
    assert second.endswith(
        "left Low: at risk, being targeted (proposed) 15 Hillside Academy Not taken"
    )
    assert f'href="/referrals/{red}/"' in html


def test_the_page_meets_the_accessibility_basics(world: dict[str, Any]) -> None:
    html = page(world["coordinator"]).content.decode()
    assert "<title>Triage queue – Safeguard Hub</title>" in html
    assert '<caption class="govuk-table__caption' in html
    assert html.count('<th scope="col"') == 7
    assert html.count('<th scope="row"') == 2
    for name in ("rag", "state", "taken", "agency", "overdue"):  # every filter has its label
        assert re.search(rf'<label class="govuk-label[^"]*" for="id_{name}">', html)
        assert f'id="id_{name}"' in html
    assert '<legend class="govuk-fieldset__legend' in html
    assert 'href="/triage/" aria-current="page"' in html


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("?rag=red", ["red"]),
        ("?state=submitted", ["later"]),
        ("?overdue=on", ["red"]),
        ("?taken=me", ["red"]),
        ("?taken=nobody", ["later"]),
        ("?rag=nonsense", ["red", "later"]),  # not offered: shown as an error, ignored
    ],
)
def test_filters(world: dict[str, Any], query: str, shown: list[str]) -> None:
    response = page(world["coordinator"], query)
    rows = row_texts(response.content.decode())
    assert [r.split(",")[0] for r in rows] == [world[name].reference for name in shown]


def test_filter_by_raising_agency(world: dict[str, Any]) -> None:
    other = AgencyFactory.create(areas=[world["area"]])
    assert (
        len(row_texts(page(world["coordinator"], f"?agency={world['school'].pk}").content.decode()))
        == 2
    )
    html = page(world["coordinator"], f"?agency={other.pk}").content.decode()
    assert "No referrals are waiting for triage with these filters." in html
    assert f'<option value="{other.pk}" selected>' in html


def test_pages_follow_on_and_keep_the_filters(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "TRIAGE_PER_PAGE", 1)
    client = Client()
    sign_in(client, world["coordinator"])
    html = client.get("/triage/?state=&taken=").content.decode()
    assert row_texts(html)[0].startswith(world["red"].reference)
    (next_link,) = re.findall(r'href="([^"]*)" rel="next"', html)
    assert "state=" in next_link and "after=" in next_link
    html = client.get("/triage/" + next_link.replace("&amp;", "&")).content.decode()
    assert row_texts(html)[0].startswith(world["later"].reference)
    assert 'rel="next"' not in html and 'rel="first"' in html


def test_each_row_shown_is_recorded_as_seen(world: dict[str, Any]) -> None:
    page(world["coordinator"])
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, actor=world["coordinator"])
    assert sorted(seen.values_list("object_id", flat=True)) == sorted(
        str(world[name].pk) for name in ("red", "later")
    )


def test_another_areas_coordinator_sees_none_of_it(world: dict[str, Any]) -> None:
    response = page(member(Role.COORDINATOR))
    html = response.content.decode()
    assert response.status_code == 200
    assert world["red"].reference not in html and "Hillside Academy" not in html
    assert "No referrals are waiting for triage." in html


@pytest.mark.parametrize(
    "role",
    [r for r in Role if r is not Role.COORDINATOR],
)
def test_only_coordinators_may_open_it(world: dict[str, Any], role: Role) -> None:
    response = page(member(role, area=world["area"]))
    assert response.status_code == 403
    assert world["red"].reference not in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get("/triage/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


@pytest.mark.parametrize("size", [1, 10, 50])
def test_the_query_count_is_the_same_whatever_the_page_size(
    world: dict[str, Any],
    size: int,
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: Any,
) -> None:
    red = world["red"]
    Referral.objects.bulk_create(
        Referral(
            reference=f"T{n:06d}",
            area_id=red.area_id,
            young_person_id=red.young_person_id,
            raised_by_id=red.raised_by_id,
            raised_by_agency_id=red.raised_by_agency_id,
            state=ReferralState.SUBMITTED,
            triage_due_at=timezone.now() + timedelta(minutes=n),
        )
        for n in range(55)
    )
    monkeypatch.setattr(views, "TRIAGE_PER_PAGE", size)
    client = Client()
    sign_in(client, world["coordinator"])
    # session, user, second-factor device; memberships; the agencies for the filter; in one
    # transaction (BEGIN, COMMIT) the page of referrals with their young people, agencies and
    # who took them, then the audit record of every row (one insert, sent with the next
    # statement); the model backend's user and group permissions, once, for the
    # navigation; the header's unread count; then the idle-timeout session refresh (BEGIN,
    # UPDATE, COMMIT).
    with django_assert_num_queries(14):
        response = client.get("/triage/")
    assert len(row_texts(response.content.decode())) == size


def test_the_live_refresh_gets_the_table_alone_with_the_same_filters(
    world: dict[str, Any],
) -> None:
    client = Client()
    sign_in(client, world["coordinator"])
    whole = client.get("/triage/?rag=red")
    refresh = client.get("/triage/?rag=red", headers={"X-Requested-With": "XMLHttpRequest"})
    fragment = refresh.content.decode()
    assert refresh.status_code == 200
    assert "X-Requested-With" in refresh["Vary"]
    assert "<html" not in fragment and "Filter the queue" not in fragment
    assert row_texts(fragment) == row_texts(whole.content.decode())
    assert len(row_texts(fragment)) == 1
    # Rows shown by a refresh are recorded as seen, like the page's own.
    seen = AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(world["red"].pk))
    assert seen.count() == 2
