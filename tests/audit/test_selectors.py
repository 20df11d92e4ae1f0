"""Reading the trail: per object, area searches and the CSV export."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from agencies.models import Role
from audit.models import AuditAction, AuditSeal
from audit.selectors import CSV_HEADER, audit_csv_rows, audit_events_for_object, audit_search
from audit.services import audit_record, audit_seal
from tests.factories import AreaFactory, MembershipFactory, YoungPersonFactory, recorded

pytestmark = pytest.mark.django_db


def test_events_for_an_object_are_its_own_newest_first() -> None:
    person, other = YoungPersonFactory.create_batch(2)
    first = recorded(action=AuditAction.CREATE, target=person)
    audit_record(action=AuditAction.VIEW, target=other)
    second = recorded(action=AuditAction.VIEW, target=person)
    assert list(audit_events_for_object(target=person)) == [second, first]


def test_a_search_stays_in_its_area_and_filters() -> None:
    area, elsewhere = AreaFactory.create_batch(2)
    coordinator = MembershipFactory.create(role=Role.COORDINATOR, area=area)
    person = YoungPersonFactory.create(area=area)
    viewed = recorded(
        action=AuditAction.VIEW,
        actor=coordinator.user,
        membership=coordinator,
        target=person,
    )
    exported = recorded(action=AuditAction.EXPORT, area=area)
    audit_record(action=AuditAction.VIEW, target=YoungPersonFactory.create(area=elsewhere))

    assert list(audit_search(area=area)) == [exported, viewed]
    assert list(audit_search(area=area, user=coordinator.user)) == [viewed]
    assert list(audit_search(area=area, action=AuditAction.EXPORT)) == [exported]
    found = audit_search(area=area, object_type="referrals.YoungPerson", object_id=str(person.pk))
    assert list(found) == [viewed]

    today = timezone.localdate()
    assert list(audit_search(area=area, date_from=today, date_to=today)) == [exported, viewed]
    assert not audit_search(area=area, date_to=today - timedelta(days=1)).exists()
    assert not audit_search(area=area, date_from=today + timedelta(days=1)).exists()
    assert list(audit_search(area=area, date_to=viewed.created_at)) == [viewed]


def test_the_csv_export_has_a_header_and_defuses_formulas() -> None:
    area = AreaFactory.create()
    membership = MembershipFactory.create(area=area)
    event = recorded(
        action=AuditAction.BREAK_GLASS,
        actor=membership.user,
        membership=membership,
        area=area,
        reason='=HYPERLINK("http://example.invalid")',
        details={"b": 1, "a": "x"},
        content={"document": "=report.pdf"},
    )
    rows = list(audit_csv_rows(audit_search(area=area), entitled={area.pk}))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 2
    row = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert row["id"] == str(event.pk)
    assert row["action"] == "break_glass"
    assert row["user"] == membership.user.username
    assert row["area"] == area.name
    assert row["reason"] == '\'=HYPERLINK("http://example.invalid")'
    assert row["details"] == '{"a": "x", "b": 1}'
    assert row["content"] == '{"document": "=report.pdf"}'
    assert row["hash"] == ""  # not sealed yet
    audit_seal()
    rows = list(audit_csv_rows(audit_search(area=area), entitled=set()))
    sealed = dict(zip(CSV_HEADER, rows[1], strict=True))
    assert sealed["hash"] == AuditSeal.objects.get(event=event).hash
    # Outside the areas the reader is entitled to, the reason and the content are only said
    # to exist.
    assert sealed["reason"] == sealed["content"] == "(recorded; shown to the area's coordinators)"


def test_records_are_named_in_words_never_by_their_content() -> None:
    from audit.selectors import records_in_words

    role = MembershipFactory.create(role=Role.COORDINATOR)
    role.user.first_name, role.user.last_name = "Ada", "Shah"
    role.user.save()
    area = role.area
    assert area is not None
    person = YoungPersonFactory.create(area=area)
    events = [
        recorded(action=AuditAction.CHANGE, target=role),
        recorded(action=AuditAction.CHANGE, target=role.user),
        recorded(action=AuditAction.CHANGE, target=area),
        recorded(action=AuditAction.VIEW, target=person),
        recorded(action=AuditAction.SIGN_IN_FAILED),
    ]
    username = role.user.username
    assert list(records_in_words(events).values()) == [
        f"Coordinator role of Ada Shah ({username})",
        f"Ada Shah ({username})",
        area.name,
        f"Young person {person.pk}",
        "",
    ]


def test_the_ids_changes_point_at_are_named_one_query_a_kind(
    django_assert_num_queries: Any,
) -> None:
    from agencies.models import Membership, User
    from audit.selectors import FieldChange, names_behind_changes

    role = MembershipFactory.create(role=Role.COORDINATOR)
    role.user.first_name, role.user.last_name = "Ada", "Shah"
    role.user.save()
    other_area = AreaFactory.create()
    changes = [
        (Membership, FieldChange("user", None, role.user.pk)),
        (Membership, FieldChange("area", role.area_id, other_area.pk)),
        (Membership, FieldChange("role", "practitioner", "coordinator")),  # not an id
        (Membership, FieldChange("area", other_area.pk, 999_999)),  # a record since removed
    ]
    with django_assert_num_queries(2):  # people, then areas
        names = names_behind_changes(changes=changes)
    assert names[User] == {role.user.pk: "Ada Shah"}
    assert names[type(other_area)] == {role.area_id: str(role.area), other_area.pk: str(other_area)}
