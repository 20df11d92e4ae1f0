"""The emergency-access review page through the Django test client: every use of emergency
access in the coordinator's area, not yet reviewed first, a page at a time, each linked to its
referral, for the same queries however many there are."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Membership, Role
from referrals.models import BreakGlassAccess, Referral
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

URL = "/referrals/emergency-access/review/"
REVIEW_QUERIES = 12


def _uses(referral: Referral, how_many: int, *, reviewed: bool) -> None:
    """`how_many` people from elsewhere who used emergency access to `referral`."""
    now = timezone.now()
    for n in range(how_many):
        user = member(Role.COORDINATOR)
        BreakGlassAccess.objects.create(
            user=user,
            membership=Membership.objects.get(user=user),
            referral=referral,
            reason=f"Reason {n}",
            expires_at=now + timedelta(hours=4),
            reviewed_by=user if reviewed else None,
            reviewed_at=now if reviewed else None,
            review_note="Justified." if reviewed else "",
        )


def test_uses_come_a_page_at_a_time_not_yet_reviewed_first(client: Client) -> None:
    area = AreaFactory.create()
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    _uses(referral, 20, reviewed=True)
    _uses(referral, 10, reviewed=False)
    sign_in(client, member(Role.COORDINATOR, area=area))
    client.get(URL)
    with CaptureQueriesContext(connection) as counted:
        first = client.get(URL).content.decode()
    assert len(counted) == REVIEW_QUERIES, [q["sql"] for q in counted.captured_queries]
    assert first.count("Not reviewed</strong>") == 10
    assert first.count('class="govuk-summary-card__title"') == 25
    assert f'href="/referrals/{referral.reference}/">{referral.reference}</a>' in first
    assert 'href="?page=2" rel="next"' in first
    second = client.get(f"{URL}?page=2").content.decode()
    assert second.count('class="govuk-summary-card__title"') == 5
    assert "Not reviewed</strong>" not in second
    _uses(referral, 5, reviewed=False)
    with CaptureQueriesContext(connection) as again:
        client.get(URL)
    assert len(again) == len(counted)
