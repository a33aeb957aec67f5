"""Which requests need a person now: overdue, or due within ``deadline.warn_days``.

Made for cron (``dsr overdue``): the answer is a short list of facts the ledger
knows (the due date, days left, an identity question still waiting, the last
day an extension can be announced), or nothing at all. It also does the
ledger's housekeeping: identifiers of long-finished requests are pseudonymised
(``dsr.ledger.pseudonymise``).

Erasure does not end with the letter, so more things are reported, from the
ledger alone (cron never scans the sources): processor tasks of executed plans
that are still open and due within ``warn_days`` or late (Art. 19; a task is done
once ``dsr erase ID --verify`` found the vendor's newer export without the
person), recipients not yet told of the erasure, due within ``warn_days`` or late
(Art. 19; done once ``dsr request notified`` recorded it), and requests whose
KEPT rows reached the end of their retention period
(Art. 17(3)(b) keeps a document only as long as the law requires; a person then
confirms that no tax audit is open and runs ``dsr erase ID --retention-ended``).
Such requests are usually closed long ago; they appear in the same list, with
the same keys, plus ``reasons``, ``processor_tasks`` and ``retention_ended``.

While a request waits for the answer to an identity question, its clock is
stopped, so its due date moves with every day of waiting; it is reported with
the date it would have if the answer came today, so a question sent with three
days left keeps showing three days left until someone acts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.clock import now, today_berlin
from dsr.config.models import Config
from dsr.connectors.rows import RowId, row_id
from dsr.erasure.model import ErasurePlan
from dsr.erasure.notified import RecipientState, records_for, states_of
from dsr.ledger import Document, Event, Ledger, Plan, Request
from dsr.ledger.pseudonymise import PseudonymiseResult, key_path, pseudonymise, scrub_sqlite
from dsr.requests.deadlines import compute_deadline
from dsr.requests.lifecycle import ACTIVE, RequestInfo, first_month

_OWN_LETTERS = ("extension_letter", "rejection_letter")

IDENTITY_WAIT_DAYS = 30
"""An identity question unanswered this long is reported although its clock is stopped:
the law has no rule for a person who never answers (law.md 2.4), so a person decides."""


PLAN_DONE = ("executed", "verified")
"""Plan states whose kept rows are kept and whose processor tasks are handed out."""


@dataclass(frozen=True)
class Attention:
    """One request a person must look at, and why.

    ``reasons`` says which checks found it: ``deadline`` (the request's own due date),
    ``processor_task`` (a processor task due or late), ``recipient_task`` (a recipient not
    yet told of the erasure, Art. 19, due or late), ``retention_ended`` (kept rows may now
    be erased). For the last three, ``due`` and ``days_left`` are the earliest task due
    date or retention end concerned.
    """

    id: str
    type: str
    status: str
    due: date
    days_left: int
    missing: tuple[str, ...]
    reasons: tuple[str, ...] = ("deadline",)
    processor_tasks: tuple[dict[str, Any], ...] = ()
    retention_ended: tuple[dict[str, Any], ...] = ()
    recipient_tasks: tuple[dict[str, Any], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """design.md: ``{"id", "type", "due", "days_left", "missing"}``, plus ``status``,
        ``reasons``, ``processor_tasks``, ``retention_ended`` and ``recipient_tasks``."""
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "due": self.due,
            "days_left": self.days_left,
            "missing": list(self.missing),
            "reasons": list(self.reasons),
            "processor_tasks": [dict(t) for t in self.processor_tasks],
            "retention_ended": [dict(r) for r in self.retention_ended],
            "recipient_tasks": [dict(r) for r in self.recipient_tasks],
        }


def overdue_document(found: Sequence[Attention]) -> dict[str, Any]:
    """design.md's `overdue` document: every request needing a person, soonest first."""
    return {"requests": [item.as_dict() for item in found]}


def list_document(rows: Sequence[RequestInfo], config: Config, today: date) -> dict[str, Any]:
    """What `dsr request list --json` prints: each request, with the days left to its due
    date while it is active (a running identity pause moves the date, ``effective_due``)."""
    return {
        "requests": [
            {
                **row.as_dict(),
                "days_left": (effective_due(row, config, today) - today).days
                if row.status in ACTIVE
                else None,
            }
            for row in rows
        ]
    }


def effective_due(request: Request | RequestInfo, config: Config, today: date) -> date:
    """The due date, counting a running identity pause as if it ended today."""
    if request.status != "awaiting_identity" or request.paused_since is None:
        return request.due
    running = max((today - request.paused_since).days, 0)
    return compute_deadline(
        request.received,
        config.deadline,
        paused_days=(request.paused_days or 0) + running,
        extended=request.extended_until is not None,
    ).due


def needing_attention(
    ledger: Ledger, config: Config, *, today: date | None = None
) -> list[Attention]:
    """Active requests overdue or due within ``deadline.warn_days``, soonest first."""
    day = today or today_berlin()
    warn = config.deadline.warn_days
    found: list[Attention] = []
    with ledger.session(write=False) as session:
        requests = session.scalars(
            select(Request).where(Request.status.in_(ACTIVE)).order_by(Request.due, Request.id)
        ).all()
        answered = {
            row[0]
            for row in session.execute(
                select(Document.request_id)
                .where(
                    Document.request_id.in_([r.id for r in requests]),
                    Document.kind.not_in(_OWN_LETTERS),
                )
                .distinct()
            )
        }
        for request in requests:
            due = effective_due(request, config, day)
            left = (due - day).days
            waiting = _waiting_days(request, day)
            if left > warn and waiting < IDENTITY_WAIT_DAYS:
                continue
            found.append(
                Attention(
                    id=request.id,
                    type=request.type,
                    status=request.status,
                    due=due,
                    days_left=left,
                    missing=tuple(_missing(request, config, day, left, request.id in answered)),
                )
            )
        found = _erasure_follow_ups(session, found, day, warn)
    found.sort(key=lambda a: (a.days_left, a.id))
    return found


def _erasure_follow_ups(
    session: Session, found: list[Attention], today: date, warn: int
) -> list[Attention]:
    """Add what executed erasure plans still need: open processor tasks due within
    ``warn`` days or late, and kept rows whose retention period has ended."""
    rows = session.execute(
        select(Plan.id, Plan.request_id, Plan.plan_hash, Plan.body)
        .where(Plan.status.in_(PLAN_DONE))
        .order_by(Plan.request_id, Plan.id)
    ).all()
    if not rows:
        return found
    plans: dict[str, list[tuple[str, ErasurePlan]]] = {}
    for row in rows:
        body = dict(row.body)
        body.pop("progress", None)
        plans.setdefault(row.request_id, []).append((row.plan_hash, ErasurePlan.from_dict(body)))
    states = _task_states(session, list(plans))
    told = records_for(session, list(plans))
    by_id = {item.id: item for item in found}
    requests = {
        r.id: r for r in session.scalars(select(Request).where(Request.id.in_(list(plans))))
    }
    for request_id, stored in plans.items():
        tasks = _due_tasks(stored, states, today, warn)
        recipients = _due_recipients(stored, told, today, warn)
        ended = _retention_ended(stored, today)
        if not tasks and not ended and not recipients:
            continue
        notes = [_task_note(request_id, t) for t in tasks]
        notes += [_recipient_note(request_id, r, today) for r in recipients]
        notes += [_retention_note(request_id, r) for r in ended]
        reasons = (
            (("processor_task",) if tasks else ())
            + (("recipient_task",) if recipients else ())
            + (("retention_ended",) if ended else ())
        )
        dates = [date.fromisoformat(t["due"]) for t in tasks]
        dates += [r.due for r in recipients]
        dates += [date.fromisoformat(r["until"]) for r in ended]
        current = by_id.get(request_id)
        if current is not None:
            by_id[request_id] = replace(
                current,
                missing=current.missing + tuple(notes),
                reasons=current.reasons + reasons,
                processor_tasks=tuple(tasks),
                retention_ended=tuple(ended),
                recipient_tasks=tuple(_recipient_row(r, today) for r in recipients),
            )
            continue
        request = requests.get(request_id)
        first = min(dates)
        by_id[request_id] = Attention(
            id=request_id,
            type=request.type if request else "erasure",
            status=request.status if request else "unknown",
            due=first,
            days_left=(first - today).days,
            missing=tuple(notes),
            reasons=reasons,
            processor_tasks=tuple(tasks),
            retention_ended=tuple(ended),
            recipient_tasks=tuple(_recipient_row(r, today) for r in recipients),
        )
    return list(by_id.values())


def _due_recipients(
    plans: list[tuple[str, ErasurePlan]],
    records: dict[tuple[str, str], dict[str, Any]],
    today: date,
    warn: int,
) -> list[RecipientState]:
    """Recipient tasks (Art. 19) nobody recorded as told, due within ``warn`` days or late."""
    found = []
    for plan_hash, plan in plans:
        for state in states_of(plan_hash, plan, records, today):
            if state.pending and (state.due - today).days <= warn:
                found.append(state)
    return found


def _recipient_row(state: RecipientState, today: date) -> dict[str, Any]:
    return {**state.as_dict(), "days_left": (state.due - today).days}


def _recipient_note(request_id: str, state: RecipientState, today: date) -> str:
    left = (state.due - today).days
    when = f"late by {-left} day{'s' if left != -1 else ''}" if left < 0 else f"due {state.due}"
    return (
        f"recipient {state.recipient} ({', '.join(state.sources)}) not yet told of the erasure, "
        f"{when}: tell them, then dsr request notified {request_id} "
        f"--recipient '{state.recipient}' --at DATE"
    )


def _task_states(session: Session, request_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per plan hash, the processor-task states the last ``--verify`` recorded."""
    states: dict[str, dict[str, str]] = {}
    events = session.execute(
        select(Event.details)
        .where(
            Event.request_id.in_(request_ids),
            Event.action.in_(("erasure.verified", "erasure.residue")),
        )
        .order_by(Event.id)
    )
    for (details,) in events:
        data = details if isinstance(details, dict) else json.loads(details or "{}")
        tasks = data.get("processor_tasks")
        if data.get("plan_hash") and isinstance(tasks, dict):
            states[data["plan_hash"]] = {str(k): str(v) for k, v in tasks.items()}
    return states


def _due_tasks(
    plans: list[tuple[str, ErasurePlan]],
    states: dict[str, dict[str, str]],
    today: date,
    warn: int,
) -> list[dict[str, Any]]:
    tasks = []
    for plan_hash, plan in plans:
        for task in plan.processor_tasks:
            if states.get(plan_hash, {}).get(task.source) == "done":
                continue
            left = (task.due - today).days
            if left > warn:
                continue
            tasks.append(
                {
                    "source": task.source,
                    "vendor": task.vendor,
                    "due": task.due.isoformat(),
                    "days_left": left,
                    "status": "late" if left < 0 else "open",
                }
            )
    return tasks


def _retention_ended(plans: list[tuple[str, ErasurePlan]], today: date) -> list[dict[str, Any]]:
    """Kept rows whose ``until`` (the last day they must be kept) lies before today.

    Plans are read oldest first: a later executed plan that deletes or anonymises a row
    (``--retention-ended``) settles it; a later keep replaces its date.
    """
    kept: dict[tuple[str, RowId], tuple[date | None, str]] = {}
    for _, plan in plans:
        for action in plan.actions:
            place = (action.source, row_id(action.table, action.key))
            if action.action == "keep":
                kept[place] = (action.until, action.rule or action.reason or "retention")
            elif action.action in ("delete", "anonymise"):
                kept.pop(place, None)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (source, (table, _)), (until, rule) in kept.items():
        if until is None or until >= today:
            continue
        group = groups.setdefault(
            (source, table, rule),
            {"source": source, "table": table, "rule": rule, "until": until.isoformat(), "rows": 0},
        )
        group["rows"] += 1
        group["until"] = min(group["until"], until.isoformat())
    return sorted(groups.values(), key=lambda g: (g["until"], g["source"], g["table"]))


def _task_note(request_id: str, task: dict[str, Any]) -> str:
    left = int(task["days_left"])
    when = f"late by {-left} day{'s' if left != -1 else ''}" if left < 0 else f"due {task['due']}"
    return (
        f"processor task {task['source']} ({task['vendor']}) {when}: erase the person there, "
        f"then dsr erase {request_id} --verify with a newer export"
    )


def _retention_note(request_id: str, group: dict[str, Any]) -> str:
    return (
        f"retention ended for {group['rows']} kept row(s) of {group['source']}.{group['table']} "
        f"({group['rule']}, kept until {group['until']}): confirm no tax audit is open, then "
        f"dsr erase {request_id} --retention-ended"
    )


def _waiting_days(request: Request, today: date) -> int:
    if request.status != "awaiting_identity" or request.paused_since is None:
        return 0
    return (today - request.paused_since).days


def _missing(request: Request, config: Config, today: date, left: int, answered: bool) -> list[str]:
    notes: list[str] = []
    if left < 0:
        notes.append(f"overdue by {-left} day{'s' if left != -1 else ''}")
    if request.status == "awaiting_identity":
        notes.append(f"identity check pending since {request.paused_since}")
        waiting = _waiting_days(request, today)
        if waiting >= IDENTITY_WAIT_DAYS:
            notes.append(f"no answer to the identity question for {waiting} days: decide")
    if answered:
        notes.append("answer written, request not closed")
    else:
        notes.append("no answer sent")
    if request.extended_until is None and request.status == "open":
        limit = first_month(request, config).extension_deadline
        if today <= limit:
            notes.append(f"an extension can be announced only until {limit}")
    return notes


def housekeeping(ledger: Ledger, config: Config, *, actor: str) -> PseudonymiseResult:
    """Pseudonymise the identifiers of requests finished long enough ago."""
    with ledger.session() as session:
        result = pseudonymise(
            session,
            key_path(ledger.path, config.base_dir),
            now=now(),
            after_days=config.requests.pseudonymise_after_days,
            actor=actor,
        )
    if result.count and ledger.dialect == "sqlite":
        scrub_sqlite(ledger.engine)
    return result
