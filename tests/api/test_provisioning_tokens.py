"""Provisioning (SCIM) tokens through the API: an area administrator issues one from a browser
session (the secret shown once), lists and revokes them; nobody else may, and a bearer token
may not mint one."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from agencies.models import Role
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from provisioning.models import ScimToken
from tests.factories import AgencyFactory, AreaFactory, member, sign_in
from tests.provisioning.scim_client import ScimClient, check_list

pytestmark = pytest.mark.django_db


def test_an_administrator_issues_lists_and_revokes_a_token(api_client: APIClient) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    sign_in(api_client, admin)
    url = f"/api/v1/administration/{area.ons_code}/provisioning-tokens/"

    refused = api_client.post(
        url, {"agency": agency.pk, "role": "area_administrator"}, format="json"
    )
    assert refused.status_code == 400 and "role" in refused.json()["error"]["fields"]

    issued = api_client.post(url, {"agency": agency.pk, "lifetime_days": 30}, format="json")
    assert issued.status_code == 201, issued.json()
    body = issued.json()
    assert body["role"] == Role.PRACTITIONER and body["agency"] == agency.name
    assert body["tenant_url"] == "http://testserver/scim/v2/"
    stored = ScimToken.objects.get()
    assert body["token"].startswith(stored.prefix) and body["token"] != stored.digest
    scim = ScimClient(APIClient(), body["token"])
    assert check_list(scim.list_users())["totalResults"] == 0

    listed = api_client.get(url).json()["results"]
    assert [t["id"] for t in listed] == [stored.pk] and "token" not in listed[0]

    revoked = api_client.post(f"{url}{stored.pk}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert scim.list_users().status == 401
    assert (
        AuditEvent.objects.filter(
            action__in=[AuditAction.TOKEN_CREATED, AuditAction.TOKEN_REVOKED], area=area
        ).count()
        == 2
    )


def test_only_the_areas_administrators_reach_its_tokens(api_client: APIClient) -> None:
    area, elsewhere = AreaFactory.create_batch(2)
    agency = AgencyFactory.create(areas=[area])
    other_admin = member(Role.AREA_ADMINISTRATOR, area=elsewhere)
    url = f"/api/v1/administration/{area.ons_code}/provisioning-tokens/"

    sign_in(api_client, member(Role.COORDINATOR, area=area))
    assert api_client.get(url).status_code == 403
    sign_in(api_client, other_admin)
    assert api_client.get(url).status_code == 404
    assert api_client.post(url, {"agency": agency.pk}, format="json").status_code == 404
    assert not ScimToken.objects.exists()


def test_a_bearer_token_cannot_mint_a_provisioning_token(api_client: APIClient) -> None:
    area = AreaFactory.create()
    agency = AgencyFactory.create(areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    _, raw = api_token_create(actor=admin, name="script", lifetime_days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/administration/{area.ons_code}/provisioning-tokens/"

    assert api_client.get(url).status_code == 200
    assert api_client.post(url, {"agency": agency.pk}, format="json").status_code in {401, 403}
    assert not ScimToken.objects.exists()
