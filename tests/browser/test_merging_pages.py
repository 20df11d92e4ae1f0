"""Merging two records of one young person, and undoing it, in real Chromium: from the young
person's chronology, the other record is picked, the two compared side by side, the answers
checked, then confirmed; the undo asks why. Each form is sent wrong first (the error summary,
nothing saved), then right; every page is checked by axe-core, for a clean console and at
375 px."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from agencies.models import Role
from referrals.models import Referral, YoungPerson, YoungPersonMerge
from referrals.workflow import referral_transition
from tests.browser.helpers import assert_accessible, assert_clean_console, sign_in, visit
from tests.browser.test_casework_pages import refused, shots, submit
from tests.factories import AreaFactory, member, raise_referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def banner(page: Any, words: str) -> None:
    assert page.locator(".govuk-notification-banner--success").get_by_text(words).is_visible()
    assert_clean_console(page)
    assert_accessible(page)


def test_a_coordinator_merges_two_records_and_undoes_it(page: Any) -> None:
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    born: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}
    first = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Khan", **born
    )
    second = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Kahn", **born
    )
    kept, other = first.young_person, second.young_person
    sign_in(page, coordinator.username)

    visit(page, f"/young-people/{kept.pk}/timeline/")
    page.get_by_role("link", name="Merge another record of Amira Khan into this one").click()
    page.wait_for_load_state()
    submit(page, "Compare the records")
    refused(page, "Choose the other record of this young person")
    shots(page, "merge-start")
    page.get_by_label("Which other record is the same young person?").fill("Kahn")
    page.get_by_role("option", name="Amira Kahn").click()
    submit(page, "Compare the records")

    assert page.get_by_role("heading", name="Are these the same young person?").is_visible()
    table = page.get_by_role("region", name="The two records side by side")
    assert table.get_by_role("link", name=first.reference).is_visible()
    assert table.get_by_role("link", name=second.reference).is_visible()
    shots(page, "merge-compare")
    submit(page, "Continue")
    refused(page, "Choose the record to keep", "Enter why these records are the same young person")
    page.get_by_label("Record 1: Amira Khan").check()
    page.get_by_label("Why are these records the same young person?").fill("GP confirmed.")
    submit(page, "Continue")
    assert page.get_by_role("heading", name="Check before you merge the records").is_visible()
    assert_accessible(page)
    shots(page, "merge-check")
    assert not YoungPersonMerge.objects.exists()  # nothing before "Confirm"
    submit(page, "Confirm: merge the records")
    assert page.url.endswith(f"/young-people/{kept.pk}/timeline/")
    banner(page, "Records merged: Amira Kahn is now part of the record of Amira Khan")
    assert Referral.objects.get(pk=second.pk).young_person_id == kept.pk
    assert YoungPerson.objects.get(pk=other.pk).merged_into_id == kept.pk

    page.get_by_role("link", name="Undo the merge of Amira Kahn's record").click()
    page.wait_for_load_state()
    assert_accessible(page)
    shots(page, "merge-undo")
    submit(page, "Confirm: undo the merge")
    refused(page, "Enter why the merge is being undone")
    page.get_by_label("Why are you undoing the merge?").fill("Twins: checked with school.")
    submit(page, "Confirm: undo the merge")
    assert page.url.endswith(f"/young-people/{other.pk}/timeline/")
    banner(page, "Merge undone: Amira Kahn has a record of their own again")
    assert Referral.objects.get(pk=second.pk).young_person_id == other.pk
    assert YoungPerson.objects.get(pk=other.pk).merged_into_id is None


def test_matching_two_established_records_offers_their_merge(page: Any) -> None:
    """At triage, the referral's own record has another referral too: the check page offers
    the merge instead of the link, and the merge's comparison is sent wrong, then right."""
    area = AreaFactory.create()
    coordinator = member(Role.COORDINATOR, area=area)
    practitioner = member(Role.PRACTITIONER, area=area)
    born: dict[str, Any] = {"date_of_birth": date(2011, 3, 4), "postcode": "M1 1AA"}
    known = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Khan", **born
    )
    arrived = raise_referral(
        practitioner, submit=True, given_name="Amira", family_name="Kahn", **born
    )
    referral = referral_transition(referral=arrived, actor=coordinator, name="start_triage")
    earlier = raise_referral(practitioner, submit=True)
    Referral.objects.filter(pk=earlier.pk).update(young_person=referral.young_person)
    sign_in(page, coordinator.username)

    visit(page, f"/referrals/{referral.reference}/young-person/matches/")
    page.get_by_label("Yes, the same as possible match 1").check()
    submit(page, "Continue")
    assert page.get_by_role("heading", name="Merge the two records instead").is_visible()
    assert page.get_by_role("button", name="Confirm: they are the same young person").count() == 0
    assert_accessible(page)
    shots(page, "match-offers-merge")
    page.get_by_role("button", name="Compare the records to merge them").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Are these the same young person?").is_visible()
    submit(page, "Continue")
    refused(page, "Choose the record to keep", "Enter why these records are the same young person")
    page.get_by_label("Record 1: Amira Khan").check()
    page.get_by_label("Why are these records the same young person?").fill("Same GP record.")
    submit(page, "Continue")
    submit(page, "Confirm: merge the records")
    kept = known.young_person
    assert page.url.endswith(f"/young-people/{kept.pk}/timeline/")
    banner(page, "Records merged: Amira Kahn is now part of the record of Amira Khan")
    moved = Referral.objects.filter(pk__in=[referral.pk, earlier.pk])
    assert set(moved.values_list("young_person_id", flat=True)) == {kept.pk}
    assert YoungPerson.objects.get(pk=arrived.young_person_id).merged_into_id == kept.pk
