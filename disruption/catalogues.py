"""An area's disruption tactics: the national catalogue (read-only; the area chooses which
tactics it uses) and the area's own, kept by its area administrators under the rules of
referrals.catalogues."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from agencies.dates import EXPIRY_DATE
from agencies.models import Area, User
from referrals.catalogues import entry_add

from .models import DisruptionTactic, TacticCategory

LEGAL_POWER_CAP = 300
# The longest an order or notice may usually run: as far as an expiry date may lie ahead.
DURATION_DAYS_MAX = (EXPIRY_DATE.years_ahead or 25) * 365


def tactic_add(
    *,
    actor: User,
    area: Area,
    label: str,
    category: str,
    legal_power: str = "",
    expires: bool = False,
    default_duration_days: int | None = None,
) -> DisruptionTactic:
    """Add an area's own tactic. An order or notice that lapses (`expires`) may say how long
    it usually runs, so its expiry is proposed when it is issued."""
    if category not in TacticCategory.values:
        raise ValidationError({"category": "Choose what kind of tactic it is"})
    legal_power = " ".join((legal_power or "").split())
    if len(legal_power) > LEGAL_POWER_CAP:
        raise ValidationError(
            {"legal_power": f"Enter a legal power of {LEGAL_POWER_CAP} characters or fewer"}
        )
    if not expires:
        default_duration_days = None
    elif default_duration_days is not None and not 1 <= default_duration_days <= DURATION_DAYS_MAX:
        raise ValidationError(
            {"default_duration_days": f"Enter a number of days from 1 to {DURATION_DAYS_MAX}"}
        )
    return entry_add(
        DisruptionTactic,
        actor=actor,
        area=area,
        label=label,
        category=category,
        legal_power=legal_power,
        expires=expires,
        default_duration_days=default_duration_days,
    )
