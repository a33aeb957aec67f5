"""The Art. 15 letter: what the person is told about their data, and in what form.

Everything in the letter comes from ``dsr.yaml`` and the classification of the
sources where the person was actually found (law.md §3: information about this
person's processing, not the company's privacy notice). Where the configuration
is silent (no storage period), the letter says so honestly instead of inventing
one. The same context renders the Markdown and HTML templates; the PDF is the
HTML printed by WeasyPrint.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from dsr.access.copy import ColumnInfo, PersonCopy
from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES, category_label
from dsr.classify.text import special_kinds
from dsr.config.gaps import EEA
from dsr.config.models import Config, RetentionRule
from dsr.connectors.rows import is_empty
from dsr.inventory.record import rule_applies
from dsr.render.letters import sender, table_label
from dsr.requests.deadline_names import long_date
from dsr.requests.subject import LetterFacts

_NO_PERIOD = {
    "de": "keine feste Frist festgelegt: solange der Zweck besteht (z. B. solange Vertrag, "
    "Kundenkonto oder Einwilligung bestehen), danach Löschung",
    "en": "no fixed period set: as long as the purpose lasts (e.g. as long as the contract, "
    "the customer account or your consent lasts), then erased",
}


RequestFacts = LetterFacts
"""The request's facts as the letter states them (``dsr.requests.subject`` loads them)."""


def short_label(category: str, language: str) -> str:
    """'Kontaktdaten' from 'Kontaktdaten (E-Mail, Telefon, Fax)': fits a table header."""
    return category_label(category, language).split(" (")[0]


def _rules(config: Config, source: str, table: str) -> list[RetentionRule]:
    return [r for r in config.retention if any(rule_applies(p, source, table) for p in r.tables)]


def storage_text(config: Config, source: str, table: str, language: str) -> str:
    """The storage period of a table in words, for the data dictionary."""
    rules = _rules(config, source, table)
    if not rules:
        return _NO_PERIOD[language]
    if language == "de":
        return "; ".join(
            f"{r.years} Jahre ab Ende des Kalenderjahres ({r.basis})" for r in rules
        )
    return "; ".join(
        f"{r.years} years from the end of the calendar year ({r.basis})" for r in rules
    )


def column_info(
    config: Config, copy: PersonCopy, classes: dict[str, list[TableClassification]], language: str
) -> dict[tuple[str, str, str], ColumnInfo]:
    """Label, categories, purpose and storage period of every column in the copy."""
    found: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for source, tables in classes.items():
        for table in tables:
            for column in table.columns:
                found[source, table.table, column.column] = tuple(
                    c for c in column.categories if c in CATEGORIES
                )
    info: dict[tuple[str, str, str], ColumnInfo] = {}
    for copied in copy.tables:
        configured = config.sources.get(copied.source)
        purpose = (configured.purpose or "") if configured else ""
        storage = storage_text(config, copied.source, copied.table, language)
        for name in copied.columns:
            categories = found.get((copied.source, copied.table, name), ())
            label = name
            if categories:
                label = f"{name} ({', '.join(short_label(c, language) for c in categories)})"
            info[copied.source, copied.table, name] = ColumnInfo(
                label, categories, purpose, storage
            )
    return info


def letter_context(
    config: Config,
    facts: RequestFacts,
    copy: PersonCopy,
    info: dict[tuple[str, str, str], ColumnInfo],
    *,
    data_file: str,
) -> dict[str, Any]:
    """The variables both languages' templates use (tests/test_docs.py checks they match)."""
    language = facts.language
    names = list(dict.fromkeys(t.source for t in copy.tables))
    sources = [config.sources[n] for n in names if n in config.sources]
    controller = config.controller
    return {
        "request_id": facts.id,
        "person_name": facts.person_name,
        **sender(config),
        "found": copy.found,
        "received": long_date(facts.received, language),
        "answered": long_date(facts.answered, language),
        "due": long_date(facts.due, language) if facts.due else None,
        "extended_until": long_date(facts.extended_until, language)
        if facts.extended_until
        else None,
        "extension_reason": facts.extension_reason,
        "paused_days": facts.paused_days,
        "purposes": [
            {"system": s.description or s.name, "purpose": s.purpose, "legal_basis": s.legal_basis}
            for s in sources
        ],
        "categories": _categories(copy, info, language),
        "recipients": _recipients(sources),
        "recipients_unknown": [s.description or s.name for s in sources if s.recipients is None],
        "storage": _storage(config, copy, language),
        "authority": controller.supervisory_authority,
        "automated": controller.automated_decisions,
        "transfers": controller.third_country_transfers,
        "draft": False,
        "missing": [],
        "origins": [
            {"system": s.description or s.name, "processor": s.processor.name}
            for s in sources
            if s.processor is not None
        ],
        "mentions": sum(t.mentions for t in copy.tables),
        "redactions": copy.redactions,
        "data": _data(copy, info, config, language),
        "data_file": data_file,
    }


def _storage(config: Config, copy: PersonCopy, language: str) -> list[dict[str, Any]]:
    """Storage periods (lit. d) per system: each table under a retention rule on its own
    line with its end date; the tables without one together, in one sentence."""
    entries: list[dict[str, Any]] = []
    plain: dict[str, list[str]] = {}
    periods: dict[str, str | None] = {}
    for table in copy.tables:
        entry = config.sources.get(table.source)
        system = (entry.description or table.source) if entry else table.source
        periods[system] = entry.storage_period if entry else None
        label = table_label(table.table, language)
        rules = _rules(config, table.source, table.table)
        if not rules:
            plain.setdefault(system, [])
            if label not in plain[system]:
                plain[system].append(label)
            continue
        entries.append({
            "system": f"{system}: {label}",
            "rules": [
                {"years": r.years, "basis": r.basis, "until": _until(r, table.rows, language)}
                for r in rules
            ],
        })
    entries += [
        {"system": f"{system}: {', '.join(labels)}", "rules": [], "period": periods.get(system)}
        for system, labels in plain.items()
    ]
    return entries


def unruled_sources(config: Config, copy: PersonCopy) -> set[str]:
    """The sources where some of the person's tables fall under no retention rule."""
    return {t.source for t in copy.tables if not _rules(config, t.source, t.table)}


def _categories(
    copy: PersonCopy, info: dict[tuple[str, str, str], ColumnInfo], language: str
) -> list[str]:
    """The categories of the data this person's rows really hold (Art. 15(1)(b)).

    A column's classification describes the whole column; the letter names a
    category only where one of the person's own values is filled in, and
    special categories only where one of the person's texts speaks of them.
    """
    seen: list[str] = []
    for table in copy.tables:
        for column in table.columns:
            item = info.get((table.source, table.table, column))
            values = [row.get(column) for row in table.rows]
            # rows.is_empty: blanks and NaN are not filled in; nor are empty lists or objects
            filled = [v for v in values if not is_empty(v) and v not in ([], {})]
            if item is None or not filled:
                continue
            for category in item.categories:
                if category == "special" and not any(
                    special_kinds(str(value)) for value in filled
                ):
                    continue
                if category not in seen:
                    seen.append(category)
    return [category_label(c, language) for c in seen]


def _recipients(sources: list[Any]) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for source in sources:
        for name in source.recipients or ():
            found.setdefault(name, {"name": name, "processor": False, "country": None,
                                    "third_country": False, "safeguards": None})
        processor = source.processor
        if processor is not None:
            found[processor.name] = {
                "name": processor.name,
                "processor": True,
                "country": processor.country,
                "third_country": processor.country.upper() not in EEA,
                "safeguards": processor.safeguards,
            }
    return list(found.values())


def _until(rule: RetentionRule, rows: list[dict[str, Any]], language: str) -> str | None:
    """The last day the newest document of this table is kept, when its date is known."""
    if not rule.date_column:
        return None
    years = []
    for row in rows:
        value = str(row.get(rule.date_column) or "")[:4]
        if value.isdigit():
            years.append(int(value))
    if not years:
        return None
    return long_date(date(max(years) + rule.years, 12, 31), language)


def _data(
    copy: PersonCopy,
    info: dict[tuple[str, str, str], ColumnInfo],
    config: Config,
    language: str,
) -> list[dict[str, Any]]:
    """The data section: per system (its description, not the source's key), per table
    (what it holds, in plain words, its name beside), the rows in the order of their
    keys as people count them (1, 12, 67, 196; not 1, 12, 196, 67)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for table in copy.tables:
        labels = [
            (info.get((table.source, table.table, c)) or ColumnInfo(c, (), "", "")).label
            for c in table.columns
        ]
        rows = [[_cell(row.get(c)) for c in table.columns] for row in _in_order(table.rows)]
        entry = config.sources.get(table.source)
        system = (entry.description or table.source) if entry else table.source
        label = table_label(table.table, language)
        name = label if table.table in label else f"{label} ({table.table})"
        groups.setdefault(system, []).append(
            {"table": name, "labels": labels, "rows": rows, "mentions": table.mentions}
        )
    return [{"source": s, "tables": t} for s, t in groups.items()]


def _in_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows by their first column (the key, as the connectors read it), numbers as numbers."""

    def natural(row: dict[str, Any]) -> tuple[int, float, str]:
        value = next(iter(row.values()), None) if row else None
        text = "" if value is None else str(value)
        try:
            return (0, float(text), text)
        except ValueError:
            return (1, 0.0, text)

    return sorted(rows, key=natural)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 500 else text[:500] + " …"
