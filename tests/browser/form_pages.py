"""Every form page of the service, derived from the code: each page address (URL pattern) of
the `frontend` namespace whose view takes a POST. The every-form check
(`test_every_form.py`) holds the browser tests to submitting each of them.

A page is one URL name, or, where a part of the address picks which form the page shows (the
concern form's pages, the workflow's steps, the kinds of intelligence record), one URL name
and that part's value. Every other part of a form page's address must be declared to name a
record (a referral's reference, an id): a new part the check does not know fails it, so that
a new kind of page is never judged as one."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from types import FunctionType, ModuleType
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.exceptions import Resolver404
from django.urls.resolvers import ResolverMatch

NAMESPACE = "frontend"


def _concern_pages() -> Iterable[str]:
    from frontend.concerns import PAGE_BY_SLUG

    return PAGE_BY_SLUG


def _workflow_steps() -> Iterable[str]:
    from referrals.models import Referral

    field = Referral._meta.get_field("state")
    return {t.name for t in field.get_all_transitions(Referral)}


def _interview_answers() -> Iterable[str]:
    from frontend.casework import INTERVIEW_ANSWERS

    return INTERVIEW_ANSWERS


def _record_kinds() -> Iterable[str]:
    from frontend.intelligence import KINDS

    return KINDS


def _changeable_record_kinds() -> Iterable[str]:
    from frontend.intelligence import KINDS

    return [slug for slug, kind in KINDS.items() if kind.update is not None]


# The part of the address that picks the form a page shows, and every value it takes.
VARIANTS: dict[str, tuple[str, Callable[[], Iterable[str]]]] = {
    "frontend:concern-page": ("slug", _concern_pages),
    "frontend:referral-step": ("name", _workflow_steps),
    "frontend:return-interview": ("answer", _interview_answers),
    "frontend:entity-new": ("kind", _record_kinds),
    "frontend:entity-edit": ("kind", _changeable_record_kinds),
}
# Parts of an address that name a record: the form is the same whatever their value.
RECORD_PARTS = {"reference", "ons_code", "pk", "item_pk", "year", "version"}
RECORD_PARTS_OF = {
    "frontend:link-add": {"kind"},  # a link is added to the record kind:pk
    "frontend:young-person-merge-compare": {"other"},  # the other record of the young person
    "frontend:records-rule": {"kind"},  # the kind of record: the same questions for each
}

# Forms with nothing to fill in (a button, with hidden values at most): no submission of them
# can be invalid, so a valid one is all the check asks. The check fails if one of these pages
# shows a field to fill in: it must then be submitted invalid too, and leave this list.
NO_INPUT: dict[str, str] = {
    "frontend:sign-out": "the 'Sign out' button in the header",
    "frontend:subject-access-agree": "the 'Agree to the export' button of a subject access export",
    "frontend:sign-out-everywhere": "the 'Sign out of every device' button",
    "frontend:sign-in-recovery-codes": "the 'I have saved these codes' button",
    "frontend:notifications-mark-read": "'Mark all as read' and each 'Mark as read' button",
    "frontend:meeting-propose": "the 'Propose the agenda' button",
    "frontend:api-token-revoke": "the 'Revoke token' button",
    "frontend:admin-membership-end": "the 'End role' button beside each role",
    "frontend:admin-person-deactivate": "the 'Deactivate leaver' button beside each person",
    "frontend:admin-agency-deactivate": "the 'Deactivate' button beside each agency",
    "frontend:admin-scim-token-revoke": "the 'Confirm' button of revoking a provisioning token",
    "frontend:admin-lockouts": "the 'Unlock' button beside each locked-out username",
    "frontend:referral-step (name=start_triage)": "the 'Start triage' button",
    "frontend:referral-step (name=accept_transfer)": "the 'Accept the transfer' button",
    "frontend:referral-step (name=submit)": "the 'Submit the concern' button",
    "frontend:link-alert-review": "the 'Mark as reviewed' button beside each link alert",
    "frontend:screening-tool-retire": "the 'Confirm' button of stopping the use of a tool",
    "frontend:screening-tool-use": "the 'Use again' button of a national tool not used",
    "frontend:admin-action-types-retire": "the 'Confirm' button of retiring an action",
    "frontend:admin-action-types-use": "the 'Use again' button beside a national action",
    "frontend:admin-tactics-retire": "the 'Confirm' button of retiring a tactic",
    "frontend:admin-tactics-use": "the 'Use again' button beside a national tactic",
}


@dataclass(frozen=True)
class FormPage:
    name: str  # namespace:url_name
    route: str
    view: str  # module.function, to find the page in the code
    variant: tuple[str, str] | None = None  # (part of the address, its value)

    @property
    def key(self) -> str:
        return page_key(self.name, self.variant)


def page_key(name: str, variant: tuple[str, str] | None) -> str:
    return f"{name} ({variant[0]}={variant[1]})" if variant else name


class UndeclaredAddressPart(Exception):
    pass


def form_pages() -> dict[str, FormPage]:
    """Every form page, by key."""
    pages: dict[str, FormPage] = {}
    for name, route, view in _patterns(get_resolver().url_patterns):
        if not name.startswith(f"{NAMESPACE}:") or not accepts_post(view):
            continue
        code = getattr(view, "view_class", view)
        where = f"{code.__module__}.{code.__qualname__}"
        for variant in _variants(name, route, view):
            page = FormPage(name=name, route=route, view=where, variant=variant)
            pages[page.key] = page
    return pages


def key_of(match: ResolverMatch) -> str:
    """The form page a request's address resolved to."""
    variant = VARIANTS.get(match.view_name)
    if variant is None:
        return match.view_name
    part = variant[0]
    return page_key(match.view_name, (part, str(match.kwargs[part])))


def key_of_path(path: str) -> str | None:
    from django.urls import resolve

    try:
        return key_of(resolve(path))
    except Resolver404:
        return None


def _patterns(
    patterns: Iterable[Any], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str, Callable[..., Any]]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry.callback


def _variants(name: str, route: str, view: Any) -> list[tuple[str, str] | None]:
    parts = set(_route_parts(route))
    declared = VARIANTS.get(name)
    undeclared = parts - RECORD_PARTS - RECORD_PARTS_OF.get(name, set())
    if declared is not None:
        undeclared.discard(declared[0])
    if undeclared:
        raise UndeclaredAddressPart(
            f"{name} ({route}): the check does not know what {sorted(undeclared)} in its address "
            "is. Declare it in tests/browser/form_pages.py: in VARIANTS if it picks which form "
            "the page shows, in RECORD_PARTS(_OF) if it names a record."
        )
    if declared is None:
        return [None]
    return [(declared[0], value) for value in sorted(declared[1]())]


def _route_parts(route: str) -> list[str]:
    from django.urls.resolvers import _PATH_PARAMETER_COMPONENT_RE  # type: ignore[attr-defined]

    return [m.group("parameter") for m in _PATH_PARAMETER_COMPONENT_RE.finditer(route)]


def accepts_post(view: Any) -> bool:
    """Whether a view takes a POST: a class-based view with `post`; a function restricted by
    `require_http_methods` (or `require_POST`/`require_GET`) to a list of methods, by that
    list; any other function if it, or a function of its module it calls, reads
    `request.POST`, `request.FILES` or `request.method`."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    layer = view
    while layer is not None:
        methods = _allowed_methods(layer)
        if methods is not None:
            return "POST" in methods
        inner = getattr(layer, "__wrapped__", None)
        if inner is None:
            return _reads_the_request_body(layer)
        layer = inner
    return False


def _allowed_methods(function: Any) -> list[str] | None:
    """The list Django's `require_http_methods` closed its wrapper over, if this is one."""
    if not isinstance(function, FunctionType) or function.__closure__ is None:
        return None
    cells = dict(zip(function.__code__.co_freevars, function.__closure__, strict=True))
    cell = cells.get("request_method_list")
    return list(cell.cell_contents) if cell is not None else None


READS = {"POST", "FILES", "method"}


def _reads(node: ast.AST) -> bool:
    """`request.POST`, `request.FILES` or `request.method`."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in READS
        and isinstance(node.value, ast.Name)
        and node.value.id == "request"
    )


def _reads_the_request_body(function: Any, seen: frozenset[str] = frozenset()) -> bool:
    if not isinstance(function, FunctionType) or function.__qualname__ in seen:
        return False
    tree = _tree(function)
    if any(_reads(node) for node in ast.walk(tree)):
        return True
    module = inspect.getmodule(function)
    seen = seen | {function.__qualname__}
    return any(
        _reads_the_request_body(callee, seen) for callee in _module_functions_called(tree, module)
    )


@cache
def _tree(function: FunctionType) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(function)))


def _module_functions_called(tree: ast.AST, module: ModuleType | None) -> Iterator[Any]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and module:
            callee = getattr(module, node.func.id, None)
            if isinstance(callee, FunctionType) and callee.__module__ == module.__name__:
                yield callee
