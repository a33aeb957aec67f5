"""Queries of the ``sql`` connector: lookup conditions, erasure order, row keys.

A lookup becomes a parameterised condition that selects *candidates*: at least
every row ``dsr.connectors.rows.matcher`` matches, in a form the engine can answer
with an index where one exists: ``lower(col) IN (...)`` for case-insensitive
matching on SQLite and PostgreSQL (served by an index on ``lower(col)``), a plain
``col IN (...)`` on MySQL/MariaDB where the column's collation already ignores
case (served by a plain index), ``col IN (17)`` for numbers. The connector then
keeps exactly the values the shared matcher accepts, so a loose engine comparison
(accent-insensitive collations, trailing spaces ignored) never makes a false hit,
and a strict one must not lose a match:

- SQLite's ``lower()`` folds only ASCII (so does PostgreSQL's under the C locale):
  ``casefold`` asks for every spelling it can give (``rows.case_variants``:
  ``jÜrgen`` beside ``jürgen``), ``contains`` puts a one-character wildcard where a
  non-ASCII letter stands (``rows.like_contains``);
- ``digits`` asks for the identifier's digits in order with anything between them
  (``rows.like_digits``), so any separator (``0171_2345678``), text after the
  number and a float's ``.0`` pass, and the matcher checks the digits; past
  MANY_ADDRESSES numbers, a text column compares the last digits once per row instead
  (``_digit_suffixes``);
- ``exact`` on a number column asks for the number (``rows.exact_numbers``), so
  17.0 in a REAL column is found by "17" as it is in a spreadsheet.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Sequence
from graphlib import CycleError, TopologicalSorter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from dsr.connectors.protocol import ErasureAction, Lookup, MatchMode
from dsr.connectors.rows import (
    ENDING,
    Matcher,
    address_sign,
    case_variants,
    digit_endings,
    digit_values,
    digits_of,
    exact_numbers,
    key_number,
    key_text,
    like_contains,
    like_digits,
    matcher,
)
from dsr.connectors.sql.schema import ColumnInfo, TableInfo

CHUNK = 500
"""Values per ``IN`` list (or ``LIKE`` alternatives) in one statement."""

SERVER_CHUNK = 5000
"""Values per ``IN`` list on a database server: one round trip for a batch of 1,000
(SQLite keeps CHUNK, below its older 999-variable limit; ``LIKE`` alternatives keep
CHUNK everywhere, as each is a level of the statement's expression tree)."""

MANY_ADDRESSES = 20
"""More e-mail addresses than this in one ``contains`` lookup are matched in Python."""

MANY_VARIABLES = sqlite3.sqlite_version_info >= (3, 32, 0)
"""Whether this SQLite takes more than 999 variables in one statement."""

ESCAPE = "!"


_TEXT_ARRAY = postgresql.ARRAY(sa.Text)


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
    if lookup.match == "digits" and len(lookup.values) > MANY_ADDRESSES:
        # One scan for the batch (``_digit_suffixes``): SQLite since 3.32 takes 32,766
        # variables per statement.
        return chunks(lookup.values, SERVER_CHUNK if server or MANY_VARIABLES else CHUNK)
    if lookup.match == "digits_within" and len(lookup.values) > MANY_ADDRESSES:
        return [sorted(lookup.values)]  # one scan selects the texts with enough digits
    if lookup.match == "contains":
        addresses = sorted(v for v in lookup.values if address_sign(v))
        if len(addresses) > MANY_ADDRESSES:
            others = chunks((v for v in lookup.values if not address_sign(v)), CHUNK) or [[]]
            return [others[0] + addresses, *others[1:]]
    return chunks(lookup.values, CHUNK)


def _as_text(column: sa.ColumnElement[Any], info: ColumnInfo) -> sa.ColumnElement[Any]:
    return column if info.text else sa.cast(column, sa.String)


def _binary(col: sa.ColumnElement[Any], values: Sequence[str]) -> sa.ColumnElement[bool] | None:
    """A binary column (Matomo's ``idvisitor``) is asked for by the "0x" + hex text its
    values compare as (``rows.key_text``)."""
    wanted = []
    for value in values:
        if value.startswith("0x"):
            try:
                wanted.append(bytes.fromhex(value[2:]))
            except ValueError:
                continue
    return col.in_(wanted) if wanted else None


def condition(
    table: TableInfo, column: str, match: MatchMode, values: Sequence[str]
) -> sa.ColumnElement[bool] | None:
    """The WHERE condition selecting the candidates of one lookup's chunk of values; None
    when no row can match."""
    info = table.columns[column]
    col: sa.ColumnElement[Any] = table.clause().c[column]
    values = [v for v in values if v]
    if info.binary and match == "exact":
        return _binary(col, values)
    if info.binary or not values:
        return None
    if match == "casefold" and (info.number or info.boolean):
        match, values = "exact", sorted({v.lower() for v in values})  # numbers have no case
    if match == "exact":
        return _exact(col, info, values, trim=not table.leads_index(column))
    if match == "casefold":
        # A case-insensitive collation (MySQL/MariaDB ``_ci``) compares the column itself,
        # so a plain index serves; it folds ASCII but not every letter (ẞ is not ß in
        # utf8mb4_general_ci), so the spellings go in as they do for ``lower()``.
        folded = info.text and table.case_insensitive(column)
        indexed = column in table.lower_indexed or (folded and table.leads_index(column))
        # Where no index answers, the engine scans anyway: compare without the spaces
        # around the value, as the matcher does (dsr.connectors.rows, "Surrounding spaces").
        text = _as_text(col, info) if indexed else sa.func.trim(_as_text(col, info))
        lowered = sa.func.lower(text)
        if not indexed:
            col = text
        spellings: set[str] = set()
        patterns: list[sa.ColumnElement[bool]] = []
        for value in values:
            variants = case_variants(value)
            if variants is None:
                pattern = like_contains(value, ESCAPE, exact=True)
                patterns.append(lowered.like(pattern, escape=ESCAPE))
            else:
                spellings.update(variants)
        compared = col if folded else lowered
        parts: list[sa.ColumnElement[bool]] = [compared.in_(sorted(spellings))] if spellings else []
        return sa.or_(*parts, *patterns)
    if match == "digits":
        numbers = digit_values(values)
        if not numbers:
            return None
        if len(numbers) > MANY_ADDRESSES and info.text and not info.untyped:
            suffixes = _digit_suffixes(col, numbers, table.dialect)
            if suffixes is not None:
                return suffixes
        text = _as_text(col, info)
        return sa.or_(*(text.like(like_digits(v)) for v in numbers))
    if match == "digits_within":
        numbers = digit_values(values)
        if not numbers:
            return None
        text = _as_text(col, info)
        if len(numbers) > MANY_ADDRESSES:
            enough = _digit_count_at_least(text, min(map(len, numbers)), table.dialect)
            if enough is not None and table.dialect == "sqlite":
                # The texts with digits enough (dates, order numbers) are many; dsr's own
                # function tells them apart inside the engine instead of in the fetched rows.
                return sa.and_(enough, sa.func.dsr_digits_within(text, _within(numbers)) == 1)
            if enough is not None:
                return enough
        # The digits in order, anything between (``like_digits``): the number in any format.
        return sa.or_(*(text.like(like_digits(v)) for v in numbers))
    if match == "contains":
        text = _as_text(col, info)
        # SQLite's LIKE ignores ASCII case, and its lower() folds only ASCII: the column as
        # stored finds the same rows without a lower-cased copy per pattern and row (90
        # names in 1M notes: 4.2 s instead of 16.7 s).
        searched = text if table.dialect == "sqlite" else sa.func.lower(text)

        def likes(chosen: list[str]) -> sa.ColumnElement[bool]:
            if table.dialect == "postgresql":
                return like_any(searched, chosen)
            return sa.or_(*(searched.like(like_contains(v, ESCAPE), escape=ESCAPE) for v in chosen))

        # A batch of e-mail addresses is hundreds of LIKEs per row; a text without an "@"
        # (most notes) is ruled out by one, as engines stop an AND at its first false term.
        # Past a few dozen addresses, the engine only selects texts with an "@" (or the
        # "%40" of an address in a link) and the matcher finds which addresses they hold,
        # at the cost of the text.
        by_sign: dict[str, list[str]] = {}
        others: list[str] = []
        for value in values:
            sign = address_sign(value)
            (others if sign is None else by_sign.setdefault(sign, [])).append(value)
        parts = [likes(others)] if others else []
        many = sum(map(len, by_sign.values())) > MANY_ADDRESSES
        for sign, addresses in sorted(by_sign.items()):  # each address under the sign it holds
            guard = text.like(like_contains(sign, ESCAPE), escape=ESCAPE)
            parts.append(guard if many else sa.and_(guard, likes(addresses)))
        return sa.or_(*parts)
    raise ValueError(f"unknown match mode {match!r}")


SEPARATORS = " -/()+."
"""What phone numbers are written with besides digits (``_digit_suffixes``)."""


def _digit_suffixes(
    col: sa.ColumnElement[Any], numbers: list[str], dialect: str
) -> sa.ColumnElement[bool] | None:
    """Candidates for many phone numbers at once, without a LIKE per number and row.

    A thousand ``like_digits`` patterns cost a thousand LIKEs per row. Instead, on
    SQLite, dsr's ``dsr_digits`` gives the text's digits (``rows.digits_of``) and their
    last n are compared with the numbers of length n (one hash lookup). Elsewhere the
    usual separators are removed; where only digits remain, they are the text's digits
    and compared so; a text with anything else left (a letter, an extension) is a
    candidate the matcher decides on. So no row the LIKEs select is lost. None for an
    engine without the functions needed.
    """
    lengths: dict[int, list[str]] = {}
    for number in sorted(numbers):
        lengths.setdefault(len(number), []).append(number)
    if dialect == "sqlite":
        # dsr's own function (``register_sqlite_functions``): the digits exactly, once per
        # length; seven nested replace() calls cost three times as much (1M rows: 3.7 s).
        digits = sa.func.dsr_digits(col)
        found = sa.or_(*(sa.func.substr(digits, -n).in_(g) for n, g in sorted(lengths.items())))
        endings = digit_endings(numbers)
        if endings is None:
            return found
        # Only texts ending in one of the numbers' endings, or not in four digits, call the
        # function (SQLite stops an AND at its first false term; 1M phones, 1,000 numbers:
        # 1.2 s -> 0.6 s).
        tail = sa.func.substr(col, -ENDING)
        digits_only = tail.op("GLOB")("[0-9]" * ENDING)
        return sa.and_(sa.or_(tail.in_(endings), sa.not_(digits_only)), found)
    if dialect not in ("postgresql", "mysql", "mariadb"):
        return None
    stripped: sa.ColumnElement[Any] = col
    for separator in SEPARATORS:
        stripped = sa.func.replace(stripped, separator, "")
    other = stripped.op("~" if dialect == "postgresql" else "REGEXP")("[^0-9]")
    tails = (sa.func.right(stripped, n).in_(group) for n, group in sorted(lengths.items()))
    return sa.or_(other, *tails)


def _digit_count_at_least(
    text: sa.ColumnElement[Any], count: int, dialect: str
) -> sa.ColumnElement[bool] | None:
    """Texts holding at least ``count`` digits, wherever they stand: the candidates of a
    batch of phone numbers written inside notes, without a LIKE per number and row (the
    matcher then looks for the numbers in each candidate's digits). None for an engine
    without the pattern test needed."""
    if dialect == "sqlite":
        return text.op("GLOB")("*" + "[0-9]*" * count)
    if dialect in ("postgresql", "mysql", "mariadb"):
        pattern = f"([0-9][^0-9]*){{{count}}}"
        return text.op("~" if dialect == "postgresql" else "REGEXP")(pattern)
    return None


def like_any(searched: sa.ColumnElement[Any], needles: Sequence[str]) -> sa.ColumnElement[bool]:
    """PostgreSQL: ``searched`` contains one of the needles (``like_contains``), as one
    ``LIKE ANY`` of their patterns. The text is computed once per row for all patterns,
    not once per pattern as in an OR (90 names in 1M notes: 1.7 s instead of 4.1 s; the
    digits of candidate notes for 1,000 numbers in 10M: 0.9 s instead of 8.9 s), and a
    trigram index serves it as one bitmap. LIKE ANY takes no ESCAPE clause: the patterns
    use PostgreSQL's default, the backslash."""
    patterns = [like_contains(v, "\\") for v in needles]
    if len(patterns) == 1:
        return searched.like(patterns[0])
    return searched.like(sa.any_(sa.literal(patterns, _TEXT_ARRAY)))


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """The functions dsr's statements call on SQLite, on each new connection:
    ``dsr_digits(text)`` is ``rows.digits_of`` (NULL for anything but text);
    ``dsr_digits_within(text, batch)`` is 1 where the ``digits_within`` matcher of the
    numbers ``_within`` filed as ``batch`` matches the text (and for a batch it does not
    know: the rows are then candidates the matcher decides on), else 0."""
    dbapi_connection.create_function(
        "dsr_digits", 1, lambda v: digits_of(v) if isinstance(v, str) else None, deterministic=True
    )
    dbapi_connection.create_function("dsr_digits_within", 2, _digits_within, deterministic=True)


_BATCHES: dict[str, Matcher] = {}
"""The ``digits_within`` matchers of the batches statements ask ``dsr_digits_within`` for."""
_BATCHES_KEPT = 32


def _within(numbers: Sequence[str]) -> str:
    """File a batch of numbers for ``dsr_digits_within``; the name a statement passes."""
    values = frozenset(numbers)
    name = hashlib.sha256("\n".join(sorted(values)).encode()).hexdigest()[:16]
    if name not in _BATCHES:
        while len(_BATCHES) >= _BATCHES_KEPT:
            _BATCHES.pop(next(iter(_BATCHES)))
        _BATCHES[name] = matcher(Lookup("", "", values, "digits_within"))
    return name


def _digits_within(value: Any, batch: str) -> int:
    test = _BATCHES.get(batch)
    if test is None:
        return 1
    return 1 if test(value) else 0  # the matcher reads any stored type as its text


def _exact(
    col: sa.ColumnElement[Any], info: ColumnInfo, values: list[str], *, trim: bool
) -> sa.ColumnElement[bool] | None:
    """Rows whose value reads as one of ``values``: numbers compared as numbers, text as text.

    ``trim``: compare text without the spaces around it (where no index answers the
    lookup, so the engine scans anyway; see ``condition``). Decimals bind through the
    column's type, which turns them into floats on SQLite.
    """
    if info.number is not None:
        numbers = exact_numbers(values, info.number)
        return col.in_(numbers) if numbers else None
    if info.boolean:
        flags = [v == "true" for v in values if v in ("true", "false")]
        return col.in_(sorted(set(flags))) if flags else None
    if info.untyped:
        # SQLite without a declared type keeps 17 and '17' apart: ask for both.
        numbers = exact_numbers(values, "float")
        texts = (sa.func.trim(col) if trim else col).in_(list(values))
        return sa.or_(texts, col.in_(numbers)) if numbers else texts
    text = _as_text(col, info)
    return (sa.func.trim(text) if trim else text).in_(list(values))


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


def key_condition(table: TableInfo, key: dict[str, Any]) -> sa.ColumnElement[bool]:
    """The row ``key`` names: its primary key (without one, every column of the key),
    each value taken the way ``rows.row_id`` compares keys ("17" names the integer 17)."""
    clause = table.clause()
    names = table.primary_key or tuple(key)
    parts: list[sa.ColumnElement[bool]] = []
    for name in names:
        value = key_value(table.columns[name], key[name])
        if value is _NO_ROW:
            return sa.false()
        parts.append(clause.c[name].is_(None) if value is None else clause.c[name] == value)
    return sa.and_(*parts)


_NO_ROW = object()


def key_value(info: ColumnInfo, value: Any) -> Any:
    """A key value as the column stores it: ``"17"`` or ``17.0`` for an integer column is 17,
    17 for a text column is ``"17"``; ``_NO_ROW`` when no value of the column reads like it."""
    if value is None:
        return None
    if info.binary and isinstance(value, str):
        # A binary key travels as "0x" + hex (rows.key_text), in plans and JSON documents.
        try:
            return bytes.fromhex(value[2:]) if value.startswith("0x") else value.encode()
        except ValueError:
            return _NO_ROW
    if info.integer:
        number = key_number(value)
        return _NO_ROW if number is None else number
    if info.number is not None:
        found = exact_numbers([key_text(value) or ""], info.number)
        return found[0] if found else _NO_ROW
    if info.text and not info.untyped:
        return key_text(value)
    return value
