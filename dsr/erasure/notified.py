"""What the ledger records of the recipients told about an erasure (Art. 19).

``dsr request notified`` appends an ``erasure.recipient_notified`` event per recipient
told (or not told, with the reason); this module reads those events back onto a plan's
recipient tasks. It is kept apart from ``erasure.recipients`` (which plans the tasks and
records the events) because `dsr overdue`, run by cron, needs only this reading and
must not load the lookup engine to do it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.clock import today_berlin
from dsr.erasure.model import ErasurePlan
from dsr.erasure.store import StoredPlan
from dsr.ledger import Event

EVENT = "erasure.recipient_notified"
"""The audit event that records a recipient as told (or why it could not be told)."""

RecipientStatus = Literal["open", "late", "done", "not_possible"]
"""``open``: not told yet; ``late``: not told and past its due date; ``done``: told on
``on``; ``not_possible``: not told, for the recorded ``reason`` (Art. 19 s.1)."""


@dataclass(frozen=True)
class RecipientState:
    """A recipient task with what the ledger records about it."""

    recipient: str
    sources: tuple[str, ...]
    due: date
    status: RecipientStatus
    on: date | None = None
    reason: str | None = None

    @property
    def pending(self) -> bool:
        return self.status in ("open", "late")

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "sources": list(self.sources),
            "due": self.due.isoformat(),
            "status": self.status,
            "on": self.on.isoformat() if self.on else None,
            "reason": self.reason,
        }


def _records(session: Session, request_ids: Sequence[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last ``EVENT`` per (plan hash, recipient): a later record corrects an earlier."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    rows = session.execute(
        select(Event.details)
        .where(Event.request_id.in_(list(request_ids)), Event.action == EVENT)
        .order_by(Event.id)
    )
    for (details,) in rows:
        if isinstance(details, dict) and details.get("plan_hash") and details.get("recipient"):
            found[(str(details["plan_hash"]), str(details["recipient"]))] = details
    return found


def states_of(
    plan_hash: str,
    plan: ErasurePlan,
    records: dict[tuple[str, str], dict[str, Any]],
    today: date,
) -> list[RecipientState]:
    """The plan's recipient tasks with what ``records`` (from ``_records``) say of them."""
    states = []
    for task in plan.recipient_tasks:
        record = records.get((plan_hash, task.recipient))
        if record is None:
            status: RecipientStatus = "late" if today > task.due else "open"
            states.append(RecipientState(task.recipient, task.sources, task.due, status))
            continue
        told = record.get("outcome") == "notified"
        states.append(
            RecipientState(
                task.recipient,
                task.sources,
                task.due,
                "done" if told else "not_possible",
                on=date.fromisoformat(str(record["on"])),
                reason=None if told else str(record.get("reason") or ""),
            )
        )
    return states


def recipient_states(
    session: Session, stored: StoredPlan, *, today: date | None = None
) -> list[RecipientState]:
    """The recipient tasks of ``stored`` as the ledger records them."""
    records = _records(session, [stored.plan.request])
    return states_of(stored.plan_hash, stored.plan, records, today or today_berlin())


def records_for(
    session: Session, request_ids: Sequence[str]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Every request's recipient records at once (for ``dsr overdue``)."""
    return _records(session, request_ids) if request_ids else {}
