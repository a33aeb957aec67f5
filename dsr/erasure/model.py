"""An erasure plan as data: what happens to every row, and why, before anything changes.

The plan is the contract between ``dsr erase`` (plan), ``--execute``, ``--verify``,
the confirmation letter, the evidence bundle and ``dsr overdue``. It is stored in
the ledger (``plans.body``) and hashed, so ``--execute`` applies exactly what a
person reviewed. It therefore holds row KEYS, column NAMES, counts, rules and
dates, never the values it erases: a redaction names the KINDS of the person's
identifiers to cut out (``email``, ``name``, ...), and the values are read again
from the request's identifiers when the plan is executed or verified.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Literal

PlanActionKind = Literal["delete", "anonymise", "keep", "redact", "processor_task"]
"""The ``action`` values of design.md's ``erase`` JSON document."""

Anonymisation = Literal["null", "mask", "year", "region", "pseudonym"]
"""How one column is anonymised: emptied, overwritten with a fixed mask, a birth date
generalised to its year, a postcode to its region (first two digits), or a keyed
pseudonym (HMAC of the value with the ledger's key) where a column must stay unique."""

PLAN_FORMAT = 1
"""Version of the stored plan body; raise it when a key changes meaning."""


@dataclass(frozen=True)
class PlanAction:
    """What happens to one row of one table.

    ``columns`` are the columns changed (anonymise, redact) or, for ``keep``, the
    columns kept as they are; ``how`` maps each anonymised column to its method.
    ``reason`` is a short machine-stable reason code with its human text built by
    the letter (``person_row``, ``linked_row``, ``mention``, ``retention``,
    ``integrity``, ``processor``); ``rule`` and ``basis`` name the retention rule
    for ``keep``; ``until`` is the date a kept row may be erased (ISO in JSON).
    ``redact`` lists the identifier kinds to cut out of ``columns``.
    ``order`` sorts execution within a source: children before parents.
    """

    source: str
    table: str
    key: dict[str, Any]
    action: PlanActionKind
    columns: tuple[str, ...] = ()
    reason: str = ""
    until: date | None = None
    rule: str | None = None
    basis: str | None = None
    how: dict[str, Anonymisation] = field(default_factory=dict)
    redact: tuple[str, ...] = ()
    order: int = 0

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["columns"] = list(self.columns)
        body["redact"] = list(self.redact)
        body["until"] = self.until.isoformat() if self.until else None
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> PlanAction:
        until = body.get("until")
        return cls(
            source=body["source"],
            table=body["table"],
            key=dict(body["key"]),
            action=body["action"],
            columns=tuple(body.get("columns") or ()),
            reason=body.get("reason") or "",
            until=date.fromisoformat(until) if until else None,
            rule=body.get("rule"),
            basis=body.get("basis"),
            how=dict(body.get("how") or {}),
            redact=tuple(body.get("redact") or ()),
            order=int(body.get("order") or 0),
        )


@dataclass(frozen=True)
class ProcessorTask:
    """A source dsr cannot change (a SaaS export): what the processor must delete, how, by when.

    ``rows`` counts the person's records found in the export per table; ``procedure``
    is the vendor's deletion procedure (its connector's text, in the plan's language)
    and ``due`` leaves time to confirm to the person before the request's deadline.
    """

    source: str
    vendor: str
    rows: dict[str, int]
    procedure: str
    due: date

    def as_dict(self) -> dict[str, Any]:
        body = asdict(self)
        body["due"] = self.due.isoformat()
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ProcessorTask:
        return cls(
            source=body["source"],
            vendor=body["vendor"],
            rows={str(k): int(v) for k, v in (body.get("rows") or {}).items()},
            procedure=body["procedure"],
            due=date.fromisoformat(body["due"]),
        )


@dataclass(frozen=True)
class RecipientTask:
    """A recipient named in dsr.yaml who received the person's data and must be told of the
    erasure (Art. 19): who, from which systems, by when. Whether it was done is not part of
    the plan: ``dsr request notified`` records it as an event (see ``erasure.recipients``).
    """

    recipient: str
    sources: tuple[str, ...]
    due: date

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipient": self.recipient,
            "sources": list(self.sources),
            "due": self.due.isoformat(),
        }

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> RecipientTask:
        return cls(
            recipient=str(body["recipient"]),
            sources=tuple(body.get("sources") or ()),
            due=date.fromisoformat(body["due"]),
        )


@dataclass(frozen=True)
class ErasurePlan:
    """Every action for one request, the sources that could not be read, and the counts.

    ``counts_before`` is rows found per ``source.table`` when the plan was made;
    ``possible`` counts weak (name-only) matches left out because nobody confirmed them;
    ``retention_ended`` marks a plan made by ``--retention-ended`` for rows kept earlier.
    ``recipient_tasks`` are the Art. 19 notifications the erasure owes (stored only when
    there are some, so the hash of a plan made before they existed stays the same).
    """

    request: str
    created: date
    language: str
    actions: tuple[PlanAction, ...]
    processor_tasks: tuple[ProcessorTask, ...] = ()
    failed_sources: dict[str, str] = field(default_factory=dict)
    counts_before: dict[str, int] = field(default_factory=dict)
    possible: int = 0
    retention_ended: bool = False
    recipient_tasks: tuple[RecipientTask, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "format": PLAN_FORMAT,
            "request": self.request,
            "created": self.created.isoformat(),
            "language": self.language,
            "actions": [a.as_dict() for a in self.actions],
            "processor_tasks": [t.as_dict() for t in self.processor_tasks],
            "failed_sources": dict(sorted(self.failed_sources.items())),
            "counts_before": dict(sorted(self.counts_before.items())),
            "possible": self.possible,
            "retention_ended": self.retention_ended,
        }
        if self.recipient_tasks:
            body["recipient_tasks"] = [t.as_dict() for t in self.recipient_tasks]
        return body

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> ErasurePlan:
        return cls(
            request=body["request"],
            created=date.fromisoformat(body["created"]),
            language=body.get("language") or "de",
            actions=tuple(PlanAction.from_dict(a) for a in body.get("actions") or ()),
            processor_tasks=tuple(
                ProcessorTask.from_dict(t) for t in body.get("processor_tasks") or ()
            ),
            failed_sources=dict(body.get("failed_sources") or {}),
            counts_before={k: int(v) for k, v in (body.get("counts_before") or {}).items()},
            possible=int(body.get("possible") or 0),
            retention_ended=bool(body.get("retention_ended")),
            recipient_tasks=tuple(
                RecipientTask.from_dict(t) for t in body.get("recipient_tasks") or ()
            ),
        )

    @property
    def plan_hash(self) -> str:
        """SHA-256 of the canonical JSON body: what a DPO signs off and ``--execute`` checks."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def kept(self) -> list[PlanAction]:
        return [a for a in self.actions if a.action == "keep"]

    def by_source(self) -> dict[str, list[PlanAction]]:
        grouped: dict[str, list[PlanAction]] = {}
        for action in self.actions:
            grouped.setdefault(action.source, []).append(action)
        return grouped
