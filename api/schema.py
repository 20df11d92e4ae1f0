"""The OpenAPI schema's error responses, documented once for every operation.

Every failure has one body (api.errors.error_body), and which failures an operation can meet
follows from its shape: any call may be unauthenticated (401), forbidden (403), throttled
(429) or turned away by a busy server (503); a path naming a record may name one the caller
cannot see (404); a query or a body may not match the schema (400); a body may be too large
(413), of a type the operation does not read (415), name a record the caller cannot see (404),
meet a record whose state forbids the step (409), or a query or a body match the schema yet
break a business rule (422, as does an Idempotency-Key reused for another request). The policy is in
docs/architecture.md (API). A client generated from the schema then knows every status it
must handle.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "Error"
_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "Every API failure has this body.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable, for programs"},
                "message": {"type": "string", "description": "For people"},
                "fields": {
                    "type": "object",
                    "description": "Messages per field of the request that was refused",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message", "fields"],
        }
    },
    "required": ["error"],
}

DESCRIPTIONS = {
    400: "The request does not match the schema; `fields` says which part and why",
    401: "No valid session or token",
    403: "Your role does not allow this",
    404: "A record named in the path or body does not exist, or is not one you may see",
    409: "The record's state forbids this step, or it was changed by someone else meanwhile",
    413: "The body is too large",
    415: "The body is of a type this operation does not read",
    422: (
        "The request matches the schema but breaks a rule (`fields` says which: a date "
        "outside the sane range, filters that need another), or its Idempotency-Key was first "
        "used with a different request"
    ),
    429: "Too many requests: wait as Retry-After says",
    503: "The service is busy: retry after Retry-After seconds",
}
_WRITES = {"post", "put", "patch"}


def _statuses(method: str, operation: dict[str, Any]) -> set[int]:
    parameters = operation.get("parameters", [])
    statuses = {401, 403, 429, 503}
    # A path or a query naming a record (`?area=`), or a page or cursor past the last.
    if any(p.get("in") in {"path", "query"} for p in parameters):
        statuses.add(404)
    if any(p.get("in") == "query" for p in parameters) or method in _WRITES:
        statuses |= {400, 422}  # a query, too, may match the schema yet break a rule
    if method in _WRITES:  # a body may also name a record the caller cannot see: 404
        statuses |= {404, 409, 413, 415, 422}
    if any(p.get("in") == "header" and p.get("name") == "Idempotency-Key" for p in parameters):
        statuses.add(422)
    return statuses


def document_errors(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error responses each operation can return,
    keeping any an operation documents itself; say of every free text that it holds no NUL,
    which PostgreSQL cannot store and every text field refuses, nor, when it may not be blank,
    only spaces, which the server trims away; and say that a file holds something."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    _no_nul(schemas)
    _no_nul(
        [
            p.get("schema")
            for item in result.get("paths", {}).values()
            for o in item.values()
            if isinstance(o, dict)
            for p in o.get("parameters", [])
        ]
    )
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    _no_empty_files(schemas)
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in sorted(_statuses(method, operation)):
                documented = responses.setdefault(
                    str(status), {"description": DESCRIPTIONS[status]}
                )
                documented.setdefault("content", {"application/json": {"schema": _REF}})
    return result


NO_NUL = "^[^\\u0000]*$"
# What the server trims from text (Python's whitespace, which is not the schema regex's `\s`:
# it holds the separators U+001C to U+001F and U+0085, and not U+FEFF), as regex escapes.
TRIMMED = "".join(f"\\u{code:04x}" for code in range(0x3001) if chr(code).isspace())
# Text that may not be blank: the server trims it first, so what it trims alone is blank too.
NOT_BLANK = f"^[^\\u0000]*[^{TRIMMED}\\u0000][^\\u0000]*$"


def _no_nul(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _no_nul(item)
    elif isinstance(node, dict):
        free_text = node.get("type") == "string" and not {"format", "enum", "pattern"} & set(node)
        if free_text:
            node["pattern"] = NOT_BLANK if node.get("minLength", 0) >= 1 else NO_NUL
        for value in node.values():
            _no_nul(value)


def _no_empty_files(node: Any) -> None:
    """A file sent must hold something: DRF's FileField refuses an empty one (400)."""
    if isinstance(node, list):
        for item in node:
            _no_empty_files(item)
    elif isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "binary":
            node.setdefault("minLength", 1)
        for value in node.values():
            _no_empty_files(value)
