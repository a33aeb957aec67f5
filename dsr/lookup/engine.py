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
comments) are ``linked``, also over ``links:`` across sources (lookup_links)
and over links inferred where a schema declares none (lookup_infer, marked
``inferred``). A row of ANOTHER person a matched row points to (the support
agent) is only a ``Reference``: the link belongs in the answer, that person's
data does not. An IBAN (any spacing) is a strong identifier in financial
columns; a phone number in free text is a mention when a digit run in it is the
same number. A source that fails is named and the others go on: the result is
then not complete.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from stdnum import iban

from dsr.classify.result import TableClassification
from dsr.config.models import Config, Source
from dsr.connectors import open_connector
from dsr.connectors.protocol import Connector, Hit, Lookup, RowKey, Table
from dsr.connectors.rows import RowId, key_text, row_id
from dsr.identifiers import normalise_name, phone_digits, same_phone
from dsr.lookup.infer import Edge, inferred_edges
from dsr.lookup.links import Wanted, follow_links, link_text
from dsr.lookup.person import Person, phone_region
from dsr.progress import NullProgress, Progress
from dsr.sources import SourceFailure, SourceRun, for_each_source, run_source, select_sources

MatchKind = Literal["direct", "linked", "mention", "possible"]
_RANK: dict[str, int] = {"direct": 0, "linked": 1, "mention": 2, "possible": 3}
_POSTCODE = re.compile(r"(plz|postcode|post_code|postal|zip)", re.IGNORECASE)

__all__ = [
    "LookupResult",
    "Match",
    "Person",
    "Reference",
    "find_people",
    "json_key",
    "phone_region",
]


@dataclass(frozen=True)
class Match:
    """One row that belongs to (or mentions) person number ``person`` (index into the input).

    ``inferred`` marks a row reached over a link the schema does not declare (to be
    confirmed in ``links:``)."""

    person: int
    source: str
    table: str
    key: RowKey
    match: MatchKind
    via: str
    row: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    inferred: bool = False


@dataclass(frozen=True)
class Reference:
    """A row of ANOTHER person a matched row points to (the support agent, the employee):
    the link is part of the answer, that person's data is not."""

    person: int
    source: str
    table: str
    key: RowKey
    via: str


@dataclass
class LookupResult:
    """Every match, and the sources that could not be read (then the answer is not complete)."""

    matches: list[Match] = field(default_factory=list)
    failed_sources: dict[str, str] = field(default_factory=dict)  # name → reason
    searched: list[str] = field(default_factory=list)
    exceptions: dict[str, BaseException] = field(default_factory=dict, repr=False)
    references: list[Reference] = field(default_factory=list)
    # The classification each searched source got, so callers (the access letter's labels
    # and categories) need not classify the source a second time.
    classifications: dict[str, list[TableClassification]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.failed_sources

    @property
    def failures(self) -> list[SourceFailure]:
        """The sources that could not be read, as every command words them."""
        return [
            SourceFailure(name, reason, self.exceptions.get(name))
            for name, reason in self.failed_sources.items()
        ]

    def to_json(self, rows: Sequence[int] = ()) -> dict[str, Any]:
        """The JSON document of design.md (`find`): places, keys and how each row was
        reached, never a row's values. With ``rows`` (``--batch``: each person's row in
        the file), every match and reference names its person by that row."""
        matches = []
        for match in self.matches:
            item: dict[str, Any] = {
                "source": match.source,
                "table": match.table,
                "key": json_key(match.key),
                "match": match.match,
                "via": match.via,
            }
            if match.inferred:
                item["inferred"] = True
            if rows:
                item["person"] = rows[match.person]
            matches.append(item)
        references = []
        for ref in self.references:
            entry: dict[str, Any] = {
                "source": ref.source,
                "table": ref.table,
                "key": json_key(ref.key),
                "via": ref.via,
            }
            if rows:
                entry["person"] = rows[ref.person]
            references.append(entry)
        return {
            "complete": self.complete,
            "failed_sources": sorted(self.failed_sources),
            "matches": matches,
            "references": references,
        }


def json_key(key: RowKey) -> dict[str, Any]:
    """A row key as JSON documents and the erasure plan hold it: numbers, text, booleans and
    None as they are, any other value as the text ``rows.row_id`` compares it by
    (``Decimal("17.00")`` → ``"17"``, binary → ``0x`` hex, a datetime as ``str`` gives it).
    So the key ``dsr find --json`` prints names the same row as the one the plan stores,
    and ``--confirm`` takes either. (Plans stored before this kept a decimal as ``str``
    wrote it, ``"17.00"``, which ``row_id`` reads as another value than the number 17:
    such a plan is refused by ``--execute`` as not matching the data, nothing changed.)"""
    return {
        str(k): v if v is None or isinstance(v, bool | int | float | str) else key_text(v)
        for k, v in key.items()
    }


def find_people(
    config: Config,
    people: Sequence[Person],
    *,
    sources: Sequence[str] = (),
    progress: Progress | None = None,
) -> LookupResult:
    """Look up all ``people`` in the selected sources (all when none), one pass per source,
    then follow ``links:`` across the sources, again batched per source."""
    progress = progress or NullProgress()
    region = phone_region(config)
    result = LookupResult()
    chosen = select_sources(config, sources)
    lookups: dict[str, _SourceLookup] = {}
    connectors: list[Connector] = []

    def record(run: SourceRun[Any]) -> bool:
        """Note a source's failure (the others go on); True when it worked."""
        if run.failure is None:
            return True
        result.failed_sources[run.source.name] = run.failure.reason
        if run.failure.exception is not None:
            result.exceptions[run.source.name] = run.failure.exception
        return False

    def guard(name: str, action: Callable[[], object]) -> bool:
        """Run more of one source's work (following ``links:``) under the same rule."""
        return record(run_source(config.sources[name], lambda _source: action()))

    def search(source: Source) -> None:
        connector = open_connector(source)
        connectors.append(connector)
        lookup = _SourceLookup(source, connector, people, region)
        lookup.run()
        lookups[source.name] = lookup

    try:
        for run in for_each_source(chosen, search, progress=progress, title="Looking up"):
            record(run)
        if config.links:
            follow_links(config.links, lookups, guard)
    finally:
        for connector in connectors:
            connector.close()
    for source in chosen:
        if source.name in lookups:  # also when only following a link failed later
            result.matches.extend(lookups[source.name].matches())
            result.references.extend(lookups[source.name].references())
            result.classifications[source.name] = lookups[source.name].classes
            if source.name not in result.failed_sources:
                result.searched.append(source.name)
    return result


# -- one source ---------------------------------------------------------------------------

_Purpose = Literal["email", "phone", "id", "text", "birthdate", "postcode", "iban"]
_PHONE_TAIL = 4
"""Digits a phone number's end must show in free text to be a candidate; re-checked after."""
_DIGIT_RUN = re.compile(r"\+?[0-9][0-9 ()/.\-]{4,}[0-9]")


class _SourceLookup:
    """The lookups of one source for all people, and the matches they give."""

    def __init__(
        self, source: Source, connector: Connector, people: Sequence[Person], region: str
    ) -> None:
        self.source = source
        self.connector = connector
        self.people = people
        self.region = region
        # Keyed by person and ``row_id``: a row is one row however its key is spelled.
        self.found: dict[tuple[int, RowId], Match] = {}
        self.refs: dict[tuple[int, RowId], Reference] = {}
        self.children: dict[str, list[Edge]] = defaultdict(list)  # parent → edges
        self.parents: dict[str, list[Edge]] = defaultdict(list)  # child → address edges
        self.people_refs: dict[str, list[Edge]] = defaultdict(list)  # child → person edges
        self.classes: list[TableClassification] = []

    def run(self) -> None:
        from dsr.classify.classifier import classify_source

        classes = classify_source(self.source, self.connector)
        self.classes = classes
        tables = {t.name: t for t in self.connector.tables()}
        kinds = {c.table: c.kind for c in classes}
        self._edges(tables, kinds, classes)
        purposes = self._purposes(classes)
        lookups, owners = self._lookups(purposes)
        if lookups:
            for hit in self.connector.find(lookups):
                self._direct_hit(hit, purposes, owners, classes)
        self._expand([m for m in self.found.values() if m.match == "direct"])

    def matches(self) -> list[Match]:
        return sorted(
            self.found.values(),
            key=lambda m: (m.person, m.table, _RANK[m.match], repr(sorted(m.key.items()))),
        )

    def references(self) -> list[Reference]:
        return sorted(
            (r for r in self.refs.values() if (r.person, row_id(r.table, r.key)) not in self.found),
            key=lambda r: (r.person, r.table, repr(sorted(r.key.items()))),
        )

    def owned(self) -> list[Match]:
        """The rows that are the person's own (not mentions or possible ones): links start here."""
        return [m for m in self.found.values() if m.match in ("direct", "linked")]

    def follow(self, wanted: Wanted) -> int:
        """Rows reached over a link from another source, then their own linked rows."""
        frontier = self._fetch(wanted, inferred=set())
        self._expand(frontier)
        return len(frontier)

    # which column is searched for what

    def _purposes(self, classes: Iterable[TableClassification]) -> dict[tuple[str, str], _Purpose]:
        purposes: dict[tuple[str, str], _Purpose] = {}
        for table in classes:
            names = [c for c in table.columns if c.lookup == "name"]
            for column in table.columns:
                place = (table.table, column.column)
                if column.lookup in ("email", "phone", "id", "text"):
                    purposes[place] = column.lookup
                elif "financial" in column.categories:
                    purposes[place] = "iban"
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
                owners["text", phone_digits(number)[-_PHONE_TAIL:]].add(index)
            for account in person.ibans:  # stored compact or in groups of four
                owners["iban", account.lower()].add(index)
                owners["iban", iban.format(account).lower()].add(index)
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
        mode = {
            "email": "casefold",
            "phone": "digits",
            "id": "exact",
            "text": "contains",
            "iban": "casefold",
        }
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
            elif purpose == "iban":
                if iban.compact(str(hit.row.get(hit.column) or "")) in person.ibans:
                    self._add(index, hit, "direct", "iban")
            elif purpose == "text" and hit.value.isdigit():
                if _mentions_phone(str(hit.row.get(hit.column) or ""), person, self.region):
                    self._add(index, hit, "mention", f"{hit.column} mentions (phone)")
            elif purpose == "text":
                self._add(index, hit, "mention", f"{hit.column} mentions")
            elif _same_name(person, hit.row, _name_columns(classes, hit.table)):
                self._add(index, hit, "possible", f"name + {purpose}")

    def _add(
        self, person: int, hit: Hit, kind: MatchKind, via: str, *, inferred: bool = False
    ) -> bool:
        """Keep the strongest match per person and row: direct > linked > mention > possible."""
        table, key, row = hit.table, hit.key, hit.row
        ident = (person, row_id(table, key))
        current = self.found.get(ident)
        if current is not None and _RANK[current.match] <= _RANK[kind]:
            return False
        self.found[ident] = Match(
            person, self.source.name, table, key, kind, via, dict(row), inferred=inferred
        )
        return True

    # linked records

    def _edges(
        self,
        tables: dict[str, Table],
        kinds: Mapping[str, str],
        classes: Sequence[TableClassification],
    ) -> None:
        """Declared foreign keys, or where none are declared, those inferred from names and
        values; an edge to a person table is a reference, to an address table a parent."""
        edges = [
            Edge(fk.table, fk.referred[0], table.name, fk.columns[0])
            for table in tables.values()
            for fk in table.foreign_keys
            if len(fk.columns) == 1 and fk.table in tables
        ]
        edges += inferred_edges(tables, classes, self.connector)
        for edge in edges:
            self.children[edge.parent].append(edge)
            if kinds.get(edge.parent) == "address":
                self.parents[edge.child].append(edge)
            elif kinds.get(edge.parent) == "person":
                self.people_refs[edge.child].append(edge)

    def _expand(self, frontier: list[Match]) -> None:
        """From these matches, batched level by level: child rows, and address parents;
        the rows of other people they point to become references."""
        while frontier:
            wanted: Wanted = defaultdict(lambda: defaultdict(set))
            inferred: set[str] = set()
            pointers: Wanted = defaultdict(lambda: defaultdict(set))
            for match in frontier:
                for edge in self.children.get(match.table, ()):
                    _want(wanted, match, edge.referred, edge.child, edge.column, edge.via)
                    if edge.inferred:
                        inferred.add(edge.via)
                for edge in self.parents.get(match.table, ()):
                    via = f"{match.table}.{edge.column} → {edge.parent}.{edge.referred} (address)"
                    _want(wanted, match, edge.column, edge.parent, edge.referred, via)
                for edge in self.people_refs.get(match.table, ()):
                    via = f"{match.table}.{edge.column} → {edge.parent}.{edge.referred}"
                    _want(pointers, match, edge.column, edge.parent, edge.referred, via)
            frontier = self._fetch(wanted, inferred)
            self._point(pointers)

    def _fetch(self, wanted: Wanted, inferred: set[str]) -> list[Match]:
        """The rows asked for, in one batch; the new linked matches they give."""
        lookups = [
            Lookup(table, column, frozenset(values), "exact")
            for (table, column), values in wanted.items()
        ]
        new: list[Match] = []
        if not lookups:
            return new
        for hit in self.connector.find(lookups):
            for person, via in wanted.get((hit.table, hit.column), {}).get(hit.value, ()):
                if self._add(person, hit, "linked", via, inferred=via in inferred):
                    new.append(self.found[person, row_id(hit.table, hit.key)])
        return new

    def _point(self, pointers: Wanted) -> None:
        """Rows of other people the person's rows refer to: reported as references only."""
        lookups = [
            Lookup(table, column, frozenset(values), "exact")
            for (table, column), values in pointers.items()
        ]
        if not lookups:
            return
        for hit in self.connector.find(lookups):
            for person, via in pointers.get((hit.table, hit.column), {}).get(hit.value, ()):
                ident = (person, row_id(hit.table, hit.key))
                if ident not in self.found:
                    self.refs[ident] = Reference(person, self.source.name, hit.table, hit.key, via)


def _want(wanted: Wanted, match: Match, here: str, table: str, column: str, via: str) -> None:
    text = link_text(match.row.get(here))
    if text is not None:
        wanted[table, column][text].add((match.person, via))


def _mentions_phone(text: str, person: Person, region: str) -> bool:
    """Whether a run of digits in ``text`` is one of the person's phone numbers."""
    return any(
        same_phone(run.group(), number, region)
        for run in _DIGIT_RUN.finditer(text)
        for number in person.phones
    )


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
