from __future__ import annotations

import random
from collections import Counter, defaultdict

import pytest
from django.db import connection
from django.db.models import F

from bench.generate import HISTORY_TRACKED, LOCATIONS, ensure_cast, generate_referrals
from bench.network import HUB_SIZES, generate_network, plan_network, sample_entity, sample_hub
from disruption.models import Link, Node, NodeKind
from disruption.network import clusters, network


def test_the_plan_has_the_links_asked_for_and_most_young_people_few_entities() -> None:
    rng = random.Random(3)  # noqa: S311 - seeded test data, not a secret
    young = [(pk, f"Young {pk}") for pk in range(1, 20_001)]
    plan = plan_network(rng, young, 60_000)
    assert plan.links == sum(p.count for p in plan.pairs) == 60_000
    assert 5_000 < len(plan.young) < 20_000  # the links ran out before the young people
    entities_of: dict[int, set[int]] = defaultdict(set)
    hubs = set(plan.hubs)
    for pair in plan.pairs:
        if pair.a >= 0 and pair.b not in hubs:
            entities_of[pair.a].add(pair.b)
    spread = Counter(min(len(e), 6) for e in entities_of.values())
    assert set(spread) <= {1, 2, 3, 4, 5}
    assert spread[1] + spread[2] + spread[3] > len(entities_of) / 2
    hub_degree = Counter(p.b for p in plan.pairs if p.b in hubs)
    assert hubs and max(hub_degree.values()) >= HUB_SIZES[0]  # a hotel with hundreds


@pytest.mark.django_db
def test_generated_network_is_loaded_and_its_clusters_are_the_planned_ones() -> None:
    generate_referrals(400, seed=2)  # 200 young people
    result = generate_network(900, seed=2, batch_size=100)  # several batches
    cast = ensure_cast()
    area = cast.area
    assert result.links == Link.objects.filter(area=area).count() == 900
    # Beside the network, the places the referrals' disruption activity targets.
    assert result.nodes == Node.objects.filter(area=area).count() - LOCATIONS
    assert result.young_people == Node.objects.filter(kind=NodeKind.YOUNG_PERSON).count()
    assert result.hubs >= 1
    assert not Link.objects.exclude(a_id__lt=F("b_id")).exists()

    found = clusters(user=cast.coordinator, area=area, limit=10_000)
    assert found.total == len(result.clusters)
    assert sorted((c.young_people, c.entities) for c in found.clusters) == sorted(result.clusters)
    kind, pk = sample_hub(area.pk)
    hub = network(user=cast.coordinator, kind=kind, pk=pk)
    assert hub.young_people >= 2
    kind, pk = sample_entity(area.pk)
    assert network(user=cast.coordinator, kind=kind, pk=pk).centre.record_id == pk

    # A second load takes the young people still without a node.
    again = generate_network(50, seed=3)
    assert Link.objects.count() == 950
    assert again.young_people == Node.objects.filter(kind=NodeKind.YOUNG_PERSON).count() - (
        result.young_people
    )
    tables = [m._meta.db_table for m in HISTORY_TRACKED]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D' "
            "AND tgrelid::regclass::text = ANY(%s)",
            [tables],
        )
        assert cursor.fetchone() == (0,)


def test_links_must_be_positive() -> None:
    with pytest.raises(ValueError):
        generate_network(0, seed=1)


def test_the_links_option_defaults_to_three_per_referral() -> None:
    from bench.__main__ import parse_args
    from bench.network import LINKS_PER_REFERRAL

    assert parse_args([]).links is None  # the runner adds LINKS_PER_REFERRAL per referral
    assert LINKS_PER_REFERRAL == 3
    assert parse_args(["--links", "0"]).links == 0  # no network
    assert parse_args(["--links", "3000000"]).links == 3_000_000
    with pytest.raises(SystemExit):
        parse_args(["--links", "-1"])
