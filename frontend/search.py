"""The search page (`/search/?q=`, also the header's search box) and the referral list's
search and filters. Both read through referrals.search; every row shown is recorded as seen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from referrals.audited_reads import records_seen
from referrals.models import Rag, ReferralState
from referrals.search import (
    HINT,
    MAX_QUERY_LENGTH,
    MAX_RESULTS,
    parse,
    search_referrals,
    search_results,
    search_results_seen,
    search_transaction,
    search_young_people,
)

from .pagination import Pages, paginate

RESULTS_PER_PAGE = 20
REFERRALS_PER_PAGE = 25


class ReferralFiltersForm(forms.Form):
    """The referral list's search and filters, read from the query string."""

    q = forms.CharField(label="Search referrals", required=False, max_length=MAX_QUERY_LENGTH,
                        help_text=HINT)  # fmt: skip
    state = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *ReferralState.choices]
    )
    rag = forms.ChoiceField(
        label="RAG rating", required=False, choices=[("", "Any rating"), *Rag.choices]
    )

    def chosen(self) -> dict[str, str]:
        """What was asked for; a value the form does not offer is shown as an error and
        ignored, so the list still shows."""
        self.is_valid()
        return {name: self.cleaned_data.get(name, "") for name in ("q", "state", "rag")}


@login_required
@permission_required("referrals.view_referral_list", raise_exception=True)
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    context: dict[str, Any] = {"query": query, "hint": HINT, "most": MAX_RESULTS}
    terms = parse(query)
    if not terms.empty:
        with search_transaction():
            pages = paginate(
                request, search_young_people(actor=request.user, terms=terms), RESULTS_PER_PAGE
            )
            results = search_results(actor=request.user, people=pages.rows)
            search_results_seen(actor=request.user, results=results, request=request)
        context.update(pages=pages, results=results)
    return render(request, "frontend/search.html", context)


def referral_list_context(request: HttpRequest) -> dict[str, Any]:
    """The referral list page's form and page of referrals, recorded as seen."""
    form = ReferralFiltersForm(request.GET)
    chosen = form.chosen()
    referrals = search_referrals(
        actor=request.user,
        terms=parse(chosen["q"].strip()),
        state=chosen["state"],
        rag=chosen["rag"],
    )
    with search_transaction():
        pages: Pages = paginate(request, referrals, REFERRALS_PER_PAGE)
        records_seen(actor=request.user, records=pages.rows, request=request)
    return {"form": form, "pages": pages, "filtered": any(chosen.values())}
