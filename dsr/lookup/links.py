"""Links across sources from ``links:`` in dsr.yaml, followed in both directions.

A Zendesk user's ``external_id`` holds the shop's customer number: once a row
on either side belongs to the person, the rows holding the same value on the
other side do too. Values are gathered from every source's matches and sent to
each other source as ONE batch per round, so the cost stays one query per link
column, not one per person; rounds repeat until nothing new is found (a link
can lead to a source whose own foreign keys lead to yet another link).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

from dsr.config.models import Link

MAX_ROUNDS = 5

Wanted = dict[tuple[str, str], dict[str, set[tuple[int, str]]]]
"""(table, column) → value → {(person, via)}: the rows one source is asked for."""


class _Matched(Protocol):
    person: int
    table: str
    match: str
    row: dict[str, Any]


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
                value = match.row.get(here.column)
                if value is None or isinstance(value, bytes | list | dict):
                    continue
                text = link_text(value)
                if not text or (match.person, str(here), text) in seen:
                    continue
                seen.add((match.person, str(here), text))
                via = f"link {here} → {there}"
                wanted[there.source][there.table, there.column][text].add((match.person, via))
        if not wanted:
            return
        for source, asked in wanted.items():
            guard(source, lambda s=source, a=asked: lookups[s].follow(a))  # type: ignore[misc]


def link_text(value: Any) -> str:
    """A stored key as the text lookups compare: ``10042.0`` from a spreadsheet is ``10042``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
