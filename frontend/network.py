"""Pages of the area's intelligence network: the network around one record (drawn, and as
tables), and the clusters of young people who share people, places, vehicles or identifiers.
Only the area's coordinators and police leads see them; anyone else gets 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.models import Area
from disruption.models import LinkNature, NodeKind
from disruption.network import (
    NETWORK_LINK_LIMIT,
    clusters,
    clusters_seen,
    network,
    network_kind,
    network_seen,
)
from disruption.selectors import intelligence_area_ids

from .form_fields import date_field


class NetworkFilterForm(forms.Form):
    since = date_field("Links seen from", required=None)
    until = date_field("Links seen up to", required=None)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date")
        return cleaned


def _drawing(found: Any) -> dict[str, Any]:
    """What the script draws: nodes and links, small keys only."""
    return {
        "centre": found.centre.id,
        "nodes": [
            {"id": n.id, "kind": n.kind, "label": n.label, "hop": n.hop} for n in found.nodes
        ],
        "edges": [[e.a, e.b] for e in found.edges],
    }


@login_required
@require_GET
def network_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    try:
        node_kind = network_kind(kind)
    except ValueError:
        raise Http404("No such kind of record") from None
    form = NetworkFilterForm(request.GET or None)
    dates = form.cleaned_data if form.is_bound and form.is_valid() else {}
    with transaction.atomic():
        found = network(
            user=request.user,
            kind=node_kind,
            pk=pk,
            since=dates.get("since"),
            until=dates.get("until"),
        )
        network_seen(actor=request.user, found=found, request=request)
    labels = {n.id: n for n in found.nodes}
    natures = dict(LinkNature.choices)
    kinds = dict(NodeKind.choices)
    context = {
        "found": found,
        "form": form,
        "centre_kind": kinds[found.centre.kind],
        "nodes": [(n, kinds[n.kind]) for n in found.nodes],
        "links": [
            (labels[e.a], labels[e.b], natures.get(e.nature, e.nature), e) for e in found.edges
        ],
        "kinds": NodeKind.choices,
        "drawing": _drawing(found),
        "limit": NETWORK_LINK_LIMIT,
        "entities": len(found.nodes) - found.young_people,
    }
    return render(request, "frontend/network/network.html", context)


@login_required
@require_GET
def clusters_page(request: HttpRequest) -> HttpResponse:
    areas = list(
        Area.objects.filter(pk__in=intelligence_area_ids(user=request.user)).order_by("name")
    )
    if not areas:
        raise Http404("No area's intelligence is yours to see")
    code = request.GET.get("area", "")
    area = next((a for a in areas if a.ons_code == code), None) if code else areas[0]
    if area is None:
        raise Http404("No such area in your intelligence")
    with transaction.atomic():
        found = clusters(user=request.user, area=area)
        clusters_seen(actor=request.user, found=found, request=request)
    context = {"found": found, "area": area, "areas": areas, "kinds": dict(NodeKind.choices)}
    return render(request, "frontend/network/clusters.html", context)
