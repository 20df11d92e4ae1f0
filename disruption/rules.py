"""Who may open the intelligence pages (object-level scope is in selectors)."""

from __future__ import annotations

import rules

from agencies.models import Role
from agencies.rules import has_role

rules.add_perm("disruption.view_intelligence", has_role(Role.COORDINATOR, Role.POLICE_LEAD))
rules.add_perm("disruption.view_meetings", has_role(Role.COORDINATOR, Role.POLICE_LEAD))
