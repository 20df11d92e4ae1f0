"""Every API failure answers {"error": {"code", "message", "fields"}}, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.throttling import UserRateThrottle
from rest_framework.views import APIView

from agencies.models import Role
from api.errors import Conflict
from tests.factories import member, sign_in

pytestmark = pytest.mark.django_db

TOKENS = "/api/v1/tokens/"


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


@pytest.fixture
def signed_in(api_client: APIClient) -> APIClient:
    sign_in(api_client, member(Role.COORDINATOR))
    return api_client


def test_unknown_api_url_is_a_json_404(api_client: APIClient) -> None:
    assert_error(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_unauthenticated_is_401_with_a_bearer_challenge(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


def test_malformed_json_is_400(signed_in: APIClient) -> None:
    response = signed_in.post(TOKENS, data='{"name": ', content_type="application/json")
    assert_error(response, 400, "parse_error")


def test_wrong_content_type_is_415(signed_in: APIClient) -> None:
    response = signed_in.post(
        TOKENS, data="name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type")


def test_invalid_fields_are_listed_by_name(signed_in: APIClient) -> None:
    response = signed_in.post(TOKENS, {"name": "", "lifetime_days": 1000}, format="json")
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"name", "lifetime_days"}
    assert all(isinstance(msg, str) for msgs in error["fields"].values() for msg in msgs)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_is_413_before_parsing(signed_in: APIClient) -> None:
    body = '{"name": "' + "x" * 2048 + '"}'
    response = signed_in.post(TOKENS, data=body, content_type="application/json")
    assert_error(response, 413, "payload_too_large")


def test_method_not_allowed_is_405(signed_in: APIClient) -> None:
    assert_error(signed_in.delete("/api/v1/me/"), 405, "method_not_allowed")


def test_a_token_cannot_mint_another_token(api_client: APIClient) -> None:
    from api.services import api_token_create

    _, raw = api_token_create(actor=member(Role.COORDINATOR), name="script", lifetime_days=1)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api_client.get(TOKENS).status_code == 200
    response = api_client.post(TOKENS, {"name": "another"}, format="json")
    assert_error(response, 403, "not_authenticated")


class _ConflictView(APIView):
    def post(self, request: Request) -> Response:
        raise Conflict()


class _OncePerMinute(UserRateThrottle):
    rate = "1/minute"


class _ThrottledView(APIView):
    throttle_classes = [_OncePerMinute]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def test_conflict_is_409() -> None:
    request = APIRequestFactory().post("/api/v1/x/", {}, format="json")
    request.user = member(Role.COORDINATOR)
    response = _ConflictView.as_view()(request)
    response.render()
    assert_error(response, 409, "conflict")


def test_throttled_is_429_with_retry_after() -> None:
    from django.core.cache import cache

    cache.clear()
    user = member(Role.COORDINATOR)
    factory = APIRequestFactory()

    def call() -> Any:
        request = factory.get("/api/v1/x/")
        request.user = user
        response = _ThrottledView.as_view()(request)
        response.render()
        return response

    assert call().status_code == 200
    response = call()
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
