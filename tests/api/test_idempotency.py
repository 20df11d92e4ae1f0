"""Idempotency-Key on create endpoints: a retry returns the first response and creates nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from api.models import IdempotencyKey
from referrals.models import CaseNote, Referral, YoungPerson
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

CONCERN = {"given_name": "Sam", "family_name": "Example", "estimated_age": 14}


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def raise_with(client: APIClient, key: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(
        "/api/v1/referrals/", body or CONCERN, format="json", HTTP_IDEMPOTENCY_KEY=key
    )


@pytest.fixture
def practitioner() -> User:
    return member(Role.PRACTITIONER, area=AreaFactory.create())


def test_a_retry_returns_the_first_response_and_creates_nothing(practitioner: User) -> None:
    client = api(practitioner)
    first = raise_with(client, "key-1")
    again = raise_with(client, "key-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.count() == YoungPerson.objects.count() == 1


def test_another_key_creates_another(practitioner: User) -> None:
    client = api(practitioner)
    raise_with(client, "key-1")
    raise_with(client, "key-2")
    assert Referral.objects.count() == 2


def test_the_same_key_with_another_body_or_endpoint_is_422(practitioner: User) -> None:
    client = api(practitioner)
    raise_with(client, "key-1")
    response = raise_with(client, "key-1", {**CONCERN, "given_name": "Alex"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    coordinator = member(Role.COORDINATOR, area=practitioner.memberships.get().area)
    referral = raise_referral(practitioner, submit=True)
    notes = f"/api/v1/referrals/{referral.reference}/notes/"
    coordinators = api(coordinator)
    noted = coordinators.post(notes, {"text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert noted.status_code == 201
    elsewhere = f"/api/v1/referrals/{referral.reference}/actions/"
    response = coordinators.post(elsewhere, {"text": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert Referral.objects.count() == 2


def test_keys_are_each_users_own(practitioner: User) -> None:
    colleague = member(Role.PRACTITIONER, area=practitioner.memberships.get().area)
    raise_with(api(practitioner), "shared")
    response = raise_with(api(colleague), "shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Referral.objects.count() == 2


def test_a_refused_request_keeps_no_key_so_the_corrected_one_can_use_it(
    practitioner: User,
) -> None:
    client = api(practitioner)
    bad = raise_with(client, "key-1", {**CONCERN, "nhs_number": "943 476 5918"})
    assert bad.status_code == 422
    assert not IdempotencyKey.objects.exists()
    assert raise_with(client, "key-1").status_code == 201


def test_keys_expire_after_a_day(practitioner: User) -> None:
    client = api(practitioner)
    raise_with(client, "key-1")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = raise_with(client, "key-1")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "with space", "é"])
def test_a_malformed_key_is_400(practitioner: User, key: str) -> None:
    response = raise_with(api(practitioner), key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]
    assert not Referral.objects.exists()


def test_casework_creates_are_idempotent_too(practitioner: User) -> None:
    area = practitioner.memberships.get().area
    referral = raise_referral(practitioner, submit=True)
    client = api(member(Role.COORDINATOR, area=area))
    url = f"/api/v1/referrals/{referral.reference}/notes/"
    responses = [
        client.post(url, {"text": "Called the school."}, format="json", HTTP_IDEMPOTENCY_KEY="n")
        for _ in range(2)
    ]
    assert responses[0].json() == responses[1].json()
    assert CaseNote.objects.count() == 1
    assert referral.events.filter(event_type="note_added").count() == 1


@pytest.mark.django_db(transaction=True)  # threads, each with its own connection
def test_two_retries_at_once_raise_one_concern(practitioner: User) -> None:
    clients = [api(practitioner), api(practitioner)]
    barrier = threading.Barrier(len(clients))
    responses: list[Any] = []

    def send(client: APIClient) -> None:
        barrier.wait()
        try:
            responses.append(raise_with(client, "same-key"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sum("Idempotent-Replayed" in r for r in responses) == 1
    assert Referral.objects.count() == YoungPerson.objects.count() == 1


def test_the_daily_purge_forgets_only_keys_older_than_a_day(practitioner: User) -> None:
    from api.tasks import purge_idempotency_keys

    client = api(practitioner)
    raise_with(client, "old-key")
    raise_with(client, "new-key")
    IdempotencyKey.objects.filter(key="old-key").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert purge_idempotency_keys.apply().get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-key"]
