"""Giving a protective action to another owner: the service's rules, the page and the API. The
new owner is told; the timeline keeps who owned it before."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from agencies.models import Role
from notifications.models import Notification, NotificationKind
from referrals.action_owners import NOT_OPEN, OWNER_UNCHANGED, action_owner_change
from referrals.casework import action_update
from referrals.models import ActionStatus, ReferralEventType
from tests.factories import member, sign_in
from tests.frontend.test_casework import Case, _action, case

pytestmark = pytest.mark.django_db
__all__ = ["case"]  # the fixture, used by name


def owner_told(case: Case) -> list[str]:
    return list(
        Notification.objects.filter(
            kind=NotificationKind.ACTION_ASSIGNED, recipient=case.coordinator
        ).values_list("title", flat=True)
    )


def test_the_new_owner_is_told_and_the_timeline_keeps_the_old_one(case: Case) -> None:
    action = _action(case)  # owned by the lead professional
    changed = action_owner_change(action=action, actor=case.lead, owner=case.coordinator)
    assert changed.owner == case.coordinator
    assert owner_told(case) == [
        f"Protective action on referral {case.referral.reference} passed to you: Safety plan"
    ]
    event = case.referral.events.get(event_type=ReferralEventType.ACTION_OWNER_CHANGED)
    assert event.parameters["previous_owner"] == case.lead.pk
    assert event.parameters["owner"] == case.coordinator.pk
    # Given back and then again: each handover is told.
    action_owner_change(action=changed, actor=case.lead, owner=case.lead)
    action_owner_change(action=changed, actor=case.lead, owner=case.coordinator)
    assert len(owner_told(case)) == 2


def test_the_current_owner_or_someone_off_the_case_is_refused(case: Case) -> None:
    action = _action(case)
    with pytest.raises(ValidationError) as same:
        action_owner_change(action=action, actor=case.coordinator, owner=case.lead)
    assert same.value.message_dict == {"owner": [OWNER_UNCHANGED]}
    stranger = member(Role.PRACTITIONER, area=case.area, agency=case.agency)
    with pytest.raises(ValidationError):
        action_owner_change(action=action, actor=case.coordinator, owner=stranger)
    action.refresh_from_db()
    assert action.owner == case.lead


def test_a_done_action_keeps_its_owner(case: Case) -> None:
    action = _action(case)
    action_update(action=action, actor=case.lead, status=ActionStatus.DONE, outcome="Agreed.")
    with pytest.raises(ValidationError) as refused:
        action_owner_change(action=action, actor=case.coordinator, owner=case.coordinator)
    assert refused.value.message_dict == {"owner": [NOT_OPEN]}


def test_the_page_changes_the_owner_and_shows_errors(case: Case) -> None:
    action = _action(case)
    client = Client()
    sign_in(client, case.coordinator)
    url = case.url(f"actions/{action.pk}/owner/")
    page = client.get(url)
    assert page.status_code == 200
    assert "Who should own it now?" in page.content.decode()
    refused = client.post(url, {})
    assert "Choose who owns the action" in refused.content.decode()
    done = client.post(url, {"owner": case.coordinator.pk})
    assert done.status_code == 302
    action.refresh_from_db()
    assert action.owner == case.coordinator
    timeline = client.get(case.url("timeline/")).content.decode()
    assert "Protective action owner changed" in timeline
    assert "Was owned by" in timeline


def test_someone_outside_the_case_gets_404(case: Case) -> None:
    action = _action(case)
    client = Client()
    sign_in(client, member(Role.COORDINATOR))  # another area's
    assert client.get(case.url(f"actions/{action.pk}/owner/")).status_code == 404


def test_the_api_changes_the_owner(case: Case) -> None:
    action = _action(case)
    client = APIClient()
    sign_in(client, case.coordinator)
    url = f"/api/v1/referrals/{case.referral.reference}/actions/{action.pk}/owner/"
    same = client.post(url, {"owner": case.lead.pk}, format="json")
    assert same.status_code == 422
    assert same.json()["error"]["fields"] == {"owner": [OWNER_UNCHANGED]}
    unknown = client.post(url, {"owner": 0}, format="json")
    assert unknown.status_code == 404
    police_lead = member(Role.POLICE_LEAD, area=case.area, agency=case.agency)
    changed = client.post(url, {"owner": police_lead.pk}, format="json")
    assert changed.status_code == 200
    assert changed.json()["owner"] == police_lead.pk
    assert Notification.objects.filter(recipient=police_lead).count() == 1
    assert not owner_told(case)  # whoever made the change is not told of it
