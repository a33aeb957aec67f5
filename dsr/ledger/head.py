"""The chain's last event kept outside the ledger, so cutting off its end shows.

Whoever can write the database can delete the newest events and move the
``chain_head`` row back: the chain then looks whole. The head is therefore also
written to a file beside the SQLite ledger (``dsr.db.head``, owner-only) after
every commit that appended events, and ``dsr audit verify`` prints it, so a DPO
can note it in a third place. A head file that does not match the ledger is
copied to ``.mismatch`` before it is overwritten, so the next change does not
wipe out the evidence.

The file is written after the commit: a crash between the two leaves it one
step behind, which ``audit verify`` reports as "older" with that explanation.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.ledger.chain import CHAIN_HEAD_KEY, ChainHead
from dsr.ledger.schema import Event, LedgerMeta

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, last writer wins
    fcntl = None  # type: ignore[assignment]

HEAD_SUFFIX = ".head"
MISMATCH_SUFFIX = ".mismatch"


def head_path(ledger_path: Path) -> Path:
    """Where the head of an SQLite ledger is kept: beside it, ``NAME.head``."""
    return ledger_path.with_name(ledger_path.name + HEAD_SUFFIX)


def mismatch_path(path: Path) -> Path:
    return path.with_name(path.name + MISMATCH_SUFFIX)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[int]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


def _parse(text: str) -> ChainHead | None:
    try:
        data = json.loads(text)
        head = ChainHead(event_id=data["event_id"], hash=data["hash"])
    except (ValueError, KeyError, TypeError):
        return None
    if (head.event_id is not None and not isinstance(head.event_id, int)) or not isinstance(
        head.hash, str
    ):
        return None
    return head


def read_head_file(path: Path) -> ChainHead | str:
    """The head the file records; ``"missing"`` or ``"invalid"`` when it cannot say."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return "missing"
    except OSError:
        return "invalid"
    head = _parse(text)
    return head if head is not None else "invalid"


def _db_head(session: Session) -> ChainHead | None:
    raw = session.execute(
        select(LedgerMeta.value).where(LedgerMeta.key == CHAIN_HEAD_KEY)
    ).scalar_one_or_none()
    return ChainHead.load(raw) if raw is not None else None


def _event_hash(session: Session, event_id: int) -> str | None:
    return session.execute(select(Event.hash).where(Event.id == event_id)).scalar_one_or_none()


def write_head_file(path: Path, session: Session) -> None:
    """Record the ledger's current head in ``path``, under a lock so that two
    processes committing at once cannot leave the older head in the file."""
    with _locked(path) as fd:
        head = _db_head(session)
        if head is None:
            return
        old = _parse(os.pread(fd, 1 << 16, 0).decode("utf-8", "replace"))
        stale = old is not None and old.event_id is not None
        if stale and old is not None and _event_hash(session, old.event_id or 0) != old.hash:
            keep = mismatch_path(path)
            if not keep.exists():
                keep.write_text(old.dump() + "\n", encoding="utf-8")
                os.chmod(keep, 0o600)
        data = (head.dump() + "\n").encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)


@dataclass(frozen=True)
class HeadCheck:
    """What the head file says against the ledger; ``problem`` is None when they agree."""

    file: Path | None
    head: ChainHead | None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.file) if self.file is not None else None,
            "event_id": self.head.event_id if self.head else None,
            "hash": self.head.hash if self.head else None,
            "problem": self.problem,
        }


def check_head_file(path: Path | None, session: Session) -> HeadCheck:
    """Compare the ledger's end with the head file beside it (None: a server ledger)."""
    head = _db_head(session)
    if path is None:
        return HeadCheck(None, head)
    if mismatch_path(path).exists():
        return HeadCheck(
            path,
            head,
            f"an earlier head file did not match the ledger (kept as "
            f"{mismatch_path(path).name}): events were cut off or rewritten",
        )
    recorded = read_head_file(path)
    has_events = head is not None and head.event_id is not None
    if recorded == "missing":
        problem = f"the head file {path.name} is missing" if has_events else None
        return HeadCheck(path, head, problem)
    if not isinstance(recorded, ChainHead):
        return HeadCheck(path, head, f"the head file {path.name} is not a valid head record")
    if head is None:
        return HeadCheck(path, head, "the ledger has no chain head")
    if recorded.event_id is None:
        if has_events:
            return HeadCheck(path, head, f"the head file {path.name} is older than the ledger")
        return HeadCheck(path, head)
    stored = _event_hash(session, recorded.event_id)
    if stored is None:
        return HeadCheck(
            path,
            head,
            f"event {recorded.event_id}, the last one in {path.name}, is missing from the "
            "ledger: events were cut off its end",
        )
    if stored != recorded.hash:
        return HeadCheck(
            path, head, f"event {recorded.event_id} differs from the head file {path.name}"
        )
    if head.event_id != recorded.event_id:
        return HeadCheck(
            path,
            head,
            f"the head file {path.name} records event {recorded.event_id} but the ledger "
            f"ends at event {head.event_id}: events were added without updating it, or dsr "
            "was stopped right after a change (the next change rewrites the file)",
        )
    return HeadCheck(path, head)
