"""The chain's anchors: signed checkpoints of its head, kept outside the database.

A checkpoint is one JSON line (seal number, head hash, time, HMAC under the chain key) appended
to the file at AUDIT_CHECKPOINT_PATH, which belongs on storage the database's administrators
cannot rewrite (another host, or object storage with retention). Whoever removes the newest
seals from the database cannot remove them from here, so audit_verify finds the cut.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .chain import checkpoint_hash, same_hash

# The tail read to find the newest checkpoint: far longer than one line.
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head_hash: str
    written_at: str
    hmac: str

    @property
    def signed(self) -> bool:
        expected = checkpoint_hash(
            seq=self.seq, head_hash=self.head_hash, written_at=self.written_at
        )
        return same_hash(expected, self.hmac)


class UnreadableCheckpoint(ValueError):
    """A line of the store that is not a checkpoint."""


def store_path() -> Path | None:
    path = getattr(settings, "AUDIT_CHECKPOINT_PATH", None)
    return Path(path) if path else None


def append_checkpoint(*, seq: int, head_hash: str) -> Checkpoint:
    path = store_path()
    if path is None:
        raise RuntimeError("AUDIT_CHECKPOINT_PATH is not set: there is nowhere to anchor the chain")
    written_at = timezone.now().isoformat()
    checkpoint = Checkpoint(
        seq=seq,
        head_hash=head_hash,
        written_at=written_at,
        hmac=checkpoint_hash(seq=seq, head_hash=head_hash, written_at=written_at),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(asdict(checkpoint), sort_keys=True) + "\n").encode()
    # One write to a file opened for appending: never interleaved with another writer's line.
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(descriptor, line)
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return checkpoint


def _parse(line: str, number: int) -> Checkpoint:
    try:
        fields = json.loads(line)
        return Checkpoint(
            seq=int(fields["seq"]),
            head_hash=str(fields["head_hash"]),
            written_at=str(fields["written_at"]),
            hmac=str(fields["hmac"]),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise UnreadableCheckpoint(f"line {number} of the checkpoint store: {error}") from error


def checkpoints() -> Iterator[Checkpoint]:
    """Every checkpoint, oldest first; raises UnreadableCheckpoint at a line that is not one."""
    path = store_path()
    if path is None or not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield _parse(line, number)


def last_checkpoint() -> Checkpoint | None:
    path = store_path()
    if path is None or not path.exists():
        return None
    with path.open("rb") as store:
        store.seek(max(0, store.seek(0, os.SEEK_END) - _TAIL_BYTES))
        lines = [line for line in store.read().decode("utf-8", "replace").splitlines() if line]
    return _parse(lines[-1], 0) if lines else None
