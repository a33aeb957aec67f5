"""What dsr does with a row, defined once for every connector: name it, match it, change it,
read it back.

Built-in connectors and plugins import this module instead of writing their own
comparisons, so a person is found, kept and erased the same way in a database,
a spreadsheet and a vendor's export. The decisions, and why:

**A stored value's text** (``value_text``) is what a person reads in the cell: a
number is written without a fractional part when it has none (``17.0`` from a
spreadsheet or a float column reads ``17``; ``Decimal("17.50")`` reads ``17.5``),
a boolean reads ``true``/``false``, text is taken as it is stored. ``None``, NaN
and binary values hold nothing to compare. The text keeps its surrounding blanks:
``" 17 "`` NAMES another row than ``"17"`` (an erasure addresses a row by the key
the engine stores, and ``WHERE code = '17'`` does not reach ``' 17 '``).

**Surrounding spaces do not stop a MATCH**: a cell holding ``" anna@example.com "``
(a spreadsheet typed by hand, an export written as ``a, b``) is Anna's, so
``exact`` and ``casefold`` compare the text without the spaces around it, and an
access answer or an erasure does not miss it. Connectors that compare in Python
get this from ``matcher``; the ``sql`` connector compares ``trim(column)`` where it
scans anyway, and where an index answers the lookup it compares the column as
stored (``query.condition``): a database column written by an application rarely
holds padded identifiers, and trimming there would give up the index that makes a
lookup take milliseconds. Only spaces count as padding, in every engine (SQL's
``trim`` removes spaces). Identifiers are trimmed where they are normalised
(``dsr.identifiers``), on the way in.

**A row's identity** (``row_id``) is its table and its key, each key value taken
as its text: ``{"id": 17}``, ``{"id": "17"}`` and ``{"id": 17.0}`` are the same
row (a plan read back from JSON, an id typed on the command line and a key read
from a workbook agree), ``{"id": " 17 "}`` is another one. Place keys of files
(``{"file", "row"}``) follow the same rule: row ``"12"`` is row ``12``.

**Match modes** (``matcher``), for a stored value with text ``t`` and a lookup value ``v``:

- ``exact``: ``t.strip(" ") == v``;
- ``casefold``: ``t.strip(" ").lower() == v.lower()`` (Python's full Unicode lower-casing);
- ``digits``: the ASCII digits of ``t``, every other character dropped, end with
  ``v`` (``0171_2345678``, ``0171 2345678`` and ``+49 171 2345678`` all end with
  ``1712345678``); a ``v`` that is not all digits matches nothing;
- ``contains``: ``v.lower()`` occurs in ``t.lower()``;
- ``digits_within``: ``v`` occurs in the ASCII digits of ``t`` (a phone number inside a
  note: ``Tel. 0171 234 56 78 ab 18 Uhr`` holds ``1712345678``); a ``v`` that is not all
  digits matches nothing.

An empty ``v`` matches nothing; a matcher returns the lookup values a stored value
matches. Connectors that compare in Python call ``matcher`` on every value. Engines
that compare in SQL (the ``sql`` and ``parquet`` connectors) select *candidates*
with a condition that finds at least every row the definition matches
(``case_variants``, ``like_contains``, ``like_digits`` and ``exact_numbers`` help
build such conditions where an engine's ``lower()`` folds only ASCII or its
numbers print differently), and then keep exactly the values ``matcher`` accepts.
So the engine's own notion of equality (case-insensitive collations, trailing
spaces ignored by MariaDB) can add candidates but never change an answer. Known
gap: letters whose lower-case form is ASCII or longer than one character (the
Kelvin sign, dotted capital I) are not found by engines whose ``lower()`` folds only
ASCII; they do not occur in real identifiers.

**Erasure effects** (``changes``): ``delete`` empties the whole row (files keep
the emptied row in place; SQL deletes it), ``null`` empties the named columns,
``mask`` overwrites them with the mask, ``redact`` replaces the given substrings
(case-insensitively, longest first, in one pass so a mask is never redacted again).
A cell that holds nothing (None, an empty or blank string) is left as it is by
every action: masking it would invent data where there was none, and nulling it
changes nothing a person could see. An action that changes no cell counts as
unchanged, which is what makes re-running an erasure safe.

**Reading rows by key** (``read_rows``): a connector may offer
``read(table, keys)`` (``ReadsRows``); without it, rows keyed by columns are read
with an ``exact`` lookup on the key's first column, and rows keyed by their place
in a file cannot be read (``CannotRead``).
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol, runtime_checkable

from dsr.connectors.protocol import ErasureAction, Lookup, MatchMode, RowKey
from dsr.connectors.textmatch import ADDRESS_SIGNS, Contains
from dsr.errors import Problem, SourceError, Where

# -- a stored value as text ----------------------------------------------------------------


def value_text(value: Any) -> str | None:
    """The text a stored value is compared as; None when it holds nothing to compare.

    ``17``, ``17.0`` and ``Decimal("17.00")`` read ``"17"``; ``17.5`` reads ``"17.5"``;
    ``True`` reads ``"true"``; text is returned as stored, blanks included.
    """
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, bytes | bytearray | memoryview):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def is_empty(value: Any) -> bool:
    """Whether a cell holds nothing: None, NaN, an empty value or a string of blanks."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value) == 0
    return False


# -- a row's identity ----------------------------------------------------------------------

RowId = tuple[str, tuple[tuple[str, str | None], ...]]
"""A row's identity: its table and its key's (column, text) pairs, sorted. Hashable."""


def key_text(value: Any) -> str | None:
    """A key value as its identity compares it: ``value_text``, bytes as hex, None as None."""
    if isinstance(value, bytes | bytearray | memoryview):
        return "0x" + bytes(value).hex()
    return value_text(value)


def row_id(table: str, key: Mapping[str, Any]) -> RowId:
    """The identity of a row: ``row_id("t", {"id": 17}) == row_id("t", {"id": "17.0"})`` is
    False, ``== row_id("t", {"id": 17.0})`` and ``== row_id("t", {"id": "17"})`` are True."""
    return table, tuple(sorted((str(column), key_text(v)) for column, v in key.items()))


def key_number(value: Any) -> int | None:
    """A key value that names a whole number (``12``, ``"12"``, ``12.0``) as int, else None.

    Row numbers of files and integer key columns are addressed through this, so a key
    spelled ``"12"`` names the same row as ``12``.
    """
    text = key_text(value)
    if text is None or not _INTEGER.fullmatch(text):
        return None
    return int(text)


_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")


# -- match modes ---------------------------------------------------------------------------

Matcher = Callable[[Any], list[str]]
"""Takes a stored value (of any type); returns the lookup values it matches, sorted."""

_NOT_DIGIT = re.compile(r"[^0-9]+")


PADDING = " "
"""What surrounds a value without being part of what it matches (the module docstring)."""


def digits_of(text: str) -> str:
    """The ASCII digits of ``text``, in order: ``"+49 (171) 234_5678"`` → ``"491712345678"``."""
    return _NOT_DIGIT.sub("", text)


def matcher(lookup: Lookup) -> Matcher:
    """The test for one lookup: which of its values a stored value matches (module docstring)."""
    return _matcher(lookup.match, lookup.values)


def matches(match: MatchMode, stored: Any, values: frozenset[str]) -> list[str]:
    """The lookup ``values`` a ``stored`` value matches under ``match``, sorted."""
    return _matcher(match, values)(stored)


@functools.lru_cache(maxsize=64)
def _matcher(match: MatchMode, values: frozenset[str]) -> Matcher:
    """One compiled test per mode and batch: the rows of a scan all test the same values."""
    wanted = frozenset(v for v in values if v)
    if match == "exact":

        def exact(stored: Any) -> list[str]:
            text = key_text(stored)  # binary ids (a visitor id) compare as "0x" + hex
            if text is None:
                return []
            text = text.strip(PADDING)
            return [text] if text in wanted else []

        return exact
    if match == "casefold":
        folded = _by_lower(wanted)

        def casefold(stored: Any) -> list[str]:
            text = value_text(stored)
            return folded.get(text.strip(PADDING).lower(), []) if text is not None else []

        return casefold
    if match == "digits":
        numbers = frozenset(digit_values(wanted))
        lengths = sorted({len(v) for v in numbers})

        def digits(stored: Any) -> list[str]:
            text = value_text(stored)
            if text is None:
                return []
            found = digits_of(text)
            return sorted(
                {found[-n:] for n in lengths if n <= len(found) and found[-n:] in numbers}
            )

        return digits
    if match == "contains":
        lowered = _by_lower(wanted)
        test = Contains(lowered)

        def contains(stored: Any) -> list[str]:
            text = value_text(stored)
            if not text:
                return []
            return sorted(v for needle in test(text) for v in lowered[needle])

        return contains
    if match == "digits_within":
        within = Contains(digit_values(wanted))

        def digits_within(stored: Any) -> list[str]:
            text = value_text(stored)
            return within(digits_of(text)) if text else []

        return digits_within
    raise ValueError(f"unknown match mode {match!r}")


def _by_lower(values: Iterable[str]) -> dict[str, list[str]]:
    """Lower-cased value -> the lookup values that lower-case to it (normally just itself)."""
    found: dict[str, list[str]] = {}
    for value in sorted(values):
        found.setdefault(value.lower(), []).append(value)
    return found


def digit_values(values: Iterable[str]) -> list[str]:
    """The lookup values ``digits`` and ``digits_within`` can match (ASCII digits only),
    sorted: what every engine's candidate test asks for."""
    return sorted({v for v in values if v.isascii() and v.isdigit()})


ENDING = 4
"""Digits of a number's ending (``digit_endings``)."""


def digit_endings(numbers: Iterable[str]) -> list[str] | None:
    """The last ``ENDING`` digits of the numbers, each once, sorted; None when a number is
    shorter. A text that ends in that many digits can match (``digits``) only a number
    ending in them: engines test a stored phone value's end before extracting its digits."""
    listed = list(numbers)
    if any(len(n) < ENDING for n in listed):
        return None
    return sorted({n[-ENDING:] for n in listed})


def address_sign(value: str) -> str | None:
    """The sign of ``ADDRESS_SIGNS`` a ``contains`` needle holds (``@`` first), or None
    when it is no address."""
    return next((sign for sign in ADDRESS_SIGNS if sign in value), None)


# -- helpers for engines that compare in SQL -------------------------------------------------

CASE_VARIANTS = 64
"""At most this many spellings of one value go into an ``IN`` list (``case_variants``)."""


@functools.lru_cache(maxsize=1)
def _upper_forms() -> dict[str, tuple[str, ...]]:
    """Non-ASCII character -> the other characters whose lower-case form it is (ü → Ü)."""
    forms: dict[str, list[str]] = {}
    for code in range(0x80, 0x10000):
        char = chr(code)
        lower = char.lower()
        if lower != char and len(lower) == 1 and not lower.isascii():
            forms.setdefault(lower, []).append(char)
    return {lower: tuple(chars) for lower, chars in forms.items()}


def case_variants(value: str, limit: int = CASE_VARIANTS) -> list[str] | None:
    """The texts ``lower()`` of an engine that folds only ASCII letters (SQLite; PostgreSQL
    under the C locale) gives for stored values whose full lower-casing is ``value``.

    ``"jürgen@example.de"`` → ``["jürgen@example.de", "jÜrgen@example.de"]``: an
    ``IN`` list of them keeps an index on ``lower(column)`` useful. None when there are
    more than ``limit`` (then compare with ``like_contains``-style patterns instead).
    """
    forms = _upper_forms()
    choices = [(char, *forms.get(char, ())) for char in value.lower()]
    count = math.prod(len(c) for c in choices)
    if count > limit:
        return None
    return sorted("".join(parts) for parts in itertools.product(*choices))


def like_escape(value: str, escape: str = "!") -> str:
    """``value`` with LIKE's wildcards and the escape character escaped."""
    return "".join(escape + c if c in ("%", "_", escape) else c for c in value)


def like_contains(value: str, escape: str = "!", *, exact: bool = False) -> str:
    """A LIKE pattern for ``lower(text)`` that finds every text whose full lower-casing
    contains ``value.lower()`` (equals it, with ``exact``), also where the engine's
    ``lower()`` folds only ASCII: a non-ASCII letter with an upper-case form becomes the
    one-character wildcard ``_``. Use with ``ESCAPE '<escape>'``; rows it lets through are
    checked with ``matcher``."""
    forms = _upper_forms()
    parts = []
    for char in value.lower():
        parts.append("_" if char in forms else like_escape(char, escape))
    body = "".join(parts)
    return body if exact else f"%{body}%"


def like_digits(value: str) -> str:
    """A LIKE pattern for the text of a stored phone number that finds every value whose
    digits end with ``value`` (``1712345678`` → ``%1%7%1%2%3%4%5%6%7%8%``): the digits in
    order, anything between. It lets through more (a later digit), never fewer."""
    return "%" + "%".join(value) + "%"


NumberKind = Literal["integer", "float", "decimal"]


def exact_numbers(values: Iterable[str], kind: NumberKind) -> list[Any]:
    """The numbers a numeric column must equal for its ``value_text`` to be one of ``values``.

    ``"17"`` gives 17 (17.0, Decimal 17); ``"017"``, ``"17.0"`` and ``"x"`` give nothing,
    as no number reads like them. For ``IN`` lists on integer, float and decimal columns.
    """
    found: list[Any] = []
    for text in values:
        try:
            number = Decimal(text)
        except (InvalidOperation, ValueError):
            continue
        if not number.is_finite():
            continue
        if kind == "integer":
            if value_text(number) == text and number == number.to_integral_value():
                found.append(int(number))
        elif kind == "float":
            candidate = float(number)
            if value_text(candidate) == text:
                found.append(candidate)
        elif value_text(number) == text:
            found.append(number)
    return sorted(set(found))


# -- erasure effects -----------------------------------------------------------------------


def changes(action: ErasureAction, row: Mapping[str, Any], empty: Any = None) -> dict[str, Any]:
    """The new values ``action`` gives ``row`` (column -> value); empty when nothing changes.

    ``empty`` is what a cleared cell holds in the source: None in databases, workbooks
    and Parquet, "" in CSV. A delete clears every column (files keep the emptied row in
    place, so later row numbers stay; SQL deletes the row instead). Cells that hold
    nothing are never changed: a mask there would invent data.
    """
    if action.action == "delete":
        return {c: empty for c, v in row.items() if not is_empty(v)}
    if action.action == "null":
        return {c: empty for c in action.columns if not is_empty(row.get(c))}
    if action.action == "mask":
        return {
            c: action.mask
            for c in action.columns
            if not is_empty(row.get(c)) and row.get(c) != action.mask
        }
    if action.action == "redact":
        new: dict[str, Any] = {}
        for column in action.columns:
            value = row.get(column)
            if isinstance(value, str):
                redacted = redact(value, action.substrings, action.mask)
                if redacted != value:
                    new[column] = redacted
        return new
    raise ValueError(f"unknown action {action.action!r}")


def redaction_pattern(substrings: Sequence[str]) -> re.Pattern[str]:
    """Any of ``substrings``, ignoring case; longest first so a name beats its first word."""
    parts = sorted({s for s in substrings if s}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in parts), re.IGNORECASE)


def redact(text: str, substrings: Sequence[str], mask: str) -> str:
    """``text`` with every occurrence of ``substrings`` replaced by ``mask``, in one pass."""
    if not any(substrings):
        return text
    return redaction_pattern(substrings).sub(lambda _m: mask, text)


# -- reading rows by key -------------------------------------------------------------------


@runtime_checkable
class ReadsRows(Protocol):
    """The optional connector method behind ``read_rows``.

    ``read(table, keys)`` yields ``(key, row)`` for every row of ``table`` that one of
    ``keys`` names, once each, with the key spelled as ``find`` gives it. Keys name
    rows by ``row_id`` (``"17"`` names the row with key 17); keys that name no row are
    left out, rows emptied by an erasure included (they are gone).
    """

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        ...


class CannotRead(SourceError):
    """The connector offers no ``read`` and its keys cannot be looked up by a column."""


def read_rows(connector: Any, table: str, keys: Iterable[RowKey]) -> dict[RowId, dict[str, Any]]:
    """The current rows of ``table`` that ``keys`` name, by ``row_id``; absent rows are left out.

    Uses the connector's ``read`` when it has one. Otherwise (a plugin written before
    ``read`` existed) each group of keys with the same columns is read with one ``exact``
    lookup on its first column, every hit checked against the whole key; keys that name
    a place in a file (``file``, ``row``) cannot be read that way and raise CannotRead.
    """
    wanted = {row_id(table, key): dict(key) for key in keys}
    if not wanted:
        return {}
    read = getattr(connector, "read", None)
    found: Iterable[tuple[RowKey, dict[str, Any]]]
    if callable(read):
        found = read(table, list(wanted.values()))
    else:
        found = _read_with_find(connector, table, list(wanted.values()))
    rows: dict[RowId, dict[str, Any]] = {}
    for key, values in found:
        ident = row_id(table, key)
        if ident in wanted:
            rows[ident] = values
    return rows



def read_keyed(
    connector: Any, keys: Iterable[tuple[str, RowKey]]
) -> tuple[dict[RowId, dict[str, Any]], set[str]]:
    """``read_rows`` for (table, key) pairs of several tables, one batch per table: the
    rows found by ``row_id``, and the tables whose rows cannot be read by key
    (``CannotRead``), for the caller to count as unchecked instead of failing."""
    by_table: dict[str, list[RowKey]] = {}
    for table, key in keys:
        by_table.setdefault(table, []).append(key)
    found: dict[RowId, dict[str, Any]] = {}
    unreadable: set[str] = set()
    for table, table_keys in by_table.items():
        try:
            found.update(read_rows(connector, table, table_keys))
        except CannotRead:
            unreadable.add(table)
    return found, unreadable

def _read_with_find(
    connector: Any, table: str, keys: list[RowKey]
) -> Iterator[tuple[RowKey, dict[str, Any]]]:
    groups: dict[tuple[str, ...], list[RowKey]] = {}
    for key in keys:
        if "file" in key and "row" in key:
            raise CannotRead(
                Problem(
                    f"the {type(connector).__name__} connector cannot read rows of '{table}' "
                    "by their place in a file",
                    Where(source=getattr(connector, "name", None)),
                    "give the connector a read() method (docs/writing-a-connector.md)",
                )
            )
        groups.setdefault(tuple(key), []).append(key)
    for columns, group in groups.items():
        first = columns[0]
        values = frozenset(t for k in group if (t := key_text(k[first])) is not None)
        for hit in connector.find([Lookup(table, first, values, "exact")]):
            yield hit.key, hit.row
