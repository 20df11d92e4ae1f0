"""A SCIM 2.0 client written from the RFCs, not from the server: requests are built as the
examples of RFC 7644 build them (and as Microsoft Entra ID's provisioning service sends them),
and every answer is checked against RFC 7643's rules and RFC 7644's message formats.

Nothing here imports the server's code: a test that passes with this client passes because the
server speaks SCIM, not because it agrees with itself."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
MEDIA_TYPE = "application/scim+json"  # RFC 7644 §8.1

# RFC 7643 §2.5 and §7: the characteristics every attribute definition carries.
ATTRIBUTE_CHARACTERISTICS = {
    "name",
    "type",
    "multiValued",
    "required",
    "caseExact",
    "mutability",
    "returned",
    "uniqueness",
}
TYPES = {"string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"}
MUTABILITY = {"readOnly", "readWrite", "immutable", "writeOnly"}
RETURNED = {"always", "never", "default", "request"}
UNIQUENESS = {"none", "server", "global"}
# RFC 7644 §3.12, table 9.
SCIM_TYPES = {
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
}


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


class ScimClient:
    """Speaks to `base` (the tenant URL, e.g. /scim/v2) over a Django test client, with a
    bearer token as RFC 6750 sends it (RFC 7644 §2)."""

    def __init__(self, http: Any, token: str, *, base: str = "/scim/v2") -> None:
        self.http, self.token, self.base = http, token, base

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        authorization: str | None = None,
    ) -> Answer:
        sent = {"Accept": MEDIA_TYPE, **(headers or {})}
        auth = f"Bearer {self.token}" if authorization is None else authorization
        if auth:
            sent["Authorization"] = auth
        kwargs: dict[str, Any] = {"headers": sent}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type=MEDIA_TYPE)
        if query:  # percent-encoded, spaces as %20 (RFC 3986), as Entra ID sends a filter
            path += "?" + urlencode(query, quote_via=quote)
        response = getattr(self.http, method.lower())(self.base + path, **kwargs)
        content = response.content
        answer = Answer(
            status=response.status_code,
            body=json.loads(content) if content else None,
            headers={k.lower(): v for k, v in response.headers.items()},
        )
        if content:
            # RFC 7644 §3.1, §8.1: every SCIM body, errors too, is application/scim+json.
            assert answer.headers["content-type"].split(";")[0] == MEDIA_TYPE, answer.headers
        if answer.status >= 400:
            check_error(answer)
        return answer

    # RFC 7644 §4: discovery.

    def service_provider_config(self) -> Answer:
        return self.request("GET", "/ServiceProviderConfig")

    def schemas(self) -> Answer:
        return self.request("GET", "/Schemas")

    def resource_types(self) -> Answer:
        return self.request("GET", "/ResourceTypes")

    # RFC 7644 §3.3: creating (the body of its example, with an Entra ID-style externalId).

    def create_user(
        self,
        user_name: str,
        *,
        given: str = "Barbara",
        family: str = "Jensen",
        external_id: str = "",
        work_email: str | None = None,
        active: Any = True,
        extra: dict[str, Any] | None = None,
    ) -> Answer:
        body: dict[str, Any] = {
            "schemas": [USER],
            "userName": user_name,
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": work_email or user_name, "type": "work"}],
            "active": active,
        }
        if external_id:
            body["externalId"] = external_id
        return self.request("POST", "/Users", {**body, **(extra or {})})

    def entra_create_user(self, user_name: str, *, object_id: str) -> Answer:
        """As Entra ID's provisioning service sends it: active as a boolean, displayName and
        the enterprise extension beside the core attributes, externalId its objectId."""
        return self.request(
            "POST",
            "/Users",
            {
                "schemas": [USER, ENTERPRISE_USER],
                "externalId": object_id,
                "userName": user_name,
                "active": True,
                "displayName": "Sam Okafor",
                "emails": [{"primary": True, "type": "work", "value": user_name}],
                "meta": {"resourceType": "User"},
                "name": {"formatted": "Sam Okafor", "familyName": "Okafor", "givenName": "Sam"},
                "title": "Designated safeguarding lead",
                ENTERPRISE_USER: {"department": "Pastoral", "employeeNumber": "1024"},
            },
        )

    # RFC 7644 §3.4: reading.

    def get_user(self, resource_id: str, *, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", f"/Users/{resource_id}", headers=headers)

    def list_users(self, **query: str) -> Answer:
        return self.request("GET", "/Users", query=query)

    def find_user_name(self, user_name: str) -> Answer:
        """GET /Users?filter=userName eq "…" as Entra ID matches a person (§3.4.2.2: the
        value a JSON string, its quotes and backslashes escaped)."""
        return self.list_users(filter=f"userName eq {json.dumps(user_name)}")

    # RFC 7644 §3.5.1: replacing.

    def replace_user(
        self, resource_id: str, resource: dict[str, Any], *, if_match: str | None = None
    ) -> Answer:
        headers = {"If-Match": if_match} if if_match else None
        return self.request("PUT", f"/Users/{resource_id}", resource, headers=headers)

    # RFC 7644 §3.5.2: modifying.

    def patch(
        self, resource_id: str, *operations: dict[str, Any], if_match: str | None = None
    ) -> Answer:
        headers = {"If-Match": if_match} if if_match else None
        body = {"schemas": [PATCH_OP], "Operations": list(operations)}
        return self.request("PATCH", f"/Users/{resource_id}", body, headers=headers)

    def entra_disable(self, resource_id: str) -> Answer:
        """Entra ID disabling a person: op capitalised, active the string "False"."""
        return self.patch(resource_id, {"op": "Replace", "path": "active", "value": "False"})

    # RFC 7644 §3.6: deleting.

    def delete_user(self, resource_id: str) -> Answer:
        return self.request("DELETE", f"/Users/{resource_id}")


# RFC 7643's rules, checked on what comes back.

_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check_error(answer: Answer, *, scim_type: str | None = None) -> dict[str, Any]:
    """RFC 7644 §3.12: the Error schema, `status` the HTTP status as a string, `scimType`
    (when present) one of table 9's."""
    body = answer.body
    assert isinstance(body, dict), answer
    assert body["schemas"] == [ERROR], body
    assert body["status"] == str(answer.status), body
    if "scimType" in body:
        assert body["scimType"] in SCIM_TYPES, body
    if scim_type is not None:
        assert body.get("scimType") == scim_type, body
    if "detail" in body:
        assert isinstance(body["detail"], str)
    return body


def check_meta(meta: dict[str, Any], *, resource_type: str, headers: dict[str, str]) -> None:
    """RFC 7643 §3.1: meta's resourceType, created and lastModified (xsd:dateTime),
    location (the resource's URI), and version, which is the ETag when given (RFC 7644 §3.14)."""
    assert meta["resourceType"] == resource_type, meta
    for moment in ("created", "lastModified"):
        assert _DATETIME.match(meta[moment]), meta
    assert datetime.fromisoformat(meta["created"]) <= datetime.fromisoformat(meta["lastModified"])
    assert re.match(r"^https?://", meta["location"]), meta
    if "version" in meta and "etag" in headers:
        assert headers["etag"] == meta["version"], (headers, meta)


def check_user(resource: Any, *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """RFC 7643 §3 and §4.1: a User resource."""
    assert isinstance(resource, dict), resource
    assert USER in resource["schemas"], resource
    assert isinstance(resource["id"], str) and resource["id"], resource  # §3.1, required
    assert resource["id"] != "bulkId"
    assert isinstance(resource["userName"], str) and resource["userName"]  # §4.1.1, required
    if "active" in resource:
        assert isinstance(resource["active"], bool), resource  # a boolean, never a string
    if "externalId" in resource:
        assert isinstance(resource["externalId"], str)
    if "name" in resource:
        assert isinstance(resource["name"], dict)
        assert all(isinstance(v, str) for v in resource["name"].values())
    emails = resource.get("emails", [])
    assert isinstance(emails, list)  # multi-valued (§2.4)
    assert all(isinstance(e, dict) and isinstance(e["value"], str) for e in emails)
    assert sum(1 for e in emails if e.get("primary") is True) <= 1  # §2.4: primary once at most
    assert "password" not in resource  # §4.1.1: returned "never"
    meta = resource["meta"]
    check_meta(meta, resource_type="User", headers=headers or {})
    assert meta["location"].endswith("/Users/" + resource["id"]), meta
    return resource


def check_list(answer: Answer) -> dict[str, Any]:
    """RFC 7644 §3.4.2: a ListResponse."""
    body = answer.body
    assert answer.status == 200, answer
    assert body["schemas"] == [LIST_RESPONSE], body
    assert isinstance(body["totalResults"], int) and body["totalResults"] >= 0
    resources = body.get("Resources", [])
    assert isinstance(resources, list)
    assert len(resources) <= body["totalResults"]
    if "itemsPerPage" in body:
        assert body["itemsPerPage"] == len(resources)
    if "startIndex" in body:
        assert body["startIndex"] >= 1
    return body


def check_attribute(attribute: dict[str, Any]) -> None:
    """RFC 7643 §7: an attribute definition and its sub-attributes."""
    missing = ATTRIBUTE_CHARACTERISTICS - set(attribute)
    assert not missing, (attribute["name"], missing)
    assert attribute["type"] in TYPES
    assert attribute["mutability"] in MUTABILITY
    assert attribute["returned"] in RETURNED
    assert attribute["uniqueness"] in UNIQUENESS
    for flag in ("multiValued", "required", "caseExact"):
        assert isinstance(attribute[flag], bool)
    if attribute["type"] == "complex":
        for sub in attribute.get("subAttributes", []):
            check_attribute(sub)


def check_service_provider_config(answer: Answer) -> dict[str, Any]:
    """RFC 7643 §5: each capability the configuration must describe."""
    body = answer.body
    assert answer.status == 200, answer
    assert SERVICE_PROVIDER_CONFIG in body["schemas"]
    for feature in ("patch", "bulk", "filter", "changePassword", "sort", "etag"):
        assert isinstance(body[feature]["supported"], bool), feature
    assert isinstance(body["bulk"]["maxOperations"], int)
    assert isinstance(body["bulk"]["maxPayloadSize"], int)
    assert isinstance(body["filter"]["maxResults"], int)
    schemes = body["authenticationSchemes"]
    assert schemes and all({"type", "name", "description"} <= set(s) for s in schemes)
    return body
