"""Synthetic demonstration data: two fictional areas, their agencies, one user per role.

Every name here is invented. Running it twice changes nothing that already exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from disruption.demo import seed_intelligence
from referrals.casework import action_add, missing_episode_start
from referrals.concerns import referral_create_draft
from referrals.models import NRMDecision, ProtectiveActionType, Referral, YoungPerson
from referrals.statutory import nrm_referral_record, section_47_record, strategy_discussion_record
from referrals.workflow import referral_assign_lead, referral_submit, referral_transition
from reports.demo import seed_report_history

from .models import Agency, AgencyType, Area, Membership, Role


@dataclass(frozen=True)
class DemoArea:
    slug: str
    name: str
    ons_code: str  # E99… codes are not issued by the ONS, so they cannot clash with a real area
    region: str
    young_people: tuple[tuple[str, str, date], ...]


DEMO_AREAS = (
    DemoArea(
        "northmoor",
        "Northmoor Safeguarding Partnership",
        "E99000001",
        "North West",
        (
            ("Ava", "Example", date(2011, 3, 14)),
            ("Sam", "Sample", date(2010, 9, 2)),
            ("Jay", "Placeholder", date(2012, 1, 27)),
        ),
    ),
    DemoArea(
        "southvale",
        "Southvale Safeguarding Partnership",
        "E99000002",
        "South East",
        (
            ("Riley", "Fictional", date(2010, 6, 30)),
            ("Morgan", "Madeup", date(2011, 11, 8)),
        ),
    ),
)

# (agency type, agency name suffix)
DEMO_AGENCIES = (
    (AgencyType.POLICE, "Police"),
    (AgencyType.HEALTH, "NHS Trust"),
    (AgencyType.EDUCATION, "Academy"),
    (AgencyType.CHILDRENS_SOCIAL_CARE, "Children's Services"),
    (AgencyType.SPECIALIST_VOLUNTARY, "Young People's Project"),
)

# Which agency each demo role works for.
DEMO_ROLE_AGENCY = {
    Role.PRACTITIONER: AgencyType.EDUCATION,
    Role.AGENCY_SAFEGUARDING_LEAD: AgencyType.EDUCATION,
    Role.COORDINATOR: AgencyType.CHILDRENS_SOCIAL_CARE,
    Role.LEAD_PROFESSIONAL: AgencyType.HEALTH,
    Role.POLICE_LEAD: AgencyType.POLICE,
    Role.BOARD_MEMBER: AgencyType.CHILDRENS_SOCIAL_CARE,
    Role.AREA_ADMINISTRATOR: AgencyType.CHILDRENS_SOCIAL_CARE,
}

NATIONAL_ANALYST_USERNAME = "national-analyst"


def demo_username(area_slug: str, role: Role) -> str:
    return f"{area_slug}-{role.value.replace('_', '-')}"


def _demo_user(username: str, role: Role, password: str) -> object:
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@demo.invalid",
            "first_name": "Demo",
            "last_name": role.label,
        },
    )
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def _seed_area(spec: DemoArea, password: str) -> None:
    area, _ = Area.objects.get_or_create(
        ons_code=spec.ons_code, defaults={"name": spec.name, "region": spec.region}
    )
    agencies: dict[str, Agency] = {}
    for agency_type, suffix in DEMO_AGENCIES:
        agency, _ = Agency.objects.get_or_create(
            name=f"{spec.name.split()[0]} {suffix}", defaults={"agency_type": agency_type}
        )
        agency.areas.add(area)
        agencies[agency_type] = agency
    for role, agency_type in DEMO_ROLE_AGENCY.items():
        user = _demo_user(demo_username(spec.slug, role), role, password)
        Membership.objects.get_or_create(
            user=user, role=role, area=area, agency=agencies[agency_type]
        )
    practitioner = Membership.objects.get(
        user__username=demo_username(spec.slug, Role.PRACTITIONER), role=Role.PRACTITIONER
    )
    for index, (given, family, born) in enumerate(spec.young_people):
        person, _ = YoungPerson.objects.get_or_create(
            area=area, given_name=given, family_name=family, defaults={"date_of_birth": born}
        )
        if Referral.objects.filter(young_person=person).exists():
            continue
        referral = referral_create_draft(
            actor=practitioner.user,
            membership=practitioner,
            young_person=person,
            narrative=(
                f"Synthetic demonstration concern about {given} {family}: seen getting into "
                f"cars with unknown adults near the bus station; missing twice this month."
            ),
            screening_indicators=["going_missing", "hotspots_or_cars", "out_late"],
            exploitation_models=["gang_or_group"],
            immediate_danger=False,
            lawful_basis="safeguarding_public_task",
            consent="not_sought",
            consent_details="Seeking consent could put the young person at greater risk.",
        )
        if index % 2 == 0:  # leave some drafts, submit the rest
            referral = referral_submit(referral=referral, actor=practitioner.user)
        if index == 0:
            _demo_plan(referral, spec, agencies)
    seed_intelligence(
        area=area,
        police_lead=_member(spec, Role.POLICE_LEAD),
        coordinator=_member(spec, Role.COORDINATOR),
        police=agencies[AgencyType.POLICE],
    )
    seed_report_history(area=area, raiser=practitioner, agencies=list(agencies.values()))


def _member(spec: DemoArea, role: Role) -> Any:
    return Membership.objects.get(user__username=demo_username(spec.slug, role), role=role).user


def _demo_plan(referral: Referral, spec: DemoArea, agencies: dict[str, Agency]) -> None:
    """Take one demo referral through triage to a plan with a lead professional, an action,
    a missing episode and the statutory records, so every casework page has something to
    show."""
    coordinator = _member(spec, Role.COORDINATOR)
    lead = _member(spec, Role.LEAD_PROFESSIONAL)
    referral_transition(referral=referral, actor=coordinator, name="start_triage")
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="decide",
        inputs={"decision": "multi_agency_plan", "reason": "Demonstration: plan agreed."},
    )
    referral_transition(
        referral=referral,
        actor=coordinator,
        name="reassess_risk",
        inputs={"risk_level": "high", "reason": "Demonstration: seen in a suspect's car."},
    )
    referral_assign_lead(
        referral=referral,
        actor=coordinator,
        agency=agencies[AgencyType.HEALTH],
        lead_professional=lead,
    )
    action_add(
        referral=referral,
        actor=coordinator,
        action_type=ProtectiveActionType.objects.get(code="sexual_health"),
        owner=lead,
        due_on=timezone.localdate() + timedelta(days=7),
        detail="Demonstration: offer an appointment at the young people's clinic.",
    )
    missing_episode_start(
        referral=referral,
        actor=lead,
        started_at=timezone.now() - timedelta(days=1),
        reported_by="Demonstration: parent",
    )
    _demo_statutory(referral, coordinator, agencies)


def _demo_statutory(referral: Referral, coordinator: Any, agencies: dict[str, Agency]) -> None:
    """A strategy discussion that started a section 47 enquiry, and an NRM referral with its
    reasonable grounds decision, recorded as a coordinator would."""
    today = timezone.localdate()
    discussion = strategy_discussion_record(
        referral=referral,
        actor=coordinator,
        held_on=today - timedelta(days=10),
        agencies=[
            agencies[AgencyType.CHILDRENS_SOCIAL_CARE],
            agencies[AgencyType.POLICE],
            agencies[AgencyType.HEALTH],
        ],
        outcome="Demonstration: reasonable cause to suspect significant harm; enquiry agreed.",
        section_47=True,
    )
    section_47_record(
        referral=referral,
        actor=coordinator,
        started_on=today - timedelta(days=9),
        strategy_discussion=discussion,
    )
    nrm_referral_record(
        referral=referral,
        actor=coordinator,
        referred_on=today - timedelta(days=8),
        first_responder="Demonstration: the council's children's services",
        reasonable_grounds=NRMDecision.POSITIVE,
        reasonable_grounds_on=today - timedelta(days=3),
    )


def seed_demo(*, password: str) -> list[tuple[str, str]]:
    """Create the demo data if missing; returns (username, role) for every demo sign-in."""
    for spec in DEMO_AREAS:
        _seed_area(spec, password)
    analyst = _demo_user(NATIONAL_ANALYST_USERNAME, Role.NATIONAL_ANALYST, password)
    Membership.objects.get_or_create(user=analyst, role=Role.NATIONAL_ANALYST)
    sign_ins = [
        (demo_username(spec.slug, role), f"{role.label}, {spec.name}")
        for spec in DEMO_AREAS
        for role in DEMO_ROLE_AGENCY
    ]
    sign_ins.append((NATIONAL_ANALYST_USERNAME, Role.NATIONAL_ANALYST.label))
    return sign_ins
