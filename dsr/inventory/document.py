"""The inventory as one JSON-ready document: the contract every output format renders.

design.md fixes ``columns``, ``activities`` and ``findings``; ``controller``,
``sources``, ``failed_sources``, ``generated`` and ``language`` are added. The
Markdown, HTML and XLSX files are renderings of this document, so a script
reading the JSON sees exactly what the DPO reads.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from dsr.clock import today_berlin
from dsr.config.models import Config
from dsr.inventory.findings import KINDS, find_findings, split_decided
from dsr.inventory.history import History, describe
from dsr.inventory.record import build_activities, build_controller
from dsr.inventory.scan import SourceScan


def build_document(
    config: Config,
    scans: list[SourceScan],
    *,
    language: str,
    today: date | None = None,
    history: History | None = None,
) -> dict[str, Any]:
    """Everything the inventory found, in ``language`` (de or en) for the human texts;
    ``history`` (this run compared with the previous one) gives the record's version,
    the activities' dates and the changes."""
    today = today or today_berlin()  # the record's date is the Berlin day
    findings, decided = split_decided(find_findings(config, scans, language), config, language)
    counts = Counter(f["kind"] for f in findings)
    return {
        "generated": today.isoformat(),
        "language": language,
        "version": history.version if history else None,
        "previous_run": history.previous_run if history else None,
        "changes": [
            {**change.as_dict(), "text": describe(change.as_dict(), language)}
            for change in (history.changes if history else [])
        ],
        "controller": build_controller(config),
        "sources": [
            {
                "name": s.source.name,
                "type": s.source.type,
                "ok": s.ok,
                "error": s.error,
                "tables": len(s.tables),
                "personal_tables": sum(1 for t in s.tables if t.personal),
                "seconds": round(s.seconds, 3),
            }
            for s in scans
        ],
        "failed_sources": [s.source.name for s in scans if not s.ok],
        "columns": [
            column.as_dict() for s in scans for t in s.tables for column in t.columns
        ],
        "tables": [
            {
                "source": t.source,
                "table": t.table,
                "kind": t.kind,
                "rows": t.rows,
                "personal": t.personal,
                "person_table": t.person_table,
            }
            for s in scans
            for t in s.tables
        ],
        "activities": _with_change_texts(
            build_activities(config, scans, language, today, history), language
        ),
        "findings": findings,
        "decided": decided,
        "summary": {kind: counts[kind] for kind in KINDS if counts[kind]},
    }


def _with_change_texts(activities: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Each activity's last change in sentences of the record's language."""
    for activity in activities:
        activity["last_change"] = [describe(c, language) for c in activity["last_change"]]
    return activities
