"""The network page in real Chromium: the script draws every record under the CSP, the drawing
is an image described by the summary, and axe-core finds nothing serious."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from agencies.models import Role
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in
from tests.disruption.graph import Graph
from tests.factories import AreaFactory, member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_network_is_drawn_and_the_clusters_lead_to_it(page: Any) -> None:
    g = Graph(AreaFactory.create())
    for name in ("Ava", "Sam", "Kit"):
        g.young_person(name)
    g.location("Hotel")
    g.vehicle("Car")
    g.person("Dealer")
    g.identifier("Phone")
    g.link("Ava", "Hotel", observed_on=date(2026, 3, 1))
    g.link("Sam", "Hotel")
    g.link("Kit", "Car")
    g.link("Sam", "Car")
    g.link("Car", "Dealer")
    g.link("Dealer", "Phone")
    police_lead = member(Role.POLICE_LEAD, area=g.area)
    sign_in(page, police_lead.username)

    page.goto("/intelligence/clusters/")
    assert_clean_console(page)
    assert_accessible(page)
    page.get_by_role("link", name="Open the network of cluster 1").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/intelligence/network/vehicle/{g.pk('Car')}/")
    drawing = page.locator("#network-drawing svg[role='img']")
    drawing.wait_for()
    assert drawing.get_attribute("aria-labelledby") == "network-summary"
    # One mark per record within two steps of the car: all but Ava (Car, Sam, Hotel, Ava).
    assert page.locator("#network-drawing svg g g").count() == 6
    assert page.locator("#network-drawing svg line").count() == 5
    assert_clean_console(page)
    assert_accessible(page)
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/network.png", full_page=True)
