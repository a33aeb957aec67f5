"""`dsr request evidence ID`: one bundle that proves what was done for a request.

A supervisory authority that asks "show us how you handled this erasure" gets a
folder it can read without dsr: ``index.md`` and ``index.html`` for people,
``evidence.json`` for tools. It holds the request's facts (no identifiers, only
their kinds), every event with its audit-chain hash and the hash before it,
every erasure plan with its hash (recomputed, so an edited plan shows) and its
actions, the counts of the person's rows before and after, the processor tasks
and their last known state (Art. 19), the letters sent with their checksums
(re-checked against the files), and the result of ``dsr audit verify``.

It holds no erased value: events and plans never carry values by design, the
request's free-text fields are left out, and as a last guard every string in the
bundle is searched for the request's own identifiers, which are withheld where
found (a table keyed by e-mail address would otherwise put it into a plan key).
The bundle's own checksum goes into the audit chain as ``request.evidence_written``.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr import clock
from dsr.config.models import Config
from dsr.erasure.model import ErasurePlan
from dsr.erasure.notified import recipient_states
from dsr.erasure.store import StoredPlan, all_plans
from dsr.ledger import Document, Event, Ledger, append_event, check_chain, without_state
from dsr.ledger.chain import CHAIN_HEAD_KEY, ChainHead
from dsr.ledger.schema import LedgerMeta
from dsr.outcome import ExitCode
from dsr.render.templates import render_document
from dsr.render.writers import private_dir, write_documents
from dsr.requests.subject import Subject, read_subject

EVIDENCE_FORMAT = 1
WITHHELD = "[withheld]"
_SCRUBBED_KINDS = ("email", "phone", "name", "id", "birthdate")
_MIN_SCRUB = 5
"""Shorter identifier values are not withheld from text: "12" occurs in every date."""
_VERIFY_ACTIONS = ("erasure.verified", "erasure.residue")


@dataclass
class EvidenceResult:
    """Where the bundle was written, its files with checksums, and the chain check."""

    request: str
    folder: Path
    files: list[tuple[Path, str]] = field(default_factory=list)
    chain: dict[str, Any] = field(default_factory=dict)

    @property
    def exit_code(self) -> ExitCode:
        """1 when the audit chain is broken: the bundle is written, but a person must look."""
        return ExitCode.OK if self.chain.get("intact") else ExitCode.ATTENTION

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": self.request,
            "folder": str(self.folder),
            "documents": [{"path": str(p), "sha256": d} for p, d in self.files],
            "chain": self.chain,
        }


def write_evidence(
    ledger: Ledger,
    config: Config,
    request_id: str,
    *,
    actor: str,
    output: Path | None = None,
) -> EvidenceResult:
    """Collect and write the evidence bundle of one request (see the module docstring).

    ``output`` is the folder to write into; by default ``evidence/<ID>/`` beside dsr.yaml.
    """
    with ledger.session(write=False) as session:
        bundle, secrets = _collect(session, config, request_id.strip())
    bundle = _withhold(bundle, secrets)
    rid = bundle["request"]["id"]
    folder = output if output is not None else config.base_dir / "evidence" / rid
    private_dir(folder)
    language = config.language
    text = json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=False, default=str) + "\n"
    context = {"bundle": bundle, "language": language}
    where: dict[str, Any] = {"language": language, "user_dir": config.templates}
    payloads = [
        (folder / "evidence.json", text.encode("utf-8")),
        (
            folder / "index.md",
            render_document("erasure_evidence", context, fmt="md", **where).encode("utf-8"),
        ),
        (
            folder / "index.html",
            render_document("erasure_evidence", context, fmt="html", **where).encode("utf-8"),
        ),
    ]
    result = EvidenceResult(request=rid, folder=folder, chain=bundle["audit_chain"])
    digests = write_documents([("evidence", path, payload) for path, payload in payloads])
    result.files += [(path, sha) for (path, _), sha in zip(payloads, digests, strict=True)]
    with ledger.session() as session:
        append_event(
            session,
            actor=actor,
            action="request.evidence_written",
            request_id=rid,
            details={
                "files": {p.name: digest for p, digest in result.files},
                "events": len(bundle["events"]),
                "plans": len(bundle["plans"]),
                "chain_intact": bool(bundle["audit_chain"]["intact"]),
            },
        )
    return result


# -- collecting ---------------------------------------------------------------------------


def _collect(session: Session, config: Config, request_id: str) -> tuple[dict[str, Any], list[str]]:
    request = read_subject(session, config, request_id)
    secrets = _secrets(request)
    events = list(
        session.scalars(select(Event).where(Event.request_id == request.id).order_by(Event.id))
    )
    plans = all_plans(session, request.id)
    documents = session.scalars(
        select(Document).where(Document.request_id == request.id).order_by(Document.id)
    )
    report = check_chain(session)
    head_row = session.get(LedgerMeta, CHAIN_HEAD_KEY)
    head = ChainHead.load(head_row.value) if head_row is not None else None
    controller = config.controller
    bundle: dict[str, Any] = {
        "format": EVIDENCE_FORMAT,
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "controller": {
            "name": controller.name,
            "address": controller.address,
            "email": controller.email,
            "supervisory_authority": controller.supervisory_authority,
        },
        "request": {
            "id": request.id,
            "type": request.type,
            "status": request.status,
            "received": request.received.isoformat(),
            "due": request.due.isoformat(),
            "target": request.target.isoformat() if request.target else None,
            "channel": request.channel,
            "language": request.language or config.language,
            "paused_days": request.paused_days,
            "extended_until": request.extended_until.isoformat()
            if request.extended_until
            else None,
            "closed_at": request.closed_at.isoformat() if request.closed_at else None,
            "outcome": request.outcome,
            "identifier_kinds": list(request.identifier_kinds),
        },
        "events": [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "details": e.details,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in events
        ],
        "plans": [_plan(stored, events) for stored in plans],
        "processor_tasks": _tasks(plans, events),
        "recipient_tasks": [
            {"plan": stored.id, **state.as_dict()}
            for stored in plans
            if stored.status != "superseded"
            for state in recipient_states(session, stored)
        ],
        "documents": [_document(d) for d in documents],
        "audit_chain": {
            **report.as_dict(),
            "head_event": head.event_id if head else None,
            "head_hash": head.hash if head else None,
        },
    }
    return bundle, secrets


def _secrets(request: Subject) -> list[str]:
    """The request's own identifier values (never written; withheld wherever they show up)."""
    values: set[str] = set()
    for identifier in request.identifiers:
        if identifier.kind not in _SCRUBBED_KINDS:
            continue
        for value in (identifier.value, identifier.normalised):
            value = (value or "").strip()
            if ":" in value and identifier.kind == "id":
                value = value.split(":", 1)[1]  # SOURCE:VALUE → the value as stored
            if len(value) >= _MIN_SCRUB:
                values.add(value)
    return sorted(values, key=len, reverse=True)


def _latest_verification(events: list[Event], plan_hash: str) -> dict[str, Any] | None:
    for event in reversed(events):
        if event.action in _VERIFY_ACTIONS and (event.details or {}).get("plan_hash") == plan_hash:
            return {"event": event.id, "action": event.action, **without_state(event.details)}
    return None


def _plan(stored: StoredPlan, events: list[Event]) -> dict[str, Any]:
    plan = stored.plan
    recomputed = ErasurePlan.from_dict(plan.as_dict()).plan_hash
    summary: dict[str, dict[str, int]] = {}
    for action in plan.actions:
        table = summary.setdefault(f"{action.source}.{action.table}", {})
        table[action.action] = table.get(action.action, 0) + 1
    latest = _latest_verification(events, stored.plan_hash)
    kept_until = [a.until.isoformat() for a in plan.kept() if a.until]
    return {
        "id": stored.id,
        "status": stored.status,
        "created_at": stored.created_at.isoformat(),
        "plan_hash": stored.plan_hash,
        "hash_matches": recomputed == stored.plan_hash,
        "language": plan.language,
        "retention_ended": plan.retention_ended,
        "summary": dict(sorted(summary.items())),
        "counts_before": dict(sorted(plan.counts_before.items())),
        "counts_after": latest.get("counts_after") if latest else None,
        "verification": latest,
        "kept_until": max(kept_until) if kept_until else None,
        "failed_sources": sorted(plan.failed_sources),
        "progress": stored.progress,
        "actions": [a.as_dict() for a in plan.actions],
    }


def _tasks(plans: list[StoredPlan], events: list[Event]) -> list[dict[str, Any]]:
    """Every processor task with the state the last verification found (or ``open``)."""
    tasks = []
    for stored in plans:
        if stored.status == "superseded":
            continue
        latest = _latest_verification(events, stored.plan_hash) or {}
        states = latest.get("processor_tasks") or {}
        for task in stored.plan.processor_tasks:
            tasks.append(
                {
                    "plan": stored.id,
                    "source": task.source,
                    "vendor": task.vendor,
                    "rows": task.rows,
                    "due": task.due.isoformat(),
                    "status": states.get(task.source, "open"),
                    "checked_at_event": latest.get("event"),
                    "procedure": task.procedure,
                }
            )
    return tasks


def _document(document: Any) -> dict[str, Any]:
    """A letter dsr wrote, and whether the file is still the one whose checksum was recorded."""
    path = Path(document.path)
    try:
        current = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        current = None
    return {
        "kind": document.kind,
        "file": path.name,
        "path": document.path,
        "sha256": document.sha256,
        "created_at": document.created_at.isoformat() if document.created_at else None,
        "file_present": current is not None,
        "file_unchanged": current == document.sha256 if current is not None else None,
    }


def _withhold(value: Any, secrets: list[str]) -> Any:
    """Every string with a secret in it, the secret replaced (case-insensitively)."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = re.sub(re.escape(secret), WITHHELD, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, dict):
        return {_withhold(k, secrets): _withhold(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_withhold(v, secrets) for v in value]
    return value
