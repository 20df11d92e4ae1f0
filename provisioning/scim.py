"""The SCIM 2.0 protocol (RFC 7643 schemas, RFC 7644 operations) for the User resource: what
a request says turned into `PersonDetails`, and a person turned into a resource. No reads or
writes here; the views call the selectors and services.

Only the attributes kept are read: userName, name.givenName, name.familyName, emails (the
work or primary one), externalId and active. Any other attribute an identity provider sends
(displayName, title, the enterprise extension…) is accepted and ignored, as RFC 7644 §3.3
allows, so that a provider's default mappings do not fail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .details import PersonDetails

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
CONTENT_TYPE = "application/scim+json"

MAX_RESULTS = 200
MAX_OPERATIONS = 100


class ScimError(Exception):
    """An answer in RFC 7644 §3.12's error body."""

    def __init__(self, status: int, detail: str, scim_type: str = "") -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "schemas": [ERROR],
            "status": str(self.status),
            "detail": self.detail,
        }
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def invalid_value(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


# Filters: `userName eq "…"` only (RFC 7644 §3.4.2.2; attribute names and operators are
# case-insensitive). Anything else is an invalidFilter.
_USER_NAME_EQ = re.compile(r'^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def user_name_filter(text: str) -> str:
    """The userName a filter asks for, or ScimError 400 invalidFilter."""
    found = _USER_NAME_EQ.match(text)
    if found is None:
        raise ScimError(400, 'Only the filter userName eq "…" is supported', "invalidFilter")
    return re.sub(r"\\(.)", r"\1", found.group(1))


@dataclass(frozen=True)
class Page:
    start_index: int
    count: int


def page(query: Any) -> Page:
    """startIndex and count as RFC 7644 §3.4.2.4 reads them: startIndex below 1 is 1, a
    negative count is 0; count is capped at MAX_RESULTS."""

    def integer(name: str, default: int) -> int:
        raw = query.get(name)
        if raw is None:
            return default
        try:
            return int(raw)
        except ValueError:
            raise invalid_value(f"{name} must be an integer") from None

    return Page(
        start_index=max(integer("startIndex", 1), 1),
        count=min(max(integer("count", MAX_RESULTS), 0), MAX_RESULTS),
    )


# Reading a resource (POST, PUT).


def _text(value: Any, attribute: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid_value(f"{attribute} must be a string")
    return value.strip()


def _boolean(value: Any) -> bool:
    """A boolean; Entra ID sends active as the string "True" or "False"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "false"}:
        return value.lower() == "true"
    raise invalid_value("active must be true or false")


def _work_email(value: Any) -> str:
    """The work email of an `emails` value: the one typed work, else the primary, else the
    first."""
    if value is None:
        return ""
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise invalid_value("emails must be a list of objects")
    chosen = (
        next((e for e in value if str(e.get("type", "")).lower() == "work"), None)
        or next((e for e in value if e.get("primary") in (True, "True", "true")), None)
        or (value[0] if value else {})
    )
    return _text(chosen.get("value"), "emails.value")


def details_from_resource(body: Any) -> PersonDetails:
    """A User resource's details. userName is required (RFC 7643 §4.1.1); active defaults to
    true."""
    if not isinstance(body, dict):
        raise ScimError(400, "The body must be a JSON object", "invalidSyntax")
    if USER_SCHEMA not in (body.get("schemas") or []):
        raise ScimError(400, f"schemas must include {USER_SCHEMA}", "invalidSyntax")
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise invalid_value("name must be an object")
    user_name = _text(body.get("userName"), "userName")
    if not user_name:
        raise invalid_value("userName is required")
    return PersonDetails(
        user_name=user_name,
        email=_work_email(body.get("emails")),
        given_name=_text(name.get("givenName"), "name.givenName"),
        family_name=_text(name.get("familyName"), "name.familyName"),
        external_id=_text(body.get("externalId"), "externalId"),
        active=_boolean(body["active"]) if "active" in body else True,
    )


# PATCH (RFC 7644 §3.5.2): add, replace and remove, with a path or (add, replace) without,
# the value then an object of attributes; Entra ID capitalises op and may send dotted or
# filtered paths as the value's keys ({"name.givenName": "…"}, {"emails[type eq \"work\"]
# .value": "…"}).

_WORK_EMAIL_PATH = re.compile(r'^emails\[\s*type\s+eq\s+"work"\s*\](\.value)?$', re.IGNORECASE)
_ATTRIBUTE_PATH = re.compile(
    r"^(urn:[\w.:-]+:)?[A-Za-z][\w$-]*(\.[A-Za-z][\w$-]*)?(\[[^\]]*\](\.[A-Za-z][\w$-]*)?)?$"
)


def _without_schema(path: str) -> str:
    """A path in the core User schema without its URN prefix; other schemas' paths as given."""
    prefix = USER_SCHEMA + ":"
    return path[len(prefix) :] if path.lower().startswith(prefix.lower()) else path


def _set(details: PersonDetails, path: str, value: Any, *, remove: bool = False) -> PersonDetails:
    """`details` with the attribute at `path` set to `value` (or removed)."""
    path = _without_schema(path.strip())
    if not _ATTRIBUTE_PATH.match(path):
        raise ScimError(400, f"The path {path!r} is not a SCIM attribute path", "invalidPath")
    key = path.lower()
    if key == "active":
        if remove:
            raise invalid_value("active cannot be removed")
        return details.but(active=_boolean(value))
    if key == "username":
        if remove:
            raise invalid_value("userName is required and cannot be removed")
        return details.but(user_name=_text(value, "userName"))
    if key == "externalid":
        return details.but(external_id="" if remove else _text(value, "externalId"))
    if key in {"name.givenname", "name.familyname"}:
        field = "given_name" if key == "name.givenname" else "family_name"
        return details.but(**{field: "" if remove else _text(value, path)})
    if key == "name":
        if remove:
            return details.but(given_name="", family_name="")
        if not isinstance(value, dict):
            raise invalid_value("name must be an object")
        for part in ("givenName", "familyName"):
            if part in value:
                details = _set(details, f"name.{part}", value[part])
        return details
    if key == "emails" or _WORK_EMAIL_PATH.match(path):
        if remove:
            return details.but(email="")  # the email falls back to the userName
        email = _work_email(value) if key == "emails" else _text(value, path)
        return details.but(email=email)
    return details  # an attribute not kept here (RFC 7644 §3.3: ignored)


def _set_all(details: PersonDetails, value: Any) -> PersonDetails:
    """An operation without a path: each attribute of the value object."""
    if not isinstance(value, dict):
        raise invalid_value("An operation without a path needs an object as its value")
    for attribute, attribute_value in value.items():
        if attribute == "schemas":
            continue
        details = _set(details, attribute, attribute_value)
    return details


def apply_patch(details: PersonDetails, body: Any) -> PersonDetails:
    """`details` after the PatchOp's operations, in order; all or nothing (ScimError)."""
    if not isinstance(body, dict) or PATCH_OP not in (body.get("schemas") or []):
        raise ScimError(400, f"schemas must include {PATCH_OP}", "invalidSyntax")
    operations = body.get("Operations")
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, "Operations must be a list of operations", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise invalid_value(f"At most {MAX_OPERATIONS} operations in one request")
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, "Each operation must be an object", "invalidSyntax")
        op = str(operation.get("op", "")).lower()
        path = operation.get("path")
        if op not in {"add", "replace", "remove"}:
            raise ScimError(400, "op must be add, replace or remove", "invalidSyntax")
        if path is not None and not isinstance(path, str):
            raise ScimError(400, "path must be a string", "invalidPath")
        if op == "remove":
            if not path:
                raise ScimError(400, "A remove operation needs a path", "noTarget")
            details = _set(details, path, None, remove=True)
        elif path:
            details = _set(details, path, operation.get("value"))
        else:
            details = _set_all(details, operation.get("value"))
    return details


# Writing a resource.


def version_tag(version: int) -> str:
    """The weak entity tag of a person's version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def version_from_tag(header: str | None) -> int | None:
    """The version an If-Match header names, None when absent or "*"; ScimError otherwise."""
    if header is None or header.strip() == "*":
        return None
    found = re.fullmatch(r'\s*(?:W/)?"(\d{1,9})"\s*', header)
    if found is None:
        # Another server's tag, or garbage: it cannot be this resource's current version.
        raise ScimError(412, "The If-Match version is not the resource's", "")
    return int(found.group(1))


def user_resource(
    *,
    details: PersonDetails,
    scim_id: str,
    created: datetime,
    modified: datetime,
    version: int,
    location: str,
) -> dict[str, Any]:
    """A User resource as RFC 7643 §4.1 and §3.1 describe it."""
    name = {
        "givenName": details.given_name,
        "familyName": details.family_name,
        "formatted": " ".join(p for p in (details.given_name, details.family_name) if p),
    }
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": scim_id,
        "userName": details.user_name,
        "name": {k: v for k, v in name.items() if v},
        "emails": [{"value": details.email, "type": "work", "primary": True}],
        "active": details.active,
        "meta": {
            "resourceType": "User",
            "created": _instant(created),
            "lastModified": _instant(modified),
            "location": location,
            "version": version_tag(version),
        },
    }
    if details.external_id:
        resource["externalId"] = details.external_id
    return resource


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def list_response(
    resources: list[dict[str, Any]], *, total: int, start_index: int
) -> dict[str, Any]:
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


# Discovery (RFC 7644 §4, RFC 7643 §5-7).


def service_provider_config(*, location: str) -> dict[str, Any]:
    return {
        "schemas": [SERVICE_PROVIDER_CONFIG],
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The secret token an area administrator issued for the agency",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": location},
    }


def resource_type_user(*, location: str) -> dict[str, Any]:
    return {
        "schemas": [RESOURCE_TYPE],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A person of the agency",
        "schema": USER_SCHEMA,
        "schemaExtensions": [],
        "meta": {"resourceType": "ResourceType", "location": location},
    }


def _attribute(name: str, **overrides: Any) -> dict[str, Any]:
    attribute = {
        "name": name,
        "type": "string",
        "multiValued": False,
        "description": "",
        "required": False,
        "caseExact": False,
        "mutability": "readWrite",
        "returned": "default",
        "uniqueness": "none",
    }
    return {**attribute, **overrides}


def user_schema(*, location: str) -> dict[str, Any]:
    """The User schema as this service supports it: the attributes it keeps."""
    return {
        "schemas": [SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "A person of the agency who signs in to the service",
        "attributes": [
            _attribute(
                "userName",
                description="The person's work email, which they sign in with",
                required=True,
                uniqueness="server",
            ),
            _attribute(
                "name",
                type="complex",
                description="The person's name",
                subAttributes=[
                    _attribute("givenName", description="First name"),
                    _attribute("familyName", description="Last name"),
                    _attribute("formatted", description="The full name", mutability="readOnly"),
                ],
            ),
            _attribute(
                "emails",
                type="complex",
                multiValued=True,
                description="The work email; the userName when none is given",
                subAttributes=[
                    _attribute("value", description="The email address"),
                    _attribute(
                        "type",
                        description="Only work is kept",
                        canonicalValues=["work"],
                    ),
                    _attribute("primary", type="boolean", description="Always true"),
                ],
            ),
            _attribute(
                "active",
                type="boolean",
                description="False ends the person's role here and every session they have",
            ),
        ],
        "meta": {"resourceType": "Schema", "location": location},
    }
