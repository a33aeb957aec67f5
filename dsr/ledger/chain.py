"""The audit trail as a SHA-256 hash chain, so that later tampering shows.

Each event's hash covers a canonical JSON (sorted keys, no spaces) of its
``prev_hash``, ``at``, ``actor``, ``action``, ``request_id`` and ``details``;
``prev_hash`` is the hash of the event before it (64 zeros for the first).
The ``chain_head`` row in ``ledger_meta`` records the last event's id and hash:
it is the lock that keeps concurrent writers from forking the chain, and it
shows when events were cut off the end or appended behind dsr's back.

Each event about a request also carries digests of that request's rows
(``dsr.ledger.state``), so edits of the rows show as well as edits of events;
the head is copied to a file outside the database (``dsr.ledger.head``).

Anyone who can write the database can rebuild the whole chain; the chain
catches edits, deletions and insertions, not a determined administrator. The
head file, and a head noted elsewhere, make even that show.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.errors import LedgerError, Problem
from dsr.ledger.schema import Event, LedgerMeta, utcnow
from dsr.ledger.state import STATE_DETAIL, request_states, state_key

GENESIS_HASH = "0" * 64
CHAIN_HEAD_KEY = "chain_head"
TOUCHED = "dsr_touched"
"""``Session.info`` key: requests whose rows this transaction changed since its last event."""
APPENDED = "dsr_appended"
"""``Session.info`` key: set when the transaction appended an event (the head file follows)."""


def canonical_json(value: Any) -> str:
    """The one byte-exact JSON form that hashes are computed over."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def format_at(at: datetime) -> str:
    """An event time as hashed: UTC, microseconds, ``+00:00``."""
    if at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    request_id: str | None,
    details: Mapping[str, Any],
) -> str:
    """The SHA-256 hex digest that links an event into the chain."""
    payload = {
        "prev_hash": prev_hash,
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "request_id": request_id,
        "details": details,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """The last event of the chain as recorded in ``ledger_meta``."""

    event_id: int | None
    hash: str

    def dump(self) -> str:
        return canonical_json({"event_id": self.event_id, "hash": self.hash})

    @classmethod
    def load(cls, text: str) -> ChainHead:
        data = json.loads(text)
        return cls(event_id=data["event_id"], hash=data["hash"])


GENESIS_HEAD = ChainHead(event_id=None, hash=GENESIS_HASH)


def lock_chain_head(session: Session) -> LedgerMeta:
    """Take the chain-head row with ``SELECT ... FOR UPDATE`` and return it.

    On PostgreSQL this row lock makes concurrent writers wait for each other
    until commit, so every event links to the one committed before it. SQLite
    has no row locks; there ``Ledger.session()`` begins with ``BEGIN IMMEDIATE``,
    which takes the database's write lock for the whole transaction.
    """
    row = session.execute(
        select(LedgerMeta)
        .where(LedgerMeta.key == CHAIN_HEAD_KEY)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise LedgerError(Problem("the ledger has no chain head; it is not a complete dsr ledger"))
    return row


def append_event(
    session: Session,
    *,
    actor: str,
    action: str,
    request_id: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """Add one event at the end of the chain, in the caller's transaction.

    ``details`` must be JSON (dates become ISO strings) and must not hold
    personal data. The event becomes visible, and the chain head moves, when
    the session commits; a rollback leaves the chain as it was.

    The event also records the digests of the rows of ``request_id`` and of
    every request this transaction changed before it (``dsr.ledger.state``),
    so make the changes first and append the event last.
    """
    try:
        clean = json.loads(canonical_json_default(dict(details or {})))
    except TypeError as exc:
        raise LedgerError(
            Problem(f"event '{action}': details must be JSON; cannot store a {exc}")
        ) from exc
    if at is not None and at.tzinfo is None:
        raise ValueError("event times must be timezone-aware")
    when = (at or utcnow()).astimezone(UTC)
    head_row = lock_chain_head(session)
    head = ChainHead.load(head_row.value)
    session.flush()
    touched: set[str] = set(session.info.pop(TOUCHED, None) or ())
    if request_id is not None:
        touched.add(request_id)
    key = state_key(session) if touched else None
    if key is not None:
        clean = {**clean, STATE_DETAIL: request_states(session, key, touched, create=True)}
    event = Event(
        request_id=request_id,
        at=when,
        actor=actor,
        action=action,
        details=clean,
        prev_hash=head.hash,
        hash=event_hash(
            prev_hash=head.hash,
            at=when,
            actor=actor,
            action=action,
            request_id=request_id,
            details=clean,
        ),
    )
    session.add(event)
    session.flush()
    head_row.value = ChainHead(event_id=event.id, hash=event.hash).dump()
    session.flush()
    session.info.pop(TOUCHED, None)
    session.info[APPENDED] = True
    return event


def canonical_json_default(value: Any) -> str:
    """Like ``canonical_json``, turning dates and datetimes into ISO strings."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default
    )


@dataclass(frozen=True)
class ChainReport:
    """What ``check_chain`` found: how many events, and the first break if any."""

    events: int
    broken_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_id is None

    def as_dict(self) -> dict[str, Any]:
        """What `dsr audit verify --json` prints, and the evidence bundle's chain check."""
        return {
            "intact": self.intact,
            "events": self.events,
            "broken_id": self.broken_id,
            "reason": self.reason,
        }


def check_chain(session: Session) -> ChainReport:
    """Walk the chain in id order and report the first event that does not fit.

    - an edited event: its stored hash no longer matches its content;
    - a deleted or inserted event: the next event's ``prev_hash`` does not link;
    - events cut off the end: the recorded head's event is missing;
    - events added behind dsr's back: events after the recorded head.
    """
    head_row = session.get(LedgerMeta, CHAIN_HEAD_KEY)
    head = ChainHead.load(head_row.value) if head_row is not None else None
    prev = GENESIS_HASH
    count = 0
    seen_head = head is not None and head.event_id is None
    rows = session.execute(
        select(
            Event.id,
            Event.at,
            Event.actor,
            Event.action,
            Event.request_id,
            Event.details,
            Event.prev_hash,
            Event.hash,
        )
        .order_by(Event.id)
        .execution_options(yield_per=1000)
    )
    for row in rows:
        count += 1
        if seen_head:
            return ChainReport(count, row.id, "event after the recorded end of the chain")
        if row.prev_hash != prev:
            return ChainReport(count, row.id, "does not link to the event before it")
        expected = event_hash(
            prev_hash=row.prev_hash,
            at=row.at,
            actor=row.actor,
            action=row.action,
            request_id=row.request_id,
            details=row.details,
        )
        if expected != row.hash:
            return ChainReport(count, row.id, "content changed after it was written")
        prev = row.hash
        if head is not None and row.id == head.event_id:
            if row.hash != head.hash:
                return ChainReport(count, row.id, "differs from the recorded end of the chain")
            seen_head = True
    if head is None:
        return ChainReport(count, 0, "the chain head record is missing")
    if not seen_head:
        return ChainReport(count, head.event_id, "the last recorded event is missing")
    return ChainReport(count)


def verify_chain(session: Session) -> int | None:
    """The id of the first broken event, or None when the chain is intact.

    When events were cut off the end, this is the id of the missing last event.
    ``check_chain`` gives the reason too.
    """
    return check_chain(session).broken_id
