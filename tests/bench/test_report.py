from __future__ import annotations

import json
from pathlib import Path

from bench.report import Report, markdown_table, to_markdown, write_results
from bench.stats import ScenarioResult


def _result(name: str = "healthz", **changes: object) -> ScenarioResult:
    values: dict[str, object] = {
        "name": name,
        "method": "GET",
        "path": "/healthz",
        "requests": 200,
        "errors": 0,
        "p50_ms": 1.23456,
        "p95_ms": 2.5,
        "p99_ms": 3.0,
        "throughput_rps": 812.3456,
        "queries_per_request": 0,
        "elapsed_s": 0.246,
        "error_kinds": {},
    }
    values.update(changes)
    return ScenarioResult(**values)  # type: ignore[arg-type]


def _report(*results: ScenarioResult) -> Report:
    return Report(
        started_at="2026-01-02T03:04:05+00:00",
        settings="config.settings.bench",
        server="uvicorn",
        options={"requests": 200, "concurrency": 8, "seed": 1},
        dataset={
            "area_referrals": 1000,
            "generated": {"referrals": 1000, "events": 1800, "young_people": 500, "seconds": 1.5},
        },
        scenarios=list(results),
    )


def test_markdown_table_has_one_row_per_scenario_with_rounded_figures() -> None:
    table = markdown_table(
        [
            _result(),
            _result(
                "referral_list_api",
                path="/api/v1/referrals/",
                errors=2,
                p50_ms=None,
                p95_ms=None,
                p99_ms=None,
                queries_per_request=None,
            ),
        ]
    )
    lines = table.strip().splitlines()
    assert lines[0].startswith("| Scenario | Request | Requests | Errors | p50 ms")
    assert len(lines) == 4
    assert lines[2] == "| healthz | `GET /healthz` | 200 | 0 | 1.2 | 2.5 | 3.0 | 812.3 | 0 |"
    assert lines[3] == (
        "| referral_list_api | `GET /api/v1/referrals/` | 200 | 2 | n/a | n/a | n/a | 812.3 | n/a |"
    )
    # Every row has the header's number of cells.
    assert {line.count("|") for line in lines} == {10}


def test_markdown_document_describes_the_run_above_the_table() -> None:
    text = to_markdown(_report(_result()))
    assert text.startswith("# Benchmark results\n")
    assert "200 requests per scenario, concurrency 8" in text
    assert "1000 referrals in the bench area" in text
    assert "1000 referrals, 1800 events in 1.5 s (seed 1)" in text
    assert text.endswith(markdown_table([_result()]))


def test_markdown_document_without_generation_omits_that_line() -> None:
    report = _report(_result())
    report.dataset["generated"] = None
    assert "Generated this run" not in to_markdown(report)


def test_writers_create_latest_json_and_md(tmp_path: Path) -> None:
    directory = tmp_path / "results"
    json_path, md_path = write_results(_report(_result(), _result("other")), directory)

    assert (json_path, md_path) == (directory / "latest.json", directory / "latest.md")
    data = json.loads(json_path.read_text())
    assert data["settings"] == "config.settings.bench"
    assert data["dataset"]["generated"]["events"] == 1800
    assert [s["name"] for s in data["scenarios"]] == ["healthz", "other"]
    first = data["scenarios"][0]
    assert first["p50_ms"] == 1.235  # floats are rounded to 3 places
    assert first["throughput_rps"] == 812.346
    assert first["queries_per_request"] == 0
    assert md_path.read_text() == to_markdown(_report(_result(), _result("other")))


def test_writers_replace_the_previous_results(tmp_path: Path) -> None:
    write_results(_report(_result("old")), tmp_path)
    json_path, _ = write_results(_report(_result("new")), tmp_path)
    assert [s["name"] for s in json.loads(json_path.read_text())["scenarios"]] == ["new"]
