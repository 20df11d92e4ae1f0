"""A young person's case for the subject access tests: their area's coordinator, a lead
professional named on their referral, another area's coordinator, and one record of every kind
held about them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from agencies.models import Agency, Role, User
from disruption.models import (
    AgendaItem,
    AgendaReason,
    DisruptionActivity,
    DisruptionTactic,
    Link,
    LinkNature,
    Meeting,
    PersonOfConcern,
)
from disruption.services import node_for
from notifications.models import Notification, NotificationKind
from referrals.audited_reads import young_person_open
from referrals.models import (
    CaseNote,
    InformationRequest,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    ProtectiveActionType,
    ReferralAssignment,
)
from subject_access.models import SubjectAccessExport
from subject_access.services import export_start
from tests.factories import AreaFactory, member, raise_referral

RECEIVED = date(2026, 11, 20)


def agency_of(user: User) -> Agency:
    agency = user.memberships.get().agency
    assert agency is not None
    return agency


def case() -> dict[str, Any]:
    """A young person with a referral seen by their area's coordinator, a lead professional
    of the area, and a coordinator of another area."""
    area = AreaFactory.create()
    practitioner = member(Role.PRACTITIONER, area=area)
    referral = raise_referral(practitioner, submit=True, given_name="Amira", family_name="Khan")
    coordinator = member(Role.COORDINATOR, area=area)
    lead = member(Role.LEAD_PROFESSIONAL, area=area)
    ReferralAssignment.objects.create(
        referral=referral,
        agency=agency_of(lead),
        lead_professional=lead,
        assigned_by=coordinator,
    )
    return {
        "area": area,
        "lead_professional": lead,
        "practitioner": practitioner,
        "referral": referral,
        "person": referral.young_person,
        "coordinator": coordinator,
        "elsewhere": member(Role.COORDINATOR, area=AreaFactory.create()),
    }


def started(world: dict[str, Any], **overrides: Any) -> SubjectAccessExport:
    values = {
        "actor": world["coordinator"],
        "young_person_id": world["person"].pk,
        "received_on": RECEIVED,
        "requester": "Their mother",
    } | overrides
    return export_start(**values)


def everything_held(world: dict[str, Any]) -> None:
    """One record of every kind about the young person, some holding third parties' data."""
    referral, coordinator, person = world["referral"], world["coordinator"], world["person"]
    CaseNote.objects.create(referral=referral, author=coordinator, text="Saw Mr Jones with her.")
    ProtectiveAction.objects.create(
        referral=referral,
        action_type=ProtectiveActionType.objects.filter(area__isnull=True)[0],
        detail="Speak to her aunt",
        owner=coordinator,
        owner_agency=agency_of(coordinator),
        due_on=timezone.localdate() + timedelta(days=7),
        created_by=coordinator,
    )
    MissingEpisode.objects.create(
        referral=referral,
        started_at=timezone.now() - timedelta(days=2),
        reported_by="Carer",
        recorded_by=coordinator,
    )
    suspect = PersonOfConcern.objects.create(area=world["area"], name="X", created_by=coordinator)
    for nature in (LinkNature.SEEN_WITH, LinkNature.MENTIONED):
        a, b = sorted([node_for(person), node_for(suspect)], key=lambda n: n.pk)
        Link.objects.create(
            area=world["area"],
            a=a,
            b=b,
            referral=referral,
            nature=nature,
            source="Police",
            source_evaluation="1",
            intelligence_assessment="A",
            handling_code="P",
            observed_on=date(2026, 10, 1),
            recorded_by=coordinator,
        )
    answered = InformationRequest.objects.create(
        referral=referral,
        agency=agency_of(coordinator),
        question="What do you know?",
        due_on=timezone.localdate(),
        requested_by=coordinator,
        status="answered",
        answer="Attached.",
        attachment_name="school report.pdf",
    )
    answered.attachment.save("school-report.pdf", ContentFile(b"%PDF-1.4 the report"))
    Notification.objects.create(
        recipient=coordinator,
        kind=NotificationKind.choices[0][0],
        event_key="k",
        title=f"New referral {referral.reference}",
        area=world["area"],
        referral=referral,
    )
    recovery = DisruptionActivity.objects.create(
        area=world["area"],
        tactic=DisruptionTactic.objects.filter(area__isnull=True)[0],
        target=node_for(suspect),
        mode="direct",
        owner=coordinator,
        owner_agency=agency_of(coordinator),
        created_by=coordinator,
    )
    recovery.referrals.add(referral)
    NRMReferral.objects.create(
        referral=referral,
        referred_on=date(2026, 10, 2),
        first_responder="Children's services",
        recorded_by=coordinator,
    )
    meeting = Meeting.objects.create(
        area=world["area"],
        held_at=timezone.now() - timedelta(days=1),
        chair=coordinator,
        created_by=coordinator,
    )
    for subject in ({"referral": referral}, {"node": node_for(suspect)}):
        AgendaItem.objects.create(
            meeting=meeting,
            reason=AgendaReason.ADDED,
            reasons=[AgendaReason.ADDED],
            decision="Share with her school; X to be warned off.",
            **subject,
        )
    young_person_open(actor=coordinator, pk=person.pk)  # a read of their record


def suspect_case() -> dict[str, Any]:
    world = case()
    everything_held(world)  # links the young person to a person of concern, "X"
    world["suspect"] = PersonOfConcern.objects.get(area=world["area"])
    world["police_lead"] = member(Role.POLICE_LEAD, area=world["area"])
    return world
