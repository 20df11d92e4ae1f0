"""Reads of the statutory steps beside a referral (strategy discussions, section 47 enquiries,
NRM referrals), scoped as the rest of the case is: only those who see the referral in full
(`referral_full_q`) see them, and the scope is part of each query, so a caller that forgot
to check the referral first still gets nothing it may not see."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, Prefetch, QuerySet
from django.http import Http404

from agencies.models import Agency

from .models import NRMReferral, Referral, Section47Enquiry, StrategyDiscussion
from .selectors import referral_full_q


def _seen_in_full(user: Any) -> QuerySet[Referral]:
    return Referral.objects.filter(referral_full_q(user=user))


def strategy_discussions_for(*, user: Any, referral: Referral) -> QuerySet[StrategyDiscussion]:
    """Newest first, each with its agencies (one more query for all of them)."""
    return (
        StrategyDiscussion.objects.filter(referral=referral, referral__in=_seen_in_full(user))
        .select_related("recorded_by")
        .prefetch_related(Prefetch("agencies", queryset=Agency.objects.order_by("name")))
        .order_by("-held_on", "-id")
    )


def section_47_enquiries_for(*, user: Any, referral: Referral) -> QuerySet[Section47Enquiry]:
    return (
        Section47Enquiry.objects.filter(referral=referral, referral__in=_seen_in_full(user))
        .select_related("strategy_discussion", "recorded_by")
        .order_by("-started_on", "-id")
    )


def nrm_referrals_for(*, user: Any, referral: Referral) -> QuerySet[NRMReferral]:
    return (
        NRMReferral.objects.filter(referral=referral, referral__in=_seen_in_full(user))
        .select_related("recorded_by")
        .order_by("-referred_on", "-id")
    )


T = TypeVar("T", bound=Model)


def _one(rows: QuerySet[T], pk: int) -> T:
    found = rows.filter(pk=pk).first()
    if found is None:
        raise Http404("No such record on this referral")
    return found


def strategy_discussion_get(*, user: Any, referral: Referral, pk: int) -> StrategyDiscussion:
    return _one(strategy_discussions_for(user=user, referral=referral), pk)


def section_47_enquiry_get(*, user: Any, referral: Referral, pk: int) -> Section47Enquiry:
    return _one(section_47_enquiries_for(user=user, referral=referral), pk)


def nrm_referral_get(*, user: Any, referral: Referral, pk: int) -> NRMReferral:
    return _one(nrm_referrals_for(user=user, referral=referral), pk)


def strategy_discussion_choices(*, user: Any, referral: Referral) -> QuerySet[StrategyDiscussion]:
    """The discussions that decided on a section 47 enquiry: those an enquiry can start from."""
    return strategy_discussions_for(user=user, referral=referral).filter(section_47=True)
