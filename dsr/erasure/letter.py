"""The erasure confirmation (Art. 17, Art. 19, Art. 12(4)): what the person is told at the end.

The letter answers first: everything erased, partly erased, or not erased (and
why). Then, without a single erased value, what was erased (systems, kinds of
data, counts), what is kept and on which legal duty until when (law.md §4: only
the document, blocked from other use, erased when the period ends), which
processors and recipients were told (Art. 19), and the right to complain. Every
"no" is explained (Art. 12(4)), together with the right to go to court.

Everything comes from the stored plan (what was done), the processor tasks' state
as ``--verify`` found it, ``dsr.yaml`` (controller, authority, retention rules,
recipients) and the classification of the sources (the kinds of data). The same
context renders the Markdown and HTML templates; the PDF is the HTML printed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from dsr.access.letter import short_label
from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES
from dsr.config.models import Config
from dsr.erasure.model import ErasurePlan, PlanAction
from dsr.render.letters import sender, table_label
from dsr.requests.deadline_names import long_date
from dsr.requests.subject import LetterFacts

Outcome = Literal["erased", "partial", "refused", "none"]
"""``erased``: everything found is erased (or handed to processors); ``partial``: some
of it is kept; ``refused``: all of it is kept; ``none``: nothing was found."""

TaskStatus = Literal["done", "open", "late"]
"""``done``: a newer export no longer holds the person; ``late``: open past its due date."""

_ERASING = ("delete", "anonymise", "redact")
_NAMES = {"de": "loeschbestaetigung", "en": "erasure-confirmation"}


@dataclass(frozen=True)
class LetterTask:
    """A processor task as the letter shows it: whom, and whether they confirmed."""

    source: str
    vendor: str
    status: TaskStatus
    due: date


def file_stem(request_id: str, language: str) -> str:
    """``loeschbestaetigung-2026-0001`` / ``erasure-confirmation-2026-0001``."""
    return f"{_NAMES[language]}-{request_id}"


def outcome_of(plan: ErasurePlan) -> Outcome:
    """What the answer is, from what the plan did (processor tasks count as erasing)."""
    erasing = any(a.action in _ERASING for a in plan.actions) or bool(plan.processor_tasks)
    kept = bool(plan.kept())
    if erasing and kept:
        return "partial"
    if erasing:
        return "erased"
    if kept:
        return "refused"
    return "none"


def _system(config: Config, source: str) -> str:
    entry = config.sources.get(source)
    return (entry.description or source) if entry else source


def _table_categories(
    classes: Mapping[str, Sequence[TableClassification]],
    source: str,
    table: str,
    columns: Iterable[str] | None,
    language: str,
) -> list[str]:
    """Short labels of the kinds of data in ``columns`` (all personal columns when None)."""
    wanted = set(columns) if columns is not None else None
    seen: list[str] = []
    for item in classes.get(source, ()):
        if item.table != table:
            continue
        for column in item.columns:
            if not column.personal or (wanted is not None and column.column not in wanted):
                continue
            for category in column.categories:
                if category in CATEGORIES and category not in seen:
                    seen.append(category)
    return [short_label(c, language) for c in seen]


def _erased(
    config: Config,
    plan: ErasurePlan,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    touched: dict[tuple[str, str], set[str] | None] = {}
    for action in plan.actions:
        if action.action not in _ERASING:
            continue
        place = (action.source, action.table)
        group = groups.setdefault(
            place,
            {
                "system": _system(config, action.source),
                "table": table_label(action.table, language),
                "deleted": 0,
                "anonymised": 0,
                "redacted": 0,
                "categories": [],
            },
        )
        key = {"delete": "deleted", "anonymise": "anonymised", "redact": "redacted"}
        group[key[action.action]] += 1
        if action.action == "delete" or touched.get(place, set()) is None:
            touched[place] = None  # a deleted row: every kind of data the table holds
        else:
            touched.setdefault(place, set()).update(action.columns)  # type: ignore[union-attr]
    for place, group in groups.items():
        group["categories"] = _table_categories(
            classes, place[0], place[1], touched.get(place), language
        )
    return list(groups.values())


def _kept(
    config: Config,
    plan: ErasurePlan,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> list[dict[str, Any]]:
    """Kept rows grouped by system, table, rule and the day they may be erased: invoices of
    2019 and 2025 end on different days, and the person is told each."""
    years = {rule.name: rule.years for rule in config.retention}
    groups: dict[tuple[str, str, str, str, str, str], dict[str, Any]] = {}
    columns: dict[tuple[str, str, str, str, str, str], set[str] | None] = {}
    ends: dict[tuple[str, str, str, str, str, str], date | None] = {}
    for action in plan.kept():
        place = (
            action.source, action.table, action.rule or "", action.basis or "", action.reason,
            action.until.isoformat() if action.until else "",
        )
        group = groups.setdefault(
            place,
            {
                "system": _system(config, action.source),
                "table": table_label(action.table, language),
                "rows": 0,
                "rule": action.rule,
                "basis": action.basis,
                "years": years.get(action.rule or ""),
                "reason": action.reason or "retention",
                "until": None,
                "categories": [],
            },
        )
        group["rows"] += 1
        ends[place] = action.until
        _keep_columns(columns, place, action)
    for place, group in groups.items():
        until = ends.get(place)
        group["until"] = long_date(until, language) if until else None
        group["categories"] = _table_categories(
            classes, place[0], place[1], columns.get(place), language
        )
    order = sorted(groups, key=lambda p: (groups[p]["system"], groups[p]["table"], p[5], p[2]))
    return [groups[p] for p in order]


def _keep_columns(columns: dict[Any, set[str] | None], place: Any, action: PlanAction) -> None:
    """Union of the kept columns; a keep without columns keeps the whole row."""
    if not action.columns or columns.get(place, set()) is None:
        columns[place] = None
    else:
        columns.setdefault(place, set()).update(action.columns)  # type: ignore[union-attr]


def _recipients(config: Config, plan: ErasurePlan) -> tuple[list[dict[str, Any]], list[str]]:
    """Processors of the systems concerned and the other recipients named in dsr.yaml."""
    involved = list(
        dict.fromkeys([a.source for a in plan.actions] + [t.source for t in plan.processor_tasks])
    )
    processors: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    for name in involved:
        source = config.sources.get(name)
        if source is None:
            continue
        if source.processor is not None:
            processors.setdefault(
                source.processor.name,
                {"name": source.processor.name, "country": source.processor.country},
            )
        for recipient in source.recipients or ():
            if recipient not in others:
                others.append(recipient)
    return list(processors.values()), others


def _tasks(config: Config, tasks: Sequence[LetterTask], language: str) -> list[dict[str, Any]]:
    shown = []
    for task in tasks:
        source = config.sources.get(task.source)
        processor = source.processor.name if source and source.processor else None
        shown.append(
            {
                "name": processor or task.vendor,
                "system": _system(config, task.source),
                "status": task.status,
                "due": long_date(task.due, language),
            }
        )
    return shown


def confirmation_context(
    config: Config,
    facts: LetterFacts,
    plan: ErasurePlan,
    tasks: Sequence[LetterTask],
    classes: Mapping[str, Sequence[TableClassification]],
) -> dict[str, Any]:
    """The variables both languages' templates use (tests/test_docs.py checks they match)."""
    language = facts.language
    controller = config.controller
    processors, recipients = _recipients(config, plan)
    task_rows = _tasks(config, tasks, language)
    told = {row["name"] for row in task_rows}
    return {
        "request_id": facts.id,
        "person_name": facts.person_name,
        **sender(config),
        "authority": controller.supervisory_authority,
        "received": long_date(facts.received, language),
        "answered": long_date(facts.answered, language),
        "outcome": outcome_of(plan),
        "erased": _erased(config, plan, classes, language),
        "kept": _kept(config, plan, classes, language),
        "tasks": task_rows,
        "processors": [p for p in processors if p["name"] not in told],
        "recipients": recipients,
    }
