"""The links of one source: declared, configured, and inferred from names tested by values.

Most software a company runs declares no foreign keys (OpenCart, PrestaShop,
Joomla, Matomo, WordPress): its rows link by naming conventions (``customer_id``,
``id_customer``, ``fk_soc``, ``idvisit``, ``OXUSERID``), by type + id pairs
(``elementtype`` + ``fk_element``) and through key/value tables. A name alone
proves nothing: two columns called ``customer_id`` can point into different key
spaces, and following the wrong one hands (or deletes) another customer's rows.
So every candidate a name suggests is tested against the data: the values of the
referencing column must (nearly all) be keys of the target. A candidate the values
contradict is dropped; one the data cannot test (too few values) is kept as
``name-only``, and rows reached only over it are possible matches for a person to
confirm, never changed by an erasure.

An edge also says whether the child row is the parent's OWN (``customer_id``,
``user_id``: the address belongs to that customer) or only names that person in a
role (``affiliate_id``, ``created_by``, ``fk_user_author``): following a role edge
downwards would make other customers' orders the affiliate's, so only owning
edges are followed from a person to their rows; role edges give references.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from dsr.classify.names import name_hint, words
from dsr.classify.result import TableClassification
from dsr.config.models import Link, Source
from dsr.connectors.protocol import Connector, Lookup, Table
from dsr.connectors.rows import is_empty, value_text
from dsr.lookup.structured import decode, fields

LinkKind = Literal["declared", "configured", "inferred", "name-only"]

SAMPLE_ROWS = 1000
"""Rows read per table to test candidates (values) and to see a type column's values."""
MAX_VALUES = 200
AGREEMENT = 0.9
"""Share of a column's sampled values that must be keys of the target."""
FEW = 3
"""Fewer distinct values than this cannot tell a link from a coincidence, unless the
column has exactly the target key's name (``customer_id`` → ``customer.customer_id``)."""

_ID = frozenset({"id", "ids", "fk", "nr", "no", "num", "key", "ref"})
_OWNING_SUFFIXES = frozenset({"from", "to", "sender", "recipient"})
_USER_ROLES = frozenset(
    {
        "modifiedby", "updatedby", "deletedby", "checkedout", "owner",
        "ownerid", "editoruserid", "createduserid", "modifieduserid", "creatorlogin",
        "invitedby", "assignee", "assigneeid", "reviewer",
    }
)  # fmt: skip
"""Columns naming a person in a role on someone else's row (the staff member who edited it)."""
_ROLE_STEMS = frozenset(
    {"follower", "collaborator", "emailcc", "cc", "watcher", "subscriber", "assignee"}
)
"""Keys naming people who follow or work on someone else's row (a ticket's followers)."""
_PERSON_OWNERS = frozenset(
    {"author", "createdby", "requester", "sender", "recipient", "userfrom", "userto"}
)
"""Columns naming the person a row is about or by, whatever the person table is called."""
_TYPE_WORDS = ("type", "context", "extension")
_POLY_STEMS = frozenset(
    {"object", "element", "item", "source", "target", "entity", "related", "record"}
)
_GENERIC_KEYS = frozenset({"id", "rowid", "uid", "oid", "pk", "key", "nr", "no", "uuid", "guid"})
_KNOWN_PREFIXES = ("wp_", "oc_", "ps_", "llx_", "ost_", "jos_", "s_", "matomo_", "piwik_")
_NUMBER_STEMS = frozenset({"kd", "kunde", "kunden", "customer", "client", "member"})


@dataclass(frozen=True)
class Edge:
    """Rows of ``child.column`` refer to ``parent.referred``.

    ``kind`` and ``evidence`` say why dsr believes it; ``owning`` whether the child row
    is the parent's own (``customer_id``) or names that person in a role
    (``affiliate_id``); ``when`` restricts a polymorphic link to the child rows whose
    type column holds one of the values (``("elementtype", ("societe",))``)."""

    parent: str
    referred: str
    child: str
    column: str
    kind: LinkKind = "declared"
    evidence: str = "declared foreign key"
    owning: bool = True
    when: tuple[str, tuple[str, ...]] | None = None
    coverage: float | None = None
    typed: tuple[str, tuple[tuple[str, str], ...]] | None = None
    """Where the type lives in another table (Joomla's ``field_id`` → ``fields.context``):
    the child column and its values' types; ``when[0]`` then names it for people."""
    compose: bool = False
    """The child column holds type and key in one text, ``com_contact.contact.59``:
    ``when[1]`` are the type prefixes that name the parent."""
    inside: str | None = None
    """The key is a field of a JSON or PHP-serialized cell (OpenCart's activity ``data``:
    ``{"order_id": 12, ...}``): the field's name."""

    @property
    def inferred(self) -> bool:
        return self.kind in ("inferred", "name-only")

    @property
    def via(self) -> str:
        arrow = f"{self.child}.{self.column} → {self.parent}.{self.referred}"
        if self.when is not None:
            arrow += f" where {self.when[0]} = {'/'.join(self.when[1])}"
        if self.kind == "declared":
            return f"{self.parent}.{self.referred} → {self.child}.{self.column}"
        if self.kind == "configured":
            return f"link {arrow}"
        return f"{self.kind}: {arrow} (confirm in links:)"

    def admits(self, row: Mapping[str, object]) -> bool:
        """Whether a child row is on this link (its type column names the parent)."""
        if self.when is None:
            return True
        kind = _row_type(self.when, self.typed, self.compose, self.column, row)
        return kind is not None and kind in self.when[1]

    def asked(self, text: str) -> list[str]:
        """The child-column values that refer to the parent key ``text`` (for a field
        inside an encoded cell: the texts that cell contains, JSON and PHP spellings)."""
        if self.inside is not None:
            key = self.inside
            return [
                f'"{key}":"{text}"', f'"{key}":{text}', f'"{key}": "{text}"', f'"{key}": {text}',
                f's:{len(key)}:"{key}";s:{len(text)}:"{text}";', f's:{len(key)}:"{key}";i:{text};',
            ]  # fmt: skip
        if self.compose and self.when is not None:
            return [f"{prefix}.{text}" for prefix in self.when[1]]
        return [text]


def _row_type(
    when: tuple[str, tuple[str, ...]],
    typed: tuple[str, tuple[tuple[str, str], ...]] | None,
    compose: bool,
    column: str,
    row: Mapping[str, object],
) -> str | None:
    """The type a polymorphic child row names: its type column, its parent's type, or the
    prefix of a composed value."""
    if typed is not None:
        value = row.get(typed[0])
        text = value_text(value)
        return None if text is None else dict(typed[1]).get(text)
    if compose:
        value = row.get(column)
        if value is None:
            return None
        head, _, tail = str(value).rpartition(".")
        return head.lower() if head and tail else None
    value = row.get(when[0])
    return None if value is None else _type_text(value)


@dataclass(frozen=True)
class _Candidate:
    parent: str
    referred: str
    child: str
    column: str
    owning: bool
    strength: int  # 3 same name as the target key, 2 names the table, 1 prefix/role
    when: tuple[str, tuple[str, ...]] | None = None
    typed: tuple[str, tuple[tuple[str, str], ...]] | None = None
    compose: bool = False
    inside: str | None = None


def source_edges(
    tables: Mapping[str, Table],
    classes: Sequence[TableClassification],
    connector: Connector,
    configured: Iterable[Link] = (),
) -> list[Edge]:
    """Every link of one source: declared foreign keys, ``configured`` ones (``links:``
    entries with both ends in this source), and the candidates names suggest for the
    other columns, kept when the values agree."""
    prefix = table_prefix(tables)
    edges: list[Edge] = []
    covered: set[tuple[str, str]] = set()
    for link in configured:
        child, column = link.from_.table, link.from_.column
        parent, referred = link.to.table, link.to.column
        if child in tables and parent in tables:
            when = None
            if link.where:
                (where_column, allowed), *_ = link.where.items()
                when = (where_column, tuple(_type_text(v) for v in allowed))
            edges.append(
                Edge(parent, referred, child, column, "configured", "configured in dsr.yaml",
                     _owning(column, tables[parent], prefix, declared=True), when)
            )  # fmt: skip
            covered.add((child, column))  # type-dependent guesses stay (``configured_only``)
    for table in tables.values():
        for fk in table.foreign_keys:
            if len(fk.columns) != 1 or fk.table not in tables:
                continue
            if (table.name, fk.columns[0]) in covered:
                continue
            covered.add((table.name, fk.columns[0]))
            edges.append(
                Edge(fk.table, fk.referred[0], table.name, fk.columns[0],
                     owning=_owning(fk.columns[0], tables[fk.table], prefix, declared=True))
            )  # fmt: skip
    declared = {(e.child, e.column): e for e in edges if e.kind == "declared"}
    configured_only = {(e.child, e.column) for e in edges if e.kind == "configured" and not e.when}
    context = _context(tables, classes, declared, prefix)
    candidates = [
        c
        for c in _candidates(context)
        if (c.child, c.column) not in covered
        or (c.when is not None and (c.child, c.column) not in configured_only)
    ]
    kinds = {c.table: c.kind for c in classes}
    sample = _Sampler(connector)  # every generator reads a table's sample once
    found = _tested(candidates, prefix, connector, sample, kinds)
    covered |= {(e.child, e.column) for e in found if e.kind == "inferred"}
    typed = _parent_typed(tables, edges + found, sample, covered)
    composed = _composed(tables, sample, covered)
    embedded = _embedded(sample, context)
    found += _tested(typed + composed + embedded, prefix, connector, sample, kinds)
    # A name-only guess at a role (``checked_out`` → some person table) is never followed.
    return edges + [e for e in found if e.owning or e.kind != "name-only"]


class _Sampler:
    """The sampled rows of each table, read once however many candidates test them."""

    def __init__(self, connector: Connector) -> None:
        self.connector = connector
        self.rows: dict[str, list[dict[str, Any]]] = {}

    def __call__(self, table: str) -> list[dict[str, Any]]:
        if table not in self.rows:
            self.rows[table] = self.connector.sample(table, SAMPLE_ROWS)
        return self.rows[table]


@dataclass(frozen=True)
class SourceGraph:
    """A source as the lookup reads it: its classification, tables and links."""

    classes: list[TableClassification]
    tables: dict[str, Table]
    edges: list[Edge]


def read_graph(source: Source, connector: Connector, links: Iterable[Link]) -> SourceGraph:
    """Classify the source and work out its links; of ``links`` (all of dsr.yaml's) those
    with both ends in this source are its configured edges. `dsr links` shows what the
    lookup follows because both read it here."""
    from dsr.classify.classifier import classify_source

    listed = connector.tables()
    classes = classify_source(source, connector, tables=listed)
    tables = {t.name: t for t in listed}
    own = [
        link for link in links if link.from_.source == source.name and link.to.source == source.name
    ]
    return SourceGraph(classes, tables, source_edges(tables, classes, connector, own))


# -- names -------------------------------------------------------------------------------


def table_prefix(names: Iterable[str]) -> str:
    """The prefix an application puts before every table (``oc_``, ``llx_``), or ``""``."""
    names = list(names)
    counts: dict[str, int] = defaultdict(int)
    for name in names:
        lower = name.lower()
        if "_" in lower:
            counts[lower.split("_", 1)[0] + "_"] += 1
    for prefix in _KNOWN_PREFIXES:
        if counts.get(prefix, 0) >= max(2, len(names) // 2):
            return prefix
    if counts:
        prefix, count = max(counts.items(), key=lambda item: item[1])
        if count >= 3 and count >= 0.6 * len(names):
            return prefix
    return ""


def _entity(name: str, prefix: str) -> list[str]:
    lower = name.lower()
    if prefix and lower.startswith(prefix):
        lower = lower[len(prefix) :]
    return words(lower)


def _forms(word: str) -> set[str]:
    forms = {word}
    for end, new in (("ies", "y"), ("ses", "s"), ("es", ""), ("s", ""), ("en", ""), ("n", "")):
        if word.endswith(end) and len(word) > len(end) + 2:
            forms.add(word[: -len(end)] + new)
    return forms


def _stem(column: str) -> tuple[list[str], bool]:
    """The words of a key's name without its id words, and whether it reads as a key."""
    parts = words(column)
    if not parts:
        return [], False
    key = False
    if parts[0] in ("fk", "id") and len(parts) > 1:
        parts, key = parts[1:], True
    while parts and parts[-1] in _ID:
        parts, key = parts[:-1], True
    if len(parts) > 1 and "id" in parts:  # user_id_from
        parts, key = [p for p in parts if p != "id"], True
    if len(parts) == 1 and not key:
        word = parts[0]
        if word.startswith("id") and len(word) > 4:  # idvisit, idsite
            return [word[2:]], True
        if word.endswith("id") and len(word) > 4:  # customerid, oxuserid
            return [word[:-2]], True
    return parts, key


def _owning(column: str, parent: Table, prefix: str, *, declared: bool = False) -> bool:
    """Whether ``column`` names the parent's entity (owning) rather than a role
    (``affiliate_id``, ``fk_user_creat``, ``created_by``). A declared or configured key
    is owning unless its name says role; an inferred one only when its name says owner."""
    if len(parent.primary_key) == 1 and column.lower() == parent.primary_key[0].lower():
        return True
    joined = "".join(words(column))
    if joined in _USER_ROLES or any(joined.startswith(r) for r in _USER_ROLES if len(r) > 6):
        return False
    parts, _ = _stem(column)
    if "".join(parts) in _ROLE_STEMS:
        return False
    if not parts or "".join(parts) in _PERSON_OWNERS:
        return True
    if declared and len(parts) == 1:
        return True
    names = _names(_entity(parent.name, prefix))
    if "".join(parts) in names:
        return True
    head = parts[0]
    rest = parts[1:]
    named = head in names or (len(head) >= 3 and any(n.startswith(head) for n in names))
    return named and all(r in _OWNING_SUFFIXES for r in rest)


def _names(entity: list[str]) -> set[str]:
    joined = "".join(entity)
    names = _forms(joined)
    if entity:
        names |= {"".join(entity[:-1]) + f for f in _forms(entity[-1])}
    return names


def _candidates(context: _Context) -> list[_Candidate]:
    out: list[_Candidate] = []
    for table in context.tables.values():
        for column in table.columns:
            if (table.name, column.name) not in context.declared:
                out += _column_candidates(table, column.name, context)
        out += _polymorphic(table, context.targets, context.prefix)
    return out


def _context(
    tables: Mapping[str, Table],
    classes: Sequence[TableClassification],
    declared: Mapping[tuple[str, str], Edge],
    prefix: str,
) -> _Context:
    kinds = {c.table: c.kind for c in classes}
    targets = [t for t in tables.values() if len(t.primary_key) == 1]
    by_declared_name: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for (_, column), edge in declared.items():
        by_declared_name[column.lower()].add((edge.parent, edge.referred))
    return _Context(
        tables,
        prefix,
        targets,
        [t for t in targets if kinds.get(t.name) == "person"],
        _number_columns(classes),
        frozenset("".join(_entity(name, prefix)) for name in tables),
        declared,
        by_declared_name,
    )


@dataclass(frozen=True)
class _Context:
    tables: Mapping[str, Table]
    prefix: str
    targets: list[Table]
    people: list[Table]
    numbers: list[tuple[str, str]]
    entities: frozenset[str]
    """Every table's name without prefix, joined (``orderstatus``): a key naming one of
    them points there, not to a table whose name it starts with."""
    declared: Mapping[tuple[str, str], Edge]
    declared_names: Mapping[str, set[tuple[str, str]]]


def _column_candidates(table: Table, name: str, context: _Context) -> list[_Candidate]:
    """The tables a column's name suggests it points into, strongest first: 3 when it has
    the target key's very name (or a name declared elsewhere in the source), 2 when it
    names the table, 1 for a prefix or a role (``created_by`` → a person table)."""
    sole_key = table.primary_key[0] if len(table.primary_key) == 1 else None
    parts, key = _stem(name)
    lower = name.lower()
    joined = "".join(parts)
    found: dict[tuple[str, str], _Candidate] = {}

    def add(parent: Table, referred: str, strength: int, owning: bool | None = None) -> None:
        if parent.name == table.name and (referred == name or owning is not False):
            return  # a table refers to itself only in a role (invited_by)
        if owning is None:
            owning = _owning(name, parent, context.prefix)
        old = found.get((parent.name, referred))
        if old is None or old.strength < strength:
            found[parent.name, referred] = _Candidate(
                parent.name, referred, table.name, name, owning, strength
            )

    if key and joined in _POLY_STEMS and _type_columns(table):
        return []  # fk_element beside element_type: only the typed candidates (_polymorphic)
    for parent, referred in context.declared_names.get(lower, ()):
        add(context.tables[parent], referred, 3)
    if len(parts) >= 2 and not key:
        for target in context.tables.values():
            if parts[0] in _names(_entity(target.name, context.prefix)):
                for other in target.columns:
                    if "".join(words(other.name)) == "".join(parts[1:]) and _key_like(other.name):
                        add(target, other.name, 2, owning=True)  # order_reference → orders
    for target in context.targets:
        pk = target.primary_key[0]
        entity = _entity(target.name, context.prefix)
        names = _names(entity)
        if lower == pk.lower() and lower in _GENERIC_KEYS:
            continue  # every table's "id" or "rowid": the name says nothing
        if lower == pk.lower():
            # The key's very name; weaker when its stem names another table (the key of
            # action_logs_users is user_id, but user_id means the users table).
            elsewhere = joined not in names and any(
                joined in _names(_entity(t, context.prefix)) for t in context.tables
            )
            extension = _entity(table.name, context.prefix)[:1] == entity[:1]  # user_language
            if name != sole_key or "".join(entity[:1]) in _forms(joined) or extension:
                add(target, pk, 1 if elsewhere else 3)  # also a 1:1 extension table
            continue
        if not key or not parts:
            continue
        if joined in names:
            add(target, pk, 2)  # also a table's own key naming another (1:1)
            for other in target.columns:  # user_keys.user_id holds users.username
                if other.name != pk and _key_like(other.name) and name != sole_key:
                    add(target, other.name, 2)
        elif name == sole_key:
            continue
        elif entity and joined in _forms(entity[-1]) and entity[-1] in pk.lower():
            add(target, pk, 2)  # idvisit → log_visit.idvisit
        elif (parts[0] in names or _abbreviates(parts[0], entity, names)) and not (
            set(parts[1:]) & _OTHER_ENTITY or joined in context.entities
        ):
            add(target, pk, 1)  # fk_soc → societe, fk_user_author → user; not order_status_id
    own_entity = _entity(table.name, context.prefix)
    if key and joined in _POLY_STEMS and len(own_entity) > 1 and name != sole_key:
        for target in context.targets:  # societe_extrafields.fk_object → societe
            if _entity(target.name, context.prefix) == own_entity[:1]:
                add(target, target.primary_key[0], 2, owning=True)
    if name != sole_key and "".join(words(name)) in _USER_ROLES | _PERSON_OWNERS:
        for target in context.people:
            add(target, target.primary_key[0], 1, None if target.name != table.name else False)
    if context.numbers and key and name != sole_key:
        hint = name_hint(name)
        numbered = hint is not None and hint.rule.key == "customer_number"
        if numbered and (joined in _NUMBER_STEMS or joined.startswith(("kd", "kunde"))):
            for parent, number in context.numbers:
                add(context.tables[parent], number, 2, owning=True)  # the customer's number
    return list(found.values())


_KEY_LIKE = ("reference", "ref", "code", "number", "no", "nr", "login", "username", "email", "uuid")


def _key_like(column: str) -> bool:
    """Whether a column can be a key others refer to (a reference, a login, an e-mail);
    names, cities or amounts are not, however many values agree."""
    parts = words(column)
    return bool(parts) and parts[-1] in _KEY_LIKE


_OTHER_ENTITY = frozenset(
    {"status", "type", "group", "category", "state", "class", "level", "language",
     "currency", "country", "zone", "option", "product", "item", "line", "detail"}
)  # fmt: skip
"""Words after a table's name that make another thing of it: ``order_status_id`` is not
an order."""


def _abbreviates(word: str, entity: list[str], names: set[str]) -> bool:
    return len(word) >= 3 and len(entity) == 1 and any(n.startswith(word) for n in names)


def _entity_word(table: Table, prefix: str) -> str:
    return "".join(_entity(table.name, prefix)[:1])


def _number_columns(classes: Sequence[TableClassification]) -> list[tuple[str, str]]:
    out = []
    for table in classes:
        if table.kind != "person":
            continue
        for column in table.columns:
            hint = name_hint(column.column)
            if hint is not None and hint.rule.key == "customer_number":
                out.append((table.table, column.column))
    return out


def _type_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if "".join(words(c.name)).endswith(_TYPE_WORDS)]


def _polymorphic(table: Table, targets: Sequence[Table], prefix: str) -> list[_Candidate]:
    """``elementtype`` + ``fk_element``: one candidate per target; the type values that
    name it are found with the data (``_tested``)."""
    names = [c.name for c in table.columns]
    types = _type_columns(table)
    if not types:
        return []
    out = []
    for name in names:
        parts, key = _stem(name)
        if not key or "".join(parts) not in _POLY_STEMS:
            continue
        paired = [t for t in types if "".join(words(t)).startswith("".join(parts))]
        chosen = paired or (types if len(types) == 1 else [])
        if not chosen:
            continue
        type_column = chosen[0]
        for target in targets:
            if target.name == table.name:
                continue
            out.append(
                _Candidate(target.name, target.primary_key[0], table.name, name, True, 2,
                           (type_column, ()))
            )  # fmt: skip
    return out


_TYPE_HOLDERS = ("context", "element", "type", "extension", "objecttype", "elementtype")


def _parent_typed(
    tables: Mapping[str, Table],
    edges: Sequence[Edge],
    sample: _Sampler,
    covered: set[tuple[str, str]],
) -> list[_Candidate]:
    """Polymorphic ids whose type is in a parent row: Joomla's ``fields_values.item_id``
    names a user, a contact or an article by ``field_id`` → ``fields.context``, Dolibarr's
    ``element_contact.element_id`` by ``fk_c_type_contact`` → ``c_type_contact.element``."""
    out: list[_Candidate] = []
    targets = [t for t in tables.values() if len(t.primary_key) == 1]
    for table in tables.values():
        if _type_columns(table):
            continue
        ids = [
            c.name
            for c in table.columns
            if (table.name, c.name) not in covered
            and (stem := _stem(c.name))[1]
            and "".join(stem[0]) in _POLY_STEMS
        ]
        if not ids:
            continue
        for edge in edges:
            if edge.child != table.name or edge.kind == "name-only" or edge.when is not None:
                continue
            parent = tables[edge.parent]
            holder = next(
                (c.name for c in parent.columns if "".join(words(c.name)) in _TYPE_HOLDERS), None
            )
            if holder is None:
                continue
            pairs = tuple(
                (key, _type_text(row[holder]))
                for row in sample(parent.name)
                if (key := value_text(row.get(edge.referred))) is not None
                and row.get(holder) not in (None, "")
            )
            if not pairs:
                continue
            for column in ids:
                for target in targets:
                    if target.name in (table.name, parent.name):
                        continue
                    out.append(
                        _Candidate(target.name, target.primary_key[0], table.name, column, True,
                                   2, (f"{edge.column} → {parent.name}.{holder}", ()),
                                   (edge.column, pairs))
                    )  # fmt: skip
    return out


_COMPOSED = re.compile(r"^[A-Za-z_][\w.]*\.[0-9]+$")


def _composed(
    tables: Mapping[str, Table], sample: _Sampler, covered: set[tuple[str, str]]
) -> list[_Candidate]:
    """Ids written with their type in one text, ``com_content.article.99`` (Joomla's
    ``history.item_id``): one candidate per target a prefix names."""
    out: list[_Candidate] = []
    targets = [t for t in tables.values() if len(t.primary_key) == 1]
    for table in tables.values():
        for column in table.columns:
            parts, key = _stem(column.name)
            if not key or "".join(parts) not in _POLY_STEMS or (table.name, column.name) in covered:
                continue
            rows = sample(table.name)[:50]
            texts = [str(r[column.name]) for r in rows if r.get(column.name) not in (None, "")]
            if not texts or sum(bool(_COMPOSED.match(t)) for t in texts) < AGREEMENT * len(texts):
                continue
            for target in targets:
                if target.name != table.name:
                    out.append(
                        _Candidate(target.name, target.primary_key[0], table.name, column.name,
                                   True, 2, (column.name, ()), None, True)
                    )  # fmt: skip
    return out


def _embedded(sample: _Sampler, context: _Context) -> list[_Candidate]:
    """Keys inside JSON or PHP-serialized cells (``{"customer_id": "23", "order_id": 12}``)
    that name another table's key the way a column would: candidates like columns."""
    out: list[_Candidate] = []
    for table in context.tables.values():
        own = {c.name.lower() for c in table.columns}
        rows = sample(table.name)
        for column in table.columns:
            cells = [c for r in rows if isinstance(c := r.get(column.name), str) and c.strip()]
            if not cells:
                continue
            decoded = [decode(c) for c in cells]
            records = [d for d in decoded if isinstance(d, dict)]
            if len(records) < AGREEMENT * len(cells):
                continue
            keys = {
                path.rsplit(".", 1)[-1] for d in records for path, _, alone in fields(d) if alone
            }
            for key in sorted(k for k in keys if k.lower() not in own and _stem(k)[1]):
                for candidate in _column_candidates(table, key, context):
                    out.append(replace(candidate, column=column.name, inside=key))
    return out


def inside_values(cell: object, key: str) -> list[str]:
    """The values of field ``key`` in an encoded cell, as referencing values to test."""
    if not isinstance(cell, str):
        return []
    data = decode(cell)
    if data is None:
        return []
    found = []
    for path, value, alone in fields(data):
        if alone and path.rsplit(".", 1)[-1] == key and (text := key_value(value)) is not None:
            found.append(text)
    return found


def _type_text(value: object) -> str:
    return str(value).strip().lower()


def _type_names(value: str, target: str, prefix: str) -> bool:
    """Whether a type value (``societe``, ``Customer``, ``com_users.user``) names a table."""
    entity = _entity(target, prefix)
    names = _names(entity)
    parts = [p for p in re.split(r"[^a-z0-9]+", value.lower()) if p]
    if not parts:
        return False
    if "".join(parts) in names or parts[-1] in names:
        return True
    # com_users.user → users, com_contact.contact → contact_details
    return any(p in names or (len(entity) > 1 and p in _forms(entity[0])) for p in parts[:-1])


# -- values ------------------------------------------------------------------------------


def _tested(
    candidates: Sequence[_Candidate],
    prefix: str,
    connector: Connector,
    sample: _Sampler,
    kinds: Mapping[str, str],
) -> list[Edge]:
    """Test every candidate against the data in one batch per source: keep those whose
    values are keys of the target, as ``inferred``; the untestable as ``name-only``."""
    wanted: dict[tuple[str, str], set[str]] = defaultdict(set)
    values: dict[_Candidate, dict[str, set[str]]] = {}
    for candidate in candidates:
        per_type: dict[str, set[str]] = defaultdict(set)
        for row in sample(candidate.child):
            if candidate.inside is not None:
                per_type[""] |= set(inside_values(row.get(candidate.column), candidate.inside))
                continue
            text = key_value(row.get(candidate.column))
            if text is None:
                continue
            if candidate.when is not None:
                kind = _row_type(
                    candidate.when, candidate.typed, candidate.compose, candidate.column, row
                )
                if kind is None or not _type_names(kind, candidate.parent, prefix):
                    continue
                if candidate.compose:
                    text = text.rpartition(".")[2]
                per_type[kind].add(text)
            else:
                per_type[""].add(text)
        trimmed = {k: set(sorted(v)[:MAX_VALUES]) for k, v in per_type.items()}
        values[candidate] = trimmed
        for texts in trimmed.values():
            wanted[candidate.parent, candidate.referred] |= texts
    present: dict[tuple[str, str], set[str]] = defaultdict(set)
    lookups = [Lookup(t, c, frozenset(v), "exact") for (t, c), v in wanted.items() if v]
    if lookups:
        for hit in connector.find(lookups):
            present[hit.table, hit.column].add(hit.value)
    best: dict[tuple[str, str, str], list[tuple[_Candidate, float, int]]] = defaultdict(list)
    for candidate, per_type in values.items():
        texts = set().union(*per_type.values()) if per_type else set()
        found = texts & present.get((candidate.parent, candidate.referred), set())
        share = len(found) / len(texts) if texts else 0.0
        best[candidate.child, candidate.column, candidate.inside or ""].append(
            (candidate, share, len(texts))
        )
    edges: list[Edge] = []
    for options in best.values():
        edges += _choose(options, values, kinds)
    return edges


def _choose(
    options: list[tuple[_Candidate, float, int]],
    values: Mapping[_Candidate, dict[str, set[str]]],
    kinds: Mapping[str, str],
) -> list[Edge]:
    """The edges one column gives: the best-named target whose values agree; a polymorphic
    column one edge per target its type values name."""
    edges: list[Edge] = []
    poly = [o for o in options if o[0].when is not None]
    for candidate, share, count in poly:
        if count and share >= AGREEMENT:
            named = tuple(sorted(values[candidate]))
            assert candidate.when is not None
            edges.append(_edge(candidate, share, count, (candidate.when[0], named)))
    plain = [o for o in options if o[0].when is None]
    agreeing = [o for o in plain if o[2] and o[1] >= AGREEMENT]
    enough = [
        o for o in agreeing if o[2] >= FEW or o[0].strength >= 3 or not _numeric(values[o[0]])
    ]
    if enough:
        top = max(o[0].strength for o in enough)
        chosen = [o for o in enough if o[0].strength == top]
        if len(chosen) > 1:
            chosen = _root(chosen, kinds)
        if len(chosen) == 1:
            edges.append(_edge(*chosen[0]))
        else:  # several targets agree equally: the data cannot tell which, a person must
            edges += [_edge(*o, kind="name-only") for o in chosen]
        return edges
    untested = [o for o in plain if o[2] < FEW and (o[2] == 0 or o[1] >= AGREEMENT)]
    untested = [o for o in untested if o not in enough]
    if untested:
        top = max(o[0].strength for o in untested)
        edges += [_edge(*o, kind="name-only") for o in untested if o[0].strength == top]
    return edges


def _root(
    chosen: list[tuple[_Candidate, float, int]], kinds: Mapping[str, str]
) -> list[tuple[_Candidate, float, int]]:
    """Of several tables whose keys all hold a column's values (``login`` is the key of
    ``user`` and of ``user_language``), the person table, else the one with the
    shortest name: the others extend it (``user_language`` is a ``user``'s row)."""
    people = [o for o in chosen if kinds.get(o[0].parent) == "person"]
    if len(people) == 1:
        return people
    pool = people or chosen
    shortest = min(len(o[0].parent) for o in pool)
    short = [o for o in pool if len(o[0].parent) == shortest]
    return short if len(short) == 1 else pool


def _numeric(per_type: Mapping[str, set[str]]) -> bool:
    """Whether the values are small numbers, where a few agreeing by chance prove nothing
    (``KD-501`` found among the keys is evidence; ``2`` is not)."""
    return any(text.isdigit() for texts in per_type.values() for text in texts)


def _edge(
    candidate: _Candidate,
    share: float,
    count: int,
    when: tuple[str, tuple[str, ...]] | None = None,
    *,
    kind: LinkKind = "inferred",
) -> Edge:
    target = f"{candidate.parent}.{candidate.referred}"
    if kind == "name-only" and count == 0:
        evidence = f"name only: no values to test against {target}"
    elif kind == "name-only" and share >= AGREEMENT and count >= FEW:
        evidence = f"name only: {count} values are keys of {target} and of another table alike"
    elif kind == "name-only":
        evidence = f"name only: {count} value(s) too few to test against {target}"
    else:
        evidence = f"{round(share * count)} of {count} sampled values are keys of {target}"
        if when is not None:
            evidence += f" (rows where {when[0]} = {'/'.join(when[1])})"
    if candidate.inside is not None:
        evidence += f" (field {candidate.inside} inside {candidate.column})"
    return Edge(
        candidate.parent, candidate.referred, candidate.child, candidate.column, kind,
        evidence, candidate.owning, when, share if count else None, candidate.typed,
        candidate.compose, candidate.inside,
    )  # fmt: skip


def key_value(value: object) -> str | None:
    """A referencing value to test: empty, ``0`` and negative numbers mean "none"
    (OpenCart's guest ``customer_id = 0``) and are not tested."""
    if is_empty(value) or isinstance(value, bytes | list | dict):
        return None
    text = value_text(value)  # as stored: " 17 " is another value than the key 17
    if text is None or not text.strip() or text in ("0", "-1") or text.startswith("0000-00-00"):
        return None
    return text
