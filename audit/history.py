"""Who made a change, for field-level history (django-pghistory).

Requests get this from pghistory's HistoryMiddleware (the signed-in user and the URL). Work done
outside a request (Celery tasks, management commands) wraps its writes in `history_context`.
"""

from __future__ import annotations

from typing import Any

import pghistory


def history_context(actor: Any, **metadata: Any) -> pghistory.context:
    """Attach `actor` (and any extra metadata) to every tracked change made inside the block:

        with history_context(actor), transaction.atomic():
            ...

    Inside an enclosing context (a request), it adds to that context instead.
    """
    user_id = actor.pk if actor is not None and actor.is_authenticated else None
    return pghistory.context(user=user_id, **metadata)
