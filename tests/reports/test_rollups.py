"""Rollups: marked stale in the change's own transaction, recounted to equal the records."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import DataError, connection, transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from agencies.models import AgencyType, Role
from referrals.casework import (
    action_add,
    action_update,
    missing_episode_end,
    missing_episode_start,
    return_home_interview_record,
)
from referrals.identity import young_person_correct
from referrals.models import ProtectiveAction, ProtectiveActionType, Referral, YoungPerson
from referrals.statutory import (
    nrm_referral_record,
    nrm_referral_update,
    section_47_record,
    section_47_update,
    strategy_discussion_record,
    strategy_discussion_update,
)
from referrals.workflow import referral_transition
from reports import rollups
from reports.models import MonthlyRollup, Rollup, StaleDay
from reports.rollups import (
    rollup_rows_sql,
    rollups_rebuild,
    rollups_recount,
    rollups_refresh,
    rollups_stored,
)
from tests.factories import AgencyFactory, AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db

REASON = {"reason": "Synthetic reason for the test."}


@pytest.fixture
def area_people():
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area], agency_type=AgencyType.EDUCATION)
    practitioner = member(Role.PRACTITIONER, area=area, agency=school)
    coordinator = member(Role.COORDINATOR, area=area)
    return area, practitioner, coordinator


def _decide(referral, coordinator, decision, **inputs):
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    return referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": decision, **inputs, **REASON},
    )


def _stored_equals_recount(area) -> None:
    rollups_refresh()
    assert not StaleDay.objects.exists()
    assert rollups_stored(area_ids=[area.pk]) == rollups_recount(area_ids=[area.pk])


def _today(area, measure, key=""):
    day = timezone.localdate()
    row = Rollup.objects.filter(area=area, day=day, measure=measure, key=key).first()
    return row.count if row else 0


def test_every_kind_of_change_keeps_the_rollups_equal_to_a_recount(area_people):
    area, practitioner, coordinator = area_people
    first = raise_referral(
        practitioner,
        submit=True,
        sex="female",
        ethnicity="asian_pakistani",
        concern={
            "exploitation_type": "sexual",
            "exploitation_models": ["boyfriend", "online_grooming"],
        },
    )
    _stored_equals_recount(area)
    assert _today(area, "raised") == 1
    assert _today(area, "raised.sex", "female") == 1
    assert _today(area, "raised.ethnicity", "asian") == 1
    assert _today(area, "raised.agency_type", "education") == 1
    assert _today(area, "raised.exploitation_type", "sexual") == 1
    assert _today(area, "raised.model", "boyfriend") == 1
    assert _today(area, "open", "opened") == 1

    # A second concern about the same young person is a repeat referral.
    again = raise_referral(practitioner, submit=False)
    again.young_person = first.young_person
    again.save(update_fields=["young_person"])
    referral_transition(referral=again, actor=practitioner, name="submit")
    _stored_equals_recount(area)
    assert _today(area, "raised.repeat", "repeat") == 1
    assert _today(area, "raised.repeat", "first") == 1

    _decide(first, coordinator, "multi_agency_plan")
    _decide(again, coordinator, "no_further_action")
    _stored_equals_recount(area)
    assert _today(area, "decided") == 2
    assert _today(area, "decided.timeliness", "in_time") == 2
    assert _today(area, "closed.outcome", "no_further_action") == 1
    assert _today(area, "open", "left") == 1

    kind = ProtectiveActionType.objects.filter(is_active=True).earliest("position")
    action = action_add(
        referral=first,
        actor=coordinator,
        action_type=kind,
        owner=coordinator,
        due_on=timezone.localdate(),
        detail="Synthetic action.",
    )
    _stored_equals_recount(area)
    assert _today(area, "actions.due", "not_done") == 1
    action_update(action=action, actor=coordinator, status="done", outcome="Done.")
    _stored_equals_recount(area)
    assert _today(area, "actions.due", "on_time") == 1

    episode = missing_episode_start(
        referral=first,
        actor=coordinator,
        started_at=timezone.now() - timedelta(hours=3),
        reported_by="Synthetic carer",
    )
    missing_episode_end(episode=episode, actor=coordinator, ended_at=timezone.now())
    episode.refresh_from_db()
    return_home_interview_record(
        episode=episode,
        actor=coordinator,
        held=True,
        held_by="Synthetic worker",
        held_on=timezone.localdate(),
        summary="Synthetic summary.",
    )
    _stored_equals_recount(area)
    assert _today(area, "missing.returned", "within") == 1

    # A correction to the young person moves the concern to another row.
    young_person_correct(
        referral=first, actor=coordinator, changes={"sex": "male"}, reason="Recorded wrongly."
    )
    _stored_equals_recount(area)
    assert _today(area, "raised.sex", "female") == 0
    assert _today(area, "raised.sex", "male") == 2 - (
        again.young_person_id != first.young_person_id
    )

    referral_transition(
        referral=first,
        actor=coordinator,
        name="close",
        inputs={"outcome": "risk_reduced", **REASON},
    )
    _stored_equals_recount(area)
    assert _today(area, "closed.outcome", "risk_reduced") == 1
    assert _today(area, "open", "left") == 2


def _count_on(area, day, measure, key=""):
    row = Rollup.objects.filter(area=area, day=day, measure=measure, key=key).first()
    return row.count if row else 0


def test_statutory_steps_keep_the_rollups_equal_to_a_recount(area_people):
    """Strategy discussions, section 47 enquiries and NRM referrals count on their own dates,
    and a correction moves the count to the day it names now."""
    area, practitioner, coordinator = area_people
    referral = raise_referral(practitioner, submit=True)
    _decide(referral, coordinator, "multi_agency_plan")
    agencies = [AgencyFactory.create(areas=[area]) for _ in range(3)]
    today = timezone.localdate()
    week_ago = today - timedelta(days=7)
    discussion = strategy_discussion_record(
        referral=referral,
        actor=coordinator,
        held_on=week_ago,
        agencies=agencies,
        outcome="Synthetic outcome.",
        section_47=False,
    )
    _stored_equals_recount(area)
    assert _count_on(area, week_ago, "strategy.held", "no_section_47") == 1
    discussion = strategy_discussion_update(
        discussion=discussion,
        actor=coordinator,
        held_on=today,
        agencies=agencies,
        outcome="Synthetic outcome.",
        section_47=True,
    )
    _stored_equals_recount(area)
    assert _count_on(area, week_ago, "strategy.held", "no_section_47") == 0
    assert _today(area, "strategy.held", "section_47") == 1

    enquiry = section_47_record(
        referral=referral, actor=coordinator, started_on=today, strategy_discussion=discussion
    )
    _stored_equals_recount(area)
    assert _today(area, "section47.started", "in_progress") == 1
    section_47_update(
        enquiry=enquiry,
        actor=coordinator,
        started_on=today,
        strategy_discussion=discussion,
        outcome="not_substantiated",
    )
    _stored_equals_recount(area)
    assert _today(area, "section47.started", "in_progress") == 0
    assert _today(area, "section47.started", "not_substantiated") == 1

    nrm = nrm_referral_record(
        referral=referral, actor=coordinator, referred_on=week_ago, first_responder="Council"
    )
    _stored_equals_recount(area)
    assert _count_on(area, week_ago, "nrm.referred") == 1
    nrm_referral_update(
        nrm=nrm,
        actor=coordinator,
        referred_on=week_ago,
        first_responder="Council",
        reasonable_grounds="positive",
        reasonable_grounds_on=week_ago + timedelta(days=2),
        conclusive_grounds="negative",
        conclusive_grounds_on=today,
    )
    _stored_equals_recount(area)
    assert _count_on(area, week_ago + timedelta(days=2), "nrm.reasonable_grounds", "positive") == 1
    assert _today(area, "nrm.conclusive_grounds", "negative") == 1

    # Removed by hand in SQL (nothing the service allows): the triggers still mark the days.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM referrals_nrmreferral WHERE id = %s", [nrm.pk])
    _stored_equals_recount(area)
    assert _count_on(area, week_ago, "nrm.referred") == 0
    out = StringIO()
    call_command("rollups_check", area=[area.ons_code], stdout=out)
    assert "0 differ" in out.getvalue()


def test_a_change_that_rolls_back_leaves_no_mark(area_people):
    area, practitioner, _ = area_people
    referral = raise_referral(practitioner, submit=True)
    rollups_refresh()
    with pytest.raises(RuntimeError), transaction.atomic():
        YoungPerson.objects.filter(pk=referral.young_person_id).update(sex="male")
        assert StaleDay.objects.filter(area=area).exists()  # marked inside the transaction
        raise RuntimeError("the change fails")
    assert not StaleDay.objects.exists()


def test_a_change_made_by_hand_in_sql_is_still_counted(area_people):
    area, practitioner, _ = area_people
    referral = raise_referral(practitioner, submit=True, sex="female")
    rollups_refresh()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_youngperson SET sex = 'male' WHERE id = %s",
            [referral.young_person_id],
        )
    _stored_equals_recount(area)
    assert _today(area, "raised.sex", "male") == 1


def test_the_check_command_finds_a_difference_and_repairs_it(area_people):
    area, practitioner, _ = area_people
    raise_referral(practitioner, submit=True)
    rollups_refresh()
    out = StringIO()
    call_command("rollups_check", area=[area.ons_code], stdout=out)
    assert "0 differ" in out.getvalue()

    Rollup.objects.filter(area=area, measure="raised", key="").update(count=99)
    err = StringIO()
    with pytest.raises(CommandError, match="1 area"):
        call_command("rollups_check", area=[area.ons_code], stdout=StringIO(), stderr=err)
    assert "day " in err.getvalue() and "raised (all): stored 99, recount 1" in err.getvalue()

    call_command(
        "rollups_check", area=[area.ons_code], repair=True, stdout=StringIO(), stderr=StringIO()
    )
    MonthlyRollup.objects.filter(area=area, measure="raised", key="").update(count=98)
    err = StringIO()
    with pytest.raises(CommandError, match="1 area"):
        call_command("rollups_check", area=[area.ons_code], stdout=StringIO(), stderr=err)
    assert "month " in err.getvalue() and "raised (all): stored 98, recount 1" in err.getvalue()

    call_command(
        "rollups_check", area=[area.ons_code], repair=True, stdout=StringIO(), stderr=StringIO()
    )
    assert rollups_stored(area_ids=[area.pk]) == rollups_recount(area_ids=[area.pk])


def test_the_check_command_refuses_an_unknown_area():
    with pytest.raises(CommandError, match="E99999999"):
        call_command("rollups_check", area=["E99999999"], stdout=StringIO())


def test_rebuild_equals_refresh(area_people):
    area, practitioner, coordinator = area_people
    for _ in range(3):
        _decide(raise_referral(practitioner, submit=True), coordinator, "advice_and_signposting")
    rollups_refresh()
    refreshed = rollups_stored(area_ids=[area.pk])
    rollups_rebuild(area_ids=[area.pk])
    assert rollups_stored(area_ids=[area.pk]) == refreshed
    assert refreshed  # not trivially equal


def test_a_scheduled_job_recounts_stale_days(settings, area_people):
    from reports.tasks import refresh_rollups

    assert settings.CELERY_BEAT_SCHEDULE["reports-rollups-refresh"]["task"] == (
        "reports.rollups_refresh"
    )
    _, practitioner, _ = area_people
    raise_referral(practitioner, submit=True)
    assert refresh_rollups.delay().get() >= 1
    assert not StaleDay.objects.exists()


def test_the_median_time_to_decision_is_read_from_whole_hour_groups():
    from reports.selectors import median_hours

    # Four decisions: one in the first hour, two in the third, one in the sixth. The middle
    # (the second of four) falls halfway through the third hour's two.
    sums = {
        ("decided.hours", "0"): 1,
        ("decided.hours", "2"): 2,
        ("decided.hours", "5"): 1,
        ("decided", ""): 4,
    }
    assert median_hours(sums) == 2.5
    assert median_hours({("decided.hours", "7"): 3}) == 7.5
    assert median_hours({}) is None


def test_decisions_are_grouped_by_whole_hours_taken(area_people):
    area, practitioner, coordinator = area_people
    referral = raise_referral(practitioner, submit=True)
    _decide(referral, coordinator, "advice_and_signposting")
    rollups_refresh()
    referral.refresh_from_db()
    assert referral.decided_at and referral.submitted_at
    hours = int((referral.decided_at - referral.submitted_at).total_seconds() // 3600)
    assert _today(area, "decided.hours", str(hours)) == 1


def _raised(area, spans):
    """Concerns raised in each span of days, summed as the dashboard sums them."""
    rows, params = rollup_rows_sql(spans, area_id=area.pk, where="measure = 'raised' AND key = ''")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tag, sum(count) FROM ({rows}) AS r GROUP BY 1", params)  # noqa: S608
        return dict(cursor.fetchall())


def test_a_span_sums_the_same_from_whole_months_and_days_as_from_days_alone(area_people):
    area, practitioner, _ = area_people
    london = ZoneInfo("Europe/London")
    # One concern on each of these days: month ends, a month start, a leap day, mid-month.
    days = [date(2024, 1, 31), date(2024, 2, 1), date(2024, 2, 29), date(2024, 3, 15)]
    days += [date(2024, 3, 31), date(2024, 4, 1), date(2024, 6, 30)]
    for day in days:
        referral = raise_referral(practitioner, submit=True)
        moment = datetime.combine(day, datetime.min.time(), london) + timedelta(minutes=30)
        type(referral).objects.filter(pk=referral.pk).update(submitted_at=moment)
    rollups_refresh()
    assert MonthlyRollup.objects.filter(area=area, measure="raised", key="").count() == 5
    spans = [
        (0, date(2024, 1, 1), date(2024, 7, 1)),  # whole months only
        (1, date(2024, 1, 31), date(2024, 4, 2)),  # a day, two whole months, a day
        (2, date(2024, 2, 2), date(2024, 3, 31)),  # inside two months, no whole one
        (3, date(2024, 2, 29), date(2024, 3, 1)),  # a single day
        (4, date(2024, 4, 2), date(2024, 6, 30)),  # misses both ends of its concerns
    ]
    # The last span holds no concern, so it has no row.
    assert _raised(area, spans) == {0: 7, 1: 6, 2: 2, 3: 1}


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=800),
)
def test_a_span_is_read_as_whole_months_and_the_days_either_side_once(lo, length):
    from reports.rollups import _sources

    hi = lo + timedelta(days=length)
    sources = _sources(lo, hi)
    cursor = lo
    for table, column, first, after in sources:
        assert first == cursor and first < after
        if table == "reports_monthlyrollup":
            assert column == "month" and first.day == after.day == 1
        else:
            assert column == "day" and (after - first).days < 62
        cursor = after
    assert cursor == hi


@pytest.mark.django_db(transaction=True)
def test_two_recounts_of_days_in_one_month_sum_it_one_after_the_other(area_people):
    from reports.rollups import _replace

    area, practitioner, _ = area_people
    london = ZoneInfo("Europe/London")
    days = [date(2024, 5, 10), date(2024, 5, 20)]
    for day in days:
        referral = raise_referral(practitioner, submit=True)
        moment = datetime.combine(day, datetime.min.time(), london) + timedelta(hours=9)
        type(referral).objects.filter(pk=referral.pk).update(submitted_at=moment)
    held, release, failures = threading.Event(), threading.Event(), []

    def recount(day: date, hold: bool) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                _replace(cursor, [(area.pk, day, day + timedelta(days=1))])
                if hold:
                    held.set()
                    release.wait(10)
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connection.close()

    # Each day of May recounted by its own worker, the first holding its transaction open.
    first = threading.Thread(target=recount, args=(days[0], True))
    first.start()
    assert held.wait(10)
    second = threading.Thread(target=recount, args=(days[1], False))
    second.start()
    second.join(0.5)
    assert second.is_alive()  # waiting for the first to commit
    release.set()
    first.join(10)
    second.join(10)

    assert failures == []
    StaleDay.objects.filter(day__in=days).delete()  # recounted above
    rollups_refresh()  # the other days the changes marked (today's)
    assert rollups_stored(area_ids=[area.pk]) == rollups_recount(area_ids=[area.pk])
    may = MonthlyRollup.objects.get(area=area, month=date(2024, 5, 1), measure="raised", key="")
    assert may.count == 2


def _plan_with_action(practitioner, coordinator):
    referral = raise_referral(practitioner, submit=True)
    _decide(referral, coordinator, "multi_agency_plan")
    return action_add(
        referral=referral,
        actor=coordinator,
        action_type=ProtectiveActionType.objects.get(code="safety_plan"),
        owner=coordinator,
        due_on=timezone.localdate(),
    )


def test_a_day_no_count_can_hold_is_logged_and_skipped_and_every_dashboard_answers(
    caplog, area_people
):
    """A date past every check (forced here in SQL) marks a day whose recount cannot run:
    that day alone is logged and dropped, the other days are counted, and every area's
    dashboard page, API and download keep answering, now and on the next request."""
    area, practitioner, coordinator = area_people
    action = _plan_with_action(practitioner, coordinator)
    rollups_refresh()
    ProtectiveAction.objects.filter(pk=action.pk).update(due_on=date.max)
    elsewhere = AreaFactory.create()
    raise_referral(member(Role.PRACTITIONER, area=elsewhere), submit=True)

    with caplog.at_level(logging.ERROR, logger="reports.rollups"):
        rollups_refresh()

    assert not StaleDay.objects.exists()
    assert f"day {date.max} of area {area.pk}" in caplog.text
    assert Rollup.objects.get(area=elsewhere, measure="raised", key="").count == 1
    assert not Rollup.objects.filter(area=area, measure="actions.due").exists()
    ProtectiveAction.objects.filter(pk=action.pk).update(due_on=date(9999, 12, 30))
    for place in (area, elsewhere):
        client = Client()
        sign_in(client, member(Role.BOARD_MEMBER, area=place))
        for url in (
            f"/reports/{place.ons_code}/",
            f"/api/v1/reports/areas/{place.ons_code}/dashboard/",
            f"/reports/{place.ons_code}/export.csv",
        ):
            assert client.get(url).status_code == 200, url
    assert not StaleDay.objects.exists()


def test_a_day_that_breaks_its_recount_leaves_the_rest_of_its_batch_counted(
    caplog, monkeypatch, area_people
):
    area, practitioner, _ = area_people
    referral = raise_referral(practitioner, submit=True)
    rollups_refresh()
    Referral.objects.filter(pk=referral.pk).update(
        submitted_at=F("submitted_at") - timedelta(days=1)
    )  # marks yesterday (now raised) and today (no longer)
    yesterday = timezone.localdate() - timedelta(days=1)
    replace = rollups._replace

    def failing_on_yesterday(cursor, spans):
        if any(lo <= yesterday < hi for _, lo, hi in spans):
            raise DataError("a row of that day breaks the statement")
        replace(cursor, spans)

    monkeypatch.setattr(rollups, "_replace", failing_on_yesterday)
    with caplog.at_level(logging.ERROR, logger="reports.rollups"):
        assert rollups_refresh() == 1  # today; yesterday skipped

    assert f"day {yesterday} of area {area.pk}" in caplog.text
    assert not StaleDay.objects.exists()
    assert _today(area, "raised") == 0  # today's count, in the same batch, is recounted
