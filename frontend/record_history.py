"""Field history beyond the referral itself: its casework records (protective actions, missing
episodes, information requests, lead professional assignments) and statutory records (strategy
discussions, section 47 enquiries, NRM referrals) for the "Changes to the record"
section of the case page, one read of each kind's rows and one of their history; and an area's
strategy profile, each answer labelled by its question."""

from __future__ import annotations

from typing import Any

from django.db import models

from audit.selectors import field_histories, field_history
from referrals.models import (
    InformationRequest,
    MissingEpisode,
    NRMReferral,
    ProtectiveAction,
    Referral,
    ReferralAssignment,
    Section47Enquiry,
    StrategyDiscussion,
)
from reports.models import StrategyProfile
from reports.profiles import QUESTIONS

# Labels for fields whose own names would read wrongly on a history line, by record.
HISTORY_LABELS: dict[tuple[type[models.Model], str], str] = {
    (ProtectiveAction, "action_type"): "Action",
    (ProtectiveAction, "detail"): "What will be done",
    (ProtectiveAction, "owner_agency"): "Owner's agency",
    (ProtectiveAction, "due_on"): "Due by",
    (ProtectiveAction, "completed_at"): "Done or cancelled on",
    (MissingEpisode, "started_at"): "Went missing",
    (MissingEpisode, "ended_at"): "Returned",
    (MissingEpisode, "interview_due_at"): "Return home interview due",
    (MissingEpisode, "interview"): "Return home interview",
    (MissingEpisode, "interview_on"): "Date of the return home interview",
    (MissingEpisode, "interview_summary"): "What the return home interview found",
    (MissingEpisode, "not_held_reason"): "Why no return home interview was held",
    (InformationRequest, "due_on"): "Due by",
    (InformationRequest, "answered_at"): "Answered on",
    (ReferralAssignment, "ended_at"): "Ended on",
    **{(StrategyProfile, q.field): q.text for q in QUESTIONS},
}


def _names(referral: Referral) -> dict[type[models.Model], dict[int, str]]:
    """Each casework record of the referral in words, by kind and id."""
    return {
        ProtectiveAction: {
            a.pk: f"the protective action ({a.action_type.label})"
            for a in ProtectiveAction.objects.filter(referral=referral).select_related(
                "action_type"
            )
        },
        MissingEpisode: {
            e.pk: f"the missing episode of {e.started_at:%-d %B %Y}"
            for e in MissingEpisode.objects.filter(referral=referral)
        },
        InformationRequest: {
            r.pk: f"the information request to {r.agency.name}"
            for r in InformationRequest.objects.filter(referral=referral).select_related("agency")
        },
        ReferralAssignment: {
            a.pk: f"the lead professional assignment of {a.agency.name}"
            for a in ReferralAssignment.objects.filter(referral=referral).select_related("agency")
        },
        StrategyDiscussion: {
            d.pk: f"the strategy discussion of {d.held_on:%-d %B %Y}"
            for d in StrategyDiscussion.objects.filter(referral=referral)
        },
        Section47Enquiry: {
            e.pk: f"the section 47 enquiry started on {e.started_on:%-d %B %Y}"
            for e in Section47Enquiry.objects.filter(referral=referral)
        },
        NRMReferral: {
            n.pk: f"the NRM referral of {n.referred_on:%-d %B %Y}"
            for n in NRMReferral.objects.filter(referral=referral)
        },
    }


def casework_history(*, referral: Referral) -> list[tuple[type[models.Model], dict[str, Any]]]:
    """Every change to the referral's casework records, each entry naming its record."""
    entries: list[tuple[type[models.Model], dict[str, Any]]] = []
    for model, names in _names(referral).items():
        for entry in field_histories(model=model, pks=names):
            entries.append((model, entry | {"record": names[entry["obj_id"]]}))
    return entries


def strategy_profile_history(*, profile: StrategyProfile | None) -> list[dict[str, Any]]:
    """Every change to the profile's answers, newest first; none before it exists."""
    if profile is None:
        return []
    return [entry | {"record": "the profile"} for entry in field_history(target=profile)]
