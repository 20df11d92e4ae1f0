"""Signing in with two factors, lockout, idle expiry, signing out everywhere, deactivation."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.db.models import F
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies import auth_events
from agencies.models import Membership, Role, User
from agencies.selectors import lockouts_for_area
from agencies.services import (
    person_unlock,
    two_factor_enrolment_confirm,
    two_factor_enrolment_device,
    user_deactivate,
)
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction
from audit.services import audit_record
from frontend.sign_in import IDENTIFIER_SESSION_KEY
from frontend.sign_in_forms import INVALID_SIGN_IN, TOO_SOON, WRONG_CODE
from identity.models import IdentityProvider
from tests.factories import (
    PASSWORD,
    AreaFactory,
    UserFactory,
    member,
    sign_in,
    sign_in_with_password,
    totp_code,
    totp_device,
)

pytestmark = pytest.mark.django_db

SIGN_IN = "/sign-in/"
PASSWORD_STEP = "/sign-in/password/"
CODE = "/sign-in/code/"
SET_UP = "/sign-in/set-up/"
RECOVERY_CODES = "/sign-in/recovery-codes/"
LOCKED = "Your account is locked"


@pytest.fixture
def events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Every call to an agencies.auth_events function, in order."""
    calls: list[tuple[str, dict[str, Any]]] = []
    for name in (
        "signed_in",
        "sign_in_failed",
        "sign_in_slowed",
        "two_factor_failed",
        "locked_out",
        "signed_out",
        "signed_out_everywhere",
        "deactivated",
    ):
        monkeypatch.setattr(
            auth_events, name, lambda _name=name, **kwargs: calls.append((_name, kwargs))
        )
    return calls


@pytest.fixture
def no_code_delay(settings: Any) -> None:
    """django-otp waits longer after each wrong code; these tests send wrong codes back to back."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def office_request(address: str) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR=address)


def failures(username: str) -> int:
    return sum(a.failures_since_start for a in AccessAttempt.objects.filter(username=username))


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def page_text(response: Any) -> str:
    return response.content.decode()


# The second factor is required -------------------------------------------------------------


def test_a_password_alone_reaches_neither_pages_nor_the_api(client: Client) -> None:
    user = member(Role.COORDINATOR)
    totp_device(user)
    response = sign_in_with_password(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == f"{CODE}?next=%2F"
    assert is_signed_in(client)

    for path in ("/", "/referrals/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(CODE)
    for method, path in (("get", "/api/v1/me/"), ("get", "/api/v1/referrals/")):
        response = getattr(client, method)(path)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "two_factor_required"
    response = client.post("/api/v1/tokens/", {"name": "x", "lifetime_days": 1})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "two_factor_required"
    assert not ApiToken.objects.filter(user=user).exists()

    # The code page itself works, offers no navigation, and still lets the user sign out.
    html = page_text(client.get(CODE))
    assert "Enter the 6-digit code from your authenticator app" in html
    assert 'href="/referrals/"' not in html
    assert ">Sign out</button>" in html


def test_a_user_without_an_authenticator_is_sent_to_set_one_up(client: Client) -> None:
    user = member(Role.PRACTITIONER)
    response = sign_in_with_password(client, user.username)
    assert response["Location"] == f"{SET_UP}?next=%2F"
    assert client.get("/referrals/")["Location"].startswith(SET_UP)
    assert client.get(CODE)["Location"].startswith(SET_UP)


def test_health_and_static_files_need_no_second_factor(client: Client) -> None:
    sign_in_with_password(client, member(Role.COORDINATOR).username)
    assert client.get("/healthz").status_code == 200
    assert client.get("/health/").status_code in {200, 503}
    assert client.get("/static/frontend/app.css").status_code == 200


def test_sign_in_with_the_authenticator_code(client: Client, events: list[Any]) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    half_signed_in_key = client.session.session_key

    response = client.post(CODE, {"code": totp_code(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != half_signed_in_key  # a new id for the trusted session
    html = page_text(client.get("/"))
    assert f"You are signed in as {user.get_full_name()}" in html
    assert 'href="/referrals/"' in html
    assert client.get("/api/v1/me/").status_code == 200
    assert [name for name, _ in events] == ["signed_in"]
    assert events[0][1]["user"] == user


def test_users_may_sign_in_with_their_email_address(client: Client) -> None:
    user = member(Role.COORDINATOR)
    response = sign_in_with_password(client, user.email.upper())
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.parametrize("case", ["wrong_password", "unknown_user", "unknown_email", "inactive"])
def test_a_failed_sign_in_says_nothing_about_why(client: Client, case: str) -> None:
    user = member(Role.COORDINATOR)
    username, password = user.username, PASSWORD
    if case == "wrong_password":
        password = "not-the-password"
    elif case == "unknown_user":
        username = "nobody-by-this-name"
    elif case == "unknown_email":
        username = "nobody@example.invalid"
    else:
        User.objects.filter(pk=user.pk).update(is_active=False)
    response = sign_in_with_password(client, username, password)
    html = page_text(response)
    assert response.status_code == 200
    assert INVALID_SIGN_IN in html
    assert "<title>Error: Enter your password – Safeguard Hub</title>" in html
    assert not is_signed_in(client)


def test_the_next_page_survives_every_step_but_never_leaves_the_site(client: Client) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    assert client.get("/referrals/")["Location"] == f"{SIGN_IN}?next=/referrals/"
    assert 'name="next" value="/referrals/"' in page_text(client.get(f"{SIGN_IN}?next=/referrals/"))
    response = client.post(SIGN_IN, {"username": user.username, "next": "/referrals/"})
    assert response["Location"] == f"{PASSWORD_STEP}?next=%2Freferrals%2F"
    html = page_text(client.get(response["Location"]))
    assert 'name="next" value="/referrals/"' in html
    assert f'href="{SIGN_IN}?next=%2Freferrals%2F">Change' in html
    response = client.post(
        f"{PASSWORD_STEP}?next=%2Freferrals%2F", {"password": PASSWORD, "next": "/referrals/"}
    )
    assert response["Location"] == f"{CODE}?next=%2Freferrals%2F"
    response = client.post(CODE, {"code": totp_code(device), "next": "/referrals/"})
    assert response["Location"] == "/referrals/"

    client.post("/sign-out/")
    away = {"username": user.username, "next": "https://example.org/"}
    assert client.post(SIGN_IN, away)["Location"] == PASSWORD_STEP
    response = client.post(PASSWORD_STEP, {"password": PASSWORD, "next": "https://example.org/"})
    assert response["Location"] == f"{CODE}?next=%2F"
    response = client.post(CODE, {"code": totp_code(device), "next": "https://example.org/"})
    assert response["Location"] == "/"


# Who, then the password ---------------------------------------------------------------------


def test_the_first_step_asks_only_who(client: Client) -> None:
    html = page_text(client.get(SIGN_IN))
    assert "Work email address or username" in html
    assert 'autocomplete="username"' in html
    assert ">Continue</button>" in html
    assert 'type="password"' not in html
    assert "Leave it empty" not in html

    response = client.post(SIGN_IN, {"username": "  "})
    html = page_text(response)
    assert response.status_code == 200
    assert "<title>Error: Sign in – Safeguard Hub</title>" in html
    assert html.count("Enter your work email address or username") == 2  # summary and field
    assert IDENTIFIER_SESSION_KEY not in client.session


def test_any_answer_but_an_agencys_domain_goes_to_the_password_step(
    client: Client, events: list[Any]
) -> None:
    user = member(Role.COORDINATOR)
    for typed in (user.username, user.email, "nobody-by-this-name", "nobody@example.invalid"):
        response = client.post(SIGN_IN, {"username": f" {typed} "})
        assert (response.status_code, response["Location"]) == (302, PASSWORD_STEP)
        assert client.session[IDENTIFIER_SESSION_KEY] == typed
        html = page_text(client.get(PASSWORD_STEP))
        assert f'<dd class="govuk-summary-list__value app-break-anywhere">{typed}</dd>' in html
        assert f'name="username" value="{typed}" autocomplete="username" hidden' in html
        assert 'autocomplete="current-password"' in html
    assert events == []  # nothing checked yet, so nothing to record
    assert failures(user.username) == 0


def test_change_goes_back_to_the_first_step_with_the_answer(client: Client) -> None:
    client.post(SIGN_IN, {"username": "sam@example.invalid"})
    assert f'href="{SIGN_IN}">Change' in page_text(client.get(PASSWORD_STEP))
    assert 'value="sam@example.invalid"' in page_text(client.get(SIGN_IN))


def test_the_password_step_without_the_first_goes_back_to_it(client: Client) -> None:
    user = member(Role.COORDINATOR)
    assert client.get(PASSWORD_STEP)["Location"] == SIGN_IN
    assert client.get(f"{PASSWORD_STEP}?next=/referrals/")["Location"] == (
        f"{SIGN_IN}?next=%2Freferrals%2F"
    )
    response = client.post(PASSWORD_STEP, {"username": user.username, "password": PASSWORD})
    assert response["Location"] == SIGN_IN
    assert not is_signed_in(client)
    assert failures(user.username) == 0


def test_the_password_is_checked_for_whom_the_first_step_named(client: Client) -> None:
    user = member(Role.COORDINATOR)
    client.post(SIGN_IN, {"username": "nobody-by-this-name"})
    response = client.post(PASSWORD_STEP, {"username": user.username, "password": PASSWORD})
    assert INVALID_SIGN_IN in page_text(response)
    assert not is_signed_in(client)
    # Signed in, the first step's answer is forgotten.
    assert sign_in_with_password(client, user.username).status_code == 302
    assert IDENTIFIER_SESSION_KEY not in client.session


def test_an_agency_that_switched_passwords_off_gets_the_one_error(
    client: Client, events: list[Any]
) -> None:
    user = member(Role.COORDINATOR)
    agency = Membership.objects.get(user=user).agency
    assert agency is not None
    IdentityProvider.objects.create(
        agency=agency,
        issuer="https://login.example.uk",
        client_id="hub",
        client_secret_variable="OIDC_X",
        email_domains=["police.example.uk"],  # not the person's: they type their username
        password_sign_in=False,
    )
    response = sign_in_with_password(client, user.username)
    assert INVALID_SIGN_IN in page_text(response)
    assert not is_signed_in(client)
    assert [name for name, _ in events] == ["sign_in_failed"]


# Setting up an authenticator app ------------------------------------------------------------


def test_setting_up_an_authenticator_end_to_end(
    client: Client, events: list[Any], no_code_delay: None
) -> None:
    user = member(Role.COORDINATOR)
    sign_in_with_password(client, user.username)

    html = page_text(client.get(SET_UP))
    assert "Set up your authenticator app" in html
    assert re.search(r"<svg [^>]*role=\"img\"", html)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    shown = re.search(r'id="secret-key">([A-Z2-7 ]+)<', html)
    assert shown and shown.group(1).replace(" ", "") == secret
    # A reload shows the same secret: the user may have scanned it already.
    assert secret[:4] in page_text(client.get(SET_UP))
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(SET_UP, {"code": "000000" if totp_code(device) != "000000" else "1"})
    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)

    response = client.post(SET_UP, {"code": totp_code(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == f"{RECOVERY_CODES}?next=%2F"
    device.refresh_from_db()
    assert device.confirmed

    html = page_text(client.get(RECOVERY_CODES))
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", html)
    assert len(codes) == 10
    assert set(codes) == set(
        StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
    )
    assert "I have saved these codes" in html

    response = client.post(RECOVERY_CODES, {"next": "/"})
    assert response["Location"] == "/"
    # Shown once: the page has nothing to show any more.
    assert client.get(RECOVERY_CODES).status_code == 302
    assert codes[0] not in page_text(client.get("/"))
    assert "You are signed in as" in page_text(client.get("/"))
    assert [name for name, _ in events] == ["signed_in"]


def test_an_existing_authenticator_cannot_be_replaced_with_the_password_alone(
    client: Client,
) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    assert client.get(SET_UP)["Location"].startswith(CODE)
    response = client.post(SET_UP, {"code": totp_code(device)})
    assert response["Location"].startswith(CODE)
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert not StaticToken.objects.filter(device__user=user).exists()


# Recovery codes and wrong codes -------------------------------------------------------------


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    device = two_factor_enrolment_device(user=user)
    confirmed = two_factor_enrolment_confirm(user=user, code=totp_code(device))
    assert confirmed is not None
    return confirmed


def test_a_recovery_code_works_once(client: Client, no_code_delay: None) -> None:
    user = member(Role.COORDINATOR)
    _, codes = enrolled(user)
    sign_in_with_password(client, user.username)
    typed = f"{codes[0][:4].upper()} {codes[0][4:].upper()}"  # as people copy it
    response = client.post(CODE, {"code": typed, "next": "/"})
    assert response["Location"] == "/"
    assert "You are signed in as" in page_text(client.get("/"))

    client.post("/sign-out/")
    sign_in_with_password(client, user.username)
    response = client.post(CODE, {"code": codes[0]})
    assert response.status_code == 200
    assert WRONG_CODE in page_text(response)
    assert client.get("/")["Location"].startswith(CODE)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_a_wrong_code_is_refused_and_counts_towards_lockout(
    client: Client, events: list[Any], no_code_delay: None
) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    response = client.post(CODE, {"code": wrong})
    html = page_text(response)
    assert response.status_code == 200
    assert WRONG_CODE in html
    assert (
        "<title>Error: Enter the code from your authenticator app – Safeguard Hub</title>" in html
    )
    assert 'href="#id_code"' in html
    assert failures(user.username) == 1
    assert [name for name, _ in events] == ["two_factor_failed"]
    assert client.get("/")["Location"].startswith(CODE)


def test_a_code_sent_too_soon_after_a_wrong_one_is_not_checked_nor_counted(
    client: Client,
) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    # As after several quick wrong codes: django-otp asks for a wait of minutes.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_count=10, throttling_failure_timestamp=timezone.now()
    )
    response = client.post(CODE, {"code": totp_code(device)})
    assert TOO_SOON in page_text(response)
    assert failures(user.username) == 0
    assert client.get("/")["Location"].startswith(CODE)


def test_five_wrong_codes_lock_the_account(
    client: Client, events: list[Any], no_code_delay: None
) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    wrong = "123456" if totp_code(device) != "123456" else "654321"
    for _ in range(4):
        assert client.post(CODE, {"code": wrong}).status_code == 200
    response = client.post(CODE, {"code": wrong})
    assert response.status_code == 429
    assert LOCKED in page_text(response)
    assert not is_signed_in(client)
    assert "locked_out" in [name for name, _ in events]

    # Even the right password and then the right code are refused while locked.
    response = sign_in_with_password(client, user.username)
    assert response.status_code == 429
    assert LOCKED in page_text(response)
    assert not is_signed_in(client)


# Lockout after wrong passwords --------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account(client: Client, events: list[Any]) -> None:
    user = member(Role.COORDINATOR)
    for _ in range(4):
        response = sign_in_with_password(client, user.username, "wrong-password")
        assert response.status_code == 200
        assert INVALID_SIGN_IN in page_text(response)
    response = sign_in_with_password(client, user.username, "wrong-password")
    html = page_text(response)
    assert response.status_code == 429
    assert "<title>Your account is locked – Safeguard Hub</title>" in html
    assert "Wait 30 minutes" in html
    assert "ask your area administrator" in html

    response = sign_in_with_password(client, user.username, PASSWORD)
    assert response.status_code == 429
    assert not is_signed_in(client)
    # Another browser at the same address is refused too: the lock is on account and address.
    assert sign_in_with_password(Client(), user.username).status_code == 429

    names = [name for name, _ in events]
    assert names.count("sign_in_failed") == 7
    assert names.count("locked_out") == 3
    assert "signed_in" not in names
    assert all(kwargs["username"] == user.username for _, kwargs in events)


def a_while_later(username: str, seconds: int) -> None:
    """As if the account's failed attempts were `seconds` older."""
    AccessAttempt.objects.filter(username=username).update(
        attempt_time=F("attempt_time") - timedelta(seconds=seconds)
    )


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere() -> None:
    user = member(Role.COORDINATOR)
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    for _ in range(5):
        sign_in_with_password(attacker, user.username, "wrong-password")
    assert sign_in_with_password(attacker, user.username).status_code == 429
    a_while_later(user.username, 2)  # the slowdown after 5 failures: one second
    owner = Client(REMOTE_ADDR="192.0.2.10")
    response = sign_in_with_password(owner, user.username)
    assert response.status_code == 302
    assert is_signed_in(owner)


def guessed_from_three_addresses(username: str) -> None:
    """Four wrong passwords for `username` from each of three addresses, as django-axes records
    them: no address is locked out."""
    for host in range(1, 4):
        AccessAttempt.objects.create(
            username=username,
            ip_address=f"203.0.113.{host}",
            user_agent="",
            path_info=SIGN_IN,
            failures_since_start=4,
        )


def test_guessing_from_many_addresses_is_slowed_per_account_not_locked(
    events: list[Any],
) -> None:
    user = member(Role.COORDINATOR)
    guessed_from_three_addresses(user.username)
    # Unslowed, the next guess from the first address is checked and counted.
    a_while_later(user.username, 61)
    sign_in_with_password(Client(REMOTE_ADDR="203.0.113.1"), user.username, "wrong-password")
    assert failures(user.username) == 13

    # A fourth address must wait, the password unchecked and the attempt not counted.
    response = sign_in_with_password(Client(REMOTE_ADDR="198.51.100.7"), user.username)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Wait before you try again" in page_text(response)
    assert failures(user.username) == 13
    name, recorded = events[-1]  # recorded for the audit trail, with the wait
    assert name == "sign_in_slowed" and recorded["username"] == user.username
    assert recorded["seconds"] == int(response["Retry-After"])
    # The same answer for a name no account has, once it has as many failures.
    guessed_from_three_addresses("nobody-by-this-name")
    nobody = sign_in_with_password(Client(REMOTE_ADDR="198.51.100.7"), "nobody-by-this-name", "x")
    assert nobody.status_code == 429

    # The wait is capped: a minute after the latest failure the owner signs in.
    a_while_later(user.username, 61)
    owner = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in_with_password(owner, user.username).status_code == 302


def test_an_address_the_owner_signed_in_from_lately_is_not_slowed() -> None:
    user = member(Role.COORDINATOR)
    office = Client(REMOTE_ADDR="192.0.2.44")
    audit_record(action=AuditAction.SIGN_IN, actor=user, request=office_request("192.0.2.44"))
    guessed_from_three_addresses(user.username)
    assert (
        sign_in_with_password(Client(REMOTE_ADDR="198.51.100.7"), user.username).status_code == 429
    )
    assert sign_in_with_password(office, user.username).status_code == 302


def test_the_lockout_keys_on_the_address_the_audit_trail_records(settings: Any) -> None:
    """A client cannot dodge the lockout by sending a made-up X-Forwarded-For."""
    user = member(Role.COORDINATOR)
    for number in range(5):
        sign_in_with_password(
            Client(HTTP_X_FORWARDED_FOR=f"10.0.0.{number}"), user.username, "wrong-password"
        )
    assert sign_in_with_password(Client(), user.username).status_code == 429


def test_wrong_passwords_count_for_the_account_whether_username_or_email(client: Client) -> None:
    user = member(Role.COORDINATOR)
    for identifier in (user.username, user.email, user.username, user.email):
        sign_in_with_password(client, identifier, "wrong-password")
    assert sign_in_with_password(client, user.email, "wrong-password").status_code == 429
    assert failures(user.username) == 5


def test_a_locked_account_cannot_finish_signing_in(client: Client) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    sign_in_with_password(client, user.username)  # half signed in here...
    attacker = Client()
    for _ in range(5):
        sign_in_with_password(attacker, user.username, "wrong-password")  # ...locked from elsewhere
    response = client.post(CODE, {"code": totp_code(device)})
    assert response.status_code == 429
    assert not is_signed_in(client)


def test_signing_in_fully_forgets_earlier_failures(client: Client) -> None:
    user = member(Role.COORDINATOR)
    device = totp_device(user)
    for _ in range(3):
        sign_in_with_password(client, user.username, "wrong-password")
    sign_in_with_password(client, user.username)
    assert failures(user.username) == 3  # a password alone resets nothing
    client.post(CODE, {"code": totp_code(device)})
    assert failures(user.username) == 0


def test_lockouts_for_area_lists_locked_accounts_of_its_members_only(client: Client) -> None:
    area, other_area = AreaFactory.create(), AreaFactory.create()
    locked = member(Role.PRACTITIONER, area=area)
    nearly = member(Role.COORDINATOR, area=area)
    elsewhere = member(Role.PRACTITIONER, area=other_area)
    for user, count in ((locked, 5), (nearly, 2), (elsewhere, 5)):
        for _ in range(count):
            sign_in_with_password(Client(), user.username, "wrong-password")

    lockouts = lockouts_for_area(area=area)
    assert [lockout.username for lockout in lockouts] == [locked.username]
    assert lockouts[0].failures == 5
    assert lockouts[0].locked_until == lockouts[0].last_failure + timedelta(minutes=30)

    person_unlock(actor=member(Role.AREA_ADMINISTRATOR, area=area), area=area, user=locked)
    assert lockouts_for_area(area=area) == []
    assert sign_in_with_password(client, locked.username).status_code == 302


def test_lockout_settings() -> None:
    assert django_settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == django_settings.AXES_COOLOFF_TIME
    assert django_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


# Sessions -----------------------------------------------------------------------------------


def test_a_session_idle_for_30_minutes_is_signed_out(client: Client) -> None:
    sign_in(client, member(Role.COORDINATOR))
    response = client.get("/")
    assert response.status_code == 200
    # Ends with the browser (no lifetime on the cookie), and 30 minutes after the last request.
    assert response.cookies["sessionid"]["max-age"] == ""
    assert response.cookies["sessionid"]["expires"] == ""
    session = Session.objects.get(session_key=client.session.session_key)
    assert session.expire_date > timezone.now() + timedelta(minutes=29)

    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get("/referrals/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "You are signed in as" not in page_text(client.get("/"))


def test_sign_out_everywhere_ends_every_session_and_revokes_tokens(
    client: Client, events: list[Any]
) -> None:
    user = member(Role.COORDINATOR)
    laptop, phone = Client(), Client()
    sign_in(laptop, user)
    sign_in(phone, user)
    _, raw = api_token_create(actor=user, name="script", lifetime_days=7)
    assert laptop.get("/").status_code == 200
    assert laptop.get("/sign-out-everywhere/").status_code == 405  # POST only

    response = laptop.post("/sign-out-everywhere/")
    assert response.status_code == 302
    assert response["Location"] == SIGN_IN
    assert "You have been signed out on every device." in page_text(laptop.get(SIGN_IN))

    assert phone.get("/referrals/")["Location"].startswith(SIGN_IN)
    assert not is_signed_in(phone)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/me/").status_code == 401
    assert ApiToken.objects.get(user=user).revoked_at is not None
    user.refresh_from_db()
    assert user.session_epoch == 1
    assert [name for name, _ in events] == ["signed_out_everywhere"]

    # A new sign-in works as usual.
    sign_in(phone, user)
    assert phone.get("/referrals/").status_code == 200


def test_the_home_page_offers_sign_out_everywhere(client: Client) -> None:
    sign_in(client, member(Role.PRACTITIONER))
    html = page_text(client.get("/"))
    assert 'action="/sign-out-everywhere/"' in html
    assert "Sign out of every device" in html


def test_a_deactivated_user_is_signed_out_and_their_token_refused(
    client: Client, events: list[Any]
) -> None:
    user = member(Role.COORDINATOR)
    area = Membership.objects.get(user=user).area
    sign_in(client, user)
    _, raw = api_token_create(actor=user, name="script", lifetime_days=7)

    assert user_deactivate(user=user, actor=member(Role.AREA_ADMINISTRATOR, area=area)) == 1
    assert client.get("/referrals/")["Location"].startswith(SIGN_IN)
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/me/").status_code == 401
    user.refresh_from_db()
    assert not user.is_active
    assert Membership.objects.filter(user=user).exists()  # kept for the record
    assert INVALID_SIGN_IN in page_text(sign_in_with_password(Client(), user.username))
    assert [name for name, _ in events] == ["deactivated", "sign_in_failed"]


def test_a_signed_in_session_without_an_epoch_is_signed_out(client: Client) -> None:
    user = member(Role.COORDINATOR)
    sign_in(client, user)
    session = client.session
    del session["session_epoch"]
    session.save()
    assert client.get("/referrals/")["Location"].startswith(SIGN_IN)


def test_signing_out_is_recorded(client: Client, events: list[Any]) -> None:
    user = member(Role.COORDINATOR)
    sign_in(client, user)
    assert client.post("/sign-out/")["Location"] == SIGN_IN
    assert not is_signed_in(client)
    assert events == [("signed_out", {"user": user, "request": events[0][1]["request"]})]


# Roles after signing in ---------------------------------------------------------------------


def test_a_user_with_no_membership_can_sign_in_but_has_no_role(client: Client) -> None:
    user = UserFactory.create()
    device = totp_device(user)
    sign_in_with_password(client, user.username)
    client.post(CODE, {"code": totp_code(device)})
    html = page_text(client.get("/"))
    assert "You have no active role yet" in html
    assert client.get("/referrals/").status_code == 403


def test_a_membership_in_a_deactivated_agency_grants_nothing(client: Client) -> None:
    user = member(Role.COORDINATOR)
    agency = Membership.objects.get(user=user).agency
    assert agency is not None
    agency.is_active = False
    agency.save()
    sign_in(client, user)
    assert "You have no active role yet" in page_text(client.get("/"))
    assert client.get("/referrals/").status_code == 403


# API tokens ---------------------------------------------------------------------------------


def test_token_creation_itself_refuses_a_session_without_two_factors(
    client: Client, settings: Any
) -> None:
    # Even past the middleware (defence in depth), the token view checks the second factor.
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "agencies.middleware.TwoFactorRequiredMiddleware"
    ]
    user = member(Role.COORDINATOR)
    sign_in_with_password(client, user.username)
    response = client.post(
        "/api/v1/tokens/", {"name": "x", "lifetime_days": 1}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "two_factor_required",
        "message": "Sign in with your second factor before creating a token.",
        "fields": {},
    }


def test_a_session_with_both_factors_may_create_a_token(api_client: APIClient) -> None:
    sign_in(api_client, member(Role.COORDINATOR))
    response = api_client.post(
        "/api/v1/tokens/", {"name": "laptop", "lifetime_days": 7}, format="json"
    )
    assert response.status_code == 201


# The demo, where two factors are turned off -------------------------------------------------


def test_without_two_factors_required_the_password_is_enough(
    client: Client, settings: Any, events: list[Any]
) -> None:
    settings.TWO_FACTOR_REQUIRED = False
    user = member(Role.COORDINATOR)
    response = sign_in_with_password(client, user.username)
    assert response["Location"] == "/"
    assert client.get("/referrals/").status_code == 200
    assert [name for name, _ in events] == ["signed_in"]
    assert client.get(CODE)["Location"] == "/"
    response = client.post(
        "/api/v1/tokens/", {"name": "demo", "lifetime_days": 1}, content_type="application/json"
    )
    assert response.status_code == 201


def test_production_refuses_to_start_with_two_factors_off() -> None:
    from tests.config.test_settings import manage

    result = manage("check", TWO_FACTOR_REQUIRED="false")
    assert result.returncode != 0
    assert "TWO_FACTOR_REQUIRED cannot be turned off in production" in result.stderr
