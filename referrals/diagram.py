"""The referral state diagram in Mermaid, generated from the workflow declared on the model."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from .models import ReferralState
from .workflow import declared_transitions

DIAGRAM_PATH = Path(settings.BASE_DIR) / "docs" / "referral-states.md"


def _targets(transition: object, source: str) -> list[str]:
    target = getattr(transition, "target", None)
    if target is None:  # a step that records something and leaves the state as it is
        return [source]
    if isinstance(target, str):
        return [target]
    return list(getattr(target, "allowed_states", []) or [])  # RETURN_VALUE: its choices


def state_diagram() -> str:
    lines = [
        "# Referral states",
        "",
        "Generated from `referrals/models.py` by `manage.py referral_state_diagram`;",
        "a test fails when this file and the code disagree.",
        "",
        "```mermaid",
        "stateDiagram-v2",
        f"    [*] --> {ReferralState.DRAFT}",
    ]
    edges = sorted(
        {
            (source, target, transition.name)
            for transition in declared_transitions()
            for source in (
                [transition.source] if isinstance(transition.source, str) else transition.source
            )
            for target in _targets(transition, source)
        }
    )
    lines += [f"    {source} --> {target}: {name}" for source, target, name in edges]
    lines += ["```", ""]
    return "\n".join(lines)
