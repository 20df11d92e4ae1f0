"""Provisioning tokens in real Chromium: an area administrator reaches the page from the
administration pages, is refused without the token's details, creates one (its secret shown
once, and working against /scim/v2), and revokes it after a check."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Role
from provisioning.models import ScimToken
from tests.browser.helpers import assert_accessible, assert_fits_a_phone, sign_in, visit
from tests.factories import AgencyFactory, AreaFactory, member
from tests.provisioning.scim_client import ScimClient, check_list

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page: Any, button: str) -> None:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()


def test_an_administrator_issues_and_revokes_a_provisioning_token(page: Any) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area], name="Northgate Academy")
    AgencyFactory.create(name="Another area's school")
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    sign_in(page, admin.username)
    visit(page, f"/administration/{area.ons_code}/people/")
    page.get_by_role("link", name="Provisioning").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Provisioning"
    assert page.get_by_text("No agency provisions its people here yet.").is_visible()
    assert page.get_by_label("Practitioner", exact=True).is_checked()  # the usual role
    assert page.locator("select option", has_text="Another area's school").count() == 0
    assert_accessible(page)

    submit(page, "Create token")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Choose the agency" in summary and "Choose when the token expires" in summary
    assert "Choose the agency" in page.locator(".govuk-error-message").first.inner_text()
    assert_accessible(page)
    assert not ScimToken.objects.exists()

    page.get_by_label("Agency", exact=True).select_option(label="Northgate Academy")
    page.get_by_label("90 days").check()
    submit(page, "Create token")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "A provisioning token for Northgate Academy has been created" in banner
    assert "/scim/v2/" in banner  # the tenant URL to give the identity provider
    secret = page.locator("[data-token-secret]").inner_text()
    token = ScimToken.objects.get()
    assert secret.startswith(token.prefix) and token.role == Role.PRACTITIONER
    assert check_list(ScimClient(Client(), secret).list_users())["totalResults"] == 0
    assert_accessible(page)
    assert_fits_a_phone(page)

    visit(page, f"/administration/{area.ons_code}/provisioning/")  # never shown again
    assert page.locator("[data-token-secret]").count() == 0
    page.get_by_role("link", name="Revoke the token of Northgate Academy").click()
    page.wait_for_load_state()
    assert "Are you sure" in page.get_by_role("heading", level=1).inner_text()
    assert_accessible(page)
    submit(page, "Confirm")
    assert "The provisioning token of Northgate Academy has been revoked" in (
        page.locator(".govuk-notification-banner").inner_text()
    )
    assert ScimToken.objects.get().revoked_at is not None
    assert ScimClient(Client(), secret).list_users().status == 401
