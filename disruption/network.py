"""The network around one record, and the clusters of an area: reads of the link graph.

Both are for the coordinators and police leads of the area the record belongs to (the area's
intelligence); anyone else gets 404, as does a record that has no node yet.

The network is everything within two hops of the record's node: the links touching it
(hop 1), then the links touching those neighbours (hop 2). Each hop is one set-based query
over the `link_from_a` / `link_from_b` indexes, never a query per node, and the number of
links read is capped so that a hub (a hotel linked to thousands of young people) answers at
once with `truncated` set rather than drawing a graph nobody can read. A link joining two
hop-2 nodes is a third step, and is not part of the network.

A cluster is a connected component of the area's link graph holding two or more young people:
young people who share, directly or through other entities, people, places, vehicles or
identifiers. Components are found by union-find over the area's (a, b) pairs, read in one
query; board reports count the same clusters (`clusters_found`) as they stood at a period's end.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain
from typing import Any

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404

from agencies.models import Area
from audit.services import audit_record_views
from referrals.models import YoungPerson
from referrals.selectors import coordinated_areas

from .models import ENTITY_MODELS, NODE_FIELDS, Link, Node, NodeKind
from .selectors import intelligence_area_ids, intelligence_membership, restricted_young_nodes

# The most links one network shows: more than a person can read in a drawing or a table, and
# every young person shown is one audit record. Read most recent first, so a truncated network
# keeps the newest intelligence; dates narrow it further.
NETWORK_LINK_LIMIT = 300
# Clusters listed (largest first) and entity labels named for each.
CLUSTER_LIMIT = 100
CLUSTER_LABELS = 3

_RECORD_ID = Coalesce(*(f"{field}_id" for field in NODE_FIELDS.values()))
_LINK_COLUMNS = (
    "id",
    "a_id",
    "b_id",
    "nature",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "observed_on",
)


@dataclass(frozen=True)
class NetworkNode:
    id: int
    kind: str
    label: str
    hop: int  # 0 for the record itself
    record_id: int  # the young person's, person's, location's… own id


@dataclass(frozen=True)
class NetworkEdge:
    id: int
    a: int  # node ids, a < b
    b: int
    nature: str
    grading: str  # 3x5x2, e.g. "1AP"
    observed_on: date


@dataclass(frozen=True)
class Network:
    centre: NetworkNode
    area_id: int
    nodes: list[NetworkNode]  # the centre first, then by hop, kind and label
    edges: list[NetworkEdge]  # newest first
    young_people: int  # distinct young people among the nodes
    truncated: bool  # more links than NETWORK_LINK_LIMIT: only the newest are shown
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class Cluster:
    young_people: int
    entities: int
    labels: list[str]  # the most linked entities' labels first
    entry: NetworkNode  # the most linked entity (else young person): its network shows it
    named: list[tuple[str, int]]  # (kind, record id) of each entity the labels name


@dataclass(frozen=True)
class Clusters:
    area: Area
    clusters: list[Cluster]  # largest first, at most CLUSTER_LIMIT
    total: int  # every cluster of the area


def network_kind(value: str) -> NodeKind:
    """The node kind named in an address; ValueError for anything else."""
    return NodeKind(value)


def _dated(since: date | None, until: date | None) -> Q:
    q = Q()
    if since is not None:
        q &= Q(observed_on__gte=since)
    if until is not None:
        q &= Q(observed_on__lte=until)
    return q


def _edges(rows: list[tuple[Any, ...]]) -> list[NetworkEdge]:
    return [
        NetworkEdge(
            id=pk, a=a, b=b, nature=nature, grading=f"{se}{ia}{hc}", observed_on=observed_on
        )
        for pk, a, b, nature, se, ia, hc, observed_on in rows
    ]


def network(
    *,
    user: Any,
    kind: NodeKind | str,
    pk: int,
    since: date | None = None,
    until: date | None = None,
    limit: int = NETWORK_LINK_LIMIT,
) -> Network:
    """The network within two hops of the record `pk` of `kind`, links observed between
    `since` and `until` (inclusive) when given. Http404 out of scope or without a node."""
    field = NODE_FIELDS[NodeKind(kind)]
    centre_row = (
        Node.objects.filter(area_id__in=intelligence_area_ids(user=user), **{f"{field}_id": pk})
        .values_list("id", "area_id")
        .first()
    )
    if centre_row is None:
        raise Http404("No such record in your areas' intelligence")
    centre_id, area_id = centre_row
    dated = _dated(since, until)
    newest = ("-observed_on", "-id")

    hop1_rows = list(
        Link.objects.filter(Q(a_id=centre_id) | Q(b_id=centre_id), dated)
        .order_by(*newest)
        .values_list(*_LINK_COLUMNS)[: limit + 1]
    )
    truncated = len(hop1_rows) > limit
    hop1_rows = hop1_rows[:limit]
    hop1 = {a if b == centre_id else b for _, a, b, *_ in hop1_rows}

    hop2_rows: list[tuple[Any, ...]] = []
    room = limit - len(hop1_rows)
    if hop1 and room > 0:
        ids = sorted(hop1)
        hop2_rows = list(
            Link.objects.filter(Q(a_id__in=ids) | Q(b_id__in=ids), dated)
            .exclude(a_id=centre_id)
            .exclude(b_id=centre_id)
            .order_by(*newest)
            .values_list(*_LINK_COLUMNS)[: room + 1]
        )
        truncated = truncated or len(hop2_rows) > room
        hop2_rows = hop2_rows[:room]
    elif hop1 and room <= 0:
        truncated = True
    hops = {centre_id: 0} | dict.fromkeys(hop1, 1)
    for _, a, b, *_ in hop2_rows:
        hops.setdefault(a, 2)
        hops.setdefault(b, 2)
    if area_id not in coordinated_areas(user=user):  # restricted records are theirs alone
        hidden = set(restricted_young_nodes().filter(pk__in=hops).values_list("pk", flat=True))
        if centre_id in hidden:
            raise Http404("No such record in your areas' intelligence")
        hops = {node: hop for node, hop in hops.items() if node not in hidden}
        hop1_rows = [row for row in hop1_rows if not {row[1], row[2]} & hidden]
        hop2_rows = [row for row in hop2_rows if not {row[1], row[2]} & hidden]

    rows = (
        Node.objects.filter(id__in=sorted(hops))
        .annotate(record_id=_RECORD_ID)
        .values_list("id", "kind", "label", "record_id")
    )
    nodes = sorted(
        (NetworkNode(id=i, kind=k, label=lbl, hop=hops[i], record_id=r) for i, k, lbl, r in rows),
        key=lambda n: (n.hop, n.kind, n.label.casefold(), n.id),
    )
    return Network(
        centre=nodes[0],
        area_id=area_id,
        nodes=nodes,
        edges=sorted(
            _edges(hop1_rows + hop2_rows), key=lambda e: (e.observed_on, e.id), reverse=True
        ),
        young_people=sum(n.kind == NodeKind.YOUNG_PERSON for n in nodes),
        truncated=truncated,
        since=since,
        until=until,
    )


def _record(kind: str, record_id: int, area_id: int) -> Any:
    """The record a node stands for, as much of it as an audit record names."""
    model: Any = YoungPerson if kind == NodeKind.YOUNG_PERSON else ENTITY_MODELS[NodeKind(kind)]
    return model(pk=record_id, area_id=area_id)


def network_seen(*, actor: Any, found: Network, request: Any = None) -> None:
    """One VIEW audit record per record the network shows (young people, persons, places,
    vehicles, identifiers), filed under the area and the membership that opens its
    intelligence."""
    audit_record_views(
        actor=actor,
        membership=intelligence_membership(user=actor, area_id=found.area_id),
        targets=[_record(node.kind, node.record_id, found.area_id) for node in found.nodes],
        request=request,
    )


def clusters_seen(*, actor: Any, found: Clusters, request: Any = None) -> None:
    """One VIEW audit record per entity a cluster names (young people are counted, not
    named), filed as `network_seen` files them."""
    area_id = found.area.pk
    named = dict.fromkeys(record for cluster in found.clusters for record in cluster.named)
    audit_record_views(
        actor=actor,
        membership=intelligence_membership(user=actor, area_id=area_id),
        targets=[_record(kind, record_id, area_id) for kind, record_id in named],
        request=request,
    )


class _Components:
    """The connected components of a graph read pair by pair (union-find, path halving): a
    graph can grow, so reports count a period's clusters, then the next's, in one pass."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, pairs: Iterable[tuple[int, int]]) -> None:
        for a, b in pairs:
            root_a, root_b = self.find(a), self.find(b)
            if root_a != root_b:
                self.parent[max(root_a, root_b)] = min(root_a, root_b)

    def _cluster_roots(self, young: set[int]) -> set[int]:
        """The roots of the clusters: components holding two or more of the `young` nodes."""
        people = Counter(self.find(node) for node in young if node in self.parent)
        return {root for root, count in people.items() if count >= 2}

    def cluster_count(self, young: set[int]) -> int:
        return len(self._cluster_roots(young))

    def clusters(self, young: set[int]) -> list[list[int]]:
        """Each cluster as its nodes."""
        roots = self._cluster_roots(young)
        members: dict[int, list[int]] = defaultdict(list)
        for node in self.parent:
            root = self.find(node)
            if root in roots:
                members[root].append(node)
        return list(members.values())


def _young_nodes(cursor: Any, area_id: int) -> set[int]:
    node_table = connection.ops.quote_name(Node._meta.db_table)
    cursor.execute(
        f"SELECT id FROM {node_table} WHERE area_id = %s AND kind = %s",  # noqa: S608 - table name from the model
        [area_id, NodeKind.YOUNG_PERSON.value],
    )
    return {node_id for (node_id,) in cursor.fetchall()}


def clusters_found(*, area: Area, ends: Sequence[date]) -> list[int]:
    """How many clusters the links observed on or before each of `ends` formed: counts for
    reports, which show no cluster and so need no intelligence role (callers check the reader
    may see the area's figures). One read of the pairs up to the latest end."""
    if not ends:
        return []
    link_table = connection.ops.quote_name(Link._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a_id, b_id, observed_on FROM {link_table}"  # noqa: S608 - table name from the model
            " WHERE area_id = %s AND observed_on <= %s ORDER BY observed_on",
            [area.pk, max(ends)],
        )
        dated = cursor.fetchall()
        young = _young_nodes(cursor, area.pk)
    days = [seen for _, _, seen in dated]
    graph, counted, joined = _Components(), {}, 0
    for end in sorted(set(ends)):
        upto = bisect_right(days, end)
        graph.join((a, b) for a, b, _ in dated[joined:upto])
        counted[end], joined = graph.cluster_count(young), upto
    return [counted[end] for end in ends]


def clusters(*, user: Any, area: Area, limit: int = CLUSTER_LIMIT) -> Clusters:
    """The connected groups of the area's network with two or more young people, largest
    first (by young people, then entities). Http404 for anyone but the area's coordinators
    and police leads."""
    if area.pk not in intelligence_area_ids(user=user):
        raise Http404("No such area in your intelligence")
    # Raw cursors: millions of pairs through the ORM's row machinery would cost seconds.
    link_table = connection.ops.quote_name(Link._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT a_id, b_id FROM {link_table} WHERE area_id = %s", [area.pk])  # noqa: S608 - table name from the model
        pairs = cursor.fetchall()
        young = _young_nodes(cursor, area.pk)
    degree = Counter(chain.from_iterable(pairs))  # counted in C: seconds faster at millions
    found = []
    graph = _Components()
    graph.join(pairs)
    for nodes in graph.clusters(young):
        people = sum(node in young for node in nodes)
        # Entities first (they are what the young people share), the most linked first.
        ranked = sorted(nodes, key=lambda n: (n in young, -degree[n], n))
        found.append((people, len(nodes) - people, ranked, min(nodes)))
    found.sort(key=lambda c: (-c[0], -c[1], c[3]))
    shown = found[:limit]
    wanted = {n for _, _, ranked, _ in shown for n in ranked[:CLUSTER_LABELS]}
    named = {
        row[0]: row
        for row in Node.objects.filter(id__in=sorted(wanted))
        .annotate(record_id=_RECORD_ID)
        .values_list("id", "kind", "label", "record_id")
    }
    result = []
    for people, count, ranked, _ in shown:
        top = [named[n] for n in ranked[: min(count, CLUSTER_LABELS)] or ranked[:1]]
        entry_id, entry_kind, entry_label, entry_record = top[0]
        result.append(
            Cluster(
                young_people=people,
                entities=count,
                # Entities' names only: a young person's name is not a cluster's label.
                labels=[label for _, kind, label, _ in top if kind != NodeKind.YOUNG_PERSON],
                named=[(kind, rec) for _, kind, _, rec in top if kind != NodeKind.YOUNG_PERSON],
                entry=NetworkNode(
                    id=entry_id, kind=entry_kind, label=entry_label, hop=0, record_id=entry_record
                ),
            )
        )
    return Clusters(area=area, clusters=result, total=len(found))
