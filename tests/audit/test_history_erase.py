"""Erasure reaches the field-level history (audit.services.audit_history_erase, migration 0027):
an anonymised record's snapshots lose what was cleared and keep the rest, a deleted record's
snapshots go, and the history stays append-only to the application's role otherwise. The
erasures run as that role (SET LOCAL ROLE), as production runs them."""

from __future__ import annotations

import uuid
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import Model

from audit.models import (
    InformationRequestHistory,
    LinkHistory,
    PersonOfConcernHistory,
    ReferralHistory,
    YoungPersonHistory,
)
from audit.services import audit_history_erase
from disruption.models import Link, PersonOfConcern
from records.models import RecordKind, RetentionAction, RetentionReview
from records.review_job import retention_review_run
from records.services import review_approve
from referrals.models import InformationRequest, Referral, YoungPerson
from tests.records.world import TODAY, World, build_world

pytestmark = pytest.mark.django_db

PEOPLE = YoungPersonHistory._meta.db_table
KEPT = ("pgh_label", "pgh_created_at", "pgh_context_id")
REFERRAL_KEPT = ("state", "closed_at", "created_at")
ERASE = "SELECT audit_history_erase(%s, %s, %s::text[], %s::text[])"


@pytest.fixture
def world() -> World:
    return build_world()


def as_app_role() -> None:
    """Act, for the rest of the test, as a role granted as production grants it."""
    role = f"hub_app_{uuid.uuid4().hex[:12]}"
    call_command("grant_app_role", role, stdout=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")


def snapshots(history: type[Model], pk: int) -> dict[int, dict[str, Any]]:
    return {row["pgh_id"]: row for row in history.objects.filter(pgh_obj_id=pk).values()}  # type: ignore[attr-defined]


def approve(world: World, kind: str, action: str) -> dict[str, int]:
    retention_review_run(today=TODAY)
    actor = world.coordinator if kind == RecordKind.YOUNG_PERSON else world.police_lead
    review = RetentionReview.objects.get(kind=kind)
    as_app_role()
    tombstone = review_approve(
        actor=actor, review=review, action=action, rule_action=RetentionAction.REVIEW
    )
    return tombstone.counts


def test_an_anonymised_young_persons_history_keeps_states_and_dates_not_their_details(
    world: World,
) -> None:
    request = InformationRequest.objects.get(referral=world.referral)
    link = Link.every_link.get(referral=world.referral)
    tracked = (
        (YoungPersonHistory, world.young_person.pk, "Amira"),
        (ReferralHistory, world.referral.pk, "Synthetic concern"),
        (InformationRequestHistory, request.pk, "Amira attends"),
        (LinkHistory, link.pk, "Seen with Amira"),
    )
    before = {history: snapshots(history, pk) for history, pk, _ in tracked}
    assert all(said in str(before[history]) for history, _, said in tracked)  # the test's premise

    counts = approve(world, RecordKind.YOUNG_PERSON, RetentionAction.ANONYMISE)

    assert counts["history snapshots"] >= sum(len(rows) for rows in before.values())
    for history, pk, said in tracked:
        after = snapshots(history, pk)
        assert said not in str(after) and "Khan" not in str(after)
        assert set(before[history]) <= set(after)  # every snapshot is still there
        for pgh_id, old in before[history].items():
            assert [after[pgh_id][k] for k in KEPT] == [old[k] for k in KEPT]
    referral = snapshots(ReferralHistory, world.referral.pk)
    for pgh_id, old in before[ReferralHistory].items():  # the referral's states and dates
        assert [referral[pgh_id][k] for k in REFERRAL_KEPT] == [old[k] for k in REFERRAL_KEPT]
    people = snapshots(YoungPersonHistory, world.young_person.pk).values()
    assert {row["date_of_birth"] for row in people} == {None}
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert out.getvalue().startswith("audit chain intact")


def test_an_anonymised_person_of_concerns_history_loses_their_name(world: World) -> None:
    counts = approve(world, RecordKind.PERSON, RetentionAction.ANONYMISE)
    assert counts["history snapshots"] >= 2
    assert "Dan Smith" not in str(snapshots(PersonOfConcernHistory, world.person.pk))
    link = Link.every_link.get(referral=world.referral)
    assert "Seen with Amira" not in str(snapshots(LinkHistory, link.pk))
    # The young person's own history waits for their own review.
    assert "Amira" in str(snapshots(YoungPersonHistory, world.young_person.pk))


def test_a_deleted_entitys_history_goes_with_it(world: World) -> None:
    link = Link.every_link.get(referral=world.referral)
    before = len(snapshots(PersonOfConcernHistory, world.person.pk)) + len(
        snapshots(LinkHistory, link.pk)
    )
    counts = approve(world, RecordKind.PERSON, RetentionAction.DELETE)
    assert not PersonOfConcern.objects.filter(pk=world.person.pk).exists()
    assert snapshots(PersonOfConcernHistory, world.person.pk) == {}
    assert snapshots(LinkHistory, link.pk) == {}
    # Those there before, and the two their deletions wrote.
    assert counts["history snapshots"] == before + 2
    call_command("audit_verify", stdout=StringIO())


def refused(sql: str, params: list[Any], match: str) -> None:
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_app_role_changes_history_only_through_the_function(world: World) -> None:
    pk = world.young_person.pk
    as_app_role()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL pgtrigger.ignore = '{}'")  # any name it likes: still refused
    refused(f"UPDATE {PEOPLE} SET given_name = 'x'", [], "permission denied")  # noqa: S608
    refused(f"DELETE FROM {PEOPLE}", [], "permission denied")  # noqa: S608
    refused(f"TRUNCATE {PEOPLE}", [], "permission denied")

    # Snapshots of a row that still exists are never deleted.
    assert audit_history_erase(model=YoungPerson, ids=[pk]) == 0
    assert "Amira" in str(snapshots(YoungPersonHistory, pk))
    YoungPerson.objects.filter(pk=pk).update(given_name="Removed")
    assert audit_history_erase(model=YoungPerson, ids=[pk], fields=["given_name"]) >= 1
    assert "Amira" not in str(snapshots(YoungPersonHistory, pk))
    assert "Khan" in str(snapshots(YoungPersonHistory, pk))  # only the field named


def test_the_function_refuses_any_other_table_or_column(world: World) -> None:
    pk = str(world.referral.pk)
    as_app_role()
    people, referrals = YoungPerson._meta.db_table, Referral._meta.db_table
    for history, tracked in (
        ("audit_auditevent", referrals),  # not a history table
        (referrals, referrals),
        ("audit_auditseal", referrals),
        (ReferralHistory._meta.db_table, people),  # not the history of that table
        ("audit_nosuchhistory", referrals),
    ):
        refused(ERASE, [history, tracked, [pk], ["narrative"]], "is not")
    for column in ("pgh_label", "id", "no_such_column"):
        refused(ERASE, [ReferralHistory._meta.db_table, referrals, [pk], [column]], "columns")


def test_the_function_does_not_leave_the_triggers_open(world: World) -> None:
    YoungPerson.objects.filter(pk=world.young_person.pk).update(given_name="Removed")
    audit_history_erase(model=YoungPerson, ids=[world.young_person.pk], fields=["given_name"])
    # Even the owner, after the call, in the same transaction, meets the append-only trigger.
    refused(f"UPDATE {PEOPLE} SET family_name = 'x'", [], "Cannot update")  # noqa: S608


def test_a_role_not_granted_it_cannot_call_the_function(world: World) -> None:
    role = f"hub_other_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role}")
        cursor.execute(f"SET LOCAL ROLE {role}")
    refused(ERASE, [PEOPLE, YoungPerson._meta.db_table, [str(world.young_person.pk)], None],
            "permission denied for function")  # fmt: skip
