"""The keyed hash chain over audit events: canonical serialisation and hashing, shared by the
sealer (audit.services.audit_seal) and the verifier (audit.selectors.audit_chain_verify).

Each seal's hash is HMAC-SHA256, under AUDIT_CHAIN_KEY, over sorted-key JSON of its place in the
chain, the previous seal's hash, when it was sealed and every stored field of its event. The
database never holds the key, so whoever can write to it cannot forge a seal. The serialisation
is canonical for what PostgreSQL gives back, so a row read from the database hashes exactly as
it did when it was sealed: timestamps in UTC ISO format, IP addresses in Python's normal form,
and a float in `details` that jsonb gives back as an integer (2.0, 1e16) written as that
integer.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

GENESIS_HASH = "0" * 64
USER_AGENT_MAX_LENGTH = 512

# Every stored field of an event, in the order the sealer and the verifier read them.
EVENT_FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "membership_id",
    "action",
    "object_type",
    "object_id",
    "area_id",
    "ip_address",
    "user_agent",
    "reason",
    "details",
)
# What a seal adds to its event's fields.
SEAL_FIELDS = ("seq", "previous_hash", "sealed_at")


def clean_text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; an attacker-chosen username or user agent may."""
    return value.replace("\x00", "\ufffd")


# A NUL in a string is dumped as the escape \u0000; one preceded by an odd number of
# backslashes is not an escape but the text "\u0000" itself, and is left alone.
_ESCAPED_NUL = "\\u0000"
_UNESCAPED_NUL = re.compile(r"(?<!\\)((?:\\\\)*)\\u0000")


def details_json(details: Mapping[str, Any] | None) -> str:
    """`details` as the JSON text jsonb will store: dates and UUIDs become strings, and NUL
    (which jsonb refuses) becomes U+FFFD. One dump: this is on the path of every request."""
    if not details:
        return "{}"
    text = json.dumps(dict(details), cls=DjangoJSONEncoder, allow_nan=False)
    if _ESCAPED_NUL in text:
        text = _UNESCAPED_NUL.sub(r"\1\\ufffd", text)
    return text


def normalise_ip(value: str | None) -> str | None:
    """The address in one normal form, or None when it is not an IP address.

    IPv4-mapped IPv6 addresses become IPv4 and zone ids are dropped: PostgreSQL's inet type
    prints neither the way Python does.
    """
    if not value:
        return None
    try:
        address = ipaddress.ip_address(value.strip().split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _number(value: int | float) -> str:
    if isinstance(value, int):
        return str(value)
    exact = Decimal(repr(value))
    if not exact.is_finite():
        raise ValueError("audit details cannot hold NaN or infinity")
    if exact == exact.to_integral_value():
        return str(int(exact))  # as jsonb gives back 2.0, 1e16 and -0.0: 2, the integer, 0
    digits = len(exact.as_tuple().digits)
    return str(exact.normalize(Context(prec=max(digits, 28))))


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        items: Any = value.values()
    elif isinstance(value, list | tuple):
        items = value
    else:
        return False
    # The types are gathered in one pass at C speed: this runs for every event sealed.
    kinds = set(map(type, items))
    if float in kinds:
        return True
    if kinds.isdisjoint(_CONTAINERS):
        return False
    return any(_has_float(item) for item in items if type(item) in _CONTAINERS)


_CONTAINERS = frozenset({dict, list, tuple})


def canonical_json(value: Any) -> str:
    """Sorted-key, whitespace-free JSON with each number in one normal form."""
    if not _has_float(value):  # the common case: json's own output is already canonical
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    if value is None or isinstance(value, bool | str):
        return json.dumps(value)
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, Mapping):
        items = sorted((str(key), item) for key, item in value.items())
        return "{" + ",".join(f"{json.dumps(k)}:{canonical_json(v)}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(canonical_json(item) for item in value) + "]"
    raise TypeError(f"cannot hash a value of type {type(value).__name__}")


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("audit timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat()


def chain_key() -> bytes:
    """The key seals and checkpoints are made under: from the environment, never the database."""
    key: str = getattr(settings, "AUDIT_CHAIN_KEY", "")
    if not key:
        raise ImproperlyConfigured("AUDIT_CHAIN_KEY must be set to seal or verify the audit trail")
    return key.encode()


def keyed_hash(kind: str, payload: Mapping[str, Any]) -> str:
    """HMAC-SHA256 of `payload`; `kind` keeps a seal from ever passing as a checkpoint."""
    message = canonical_json({"kind": kind, **payload}).encode()
    return hmac.digest(chain_key(), message, hashlib.sha256).hex()


def seal_hash(
    event: Mapping[str, Any], *, seq: int, previous_hash: str, sealed_at: datetime
) -> str:
    """The hash of one seal, given its event's EVENT_FIELDS as stored."""
    payload = {name: event[name] for name in EVENT_FIELDS}
    payload["created_at"] = _timestamp(payload["created_at"])
    payload["ip_address"] = normalise_ip(payload["ip_address"])
    payload.update(seq=seq, previous_hash=previous_hash, sealed_at=_timestamp(sealed_at))
    return keyed_hash("seal", payload)


def checkpoint_hash(*, seq: int, head_hash: str, written_at: str) -> str:
    return keyed_hash("checkpoint", {"seq": seq, "head_hash": head_hash, "written_at": written_at})


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
