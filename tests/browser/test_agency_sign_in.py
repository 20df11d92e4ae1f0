"""Signing in with an agency's own accounts, in Chromium, through a real OpenID Connect
provider (django-oauth-toolkit in a second process: tests/oidc_provider): set up by the area
administrator, signed in directly when the provider used two factors, asked for the code when
not, an unknown person, and the answers that must be refused (another audience, an expired ID
token, a replayed state); then the provider signing a leaver out over the back channel."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from agencies.models import Agency, AgencyType, Role, User
from audit.models import AuditAction, AuditEvent
from identity.models import ExternalIdentity, GroupRole, IdentityProvider
from notifications.models import Notification, NotificationKind
from tests.browser.conftest import AsgiServer
from tests.browser.helpers import (
    assert_accessible,
    assert_clean_console,
    enter_password,
    enter_who,
    sign_in,
)
from tests.factories import AgencyFactory, AreaFactory, member, totp_code, totp_device
from tests.oidc_provider.server import (
    CLIENT_ID,
    CLIENT_SECRET,
    OidcProvider,
    agency_signs_in_there,
    running_provider,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOMAIN = "police.example.uk"
SECRET_VARIABLE = "OIDC_TEST_POLICE_SECRET"
PROVIDER_PASSWORD = "an-account-password-at-the-agency"


@pytest.fixture(scope="module")
def oidc_provider(
    module_asgi_server: AsgiServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OidcProvider]:
    with running_provider(
        redirect_uri=f"{module_asgi_server.url}/sign-in/callback/",
        directory=tmp_path_factory.mktemp("oidc-provider"),
    ) as provider:
        yield provider


@pytest.fixture
def police(oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch) -> Agency:
    return agency_signs_in_there(
        provider=oidc_provider,
        agency_type=AgencyType.POLICE,
        domain=DOMAIN,
        secret_variable=SECRET_VARIABLE,
        monkeypatch=monkeypatch,
    )


def person(agency: Agency, role: Role = Role.PRACTITIONER) -> User:
    user = member(role, area=agency.areas.get(), agency=agency)
    user.email = f"{user.username}@{DOMAIN}"
    user.save(update_fields=["email"])
    return user


class Account:
    """A person's account at the agency's provider."""

    def __init__(self, provider: OidcProvider, email: str, *groups: str) -> None:
        self.username = f"p-{uuid.uuid4().hex[:12]}"
        self.email = email
        self.sub = provider.add_user(
            username=self.username, email=email, password=PROVIDER_PASSWORD, groups=groups
        )


def sign_in_at_provider(page: Any, provider: OidcProvider, account: Account) -> None:
    """Type the work email on the service's sign-in page, then sign in at the agency's
    provider, where the service sends the person."""
    enter_who(page, account.email)
    page.wait_for_url(f"{provider.url}/accounts/login/**")
    page.get_by_label("Account name").fill(account.username)
    page.get_by_label("Account password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in to the agency").click()
    page.wait_for_load_state()


def assert_signed_out(page: Any) -> None:
    page.goto("/referrals/")
    assert "/sign-in/" in page.url


def refusals() -> list[str]:
    events = AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED).order_by("pk")
    return [str(e.details.get("reason", "")) for e in events]


def test_signed_in_directly_when_the_provider_used_two_factors_then_out_by_the_back_channel(
    page: Any, oidc_provider: OidcProvider, police: Agency
) -> None:
    coordinator = person(police, Role.COORDINATOR)
    account = Account(oidc_provider, coordinator.email, "mfa")
    callbacks: list[str] = []
    page.on("request", lambda r: callbacks.append(r.url))

    sign_in_at_provider(page, oidc_provider, account)

    assert page.title() == "Home – Safeguard Hub"  # no code asked: amr says mfa
    assert page.get_by_text(f"You are signed in as {coordinator.get_full_name()}").is_visible()
    assert_clean_console(page)
    identity = ExternalIdentity.objects.get(user=coordinator)
    assert identity.sub == account.sub
    signed_in = AuditEvent.objects.get(action=AuditAction.SIGN_IN, actor=coordinator)
    assert signed_in.details == {"via": police.name}

    # The same answer from the provider again: its state was used up.
    response = page.goto([url for url in callbacks if "/sign-in/callback/" in url][-1])
    assert response.status == 403
    assert page.get_by_role("heading", name="You could not be signed in").is_visible()
    assert refusals() == ["an unknown, expired or already used state"]

    # A logout token for another client is refused; the provider's own ends every session.
    logout = f"{page.url.split('/sign-in/')[0]}/oidc/back-channel-logout/"
    wrong = oidc_provider.logout_token(sub=account.sub, audience="another-service")
    assert httpx.post(logout, data={"logout_token": wrong}).status_code == 400
    page.goto("/")
    assert page.title() == "Home – Safeguard Hub"
    token = oidc_provider.logout_token(sub=account.sub)
    assert httpx.post(logout, data={"logout_token": token}).status_code == 200
    assert_signed_out(page)
    replayed = httpx.post(logout, data={"logout_token": token})
    assert (replayed.status_code, replayed.json()["error_description"]) == (
        400,
        "a logout token already used (replayed)",
    )
    ended = AuditEvent.objects.get(action=AuditAction.SIGN_OUT, object_id=str(coordinator.pk))
    assert ended.details["back_channel_logout"] == police.name


def test_the_code_is_asked_when_the_provider_used_one_factor(
    page: Any, oidc_provider: OidcProvider, police: Agency
) -> None:
    practitioner = person(police)
    device = totp_device(practitioner)
    account = Account(oidc_provider, practitioner.email)  # amr: ["pwd"]

    sign_in_at_provider(page, oidc_provider, account)

    assert "/sign-in/code/" in page.url
    page.goto("/referrals/")
    assert "/sign-in/code/" in page.url  # nothing else until the code is given
    page.get_by_label("Code").fill(totp_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.title() == "Referrals – Safeguard Hub"  # where they were going
    assert AuditEvent.objects.get(action=AuditAction.SIGN_IN).details == {"via": police.name}


def test_an_unknown_person_is_told_and_the_administrators_too(
    page: Any, oidc_provider: OidcProvider, police: Agency
) -> None:
    administrator = person(police, Role.AREA_ADMINISTRATOR)
    stranger = Account(oidc_provider, f"new-starter@{DOMAIN}", "mfa")

    sign_in_at_provider(page, oidc_provider, stranger)

    assert page.get_by_role("heading", name="You have not been added to Safeguard Hub").is_visible()
    assert_accessible(page)
    assert_signed_out(page)
    assert not ExternalIdentity.objects.exists()
    told = Notification.objects.get(kind=NotificationKind.UNKNOWN_SIGN_IN)
    assert told.recipient == administrator
    assert stranger.email in told.title
    assert refusals() == ["nobody with this email address has a role in the agency"]


@pytest.mark.parametrize(
    ("group", "reason"),
    [("wrong_audience", "aud"), ("expired_id_token", "exp")],
)
def test_an_id_token_for_another_audience_or_expired_is_refused(
    page: Any, oidc_provider: OidcProvider, police: Agency, group: str, reason: str
) -> None:
    practitioner = person(police)
    account = Account(oidc_provider, practitioner.email, "mfa", group)

    sign_in_at_provider(page, oidc_provider, account)

    assert page.get_by_role("heading", name="You could not be signed in").is_visible()
    assert_accessible(page)
    assert_signed_out(page)
    assert not ExternalIdentity.objects.exists()
    [refusal] = refusals()
    assert refusal.startswith("the token's claims do not check") and reason in refusal


def test_an_administrator_sets_up_an_agencys_sign_in(
    page: Any, oidc_provider: OidcProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_VARIABLE, CLIENT_SECRET)
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
    administrator = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    sign_in(page, administrator.username)
    page.goto(f"/administration/{area.ons_code}/agencies/")
    page.get_by_role("link", name=f"Set up {agency.name}'s own sign-in").click()
    page.wait_for_load_state()
    assert_accessible(page)

    # Wrong: an issuer that answers nothing, a variable name that is not one.
    page.get_by_label("Issuer").fill("http://127.0.0.1:9/o")
    page.get_by_label("Client ID").fill(CLIENT_ID)
    page.get_by_label("Environment variable holding the client secret").fill("police secret")
    page.get_by_label("Work email domains").fill(DOMAIN)
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Save sign-in").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the name of an environment variable" in summary
    assert_accessible(page)
    assert not IdentityProvider.objects.exists()

    page.get_by_label("Environment variable holding the client secret").fill(SECRET_VARIABLE)
    page.get_by_role("button", name="Save sign-in").click()
    page.wait_for_load_state()
    assert "could not be read from this issuer" in page.locator(".govuk-error-summary").inner_text()
    assert not IdentityProvider.objects.exists()

    page.get_by_label("Issuer").fill(oidc_provider.issuer)
    page.get_by_role("button", name="Save sign-in").click()
    page.wait_for_load_state()
    assert (
        f"{agency.name}'s own sign-in has been saved"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    saved = IdentityProvider.objects.get(agency=agency)
    assert saved.email_domains == [DOMAIN] and saved.password_sign_in is False
    assert saved.metadata["issuer"] == oidc_provider.issuer
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, actor=administrator).exists()
    # Its people no longer sign in with a password.
    practitioner = person(agency)
    page.context.clear_cookies()
    enter_password(page, practitioner.username)
    assert page.title() == "Error: Enter your password – Safeguard Hub"
    assert (
        "Enter a correct username and password" in page.locator(".govuk-error-summary").inner_text()
    )
    assert_accessible(page)


def test_roles_come_from_the_providers_groups_once_the_area_opts_in(
    page: Any, oidc_provider: OidcProvider, police: Agency
) -> None:
    area = police.areas.get()
    administrator = member(Role.AREA_ADMINISTRATOR, area=area, agency=police)
    sign_in(page, administrator.username)
    page.goto(f"/administration/{area.ons_code}/agencies/{police.pk}/sign-in/")
    group_roles = page.get_by_role(
        "group", name=f"Which group at the provider gives each role in {area.name}? (optional)"
    )

    # A group given a role, but no claim to read the groups from.
    group_roles.get_by_label("Coordinator", exact=True).fill("cse-coordinators")
    page.get_by_role("button", name="Save sign-in").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "Enter the claim holding the groups, or give no group a role" in summary
    assert not GroupRole.objects.exists()

    page.get_by_label("Claim holding the person's groups (optional)").fill("groups")
    page.get_by_role("button", name="Save sign-in").click()
    page.wait_for_load_state()
    assert "own sign-in has been saved" in page.locator(".govuk-notification-banner").inner_text()
    assert GroupRole.objects.get().group == "cse-coordinators"

    # A practitioner in the group signs in through the provider: a coordinator from now on.
    practitioner = person(police)
    account = Account(oidc_provider, practitioner.email, "mfa", "cse-coordinators")
    page.context.clear_cookies()
    sign_in_at_provider(page, oidc_provider, account)
    assert page.title() == "Home – Safeguard Hub"
    roles = set(practitioner.memberships.filter(is_active=True).values_list("role", flat=True))
    assert roles == {Role.PRACTITIONER, Role.COORDINATOR}
    given = AuditEvent.objects.get(details__via="provider_groups")
    assert given.action == AuditAction.CREATE and given.area == area
