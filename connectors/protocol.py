"""The contract between dsr and every kind of source.

A connector knows one kind of source. It lists tables with their columns, keys
and links, gives a sample, finds the rows matching a *batch* of normalised
identifiers in one pass, and applies erasure actions atomically, or declares
(in ``capabilities``) that it cannot. Identifiers arrive already normalised
(``dsr.identifiers``); a connector only compares, it never normalises, so a
person is found the same way in every source.

Work goes to the engine that holds the data: SQL sources get parameterised,
index-using queries; files are streamed, never loaded whole when large.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, get_args, runtime_checkable

from pydantic import BaseModel

from dsr.connectors.capabilities import Capabilities
from dsr.errors import SourceError

RowKey = dict[str, Any]
"""A row's identity: its primary key as an object (``{"InvoiceId": 98}``), or for
files its place (``{"file": "signups.csv", "row": 12}``, with ``"sheet"`` for
workbooks; ``row`` is the row number a spreadsheet program shows, header = 1).
Two keys name the same row when ``dsr.connectors.rows.row_id`` says so: key values
compare as text, so ``17``, ``"17"`` and ``17.0`` are one row, ``" 17 "`` another."""

IdentifierKind = Literal["email", "phone", "name", "id", "text"]
"""What a column identifies a person by; ``text`` is free text that may mention anyone."""

MatchMode = Literal["exact", "casefold", "digits", "contains", "digits_within"]
"""How a lookup compares a stored value with a normalised identifier. The stored
value is compared as the text a person reads (``17.0`` reads ``17``), surrounding
blanks included; ``dsr.connectors.rows.matcher`` is the one definition, which
every connector uses or, comparing in SQL, agrees with:

- ``exact``: equal as text (customer numbers, vendor ids);
- ``casefold``: equal ignoring case (e-mail addresses);
- ``digits``: the value's ASCII digits, all other characters dropped, end with the
  identifier (phone numbers in any format: ``0171_2345678`` and ``+49 171 2345678``
  both end with ``1712345678``; the core re-checks candidates with phonenumbers);
- ``contains``: the value contains the identifier, ignoring case (mentions in notes);
- ``digits_within``: the value's ASCII digits, all other characters dropped, contain the
  identifier (a phone number written anywhere in a note, in any format). Optional: a
  connector that compares it declares so in ``match_modes``; for the others dsr asks a
  ``contains`` lookup of the number's last digits instead, which finds far more candidates.
"""

BASIC_MATCH_MODES: frozenset[MatchMode] = frozenset({"exact", "casefold", "digits", "contains"})
"""The modes every connector compares; ``Connector.match_modes`` may declare more."""
ALL_MATCH_MODES: frozenset[MatchMode] = frozenset(get_args(MatchMode))
"""Every mode ``dsr.connectors.rows.matcher`` knows: what a connector comparing with it declares."""


def match_modes(connector: object) -> frozenset[MatchMode]:
    """The match modes a connector declares (``match_modes``), the basic ones when it
    declares none: a connector written before a mode existed is never asked for it."""
    declared = getattr(connector, "match_modes", None)
    return frozenset(declared) | BASIC_MATCH_MODES if declared else BASIC_MATCH_MODES


@dataclass(frozen=True)
class Column:
    name: str
    type: str = ""  # the source's own type name: VARCHAR(120), TEXT, int64, string
    nullable: bool = True
    identifies: IdentifierKind | None = None  # set where the connector knows it (SaaS exports)


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` of this table point at ``referred`` columns of ``table``."""

    columns: tuple[str, ...]
    table: str
    referred: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    indexed: tuple[tuple[str, ...], ...] = ()  # column lists with an index, leading column first
    rows: int | None = None
    rows_exact: bool = False
    kind: Literal["table", "view", "sheet", "file", "records"] = "table"
    unreadable: tuple[str, ...] = ()
    """Columns the source cannot read (values its driver refuses): rows are read and
    searched without them, their values read as empty. The connector's ``problems``
    say why."""

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


@dataclass(frozen=True)
class Lookup:
    """Find the rows of ``table`` whose ``column`` matches one of ``values``."""

    table: str
    column: str
    values: frozenset[str]
    match: MatchMode = "exact"


@dataclass(frozen=True)
class Hit:
    """One row that matched: where, by which column and value, and the row itself."""

    table: str
    key: RowKey
    column: str
    value: str  # the normalised identifier (one of the lookup's values) that matched
    row: dict[str, Any] = field(default_factory=dict, compare=False)


ActionKind = Literal["delete", "null", "mask", "redact"]


@dataclass(frozen=True)
class ErasureAction:
    """One change to one row.

    ``delete`` removes the row; ``null`` empties ``columns``; ``mask`` overwrites
    ``columns`` with ``mask``; ``redact`` replaces each of ``substrings`` inside
    ``columns`` (case-insensitively) with ``mask``. Cells that hold nothing stay as
    they are (``dsr.connectors.rows.changes`` is the one definition).
    """

    table: str
    key: RowKey
    action: ActionKind
    columns: tuple[str, ...] = ()
    mask: str = "[entfernt]"
    substrings: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApplyResult:
    """What ``apply`` did: actions that changed a row, and those that found nothing to change
    (the row was already gone or already erased, as after a re-run)."""

    applied: int
    unchanged: int


class UnsupportedAction(SourceError):
    """The connector declared that it cannot apply this kind of action."""


@runtime_checkable
class Connector(Protocol):
    """What dsr calls on a source. Built-ins and plugins implement the same thing.

    dsr constructs a connector as ``cls(name, options)`` with the source's name
    and its validated ``Options``; the constructor must not connect or read yet,
    so that listing connectors and checking dsr.yaml stay cheap.

    A connector may declare ``match_modes: ClassVar[frozenset[MatchMode]]``, the optional
    match modes it compares besides ``BASIC_MATCH_MODES`` (``match_modes`` reads it).

    One more method is optional, so connectors written before it keep working:
    ``read(table, keys)`` yields ``(key, row)`` for the rows the keys name
    (``dsr.connectors.rows.ReadsRows``). dsr calls it through
    ``dsr.connectors.rows.read_rows``, which falls back to an ``exact`` lookup on the
    key's first column when a connector has no ``read``.
    """

    type_name: ClassVar[str]
    Options: ClassVar[type[BaseModel]]
    capabilities: ClassVar[Capabilities]
    summary: ClassVar[str]

    name: str  # the source's name in dsr.yaml, for messages

    def __init__(self, name: str, options: BaseModel) -> None:
        """Keep the source's name and its validated ``Options``; connect or read nothing."""
        ...

    def tables(self) -> list[Table]:
        """Every table with columns, keys, links and a row count (exact where cheap)."""
        ...

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        """Up to ``n`` rows of ``table``, for the classifier."""
        ...

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        """Every row matching any lookup, in one pass per table where the engine allows."""
        ...

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        """Apply all actions atomically: all of them, or none (then raise SourceError).

        Safe to re-run: actions whose row is gone or already changed count as unchanged.
        """
        ...

    def close(self) -> None:
        """Release connections and file handles."""
        ...
