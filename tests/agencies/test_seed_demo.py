from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import override_settings

from agencies.demo import DEMO_AREAS, DEMO_ROLE_AGENCY
from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from disruption.models import (
    AgendaItem,
    DisruptionActivity,
    Link,
    LinkAlert,
    Meeting,
    PersonOfConcern,
)
from referrals.models import (
    NRMDecision,
    NRMReferral,
    Referral,
    ReferralEvent,
    Section47Enquiry,
    StrategyDiscussion,
    YoungPerson,
)
from reports.rollups import rollups_recount, rollups_refresh, rollups_stored

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Area,
            Agency,
            User,
            Membership,
            YoungPerson,
            Referral,
            ReferralEvent,
            PersonOfConcern,
            Link,
            LinkAlert,
            DisruptionActivity,
            Meeting,
            AgendaItem,
        )
    }


def test_seed_demo_creates_two_areas_with_every_role_and_agency_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "a-chosen-demo-password")
    call_command("seed_demo")
    assert Area.objects.count() == 2
    for area in Area.objects.all():
        assert set(area.agencies.values_list("agency_type", flat=True)) == {
            AgencyType.POLICE,
            AgencyType.HEALTH,
            AgencyType.EDUCATION,
            AgencyType.CHILDRENS_SOCIAL_CARE,
            AgencyType.SPECIALIST_VOLUNTARY,
        }
        roles = set(Membership.objects.filter(area=area).values_list("role", flat=True))
        assert roles == set(DEMO_ROLE_AGENCY)
        assert Referral.objects.filter(area=area).exists()
    assert Membership.objects.filter(role=Role.NATIONAL_ANALYST, area=None).count() == 1
    assert User.objects.get(username="northmoor-coordinator").check_password(
        "a-chosen-demo-password"
    )
    named = YoungPerson.objects.exclude(family_name__startswith="History")
    assert named.count() == sum(len(spec.young_people) for spec in DEMO_AREAS)


def test_seed_demo_gives_each_area_a_reporting_history() -> None:
    call_command("seed_demo")
    rollups_refresh()
    for area in Area.objects.all():
        history = Referral.objects.filter(area=area, reference__startswith="HIST-")
        assert history.count() == 450
        assert not history.filter(created_at__gt=F("submitted_at")).exists()
        stored = rollups_stored(area_ids=[area.pk])
        assert stored == rollups_recount(area_ids=[area.pk])
        raised = sum(
            c
            for (_, grain, _, m, k), c in stored.items()
            if grain == "day" and m == "raised" and not k
        )
        assert raised == Referral.objects.filter(area=area, submitted_at__isnull=False).count()


def test_seed_demo_gives_each_area_intelligence_to_show() -> None:
    call_command("seed_demo")
    northmoor = Area.objects.get(name__startswith="Northmoor")
    # Two young people seen in the demo car: the second link raised an alert.
    [alert] = LinkAlert.objects.filter(area=northmoor, node__vehicle__registration="XX00DMO")
    assert alert.young_people == 2
    for area in Area.objects.all():
        assert PersonOfConcern.objects.filter(area=area).count() == 1
        assert DisruptionActivity.objects.filter(area=area, expires_on__isnull=False).exists()
        meeting = Meeting.objects.get(area=area)
        assert meeting.items.filter(referral__isnull=False).exists()
        assert meeting.items.filter(node__person__isnull=False).exists()


def test_seed_demo_is_idempotent() -> None:
    call_command("seed_demo")
    before = counts()
    call_command("seed_demo")
    assert counts() == before


@override_settings(DEMO_SETTINGS=False)
def test_seed_demo_refuses_production_settings() -> None:
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert Area.objects.count() == 0


def test_seed_demo_records_the_statutory_steps_on_a_plan() -> None:
    call_command("seed_demo")
    for area in Area.objects.all():
        discussion = StrategyDiscussion.objects.get(referral__area=area)
        assert discussion.section_47 and discussion.agencies.count() == 3
        enquiry = Section47Enquiry.objects.get(referral__area=area)
        assert enquiry.strategy_discussion == discussion
        nrm = NRMReferral.objects.get(referral__area=area)
        assert nrm.reasonable_grounds == NRMDecision.POSITIVE
        assert nrm.reasonable_grounds_on is not None
        # Made through the services: each is on the referral's timeline.
        kinds = set(discussion.referral.events.values_list("event_type", flat=True))
        assert {
            "strategy_discussion_recorded",
            "section_47_recorded",
            "nrm_referral_recorded",
        } <= kinds
