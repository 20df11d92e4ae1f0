from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from bench.load import drive
from bench.scenarios import SCENARIOS
from bench.server import SERVERS, running_server


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_the_app_runs_in_another_process_and_stops_afterwards(name: str, tmp_path: Path) -> None:
    with running_server(name, log_path=tmp_path / "server.log") as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        sample = asyncio.run(
            drive(base_url, SCENARIOS["healthz"], requests=5, concurrency=2, time_limit_s=30.0)
        )
        assert sample.errors == 0
        assert len(sample.latencies_ms) == 5
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/healthz", trust_env=False)
