"""Links across sources from ``links:`` in dsr.yaml, followed in both directions.

A Zendesk user's ``external_id`` holds the shop's customer number: once a row
on either side belongs to the person, the rows holding the same value on the
other side do too. Values are gathered from every source's matches and sent to
each other source as ONE batch per round, so the cost stays one query per link
column, not one per person; rounds repeat until nothing new is found (a link
can lead to a source whose own foreign keys lead to yet another link).

A value is sent as the text ``dsr.connectors.rows.value_text`` gives it (the one
definition every connector compares with), so ``10042.0`` from a spreadsheet and
``Decimal("10042.00")`` from a NUMERIC column ask for ``10042``. References inside
one source (``link_text``) are sent as stored: an ``exact`` lookup already lets
spaces around a value match where the engine scans (``rows``, "Surrounding
spaces"), and a key ``" 17 "`` is referred to as ``" 17 "``. A ``links:`` value joins two
systems, and exports pad values their own way; it is an identifier read on the way
in, so it is asked for as stored and, when it has surrounding blanks, trimmed as
well (``link_texts``): a padded customer number still finds the customer, and a
value padded alike on both sides still finds its row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from dsr.config.models import Link
from dsr.connectors.rows import is_empty, value_text

MAX_ROUNDS = 5

Wanted = dict[tuple[str, str], dict[str, set[tuple[int, str]]]]
"""(table, column) → value → {(person, via)}: the rows one source is asked for."""


class _Matched(Protocol):
    # Read-only: the engine's Match is a frozen dataclass with a narrower ``match``.
    @property
    def person(self) -> int: ...
    @property
    def table(self) -> str: ...
    @property
    def match(self) -> str: ...
    @property
    def row(self) -> dict[str, Any]: ...


class _Followable(Protocol):
    def owned(self) -> Iterable[_Matched]: ...

    def follow(self, wanted: Wanted) -> int: ...


def follow_links(
    links: Iterable[Link],
    lookups: Mapping[str, _Followable],
    guard: Callable[[str, Callable[[], object]], object],
) -> None:
    """Follow ``links`` between the sources in ``lookups``; ``guard`` runs one source's
    lookups and records a failure instead of raising."""
    pairs = []
    for link in links:
        pairs.append((link.to, link.from_))
        pairs.append((link.from_, link.to))
    seen: set[tuple[int, str, str]] = set()
    for _ in range(MAX_ROUNDS):
        wanted: dict[str, Wanted] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
        for here, there in pairs:
            if here.source not in lookups or there.source not in lookups:
                continue
            for match in lookups[here.source].owned():
                if match.table != here.table:
                    continue
                via = f"link {here} → {there}"
                for text in link_texts(match.row.get(here.column)):
                    if (match.person, str(here), text) in seen:
                        continue
                    seen.add((match.person, str(here), text))
                    wanted[there.source][there.table, there.column][text].add((match.person, via))
        if not wanted:
            return
        for source, asked in wanted.items():
            guard(source, lambda s=source, a=asked: lookups[s].follow(a))  # type: ignore[misc]


def link_text(value: Any) -> str | None:
    """A stored value as the text a reference asks the other row for (``rows.value_text``:
    ``10042.0`` and ``Decimal("10042.00")`` read ``10042``), blanks kept; None when the
    cell holds nothing to ask for (empty, blank, binary, a list or an object)."""
    if isinstance(value, list | dict) or is_empty(value):
        return None
    return value_text(value)


def link_texts(value: Any) -> list[str]:
    """The texts a ``links:`` value is asked for in the other system: as stored and, when
    it has surrounding blanks, trimmed (see the module docstring)."""
    text = link_text(value)
    if text is None:
        return []
    return list(dict.fromkeys([text, text.strip()]))
