"""Reads about people and their roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import Agency, Area, Membership, Role, User
from .ordering import natural


def signed_in(user: object) -> User:
    """The user of a request that needed signing in (login_required, or the API's
    IsAuthenticated), typed as such; anyone else is refused."""
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def active_memberships(*, user: Any) -> list[Membership]:
    """The user's active memberships, cached on the user object for the rest of the request."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_active_memberships", None)
    if cached is None:
        cached = _acting_first(user, _active(Membership.objects.filter(user=user)))
        user._active_memberships = cached
    return cached


def with_active_memberships(*, users: list[Any]) -> list[Any]:
    """`users`, each with its active memberships cached as active_memberships caches them:
    one query for all of them, where asking each would be one query per person."""
    missing = {u.pk: u for u in users if getattr(u, "_active_memberships", None) is None}
    by_user: dict[int, list[Membership]] = {pk: [] for pk in missing}
    for membership in _active(Membership.objects.filter(user_id__in=list(missing))):
        by_user[membership.user_id].append(membership)
    for pk, user in missing.items():
        user._active_memberships = _acting_first(user, by_user[pk])
    return users


def _active(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    return (
        memberships.filter(is_active=True)
        .exclude(agency__is_active=False)  # a deactivated agency grants nothing
        .select_related("area", "agency")
        .order_by("pk")
    )


def _acting_first(user: Any, memberships: Iterable[Membership]) -> list[Membership]:
    """The membership the user chose to act as comes first (see ActingMembershipMiddleware)."""
    acting = getattr(user, "acting_membership_id", None)
    return sorted(memberships, key=lambda m: m.pk != acting)


def active_roles(*, user: Any) -> set[Role]:
    return {Role(m.role) for m in active_memberships(user=user)}


def username_for_sign_in(*, identifier: str) -> str:
    """The username to authenticate: people may type their username or their email address."""
    identifier = identifier.strip()
    if "@" in identifier:
        user = User.objects.filter(email__iexact=identifier).only("username").first()
        if user is not None:
            return user.get_username()
    return identifier


def confirmed_totp_device(*, user: Any) -> TOTPDevice | None:
    """The authenticator app the user has set up, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


@dataclass(frozen=True)
class Lockout:
    username: str
    name: str  # the person's full name, or their username when they have none
    failures: int
    last_failure: datetime
    locked_until: datetime  # at the latest: failures older than the cool-off stop counting


def lockouts_for_area(*, area: Area) -> list[Lockout]:
    """Accounts of people with an active membership in `area` that are locked out right now
    at one address or more (the lockout is per username and address), by name. A short list
    (the lock lasts the cool-off), read in two queries."""
    cool_off = settings.AXES_COOLOFF_TIME
    members = User.objects.filter(memberships__area=area, memberships__is_active=True)
    rows = (
        AccessAttempt.objects.filter(
            username__in=members.values("username"), attempt_time__gte=timezone.now() - cool_off
        )
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last_failure=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("username", "last_failure")
    )
    by_username = {row["username"]: row for row in rows}  # the latest locked address wins
    people = User.objects.filter(username__in=list(by_username)).only(
        "username", "first_name", "last_name"
    )
    lockouts = [
        Lockout(
            username=person.username,
            name=person.get_full_name() or person.username,
            failures=by_username[person.username]["failures"],
            last_failure=by_username[person.username]["last_failure"],
            locked_until=by_username[person.username]["last_failure"] + cool_off,
        )
        for person in people
    ]
    return sorted(lockouts, key=lambda lockout: (lockout.name.casefold(), lockout.username))


def lockout_episode(*, username: str) -> int | None:
    """What tells one lockout of `username` from the next: the first of the failed attempts
    that still count (an unlock, or the cool-off, forgets them). None when none count."""
    counted = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME
    )
    return counted.order_by("pk").values_list("pk", flat=True).first()


def administered_memberships(*, user: Any) -> list[Membership]:
    """The user's area administrator memberships."""
    return [m for m in active_memberships(user=user) if m.role == Role.AREA_ADMINISTRATOR]


def administered_area_membership(*, user: Any, area: Area) -> Membership | None:
    """The user's area administrator membership for `area`, if they hold one."""
    return next((m for m in administered_memberships(user=user) if m.area_id == area.pk), None)


def administered_areas(*, user: Any) -> list[Area]:
    """Areas in which the user is an area administrator."""
    return [m.area for m in administered_memberships(user=user) if m.area is not None]


def administered_area(*, user: Any, ons_code: str) -> Area:
    """One area the user administers, by code; 404 for any other (existence is not revealed)."""
    for area in administered_areas(user=user):
        if area.ons_code == ons_code:
            return area
    raise Http404("No area found")


def area_memberships(*, area: Area) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(area=area)
        .select_related("user", "agency")
        .order_by("-is_active", "user__last_name", "user__first_name", "role")
    )


PEOPLE_SEARCH_CAP = 100


def area_people(*, area: Area, search: str = "") -> QuerySet[User]:
    """Everyone who holds or held a role in `area`, with those roles (`roles_here`) and whether
    one is current (`has_role_here`); each word of `search` must be found in their name,
    username or email."""
    people = User.objects.filter(pk__in=Membership.objects.filter(area=area).values("user"))
    for word in search[:PEOPLE_SEARCH_CAP].split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(email__icontains=word)
        )
    roles = Prefetch(
        "memberships",
        queryset=area_memberships(area=area).select_related(None).select_related("agency"),
        to_attr="roles_here",
    )
    active_here = Membership.objects.filter(area=area, user=OuterRef("pk"), is_active=True)
    return (
        people.annotate(has_role_here=Exists(active_here))
        .prefetch_related(roles)
        .order_by("-is_active", "last_name", "first_name", "username")
    )


def agency_people_count(*, agency: Agency) -> int:
    """People with an active role in the agency: whom deactivating it stops."""
    return (
        User.objects.filter(memberships__agency=agency, memberships__is_active=True)
        .distinct()
        .count()
    )


def area_agencies(*, area: Area) -> QuerySet[Agency]:
    return area.agencies.order_by("-is_active", natural("name"), "name", "pk")


def active_area_agencies(*, area: Area, search: str = "") -> QuerySet[Agency]:
    """The area's active agencies, naturally ordered; each word of `search` in the name."""
    agencies = area.agencies.filter(is_active=True)
    for word in search.split():
        agencies = agencies.filter(name__icontains=word)
    return agencies.order_by(natural("name"), "name", "pk")


def acting_membership(*, user: Any) -> Membership | None:
    """The membership the user acts as (chosen on the home page, else their first): the one
    their audit records name."""
    memberships = active_memberships(user=user)
    return memberships[0] if memberships else None


def membership_in(*, user: Any, area_id: int, roles: Iterable[Role]) -> Membership | None:
    """The user's active membership in one of `roles` in the area (the acting one first), or
    None: "is a coordinator of this area" is `membership_in(..., roles=[Role.COORDINATOR])`."""
    wanted = set(roles)
    return next(
        (m for m in active_memberships(user=user) if m.role in wanted and m.area_id == area_id),
        None,
    )


def second_factor_pending(*, user: Any, session: Any = None) -> bool:
    """True while a signed-in user's session has not completed the second factor it needs.

    Over HTTP django-otp's OTPMiddleware has checked the session's device already
    (`user.is_verified`); elsewhere (a websocket) the same check is made on `session`: the
    device it names must be the user's and confirmed."""
    if not settings.TWO_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None:
        return not is_verified()
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return not (device is not None and device.user_id == user.pk and device.confirmed)


def area_person(*, area: Area, pk: int | None = None, username: str | None = None) -> User:
    """A person with an active role in `area`, by id or username; 404 for anyone else, so an
    administrator learns nothing about people of other areas."""
    people = User.objects.filter(memberships__area=area, memberships__is_active=True).distinct()
    lookup = {"pk": pk} if pk is not None else {"username": username or ""}
    person = people.filter(**lookup).first()
    if person is None:
        raise Http404("No such person in this area")
    return person


def user_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


# Roles that see every referral of their area: only they may be told of anything overdue in it.
AREA_OVERSIGHT_ROLES = (Role.COORDINATOR, Role.POLICE_LEAD)


def escalation_manager_choices(*, area: Area) -> QuerySet[User]:
    """Who may be the area's named manager for escalations: people with an active coordinator
    or police lead membership in it (in an active agency), as they see every referral there."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__area=area,
            memberships__role__in=AREA_OVERSIGHT_ROLES,
            memberships__is_active=True,
            memberships__agency__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


def emergency_duty_agency_choices(*, area: Area) -> QuerySet[Agency]:
    """Agencies that may be the area's emergency duty contact: its active ones."""
    return Agency.objects.filter(areas=area, is_active=True).order_by("name")


def people_in_area_words(*, area: Area, users: Iterable[Any]) -> dict[int, str]:
    """Each person as someone of the area reads them: their name and the agency they act for
    there ("Sam Lee, Northshire Police"), by user id; one query. Someone with no role in the
    area any more keeps their name alone."""
    people = {user.pk: user for user in users if user is not None}
    agencies: dict[int, str] = {}
    for user_id, agency in (
        Membership.objects.filter(user_id__in=people, area=area, agency__isnull=False)
        .order_by("user_id", "-is_active", "pk")
        .values_list("user_id", "agency__name")
    ):
        agencies.setdefault(user_id, agency)
    return {
        pk: ", ".join(filter(None, [user.get_full_name() or user.get_username(), agencies.get(pk)]))
        for pk, user in people.items()
    }
