"""API tokens in real Chromium: reached from the home page, a token refused without its
details, then created with its secret shown once, and revoked after a check."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from api.models import ApiToken
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    sign_in,
)
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_creating_and_revoking_a_token(page: Any) -> None:
    person = member(Role.PRACTITIONER)
    sign_in(page, person.username)
    page.get_by_role("link", name="API tokens").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "API tokens"
    assert page.get_by_text("You have no API tokens.").is_visible()
    assert_clean_console(page)
    assert_accessible(page)

    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter a name for the token" in summary and "Choose when the token expires" in summary
    assert_accessible(page)
    assert not ApiToken.objects.exists()

    page.get_by_label("Name").fill("Case system link")
    page.get_by_label("30 days").check()
    page.get_by_role("button", name="Create token").click()
    page.wait_for_load_state()
    secret = page.locator("[data-token-secret]").inner_text()
    assert secret.startswith(ApiToken.objects.get(user=person).prefix)
    assert_accessible(page)
    assert_fits_a_phone(page)

    page.get_by_role("link", name="Revoke Case system link").click()
    page.wait_for_load_state()
    assert "Are you sure" in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Revoke token").click()
    page.wait_for_load_state()
    assert page.get_by_text("The token 'Case system link' has been revoked").is_visible()
    assert ApiToken.objects.get(user=person).revoked_at is not None
