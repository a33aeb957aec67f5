"""The erasure confirmation (Art. 17, Art. 19, Art. 12(4)): what the person is told at the end.

The letter answers first: everything erased, partly erased, or not erased (and
why). Then, without a single erased value, what was erased (systems, kinds of
data, counts), what is kept and on which legal duty until when (law.md §4: only
the document, blocked from other use, erased when the period ends), which
processors and recipients were told (Art. 19), and the right to complain. Every
"no" is explained (Art. 12(4)), together with the right to go to court.

Everything comes from the stored plan (what was done), the processor tasks' state
as ``--verify`` found it, ``dsr.yaml`` (controller, authority, retention rules,
recipients) and the classification of the sources (the kinds of data). The context
fills one template (templates/erasure_confirmation.md.j2, wording in the catalogues);
the HTML is its Markdown in the shared layout and the PDF that HTML printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from dsr.access.letter import short_label
from dsr.classify.names import words
from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES
from dsr.config.models import Config
from dsr.connectors.rows import RowId, is_empty, row_id, value_text
from dsr.erasure import retention
from dsr.erasure.model import ErasurePlan, PlanAction
from dsr.erasure.notified import RecipientState
from dsr.render.greeting import greeting
from dsr.render.letters import sender, table_label
from dsr.requests.deadline_names import format_date, long_date
from dsr.requests.subject import LetterFacts

Outcome = Literal["erased", "partial", "refused", "none"]
"""``erased``: everything found is erased (or handed to processors); ``partial``: some
of it is kept; ``refused``: all of it is kept; ``none``: nothing was found."""

TaskStatus = Literal["done", "open", "late"]
"""``done``: a newer export no longer holds the person; ``late``: open past its due date."""

_ERASING = ("delete", "anonymise", "redact")
_NAMES = {"de": "loeschbestaetigung", "en": "erasure-confirmation"}
_DRAFT = {"de": "entwurf", "en": "draft"}


@dataclass(frozen=True)
class LetterTask:
    """A processor task as the letter shows it: whom, and whether they confirmed."""

    source: str
    vendor: str
    status: TaskStatus
    due: date


def file_stem(request_id: str, language: str, *, draft: bool = False) -> str:
    """``loeschbestaetigung-2026-0001`` / ``erasure-confirmation-2026-0001``; a draft is
    ``entwurf-loeschbestaetigung-2026-0001`` / ``draft-erasure-confirmation-2026-0001``."""
    stem = f"{_NAMES[language]}-{request_id}"
    return f"{_DRAFT[language]}-{stem}" if draft else stem


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


def _per_table(
    config: Config,
    plan: ErasurePlan,
    kind: str,
    language: str,
    count: str,
    fields: Callable[[], dict[str, Any]],
) -> tuple[dict[tuple[str, str], dict[str, Any]], list[tuple[dict[str, Any], PlanAction]]]:
    """The plan's actions of one kind grouped as the letter lists them, per system and
    table (labelled, ``count`` counting the rows, ``fields`` the group's own entries), and
    each action with its group, for what a group gathers from its actions."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    members: list[tuple[dict[str, Any], PlanAction]] = []
    for action in plan.actions:
        if action.action != kind:
            continue
        group = groups.get((action.source, action.table))
        if group is None:
            group = groups[action.source, action.table] = {
                "system": _system(config, action.source),
                "table": table_label(action.table, language),
                count: 0,
                **fields(),
            }
        group[count] += 1
        members.append((group, action))
    return groups, members


def _erased(
    config: Config,
    plan: ErasurePlan,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> list[dict[str, Any]]:
    """Deleted rows per system and table, with the kinds of data the table held."""
    groups, _ = _per_table(config, plan, "delete", language, "deleted", lambda: {"categories": []})
    for (source, table), group in groups.items():
        group["categories"] = _table_categories(classes, source, table, None, language)
    return list(groups.values())


_NUMBER_WORDS = frozenset(
    {"number", "no", "nr", "num", "nummer", "reference", "ref", "belegnummer",
     "rechnungsnummer", "bestellnummer", "invoicenumber", "ordernumber"}
)  # fmt: skip
"""Words of a column name that hold a document's own number (``invoice_number``,
``InvoiceNo``, ``Belegnummer``): what the customer finds printed on the document."""


def number_column(
    classes: Mapping[str, Sequence[TableClassification]], source: str, table: str
) -> str | None:
    """The column that holds the document's own number: the first column whose name says
    so and that holds no personal data (``customer_number`` is the person's, not the
    invoice's); None when the table has none (then the letter uses the row's key)."""
    for item in classes.get(source, ()):
        if item.table != table:
            continue
        for column in item.columns:
            if column.personal:
                continue
            parts = words(column.column)
            if any(w in _NUMBER_WORDS for w in parts) or "".join(parts) in _NUMBER_WORDS:
                return column.column
    return None


_NUMBER = {"de": "Nr.", "en": "No."}


def document_name(
    action: PlanAction,
    row: Mapping[str, Any] | None,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> str:
    """How the customer knows a kept row: its number as printed on it (``RE-2019-00143``),
    else ``Nr. 98`` / ``No. 98`` from its one-column key, else the key's values."""
    column = number_column(classes, action.source, action.table)
    if column and row is not None and not is_empty(row.get(column)):
        return str(value_text(row[column]))
    values = [str(v) for v in action.key.values()]
    return f"{_NUMBER.get(language, 'No.')} {values[0]}" if len(values) == 1 else ", ".join(values)


def _rule_years(config: Config) -> dict[str, int]:
    return {str(rule.name): rule.years for rule in config.retention}


def _kept(
    config: Config,
    plan: ErasurePlan,
    names: Mapping[tuple[str, RowId], str],
    language: str,
) -> list[dict[str, Any]]:
    """Kept documents, as the customer knows them: per rule and table, each document by
    its number, the year it arose and the day it may be erased. Rows kept only because a
    kept document refers to them (its order, its lines) follow their documents as
    ``with``; where none of those documents is the person's, they are listed themselves
    with ``belongs`` set (they belong to documents the law requires us to keep)."""
    years = _rule_years(config)
    own: dict[tuple[str, str, str], list[PlanAction]] = {}
    hanging: dict[tuple[str, str, str], list[PlanAction]] = {}
    for action in plan.kept():
        rule = action.rule or ""
        governing = retention.rule_for(config.retention, action.source, action.table)
        primary = (
            action.reason == "retention" and governing is not None and str(governing.name) == rule
        )
        (own if primary else hanging).setdefault((action.source, action.table, rule), []).append(
            action
        )

    def name(action: PlanAction) -> str:
        found = names.get((action.source, row_id(action.table, action.key)))
        return found or document_name(action, None, {}, language)

    def documents(actions: list[PlanAction], rule: str, with_year: bool) -> list[dict[str, Any]]:
        ordered = sorted(actions, key=lambda a: (a.until or date.max, name(a)))
        number = years.get(rule)
        return [
            {
                "name": name(a),
                "year": a.until.year - number if with_year and a.until and number else None,
                "until": format_date(a.until, language, "short") if a.until else None,
            }
            for a in ordered
        ]

    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for (source, table, rule), actions in own.items():
        groups[(source, table, rule)] = {
            "system": _system(config, source),
            "table": table_label(table, language),
            "years": years.get(rule),
            "basis": actions[0].basis,
            "documents": documents(actions, rule, True),
            "with": [],
            "belongs": False,
        }
    for (source, table, rule), actions in hanging.items():
        target = next(
            (g for (s, _, r), g in groups.items() if s == source and r == rule and r), None
        )
        if target is not None:
            shown = sorted({names[k] for a in actions
                            if (k := (a.source, row_id(a.table, a.key))) in names})  # fmt: skip
            target["with"].append(
                {"table": table_label(table, language), "count": len(actions), "names": shown}
            )
            continue
        groups[(source, table, rule)] = {
            "system": _system(config, source),
            "table": table_label(table, language),
            "years": None,
            "basis": actions[0].basis,
            "documents": documents(actions, rule, False),
            "with": [],
            "belongs": True,
        }
    order = sorted(groups, key=lambda k: (groups[k]["belongs"], groups[k]["system"], k[1]))
    return [groups[k] for k in order]


_REMAINS = {"year": "year", "region": "region", "pseudonym": "pseudonym", "mask": "removed",
            "null": "removed"}  # fmt: skip


def _changed(
    config: Config,
    plan: ErasurePlan,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> list[dict[str, Any]]:
    """Rows that stay but no longer hold the person's details, per table: which kinds of
    data were removed, what is left of others (a birth year, a postcode region), and
    whether the row is pseudonymised rather than anonymous: it stays linked to kept
    documents of the person (an account an invoice with name and address points at), or
    keeps something derived from a value (the year, a keyed pseudonym)."""
    kept_categories: dict[tuple[str, str], set[str]] = {}
    kept_tables: dict[tuple[str, str], list[str]] = {}
    for action in plan.kept():
        place = (action.source, action.rule or "")
        kept_categories.setdefault(place, set()).update(
            _categories_of(classes, action.source, action.table, action.columns or None)
        )
        own = retention.rule_for(config.retention, action.source, action.table)
        if action.reason == "retention" and own is not None and str(own.name) == action.rule:
            label = table_label(action.table, language)
            if label not in kept_tables.setdefault(place, []):
                kept_tables[place].append(label)
    groups, changed = _per_table(
        config, plan, "anonymise", language, "rows",
        lambda: {"removed": [], "year": False, "region": False, "linked": [],
                 "pseudonymised": False},
    )  # fmt: skip
    for group, action in changed:
        for column, how in sorted(action.how.items()):
            kinds = _categories_of(classes, action.source, action.table, [column])
            if how == "year":
                group["year"] = True
            elif how == "region":
                group["region"] = True
            for kind in kinds:
                label = short_label(kind, language)
                if how in ("null", "mask", "pseudonym") and label not in group["removed"]:
                    group["removed"].append(label)
            if how in ("year", "region", "pseudonym"):
                group["pseudonymised"] = True
        place = (action.source, action.rule or "")
        linked = kept_categories.get(place, set())
        if action.reason == "integrity" and action.rule and linked & {"identity", "address"}:
            group["pseudonymised"] = True
            group["linked"] = [k for k in ("identity", "address") if k in linked]
            group["documents"] = kept_tables.get(place) or []
    for group in groups.values():
        group.setdefault("documents", [])
    return list(groups.values())


def _categories_of(
    classes: Mapping[str, Sequence[TableClassification]],
    source: str,
    table: str,
    columns: Iterable[str] | None,
) -> list[str]:
    wanted = set(columns) if columns is not None else None
    found: list[str] = []
    for item in classes.get(source, ()):
        if item.table != table:
            continue
        for column in item.columns:
            if column.personal and (wanted is None or column.column in wanted):
                found += [c for c in column.categories if c in CATEGORIES and c not in found]
    return found


def _redacted(config: Config, plan: ErasurePlan, language: str) -> list[dict[str, Any]]:
    """Passages in other people's records that named the person: where, how many, and
    which of the person's details were cut out of them (the kinds the plan redacts)."""
    groups, cut = _per_table(config, plan, "redact", language, "rows", lambda: {"kinds": []})
    for group, action in cut:
        for kind in action.redact:
            if kind not in group["kinds"]:
                group["kinds"].append(kind)
    for group in groups.values():
        group["kinds"] = [k for k in _REDACT_ORDER if k in group["kinds"]]
    return list(groups.values())


_REDACT_ORDER = ("name", "email", "phone", "street")


def _recipients(config: Config, plan: ErasurePlan) -> list[dict[str, Any]]:
    """Processors of the systems dsr changed itself: their systems hold no more of the
    person, because dsr erased it there (the processor tasks cover the others)."""
    involved = list(dict.fromkeys(a.source for a in plan.actions))
    tasks = {t.source for t in plan.processor_tasks}
    processors: dict[str, dict[str, Any]] = {}
    for name in involved:
        source = config.sources.get(name)
        if source is None or name in tasks or source.processor is None:
            continue
        if any(a.source == name and a.action in _ERASING for a in plan.actions):
            processors.setdefault(
                source.processor.name,
                {"name": source.processor.name, "country": source.processor.country},
            )
    return list(processors.values())


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


def _told(
    config: Config, states: Sequence[RecipientState], language: str
) -> dict[str, list[dict[str, Any]]]:
    """The Art. 19 recipients as the ledger records them: told (with the day), not told
    for a recorded reason, and still to be told (with the day it is due)."""
    shown: dict[str, list[dict[str, Any]]] = {"told": [], "not_possible": [], "pending": []}
    for state in states:
        row = {
            "name": state.recipient,
            "systems": [_system(config, s) for s in state.sources],
            "on": long_date(state.on, language) if state.on else None,
            "due": long_date(state.due, language),
            "reason": state.reason,
            "late": state.status == "late",
        }
        key = {"done": "told", "not_possible": "not_possible"}.get(state.status, "pending")
        shown[key].append(row)
    return shown


def confirmation_context(
    config: Config,
    facts: LetterFacts,
    plan: ErasurePlan,
    tasks: Sequence[LetterTask],
    classes: Mapping[str, Sequence[TableClassification]],
    *,
    recipients: Sequence[RecipientState] = (),
    names: Mapping[tuple[str, RowId], str] | None = None,
    address: Mapping[str, str] | None = None,
    missing: Sequence[str] = (),
) -> dict[str, Any]:
    """The variables of templates/erasure_confirmation.md.j2, the same in every language.

    ``recipients`` are the plan's Art. 19 tasks as the ledger records them, ``names`` the
    kept rows' own numbers (``document_name``), ``address`` the salutation and surname
    read when the plan was made, ``missing`` the dsr.yaml keys the letter lacks (then it
    is a draft)."""
    language = facts.language
    controller = config.controller
    task_rows = _tasks(config, tasks, language)
    told = {row["name"] for row in task_rows}
    address = address or {}
    return {
        "request_id": facts.id,
        "person_name": facts.person_name,
        "greeting": greeting(language, address.get("form"), address.get("surname"),
                             facts.person_name),
        **sender(config),
        "authority": controller.supervisory_authority,
        "received": long_date(facts.received, language),
        "answered": long_date(facts.answered, language),
        "outcome": outcome_of(plan),
        "erased": _erased(config, plan, classes, language),
        "changed": _changed(config, plan, classes, language),
        "redacted": _redacted(config, plan, language),
        "kept": _kept(config, plan, names or {}, language),
        "tasks": task_rows,
        "processors": [p for p in _recipients(config, plan) if p["name"] not in told],
        "recipients": _told(config, recipients, language),
        "draft": bool(missing),
        "missing": list(missing),
    }
