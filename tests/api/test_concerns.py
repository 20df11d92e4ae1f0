"""Raising a concern through the API: a draft with its young person, changed until submitted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import Role, User
from audit.models import AuditAction, AuditEvent
from referrals.models import Referral, ReferralState, YoungPerson
from tests.factories import AreaFactory, MembershipFactory, member, sign_in

pytestmark = pytest.mark.django_db

NEW = {
    "given_name": "Sam",
    "family_name": "Example",
    "date_of_birth": "2011-03-04",
    "nhs_number": "943 476 5919",
    "narrative": "Seen getting into a car with an older man after school.",
    "screening_indicators": ["going_missing"],
}


def api(user: User) -> APIClient:
    client = APIClient()
    sign_in(client, user)
    return client


@pytest.fixture
def practitioner() -> User:
    return member(Role.PRACTITIONER, area=AreaFactory.create())


def raise_concern(user: User, **body: Any) -> Any:
    return api(user).post("/api/v1/referrals/", {**NEW, **body}, format="json")


def test_a_concern_is_raised_as_a_draft_with_its_young_person(practitioner: User) -> None:
    response = raise_concern(practitioner)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "draft"
    assert body["young_person"]["nhs_number"] == "9434765919"  # normalised
    assert body["screening_indicators"] == ["going_missing"]
    referral = Referral.objects.get(reference=body["reference"])
    assert referral.raised_by == practitioner
    assert referral.young_person.area_id == referral.area_id
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, object_type="referrals.youngperson"
    ).exists()


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"nhs_number": "943 476 5918"}, "nhs_number", 422),  # the check digit: a rule
        # "tomorrow" is worked out when the test runs, not when it is collected (perhaps the
        # day before).
        ({"date_of_birth": "tomorrow"}, "date_of_birth", 422),
        ({"screening_indicators": ["no_such_indicator"]}, "screening_indicators", 422),
        ({"given_name": ""}, "given_name", 400),
        ({"concern_date": "tomorrow"}, "concern_date", 422),
    ],
)
def test_bad_input_is_refused_by_field_and_saves_nothing(
    practitioner: User, change: dict[str, Any], field: str, status: int
) -> None:
    tomorrow = str(timezone.localdate() + timedelta(days=1))
    response = raise_concern(
        practitioner, **{k: tomorrow if v == "tomorrow" else v for k, v in change.items()}
    )
    assert response.status_code == status
    assert field in response.json()["error"]["fields"]
    assert not Referral.objects.exists() and not YoungPerson.objects.exists()


def test_an_estimated_age_does_instead_of_a_date_of_birth(practitioner: User) -> None:
    response = raise_concern(practitioner, date_of_birth=None, estimated_age=14)
    assert response.status_code == 201


def test_a_concern_without_an_age_is_kept_as_a_draft_but_not_submitted(
    practitioner: User,
) -> None:
    reference = raise_concern(practitioner, date_of_birth=None).json()["reference"]
    submitted = api(practitioner).post(f"/api/v1/referrals/{reference}/transitions/submit/")
    assert submitted.status_code == 422
    assert "date_of_birth" in submitted.json()["error"]["fields"]
    assert Referral.objects.get(reference=reference).state == "draft"


@pytest.mark.parametrize(
    "role", [Role.BOARD_MEMBER, Role.AREA_ADMINISTRATOR, Role.NATIONAL_ANALYST]
)
def test_roles_that_may_not_raise_get_403(role: Role) -> None:
    response = raise_concern(member(role))
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_the_author_changes_the_draft_then_submits_it(practitioner: User) -> None:
    client = api(practitioner)
    reference = raise_concern(practitioner).json()["reference"]
    url = f"/api/v1/referrals/{reference}/"
    changed = client.patch(url, {"immediate_danger": False, "consent": "not_sought"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["consent"] == "not_sought"
    submit = f"{url}transitions/submit/"
    refused = client.post(submit, {}, format="json")
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"lawful_basis"}
    client.patch(url, {"lawful_basis": "safeguarding_public_task"}, format="json")
    assert client.post(submit, {}, format="json").status_code == 200
    late = client.patch(url, {"narrative": "More."}, format="json")
    assert late.status_code == 409
    assert "now submitted" in late.json()["error"]["message"]
    assert Referral.objects.get(reference=reference).narrative == NEW["narrative"]


def test_a_draft_is_404_to_others_and_403_to_those_who_see_it_but_did_not_write_it(
    practitioner: User,
) -> None:
    reference = raise_concern(practitioner, lawful_basis="safeguarding_public_task").json()[
        "reference"
    ]
    area = Referral.objects.get(reference=reference).area
    coordinator = member(Role.COORDINATOR, area=area)
    url = f"/api/v1/referrals/{reference}/"
    assert api(coordinator).patch(url, {"narrative": "x"}, format="json").status_code == 404
    client = api(practitioner)
    client.patch(url, {"immediate_danger": False, "consent": "not_sought"}, format="json")
    assert client.post(f"{url}transitions/submit/", {}, format="json").status_code == 200
    response = api(coordinator).patch(url, {"narrative": "x"}, format="json")
    assert response.status_code == 403
    assert Referral.objects.get(reference=reference).state == ReferralState.SUBMITTED


def test_a_role_held_for_no_agency_cannot_raise() -> None:
    coordinator = MembershipFactory.create(role=Role.COORDINATOR, agency=None).user
    response = raise_concern(coordinator)
    assert response.status_code == 403
    assert "agency" in response.json()["error"]["message"]
