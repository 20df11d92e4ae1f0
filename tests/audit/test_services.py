"""Recording audit events: what is stored, where from, and the rules on input."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext

from agencies.models import Membership, Role
from audit.models import AuditAction, AuditEvent
from audit.services import audit_record, audit_record_views
from tests.factories import (
    AreaFactory,
    MembershipFactory,
    YoungPersonFactory,
    member,
    recorded,
    waiting_audit_statements,
)

pytestmark = pytest.mark.django_db


def test_an_event_names_who_as_which_membership_did_what_to_which_object() -> None:
    membership = MembershipFactory.create(role=Role.COORDINATOR)
    person = YoungPersonFactory.create(area=membership.area)
    event = recorded(
        action=AuditAction.CHANGE,
        actor=membership.user,
        membership=membership,
        target=person,
        details={"fields": ["family_name"]},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.actor, stored.membership, stored.action) == (
        membership.user,
        membership,
        AuditAction.CHANGE,
    )
    assert (stored.object_type, stored.object_id) == ("referrals.youngperson", str(person.pk))
    assert stored.area == person.area  # taken from the target
    assert stored.details == {"fields": ["family_name"]}
    assert stored.created_at is not None


def test_a_failed_sign_in_has_no_user_and_keeps_the_attempted_username() -> None:
    event = recorded(
        action=AuditAction.SIGN_IN_FAILED,
        actor=AnonymousUser(),
        details={"username": "no-such-user\x00"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor is None and stored.area is None
    assert stored.object_type == stored.object_id == ""
    assert stored.details == {"username": "no-such-user\ufffd"}  # PostgreSQL refuses NUL


def test_the_area_can_be_given_or_comes_from_an_area_target_or_the_membership() -> None:
    membership = MembershipFactory.create()
    other = AreaFactory.create()
    given = recorded(action=AuditAction.VIEW, target=membership.user, area=other)
    area_target = recorded(action=AuditAction.CHANGE, target=other)
    from_membership = recorded(
        action=AuditAction.EXPORT, actor=membership.user, membership=membership
    )
    assert given.area_id == area_target.area_id == other.pk
    assert from_membership.area_id == membership.area_id


def test_break_glass_needs_a_reason() -> None:
    user = member(Role.COORDINATOR)
    for reason in ("", "   "):
        with pytest.raises(ValueError, match="reason"):
            audit_record(action=AuditAction.BREAK_GLASS, actor=user, reason=reason)
    event = recorded(action=AuditAction.BREAK_GLASS, actor=user, reason="Found at 2am")
    assert event.given_reason() == "Found at 2am"
    assert event.reason == ""  # free text is kept apart from the chain (AuditDetail)
    assert AuditEvent.objects.count() == 1


def test_a_membership_must_be_the_actors_own() -> None:
    membership = MembershipFactory.create()
    with pytest.raises(ValueError, match="membership"):
        audit_record(action=AuditAction.VIEW, actor=member(Role.COORDINATOR), membership=membership)


def test_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        audit_record(action="shred")


def test_address_and_user_agent_come_from_the_request() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Firefox/140", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    event = recorded(action=AuditAction.VIEW, request=request)
    # X-Forwarded-For is ignored unless the deployment says a proxy of ours sets it.
    assert (event.ip_address, event.user_agent) == ("192.0.2.7", "Firefox/140")


@override_settings(AUDIT_TRUST_X_FORWARDED_FOR=True)
def test_behind_our_proxy_the_address_it_saw_is_kept() -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9"
    )
    event = recorded(action=AuditAction.VIEW, request=request)
    # The last entry is the one our proxy added; earlier ones are whatever the client sent.
    assert event.ip_address == "203.0.113.9"


def test_odd_addresses_and_long_user_agents_are_normalised() -> None:
    factory = RequestFactory()
    mapped = factory.get("/", REMOTE_ADDR="::ffff:192.0.2.1", HTTP_USER_AGENT="x" * 2000)
    event = recorded(action=AuditAction.VIEW, request=mapped)
    assert event.ip_address == "192.0.2.1"
    assert len(event.user_agent) == 512
    garbage = recorded(action=AuditAction.VIEW, request=factory.get("/", REMOTE_ADDR="nope"))
    assert garbage.ip_address is None
    assert AuditEvent.objects.get(pk=garbage.pk).ip_address is None


def test_audit_record_views_writes_one_event_per_object_in_one_insert() -> None:
    membership = MembershipFactory.create(role=Role.COORDINATOR)
    people = YoungPersonFactory.create_batch(50, area=membership.area)
    request = RequestFactory().get("/api/v1/referrals/", HTTP_USER_AGENT="client/1")
    with CaptureQueriesContext(connection) as queries:
        audit_record_views(
            actor=membership.user, membership=membership, targets=people, request=request
        )
    assert queries.captured_queries == []  # it waits for the transaction's next statement
    assert len(waiting_audit_statements()) == 1  # one INSERT of 50 rows

    stored = list(AuditEvent.objects.order_by("id"))
    assert len(stored) == 50
    assert {e.action for e in stored} == {AuditAction.VIEW}
    assert [e.object_id for e in stored] == [str(p.pk) for p in people]
    assert {(e.actor_id, e.membership_id, e.area_id, e.user_agent) for e in stored} == {
        (membership.user.pk, membership.pk, membership.area_id, "client/1")
    }


def test_no_targets_records_nothing(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        audit_record_views(actor=None, membership=None, targets=[])
    assert waiting_audit_statements() == []


def test_an_unsaved_target_is_refused() -> None:
    with pytest.raises(ValueError, match="saved"):
        audit_record(action=AuditAction.CREATE, target=Membership())


def test_the_hand_written_insert_fills_every_column_but_the_databases_own_in_model_order() -> None:
    from audit.services import INSERTED_COLUMNS

    columns = tuple(field.column for field in AuditEvent._meta.concrete_fields)
    assert ("id", "created_at", "transaction_id", *INSERTED_COLUMNS) == columns


def test_details_and_reasons_are_stored_as_text_without_nuls() -> None:
    membership = MembershipFactory.create()
    stored = recorded(
        action=AuditAction.EXPORT,
        actor=membership.user,
        membership=membership,
        reason="asked\x00",
        details={"rows": 3, "when": date(2026, 1, 2), "text": "a\x00b", "escaped": "\\u0000"},
    )
    assert stored.detail.reason == "asked\ufffd"
    assert stored.details == {
        "rows": 3,
        "when": "2026-01-02",
        "text": "a\ufffdb",
        "escaped": "\\u0000",
    }
