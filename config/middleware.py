"""Cross-cutting request guards."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from api.errors import api_error_response, is_api_request


class BodySizeLimitMiddleware:
    """Refuse a declared body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it.

    Django enforces the limit only when `request.body` is read; DRF's parsers read the stream,
    so without this an oversized JSON body would be parsed in full. A page's form with a file
    (multipart) may send up to MULTIPART_UPLOAD_MAX_SIZE: Django streams its file to disk.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if not is_api_request(request) and request.content_type == "multipart/form-data":
            limit = settings.MULTIPART_UPLOAD_MAX_SIZE
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            message = f"The request body is larger than the limit of {limit} bytes."
            if is_api_request(request):
                return api_error_response(413, "payload_too_large", message)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
