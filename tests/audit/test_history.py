"""Field-level history (django-pghistory): who changed which field from what to what."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from pghistory.middleware import HistoryMiddleware

from agencies.models import Role
from audit.history import history_context
from audit.models import YoungPersonHistory
from audit.selectors import FieldChange, field_history
from tests.factories import AreaFactory, MembershipFactory, YoungPersonFactory, member

pytestmark = pytest.mark.django_db


def test_a_change_of_family_name_shows_who_and_old_and_new_values() -> None:
    coordinator = member(Role.COORDINATOR)
    person = YoungPersonFactory.create(family_name="Smith")
    assert field_history(target=person) == []  # being created is not a change

    with history_context(coordinator):
        person.family_name = "Smyth"
        person.save()

    [change] = field_history(target=person)
    assert change["changes"] == [FieldChange("family_name", "Smith", "Smyth")]
    assert change["who"] == coordinator
    assert change["label"] == "update"
    assert change["when"] is not None


def test_changes_are_newest_first_and_saving_nothing_new_is_no_change() -> None:
    person = YoungPersonFactory.create(given_name="Sam", family_name="Lee")
    first_area_id = person.area_id
    person.given_name = "Samuel"
    person.save()
    person.save()  # nothing changed: no history row
    person.family_name, person.area = "Li", AreaFactory.create()
    person.save()

    history = field_history(target=person)
    assert [c["changes"] for c in history] == [
        [
            FieldChange("area", first_area_id, person.area_id),
            FieldChange("family_name", "Lee", "Li"),
        ],
        [FieldChange("given_name", "Sam", "Samuel")],
    ]
    assert history[0]["who"] is None  # no context: a change made outside any request


def test_memberships_and_areas_are_tracked_too() -> None:
    membership = MembershipFactory.create()
    membership.is_active = False
    membership.save()
    area = membership.area
    assert area is not None
    area.triage_working_days = 2
    area.save()
    assert field_history(target=membership)[0]["changes"] == [FieldChange("is_active", True, False)]
    assert field_history(target=area)[0]["changes"] == [FieldChange("triage_working_days", 1, 2)]


def test_history_rows_are_append_only() -> None:
    person = YoungPersonFactory.create()
    with pytest.raises(DatabaseError), transaction.atomic():
        YoungPersonHistory.objects.filter(pgh_obj_id=person.pk).update(family_name="X")
    with pytest.raises(DatabaseError), transaction.atomic():
        YoungPersonHistory.objects.filter(pgh_obj_id=person.pk).delete()


def test_a_request_records_the_signed_in_user_as_who() -> None:
    """pghistory's middleware puts the request's user into the context of its writes."""
    user = member(Role.COORDINATOR)
    person = YoungPersonFactory.create(family_name="Before")

    def view(request: HttpRequest) -> HttpResponse:
        person.family_name = "After"
        person.save()
        return HttpResponse()

    request = RequestFactory().post("/somewhere/")
    request.user = user
    HistoryMiddleware(view)(request)
    [change] = field_history(target=person)
    assert (change["who"], change["url"]) == (user, "/somewhere/")
