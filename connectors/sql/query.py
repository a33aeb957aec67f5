"""Queries of the ``sql`` connector: lookup conditions, which value a row matched, erasure.

A lookup becomes a parameterised condition the engine can answer with an index
where one exists: ``lower(col) IN (...)`` for case-insensitive matching on
SQLite and PostgreSQL (served by an index on ``lower(col)``), a plain
``col IN (...)`` on MySQL/MariaDB where the column's collation already ignores
case (served by a plain index). The rows that come back are checked again in
Python to name the lookup value each one matched, with the same rules, so a
loose engine comparison (accent-insensitive collations) never makes a false hit.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from graphlib import CycleError, TopologicalSorter
from typing import Any

import sqlalchemy as sa

from dsr.connectors.protocol import ErasureAction, Lookup, MatchMode
from dsr.connectors.sql.schema import ColumnInfo, TableInfo
from dsr.connectors.textmatch import Contains

CHUNK = 500
"""Values per ``IN`` list (or ``LIKE`` alternatives) in one statement."""

SERVER_CHUNK = 5000
"""Values per ``IN`` list on a database server: one round trip for a batch of 1,000
(SQLite keeps CHUNK, below its older 999-variable limit; ``LIKE`` alternatives keep
CHUNK everywhere, as each is a level of the statement's expression tree)."""

MANY_ADDRESSES = 20
"""More e-mail addresses than this in one ``contains`` lookup are matched in Python."""

SEPARATORS = (" ", "-", "/", "(", ")", ".", "+")
"""Characters dropped from stored phone numbers before comparing their digits."""

_INTEGER = re.compile(r"-?[0-9]+")


def chunks(values: Iterable[str], size: int = CHUNK) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def lookup_chunks(lookup: Lookup, *, server: bool) -> list[list[str]]:
    """A lookup's values split into the chunks its statements carry.

    ``IN`` lists go in one statement on a server (SERVER_CHUNK). A ``contains`` lookup
    with many addresses sends them all with its first chunk: the statement only asks
    for texts with an "@" (see ``condition``), so a second chunk would scan again.
    """
    if lookup.match in ("exact", "casefold"):
        return chunks(lookup.values, SERVER_CHUNK if server else CHUNK)
    if lookup.match == "contains":
        addresses = sorted(v for v in lookup.values if "@" in v)
        if len(addresses) > MANY_ADDRESSES:
            others = chunks((v for v in lookup.values if "@" not in v), CHUNK) or [[]]
            return [others[0] + addresses, *others[1:]]
    return chunks(lookup.values, CHUNK)


def _as_text(column: sa.ColumnElement[Any], info: ColumnInfo) -> sa.ColumnElement[Any]:
    return column if info.text else sa.cast(column, sa.String)


def _escape_like(value: str) -> str:
    return value.replace("!", "!!").replace("%", "!%").replace("_", "!_")


def condition(
    table: TableInfo, column: str, match: MatchMode, values: Sequence[str]
) -> sa.ColumnElement[bool] | None:
    """The WHERE condition for one lookup's chunk of values; None when nothing can match."""
    info = table.columns[column]
    col: sa.ColumnElement[Any] = table.clause().c[column]
    if info.binary or not values:
        return None
    if match == "exact":
        if info.integer:
            numbers = [int(v) for v in values if _INTEGER.fullmatch(v) and str(int(v)) == v]
            return col.in_(numbers) if numbers else None
        return _as_text(col, info).in_(list(values))
    if match == "casefold":
        if info.text and table.case_insensitive(column):
            return col.in_(list(values))
        return sa.func.lower(_as_text(col, info)).in_(list(values))
    if match == "digits":
        stripped = _as_text(col, info)
        for separator in SEPARATORS:
            stripped = sa.func.replace(stripped, separator, "")
        patterns = [stripped.like("%" + v) for v in values if v.isdigit()]
        return sa.or_(*patterns) if patterns else None
    if match == "contains":
        text = _as_text(col, info)
        lowered = sa.func.lower(text)

        def likes(chosen: list[str]) -> sa.ColumnElement[bool]:
            return sa.or_(*(lowered.like(f"%{_escape_like(v)}%", escape="!") for v in chosen))

        # A batch of e-mail addresses is hundreds of LIKEs per row; a text without an "@"
        # (most notes) is ruled out by one, as engines stop an AND at its first false term.
        # Past a few dozen addresses, the engine only selects texts with an "@" and
        # matched_values finds which addresses they hold, at the cost of the text.
        addresses = [v for v in values if "@" in v]
        others = [v for v in values if "@" not in v]
        parts = [likes(others)] if others else []
        if len(addresses) > MANY_ADDRESSES:
            parts.append(text.like("%@%"))
        elif addresses:
            parts.append(sa.and_(text.like("%@%"), likes(addresses)))
        return sa.or_(*parts)
    raise ValueError(f"unknown match mode {match!r}")


def _text_forms(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {str(int(value)), str(value).lower()}
    if isinstance(value, float) and value.is_integer():
        return {str(value), str(int(value))}
    if isinstance(value, Decimal):
        return {str(value), format(value.normalize(), "f")}
    return {str(value)}


def matched_values(match: MatchMode, stored: Any, values: frozenset[str]) -> list[str]:
    """The lookup values ``stored`` matches under ``match`` (Python side of ``condition``)."""
    if stored is None or isinstance(stored, bytes | memoryview):
        return []
    if match == "exact":
        return sorted(_text_forms(stored) & values)
    text = str(stored)
    if match == "casefold":
        folded = text.strip().lower()
        return [folded] if folded in values else []
    if match == "digits":
        for separator in SEPARATORS:
            text = text.replace(separator, "")
        return sorted({text[i:] for i in range(len(text))} & values)
    if match == "contains":
        return _contains(values)(text)
    return []


@functools.lru_cache(maxsize=16)
def _contains(values: frozenset[str]) -> Contains:
    """One compiled mention test per batch (a query's rows all test the same values)."""
    return Contains(values)


def delete_order(actions: Sequence[ErasureAction], tables: dict[str, TableInfo]) -> list[str]:
    """Tables of the delete actions, those that refer to others first (children first)."""
    names = list(dict.fromkeys(a.table for a in actions if a.action == "delete"))
    graph: dict[str, set[str]] = {name: set() for name in names}
    for child in names:
        for fk in tables[child].foreign_keys:
            if fk.table in graph and fk.table != child:
                graph[fk.table].add(child)  # the parent waits for its children
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:
        return names


def redact(text: str, substrings: Sequence[str], mask: str) -> str:
    """``text`` with every substring replaced by ``mask``, ignoring case, longest first."""
    for word in sorted({s for s in substrings if s}, key=len, reverse=True):
        text = re.sub(re.escape(word), lambda _m: mask, text, flags=re.IGNORECASE)
    return text


def new_values(action: ErasureAction, current: dict[str, Any]) -> dict[str, Any]:
    """The columns an update action changes in a row holding ``current``, with new values."""
    changes: dict[str, Any] = {}
    for column in action.columns:
        value = current[column]
        if action.action == "null":
            target = None
        elif action.action == "mask":
            target = None if value is None else action.mask
        elif isinstance(value, str):
            target = redact(value, action.substrings, action.mask)
        else:
            target = value
        if target != value:
            changes[column] = target
    return changes


def key_condition(table: TableInfo, key: dict[str, Any]) -> sa.ColumnElement[bool]:
    clause = table.clause()
    return sa.and_(*(clause.c[name] == key[name] for name in table.primary_key))
