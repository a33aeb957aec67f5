"""The Art. 15 letter: what the person is told about their data, and in what form.

Everything in the letter comes from ``dsr.yaml`` and the classification of the
sources where the person was actually found (law.md §3: information about this
person's processing, not the company's privacy notice). Where the configuration
is silent (no storage period), the letter says so honestly instead of inventing
one. The same context renders the Markdown and HTML templates; the PDF is the
HTML printed by WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dsr.access.columns import VendorLabel, as_flag, column_label, display
from dsr.access.copy import ColumnInfo, PersonCopy, TableCopy
from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES, category_label
from dsr.classify.text import special_kinds
from dsr.config.gaps import EEA
from dsr.config.models import Config, RetentionRule, Source
from dsr.connectors import connector_class
from dsr.connectors.rows import is_empty
from dsr.erasure.periods import kept_with, named_parents, table_period
from dsr.erasure.retention import rule_for
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
    return CATEGORIES[category].short(language)


def storage_text(
    config: Config, source: str, table: str, language: str,
    kept: Mapping[str, tuple[RetentionRule, str]] | None = None,
) -> str:
    """The storage period of a table in words, for the data dictionary: the same period
    the letter and the record state (``dsr.erasure.periods.table_period``)."""
    period = table_period(config, source, table, kept)
    rule = period.rule
    if rule is not None and period.origin == "kept_with":
        if language == "de":
            return (f"so lange wie {table_label(period.with_table or '', language)}: "
                    f"{rule.years} Jahre ab Ende des Kalenderjahres ({rule.basis})")
        return (f"as long as {table_label(period.with_table or '', language)}: "
                f"{rule.years} years from the end of the calendar year ({rule.basis})")
    if rule is not None:
        if language == "de":
            return f"{rule.years} Jahre ab Ende des Kalenderjahres ({rule.basis})"
        return f"{rule.years} years from the end of the calendar year ({rule.basis})"
    if period.text:
        return period.text
    return _NO_PERIOD[language]


def column_info(
    config: Config, copy: PersonCopy, classes: dict[str, list[TableClassification]], language: str
) -> dict[tuple[str, str, str], ColumnInfo]:
    """Label, categories, purpose and storage period of every column in the copy, and
    which columns the letter leaves out as technical (dsr.access.columns)."""
    found: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for source, tables in classes.items():
        for table in tables:
            for column in table.columns:
                found[source, table.table, column.column] = tuple(
                    c for c in column.categories if c in CATEGORIES
                )
    info: dict[tuple[str, str, str], ColumnInfo] = {}
    kept: dict[str, dict[str, tuple[RetentionRule, str]]] = {}
    for (source, name), (rule, parent) in _kept_with(config, copy).items():
        kept.setdefault(source, {})[name] = (rule, parent.table)
    for copied in copy.tables:
        configured = config.sources.get(copied.source)
        purpose = (configured.purpose or "") if configured else ""
        storage = storage_text(
            config, copied.source, copied.table, language, kept.get(copied.source)
        )
        overrides = getattr(configured, "labels", None) or {}
        vendor = _vendor_labels(configured.type) if configured else {}
        for name in copied.columns:
            categories = found.get((copied.source, copied.table, name), ())
            label = column_label(
                name, copied.table, categories, language,
                configured=overrides, vendor=vendor, key=copied.key,
                others=copied.columns, values=[row.get(name) for row in copied.rows],
            )  # fmt: skip
            info[copied.source, copied.table, name] = ColumnInfo(
                label.text, categories, purpose, storage, technical=label.technical
            )
    return info


def _vendor_labels(type_name: str) -> Mapping[str, VendorLabel]:
    """The connector's own map of its vendor's columns (SaaS exports), if it has one."""
    cls = connector_class(type_name)
    labels = getattr(cls, "column_labels", None)
    return labels if isinstance(labels, Mapping) else {}


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
            {
                "system": system_name(s, s.name, language),
                "purpose": s.purpose,
                "legal_basis": s.legal_basis,
            }
            for s in sources
        ],
        "categories": _categories(copy, info, language),
        "recipients": _recipients(sources),
        "recipients_unknown": [
            system_name(s, s.name, language) for s in sources if s.recipients is None
        ],
        "storage": _storage(config, copy, language),
        "authority": controller.supervisory_authority,
        "automated": controller.automated_decisions,
        "transfers": controller.third_country_transfers,
        "draft": False,
        "missing": [],
        "origins": [
            {"system": system_name(s, s.name, language), "processor": s.processor.name}
            for s in sources
            if s.processor is not None
        ],
        "mentions": sum(t.mentions for t in copy.tables),
        "redactions": copy.redactions,
        "data": _data(copy, info, config, language),
        "technical_left_out": any(
            item.technical
            for (source, table, _), item in info.items()
            if any(t.source == source and t.table == table for t in copy.tables)
        ),
        "data_file": data_file,
    }


def _storage(config: Config, copy: PersonCopy, language: str) -> list[dict[str, Any]]:
    """Storage periods (lit. d) per system: each table under a retention rule on its own
    line with its end date; the tables without one together, in one sentence."""
    entries: list[dict[str, Any]] = []
    plain: dict[tuple[str, str | None], list[str]] = {}
    kept_with = _kept_with(config, copy)
    for table in in_link_order(copy.tables):
        entry = config.sources.get(table.source)
        system = system_name(entry, table.source, language)
        label = table_label(table.table, language)
        held = kept_with.get((table.source, table.table))
        period = table_period(
            config, table.source, table.table,
            {table.table: (held[0], held[1].table)} if held is not None else None,
        )  # fmt: skip
        if held is not None and period.origin == "kept_with":
            # Lines and orders of a kept invoice stay with it (the erasure plan keeps them
            # for as long), so their period is the invoice's, not the account's.
            rule, parent = held
            entries.append({
                "system": f"{system}: {label}", "rules": [], "period": None,
                "with": table_label(parent.table, language),
                "until": _until(rule, parent.rows, language),
            })
            continue
        if period.rule is None:
            # dsr.yaml's words for the table (storage_periods) or the system (storage_period).
            labels = plain.setdefault((system, period.text), [])
            if label not in labels:
                labels.append(label)
            continue
        rule = period.rule
        entries.append({
            "system": f"{system}: {label}",
            "rules": [
                {"years": rule.years, "basis": rule.basis,
                 "until": _until(rule, table.rows, language)}
            ],
            "with": None,
        })
    entries += [
        {"system": f"{system}: {', '.join(labels)}", "rules": [], "period": said, "with": None}
        for (system, said), labels in plain.items()
    ]
    return entries


def _kept_with(
    config: Config, copy: PersonCopy
) -> dict[tuple[str, str], tuple[RetentionRule, TableCopy]]:
    """The person's tables without a rule of their own that are kept with a ruled table
    (``dsr.erasure.periods.kept_with``: an invoice's lines, the order an invoice is for),
    found through the links the lookup followed and the tables' column names;
    tests/test_erase_recipients.py compares the letter's periods with the plan's."""
    found: dict[tuple[str, str], tuple[RetentionRule, TableCopy]] = {}
    by_source: dict[str, list[TableCopy]] = {}
    for table in copy.tables:
        by_source.setdefault(table.source, []).append(table)
    for source, tables in by_source.items():
        names = {t.table.lower(): t.table for t in tables}
        copies = {t.table: t for t in tables}
        points = {t.table: set(t.parents) | _named_parents(t, names) for t in tables}
        kept = kept_with(config, source, points, [t.table for t in tables if t.person])
        for name, (rule, parent) in kept.items():
            found[source, name] = (rule, copies[parent])
    return found


def unruled_sources(config: Config, copy: PersonCopy) -> set[str]:
    """The sources where some of the person's tables fall under no retention rule."""
    return {
        t.source for t in copy.tables if rule_for(config.retention, t.source, t.table) is None
    }


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
    """The last day the newest document of this table is kept, when its date is known:
    the day the erasure plan keeps it until (``retention.hold_for``, the same date reading)."""
    from dsr.erasure.retention import hold_for

    ends = [end for row in rows if (end := hold_for(rule, row).until) is not None]
    return long_date(max(ends), language) if ends else None


def _data(
    copy: PersonCopy,
    info: dict[tuple[str, str, str], ColumnInfo],
    config: Config,
    language: str,
) -> list[dict[str, Any]]:
    """The data section: per system (its description, not the source's key), per table
    (what it holds, in plain words, its name beside) in the order the person's data hang
    together (account, orders, invoices, their lines), the columns a person understands
    under their labels, the rows in the order of their keys as people count them (1, 12,
    67, 196; not 1, 12, 196, 67), the values as people write them."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for table in in_link_order(copy.tables):
        shown = [
            (c, info.get((table.source, table.table, c)) or ColumnInfo(c, (), "", ""))
            for c in table.columns
        ]
        # Technical columns, and those empty in all of the person's rows, only in the ZIP.
        shown = [
            (c, item)
            for c, item in shown
            if not item.technical and any(display(r.get(c), language) for r in table.rows)
        ]
        flags = {c for c, _ in shown if as_flag(c, [r.get(c) for r in table.rows])}
        rows = [
            [display(_flag(row.get(c)) if c in flags else row.get(c), language) for c, _ in shown]
            for row in _in_order(table)
        ]
        entry = config.sources.get(table.source)
        system = system_name(entry, table.source, language)
        label = table_label(table.table, language)
        name = label if table.table in label else f"{label} ({table.table})"
        groups.setdefault(system, []).append(
            {
                "table": name,
                "labels": [item.label for _, item in shown],
                "rows": rows,
                "mentions": table.mentions,
            }
        )
    return [{"source": s, "tables": t} for s, t in groups.items()]


def system_name(entry: Source | None, name: str, language: str) -> str:
    """What the letter calls a source: its description in dsr.yaml (``Online-Shop``), else
    its processing activity, else its key in dsr.yaml, marked as a name ("music" alone
    reads like a word of the sentence)."""
    if entry is not None and (entry.description or entry.activity):
        return str(entry.description or entry.activity)
    return f"unser System „{name}“" if language == "de" else f'our system "{name}"'


def _flag(value: Any) -> bool | None:
    return None if value in (None, "") else str(value) == "1"


def in_link_order(tables: list[TableCopy]) -> list[TableCopy]:
    """Each source's tables as the person's data hang together: the person tables first,
    then the tables that point to them, then those that point to these (customers,
    orders, invoices, invoice lines), by the longest chain of links; ties by name.
    A link is the one a linked row was reached over, or a column ``order_id`` naming a
    table ``orders`` of the copy."""
    by_source: dict[str, list[TableCopy]] = {}
    for table in tables:
        by_source.setdefault(table.source, []).append(table)
    ordered: list[TableCopy] = []
    for group in by_source.values():
        names = {t.table.lower(): t.table for t in group}
        points: dict[str, set[str]] = {
            t.table: set(t.parents) | _named_parents(t, names) for t in group
        }
        depth = _levels(points)
        ordered += sorted(group, key=lambda t: (depth[t.table], not t.person, t.table))
    return ordered


def _levels(points: Mapping[str, set[str]]) -> dict[str, int]:
    """Each table's longest chain of links up to a table that points nowhere (0); a
    cycle is cut where it closes."""
    depth: dict[str, int] = {}

    def level(name: str, seen: frozenset[str]) -> int:
        if name not in depth:
            parents = [p for p in points.get(name, ()) if p not in seen and p in points]
            depth[name] = 1 + max((level(p, seen | {name}) for p in parents), default=-1)
        return depth[name]

    for name in points:
        level(name, frozenset())
    return depth


def _named_parents(table: TableCopy, names: Mapping[str, str]) -> set[str]:
    """Tables of the copy a column's name points to: ``order_id`` → ``orders``."""
    return named_parents(table.table, [c for c in table.columns if c not in table.key], names)


def _in_order(table: TableCopy) -> list[dict[str, Any]]:
    """Rows by their key (the first column where the key is not made of columns), numbers
    as numbers."""
    columns = table.key or table.columns[:1]

    def natural(row: dict[str, Any]) -> list[tuple[int, float, str]]:
        out = []
        for column in columns:
            value = row.get(column)
            text = "" if value is None else str(value)
            try:
                out.append((0, float(text), text))
            except ValueError:
                out.append((1, 0.0, text))
        return out

    return sorted(table.rows, key=natural)
