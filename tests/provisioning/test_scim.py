"""SCIM 2.0 provisioning, spoken to by the client written from the RFCs (scim_client): an
agency's identity provider creates, finds, changes and deactivates its people, and sees no one
else's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Agency, Area, Membership, Role, User
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from provisioning.services import scim_token_issue, scim_token_revoke
from tests.factories import AgencyFactory, AreaFactory, MembershipFactory, member, sign_in

from .scim_client import (
    USER,
    ScimClient,
    check_attribute,
    check_error,
    check_list,
    check_service_provider_config,
    check_user,
)

pytestmark = pytest.mark.django_db


@dataclass
class World:
    area: Area
    agency: Agency
    admin: User
    scim: ScimClient  # the agency's identity provider
    other: ScimClient  # another agency's, in the same area


@pytest.fixture
def w(client: Client) -> World:
    area = AreaFactory.create()
    agency, neighbour = AgencyFactory.create_batch(2, areas=[area])
    admin = member(Role.AREA_ADMINISTRATOR, area=area, agency=agency)
    _, secret = scim_token_issue(
        actor=admin, area=area, agency=agency, role=Role.PRACTITIONER, lifetime_days=30
    )
    _, other_secret = scim_token_issue(
        actor=admin, area=area, agency=neighbour, role=Role.PRACTITIONER, lifetime_days=30
    )
    return World(
        area=area,
        agency=agency,
        admin=admin,
        scim=ScimClient(client, secret),
        other=ScimClient(Client(), other_secret),
    )


def created(
    w: World, user_name: str = "barbara.jensen@school.example", **kwargs: Any
) -> dict[str, Any]:
    answer = w.scim.create_user(user_name, **kwargs)
    assert answer.status == 201, answer
    return check_user(answer.body, headers=answer.headers)


# Discovery


def test_the_service_provider_config_describes_what_is_supported(w: World) -> None:
    config = check_service_provider_config(w.scim.service_provider_config())
    assert config["patch"]["supported"] is True
    assert config["filter"]["supported"] is True
    assert config["bulk"]["supported"] is False
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_the_schemas_and_resource_types_describe_the_user(w: World) -> None:
    schemas = check_list(w.scim.schemas())
    (user_schema,) = schemas["Resources"]
    assert user_schema["id"] == USER
    for attribute in user_schema["attributes"]:
        check_attribute(attribute)
    by_name = {a["name"]: a for a in user_schema["attributes"]}
    assert by_name["userName"]["required"] is True
    assert by_name["userName"]["uniqueness"] == "server"
    one = w.scim.request("GET", f"/Schemas/{USER}")
    assert one.status == 200 and one.body["id"] == USER

    types = check_list(w.scim.resource_types())
    (user_type,) = types["Resources"]
    assert (user_type["name"], user_type["endpoint"], user_type["schema"]) == (
        "User",
        "/Users",
        USER,
    )
    assert w.scim.request("GET", "/ResourceTypes/User").body["schema"] == USER
    check_error(w.scim.request("GET", "/ResourceTypes/Group"))


# Creating


def test_a_created_person_gets_the_tokens_role_never_one_from_the_request(w: World) -> None:
    answer = w.scim.create_user(
        "Barbara.Jensen@school.example",
        external_id="701984",
        extra={"roles": [{"value": "coordinator"}], "password": "t1meMa$heen"},
    )

    assert answer.status == 201
    resource = check_user(answer.body, headers=answer.headers)
    assert answer.headers["location"] == resource["meta"]["location"]
    assert resource["userName"] == "Barbara.Jensen@school.example"
    assert resource["externalId"] == "701984"
    assert resource["active"] is True
    assert resource["name"]["givenName"] == "Barbara"
    person = User.objects.get(username="Barbara.Jensen@school.example")
    assert not person.has_usable_password()  # they sign in through their organisation
    assert list(person.memberships.values_list("role", "area", "agency", "is_active")) == [
        (Role.PRACTITIONER, w.area.pk, w.agency.pk, True)
    ]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, object_id=str(person.pk))
    assert event.actor is None and event.area_id == w.area.pk
    assert event.details["via"] == "scim" and event.details["role"] == Role.PRACTITIONER


def test_entra_ids_create_with_its_extension_is_accepted(w: World) -> None:
    answer = w.scim.entra_create_user("sam.okafor@school.example", object_id="a1b2-c3")
    assert answer.status == 201, answer
    resource = check_user(answer.body, headers=answer.headers)
    assert resource["externalId"] == "a1b2-c3"
    assert resource["name"] == {
        "givenName": "Sam",
        "familyName": "Okafor",
        "formatted": "Sam Okafor",
    }


def test_a_taken_user_name_is_a_uniqueness_conflict(w: World) -> None:
    created(w)
    again = w.scim.create_user("BARBARA.JENSEN@school.example")
    assert again.status == 409
    check_error(again, scim_type="uniqueness")

    # Someone else's account (a coordinator of another area) is never taken over.
    coordinator = member(Role.COORDINATOR)
    theirs = w.scim.create_user(coordinator.username + "@x.example", work_email=coordinator.email)
    assert theirs.status == 409
    check_error(theirs, scim_type="uniqueness")
    assert not Membership.objects.filter(user=coordinator, agency=w.agency).exists()


def test_a_person_added_by_hand_to_the_agency_alone_is_taken_over(w: World) -> None:
    by_hand = MembershipFactory.create(
        user__username="kim.lee@school.example", area=w.area, agency=w.agency
    ).user
    answer = w.scim.create_user("kim.lee@school.example", given="Kim", family="Lee")
    assert answer.status == 201, answer
    assert answer.body["name"]["givenName"] == "Kim"
    assert User.objects.filter(username__iexact="kim.lee@school.example").get() == by_hand


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({"schemas": [USER], "name": {"givenName": "No"}}, "invalidValue"),  # no userName
        ({"schemas": [USER], "userName": "not an email"}, "invalidValue"),
        ({"schemas": [USER], "userName": "a@b.example", "active": "perhaps"}, "invalidValue"),
        ({"userName": "a@b.example"}, "invalidSyntax"),  # no schemas
        ([], "invalidSyntax"),
    ],
)
def test_a_bad_resource_is_refused_in_words(w: World, body: Any, scim_type: str) -> None:
    answer = w.scim.request("POST", "/Users", body)
    assert answer.status == 400
    check_error(answer, scim_type=scim_type)
    assert not User.objects.filter(username="a@b.example").exists()


@pytest.mark.parametrize(
    "body",
    ["{not json", "[" * 100_000 + "]" * 100_000],  # nested past the decoder's recursion
    ids=["not-json", "nested-too-deep"],
)
def test_a_body_that_is_not_json_is_invalid_syntax(w: World, client: Client, body: str) -> None:
    response = client.post(
        "/scim/v2/Users",
        body,
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {w.scim.token}"},
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


# Finding and reading


def test_a_filter_on_user_name_finds_the_person_whatever_the_case(w: World) -> None:
    person = created(w)
    created(w, "someone.else@school.example")

    found = check_list(w.scim.find_user_name("BARBARA.jensen@school.example"))
    assert found["totalResults"] == 1
    assert check_user(found["Resources"][0])["id"] == person["id"]
    assert check_list(w.scim.find_user_name("nobody@school.example"))["totalResults"] == 0


@pytest.mark.parametrize(
    "bad",
    ['emails co "school"', 'userName sw "barbara"', "userName eq barbara", 'userName eq "a" or x'],
)
def test_any_other_filter_is_an_invalid_filter(w: World, bad: str) -> None:
    answer = w.scim.list_users(filter=bad)
    assert answer.status == 400
    check_error(answer, scim_type="invalidFilter")


def test_pages_follow_start_index_and_count(w: World, django_assert_max_num_queries: Any) -> None:
    ids = [created(w, f"person{n}@school.example")["id"] for n in range(4)]

    with django_assert_max_num_queries(6):  # token, its use, the page and the count
        second = check_list(w.scim.list_users(startIndex="2", count="2"))
    assert second["totalResults"] == 4 and second["startIndex"] == 2
    assert [r["id"] for r in second["Resources"]] == ids[1:3]
    for resource in second["Resources"]:
        check_user(resource)
    assert check_list(w.scim.list_users(count="0"))["Resources"] == []
    # RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1.
    assert check_list(w.scim.list_users(startIndex="0"))["startIndex"] == 1


def test_get_answers_the_resource_with_its_etag(w: World) -> None:
    person = created(w)
    answer = w.scim.get_user(person["id"])
    assert answer.status == 200
    assert check_user(answer.body, headers=answer.headers) == person
    assert answer.headers["etag"] == person["meta"]["version"]
    assert w.scim.get_user("no-such-id").status == 404


def test_every_read_of_people_is_audited_with_whom_it_showed(w: World) -> None:
    person = created(w)
    created(w, "someone.else@school.example")
    barbara = User.objects.get(username="barbara.jensen@school.example")
    reads = AuditEvent.objects.filter(action=AuditAction.VIEW, details__via="scim")

    w.scim.get_user(person["id"])
    w.scim.find_user_name("barbara.jensen@school.example")
    w.scim.list_users(count="0")  # shows nobody: nothing to record

    single, searched = reads.order_by("pk")
    assert (single.object_id, single.area_id) == (str(barbara.pk), w.area.pk)
    assert single.details["people"] == [barbara.pk]
    assert searched.details["people"] == [barbara.pk]
    assert searched.detail.content == {"user_name_filter": "barbara.jensen@school.example"}
    assert "barbara" not in str(searched.details)  # the address stays out of the chain
    w.scim.list_users()
    assert len(reads.order_by("-pk")[0].details["people"]) == 2


# Changing


def test_put_replaces_the_person(w: World) -> None:
    person = created(w, external_id="1")
    replacement = {
        "schemas": [USER],
        "userName": "barbara.jensen@school.example",
        "externalId": "2",
        "name": {"givenName": "Babs", "familyName": "Jensen-Smith"},
        "emails": [{"value": "b.jensen@school.example", "type": "work", "primary": True}],
        "active": True,
    }
    answer = w.scim.replace_user(person["id"], replacement, if_match=person["meta"]["version"])
    assert answer.status == 200, answer
    resource = check_user(answer.body, headers=answer.headers)
    assert resource["name"]["givenName"] == "Babs" and resource["externalId"] == "2"
    assert resource["emails"][0]["value"] == "b.jensen@school.example"
    assert resource["meta"]["version"] != person["meta"]["version"]
    assert User.objects.get(username="barbara.jensen@school.example").email == (
        "b.jensen@school.example"
    )

    stale = w.scim.replace_user(person["id"], replacement, if_match=person["meta"]["version"])
    assert stale.status == 412


def test_patch_as_rfc_7644_writes_it(w: World) -> None:
    person = created(w)
    answer = w.scim.patch(
        person["id"],
        {"op": "replace", "path": "name.givenName", "value": "Barb"},
        {"op": "add", "path": 'emails[type eq "work"].value', "value": "barb@school.example"},
        {"op": "replace", "value": {"name": {"familyName": "Jones"}, "externalId": "e-9"}},
        {"op": "remove", "path": "externalId"},
    )
    assert answer.status == 200, answer
    resource = check_user(answer.body, headers=answer.headers)
    assert resource["name"]["givenName"] == "Barb" and resource["name"]["familyName"] == "Jones"
    assert resource["emails"][0]["value"] == "barb@school.example"
    assert "externalId" not in resource


def test_patch_as_entra_id_sends_it(w: World) -> None:
    person = created(w)
    answer = w.scim.patch(
        person["id"],
        {"op": "Replace", "value": {"name.familyName": "Okafor", "displayName": "B Okafor"}},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:title", "value": "x"},
        {"op": "Replace", "path": "externalId", "value": "0f4c"},
    )
    assert answer.status == 200, answer
    resource = check_user(answer.body, headers=answer.headers)
    assert resource["name"]["familyName"] == "Okafor" and resource["externalId"] == "0f4c"


@pytest.mark.parametrize(
    ("operation", "scim_type"),
    [
        ({"op": "remove"}, "noTarget"),
        ({"op": "remove", "path": "userName"}, "invalidValue"),
        ({"op": "replace", "path": "name[[", "value": "x"}, "invalidPath"),
        ({"op": "move", "path": "active", "value": False}, "invalidSyntax"),
        ({"op": "replace", "path": "active", "value": "maybe"}, "invalidValue"),
    ],
)
def test_a_bad_patch_changes_nothing(w: World, operation: dict[str, Any], scim_type: str) -> None:
    person = created(w)
    answer = w.scim.patch(
        person["id"], {"op": "replace", "path": "name.givenName", "value": "Changed"}, operation
    )
    assert answer.status == 400
    check_error(answer, scim_type=scim_type)
    assert w.scim.get_user(person["id"]).body == person


# Leavers


@dataclass
class Signed:
    """A provisioned person signed in on a browser and holding an API token."""

    user: User
    browser: Client
    api: APIClient


def signed_in(user_name: str) -> Signed:
    user = User.objects.get(username=user_name)
    browser = Client()
    sign_in(browser, user)
    assert browser.get("/referrals/").status_code == 200
    _, secret = api_token_create(actor=user, name="script", lifetime_days=1)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/me/").status_code == 200
    return Signed(user=user, browser=browser, api=api)


def assert_cut_off(signed: Signed) -> None:
    response = signed.browser.get("/referrals/")
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert signed.api.get("/api/v1/me/").status_code == 401


LEAVING = {
    "Entra ID's PATCH": lambda w, pid: w.scim.entra_disable(pid),
    "RFC 7644's PATCH": lambda w, pid: w.scim.patch(
        pid, {"op": "replace", "value": {"active": False}}
    ),
    "PUT": lambda w, pid: w.scim.replace_user(
        pid, {"schemas": [USER], "userName": "barbara.jensen@school.example", "active": False}
    ),
}


@pytest.mark.parametrize("how", sorted(LEAVING))
def test_a_leaver_loses_every_session_and_token_at_once(
    w: World, how: str, django_capture_on_commit_callbacks: Any
) -> None:
    person = created(w)
    signed = signed_in(person["userName"])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        answer = LEAVING[how](w, person["id"])

    assert answer.status == 200, answer
    assert check_user(answer.body, headers=answer.headers)["active"] is False
    assert_cut_off(signed)
    signed.user.refresh_from_db()
    assert not signed.user.is_active
    assert not signed.user.memberships.filter(is_active=True).exists()
    assert callbacks  # the websockets' close is sent on commit (see test_scim_websocket)
    event = AuditEvent.objects.get(action=AuditAction.DEACTIVATED, object_id=str(signed.user.pk))
    assert event.area_id == w.area.pk and event.details["revoked_tokens"] == 1
    assert event.details["via"] == "scim"


def test_a_leaver_with_a_role_elsewhere_keeps_the_account_but_not_the_sessions(w: World) -> None:
    person = created(w)
    user = User.objects.get(username=person["userName"])
    elsewhere = MembershipFactory.create(user=user, role=Role.COORDINATOR)
    signed = signed_in(person["userName"])

    assert w.scim.entra_disable(person["id"]).body["active"] is False

    assert_cut_off(signed)
    user.refresh_from_db()
    assert user.is_active
    assert list(user.memberships.filter(is_active=True)) == [elsewhere]
    assert AuditEvent.objects.filter(
        action=AuditAction.SIGN_OUT, object_id=str(user.pk), details__via="scim"
    ).exists()


def test_delete_deactivates_and_the_resource_is_gone(w: World) -> None:
    person = created(w)
    signed = signed_in(person["userName"])

    answer = w.scim.delete_user(person["id"])

    assert answer.status == 204 and answer.body is None
    assert_cut_off(signed)
    assert w.scim.get_user(person["id"]).status == 404
    assert check_list(w.scim.find_user_name(person["userName"]))["totalResults"] == 0
    # The same person joining again is brought back, under a new resource.
    again = created(w, person["userName"])
    assert again["id"] != person["id"] and again["active"] is True
    signed.user.refresh_from_db()
    assert signed.user.is_active


def test_activating_again_brings_the_role_back(w: World) -> None:
    person = created(w)
    w.scim.entra_disable(person["id"])
    answer = w.scim.patch(person["id"], {"op": "Replace", "path": "active", "value": "True"})
    assert answer.body["active"] is True
    assert User.objects.get(username=person["userName"]).memberships.get().is_active


# Scope and authentication


def test_another_agencys_token_cannot_see_or_change_the_person(w: World) -> None:
    person = created(w)
    pid = person["id"]
    for answer in (
        w.other.get_user(pid),
        w.other.replace_user(pid, {"schemas": [USER], "userName": "x@y.example"}),
        w.other.entra_disable(pid),
        w.other.delete_user(pid),
    ):
        assert answer.status == 404
    assert check_list(w.other.find_user_name(person["userName"]))["totalResults"] == 0
    assert check_list(w.other.list_users())["totalResults"] == 0
    assert w.scim.get_user(pid).body == person


def test_a_bad_token_is_refused_and_a_revoked_one_is_audited(w: World) -> None:
    no_header = w.scim.request("GET", "/Users", authorization="")
    made_up = w.scim.request("GET", "/Users", authorization="Bearer not-a-token")
    assert no_header.status == made_up.status == 401
    assert made_up.headers["www-authenticate"].startswith("Bearer")

    token = w.agency.scim_tokens.get()
    scim_token_revoke(actor=w.admin, area=w.area, token=token)
    answer = w.scim.list_users()
    assert answer.status == 401
    refusal = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED, area=w.area)
    assert refusal.details == {"via": "scim_token", "reason": "revoked", "prefix": token.prefix}


def test_unknown_scim_paths_and_methods_answer_in_scim(w: World) -> None:
    check_error(w.scim.request("GET", "/Groups"))
    assert w.scim.request("GET", "/Groups").status == 404
    assert w.scim.request("DELETE", "/Users").status == 405
