"""Information requests through the API: the caller's both ways, one, the answer and the
refusal, with the pages' rules and audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from agencies.models import User
from audit.models import AuditAction, AuditEvent
from referrals.models import InformationRequest, InformationRequestStatus
from tests.factories import sign_in
from tests.referrals.asking import Asking, build_asking

pytestmark = pytest.mark.django_db

LIST = "/api/v1/information-requests/"


@pytest.fixture
def asking() -> Asking:
    return build_asking()


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def url(asking: Asking, rest: str = "") -> str:
    return f"{LIST}{asking.request.pk}/{rest}"


def test_the_list_holds_the_callers_requests_both_ways_each_recorded_as_seen(
    asking: Asking, django_assert_max_num_queries: Any
) -> None:
    lead = api(asking.lead)
    with django_assert_max_num_queries(12):
        listed = lead.get(LIST)
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert row["id"] == asking.request.pk
    assert (row["referral"], row["young_person"], row["date_of_birth"]) == (
        asking.referral.reference,
        "Amira Khan",
        "2011-04-02",
    )
    assert "narrative" not in row
    assert AuditEvent.objects.filter(
        actor=asking.lead, action=AuditAction.VIEW, object_id=str(asking.request.pk)
    ).exists()
    assert lead.get(LIST, {"direction": "by_me"}).json()["results"] == []
    assert [r["id"] for r in api(asking.coordinator).get(LIST).json()["results"]] == [
        asking.request.pk
    ]
    assert api(asking.other_lead).get(LIST).json()["results"] == []
    assert lead.get(LIST, {"direction": "sideways"}).status_code == 400
    assert set(lead.get(LIST, {"direction": ""}).json()["error"]["fields"]) == {"direction"}


@pytest.mark.parametrize("size", ["abc", "0", "201"])
def test_a_page_size_the_server_would_not_use_is_refused(asking: Asking, size: str) -> None:
    refused = api(asking.lead).get(LIST, {"page_size": size})
    assert refused.status_code == 400
    assert "page_size" in refused.json()["error"]["fields"]


def test_one_request_is_404_outside_scope(asking: Asking) -> None:
    assert api(asking.lead).get(url(asking)).json()["question"] == "Is she attending school?"
    for client in (api(asking.other_lead),):
        assert client.get(url(asking)).status_code == 404
        assert client.post(url(asking, "answer/"), {"answer": "x"}, format="json").status_code == (
            404
        )
        assert client.post(url(asking, "decline/"), {"reason": "x"}, format="json").status_code == (
            404
        )


def test_the_agency_asked_answers_once_with_a_document(asking: Asking) -> None:
    lead = api(asking.lead)
    assert (
        api(asking.coordinator)
        .post(url(asking, "answer/"), {"answer": "Yes"}, format="json")
        .status_code
        == 403
    )
    refused = lead.post(
        url(asking, "answer/"),
        {"answer": "Yes", "attachment": SimpleUploadedFile("notes.exe", b"MZ")},
        format="multipart",
    )
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"attachment"}
    answered = lead.post(
        url(asking, "answer/"),
        {"answer": "She attends most days.", "attachment": SimpleUploadedFile("a.txt", b"92%")},
        format="multipart",
    )
    assert answered.status_code == 200, answered.json()
    body = answered.json()
    assert (body["status"], body["answer"], body["attachment_name"]) == (
        InformationRequestStatus.ANSWERED,
        "She attends most days.",
        "a.txt",
    )
    again = lead.post(url(asking, "decline/"), {"reason": "Not known"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"


def test_the_answer_is_documented_as_json_and_as_multipart(api_client: APIClient) -> None:
    # Both bodies the operation reads are in the schema; only multipart carries the document.
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["paths"]["/api/v1/information-requests/{id}/answer/"]["post"]["requestBody"]
    components = schema["components"]["schemas"]

    def fields(content_type: str) -> dict[str, Any]:
        ref = body["content"][content_type]["schema"]["$ref"]
        return dict(components[ref.rsplit("/", 1)[-1]]["properties"])

    assert set(body["content"]) == {"application/json", "multipart/form-data"}
    assert set(fields("application/json")) == {"answer"}
    assert fields("multipart/form-data")["attachment"]["format"] == "binary"


@pytest.mark.parametrize(
    ("form", "sent", "attached"),
    [
        ("json", {"answer": "She attends."}, ""),
        ("multipart", {"answer": "She attends."}, ""),
        (
            "multipart",
            {"answer": "She attends.", "attachment": SimpleUploadedFile("a.txt", b"92%")},
            "a.txt",
        ),
    ],
)
def test_the_answer_is_read_from_either_body(
    asking: Asking, form: str, sent: dict[str, Any], attached: str
) -> None:
    answered = api(asking.lead).post(url(asking, "answer/"), sent, format=form)
    assert answered.status_code == 200, answered.json()
    assert (answered.json()["answer"], answered.json()["attachment_name"]) == (
        "She attends.",
        attached,
    )


def test_an_answer_with_a_document_retried_with_its_key_is_answered_once(asking: Asking) -> None:
    lead = api(asking.lead)

    def answer(content: bytes) -> Any:
        return lead.post(
            url(asking, "answer/"),
            {"answer": "She attends.", "attachment": SimpleUploadedFile("a.txt", content)},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="answer-1",
        )

    first, retried = answer(b"92%"), answer(b"92%")

    assert first.status_code == retried.status_code == 200
    assert retried.json() == first.json() and retried["Idempotent-Replayed"] == "true"
    # The same key with another document is another request: refused, nothing changed.
    other = answer(b"93%")
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    asked = InformationRequest.objects.get(pk=asking.request.pk)
    assert asked.attachment.read() == b"92%"


def test_the_agency_asked_declines_with_a_reason(asking: Asking) -> None:
    lead = api(asking.lead)
    empty = lead.post(url(asking, "decline/"), {"reason": ""}, format="json")
    assert empty.status_code == 400
    declined = lead.post(url(asking, "decline/"), {"reason": "Not known to us."}, format="json")
    assert declined.status_code == 200
    assert declined.json()["status"] == InformationRequestStatus.DECLINED
    assert declined.json()["declined_reason"] == "Not known to us."
    coordinator_view = api(asking.coordinator).get(url(asking)).json()
    assert coordinator_view["status"] == InformationRequestStatus.DECLINED
