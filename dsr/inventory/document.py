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
from dsr.inventory.findings import KINDS, find_findings
from dsr.inventory.record import build_activities, build_controller
from dsr.inventory.scan import SourceScan


def build_document(
    config: Config, scans: list[SourceScan], *, language: str, today: date | None = None
) -> dict[str, Any]:
    """Everything the inventory found, in ``language`` (de or en) for the human texts."""
    today = today or today_berlin()  # the record's date is the Berlin day
    findings = find_findings(config, scans, language)
    counts = Counter(f["kind"] for f in findings)
    return {
        "generated": today.isoformat(),
        "language": language,
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
        "activities": build_activities(config, scans, language, today),
        "findings": findings,
        "summary": {kind: counts[kind] for kind in KINDS if counts[kind]},
    }
