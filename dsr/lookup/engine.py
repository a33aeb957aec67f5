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
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any, Literal

from stdnum import iban

from dsr.classify.names import NameHint, name_hint, words
from dsr.classify.result import TableClassification
from dsr.config.models import Config, Link, Source
from dsr.connectors import open_connector
from dsr.connectors.protocol import Connector, Hit, Lookup, RowKey, Table, match_modes
from dsr.connectors.rows import RowId, key_text, row_id
from dsr.identifiers import (
    normalise_email,
    normalise_iban,
    normalise_name,
    normalise_phone,
    phone_digits,
    phone_runs,
    same_phone,
)
from dsr.lookup.infer import Edge, SourceGraph, inside_values, read_graph
from dsr.lookup.links import Wanted, follow_links, link_text
from dsr.lookup.person import Person, phone_region
from dsr.lookup.structured import own_field
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
    value: str = field(default="", compare=False, repr=False)
    """The identifier that found a direct match, normalised (not part of any output)."""


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
    # Each person as found: the identifiers asked for and those identity expansion took
    # from their own rows (what an erasure redacts from other people's notes).
    people: list[Person] = field(default_factory=list)
    # Sources whose identifier columns (their kinds) no identifier of the request fits,
    # in every pass: the person's own rows cannot be found there.
    unsearched: dict[str, list[str]] = field(default_factory=dict)

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


MAX_EXPANSIONS = 3
"""Rounds of identity expansion: each searches only the identifiers the round before found."""


def find_people(
    config: Config,
    people: Sequence[Person],
    *,
    sources: Sequence[str] = (),
    progress: Progress | None = None,
    learned: Sequence[Person | None] = (),
) -> LookupResult:
    """Look up all ``people`` in the selected sources (all when none), one pass per source,
    then follow ``links:`` across the sources, again batched per source.

    Then identity expansion: a request names one or two identifiers, the person's own
    rows hold the others (found by phone in the shop, the shop row gives the e-mail the
    payment provider knows them by). Their strong identifiers, and the name their rows
    agree on when the request gave none, are searched for in another pass, only the new
    ones, until nothing new turns up; a match found so says through what (``via``). An
    identifier several people share does not expand (``_SourceLookup._shared``).

    ``learned`` (per person, or None) are identifiers an earlier lookup took from rows
    that may be gone now (an erasure's verification): searched as the first expansion
    round, exactly as that lookup searched them (a name in free text only beside a
    strong identifier of the same round)."""
    progress = progress or NullProgress()
    region = phone_region(config)
    known: dict[str, SourceGraph] = {}
    result = _find_once(config, people, sources, progress, known)
    result.people = list(people)
    asked = [_identity(p) for p in people]
    first: list[Person | None] = [*learned, *[None] * len(people)][: len(people)]
    for round_number in range(MAX_EXPANSIONS):
        given = round_number == 0 and any(p is not None for p in first)
        grown = first if given else expansion(people, result, region, asked)
        if not any(p is not None for p in grown):
            break
        index = [i for i, p in enumerate(grown) if p is not None]
        more = _find_once(config, [grown[i] for i in index], sources, progress, known)  # type: ignore[misc]
        _merge(result, more, index, list(config.sources))
        for i in index:
            asked[i] |= _identity(grown[i])  # type: ignore[arg-type]
            result.people[i] = result.people[i].joined(grown[i])  # type: ignore[arg-type]
    linked = {end.source for link in config.links for end in (link.to, link.from_)}
    owned = {m.source for m in result.matches if m.match in ("direct", "linked")}
    strong = any(person.strong for person in people)  # a name alone is refused elsewhere
    for name, kinds in result.unsearched.items():
        if not strong or name in linked or name in owned:
            continue
        # "Nothing here" would not be true: nothing was asked that these rows hold.
        result.failed_sources.setdefault(
            name,
            "none of the identifiers given can be looked up here: it holds "
            + ", ".join(_KIND_WORDS.get(k, k) for k in kinds)
            + "; add one of these to the request",
        )
        if name in result.searched:
            result.searched.remove(name)
    return result


def _identity(person: Person) -> set[tuple[str, str]]:
    return (
        {("email", e) for e in person.emails}
        | {("phone", p) for p in person.phones}
        | {("iban", i) for i in person.ibans}
        | {("name", normalise_name(n)) for n in person.names}
        | {("login", login) for login in person.logins}
        | {("device", "|".join(device)) for device in person.devices}
    )


def expansion(
    people: Sequence[Person],
    result: LookupResult,
    region: str,
    asked: Sequence[set[tuple[str, str]]],
) -> list[Person | None]:
    """Per person, the identifiers their own rows hold that were not searched yet (None
    when there are none): e-mail, phone and IBAN columns of direct and linked rows, and
    the name when the request gave none and the person-table rows agree on one."""
    lookups = {
        (source, c.table): c for source, classes in result.classifications.items() for c in classes
    }
    out: list[Person | None] = []
    for index, person in enumerate(people):
        emails: dict[str, None] = {}
        phones: dict[str, None] = {}
        ibans: dict[str, None] = {}
        logins: dict[str, None] = {}
        devices: dict[tuple[str, str, str, str], None] = {}
        streets: dict[str, None] = {}
        names: set[str] = set()
        for match in result.matches:
            if match.person != index or match.match not in ("direct", "linked"):
                continue
            table = lookups.get((match.source, match.table))
            if table is None:
                continue
            for name, stored in match.row.items():  # a visitor id: their other visits
                if isinstance(stored, bytes) and "visitor" in words(name) and stored.strip(b"\0"):
                    devices[match.source, match.table, name, "0x" + stored.hex()] = None
            if match.match == "linked" and table.kind not in ("person", "address"):
                continue  # a linked order or voucher may name someone else too
            for column in table.columns:
                hint = name_hint(column.column)
                if hint is not None and hint.qualifier:
                    continue  # to_email, shipping_phone: perhaps another person's
                value = match.row.get(column.column)
                if value is None or isinstance(value, bytes | list | dict):
                    continue
                if hint is not None and hint.rule.key == "street" and len(str(value).strip()) >= 6:
                    streets[str(value).strip()] = None  # to cut out of other people's notes
                if hint is not None and hint.rule.key == "login" and table.kind == "person":
                    login = str(value).strip().casefold()
                    if 4 <= len(login) <= 64 and "@" not in login and not login.isdigit():
                        logins[login] = None
                text = str(value).strip()
                if not text:
                    continue
                if column.lookup == "email" and (mail := normalise_email(text)):
                    emails[mail] = None
                elif column.lookup == "phone" and (number := normalise_phone(text, region)):
                    phones[number] = None
                elif "financial" in column.categories and (account := normalise_iban(text)):
                    ibans[account] = None
            if table.kind == "person" and match.match == "direct":
                name = _row_name(match.row, [c.column for c in table.columns if c.lookup == "name"])
                if name:
                    names.add(name)
        new = Person(
            emails=tuple(e for e in emails if ("email", e) not in asked[index]),
            phones=tuple(p for p in phones if ("phone", p) not in asked[index]),
            ibans=tuple(i for i in ibans if ("iban", i) not in asked[index]),
            names=tuple(person.names) or _agreed_name(names),
            logins=tuple(x for x in logins if ("login", x) not in asked[index]),
            streets=tuple(streets),
            devices=tuple(d for d in devices if ("device", "|".join(d)) not in asked[index]),
        )
        named = bool(new.names) and not person.names
        fresh = (
            new.strong
            or bool(new.logins or new.devices)
            or (named and ("name", normalise_name(new.names[0])) not in asked[index])
        )
        out.append(new if fresh else None)
    return out


def _agreed_name(names: set[str]) -> tuple[str, ...]:
    """The name the person's own rows agree on (``Sabina Grein Groth`` and ``Grein Groth
    Sabina`` do; a second account under ``Maria`` does not): the fullest of them, or none."""
    if not names or not all(
        _names_agree(normalise_name(a), normalise_name(b)) for a in names for b in names
    ):
        return ()
    return (max(sorted(names), key=lambda n: len(normalise_name(n).split())),)


def _row_name(row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """The row's name columns joined (first and last name), leaving out a column that only
    repeats words of the name so far (Joomla's contact: ``name`` "Sabina Grein Groth",
    ``sortname1`` "Grein Groth", ``sortname2`` "Sabina": searched for as six words, the
    name was found in no note)."""
    parts: list[str] = []
    seen: set[str] = set()
    for column in columns:
        if row.get(column) in (None, ""):
            continue
        text = str(row[column]).strip()
        words = set(normalise_name(text).split())
        if len(seen) >= 2 and words <= seen:
            continue
        parts.append(text)
        seen |= words
    return " ".join(p for p in parts if p).strip()


def _merge(
    result: LookupResult, more: LookupResult, index: Sequence[int], order: Sequence[str]
) -> None:
    """Add an expansion pass's matches (person numbers mapped back), keeping the strongest
    match per row; a direct match says which identifier of the person's rows found it."""
    best: dict[tuple[int, str, RowId], int] = {}
    for position, match in enumerate(result.matches):
        best[match.person, match.source, row_id(match.table, match.key)] = position
    for match in more.matches:
        person = index[match.person]
        via = match.via
        if match.match == "direct":
            via = f"{via} (an identifier of this person's own rows)"
        moved = replace(match, person=person, via=via)
        ident = (person, match.source, row_id(match.table, match.key))
        at = best.get(ident)
        if at is None:
            best[ident] = len(result.matches)
            result.matches.append(moved)
        elif (
            result.matches[at].match in ("mention", "possible")
            and _RANK[result.matches[at].match] > _RANK[moved.match]
        ):  # a row already the person's keeps the way it was found
            result.matches[at] = moved
    seen = {(r.person, r.source, row_id(r.table, r.key)) for r in result.references}
    for ref in more.references:
        person = index[ref.person]
        if (person, ref.source, row_id(ref.table, ref.key)) not in seen:
            result.references.append(replace(ref, person=person))
    for name in [n for n in result.unsearched if n in more.searched and n not in more.unsearched]:
        del result.unsearched[name]  # a found identifier (a phone) fits its columns
    for name, reason in more.failed_sources.items():
        result.failed_sources.setdefault(name, reason)
        if name in more.exceptions:
            result.exceptions.setdefault(name, more.exceptions[name])
        if name in result.searched:
            result.searched.remove(name)
    place = {name: number for number, name in enumerate(order)}
    result.matches.sort(
        key=lambda m: (
            m.person, place.get(m.source, 0), m.table, _RANK[m.match], repr(sorted(m.key.items()))
        )
    )  # fmt: skip


def _find_once(
    config: Config,
    people: Sequence[Person],
    sources: Sequence[str],
    progress: Progress,
    known: dict[str, SourceGraph] | None = None,
) -> LookupResult:
    """One pass of ``find_people`` over the sources, without expansion; ``known`` carries
    each source's classification and links from pass to pass."""
    known = {} if known is None else known
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
        lookup = _SourceLookup(source, connector, people, region, config.links)
        lookup.run(known.get(source.name))
        if lookup.graph is not None:
            known[source.name] = lookup.graph
        lookups[source.name] = lookup

    try:
        for run in for_each_source(chosen, search, progress=progress, title="Looking up"):
            record(run)
        across = [link for link in config.links if link.from_.source != link.to.source]
        if across:
            follow_links(across, lookups, guard)
    finally:
        for connector in connectors:
            connector.close()
    for source in chosen:
        lookup = lookups.get(source.name)
        if lookup is not None and lookup.unsearched and source.name not in result.failed_sources:
            result.unsearched[source.name] = lookup.unsearched
    for source in chosen:
        if source.name in lookups:  # also when only following a link failed later
            result.matches.extend(lookups[source.name].matches())
            result.references.extend(lookups[source.name].references())
            result.classifications[source.name] = lookups[source.name].classes
            if source.name not in result.failed_sources:
                result.searched.append(source.name)
    return result


# -- one source ---------------------------------------------------------------------------

_Purpose = Literal[
    "email", "phone", "id", "text", "birthdate", "postcode", "iban", "login", "setting", "device"
]
_STRONG_PURPOSES = ("email", "phone", "id", "iban", "login")
"""Columns that find a person's own rows by an identifier (a name finds possible ones)."""
_KIND_WORDS = {"email": "e-mail addresses", "phone": "phone numbers",
               "id": "customer numbers or ids (--id SOURCE:VALUE)", "iban": "IBANs",
               "login": "user names"}  # fmt: skip
_PHONE_TAIL = 4
"""Digits a phone number's end must show in free text to be a candidate where the connector
does not compare a text's digits (``digits_within``); re-checked after."""


class _SourceLookup:
    """The lookups of one source for all people, and the matches they give."""

    def __init__(
        self,
        source: Source,
        connector: Connector,
        people: Sequence[Person],
        region: str,
        links: Sequence[Link] = (),
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
        self.people_refs: dict[str, list[Edge]] = defaultdict(list)  # child → role edges
        self.owners: dict[str, list[Edge]] = defaultdict(list)  # child → its owner's table
        self.junctions: dict[str, list[Edge]] = {}  # a table joining two others → its edges
        self.device_columns: set[tuple[str, str]] = set()
        self.graph: SourceGraph | None = None
        # (table, column, asked text) → (field, key): a key asked for inside encoded cells
        self.inside: dict[tuple[str, str, str], tuple[str, str]] = {}
        self.classes: list[TableClassification] = []
        self.edges: list[Edge] = []
        self.by_via: dict[str, Edge] = {}  # a downward edge by its via
        self.upward: dict[str, Edge] = {}  # an edge followed from a row to its owner
        self.owner_names: dict[tuple[int, str, str], str] = {}  # the name the owner must bear
        self.links = links  # those with both ends in this source are its own edges
        # The kinds of identifier the source's columns hold (e-mail, phone, …) when none of
        # them was asked for: the person's own rows cannot be found here (None: they can).
        self.unsearched: list[str] | None = None

    def run(self, graph: SourceGraph | None = None) -> None:
        """Classify the source and work out its links (or take them from an earlier pass
        of the same lookup), then find the people and follow their rows."""
        if graph is None:
            graph = read_graph(self.source, self.connector, self.links)
        self.graph = graph
        classes = graph.classes
        self.classes = classes
        kinds = {c.table: c.kind for c in classes}
        self._edges(graph.tables, kinds, classes, graph.edges)
        purposes = self._purposes(classes)
        lookups, owners = self._lookups(purposes)
        held = {p for p in purposes.values() if p in _STRONG_PURPOSES}
        asked = {p for p, _ in owners if p in _STRONG_PURPOSES}
        self.unsearched = sorted(held) if held and not held & asked else None
        if lookups:
            for hit in self.connector.find(lookups):
                self._direct_hit(hit, purposes, owners, classes)
        self._shared(classes)
        self._namesakes()
        self._expand([m for m in self.found.values() if m.match == "direct"])
        self._exclusive()

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
        frontier = self._fetch(wanted)
        self._expand(frontier)
        self._exclusive()
        return len(frontier)

    # which column is searched for what

    def _purposes(self, classes: Iterable[TableClassification]) -> dict[tuple[str, str], _Purpose]:
        purposes: dict[tuple[str, str], _Purpose] = {}
        for table in classes:
            names = [c for c in table.columns if c.lookup == "name"]
            settings = _setting_key(table)
            session = _session_table(table.table)
            for column in table.columns:
                place = (table.table, column.column)
                hint = name_hint(column.column)
                if hint is not None and hint.rule.key == "login" and not hint.qualifier:
                    purposes[place] = "login"  # a user name, or an e-mail used as one
                elif column.column == settings:
                    purposes[place] = "setting"
                elif column.lookup in ("email", "phone", "id", "text"):
                    purposes[place] = column.lookup
                elif session and column.lookup is None and _payload(column.column):
                    purposes[place] = "text"  # the session's data: whose session it is
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
        # A phone number in a note: its digits wherever the connector compares a text's
        # digits, else its last digits as text (every note holding them is a candidate).
        within = "digits_within" in match_modes(self.connector)
        in_text: set[str] = set()
        for index, person in enumerate(self.people):
            for mail in person.emails:
                owners["email", mail].add(index)
                owners["login", mail].add(index)  # an e-mail used as the user name
                owners["text", mail].add(index)
                owners["text", mail.replace("@", "%40")].add(index)  # in a URL or segment
            for number in person.phones:
                digits = phone_digits(number)
                owners["phone", digits].add(index)
                owners["text", digits if within else digits[-_PHONE_TAIL:]].add(index)
                if within:
                    in_text.add(digits)
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
            for login in person.logins:
                owners["login", login].add(index)
                owners["setting", login].add(index)
                owners["text", login].add(index)
        values: dict[_Purpose, set[str]] = defaultdict(set)
        for purpose, value in owners:
            values[purpose].add(value)
        mode = {
            "email": "casefold",
            "phone": "digits",
            "id": "exact",
            "text": "contains",
            "iban": "casefold",
            "login": "casefold",
            "setting": "contains",
        }
        numbers = frozenset(in_text)
        words = frozenset(values.get("text", set()) - in_text)
        lookups: list[Lookup] = []
        for (table, column), purpose in purposes.items():
            if purpose == "text":
                if words:
                    lookups.append(Lookup(table, column, words, "contains"))
                if numbers:
                    lookups.append(Lookup(table, column, numbers, "digits_within"))
            elif values.get(purpose):
                lookups.append(
                    Lookup(table, column, frozenset(values[purpose]), mode.get(purpose, "exact"))  # type: ignore[arg-type]
                )
        devices: dict[tuple[str, str], set[str]] = defaultdict(set)
        for index, person in enumerate(self.people):
            for source, table, column, text in person.devices:
                if source == self.source.name:
                    devices[table, column].add(text)
                    owners["device", text].add(index)
        lookups += [Lookup(t, c, frozenset(v), "exact") for (t, c), v in devices.items()]
        self.device_columns = set(devices)
        return lookups, owners

    # matches found by identifiers

    def _direct_hit(
        self,
        hit: Hit,
        purposes: dict[tuple[str, str], _Purpose],
        owners: dict[tuple[_Purpose, str], set[int]],
        classes: Sequence[TableClassification],
    ) -> None:
        if (hit.table, hit.column) in self.device_columns:
            for index in owners.get(("device", hit.value), ()):
                self._add(
                    index, hit, "linked",
                    f"{hit.column}: the visitor id of the person's own rows", value=hit.value,
                )  # fmt: skip
            return
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
                self._add(index, hit, "direct", "phone", value=hit.value)
            elif purpose in ("email", "id", "login"):
                self._add(index, hit, "direct", purpose, value=hit.value)
            elif purpose == "setting":
                stored = str(hit.row.get(hit.column) or "")
                # Keys are built from parts: UsersManager.lastSeen.<login>, <login>_defaultReport
                parts = rf"(?:^|[._|:/\s-]){re.escape(hit.value)}(?:$|[._|:/\s-])"
                if re.search(parts, stored, re.I):
                    self._add(index, hit, "direct", f"{hit.column} names the login")
            elif purpose == "iban":
                if iban.compact(str(hit.row.get(hit.column) or "")) in person.ibans:
                    self._add(index, hit, "direct", "iban")
            elif purpose == "text":
                self._text_hit(index, hit, person)
            elif _same_name(person, hit.row, _name_columns(classes, hit.table)):
                self._add(index, hit, "possible", f"name + {purpose}")

    def _text_hit(self, index: int, hit: Hit, person: Person) -> None:
        """An identifier in a text cell: the row's own data when the cell is a JSON or
        PHP-serialized structure holding it as a field of its kind, else a mention."""
        cell = str(hit.row.get(hit.column) or "")
        if hit.value.isdigit():  # the tail of a phone number: the whole number must be there
            if not _mentions_phone(cell, person, self.region):
                return
            kind = "phone"
            path = own_field(cell, kind, lambda v: _is_phone(v, person, self.region))
            mention = f"{hit.column} mentions (phone)"
        else:
            kind = "email"
            path = (
                own_field(cell, kind, lambda v: v.casefold() == hit.value)
                if "@" in hit.value
                else None
            )
            mention = f"{hit.column} mentions"
        if path is None and hit.value in person.logins and not self._whole(hit, cell):
            return  # ``sgreingroth`` inside another account's ``sgreingroth2``: not a mention
        if path is None and _session_table(hit.table) and self._whole(hit, cell):
            # A session is one visitor's: their e-mail or login in its data makes it theirs.
            self._add(index, hit, "direct", f"{hit.column} of a session names the person")
        elif path is not None:
            self._add(index, hit, "direct", f"{kind} in {hit.column} ({path})", value=hit.value)
        else:
            self._add(index, hit, "mention", mention, value=hit.value)

    def _namesakes(self) -> None:
        """A name in a row that belongs to ANOTHER person of that name (their own phone
        note "Telefonat mit Gesa Hettner") is theirs, not a mention of this person: such a
        mention becomes a possible match to check, never redacted unasked."""
        names = {
            i: {normalise_name(n) for n in person.names} for i, person in enumerate(self.people)
        }
        suspects = [
            m
            for m in self.found.values()
            if m.match == "mention" and normalise_name(m.value) in names.get(m.person, ())
        ]
        above: dict[str, list[Edge]] = defaultdict(list)  # every row a row points at
        for edge in self.edges:
            if edge.kind != "name-only" and edge.inside is None and not edge.compose:
                above[edge.child].append(edge)
        wanted: Wanted = defaultdict(lambda: defaultdict(set))
        for match in suspects:
            for edge in above.get(match.table, ()):
                if edge.admits(match.row):
                    _want(wanted, match, edge.column, edge.parent, edge.referred, "owner")
        if not wanted:
            return
        owners: dict[tuple[int, str], list[tuple[str, RowId]]] = defaultdict(list)
        for hit in self.connector.find(
            [Lookup(t, c, frozenset(v)) for (t, c), v in wanted.items()]
        ):
            for person, _ in wanted[hit.table, hit.column].get(hit.value, ()):
                if (person, row_id(hit.table, hit.key)) in self.found:
                    continue  # the person's own row: the mention stands
                if any(
                    _names_agree(self._row_name(hit.table, hit.row), name) for name in names[person]
                ):
                    owners[person, hit.value].append((hit.table, row_id(hit.table, hit.key)))
        for match in suspects:
            for edge in above.get(match.table, ()):
                text = link_text(match.row.get(edge.column))
                if text is not None and owners.get((match.person, text)):
                    self.found[match.person, row_id(match.table, match.key)] = replace(
                        match,
                        match="possible",
                        via=f"{match.via} a name: {edge.column} points to someone of that name",
                    )
                    break

    def _whole(self, hit: Hit, cell: str) -> bool:
        """Whether the identifier stands in the text as a whole token (``lschubert`` in
        ``user.name|s:9:"lschubert"``, not in ``lschubert2``)."""
        if hit.value.isdigit():
            return False
        return re.search(rf"(?<![\w.-]){re.escape(hit.value)}(?![\w-])", cell, re.I) is not None

    def _add(
        self,
        person: int,
        hit: Hit,
        kind: MatchKind,
        via: str,
        *,
        inferred: bool = False,
        value: str = "",
    ) -> bool:
        """Keep the strongest match per person and row: direct > linked > mention > possible."""
        table, key, row = hit.table, hit.key, hit.row
        ident = (person, row_id(table, key))
        current = self.found.get(ident)
        if current is not None and _RANK[current.match] <= _RANK[kind]:
            return False
        self.found[ident] = Match(
            person, self.source.name, table, key, kind, via, dict(row), inferred, value
        )
        return True

    def _row_name(self, table: str, row: Mapping[str, Any]) -> str:
        """The normalised name a row bears ("" when it has none): its name columns without
        a qualifier (``firstname``, ``lastname``, not ``shipping_lastname``, ``to_name``:
        an order names its recipient too), else all of them."""
        columns = _name_columns(self.classes, table)
        plain = [c for c in columns if _own_name_column(name_hint(c))]
        return normalise_name(_row_name(row, plain) or _row_name(row, columns))

    def _shared(self, classes: Sequence[TableClassification]) -> None:
        """An e-mail or phone found in person-table rows of different names (a family's
        e-mail, a company's switchboard) does not tell whose rows they are: those rows
        are possible matches to check, unless their name is the person's, and nothing
        is followed from them."""
        kinds = {c.table: c for c in classes}
        # Compared within one table: across tables one person's name columns mean other
        # things (a banner client's ``name`` is the firm, ``contact`` the person).
        groups: dict[tuple[int, str, str, str], list[Match]] = defaultdict(list)
        for match in self.found.values():
            table = kinds.get(match.table)
            if match.match == "direct" and match.value and table and table.kind == "person":
                groups[match.person, match.via, match.value, match.table].append(match)
        for (person, via, _, _), matches in groups.items():
            names = {self._row_name(m.table, m.row) for m in matches} - {""}
            if all(_names_agree(one, other) for one in names for other in names):
                continue
            asker = self.people[person]
            for match in matches:
                columns = _name_columns(classes, match.table)
                if asker.names and _same_name(asker, match.row, columns):
                    continue
                self.found[person, row_id(match.table, match.key)] = replace(
                    match, match="possible", via=f"{via} shared by people of different names"
                )

    # linked records

    def _edges(
        self,
        tables: dict[str, Table],
        kinds: Mapping[str, str],
        classes: Sequence[TableClassification],
        edges: list[Edge],
    ) -> None:
        """The source's links (declared, configured, inferred: ``lookup.infer``). An owning
        edge leads from a row to its child rows; an edge to an address table is a parent
        fetched with the row; an edge to a person table from a row gives a reference."""
        self.edges = edges
        self.junctions = _junctions(self.edges, kinds, classes, tables)
        for edge in self.edges:
            if edge.owning:
                self.children[edge.parent].append(edge)
            if edge.kind == "name-only":
                continue
            if kinds.get(edge.parent) == "address":
                self.parents[edge.child].append(edge)
            elif kinds.get(edge.parent) == "person" and edge.owning:
                self.owners[edge.child].append(edge)
            elif kinds.get(edge.parent) == "person":
                self.people_refs[edge.child].append(edge)

    def _expand(self, frontier: list[Match]) -> None:
        """From these matches, batched level by level: child rows, address parents and
        the person row owning a row (the customer of an address found by phone); the
        rows of other people they point to in a role become references. Rows reached only over
        a name-only link are possible matches, not followed further."""
        while frontier:
            wanted: Wanted = defaultdict(lambda: defaultdict(set))
            pointers: Wanted = defaultdict(lambda: defaultdict(set))
            for match in frontier:
                if match.match == "possible":
                    continue
                for edge in self.children.get(match.table, ()):
                    self.by_via[edge.via] = edge
                    text = link_text(match.row.get(edge.referred))
                    for value in edge.asked(text) if text is not None else ():
                        wanted[edge.child, edge.column][value].add((match.person, edge.via))
                        if edge.inside is not None:
                            self.inside[edge.child, edge.column, value] = (edge.inside, text or "")
                for edge in self.parents.get(match.table, ()):
                    if not edge.admits(match.row):
                        continue
                    via = f"{match.table}.{edge.column} → {edge.parent}.{edge.referred} (address)"
                    _want(wanted, match, edge.column, edge.parent, edge.referred, via)
                owners = [e for e in self.owners.get(match.table, ()) if e.admits(match.row)]
                owners = [e for e in owners if link_text(match.row.get(e.column)) is not None]
                # Only a row the person's identifier found, with one owner: a row reached
                # over a link may name other people too (the employee who answered), and
                # their rows must not become the person's.
                for edge in owners if match.match == "direct" and len(owners) == 1 else ():
                    name = self._row_name(match.table, match.row) or " ".join(
                        normalise_name(n) for n in self.people[match.person].names[:1]
                    )
                    text = link_text(match.row.get(edge.column))
                    if not name or text is None:
                        continue  # nothing to check the owner's row against
                    via = f"owner: {match.table}.{edge.column} → {edge.parent}.{edge.referred}"
                    self.upward[via] = edge
                    self.owner_names[match.person, via, text] = name
                    _want(wanted, match, edge.column, edge.parent, edge.referred, via)
                for edge in self.people_refs.get(match.table, ()):
                    if not edge.admits(match.row):
                        continue
                    via = f"{match.table}.{edge.column} → {edge.parent}.{edge.referred}"
                    _want(pointers, match, edge.column, edge.parent, edge.referred, via)
            frontier = self._fetch(wanted)
            self._point(pointers)

    def _exclusive(self) -> None:
        """Across a joining table (``paiement_facture``, ``oc_cart``), the row on the other
        side is the person's when every joining row pointing at it is theirs: the payment
        of their invoice, the session of their cart; not a product others bought too."""
        for table, edges in self.junctions.items():
            own = [
                m
                for m in self.found.values()
                if m.table == table and m.match in ("direct", "linked")
            ]
            for edge in edges:
                wanted: dict[str, set[int]] = defaultdict(set)
                for match in own:
                    text = link_text(match.row.get(edge.column))
                    if text is not None:
                        wanted[text].add(match.person)
                if not wanted:
                    continue
                joining: dict[str, list[RowId]] = defaultdict(list)
                for hit in self.connector.find([Lookup(table, edge.column, frozenset(wanted))]):
                    joining[hit.value].append(row_id(hit.table, hit.key))
                exclusive = {
                    value: {
                        p for p in people if all((p, rid) in self.found for rid in joining[value])
                    }
                    for value, people in wanted.items()
                }
                asked = frozenset(v for v, people in exclusive.items() if people)
                if not asked:
                    continue
                via = f"junction: {table}.{edge.column} → {edge.parent}.{edge.referred}"
                for hit in self.connector.find([Lookup(edge.parent, edge.referred, asked)]):
                    for person in exclusive.get(hit.value, ()):
                        self._add(person, hit, "linked", via, inferred=edge.inferred)

    def _fetch(self, wanted: Wanted) -> list[Match]:
        """The rows asked for, in one batch; the new linked matches they give (possible
        ones over a name-only link; a polymorphic link only where the type agrees)."""
        lookups = []
        for (table, column), values in wanted.items():
            inside = {v for v in values if (table, column, v) in self.inside}
            if values.keys() - inside:
                lookups.append(Lookup(table, column, frozenset(values.keys() - inside)))
            if inside:  # a field inside an encoded cell: the cell contains it
                lookups.append(Lookup(table, column, frozenset(inside), "contains"))
        new: list[Match] = []
        if not lookups:
            return new
        for hit in self.connector.find(lookups):
            for person, via in wanted.get((hit.table, hit.column), {}).get(hit.value, ()):
                edge = self.by_via.get(via)
                if edge is not None and not edge.admits(hit.row):
                    continue
                field = self.inside.get((hit.table, hit.column, hit.value))
                if field is not None and field[1] not in inside_values(
                    hit.row.get(hit.column), field[0]
                ):
                    continue  # "order_id":12 inside "order_id":123
                name = self.owner_names.get((person, via, hit.value))
                if name is not None and not _names_agree(name, self._row_name(hit.table, hit.row)):
                    continue  # the row's owner must bear the name the row bears
                kind: MatchKind = "possible" if edge and edge.kind == "name-only" else "linked"
                followed = edge or self.upward.get(via)
                inferred = followed is not None and followed.inferred
                if self._add(person, hit, kind, via, inferred=inferred):
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


_PERSON_NAME_RULES = frozenset({"person_name", "name", "author"})


def _own_name_column(hint: NameHint | None) -> bool:
    """A column holding a person's name itself (``firstname``, ``name``), not a user name,
    an alias or a name qualified by a role (``shipping_lastname``, ``to_name``)."""
    return hint is not None and not hint.qualifier and hint.rule.key in _PERSON_NAME_RULES


_SETTING_KEYS = ("optionname", "metakey", "profilekey", "settingname", "cfgname", "name", "key")


def _setting_key(table: TableClassification) -> str | None:
    """The key column of a key/value table (``option_name`` beside ``option_value``): per-
    user settings are stored under keys that name the user's login."""
    columns = [c.column for c in table.columns]
    if not any("".join(words(c)).endswith("value") for c in columns):
        return None
    for wanted in _SETTING_KEYS:
        for column in columns:
            if "".join(words(column)).endswith(wanted):
                return column
    return None


def _session_table(table: str) -> bool:
    """A table of sessions (``oc_session``, ``matomo_session``): each row is one visitor's."""
    return "session" in "".join(words(table))


def _payload(column: str) -> bool:
    return "".join(words(column)) in ("data", "sessiondata", "payload", "value", "content")


def _junctions(
    edges: Sequence[Edge],
    kinds: Mapping[str, str],
    classes: Sequence[TableClassification],
    tables: Mapping[str, Table],
) -> dict[str, list[Edge]]:
    """Tables that join others (Dolibarr's ``paiement_facture``: a payment of an invoice;
    OpenCart's ``cart``: a product in a session), and the sides a person's row there makes
    theirs too: a side only this table points at (not a track or a product that other
    tables point at as well), with about as many rows as the joining table (a payment per
    invoice, not a code list of ten contact roles). ``_SourceLookup._exclusive`` then
    takes such a row only when every joining row to it is the person's."""
    referrers: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        referrers[edge.parent].add(edge.child)
    sides: dict[str, list[Edge]] = defaultdict(list)
    for edge in edges:
        plain = edge.owning and edge.kind != "name-only" and edge.when is None
        if plain and kinds.get(edge.parent) not in ("person", "address", None):
            sides[edge.child].append(edge)
    personal = {
        c.table
        for c in classes
        if any(col.lookup in ("email", "phone", "name", "text") for col in c.columns)
    }
    out: dict[str, list[Edge]] = {}
    for table, found in sides.items():
        if len({e.parent for e in found}) < 2 or table in personal or kinds.get(table) == "person":
            continue
        rows = tables[table].rows or 0
        chosen = [
            e
            for e in found
            if referrers[e.parent] == {table} and (tables[e.parent].rows or 0) * 2 >= rows
        ]
        if chosen:
            out[table] = chosen
    return out


def _names_agree(one: str, other: str) -> bool:
    """Whether two normalised names are one person's: every word of the shorter in the other,
    or the same first name and a surname spelt nearly alike (``Schmidt``/``Schmitt``: a
    typo in a second account, where a family shares the surname, not the first name)."""
    first, second = one.split(), other.split()
    if not first or not second:
        return False
    if set(first) <= set(second) or set(second) <= set(first):
        return True
    return first[0] == second[0] and SequenceMatcher(None, one, other).ratio() >= 0.85


def _is_phone(text: str, person: Person, region: str) -> bool:
    return any(same_phone(text, number, region) for number in person.phones)


def _mentions_phone(text: str, person: Person, region: str) -> bool:
    """Whether a run of digits in ``text`` is one of the person's phone numbers."""
    return bool(phone_runs(text, person.phones, region))


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
