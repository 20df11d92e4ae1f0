"""Builders of small networks for the network and clusters tests: records, their nodes (made
by `node_for`, as the services make them) and links written directly."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from agencies.models import Area
from disruption.models import (
    Link,
    LinkNature,
    Location,
    LocationType,
    Node,
    OnlineIdentifier,
    PersonOfConcern,
    Platform,
    Vehicle,
)
from disruption.services import node_for
from tests.factories import UserFactory, YoungPersonFactory

_numbers = itertools.count(1)


class Graph:
    """Nodes of one area, and links between them, built by name."""

    def __init__(self, area: Area, recorder: Any = None) -> None:
        self.area = area
        self.recorder = recorder or UserFactory.create()
        self.nodes: dict[str, Node] = {}

    def young_person(self, name: str) -> Node:
        record = YoungPersonFactory.create(area=self.area, given_name=name)
        return self._add(name, record)

    def location(self, name: str, location_type: str = LocationType.HOTEL) -> Node:
        record = Location.objects.create(
            area=self.area, created_by=self.recorder, name=name, location_type=location_type
        )
        return self._add(name, record)

    def vehicle(self, name: str) -> Node:
        registration = f"BX{next(_numbers):02d}ABC"[:10]
        record = Vehicle.objects.create(
            area=self.area, created_by=self.recorder, registration=registration
        )
        return self._add(name, record)

    def person(self, name: str) -> Node:
        record = PersonOfConcern.objects.create(area=self.area, created_by=self.recorder, name=name)
        return self._add(name, record)

    def identifier(self, name: str) -> Node:
        record = OnlineIdentifier.objects.create(
            area=self.area,
            created_by=self.recorder,
            platform=Platform.SNAPCHAT,
            value=f"{name.lower()}{next(_numbers)}",
        )
        return self._add(name, record)

    def _add(self, name: str, record: Any) -> Node:
        node = node_for(record)
        self.nodes[name] = node
        return node

    def link(
        self,
        one: str,
        other: str,
        *,
        observed_on: date = date(2026, 1, 1),
        nature: str = LinkNature.SEEN_WITH,
    ) -> Link:
        a, b = sorted((self.nodes[one], self.nodes[other]), key=lambda n: n.pk)
        return Link.objects.create(
            area=self.area,
            a=a,
            b=b,
            nature=nature,
            source="Synthetic test source",
            source_evaluation="1",
            intelligence_assessment="A",
            handling_code="P",
            observed_on=observed_on,
            recorded_by=self.recorder,
        )

    def pk(self, name: str) -> int:
        """The id of the record behind the named node (what the network is asked about by)."""
        return int(self.nodes[name].record.pk)
