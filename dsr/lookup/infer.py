"""Links a schema does not declare: ``orders.customer_id`` → ``customers.id`` by name and values.

Older MySQL schemas and spreadsheets declare no foreign keys, yet their rows
belong to a customer all the same. A column whose name reads as a key to a
person table (``customer_id``, ``customerid``, ``kunden_nr``, ``kdnr``) is
taken as a link only when a sample of its values really are keys of that table,
so a coincidental name never pulls in other people's rows. Such links are
reported as inferred, for a person to confirm in ``links:``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dsr.classify.names import is_key_name, key_stem, name_hint, words
from dsr.classify.result import TableClassification
from dsr.connectors.protocol import Connector, Lookup, Table

SAMPLE = 50
AGREEMENT = 0.8
"""Share of sampled values that must be keys of the person table."""

_NUMBER_STEMS = frozenset({"kd", "kunde", "kunden", "customer", "client", "member"})


@dataclass(frozen=True)
class Edge:
    """Rows of ``child.column`` refer to ``parent.referred``; ``inferred`` when not declared."""

    parent: str
    referred: str
    child: str
    column: str
    inferred: bool = False

    @property
    def via(self) -> str:
        text = f"{self.parent}.{self.referred} → {self.child}.{self.column}"
        if self.inferred:
            return (
                f"inferred: {self.child}.{self.column} → {self.parent}.{self.referred} "
                "(confirm in links:)"
            )
        return text


def _singular(name: str) -> set[str]:
    joined = "".join(words(name))
    forms = {joined}
    for end in ("ies", "es", "s", "en", "n", "e"):
        if joined.endswith(end) and len(joined) > len(end) + 2:
            forms.add(joined[: -len(end)] + ("y" if end == "ies" else ""))
    return forms


def _number_column(table: TableClassification) -> str | None:
    for column in table.columns:
        hint = name_hint(column.column)
        if hint is not None and hint.rule.key == "customer_number":
            return column.column
    return None


def _target(column: str, person: Table, number: str | None) -> str | None:
    """The person table's column ``column`` of another table names, or None."""
    if not is_key_name(column) and (name_hint(column) is None or number is None):
        return None
    if number is not None and "".join(words(column)) == "".join(words(number)):
        return number
    stem = key_stem(column)
    hint = name_hint(column)
    numbered = hint is not None and hint.rule.key == "customer_number"
    if stem in _singular(person.name) or (numbered and stem in _NUMBER_STEMS):
        if number is not None and words(column)[-1:] != ["id"]:
            return number
        if len(person.primary_key) == 1:
            return person.primary_key[0]
        return number
    if numbered and stem.startswith(("kd", "kunde")) and number is not None:
        return number
    return None


def inferred_edges(
    tables: dict[str, Table], classes: Sequence[TableClassification], connector: Connector
) -> list[Edge]:
    """Key-like columns pointing at a person table, where the source declares no foreign keys
    and a sample of the values agrees."""
    if any(t.foreign_keys for t in tables.values()):
        return []
    persons = [c for c in classes if c.kind == "person" and c.table in tables]
    edges: list[Edge] = []
    for person in persons:
        parent = tables[person.table]
        number = _number_column(person)
        for table in tables.values():
            if table.name == parent.name:
                continue
            for column in table.columns:
                if column.name in table.primary_key:
                    continue
                referred = _target(column.name, parent, number)
                if referred and _values_agree(
                    connector, table.name, column.name, parent.name, referred
                ):
                    edges.append(Edge(parent.name, referred, table.name, column.name, True))
    return edges


def _values_agree(
    connector: Connector, table: str, column: str, parent: str, referred: str
) -> bool:
    """Whether most sampled values of ``table.column`` are values of ``parent.referred``."""
    values = {
        _text(row[column])
        for row in connector.sample(table, SAMPLE)
        if row.get(column) not in (None, "")
    }
    if not values:
        return False
    found = {hit.value for hit in connector.find([Lookup(parent, referred, frozenset(values))])}
    return len(found) >= AGREEMENT * len(values)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
