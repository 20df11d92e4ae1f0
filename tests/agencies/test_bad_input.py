"""Bad input at the door: each case gets a clear message, leaves an audit event, and tells an
attacker nothing (which part was wrong, whether an account or token exists, or why it died)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Agency, Membership, Role, User
from api.authentication import REFUSED
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from frontend.sign_in_forms import INVALID_SIGN_IN, WRONG_CODE
from tests.factories import (
    UserFactory,
    member,
    raise_referral,
    sign_in_with_password,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
CODE = "/sign-in/code/"
NO_ROLE = "You have no active role yet"
NO_ACCESS = "You do not have access to this page"
# Differ on every response by design: the CSRF token and the CSP nonce.
PER_RESPONSE = re.compile(r'(name="csrfmiddlewaretoken" value|nonce)="[^"]*"')


def page_text(response: Any) -> str:
    return response.content.decode()


def comparable(response: Any, typed: str) -> str:
    """The page without what legitimately differs: per-response secrets and the echoed name."""
    return PER_RESPONSE.sub(r'\1=""', page_text(response)).replace(typed, "<typed>")


def events(action: AuditAction) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def wrong_code_for(device: Any) -> str:
    return "123456" if totp_code(device) != "123456" else "654321"


# Sign-in ------------------------------------------------------------------------------------


def test_a_wrong_password_and_an_unknown_user_get_the_same_page() -> None:
    user = member(Role.COORDINATOR)
    wrong_password = sign_in_with_password(Client(), user.username, "not-the-password")
    unknown_user = sign_in_with_password(Client(), "nobody-by-this-name", "not-the-password")

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert INVALID_SIGN_IN in page_text(wrong_password)
    assert comparable(wrong_password, user.username) == comparable(
        unknown_user, "nobody-by-this-name"
    )
    # The record tells them apart, for the administrators: who, if anyone, was named.
    failed = events(AuditAction.SIGN_IN_FAILED)
    assert [(e.actor_id, e.details) for e in failed] == [
        (user.pk, {"username": user.username}),
        (None, {"username": "nobody-by-this-name"}),
    ]


def test_the_first_step_answers_the_same_whether_or_not_the_account_exists() -> None:
    user = member(Role.COORDINATOR)
    pages = []
    for typed in (user.username, "nobody-by-this-name"):
        client = Client()
        first = client.post(SIGN_IN, {"username": typed})
        assert (first.status_code, first["Location"]) == (302, "/sign-in/password/")
        pages.append(comparable(client.get(first["Location"]), typed))
    assert pages[0] == pages[1]


def test_a_wrong_code_and_a_reused_code_get_the_same_page(settings: Any) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # two codes back to back
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    client = Client()
    sign_in_with_password(client, user.username)
    wrong_code = wrong_code_for(device)
    wrong = client.post(CODE, {"code": wrong_code})

    used = totp_code(device)
    assert client.post(CODE, {"code": used}).status_code == 302  # signed in with it
    client.post("/sign-out/")
    sign_in_with_password(client, user.username)
    reused = client.post(CODE, {"code": used})

    assert wrong.status_code == reused.status_code == 200
    assert WRONG_CODE in page_text(wrong)
    assert comparable(wrong, wrong_code) == comparable(reused, used)
    failed = events(AuditAction.TWO_FACTOR_FAILED)
    assert [e.actor_id for e in failed] == [user.pk, user.pk]
    assert client.get("/")["Location"].startswith(CODE)  # still only half signed in


# API tokens ---------------------------------------------------------------------------------


def refused(state: str) -> tuple[Any, User]:
    owner = member(Role.COORDINATOR)
    token, raw = api_token_create(actor=owner, name="script", lifetime_days=1)
    if state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    elif state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "inactive_user":
        User.objects.filter(pk=owner.pk).update(is_active=False)
    else:
        raw = "not-a-token-anyone-was-given"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/v1/me/"), owner


STATES = ["expired", "revoked", "unknown", "inactive_user"]


@pytest.mark.parametrize("state", [s for s in STATES if s != "unknown"])
def test_a_refused_token_is_recorded_with_why(state: str) -> None:
    response, owner = refused(state)
    assert response.status_code == 401
    [event] = events(AuditAction.SIGN_IN_FAILED)
    assert event.details["via"] == "api_token"
    assert event.details["reason"] == state
    assert event.actor_id == owner.pk
    assert event.membership_id == Membership.objects.get(user=owner).pk


def test_a_made_up_token_is_refused_without_a_record() -> None:
    """It names no account; recording each would let anyone flood the audit chain."""
    response, _ = refused("unknown")
    assert response.status_code == 401
    assert events(AuditAction.SIGN_IN_FAILED) == []


def test_every_refused_token_gets_the_same_401() -> None:
    responses = [refused(state)[0] for state in STATES]
    bodies = {response.content for response in responses}
    challenges = {response["WWW-Authenticate"] for response in responses}
    assert {response.status_code for response in responses} == {401}
    assert len(bodies) == 1 and len(challenges) == 1
    assert responses[0].json() == {
        "error": {"code": "authentication_failed", "message": REFUSED, "fields": {}}
    }


# Signed in, but with no role ----------------------------------------------------------------


def without_an_active_role(case: str) -> User:
    if case == "no membership":
        return UserFactory.create()
    user = member(Role.COORDINATOR)
    area = Membership.objects.get(user=user).area
    raise_referral(member(Role.PRACTITIONER, area=area), submit=True)  # one it would have seen
    Agency.objects.filter(memberships__user=user).update(is_active=False)
    return user


@pytest.mark.parametrize("case", ["no membership", "deactivated agency"])
def test_a_user_with_no_active_role_signs_in_and_sees_nothing(case: str) -> None:
    user = without_an_active_role(case)
    device = totp_device(user)
    client = Client()
    sign_in_with_password(client, user.username)
    assert client.post(CODE, {"code": totp_code(device)}).status_code == 302
    assert [e.actor_id for e in events(AuditAction.SIGN_IN)] == [user.pk]
    assert NO_ROLE in page_text(client.get("/"))

    response = client.get("/referrals/")
    assert response.status_code == 403
    assert NO_ACCESS in page_text(response)
    assert "Ask your area administrator" in page_text(response)
    [denied] = events(AuditAction.PERMISSION_DENIED)
    assert (denied.actor_id, denied.membership_id) == (user.pk, None)
    assert denied.details == {"path": "/referrals/", "method": "GET"}

    response = client.get("/api/v1/referrals/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
