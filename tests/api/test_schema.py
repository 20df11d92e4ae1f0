"""The OpenAPI schema is valid, and the server and the schema agree: schemathesis, with every
check it has, finds nothing as any role that uses the API, nor without credentials.

`make test` runs it as a coordinator, with the coverage phase's boundary values; `make
test-api-roles` (its own step in CI) as every other role, with generated requests only: the
boundaries are the same for every role, so only the coordinator pays for them. That step also
chains the coordinator's calls (the stateful phase): what one call creates, the next reads,
changes or acts on, along the links schemathesis infers from the schema.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.config import PositiveDataAcceptanceConfig

from agencies.models import AgencyType, Role
from api.schema import NOT_BLANK
from api.services import api_token_create
from disruption.services import person_of_concern_create
from tests.conftest import shared_rows
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in
from tests.strength import examples


@pytest.fixture(autouse=True)
def keep_test_connection_open() -> Iterator[None]:
    # Called in-process, the WSGI handler would close the test's database connection at the
    # end of each request; Django's own test client detaches that hook in the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def bearers(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[Role, dict[str, str]]]:
    """A token for each role, all in one area (the national analyst in none), with a submitted
    referral and a person of concern there so that lists and links are not empty."""
    with django_db_blocker.unblock(), shared_rows():
        area = AreaFactory.create()
        police = AgencyFactory.create(areas=[area], agency_type=AgencyType.POLICE)
        school = AgencyFactory.create(areas=[area])
        people = {
            role: member(role, area=area, agency=police if role is Role.POLICE_LEAD else school)
            for role in Role
        }
        raise_referral(people[Role.PRACTITIONER], submit=True)
        person_of_concern_create(actor=people[Role.POLICE_LEAD], area=area, name="Synthetic")
        yield {role: _bearer(user) for role, user in people.items()}


def _bearer(user: Any) -> dict[str, str]:
    _, raw = api_token_create(actor=user, name="schemathesis", lifetime_days=1)
    return {"Authorization": f"Bearer {raw}"}


def _with(source: Any, *, coverage: bool) -> Any:
    """`source` with a configuration of its own: the coverage phase on or off, and a body of
    the schema's shape that a rule refuses counted as handled when the answer is the documented
    422 (docs/architecture.md), as schemathesis already counts 404 and 409."""
    schema = source.clone()
    schema.config = copy.deepcopy(source.config)
    schema.config.phases.coverage.enabled = coverage
    accepted = schema.config.checks.positive_data_acceptance.expected_statuses
    schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
        expected_statuses=[*accepted, "422"]
    )
    return schema


# Loaded at collection: the schema view reads no database, so this needs no test database.
loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
schema = _with(loaded, coverage=True)
# Without credentials every operation is refused before its input is read, and as other roles
# the coverage phase's boundary values would meet the same validation again.
role_schema = _with(loaded, coverage=False)
OTHER_ROLES = [role for role in Role if role is not Role.COORDINATOR]
SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@schema.parametrize()
@settings(SETTINGS, max_examples=examples(10))
def test_a_coordinator_meets_every_check(
    case: Any, bearers: dict[Role, dict[str, str]], db: Any
) -> None:
    case.call_and_validate(headers=bearers[Role.COORDINATOR])


@pytest.mark.api_roles
@pytest.mark.parametrize("role", OTHER_ROLES, ids=[role.value for role in OTHER_ROLES])
@role_schema.parametrize()
@settings(SETTINGS, max_examples=examples(5))
def test_every_other_role_meets_every_check(
    case: Any, role: Role, bearers: dict[Role, dict[str, str]], db: Any
) -> None:
    case.call_and_validate(headers=bearers[role])


# Chained calls need credentials the way schemathesis knows them, so that its check of ignored
# credentials takes them out rather than counting them as part of the generated request. Loaded
# again: a clone shares its source's credentials, and the other runs must not carry these.
chained = _with(
    schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()), coverage=False
)
COORDINATOR_TOKEN: dict[str, str] = {}


@chained.auth(refresh_interval=None)
class CoordinatorToken:
    def get(self, case: Any, context: Any) -> str:
        return COORDINATOR_TOKEN["Authorization"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.mark.api_roles
def test_a_coordinators_chained_calls_meet_every_check(
    bearers: dict[Role, dict[str, str]], db: Any
) -> None:
    COORDINATOR_TOKEN.update(bearers[Role.COORDINATOR])
    chained.as_state_machine().run(
        settings=settings(SETTINGS, max_examples=examples(40), stateful_step_count=8, deadline=None)
    )


@role_schema.parametrize()
@settings(max_examples=examples(10), deadline=None, suppress_health_check=list(HealthCheck))
def test_an_anonymous_caller_meets_every_check(case: Any, db: Any) -> None:
    case.call_and_validate()


@pytest.mark.parametrize("code", [*range(0x21), 0x85, 0xA0, 0x1680, 0x200B, 0x3000, 0xFEFF])
def test_the_schema_calls_blank_exactly_the_text_the_server_trims_to_nothing(code: int) -> None:
    # Each trimmed character by its code: `\s` means other sets in other regex dialects
    # (schemathesis generated U+001F, which Python trims, as text that is not blank).
    assert "\\s" not in NOT_BLANK
    for text in (chr(code), f" {chr(code)} "):
        server_blank = text.strip() == "" or "\x00" in text
        assert (re.fullmatch(NOT_BLANK, text) is None) == server_blank, hex(code)


def test_schema_documents_every_v1_endpoint(api_client: APIClient, db: Any) -> None:
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = set(response.json()["paths"])
    assert paths == {
        "/api/v1/me/",
        "/api/v1/administration/areas/",
        "/api/v1/administration/{ons_code}/people/",
        "/api/v1/administration/{ons_code}/people/{id}/deactivate/",
        "/api/v1/administration/{ons_code}/memberships/{id}/end/",
        "/api/v1/administration/{ons_code}/agencies/",
        "/api/v1/administration/{ons_code}/agencies/{id}/deactivate/",
        "/api/v1/administration/{ons_code}/agencies/{id}/sign-in/",
        "/api/v1/administration/{ons_code}/provisioning-tokens/",
        "/api/v1/administration/{ons_code}/provisioning-tokens/{id}/revoke/",
        "/api/v1/administration/{ons_code}/settings/",
        "/api/v1/administration/{ons_code}/lockouts/",
        "/api/v1/areas/{ons_code}/retention-schedule/",
        "/api/v1/areas/{ons_code}/retention-schedule/{kind}/",
        "/api/v1/areas/{ons_code}/retention-reviews/",
        "/api/v1/areas/{ons_code}/retention-reviews/{id}/keep/",
        "/api/v1/areas/{ons_code}/retention-reviews/{id}/approve/",
        "/api/v1/areas/{ons_code}/tombstones/",
        "/api/v1/areas/{ons_code}/legal-holds/",
        "/api/v1/areas/{ons_code}/legal-holds/{id}/release/",
        "/api/v1/administration/{ons_code}/emails/",
        "/api/v1/administration/{ons_code}/audit/",
        "/api/v1/administration/{ons_code}/audit/export.csv",
        "/api/v1/national-returns/",
        "/api/v1/national-returns/areas/{ons_code}/",
        "/api/v1/national-returns/tables/",
        "/api/v1/notification-preferences/",
        "/api/v1/notifications/",
        "/api/v1/notifications/{id}/read/",
        "/api/v1/notifications/read-all/",
        "/api/v1/tokens/",
        "/api/v1/tokens/{id}/revoke/",
        "/api/v1/referrals/",
        "/api/v1/triage-queue/",
        "/api/v1/referrals/{reference}/",
        "/api/v1/referrals/{reference}/break-glass/",
        "/api/v1/break-glass-reviews/",
        "/api/v1/break-glass-reviews/{id}/",
        "/api/v1/referrals/{reference}/transitions/",
        "/api/v1/referrals/{reference}/transitions/{name}/",
        "/api/v1/referrals/{reference}/actions/",
        "/api/v1/referrals/{reference}/actions/{id}/",
        "/api/v1/referrals/{reference}/actions/{id}/owner/",
        "/api/v1/referrals/{reference}/missing-episodes/",
        "/api/v1/referrals/{reference}/missing-episodes/{id}/return/",
        "/api/v1/referrals/{reference}/missing-episodes/{id}/interview/",
        "/api/v1/referrals/{reference}/notes/",
        "/api/v1/referrals/{reference}/young-person/correct/",
        "/api/v1/overdue-actions/",
        "/api/v1/my-cases/",
        "/api/v1/referrals/{reference}/seen-by/",
        "/api/v1/my-actions/",
        "/api/v1/referrals/{reference}/strategy-discussions/",
        "/api/v1/referrals/{reference}/strategy-discussions/{id}/",
        "/api/v1/referrals/{reference}/section-47-enquiries/",
        "/api/v1/referrals/{reference}/section-47-enquiries/{id}/",
        "/api/v1/referrals/{reference}/nrm-referrals/",
        "/api/v1/referrals/{reference}/nrm-referrals/{id}/",
        "/api/v1/referrals/{reference}/timeline/",
        "/api/v1/information-requests/",
        "/api/v1/information-requests/{id}/",
        "/api/v1/information-requests/{id}/answer/",
        "/api/v1/information-requests/{id}/decline/",
        "/api/v1/search/",
        "/api/v1/young-people/",
        "/api/v1/young-people/{id}/",
        "/api/v1/young-people/{id}/timeline/",
        "/api/v1/young-people/{id}/merges/",
        "/api/v1/young-people/{id}/subject-access/",
        "/api/v1/subject-access-exports/{id}/",
        "/api/v1/subject-access-exports/{id}/agree/",
        "/api/v1/subject-access-exports/{id}/extend/",
        "/api/v1/persons-of-concern/{id}/subject-access/",
        "/api/v1/subject-access-exports/{id}/download/{part}/",
        "/api/v1/young-people/{id}/restriction/",
        "/api/v1/young-people/{id}/restriction/lift/",
        "/api/v1/young-person-merges/{id}/undo/",
        "/api/v1/referrals/{reference}/young-person/matches/",
        "/api/v1/meetings/",
        "/api/v1/meetings/{id}/",
        "/api/v1/meetings/{id}/propose-agenda/",
        "/api/v1/meetings/{id}/items/",
        "/api/v1/meetings/{id}/items/{item}/decision/",
        "/api/v1/meetings/{id}/minutes/",
        "/api/v1/persons-of-concern/",
        "/api/v1/persons-of-concern/{id}/",
        "/api/v1/locations/",
        "/api/v1/locations/{id}/",
        "/api/v1/vehicles/",
        "/api/v1/vehicles/{id}/",
        "/api/v1/identifiers/",
        "/api/v1/identifiers/{id}/",
        "/api/v1/links/",
        "/api/v1/links/{id}/share/",
        "/api/v1/link-alerts/",
        "/api/v1/link-alerts/{id}/review/",
        "/api/v1/disruption-activities/",
        "/api/v1/disruption-activities/{id}/",
        "/api/v1/disruption-tactics/",
        "/api/v1/disruption-tactics/{code}/retire/",
        "/api/v1/disruption-tactics/{code}/use/",
        "/api/v1/protective-action-types/",
        "/api/v1/protective-action-types/{code}/retire/",
        "/api/v1/protective-action-types/{code}/use/",
        "/api/v1/screening-tools/",
        "/api/v1/screening-tools/{version}/",
        "/api/v1/screening-tools/{version}/retire/",
        "/api/v1/screening-tools/{version}/use/",
        "/api/v1/network/{kind}/{id}/",
        "/api/v1/clusters/",
        "/api/v1/reports/areas/",
        "/api/v1/reports/areas/{ons_code}/dashboard/",
        "/api/v1/reports/areas/{ons_code}/dashboard/export.{fmt}",
        "/api/v1/strategy-profiles/",
        "/api/v1/strategy-profiles/{ons_code}/{year}/",
        "/api/v1/strategy-profiles/{ons_code}/sessions/",
        "/api/v1/strategy-library/",
        "/api/v1/strategy-library/{id}/download/",
        "/api/v1/strategy-profiles/{ons_code}/{year}/documents/",
        "/api/v1/strategy-profile-imports/",
        "/api/v1/strategy-profile-imports/{id}/",
        "/api/v1/strategy-profile-comparison/",
        "/api/v1/referrals/{reference}/mentions/",
        "/api/v1/referrals/{reference}/mentions/{number}/",
    }


def test_the_triage_queue_answers_as_documented(
    bearers: dict[Role, dict[str, str]], db: Any
) -> None:
    # The coordinator's area has a submitted referral queued (see `bearers`), so the page read
    # against the schema holds a row, with the fields only the queue's rows carry.
    case = loaded["/api/v1/triage-queue/"]["GET"].Case()
    response = case.call_and_validate(headers=bearers[Role.COORDINATOR])
    rows = response.json()["results"]
    assert rows and {"rag", "due_at", "risk_level", "age"} <= set(rows[0])
    assert "next_after" in response.json()


def test_swagger_ui_is_served_from_local_assets(client: Any, db: Any) -> None:
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "https://" not in html


def test_fields_that_come_back_empty_are_nullable_in_the_schema(
    api_client: APIClient, db: Any
) -> None:
    schemas = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"]
    properties = schemas["schemas"]
    assert properties["Link"]["properties"]["referral"]["nullable"] is True
    assert properties["LinkAlert"]["properties"]["police_agency"]["nullable"] is True
    # A national analyst's membership (GET /me/) holds no area and no agency.
    assert properties["Membership"]["properties"]["area"]["nullable"] is True
    assert properties["Membership"]["properties"]["agency"]["nullable"] is True


def test_a_file_is_documented_as_holding_something(api_client: APIClient, db: Any) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    body = schema["paths"]["/api/v1/strategy-profile-imports/"]["post"]["requestBody"]
    form = body["content"]["multipart/form-data"]["schema"]
    properties = schema["components"]["schemas"][form["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert properties["file"]["minLength"] == 1
    analyst = APIClient()
    sign_in(analyst, member(Role.NATIONAL_ANALYST))
    empty = SimpleUploadedFile("profiles.csv", b"", content_type="text/csv")
    answer = analyst.post("/api/v1/strategy-profile-imports/", {"file": empty})
    assert answer.status_code == 400


def test_every_operation_documents_the_error_body(api_client: APIClient, db: Any) -> None:
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            documented = set(operation["responses"])
            assert {"401", "403", "429", "503"} <= documented, (method, path)
            if "{" in path:
                assert "404" in documented, (method, path)
            if method in {"post", "put", "patch"}:
                assert {"400", "404", "409", "413", "415", "422"} <= documented, (method, path)


def test_a_list_whose_query_names_a_record_documents_404(api_client: APIClient, db: Any) -> None:
    # `?area=` names an area the caller may not see, and a list without pages answers 404 then.
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "404" in schema["paths"]["/api/v1/clusters/"]["get"]["responses"]


def test_text_that_may_not_be_blank_is_documented_as_more_than_spaces(
    api_client: APIClient, db: Any
) -> None:
    # The server trims text first, so spaces alone are as blank as nothing (400).
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    properties = schema["components"]["schemas"]["VehicleWriteRequest"]["properties"]
    not_blank = re.compile(properties["registration"]["pattern"])
    assert not not_blank.search("   ") and not_blank.search(" AB12 CDE ")
    assert re.compile(properties["make"]["pattern"]).search("   ")
    refused = APIClient()
    sign_in(refused, member(Role.POLICE_LEAD))
    answer = refused.post("/api/v1/vehicles/", {"registration": "   "}, format="json")
    assert answer.status_code == 400
    assert "registration" in answer.json()["error"]["fields"]
