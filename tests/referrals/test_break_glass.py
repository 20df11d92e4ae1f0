"""Emergency (break-glass) access: reasoned, time-limited, flagged and reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from referrals.models import BreakGlassAccess, Referral, ReferralEventType
from referrals.selectors import ReferralAccess, break_glass_for_review, referral_access
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

REASON = "Young person found in our area at 2am; need history to place safely."


@pytest.fixture
def referral() -> Referral:
    return raise_referral(member(Role.PRACTITIONER, area=AreaFactory.create()), submit=True)


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def break_glass(user: User, referral: Referral, reason: str = REASON) -> object:
    return api(user).post(
        f"/api/v1/referrals/{referral.reference}/break-glass/", {"reason": reason}, format="json"
    )


@pytest.mark.parametrize(
    ("role", "same_area"),
    [(Role.COORDINATOR, False), (Role.LEAD_PROFESSIONAL, True)],
)
def test_an_outsider_with_a_reason_gets_time_limited_full_access(
    referral: Referral, role: Role, same_area: bool
) -> None:
    """A coordinator of another area; a lead professional of the area not named on it."""
    outsider = member(role, area=referral.area if same_area else None)
    assert api(outsider).get(f"/api/v1/referrals/{referral.reference}/").status_code == 404
    response = break_glass(outsider, referral)
    assert response.status_code == 201  # type: ignore[attr-defined]
    access = BreakGlassAccess.objects.get(user=outsider, referral=referral)
    hours = referral.area.break_glass_hours
    assert abs(access.expires_at - (access.granted_at + timedelta(hours=hours))) < timedelta(
        seconds=5
    )
    detail = api(outsider).get(f"/api/v1/referrals/{referral.reference}/")
    assert detail.status_code == 200
    assert detail.json()["access"] == "full"
    assert referral.events.filter(event_type=ReferralEventType.BREAK_GLASS).exists()


def test_access_ends_when_it_expires(referral: Referral) -> None:
    outsider = member(Role.COORDINATOR)
    break_glass(outsider, referral)
    BreakGlassAccess.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert referral_access(user=outsider, referral=referral) is ReferralAccess.NONE


def test_a_lead_professional_of_another_area_may_not_break_glass(referral: Referral) -> None:
    response = break_glass(member(Role.LEAD_PROFESSIONAL), referral)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert "for coordinators" in response.json()["error"]["message"]  # type: ignore[attr-defined]
    assert not BreakGlassAccess.objects.exists()
    # On the page, said beside the reference; nothing opened.
    client = Client()
    sign_in(client, member(Role.LEAD_PROFESSIONAL))
    page = client.post(
        "/referrals/emergency-access/", {"reference": referral.reference, "reason": REASON}
    )
    assert page.status_code == 200 and "for coordinators" in page.content.decode()
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "too short", "Found at 2am, sorry"])
def test_a_reason_is_required(referral: Referral, reason: str) -> None:
    response = break_glass(member(Role.COORDINATOR), referral, reason)
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "reason" in response.json()["error"]["fields"]  # type: ignore[attr-defined]
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize(
    "role",
    [Role.PRACTITIONER, Role.POLICE_LEAD, Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR],
)
def test_other_roles_may_not_break_glass(referral: Referral, role: Role) -> None:
    response = break_glass(member(role), referral)
    assert response.status_code == 403  # type: ignore[attr-defined]
    assert not BreakGlassAccess.objects.exists()


def test_unknown_reference_is_404(referral: Referral) -> None:
    response = api(member(Role.COORDINATOR)).post(
        "/api/v1/referrals/R99-999999/break-glass/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 404


def test_no_break_glass_into_what_you_can_already_see(referral: Referral) -> None:
    coordinator = member(Role.COORDINATOR, area=referral.area)
    assert break_glass(coordinator, referral).status_code == 400  # type: ignore[attr-defined]


def test_the_areas_coordinators_review_it_and_no_one_else(referral: Referral) -> None:
    outsider = member(Role.COORDINATOR)
    break_glass(outsider, referral)
    home_coordinator = member(Role.COORDINATOR, area=referral.area)
    assert [a.user for a in break_glass_for_review(user=home_coordinator)] == [outsider]
    assert not break_glass_for_review(user=outsider).exists()

    client = Client()
    sign_in(client, home_coordinator)
    page = client.get("/referrals/emergency-access/review/")
    assert REASON in page.content.decode()
    access = BreakGlassAccess.objects.get()
    empty = client.post("/referrals/emergency-access/review/", {"access": access.pk, "note": ""})
    assert empty.status_code == 200
    assert "Enter what you found" in empty.content.decode()
    done = client.post(
        "/referrals/emergency-access/review/", {"access": access.pk, "note": "Justified."}
    )
    assert done.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == home_coordinator and access.review_note == "Justified."

    other_client = Client()
    sign_in(other_client, outsider)
    response = other_client.post(
        "/referrals/emergency-access/review/", {"access": access.pk, "note": "Mine."}
    )
    assert response.status_code == 404


def test_break_glass_page_flow(referral: Referral) -> None:
    client = Client()
    sign_in(client, member(Role.LEAD_PROFESSIONAL, area=referral.area))
    missing = client.post(
        "/referrals/emergency-access/", {"reference": "R99-999999", "reason": REASON}
    )
    assert "There is no submitted referral with that reference" in missing.content.decode()
    done = client.post(
        "/referrals/emergency-access/", {"reference": referral.reference.lower(), "reason": REASON}
    )
    assert done.status_code == 302
    assert done["Location"] == f"/referrals/{referral.reference}/"
    assert referral.narrative in client.get(done["Location"]).content.decode()


@pytest.mark.parametrize("reference", ["exists", "R99-999999"])
def test_a_role_that_may_not_break_glass_learns_nothing_about_references(
    referral: Referral, reference: str
) -> None:
    target = referral.reference if reference == "exists" else reference
    response = api(member(Role.BOARD_MEMBER)).post(
        f"/api/v1/referrals/{target}/break-glass/", {"reason": REASON}, format="json"
    )
    assert response.status_code == 403


def test_a_second_review_is_refused_with_a_message_not_lost(referral: Referral) -> None:
    break_glass(member(Role.COORDINATOR), referral)
    access = BreakGlassAccess.objects.get()
    first, second = (member(Role.COORDINATOR, area=referral.area) for _ in range(2))
    from referrals.break_glass import break_glass_review

    break_glass_review(access=access, actor=first, note="Justified.")
    assert referral.events.filter(event_type=ReferralEventType.BREAK_GLASS_REVIEWED).count() == 1
    client = Client()
    sign_in(client, second)
    response = client.post(
        "/referrals/emergency-access/review/", {"access": access.pk, "note": "Also fine."}
    )
    assert "already reviewed" in response.content.decode()
    access.refresh_from_db()
    assert access.review_note == "Justified."
