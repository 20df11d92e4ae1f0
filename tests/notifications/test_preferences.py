"""Email preferences per kind: honoured by `notify`, except that urgent events always go."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from agencies.models import Role
from audit.models import AuditAction, AuditEvent
from notifications.models import (
    ALWAYS_URGENT,
    Delivery,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from notifications.selectors import notification_preferences
from notifications.services import notification_preferences_update
from tests.factories import member, sign_in

from .conftest import tell

pytestmark = pytest.mark.django_db

CONCERN = NotificationKind.CONCERN_SUBMITTED
SETTINGS_URL = "/notifications/settings/"


def stored(person: Any) -> dict[str, str]:
    return dict(NotificationPreference.objects.filter(user=person).values_list("kind", "delivery"))


def every_kind(delivery: str = Delivery.IMMEDIATE) -> dict[str, str]:
    return {kind: delivery for kind in NotificationKind.values if kind not in ALWAYS_URGENT}


@pytest.mark.parametrize(
    ("delivery", "urgent", "expected"),
    [
        (None, False, EmailStatus.PENDING),
        (Delivery.IMMEDIATE, False, EmailStatus.PENDING),
        (Delivery.DIGEST, False, EmailStatus.DIGEST),
        (Delivery.OFF, False, EmailStatus.NOT_SENT),
        (Delivery.DIGEST, True, EmailStatus.PENDING),
        (Delivery.OFF, True, EmailStatus.PENDING),
    ],
)
def test_notify_emails_as_the_person_chose_unless_it_is_urgent(
    delivery: str | None, urgent: bool, expected: str
) -> None:
    person = member(Role.COORDINATOR)
    if delivery:
        notification_preferences_update(actor=person, changes={CONCERN: delivery})
    (pk,) = tell(person, "R26-000501", urgent=urgent)
    row = Notification.objects.get(pk=pk)
    assert row.email_status == expected
    assert (row.email_next_attempt_at is not None) is (expected == EmailStatus.PENDING)


def test_an_always_urgent_kind_is_urgent_and_emailed_whatever_is_stored() -> None:
    person = member(Role.COORDINATOR)
    # Stored behind the service's back (say, before the kind became always urgent).
    NotificationPreference.objects.create(
        user=person, kind=NotificationKind.ESCALATION, delivery=Delivery.OFF
    )
    (pk,) = tell(person, "R26-000502", kind=NotificationKind.ESCALATION)
    row = Notification.objects.get(pk=pk)
    assert row.urgent and row.email_status == EmailStatus.PENDING
    assert notification_preferences(user=person)[NotificationKind.ESCALATION] == Delivery.IMMEDIATE


def test_preferences_default_to_straight_away_for_every_kind() -> None:
    person = member(Role.PRACTITIONER)
    assert notification_preferences(user=person) == dict.fromkeys(
        NotificationKind.values, Delivery.IMMEDIATE
    )


def test_updating_preferences_stores_and_audits_only_what_changed() -> None:
    person = member(Role.COORDINATOR)
    changed = notification_preferences_update(
        actor=person,
        changes={CONCERN: Delivery.DIGEST, NotificationKind.LINK_ALERT: Delivery.IMMEDIATE},
    )
    assert changed == {CONCERN: Delivery.DIGEST}
    assert notification_preferences_update(actor=person, changes={CONCERN: Delivery.OFF}) == {
        CONCERN: Delivery.OFF
    }
    assert stored(person) == {CONCERN: Delivery.OFF}
    events = AuditEvent.objects.filter(actor=person, action=AuditAction.CHANGE).order_by("id")
    assert [e.details["notification_preferences"] for e in events] == [
        {CONCERN: Delivery.DIGEST},
        {CONCERN: Delivery.OFF},
    ]
    assert notification_preferences_update(actor=person, changes={CONCERN: Delivery.OFF}) == {}
    assert events.count() == 2


@pytest.mark.parametrize(
    ("changes", "bad_kind", "message"),
    [
        ({"no_such_kind": Delivery.OFF}, "no_such_kind", "not a kind of notification"),
        ({CONCERN: "weekly"}, CONCERN, "Choose straight away, daily digest or off"),
        (
            {NotificationKind.ESCALATION: Delivery.OFF},
            NotificationKind.ESCALATION,
            "Escalated: still overdue is urgent",
        ),
        (
            {NotificationKind.MISSING_REPORTED: Delivery.DIGEST},
            NotificationKind.MISSING_REPORTED,
            "cannot be changed",
        ),
    ],
)
def test_bad_preferences_are_refused_whole_and_nothing_changes(
    changes: dict[str, str], bad_kind: str, message: str
) -> None:
    person = member(Role.COORDINATOR)
    good: dict[str, str] = {NotificationKind.LINK_ALERT: Delivery.DIGEST}
    with pytest.raises(ValidationError) as refused:
        notification_preferences_update(actor=person, changes={**good, **changes})
    assert list(refused.value.message_dict) == [bad_kind]
    assert message in refused.value.message_dict[bad_kind][0]
    assert stored(person) == {}
    assert not AuditEvent.objects.filter(actor=person, action=AuditAction.CHANGE).exists()


# --- the page -------------------------------------------------------------------------------


def test_the_page_asks_one_question_per_kind_in_accessible_markup(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    person = member(Role.COORDINATOR)
    notification_preferences_update(actor=person, changes={CONCERN: Delivery.DIGEST})
    sign_in(client, person)

    with django_assert_max_num_queries(12):
        response = client.get(SETTINGS_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("frontend:notification-settings") == SETTINGS_URL
    assert "<title>Notification settings – Safeguard Hub</title>" in html
    assert '<h1 class="govuk-heading-l">Notification settings</h1>' in html
    choosable = [k for k in NotificationKind if k not in ALWAYS_URGENT]
    legends = re.findall(r'<legend class="govuk-fieldset__legend[^"]*">([^<]+)</legend>', html)
    assert legends == [kind.label for kind in choosable]
    assert html.count('<fieldset class="govuk-fieldset"') == len(choosable)
    assert html.count('type="radio"') == 3 * len(choosable)
    # Every radio has a label tied to it.
    for radio_id in re.findall(r'<input class="govuk-radios__input" id="([^"]+)"', html):
        assert f'for="{radio_id}"' in html
    checked = re.findall(r'name="([a-z_]+)" type="radio" value="([a-z]+)" checked', html)
    assert (CONCERN.value, Delivery.DIGEST.value) in checked
    assert len(checked) == len(choosable)
    assert f'name="{NotificationKind.ESCALATION.value}"' not in html
    for kind in ALWAYS_URGENT:
        assert f"<li>{NotificationKind(kind).label}</li>" in html
    assert "govuk-notification-banner" not in html


def test_saving_changes_preferences_and_says_so(client: Client) -> None:
    person = member(Role.PRACTITIONER)
    sign_in(client, person)
    choices = {**every_kind(), CONCERN: Delivery.OFF, NotificationKind.REVIEW_DUE: "digest"}

    response = client.post(SETTINGS_URL, choices, follow=True)

    html = response.content.decode()
    assert response.redirect_chain == [(SETTINGS_URL, 302)]
    assert "govuk-notification-banner--success" in html
    assert "Your notification settings have been saved." in html
    assert stored(person) == {CONCERN: Delivery.OFF, NotificationKind.REVIEW_DUE: Delivery.DIGEST}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({CONCERN: "weekly"}, "Choose how to be emailed: concern submitted in your area"),
        ({CONCERN: ""}, "Choose how to be emailed: concern submitted in your area"),
    ],
)
def test_a_bad_answer_shows_the_error_summary_and_changes_nothing(
    client: Client, change: dict[str, str], message: str
) -> None:
    person = member(Role.PRACTITIONER)
    sign_in(client, person)
    choices = {**every_kind(Delivery.DIGEST), **change}

    response = client.post(SETTINGS_URL, choices)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Notification settings – Safeguard Hub</title>" in html
    assert "There is a problem" in html
    assert f'<a href="#id_{CONCERN.value}">{message}</a>' in html
    assert "govuk-form-group--error" in html
    assert stored(person) == {}


def test_the_page_needs_a_signed_in_person(client: Client) -> None:
    response = client.get(SETTINGS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:sign-in"))
