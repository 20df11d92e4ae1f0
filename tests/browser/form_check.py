"""The every-form check's record of the browser tests' run: what each form submission to the
ASGI server answered, every form the pages showed, which browser tests ran, and the judgement
of all that against every form page of the code (`form_pages.py`).

The browser tests spread over the xdist workers, so no worker sees them all: each worker sends
its record to the controller when it finishes (`workeroutput`), and the controller judges the
whole run once, at the end, reporting it as the check's result (`EveryFormCheck`). A run
without workers runs the check as its last test instead."""

from __future__ import annotations

import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from tests.browser.form_pages import NAMESPACE, NO_INPUT, FormPage, form_pages, key_of_path

VALID, INVALID = "valid", "invalid"
ERROR_SUMMARY = b"govuk-error-summary"
SUCCESS_BANNER = b"govuk-notification-banner--success"
BROWSER_TESTS = Path(__file__).parent
CHECK = "test_every_form.py::test_every_form_page_is_submitted_valid_and_invalid"


def outcome(status: int, location: str, body: bytes) -> str:
    """VALID: answered with a redirect to the next page (what every form of the service does
    once its input is accepted; a redirect that sends someone who is not signed in to sign in
    is not one), or, where what the answer shows must never be stored (a new API token's
    secret, shown once), the page with a success banner. INVALID: the page again, with the
    GOV.UK error summary. Anything else (a 403, a 404, a page without the summary) is
    neither, and is reported by its status."""
    if status in (302, 303):
        target = urlsplit(location)
        sent_to_sign_in = target.path == resolve_url(settings.LOGIN_URL) and "next" in parse_qs(
            target.query
        )
        return f"{status} to sign in" if sent_to_sign_in else VALID
    if status in (200, 400, 422) and ERROR_SUMMARY in body:
        return INVALID
    if status == 200 and SUCCESS_BANNER in body:
        return VALID
    return f"{status}{' without an error summary' if status == 200 else ''}"


# The input elements with nothing for a person to fill in.
NOT_TO_FILL = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class PostForm:
    action: str
    fields: set[str] = field(default_factory=set)


def _to_fill(tag: str, kind: str | None) -> bool:
    if tag == "input":
        return (kind or "text").lower() not in NOT_TO_FILL
    return tag in {"select", "textarea"}


class PostForms(HTMLParser):
    """The POST forms of a page, with the names of the fields a person fills in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PostForm] = []
        self._open: PostForm | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            method = (values.get("method") or "get").lower()
            self._open = PostForm(values.get("action") or "") if method == "post" else None
            if self._open is not None:
                self.forms.append(self._open)
        elif self._open is not None and _to_fill(tag, values.get("type")):
            self._open.fields.add(values.get("name") or f"an unnamed {tag}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


@dataclass
class Shown:
    """A form page's form as pages showed it: the fields, and the pages it was on."""

    fields: set[str] = field(default_factory=set)
    on: set[str] = field(default_factory=set)


@dataclass
class Record:
    # form page key -> outcome -> the tests that got it
    submitted: dict[str, dict[str, set[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    shown: dict[str, Shown] = field(default_factory=lambda: defaultdict(Shown))

    def response(self, *, method: str, path: str, query: str, status: int, headers: Any,
                 body: bytes) -> None:  # fmt: skip
        key = key_of_path(path) or path
        if method == "POST":
            location = _header(headers, b"location")
            self.submitted[key][outcome(status, location, body)].add(_current_test())
        if _header(headers, b"content-type").startswith("text/html") and b"<form" in body:
            page = f"{path}?{query}" if query else path
            parser = PostForms()
            parser.feed(body.decode("utf-8", "replace"))
            for form in parser.forms:
                target = urlsplit(urljoin(page, form.action)).path
                shown = self.shown[key_of_path(target) or target]
                shown.fields |= form.fields
                shown.on.add(key)

    def plain(self) -> dict[str, Any]:
        """The record as lists and dicts, which a worker can send to the controller."""
        return {
            "submitted": {
                key: {kind: sorted(tests) for kind, tests in outcomes.items()}
                for key, outcomes in self.submitted.items()
            },
            "shown": {key: [sorted(s.fields), sorted(s.on)] for key, s in self.shown.items()},
        }

    def merge(self, plain: dict[str, Any]) -> None:
        """Add a worker's record (`plain()`) to this one."""
        for key, outcomes in plain["submitted"].items():
            for kind, tests in outcomes.items():
                self.submitted[key][kind].update(tests)
        for key, (fields, on) in plain["shown"].items():
            self.shown[key].fields.update(fields)
            self.shown[key].on.update(on)


RECORD = Record()


def _header(headers: Any, name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), "")


def _current_test() -> str:
    return os.environ.get("PYTEST_CURRENT_TEST", "outside a test").rsplit(" ", 1)[0]


class SubmissionRecorder:
    """ASGI middleware around the application the browser tests' server serves: it notes
    every response in `RECORD` (the HTML ones with their body, to find the forms shown)."""

    def __init__(self, app: Any, record: Record = RECORD) -> None:
        self.app = app
        self.record = record

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        answer: dict[str, Any] = {"status": 0, "headers": [], "body": []}

        async def sending(message: Any) -> None:
            if message["type"] == "http.response.start":
                answer["status"], answer["headers"] = message["status"], message["headers"]
            elif message["type"] == "http.response.body":
                answer["body"].append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, sending)
        self.record.response(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            status=answer["status"],
            headers=answer["headers"],
            body=b"".join(answer["body"]),
        )


@dataclass
class BrowserRun:
    """Which browser tests this run chose and ran: the check judges only a whole run."""

    chosen: set[str] = field(default_factory=set)
    left_out_tests: set[str] = field(default_factory=set)  # deselected
    left_out: list[str] = field(default_factory=list)
    ran: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    check: list[tuple[str, Any]] = field(default_factory=list)  # its node id and location

    def not_run(self) -> set[str]:
        """The chosen browser tests that have not run (before the check, none should be)."""
        return self.chosen - self.ran


RUN = pytest.StashKey[BrowserRun]()
WORKER_OUTPUT = "every_form_check"


def left_out(config: pytest.Config, items: list[pytest.Item], deselected: set[str]) -> list[str]:
    """What of the browser tests this run leaves out: whole modules, tests deselected (`-k`,
    `-m`, `--deselect`), tests picked one by one (`file.py::test`)."""
    reasons = []
    collected = {item.path.name for item in items if is_browser_test(item)}
    missing = sorted(p.name for p in BROWSER_TESTS.glob("test_*.py") if p.name not in collected)
    if missing:
        reasons.append(f"not collected: {', '.join(missing)}")
    if deselected:
        reasons.append(f"{len(deselected)} deselected")
    picked = [
        arg
        for arg in config.args
        if "::" in arg and (BROWSER_TESTS / Path(arg.split("::")[0]).name).exists()
    ]
    if picked:
        reasons.append(f"picked one by one: {', '.join(picked)}")
    return reasons


def is_browser_test(item: pytest.Item) -> bool:
    return BROWSER_TESTS in item.path.parents


def is_check(item: pytest.Item) -> bool:
    return item.nodeid.endswith(CHECK)


def verdict(run: BrowserRun, record: Record) -> str:
    """Why the check fails this run, or "" when every form page was submitted as it must be."""
    not_run = run.not_run()
    if not_run:
        return f"{len(not_run)} chosen browser tests did not run before the check"
    problems = judge(form_pages(), record)
    if not problems:
        return ""
    failed = f" ({len(run.failed)} browser tests failed in this run)" if run.failed else ""
    return f"{len(problems)} problems with the browser tests' form submissions{failed}:\n" + (
        "\n".join(f"- {problem}" for problem in problems)
    )


def judge(pages: dict[str, FormPage], record: Record) -> list[str]:
    """Every problem with the run's form submissions: a form page without a valid or an
    invalid submission, the no-input list out of step with the forms, a form the pages
    showed (or a test posted to) that is no form page of the code."""
    problems = []
    for key, page in sorted(pages.items()):
        got = record.submitted.get(key, {})
        needed = [VALID] if key in NO_INPUT else [VALID, INVALID]
        missing = [kind for kind in needed if not got.get(kind)]
        if missing:
            others = sorted(kind for kind in got if kind not in (VALID, INVALID))
            answered = f"; its submissions answered {', '.join(others)}" if others else ""
            problems.append(
                f"{key} ({page.route}, {page.view}): no {' and no '.join(missing)} "
                f"submission{answered}"
            )
    for key, reason in sorted(NO_INPUT.items()):
        if key not in pages:
            problems.append(f"{key} is listed as a form with no input ({reason}) but is no form")
        elif record.shown.get(key) and record.shown[key].fields:
            fields = ", ".join(sorted(record.shown[key].fields))
            problems.append(
                f"{key} is listed as a form with no input ({reason}) but shows fields to fill "
                f"in ({fields}): submit it invalid too, and take it off the list"
            )
    for key, shown in sorted(record.shown.items()):
        if key not in pages:
            problems.append(
                f"a form on {', '.join(sorted(shown.on))} posts to {key}, which the code's "
                "list of form pages does not have (tests/browser/form_pages.py missed it)"
            )
    posted = {key for key in record.submitted if key.startswith(f"{NAMESPACE}:")}
    for key in sorted(posted - set(pages) - set(record.shown)):
        problems.append(
            f"a browser test posted to {key}, which the code's list of form pages does not have"
        )
    return problems


class EveryFormCheck:
    """The pytest plugin behind the check (tests/conftest.py registers it in every process).

    Where tests are collected (a run without workers, each worker) it leaves the check out of a
    run of part of the browser tests (deselected, with why), and otherwise places it last, or,
    on a worker, hands it to the controller. Where reports arrive (that run, the controller) it
    notes which browser tests ran and failed. The controller judges once every worker is done.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run = config.stash.setdefault(RUN, BrowserRun())
        self.worker = hasattr(config, "workerinput")
        self.workers: list[dict[str, Any]] = []  # on the controller: what each worker sent

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.run.left_out_tests.update(item.nodeid for item in items if is_browser_test(item))

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(
        self, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        run = self.run
        run.left_out = left_out(config, items, run.left_out_tests)
        checks = [item for item in items if is_check(item)]
        for check in checks:
            items.remove(check)
        run.chosen = {item.nodeid for item in items if is_browser_test(item)}
        run.check = [(item.nodeid, item.location) for item in checks]
        if run.left_out:
            config.hook.pytest_deselected(items=checks)
        elif not self.worker:
            items.extend(checks)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "teardown":
            self.run.ran.add(report.nodeid)
        if report.failed:
            self.run.failed.add(report.nodeid)

    def pytest_sessionfinish(self) -> None:
        if self.worker and self.run.check and not self.run.left_out:
            workeroutput = cast(dict[str, Any], self.config.workeroutput)  # type: ignore[attr-defined]
            workeroutput[WORKER_OUTPUT] = {
                "check": self.run.check,
                "chosen": sorted(self.run.chosen),
                "record": RECORD.plain(),
            }

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        sent = getattr(node, "workeroutput", {}).get(WORKER_OUTPUT)
        if sent is not None:
            self.workers.append(sent)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        result = yield
        if self.workers:
            self._judge_the_workers_run()
        return result

    def _judge_the_workers_run(self) -> None:
        record = Record()
        for sent in self.workers:
            record.merge(sent["record"])
            self.run.chosen.update(sent["chosen"])
        ((nodeid, location),) = {(n, tuple(where)) for n, where in self.workers[0]["check"]}
        started = time.monotonic()
        failure = verdict(self.run, record)
        report = pytest.TestReport(
            nodeid=nodeid,
            location=location,
            keywords={},
            outcome="failed" if failure else "passed",
            longrepr=failure or None,
            when="call",
            duration=time.monotonic() - started,
        )
        hook = self.config.hook
        hook.pytest_runtest_logstart(nodeid=nodeid, location=location)
        hook.pytest_runtest_logreport(report=report)
        hook.pytest_runtest_logfinish(nodeid=nodeid, location=location)
