"""How long a table's rows are kept: the one answer the record, the access letter and the
access copy's data dictionary all give.

Art. 30(1)(f) wants an erasure period per category of data and Art. 15(1)(d) tells the
person how long their data are stored; both must say what the erasure plan will do.
So a table's period is, in this order:

1. the retention rule the plan applies to it (``retention.rule_for``: the first that
   names it), e.g. invoices 8 years from the end of the invoice year;
2. the rule of a ruled table it is kept with: an invoice's lines point to the
   invoice, and the order an invoice is for is pointed to by it (the plan keeps a
   kept row's children with it and leaves the rows it points to in place);
3. the period dsr.yaml gives for the table (``sources.X.storage_periods.TABLE``);
4. the source's ``storage_period``;
5. none: a gap, named by the key to fill.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from dsr.classify.names import words
from dsr.config.models import Config, RetentionRule
from dsr.erasure.retention import rule_for

Origin = Literal["rule", "kept_with", "configured", "gap"]


@dataclass(frozen=True)
class Period:
    """A table's storage period and where it comes from.

    ``rule`` is set for ``rule`` and ``kept_with`` (the rule of ``with_table``);
    ``text`` holds dsr.yaml's words for ``configured``; ``key`` names the dsr.yaml key the
    period comes from, or the key to fill for a gap."""

    origin: Origin
    rule: RetentionRule | None = None
    with_table: str | None = None
    text: str | None = None
    key: str | None = None


def named_parents(table: str, columns: Iterable[str], names: Mapping[str, str]) -> set[str]:
    """Tables among ``names`` (lower-cased name -> name) that a column's name points to:
    ``order_id`` -> ``orders``, ``invoice_nr`` -> ``invoice``."""
    found: set[str] = set()
    for column in columns:
        parts = words(column)
        if len(parts) < 2 or parts[-1] not in ("id", "ids", "nr", "number"):
            continue
        stem = parts[-2]
        for candidate in (stem, stem + "s", stem + "es", stem[:-1] + "ies"):
            if candidate in names and names[candidate] != table:
                found.add(names[candidate])
    return found


def kept_with(
    config: Config,
    source: str,
    points: Mapping[str, set[str]],
    person_tables: Iterable[str],
) -> dict[str, tuple[RetentionRule, str]]:
    """Tables of ``source`` without a rule of their own that are kept with a ruled table,
    with that rule and table. ``points`` maps each table to the tables it points to;
    person tables (the account) are never kept with a document: they are anonymised."""
    persons = set(person_tables)
    found: dict[str, tuple[RetentionRule, str]] = {}
    for ruled in points:
        rule = rule_for(config.retention, source, ruled)
        if rule is None:
            continue
        for other in points:
            if other == ruled or other in persons:
                continue
            if rule_for(config.retention, source, other) is not None:
                continue
            if ruled in points[other] or other in points[ruled]:
                found.setdefault(other, (rule, ruled))
    return found


def table_period(
    config: Config,
    source: str,
    table: str,
    kept: Mapping[str, tuple[RetentionRule, str]] | None = None,
) -> Period:
    """The storage period of ``source.table`` (see the module docstring for the order).
    ``config`` should be in the reader's language (``Config.in_language``)."""
    rule = rule_for(config.retention, source, table)
    if rule is not None:
        return Period("rule", rule=rule, key=f"retention[{config.retention.index(rule)}]")
    if kept and table in kept:
        rule, parent = kept[table]
        return Period(
            "kept_with", rule=rule, with_table=parent,
            key=f"retention[{config.retention.index(rule)}]",
        )
    entry = config.sources.get(source)
    if entry is not None:
        own = entry.storage_periods.get(table)
        if own:
            return Period("configured", text=own, key=f"sources.{source}.storage_periods.{table}")
        if entry.storage_period:
            return Period(
                "configured", text=entry.storage_period, key=f"sources.{source}.storage_period"
            )
    return Period("gap", key=f"sources.{source}.storage_period")
