"""The every-form check: each form page of the service (tests/browser/form_pages.py) was
submitted by a browser test with valid input and with invalid input, as the ASGI server of the
browser tests answered them (tests/browser/form_check.py). It judges only a run of them all
(for part of them it is deselected, and says why), after every other browser test: as the
last test of a run without workers, and in the controller once every xdist worker is done
(`EveryFormCheck`). tests/README.md says how to satisfy it."""

from __future__ import annotations

import pytest

from tests.browser.form_check import RECORD, RUN, verdict

pytestmark = pytest.mark.browser


def test_every_form_page_is_submitted_valid_and_invalid(request: pytest.FixtureRequest) -> None:
    # A run of part of the browser tests leaves this check out (EveryFormCheck).
    failure = verdict(request.config.stash[RUN], RECORD)
    assert not failure, failure
