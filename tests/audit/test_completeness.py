"""Audit completeness: every request that shows identifiable data, changes a record, signs in
or is refused writes exactly the events expected, and the chain still verifies afterwards.

Each scenario makes its requests and checks the events written since it started. The table
runs each one alone, then all of them in a row before `audit_verify`. Tests are transactional,
so an event that is checked has committed, whatever became of the request that wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Max
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Membership, Role, User
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    member,
    raise_referral,
    sign_in,
    sign_in_with_password,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.django_db

IP = "198.51.100.23"
USER_AGENT = "CompletenessTest/1.0"
REASON = "Young person reported missing overnight; need the history to find them."
VISIBLE = 3


@dataclass
class World:
    area: Area
    coordinator: User
    visible: list[Referral]
    out_of_scope: Referral


@pytest.fixture
def world() -> World:
    area = AreaFactory.create()
    raiser = member(Role.PRACTITIONER, area=area)
    visible = [raise_referral(raiser, submit=True) for _ in range(VISIBLE)]
    return World(
        area=area,
        coordinator=member(Role.COORDINATOR, area=area, agency=AgencyFactory.create(areas=[area])),
        visible=visible,
        out_of_scope=raise_referral(member(Role.PRACTITIONER), submit=True),  # another area
    )


@pytest.fixture(autouse=True)
def chain_verifies() -> Any:
    """Whatever a test wrote, the chain must still verify end to end."""
    yield
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "audit chain intact" in out.getvalue()


def page_client(user: User | None = None) -> Client:
    client = Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)
    if user is not None:
        sign_in(client, user)
    return client


def api_client(user: User | None = None) -> APIClient:
    client = APIClient(REMOTE_ADDR=IP, HTTP_USER_AGENT=USER_AGENT)
    if user is not None:
        sign_in(client, user)
    return client


def bearer_client(raw: str) -> APIClient:
    client = api_client()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def mark() -> int:
    """The newest event id now: what a scenario writes comes after it."""
    return AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0


def written_since(start: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(id__gt=start).order_by("id"))


def assert_from_request(event: AuditEvent, actor: User | None) -> None:
    assert event.actor_id == (actor.pk if actor is not None else None)
    assert (event.ip_address, event.user_agent) == (IP, USER_AGENT)


def assert_names(event: AuditEvent, target: Any) -> None:
    assert (event.object_type, event.object_id) == (target._meta.label_lower, str(target.pk))


def assert_committed(event: AuditEvent) -> None:
    """Seen from another connection, which sees only committed rows: the event outlived the
    failed request that wrote it."""
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT action FROM audit_auditevent WHERE id = %s", [event.pk])
            assert cursor.fetchone() == (event.action,)
    finally:
        other.close()


def membership_of(user: User) -> Membership:
    return Membership.objects.get(user=user)


# Reads of identifiable data ---------------------------------------------------------------


def list_views(get: Callable[[User], Any], path: str) -> Callable[[World], None]:
    """A list of N visible referrals writes N VIEW events, one per referral, and nothing
    about the referral out of scope."""

    def scenario(w: World) -> None:
        start = mark()
        assert get(w.coordinator).get(path).status_code == 200
        events = written_since(start)
        assert {e.action for e in events} == {AuditAction.VIEW}
        assert sorted(e.object_id for e in events) == sorted(str(r.pk) for r in w.visible)
        for event in events:
            assert event.object_type == "referrals.referral"
            assert event.area_id == w.area.pk
            assert event.membership_id == membership_of(w.coordinator).pk
            assert_from_request(event, w.coordinator)

    return scenario


def detail_view(get: Callable[[User], Any], path: str) -> Callable[[World], None]:
    def scenario(w: World) -> None:
        referral = w.visible[0]
        start = mark()
        assert get(w.coordinator).get(path.format(ref=referral.reference)).status_code == 200
        [event] = written_since(start)
        assert event.action == AuditAction.VIEW
        assert_names(event, referral)
        assert event.area_id == referral.area_id
        assert event.details == {"access": "full"}
        assert_from_request(event, w.coordinator)

    return scenario


def out_of_scope_detail(get: Callable[[User], Any], path: str) -> Callable[[World], None]:
    """A 404 records nothing about the referral (nor anything else: a 404 is not a denial)."""

    def scenario(w: World) -> None:
        start = mark()
        response = get(w.coordinator).get(path.format(ref=w.out_of_scope.reference))
        assert response.status_code == 404
        assert written_since(start) == []
        assert not AuditEvent.objects.filter(
            object_type="referrals.referral", object_id=str(w.out_of_scope.pk), action="view"
        ).exists()

    return scenario


# Emergency access, record changes, tokens --------------------------------------------------


def break_glass_api(w: World) -> None:
    outsider = member(Role.COORDINATOR)
    start = mark()
    response = api_client(outsider).post(
        f"/api/v1/referrals/{w.out_of_scope.reference}/break-glass/",
        {"reason": REASON},
        format="json",
    )
    assert response.status_code == 201
    [event] = written_since(start)
    assert event.action == AuditAction.BREAK_GLASS
    assert event.given_reason() == REASON
    assert_names(event, w.out_of_scope)
    assert event.area_id == w.out_of_scope.area_id
    assert_from_request(event, outsider)


def break_glass_page(w: World) -> None:
    outsider = member(Role.LEAD_PROFESSIONAL, area=w.out_of_scope.area)  # not named on it
    start = mark()
    response = page_client(outsider).post(
        "/referrals/emergency-access/",
        {"reference": w.out_of_scope.reference, "reason": REASON},
    )
    assert response.status_code == 302
    [event] = written_since(start)
    assert event.action == AuditAction.BREAK_GLASS
    assert event.given_reason() == REASON
    assert_names(event, w.out_of_scope)
    assert_from_request(event, outsider)


def create_and_submit(w: World) -> None:
    # No page or endpoint raises a concern yet: the services are what they will call.
    practitioner = member(Role.PRACTITIONER)  # an area of its own, so the lists stay as they are
    membership = membership_of(practitioner)
    start = mark()
    referral = raise_referral(practitioner, submit=True)
    created, submitted = written_since(start)
    assert (created.action, submitted.action) == (AuditAction.CREATE, AuditAction.TRANSITION)
    assert submitted.details == {"transition": "submit", "from": "draft", "to": "submitted"}
    for event in (created, submitted):
        assert_names(event, referral)
        assert (event.actor_id, event.area_id) == (practitioner.pk, membership.area_id)
        assert event.membership_id == membership.pk


def token_create_and_revoke(w: World) -> None:
    client = api_client(w.coordinator)
    start = mark()
    response = client.post("/api/v1/tokens/", {"name": "laptop", "lifetime_days": 7}, format="json")
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    [created] = written_since(start)
    assert created.action == AuditAction.TOKEN_CREATED
    assert_names(created, token)
    assert_from_request(created, w.coordinator)
    assert created.area_id == w.area.pk  # found under the area by its administrators
    assert created.details["name"] == "laptop"

    start = mark()
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200
    assert client.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 200  # no-op
    [revoked] = written_since(start)
    assert revoked.action == AuditAction.TOKEN_REVOKED
    assert_names(revoked, token)
    assert_from_request(revoked, w.coordinator)


# Signing in ---------------------------------------------------------------------------------


def sign_in_both_steps(w: World) -> None:
    user = member(Role.COORDINATOR, area=w.area)
    device = totp_device(user)
    client = page_client()
    start = mark()
    assert sign_in_with_password(client, user.username).status_code == 302
    assert written_since(start) == []  # half signed in is not signed in
    assert client.post("/sign-in/code/", {"code": totp_code(device)}).status_code == 302
    [event] = written_since(start)
    assert event.action == AuditAction.SIGN_IN
    assert event.membership_id == membership_of(user).pk
    assert event.area_id == w.area.pk  # so the area's administrators find it
    assert_from_request(event, user)


def wrong_password(w: World) -> None:
    user = member(Role.COORDINATOR, area=w.area)
    for typed, actor in ((user.username, user), ("nobody-by-this-name", None)):
        start = mark()
        assert sign_in_with_password(page_client(), typed, "not-the-password").status_code == 200
        [event] = written_since(start)
        assert event.action == AuditAction.SIGN_IN_FAILED
        assert event.details == {"username": typed}
        assert_from_request(event, actor)


def wrong_code(w: World) -> None:
    user = member(Role.COORDINATOR, area=w.area)
    device = totp_device(user)
    client = page_client()
    sign_in_with_password(client, user.username)
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    start = mark()
    assert client.post("/sign-in/code/", {"code": wrong}).status_code == 200
    [event] = written_since(start)
    assert event.action == AuditAction.TWO_FACTOR_FAILED
    assert_from_request(event, user)


def refused_token(state: str) -> Callable[[World], None]:
    """A dead bearer token: SIGN_IN_FAILED naming the reason and its owner. A made-up one names
    no account and writes nothing (else anyone could flood the chain without signing in)."""

    def scenario(w: World) -> None:
        owner = member(Role.COORDINATOR, area=w.area)
        token, raw = api_token_create(actor=owner, name="script", lifetime_days=1)
        expected_actor: User = owner
        if state == "revoked":
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        elif state == "expired":
            ApiToken.objects.filter(pk=token.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
        elif state == "inactive_user":
            User.objects.filter(pk=owner.pk).update(is_active=False)
        else:
            raw = raw[::-1]
        start = mark()
        response = bearer_client(raw).get("/api/v1/referrals/")
        assert response.status_code == 401
        if state == "unknown":
            assert written_since(start) == []
            return
        [event] = written_since(start)
        assert event.action == AuditAction.SIGN_IN_FAILED
        assert event.details == {"via": "api_token", "reason": state, "prefix": raw[:8]}
        assert_from_request(event, expected_actor)
        assert_committed(event)

    return scenario


# Refusals -----------------------------------------------------------------------------------


def permission_denied_page(w: World) -> None:
    practitioner = member(Role.PRACTITIONER, area=w.area)
    start = mark()
    assert page_client(practitioner).get("/referrals/emergency-access/").status_code == 403
    [event] = written_since(start)
    assert event.action == AuditAction.PERMISSION_DENIED
    assert event.details == {"path": "/referrals/emergency-access/", "method": "GET"}
    assert event.membership_id == membership_of(practitioner).pk
    assert_from_request(event, practitioner)
    assert_committed(event)


def permission_denied_api(w: World) -> None:
    practitioner = member(Role.PRACTITIONER, area=w.area)
    path = f"/api/v1/referrals/{w.out_of_scope.reference}/break-glass/"
    start = mark()
    response = api_client(practitioner).post(path, {"reason": REASON}, format="json")
    assert response.status_code == 403
    [event] = written_since(start)
    assert event.action == AuditAction.PERMISSION_DENIED
    assert event.details == {"path": path, "method": "POST"}
    assert_from_request(event, practitioner)
    assert_committed(event)


def anonymous_is_not_denied(w: World) -> None:
    """Sent to sign in (page) or answered 401 (API): neither is a denial."""
    start = mark()
    assert page_client().get("/referrals/emergency-access/").status_code == 302
    assert api_client().get("/api/v1/referrals/").status_code == 401
    assert written_since(start) == []


SCENARIOS: dict[str, Callable[[World], None]] = {
    "api list": list_views(api_client, "/api/v1/referrals/"),
    "page list": list_views(page_client, "/referrals/"),
    "api detail": detail_view(api_client, "/api/v1/referrals/{ref}/"),
    "page detail": detail_view(page_client, "/referrals/{ref}/"),
    "api detail out of scope": out_of_scope_detail(api_client, "/api/v1/referrals/{ref}/"),
    "page detail out of scope": out_of_scope_detail(page_client, "/referrals/{ref}/"),
    "break-glass api": break_glass_api,
    "break-glass page": break_glass_page,
    "create and submit": create_and_submit,
    "token create and revoke": token_create_and_revoke,
    "sign in": sign_in_both_steps,
    "wrong password": wrong_password,
    "wrong code": wrong_code,
    "expired token": refused_token("expired"),
    "revoked token": refused_token("revoked"),
    "unknown token": refused_token("unknown"),
    "token of an inactive user": refused_token("inactive_user"),
    "permission denied page": permission_denied_page,
    "permission denied api": permission_denied_api,
    "anonymous is not denied": anonymous_is_not_denied,
}


# These check, from a connection of their own, that a refusal's event outlived its request.
SEEN_FROM_ANOTHER_CONNECTION = {
    "expired token",
    "revoked token",
    "token of an inactive user",
    "permission denied page",
    "permission denied api",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.django_db(transaction=True))
        if name in SEEN_FROM_ANOTHER_CONNECTION
        else name
        for name in SCENARIOS
    ],
)
def test_a_request_writes_exactly_the_events_expected(world: World, name: str) -> None:
    SCENARIOS[name](world)


@pytest.mark.django_db(transaction=True)  # its scenarios look from another connection
def test_the_chain_verifies_after_every_scenario_in_a_row(world: World) -> None:
    for scenario in SCENARIOS.values():
        scenario(world)
    recorded = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditAction.VIEW,
        AuditAction.CREATE,
        AuditAction.TRANSITION,
        AuditAction.BREAK_GLASS,
        AuditAction.TOKEN_CREATED,
        AuditAction.TOKEN_REVOKED,
        AuditAction.SIGN_IN,
        AuditAction.SIGN_IN_FAILED,
        AuditAction.TWO_FACTOR_FAILED,
        AuditAction.PERMISSION_DENIED,
    } <= recorded
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"audit chain intact: {AuditEvent.objects.count()} events sealed" in out.getvalue()
