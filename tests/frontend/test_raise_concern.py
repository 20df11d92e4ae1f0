"""Raising a concern page by page: each Continue saves the draft; check your answers; send."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from agencies.models import Role, User
from referrals.models import Rag, Referral, ReferralState, ScreeningIndicator
from referrals.workflow import referral_submit, referral_transition
from tests.factories import AreaFactory, member, raise_referral, sign_in

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def html(response: Any) -> str:
    return response.content.decode()


def date_parts(name: str, day: Any) -> dict[str, str]:
    return {
        f"{name}_day": str(day.day),
        f"{name}_month": str(day.month),
        f"{name}_year": str(day.year),
    }


@pytest.fixture
def practitioner() -> User:
    return member(Role.PRACTITIONER, area=AreaFactory.create())


@pytest.fixture
def client(practitioner: User) -> Client:
    return client_for(practitioner)


def start(client: Client) -> Referral:
    response = client.post("/concerns/new/", {"given_name": "Synthetic", "family_name": "Child"})
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/concerns/{referral.reference}/age/"
    return referral


def test_a_practitioner_raises_a_concern_page_by_page(client: Client, practitioner: User) -> None:
    page = client.get("/concerns/new/")
    assert page.status_code == 200 and "What is the young person&#x27;s name?" in html(page)
    referral = start(client)
    today = timezone.localdate()
    tool = referral.screening_tool
    missing = ScreeningIndicator.objects.get(tool=tool, code="going_missing")
    indicators = client.get(f"/concerns/{referral.reference}/indicators/")
    # The indicators come from the draft's screening tool, grouped by category.
    assert "Significant indicators</legend>" in html(indicators)
    assert missing.label in html(indicators)
    answers = [
        ("age", {**date_parts("date_of_birth", today.replace(year=today.year - 14))}),
        (
            "about",
            {"sex": "female", "ethnicity": "white_british", "nhs_number": "943 476 5919"},
        ),
        ("home", {"postcode": "sw1a1aa", "looked_after": "yes", "phone_numbers": "0700\n0701"}),
        (
            "what-happened",
            {"narrative": "Seen getting into a car.", **date_parts("concern_date", today)},
        ),
        ("indicators", {"indicators_significant": [missing.code]}),
        ("models", {"exploitation_models": ["gang_or_group", "online_grooming"]}),
        ("mentioned", {"vehicles_mentioned": "Silver hatchback"}),
        ("danger", {"immediate_danger": "yes"}),
        ("lawful-basis", {"lawful_basis": "safeguarding_public_task"}),
        ("consent", {"consent": "not_sought"}),
        ("contact", {"contact_phone": "0161 496 0000", "contact_email": practitioner.email}),
    ]
    for position, (slug, data) in enumerate(answers):
        url = f"/concerns/{referral.reference}/{slug}/"
        response = client.post(url, data)
        following = answers[position + 1][0] if position + 1 < len(answers) else "check"
        assert response.status_code == 302, (slug, html(response))
        assert response["Location"] == f"/concerns/{referral.reference}/{following}/"

    check = client.get(f"/concerns/{referral.reference}/check/")
    page_html = html(check)
    assert "Check your answers" in page_html and "Call 999 now" in page_html
    for expected in ("Synthetic Child", "9434765919", "SW1A 1AA", "Going missing", "Gang or group"):
        assert expected in page_html
    assert f'href="/concerns/{referral.reference}/consent/?change=1"' in page_html

    sent = client.post(f"/concerns/{referral.reference}/check/")
    assert sent["Location"] == f"/concerns/{referral.reference}/sent/"
    acknowledgement = html(client.get(sent["Location"]))
    assert "Concern sent" in acknowledgement and referral.reference in acknowledgement

    referral.refresh_from_db()
    person = referral.young_person
    assert referral.state == ReferralState.SUBMITTED and referral.rag == Rag.RED
    assert referral.exploitation_models == ["gang_or_group", "online_grooming"]
    assert [i.code for i in referral.screening_indicators.all()] == ["going_missing"]
    assert (person.nhs_number, person.postcode, person.looked_after) == (
        "9434765919",
        "SW1A 1AA",
        True,
    )
    assert person.phone_numbers == ["0700", "0701"]


def test_a_change_link_returns_to_check_your_answers(client: Client) -> None:
    referral = start(client)
    url = f"/concerns/{referral.reference}/mentioned/?change=1"
    assert f'href="/concerns/{referral.reference}/check/"' in html(client.get(url))
    response = client.post(url, {"places_mentioned": "Takeaway on the high street"})
    assert response["Location"] == f"/concerns/{referral.reference}/check/"


def test_the_draft_is_offered_again_from_the_home_page(client: Client) -> None:
    referral = start(client)
    home = html(client.get("/"))
    assert "Raise a concern" in home
    assert f'href="/concerns/{referral.reference}/check/"' in home


def assert_error(response: Any, field_id: str, message: str) -> None:
    page = html(response)
    assert response.status_code == 200
    assert "There is a problem" in page and page.count(message) == 2  # summary and field
    assert f'href="#{field_id}"' in page and f'id="{field_id}"' in page


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_and_nothing_is_saved(
    client: Client,
) -> None:
    referral = start(client)
    response = client.post(
        f"/concerns/{referral.reference}/about/",
        {"gender": "Girl", "nhs_number": "943 476 5918"},
    )
    assert_error(
        response, "id_nhs_number", "Enter a real NHS number: the last digit does not match"
    )
    assert 'value="943 476 5918"' in html(response)  # what was typed stays
    person = referral.young_person
    person.refresh_from_db()
    assert (person.nhs_number, person.gender) == ("", "")


def test_a_date_of_birth_in_the_future_is_refused(client: Client) -> None:
    referral = start(client)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        f"/concerns/{referral.reference}/age/", date_parts("date_of_birth", tomorrow)
    )
    assert_error(response, "id_date_of_birth_0", "Date of birth must be today or in the past")
    referral.young_person.refresh_from_db()
    assert referral.young_person.date_of_birth is None


def test_a_date_that_does_not_exist_is_refused_on_its_field(client: Client) -> None:
    referral = start(client)
    response = client.post(
        f"/concerns/{referral.reference}/what-happened/",
        {
            "narrative": "Seen",
            "concern_date_day": "31",
            "concern_date_month": "2",
            "concern_date_year": "2026",
        },
    )
    assert_error(
        response, "id_concern_date_0", "The date it was seen or disclosed must be a real date"
    )


def test_a_concern_date_in_the_future_is_refused(client: Client) -> None:
    referral = start(client)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        f"/concerns/{referral.reference}/what-happened/",
        {"narrative": "Seen", **date_parts("concern_date", tomorrow)},
    )
    assert_error(response, "id_concern_date_0", "The date must be today or in the past")
    referral.refresh_from_db()
    assert referral.narrative == ""


def test_a_missing_lawful_basis_has_its_own_message(client: Client) -> None:
    referral = start(client)
    response = client.post(f"/concerns/{referral.reference}/lawful-basis/", {})
    assert_error(
        response, "id_lawful_basis", "Choose the lawful basis for sharing this information"
    )


def test_sending_an_incomplete_concern_links_to_each_page_still_to_answer(client: Client) -> None:
    referral = start(client)
    response = client.post(f"/concerns/{referral.reference}/check/")
    page = html(response)
    assert response.status_code == 200 and "There is a problem" in page
    assert f'href="/concerns/{referral.reference}/lawful-basis/?change=1"' in page
    assert "Enter what was seen or disclosed" in page
    referral.refresh_from_db()
    assert referral.state == ReferralState.DRAFT


def test_a_page_sent_after_the_draft_was_submitted_elsewhere_says_so_and_keeps_the_typing(
    client: Client, practitioner: User
) -> None:
    referral = raise_referral(practitioner, concern={"narrative": "First account."})
    referral_submit(referral=referral, actor=practitioner)  # say, from another tab
    response = client.post(
        f"/concerns/{referral.reference}/what-happened/",
        {"narrative": "A second account.", **date_parts("concern_date", timezone.localdate())},
    )
    page = html(response)
    assert response.status_code == 200
    assert "This concern is now submitted" in page and "this page was not saved" in page
    assert "A second account." in page
    referral.refresh_from_db()
    assert referral.narrative == "First account."
    # The young person's pages say the same (the details closed with the draft).
    about = client.post(f"/concerns/{referral.reference}/home/", {"school": "Academy"})
    assert about.status_code == 200 and "This concern is now submitted" in html(about)
    assert 'value="Academy"' in html(about)
    # Sending it again says where it is rather than failing.
    again = client.post(f"/concerns/{referral.reference}/check/")
    assert "This concern is now submitted" in html(again)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COORDINATOR, Role.POLICE_LEAD])
def test_nobody_but_the_author_sees_the_pages(practitioner: User, role: Role) -> None:
    referral = raise_referral(practitioner)
    other = client_for(member(role, area=referral.area))
    for path in ("name/", "about/", "check/", "sent/"):
        assert other.get(f"/concerns/{referral.reference}/{path}").status_code == 404
        assert other.post(f"/concerns/{referral.reference}/{path}").status_code == 404
    referral_submit(referral=referral, actor=practitioner)
    assert other.get(f"/concerns/{referral.reference}/sent/").status_code == 404


@pytest.mark.parametrize("role", [Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR])
def test_roles_that_do_not_raise_concerns_are_refused(role: Role) -> None:
    client = client_for(member(role))
    assert client.get("/concerns/new/").status_code == 403
    assert client.post("/concerns/new/", {"given_name": "A", "family_name": "B"}).status_code == 403
    assert "Raise a concern" not in html(client.get("/"))
    assert not Referral.objects.exists()


def test_the_error_summary_links_to_the_first_radio_of_a_question(client: Client) -> None:
    referral = start(client)
    response = client.post(f"/concerns/{referral.reference}/danger/", {})
    page = html(response)
    assert_error(
        response, "id_immediate_danger", "Select yes if the young person is in immediate danger"
    )
    legend = re.search(r'<fieldset class="govuk-fieldset" aria-describedby="([^"]+)"', page)
    assert legend is not None and legend.group(1).split() == ["id_immediate_danger-error"]


def test_a_draft_withdrawn_elsewhere_is_not_acknowledged_as_sent(
    client: Client, practitioner: User
) -> None:
    referral = start(client)
    referral_transition(
        referral=referral, actor=practitioner, name="withdraw", inputs={"reason": "Duplicate"}
    )
    detail = f"/referrals/{referral.reference}/"
    assert client.get(f"/concerns/{referral.reference}/sent/")["Location"] == detail
    assert client.get(f"/concerns/{referral.reference}/about/")["Location"] == detail
    response = client.post(
        f"/concerns/{referral.reference}/mentioned/", {"places_mentioned": "Park"}
    )
    assert "This concern is now withdrawn" in html(response)
