"""frontend.pagination: GOV.UK's numbered links, and the page's other query parameters kept."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from frontend.pagination import _numbers_shown, paginate


@pytest.mark.parametrize(
    ("current", "last", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 19, [1, 2, None, 19]),
        (5, 19, [1, None, 4, 5, 6, None, 19]),
        (3, 19, [1, 2, 3, 4, None, 19]),
        (19, 19, [1, None, 18, 19]),
    ],
)
def test_the_pages_linked(current: int, last: int, shown: list[int | None]) -> None:
    assert _numbers_shown(current, last) == shown


def test_links_keep_the_search_and_a_wrong_page_number_gives_the_nearest_page() -> None:
    request = RequestFactory().get("/people/", {"q": "okafor", "page": "99"})
    pages = paginate(request, list(range(60)), per_page=25)
    assert list(pages.object_list) == list(range(50, 60))
    assert pages.count == 60 and pages.several
    assert pages.previous_url == "?q=okafor&page=2"
    assert pages.next_url is None
    assert [link.current for link in pages.links] == [False, False, True]


def test_one_page_shows_no_links() -> None:
    pages = paginate(RequestFactory().get("/", {"page": "x"}), [1, 2])
    assert not pages.several and list(pages.object_list) == [1, 2]


def test_two_lists_on_one_page_keep_their_own_page_and_land_on_their_list() -> None:
    request = RequestFactory().get("/case/", {"seen": "2", "changes": "3"})
    seen = paginate(request, list(range(30)), per_page=10, param="seen", anchor="trail")
    changes = paginate(request, list(range(30)), per_page=10, param="changes", anchor="trail")
    assert seen.rows == list(range(10, 20)) and changes.rows == list(range(20, 30))
    assert seen.next_url == "?seen=3&changes=3#trail"
    assert changes.previous_url == "?seen=2&changes=2#trail"
