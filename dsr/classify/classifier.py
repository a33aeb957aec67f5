"""The classifier: which columns of a source hold which categories of personal data.

One ``tables()`` call and one ``sample()`` per table, never a full scan. Each
column gets two scores, kept apart: what its name says (``names``) and what
its sampled values pass (``values``), read against what its table's rows are
(``context``). They combine into a decision with a confidence; where the
confidence stays between ``REVIEW_LOW`` and ``REVIEW_HIGH`` the column is
listed for a person to confirm in dsr.yaml rather than guessed. What the user
wrote in ``columns:`` of a source always wins.

Evidence names the rule and the share of sampled values that passed; it never
quotes a value, because the inventory travels further than the data.

Decisions worth knowing:

- the primary key of a person table and keys pointing at a person table are
  ``customer_id``: they tie a row to a person. Person ids and customer numbers
  are lookup columns (``id``); foreign keys are not, since the lookup engine
  follows them from the person's row;
- names of artists, actors on a catalogue, composers, products and companies
  are catalogue data of the business, not data about its customers or staff:
  ``name`` counts only in tables whose rows are persons or point to them;
- a company (B2B) table's own name, address, phone and fax are not personal
  (listed for review); its contact person's name, title and e-mail are;
- keys named for a person (``customer_id``, ``id_customer``, ``fk_soc``,
  ``fk_user_author``, a ``login`` outside the user table) are ``customer_id``;
  keys of orders, products, countries, statuses and addresses are not. Keys that
  say who wrote a row, and polymorphic keys, get no lookup: their values live
  in other key spaces (staff ids, the ids of whatever the type column names);
- a user id or login whose values are e-mail addresses is searched as e-mail;
- JSON, PHP-serialized and PHP-session cells, and the value column of key/value
  tables (``profile_key``/``profile_value``, ``option_name``/``option_value``),
  are decided by the fields they hold and are searched as text;
- binary columns: 4- and 16-byte values under an IP name are IP addresses,
  fixed-length binary ids in rows about persons are visitor or session ids;
- free text is what people typed: notes, comments, messages; a description that
  is a template with numbers (``Bestellnummer: #12``) or a short label naming
  nobody is not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from dsr.classify.context import TableContext, is_audit_key, role_mailbox, table_contexts
from dsr.classify.evidence import Evidence, ev, label
from dsr.classify.names import (
    ADDRESS_QUALIFIERS,
    PERSON_WORDS,
    RULES_BY_KEY,
    NameHint,
    NameRule,
    is_key_name,
    key_stem,
    key_words,
    name_hint,
    names_company,
    names_object,
    names_person,
    split_words,
    words,
)
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.structured import decode, leaves
from dsr.classify.text import scan_texts
from dsr.classify.values import (
    CHECKS_BY_KEY,
    DECIDING_SHARE,
    MIN_VALUES,
    ValueResult,
    first_names,
    has_first_name,
    is_binary,
    non_null,
    run_check,
    standalone_match,
)
from dsr.config.models import Source
from dsr.connectors.protocol import Column, Connector, ForeignKey, IdentifierKind, Table
from dsr.errors import DsrError
from dsr.progress import NullProgress, Progress

REVIEW_LOW = 0.4
REVIEW_HIGH = 0.7

# Which value checks confirm which name rule.
_CHECKS_FOR_RULE: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "phone": ("phone",),
    "fax": ("phone",),
    "extension": (),
    "person_name": ("first_name", "person_name"),
    "name": ("first_name", "person_name"),
    "author": ("first_name", "person_name"),
    "salutation": ("courtesy",),
    "title": ("courtesy",),
    "birthdate": ("birthdate",),
    "postcode": ("postcode",),
    "iban": ("iban", "bic"),
    "card": ("card",),
    "tax_id": ("tax_id", "vat"),
    "ip": ("ip",),
    "useragent": ("useragent", "token"),
    "cookie": ("token",),
    "password": ("password",),
    "customer_number": (),
    "free_text": ("free_text",),
    "photo": ("image",),
    "hiring": (),
}
# Checks whose failure on most values contradicts the name (a checksum or a clear shape).
_CONTRADICTING = frozenset({"email", "iban", "card", "ip", "birthdate"})

_CONNECTOR_RULES: dict[str, str] = {
    "email": "email",
    "phone": "phone",
    "name": "person_name",
    "id": "customer_number",
    "text": "free_text",
}
# What a connector says a column identifies, as the evidence names it.
CONNECTOR_KINDS = {
    "email": label("an e-mail", "E-Mail-Spalte"),
    "phone": label("a phone", "Telefonspalte"),
    "name": label("a name", "Namensspalte"),
    "id": label("an id", "Kennungsspalte"),
    "text": label("a text", "Textspalte"),
}
_COMPANY_OWN = frozenset({"street", "postcode", "place", "phone", "fax", "extension", "name"})
_LOOKUP_FOR_RULE: dict[str, IdentifierKind] = {
    "email": "email",
    "phone": "phone",
    "fax": "phone",
    "person_name": "name",
    "name": "name",
    "customer_number": "id",
    "free_text": "text",
}


@dataclass
class _Decision:
    """A column's decision under construction."""

    personal: bool = False
    categories: list[str] = field(default_factory=list)
    confidence: float = 0.0
    evidence: list[str] = field(default_factory=list)
    lookup: IdentifierKind | None = None
    special: list[str] = field(default_factory=list)
    review: bool = False

    def add(self, category: str) -> None:
        if category and category not in self.categories:
            self.categories.append(category)


def combine(*strengths: float) -> float:
    """Independent pieces of evidence for the same decision: 1 - Π(1 - s)."""
    rest = 1.0
    for strength in strengths:
        rest *= 1.0 - max(0.0, min(1.0, strength))
    return 1.0 - rest


# -- entry points ---------------------------------------------------------------------------


def classify_source(
    source: Source,
    connector: Connector,
    *,
    sample_size: int = 200,
    progress: Progress | None = None,
    tables: Sequence[Table] | None = None,
) -> list[TableClassification]:
    """Classify every column of every table of one source.

    Lists tables once (``tables``: as the caller listed them, which counted the rows of
    each: a count of ten million rows takes a tenth of a second) and samples each table
    once. A table that cannot be sampled (a broken view) is classified from its names
    alone, and says so.
    """
    progress = progress or NullProgress()
    tables = connector.tables() if tables is None else tables
    progress.begin(f"Classifying {source.name}", total=len(tables))
    samples: dict[str, list[dict[str, Any]]] = {}
    failures: set[str] = set()
    for table in tables:
        try:
            samples[table.name] = connector.sample(table.name, sample_size)
        except DsrError:
            samples[table.name] = []
            failures.add(table.name)
        progress.advance()
    contexts = table_contexts(tables, samples)
    results = [
        _classify(
            source,
            table,
            samples[table.name],
            contexts,
            overrides=source.columns,
            failed=table.name in failures,
        )
        for table in tables
    ]
    progress.end()
    return results


def classify_table(
    source: str | Source,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    tables: Sequence[Table] = (),
    overrides: Mapping[str, Sequence[str]] | None = None,
) -> TableClassification:
    """Classify one table from its schema and sampled rows.

    ``tables`` are the source's other tables, for the keys between them
    (without them the table is read on its own).
    """
    if not isinstance(source, str):
        overrides = source.columns if overrides is None else overrides
    everything = list(tables) if any(t.name == table.name for t in tables) else [*tables, table]
    contexts = table_contexts(everything, {table.name: rows})
    return _classify(source, table, rows, contexts, overrides=overrides or {})


# -- one table ------------------------------------------------------------------------------


def _classify(
    source: str | Source,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    contexts: Mapping[str, TableContext],
    *,
    overrides: Mapping[str, Sequence[str]],
    failed: bool = False,
) -> TableClassification:
    source_name = source if isinstance(source, str) else source.name
    context = contexts[table.name]
    columns = []
    for column in table.columns:
        values = [row.get(column.name) for row in rows]
        key = f"{table.name}.{column.name}"
        if key in overrides:
            columns.append(_confirmed(source_name, table.name, column, overrides[key]))
            continue
        decision = _decide(table, column, values, context, contexts, rows)
        if failed:
            decision.evidence.append(ev("values: the table could not be sampled; name only"))
        columns.append(_finish(source_name, table.name, column.name, decision))
    return TableClassification(
        source=source_name,
        table=table.name,
        kind=context.kind,
        rows=table.rows,
        columns=tuple(columns),
        evidence=tuple(context.evidence),
        person_table=context.person_table,
    )


def _confirmed(
    source: str, table: str, column: Column, categories: Sequence[str]
) -> ColumnClassification:
    categories = tuple(dict.fromkeys(categories))
    lookup = column.identifies
    if lookup is None and categories:
        hint = name_hint(column.name)
        if hint is not None and hint.rule.category in categories:
            lookup = _LOOKUP_FOR_RULE.get(hint.rule.key)
    return ColumnClassification(
        source=source,
        table=table,
        column=column.name,
        personal=bool(categories),
        categories=categories,
        confidence=1.0,
        evidence=(ev("confirmed in dsr.yaml"),),
        lookup=lookup if categories else None,
        review=False,
        confirmed=True,
    )


def _finish(source: str, table: str, column: str, d: _Decision) -> ColumnClassification:
    confidence = round(max(0.0, min(1.0, d.confidence)), 2)
    review = d.review or REVIEW_LOW <= confidence < REVIEW_HIGH
    if not d.personal:
        d.categories, d.lookup, d.special = [], None, []
    if not d.evidence:
        d.evidence.append(ev("no name or value evidence of personal data"))
    return ColumnClassification(
        source=source,
        table=table,
        column=column,
        personal=d.personal,
        categories=tuple(d.categories),
        confidence=confidence,
        evidence=tuple(dict.fromkeys(d.evidence)),
        lookup=d.lookup if d.personal else None,
        special=tuple(dict.fromkeys(d.special)),
        review=review,
    )


# -- one column -----------------------------------------------------------------------------


def _foreign_key(table: Table, column: str) -> ForeignKey | None:
    return next((fk for fk in table.foreign_keys if column in fk.columns), None)


def _hint_for(column: Column) -> tuple[NameHint | None, Evidence | None]:
    """The name hint, or the connector's mark where it knows what the column identifies."""
    named = name_hint(column.name)
    if (
        column.identifies == "id"
        and named is not None
        and named.rule.category in ("government_id", "financial")
    ):
        return named, _said_by_name(named)
    if column.identifies is not None:
        rule = RULES_BY_KEY[_CONNECTOR_RULES[column.identifies]]
        return NameHint(rule, column.identifies, ""), ev(
            "connector: marks it as {kind} column", kind=CONNECTOR_KINDS[column.identifies]
        )
    hint = name_hint(column.name)
    if hint is None:
        return None, None
    return hint, _said_by_name(hint)


def _said_by_name(hint: NameHint) -> Evidence:
    return ev("name: '{term}' ({label})", term=hint.term, label=hint.rule.local_label)


def _decide(
    table: Table,
    column: Column,
    values: list[Any],
    context: TableContext,
    contexts: Mapping[str, TableContext],
    rows: Sequence[Mapping[str, Any]] = (),
) -> _Decision:
    d = _decide_by_rules(table, column, values, context, contexts, rows)
    if not d.personal and not d.review:
        _names_users(non_null(values), context, d)
    return d


def _names_users(present: list[Any], context: TableContext, d: _Decision) -> None:
    """Texts that hold the user names of the source's person tables (``UserLogged,jdoe``,
    ``UsersManager.lastSeen.jdoe``) or persons' e-mail addresses, in rows that are not
    a person's: they say which user a row is about, and are searched as text."""
    texts = [v for v in present if isinstance(v, str) and v.strip()]
    if not texts:
        return
    if context.known_logins:
        found = {
            token
            for text in texts
            for token in _TOKENS.findall(text.lower())
            if token in context.known_logins
        }
        if len(found) >= 2:
            d.personal, d.confidence, d.lookup = True, 0.7, "text"
            d.categories = ["online_id"]
            d.evidence.append(
                ev(
                    "values: sampled texts hold {n} user names of the source's users",
                    n=len(found),
                )
            )
            return
    if context.personal_rows and context.kind != "person":
        mails = [
            m.group(0)
            for text in texts
            if not text.lstrip().startswith(("<", "http:", "https:", "/"))
            for m in _EMAIL_IN.finditer(unquote(text))
            if not role_mailbox(m.group(0))
        ]
        if mails:
            d.personal, d.confidence, d.lookup = True, 0.6, "text"
            d.categories = ["contact"]
            d.evidence.append(
                ev("values: {n} e-mail addresses inside the sampled texts", n=len(mails))
            )


_TOKENS = re.compile(r"[\w-]+")
_EMAIL_IN = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def _decide_by_rules(
    table: Table,
    column: Column,
    values: list[Any],
    context: TableContext,
    contexts: Mapping[str, TableContext],
    rows: Sequence[Mapping[str, Any]],
) -> _Decision:
    d = _Decision()
    present = non_null(values)

    if any(is_binary(v) for v in present):
        return _binary(column, present, context, d)
    if _all_numbers(column, present) and _text_only_name(column, context):
        d.confidence = 0.75
        d.evidence.append(ev("values: numbers only, no text the name speaks of (a key or a code)"))
        return d

    if _is_flag(column, present):
        hint = name_hint(column.name)
        if hint is not None and hint.rule.special:
            d.personal, d.confidence = True, 0.7
            d.add("special")
            d.special.append(hint.rule.special)
            d.evidence.append(ev("{named} as a yes/no flag", named=_said_by_name(hint)))
        else:
            d.confidence = 0.85
            d.evidence.append(ev("values: yes/no flags"))
        return d

    keyed = _key_decision(table, column, context, contexts, d, present)
    if keyed:
        return d

    if names_company(column.name) and column.identifies is None:
        d.confidence = 0.75
        d.evidence.append(ev("name: a company's name, not a person's"))
        return d

    if _key_value(table, column, rows, context, d) or _structured(column, present, context, d):
        _free_text_scan(None, column, present, context, d)
        return d

    hint, said = _hint_for(column)
    if hint is not None and said is not None:
        _named(hint, said, table, column, present, context, d)
    else:
        _unnamed(column, present, context, d)
    if hint is None or hint.rule.key == "free_text":
        _free_text_scan(hint, column, present, context, d)
    return d


# Name rules whose values are text: a column of small numbers under such a name is a key or
# a code (``country`` 5, ``position`` 0, ``mobile_theme`` 1), not what the name says.
_TEXT_RULES = frozenset(
    split_words(
        "name person_name place street department job free_text website email phone fax title "
        "cookie iban credential"
    )
)
_INTEGER_TYPES = re.compile(
    r"^(tiny|small|medium|big)?int(eger)?\b|^(tiny|small|medium|big)?int\(", re.IGNORECASE
)


def _all_numbers(column: Column, present: list[Any]) -> bool:
    """Small whole numbers only (or, with nothing sampled, an integer column type)."""
    if not present:
        return bool(_INTEGER_TYPES.match(column.type.strip()))
    return all(
        not isinstance(v, bool)
        and (isinstance(v, int) or (isinstance(v, str) and v.strip().isdigit()))
        and len(str(v).strip()) < 6
        for v in present
    )


def _text_only_name(column: Column, context: TableContext) -> bool:
    if column.identifies is not None or column.name in context.person_keys:
        return False
    hint = name_hint(column.name)
    return hint is not None and hint.rule.key in _TEXT_RULES


# Which name rules leaves of a structured cell (or keys of a key/value table) are read by,
# and what they say.
_FIELD_RULES = frozenset(
    split_words(
        "email phone fax person_name name birthdate street postcode place iban card tax_id ip "
        "useragent login customer_number credential website geo"
    )
)
_STRONG_LEAF_CHECKS = ("email", "iban", "phone")


def _field_category(field: str, text: str) -> str | None:
    """The category a named field's value is, when its name says so and the value is
    what the name says (an e-mail field holding an address, a name field a name; not a
    switch ``1`` under ``mail_on_new``)."""
    hint = name_hint(field)
    value = text.strip()
    if hint is None and field.lower() in _SECRET_FIELDS and _LONG_TOKEN.match(value):
        return "online_id"  # {"key": "4XVN..."}: a second factor's secret
    if hint is None or hint.rule.key not in _FIELD_RULES or not value:
        return None
    if value.lower() in ("0", "1", "true", "false", "yes", "no", "null", "none"):
        return None
    key = hint.rule.key
    if key in ("name", "place", "street") and hint.qualifier and names_object(hint.qualifier):
        return None
    check = _FIELD_CHECKS.get(key)
    if check is not None and not run_check(check, [value]).passed:
        return None
    if key == "customer_number" and not value.replace("-", "").isalnum():
        return None
    if key in ("street", "place", "login") and (value.isdigit() or len(value) < 2):
        return None
    if key == "credential" and len(value) < 8:
        return None
    if key == "website" and "." not in value and "/" not in value and len(value) < 3:
        return None
    return hint.rule.category


_SECRET_FIELDS = frozenset(split_words("key secret seed otp totp"))
# The value check a leaf under a field of that rule must pass.
_FIELD_CHECKS = {
    "email": "email",
    "phone": "phone",
    "fax": "phone",
    "birthdate": "birthdate",
    "postcode": "postcode",
    "iban": "iban",
    "ip": "ip",
    "person_name": "person_name",
    "name": "person_name",
}


def _leaf_category(text: str) -> str | None:
    """The category of a value that is unmistakable on its own: e-mail, IBAN, phone."""
    from dsr.classify.values import CHECKS_BY_KEY

    for key in _STRONG_LEAF_CHECKS:
        check = CHECKS_BY_KEY[key]
        if not check.test(text) or (key == "email" and role_mailbox(text)):
            continue
        if key == "phone" and text.isdigit() and len(text) < 10:
            continue  # a bare run of digits: a code as often as a number
        return check.category
    return None


def _structured(column: Column, present: list[Any], context: TableContext, d: _Decision) -> bool:
    """JSON, PHP-serialized and PHP-session cells: decided by the fields they hold.

    A cell's field names (``{"email": ...}``, ``user.name|s:5:...``) and its values
    that are unmistakable alone (e-mail, IBAN, phone) make the column personal, in any
    table: a structure keeps a person's data wherever an application puts it. Cells that
    hold no such field (settings, empty containers ``[]``) are not personal, whatever the
    column's name says, unless it names credentials or profiles the structure keeps.
    """
    texts = [v for v in present if isinstance(v, str)]
    if len(texts) < max(1, len(present) // 2):
        return False
    decoded = [(t, decode(t)) for t in texts]
    structures = [data for _, data in decoded if data is not None and not isinstance(data, str)]
    if not structures or len(structures) < 0.6 * len(texts):
        return False
    categories: dict[str, int] = {}
    rows_with = 0
    for data in structures:
        found = set()
        for field_name, text in leaves(data):
            category = _field_category(field_name, text) or _leaf_category(text)
            if category:
                found.add(category)
        for category in found:
            categories[category] = categories.get(category, 0) + 1
        rows_with += bool(found)
    if not categories:
        hint = name_hint(column.name)
        if hint is not None and hint.rule.key in ("credential", "website", "password"):
            return False
        d.confidence = 0.75
        d.evidence.append(
            ev(
                "values: {n} sampled are JSON or PHP structures holding no personal field",
                n=len(structures),
            )
        )
        return True
    d.personal, d.lookup = True, "text"
    for category, _ in sorted(categories.items(), key=lambda item: (-item[1], item[0])):
        d.add(category)
    d.confidence = 0.85 if rows_with >= 2 or context.personal_rows else 0.7
    d.evidence.append(
        ev(
            "values: {n} of {total} sampled JSON or PHP structures hold personal fields",
            n=rows_with,
            total=len(structures),
        )
    )
    return True


_KV_VALUE = frozenset(split_words("value values wert werte val"))
_KV_KEY = frozenset(split_words("key name field option setting cfg param attribute schluessel"))


def _key_column(table: Table, column: Column) -> str | None:
    """The key column of a key/value table beside ``column``: ``profile_key`` for
    ``profile_value``, ``option_name`` for ``option_value``, ``field_id`` for ``value``."""
    parts = words(column.name)
    if not parts or parts[-1] not in _KV_VALUE:
        return None
    stem = parts[:-1]
    for other in table.columns:
        if other.name == column.name:
            continue
        others = words(other.name)
        if not others or others[:-1] != stem:
            continue
        if others[-1] in _KV_KEY or (
            others[-1] in ("id", "nr") and len(others) >= 2 and others[-2] in _KV_KEY
        ):
            return other.name
        if not stem and len(others) == 2 and others[0] in _KV_KEY and others[1] == "id":
            return other.name
    if not stem:
        for other in table.columns:
            others = words(other.name)
            if len(others) == 2 and others[0] in _KV_KEY and others[1] in ("id", "nr"):
                return other.name
    return None


def _key_value(
    table: Table,
    column: Column,
    rows: Sequence[Mapping[str, Any]],
    context: TableContext,
    d: _Decision,
) -> bool:
    """The value column of a key/value table: personal when the rows' keys name personal
    data (``profile.phone``, ``billing_email``) beside a value, or when values are e-mail
    addresses, IBANs or phone numbers in at least two rows."""
    key = _key_column(table, column)
    if key is None or not rows:
        return False
    categories: dict[str, int] = {}
    for row in rows:
        value = row.get(column.name)
        if value is None or is_binary(value):
            continue
        text = str(value).strip().strip('"')
        if not text:
            continue
        data = decode(str(value))
        found = {c for c in [_field_category(str(row.get(key) or ""), text)] if c}
        if data is not None and not isinstance(data, str):
            found |= {
                c for f, t in leaves(data) if (c := _field_category(f, t) or _leaf_category(t))
            }
        elif _leaf_category(text):
            found.add(_leaf_category(text) or "")
        for category in found:
            categories[category] = categories.get(category, 0) + 1
    keyed = {c: n for c, n in categories.items() if n >= 1}
    if not keyed or sum(keyed.values()) < 2:
        d.confidence = 0.75
        d.evidence.append(
            ev(
                "values: a key/value table ('{column}'); its sampled rows hold no personal data",
                column=key,
            )
        )
        return True
    d.personal, d.lookup = True, "text"
    for category, _ in sorted(keyed.items(), key=lambda item: (-item[1], item[0])):
        d.add(category)
    d.confidence = 0.85
    d.evidence.append(
        ev(
            "values: a key/value table ('{column}'); {n} sampled rows hold personal data "
            "under their keys",
            column=key,
            n=sum(keyed.values()),
        )
    )
    return True


_YES_NO = frozenset(
    ["yes", "no", "true", "false", "ja", "nein", "y", "n", "j", "wahr", "falsch", "x"]
)


def _is_flag(column: Column, present: list[Any]) -> bool:
    if len(present) >= MIN_VALUES and all(
        isinstance(v, str) and v.strip().lower() in _YES_NO for v in present
    ):
        return True
    if present:
        return all(isinstance(v, bool) for v in present)
    return column.type.lower() in ("boolean", "bool")


def _role_mailboxes(count: int) -> Evidence:
    return ev(
        "values: all {n} sampled are role mailboxes (info@, support@), no person's address",
        n=count,
    )


def _one_shared_value(check_key: str, present: list[Any]) -> bool:
    """Every sampled value is the same address or number: the company's own mailbox or line."""
    if check_key not in ("email", "phone") or len(present) < 10:
        return False
    return len({str(v).strip().lower() for v in present}) == 1


def _binary(column: Column, present: list[Any], context: TableContext, d: _Decision) -> _Decision:
    hint = name_hint(column.name)
    images = run_check("image", present)
    if hint is not None and hint.rule.key == "password":
        d.personal, d.confidence = True, 0.85
        d.add("online_id")
        d.evidence.append(_said_by_name(hint))
        return d
    named_photo = hint is not None and hint.rule.key == "photo"
    if images.share >= DECIDING_SHARE or named_photo:
        evidence = ([_said_by_name(hint)] if named_photo and hint else []) + (
            [images.evidence()] if images.total else []
        )
        if context.kind == "person":
            d.personal = True
            d.add("photo")
            d.confidence = combine(
                0.7 if named_photo else 0.0, 0.7 if images.share >= DECIDING_SHARE else 0.0
            )
            d.evidence += [*evidence, ev("table: '{table}' holds persons", table=context.table)]
        else:
            d.confidence = 0.75
            d.evidence += [
                *evidence,
                ev("table: '{table}' holds no persons; pictures of things", table=context.table),
            ]
        return d
    lengths = {len(_as_bytes(v)) for v in present}
    parts = words(column.name)
    if (
        lengths
        and lengths <= {4, 16}
        and ("ip" in parts or (hint is not None and hint.rule.key == "ip"))
    ):
        d.personal, d.confidence = True, 0.85
        d.add("online_id")
        d.evidence.append(
            ev(
                "name: an IP address; values: {n} binary values of 4 or 16 bytes "
                "(IPv4 and IPv6 addresses as stored)",
                n=len(present),
            )
        )
        return d
    if (
        len(lengths) == 1
        and 6 <= min(lengths) <= 64
        and (context.personal_rows or any(p in _ID_HOLDERS for p in parts))
    ):
        d.personal, d.confidence = True, 0.75
        d.add("online_id")
        d.evidence.append(
            ev(
                "values: {n} binary ids of {size} bytes (visitor, device or session ids)",
                n=len(present),
                size=min(lengths),
            )
        )
        return d
    d.confidence = 0.8
    d.evidence.append(ev("binary values that are no images"))
    return d


# Words in a binary column's name that say it identifies a browser or a visitor.
_ID_HOLDERS = frozenset(
    split_words("visitor visit session cookie config device token user fingerprint client")
)


def _as_bytes(value: Any) -> bytes:
    return value.tobytes() if isinstance(value, memoryview) else bytes(value)


def _key_decision(
    table: Table,
    column: Column,
    context: TableContext,
    contexts: Mapping[str, TableContext],
    d: _Decision,
    present: list[Any],
) -> bool:
    """Keys: a person's own id, a key pointing at a person, or a key to something else."""
    fk = _foreign_key(table, column.name)
    hint = name_hint(column.name)
    if fk is not None:
        target = contexts.get(fk.table)
        if target is not None and target.kind == "person":
            d.personal, d.confidence = True, 0.9
            d.add("customer_id")
            d.evidence.append(ev("key: points to person table '{table}'", table=fk.table))
            if (hint is not None and hint.rule.key == "hiring") or (
                fk.table == table.name and context.kind == "person"
            ):
                d.add("employment")
                d.evidence.append(ev("key: a person's manager or colleague"))
            return True
        if target is not None and target.kind == "company":
            d.confidence = 0.7
            d.evidence.append(ev("key: points to company table '{table}'", table=fk.table))
            return True
        d.confidence = 0.85
        d.evidence.append(
            ev("key: points to table '{table}', which holds no persons", table=fk.table)
        )
        return True
    own_key = column.name in table.primary_key and len(table.primary_key) == 1
    if own_key and context.kind == "person":
        d.personal, d.confidence, d.lookup = True, 0.85, "id"
        d.add("customer_id")
        d.evidence.append(ev("key: the primary key of person table '{table}'", table=table.name))
        if _mostly("email", present):
            d.lookup = "email"
            d.add("contact")
        elif hint is not None and hint.rule.key == "login":
            d.add("online_id")
        return True
    if column.name in context.person_keys and column.identifies is None:
        return _person_key(table, column, present, context, hint, d)
    if own_key and hint is not None and hint.rule.key in _NATURAL_KEYS:
        return False  # a table keyed by an IP address or a login: the name decides
    if column.name.lower() in _BARE_NUMBERS and any(
        (h := name_hint(c.name)) is not None and h.rule.key == "iban" for c in table.columns
    ):
        d.personal, d.confidence = True, 0.7
        d.add("financial")
        d.evidence.append(ev("name: the number in a table of bank accounts (an account number)"))
        return True
    if context.kind == "person" and _names_a_reference(column.name):
        d.personal, d.confidence, d.lookup = True, 0.75, "id"
        d.add("customer_id")
        d.evidence.append(ev("name: a reference of the person in '{table}'", table=table.name))
        if any(p in EMPLOYMENT_REFERENCES for p in words(column.name)):
            d.add("employment")
        return True
    if own_key and column.identifies is None and _session_key(table, present, context):
        d.personal, d.confidence = True, 0.8
        d.add("online_id")
        d.evidence.append(
            ev(
                "key: the random key of '{table}', whose rows are sessions or credentials",
                table=table.name,
            )
        )
        return True
    if own_key and column.identifies is None:
        d.confidence = 0.85
        d.evidence.append(
            ev("key: the primary key of '{table}', whose rows are no persons", table=table.name)
        )
        return True
    if (
        column.identifies == "id"
        and hint is not None
        and hint.rule.category in ("government_id", "financial")
    ):
        return False
    if column.identifies == "id":
        d.personal, d.confidence, d.lookup = True, 0.85, "id"
        d.add("customer_id")
        d.evidence.append(ev("connector: marks it as {kind} column", kind=CONNECTOR_KINDS["id"]))
        return True
    if context.kind == "company" and (
        (hint is not None and hint.rule.key == "customer_number")
        or (is_key_name(column.name) and hint is None and names_person(key_stem(column.name)))
    ):
        d.confidence = 0.7
        d.evidence.append(ev("key: identifies a company in '{table}'", table=table.name))
        return True
    if hint is not None and hint.rule.key == "customer_number":
        if column.name in context.key_targets and not own_key:
            d.confidence = 0.75
            d.evidence.append(ev("name: a key to something other than a person"))
            return True
        d.personal, d.lookup = True, "id"
        d.confidence = 0.85 if context.personal_rows else 0.6
        d.add("customer_id")
        d.evidence.append(_said_by_name(hint))
        return True
    if is_key_name(column.name) and hint is None:
        stem = key_stem(column.name)
        if stem and stem != "".join(words(table.name)).rstrip("s") and column.name != "id":
            d.confidence = 0.8
            d.evidence.append(ev("name: a key to something other than a person"))
            return True
        if column.name.lower() == "id" or not stem:
            if context.kind == "person":
                d.personal, d.confidence, d.lookup = True, 0.75, "id"
                d.add("customer_id")
                d.evidence.append(
                    ev("key: the id of a row of person table '{table}'", table=table.name)
                )
                return True
            d.confidence = 0.8
            d.evidence.append(
                ev("key: an id of '{table}', whose rows are no persons", table=table.name)
            )
            return True
    return False


def _person_key(
    table: Table,
    column: Column,
    present: list[Any],
    context: TableContext,
    hint: NameHint | None,
    d: _Decision,
) -> bool:
    """A column that points to a person (``context.person_keys``): the person's key.

    Its values decide the rest: only 0 and 1 make it a switch, names make it an author's
    name (left to the name rules), e-mail addresses are searched as e-mail addresses.
    """
    target = context.person_keys[column.name]
    texts = [v for v in present if isinstance(v, str) and not v.strip().isdigit()]
    if len(present) >= MIN_VALUES and {str(v).strip() for v in present} == {"0", "1"}:
        d.confidence = 0.75
        d.evidence.append(ev("values: only 0 and 1, a switch rather than a person's key"))
        return True
    if hint is not None and hint.rule.key not in ("customer_number", "login", "author"):
        return False
    if texts and len(texts) >= len(present) / 2 and run_check("first_name", texts).share >= 0.6:
        return False  # ``created_by`` holding names: the author's name
    d.personal, d.lookup = True, "id"
    d.confidence = 0.85 if context.personal_rows else 0.75
    d.add("customer_id")
    if target is not None:
        d.evidence.append(ev("key: points to person table '{table}' (by its name)", table=target))
    else:
        d.evidence.append(ev("name: '{column}' names a person's key", column=column.name))
    if _mostly("email", present, _MIXED_EMAILS):
        if all(isinstance(v, str) and role_mailbox(v) for v in present):
            d.personal, d.categories, d.lookup, d.confidence = False, [], None, 0.7
            d.evidence.append(_role_mailboxes(len(present)))
            return True
        d.lookup = "email"
        d.add("contact")
        d.evidence.append(run_check("email", present).evidence())
    if hint is not None and hint.rule.key == "login":
        d.add("online_id")
    if column.name in context.polymorphic or is_audit_key(column.name):
        # Who wrote the row, or a key whose type column says what it points to: searching
        # it for a person's id would meet other key spaces (staff ids, other tables' ids).
        d.lookup = None
    parts = key_words(column.name)
    if (
        target == table.name
        and context.kind == "person"
        and not is_audit_key(column.name)
        and "parent" not in parts
    ) or any(
        w in p
        for p in parts
        for w in ("manager", "supervisor", "vorgesetzt", "reports", "validator")
    ):
        d.add("employment")
    return True


_BARE_NUMBERS = frozenset(split_words("number nummer no nr num"))
# Name rules whose values can be a table's own key: an IP, a login, an e-mail address.
_NATURAL_KEYS = frozenset(split_words("ip login email cookie credential useragent"))
_REFERENCE_WORDS = frozenset(
    split_words(
        "ref reference referenz ext external extern code barcode badge accountancy accounting "
        "compta fournisseur supplier vendor lieferant"
    )
)
_REFERENCE_HEADS = frozenset(split_words("ref reference referenz code barcode badge"))
EMPLOYMENT_REFERENCES = frozenset(split_words("employee mitarbeiter staff personal"))


def _names_a_reference(column: str) -> bool:
    """``ref``, ``ref_ext``, ``ref_employee``, ``code_client``, ``barcode``,
    ``accountancy_code``: a person's own reference, number or code (in a person table)."""
    parts = words(column)
    return (
        bool(parts)
        and any(p in _REFERENCE_HEADS for p in parts)
        and all(p in _REFERENCE_WORDS or p in PERSON_WORDS for p in parts)
    )


_MIXED_EMAILS = 0.25
"""A login or user-id column where this share of values are e-mail addresses (people log
in with either) is searched by e-mail: a request by e-mail finds those rows directly."""


def _mostly(check: str, present: list[Any], share: float = DECIDING_SHARE) -> bool:
    return len(present) >= MIN_VALUES and run_check(check, present).share >= share


_LONG_TOKEN = re.compile(r"^[0-9a-f]{16,128}$|^[A-Za-z0-9_-]{20,128}$", re.IGNORECASE)


def _session_key(table: Table, present: list[Any], context: TableContext) -> bool:
    """A table's own key holding random tokens, where the rows are sessions or credentials."""
    texts = [v.strip() for v in present if isinstance(v, str)]
    if len(texts) < MIN_VALUES or len(texts) < len(present):
        return False
    tokens = sum(1 for t in texts if _LONG_TOKEN.match(t) and not t.isdigit())
    named = {w.rstrip("s") for w in words(table.name)} & {"session", "credential", "token"}
    return tokens >= 0.8 * len(texts) and (bool(named) or context.personal_rows)


def _values_for(rule: NameRule, present: list[Any]) -> list[ValueResult]:
    if len(present) < MIN_VALUES:
        return []
    return [run_check(key, present) for key in _CHECKS_FOR_RULE.get(rule.key, ())]


def _named(
    hint: NameHint,
    said: Evidence,
    table: Table,
    column: Column,
    present: list[Any],
    context: TableContext,
    d: _Decision,
) -> None:
    rule = hint.rule
    d.evidence.append(said)
    results = _values_for(rule, present)
    best = max(results, key=lambda r: r.share, default=None)
    standalone = standalone_match(present)
    connector_marked = column.identifies is not None

    # A company's own name, address and phone are the company's; its contact person's are not.
    if (
        context.kind == "company"
        and (not connector_marked or rule.key != "person_name")
        and (
            rule.key in _COMPANY_OWN
            and hint.qualifier not in ("contact", "kontakt", "ansprechpartner", "home", "privat")
            and not (context.has_contact_person and rule.key in ("phone", "fax", "extension"))
        )
    ):
        d.confidence = 0.7
        d.evidence.append(
            ev("table: '{table}' holds companies; a company's own data", table=context.table)
        )
        return
    if (
        context.recipient_is_company
        and (
            hint.qualifier in ADDRESS_QUALIFIERS
            or hint.term.startswith(("ship", "billing", "recipient", "empf", "liefer", "rechnung"))
        )
        and rule.key in ("street", "postcode", "place", "name", "person_name")
    ):
        d.confidence = 0.7
        d.evidence.append(
            ev(
                "table: '{table}' is addressed to a company customer; a company's data",
                table=context.table,
            )
        )
        return
    what_else = _not_what_the_name_says(hint, column, context)
    if what_else is not None:
        d.confidence = 0.75
        d.evidence.append(what_else)
        return
    if rule.key == "place" and not _place_is_an_address(hint, context):
        d.confidence = 0.7
        d.evidence.append(ev("name: a region or country standing alone, no address beside it"))
        return
    if (
        rule.key == "free_text"
        and not connector_marked
        and hint.term in _CHOICE_TERMS
        and _fixed_texts(present)
    ):
        d.confidence = 0.7
        d.evidence.append(
            ev("values: {n} sampled are a few fixed texts (a choice list)", n=len(present))
        )
        return
    if rule.key == "free_text" and not connector_marked and hint.term in _DESCRIBING_TERMS:
        generated = _generated_texts(present)
        if generated is not None:
            d.confidence = 0.7
            d.evidence.append(generated)
            return
    if (
        rule.key == "email"
        and present
        and all(isinstance(v, str) and role_mailbox(v) for v in present)
    ):
        d.confidence = 0.7
        d.evidence.append(_role_mailboxes(len(present)))
        return
    if (
        rule.key in ("name", "title", "author")
        and names_object(hint.qualifier)
        and (not connector_marked)
    ):
        d.confidence = 0.8
        d.evidence.append(
            ev("name: '{qualifier}' names a thing, not a person", qualifier=hint.qualifier)
        )
        return

    if (
        rule.needs_person
        and not connector_marked
        and not _person_context_allows(rule, hint, context, present, d)
    ):
        return

    # The rule's category, refined by values where the name is ambiguous.
    category = rule.category
    if rule.key == "title":
        if best is not None and best.share >= DECIDING_SHARE:
            category = "identity"
            d.evidence.append(best.evidence())
        elif best is None and not context.employees:
            category = "identity"
            d.evidence.append(ev("values: too few to tell; read as a title of courtesy"))
        else:
            category = "employment"
            d.evidence.append(ev("values: not salutations; read as job titles"))
    d.personal = True
    d.add(category)
    if rule.special:
        d.special.append(rule.special)
    d.lookup = _LOOKUP_FOR_RULE.get(rule.key)
    if rule.key == "name" and context.kind != "person":
        d.lookup = "name"
    if rule.key == "login" and context.kind != "person":
        # A user name kept outside the user table points to that user: a person's key.
        d.add("customer_id")
        d.lookup = "id"
    if rule.key in ("login", "customer_number") and _mostly("email", present, _MIXED_EMAILS):
        d.add("contact")
        d.lookup = "email"
    if column.identifies == "id":
        d.lookup = "id"
    if rule.key == "website" and hint.term in _SOCIAL_TERMS:
        d.add("online_id")  # handles on social networks identify their holder online
    if rule.key == "free_text" and context.kind == "person" and context.employees:
        d.add("employment")
        d.evidence.append(ev("table: '{table}' holds staff; notes about them", table=context.table))

    strength = rule.strength
    if rule.needs_person and context.kind in ("person", "address", "document"):
        strength = max(strength, 0.8)
    if connector_marked:
        strength = max(strength, 0.9)
    if best is None or rule.key == "title":
        d.confidence = strength
    elif best.share >= DECIDING_SHARE and _one_shared_value(best.check.key, present):
        d.personal = False
        d.confidence = 0.7
        d.evidence.append(
            ev(
                "values: all {n} sampled are one and the same; a shared company address or line",
                n=len(present),
            )
        )
        return
    elif best.share >= DECIDING_SHARE:
        d.confidence = combine(strength, best.check.strength * best.share)
        d.evidence.append(best.evidence())
        if best.check.key == "bic":
            d.evidence.append(ev("values: bank identifier codes"))
    elif best.check.key in _CONTRADICTING and best.total >= MIN_VALUES and best.share < 0.2:
        if standalone is not None and standalone.check.category != category:
            # The values are something else entirely (an e-mail column full of phone numbers).
            d.categories = [standalone.check.category]
            d.lookup = standalone.check.lookup  # type: ignore[assignment]
            d.confidence = 0.6
            d.evidence.append(standalone.evidence())
        else:
            d.confidence = 0.5
            d.evidence.append(ev("{values}; the name is not borne out", values=best.evidence()))
    else:
        d.confidence = strength * (0.75 + 0.25 * best.share) if best.share else strength * 0.8
        if best.passed:
            d.evidence.append(best.evidence())

    if rule.key == "free_text" and context.kind not in ("person",) and not connector_marked:
        # Notes on orders and tickets are about persons; short catalogue texts are not.
        result = run_check("free_text", present) if len(present) >= MIN_VALUES else None
        if result is not None and result.share < 0.3:
            d.confidence = 0.55
    if (
        standalone is not None
        and rule.key == "street"
        and standalone.check.key == "email"
        and d.personal
    ):
        if _one_shared_value("email", present):
            d.personal, d.categories, d.confidence = False, [], 0.7
            d.evidence.append(
                ev(
                    "values: all {n} sampled are one and the same; a shared company address",
                    n=len(present),
                )
            )
            return
        d.categories = ["contact"]
        d.lookup = "email"
        d.evidence.append(standalone.evidence())
        return
    if (
        standalone is not None
        and standalone.check.category not in d.categories
        and (standalone.check.key not in ("phone",) or rule.category == "contact")
        and rule.key != "free_text"
    ):
        d.add(standalone.check.category)
        d.evidence.append(standalone.evidence())


# Qualifiers that make a web address a person's own page rather than a service's.
_OWN_PAGE = frozenset(split_words("personal private privat home own eigene blog"))
_REFERRER = ("referer", "referrer", "referrer", "ref")


_SOCIAL_TERMS = frozenset(
    split_words(
        "socialnetworks socialnetwork socialmedia socialprofiles twitter facebook linkedin "
        "instagram xing skype"
    )
)
# Qualifiers of an address, city or postcode that make it a thing's, not a person's.
_THINGS_WITH_ADDRESSES = frozenset(
    split_words(
        "shop store company firma firmen unternehmen warehouse lager supplier lieferant "
        "manufacturer hersteller shipper server host bank branch filiale venue webservices "
        "service office geschaeft"
    )
)


def _not_what_the_name_says(
    hint: NameHint, column: Column, context: TableContext
) -> Evidence | None:
    """Why a name that matches a rule still does not hold that data, or None.

    The address of a shop or a company (``shop_address``), a service's URL
    (``webservices_url``), what a referring page says (``referer_keyword``), and
    device words inside a longer name (``screen_resolution_x``).
    """
    rule, qualifier = hint.rule, hint.qualifier
    if column.identifies is not None:
        return None
    if (
        rule.key in ("street", "postcode", "place")
        and qualifier
        and qualifier not in ADDRESS_QUALIFIERS
        and any(qualifier.endswith(w) for w in _THINGS_WITH_ADDRESSES)
    ):
        return ev(
            "name: '{qualifier}' names a thing; its address is no person's", qualifier=qualifier
        )
    if rule.key == "website" and qualifier and qualifier not in _OWN_PAGE:
        return ev(
            "name: a web address of '{qualifier}', not a person's own page", qualifier=qualifier
        )
    if rule.key == "website" and hint.term == "url" and context.kind != "person":
        return ev("name: a URL in rows that are no persons: a page, not a person's own site")
    if qualifier.startswith(_REFERRER) and rule.key in ("free_text", "name", "place"):
        return ev("name: data of the referring page, not of the visitor")
    if rule.key == "device" and not "".join(words(column.name)).endswith(hint.term):
        return ev("name: '{term}' is only part of the name", term=hint.term)
    return None


def _place_is_an_address(hint: NameHint, context: TableContext) -> bool:
    """A city is an address; a region or country only beside a city of the same address."""
    if hint.term in (
        "city",
        "ort",
        "stadt",
        "town",
        "wohnort",
        "gemeinde",
        "ortsteil",
        "stadtteil",
        "suburb",
    ):
        return True
    return context.kind == "address" or hint.qualifier in context.city_qualifiers


# Free-text names of fields usually picked from a list (a reason to unsubscribe).
_CHOICE_TERMS = frozenset(split_words("reason grund"))
# Free-text names that describe a thing as often as they hold what a person typed.
_DESCRIBING_TERMS = frozenset(
    split_words("description beschreibung details info text content inhalt subject betreff")
)


def _generated_texts(present: list[Any]) -> Evidence | None:
    """Texts a program wrote from one template (``Bestellnummer: #12``): the same text once
    numbers are masked. Evidence for it, or None."""
    texts = [str(v).strip() for v in present if isinstance(v, str) and v.strip()]
    if len(texts) < 5:
        return None
    if len(set(texts)) <= 2:
        return ev(
            "values: {n} sampled are {distinct} texts, repeated",
            n=len(texts),
            distinct=len(set(texts)),
        )
    masked = [_NUMBERS.sub("0", t) for t in texts]
    numbered = sum(1 for m, t in zip(masked, texts, strict=True) if m != t)
    if numbered >= len(texts) / 2 and len(set(masked)) <= max(3, len(texts) // 5):
        return ev(
            "values: {n} sampled are texts of {templates} templates with numbers in them",
            n=len(texts),
            templates=len(set(masked)),
        )
    return None


_NUMBERS = re.compile(r"\d+|\b[A-Z0-9_]{6,}\b")


# Free-text names that often hold a short label of a thing (an API token's description).
_LABEL_TERMS = frozenset(split_words("description beschreibung details info"))


def _speaks_of_people(present: list[Any]) -> bool:
    """Some sampled text names a person or holds an e-mail address, phone number or IBAN."""
    texts = [v for v in present if isinstance(v, str)]
    findings = scan_texts(texts)
    return bool(findings.identifiers) or any(_names_someone(t) for t in texts)


def _articles(present: list[Any]) -> bool:
    """Long prose, as articles and messages are: most sampled texts pass the free-text check
    and run to a paragraph (catalogue descriptions stay a line)."""
    texts = [str(v).strip() for v in present if isinstance(v, str) and v.strip()]
    if len(texts) < MIN_VALUES or run_check("free_text", texts).share < DECIDING_SHARE:
        return False
    return sum(len(t) for t in texts) / len(texts) >= 80


def _fixed_texts(present: list[Any]) -> bool:
    """Five or more texts of which at most half differ: reasons picked from a list."""
    texts = [str(v).strip().lower() for v in present if isinstance(v, str)]
    return len(texts) >= 5 and len(set(texts)) <= len(texts) / 2


def _person_context_allows(
    rule: NameRule,
    hint: NameHint,
    context: TableContext,
    present: list[Any],
    d: _Decision,
) -> bool:
    """Whether a context-bound name (``name``, ``city``, ``title``, ``notes``) is personal here."""
    kind = context.kind
    if kind == "person":
        return True
    if kind == "address" and rule.key in ("place", "extension", "name", "free_text"):
        return True
    if kind in ("link", "document"):
        if rule.key == "place":
            if (
                kind == "document"
                or hint.qualifier in ADDRESS_QUALIFIERS
                or context.has_address
                or hint.qualifier in context.city_qualifiers
            ):
                return True
        elif rule.key == "geo":
            if context.has_address or context.city_qualifiers:
                return True
        elif rule.key in ("device", "website"):
            return True
        elif rule.key in ("name", "author"):
            names = run_check("first_name", present) if len(present) >= MIN_VALUES else None
            if (names is not None and names.share >= DECIDING_SHARE) or (
                hint.qualifier in ADDRESS_QUALIFIERS
            ):
                return True
            if names is None:
                d.confidence = 0.5
                d.evidence.append(
                    ev("table: '{table}' points to persons; too few values", table=context.table)
                )
                d.review = True
                return False
        elif rule.key == "free_text" and context.via_base and hint.term in _DESCRIBING_TERMS:
            prose = run_check("free_text", present) if len(present) >= MIN_VALUES else None
            if prose is not None and prose.share >= 0.5:
                return True
        elif (
            rule.key == "free_text"
            and hint.term in _LABEL_TERMS
            and len(present) >= MIN_VALUES
            and run_check("free_text", present).share < 0.5
            and not _speaks_of_people(present)
        ):
            d.confidence = 0.7
            d.evidence.append(
                ev("values: {n} sampled are short labels that name nobody", n=len(present))
            )
            return False
        elif rule.key == "free_text" or rule.key in ("photo", "age"):
            return True
    if rule.key in ("name", "author") and kind not in ("company",):
        names = run_check("first_name", present) if len(present) >= MIN_VALUES else None
        if names is not None and names.share >= 0.9 and kind != "other":
            return True
    if kind == "other" and context.authored and rule.key == "free_text" and _articles(present):
        d.evidence.append(
            ev(
                "table: '{table}' holds texts its users wrote; long texts may name people",
                table=context.table,
            )
        )
        return True
    d.confidence = 0.7
    where = {
        "company": "table: '{table}' holds companies",
        "link": "table: '{table}' points to persons, but this is no personal field",
        "document": "table: '{table}' points to persons, but this is no personal field",
        "address": "table: '{table}' holds addresses",
    }.get(kind, "table: '{table}' holds no persons")
    d.evidence.append(ev(where, table=context.table))
    return False


def _unnamed(column: Column, present: list[Any], context: TableContext, d: _Decision) -> None:
    """No name evidence: only unmistakable values decide, or person names in a person's row."""
    standalone = standalone_match(present)
    if standalone is not None:
        check = standalone.check
        if _one_shared_value(check.key, present):
            d.confidence = 0.7
            d.evidence.append(
                ev(
                    "{values}; all {n} are one and the same, a shared company address or line",
                    values=standalone.evidence(),
                    n=len(present),
                )
            )
            return
        if check.key == "phone" and not context.personal_rows:
            d.confidence = 0.5
            d.evidence.append(
                ev("{values}; no name or person context confirms it", values=standalone.evidence())
            )
            d.review = True
            return
        d.personal = True
        d.add(check.category)
        d.lookup = check.lookup  # type: ignore[assignment]
        d.confidence = check.strength * standalone.share
        if not context.personal_rows:
            d.confidence = min(d.confidence, 0.75)
        d.evidence.append(standalone.evidence())
        return
    texts = [v for v in present if isinstance(v, str)]
    if (
        context.kind in ("person", "link", "document")
        and texts
        and len(texts) == len(present) < MIN_VALUES
        and all(_ADDRESS_LINE.search(v) for v in texts)
    ):
        d.personal, d.confidence = True, 0.6
        d.add("address")
        d.evidence.append(
            ev("values: all {n} sampled are street addresses with a postcode", n=len(texts))
        )
        return
    if context.kind in ("person", "link", "document") and len(present) >= MIN_VALUES:
        texts = [v for v in present if isinstance(v, str)]
        if len(texts) == len(present):
            names = sum(1 for v in texts if has_first_name(v)) / len(texts)
            if names >= 0.8 and (context.kind == "person" or len(set(texts)) > 1):
                d.personal, d.confidence, d.lookup = True, 0.6, "name"
                d.add("identity")
                d.evidence.append(
                    ev(
                        "values: {n} of {total} sampled pass {check}",
                        n=round(names * len(texts)),
                        total=len(texts),
                        check=CHECKS_BY_KEY["first_name"].local_label,
                    )
                )
                return
            lines = sum(1 for v in texts if _ADDRESS_LINE.search(v)) / len(texts)
            if lines >= DECIDING_SHARE:
                d.personal, d.confidence = True, 0.6
                d.add("address")
                d.evidence.append(
                    ev(
                        "values: {n} of {total} sampled are street addresses with a postcode",
                        n=round(lines * len(texts)),
                        total=len(texts),
                    )
                )
                return
            named = sum(1 for v in texts if _names_someone(v)) / len(texts)
            if named >= 0.5 and context.kind != "person":
                d.personal, d.confidence, d.lookup = True, 0.6, "text"
                d.add("free_text")
                d.evidence.append(
                    ev(
                        "values: {n} of {total} sampled texts name a person (a first name and "
                        "a surname)",
                        n=round(named * len(texts)),
                        total=len(texts),
                    )
                )
                return
    d.confidence = 0.8 if len(present) >= MIN_VALUES else 0.75


_ADDRESS_LINE = re.compile(
    r"\b[A-ZÄÖÜ][\wäöüß.-]+(stra(ss|ß)e|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee"
    r"|street|road|avenue|lane)\s*\d+[a-z]?\b.*\b\d{4,5}\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b([A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?)\s+([A-ZÄÖÜ][\wäöüß-]+)")


def _names_someone(text: str) -> bool:
    """A first name of the dictionary followed by a capitalised word: ``mit Hans Rust``."""
    known = first_names()
    return any(
        first.split("-")[0].lower() in known and last.lower() not in known
        for first, last in _CAPITALISED.findall(text)
    )


def _free_text_scan(
    hint: NameHint | None,
    column: Column,
    present: list[Any],
    context: TableContext,
    d: _Decision,
) -> None:
    """Texts: embedded identifiers and special-category terms, counted, never quoted."""
    texts = [v for v in present if isinstance(v, str)]
    if not texts:
        return
    is_text_column = (hint is not None and hint.rule.key == "free_text") or (
        run_check("free_text", texts).share >= 0.5 and len(texts) >= MIN_VALUES
    )
    if not is_text_column:
        return
    findings = scan_texts(texts)
    hits_identifiers = sum(findings.identifiers.values())
    hits_special = sum(findings.special.values())
    if not hits_identifiers and not hits_special:
        return
    strong = any(n >= 2 for n in findings.identifiers.values()) or hits_special >= 1
    if not d.personal and not (
        strong and (context.personal_rows or any(n >= 2 for n in findings.identifiers.values()))
    ):
        return
    d.evidence += findings.evidence()
    if not d.personal:
        d.personal = True
        d.confidence = 0.6
        d.review = True
    d.add("free_text")
    if d.lookup is None:
        d.lookup = "text"
    if findings.special and (context.personal_rows or d.personal):
        d.add("special")
        d.special += sorted(findings.special)
