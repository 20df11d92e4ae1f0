"""SQL queries per request, counted in-process: the server runs in another process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from .scenarios import Scenario

# The bench settings allow only loopback hosts, not the test client's "testserver".
HOST = "127.0.0.1"


@dataclass(frozen=True)
class QueryCount:
    status: int
    queries: int


def count_queries(scenario: Scenario, headers: Mapping[str, str]) -> QueryCount:
    """Queries of one request after one unmeasured request, so first-use caches do not count."""
    client = Client(raise_request_exception=False, headers={"host": HOST})
    client.generic(scenario.method, scenario.path, headers=headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.generic(scenario.method, scenario.path, headers=headers)
    return QueryCount(status=response.status_code, queries=len(captured.captured_queries))
