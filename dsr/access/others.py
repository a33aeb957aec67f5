"""Other people named in a person's own texts, recognised by the sources that know them.

Art. 15(4): a support note in Thomas's account may name his neighbour. A list of first
names catches "Petra Klein" but not a customer called "Quirina Zwetschke". The sources
know their people: the classifier says which tables hold persons and which of their
columns hold names. So the capitalised word runs of the person's texts are looked up
there, in one batched ``find`` per source, and a run that is the whole name of
someone else's row is that person: their name (and "Frau Zwetschke") and street are
then blacked out wherever they stand in the copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from dsr.access.copy import Others
from dsr.classify.names import name_hint
from dsr.classify.result import TableClassification
from dsr.config.models import Config, Source
from dsr.connectors import open_connector
from dsr.connectors.protocol import Hit, Lookup
from dsr.connectors.rows import row_id
from dsr.identifiers import normalise_name
from dsr.lookup.engine import Match
from dsr.lookup.person import Person
from dsr.sources import run_source

_WORD = re.compile(r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)*")
_LONGEST = 3  # words in a name run: "Anna Lena Vogt"
_HOUSE = re.compile(r"(?<![\w-])(\d{1,4}\s?[a-zA-Z]?)(?!\w)")
_STREET_WORDS = 4  # words before a house number: "Am Alten Stadtgraben 3"
_TOKEN = re.compile(r"([(\[„\"']?)([\w.-]+)")


def candidates(texts: Iterable[str]) -> set[str]:
    """Every run of two or three capitalised words next to each other (``Petra Klein``,
    ``Nachbarin Petra Klein`` gives both ``Nachbarin Petra`` and ``Petra Klein``)."""
    found: set[str] = set()
    for text in texts:
        words = list(_WORD.finditer(text))
        for start in range(len(words)):
            run = [words[start]]
            for following in words[start + 1 : start + _LONGEST]:
                if text[run[-1].end() : following.start()] != " ":
                    break
                run.append(following)
                found.add(text[run[0].start() : run[-1].end()])
    return found


def street_candidates(texts: Iterable[str]) -> set[str]:
    """Every run of one to four words ending in a house number (``Im Winkel 7``, ``Winkel
    7``): the forms a street of the sources can take in a note."""
    found: set[str] = set()
    for text in texts:
        for number in _HOUSE.finditer(text):
            before = text[: number.start()]
            if not before.endswith(" "):
                continue
            tail: list[str] = []
            for token in reversed(before.split()[-_STREET_WORDS:]):
                word = _TOKEN.fullmatch(token)
                if word is None:
                    break
                tail.insert(0, word.group(2))
                found.add(" ".join(tail) + " " + number.group(1))
                if word.group(1):  # "(Im": the run starts here
                    break
    return found


def known_others(
    config: Config,
    person: Person,
    matches: Sequence[Match],
    classes: Mapping[str, list[TableClassification]],
    texts: Iterable[str],
) -> Others:
    """The names among ``texts``' word runs that are the whole name of another person's
    row in a person table (with that row's streets), and the streets with house number
    that stand in another person's row; a source that cannot be read adds nobody (the
    first-name list and the street pattern still apply)."""
    texts = list(texts)
    own = {normalise_name(n) for n in person.names}
    wanted = {c for c in candidates(texts) if normalise_name(c) not in own}
    own_streets = {normalise_name(s) for s in person.streets}
    places = {s for s in street_candidates(texts) if normalise_name(s) not in own_streets}
    if not wanted and not places:
        return Others()
    by_place = {s.casefold(): s for s in places}
    by_name = {frozenset(normalise_name(c).split()): c for c in wanted}
    values = frozenset(
        {c.casefold() for c in wanted} | {w.casefold() for c in wanted for w in c.split()}
    )
    mine = {(m.source, row_id(m.table, m.key)) for m in matches if m.match != "mention"}
    names: dict[str, None] = {}
    streets: dict[str, None] = {}
    for source_name, tables in classes.items():
        source = config.sources.get(source_name)
        people = {
            t.table: t
            for t in tables
            if t.kind == "person" and any(c.lookup == "name" for c in t.columns)
        }
        streets_at = {
            (t.table, c.column)
            for t in tables
            if t.kind in ("person", "address", "link")
            for c in t.columns
            if "address" in c.categories and _is_street(c.column)
        }
        lookups = [
            Lookup(t.table, c.column, values, "casefold")
            for t in people.values()
            for c in t.columns
            if c.lookup == "name" and wanted
        ]
        lookups += [
            Lookup(table, column, frozenset(by_place), "casefold")
            for table, column in sorted(streets_at)
            if by_place
        ]
        if source is None or not lookups:
            continue

        def search(chosen: Source, lookups: list[Lookup] = lookups) -> list[Hit]:
            # One batched find per source: every candidate in one pass over its tables.
            connector = open_connector(chosen)
            try:
                return list(connector.find(lookups))
            finally:
                connector.close()

        run = run_source(source, search)
        for hit in run.value or []:
            if (source_name, row_id(hit.table, hit.key)) in mine:
                continue
            if (hit.table, hit.column) in streets_at and hit.value in by_place:
                streets[by_place[hit.value]] = None
                continue
            table = people.get(hit.table)
            if table is None:
                continue
            row = hit.row
            written = next((by_name[n] for n in _row_names(row, table) if n in by_name), None)
            if written is None:
                continue
            names[written] = None
            for column in table.columns:
                hint = name_hint(column.column)
                value = row.get(column.column)
                if hint is not None and hint.rule.key == "street" and isinstance(value, str):
                    streets[value.strip()] = None
    return Others(tuple(names), tuple(s for s in streets if s))


def _is_street(column: str) -> bool:
    hint = name_hint(column)
    return hint is not None and hint.rule.key == "street"


def _row_names(row: Mapping[str, object], table: TableClassification) -> list[frozenset[str]]:
    """The names a person row bears, as word sets: each name column alone (``name``,
    ``alias``) and its own name columns together (``first_name`` with ``last_name``;
    not ``shipping_name``)."""
    columns = [c.column for c in table.columns if c.lookup == "name"]
    filled = [c for c in columns if row.get(c) not in (None, "")]
    own = [c for c in filled if (hint := name_hint(c)) is None or not hint.qualifier]
    texts = [str(row[c]) for c in filled] + [" ".join(str(row[c]) for c in own)]
    return [frozenset(normalise_name(t).split()) for t in texts if t.strip()]
