"""/api/v1/national-returns/: an area's return as CSV, the national import and tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Area, Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import YoungPerson
from reports.models import NationalReturn
from tests.factories import AreaFactory, member, raise_referral, sign_in
from tests.reports.helpers import months_of_the_week
from tests.reports.test_national import NHS_NUMBERS, file_of, good_row

pytestmark = pytest.mark.django_db

URL = "/api/v1/national-returns/"


def week() -> dict[str, str]:
    today = timezone.localdate()
    return {"kind": "custom", "start": str(today - timedelta(days=6)), "end": str(today)}


def client_for(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


def area_return(area: Area) -> str:
    response = client_for(member(Role.COORDINATOR, area=area)).get(
        f"{URL}areas/{area.ons_code}/", week()
    )
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return response.content.decode()


def upload(client: APIClient, text: str, key: str | None = None, **extra: Any) -> Any:
    file = SimpleUploadedFile("returns.csv", text.encode(), content_type="text/csv")
    headers = {} if key is None else {"Idempotency-Key": key}
    return client.post(URL, {"file": file, **extra}, format="multipart", headers=headers)


def test_an_area_return_is_a_csv_file_of_its_concerns(django_assert_max_num_queries: Any) -> None:
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    for _ in range(3):
        raise_referral(practitioner, submit=True)
    client = client_for(member(Role.AREA_ADMINISTRATOR, area=area))
    with django_assert_max_num_queries(13):
        response = client.get(f"{URL}areas/{area.ons_code}/", week())
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["row_number"] for row in rows] == ["1", "2", "3"]
    assert area.ons_code in response["Content-Disposition"]


def test_a_period_not_understood_is_a_422_by_field() -> None:
    area = AreaFactory.create()
    client = client_for(member(Role.COORDINATOR, area=area))
    response = client.get(f"{URL}areas/{area.ons_code}/", {"kind": "custom", "start": "2026-01-01"})
    assert response.status_code == 422
    assert "end" in response.json()["error"]["fields"]
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    response = client.get(f"{URL}areas/{area.ons_code}/", {"kind": "month", "on": tomorrow})
    assert response.status_code == 422 and "on" in response.json()["error"]["fields"]


@override_settings(NATIONAL_TOKEN_KEY="")
def test_without_the_key_the_return_is_refused_with_a_clear_message() -> None:
    area = AreaFactory.create()
    response = client_for(member(Role.COORDINATOR, area=area)).get(
        f"{URL}areas/{area.ons_code}/", week()
    )
    assert response.status_code == 503
    assert "NATIONAL_TOKEN_KEY" in response.json()["error"]["message"]


def test_a_young_person_in_two_areas_is_one_young_person_through_the_api(
    django_assert_max_num_queries: Any,
) -> None:
    north, south = AreaFactory.create(), AreaFactory.create()
    for area in (north, south):
        for nhs_number in NHS_NUMBERS:
            raise_referral(member(Role.PRACTITIONER, area=area), submit=True, nhs_number=nhs_number)
    analyst = client_for(member(Role.NATIONAL_ANALYST))
    for area in (north, south):
        response = upload(analyst, area_return(area))
        assert response.status_code == 201, response.content
        assert response.json()["rows"] == 6
    with django_assert_max_num_queries(13):
        tables = analyst.get(f"{URL}tables/", months_of_the_week())
    assert tables.status_code == 200
    summary = {row["key"]: row["figure"]["shown"] for row in tables.json()["summary"]}
    assert (summary["referrals"], summary["young_people"]) == ("12", "6")
    assert summary["in_several_areas"] == "6"
    text = json.dumps(tables.json())
    for person in YoungPerson.objects.all():
        for needle in (person.given_name, person.nhs_number, str(person.date_of_birth)):
            assert needle not in text


def test_a_bad_file_is_refused_naming_row_and_column_and_nothing_is_imported() -> None:
    area = AreaFactory.create()
    analyst = client_for(member(Role.NATIONAL_ANALYST))
    text = file_of([good_row(area), good_row(area, row_number="2", token="abc")])
    response = upload(analyst, text)
    assert response.status_code == 422  # a file as the schema says; its contents break rules
    body = response.json()
    assert body["error"]["code"] == "invalid_return"
    assert body["problems"] == [
        {"row": 3, "column": "token", "message": "A token is 64 characters long; this one is 3"}
    ]
    assert not NationalReturn.objects.exists()


def test_re_importing_a_period_needs_replace() -> None:
    area = AreaFactory.create()
    analyst = client_for(member(Role.NATIONAL_ANALYST))
    text = file_of([good_row(area)])
    assert upload(analyst, text).status_code == 201
    assert upload(analyst, text).status_code == 422
    response = upload(analyst, text, replace="true")
    assert response.status_code == 201 and response.json()["replaced"] == 1
    assert NationalReturn.objects.count() == 1


def test_an_import_is_recorded_and_only_national_analysts_may_import() -> None:
    area = AreaFactory.create()
    text = file_of([good_row(area)])
    for role in (Role.COORDINATOR, Role.BOARD_MEMBER):
        assert upload(client_for(member(role, area=area)), text).status_code == 404
    analyst = member(Role.NATIONAL_ANALYST)
    assert upload(client_for(analyst), text).status_code == 201
    recorded = AuditEvent.objects.get(actor=analyst, action=AuditAction.CREATE)
    imported = NationalReturn.objects.get()
    assert (recorded.object_id, recorded.area_id) == (str(imported.pk), area.pk)
    assert recorded.details["import"] == "national_return"


def test_an_import_retried_with_its_key_is_imported_once() -> None:
    area = AreaFactory.create()
    analyst = member(Role.NATIONAL_ANALYST)
    client = client_for(analyst)
    text = file_of([good_row(area)])

    first = upload(client, text, key="returns-1")
    retried = upload(client, text, key="returns-1")

    assert first.status_code == retried.status_code == 201, retried.content
    assert retried.json() == first.json() and retried["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert NationalReturn.objects.count() == 1
    assert AuditEvent.objects.filter(actor=analyst, action=AuditAction.CREATE).count() == 1
    # Without `replace` the same file again would be refused: the replay read nothing.
    other = upload(client, text, key="returns-1", replace="true")
    assert other.status_code == 422
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert NationalReturn.objects.count() == 1


def test_a_refused_import_keeps_no_key() -> None:
    area = AreaFactory.create()
    client = client_for(member(Role.NATIONAL_ANALYST))
    bad = file_of([good_row(area, token="abc")])

    refused = upload(client, bad, key="returns-2")
    again = upload(client, bad, key="returns-2")

    # Checked again, not replayed: a refusal is not stored under the key.
    for answer in (refused, again):
        assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_return"
        assert "Idempotent-Replayed" not in answer
    # The corrected file goes with the same key.
    corrected = upload(client, file_of([good_row(area)]), key="returns-2")
    assert corrected.status_code == 201, corrected.content
    assert NationalReturn.objects.count() == 1


def test_the_import_documents_its_idempotency_key(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"][URL]["post"]["parameters"]
    assert "Idempotency-Key" in {p["name"] for p in parameters if p["in"] == "header"}


def test_tables_need_both_dates() -> None:
    response = client_for(member(Role.NATIONAL_ANALYST)).get(f"{URL}tables/", {"start": "x"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"start", "end"}


def test_a_file_of_many_areas_may_be_larger_than_other_requests() -> None:
    areas = [AreaFactory.create() for _ in range(3)]
    rows = [
        good_row(area, row_number=str(n), token=f"{n:064x}")
        for area in areas
        for n in range(1, 2501)
    ]
    text = file_of(rows)
    assert len(text) > 1024 * 1024  # over the limit of every other request body
    response = upload(client_for(member(Role.NATIONAL_ANALYST)), text)
    assert response.status_code == 201, response.content
    assert response.json()["rows"] == 7500


@override_settings(NATIONAL_IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_import_limit_is_refused_before_it_is_read() -> None:
    area = AreaFactory.create()
    rows = [good_row(area, row_number=str(n)) for n in range(1, 20)]
    response = upload(client_for(member(Role.NATIONAL_ANALYST)), file_of(rows))
    assert response.status_code == 413
    assert not NationalReturn.objects.exists()


def test_a_cell_of_200_kb_is_a_422_naming_the_row_not_a_500() -> None:
    area = AreaFactory.create()
    analyst = client_for(member(Role.NATIONAL_ANALYST))
    for huge in ("x" * 200_000, '"' + ("x" * 1_000 + "\n") * 200 + '"'):
        response = upload(analyst, file_of([good_row(area)]) + huge + "\r\n")
        assert response.status_code == 422
        [problem] = response.json()["problems"]
        assert problem["row"] == 3 and problem["column"] == ""
    assert not NationalReturn.objects.exists()


def test_a_return_cut_short_is_a_422_naming_its_row_count() -> None:
    area = AreaFactory.create()
    lines = file_of([good_row(area, row_number=str(n)) for n in (1, 2, 3)]).splitlines(True)
    response = upload(client_for(member(Role.NATIONAL_ANALYST)), "".join(lines[:-1]))
    assert response.status_code == 422
    [problem] = response.json()["problems"]
    assert problem["column"] == "return_rows" and "has 3 rows" in problem["message"]


def test_the_api_documentation_states_the_import_limits() -> None:
    schema = client_for(member(Role.NATIONAL_ANALYST)).get(
        "/api/schema/", HTTP_ACCEPT="application/json"
    )
    post = schema.json()["paths"]["/api/v1/national-returns/"]["post"]
    assert post["description"].startswith(
        "Limits: a file of at most 88 MB; at most 300,000 rows under the header; at most 100 "
        "characters in a cell."
    )
