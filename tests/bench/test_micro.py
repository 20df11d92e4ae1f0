from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from bench import micro
from bench.generate import ensure_cast, generate_referrals
from bench.runner import _session_cookie
from bench.scenarios import SCENARIOS
from tests.factories import member, raise_referral


@pytest.mark.django_db
def test_audit_write_measures_real_audit_events() -> None:
    practitioner = member(Role.PRACTITIONER)
    referral = raise_referral(practitioner, submit=True)
    before = AuditEvent.objects.filter(action=AuditAction.VIEW).count()
    result = micro.audit_write(actor=practitioner, target=referral, count=5)
    assert result.requests == 5 and result.errors == 0
    assert result.p50_ms is not None and result.p50_ms > 0
    written = AuditEvent.objects.filter(action=AuditAction.VIEW).count() - before
    assert written == 5 + micro.WARMUP


@pytest.mark.django_db
def test_a_page_is_measured_in_process_as_the_signed_in_coordinator(settings: Any) -> None:
    settings.TWO_FACTOR_REQUIRED = False  # as under the bench settings
    generate_referrals(300, seed=1)
    cast = ensure_cast()
    with _session_cookie(cast.coordinator) as cookie:
        result = micro.page(scenario=SCENARIOS["triage_queue_page"], cookie=cookie, count=3)
        outsider = micro.page(scenario=SCENARIOS["triage_queue_page"], cookie="", count=2)
    assert (result.name, result.requests, result.errors) == ("triage_queue_page_in_process", 3, 0)
    assert result.p95_ms is not None
    assert (outsider.errors, outsider.p50_ms) == (2, None)  # signed out: not timed as answers


def link_world(monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """Four vehicles each seen with a young person and four no one is linked to yet, two
    unmeasured warm-up links; the area's coordinator adds the links."""
    from tests.disruption.graph import Graph
    from tests.factories import AreaFactory

    monkeypatch.setattr(micro, "WARMUP", 2)
    graph = Graph(AreaFactory.create())
    for n in range(4):
        graph.young_person(f"seen{n}")
        graph.vehicle(f"car{n}")
        graph.link(f"seen{n}", f"car{n}")
        graph.vehicle(f"new{n}")
    for n in range(4):
        graph.young_person(f"other{n}")
    return member(Role.COORDINATOR, area=graph.area), graph.area


@pytest.mark.django_db
def test_link_alerts_count_as_errors_only_links_that_should_alert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A vehicle no young person was linked to raises no alert when its first is: not an
    error. Those already seen with someone else all alert."""
    coordinator, area = link_world(monkeypatch)
    result = micro.link_alert(actor=coordinator, area=area, kind="vehicle", count=6)
    assert result.errors == 0
    assert "should alert" in result.path
    from disruption.models import LinkAlert

    assert LinkAlert.objects.count() >= 2  # the linked vehicles, warm-up or measured


@pytest.mark.django_db
def test_link_alerts_missing_where_due_are_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    coordinator, area = link_world(monkeypatch)
    monkeypatch.setattr("disruption.services._raise_alerts", lambda link: [])
    result = micro.link_alert(actor=coordinator, area=area, kind="vehicle", count=6)
    found = re.search(r"(\d+) of (\d+) measured links should alert", result.path)
    assert found is not None
    should, measured = int(found.group(1)), int(found.group(2))
    assert measured == 6 and should >= 1
    assert result.errors == should
