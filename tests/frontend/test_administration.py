"""Area administrators manage their own area's people, agencies and settings; nothing else."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from agencies.models import Agency, AgencyType, Area, Membership, Role, User
from agencies.services import AREA_SETTINGS, ESCALATION_MANAGER_INVALID, area_settings_update
from api.models import ApiToken
from api.services import api_token_create
from audit.models import AuditAction, AuditEvent
from notifications.models import EmailStatus, Notification, NotificationKind
from tests.factories import (
    AgencyFactory,
    AreaFactory,
    locked_out,
    member,
    sign_in,
    sign_in_with_password,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def area() -> Area:
    return AreaFactory.create()


@pytest.fixture
def agency(area: Area) -> Agency:
    return AgencyFactory.create(areas=[area])


@pytest.fixture
def admin(area: Area, agency: Agency) -> Client:
    client = Client()
    sign_in(client, member(Role.AREA_ADMINISTRATOR, area=area, agency=agency))
    return client


def url(area: Area, page: str) -> str:
    return f"/administration/{area.ons_code}/{page}/"


@pytest.mark.parametrize("role", [r for r in Role if r != Role.AREA_ADMINISTRATOR])
def test_only_area_administrators_get_in(role: Role) -> None:
    client = Client()
    sign_in(client, member(role))
    assert client.get("/administration/").status_code == 403


def test_another_areas_pages_are_not_found(admin: Client) -> None:
    other = AreaFactory.create()
    for page in ("people", "agencies", "settings", "lockouts", "audit"):
        assert admin.get(url(other, page)).status_code == 404


def test_the_administration_link_leads_to_the_areas_people(admin: Client, area: Area) -> None:
    response = admin.get("/administration/")
    assert response.status_code == 302 and response["Location"] == url(area, "people")


def test_adding_a_new_person_with_a_role(admin: Client, area: Area, agency: Agency) -> None:
    response = admin.post(
        url(area, "people/add"),
        {
            "username": "new.nurse",
            "account": "new",
            "email": "new.nurse@example.invalid",
            "first_name": "New",
            "last_name": "Nurse",
            "password": "a-long-first-password-9",
            "role": Role.LEAD_PROFESSIONAL,
            "agency": agency.pk,
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="new.nurse")
    assert person.check_password("a-long-first-password-9")
    membership = Membership.objects.get(user=person)
    assert (membership.role, membership.area, membership.agency) == (
        Role.LEAD_PROFESSIONAL,
        area,
        agency,
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="agencies.membership", object_id=str(membership.pk)
    ).exists()
    assert "new.nurse" in admin.get(url(area, "people")).content.decode()


def test_a_weak_password_is_refused_with_the_reason(
    admin: Client, area: Area, agency: Agency
) -> None:
    response = admin.post(
        url(area, "people/add"),
        {
            "username": "weak",
            "account": "new",
            "email": "weak@example.invalid",
            "password": "password",
            "role": Role.PRACTITIONER,
            "agency": agency.pk,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "too common" in html
    assert not User.objects.filter(username="weak").exists()


def test_a_role_for_someone_who_already_has_an_account(
    admin: Client, area: Area, agency: Agency
) -> None:
    existing = member(Role.PRACTITIONER)
    admin.post(
        url(area, "people/add"),
        {
            "username": existing.username,
            "account": "existing",
            "email": "ignored@example.invalid",
            "role": Role.PRACTITIONER,
            "agency": agency.pk,
        },
    )
    assert Membership.objects.filter(user=existing, area=area, role=Role.PRACTITIONER).exists()
    existing.refresh_from_db()
    assert existing.first_name == "Test"  # details set elsewhere are untouched
    assert existing.email != "ignored@example.invalid"


@pytest.mark.parametrize(
    ("account", "errors"),
    [
        ("", {"account": ["Choose whether they already have an account"]}),
        ("existing", {"username": ["No account has the username sam.okafor"]}),
        ("new", {"email": ["Enter their email address"], "password": ["Enter a first password"]}),
    ],
)
def test_whether_they_have_an_account_decides_what_is_asked(
    admin: Client, area: Area, agency: Agency, account: str, errors: dict[str, list[str]]
) -> None:
    data = {"username": "sam.okafor", "account": account, "role": Role.PRACTITIONER}
    response = admin.post(url(area, "people/add"), data | {"agency": agency.pk})
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not User.objects.filter(username="sam.okafor").exists()


def test_a_new_account_for_a_username_taken_is_refused(
    admin: Client, area: Area, agency: Agency
) -> None:
    taken = member(Role.PRACTITIONER)
    data = {"username": taken.username, "account": "new", "email": "someone@example.invalid"}
    data |= {"password": "a-long-first-password-9", "role": Role.PRACTITIONER}
    response = admin.post(url(area, "people/add"), data | {"agency": agency.pk})
    assert response.context["form"].errors == {
        "username": [f"An account already has the username {taken.username}"]
    }
    assert not Membership.objects.filter(user=taken, area=area).exists()


def test_an_agency_of_another_area_cannot_be_chosen(admin: Client, area: Area) -> None:
    foreign = AgencyFactory.create(areas=[AreaFactory.create()])
    response = admin.post(
        url(area, "people/add"),
        {
            "username": "x",
            "account": "new",
            "email": "x@example.invalid",
            "password": "a-long-first-password-9",
            "role": Role.PRACTITIONER,
            "agency": foreign.pk,
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="x").exists()


def test_ending_a_role(admin: Client, area: Area, agency: Agency) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    membership = Membership.objects.get(user=person)
    assert admin.post(url(area, f"memberships/{membership.pk}/end")).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False


def test_deactivating_a_leaver_ends_their_sessions_and_tokens_at_once(
    admin: Client, area: Area, agency: Agency
) -> None:
    leaver = member(Role.COORDINATOR, area=area, agency=agency)
    their_browser = Client()
    sign_in(their_browser, leaver)
    assert their_browser.get("/referrals/").status_code == 200
    api_token_create(actor=leaver, name="script", lifetime_days=5)

    assert admin.post(url(area, f"people/{leaver.pk}/deactivate")).status_code == 302
    leaver.refresh_from_db()
    assert leaver.is_active is False
    assert not ApiToken.objects.filter(user=leaver, revoked_at__isnull=True).exists()
    assert their_browser.get("/referrals/").status_code == 302  # signed out
    assert AuditEvent.objects.filter(action=AuditAction.DEACTIVATED).exists()


def test_someone_with_a_role_elsewhere_is_not_deactivated_from_here(
    admin: Client, area: Area, agency: Agency
) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    member_elsewhere = Membership.objects.get(user=person)
    Membership.objects.create(
        user=person,
        role=Role.PRACTITIONER,
        area=AreaFactory.create(),
        agency=member_elsewhere.agency,
    )
    response = admin.post(url(area, f"people/{person.pk}/deactivate"))
    assert "also has roles in another area" in response.content.decode()
    person.refresh_from_db()
    assert person.is_active is True


def test_agencies_are_added_and_deactivated(admin: Client, area: Area) -> None:
    response = admin.post(
        url(area, "agencies"),
        {"name": "Moorside Youth Trust", "agency_type": "specialist_voluntary"},
    )
    assert response.status_code == 302
    added = Agency.objects.get(name="Moorside Youth Trust")
    assert added.agency_type == AgencyType.SPECIALIST_VOLUNTARY
    assert list(added.areas.all()) == [area]
    assert admin.post(url(area, f"agencies/{added.pk}/deactivate")).status_code == 302
    added.refresh_from_db()
    assert added.is_active is False


def test_an_agency_serving_other_areas_is_not_deactivated_from_here(
    admin: Client, area: Area
) -> None:
    force = AgencyFactory.create(areas=[area, AreaFactory.create()])
    response = admin.post(url(area, f"agencies/{force.pk}/deactivate"))
    assert "their administrators decide" in response.content.decode()
    force.refresh_from_db()
    assert force.is_active is True


def admin_user(area: Area) -> User:
    return User.objects.get(memberships__area=area, memberships__role=Role.AREA_ADMINISTRATOR)


def settings_as_shown(admin: Client, area: Area) -> dict[str, Any]:
    """The settings form's current answers, as the page would post them back."""
    form = admin.get(url(area, "settings")).context["form"]
    return {name: "" if form.initial[name] is None else form.initial[name] for name in form.fields}


def test_settings_change_with_a_record(admin: Client, area: Area) -> None:
    data = settings_as_shown(admin, area)
    data.update(rag_red_working_hours=2, break_glass_hours=12)
    assert admin.post(url(area, "settings"), data).status_code == 302
    area.refresh_from_db()
    assert (area.rag_red_working_hours, area.break_glass_hours) == (2, 12)
    event = AuditEvent.objects.get(action=AuditAction.CHANGE, object_type="agencies.area")
    assert event.details["changed"] == ["break_glass_hours", "rag_red_working_hours"]


def test_an_unknown_screening_tool_is_refused_on_its_field(admin: Client, area: Area) -> None:
    data = settings_as_shown(admin, area)
    data.update(screening_tool_version="no-such-tool")
    response = admin.post(url(area, "settings"), data)
    assert response.status_code == 200
    assert "Choose a screening tool version that is loaded" in response.content.decode()
    area.refresh_from_db()
    assert area.screening_tool_version == "default-1"


def test_escalation_settings_and_the_named_manager(admin: Client, area: Area) -> None:
    manager = member(Role.COORDINATOR, area=area)
    page = admin.get(url(area, "settings"))
    choices = [str(v) for v, _ in page.context["form"].fields["escalation_manager"].choices]
    assert choices == ["", str(manager.pk)]  # nobody named, or an area coordinator
    data = settings_as_shown(admin, area)
    data.update(due_soon_working_hours=3, escalation_working_hours=6, escalation_manager=manager.pk)
    assert admin.post(url(area, "settings"), data).status_code == 302
    area.refresh_from_db()
    assert (area.due_soon_working_hours, area.escalation_working_hours) == (3, 6)
    assert area.escalation_manager == manager
    data.update(escalation_manager="")
    assert admin.post(url(area, "settings"), data).status_code == 302
    area.refresh_from_db()
    assert area.escalation_manager is None


@pytest.mark.parametrize("who", ["practitioner", "other_areas_coordinator", "ended"])
def test_the_named_manager_must_be_an_active_overseer_of_the_area(
    admin: Client, area: Area, who: str
) -> None:
    """Only someone who sees every referral of the area may be told it is overdue."""
    if who == "practitioner":
        person = member(Role.PRACTITIONER, area=area)
    elif who == "other_areas_coordinator":
        person = member(Role.COORDINATOR)
    else:
        person = member(Role.COORDINATOR, area=area)
        Membership.objects.filter(user=person).update(is_active=False)
    data = settings_as_shown(admin, area)
    data.update(escalation_manager=person.pk)
    response = admin.post(url(area, "settings"), data)
    assert response.status_code == 200
    assert ESCALATION_MANAGER_INVALID in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        area_settings_update(
            actor=admin_user(area), area=area, changes={"escalation_manager": person}
        )
    assert refused.value.message_dict == {"escalation_manager": [ESCALATION_MANAGER_INVALID]}
    area.refresh_from_db()
    assert area.escalation_manager is None


def test_escalation_intervals_of_zero_are_refused(admin: Client, area: Area) -> None:
    data = settings_as_shown(admin, area)
    data.update(due_soon_working_hours=0, escalation_working_hours=0)
    response = admin.post(url(area, "settings"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {
        "due_soon_working_hours",
        "escalation_working_hours",
    }
    assert response.context["form"].errors["escalation_working_hours"] == [
        "Enter a number of 1 or more"
    ]


def test_locked_accounts_are_listed_and_can_be_unlocked(
    admin: Client, area: Area, agency: Agency
) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    for _ in range(5):
        sign_in_with_password(Client(), person.username, "wrong")
    page = admin.get(url(area, "lockouts")).content.decode()
    assert person.username in page
    unlocked = admin.post(url(area, "lockouts"), {"username": person.username}, follow=True)
    assert f"{person.username} can sign in again" in unlocked.content.decode()
    assert person.username not in admin.get(url(area, "lockouts")).content.decode()


def test_audit_search_and_csv_export(admin: Client, area: Area, agency: Agency) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    sign_in_with_password(Client(), person.username, "wrong")
    query = {"username": person.username, "action": AuditAction.SIGN_IN_FAILED}
    page = admin.get(url(area, "audit"), query)
    assert page.status_code == 200
    assert page.context["pages"].object_list == list(
        AuditEvent.objects.filter(action=AuditAction.SIGN_IN_FAILED, actor=person)
    )
    export = admin.get(url(area, "audit"), {**query, "format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))  # type: ignore[attr-defined]
    assert len(rows) == 2  # the header and the one failed sign-in
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_an_unknown_username_finds_nothing(admin: Client, area: Area) -> Any:
    page = admin.get(url(area, "audit"), {"username": "nobody-by-this-name"})
    assert page.context["pages"].object_list == []


def test_administrators_cannot_give_themselves_roles(
    admin: Client, area: Area, agency: Agency
) -> None:
    me = Membership.objects.get(area=area, role=Role.AREA_ADMINISTRATOR).user
    response = admin.post(
        url(area, "people/add"),
        {
            "username": me.username,
            "account": "existing",
            "role": Role.COORDINATOR,
            "agency": agency.pk,
        },
    )
    assert "Ask another area administrator" in response.content.decode()
    assert not Membership.objects.filter(user=me, role=Role.COORDINATOR).exists()


@pytest.mark.parametrize("who", ["unknown", "elsewhere"])
def test_unlocking_someone_outside_the_area_reveals_nothing(
    admin: Client, area: Area, who: str
) -> None:
    username = "nobody-by-this-name" if who == "unknown" else member(Role.PRACTITIONER).username
    assert admin.post(url(area, "lockouts"), {"username": username}).status_code == 404


def test_a_leaver_with_two_roles_here_is_deactivated(
    admin: Client, area: Area, agency: Agency
) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    Membership.objects.create(user=person, role=Role.LEAD_PROFESSIONAL, area=area, agency=agency)
    assert admin.post(url(area, f"people/{person.pk}/deactivate")).status_code == 302
    person.refresh_from_db()
    assert person.is_active is False
    event = AuditEvent.objects.get(action=AuditAction.DEACTIVATED)
    assert event.area_id == area.pk  # filed under the area it was done for


def test_searching_the_record_is_recorded_and_case_reasons_stay_hidden(
    admin: Client, area: Area
) -> None:
    from referrals.break_glass import break_glass_open
    from tests.factories import raise_referral

    reason = "Child seen at the hotel with an older man; need history now."
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    break_glass_open(referral=referral, actor=member(Role.COORDINATOR), reason=reason)
    query = {"action": AuditAction.BREAK_GLASS}
    page = admin.get(url(area, "audit"), query).content.decode()
    assert reason not in page and "recorded; shown to the area" in page
    export = admin.get(url(area, "audit"), {**query, "format": "csv"})
    assert reason not in b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_type="agencies.area").exists()


def test_no_case_free_text_reaches_administrators_through_any_reason(
    admin: Client, area: Area
) -> None:
    """Not only emergency access: a decision's reason and a correction's reason are case
    content too. The page and the download say a reason was recorded, and by whom and when."""
    from referrals.identity import young_person_correct
    from referrals.workflow import referral_transition
    from tests.factories import raise_referral

    coordinator = member(Role.COORDINATOR, area=area)
    referral = raise_referral(member(Role.PRACTITIONER, area=area), submit=True)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    decided = "Disclosed abuse by her uncle's friend at the flat on Mill Lane."
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": decided},
    )
    corrected = "Mother says she also uses the name Kayleigh at school."
    young_person_correct(
        referral=referral, actor=coordinator, changes={"given_name": "Kay"}, reason=corrected
    )
    page = admin.get(url(area, "audit")).content.decode()
    export = admin.get(url(area, "audit"), {"format": "csv"})
    csv_text = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    for shown in (page, csv_text):
        assert decided not in shown and corrected not in shown
        assert shown.count("recorded; shown to the area") >= 2
    assert coordinator.username in page and "Moved on in its workflow" in page
    assert f",transition,{coordinator.username}," in csv_text


def test_administrators_cannot_deactivate_themselves(admin: Client, area: Area) -> None:
    me = Membership.objects.get(area=area, role=Role.AREA_ADMINISTRATOR).user
    response = admin.post(url(area, f"people/{me.pk}/deactivate"))
    assert "Ask another area administrator" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active is True


def test_people_are_found_by_any_part_of_their_name_username_or_email(
    admin: Client, area: Area, agency: Agency
) -> None:
    sam = member(Role.PRACTITIONER, area=area, agency=agency)
    User.objects.filter(pk=sam.pk).update(
        first_name="Sam", last_name="Okafor", email="s.okafor@moorside.example"
    )
    member(Role.PRACTITIONER, area=area, agency=agency)
    member(Role.PRACTITIONER)  # another area's: never listed
    for words in ("okafor sam", "OKAF", "moorside.example", sam.username):
        found = admin.get(url(area, "people"), {"q": words}).context["people"]
        assert [p.pk for p in found.object_list] == [sam.pk], words
    nobody = admin.get(url(area, "people"), {"q": "zzz"}).content.decode()
    assert "No one matches" in nobody


def test_the_people_list_is_paginated_in_a_fixed_number_of_queries(
    admin: Client, area: Area, agency: Agency, django_assert_max_num_queries: Any
) -> None:
    for _ in range(30):
        member(Role.PRACTITIONER, area=area, agency=agency)
    with django_assert_max_num_queries(13):  # the same for 25 rows as for one
        first = admin.get(url(area, "people"))
    assert len(first.context["people"].object_list) == 25
    second = admin.get(url(area, "people"), {"page": 2}).context["people"]
    assert len(second.object_list) == 6  # 30 and the administrator


def test_a_confirmation_page_changes_nothing_until_confirmed(
    admin: Client, area: Area, agency: Agency
) -> None:
    leaver = member(Role.PRACTITIONER, area=area, agency=agency)
    role = Membership.objects.get(user=leaver)
    for page in (f"people/{leaver.pk}/deactivate", f"memberships/{role.pk}/end"):
        shown = admin.get(url(area, page)).content.decode()
        assert "Are you sure" in shown and "What will happen" in shown
    shown = admin.get(url(area, f"agencies/{agency.pk}/deactivate")).content.decode()
    assert "People with a role in it" in shown
    leaver.refresh_from_db()
    role.refresh_from_db()
    agency.refresh_from_db()
    assert leaver.is_active and role.is_active and agency.is_active
    done = admin.post(url(area, f"people/{leaver.pk}/deactivate"), follow=True)
    assert "has been deactivated" in done.content.decode()


def test_the_audit_reads_in_words_and_is_searched_by_referral_reference(
    admin: Client, area: Area, agency: Agency, django_assert_max_num_queries: Any
) -> None:
    from tests.factories import raise_referral

    coordinator = member(Role.COORDINATOR, area=area, agency=agency)
    User.objects.filter(pk=coordinator.pk).update(first_name="Ada", last_name="Shah")
    referral = raise_referral(member(Role.PRACTITIONER, area=area, agency=agency), submit=True)
    other = raise_referral(member(Role.PRACTITIONER, area=area, agency=agency), submit=True)
    coordinator_client = Client()
    sign_in(coordinator_client, coordinator)
    coordinator_client.get(f"/referrals/{referral.reference}/")

    with django_assert_max_num_queries(20):
        page = admin.get(url(area, "audit"), {"reference": referral.reference.lower()})
    found = page.context["pages"].object_list
    assert found and {e.object_id for e in found} == {str(referral.pk)}
    assert str(other.pk) not in {e.object_id for e in found}
    html = page.content.decode()
    assert f"Referral {referral.reference}" in html and "referrals.referral" not in html
    assert "Ada Shah" in html

    unknown = admin.get(url(area, "audit"), {"reference": "R99-999999"}).content.decode()
    assert "No referral in" in unknown and "govuk-error-summary" in unknown
    backwards = admin.get(
        url(area, "audit"),
        {"date_from_day": "2", "date_from_month": "3", "date_from_year": "2026"}
        | {"date_to_day": "1", "date_to_month": "3", "date_to_year": "2026"},
    ).content.decode()
    assert "The end date must be the same as or after the start date" in backwards


def test_locked_accounts_are_named_and_paginated_in_a_fixed_number_of_queries(
    admin: Client, area: Area, agency: Agency, django_assert_max_num_queries: Any
) -> None:
    people = [member(Role.PRACTITIONER, area=area, agency=agency) for _ in range(27)]
    User.objects.filter(pk=people[0].pk).update(first_name="Aaron", last_name="Abbott")
    for person in people:
        locked_out(person)
    member(Role.PRACTITIONER, area=area, agency=agency)  # not locked: never listed
    with django_assert_max_num_queries(13):  # the same for 25 rows as for one (sign-ins: 1)
        first = admin.get(url(area, "lockouts"))
    lockouts = first.context["lockouts"].object_list
    assert len(lockouts) == 25 and lockouts[0].name == "Aaron Abbott"
    second = admin.get(url(area, "lockouts"), {"page": 2}).context["lockouts"]
    assert len(second.object_list) == 2


def test_emails_not_delivered_are_in_words_and_paginated_in_a_fixed_number_of_queries(
    admin: Client, area: Area, agency: Agency, django_assert_max_num_queries: Any
) -> None:
    person = member(Role.PRACTITIONER, area=area, agency=agency)
    for number in range(27):
        Notification.objects.create(
            recipient=person,
            kind=NotificationKind.LINK_ALERT,
            event_key=f"alert-{number}",
            title="Not shown to an administrator",
            email_status=EmailStatus.FAILED,
            email_attempts=8,
            email_error="SMTPRecipientsRefused: {'sam@example.invalid': (550, b'No such user')}",
        )
    with django_assert_max_num_queries(13):  # the same for 25 rows as for one (sign-ins: 1)
        first = admin.get(url(area, "emails"))
    assert len(first.context["rows"]) == 25
    html = first.content.decode()
    assert "The mail server refused the person&#x27;s address" in html
    assert "Not shown to an administrator" not in html
    assert len(admin.get(url(area, "emails"), {"page": 2}).context["rows"]) == 2


def test_every_setting_is_in_a_group_with_a_label_in_words(admin: Client, area: Area) -> None:
    response = admin.get(url(area, "settings"))
    form = response.context["form"]
    grouped = [field.name for group in form.groups() for field, _ in group.fields]
    assert sorted(grouped) == sorted(AREA_SETTINGS)  # each once, none left out
    for name in AREA_SETTINGS:
        label = str(form.fields[name].label)
        assert label != name.replace("_", " ").capitalize() and "_" not in label, name
    html = response.content.decode()
    assert "Rag red" not in html and ">working hours</div>" in html
    # The screening tool is picked from those loaded, by name.
    assert '<option value="default-1" selected>' in html


def test_agencies_are_paginated_in_a_fixed_number_of_queries(
    admin: Client, area: Area, django_assert_max_num_queries: Any
) -> None:
    AgencyFactory.create_batch(26, areas=[area])
    with django_assert_max_num_queries(13):  # the same for 25 rows as for one (sign-ins: 1)
        first = admin.get(url(area, "agencies"))
    assert len(first.context["agencies"].object_list) == 25
    assert "27 agencies serving" in first.content.decode()
    assert len(admin.get(url(area, "agencies"), {"page": 2}).context["agencies"].object_list) == 2


def test_the_audit_tells_what_administrators_did_in_words(
    admin: Client, area: Area, agency: Agency
) -> None:
    role = Membership.objects.get(user=member(Role.PRACTITIONER, area=area, agency=agency))
    assert admin.post(url(area, f"memberships/{role.pk}/end")).status_code == 302
    data = settings_as_shown(admin, area) | {"rag_red_working_hours": 6}
    assert admin.post(url(area, "settings"), data).status_code == 302
    admin.get(url(area, "audit"))  # a search: recorded, and told as one the next time
    rows = admin.get(url(area, "audit")).context["rows"]
    happened = [what for _, _, what, _ in rows]
    assert happened[:3] == [
        "Searched the audit record",
        "Searched the audit record",
        "Changed the settings: Red concerns: working hours to a triage decision",
    ]
    assert "Ended" in happened


def test_the_agency_picker_suggests_the_areas_active_agencies_in_natural_order(
    admin: Client, area: Area, agency: Agency
) -> None:
    for name in ("Moorside School 10", "Moorside School 2", "Moorside School 1"):
        AgencyFactory.create(areas=[area], name=name)
    AgencyFactory.create(areas=[area], name="Moorside School 3", is_active=False)
    AgencyFactory.create(areas=[AreaFactory.create()], name="Moorside School 4")
    found = admin.get(url(area, "agencies/suggestions"), {"q": "school moorside"}).json()
    assert [r["label"] for r in found["results"]] == [
        "Moorside School 1",
        "Moorside School 2",
        "Moorside School 10",
    ]
    assert admin.get(url(AreaFactory.create(), "agencies/suggestions")).status_code == 404
    page = admin.get(url(area, "people/add")).content.decode()
    assert 'data-app-autocomplete="/administration/' in page and "Moorside School 3" not in page


def test_the_audit_is_paginated_in_a_fixed_number_of_queries(
    admin: Client, area: Area, agency: Agency, django_assert_max_num_queries: Any
) -> None:
    from agencies.services import agency_add

    administrator = admin_user(area)
    for number in range(30):  # each an event naming a record, by a person, in a role
        school = f"School {number}"
        agency_add(actor=administrator, area=area, name=school, agency_type=AgencyType.EDUCATION)
        person = member(Role.PRACTITIONER, area=area, agency=agency)
        sign_in_with_password(Client(), person.username, "wrong")
    with django_assert_max_num_queries(17):  # the same for 50 rows as for one
        first = admin.get(url(area, "audit"))
    assert len(first.context["rows"]) == 50
