"""Synthetic intelligence for the bench area: entities, nodes and links, loaded with COPY.

The structure is what the network view and the clusters meet in a real area:
- young people come in *groups* that share a pool of people, places, vehicles and
  identifiers (most groups of one to four young people, a few larger, many singletons); each
  young person is linked to one to five of the group's entities, some pairs seen more than
  once; the entities of a pool are linked to each other (a person uses a phone, drives a car);
- a few *hubs* (hotels, takeaways, taxi ranks) are each linked to young people of many
  groups, so a hub's component joins them all: a hub has thousands of neighbours;
- links are added group by group until the number asked for is reached, then topped up with
  further sightings of pairs already linked, so the components stay as planned. Young people
  left over when the links run out get no node, as in an area where most are not linked.
Every component is therefore known in advance (`NetworkResult.clusters`): a group alone, or a
hub with every group it touches.
"""

from __future__ import annotations

import itertools
import random
import string
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from disruption import normalise
from disruption.models import (
    Link,
    LinkNature,
    Location,
    LocationType,
    Node,
    NodeKind,
    OnlineIdentifier,
    PersonOfConcern,
    PersonStatus,
    Platform,
    Vehicle,
)
from referrals.models import YoungPerson

from .generate import (
    BATCH_SIZE,
    FAMILY_NAMES,
    GIVEN_NAMES,
    BenchCast,
    _copy,
    _history_triggers,
    _id_sequence,
    _next_values,
    ensure_cast,
)

LINKS_PER_REFERRAL = 3
HISTORY_DAYS = 730  # links observed over the last two years
# (size, weight): how many young people a group has.
GROUP_SIZES = ((1, 40), (2, 20), (3, 14), (4, 10), (6, 8), (10, 5), (20, 2), (40, 1))
# One group in this many is touched by a hub; a hub gathers groups up to its size.
HUB_GROUP_SHARE = 0.1
HUB_SIZES = (300, 3000)  # young people a hub is linked to, at least and at most
ENTITY_KINDS = (
    (NodeKind.PERSON, 35),
    (NodeKind.LOCATION, 20),
    (NodeKind.VEHICLE, 20),
    (NodeKind.IDENTIFIER, 25),
)
NATURES = tuple(LinkNature.values)
HUB_TYPES = (LocationType.HOTEL, LocationType.TAKEAWAY, LocationType.TAXI_RANK)
PLACE_TYPES = (
    LocationType.PARK,
    LocationType.PRIVATE_ADDRESS,
    LocationType.SHOPPING_CENTRE,
    LocationType.NEWSAGENT,
)
PLATFORMS = (Platform.PHONE, Platform.SNAPCHAT, Platform.INSTAGRAM, Platform.WHATSAPP)
GRADINGS = (("1", "A", "P"), ("2", "B", "P"), ("2", "C", "C"), ("3", "D", "P"))


@dataclass
class _Pair:
    a: int  # node indexes into the plan
    b: int
    offset: int  # the pair's natures are NATURES[offset], NATURES[offset + 1]…
    count: int


@dataclass
class NetworkPlan:
    """Nodes by index: young people (`young` holds their ids) first, then entities."""

    young: list[int] = field(default_factory=list)  # YoungPerson ids, node index = position
    young_labels: list[str] = field(default_factory=list)
    entities: list[tuple[NodeKind, int, bool]] = field(default_factory=list)  # kind, n, hub
    pairs: list[_Pair] = field(default_factory=list)
    clusters: list[tuple[int, int]] = field(default_factory=list)  # (young people, entities)
    hubs: list[int] = field(default_factory=list)  # node indexes
    links: int = 0

    def entity(self, kind: NodeKind, *, hub: bool = False) -> int:
        self.entities.append((kind, len(self.entities), hub))
        return -len(self.entities)  # entities are negative until nodes are numbered


@dataclass(frozen=True)
class NetworkResult:
    links: int
    nodes: int
    young_people: int  # with a node
    entities: int
    hubs: int
    clusters: list[tuple[int, int]]  # the planned components with 2+ young people
    seconds: float


def _weighted(rng: random.Random, options: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights)[0]


def plan_network(rng: random.Random, young: list[tuple[int, str]], links: int) -> NetworkPlan:
    """Groups, pools and hubs over `young` (id, label) until `links` links are planned."""
    plan = NetworkPlan()
    hubs: list[list[int]] = []  # [hub, target, young people linked, people, entities]
    position = 0
    while position < len(young):
        size = min(_weighted(rng, GROUP_SIZES), len(young) - position)
        # The group, in local numbers: people 0..size-1, then the pool.
        pool = [
            _weighted(rng, ENTITY_KINDS) for _ in range(rng.randint(max(1, size // 2), size + 2))
        ]
        ends = list(range(size, size + len(pool)))
        pairs = [(one, other, 1) for one, other in itertools.pairwise(ends)]
        extra = set()
        for _ in range(rng.randint(0, len(pool) // 2)):
            one, other = sorted(rng.sample(ends, 2)) if len(ends) > 1 else (ends[0], ends[0])
            if other - one > 1:  # not already chained
                extra.add((one, other))
        pairs.extend((one, other, 1) for one, other in sorted(extra))
        for person in range(size):
            for entity in rng.sample(ends, min(rng.randint(1, 5), len(ends))):
                pairs.append((person, entity, 1 + (rng.random() < 0.5)))
        to_hub = rng.random() < HUB_GROUP_SHARE
        hub_people: list[int] = []
        if to_hub:
            hub_people = [p for p in range(size) if rng.random() < 0.5] or [0]
        planned = sum(c for _, _, c in pairs) + len(hub_people)
        if plan.links + planned > links:
            break  # the group would overshoot: top up with sightings below instead
        numbers = []
        for person_id, label in young[position : position + size]:
            plan.young.append(person_id)
            plan.young_labels.append(label)
            numbers.append(len(plan.young) - 1)
        numbers.extend(plan.entity(kind) for kind in pool)
        plan.pairs.extend(
            _Pair(numbers[one], numbers[other], rng.randrange(len(NATURES)), count)
            for one, other, count in pairs
        )
        plan.links += planned
        position += size
        if to_hub:
            if not hubs or hubs[-1][2] >= hubs[-1][1]:
                hubs.append(
                    [plan.entity(NodeKind.LOCATION, hub=True), rng.randint(*HUB_SIZES), 0, 0, 1]
                )
                plan.hubs.append(hubs[-1][0])
            hub = hubs[-1]
            plan.pairs.extend(
                _Pair(numbers[p], hub[0], rng.randrange(len(NATURES)), 1) for p in hub_people
            )
            hub[2] += len(hub_people)  # already counted in `planned`
            hub[3] += size
            hub[4] += len(pool)
        elif size >= 2:
            plan.clusters.append((size, len(pool)))
    plan.clusters.extend((h[3], h[4]) for h in hubs if h[3] >= 2)
    # Further sightings of pairs already linked, under natures not yet used, up to the count.
    missing = links - plan.links
    while missing > 0 and plan.pairs:
        pair = rng.choice(plan.pairs)
        if pair.count < len(NATURES):
            pair.count += 1
            plan.links += 1
            missing -= 1
    return plan


def _young_people(area_id: int) -> list[tuple[int, str]]:
    """The bench area's young people who have no node yet, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT y.id, y.given_name || ' ' || y.family_name FROM {YoungPerson._meta.db_table} y"  # noqa: S608
            f" WHERE y.area_id = %s AND NOT EXISTS (SELECT 1 FROM {Node._meta.db_table} n"
            " WHERE n.young_person_id = y.id) ORDER BY y.id",
            [area_id],
        )
        return [(pk, label) for pk, label in cursor.fetchall()]


def _entity_rows(
    kind: NodeKind, pk: int, hub: bool, rng: random.Random, common: tuple[Any, ...]
) -> tuple[tuple[Any, ...], str]:
    """The entity's row (after the common columns) and its node's label."""
    if kind == NodeKind.PERSON:
        # A third, random word: an area has few namesakes, and similar-name matching must
        # meet what it would meet in life, not thousands of exact namesakes.
        tag = "".join(rng.choice(string.ascii_lowercase) for _ in range(6)).capitalize()
        name = f"{rng.choice(GIVEN_NAMES)} {rng.choice(FAMILY_NAMES)} {tag}"
        status = rng.choice(PersonStatus.values)
        signatures = "{" + ",".join(normalise.name_signatures([name])) + "}"
        return (*common, name, "{}", "", "", "{}", status, signatures), name
    if kind == NodeKind.LOCATION:
        location_type = rng.choice(HUB_TYPES if hub else PLACE_TYPES)
        name = f"Synthetic {LocationType(location_type).label.lower()} {pk}"
        return (*common, name, location_type, "", "", hub, ""), name
    if kind == NodeKind.VEHICLE:
        registration = f"BN{pk:08d}"[-10:]
        return (*common, registration, "Synthetic", "Hatchback", "Grey", ""), registration
    platform = rng.choice(PLATFORMS)
    value = f"+4479{pk:08d}"[:16] if platform == Platform.PHONE else f"bench_{pk}"
    label = str(OnlineIdentifier(platform=platform, value=value))
    return (*common, platform, value, ""), label


_ENTITY_COPY: dict[NodeKind, tuple[type[Any], list[str]]] = {
    NodeKind.PERSON: (
        PersonOfConcern,
        [
            "name",
            "aliases",
            "description",
            "addresses",
            "police_references",
            "status",
            "name_signatures",
        ],
    ),
    NodeKind.LOCATION: (
        Location,
        ["name", "location_type", "address", "postcode", "is_hotspot", "description"],
    ),
    NodeKind.VEHICLE: (Vehicle, ["registration", "make", "model", "colour", "notes"]),
    NodeKind.IDENTIFIER: (OnlineIdentifier, ["platform", "value", "notes"]),
}
_COMMON = ["id", "area", "created_by", "created_at", "updated_at"]
_NODE_FIELD = {
    NodeKind.PERSON: "person",
    NodeKind.LOCATION: "location",
    NodeKind.VEHICLE: "vehicle",
    NodeKind.IDENTIFIER: "identifier",
}


def generate_network(
    links: int,
    *,
    seed: int,
    batch_size: int = BATCH_SIZE * 10,
    cast: BenchCast | None = None,
) -> NetworkResult:
    """Add `links` links (and the entities and nodes they join) to the bench area, over its
    young people who have no node yet, in one transaction. The same seed and young people give
    the same network."""
    if links < 1:
        raise ValueError("links must be at least 1")
    started = time.perf_counter()
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        cast = cast or ensure_cast()
        area_id, recorder = cast.area.pk, cast.coordinator.pk
        plan = plan_network(rng, _young_people(area_id), links)
        with connection.cursor() as cursor:
            _history_triggers(cursor, enabled=False)
            # Entities, kind by kind, with ids from their sequences.
            entity_ids: list[int] = [0] * len(plan.entities)
            labels: list[str] = [""] * len(plan.entities)
            for kind, (model, columns) in _ENTITY_COPY.items():
                mine = [(n, hub) for k, n, hub in plan.entities if k == kind]
                sequence = _id_sequence(cursor, model)
                for start in range(0, len(mine), batch_size):
                    chunk = mine[start : start + batch_size]
                    ids = _next_values(cursor, sequence, len(chunk))
                    rows = []
                    for pk, (n, hub) in zip(ids, chunk, strict=True):
                        row, labels[n] = _entity_rows(
                            kind, pk, hub, rng, (pk, area_id, recorder, now, now)
                        )
                        entity_ids[n] = pk
                        rows.append(row)
                    _copy(cursor, model, _COMMON + columns, rows)
            # Nodes: young people first, then entities, numbered from the node sequence.
            node_columns = ["id", "area", "kind", "label", "young_person", *_NODE_FIELD.values()]
            node_sequence = _id_sequence(cursor, Node)
            node_ids: list[int] = []
            entity_node_ids: list[int] = []
            young = len(plan.young)
            total = young + len(plan.entities)
            for start in range(0, total, batch_size):
                stop = min(total, start + batch_size)
                ids = _next_values(cursor, node_sequence, stop - start)
                rows = []
                for pk, index in zip(ids, range(start, stop), strict=True):
                    if index < young:
                        person = plan.young[index]
                        rows.append(
                            (
                                pk,
                                area_id,
                                NodeKind.YOUNG_PERSON.value,
                                plan.young_labels[index][:200],
                                person,
                                None,
                                None,
                                None,
                                None,
                            )
                        )
                        node_ids.append(pk)
                        continue
                    kind, n, _ = plan.entities[index - young]
                    record: list[int | None] = [None, None, None, None]
                    record[list(_NODE_FIELD).index(kind)] = entity_ids[n]
                    rows.append((pk, area_id, kind.value, labels[n][:200], None, *record))
                    entity_node_ids.append(pk)
                _copy(cursor, Node, node_columns, rows)

            def node_id(index: int) -> int:
                return node_ids[index] if index >= 0 else entity_node_ids[-index - 1]

            link_columns = [
                "area",
                "a",
                "b",
                "nature",
                "detail",
                "source",
                "source_evaluation",
                "intelligence_assessment",
                "handling_code",
                "observed_on",
                "recorded_by",
                "recorded_at",
                "share_reason",
            ]
            rows = []
            written = 0
            for pair in plan.pairs:
                a, b = sorted((node_id(pair.a), node_id(pair.b)))
                for i in range(pair.count):
                    nature = NATURES[(pair.offset + i) % len(NATURES)]
                    observed_on: date = today - timedelta(days=rng.randrange(HISTORY_DAYS))
                    rows.append(
                        (
                            area_id,
                            a,
                            b,
                            nature,
                            "",
                            "Synthetic benchmark intelligence",
                            *rng.choice(GRADINGS),
                            observed_on,
                            recorder,
                            now,
                            "",
                        )
                    )
                if len(rows) >= batch_size:
                    _copy(cursor, Link, link_columns, rows)
                    written += len(rows)
                    rows = []
            _copy(cursor, Link, link_columns, rows)
            written += len(rows)
            _history_triggers(cursor, enabled=True)
    with connection.cursor() as cursor:
        tables = (Node, Link, PersonOfConcern, Location, Vehicle, OnlineIdentifier)
        cursor.execute(
            "ANALYZE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
        )
    return NetworkResult(
        links=written,
        nodes=len(node_ids) + len(entity_node_ids),
        young_people=len(node_ids),
        entities=len(entity_node_ids),
        hubs=len(plan.hubs),
        clusters=plan.clusters,
        seconds=time.perf_counter() - started,
    )


def sample_entity(area_id: int) -> tuple[str, int]:
    """(kind, record id) of the most linked of the area's first persons of concern: a busy
    ordinary group, not a hub, for the network scenario."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n.person_id FROM (SELECT id, person_id FROM {Node._meta.db_table}"  # noqa: S608
            " WHERE area_id = %s AND kind = %s ORDER BY id LIMIT 2000) n"
            f" ORDER BY (SELECT count(*) FROM {Link._meta.db_table} l"
            " WHERE l.a_id = n.id OR l.b_id = n.id) DESC, n.id LIMIT 1",
            [area_id, NodeKind.PERSON.value],
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("the bench area has no network: run without --skip-generate")
    return NodeKind.PERSON.value, row[0]


def sample_hub(area_id: int) -> tuple[str, int]:
    """(kind, record id) of a hub: a hotspot linked to young people of many groups."""
    location = (
        Location.objects.filter(area_id=area_id, is_hotspot=True)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    if location is None:
        raise RuntimeError("the bench area has no hub: run without --skip-generate")
    return NodeKind.LOCATION.value, location
