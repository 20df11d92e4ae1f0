"""The SCIM 2.0 endpoints under /scim/v2/: an agency's identity provider, authenticated by
its bearer token, lists, reads, creates, replaces, patches and deletes its people.

Plain Django views: SCIM has its own content type and error body, unlike the REST API.
Every answer, errors included, is `application/scim+json`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from api.parsers import TOO_DEEP, too_deep

from . import scim
from .models import ProvisionedPerson, ScimToken
from .scim import ScimError
from .selectors import (
    person_details,
    provisioned_people,
    provisioned_person,
    scim_token_for_secret,
    scim_token_refusal_reason,
)
from .services import (
    Uniqueness,
    VersionMismatch,
    person_provision,
    person_remove,
    person_replace,
    scim_people_seen,
    scim_token_refused,
    scim_token_used,
)


def _answer(body: dict[str, Any] | None, status: int = 200, **headers: str) -> HttpResponse:
    response = HttpResponse(
        b"" if body is None else json.dumps(body),
        status=status,
        content_type=scim.CONTENT_TYPE,
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _error(error: ScimError) -> HttpResponse:
    headers = {"WWW_Authenticate": 'Bearer realm="scim"'} if error.status == 401 else {}
    return _answer(error.body(), error.status, **headers)


Handler = Callable[..., HttpResponse]


def scim_endpoint(**handlers: Handler) -> Handler:
    """A view that authenticates the bearer token, calls the handler of the request's method
    with the request, the token and the URL's arguments, and turns ScimError into its body."""

    @csrf_exempt  # a bearer token, never a cookie, authenticates these
    def endpoint(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        try:
            token = _authenticated(request)
            handler = handlers.get(request.method or "")
            if handler is None:
                raise ScimError(405, f"{request.method} is not supported here")
            return handler(request, token, **kwargs)
        except ScimError as error:
            return _error(error)

    return endpoint


REFUSED = "The token is unknown, expired or revoked."


def _authenticated(request: HttpRequest) -> ScimToken:
    """The live token of `Authorization: Bearer …`; 401 (one answer whatever the reason)."""
    parts = request.headers.get("Authorization", "").split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise ScimError(401, "Send the token as 'Authorization: Bearer <token>'.")
    token = scim_token_for_secret(raw=parts[1])
    if token is None:
        raise ScimError(401, REFUSED)
    reason = scim_token_refusal_reason(token=token)
    if reason is not None:
        scim_token_refused(token=token, reason=reason, request=request)
        raise ScimError(401, REFUSED)
    scim_token_used(token=token)
    return token


def _body(request: HttpRequest) -> Any:
    content_type = request.content_type or ""
    if content_type not in {scim.CONTENT_TYPE, "application/json"}:
        raise ScimError(400, f"Send the body as {scim.CONTENT_TYPE}", "invalidSyntax")
    if too_deep(request.body):
        raise ScimError(400, TOO_DEEP, "invalidSyntax")
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):  # RecursionError: a charset that hid its depth
        raise ScimError(400, "The body is not JSON", "invalidSyntax") from None


def _location(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(f"provisioning:{name}", args=args))


def _resource(request: HttpRequest, token: ScimToken, person: ProvisionedPerson) -> dict[str, Any]:
    return scim.user_resource(
        details=person_details(person=person, token=token),
        scim_id=str(person.scim_id),
        created=person.created_at,
        modified=person.updated_at,
        version=person.version,
        location=_location(request, "user", person.scim_id),
    )


def _person_answer(
    request: HttpRequest, token: ScimToken, person: ProvisionedPerson, status: int = 200
) -> HttpResponse:
    resource = _resource(request, token, person)
    headers = {"ETag": resource["meta"]["version"]}
    if status == 201:
        headers["Location"] = resource["meta"]["location"]
    return _answer(resource, status, **headers)


def _person(token: ScimToken, scim_id: str) -> ProvisionedPerson:
    person = provisioned_person(token=token, scim_id=scim_id)
    if person is None:
        raise ScimError(404, f"No User {scim_id}")
    return person


@contextmanager
def _service_errors() -> Iterator[None]:
    """The services' refusals as SCIM answers."""
    try:
        yield
    except Uniqueness as error:
        raise ScimError(409, str(error), "uniqueness") from error
    except VersionMismatch as error:
        raise ScimError(412, "The resource has changed since that version") from error
    except ValidationError as error:
        raise scim.invalid_value("; ".join(error.messages)) from error
    except ProvisionedPerson.DoesNotExist as error:  # deleted by a request that ran meanwhile
        raise ScimError(404, "No such User") from error


# Users


def users_list(request: HttpRequest, token: ScimToken) -> HttpResponse:
    wanted = request.GET.get("filter")
    user_name = None if wanted is None else scim.user_name_filter(wanted)
    people = provisioned_people(token=token, user_name=user_name)
    window = scim.page(request.GET)
    first = window.start_index - 1
    shown = list(people[first : first + window.count]) if window.count else []
    if shown:
        scim_people_seen(token=token, people=shown, request=request, user_name=user_name)
    return _answer(
        scim.list_response(
            [_resource(request, token, p) for p in shown],
            total=people.count(),
            start_index=window.start_index,
        )
    )


def user_get(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    person = _person(token, scim_id)
    scim_people_seen(token=token, people=[person], request=request)
    return _person_answer(request, token, person)


def user_create(request: HttpRequest, token: ScimToken) -> HttpResponse:
    details = scim.details_from_resource(_body(request))
    with _service_errors():
        person = person_provision(token=token, details=details, request=request)
    return _person_answer(request, token, _person(token, str(person.scim_id)), 201)


def _replaced(
    request: HttpRequest, token: ScimToken, scim_id: str, change: Callable[..., Any]
) -> HttpResponse:
    """PUT and PATCH: the person's new details from their current ones, then one write."""
    person = _person(token, scim_id)
    expected = scim.version_from_tag(request.headers.get("If-Match"))
    details = change(person_details(person=person, token=token))
    with _service_errors():
        person_replace(
            token=token, person=person, details=details, expected_version=expected, request=request
        )
    return _person_answer(request, token, _person(token, scim_id))


def user_replace(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    body = _body(request)
    return _replaced(request, token, scim_id, lambda _: scim.details_from_resource(body))


def user_patch(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    body = _body(request)
    return _replaced(request, token, scim_id, lambda current: scim.apply_patch(current, body))


def user_delete(request: HttpRequest, token: ScimToken, scim_id: str) -> HttpResponse:
    with _service_errors():
        person_remove(token=token, person=_person(token, scim_id), request=request)
    return HttpResponse(status=204)


# Discovery


def service_provider_config_get(request: HttpRequest, token: ScimToken) -> HttpResponse:
    return _answer(
        scim.service_provider_config(location=_location(request, "service-provider-config"))
    )


def _schemas(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return {
        scim.USER_SCHEMA: scim.user_schema(location=_location(request, "schema", scim.USER_SCHEMA))
    }


def _resource_types(request: HttpRequest) -> dict[str, dict[str, Any]]:
    return {"User": scim.resource_type_user(location=_location(request, "resource-type", "User"))}


def schemas_get(request: HttpRequest, token: ScimToken) -> HttpResponse:
    found = list(_schemas(request).values())
    return _answer(scim.list_response(found, total=len(found), start_index=1))


def schema_get(request: HttpRequest, token: ScimToken, schema_id: str) -> HttpResponse:
    found = _schemas(request).get(schema_id)
    if found is None:
        raise ScimError(404, f"No schema {schema_id}")
    return _answer(found)


def resource_types_get(request: HttpRequest, token: ScimToken) -> HttpResponse:
    found = list(_resource_types(request).values())
    return _answer(scim.list_response(found, total=len(found), start_index=1))


def resource_type_get(request: HttpRequest, token: ScimToken, type_id: str) -> HttpResponse:
    found = _resource_types(request).get(type_id)
    if found is None:
        raise ScimError(404, f"No resource type {type_id}")
    return _answer(found)


users = scim_endpoint(GET=users_list, POST=user_create)
user = scim_endpoint(GET=user_get, PUT=user_replace, PATCH=user_patch, DELETE=user_delete)
service_provider_config = scim_endpoint(GET=service_provider_config_get)
schemas = scim_endpoint(GET=schemas_get)
schema = scim_endpoint(GET=schema_get)
resource_types = scim_endpoint(GET=resource_types_get)
resource_type = scim_endpoint(GET=resource_type_get)


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    return _error(ScimError(404, "No such SCIM endpoint"))
