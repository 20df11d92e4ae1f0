"""The every-form check: each form page of the service (tests/browser/form_pages.py) was
submitted by a browser test with valid input and with invalid input, as the ASGI server of the
browser tests answered them (tests/browser/form_check.py). It runs after every other browser
test of the run (tests/browser/conftest.py places it last) and judges only a run of them all:
for part of them it says it has not judged, and why. tests/README.md says how to satisfy it."""

from __future__ import annotations

import pytest

from tests.browser.form_check import RECORD, RUN, judge
from tests.browser.form_pages import form_pages

pytestmark = pytest.mark.browser


def test_every_form_page_is_submitted_valid_and_invalid(request: pytest.FixtureRequest) -> None:
    run = request.config.stash[RUN]
    # A run of part of the browser tests leaves this check out (tests/browser/conftest.py).
    not_run = run.not_run()
    assert not not_run, f"{len(not_run)} chosen browser tests did not run before the check"
    problems = judge(form_pages(), RECORD)
    failed = f" ({len(run.failed)} browser tests failed in this run)" if run.failed else ""
    assert not problems, (
        f"{len(problems)} problems with the browser tests' form submissions{failed}:\n"
        + "\n".join(f"- {problem}" for problem in problems)
    )
