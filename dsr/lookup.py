"""The lookup engine: find people in every source, with linked records and mentions.

One engine serves `find`, `access` and erasure, so a person is found the same
way every time. Each source is read in ONE pass for all people at once: the
source is classified once, one batch of lookups goes to ``connector.find`` for
every identifier of every person, and linked records are fetched level by
level, again batched. The cost grows with the data, not with data × people.

Strong identifiers (e-mail, phone, ids) give ``direct`` matches; name with
birth date or postcode in the same row give only ``possible`` matches, for a
person to check; an identifier inside someone else's free text is a
``mention``; rows that reference a matched row (orders, invoices, their lines,
comments) are ``linked``. A source that fails is named and the others go on:
the result is then not complete.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from dsr.classify.result import TableClassification
from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, open_connector
from dsr.connectors.protocol import Connector, Hit, Lookup, RowKey, Table
from dsr.errors import DsrError
from dsr.identifiers import normalise_name, phone_digits, same_phone
from dsr.lookup_person import Person
from dsr.progress import NullProgress, Progress
from dsr.sources import select_sources

MatchKind = Literal["direct", "linked", "mention", "possible"]
_RANK: dict[str, int] = {"direct": 0, "linked": 1, "mention": 2, "possible": 3}
_POSTCODE = re.compile(r"(plz|postcode|post_code|postal|zip)", re.IGNORECASE)

__all__ = ["LookupResult", "Match", "Person", "find_people", "phone_region"]


@dataclass(frozen=True)
class Match:
    """One row that belongs to (or mentions) person number ``person`` (index into the input)."""

    person: int
    source: str
    table: str
    key: RowKey
    match: MatchKind
    via: str
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass
class LookupResult:
    """Every match, and the sources that could not be read (then the answer is not complete)."""

    matches: list[Match] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)  # name → reason
    searched: list[str] = field(default_factory=list)
    exceptions: dict[str, BaseException] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> bool:
        return not self.failed_sources


def phone_region(config: Config) -> str:
    """The region national phone numbers are read in: the country of the holiday calendar."""
    return config.deadline.holidays.split("-")[0].upper() or "DE"


def find_people(
    config: Config,
    people: Sequence[Person],
    *,
    sources: Sequence[str] = (),
    progress: Progress | None = None,
) -> LookupResult:
    """Look up all ``people`` in the selected sources (all when none), one pass per source."""
    progress = progress or NullProgress()
    region = phone_region(config)
    result = LookupResult()
    chosen = select_sources(config, sources)
    progress.begin("Looking up", total=len(chosen))
    for source in chosen:
        try:
            connector = open_connector(source)
            try:
                found = _SourceLookup(source, connector, people, region).run()
            finally:
                connector.close()
        except DsrError as exc:
            result.failed_sources[source.name] = "; ".join(str(p) for p in exc.problems)
        except PluginLoadError as exc:
            result.failed_sources[source.name] = str(exc)
        except Exception as exc:  # a connector bug must not hide the other sources
            result.failed_sources[source.name] = (
                f"unexpected error ({type(exc).__name__}); run with --debug for details"
            )
            result.exceptions[source.name] = exc
        else:
            result.matches.extend(found)
            result.searched.append(source.name)
        progress.advance()
    progress.end()
    return result


# -- one source ---------------------------------------------------------------------------

_Purpose = Literal["email", "phone", "id", "text", "birthdate", "postcode"]


class _SourceLookup:
    """The lookups of one source for all people, and the matches they give."""

    def __init__(
        self, source: Source, connector: Connector, people: Sequence[Person], region: str
    ) -> None:
        self.source = source
        self.connector = connector
        self.people = people
        self.region = region
        self.found: dict[tuple[int, str, str], Match] = {}

    def run(self) -> list[Match]:
        from dsr.classify.classifier import classify_source

        classes = classify_source(self.source, self.connector)
        tables = {t.name: t for t in self.connector.tables()}
        kinds = {c.table: c.kind for c in classes}
        purposes = self._purposes(classes)
        lookups, owners = self._lookups(purposes)
        if lookups:
            for hit in self.connector.find(lookups):
                self._direct_hit(hit, purposes, owners, classes)
        self._follow_links(tables, kinds)
        return sorted(
            self.found.values(),
            key=lambda m: (m.person, m.table, _RANK[m.match], repr(sorted(m.key.items()))),
        )

    # which column is searched for what

    def _purposes(self, classes: Iterable[TableClassification]) -> dict[tuple[str, str], _Purpose]:
        purposes: dict[tuple[str, str], _Purpose] = {}
        for table in classes:
            names = [c for c in table.columns if c.lookup == "name"]
            for column in table.columns:
                place = (table.table, column.column)
                if column.lookup in ("email", "phone", "id", "text"):
                    purposes[place] = column.lookup  # type: ignore[assignment]
                elif names and "birthdate" in column.categories:
                    purposes[place] = "birthdate"
                elif names and column.lookup is None and _POSTCODE.search(column.column):
                    purposes[place] = "postcode"
        return purposes

    def _lookups(
        self, purposes: dict[tuple[str, str], _Purpose]
    ) -> tuple[list[Lookup], dict[tuple[_Purpose, str], set[int]]]:
        """One lookup per column with every person's values, and which value is whose."""
        owners: dict[tuple[_Purpose, str], set[int]] = defaultdict(set)
        for index, person in enumerate(self.people):
            for mail in person.emails:
                owners["email", mail].add(index)
                owners["text", mail].add(index)
            for number in person.phones:
                owners["phone", phone_digits(number)].add(index)
            for source, value in person.ids:
                if source == self.source.name:
                    owners["id", value].add(index)
            if person.strong:  # a name in free text is a mention only beside a strong identifier
                for name in person.names:
                    owners["text", name.casefold()].add(index)
            if person.names:
                for day in person.birthdates:
                    owners["birthdate", day].add(index)
                    y, m, d = day.split("-")
                    owners["birthdate", f"{d}.{m}.{y}"].add(index)
                for code in person.postcodes:
                    owners["postcode", code].add(index)
        values: dict[_Purpose, set[str]] = defaultdict(set)
        for purpose, value in owners:
            values[purpose].add(value)
        mode = {"email": "casefold", "phone": "digits", "id": "exact", "text": "contains"}
        lookups = [
            Lookup(table, column, frozenset(values[purpose]), mode.get(purpose, "exact"))  # type: ignore[arg-type]
            for (table, column), purpose in purposes.items()
            if values.get(purpose)
        ]
        return lookups, owners

    # matches found by identifiers

    def _direct_hit(
        self,
        hit: Hit,
        purposes: dict[tuple[str, str], _Purpose],
        owners: dict[tuple[_Purpose, str], set[int]],
        classes: Sequence[TableClassification],
    ) -> None:
        purpose = purposes.get((hit.table, hit.column))
        if purpose is None:
            return
        for index in owners.get((purpose, hit.value), ()):
            person = self.people[index]
            if purpose == "phone":
                stored = hit.row.get(hit.column)
                if not any(
                    phone_digits(p) == hit.value and same_phone(str(stored), p, self.region)
                    for p in person.phones
                ):
                    continue
                self._add(index, hit, "direct", "phone")
            elif purpose in ("email", "id"):
                self._add(index, hit, "direct", purpose)
            elif purpose == "text":
                self._add(index, hit, "mention", f"{hit.column} mentions")
            elif _same_name(person, hit.row, _name_columns(classes, hit.table)):
                self._add(index, hit, "possible", f"name + {purpose}")

    def _add(self, person: int, hit: Hit, kind: MatchKind, via: str) -> bool:
        """Keep the strongest match per person and row: direct > linked > mention > possible."""
        table, key, row = hit.table, hit.key, hit.row
        ident = (person, table, repr(sorted(key.items())))
        current = self.found.get(ident)
        if current is not None and _RANK[current.match] <= _RANK[kind]:
            return False
        self.found[ident] = Match(person, self.source.name, table, key, kind, via, dict(row))
        return True

    # linked records

    def _follow_links(self, tables: dict[str, Table], kinds: dict[str, str]) -> None:
        """From direct matches, batched level by level: child rows, and address parents."""
        children: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # parent → edges
        parents: dict[str, list[tuple[str, str, str]]] = defaultdict(list)  # child → edges
        for table in tables.values():
            for fk in table.foreign_keys:
                if len(fk.columns) != 1 or fk.table not in tables:
                    continue
                children[fk.table].append((fk.referred[0], table.name, fk.columns[0]))
                if kinds.get(fk.table) == "address":
                    parents[table.name].append((fk.columns[0], fk.table, fk.referred[0]))
        frontier = [m for m in self.found.values() if m.match == "direct"]
        while frontier:
            wanted: dict[tuple[str, str], dict[str, set[tuple[int, str]]]] = defaultdict(
                lambda: defaultdict(set)
            )
            for match in frontier:
                for edges, forward in ((children, True), (parents, False)):
                    for here, there, their in edges.get(match.table, ()):
                        value = match.row.get(here)
                        if value is None or isinstance(value, bytes | list | dict):
                            continue
                        via = (
                            f"{match.table}.{here} → {there}.{their}"
                            if forward
                            else f"{match.table}.{here} → {there}.{their} (address)"
                        )
                        wanted[there, their][_text(value)].add((match.person, via))
            lookups = [
                Lookup(table, column, frozenset(values), "exact")
                for (table, column), values in wanted.items()
            ]
            frontier = []
            if not lookups:
                break
            for hit in self.connector.find(lookups):
                for person, via in wanted.get((hit.table, hit.column), {}).get(hit.value, ()):
                    if self._add(person, hit, "linked", via):
                        frontier.append(
                            self.found[person, hit.table, repr(sorted(hit.key.items()))]
                        )


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _name_columns(classes: Sequence[TableClassification], table: str) -> list[str]:
    for item in classes:
        if item.table == table:
            return [c.column for c in item.columns if c.lookup == "name"]
    return []


def _same_name(person: Person, row: dict[str, Any], columns: list[str]) -> bool:
    """Every word of one of the person's names stands in the row's name columns."""
    words = set(
        normalise_name(" ".join(str(row[c]) for c in columns if row.get(c) is not None)).split()
    )
    return any(set(normalise_name(name).split()) <= words for name in person.names if name)
