"""What each step of the referral workflow does besides moving the referral, declared once
per transition of `referrals.models.Referral`: the timeline event it writes, the rows it writes
beside the referral (in the same transaction) and who is told of it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Protocol

from . import follow_ups
from .models import Referral, ReferralEventType


class FollowUp(Protocol):
    def __call__(self, *, referral: Referral, actor: Any, inputs: dict[str, str]) -> None: ...


@dataclass(frozen=True)
class StepEffects:
    transition: str  # the name of the django-fsm transition on Referral
    event: ReferralEventType  # the timeline event the step writes
    follow_up: FollowUp | None = None  # rows written beside the referral, same transaction
    # Functions of notifications.producers, by name (that app imports this one, not the
    # reverse), each called with the referral and the actor once the step is taken.
    notify: tuple[str, ...] = ()


STEPS: tuple[StepEffects, ...] = (
    StepEffects(
        "submit",
        ReferralEventType.SUBMITTED,
        notify=("concern_submitted", "concern_acknowledged", "concern_out_of_hours"),
    ),
    StepEffects("withdraw", ReferralEventType.WITHDRAWN),
    StepEffects("start_triage", ReferralEventType.TRIAGE_STARTED),
    StepEffects("decide", ReferralEventType.DECIDED, notify=("referral_decided",)),
    StepEffects("close", ReferralEventType.CLOSED, notify=("referral_closed",)),
    StepEffects("reopen", ReferralEventType.REOPENED),
    StepEffects("set_rag", ReferralEventType.RAG_SET, notify=("concern_rated_red",)),
    StepEffects(
        "assign_lead",
        ReferralEventType.LEAD_ASSIGNED,
        follow_up=follow_ups.assign_lead,
        notify=("lead_assigned",),
    ),
    StepEffects(
        "request_information",
        ReferralEventType.INFORMATION_REQUESTED,
        follow_up=follow_ups.request_information,
        notify=("information_requested",),
    ),
    StepEffects("review", ReferralEventType.REVIEWED),
    StepEffects("reassess_risk", ReferralEventType.RISK_REASSESSED),
    StepEffects("transfer", ReferralEventType.TRANSFER_REQUESTED, notify=("transfer_offered",)),
    StepEffects(
        "accept_transfer",
        ReferralEventType.TRANSFER_ACCEPTED,
        follow_up=follow_ups.accept_transfer,
        notify=("transfer_accepted", "referral_closed"),
    ),
    StepEffects(
        "decline_transfer", ReferralEventType.TRANSFER_DECLINED, notify=("transfer_declined",)
    ),
    StepEffects(
        "merge",
        ReferralEventType.MERGED,
        follow_up=follow_ups.merge,
        notify=("referral_merged",),
    ),
)

STEP_EFFECTS: Mapping[str, StepEffects] = MappingProxyType({s.transition: s for s in STEPS})
