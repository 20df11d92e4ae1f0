"""Writers for bench/results/latest.json and latest.md."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .stats import ScenarioResult

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Report:
    started_at: str  # ISO 8601, UTC
    settings: str
    server: str
    options: dict[str, Any]
    dataset: dict[str, Any]
    scenarios: list[ScenarioResult] = field(default_factory=list)


def _rounded(value: Any) -> Any:
    # Microsecond noise in the files only makes diffs between runs harder to read.
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def to_json(report: Report) -> str:
    return json.dumps(_rounded(asdict(report)), indent=2, sort_keys=False) + "\n"


def _ms(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def markdown_table(results: list[ScenarioResult]) -> str:
    rows = [
        "| Scenario | Request | Requests | Errors | p50 ms | p95 ms | p99 ms | Req/s "
        "| Queries/req |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for r in results:
        queries = "n/a" if r.queries_per_request is None else str(r.queries_per_request)
        rows.append(
            f"| {r.name} | `{r.method} {r.path}` | {r.requests} | {r.errors} | {_ms(r.p50_ms)} "
            f"| {_ms(r.p95_ms)} | {_ms(r.p99_ms)} | {r.throughput_rps:.1f} | {queries} |"
        )
    return "\n".join(rows) + "\n"


def to_markdown(report: Report) -> str:
    options, dataset = report.options, report.dataset
    lines = [
        "# Benchmark results",
        "",
        f"- Started: {report.started_at}",
        f"- Settings: `{report.settings}`, server: {report.server}",
        f"- Load: {options.get('requests')} requests per scenario, "
        f"concurrency {options.get('concurrency')}",
        f"- Data: {dataset.get('area_referrals')} referrals in the bench area",
    ]
    generated = dataset.get("generated")
    if generated:
        lines.append(
            f"- Generated this run: {generated['referrals']} referrals, {generated['events']} "
            f"events in {generated['seconds']:.1f} s (seed {options.get('seed')})"
        )
    return "\n".join([*lines, "", markdown_table(report.scenarios)])


def write_results(report: Report, directory: Path = RESULTS_DIR) -> tuple[Path, Path]:
    """Write latest.json and latest.md into `directory`; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "latest.json", directory / "latest.md"
    json_path.write_text(to_json(report))
    md_path.write_text(to_markdown(report))
    return json_path, md_path
