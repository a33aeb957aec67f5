"""An erasure plan as a document: Markdown a DPO reviews and signs, and the JSON beside it.

Nothing is erased before a person has seen what will be: every row by its key,
what happens to it and why, what is kept on which legal basis until when, what
processors must do by when, what was left out (possible matches nobody
confirmed) and which sources could not be read. The plan hash on the sign-off
line is the one ``--execute`` checks, so a signature approves exactly this plan.
The document holds keys and column names, never the values of a row.

Rich-free on purpose: the terminal tree is drawn by ``dsr.cli.erase``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsr.config.models import Config
from dsr.erasure.model import PlanAction, PlanActionKind
from dsr.erasure.store import StoredPlan
from dsr.ledger import Document, Ledger, append_event
from dsr.render.writers import private_dir, write_documents
from dsr.requests.lifecycle import current_actor

if TYPE_CHECKING:
    from dsr.erasure.plan import PlanOutcome

_NAMES = {"de": "loeschplan", "en": "erasure-plan"}

KINDS: tuple[PlanActionKind, ...] = ("delete", "anonymise", "keep", "redact", "processor_task")

# Each language maps a label to its text, or (reasons, methods) to a table of texts.
_TEXT: dict[str, dict[str, Any]] = {
    "de": {
        "title": "Löschplan für Antrag {request}",
        "title_ended": "Löschplan nach Ablauf der Aufbewahrung, Antrag {request}",
        "intro": (
            "Dieser Plan ändert noch nichts. Er zeigt für jede gefundene Zeile, was mit ihr "
            "geschieht und warum. Ausgeführt wird er erst nach Freigabe mit "
            "`dsr erase {request} --execute`, und nur, solange sein Hash unverändert ist."
        ),
        "hash": "Plan-Hash",
        "created": "Erstellt",
        "controller": "Verantwortlicher",
        "summary": "Übersicht",
        "source": "Quelle",
        "table": "Tabelle",
        "key": "Schlüssel",
        "reason": "Grund",
        "columns": "Spalten",
        "rule": "Regel",
        "basis": "Rechtsgrundlage",
        "until": "bis",
        "kinds": "Kennungen",
        "delete": "löschen",
        "anonymise": "anonymisieren",
        "keep": "aufbewahren",
        "redact": "schwärzen",
        "processor_task": "Auftragsverarbeiter",
        "h_keep": "Aufbewahrt (Art. 17 Abs. 3 lit. b DSGVO), für andere Zwecke gesperrt",
        "h_anonymise": "Anonymisiert: die Zeile bleibt, weil aufbewahrte Zeilen auf sie verweisen",
        "h_delete": "Gelöscht",
        "h_redact": "Geschwärzt: Erwähnungen in Texten anderer Personen (die Zeile bleibt)",
        "h_processor": "Aufgaben für Auftragsverarbeiter (Art. 28, Art. 19 DSGVO)",
        "vendor": "Anbieter",
        "due": "fällig bis",
        "h_recipients": "Empfänger, denen die Löschung mitzuteilen ist (Art. 19 DSGVO)",
        "recipients_intro": (
            "Nach der Ausführung: jedem Empfänger die Löschung mitteilen und es festhalten mit "
            "`dsr request notified {request} --recipient NAME --at DATUM` (oder "
            "`--not-possible GRUND`, wenn es unmöglich oder unverhältnismäßig ist)."
        ),
        "recipient": "Empfänger",
        "rows": "Datensätze",
        "h_left_out": "Nicht im Plan: mögliche Treffer, die niemand bestätigt hat",
        "left_out_intro": (
            "Diese Zeilen teilen mit der Person nur schwache Merkmale (Name mit Geburtsdatum "
            "oder Postleitzahl). Gehören sie ihr, planen Sie neu mit "
            "`dsr erase {request} --confirm QUELLE.TABELLE:SCHLÜSSEL`."
        ),
        "h_failed": "Nicht gelesene Quellen: der Plan ist unvollständig",
        "h_notes": "Bitte prüfen",
        "h_signoff": "Freigabe",
        "signoff": (
            "Geprüft und zur Ausführung freigegeben (Plan-Hash `{hash}`):\n\n"
            "Name, Funktion: ______________________________\n\n"
            "Datum, Unterschrift: ______________________________"
        ),
        "audit": (
            "- [ ] Ich habe geprüft, dass keine Außenprüfung und kein anderes Verfahren läuft, "
            "für das die Unterlagen noch gebraucht werden (§ 147 Abs. 3 Satz 5 AO)."
        ),
        "none": "Keine Zeilen gefunden: es gibt nichts zu löschen.",
        "reasons": {
            "person_row": "Zeile der Person",
            "linked_row": "hängt an einer Zeile der Person",
            "mention": "Erwähnung in fremdem Text",
            "retention": "gesetzliche Aufbewahrungspflicht",
            "integrity": "aufbewahrte Zeilen verweisen darauf",
            "processor": "Daten beim Auftragsverarbeiter",
        },
        "methods": {
            "null": "leeren",
            "mask": "maskieren",
            "year": "nur Jahr",
            "region": "nur Region",
            "pseudonym": "Pseudonym",
        },
        "no_end": "offen",
    },
    "en": {
        "title": "Erasure plan for request {request}",
        "title_ended": "Erasure plan after retention ended, request {request}",
        "intro": (
            "This plan changes nothing yet. It shows, for every row found, what happens to it "
            "and why. It is carried out only after sign-off, with "
            "`dsr erase {request} --execute`, and only while its hash is unchanged."
        ),
        "hash": "Plan hash",
        "created": "Created",
        "controller": "Controller",
        "summary": "Summary",
        "source": "Source",
        "table": "Table",
        "key": "Key",
        "reason": "Reason",
        "columns": "Columns",
        "rule": "Rule",
        "basis": "Legal basis",
        "until": "until",
        "kinds": "Identifiers",
        "delete": "delete",
        "anonymise": "anonymise",
        "keep": "keep",
        "redact": "redact",
        "processor_task": "processor",
        "h_keep": "Kept (Art. 17(3)(b) GDPR), blocked from any other use",
        "h_anonymise": "Anonymised: the row stays because kept rows refer to it",
        "h_delete": "Deleted",
        "h_redact": "Redacted: mentions in other people's text (the row stays)",
        "h_processor": "Tasks for processors (Art. 28, Art. 19 GDPR)",
        "vendor": "Vendor",
        "due": "due by",
        "h_recipients": "Recipients to tell about the erasure (Art. 19 GDPR)",
        "recipients_intro": (
            "After execution: tell each recipient about the erasure and record it with "
            "`dsr request notified {request} --recipient NAME --at DATE` (or "
            "`--not-possible REASON` where that is impossible or disproportionate)."
        ),
        "recipient": "recipient",
        "rows": "Records",
        "h_left_out": "Not in the plan: possible matches nobody confirmed",
        "left_out_intro": (
            "These rows share only weak identifiers with the person (name with birth date or "
            "postcode). If they are the person's, plan again with "
            "`dsr erase {request} --confirm SOURCE.TABLE:KEY`."
        ),
        "h_failed": "Sources not read: the plan is incomplete",
        "h_notes": "Please check",
        "h_signoff": "Sign-off",
        "signoff": (
            "Reviewed and approved for execution (plan hash `{hash}`):\n\n"
            "Name, role: ______________________________\n\n"
            "Date, signature: ______________________________"
        ),
        "audit": (
            "- [ ] I checked that no tax audit or other proceeding is open for which the "
            "documents are still needed (§ 147(3) sentence 5 AO)."
        ),
        "none": "No rows found: there is nothing to erase.",
        "reasons": {
            "person_row": "the person's row",
            "linked_row": "hangs on a row of the person",
            "mention": "mention in someone else's text",
            "retention": "legal retention duty",
            "integrity": "kept rows refer to it",
            "processor": "data held by a processor",
        },
        "methods": {
            "null": "empty",
            "mask": "mask",
            "year": "year only",
            "region": "region only",
            "pseudonym": "pseudonym",
        },
        "no_end": "open",
    },
}


def texts(language: str) -> dict[str, Any]:
    """The labels of the review document in ``language`` (English for any other)."""
    return _TEXT.get(language, _TEXT["en"])


def key_text(key: dict[str, Any]) -> str:
    """A row key as one short line: ``id=90`` or ``file=a.xlsx, sheet=S, row=12``."""
    return ", ".join(f"{k}={v}" for k, v in key.items())


def counts_by_source(actions: list[PlanAction]) -> dict[str, Counter[str]]:
    """How many rows of each source get each action."""
    counts: dict[str, Counter[str]] = {}
    for action in actions:
        counts.setdefault(action.source, Counter())[action.action] += 1
    return counts


def review_document(outcome: PlanOutcome) -> dict[str, Any]:
    """The plan as design.md's ``erase`` JSON document, with extra keys for review."""
    stored = outcome.stored
    plan = stored.plan
    counts = Counter(a.action for a in plan.actions)
    return {
        "request": plan.request,
        "plan_hash": stored.plan_hash,
        "actions": [a.as_dict() for a in plan.actions],
        "plan_id": stored.id,
        "status": stored.status,
        "created": plan.created.isoformat(),
        "language": plan.language,
        "retention_ended": plan.retention_ended,
        "counts": {kind: counts.get(kind, 0) for kind in KINDS},
        "processor_tasks": [t.as_dict() for t in plan.processor_tasks],
        "recipient_tasks": [t.as_dict() for t in plan.recipient_tasks],
        "failed_sources": sorted(plan.failed_sources),
        "possible": plan.possible,
        "left_out": [item.as_dict() for item in outcome.left_out],
        "notes": list(outcome.notes),
        "documents": [{"path": str(p), "sha256": d} for p, d in outcome.documents],
    }


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def plan_markdown(config: Config, outcome: PlanOutcome) -> str:
    """The review document in the plan's language, ending with the sign-off lines."""
    stored = outcome.stored
    plan = stored.plan
    t = texts(plan.language)
    reasons: dict[str, str] = t["reasons"]
    methods: dict[str, str] = t["methods"]
    title = t["title_ended" if plan.retention_ended else "title"].format(request=plan.request)
    lines = [
        f"# {title}",
        "",
        t["intro"].format(request=plan.request),
        "",
        f"- {t['controller']}: {config.controller.name}",
        f"- {t['created']}: {plan.created.isoformat()}",
        f"- {t['hash']}: `{stored.plan_hash}`",
        "",
        f"## {t['summary']}",
        "",
    ]
    actions = list(plan.actions)
    if not actions:
        lines += [t["none"], ""]
    else:
        counts = counts_by_source(actions)
        lines += _table(
            [t["source"], *(t[k] for k in KINDS)],
            [[name, *(c.get(k, 0) for k in KINDS)] for name, c in counts.items()],
        )

    def reason(action: PlanAction) -> str:
        return reasons.get(action.reason, action.reason)

    def until(action: PlanAction) -> str:
        return action.until.isoformat() if action.until else t["no_end"]

    kept = [a for a in actions if a.action == "keep"]
    if kept:
        lines += [f"## {t['h_keep']}", ""]
        lines += _table(
            [t["source"], t["table"], t["key"], t["reason"], t["rule"], t["basis"], t["until"]],
            [
                [a.source, a.table, key_text(a.key), reason(a), a.rule or "", a.basis or "",
                 until(a)]
                for a in kept
            ],
        )
    anonymised = [a for a in actions if a.action == "anonymise"]
    if anonymised:
        lines += [f"## {t['h_anonymise']}", ""]
        lines += _table(
            [t["source"], t["table"], t["key"], t["columns"], t["basis"], t["until"]],
            [
                [
                    a.source, a.table, key_text(a.key),
                    ", ".join(f"{c} ({methods.get(a.how.get(c, ''), a.how.get(c, ''))})"
                              for c in a.columns),
                    a.basis or "", until(a),
                ]
                for a in anonymised
            ],
        )
    deleted = [a for a in actions if a.action == "delete"]
    if deleted:
        lines += [f"## {t['h_delete']}", ""]
        lines += _table(
            [t["source"], t["table"], t["key"], t["reason"]],
            [[a.source, a.table, key_text(a.key), reason(a)] for a in deleted],
        )
    redacted = [a for a in actions if a.action == "redact"]
    if redacted:
        lines += [f"## {t['h_redact']}", ""]
        lines += _table(
            [t["source"], t["table"], t["key"], t["columns"], t["kinds"]],
            [[a.source, a.table, key_text(a.key), ", ".join(a.columns), ", ".join(a.redact)]
             for a in redacted],
        )
    if plan.processor_tasks:
        lines += [f"## {t['h_processor']}", ""]
        for task in plan.processor_tasks:
            lines += [
                f"### {task.source}: {task.vendor}, {t['due']} {task.due.isoformat()}",
                "",
                task.procedure,
                "",
            ]
            rows = [a for a in actions if a.action == "processor_task" and a.source == task.source]
            lines += _table(
                [t["table"], t["key"], t["reason"], t["kinds"]],
                [[a.table, key_text(a.key), reason(a), ", ".join(a.redact)] for a in rows],
            )
    if plan.recipient_tasks:
        lines += [f"## {t['h_recipients']}", "", t["recipients_intro"].format(request=plan.request),
                  ""]  # fmt: skip
        lines += _table(
            [t["recipient"], t["source"], t["due"]],
            [[task.recipient, ", ".join(task.sources), task.due.isoformat()]
             for task in plan.recipient_tasks],
        )  # fmt: skip
    if outcome.left_out:
        lines += [f"## {t['h_left_out']}", "", t["left_out_intro"].format(request=plan.request), ""]
        lines += _table(
            [t["source"], t["table"], t["key"], "--confirm"],
            [
                [item.source, item.table, key_text(item.key),
                 f"`{item.source}.{item.table}:{json.dumps(item.key, ensure_ascii=False)}`"]
                for item in outcome.left_out
            ],
        )
    if plan.failed_sources:
        lines += [f"## {t['h_failed']}", ""]
        lines += [f"- `{name}`: {why}" for name, why in sorted(plan.failed_sources.items())]
        lines += [""]
    if outcome.notes:
        lines += [f"## {t['h_notes']}", ""]
        lines += [f"- {note}" for note in outcome.notes]
        lines += [""]
    lines += [f"## {t['h_signoff']}", ""]
    if plan.retention_ended:
        lines += [t["audit"], ""]
    lines += [t["signoff"].format(hash=stored.plan_hash), ""]
    return "\n".join(lines)


# -- the files ------------------------------------------------------------------------------


def review_paths(config: Config, stored: StoredPlan, output: Path | None) -> tuple[Path, Path]:
    """Where the review files go: ``erasure/ID/`` beside dsr.yaml unless ``output`` is given,
    named after the plan's hash, so a signed-off file always names the plan it approves."""
    plan = stored.plan
    folder = output if output is not None else config.base_dir / "erasure" / plan.request
    stem = f"{_NAMES.get(plan.language, _NAMES['en'])}-{plan.request}-{stored.plan_hash[:8]}"
    return folder / f"{stem}.md", folder / f"{stem}.json"


def write_review(
    config: Config,
    ledger: Ledger,
    outcome: PlanOutcome,
    *,
    output: Path | None = None,
    actor: str | None = None,
) -> PlanOutcome:
    """Write the plan for review and sign-off (Markdown and JSON, owner-only) and record
    the files' checksums in the ledger; returns the outcome with the documents."""
    markdown_path, json_path = review_paths(config, outcome.stored, output)
    private_dir(markdown_path.parent)
    files = [
        ("erasure_plan_md", markdown_path, plan_markdown(config, outcome).encode("utf-8")),
        (
            "erasure_plan_json",
            json_path,
            json.dumps(review_document(outcome), ensure_ascii=False, indent=2).encode("utf-8"),
        ),
    ]
    digests = write_documents(files)
    documents = [(path, sha) for (_, path, _), sha in zip(files, digests, strict=True)]
    request = outcome.stored.plan.request
    with ledger.session() as session:
        for (kind, path, _), (_, digest) in zip(files, documents, strict=True):
            session.add(Document(request_id=request, kind=kind, path=str(path), sha256=digest))
        append_event(
            session,
            actor=current_actor(actor),
            action="erasure.plan_written",
            request_id=request,
            details={
                "plan_hash": outcome.stored.plan_hash,
                "documents": [d for _, d in documents],
            },
        )
    return replace(outcome, documents=tuple(documents))
