"""The catalogues an area keeps: its screening tools (kept by its coordinators) and its
protective action types (kept by its area administrators; disruption tactics follow the same
rules in disruption.catalogues).

National entries are read-only: an area chooses whether it uses each one. An area's own
entries are added and retired, never changed or deleted, so every record that names one keeps
it. A screening tool changes only by publishing a new version: a referral keeps the version,
and so the indicator wording, it was screened with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from agencies.models import Area, Membership, Role, User
from agencies.selectors import active_memberships
from audit.models import AuditAction
from audit.services import audit_record

from .models import (
    ExploitationType,
    ProtectiveActionType,
    ScreeningCategory,
    ScreeningIndicator,
    ScreeningTool,
)

# Who keeps which catalogue of their area.
SCREENING_KEEPER = Role.COORDINATOR
ENTRY_KEEPER = Role.AREA_ADMINISTRATOR

LABEL_CAP = 200
NAME_CAP = 200
INDICATORS_CAP = 100
WEIGHT_MAX = 20

if TYPE_CHECKING:  # disruption builds on referrals: its tactics are only named here
    from disruption.models import DisruptionTactic

Entry = TypeVar("Entry", ProtectiveActionType, "DisruptionTactic")


# Who keeps an area's catalogues.


def keeper_membership(*, user: User, area: Area, role: Role) -> Membership | None:
    return next(
        (m for m in active_memberships(user=user) if m.role == role and m.area_id == area.pk),
        None,
    )


def kept_areas(*, user: User, role: Role) -> list[Area]:
    """The areas whose catalogue `user` keeps in `role`, by name."""
    areas = {m.area_id: m.area for m in active_memberships(user=user) if m.role == role}
    return sorted((a for a in areas.values() if a is not None), key=lambda a: a.name)


def kept_area(*, user: User, role: Role, ons_code: str) -> Area:
    """One area whose catalogue the user keeps; 404 for any other (existence not revealed)."""
    for area in kept_areas(user=user, role=role):
        if area.ons_code == ons_code:
            return area
    raise Http404("No area found")


def member_area(*, user: User, ons_code: str | None) -> Area:
    """The area of the user's whose catalogues they read: the one named (404 for an area they
    hold no role in), or their only one."""
    areas = {m.area.ons_code: m.area for m in active_memberships(user=user) if m.area}
    if ons_code:
        if ons_code not in areas:
            raise Http404("No area found")
        return areas[ons_code]
    if len(areas) != 1:
        raise ValidationError({"area": "Say which area, by its ONS code"})
    return next(iter(areas.values()))


def _keeper(*, actor: User, area: Area, role: Role) -> Membership:
    membership = keeper_membership(user=actor, area=area, role=role)
    if membership is None:
        raise PermissionDenied(f"Only a {role.label.lower()} of this area may change this.")
    return membership


# Entries (protective action types here, disruption tactics in disruption.catalogues).


def _not_used(model: type[models.Model], area_id: int) -> Exists:
    through = model._meta.get_field("not_used_by").remote_field.through  # type: ignore[union-attr]
    return Exists(
        through.objects.filter(area_id=area_id, **{f"{model._meta.model_name}_id": OuterRef("pk")})
    )


def area_entries(model: type[Entry], *, area: Area) -> QuerySet[Entry]:
    """Every entry an area sees on its catalogue page: the national ones still offered (with
    whether the area uses each: `unused`) and the area's own, retired ones too; national
    first."""
    return (
        model._default_manager.filter(Q(area__isnull=True, is_active=True) | Q(area=area))
        .annotate(unused=_not_used(model, area.pk))
        .order_by(models.F("area").asc(nulls_first=True), "position", "label")
    )


def usable_entries(model: type[Entry], *, area_id: int) -> QuerySet[Entry]:
    """The entries that may be chosen in an area now: the national ones it uses, and its own
    that are not retired."""
    live = model._default_manager.filter(is_active=True)
    return live.filter(Q(area__isnull=True) | Q(area_id=area_id)).exclude(_not_used(model, area_id))


def entry_usable(entry: Entry, *, area_id: int) -> bool:
    """Whether the entry may be chosen in the area now (see usable_entries)."""
    if not entry.is_active or entry.area_id not in (None, area_id):
        return False
    return entry.area_id is not None or not entry.not_used_by.filter(pk=area_id).exists()


def area_entry(model: type[Entry], *, area: Area, pk: int | str, by: str = "pk") -> Entry:
    """One entry of the area's catalogue (national or its own); 404 for another area's."""
    found = area_entries(model, area=area).filter(**{by: pk}).first()
    if found is None:
        raise Http404("No entry found")
    return found


def _code(area: Area, label: str) -> str:
    """An area's own entry's code: unique across areas, readable in exports."""
    return f"area-{area.pk}-{slugify(label)}"[:60].rstrip("-")


def _label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise ValidationError({"label": "Enter a name"})
    if len(label) > LABEL_CAP:
        raise ValidationError({"label": f"Enter a name of {LABEL_CAP} characters or fewer"})
    return label


def entry_add(
    model: type[Entry], *, actor: User, area: Area, label: str, **fields: object
) -> Entry:
    """Add an area's own entry, last in its catalogue. Not durable: the API's idempotency
    record commits with it."""
    membership = _keeper(actor=actor, area=area, role=ENTRY_KEEPER)
    label = _label(label)
    code = _code(area, label)
    with transaction.atomic():
        Area.objects.select_for_update().get(pk=area.pk)  # one addition at a time per area
        manager = model._default_manager
        if manager.filter(area=area, label__iexact=label, is_active=True).exists():
            raise ValidationError({"label": f"Your area already has “{label}”"})
        taken = set(manager.filter(code__startswith=code).values_list("code", flat=True))
        base, n = code, 2
        while code in taken:  # a retired entry of the same name keeps its code
            code, n = f"{base[:55]}-{n}", n + 1
        last = manager.aggregate(models.Max("position"))["position__max"] or 0
        entry = manager.create(code=code, label=label, area=area, position=last + 1, **fields)
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=entry,
            area=area,
            details={"label": label},
        )
    return entry


def _locked(entry: Entry) -> Entry:
    return type(entry)._default_manager.select_for_update().get(pk=entry.pk)


def entry_retire(*, actor: User, area: Area, entry: Entry) -> Entry:
    """Stop offering an entry in the area: its own is retired for good; a national one is
    marked not used by the area (it may use it again). Records naming it keep it."""
    membership = _keeper(actor=actor, area=area, role=ENTRY_KEEPER)
    with transaction.atomic(durable=True):
        locked = _locked(entry)
        owner = locked.area_id
        if owner not in (None, area.pk):
            raise Http404("No entry found")
        if owner is None:
            locked.not_used_by.add(area)
            details = {"used": False}
        elif not locked.is_active:
            raise ValidationError({"entry": "It is already retired"})
        else:
            locked.is_active = False
            locked.save(update_fields=["is_active"])
            details = {"is_active": False}
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=area,
            details=details,
        )
    return locked


def entry_use(*, actor: User, area: Area, entry: Entry) -> Entry:
    """Use a national entry in the area again."""
    membership = _keeper(actor=actor, area=area, role=ENTRY_KEEPER)
    with transaction.atomic(durable=True):
        locked = _locked(entry)
        if locked.area_id is not None:
            raise ValidationError({"entry": "Only a national entry can be used again"})
        locked.not_used_by.remove(area)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=area,
            details={"used": True},
        )
    return locked


def action_type_add(*, actor: User, area: Area, label: str) -> ProtectiveActionType:
    return entry_add(ProtectiveActionType, actor=actor, area=area, label=label)


# Screening tools.


def area_screening_tools(*, area: Area) -> QuerySet[ScreeningTool]:
    """The national tools (with whether the area uses each: `unused`) and the area's own,
    every version; national first, then the newest versions first."""
    return (
        ScreeningTool.objects.filter(Q(area__isnull=True) | Q(area=area))
        .annotate(
            unused=_not_used(ScreeningTool, area.pk), indicator_count=models.Count("indicators")
        )
        .order_by(models.F("area").asc(nulls_first=True), "name", "-published_at", "-pk")
    )


def area_screening_tool(*, area: Area, version: str) -> ScreeningTool:
    """One tool the area sees, with its indicators; 404 for another area's own tool."""
    found = (
        area_screening_tools(area=area)
        .filter(version=version)
        .prefetch_related("indicators")
        .first()
    )
    if found is None:
        raise Http404("No screening tool found")
    return found


def screening_tool_for(*, area: Area, exploitation_type: str) -> ScreeningTool:
    """The tool that screens a new concern of this kind in the area: the area's own current
    tool for the kind, else a national one it uses, else the tool its settings name."""
    candidates = (
        ScreeningTool.objects.filter(Q(area=area) | Q(area__isnull=True), retired_at__isnull=True)
        .exclude(_not_used(ScreeningTool, area.pk))
        .order_by(models.F("area").desc(nulls_last=True), "-published_at", "-pk")
    )
    if exploitation_type:
        found = candidates.filter(exploitation_types__contains=[exploitation_type]).first()
        if found is not None:
            return found
    return ScreeningTool.objects.get(version=area.screening_tool_version)


@dataclass(frozen=True)
class IndicatorWording:
    """One indicator of a tool version to publish. `code` keeps an earlier version's
    indicator's identity (the wording may change); a new indicator leaves it empty."""

    category: str
    label: str
    weight: int
    code: str = ""


def _indicators(wordings: Sequence[IndicatorWording]) -> list[IndicatorWording]:
    if not wordings:
        raise ValidationError({"indicators": "Give the tool at least one indicator"})
    if len(wordings) > INDICATORS_CAP:
        raise ValidationError({"indicators": f"Give the tool {INDICATORS_CAP} indicators or fewer"})
    checked, codes = [], set()
    for wording in wordings:
        if wording.category not in ScreeningCategory.values:
            raise ValidationError({"indicators": "Choose each indicator's category from the list"})
        label = " ".join((wording.label or "").split())
        if not label or len(label) > LABEL_CAP:
            raise ValidationError(
                {"indicators": f"Word each indicator in 1 to {LABEL_CAP} characters"}
            )
        if not 1 <= wording.weight <= WEIGHT_MAX:
            raise ValidationError(
                {"indicators": f"Give each indicator a weight from 1 to {WEIGHT_MAX}"}
            )
        code = slugify(wording.code)[:50] or slugify(label)[:50] or "indicator"
        base, n = code, 2
        while code in codes:
            code, n = f"{base[:46]}-{n}", n + 1
        codes.add(code)
        checked.append(IndicatorWording(wording.category, label, wording.weight, code))
    return checked


def _kinds(exploitation_types: Sequence[str]) -> list[str]:
    kinds = sorted(set(exploitation_types))
    if not kinds:
        raise ValidationError(
            {"exploitation_types": "Choose the kinds of exploitation the tool screens"}
        )
    if any(kind not in ExploitationType.values for kind in kinds):
        raise ValidationError({"exploitation_types": "Choose kinds of exploitation from the list"})
    return kinds


def _name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": "Enter the tool's name"})
    if len(name) > NAME_CAP:
        raise ValidationError({"name": f"Enter a name of {NAME_CAP} characters or fewer"})
    return name


def screening_tool_check(
    *,
    actor: User,
    area: Area,
    based_on: ScreeningTool,
    name: str,
    exploitation_types: Sequence[str],
    indicators: Sequence[IndicatorWording],
) -> tuple[str, list[str], list[IndicatorWording]]:
    """The answers as publishing would take them (for the check-answers page), or the
    refusal publishing would give. Writes nothing."""
    _keeper(actor=actor, area=area, role=SCREENING_KEEPER)
    if based_on.area_id not in (None, area.pk):
        raise Http404("No screening tool found")
    return _name(name), _kinds(exploitation_types), _indicators(indicators)


def screening_tool_publish(
    *,
    actor: User,
    area: Area,
    based_on: ScreeningTool,
    name: str,
    exploitation_types: Sequence[str],
    indicators: Sequence[IndicatorWording],
) -> ScreeningTool:
    """Publish a version of the area's own tool, starting from `based_on` (a national tool or
    the area's own). From now on it screens new concerns of its kinds; the version it replaces
    is retired and the concerns screened with it keep it. When the area's settings name the
    tool it replaces, they name the new version. Not durable (the API's idempotency record)."""
    membership = _keeper(actor=actor, area=area, role=SCREENING_KEEPER)
    name, kinds, wordings = screening_tool_check(
        actor=actor,
        area=area,
        based_on=based_on,
        name=name,
        exploitation_types=exploitation_types,
        indicators=indicators,
    )
    series = based_on.series if based_on.area_id == area.pk else f"area-{area.pk}-{based_on.series}"
    series = series[:30]
    now = timezone.now()
    with transaction.atomic():
        locked_area = Area.objects.select_for_update().get(pk=area.pk)  # one version at a time
        earlier = ScreeningTool.objects.filter(series=series)
        replaced = list(earlier.filter(area=area, retired_at__isnull=True).order_by("pk"))
        tool = ScreeningTool.objects.create(
            version=f"{series}-{earlier.count() + 1}",
            name=name,
            bands=based_on.bands,
            area=area,
            series=series,
            exploitation_types=kinds,
            published_at=now,
            published_by=actor,
        )
        ScreeningIndicator.objects.bulk_create(
            ScreeningIndicator(
                tool=tool,
                code=w.code,
                category=w.category,
                label=w.label,
                weight=w.weight,
                position=i,
            )
            for i, w in enumerate(wordings)
        )
        ScreeningTool.objects.filter(pk__in=[t.pk for t in replaced]).update(retired_at=now)
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=tool,
            area=area,
            details={
                "based_on": based_on.version,
                "replaces": [t.version for t in replaced],
                "indicators": len(wordings),
            },
        )
        if locked_area.screening_tool_version in {based_on.version, *(t.version for t in replaced)}:
            _name_in_settings(actor=actor, membership=membership, area=locked_area, tool=tool)
    return tool


def _name_in_settings(
    *, actor: User, membership: Membership, area: Area, tool: ScreeningTool
) -> None:
    before = area.screening_tool_version
    area.screening_tool_version = tool.version
    area.save(update_fields=["screening_tool_version"])
    audit_record(
        action=AuditAction.CHANGE,
        actor=actor,
        membership=membership,
        target=area,
        area=area,
        details={"screening_tool_version": [before, tool.version]},
    )


def screening_tool_retire(*, actor: User, area: Area, tool: ScreeningTool) -> ScreeningTool:
    """Stop screening new concerns with a tool: the area's own version is retired for good, a
    national tool is marked not used by the area. The tool the area's settings name stays."""
    membership = _keeper(actor=actor, area=area, role=SCREENING_KEEPER)
    with transaction.atomic(durable=True):
        locked = ScreeningTool.objects.select_for_update().get(pk=tool.pk)
        if locked.area_id not in (None, area.pk):
            raise Http404("No screening tool found")
        if locked.version == area.screening_tool_version:
            raise ValidationError(
                {
                    "tool": "Your area's settings name this tool for concerns no other tool "
                    "screens: ask an area administrator to name another first"
                }
            )
        if locked.area_id is None:
            locked.not_used_by.add(area)
            details: dict[str, object] = {"used": False}
        elif locked.retired_at is not None:
            raise ValidationError({"tool": "This version is already retired"})
        else:
            locked.retired_at = timezone.now()
            locked.save(update_fields=["retired_at"])
            details = {"retired": True}
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=area,
            details=details,
        )
    return locked


def screening_tool_use(*, actor: User, area: Area, tool: ScreeningTool) -> ScreeningTool:
    """Use a national tool in the area again."""
    membership = _keeper(actor=actor, area=area, role=SCREENING_KEEPER)
    with transaction.atomic(durable=True):
        locked = ScreeningTool.objects.select_for_update().get(pk=tool.pk)
        if locked.area_id is not None:
            raise ValidationError({"tool": "Only a national tool can be used again"})
        locked.not_used_by.remove(area)
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            area=area,
            details={"used": True},
        )
    return locked
