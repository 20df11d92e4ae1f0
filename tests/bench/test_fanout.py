"""The websocket fan-out's pieces at a tiny scale (not timed): signed-in clients, events raised
through the served app, every notification counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.sessions.models import Session

from bench import fanout
from bench.__main__ import parse_args
from notifications.models import Notification
from tests.database_urls import this_test_database_url


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # the server is another process
def test_every_client_hears_its_areas_events_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", this_test_database_url())
    options = fanout.FanoutOptions(clients=5, areas=2, rate=2, seconds=1)

    result = fanout.run(options, server_name="uvicorn", results_dir=tmp_path)

    assert (result.connected, result.connect_errors, result.dropped) == (5, 0, 0)
    assert (result.events, result.event_errors) == (2, 0)
    # Clients 0, 2 and 4 coordinate the first area, 1 and 3 the second: one event each.
    assert (result.expected, result.received) == (5, 5)
    assert (result.missing, result.duplicates, result.misdelivered) == (0, 0, 0)
    assert result.ok
    assert result.from_commit.p50_ms is not None and result.from_commit.p50_ms > 0
    assert Notification.objects.count() == 5
    assert not Session.objects.exists()  # the run's sessions end with it
    assert fanout.write(result, tmp_path).name == "ws_fanout-embedded.json"


def _stream(area_id: int, *ids: int) -> fanout.Stream:
    stream = fanout.Stream(fanout.Listener(user_id=area_id, area_id=area_id, session_key="k"))
    stream.receipts = [fanout.Receipt(pk, received_at=2.0, sent_at=1.5) for pk in ids]
    return stream


def test_losses_duplicates_and_misdeliveries_are_counted() -> None:
    events = [
        fanout.Event(area_id=1, ids=[10, 11], committed_at=1.0, response_ms=5.0),
        fanout.Event(area_id=2, ids=[20], committed_at=1.0, response_ms=5.0),
    ]
    streams = [_stream(1, 10, 10, 20), _stream(2)]  # 10 twice, 20 to the wrong area, 11 lost

    result = fanout._summarise(streams, events, fanout.FanoutOptions(), 1.0, 1.0, 0.0)

    assert (result.expected, result.received, result.missing) == (3, 1, 2)
    assert (result.duplicates, result.misdelivered) == (1, 1)
    assert not result.ok
    assert result.from_commit.p50_ms == pytest.approx(1000.0)
    assert result.from_send.p50_ms == pytest.approx(500.0)


def test_it_runs_only_when_named_with_its_own_options() -> None:
    args = parse_args(["--scenario", "ws_fanout", "--ws-clients", "50", "--ws-rate", "5"])
    assert args.scenarios == ["ws_fanout"]
    assert (args.ws_clients, args.ws_areas, args.ws_rate, args.ws_seconds) == (50, 20, 5, 30)
