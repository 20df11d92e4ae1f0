"""Reads of intelligence, always scoped to what the user may see.

- coordinators and police leads: every entity, link, disruption activity and meeting of their
  areas (the intelligence of the area);
- lead professionals (and anyone else who sees a referral in full): only links a coordinator
  has shared to that referral, and the two records each such link joins;
- everyone else (practitioners, agency safeguarding leads, board members, administrators,
  national analysts): nothing. Out-of-scope records answer 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Func, Model, Q, QuerySet, TextField, Value
from django.http import Http404

from agencies.models import Membership, Role
from agencies.selectors import active_memberships
from referrals.models import OPEN_STATES, Referral
from referrals.selectors import coordinated_areas, referral_full_q, restricted_q

from . import normalise
from .models import (
    Link,
    LinkAlert,
    Location,
    Node,
    PersonOfConcern,
    Vehicle,
)

# Entity models, for lists and reads of any kind (PersonOfConcern, Location, Vehicle,
# OnlineIdentifier).
EntityModel = type[Any]

INTELLIGENCE_ROLES = (Role.COORDINATOR, Role.POLICE_LEAD)


def intelligence_memberships(*, user: Any) -> list[Membership]:
    """The user's memberships that open an area's intelligence (coordinator, police lead)."""
    return [m for m in active_memberships(user=user) if m.role in INTELLIGENCE_ROLES]


def intelligence_area_ids(*, user: Any) -> set[int]:
    return {m.area_id for m in intelligence_memberships(user=user) if m.area_id is not None}


def intelligence_membership(*, user: Any, area_id: int) -> Membership | None:
    """The membership through which `user` works on `area_id`'s intelligence, if any; a
    police lead's comes before a coordinator's (disruption is police-led)."""
    candidates = [m for m in intelligence_memberships(user=user) if m.area_id == area_id]
    return min(candidates, key=lambda m: m.role != Role.POLICE_LEAD, default=None)


def referrals_named(
    *,
    user: Any,
    references: Sequence[str],
    area_id: int | None = None,
    open_only: bool = False,
    error_field: str = "referrals",
) -> list[Referral]:
    """The referrals `references` name, in that order, among those of the areas whose
    intelligence the user works (of `area_id` alone when given; with `open_only`, submitted
    and still open). One not found is a ValidationError on `error_field`; whether it exists
    elsewhere is not said."""
    wanted = [r.strip().upper() for r in references]
    areas = intelligence_area_ids(user=user)
    rows = Referral.objects.filter(
        reference__in=wanted, area_id__in=areas if area_id is None else areas & {area_id}
    )
    if open_only:
        rows = rows.filter(state__in=OPEN_STATES, submitted_at__isnull=False)
    found = {r.reference: r for r in rows.select_related("young_person")}
    missing = [ref for ref in wanted if ref not in found]
    if missing:
        kind = "open referral" if open_only else "referral"
        message = f"There is no {kind} {missing[0]} in this area"
        raise ValidationError({error_field: ValidationError(message, code="does_not_exist")})
    return [found[ref] for ref in wanted]


def shared_link_q(*, user: Any) -> Q:
    """Links shared to a referral the user sees in full."""
    return Q(
        shared_at__isnull=False,
        referral__in=Referral.objects.filter(referral_full_q(user=user)).values("pk"),
    )


def restricted_young_nodes() -> QuerySet[Node]:
    """The nodes of young people whose records are restricted (referrals.restriction)."""
    return Node.objects.filter(restricted_q(young_person="young_person"))


def _restricted_hidden_q(user: Any, *, ends: Sequence[str]) -> Q:
    """Rows none of whose `ends` (paths to a node's id) is a restricted young person's node,
    unless the row is of an area the user coordinates: such records are the coordinators'."""
    hidden = restricted_young_nodes().values("pk")
    untouched = Q()
    for end in ends:
        untouched &= ~Q(**{f"{end}__in": hidden})
    return Q(area_id__in=coordinated_areas(user=user)) | untouched


def link_visible_q(*, user: Any) -> Q:
    """The filter (on Link) for links the user may see."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    visible = Q(area_id__in=intelligence_area_ids(user=user)) | shared_link_q(user=user)
    return visible & _restricted_hidden_q(user, ends=("a_id", "b_id"))


def node_visible_q(*, user: Any, on_entity: bool = False) -> Q:
    """The filter for nodes the user may see: on Node, or (`on_entity`) on an entity model
    (PersonOfConcern, Location, Vehicle, OnlineIdentifier). Both ends of a link shared to
    the user are visible; nothing else of the area is."""
    if not active_memberships(user=user):
        return Q(pk__in=[])
    shared = Link.objects.filter(shared_link_q(user=user))
    node = "node__in" if on_entity else "pk__in"
    visible = (
        Q(area_id__in=intelligence_area_ids(user=user))
        | Q(**{node: shared.values("a_id")})
        | Q(**{node: shared.values("b_id")})
    )
    return visible if on_entity else visible & _restricted_hidden_q(user, ends=("pk",))


# --- entities ------------------------------------------------------------------------------


def _search_q(model: type[Model], search: str) -> Q:
    """What a typed search matches for each kind: names and aliases, registrations (however
    typed), identifiers (normalised as stored, or a part of them)."""
    search = search.strip()
    if not search:
        return Q()
    if model is PersonOfConcern:
        return Q(name__icontains=search) | Q(aliases_text__icontains=search)
    if model is Location:
        return (
            Q(name__icontains=search)
            | Q(address__icontains=search)
            | Q(postcode__icontains=normalise.postcode(search))
        )
    if model is Vehicle:
        compact = "".join(c for c in search.upper() if c.isalnum())
        return Q(registration__contains=compact) if compact else Q()
    typed = Q(value__icontains=search.lstrip("@").strip())
    try:
        return typed | Q(value=normalise.phone_number(search))
    except ValueError:
        return typed


def entity_list(*, user: Any, model: EntityModel, search: str = "") -> QuerySet[Any]:
    """The entities of `model` the user may see, matching `search` when given."""
    rows = model.objects.filter(node_visible_q(user=user, on_entity=True)).select_related(
        "area", "node"
    )
    if model is PersonOfConcern:
        rows = rows.annotate(
            aliases_text=Func(
                F("aliases"), Value(" "), function="array_to_string", output_field=TextField()
            )
        )
    return rows.filter(_search_q(model, search))


def entity_get(*, user: Any, model: EntityModel, pk: int) -> Any:
    """One entity the user may see; 404 otherwise, whether or not it exists."""
    record = model.objects.filter(node_visible_q(user=user, on_entity=True), pk=pk).first()
    if record is None:
        raise Http404("No record found")
    return record


def writable_entity_get(*, user: Any, model: EntityModel, pk: int) -> Any:
    """One entity of the areas whose intelligence the user works (404 otherwise: a lead
    professional sees a shared record but does not change it)."""
    record = model.objects.filter(area_id__in=intelligence_area_ids(user=user), pk=pk).first()
    if record is None:
        raise Http404("No record found")
    return record


# --- links and alerts ----------------------------------------------------------------------


def links_for(
    *,
    user: Any,
    node: Node | None = None,
    kind: str = "",
    referral: Referral | None = None,
) -> QuerySet[Link]:
    """Links the user may see, newest first: those joining `node`, those with an end of
    `kind`, those recorded through `referral`."""
    links = Link.objects.filter(link_visible_q(user=user))
    if node is not None:
        links = links.filter(Q(a=node) | Q(b=node))
    if kind:
        links = links.filter(Q(a__kind=kind) | Q(b__kind=kind))
    if referral is not None:
        links = links.filter(referral=referral)
    return links.select_related("a", "b", "referral", "recorded_by", "shared_by").order_by(
        "-recorded_at", "-id"
    )


def link_get(*, user: Any, pk: int) -> Link:
    link = links_for(user=user).filter(pk=pk).first()
    if link is None:
        raise Http404("No link found")
    return link


def node_get(*, user: Any, pk: int) -> Node:
    node = Node.objects.filter(node_visible_q(user=user), pk=pk).first()
    if node is None:
        raise Http404("No record found")
    return node


def link_alerts_for(*, user: Any, reviewed: bool | None = None) -> QuerySet[LinkAlert]:
    """Alerts of the areas whose intelligence the user works; an alert naming another area's
    records (a police force serving both) only for that force's police leads. `reviewed`
    False: only those still to review; True: only those reviewed."""
    forces = {
        m.agency_id
        for m in active_memberships(user=user)
        if m.role == Role.POLICE_LEAD and m.agency_id is not None
    }
    alerts = LinkAlert.objects.filter(
        Q(police_agency__isnull=True, area_id__in=intelligence_area_ids(user=user))
        | Q(police_agency_id__in=forces)
    )
    if reviewed is not None:
        alerts = alerts.filter(reviewed_at__isnull=not reviewed)
    return alerts.select_related(
        "link", "node", "matched_node", "police_agency", "area", "reviewed_by"
    ).order_by("-created_at", "-id")


def link_alert_get(*, user: Any, pk: int) -> LinkAlert:
    """One alert the user sees; 404 otherwise."""
    alert = link_alerts_for(user=user).filter(pk=pk).first()
    if alert is None:
        raise Http404("No link alert found")
    return alert


def alerts_about(*, user: Any, node: Node) -> QuerySet[LinkAlert]:
    return link_alerts_for(user=user).filter(Q(node=node) | Q(matched_node=node))


# --- similar names -------------------------------------------------------------------------

# Two names are alike, after normalise.name_key (accents, case and punctuation dropped), when
#  - SequenceMatcher says they are at least this alike (typing slips, "Mohammed"/"Muhammad"), or
#  - they have the same number of words (two or more), every pair of words is equal or one
#    begins the other (an initial or a short form: "Mo"/"Mohammed", "K"/"Khan"), and at least
#    one pair is the same word ("Mo Khan" is like "Mohammed Khan" and "Mo K"; "J Smith" is
#    not like "Jo Smyth").
# Aliases count as names. Unrelated names ("John Smith", "Aisha Begum") match neither way.
# Only names sharing a signature (normalise.name_signatures, indexed) are compared, so the
# comparison stays quick in an area with many persons of concern; names alike that differ in
# a first letter ("Chan"/"Khan") are not found.
NAME_RATIO = 0.84


def _alike(x: str, y: str) -> bool:
    kx, ky = normalise.name_key(x), normalise.name_key(y)
    if not kx or not ky:
        return False
    if SequenceMatcher(None, kx, ky).ratio() >= NAME_RATIO:
        return True
    wx, wy = kx.split(), ky.split()
    pairs = list(zip(wx, wy, strict=False))
    return (
        len(wx) == len(wy) >= 2
        and all(p.startswith(q) or q.startswith(p) for p, q in pairs)
        and any(p == q for p, q in pairs)
    )


@dataclass(frozen=True)
class TypedName:
    """A name (and aliases) typed before a person of concern is recorded."""

    name: str
    aliases: Sequence[str] = field(default_factory=tuple)


def names_alike(person: Any, other: Any) -> str:
    """Why `person` and `other` (anything with `name` and `aliases`) may be the same person,
    as shown to the reader; empty when their names are not alike."""
    ours = [(person.name, ""), *((alias, alias) for alias in person.aliases)]
    theirs = [(other.name, ""), *((alias, alias) for alias in other.aliases)]
    for x, x_alias in ours:
        for y, y_alias in theirs:
            if _alike(x, y):
                left = f"'{person.name}'" + (f" (alias '{x_alias}')" if x_alias else "")
                right = f"'{other.name}'" + (f" (alias '{y_alias}')" if y_alias else "")
                return f"{left} is like {right}"
    return ""


def person_matches(
    *, user: Any, area_id: int, name: str, aliases: Sequence[str] = ()
) -> list[tuple[PersonOfConcern, str]]:
    """Persons of concern of the area already recorded under a similar name, with why, to
    offer before recording a duplicate. Only for those who work the area's intelligence."""
    if area_id not in intelligence_area_ids(user=user):
        return []
    typed = TypedName(name=name, aliases=tuple(a for a in aliases if a.strip()))
    found = []
    signatures = normalise.name_signatures([typed.name, *typed.aliases])
    for other in PersonOfConcern.objects.filter(
        area_id=area_id, name_signatures__overlap=signatures
    ):
        reason = names_alike(typed, other)
        if reason:
            found.append((other, reason))
    return found


# --- a concern's mentions ------------------------------------------------------------------


def _words(text: str) -> list[str]:
    return normalise.name_key(text).split()


def _named_in(line: str, names: Sequence[str]) -> str:
    """The first of `names` whose words all appear, in order, as whole words of `line`."""
    padded = f" {' '.join(_words(line))} "
    return next((n for n in names if _words(n) and f" {' '.join(_words(n))} " in padded), "")


def _any_word_q(field_name: str, line: str) -> Q:
    """Rows whose `field_name` contains one of the line's longer words: the few candidates
    the line is then compared with closely."""
    q = Q(pk__in=[])
    for word in [w for w in _words(line) if len(w) >= 3][:12]:
        q |= Q(**{f"{field_name}__icontains": word})
    return q


def mention_matches(*, user: Any, area_id: int, kind: str, line: str) -> list[tuple[Any, str]]:
    """Records of the area that a line of a concern's mentions ("person", "place" or
    "vehicle") may already be, with why, to offer before a second record is made: persons
    named in the line or with a name like it, places named in it, vehicles whose
    registration it contains however typed. Only for those who work the area's
    intelligence."""
    if area_id not in intelligence_area_ids(user=user):
        return []
    if kind == "vehicle":
        compact = "".join(c for c in line.upper() if c.isalnum())
        vehicles = Vehicle.objects.filter(area_id=area_id).alias(
            line=Value(compact, output_field=TextField())
        )
        return [
            (v, f"the concern gives the registration {v.registration}")
            for v in vehicles.filter(line__contains=F("registration"))
        ]
    if kind == "place":
        places = Location.objects.filter(_any_word_q("name", line), area_id=area_id)
        return [(p, f"the concern names '{p.name}'") for p in places if _named_in(line, [p.name])]
    found: dict[int, tuple[Any, str]] = {}
    people = (
        PersonOfConcern.objects.filter(area_id=area_id)
        .alias(
            aliases_text=Func(
                F("aliases"), Value(" "), function="array_to_string", output_field=TextField()
            )
        )
        .filter(_any_word_q("name", line) | _any_word_q("aliases_text", line))
    )
    for person in people:
        named = _named_in(line, [person.name, *person.aliases])
        if named:
            found[person.pk] = (person, f"the concern names '{named}'")
    for alike, reason in person_matches(user=user, area_id=area_id, name=line):
        found.setdefault(alike.pk, (alike, reason))
    return list(found.values())
