"""What the API's endpoints share: idempotent creation, checked query text and queries, a
service applied to a checked body, lists that record what they show."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.fields import CharField
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from referrals.audited_reads import records_seen

from .errors import IdempotencyKeyMismatch
from .services import IdempotencyKeyReused, idempotent

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
    OpenApiParameter.HEADER,
    description=(
        "Any unique string (a UUID, say). Retrying with the same key within 24 hours returns "
        "the first response and creates nothing more; the key with another body answers 422."
    ),
)


_KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII


def idempotent_response(request: Request, create: Callable[[], Response]) -> Response:
    """`create`'s response, worked out once per Idempotency-Key (when the client sends one)."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return create()
    if not _KEY_FORMAT.fullmatch(key):
        raise ValidationError({"Idempotency-Key": ["Send 1 to 255 visible ASCII characters."]})

    def run() -> tuple[int, Any]:
        response = create()
        return response.status_code, {} if response.data is None else response.data

    try:
        code, data, replayed = idempotent(
            user=request.user,
            key=key,
            endpoint=f"{request.method} {request.path}",
            body=_body_identity(request),
            create=run,
        )
    except IdempotencyKeyReused as exc:
        raise IdempotencyKeyMismatch() from exc
    response = Response(None if code == status.HTTP_204_NO_CONTENT else data, status=code)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def _body_identity(request: Request) -> bytes:
    """What tells one request's body from another for its Idempotency-Key: the bytes as sent
    (read before request.data parses them); for a multipart upload, whose files are streamed
    to disk rather than held whole, its fields and each file's name and SHA-256."""
    if not request.content_type.startswith("multipart/"):
        return request.body
    fields = [
        (name, value)
        for name in sorted(request.POST)
        for value in request.POST.getlist(name)
        if name not in request.FILES
    ]
    files = [
        (name, upload.name, _file_digest(upload))
        for name in sorted(request.FILES)
        for upload in request.FILES.getlist(name)
    ]
    return json.dumps([fields, files]).encode()


def _file_digest(upload: Any) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)  # the endpoint reads it next
    return digest.hexdigest()


def query_text(request: Request, name: str, *, max_length: int = 200) -> str:
    """A text query parameter, trimmed; 400 naming it when it is too long or holds a
    character no text may hold (a NUL)."""
    field = CharField(allow_blank=True, max_length=max_length)
    try:
        return str(field.run_validation(request.query_params.get(name, "")))
    except ValidationError as exc:
        raise ValidationError({name: exc.detail}) from exc


class QuerySerializer(Serializer[Any]):
    """Checks a query: a parameter sent empty (`?since=`) is refused unless its field allows
    blank text, as the schema says (a length, an enum or a format), where DRF would read it
    as left out and answer as if the filter were not there."""

    def to_internal_value(self, data: Any) -> Any:
        empty = {
            name: ["Give a value, or leave the parameter out."]
            for name, field in self.fields.items()
            if data.get(name) == "" and not getattr(field, "allow_blank", False)
        }
        if empty:
            raise ValidationError(empty)
        return super().to_internal_value(data)


def service_response(
    request: Request,
    incoming: type[Any],
    outgoing: Callable[[Any], Any],
    service: Callable[..., Any],
    *,
    code: int = status.HTTP_200_OK,
    context: dict[str, Any] | None = None,
    **fixed: Any,
) -> Response:
    """Check the body's shape with `incoming`, let `service` apply its rules, answer with
    `outgoing`. A body of the wrong shape is 400; services refuse with PermissionDenied (403)
    or ValidationError (422: a rule broken), as `api.errors.exception_handler` maps them."""
    body = incoming(data=request.data, context=context or {})
    body.is_valid(raise_exception=True)
    done = service(actor=request.user, **fixed, **body.validated_data)
    return Response(outgoing(done).data, status=code)


class AuditedListView(generics.ListAPIView[Any]):
    """A cursor-paginated list, newest first, that records every row it shows as seen, in
    one transaction with the read."""

    def record_seen(self, page: list[Any]) -> None:
        records_seen(actor=self.request.user, records=page, request=self.request)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with transaction.atomic():
            page = self.paginate_queryset(self.get_queryset()) or []
            self.record_seen(page)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
