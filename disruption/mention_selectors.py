"""Reads for turning a concern's mentions into records, shared by the mentions page and the
API: the lines of what the concern mentions, each with the link already made of it, and for
one line the area's records it may already be. For those who work the area's intelligence
and see the referral in full; anyone else is answered 404. The lines are the concern's own
words, so every read is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from referrals.audited_reads import records_seen
from referrals.models import Referral
from referrals.selectors import referral_for_casework

from .models import Link, LinkNature
from .selectors import intelligence_membership, links_for, mention_matches
from .services import mention_detail, mention_lines


@dataclass(frozen=True)
class MentionLine:
    number: int  # its place among all the concern's lines, from 0
    kind: str  # a MentionKind: person, place or vehicle
    line: str
    link: Link | None  # the link made of it, once it is recorded


@dataclass(frozen=True)
class Mentions:
    referral: Referral
    lines: list[MentionLine]
    links: list[Link]  # every link made of the concern's mentions, newest first


def referral_mentions(
    *, user: Any, reference: str, request: Any = None, record: bool = True
) -> Mentions:
    """The concern's mentions line by line; the referral and the links made of them are
    recorded as seen, unless `record` is False for a caller that shows only some of the lines
    and records those (`mention_lines_seen`)."""
    referral = referral_for_casework(user=user, reference=reference)
    if intelligence_membership(user=user, area_id=referral.area_id) is None:
        raise Http404("No such referral")
    done = list(links_for(user=user, referral=referral).filter(nature=LinkNature.MENTIONED))
    if record:
        records_seen(actor=user, records=[referral, *done], referral=referral, request=request)
    recorded = {link.detail: link for link in done}
    pairs = [(kind, line) for kind, rows in mention_lines(referral).items() for line in rows]
    lines = [
        MentionLine(number, kind, line, recorded.get(mention_detail(line)))
        for number, (kind, line) in enumerate(pairs)
    ]
    return Mentions(referral=referral, lines=lines, links=done)


def mention_lines_seen(
    *, user: Any, mentions: Mentions, lines: list[MentionLine], request: Any = None
) -> None:
    """Record a page of the lines as seen: the referral, and the links made of those lines."""
    links = [line.link for line in lines if line.link is not None]
    records_seen(
        actor=user, records=[mentions.referral, *links], referral=mentions.referral, request=request
    )


def mention_line(
    *, user: Any, mentions: Mentions, number: int, request: Any = None
) -> tuple[MentionLine, list[tuple[Any, str]]]:
    """One line (404 when the concern has no such line) and the area's records it may
    already be, with why, each recorded as seen."""
    if not 0 <= number < len(mentions.lines):
        raise Http404("No such line")
    chosen = mentions.lines[number]
    found = mention_matches(
        user=user, area_id=mentions.referral.area_id, kind=chosen.kind, line=chosen.line
    )
    records_seen(actor=user, records=[record for record, _ in found], request=request)
    return chosen, found
