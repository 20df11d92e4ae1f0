"""Notification settings in real Chromium: reached from the notification centre, accessible, saved
with a success banner that is accessible too."""

from __future__ import annotations

from typing import Any

import pytest

from agencies.models import Role
from notifications.models import Delivery, NotificationKind, NotificationPreference
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    choose_what_is_not_offered,
    sign_in,
)
from tests.factories import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_the_daily_digest_for_one_kind(page: Any) -> None:
    person = member(Role.COORDINATOR)
    sign_in(page, person.username)
    page.get_by_role("link", name="Notifications", exact=False).first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="notification settings").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Notification settings"
    assert_clean_console(page)
    assert_accessible(page)

    # A choice the page did not offer: refused, nothing saved.
    choose_what_is_not_offered(page.get_by_role("group", name="Review due"))
    page.get_by_role("button", name="Save notification settings").click()
    page.wait_for_load_state()
    assert (
        "Choose how to be emailed: review due" in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)
    assert not NotificationPreference.objects.filter(user=person).exists()

    question = page.get_by_role("group", name="Review due")
    question.get_by_label("Include in a daily digest email").check()
    page.get_by_role("button", name="Save notification settings").click()
    page.wait_for_load_state()

    assert page.get_by_text("Your notification settings have been saved.").is_visible()
    assert (
        page.get_by_role("group", name="Review due")
        .get_by_label("Include in a daily digest email")
        .is_checked()
    )
    assert_accessible(page)
    assert NotificationPreference.objects.get(user=person).kind == NotificationKind.REVIEW_DUE
    assert NotificationPreference.objects.get(user=person).delivery == Delivery.DIGEST
