"""Erasure plans in the ledger: saved with their hash, found again, moved through their states.

A plan's life: ``planned`` (reviewed, nothing changed) → ``executing`` (``--execute``
started; a crash leaves it here and the next run finishes it) → ``executed`` →
``verified`` (no residue; the confirmation is written). A new plan for the same
request supersedes an older one that was never executed (``superseded``), and
``--replan`` one that was started but cannot go on (its finished sources carry
over). Every move is an event in the audit chain, with the plan's hash and counts,
never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr import clock
from dsr.erasure.model import ErasurePlan
from dsr.ledger.chain import append_event
from dsr.ledger.pseudonymise import PLAN_ADDRESS_FORM as ADDRESS_FORM
from dsr.ledger.pseudonymise import PLAN_LEARNED as LEARNED
from dsr.ledger.schema import Plan

PLAN_STATES = ("planned", "executing", "executed", "verified", "superseded")


@dataclass(frozen=True)
class StoredPlan:
    """A plan as the ledger holds it: the row id, its hash, its state and the plan itself."""

    id: int
    plan_hash: str
    status: str
    created_at: datetime
    plan: ErasurePlan
    progress: dict[str, Any]
    """Per source, what ``--execute`` finished: ``{"shop": {"applied": 12, "unchanged": 0}}``."""
    address_form: dict[str, str] | None = None
    """How the confirmation greets the person (``{"form": "f", "surname": "Weiß"}``), read
    from the account rows when the plan was made: after ``--execute`` they no longer say
    it. Kept beside the plan, outside its hash, and dropped when the request's identifiers
    are pseudonymised (``ledger.pseudonymise``)."""
    learned: dict[str, list[Any]] = field(default_factory=dict)
    """The identifiers the plan's lookup took from the person's own rows beyond the
    request's (``Person.learned_beyond``: ``{"phones": ["+491712345678"]}``): after
    ``--execute`` those rows are gone, and ``--verify`` still looks for a mention of
    them. Kept like ``address_form``, outside the hash, dropped by pseudonymisation."""
    applying: dict[str, Any] = field(default_factory=dict)
    """Per source whose change ``--execute`` began, written before its commit: the rows
    that already pointed at a row the plan anonymises (``{"shop": {"existing": [[table,
    key], ...]}}``). Rows a trigger writes during the change are the others; a run killed
    between the commit and their clean-up is finished by the next one with this record."""


def _stored(row: Plan) -> StoredPlan:
    body = dict(row.body)
    progress = dict(body.pop("progress", None) or {})
    address = body.pop(ADDRESS_FORM, None)
    learned = dict(body.pop(LEARNED, None) or {})
    applying = dict(body.pop("applying", None) or {})
    return StoredPlan(
        id=row.id,
        plan_hash=row.plan_hash,
        status=row.status,
        created_at=row.created_at,
        plan=ErasurePlan.from_dict(body),
        progress=progress,
        address_form={str(k): str(v) for k, v in address.items()} if address else None,
        learned={str(k): list(v) for k, v in learned.items()},
        applying=applying,
    )


def save_plan(
    session: Session,
    plan: ErasurePlan,
    *,
    actor: str,
    address_form: dict[str, str] | None = None,
    learned: dict[str, list[Any]] | None = None,
    progress: dict[str, Any] | None = None,
) -> StoredPlan:
    """Store a new plan (state ``planned``); older plans never executed become ``superseded``.

    ``progress`` names sources already done (``--replan`` carries over what the plan it
    replaces finished): ``--execute`` reports them as done earlier and leaves them."""
    for older in session.scalars(
        select(Plan).where(Plan.request_id == plan.request, Plan.status == "planned")
    ):
        older.status = "superseded"
    row = Plan(
        request_id=plan.request,
        plan_hash=plan.plan_hash,
        status="planned",
        body={
            **plan.as_dict(),
            **({ADDRESS_FORM: address_form} if address_form else {}),
            **({LEARNED: learned} if learned else {}),
            **({"progress": progress} if progress else {}),
        },
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    counts: dict[str, int] = {}
    for action in plan.actions:
        counts[action.action] = counts.get(action.action, 0) + 1
    append_event(
        session,
        actor=actor,
        action="erasure.planned",
        request_id=plan.request,
        details={
            "plan_hash": row.plan_hash,
            "actions": dict(sorted(counts.items())),
            "processor_tasks": len(plan.processor_tasks),
            "failed_sources": sorted(plan.failed_sources),
            "retention_ended": plan.retention_ended,
            **({"done_earlier": sorted(progress)} if progress else {}),
        },
    )
    return _stored(row)


def latest_plan(session: Session, request_id: str, *, include_superseded: bool = False) -> (
    StoredPlan | None
):
    """The request's newest plan (not a superseded one unless asked), or None."""
    query = select(Plan).where(Plan.request_id == request_id)
    if not include_superseded:
        query = query.where(Plan.status != "superseded")
    row = session.scalars(query.order_by(Plan.id.desc()).limit(1)).first()
    return _stored(row) if row is not None else None


def all_plans(session: Session, request_id: str) -> list[StoredPlan]:
    """Every plan of a request, oldest first (for the evidence bundle)."""
    rows = session.scalars(select(Plan).where(Plan.request_id == request_id).order_by(Plan.id))
    return [_stored(r) for r in rows]


def set_status(
    session: Session,
    plan_id: int,
    status: str,
    *,
    actor: str,
    action: str,
    details: dict[str, Any] | None = None,
    progress: dict[str, Any] | None = None,
    applying: dict[str, Any] | None = None,
) -> StoredPlan:
    """Move a plan to ``status`` (and record per-source ``progress``) with one chain event.

    ``action`` is the event's name (``erasure.source_done``, ``erasure.executed``,
    ``erasure.verified``); ``details`` must hold counts, keys and hashes only.
    """
    if status not in PLAN_STATES:
        raise ValueError(f"unknown plan state {status!r}")
    row = session.get(Plan, plan_id)
    if row is None:
        raise ValueError(f"no plan {plan_id}")
    row.status = status
    if progress is not None or applying is not None:
        body = dict(row.body)
        if progress is not None:
            body["progress"] = progress
        if applying is not None:
            body["applying"] = applying
        row.body = body
    append_event(
        session,
        actor=actor,
        action=action,
        request_id=row.request_id,
        details={"plan_hash": row.plan_hash, **(details or {})},
    )
    session.flush()
    return _stored(row)
