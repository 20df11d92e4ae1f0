"""Pages of a long list, with the GOV.UK pagination links (includes/pagination.html): the
one way every list that can grow is split. The links keep the page's other query parameters
(a search, filters), so moving between pages never loses them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 25


@dataclass(frozen=True)
class PageLink:
    number: int | None  # None: the ellipsis between distant pages
    url: str = ""
    current: bool = False


@dataclass(frozen=True)
class Pages:
    """One page of a list: its rows (`object_list`) and the links to the others."""

    page: Page[Any]
    rows: list[Any]
    links: list[PageLink]
    previous_url: str | None
    next_url: str | None

    @property
    def object_list(self) -> list[Any]:
        return self.rows

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def several(self) -> bool:
        return self.page.paginator.num_pages > 1


def paginate(
    request: HttpRequest,
    rows: Any,
    per_page: int = PER_PAGE,
    *,
    param: str = "page",
    anchor: str = "",
) -> Pages:
    """The page of `rows` (a queryset or a list) that `?page=` asks for; a page number out of
    range or not a number gives the nearest page rather than an error. The rows of the page
    are read once, here. A page holding two lists names each one's page `param` apart, and
    its links may land on the list (`anchor`, an element's id)."""
    page = Paginator(rows, per_page).get_page(request.GET.get(param))
    rows = list(page.object_list)
    page.object_list = rows

    def url(number: int) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        return f"?{query.urlencode()}{f'#{anchor}' if anchor else ''}"

    links: list[PageLink] = []
    for number in _numbers_shown(page.number, page.paginator.num_pages):
        links.append(
            PageLink(number, url(number), number == page.number) if number else PageLink(None)
        )
    return Pages(
        page=page,
        rows=rows,
        links=links,
        previous_url=url(page.previous_page_number()) if page.has_previous() else None,
        next_url=url(page.next_page_number()) if page.has_next() else None,
    )


def _numbers_shown(current: int, last: int) -> list[int | None]:
    """GOV.UK's pattern: the first and last pages, the current one and its neighbours, and an
    ellipsis (None) for each gap: 1 … 4 5 6 … 19."""
    shown = sorted({1, last, current - 1, current, current + 1} & set(range(1, last + 1)))
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
