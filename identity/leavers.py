"""The leaver check: every few minutes, each sign-in through an agency's provider spends its
refresh token there. A provider refuses the grant of an account it disabled or whose sessions
it revoked, and that person is then signed out everywhere here, as a back-channel logout
would; a provider that cannot be reached is not a leaver signal and is asked again next time.

The HTTP call is made with no transaction open and no lock held: each sign-in is taken for
the call by a short lease (`checking_until`), so two checks never spend one token (a rotated
token spent twice would be refused, and read as a leaver).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from agencies.services import user_sign_out_everywhere

from . import protocol
from .models import ProviderSession
from .sealing import seal, unseal

LEASE = timedelta(minutes=2)  # longer than a refresh can take (protocol.HTTP_TIMEOUT_SECONDS)
# A sign-in is checked for this long (a working day), or until the person is signed out
# everywhere; after it, their leaving is learnt from SCIM or a back-channel logout.
KEPT_FOR = timedelta(hours=12)


@dataclass(frozen=True)
class LeaverCheck:
    checked: int  # sign-ins the provider still stands behind
    signed_out: tuple[int, ...]  # people (pk) signed out: their provider refused
    unanswered: int  # the provider could not be asked: tried again next time
    forgotten: int  # sign-ins with nothing left to check


def provider_sessions_check() -> LeaverCheck:
    forgotten = _forget_finished()
    checked, unanswered, signed_out = 0, 0, list[int]()
    due = ProviderSession.objects.exclude(refresh_token="").order_by("pk")
    for pk in list(due.values_list("pk", flat=True)):
        session = _take(pk)
        if session is None:
            continue
        user = session.identity.user
        if not user.is_active or session.session_epoch != user.session_epoch:
            continue  # signed out everywhere meanwhile: forgotten next time
        token = unseal(session.refresh_token)
        if not token:  # sealed under a key since retired: nothing to spend
            ProviderSession.objects.filter(pk=pk).update(refresh_token="", checking_until=None)
            continue
        try:
            kept = protocol.refresh(provider=session.identity.provider, refresh_token=token)
        except protocol.GrantRefused as exc:
            user_sign_out_everywhere(
                user=user,
                actor=user,
                because={
                    "failed_refresh": session.identity.provider.agency.name,
                    "reason": exc.reason[:300],
                },
            )
            signed_out.append(user.pk)
            continue
        except protocol.ProviderError:
            unanswered += 1
            ProviderSession.objects.filter(pk=pk).update(checking_until=None)
            continue
        checked += 1
        ProviderSession.objects.filter(pk=pk).update(
            refresh_token=seal(kept), checked_at=timezone.now(), checking_until=None
        )
    return LeaverCheck(
        checked=checked, signed_out=tuple(signed_out), unanswered=unanswered, forgotten=forgotten
    )


def _forget_finished() -> int:
    """Sign-ins whose sessions are all gone: the person was signed out everywhere or
    deactivated since, or the sign-in is older than KEPT_FOR."""
    finished = ProviderSession.objects.filter(
        Q(identity__user__is_active=False)
        | ~Q(session_epoch=F("identity__user__session_epoch"))
        | Q(signed_in_at__lt=timezone.now() - KEPT_FOR)
    )
    return finished.delete()[0]


def _take(pk: int) -> ProviderSession | None:
    """The sign-in, leased to this check for the call; None when another check holds it."""
    now = timezone.now()
    taken = (
        ProviderSession.objects.filter(pk=pk)
        .filter(Q(checking_until__isnull=True) | Q(checking_until__lt=now))
        .update(checking_until=now + LEASE)
    )
    if not taken:
        return None
    return (
        ProviderSession.objects.select_related("identity__user", "identity__provider__agency")
        .filter(pk=pk)
        .first()
    )
