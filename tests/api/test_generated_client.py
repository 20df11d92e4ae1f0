"""A client generated from the OpenAPI schema, as an integrating agency would build it
(openapi-python-client), drives one referral through a live server with each role's token: a
concern raised and submitted, triaged to a decision, a protective action added, information
asked of an agency and answered. The generator must read the schema without a warning, and
every answer must parse into the generated models."""

from __future__ import annotations

import importlib
import io
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from http import HTTPStatus
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import uuid4

import pytest
from django.core.management import call_command
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from agencies.models import Agency, AgencyType, Role, User
from api.services import api_token_create
from tests.factories import AgencyFactory, AreaFactory, member

PACKAGE = "safeguard_hub_api_client"
CONFIG = Path(__file__).with_name("openapi-python-client.yaml")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated once for the module from the schema /api/schema/ serves
    (no database: the schema reads none)."""
    folder = tmp_path_factory.mktemp("generated-client")
    schema = folder / "schema.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(schema))
    generator = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    run = subprocess.run(
        [
            *generator,
            *("--path", str(schema), "--config", str(CONFIG), "--fail-on-warning"),
            *("--output-path", str(folder / PACKAGE)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # A schema the generator cannot read in full loses operations or models silently.
    assert run.returncode == 0, run.stdout + run.stderr
    assert "warning" not in (run.stdout + run.stderr).lower(), run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        package = importlib.import_module(PACKAGE)
        # Every operation's module imports: the generator's own slips show up here.
        operations = importlib.import_module(f"{PACKAGE}.api.v1")
        for module in pkgutil.iter_modules(operations.__path__):
            importlib.import_module(f"{operations.__name__}.{module.name}")
        yield package
    finally:
        sys.path.remove(str(folder))
        for name in [n for n in sys.modules if n.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@dataclass
class Api:
    """The generated package's models and operations, and a client per person. Its types
    exist only once the test has generated them, so the type checker sees them as Any."""

    package: ModuleType
    base_url: str

    @property
    def models(self) -> ModuleType:
        return importlib.import_module(f"{self.package.__name__}.models")

    def operation(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package.__name__}.api.v1.{name}")

    def client_for(self, user: User) -> Any:
        _, token = api_token_create(actor=user, name="generated client", lifetime_days=1)
        # A status the schema does not document raises instead of passing unparsed.
        return self.package.AuthenticatedClient(
            base_url=self.base_url, token=token, raise_on_unexpected_status=True
        )


@dataclass
class Partnership:
    school: Agency
    health: Agency
    practitioner: User  # at the school: raises the concern
    coordinator: User
    lead_professional: User  # health's, named on the plan
    health_lead: User  # health's agency safeguarding lead: answers for health


def partnership() -> Partnership:
    area = AreaFactory.create()
    school = AgencyFactory.create(areas=[area])
    health = AgencyFactory.create(areas=[area], agency_type=AgencyType.HEALTH)
    return Partnership(
        school=school,
        health=health,
        practitioner=member(Role.PRACTITIONER, area=area, agency=school),
        coordinator=member(Role.COORDINATOR, area=area),
        lead_professional=member(Role.LEAD_PROFESSIONAL, area=area, agency=health),
        health_lead=member(Role.AGENCY_SAFEGUARDING_LEAD, area=area, agency=health),
    )


def step(api: Api, client: Any, reference: str, name: str, **inputs: str) -> Any:
    """Take a workflow step; its answer, parsed."""
    response = api.operation("v1_referrals_transitions_create").sync_detailed(
        reference,
        name,
        client=client,
        body=api.models.TransitionInputRequest.from_dict(inputs),
        idempotency_key=str(uuid4()),
    )
    assert response.status_code == HTTPStatus.OK, response.content
    return response.parsed


# The server runs in a thread with its own database connection: the test's writes must be
# committed for it to see them.
@pytest.mark.django_db(transaction=True)
def test_a_generated_client_drives_a_referral_from_concern_to_answered_request(
    generated: ModuleType, live_server: LiveServer
) -> None:
    api = Api(generated, live_server.url)
    models = api.models
    people = partnership()
    practitioner, coordinator = (
        api.client_for(people.practitioner),
        api.client_for(people.coordinator),
    )

    # The practitioner raises a concern; a retry with the same key gets the same draft.
    concern = models.ConcernRaiseRequest(
        given_name="Sam",
        family_name="Example",
        date_of_birth=date(2011, 3, 4),
        nhs_number="943 476 5919",
        narrative="Seen getting into a car with an older man after school.",
        screening_indicators=["going_missing"],
        immediate_danger=False,
        lawful_basis=models.LawfulBasisEnum.SAFEGUARDING_PUBLIC_TASK,
        consent=models.ConsentEnum.NOT_SOUGHT,
    )
    raise_concern = api.operation("v1_referrals_create").sync_detailed
    key = str(uuid4())
    raised = raise_concern(client=practitioner, body=concern, idempotency_key=key)
    assert raised.status_code == HTTPStatus.CREATED, raised.content
    draft = raised.parsed
    assert isinstance(draft, models.Draft)
    assert (draft.state, draft.young_person.nhs_number) == (models.StateEnum.DRAFT, "9434765919")
    retried = raise_concern(client=practitioner, body=concern, idempotency_key=key)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.parsed.reference == draft.reference
    reference = draft.reference

    # Submitted, the referrer sees where it stands, not the case.
    submitted = step(api, practitioner, reference, "submit")
    assert isinstance(submitted, models.ReferralSummaryDetail)
    assert (submitted.state, submitted.raised_by_agency) == (
        models.StateEnum.SUBMITTED,
        people.school.name,
    )

    # The coordinator triages it to a multi-agency plan and names health's lead professional.
    listed = api.operation("v1_referrals_transitions_list").sync_detailed(
        reference, client=coordinator
    )
    assert listed.status_code == HTTPStatus.OK, listed.content
    assert all(isinstance(t, models.Transition) for t in listed.parsed)
    assert "start_triage" in [t.name for t in listed.parsed]
    triaged = step(api, coordinator, reference, "start_triage")
    assert isinstance(triaged, models.ReferralFull)
    assert triaged.state == models.StateEnum.IN_TRIAGE
    step(api, coordinator, reference, "set_rag", rag="amber", reason="Seen with an older man")
    decided = step(
        api,
        coordinator,
        reference,
        "decide",
        decision="multi_agency_plan",
        reason="Indicators of sexual exploitation",
    )
    assert (decided.state, decided.decision) == (models.StateEnum.ACTIVE, "multi_agency_plan")
    led = step(
        api,
        coordinator,
        reference,
        "assign_lead",
        agency=str(people.health.pk),
        lead_professional=str(people.lead_professional.pk),
    )
    assert [(a.agency, a.lead_professional) for a in led.assignments] == [
        (people.health.name, people.lead_professional.get_full_name())
    ]

    # The lead professional adds a protective action they own.
    due_on = timezone.localdate() + timedelta(days=7)
    added = api.operation("v1_referrals_actions_create").sync_detailed(
        reference,
        client=api.client_for(people.lead_professional),
        body=models.ActionCreateRequest(
            action_type="safety_plan",
            owner=people.lead_professional.pk,
            due_on=due_on,
            detail="Agree a safety plan with Sam and her carers.",
        ),
        idempotency_key=str(uuid4()),
    )
    assert added.status_code == HTTPStatus.CREATED, added.content
    action = added.parsed
    assert isinstance(action, models.Action)
    assert (action.action_type, action.owner_agency, action.due_on, action.status) == (
        "safety_plan",
        people.health.name,
        due_on,
        models.ActionStatusEnum.OPEN,
    )

    # The coordinator asks health a question.
    step(
        api,
        coordinator,
        reference,
        "request_information",
        agency=str(people.health.pk),
        question="Has Sam been seen at the sexual health clinic?",
        due_on=str(timezone.localdate() + timedelta(days=5)),
    )

    # Health's safeguarding lead finds it among those asked of health and answers it, with a
    # document (multipart).
    health = api.client_for(people.health_lead)
    asked = api.operation("v1_information_requests_list").sync_detailed(
        client=health,
        direction=models.V1InformationRequestsListDirection.OF_ME,
    )
    assert asked.status_code == HTTPStatus.OK, asked.content
    assert isinstance(asked.parsed, models.PaginatedInformationRequestList)
    [request] = asked.parsed.results
    assert (request.referral, request.agency_id, request.status) == (
        reference,
        people.health.pk,
        models.InformationRequestStatusEnum.OPEN,
    )
    assert request.date_of_birth == date(2011, 3, 4)
    answer = "Seen twice in March; attendance notes attached."
    answered = api.operation("v1_information_requests_answer_create").sync_detailed(
        request.id,
        client=health,
        body=models.AnswerRequest(
            answer=answer,
            attachment=generated.types.File(
                payload=io.BytesIO(b"Clinic attendance: 3 and 17 March.\n"),
                file_name="attendance.txt",
                mime_type="text/plain",
            ),
        ),
    )
    assert answered.status_code == HTTPStatus.OK, answered.content
    assert isinstance(answered.parsed, models.InformationRequest)
    assert (answered.parsed.status, answered.parsed.attachment_name) == (
        models.InformationRequestStatusEnum.ANSWERED,
        "attendance.txt",
    )

    # The coordinator reads the answer, and the referral's timeline shows it came.
    read = api.operation("v1_information_requests_retrieve").sync_detailed(
        request.id, client=coordinator
    )
    assert isinstance(read.parsed, models.InformationRequest)
    assert (read.parsed.referral, read.parsed.answer, read.parsed.answered_by) == (
        reference,
        answer,
        people.health_lead.get_full_name(),
    )
    referral = api.operation("v1_referrals_retrieve").sync_detailed(reference, client=coordinator)
    assert isinstance(referral.parsed, models.ReferralFull)
    provided = models.EventTypeEnum.INFORMATION_PROVIDED
    assert provided in [event.event_type for event in referral.parsed.timeline]
