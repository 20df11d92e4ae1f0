"""Intelligence pages: the entities index, a page per person of concern, location, vehicle and
identifier, their forms, adding and sharing links, link alerts, and turning a concern's
mentions into records. For the area's coordinators and police leads; a lead professional sees
only what is shared to their referral; anyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from agencies.models import Area, Role
from agencies.selectors import active_memberships, membership_in
from disruption.mention_selectors import mention_line, referral_mentions
from disruption.models import (
    NODE_FIELDS,
    Link,
    Location,
    Node,
    NodeKind,
    OnlineIdentifier,
    PersonOfConcern,
    Vehicle,
)
from disruption.selectors import (
    alerts_about,
    entity_list,
    intelligence_area_ids,
    link_alert_get,
    link_alerts_for,
    link_get,
    links_for,
    person_matches,
    writable_entity_get,
)
from disruption.services import (
    entity_open,
    identifier_create,
    link_add,
    link_alert_review,
    link_share,
    location_create,
    location_update,
    mention_convert,
    person_of_concern_create,
    person_of_concern_update,
    vehicle_create,
    vehicle_update,
)
from referrals.audited_reads import records_seen
from referrals.models import Referral
from referrals.selectors import referral_full_q

from .autocomplete import value_of
from .forms import service_write
from .intelligence_forms import (
    NEW_RECORD,
    IdentifierForm,
    LinkForm,
    LocationForm,
    MentionForm,
    PersonCreateForm,
    PersonForm,
    SearchForm,
    ShareForm,
    VehicleForm,
)
from .pagination import paginate

LIST_LIMIT = 200
SECTION_ROWS = 10  # of each kind on the index, when all kinds are shown


@dataclass(frozen=True)
class Kind:
    slug: str
    model: type[models.Model]
    label: str  # singular, as in "Record a …"
    plural: str
    form: type[Form]
    create: Callable[..., Any]
    update: Callable[..., Any] | None
    field: str  # the update service's keyword for the record


KINDS = {
    NodeKind.PERSON.value: Kind(
        "person",
        PersonOfConcern,
        "person of concern",
        "Persons of concern",
        PersonForm,
        person_of_concern_create,
        person_of_concern_update,
        "person",
    ),
    NodeKind.LOCATION.value: Kind(
        "location",
        Location,
        "location",
        "Locations",
        LocationForm,
        location_create,
        location_update,
        "location",
    ),
    NodeKind.VEHICLE.value: Kind(
        "vehicle",
        Vehicle,
        "vehicle",
        "Vehicles",
        VehicleForm,
        vehicle_create,
        vehicle_update,
        "vehicle",
    ),
    NodeKind.IDENTIFIER.value: Kind(
        "identifier",
        OnlineIdentifier,
        "phone number or online identifier",
        "Phone numbers and online identifiers",
        IdentifierForm,
        identifier_create,
        None,
        "identifier",
    ),
}


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such kind of record")
    return KINDS[slug]


def _works_intelligence(request: HttpRequest) -> None:
    """The index, forms and alerts are for coordinators and police leads: 404 for others."""
    if not intelligence_area_ids(user=request.user):
        raise Http404("No such page")


def _data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def entity_url(node: Node) -> str:
    """The page of a node's record; a young person's is their chronology."""
    record_id = getattr(node, f"{NODE_FIELDS[NodeKind(node.kind)]}_id")
    if node.kind == NodeKind.YOUNG_PERSON:
        return reverse("frontend:young-person-timeline", args=[record_id])
    return reverse("frontend:entity", args=[node.kind, record_id])


@login_required
def intelligence_page(request: HttpRequest) -> HttpResponse:
    _works_intelligence(request)
    form = SearchForm(request.GET or None)
    search, only = "", ""
    if form.is_valid():
        search, only = form.cleaned_data["q"], form.cleaned_data["kind"]
    sections = []
    shown: list[models.Model] = []
    for slug, kind in KINDS.items():
        if only and only != slug:
            continue
        rows = entity_list(user=request.user, model=kind.model, search=search).order_by(
            "-created_at", "-id"
        )
        if only:  # one kind: the whole list, page by page
            pages = paginate(request, rows)
            sections.append({"kind": kind, "rows": pages.rows, "pages": pages})
            shown += pages.rows
        else:  # every kind: the newest of each, and a link to the rest
            first = list(rows[: SECTION_ROWS + 1])
            more = len(first) > SECTION_ROWS
            sections.append({"kind": kind, "rows": first[:SECTION_ROWS], "more": more})
            shown += first[:SECTION_ROWS]
    records_seen(actor=request.user, records=shown, request=request)
    context = {
        "form": form,
        "sections": sections,
        "search": search,
        "searched": bool(search),
        "alerts": link_alerts_for(user=request.user, reviewed=False).count(),
    }
    return render(request, "frontend/intelligence/index.html", context)


def _other_end(link: Link, node: Node) -> Node:
    return link.b if link.a_id == node.pk else link.a


@login_required
def entity_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """One record with its links (graded) and alerts; recorded as seen."""
    spec = _kind(kind)
    record = entity_open(actor=request.user, model=spec.model, pk=pk, request=request)
    node = getattr(record, "node", None)
    links = list(links_for(user=request.user, node=node)) if node else []
    alerts = list(alerts_about(user=request.user, node=node)) if node else []
    records_seen(actor=request.user, records=[*links, *alerts], request=request)
    rows = [(link, _other_end(link, node)) for link in links] if node else []
    groups: dict[str, list[tuple[Link, Node]]] = {}
    for link, other in rows:
        groups.setdefault(other.kind, []).append((link, other))
    writes = record.area_id in intelligence_area_ids(user=request.user)
    context = {
        "record": record,
        "spec": spec,
        "node": node,
        "rows": [(link, other, entity_url(other)) for link, other in rows],
        "identifiers": groups.get(NodeKind.IDENTIFIER, []),
        "vehicles": groups.get(NodeKind.VEHICLE, []),
        "associates": groups.get(NodeKind.PERSON, []),
        "alerts": alerts,
        "writes": writes,
        "can_share": _coordinates(request, record.area_id),
    }
    return render(request, "frontend/intelligence/entity.html", context)


def _coordinates(request: HttpRequest, area_id: int) -> bool:
    return membership_in(user=request.user, area_id=area_id, roles=[Role.COORDINATOR]) is not None


def _area_choice(request: HttpRequest) -> Area:
    """The area a new record belongs to: the one whose intelligence the user works (the
    acting one first when they work several)."""
    for membership in active_memberships(user=request.user):
        if membership.role in (Role.COORDINATOR, Role.POLICE_LEAD) and membership.area:
            return membership.area
    raise Http404("No such page")


def _form_page(request: HttpRequest, form: Form, title: str, button: str, **extra: Any) -> Any:
    context = {"form": form, "title": title, "button": button, **extra}
    return render(request, "frontend/intelligence/form.html", context)


@login_required
def entity_new_page(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _kind(kind)
    _works_intelligence(request)
    area = _area_choice(request)
    form_class = PersonCreateForm if spec.model is PersonOfConcern else spec.form
    form = form_class(_data(request))
    matches: list[tuple[PersonOfConcern, str]] = []
    if request.method == "POST" and form.is_valid():
        data = form.changes() if isinstance(form, PersonForm) else dict(form.cleaned_data)
        if isinstance(form, PersonCreateForm):
            matches = person_matches(
                user=request.user, area_id=area.pk, name=data["name"], aliases=data["aliases"]
            )
            if matches and not form.cleaned_data["confirm_new"]:
                return _form_page(
                    request,
                    form,
                    f"Record a {spec.label}",
                    "Record them",
                    matches=matches,
                    kind=spec,
                )
        record = service_write(form, lambda: spec.create(actor=request.user, area=area, **data))
        if record is not None:
            messages.success(request, f"{spec.label.capitalize()} recorded: {record}")
            return redirect("frontend:entity", kind, record.pk)
    return _form_page(request, form, f"Record a {spec.label}", "Record", kind=spec)


@login_required
def entity_edit_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    if spec.update is None:
        raise Http404("Such a record is not changed")
    update = spec.update
    record = writable_entity_get(user=request.user, model=spec.model, pk=pk)
    initial = {name: getattr(record, name) for name in spec.form.base_fields}
    for name in ("aliases", "police_references"):
        if name in initial:
            initial[name] = "\n".join(initial[name])
    form = spec.form(_data(request), initial=initial)
    if request.method == "POST":
        done = service_write(
            form,
            lambda: update(
                actor=request.user,
                changes=form.changes() if isinstance(form, PersonForm) else form.cleaned_data,
                request=request,
                **{spec.field: record},
            ),
        )
        if done is not None:
            messages.success(request, f"Changes saved: {done}")
            return redirect("frontend:entity", kind, record.pk)
    return _form_page(
        request, form, f"Change the {spec.label}: {record}", "Save the changes", kind=spec
    )


@login_required
def link_add_page(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    spec = _kind(kind)
    record: Any = writable_entity_get(user=request.user, model=spec.model, pk=pk)
    referrals = (
        Referral.objects.filter(referral_full_q(user=request.user), area_id=record.area_id)
        .select_related("young_person")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    form = LinkForm(
        _data(request),
        user=request.user,
        area_id=record.area_id,
        own=value_of(spec.slug, record),
        referrals=[(r.reference, f"{r.reference}: {r.young_person}") for r in referrals],
    )

    def write() -> Link:
        data = dict(form.cleaned_data)
        other = data.pop("other")
        chosen = data.pop("referral")
        referral = next((r for r in referrals if r.reference == chosen), None)
        return link_add(
            actor=request.user, a=record, b=other, referral=referral, request=request, **data
        )

    if request.method == "POST" and service_write(form, write) is not None:
        messages.success(request, f"Link added: {record} – {form.cleaned_data['other']}")
        return redirect("frontend:entity", kind, record.pk)
    return _form_page(request, form, f"Add a link: {record}", "Add the link", kind=spec)


@login_required
def link_alerts_page(request: HttpRequest) -> HttpResponse:
    _works_intelligence(request)
    pages = paginate(request, link_alerts_for(user=request.user))
    records_seen(actor=request.user, records=pages.rows, request=request)
    rows = [(a, entity_url(a.node), a.matched_node) for a in pages.rows]
    return render(request, "frontend/intelligence/alerts.html", {"rows": rows, "pages": pages})


@login_required
@require_POST
def link_alert_review_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Mark as reviewed" button beside an alert."""
    alert = link_alert_get(user=request.user, pk=pk)
    try:
        link_alert_review(alert=alert, actor=request.user, request=request)
    except ValidationError:  # someone else marked it first
        messages.success(request, f"Link alert already marked as reviewed: {alert.node.label}")
    else:
        messages.success(request, f"Link alert marked as reviewed: {alert.node.label}")
    return redirect("frontend:link-alerts")


@login_required
def link_share_page(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_get(user=request.user, pk=pk)
    if not _coordinates(request, link.area_id):
        raise PermissionDenied("Only a coordinator of the area may share intelligence.")
    form = ShareForm(_data(request))
    if request.method == "POST" and service_write(
        form,
        lambda: link_share(
            link=link, actor=request.user, reason=form.cleaned_data["reason"], request=request
        ),
    ):
        messages.success(request, "Link shared with the lead professionals")
        return redirect("frontend:referral-detail", link.referral.reference)  # type: ignore[union-attr]
    intro = (
        f"{link.a.label} – {link.b.label} ({link.get_nature_display()}, graded "
        f"{link.grading}). The lead professionals of referral "
        f"{link.referral.reference if link.referral else ''} will see this link and the two "
        "records it joins."
    )
    return _form_page(request, form, "Share a link", "Share the link", intro=intro)


# What each kind of mention becomes: the kind of record, and how the page names it.
MENTION_RECORDS = {
    "person": ("person", "person"),
    "place": ("location", "place"),
    "vehicle": ("vehicle", "vehicle"),
}


@login_required
def mentions_page(request: HttpRequest, reference: str) -> HttpResponse:
    """Turn the lines of a concern's mentions into linked records, one line at a time
    (?line=<n>): the area's records like it are offered first, a new record second."""
    mentions = referral_mentions(user=request.user, reference=reference, request=request)
    referral = mentions.referral
    chosen = request.GET.get("line", "")
    if not chosen:
        if request.method == "POST":
            raise Http404("No such line")
        rows = [(m.number, MENTION_RECORDS[m.kind][1], m.line, m.link) for m in mentions.lines]
        context = {"referral": referral, "rows": rows, "done": mentions.links}
        return render(request, "frontend/intelligence/mentions.html", context)
    if not chosen.isdigit():
        raise Http404("No such line")
    mention, found = mention_line(
        user=request.user, mentions=mentions, number=int(chosen), request=request
    )
    kind, line = mention.kind, mention.line
    record_kind, noun = MENTION_RECORDS[kind]
    existing = {value_of(record_kind, r): r for r, _ in found}
    form = MentionForm(
        _data(request),
        matches=[(value_of(record_kind, r), f"Yes, {r}: {why}") for r, why in found],
        noun=noun,
    )

    def write() -> Link:
        data = dict(form.cleaned_data)
        record = existing.get(data.pop("record"))  # None: a new record
        return mention_convert(
            actor=request.user,
            referral=referral,
            kind=kind,
            line=line,
            existing=record,
            request=request,
            **data,
        )

    if request.method == "POST" and (link := service_write(form, write)) is not None:
        entity = link.b if link.a.kind == NodeKind.YOUNG_PERSON else link.a
        messages.success(request, f"Recorded and linked to {referral.young_person}: {entity.label}")
        return redirect("frontend:mentions", referral.reference)
    context = {
        "referral": referral,
        "form": form,
        "line": line,
        "noun": noun,
        "found": bool(found),
        "new_record": NEW_RECORD,
    }
    return render(request, "frontend/intelligence/mention.html", context)
