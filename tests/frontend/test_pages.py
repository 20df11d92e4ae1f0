"""The UI shell: layout, navigation by role, error pages, security headers."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from agencies.middleware import ACTING_MEMBERSHIP_SESSION_KEY
from agencies.models import Role
from frontend.sign_in_forms import INVALID_SIGN_IN
from tests.factories import member, sign_in, sign_in_with_password

pytestmark = pytest.mark.django_db


def nav_labels(html: str) -> list[str]:
    links = re.findall(
        r'class="govuk-service-navigation__link" href="[^"]*"[^>]*>\s*(.*?)\s*</a>', html, re.S
    )
    # A badge with nothing to count is hidden, so it is not part of what the link says.
    shown = (re.sub(r"<span[^>]* hidden>.*?</span></span>", "", text) for text in links)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in shown]


def test_home_page_for_a_visitor_explains_the_service_and_offers_sign_in(client: Client) -> None:
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Home – Safeguard Hub</title>" in html
    assert "call 999" in html
    assert nav_labels(html) == ["Sign in"]
    assert 'href="#main-content"' in html  # skip link
    assert "govuk-phase-banner" in html


def test_sign_in_shows_an_error_summary_linked_to_the_field(client: Client) -> None:
    response = client.post(reverse("frontend:sign-in"), {"username": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Sign in – Safeguard Hub</title>" in html
    assert "There is a problem" in html
    assert '<a href="#id_username">Enter your work email address or username</a>' in html
    assert "govuk-form-group--error" in html


def test_the_password_step_links_its_errors_to_the_password(client: Client) -> None:
    user = member(Role.PRACTITIONER)
    for password, error in (("", "Enter your password"), ("wrong", INVALID_SIGN_IN)):
        response = sign_in_with_password(client, user.username, password)
        html = response.content.decode()
        assert response.status_code == 200
        assert "<title>Error: Enter your password – Safeguard Hub</title>" in html
        assert f'<a href="#id_password">{error}</a>' in html
        assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.PRACTITIONER, ["Home", "Referrals", "Notifications", "Sign out"]),
        (
            Role.COORDINATOR,
            [
                "Home",
                "Triage queue",
                "Referrals",
                "Intelligence",
                "MACE meetings",
                "Reports",
                "Notifications",
                "Sign out",
            ],
        ),
        (
            Role.POLICE_LEAD,
            [
                "Home",
                "Referrals",
                "Intelligence",
                "Disruption",
                "MACE meetings",
                "Notifications",
                "Sign out",
            ],
        ),
        (Role.BOARD_MEMBER, ["Home", "Reports", "Strategy profiles", "Notifications", "Sign out"]),
        (
            Role.AREA_ADMINISTRATOR,
            [
                "Home",
                "Reports",
                "Administration",
                "Strategy profiles",
                "National picture",
                "Notifications",
                "Sign out",
            ],
        ),
        (
            Role.NATIONAL_ANALYST,
            ["Home", "Strategy profiles", "National picture", "Notifications", "Sign out"],
        ),
    ],
)
def test_navigation_shows_only_what_the_role_may_use(
    client: Client, role: Role, expected: list[str]
) -> None:
    sign_in(client, member(role))
    html = client.get("/").content.decode()
    assert nav_labels(html) == expected[:-1]
    assert ">Sign out</button>" in html


def test_a_role_without_referrals_gets_the_styled_403(client: Client) -> None:
    sign_in(client, member(Role.BOARD_MEMBER))
    response = client.get(reverse("frontend:referral-list"))
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_signed_out_user_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(reverse("frontend:referral-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:sign-in"))


def test_unknown_page_is_a_styled_404(client: Client) -> None:
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert "govuk-service-navigation" in html


def test_server_error_page_renders_without_the_request(rf: Any) -> None:
    from frontend.views import server_error

    response = server_error(rf.get("/anything/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_content_security_policy_uses_a_nonce_and_no_unsafe_inline(client: Client) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    assert "unsafe-inline" not in policy
    # The only inline script carries that nonce.
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
    assert scripts == [f' nonce="{nonce.group(1)}"']


def test_every_static_asset_the_layout_names_is_served(client: Client) -> None:
    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()
    assets = re.findall(r'(?:href|src)="/static/([^"]+)"', html)
    assert assets, "the layout names no static assets"
    for asset in assets:
        assert finders.find(asset), f"missing static file {asset} (run `npm run build`)"


def test_no_asset_comes_from_another_origin(client: Client) -> None:
    html = client.get("/").content.decode()
    assert not re.search(r'(?:href|src)="(?:https?:)?//', html)


def test_a_person_with_several_roles_chooses_which_to_act_in(client: Client) -> None:
    from agencies.models import Membership
    from audit.models import AuditAction, AuditEvent
    from tests.factories import raise_referral

    coordinator = member(Role.COORDINATOR)
    first = Membership.objects.get(user=coordinator)
    second = Membership.objects.create(
        user=coordinator, role=Role.POLICE_LEAD, area=first.area, agency=first.agency
    )
    sign_in(client, coordinator)
    home = client.get("/").content.decode()
    assert "You are acting as <strong>Coordinator</strong>" in home
    assert 'href="/acting-as/">Change the role you are acting in' in home
    choice = client.get("/acting-as/").content.decode()
    assert "Which role are you acting in?" in choice
    assert "checked" not in choice  # a choice the person makes, never made for them

    assert client.post("/acting-as/", {"membership": second.pk}).status_code == 302
    assert "You are acting as <strong>Police lead</strong>" in client.get("/").content.decode()
    choice = client.get("/acting-as/").content.decode()
    [now] = [item for item in choice.split("govuk-radios__item") if "acting in now" in item]
    assert f'value="{second.pk}"' in now
    referral = raise_referral(member(Role.PRACTITIONER, area=first.area), submit=True)
    client.get(f"/referrals/{referral.reference}/")
    seen = AuditEvent.objects.get(action=AuditAction.VIEW, object_id=str(referral.pk))
    assert seen.membership == second

    someone_elses = member(Role.COORDINATOR)
    other = Membership.objects.get(user=someone_elses)
    refused = client.post("/acting-as/", {"membership": other.pk})
    assert "Select the role you are acting in" in refused.content.decode()
    assert client.session[ACTING_MEMBERSHIP_SESSION_KEY] == second.pk
