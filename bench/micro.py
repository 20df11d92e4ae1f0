"""In-process measurements of single operations, beside the HTTP scenarios.

The audit write is measured on its own because the issue bounds what it adds to a read
(under 2 ms at p50); over HTTP it is lost in the noise of the request around it. Pages are
also requested in-process, through every middleware, for their server time alone: over HTTP
the figure includes the client and requests queueing for the server's one thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from django.db import models, transaction
from django.test import Client
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record

from .queries import HOST
from .scenarios import Scenario
from .stats import ScenarioResult, summarise

WARMUP = 20


def _timed(one: Callable[[], float], count: int) -> tuple[list[float], float]:
    """`count` timings in milliseconds after WARMUP unmeasured calls, and the seconds taken."""
    for _ in range(WARMUP):
        one()
    started = time.perf_counter()
    latencies = [one() for _ in range(count)]
    return latencies, time.perf_counter() - started


def page(
    *,
    scenario: Scenario,
    count: int,
    cookie: str = "",
    headers: Mapping[str, str] | None = None,
) -> ScenarioResult:
    """`count` requests of a page (or an API endpoint, with its `headers`), one at a time,
    in this process."""
    client = Client(headers={"host": HOST, "cookie": cookie, **(headers or {})})
    statuses: list[int] = []

    def one() -> float:
        started = time.perf_counter()
        statuses.append(client.generic(scenario.method, scenario.path).status_code)
        return (time.perf_counter() - started) * 1000

    latencies, elapsed = _timed(one, count)
    # As over HTTP, only expected answers are timed, so a fast error cannot flatter the figure.
    ok = [
        ms
        for ms, status in zip(latencies, statuses[WARMUP:], strict=True)
        if status == scenario.expected_status
    ]
    return summarise(
        name=f"{scenario.name}_in_process",
        method=scenario.method,
        path=f"{scenario.path} through the middleware, in-process",
        latencies_ms=ok,
        errors=len(latencies) - len(ok),
        elapsed_s=elapsed,
        queries_per_request=None,
    )


def audit_write(*, actor: Any, target: models.Model, count: int) -> ScenarioResult:
    """`count` single audit events, each in its own transaction as a request would write it."""

    def one() -> float:
        started = time.perf_counter()
        with transaction.atomic():
            audit_record(
                action=AuditAction.VIEW, actor=actor, target=target, details={"bench": True}
            )
        return (time.perf_counter() - started) * 1000

    latencies, elapsed = _timed(one, count)
    return summarise(
        name="audit_write",
        method="CALL",
        path="audit_record() in its own transaction, in-process",
        latencies_ms=latencies,
        errors=0,
        elapsed_s=elapsed,
        queries_per_request=None,
    )


def network_read(*, actor: Any, kind: str, pk: int, count: int) -> ScenarioResult:
    """`count` network reads as the API makes them (the two-hop walk and the audit records of
    the young people shown, in one transaction), without HTTP or serialising."""
    from disruption.network import network, network_seen

    sizes: list[int] = []

    def one() -> float:
        started = time.perf_counter()
        with transaction.atomic():
            found = network(user=actor, kind=kind, pk=pk)
            network_seen(actor=actor, found=found)
        sizes.append(len(found.edges))
        return (time.perf_counter() - started) * 1000

    latencies, elapsed = _timed(one, count)
    return summarise(
        name=f"network_read_{kind}",
        method="CALL",
        path=f"network() + audit of a {kind} ({sizes[-1]} links), in-process",
        latencies_ms=latencies,
        errors=0,
        elapsed_s=elapsed,
        queries_per_request=None,
    )


def clusters_read(*, actor: Any, area: Any, count: int) -> ScenarioResult:
    """`count` computations of the area's clusters (no warm-up: each reads every link)."""
    from disruption.network import clusters

    totals: list[int] = []

    def one() -> float:
        started = time.perf_counter()
        totals.append(clusters(user=actor, area=area).total)
        return (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    latencies = [one() for _ in range(count)]
    return summarise(
        name="clusters_read",
        method="CALL",
        path=f"clusters() over the whole area ({totals[-1]} clusters), in-process",
        latencies_ms=latencies,
        errors=0,
        elapsed_s=time.perf_counter() - started,
        queries_per_request=None,
    )


def _young_people_linked(entity: Any) -> set[int]:
    """The young people (their record ids) an entity's node is joined to directly."""
    from disruption.models import Link, Node, NodeKind

    pairs = Link.objects.filter(models.Q(a=entity) | models.Q(b=entity)).values_list("a", "b")
    ends = {end for pair in pairs for end in pair if end != entity.pk}
    young = Node.objects.filter(pk__in=ends, kind=NodeKind.YOUNG_PERSON)
    return set(young.values_list("young_person_id", flat=True))


def link_alert(*, actor: Any, area: Any, kind: str, count: int) -> ScenarioResult:
    """`count` new links, each joining a young person to an entity of `kind` that another
    young person is linked to already, so that each raises a link alert. The alert is written
    in the link's own transaction, so it is raised when the link is saved: the figure is the
    whole `link_add` call, from the request to the commit of the link and its alert.

    Entities already joined to a young person are taken first. A link that should alert (its
    entity joined to another young person, not yet to this one) and raises none is an error;
    one that should not (an entity no one is linked to yet, or the same young person again)
    is measured but expects no alert."""
    from disruption.models import Link, LinkAlert, LinkNature, Node, NodeKind
    from disruption.services import link_add
    from referrals.models import YoungPerson

    to_young = Link.objects.filter(
        models.Q(a=models.OuterRef("pk"), b__kind=NodeKind.YOUNG_PERSON)
        | models.Q(b=models.OuterRef("pk"), a__kind=NodeKind.YOUNG_PERSON)
    )
    entities = list(
        Node.objects.filter(area=area, kind=kind)
        .annotate(linked=models.Exists(to_young))
        .order_by("-linked", "id")[: WARMUP + count]
    )
    young = list(YoungPerson.objects.filter(area=area).order_by("-id")[: WARMUP + count])
    pairs = iter(zip(entities, young, strict=False))
    raised: list[int] = []
    expected: list[bool] = []

    def one() -> float:
        entity, person = next(pairs)
        linked = _young_people_linked(entity)
        expected.append(bool(linked - {person.pk}) and person.pk not in linked)
        before = LinkAlert.objects.count()
        started = time.perf_counter()
        link_add(
            actor=actor,
            a=entity.record,
            b=person,
            nature=LinkNature.SEEN_WITH,
            source="Benchmark",
            source_evaluation="2",
            intelligence_assessment="C",
            handling_code="P",
            observed_on=timezone.localdate(),
        )
        elapsed = (time.perf_counter() - started) * 1000
        raised.append(LinkAlert.objects.count() - before)
        return elapsed

    latencies, elapsed = _timed(one, min(count, len(entities) - WARMUP, len(young) - WARMUP))
    measured = list(zip(expected[WARMUP:], raised[WARMUP:], strict=True))
    should = sum(1 for alert_expected, _ in measured if alert_expected)
    return summarise(
        name=f"link_alert_{kind}",
        method="CALL",
        path=f"link_add() of a {kind} ({sum(raised)} alerts raised; {should} of "
        f"{len(measured)} measured links should alert), in-process",
        latencies_ms=latencies,
        errors=sum(1 for alert_expected, n in measured if alert_expected and n == 0),
        elapsed_s=elapsed,
        queries_per_request=None,
    )
