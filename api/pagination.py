from rest_framework.pagination import CursorPagination, PageNumberPagination


class CreatedCursorPagination(CursorPagination):
    """Stable pages under concurrent inserts: newest first, ties broken by id."""

    ordering = ("-created_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 200


class NumberedPagination(PageNumberPagination):
    """Numbered pages, for lists whose order is not one a cursor can follow."""

    page_size_query_param = "page_size"
    max_page_size = 200
