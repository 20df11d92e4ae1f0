"""The API tokens page: one's own tokens, created with the secret shown once, and revoked;
both recorded in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from agencies.models import Role
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

URL = "/api-tokens/"


def signed_in(user: Any) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_a_token_is_created_and_its_secret_shown_once() -> None:
    person = member(Role.PRACTITIONER)
    client = signed_in(person)
    response = client.post(URL, {"name": "Case system link", "lifetime_days": "30"})
    token = ApiToken.objects.get(user=person)
    page = response.content.decode()
    secret = response.context["created"]["secret"]
    assert secret.startswith(token.prefix) and secret in page
    assert "Copy it now" in page
    assert secret not in client.get(URL).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED, actor=person).exists()


def test_a_bad_request_is_shown_on_the_fields() -> None:
    client = signed_in(member(Role.PRACTITIONER))
    page = client.post(URL, {"name": "", "lifetime_days": "365"}).content.decode()
    assert "Enter a name for the token" in page
    assert "Choose when the token expires" in page
    assert not ApiToken.objects.exists()


def test_only_ones_own_tokens_are_listed_and_revoked() -> None:
    person, other = member(Role.COORDINATOR), member(Role.COORDINATOR)
    mine, _ = api_token_create(actor=person, name="Mine", lifetime_days=7)
    theirs, _ = api_token_create(actor=other, name="Theirs", lifetime_days=7)
    client = signed_in(person)
    page = client.get(URL).content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert "Are you sure" in client.get(f"{URL}{mine.pk}/revoke/").content.decode()
    done = client.post(f"{URL}{mine.pk}/revoke/", follow=True).content.decode()
    assert "The token &#x27;Mine&#x27; has been revoked" in done
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKED, actor=person).exists()
