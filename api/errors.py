"""One error body for every API failure: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from audit.services import audit_permission_denied
from referrals.models import STATE_CONFLICT

API_PREFIX = "/api/"


class Conflict(exceptions.APIException):
    """The resource changed under the caller (a concurrent transition or a stale version)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record was changed by someone else. Reload it and try again."
    default_code = "conflict"


class IdempotencyKeyMismatch(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = (
        "This Idempotency-Key was first used with a different request. Send a new key for a "
        "new request, or resend the first request unchanged to get its response again."
    )
    default_code = "idempotency_key_reused"


class RuleBroken(exceptions.ValidationError):
    """A body of the right shape that a service's rule refuses (a date before another, a step
    the record's answers do not allow): 422, so 400 keeps meaning "not what the schema says"."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


# A field naming a record (by id or reference) that does not exist, or not for the caller.
_MISSING_RECORD_CODES = {"does_not_exist"}
# A serializer's message for a value of the schema's shape that a rule refuses: a date outside
# the sane range (agencies.dates), or RULE given by hand (filters that need another one).
RULE = "rule"
_RULE_CODES = {"out_of_range", RULE}


class StateConflict(exceptions.ValidationError):
    status_code = status.HTTP_409_CONFLICT


class MissingRecord(exceptions.ValidationError):
    status_code = status.HTTP_404_NOT_FOUND


_SERVICE_REFUSALS: dict[frozenset[str | None], type[exceptions.ValidationError]] = {
    frozenset({STATE_CONFLICT}): StateConflict,
    frozenset({"does_not_exist"}): MissingRecord,
}


def _django_codes(exc: DjangoValidationError) -> frozenset[str | None]:
    """The codes a service gave its messages (None where it gave none)."""
    errors = (
        [e for errors in exc.error_dict.values() for e in errors]
        if hasattr(exc, "error_dict")
        else exc.error_list
    )
    return frozenset(error.code for error in errors)


def _names_missing_records(exc: exceptions.ValidationError) -> bool:
    codes = _leaves(exc.get_codes())
    return bool(codes) and set(codes) <= _MISSING_RECORD_CODES


def _breaks_rules_only(exc: exceptions.ValidationError) -> bool:
    """Every message is a rule's, or names a missing record: the request matches the schema."""
    codes = set(_leaves(exc.get_codes()))
    return bool(codes & _RULE_CODES) and codes <= _RULE_CODES | _MISSING_RECORD_CODES


def _leaves(codes: Any) -> list[Any]:
    if isinstance(codes, dict):
        return [leaf for value in codes.values() for leaf in _leaves(value)]
    if isinstance(codes, list):
        return [leaf for value in codes for leaf in _leaves(value)]
    return [codes]


def error_body(
    code: str, message: str, fields: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def api_error_response(status_code: int, code: str, message: str) -> JsonResponse:
    """For failures outside DRF views (unknown URL, oversized body, server error)."""
    return JsonResponse(error_body(code, message), status=status_code)


def _service_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {"non_field_errors": exc.messages}
    return {
        ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
        for name, messages in exc.message_dict.items()
    }


def _field_messages(detail: Any) -> dict[str, list[str]]:
    if not isinstance(detail, dict):
        return {"non_field_errors": [str(item) for item in _as_list(detail)]}
    return {str(name): [str(item) for item in _flatten(value)] for name, value in detail.items()}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _flatten(value: Any) -> list[Any]:
    """Nested serializer errors become 'child: message' strings so the body stays flat."""
    if isinstance(value, dict):
        return [f"{key}: {msg}" for key, inner in value.items() for msg in _flatten(inner)]
    if isinstance(value, list):
        return [msg for item in value for msg in _flatten(item)]
    return [value]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)  # the service says why
    elif isinstance(exc, DjangoValidationError):
        # A service's refusal, with the same field errors as the serializer's own: a record
        # named that the caller cannot see (404), a state that forbids the step (409), or
        # else a rule broken (422).
        exc = _SERVICE_REFUSALS.get(_django_codes(exc), RuleBroken)(_service_errors(exc))
    response = drf_exception_handler(exc, context)
    if isinstance(exc, exceptions.PermissionDenied) and exc.get_codes() != "two_factor_required":
        # A half-finished sign-in is not a denial. The Django request carries the user DRF
        # authenticated, by session or token.
        request = context.get("request")
        if request is not None:
            audit_permission_denied(request=request._request)
    if response is None or not isinstance(exc, exceptions.APIException):
        return None  # unexpected: Django's 500 handler answers with the same body
    if isinstance(exc, StateConflict):
        body = error_body(
            "conflict", "The record's state forbids this step.", _field_messages(exc.detail)
        )
    elif isinstance(exc, MissingRecord) or (
        isinstance(exc, exceptions.ValidationError) and _names_missing_records(exc)
    ):
        # A well-formed body naming a record the caller cannot see: 404, as in the path.
        response.status_code = status.HTTP_404_NOT_FOUND
        body = error_body("not_found", "No such record.", _field_messages(exc.detail))
    elif isinstance(exc, exceptions.ValidationError):
        if _breaks_rules_only(exc):
            response.status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
        body = error_body("invalid", "The request has errors.", _field_messages(exc.detail))
    else:
        codes = exc.get_codes()
        body = error_body(codes if isinstance(codes, str) else exc.default_code, str(exc.detail))
    response.data = body
    return response
