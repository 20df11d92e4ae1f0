"""Writes of intelligence: entities, links (and the alerts they raise), disruption activity and
MACE meetings. Each write is one transaction with its audit record.

Creates open a plain (not durable) transaction so that an API retry record (Idempotency-Key)
commits with them; updates and shares are durable. Only the area's coordinators and police
leads write intelligence; callers fetch records through the selectors first (404 out of
scope), so a PermissionDenied here means a role that may see but not write."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, AgencyType, Area, Membership, Role
from agencies.selectors import acting_membership, active_memberships, membership_in
from audit.models import AuditAction
from audit.services import audit_record
from referrals.models import Referral, YoungPerson
from referrals.restriction import refuse_if_restricted
from referrals.selectors import referral_full_q

from . import normalise
from .models import (
    NODE_FIELDS,
    HandlingCode,
    IntelligenceAssessment,
    Link,
    LinkAlert,
    LinkNature,
    Location,
    LocationType,
    MatchKind,
    Node,
    NodeKind,
    OnlineIdentifier,
    PersonOfConcern,
    PersonStatus,
    Platform,
    SourceEvaluation,
    Vehicle,
)
from .selectors import entity_get, intelligence_membership, names_alike
from .signals import link_alert_raised

_KIND_OF_MODEL = {
    Node._meta.get_field(field).related_model: kind for kind, field in NODE_FIELDS.items()
}


def node_label(record: models.Model) -> str:
    return str(record)[:200]


def node_for(record: models.Model) -> Node:
    """The network node of a young person or an entity, made on first use (inside the
    caller's transaction); its label follows the record's current name."""
    kind = NodeKind(_KIND_OF_MODEL[type(record)])
    field = NODE_FIELDS[kind]
    node, created = Node.objects.get_or_create(
        **{field: record},
        defaults={"area_id": record.area_id, "kind": kind, "label": node_label(record)},  # type: ignore[attr-defined]
    )
    if not created and node.label != node_label(record):
        node.label = node_label(record)
        node.save(update_fields=["label"])
    return node


def _writer(*, actor: Any, area_id: int) -> Membership:
    membership = intelligence_membership(user=actor, area_id=area_id)
    if membership is None:
        raise PermissionDenied("Only the area's coordinators and police leads record intelligence.")
    return membership


def _text(value: Any) -> str:
    return str(value or "").strip()


def _lines(values: Iterable[str]) -> list[str]:
    """Non-blank entries, trimmed, in order, without repeats."""
    seen: list[str] = []
    for value in values:
        value = value.strip()
        if value and value not in seen:
            seen.append(value)
    return seen


def _check_dates(changes: Mapping[str, Any], *names: str) -> None:
    for name in names:
        value = changes.get(name)
        if value is not None and value > timezone.localdate():
            raise ValidationError({name: "The date must be today or in the past"})


def _apply(record: models.Model, changes: Mapping[str, Any], allowed: Sequence[str]) -> list[str]:
    """Set `changes` on `record`, check the fields changed and answer their names."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"not a field that may be written: {sorted(unknown)}")
    changed = [name for name, value in changes.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, changes[name])
    record.clean_fields(
        exclude=[f.name for f in type(record)._meta.fields if f.name not in changed]
    )
    return changed


def _audit(
    *,
    action: AuditAction,
    actor: Any,
    membership: Membership,
    target: models.Model,
    request: Any = None,
    details: Mapping[str, Any] | None = None,
) -> None:
    audit_record(
        action=action,
        actor=actor,
        membership=membership,
        target=target,  # filed under the target's own area
        request=request,
        details=details,
    )


def entity_open(*, actor: Any, model: type[Any], pk: int, request: Any = None) -> Any:
    """Read one entity for `actor` and record that they saw it (404 out of scope, recording
    nothing)."""
    with transaction.atomic():
        record = entity_get(user=actor, model=model, pk=pk)
        audit_record(
            action=AuditAction.VIEW,
            actor=actor,
            membership=intelligence_membership(user=actor, area_id=record.area_id)
            or acting_membership(user=actor),
            target=record,
            request=request,
        )
    return record


# --- persons of concern --------------------------------------------------------------------

PERSON_FIELDS = (
    "name",
    "aliases",
    "date_of_birth",
    "approximate_age",
    "description",
    "addresses",
    "police_references",
    "status",
)


def _person_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    tidy = dict(changes)
    if "name" in tidy:
        tidy["name"] = _text(tidy["name"])
        if not tidy["name"]:
            raise ValidationError({"name": "Enter the person's name, or what they are called"})
    for name in ("aliases", "police_references"):
        if name in tidy:
            tidy[name] = _lines(tidy[name] or [])
    for name in ("description", "addresses"):
        if name in tidy:
            tidy[name] = _text(tidy[name])
    if tidy.get("status", PersonStatus.SUSPECTED) not in PersonStatus.values:
        raise ValidationError({"status": "Choose a status from the list"})
    _check_dates(tidy, "date_of_birth")
    return tidy


def _signatures(person: PersonOfConcern) -> list[str]:
    return normalise.name_signatures([person.name, *person.aliases])


def person_of_concern_create(
    *,
    actor: Any,
    area: Area,
    name: str,
    phone_numbers: Sequence[str] = (),
    handles: Sequence[tuple[str, str]] = (),
    grading: Mapping[str, Any] | None = None,
    request: Any = None,
    **details: Any,
) -> PersonOfConcern:
    """Record a person of concern. Phone numbers and (platform, handle) pairs given with them
    are recorded as identifiers (or the existing ones found) and linked to the person (USES),
    graded by `grading` (source, source_evaluation, intelligence_assessment, handling_code,
    observed_on), which is then required."""
    membership = _writer(actor=actor, area_id=area.pk)
    person = PersonOfConcern(area=area, created_by=actor)
    _apply(person, _person_changes({"name": name, **details}), PERSON_FIELDS)
    person.name_signatures = _signatures(person)
    if (phone_numbers or handles) and not grading:
        raise ValidationError({"source": "Say where the phone numbers and handles came from"})
    with transaction.atomic():  # not durable: an API retry record commits with it
        person.save()
        _audit(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=person,
            request=request,
        )
        _link_identifiers(
            actor=actor, person=person, phones=phone_numbers, handles=handles, grading=grading
        )
    return person


def _link_identifiers(
    *,
    actor: Any,
    person: PersonOfConcern,
    phones: Sequence[str],
    handles: Sequence[tuple[str, str]],
    grading: Mapping[str, Any] | None,
) -> None:
    pairs = [(Platform.PHONE.value, phone) for phone in phones] + list(handles)
    for platform, value in pairs:
        identifier = identifier_create(
            actor=actor, area=person.area, platform=platform, value=value
        )
        link_add(actor=actor, a=person, b=identifier, nature=LinkNature.USES, **dict(grading or {}))


def person_of_concern_update(
    *,
    actor: Any,
    person: PersonOfConcern,
    changes: Mapping[str, Any],
    phone_numbers: Sequence[str] = (),
    handles: Sequence[tuple[str, str]] = (),
    grading: Mapping[str, Any] | None = None,
    request: Any = None,
) -> PersonOfConcern:
    """Change a person of concern's details (the old values stay in the field history) and
    link any further phone numbers and handles."""
    membership = _writer(actor=actor, area_id=person.area_id)
    tidy = _person_changes(changes)
    if (phone_numbers or handles) and not grading:
        raise ValidationError({"source": "Say where the phone numbers and handles came from"})
    with transaction.atomic(durable=True):
        locked = PersonOfConcern.objects.select_for_update().get(pk=person.pk)
        changed = _apply(locked, tidy, PERSON_FIELDS)
        if changed:
            locked.name_signatures = _signatures(locked)
            locked.save(update_fields=[*changed, "name_signatures", "updated_at"])
            if "name" in changed and hasattr(locked, "node"):
                node_for(locked)
        _audit(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            request=request,
            details={"fields": sorted(changed)},
        )
        _link_identifiers(
            actor=actor, person=locked, phones=phone_numbers, handles=handles, grading=grading
        )
    return locked


# --- locations -----------------------------------------------------------------------------

LOCATION_FIELDS = (
    "name",
    "location_type",
    "address",
    "postcode",
    "latitude",
    "longitude",
    "is_hotspot",
    "description",
)


def _location_changes(changes: Mapping[str, Any]) -> dict[str, Any]:
    tidy = dict(changes)
    if "name" in tidy:
        tidy["name"] = _text(tidy["name"])
        if not tidy["name"]:
            raise ValidationError({"name": "Enter the place's name"})
    if "location_type" in tidy and tidy["location_type"] not in LocationType.values:
        raise ValidationError({"location_type": "Choose the kind of place"})
    if "postcode" in tidy:
        tidy["postcode"] = normalise.postcode(tidy["postcode"] or "")
    for name in ("address", "description"):
        if name in tidy:
            tidy[name] = _text(tidy[name])
    return tidy


def _check_coordinates(location: Location) -> None:
    if (location.latitude is None) != (location.longitude is None):
        raise ValidationError({"latitude": "Enter both the latitude and the longitude, or neither"})


def location_create(*, actor: Any, area: Area, request: Any = None, **details: Any) -> Location:
    membership = _writer(actor=actor, area_id=area.pk)
    location = Location(area=area, created_by=actor)
    _apply(
        location,
        _location_changes({"name": "", "location_type": LocationType.OTHER, **details}),
        LOCATION_FIELDS,
    )
    _check_coordinates(location)
    with transaction.atomic():  # not durable: an API retry record commits with it
        location.save()
        _audit(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=location,
            request=request,
        )
    return location


def location_update(
    *, actor: Any, location: Location, changes: Mapping[str, Any], request: Any = None
) -> Location:
    membership = _writer(actor=actor, area_id=location.area_id)
    tidy = _location_changes(changes)
    with transaction.atomic(durable=True):
        locked = Location.objects.select_for_update().get(pk=location.pk)
        changed = _apply(locked, tidy, LOCATION_FIELDS)
        _check_coordinates(locked)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            if "name" in changed and hasattr(locked, "node"):
                node_for(locked)
        _audit(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            request=request,
            details={"fields": sorted(changed)},
        )
    return locked


# --- vehicles and identifiers: one record per normalised identifier per area ----------------

VEHICLE_FIELDS = ("registration", "make", "model", "colour", "notes")


def _registration(value: str) -> str:
    try:
        return normalise.registration(value or "")
    except ValueError as exc:
        raise ValidationError({"registration": str(exc)}) from exc


def _get_or_create(model: type[Any], *, lookup: Mapping[str, Any], record: Any) -> tuple[Any, bool]:
    """The area's record for `lookup`, or `record` saved; a concurrent create of the same one
    meets the unique constraint and answers the record that won."""
    existing = model.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        return model.objects.get(**lookup), False
    return record, True


def vehicle_create(
    *, actor: Any, area: Area, registration: str, request: Any = None, **details: Any
) -> Vehicle:
    """The area's vehicle with this registration, however it was typed: an existing record is
    answered unchanged (change it with vehicle_update), a new one is recorded."""
    membership = _writer(actor=actor, area_id=area.pk)
    vehicle = Vehicle(area=area, created_by=actor)
    _apply(
        vehicle,
        {"registration": _registration(registration), **{k: _text(v) for k, v in details.items()}},
        VEHICLE_FIELDS,
    )
    with transaction.atomic():  # not durable: an API retry record commits with it
        vehicle, created = _get_or_create(
            Vehicle, lookup={"area": area, "registration": vehicle.registration}, record=vehicle
        )
        if created:
            _audit(
                action=AuditAction.CREATE,
                actor=actor,
                membership=membership,
                target=vehicle,
                request=request,
            )
    return vehicle


def vehicle_update(
    *, actor: Any, vehicle: Vehicle, changes: Mapping[str, Any], request: Any = None
) -> Vehicle:
    membership = _writer(actor=actor, area_id=vehicle.area_id)
    tidy = {k: _text(v) for k, v in changes.items()}
    if "registration" in tidy:
        tidy["registration"] = _registration(tidy["registration"])
        taken = Vehicle.objects.filter(area_id=vehicle.area_id, registration=tidy["registration"])
        if taken.exclude(pk=vehicle.pk).exists():
            raise ValidationError(
                {"registration": f"{tidy['registration']} is already recorded in this area"}
            )
    with transaction.atomic(durable=True):
        locked = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        changed = _apply(locked, tidy, VEHICLE_FIELDS)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            if "registration" in changed and hasattr(locked, "node"):
                node_for(locked)
        _audit(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            request=request,
            details={"fields": sorted(changed)},
        )
    return locked


def identifier_value(platform: str, value: str) -> str:
    """The normal form of a phone number (E.164) or a handle; ValidationError otherwise."""
    if platform not in Platform.values:
        raise ValidationError({"platform": "Choose a phone number or a platform"})
    try:
        if platform == Platform.PHONE:
            return normalise.phone_number(value or "")
        return normalise.handle(value or "")
    except ValueError as exc:
        raise ValidationError({"value": str(exc)}) from exc


def identifier_create(
    *,
    actor: Any,
    area: Area,
    platform: str,
    value: str,
    notes: str = "",
    request: Any = None,
) -> OnlineIdentifier:
    """The area's record of a phone number or account, made on first mention."""
    membership = _writer(actor=actor, area_id=area.pk)
    normal = identifier_value(platform, value)
    identifier = OnlineIdentifier(
        area=area, created_by=actor, platform=platform, value=normal, notes=_text(notes)
    )
    identifier.clean_fields()
    with transaction.atomic():  # not durable: an API retry record commits with it
        identifier, created = _get_or_create(
            OnlineIdentifier,
            lookup={"area": area, "platform": platform, "value": normal},
            record=identifier,
        )
        if created:
            _audit(
                action=AuditAction.CREATE,
                actor=actor,
                membership=membership,
                target=identifier,
                request=request,
            )
    return identifier


# --- links and the alerts they raise --------------------------------------------------------


def _choice(name: str, value: Any, choices: type[models.TextChoices], message: str) -> str:
    if value not in choices.values:
        raise ValidationError({name: message})
    return str(value)


def _check_link(
    *,
    nature: str,
    source: str,
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str,
    observed_on: date | None,
) -> None:
    _choice("nature", nature, LinkNature, "Choose how they are linked")
    if not _text(source):
        raise ValidationError({"source": "Enter who or what the information came from"})
    if len(_text(source)) > 200:
        raise ValidationError({"source": "The source must be 200 characters or fewer"})
    _choice("source_evaluation", source_evaluation, SourceEvaluation, "Grade the source (1 to 3)")
    _choice(
        "intelligence_assessment",
        intelligence_assessment,
        IntelligenceAssessment,
        "Grade the intelligence (A to E)",
    )
    _choice("handling_code", handling_code, HandlingCode, "Choose the handling code (P or C)")
    if observed_on is None:
        raise ValidationError({"observed_on": "Enter when it happened or was seen"})
    if observed_on > timezone.localdate():
        raise ValidationError({"observed_on": "The date must be today or in the past"})


def link_add(
    *,
    actor: Any,
    a: models.Model,
    b: models.Model,
    nature: str,
    source: str,
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str,
    observed_on: date | None,
    referral: Referral | None = None,
    detail: str = "",
    request: Any = None,
) -> Link:
    """Join two records (young people or entities) of one area, graded 3x5x2. The same link
    added again (same pair, referral and nature) answers the one recorded and raises nothing
    new. A new link may raise link alerts, in the same transaction."""
    area_id = a.area_id  # type: ignore[attr-defined]
    if b.area_id != area_id:  # type: ignore[attr-defined]
        raise ValidationError({"b": "Only records of the same area can be linked"})
    if type(a) is type(b) and a.pk == b.pk:
        raise ValidationError({"b": "Choose another record to link to"})
    refuse_if_restricted(a, b, field="b")
    membership = _writer(actor=actor, area_id=area_id)
    _check_link(
        nature=nature,
        source=source,
        source_evaluation=source_evaluation,
        intelligence_assessment=intelligence_assessment,
        handling_code=handling_code,
        observed_on=observed_on,
    )
    if referral is not None:
        young_people = [r.pk for r in (a, b) if isinstance(r, YoungPerson)]
        if referral.area_id != area_id or referral.young_person_id not in young_people:
            raise ValidationError(
                {"referral": "Choose a referral of this area about the young person linked"}
            )
    with transaction.atomic():  # not durable: an API retry record commits with it
        first, second = sorted((node_for(a), node_for(b)), key=lambda node: node.pk)
        # Links to the same record wait for each other, so each counts the young people the
        # others committed: two concurrent links never both miss the alert.
        list(Node.objects.select_for_update().filter(pk__in=[first.pk, second.pk]).order_by("pk"))
        key = {"a": first, "b": second, "referral": referral, "nature": nature}
        existing = Link.objects.filter(**key).first()
        if existing is not None:
            return existing
        link = Link(
            area_id=area_id,
            detail=_text(detail),
            source=_text(source),
            source_evaluation=source_evaluation,
            intelligence_assessment=intelligence_assessment,
            handling_code=handling_code,
            observed_on=cast(date, observed_on),  # checked above
            recorded_by=actor,
            **key,
        )
        try:
            with transaction.atomic():
                link.save()
        except IntegrityError:  # the same link added concurrently: answer the one that won
            return Link.objects.get(**key)
        alerts = _raise_alerts(link)
        _audit(
            action=AuditAction.CREATE,
            actor=actor,
            membership=membership,
            target=link,
            request=request,
            details={
                "nature": nature,
                "grading": link.grading,
                "referral": referral.reference if referral else "",
                "alerts": len(alerts),
            },
        )
        for alert in alerts:
            link_alert_raised.send(sender=LinkAlert, alert=alert)
    return link


def _young_people_of(node_ids: Iterable[int]) -> set[int]:
    """The young people's nodes joined directly to any of `node_ids`."""
    ids = list(node_ids)
    rows = Link.objects.filter(
        Q(a_id__in=ids, b__kind=NodeKind.YOUNG_PERSON)
        | Q(b_id__in=ids, a__kind=NodeKind.YOUNG_PERSON)
    ).values_list("a_id", "b_id")
    return {other for pair in rows for other in pair if other not in ids}


def describe(node: Node) -> str:
    """A node as an alert names it: "Vehicle AB12CDE", "Phone number +447700900123"."""
    record: Any = node.record
    if node.kind == NodeKind.VEHICLE:
        return f"Vehicle {record.registration}"
    if node.kind == NodeKind.IDENTIFIER:
        if record.platform == Platform.PHONE:
            return f"Phone number {record.value}"
        return f"{record.get_platform_display()} account @{record.value}"
    if node.kind == NodeKind.LOCATION:
        return f"Location '{record.name}'"
    return f"'{record.name}'"


def _people(count: int) -> str:
    return f"{count} young {'person' if count == 1 else 'people'}"


def _raise_alerts(link: Link) -> list[LinkAlert]:
    """The alerts a new link raises, when it is the first to join an entity to a young person
    (the same young person again, through another referral or nature, raises nothing)."""
    ends = {link.a.kind: link.a, link.b.kind: link.b}
    young = ends.pop(NodeKind.YOUNG_PERSON, None)
    if young is None or not ends:
        return []
    (entity,) = ends.values()
    already = Link.objects.filter(Q(a=entity, b=young) | Q(a=young, b=entity)).exclude(pk=link.pk)
    if already.exists():
        return []
    alerts: list[LinkAlert] = []
    linked = _young_people_of([entity.pk])
    if len(linked) >= 2:
        alerts.append(
            LinkAlert(
                match=MatchKind.EXACT,
                reason=f"{describe(entity)} is now linked to {_people(len(linked))}",
                young_people=len(linked),
            )
        )
    for other, reason in _area_name_matches(entity):
        others = _young_people_of([other.pk]) - {young.pk}
        if others:
            alerts.append(
                LinkAlert(
                    match=MatchKind.NAME,
                    matched_node=other,
                    reason=f"{reason}, linked to {_people(len(others))} more",
                    young_people=len(linked | others),
                )
            )
    alerts.extend(_force_alerts(entity, linked))
    for alert in alerts:
        alert.area_id, alert.link, alert.node = link.area_id, link, entity
    return LinkAlert.objects.bulk_create(alerts)


def _persons_alike(
    entity: Node, candidates: models.QuerySet[PersonOfConcern]
) -> list[tuple[Node, str]]:
    person: Any = entity.record
    matches = []
    candidates = candidates.filter(name_signatures__overlap=person.name_signatures)
    for other in candidates.exclude(pk=person.pk).select_related("node"):
        reason = names_alike(person, other)
        if reason and hasattr(other, "node"):
            matches.append((other.node, reason))
    return matches


def _area_name_matches(entity: Node) -> list[tuple[Node, str]]:
    if entity.kind != NodeKind.PERSON:
        return []
    return _persons_alike(entity, PersonOfConcern.objects.filter(area_id=entity.area_id))


def _same_entity_elsewhere(entity: Node, area_ids: Sequence[int]) -> list[tuple[Node, str]]:
    """Records of `area_ids` taken to be `entity`: the same registration or identifier, or
    (persons) a similar name."""
    record: Any = entity.record
    found: models.QuerySet[Any]
    if entity.kind == NodeKind.VEHICLE:
        found = Vehicle.objects.filter(area_id__in=area_ids, registration=record.registration)
    elif entity.kind == NodeKind.IDENTIFIER:
        found = OnlineIdentifier.objects.filter(
            area_id__in=area_ids, platform=record.platform, value=record.value
        )
    elif entity.kind == NodeKind.PERSON:
        return _persons_alike(entity, PersonOfConcern.objects.filter(area_id__in=area_ids))
    else:
        return []
    return [
        (node, describe(entity))
        for node in Node.objects.filter(**{f"{NODE_FIELDS[NodeKind(entity.kind)]}__in": found})
    ]


def _force_alerts(entity: Node, linked: set[int]) -> list[LinkAlert]:
    """Alerts for a police force serving several areas: the entity's match in another of its
    areas, linked to young people there. Only that force's police leads see them."""
    forces = Agency.objects.filter(
        agency_type=AgencyType.POLICE, is_active=True, areas=entity.area_id
    ).prefetch_related("areas")
    alerts: list[LinkAlert] = []
    matched: set[int] = set()
    for force in forces:
        other_areas = {area.pk: area for area in force.areas.all() if area.pk != entity.area_id}
        if not other_areas:
            continue
        for other, reason in _same_entity_elsewhere(entity, list(other_areas)):
            others = _young_people_of([other.pk])
            if not others or other.pk in matched:
                continue
            matched.add(other.pk)
            exact = entity.kind != NodeKind.PERSON
            alerts.append(
                LinkAlert(
                    match=MatchKind.EXACT if exact else MatchKind.NAME,
                    matched_node=other,
                    police_agency=force,
                    reason=(
                        f"{reason} is also linked to {_people(len(others))} in "
                        f"{other_areas[other.area_id].name}"
                    ),
                    young_people=len(linked) + len(others),
                )
            )
    return alerts


def link_share(*, link: Link, actor: Any, reason: str, request: Any = None) -> Link:
    """A coordinator shares a link to its referral's lead professionals: they then see the
    link and the two records it joins. The reason is kept with the link and in the audit."""
    membership = membership_in(user=actor, area_id=link.area_id, roles=[Role.COORDINATOR])
    if membership is None:
        raise PermissionDenied("Only a coordinator of the area may share intelligence.")
    if link.referral_id is None:
        raise ValidationError({"link": "Only a link recorded through a referral can be shared"})
    if not _text(reason):
        raise ValidationError({"reason": "Enter why the lead professionals need to know this"})
    with transaction.atomic(durable=True):
        locked = Link.objects.select_for_update().get(pk=link.pk)
        if locked.shared_at is not None:
            raise ValidationError({"link": "This link is already shared"})
        locked.shared_by, locked.shared_at = actor, timezone.now()
        locked.share_reason = _text(reason)
        locked.save(update_fields=["shared_by", "shared_at", "share_reason"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            request=request,
            reason=locked.share_reason,
            details={
                "fields": ["share_reason", "shared_at", "shared_by"],
                "shared_to": locked.referral.reference if locked.referral else "",
            },
        )
    return locked


def link_alert_review(*, alert: LinkAlert, actor: Any, request: Any = None) -> LinkAlert:
    """Mark a link alert reviewed: someone who sees it (a coordinator or police lead of its
    area, or of the force it is for) has looked into it. It stays listed, marked, with who
    reviewed it and when; reviewing it twice is refused."""
    membership = intelligence_membership(user=actor, area_id=alert.area_id)
    if membership is None:
        force = next(
            (
                m
                for m in active_memberships(user=actor)
                if m.role == Role.POLICE_LEAD and m.agency_id == alert.police_agency_id
            ),
            None,
        )
        if alert.police_agency_id is None or force is None:
            raise PermissionDenied("Only those the alert is for may review it.")
        membership = force
    with transaction.atomic(durable=True):
        locked = LinkAlert.objects.select_for_update().get(pk=alert.pk)
        if locked.reviewed_at is not None:
            raise ValidationError({"alert": "This alert is already marked as reviewed"})
        locked.reviewed_by, locked.reviewed_at = actor, timezone.now()
        locked.save(update_fields=["reviewed_by", "reviewed_at"])
        audit_record(
            action=AuditAction.CHANGE,
            actor=actor,
            membership=membership,
            target=locked,
            request=request,
            details={"fields": ["reviewed_at", "reviewed_by"]},
        )
    return locked


# --- turning a concern's mentions into records ----------------------------------------------


class MentionKind(models.TextChoices):
    PERSON = "person", "Person"
    PLACE = "place", "Place"
    VEHICLE = "vehicle", "Vehicle"


MENTION_FIELDS = {
    MentionKind.PERSON: "people_mentioned",
    MentionKind.PLACE: "places_mentioned",
    MentionKind.VEHICLE: "vehicles_mentioned",
}


def mention_lines(referral: Referral) -> dict[str, list[str]]:
    """The lines of each of the concern's free-text mentions."""
    return {
        kind: _lines(getattr(referral, field).splitlines())
        for kind, field in MENTION_FIELDS.items()
    }


def mention_detail(line: str) -> str:
    """What the link made of a line of the concern's mentions says of it."""
    return f"Mentioned as: {line.strip()}"


def mention_convert(
    *,
    actor: Any,
    referral: Referral,
    kind: str,
    line: str,
    source_evaluation: str,
    intelligence_assessment: str,
    handling_code: str,
    name: str = "",
    existing: models.Model | None = None,
    request: Any = None,
) -> Link:
    """Record one line of the concern's mentions as an entity (or take an existing one the
    coordinator chose) and link it to the referral's young person (MENTIONED, sourced from
    the concern). `name` replaces the line's wording as the entity's name when given."""
    if not Referral.objects.filter(referral_full_q(user=actor), pk=referral.pk).exists():
        raise PermissionDenied("Only those who see the referral in full may do this.")
    _writer(actor=actor, area_id=referral.area_id)
    if kind not in MENTION_FIELDS:
        raise ValidationError({"kind": "Choose a person, place or vehicle"})
    if line.strip() not in mention_lines(referral)[kind]:
        raise ValidationError({"line": "Choose a line of what the concern mentions"})
    refuse_if_restricted(referral.young_person, field="line")
    wording = _text(name) or line.strip()
    grading: dict[str, Any] = {
        "source": f"Concern {referral.reference}",
        "source_evaluation": source_evaluation,
        "intelligence_assessment": intelligence_assessment,
        "handling_code": handling_code,
        "observed_on": referral.concern_date or referral.created_at.date(),
    }
    _check_link(nature=LinkNature.MENTIONED, **grading)
    area = referral.area
    with transaction.atomic():  # not durable: the API retry record commits with it
        entity: models.Model
        if existing is not None:
            if existing.area_id != referral.area_id:  # type: ignore[attr-defined]
                raise ValidationError({"existing": "Choose a record of this area"})
            entity = existing
        elif kind == MentionKind.PERSON:
            entity = person_of_concern_create(actor=actor, area=area, name=wording, request=request)
        elif kind == MentionKind.PLACE:
            entity = location_create(actor=actor, area=area, name=wording, request=request)
        else:
            entity = vehicle_create(actor=actor, area=area, registration=wording, request=request)
        return link_add(
            actor=actor,
            a=referral.young_person,
            b=entity,
            nature=LinkNature.MENTIONED,
            referral=referral,
            detail=mention_detail(line),
            request=request,
            **grading,
        )
