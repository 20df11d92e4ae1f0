"""Pages of API lists. A page size or page the server would not use is refused (400), never
quietly replaced by the default, and the schema states the bounds."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 200


class StrictCursorPagination(CursorPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request: Request) -> int:
        given = request.query_params.get(self.page_size_query_param)
        if given is None:
            return int(self.page_size or MAX_PAGE_SIZE)
        if not (given.isascii() and given.isdigit() and 1 <= int(given) <= MAX_PAGE_SIZE):
            message = f"Give a whole number from 1 to {MAX_PAGE_SIZE}."
            raise ValidationError({self.page_size_query_param: [message]})
        return int(given)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE_SIZE)
        return parameters


class CreatedCursorPagination(StrictCursorPagination):
    """Stable pages under concurrent inserts: newest first, ties broken by id."""

    ordering = ("-created_at", "-id")


class StrictPageNumberPagination(PageNumberPagination):
    """Numbered pages from 1; a page past the last is 404, as DRF answers it."""

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class NumberedPagination(StrictPageNumberPagination):
    """Numbered pages, for lists whose order is not one a cursor can follow."""

    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
