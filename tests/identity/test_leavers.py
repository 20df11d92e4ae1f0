"""Leavers at an agency's provider, against a real provider (django-oauth-toolkit in a second
process, tests/oidc_provider), signed in without a browser: the sign-in page, the provider's
own sign-in form, then the callback. The leaver check spends each sign-in's refresh token and
signs out the person whose provider refuses it; a logout token may name only the `sid`."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from agencies.models import Agency, AgencyType, Role, User
from audit.models import AuditAction, AuditEvent
from identity.leavers import LEASE, provider_sessions_check
from identity.models import IdentityProvider, ProviderSession
from identity.sealing import seal, unseal
from operations.models import TimerOutcome, TimerRun
from tests.factories import member
from tests.oidc_provider.server import OidcProvider, agency_signs_in_there, running_provider
from tests.oidc_provider.sessions import session_id

pytestmark = pytest.mark.django_db

DOMAIN = "health.example.uk"
SECRET_VARIABLE = "OIDC_TEST_HEALTH_SECRET"
PASSWORD_THERE = "an-account-password-at-the-agency"
CALLBACK = "http://testserver/sign-in/callback/"
LOGOUT = "/oidc/back-channel-logout/"


@pytest.fixture(scope="module")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    with running_provider(
        redirect_uri=CALLBACK, directory=tmp_path_factory.mktemp("oidc-provider")
    ) as provider:
        yield provider


@pytest.fixture
def health(oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> Agency:
    return agency_signs_in_there(
        provider=oidc_provider,
        agency_type=AgencyType.HEALTH,
        domain=DOMAIN,
        secret_variable=SECRET_VARIABLE,
        monkeypatch=monkeypatch,
    )


class SignedIn:
    """A person of the agency signed in through its provider (which used two factors)."""

    def __init__(self, provider: OidcProvider, agency: Agency) -> None:
        self.user = member(Role.PRACTITIONER, area=agency.areas.get(), agency=agency)
        self.user.email = f"{self.user.username}@{DOMAIN}"
        self.user.save(update_fields=["email"])
        username = f"p-{uuid.uuid4().hex[:12]}"
        self.sub = provider.add_user(
            username=username, email=self.user.email, password=PASSWORD_THERE, groups=("mfa",)
        )
        self.client = Client()
        callback = answer_from_provider(self.client, provider, self.user.email, username)
        assert self.client.get(callback)["Location"] == "/"

    def signed_in(self) -> bool:
        return self.client.get("/referrals/").status_code == 200


def answer_from_provider(client: Client, provider: OidcProvider, email: str, username: str) -> str:
    """The callback address (path and query) the provider sends the person back to, once they
    typed their work email here and their account's password there."""
    to_provider = client.post("/sign-in/", {"username": email})
    assert to_provider.status_code == 302, to_provider
    with httpx.Client(timeout=10) as browser:
        to_login = browser.get(to_provider["Location"])
        login = urljoin(provider.url, to_login.headers["location"])
        browser.get(login)
        back = browser.post(
            login,
            data={
                "csrfmiddlewaretoken": browser.cookies["provider_csrftoken"],
                "username": username,
                "password": PASSWORD_THERE,
                "next": parse_qs(urlsplit(login).query)["next"][0],
            },
        )
        to_us = browser.get(urljoin(provider.url, back.headers["location"]))
    callback = to_us.headers["location"]
    assert callback.startswith(CALLBACK), callback
    return callback.removeprefix("http://testserver")


def leaver_sign_outs(user: User) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.SIGN_OUT, object_id=str(user.pk), details__has_key="failed_refresh"
        )
    )


def test_a_leaver_disabled_at_the_provider_is_signed_out_at_the_next_check(
    oidc_provider: OidcProvider, health: Agency
) -> None:
    person = SignedIn(oidc_provider, health)
    kept = ProviderSession.objects.get(identity__user=person.user)
    first_token = unseal(kept.refresh_token)
    assert kept.sid == session_id(person.sub)
    assert first_token and first_token not in kept.refresh_token  # sealed, not as issued

    still_there = provider_sessions_check()

    assert (still_there.checked, still_there.signed_out) == (1, ())
    kept.refresh_from_db()
    assert unseal(kept.refresh_token) not in ("", first_token)  # the provider rotated it
    assert kept.checked_at is not None and kept.checking_until is None
    assert person.signed_in()

    oidc_provider.leave(sub=person.sub)
    gone = provider_sessions_check()

    assert gone.signed_out == (person.user.pk,)
    assert not person.signed_in()
    [event] = leaver_sign_outs(person.user)
    assert event.details["failed_refresh"] == health.name
    assert "invalid_grant" in event.details["reason"]
    # Nothing is left to check for them: their sessions are gone.
    assert provider_sessions_check().forgotten == 1
    assert not ProviderSession.objects.filter(identity__user=person.user).exists()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_provider_that_cannot_be_asked_signs_nobody_out(
    oidc_provider: OidcProvider, health: Agency
) -> None:
    person = SignedIn(oidc_provider, health)
    provider = IdentityProvider.objects.get(agency=health)
    provider.metadata["token_endpoint"] = f"http://127.0.0.1:{_closed_port()}/o/token/"
    provider.save(update_fields=["metadata"])

    outcome = provider_sessions_check()

    assert (outcome.unanswered, outcome.signed_out) == (1, ())
    assert ProviderSession.objects.get(identity__user=person.user).checking_until is None
    assert person.signed_in()
    assert leaver_sign_outs(person.user) == []


def test_a_sign_in_another_check_holds_is_left_to_it(
    oidc_provider: OidcProvider, health: Agency
) -> None:
    person = SignedIn(oidc_provider, health)
    held = ProviderSession.objects.get(identity__user=person.user)
    ProviderSession.objects.filter(pk=held.pk).update(checking_until=timezone.now() + LEASE)

    outcome = provider_sessions_check()

    assert (outcome.checked, outcome.unanswered, outcome.signed_out) == (0, 0, ())
    assert ProviderSession.objects.get(pk=held.pk).refresh_token == held.refresh_token


def test_a_logout_token_naming_only_the_sid_signs_that_person_out(
    oidc_provider: OidcProvider, health: Agency
) -> None:
    person = SignedIn(oidc_provider, health)
    other = SignedIn(oidc_provider, health)
    server = Client()

    unknown = oidc_provider.logout_token(sub=None, sid="a-session-never-seen-here")
    assert server.post(LOGOUT, {"logout_token": unknown}).status_code == 200
    assert person.signed_in() and other.signed_in()

    token = oidc_provider.logout_token(sub=None, sid=session_id(person.sub))
    assert server.post(LOGOUT, {"logout_token": token}).status_code == 200

    assert not person.signed_in()
    assert other.signed_in()
    ended = AuditEvent.objects.get(action=AuditAction.SIGN_OUT, object_id=str(person.user.pk))
    assert ended.details["back_channel_logout"] == health.name


def test_a_code_the_provider_refuses_is_a_refused_sign_in_not_an_error(
    oidc_provider: OidcProvider, health: Agency
) -> None:
    user = member(Role.PRACTITIONER, area=health.areas.get(), agency=health)
    user.email = f"{user.username}@{DOMAIN}"
    user.save(update_fields=["email"])
    username = f"p-{uuid.uuid4().hex[:12]}"
    oidc_provider.add_user(username=username, email=user.email, password=PASSWORD_THERE)
    client = Client()
    callback = answer_from_provider(client, oidc_provider, user.email, username)
    path, query = callback.split("?", 1)
    state = parse_qs(query)["state"][0]

    response = client.get(path, {"state": state, "code": "a-code-it-never-gave"})

    assert response.status_code == 403
    refused = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert "invalid_grant" in refused.details["reason"]
    assert not ProviderSession.objects.exists()


@pytest.mark.parametrize("fallback", [True, False])
def test_a_sealed_token_opens_under_a_retired_key_only_while_it_is_a_fallback(
    fallback: bool,
) -> None:
    with override_settings(SECRET_KEY="the-key-before-rotation-" + "x" * 40):
        sealed = seal("a-refresh-token")
        assert unseal(sealed) == "a-refresh-token"
    old = ["the-key-before-rotation-" + "x" * 40] if fallback else []
    with override_settings(
        SECRET_KEY="the-key-after-rotation-" + "y" * 40, SECRET_KEY_FALLBACKS=old
    ):
        assert unseal(sealed) == ("a-refresh-token" if fallback else "")
    assert seal("") == "" and unseal("") == ""


def test_the_leaver_check_runs_every_five_minutes_as_a_recorded_timed_job(settings: Any) -> None:
    from identity.tasks import provider_sessions_check_task

    assert settings.CELERY_BEAT_SCHEDULE["identity-provider-sessions-check"] == {
        "task": "identity.provider_sessions_check",
        "schedule": 300.0,
    }
    assert provider_sessions_check_task.delay().get() == 0
    run = TimerRun.objects.get(job="identity.provider_sessions_check")
    assert (run.outcome, run.count) == (TimerOutcome.DONE, 0)
