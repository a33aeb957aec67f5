"""Which requests need a person now: overdue, or due within ``deadline.warn_days``.

Made for cron (``dsr overdue``): the answer is a short list of facts the ledger
knows (the due date, days left, an identity question still waiting, the last
day an extension can be announced), or nothing at all. It also does the
ledger's housekeeping: identifiers of long-finished requests are pseudonymised
(``dsr.ledger.pseudonymise``).

While a request waits for the answer to an identity question, its clock is
stopped, so its due date moves with every day of waiting; it is reported with
the date it would have if the answer came today, so a question sent with three
days left keeps showing three days left until someone acts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from dsr.config.models import Config
from dsr.deadlines import compute_deadline
from dsr.ledger import Document, Ledger, Request
from dsr.ledger.pseudonymise import PseudonymiseResult, key_path, pseudonymise, scrub_sqlite
from dsr.requests import ACTIVE, RequestInfo, first_month, today_berlin

_OWN_LETTERS = ("extension_letter", "rejection_letter")

IDENTITY_WAIT_DAYS = 30
"""An identity question unanswered this long is reported although its clock is stopped:
the law has no rule for a person who never answers (law.md 2.4), so a person decides."""


@dataclass(frozen=True)
class Attention:
    """One request a person must look at, and why."""

    id: str
    type: str
    status: str
    due: date
    days_left: int
    missing: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        """design.md: ``{"id", "type", "due", "days_left", "missing"}``."""
        return {
            "id": self.id,
            "type": self.type,
            "status": self.status,
            "due": self.due,
            "days_left": self.days_left,
            "missing": list(self.missing),
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
    found.sort(key=lambda a: (a.days_left, a.id))
    return found


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
            now=datetime.now(UTC),
            after_days=config.requests.pseudonymise_after_days,
            actor=actor,
        )
    if result.count and ledger.dialect == "sqlite":
        scrub_sqlite(ledger.engine)
    return result
