"""Who is told of casework as it happens: an action assigned, a missing episode and the return
home interview it makes due, and an emergency (break-glass) access."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from agencies.models import Role, User
from notifications.models import Notification, NotificationKind
from referrals.break_glass import break_glass_open
from referrals.casework import action_add, action_update, missing_episode_end, missing_episode_start
from referrals.models import ActionStatus, ProtectiveActionType, Referral, ReferralAssignment
from referrals.workflow import referral_assign_lead
from tests.factories import AgencyFactory, member

from .producing import (
    REASON,
    World,
    no_personal_details,  # noqa: F401  (a fixture)
    people,
    told,
    world,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("no_personal_details"),
]

Kind = NotificationKind


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
def case(w: World) -> tuple[Referral, User]:
    """An active plan with a lead professional named for a health agency."""
    referral = w.to_plan(w.concern())
    health = AgencyFactory.create(areas=[w.area])
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=health)
    referral_assign_lead(
        referral=referral, actor=w.coordinator, agency=health, lead_professional=lead
    )
    return referral, lead


def when(moment: object) -> str:
    return f"{timezone.localtime(moment):%H:%M on %A %-d %B %Y}"  # type: ignore[arg-type]


def safety_plan() -> ProtectiveActionType:
    return ProtectiveActionType.objects.get(code="safety_plan")


def test_an_action_tells_its_owner_and_nobody_else(w: World, case: tuple[Referral, User]) -> None:
    referral, lead = case
    due = timezone.localdate() + timedelta(days=7)
    with pytest.raises(ValidationError):
        action_add(
            referral=referral,
            actor=w.coordinator,
            action_type=safety_plan(),
            owner=w.practitioner,  # not someone who works the case
            due_on=due,
        )
    assert not told(Kind.ACTION_ASSIGNED)

    action = action_add(
        referral=referral,
        actor=w.coordinator,
        action_type=safety_plan(),
        owner=lead,
        due_on=due,
        detail=REASON,
    )
    assigned = told(Kind.ACTION_ASSIGNED)
    assert set(assigned) == people(lead)
    notice = assigned[lead.pk]
    assert notice.title == (
        f"Protective action on referral {referral.reference}: {safety_plan().label}"
    )
    assert notice.body == f"Assigned to you, due by {due:%-d %B %Y}."
    assert REASON not in notice.body  # the action's detail is for the case page
    assert notice.url == reverse("frontend:referral-detail", args=[referral.reference])

    # Updating the action assigns nobody; an action someone gives themself tells nobody.
    action_update(action=action, actor=lead, status=ActionStatus.DONE, outcome="Agreed.")
    action_add(referral=referral, actor=lead, action_type=safety_plan(), owner=lead, due_on=due)
    assert Notification.objects.filter(kind=Kind.ACTION_ASSIGNED).count() == 1


def test_an_action_rolled_back_with_its_transaction_tells_nobody(
    w: World, case: tuple[Referral, User]
) -> None:
    referral, lead = case
    with pytest.raises(RuntimeError), transaction.atomic():
        action_add(
            referral=referral,
            actor=w.coordinator,
            action_type=safety_plan(),
            owner=lead,
            due_on=timezone.localdate(),
        )
        raise RuntimeError("the request failed after the action was added")
    assert not told(Kind.ACTION_ASSIGNED)


def test_a_missing_episode_tells_the_coordinators_and_lead_professionals_urgently(
    w: World, case: tuple[Referral, User]
) -> None:
    referral, lead = case
    # A lead professional whose agency is no longer named on the case is not told.
    former_agency = AgencyFactory.create(areas=[w.area])
    earlier = member(Role.LEAD_PROFESSIONAL, area=w.area, agency=former_agency)
    ReferralAssignment.objects.create(
        referral=referral,
        agency=former_agency,
        lead_professional=earlier,
        assigned_by=w.coordinator,
        ended_at=timezone.now(),
    )
    started = timezone.now() - timedelta(hours=2)
    with pytest.raises(ValidationError):
        missing_episode_start(
            referral=referral, actor=w.police_lead, started_at=started, reported_by=" "
        )
    assert not told(Kind.MISSING_REPORTED)

    episode = missing_episode_start(
        referral=referral, actor=w.police_lead, started_at=started, reported_by="Her mother"
    )
    missing = told(Kind.MISSING_REPORTED)
    assert set(missing) == people(w.coordinator, w.colleague, lead)
    for notice in missing.values():
        assert notice.urgent
        assert notice.title == f"Young person on referral {referral.reference} reported missing"
        assert notice.body == f"Missing since {when(started)}."
        assert "mother" not in notice.body

    # The one who reports it is not told of their own report.
    missing_episode_start(
        referral=referral,
        actor=w.coordinator,
        started_at=started + timedelta(minutes=1),
        reported_by="School",
    )
    coordinators_told = Notification.objects.filter(recipient=w.coordinator)
    assert coordinators_told.filter(kind=Kind.MISSING_REPORTED).count() == 1

    # Back: the return home interview is due, to the same people.
    returned = timezone.now() - timedelta(minutes=5)
    with pytest.raises(ValidationError):
        missing_episode_end(episode=episode, actor=lead, ended_at=started - timedelta(hours=1))
    assert not told(Kind.RETURN_INTERVIEW_DUE)
    ended = missing_episode_end(episode=episode, actor=w.police_lead, ended_at=returned)
    due = told(Kind.RETURN_INTERVIEW_DUE)
    assert set(due) == people(w.coordinator, w.colleague, lead)
    notice = due[lead.pk]
    assert ended.interview_due_at is not None
    assert notice.title == f"Return home interview due by {when(ended.interview_due_at)}"
    assert referral.reference in notice.body
    assert not notice.urgent


def test_emergency_access_tells_the_areas_coordinators_to_review_it(w: World) -> None:
    referral = w.concern()
    outsider = member(Role.COORDINATOR, area=w.other_area)
    with pytest.raises(ValidationError):
        break_glass_open(referral=referral, actor=outsider, reason="too short")
    assert not told(Kind.BREAK_GLASS)

    access = break_glass_open(referral=referral, actor=outsider, reason=REASON)
    opened = told(Kind.BREAK_GLASS)
    # The area's coordinators; not the one who opened it, nor their own area's coordinators.
    assert set(opened) == people(w.coordinator, w.colleague)
    notice = opened[w.coordinator.pk]
    assert notice.urgent
    assert notice.title == f"Emergency access from another area to referral {referral.reference}"
    agency = access.membership.agency
    assert agency is not None
    assert notice.body == (
        f"{outsider.get_full_name()} ({agency.name}), a coordinator of {w.other_area.name}, "
        f"opened it until {when(access.expires_at)}. Review the access and its reason."
    )
    assert REASON not in notice.body
    assert notice.url == reverse("frontend:break-glass-review")


def test_emergency_access_within_the_area_is_told_as_such(w: World) -> None:
    referral = w.concern()
    lead = member(Role.LEAD_PROFESSIONAL, area=w.area)  # not named on this referral
    break_glass_open(referral=referral, actor=lead, reason=REASON)
    notice = told(Kind.BREAK_GLASS)[w.coordinator.pk]
    assert notice.urgent
    assert notice.title == f"Emergency access to referral {referral.reference}"
