"""What must stay when a person asks to be erased: legal retention and referential integrity.

Art. 17(3)(b) GDPR lets a controller keep what a law obliges it to keep. The German
periods (§ 147 AO, § 257 HGB, § 14b UStG) run from the END of the calendar year in
which the document arose, so an invoice of 2019-05-03 kept 8 years may be erased
from 2028-01-01: its ``until`` is 2027-12-31. A rule names tables as
``source.table`` globs (``shop.invoices``, ``shop.*``, ``*``), and rows that hang
on a kept row (an invoice's lines) are kept with it, or the document would be
incomplete.

Rows that stay (kept ones, other people's rows) may point at rows of the person
through foreign keys. Deleting such a parent would break the database, so the
parent stays too, anonymised, for as long as the latest row holding it: the
``Hold`` travels up the references. ``own_matches`` drops rows of OTHER people the
lookup reached through a reference (the customers an employee supports), and
``ended_actions`` turns rows kept by an executed plan into erasures once their
period has ended. Apart from ``children_of`` (one batched ``find``), everything
here works on keys and values in memory.

Rows are told apart by ``dsr.connectors.rows.row_id`` (``17``, ``"17"``, ``17.0`` and
``Decimal("17.00")`` are one row, ``" 17 "`` another), and a reference is followed by
comparing the values' ``value_text`` (``lookup.links.link_text``), untrimmed: the
database compares stored values, so a child holding ``" 17 "`` does not point at 17.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from fnmatch import fnmatchcase
from graphlib import CycleError, TopologicalSorter
from typing import Any

from dsr.config.models import RetentionRule
from dsr.connectors.protocol import Connector, Lookup, RowKey, Table
from dsr.connectors.rows import RowId, row_id
from dsr.erasure.model import PlanAction, PlanActionKind
from dsr.lookup.engine import LookupResult, Match
from dsr.lookup.links import link_text

_GERMAN_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})")


@dataclass(frozen=True)
class Hold:
    """Why and how long a row must stay: a retention rule's end, or no end known (None:
    an undated document, or a row of another person that refers to it)."""

    until: date | None
    rule: str | None = None
    basis: str | None = None

    def later(self, other: Hold) -> Hold:
        """The hold that lasts longer; no end (None) outlasts every date."""
        if self.until is None:
            return self
        if other.until is None or other.until > self.until:
            return other
        return self


# -- rules and dates -----------------------------------------------------------------------


def rule_for(rules: Iterable[RetentionRule], source: str, table: str) -> RetentionRule | None:
    """The first rule whose ``tables`` name ``source.table`` (globs, ``*`` for all)."""
    name = f"{source}.{table}"
    for rule in rules:
        for pattern in rule.tables:
            pattern = pattern.strip()
            if (
                pattern == "*"
                or fnmatchcase(name, pattern)
                or fnmatchcase(name.casefold(), pattern.casefold())
            ):
                return rule
    return None


def parse_day(value: Any) -> date | None:
    """The calendar day a stored value names: dates, datetimes, ISO text (``2019-05-03``,
    ``2019-05-03 10:00:00``, ``2019-05-03T10:00:00Z``) or German ``03.05.2019``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    found = _GERMAN_DATE.match(text)
    if found:
        day, month, year = (int(g) for g in found.groups())
        try:
            return date(year, month, day)
        except ValueError:
            return None
    return None


def retention_end(day: date, years: int) -> date:
    """The last day a document of ``day`` must be kept: the end of its calendar year plus
    ``years`` (§ 147(4) AO, § 257(5) HGB): 2019-05-03 and 8 years → 2027-12-31."""
    return date(day.year + years, 12, 31)


def hold_for(rule: RetentionRule, row: Mapping[str, Any]) -> Hold:
    """The hold a rule puts on one row; no end when the date column is missing or unreadable
    (a person must then decide: the row is kept rather than erased by guesswork)."""
    day = parse_day(row.get(rule.date_column)) if rule.date_column else None
    until = retention_end(day, rule.years) if day is not None else None
    return Hold(until, rule.name, rule.basis)


# -- references between rows --------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """``columns`` of ``child`` point at ``referred`` of ``parent`` (one declared foreign key)."""

    child: str
    columns: tuple[str, ...]
    parent: str
    referred: tuple[str, ...]


def references(tables: Mapping[str, Table]) -> list[Reference]:
    """Every declared foreign key between the listed tables."""
    found = []
    for table in tables.values():
        for fk in table.foreign_keys:
            if fk.table in tables and len(fk.columns) == len(fk.referred) and fk.columns:
                found.append(Reference(table.name, fk.columns, fk.table, fk.referred))
    return found


def link_value(row: Mapping[str, Any], columns: Iterable[str]) -> tuple[str, ...] | None:
    """The values of ``columns`` as lookups compare them (``link_text``); None when one
    holds nothing (a NULL reference points at no row)."""
    values = []
    for column in columns:
        text = link_text(row.get(column))
        if text is None:
            return None
        values.append(text)
    return tuple(values)


@dataclass(frozen=True)
class RowRef:
    """A row known by its table, key and values (values stay in memory, never in a plan)."""

    table: str
    key: RowKey
    values: Mapping[str, Any]

    @property
    def ident(self) -> RowId:
        return row_id(self.table, self.key)


def parent_links(rows: Iterable[RowRef], refs: Iterable[Reference]) -> list[tuple[RowId, RowId]]:
    """(child, parent) pairs among ``rows``: which of them points at which."""
    rows = list(rows)
    refs = list(refs)
    index: dict[tuple[str, tuple[str, ...], tuple[str, ...]], list[RowId]] = {}
    for row in rows:
        for ref in refs:
            if ref.parent == row.table:
                value = link_value(row.values, ref.referred)
                if value is not None:
                    index.setdefault((ref.parent, ref.referred, value), []).append(row.ident)
    pairs = []
    for row in rows:
        for ref in refs:
            if ref.child != row.table:
                continue
            value = link_value(row.values, ref.columns)
            if value is None:
                continue
            for parent in index.get((ref.parent, ref.referred, value), ()):
                if parent != row.ident:
                    pairs.append((row.ident, parent))
    return pairs


def hanging_on(
    kept: Mapping[RowId, Hold], pairs: Iterable[tuple[RowId, RowId]]
) -> dict[RowId, Hold]:
    """Rows kept with a kept row they point at (invoice lines with their invoice), level by
    level; a row hanging on several kept rows stays as long as the longest."""
    result = dict(kept)
    pairs = list(pairs)
    changed = True
    while changed:
        changed = False
        for child, parent in pairs:
            if parent in result:
                hold = (
                    result[parent] if child not in result else result[child].later(result[parent])
                )
                if result.get(child) != hold:
                    result[child] = hold
                    changed = True
    return result


def held_parents(
    deletable: Iterable[RowId],
    staying: Mapping[RowId, Hold],
    pairs: Iterable[tuple[RowId, RowId]],
) -> dict[RowId, Hold]:
    """Rows that cannot be deleted because a row that stays points at them, with how long.

    ``pairs`` are (child, parent) links found in the source, ``staying`` the rows that
    stay whatever happens (kept documents, other people's rows: no end). A held parent
    stays itself, so the rows it points at are held in turn, until nothing changes.
    """
    candidates = set(deletable)
    pairs = [(c, p) for c, p in pairs if p in candidates]
    held: dict[RowId, Hold] = {}
    changed = True
    while changed:
        changed = False
        for child, parent in pairs:
            hold = staying.get(child) or held.get(child)
            if hold is None:
                continue
            new = hold if parent not in held else held[parent].later(hold)
            if held.get(parent) != new:
                held[parent] = new
                changed = True
    return held


# -- whose rows: the lookup's links that lead to other people --------------------------------



def own_matches(result: LookupResult, person: int = 0) -> list[Match]:
    """The matches of ``person`` an erasure may act on.

    Rows of OTHER people a person's rows point to (the employee who supports a customer,
    the affiliate of an order) are references, never matches: the lookup follows a link
    downwards only where the column names the owner of the row (``customer_id``), not a
    role (``SupportRepId``, ``affiliate_id``: dsr.lookup.infer ``Edge.owning``), and a
    person row above a row only when that row was found by the person's own identifier
    and bears their name. So every direct, linked and mention match is the person's.
    ``--execute`` and ``--verify`` compare against these, as the plan is built on them.
    """
    return [m for m in result.matches if m.person == person]


def children_of(
    connector: Connector, refs: Iterable[Reference], rows: Sequence[RowRef]
) -> dict[RowId, RowRef]:
    """Every row pointing at one of ``rows`` through a declared foreign key: one batched
    ``find`` for all references (a multi-column key is asked by its first column and
    checked in full)."""
    refs = list(refs)
    wanted: dict[Reference, set[tuple[str, ...]]] = {}
    for row in rows:
        for ref in refs:
            if ref.parent == row.table:
                value = link_value(row.values, ref.referred)
                if value is not None:
                    wanted.setdefault(ref, set()).add(value)
    if not wanted:
        return {}
    lookups = [
        Lookup(ref.child, ref.columns[0], frozenset(v[0] for v in values), "exact")
        for ref, values in wanted.items()
    ]
    found: dict[RowId, RowRef] = {}
    for hit in connector.find(lookups):
        for ref, values in wanted.items():
            if ref.child == hit.table and link_value(hit.row, ref.columns) in values:
                row = RowRef(hit.table, hit.key, hit.row)
                found[row.ident] = row
    return found


def table_order(names: Iterable[str], refs: Iterable[Reference]) -> dict[str, int]:
    """Execution rank per table: rows of tables that refer to others first (children
    before parents), so no delete breaks a foreign key; empty when the references cycle."""
    graph: dict[str, set[str]] = {name: set() for name in names}
    for ref in refs:
        if ref.parent in graph and ref.child in graph and ref.child != ref.parent:
            graph[ref.parent].add(ref.child)
    try:
        # Sorted in: tables of one rank keep one order in every run (a set's order
        # changes with the process), so plans and the letters made from them are stable.
        stable = {name: sorted(graph[name]) for name in sorted(graph)}
        ordered = list(TopologicalSorter(stable).static_order())
    except CycleError:
        return {}
    return {name: rank for rank, name in enumerate(ordered, start=1)}


# -- when the period ends ----------------------------------------------------------------------


def ended_actions(
    kept: Iterable[PlanAction],
    *,
    today: date,
    due: date,
    read_only: Callable[[str], bool | None],
) -> tuple[list[PlanAction], list[str]]:
    """From the actions of the last executed plan: rows kept (or held for integrity) whose
    ``until`` has passed are erased (``delete``, or a ``processor_task`` due ``due`` where
    dsr cannot change the source); rows still kept are carried over as ``keep``, so the
    next run still knows them. ``read_only(source)`` is None for a source no longer in
    dsr.yaml (a note says so). Rows without an end stay until a person decides."""
    actions = []
    notes = []
    for action in kept:
        if action.action not in ("keep", "anonymise"):
            continue
        if action.until is not None and action.until < today:
            cannot = read_only(action.source)
            if cannot is None:
                notes.append(
                    f"source '{action.source}' is no longer in dsr.yaml: its kept rows must "
                    "be erased by hand"
                )
                continue
            kind: PlanActionKind = "processor_task" if cannot else "delete"
            actions.append(
                PlanAction(
                    source=action.source,
                    table=action.table,
                    key=action.key,
                    action=kind,
                    reason="retention",
                    until=due if cannot else action.until,
                    rule=action.rule,
                    basis=action.basis,
                    order=action.order,
                )
            )
        else:
            actions.append(
                PlanAction(
                    source=action.source,
                    table=action.table,
                    key=action.key,
                    action="keep",
                    columns=action.columns if action.action == "keep" else (),
                    reason=action.reason,
                    until=action.until,
                    rule=action.rule,
                    basis=action.basis,
                    order=action.order,
                )
            )
    return actions, list(dict.fromkeys(notes))


def rows_left_by_updates(
    connector: Connector, actions: Sequence[PlanAction], *, any_table: bool = False
) -> list[RowRef]:
    """Rows pointing at a row the plan anonymises, in a table where the plan deletes rows,
    that the plan does not name: written while the plan was applied.

    A trigger that copies the old row into an audit table on every UPDATE (the demo
    shop's ``customer_history``) writes the person's data again the moment the
    anonymisation updates the customer row; those copies did not exist when the plan
    was made, so no key of theirs can be in it. Call this after applying a source's
    actions and delete what it returns (in the same run). Rows of other people are
    never returned: only tables the plan deletes the person's rows from are searched.
    ``any_table`` searches every table that refers to an anonymised row (a trigger may
    write into a table the person had no row in); the executor then keeps only rows
    that appeared while it applied the plan.
    """
    anonymised = [a for a in actions if a.action == "anonymise"]
    if not anonymised:
        return []
    tables = {t.name: t for t in connector.tables()}
    deleting = {a.table for a in actions if a.action == "delete"}
    parents = {a.table for a in anonymised}
    refs = [
        r for r in references(tables) if (any_table or r.child in deleting) and r.parent in parents
    ]
    planned = {row_id(a.table, a.key) for a in actions}
    # a reference names the parent's key columns (a foreign key to a primary key): the
    # planned key holds the values it is compared with
    rows = [RowRef(a.table, a.key, a.key) for a in anonymised]
    found = children_of(connector, refs, rows)
    ordered = sorted(found.items(), key=lambda item: repr(item[0]))  # a key may hold None
    return [row for key, row in ordered if key not in planned]
