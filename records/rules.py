"""Who may open the records management pages (the area's scope is in records.selectors)."""

from __future__ import annotations

import rules

from agencies.models import Role
from agencies.rules import has_role

from .selectors import HOLD_READERS, SCHEDULE_READERS

rules.add_perm("records.view_schedule", has_role(*SCHEDULE_READERS))
rules.add_perm("records.review_retention", has_role(Role.COORDINATOR, Role.POLICE_LEAD))
rules.add_perm("records.view_legal_holds", has_role(*HOLD_READERS))
