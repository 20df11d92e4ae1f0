"""The sign-in pages with an agency's provider: the first step sends a work email address in
the agency's domain there, and coming back signs in nobody whose account is locked out. The
provider's own answer (the code exchanged for a checked ID token) stands in here; the browser
tests (tests/browser/test_agency_sign_in.py) go through a real one."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from agencies.models import Agency, Role, User
from audit.models import AuditAction, AuditEvent
from frontend.sign_in import FLOWS_SESSION_KEY, IDENTIFIER_SESSION_KEY
from identity import protocol
from identity.models import IdentityProvider
from tests.factories import AgencyFactory, AreaFactory, locked_out, member

pytestmark = pytest.mark.django_db

DOMAIN = "police.example.uk"
AUTHORIZE = "https://login.example.uk/authorize"
SIGN_IN = "/sign-in/"
LOCKED = "Your account is locked"


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> IdentityProvider:
    monkeypatch.setenv("OIDC_X", "a-client-secret")
    return IdentityProvider.objects.create(
        agency=AgencyFactory.create(areas=[AreaFactory.create()]),
        issuer="https://login.example.uk",
        client_id="hub",
        client_secret_variable="OIDC_X",
        email_domains=[DOMAIN],
        email_claim="email",
        email_verified_claim="email_verified",
        metadata={"authorization_endpoint": AUTHORIZE, "token_endpoint": f"{AUTHORIZE}/token"},
    )


def person(agency: Agency) -> User:
    user = member(Role.PRACTITIONER, area=agency.areas.get(), agency=agency)
    User.objects.filter(pk=user.pk).update(email=f"sam@{DOMAIN}")
    user.refresh_from_db()
    return user


def to_the_provider(client: Client, email: str, **extra: str) -> str:
    """The first step answered with an agency's address: the `state` it was sent with."""
    response = client.post(SIGN_IN, {"username": email, **extra})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{AUTHORIZE}?")
    [state] = parse_qs(urlsplit(response["Location"]).query)["state"]
    return state


def back_from_the_provider(
    client: Client, state: str, monkeypatch: pytest.MonkeyPatch, email: str
) -> Any:
    """The provider answers with a code, which checks out as an ID token for `email` that
    says two factors were used."""
    claims = {"sub": "abc", "email": email, "email_verified": True, "amr": ["pwd", "mfa"]}
    answer = protocol.Answer(claims=claims, refresh_token="")
    monkeypatch.setattr(protocol, "finish", lambda **_: answer)
    return client.get("/sign-in/callback/", {"state": state, "code": "a-code"})


def test_an_address_in_an_agencys_domain_goes_to_its_provider(
    client: Client, provider: IdentityProvider
) -> None:
    page = client.get(SIGN_IN)
    assert "https://login.example.uk" in page["Content-Security-Policy"]  # form-action
    client.post(SIGN_IN, {"username": "someone-else"})  # an earlier answer is forgotten
    state = to_the_provider(client, f"Sam@{DOMAIN.upper()}", next="/referrals/")
    flow = client.session[FLOWS_SESSION_KEY][state]
    assert (flow["provider"], flow["next"]) == (provider.pk, "/referrals/")
    assert IDENTIFIER_SESSION_KEY not in client.session
    assert not AuditEvent.objects.exists()  # nothing checked yet


def test_back_from_the_provider_the_person_is_signed_in(
    client: Client, provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = person(provider.agency)
    state = to_the_provider(client, user.email, next="/referrals/")
    response = back_from_the_provider(client, state, monkeypatch, user.email)
    assert response["Location"] == "/referrals/"
    assert int(client.session["_auth_user_id"]) == user.pk
    assert AuditEvent.objects.get(action=AuditAction.SIGN_IN).actor == user


def test_a_locked_out_account_is_not_signed_in_by_its_agencys_provider(
    provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = person(provider.agency)
    locked_out(user)  # at the address the client comes from
    client = Client(REMOTE_ADDR="192.0.2.10")
    state = to_the_provider(client, user.email)
    response = back_from_the_provider(client, state, monkeypatch, user.email)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/referrals/")["Location"].startswith(SIGN_IN)
    [event] = AuditEvent.objects.all()  # the lockout, and no sign-in
    assert (event.action, event.actor) == (AuditAction.LOCKOUT, user)
    assert event.details == {"username": user.username, "via": provider.agency.name}
