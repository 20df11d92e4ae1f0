"""Pages of API lists. A page size or page the server would not use is refused (400), never
quietly replaced by the default, and the schema states the bounds."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.request import Request

MAX_PAGE_SIZE = 200
PAGE_SIZE = "page_size"  # the query parameter


class StrictPageSize:
    """`page_size` from 1 to MAX_PAGE_SIZE, refused otherwise (DRF would quietly use the
    default), with the bounds in the schema."""

    page_size_query_param: str | None = PAGE_SIZE
    max_page_size: int | None = MAX_PAGE_SIZE
    page_size: int | None

    def get_page_size(self, request: Request) -> int:
        given = request.query_params.get(PAGE_SIZE)
        if given is None:
            return int(self.page_size or MAX_PAGE_SIZE)
        if not (given.isascii() and given.isdigit() and 1 <= int(given) <= MAX_PAGE_SIZE):
            message = f"Give a whole number from 1 to {MAX_PAGE_SIZE}."
            raise ValidationError({PAGE_SIZE: [message]})
        return int(given)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)  # type: ignore[misc]
        for parameter in parameters:
            if parameter["name"] == PAGE_SIZE:
                parameter["schema"].update(minimum=1, maximum=MAX_PAGE_SIZE)
        return parameters


class StrictCursorPagination(StrictPageSize, CursorPagination):
    pass


class CreatedCursorPagination(StrictCursorPagination):
    """Stable pages under concurrent inserts: newest first, ties broken by id."""

    ordering = ("-created_at", "-id")


class StrictPageNumberPagination(PageNumberPagination):
    """Numbered pages from 1; a page past the last is 404, as DRF answers it; `page` that is
    not a number's digits (sent empty, " 2", "last") is refused (400), where DRF would answer
    the first, the second or the last."""

    def get_page_number(self, request: Request, paginator: Any) -> Any:
        given = request.query_params.get(self.page_query_param)
        if given is not None and not (given.isascii() and given.isdigit()):
            message = "Give a page number from 1, or leave the parameter out."
            raise ValidationError({self.page_query_param: [message]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters


class NumberedPagination(StrictPageSize, StrictPageNumberPagination):
    """Numbered pages, for lists whose order is not one a cursor can follow."""
