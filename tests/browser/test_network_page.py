"""The network page in real Chromium: the script draws every record under the CSP, the drawing
is an image described by the summary, and axe-core finds nothing serious."""

from __future__ import annotations

import os
from datetime import date
from typing import Any

import pytest

from agencies.models import Role
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    assert_fits_a_phone,
    sign_in,
)
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


# Every label's box inside the drawing's frame (its viewBox): none is cut off at the edge.
LABELS_CUT_OFF = """svg => {
  const frame = svg.viewBox.baseVal;
  return [...svg.querySelectorAll("text")].filter(text => {
    const box = text.getBBox();
    const g = text.parentNode.transform.baseVal.consolidate().matrix;
    const left = box.x + g.e, right = box.x + box.width + g.e;
    const top = box.y + g.f, bottom = box.y + box.height + g.f;
    return left < frame.x || right > frame.x + frame.width
      || top < frame.y || bottom > frame.y + frame.height;
  }).map(text => text.textContent);
}"""


def test_long_names_on_the_outer_ring_are_not_cut_off_and_a_phone_scrolls_the_drawing(
    page: Any,
) -> None:
    g = Graph(AreaFactory.create())
    g.location("Mill Street Kebab House")
    for n in range(4):
        g.young_person(f"Ava{n}")
        g.person(f"Kyle Anthony Richardson-Whitfield {n}")
        g.link(f"Ava{n}", "Mill Street Kebab House")
        g.link(f"Ava{n}", f"Kyle Anthony Richardson-Whitfield {n}")
    sign_in(page, member(Role.POLICE_LEAD, area=g.area).username)

    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"/intelligence/network/location/{g.pk('Mill Street Kebab House')}/")
        drawing = page.locator("#network-drawing svg[role='img']")
        drawing.wait_for()
        assert drawing.evaluate(LABELS_CUT_OFF) == [], width
        # As wide as the page at 1280 px, and on a phone too: there its region scrolls instead.
        assert drawing.bounding_box()["width"] >= 900
        assert_fits_a_phone(page)
        assert_clean_console(page)
        assert_accessible(page)
        if folder := os.environ.get("SCREENSHOT_DIR"):
            page.screenshot(path=f"{folder}/network-{width}.png", full_page=True)
    region = page.get_by_role("region", name="Drawing of the network")
    assert region.evaluate("r => r.scrollWidth > r.clientWidth && r.scrollLeft > 0")
