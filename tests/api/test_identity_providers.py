"""An agency's own sign-in set through the API, with the page's rules: the provider's
discovery document is read from a real (local) server before anything is kept."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rest_framework.test import APIClient

from agencies.models import Agency, Area, Role
from audit.models import AuditAction, AuditEvent
from identity.models import IdentityProvider
from tests.factories import AgencyFactory, AreaFactory, member, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    """A server answering only the discovery document, naming itself as the issuer."""

    class Discovery(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/.well-known/openid-configuration":
                self.send_error(404)
                return
            base = f"http://{self.headers['Host']}"  # the address it was asked at
            body = json.dumps(
                {
                    "issuer": base,
                    "authorization_endpoint": f"{base}/authorize",
                    "token_endpoint": f"{base}/token",
                    "jwks_uri": f"{base}/jwks",
                    "code_challenge_methods_supported": ["S256"],
                }
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


@pytest.fixture
def agency(area: Area) -> Agency:
    return AgencyFactory.create(areas=[area])


def client_as(role: Role, area: Area, agency: Agency) -> APIClient:
    client = APIClient()
    sign_in(client, member(role, area=area, agency=agency))
    return client


def url(area: Area, agency: Agency) -> str:
    return f"/api/v1/administration/{area.ons_code}/agencies/{agency.pk}/sign-in/"


def settings_for(issuer: str, **change: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "client_id": "safeguard-hub",
        "client_secret_variable": "OIDC_POLICE_SECRET",
        "email_domains": ["police.example.uk"],
        "password_sign_in": False,
        **change,
    }


def test_an_administrator_sets_up_and_reads_an_agencys_sign_in(
    area: Area, agency: Agency, issuer: str
) -> None:
    admin = client_as(Role.AREA_ADMINISTRATOR, area, agency)
    assert admin.get(url(area, agency)).status_code == 404  # none yet

    response = admin.put(url(area, agency), settings_for(issuer), format="json")

    assert response.status_code == 200, response.json()
    provider = IdentityProvider.objects.get(agency=agency)
    assert (provider.issuer, provider.email_domains) == (issuer, ["police.example.uk"])
    assert provider.metadata["token_endpoint"] == f"{issuer}/token"
    assert not provider.password_sign_in
    read = admin.get(url(area, agency)).json()
    assert read == {
        **settings_for(issuer),
        "email_claim": "email",
        "email_verified_claim": "email_verified",
        "mfa_acr_values": [],
        "groups_claim": "",
        "group_roles": [],
    }
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_id=str(provider.pk), area=area
    ).exists()


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"email_domains": []}, 400, "email_domains"),  # the shape: at least one
        ({"client_secret_variable": "SECRET"}, 422, "client_secret_variable"),  # the rule
        ({"email_domains": ["not a domain"]}, 422, "email_domains"),
        # Groups: a claim to read them from, roles a group may give, one group a role.
        ({"group_roles": [{"role": "coordinator", "group": "g"}]}, 422, "groups_claim"),
        (
            {
                "groups_claim": "groups",
                "group_roles": [{"role": "area_administrator", "group": "g"}],
            },
            400,
            "group_roles",
        ),
        (
            {
                "groups_claim": "groups",
                "group_roles": [
                    {"role": "coordinator", "group": "a"},
                    {"role": "coordinator", "group": "b"},
                ],
            },
            400,
            "group_roles",
        ),
    ],
)
def test_settings_that_break_a_rule_keep_nothing(
    area: Area, agency: Agency, issuer: str, change: dict[str, Any], status: int, field: str
) -> None:
    admin = client_as(Role.AREA_ADMINISTRATOR, area, agency)
    response = admin.put(url(area, agency), settings_for(issuer, **change), format="json")
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]
    assert not IdentityProvider.objects.exists()


def test_groups_give_roles_in_the_administrators_area_alone(
    area: Area, agency: Agency, issuer: str
) -> None:
    elsewhere = AreaFactory.create()
    agency.areas.add(elsewhere)
    admin = client_as(Role.AREA_ADMINISTRATOR, area, agency)
    their_admin = client_as(Role.AREA_ADMINISTRATOR, elsewhere, agency)
    mine = [{"role": "coordinator", "group": "cse-coordinators"}]
    theirs = [{"role": "practitioner", "group": "all-staff"}]

    put = admin.put(
        url(area, agency), settings_for(issuer, groups_claim="groups", group_roles=mine), "json"
    )
    assert put.status_code == 200 and put.json()["group_roles"] == mine
    changed = settings_for(issuer, groups_claim="groups", group_roles=theirs)
    assert their_admin.put(url(elsewhere, agency), changed, format="json").status_code == 200

    assert admin.get(url(area, agency)).json()["group_roles"] == mine
    assert their_admin.get(url(elsewhere, agency)).json()["group_roles"] == theirs
    saved = AuditEvent.objects.filter(action=AuditAction.CREATE, area=area).get()
    assert saved.details["group_roles"] == {"coordinator": "cse-coordinators"}
    # Giving no group a role in the area ends the area's mappings, and only them.
    assert admin.put(url(area, agency), settings_for(issuer), format="json").status_code == 200
    assert admin.get(url(area, agency)).json()["group_roles"] == []
    assert their_admin.get(url(elsewhere, agency)).json()["group_roles"] == theirs


def test_an_issuer_whose_discovery_cannot_be_read_is_refused(
    area: Area, agency: Agency, issuer: str
) -> None:
    admin = client_as(Role.AREA_ADMINISTRATOR, area, agency)
    response = admin.put(url(area, agency), settings_for(f"{issuer}/elsewhere"), format="json")
    assert response.status_code == 422
    assert "issuer" in response.json()["error"]["fields"]
    assert not IdentityProvider.objects.exists()


def test_other_roles_and_other_areas_agencies_are_refused(
    area: Area, agency: Agency, issuer: str
) -> None:
    coordinator = client_as(Role.COORDINATOR, area, agency)
    assert (
        coordinator.put(url(area, agency), settings_for(issuer), format="json").status_code == 403
    )
    admin = client_as(Role.AREA_ADMINISTRATOR, area, agency)
    elsewhere = AgencyFactory.create(areas=[AreaFactory.create()])
    assert admin.put(url(area, elsewhere), settings_for(issuer), format="json").status_code == 404
    assert not IdentityProvider.objects.exists()
