"""Digests of the ledger's rows, so the audit covers what the events are about.

The hash chain proves the events were not changed, but a request's status, due
date or identifiers, a plan's body or a document's checksum live in their own
rows. So every event about a request also records, in ``details["state"]``, a
digest of each field of the request, of each of its identifiers, plans and
documents as they are *after* the change. The event hash covers those digests;
``dsr audit verify`` recomputes them from the rows and compares with the last
event that recorded each request. A field edited, a row deleted or added behind
dsr's back no longer matches.

Digests are keyed (HMAC-SHA256), shortened to 64 bits, and cover the table, the
row id and the field name, so values cannot be moved between rows unnoticed.
Each request has its own random key in ``ledger_meta`` (``audit verify`` must work
with the database alone), and pseudonymising a request replaces its key
(``forget_request_key``): the digests in events written before hold the e-mail
address as it was, and with the key gone nobody holding a copy of the ledger can
test a guessed address against them. Only the latest event of a request is ever
compared with its rows, so the old digests are not needed. The ledger-wide
``state_key`` serves requests recorded before keys were per request.

Ledgers written before this existed get a one-time ``ledger.baseline`` event
per request (``record_baseline``): changes made before it cannot be detected,
changes after it can.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from dsr.ledger.schema import Document, Event, LedgerMeta, Plan, Request, RequestIdentifier

STATE_KEY = "state_key"
"""``ledger_meta`` key of the random secret the row digests are keyed with."""
BASELINE_KEY = "state_baseline"
"""``ledger_meta`` key saying when an older ledger's rows were first recorded."""
STATE_DETAIL = "state"
"""The event details key holding the digests."""
BASELINE_ACTION = "ledger.baseline"

_REQUESTS: Table = Request.__table__  # type: ignore[assignment]
_IDENTIFIERS: Table = RequestIdentifier.__table__  # type: ignore[assignment]
_PLANS: Table = Plan.__table__  # type: ignore[assignment]
_DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]

RequestState = dict[str, Any]
"""``{"request": {field: d}, "identifiers": {id: d}, "plans": {id: {field: d}},
"documents": {id: {field: d}}}``; ``None`` stands for a request that no longer exists."""


def without_state(details: dict[str, Any] | None) -> dict[str, Any]:
    """An event's details as people (and tests) read them: without the row digests,
    which only ``dsr audit verify`` needs."""
    return {k: v for k, v in (details or {}).items() if k != STATE_DETAIL}


def new_state_key() -> str:
    return secrets.token_hex(32)


def state_key(session: Session) -> bytes | None:
    """The ledger's digest key, or None for a ledger older than row digests."""
    row = session.get(LedgerMeta, STATE_KEY)
    return bytes.fromhex(row.value) if row is not None else None


REQUEST_KEY = "state_key:"
"""``ledger_meta`` key prefix of a request's own digest key (``state_key:2026-0001``)."""


def request_key(session: Session, master: bytes, request_id: str, *, create: bool) -> bytes:
    """The key a request's digests are made with: its own, made at its first event
    (``create``), else the ledger-wide one it was recorded with before."""
    row = session.get(LedgerMeta, REQUEST_KEY + request_id)
    if row is None:
        if not create:
            return master
        row = LedgerMeta(key=REQUEST_KEY + request_id, value=new_state_key())
        session.add(row)
    return bytes.fromhex(row.value)


def forget_request_key(session: Session, request_id: str) -> None:
    """A new key for the request, the old one gone: what earlier events' digests were
    made with can no longer be tested against guessed values (pseudonymisation)."""
    row = session.get(LedgerMeta, REQUEST_KEY + request_id)
    if row is None:
        session.add(LedgerMeta(key=REQUEST_KEY + request_id, value=new_state_key()))
    else:
        row.value = new_state_key()


def _plain(value: Any) -> Any:
    """A value as hashed: the same whether it comes from Python or back from the database."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _digest(key: bytes, table: str, row_id: Any, field: str, value: Any) -> str:
    payload = json.dumps(
        [table, str(row_id), field, _plain(value)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _fields(key: bytes, table: Table, row: Any, skip: tuple[str, ...] = ("id",)) -> dict[str, str]:
    mapping = row._mapping
    return {
        c.name: _digest(key, table.name, mapping["id"], c.name, mapping[c.name])
        for c in table.columns
        if c.name not in skip
    }


def request_states(
    session: Session,
    master: bytes,
    request_ids: Iterable[str] | None = None,
    *,
    create: bool = False,
) -> dict[str, RequestState | None]:
    """The digests of each request's rows as the database holds them now.

    ``request_ids=None`` means every request (for ``audit verify``). Reads with
    Core, not the ORM, so the values come from the database exactly as a later
    check will read them, not as Python objects that were assigned.
    """
    wanted = None if request_ids is None else sorted(set(request_ids))
    if wanted == []:
        return {}

    def rows(table: Table, column: str) -> Any:
        query = select(table)
        if wanted is not None:
            query = query.where(table.c[column].in_(wanted))
        return session.execute(query.order_by(table.c.id))

    states: dict[str, RequestState | None] = dict.fromkeys(wanted or (), None)
    keys: dict[str, bytes] = {}

    def key_of(rid: str) -> bytes:
        if rid not in keys:
            keys[rid] = request_key(session, master, rid, create=create)
        return keys[rid]

    for row in rows(_REQUESTS, "id"):
        states[row.id] = {
            "request": _fields(key_of(row.id), _REQUESTS, row),
            "identifiers": {},
            "plans": {},
            "documents": {},
        }
    for row in rows(_IDENTIFIERS, "request_id"):
        state = states.get(row.request_id)
        if state is not None:
            row_id = row._mapping["id"]
            state["identifiers"][str(row_id)] = _digest(
                key_of(row.request_id),
                _IDENTIFIERS.name,
                row_id,
                "row",
                [row.request_id, row.kind, row.value, row.normalised],
            )
    for table, part in ((_PLANS, "plans"), (_DOCUMENTS, "documents")):
        for row in rows(table, "request_id"):
            state = states.get(row.request_id)
            if state is not None:
                state[part][str(row._mapping["id"])] = _fields(
                    key_of(row.request_id), table, row
                )
    return states


def touched_requests(objects: Iterable[object]) -> set[str]:
    """The requests whose rows these ORM objects (new, changed or deleted) belong to."""
    found: set[str] = set()
    for obj in objects:
        if isinstance(obj, Request):
            found.add(obj.id)
        elif isinstance(obj, RequestIdentifier | Plan | Document):
            rid = obj.request_id
            if rid is None and obj.request is not None:
                rid = obj.request.id
            if rid is not None:
                found.add(rid)
    return {r for r in found if r}


# --- checking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateProblem:
    """One row that does not match its last event; names ids and fields, never values."""

    request_id: str
    what: str
    event_id: int | None

    def __str__(self) -> str:
        since = f" (last recorded by event {self.event_id})" if self.event_id else ""
        return f"request {self.request_id}: {self.what}{since}"

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request_id, "problem": self.what, "event": self.event_id}


_FIELD_NAMES = {
    "due": "due date",
    "received": "received date",
    "target": "target date",
    "plan_hash": "plan hash",
    "sha256": "document hash",
    "path": "document path",
    "body": "plan body",
    "request_id": "request id",
}


def _changed_fields(recorded: dict[str, str], current: dict[str, str]) -> list[str]:
    names = sorted(set(recorded) | set(current))
    return [_FIELD_NAMES.get(n, n) for n in names if recorded.get(n) != current.get(n)]


def _compare(
    rid: str, recorded: RequestState, current: RequestState, event_id: int
) -> list[StateProblem]:
    found: list[StateProblem] = []

    def say(what: str) -> None:
        found.append(StateProblem(rid, what, event_id))

    changed = _changed_fields(recorded.get("request", {}), current["request"])
    if changed:
        say(f"{', '.join(changed)} changed")
    old_ids, new_ids = recorded.get("identifiers", {}), current["identifiers"]
    for ident in sorted(set(old_ids) - set(new_ids), key=int):
        say(f"identifier {ident} deleted")
    for ident in sorted(set(new_ids) - set(old_ids), key=int):
        say(f"identifier {ident} added without an event")
    for ident in sorted(set(old_ids) & set(new_ids), key=int):
        if old_ids[ident] != new_ids[ident]:
            say(f"identifier {ident} changed")
    for part, noun in (("plans", "plan"), ("documents", "document")):
        old_rows, new_rows = recorded.get(part, {}), current[part]
        for row_id in sorted(set(old_rows) - set(new_rows), key=int):
            say(f"{noun} {row_id} deleted")
        for row_id in sorted(set(new_rows) - set(old_rows), key=int):
            say(f"{noun} {row_id} added without an event")
        for row_id in sorted(set(old_rows) & set(new_rows), key=int):
            changed = _changed_fields(old_rows[row_id], new_rows[row_id])
            if changed:
                say(f"{noun} {row_id}: {', '.join(changed)} changed")
    return found


def recorded_states(session: Session) -> dict[str, tuple[int, RequestState | None]]:
    """For each request, the last event that recorded its state and that state."""
    latest: dict[str, tuple[int, RequestState | None]] = {}
    rows = session.execute(
        select(Event.id, Event.details).order_by(Event.id).execution_options(yield_per=1000)
    )
    for event_id, details in rows:
        state = details.get(STATE_DETAIL) if isinstance(details, dict) else None
        if isinstance(state, dict):
            for rid, value in state.items():
                latest[rid] = (event_id, value if isinstance(value, dict) else None)
    return latest


def check_state(session: Session) -> list[StateProblem]:
    """Every request, identifier, plan and document row that differs from its last event.

    A request without any event recording it, a request an event recorded that
    is gone, and events pointing at a request that does not exist are reported
    too. An empty list means the rows are as dsr last wrote them.
    """
    key = state_key(session)
    if key is None:
        return [StateProblem("-", "the ledger has no row digests yet (no baseline)", None)]
    latest = recorded_states(session)
    current = request_states(session, key)
    problems: list[StateProblem] = []
    for rid in sorted(set(current) | set(latest)):
        now = current.get(rid)
        event_id, recorded = latest.get(rid, (None, None))
        if now is None and rid in latest and recorded is not None:
            problems.append(StateProblem(rid, "the request was deleted", event_id))
        elif now is not None and event_id is None:
            problems.append(StateProblem(rid, "the request has no event recording it", None))
        elif now is not None and recorded is None:
            problems.append(
                StateProblem(rid, "the request exists, its last event recorded it gone", event_id)
            )
        elif now is not None and recorded is not None and event_id is not None:
            problems.extend(_compare(rid, recorded, now, event_id))
    orphans = session.execute(
        select(Event.request_id, Event.id)
        .where(Event.request_id.is_not(None), Event.request_id.not_in(select(_REQUESTS.c.id)))
        .order_by(Event.id)
    ).all()
    reported = {p.request_id for p in problems if p.what == "the request was deleted"}
    for orphan, event_id in orphans:
        if orphan is not None and orphan not in reported:
            reported.add(orphan)
            what = f"event {event_id} refers to a missing request"
            problems.append(StateProblem(orphan, what, None))
    return problems
