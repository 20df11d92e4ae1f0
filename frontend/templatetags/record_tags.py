"""Tag colours of a referral's status and RAG rating, as the case page shows them."""

from __future__ import annotations

from django import template

from frontend.case_page import RAG_COLOURS, STATE_COLOURS
from referrals.models import Rag, ReferralState

register = template.Library()


@register.filter
def state_colour(state: str) -> str:
    return STATE_COLOURS.get(ReferralState(state), "grey")


@register.filter
def rag_colour(rag: str) -> str:
    return RAG_COLOURS.get(Rag(rag), "grey")
