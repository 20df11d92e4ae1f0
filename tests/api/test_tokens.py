from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role
from api.models import ApiToken
from api.services import api_token_create, token_digest
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db


def test_created_token_is_shown_once_and_stored_only_as_a_digest(api_client: APIClient) -> None:
    user = member(Role.COORDINATOR)
    sign_in(api_client, user)
    response = api_client.post(
        "/api/v1/tokens/", {"name": "laptop", "lifetime_days": 7}, format="json"
    )
    assert response.status_code == 201
    raw = response.json()["token"]
    stored = ApiToken.objects.get(user=user)
    assert stored.digest == token_digest(raw)
    assert raw not in {stored.digest, stored.prefix, stored.name}
    listing = api_client.get("/api/v1/tokens/").json()
    assert [t["name"] for t in listing["results"]] == ["laptop"]
    assert "token" not in listing["results"][0]


def test_bearer_token_authenticates_and_records_use(api_client: APIClient) -> None:
    user = member(Role.COORDINATOR)
    token, raw = api_token_create(actor=user, name="script", lifetime_days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "inactive_user", "unknown"])
def test_dead_tokens_are_refused(api_client: APIClient, state: str) -> None:
    user = member(Role.COORDINATOR)
    token, raw = api_token_create(actor=user, name="script", lifetime_days=1)
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "inactive_user":
        user.is_active = False
        user.save()
    else:
        raw = raw[::-1]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoking_is_idempotent_and_only_for_the_owner(api_client: APIClient) -> None:
    owner, other = member(Role.COORDINATOR), member(Role.COORDINATOR)
    token, _ = api_token_create(actor=owner, name="script", lifetime_days=1)
    sign_in(api_client, other)
    url = f"/api/v1/tokens/{token.pk}/revoke/"
    assert api_client.post(url).status_code == 404
    sign_in(api_client, owner)
    first = api_client.post(url).json()["revoked_at"]
    assert first is not None
    assert api_client.post(url).json()["revoked_at"] == first


def test_lifetime_is_bounded() -> None:
    with pytest.raises(ValueError):
        api_token_create(actor=member(Role.COORDINATOR), name="x", lifetime_days=0)
