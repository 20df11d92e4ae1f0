"""The every-form check's own parts, without a browser: the list of form pages it derives from
the code, how it reads a response, the forms a page shows, what it decides to judge, and the
judgement (tests/browser/form_pages.py, tests/browser/form_check.py)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import TemplateView

from tests.browser import form_check
from tests.browser.form_check import (
    INVALID,
    VALID,
    BrowserRun,
    EveryFormCheck,
    PostForms,
    Record,
    SubmissionRecorder,
    judge,
    left_out,
    outcome,
)
from tests.browser.form_pages import (
    NO_INPUT,
    FormPage,
    UndeclaredAddressPart,
    accepts_post,
    form_pages,
)


def _reads_the_form(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def through_a_helper(request: HttpRequest) -> HttpResponse:
    _reads_the_form(request)
    return HttpResponse()


def reads_the_method(request: HttpRequest) -> HttpResponse:
    return HttpResponse(request.method == "POST")


def shows_a_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<h1>A page</h1>")


@pytest.mark.parametrize(
    ("view", "takes_post"),
    [
        (require_POST(shows_a_page), True),
        (login_required(require_POST(shows_a_page)), True),
        (login_required(require_GET(reads_the_method)), False),
        (reads_the_method, True),
        (through_a_helper, True),
        (shows_a_page, False),
        (login_required(shows_a_page), False),
        (LoginView.as_view(), True),
        (TemplateView.as_view(), False),
    ],
)
def test_a_view_takes_a_post_by_its_code(view: Any, takes_post: bool) -> None:
    assert accepts_post(view) is takes_post


CONCERN_PAGES = [
    "name",
    "age",
    "about",
    "home",
    "what-happened",
    "indicators",
    "models",
    "mentioned",
    "danger",
    "lawful-basis",
    "consent",
    "contact",
]


def test_the_form_pages_of_the_service() -> None:
    pages = form_pages()
    for key in (
        "frontend:sign-in",
        "frontend:sign-in-password",
        "frontend:sign-in-code",
        "frontend:sign-out",
        "frontend:break-glass",
        "frontend:concern-start",
        "frontend:concern-check",
        "frontend:meeting-schedule",
        "frontend:referral-step (name=decide)",
    ):
        assert key in pages
    # Each page of the concern form is a form page of its own; pages only read are none.
    assert {k for k in pages if k.startswith("frontend:concern-page ")} == {
        f"frontend:concern-page (slug={slug})" for slug in CONCERN_PAGES
    }
    for read_only in ("home", "referral-detail", "notifications", "triage-queue", "meetings"):
        assert f"frontend:{read_only}" not in pages
    assert set(NO_INPUT) <= set(pages)


def test_every_post_form_of_the_templates_posts_to_a_form_page() -> None:
    pages = {page.name for page in form_pages().values()}
    templates = Path(__file__).parents[2] / "frontend" / "templates"
    targets = {
        match
        for template in templates.rglob("*.html")
        for match in re.findall(
            r"""<form[^>]*method="post"[^>]*action="\{% url '([^']+)'""", template.read_text()
        )
    }
    assert targets  # the pattern still finds the forms
    assert targets - pages == set()


def _posted(request: HttpRequest, colour: str) -> HttpResponse:
    return HttpResponse(request.POST)


PAINT = [path("paint/<str:colour>/", _posted, name="paint")]
urlpatterns = [path("", include((PAINT, "frontend")))]


@pytest.mark.urls(__name__)
def test_an_address_part_the_check_does_not_know_fails_it() -> None:
    with pytest.raises(UndeclaredAddressPart, match=r"frontend:paint .*\['colour'\]"):
        form_pages()


@pytest.mark.parametrize(
    ("status", "location", "body", "expected"),
    [
        (302, "/referrals/R-1/", b"", VALID),
        (303, "/sign-in/", b"", VALID),  # signed out: the next page is the sign-in page
        (302, "/sign-in/?next=/meetings/", b"", "302 to sign in"),
        (200, "", b'<div class="govuk-error-summary">', INVALID),
        (422, "", b'<div class="govuk-error-summary">', INVALID),
        (200, "", b"<h1>Thanks</h1>", "200 without an error summary"),
        (
            200,
            "",
            b'<div class="govuk-notification-banner govuk-notification-banner--success">',
            VALID,
        ),
        (
            200,
            "",
            b'<div class="govuk-notification-banner--success"></div>'
            b'<div class="govuk-error-summary">',
            INVALID,
        ),
        (403, "", b'<div class="govuk-error-summary">', "403"),
    ],
)
def test_what_a_submission_answered(status: int, location: str, body: bytes, expected: str) -> None:
    assert outcome(status, location, body) == expected


def test_the_post_forms_a_page_shows_and_their_fields() -> None:
    parser = PostForms()
    parser.feed(
        """<form method="get"><input name="q"></form>
        <form method="POST" action="/sign-out/"><input type="hidden" name="csrfmiddlewaretoken">
          <button type="submit">Sign out</button></form>
        <form method="post"><input name="reason"><input type="checkbox" name="confirm">
          <select name="area"></select><textarea name="note"></textarea>
          <input type="submit" value="Save"></form>"""
    )
    assert [(f.action, f.fields) for f in parser.forms] == [
        ("/sign-out/", set()),
        ("", {"reason", "confirm", "area", "note"}),
    ]


def test_the_recorder_notes_submissions_and_the_forms_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "tests/browser/test_x.py::test_y (call)")
    answers = {
        "POST": (302, [(b"location", b"/")], b""),
        "GET": (
            200,
            [(b"content-type", b"text/html; charset=utf-8")],
            b'<form method="post" action="/break-glass/nowhere/"><input name="x"></form>'
            b'<form method="post"><textarea name="reason"></textarea></form>',
        ),
    }

    async def app(scope: Any, receive: Any, send: Any) -> None:
        status, headers, body = answers[scope["method"]]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def ignore(message: Any) -> None:
        pass

    record = Record()
    recorder = SubmissionRecorder(app, record)
    for method in ("GET", "POST"):
        scope = {"type": "http", "method": method, "path": "/referrals/emergency-access/"}
        asyncio.run(recorder(scope, None, ignore))

    assert record.submitted["frontend:break-glass"] == {VALID: {"tests/browser/test_x.py::test_y"}}
    assert record.shown["frontend:break-glass"].fields == {"reason"}
    assert record.shown["frontend:break-glass"].on == {"frontend:break-glass"}
    assert record.shown["/break-glass/nowhere/"].fields == {"x"}  # no page answers there


PAGES = {
    "frontend:note-add": FormPage("frontend:note-add", "notes/add/", "casework.note_add_page"),
    "frontend:sign-out": FormPage("frontend:sign-out", "sign-out/", "sign_in.SignOutView"),
}


def _record(submitted: dict[str, dict[str, set[str]]]) -> Record:
    record = Record()
    for key, outcomes in submitted.items():
        record.submitted[key] |= outcomes
    return record


DONE = {"frontend:note-add": {VALID: {"t"}, INVALID: {"t"}}, "frontend:sign-out": {VALID: {"t"}}}


def test_the_judgement_names_each_form_page_and_what_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(form_check, "NO_INPUT", {"frontend:sign-out": "the button"})
    record = _record({"frontend:note-add": {VALID: {"t"}, "403": {"u"}}})
    assert judge(PAGES, record) == [
        "frontend:note-add (notes/add/, casework.note_add_page): no invalid submission; its "
        "submissions answered 403",
        "frontend:sign-out (sign-out/, sign_in.SignOutView): no valid submission",
    ]
    record = _record(DONE)
    assert judge(PAGES, record) == []


def test_the_judgement_holds_the_no_input_list_to_the_forms(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        form_check, "NO_INPUT", {"frontend:sign-out": "the button", "frontend:gone": "a button"}
    )
    record = _record(DONE)
    record.shown["frontend:sign-out"].fields.add("reason")
    record.shown["frontend:sign-out"].on.add("frontend:home")
    record.shown["frontend:elsewhere"].on.add("frontend:home")
    assert judge(PAGES, record) == [
        "frontend:gone is listed as a form with no input (a button) but is no form",
        "frontend:sign-out is listed as a form with no input (the button) but shows fields to "
        "fill in (reason): submit it invalid too, and take it off the list",
        "a form on frontend:home posts to frontend:elsewhere, which the code's list of form "
        "pages does not have (tests/browser/form_pages.py missed it)",
    ]


def _config(*args: str) -> Any:
    return SimpleNamespace(args=list(args))


def _items(*names: str) -> list[Any]:
    return [SimpleNamespace(path=form_check.BROWSER_TESTS / name) for name in names]


def test_the_check_judges_only_a_run_of_every_browser_test() -> None:
    every_module = [p.name for p in form_check.BROWSER_TESTS.glob("test_*.py")]
    assert left_out(_config("tests"), _items(*every_module), set()) == []
    assert left_out(_config("tests/browser"), _items(*every_module), {"a", "b"}) == ["2 deselected"]
    some = left_out(_config("tests/browser/test_shell.py"), _items("test_shell.py"), set())
    assert len(some) == 1 and some[0].startswith("not collected: ")
    one = "tests/browser/test_shell.py::test_home_page"
    assert left_out(_config(one, "tests/browser"), _items(*every_module), set()) == [
        f"picked one by one: {one}"
    ]

    run = BrowserRun(chosen={"a", "b"}, ran={"a"})
    assert run.not_run() == {"b"}
    run.ran.add("b")
    assert run.not_run() == set()


def _worker(submitted: dict[str, dict[str, set[str]]], chosen: list[str]) -> dict[str, Any]:
    """What a worker sends the controller (EveryFormCheck.pytest_sessionfinish), as it arrives."""
    check = "tests/browser/test_every_form.py::test_every_form_page_is_submitted_valid_and_invalid"
    return {
        "check": [[check, ["tests/browser/test_every_form.py", 16, "test_every_form"]]],
        "chosen": chosen,
        "record": _record(submitted).plain(),
    }


def _controller(*workers: dict[str, Any], ran: set[str]) -> list[pytest.TestReport]:
    """The check's report from the controller, given what each worker sent and the reports of
    the browser tests that reached it."""
    reports: list[pytest.TestReport] = []
    hook = SimpleNamespace(
        pytest_runtest_logstart=lambda **_: None,
        pytest_runtest_logreport=lambda report: reports.append(report),
        pytest_runtest_logfinish=lambda **_: None,
    )
    plugin = EveryFormCheck(SimpleNamespace(stash=pytest.Stash(), hook=hook))  # type: ignore[arg-type]
    for nodeid in ran:
        teardown = SimpleNamespace(nodeid=nodeid, when="teardown", failed=False)
        plugin.pytest_runtest_logreport(teardown)  # type: ignore[arg-type]
    plugin.workers.extend(workers)
    loop = plugin.pytest_runtestloop(None)  # type: ignore[arg-type]
    next(loop)
    with pytest.raises(StopIteration):
        loop.send(True)
    return reports


def test_the_controller_judges_every_workers_record_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(form_check, "NO_INPUT", {"frontend:sign-out": "the button"})
    monkeypatch.setattr(form_check, "form_pages", lambda: PAGES)
    half = {"frontend:note-add": {VALID: {"a"}}}
    other_half = {"frontend:note-add": {INVALID: {"b"}}, "frontend:sign-out": {VALID: {"b"}}}

    (report,) = _controller(
        _worker(half, ["a", "b"]), _worker(other_half, ["a", "b"]), ran={"a", "b"}
    )
    assert report.passed and report.when == "call"
    assert report.nodeid.endswith("test_every_form_page_is_submitted_valid_and_invalid")

    (report,) = _controller(_worker(half, ["a", "b"]), _worker({}, ["a", "b"]), ran={"a", "b"})
    assert report.failed
    assert "frontend:note-add (notes/add/, casework.note_add_page): no invalid submission" in str(
        report.longrepr
    )
    assert "frontend:sign-out" in str(report.longrepr)

    (report,) = _controller(_worker(half, ["a", "b"]), _worker(other_half, ["a", "b"]), ran={"a"})
    assert report.failed
    assert str(report.longrepr) == "1 chosen browser tests did not run before the check"


def test_a_record_reaches_the_controller_whole() -> None:
    record = _record(DONE)
    record.shown["frontend:note-add"].fields.add("text")
    record.shown["frontend:note-add"].on.add("frontend:case")
    merged = Record()
    merged.merge(record.plain())
    assert merged == record
