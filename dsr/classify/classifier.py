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
  (listed for review); its contact person's name, title and e-mail are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dsr.classify.context import TableContext, table_contexts
from dsr.classify.names import (
    ADDRESS_QUALIFIERS,
    RULES_BY_KEY,
    NameHint,
    NameRule,
    is_key_name,
    key_stem,
    name_hint,
    names_company,
    names_object,
    names_person,
    words,
)
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.text import scan_texts
from dsr.classify.values import (
    DECIDING_SHARE,
    MIN_VALUES,
    ValueResult,
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
) -> list[TableClassification]:
    """Classify every column of every table of one source.

    Lists tables once and samples each table once. A table that cannot be
    sampled (a broken view) is classified from its names alone, and says so.
    """
    progress = progress or NullProgress()
    tables = connector.tables()
    contexts = table_contexts(tables)
    progress.begin(f"Classifying {source.name}", total=len(tables))
    results = []
    for table in tables:
        try:
            rows = connector.sample(table.name, sample_size)
            failed = False
        except DsrError:
            rows, failed = [], True
        results.append(
            _classify(source, table, rows, contexts, overrides=source.columns, failed=failed)
        )
        progress.advance()
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
    contexts = table_contexts(everything)
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
        decision = _decide(table, column, values, context, contexts)
        if failed:
            decision.evidence.append("values: the table could not be sampled; name only")
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
        evidence=("confirmed in dsr.yaml",),
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
        d.evidence.append("no name or value evidence of personal data")
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


def _hint_for(column: Column) -> tuple[NameHint | None, str | None]:
    """The name hint, or the connector's mark where it knows what the column identifies."""
    named = name_hint(column.name)
    if (
        column.identifies == "id"
        and named is not None
        and named.rule.category in ("government_id", "financial")
    ):
        return named, f"name: '{named.term}' ({named.rule.label})"
    if column.identifies is not None:
        rule = RULES_BY_KEY[_CONNECTOR_RULES[column.identifies]]
        return NameHint(rule, column.identifies, ""), (
            f"connector: marks it as a {column.identifies} column"
        )
    hint = name_hint(column.name)
    if hint is None:
        return None, None
    return hint, f"name: '{hint.term}' ({hint.rule.label})"


def _decide(
    table: Table,
    column: Column,
    values: list[Any],
    context: TableContext,
    contexts: Mapping[str, TableContext],
) -> _Decision:
    d = _Decision()
    present = non_null(values)

    if any(is_binary(v) for v in present):
        return _binary(column, present, context, d)

    if _is_flag(column, present):
        hint = name_hint(column.name)
        if hint is not None and hint.rule.special:
            d.personal, d.confidence = True, 0.7
            d.add("special")
            d.special.append(hint.rule.special)
            d.evidence.append(f"name: '{hint.term}' ({hint.rule.label}) as a yes/no flag")
        else:
            d.confidence = 0.85
            d.evidence.append("values: yes/no flags")
        return d

    keyed = _key_decision(table, column, context, contexts, d)
    if keyed:
        return d

    if names_company(column.name) and column.identifies is None:
        d.confidence = 0.75
        d.evidence.append("name: a company's name, not a person's")
        return d

    hint, said = _hint_for(column)
    if hint is not None and said is not None:
        _named(hint, said, table, column, present, context, d)
    else:
        _unnamed(column, present, context, d)
    _free_text_scan(hint, column, present, context, d)
    return d


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
        d.evidence.append(f"name: '{hint.term}' ({hint.rule.label})")
        return d
    named_photo = hint is not None and hint.rule.key == "photo"
    if images.share >= DECIDING_SHARE or named_photo:
        evidence = ([f"name: '{hint.term}' (photo)"] if named_photo and hint else []) + (
            [images.evidence()] if images.total else []
        )
        if context.kind == "person":
            d.personal = True
            d.add("photo")
            d.confidence = combine(
                0.7 if named_photo else 0.0, 0.7 if images.share >= DECIDING_SHARE else 0.0
            )
            d.evidence += [*evidence, f"table: '{context.table}' holds persons"]
        else:
            d.confidence = 0.75
            d.evidence += [
                *evidence,
                f"table: '{context.table}' holds no persons; pictures of things",
            ]
        return d
    d.confidence = 0.8
    d.evidence.append("binary values that are no images")
    return d


def _key_decision(
    table: Table,
    column: Column,
    context: TableContext,
    contexts: Mapping[str, TableContext],
    d: _Decision,
) -> bool:
    """Keys: a person's own id, a key pointing at a person, or a key to something else."""
    fk = _foreign_key(table, column.name)
    hint = name_hint(column.name)
    if fk is not None:
        target = contexts.get(fk.table)
        if target is not None and target.kind == "person":
            d.personal, d.confidence = True, 0.9
            d.add("customer_id")
            d.evidence.append(f"key: points to person table '{fk.table}'")
            if (hint is not None and hint.rule.key == "hiring") or (
                fk.table == table.name and context.kind == "person"
            ):
                d.add("employment")
                d.evidence.append("key: a person's manager or colleague")
            return True
        if target is not None and target.kind == "company":
            d.confidence = 0.7
            d.evidence.append(f"key: points to company table '{fk.table}'")
            return True
        d.confidence = 0.85
        d.evidence.append(f"key: points to table '{fk.table}', which holds no persons")
        return True
    own_key = column.name in table.primary_key and len(table.primary_key) == 1
    if own_key and context.kind == "person":
        d.personal, d.confidence, d.lookup = True, 0.85, "id"
        d.add("customer_id")
        d.evidence.append(f"key: the primary key of person table '{table.name}'")
        return True
    if own_key and column.identifies is None:
        d.confidence = 0.85
        d.evidence.append(f"key: the primary key of '{table.name}', whose rows are no persons")
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
        d.evidence.append("connector: marks it as an id column")
        return True
    if context.kind == "company" and (
        (hint is not None and hint.rule.key == "customer_number")
        or (is_key_name(column.name) and hint is None and names_person(key_stem(column.name)))
    ):
        d.confidence = 0.7
        d.evidence.append(f"key: identifies a company in '{table.name}'")
        return True
    if hint is not None and hint.rule.key == "customer_number":
        d.personal, d.lookup = True, "id"
        d.confidence = 0.85 if context.personal_rows else 0.6
        d.add("customer_id")
        d.evidence.append(f"name: '{hint.term}' ({hint.rule.label})")
        return True
    if is_key_name(column.name) and hint is None:
        stem = key_stem(column.name)
        if names_person(stem):
            d.personal, d.lookup = True, "id"
            d.confidence = 0.8 if context.personal_rows else 0.6
            d.add("customer_id")
            d.evidence.append(f"name: '{stem}' key names a person")
            if any(w in stem for w in ("manager", "supervisor", "vorgesetzt", "reports")):
                d.add("employment")
            return True
        if stem and stem != "".join(words(table.name)).rstrip("s") and column.name != "id":
            d.confidence = 0.8
            d.evidence.append("name: a key to something other than a person")
            return True
        if column.name.lower() == "id" or not stem:
            if context.kind == "person":
                d.personal, d.confidence, d.lookup = True, 0.75, "id"
                d.add("customer_id")
                d.evidence.append(f"key: the id of a row of person table '{table.name}'")
                return True
            d.confidence = 0.8
            d.evidence.append(f"key: an id of '{table.name}', whose rows are no persons")
            return True
    return False


def _values_for(rule: NameRule, present: list[Any]) -> list[ValueResult]:
    if len(present) < MIN_VALUES:
        return []
    return [run_check(key, present) for key in _CHECKS_FOR_RULE.get(rule.key, ())]


def _named(
    hint: NameHint,
    said: str,
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
        d.evidence.append(f"table: '{context.table}' holds companies; a company's own data")
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
            f"table: '{context.table}' is addressed to a company customer; a company's data"
        )
        return
    if rule.key == "place" and not _place_is_an_address(hint, context):
        d.confidence = 0.7
        d.evidence.append("name: a region or country standing alone, no address beside it")
        return
    if rule.key == "free_text" and not connector_marked and _fixed_texts(present):
        d.confidence = 0.7
        d.evidence.append(f"values: {len(present)} sampled are a few fixed texts (a choice list)")
        return
    if (
        rule.key in ("name", "title", "author")
        and names_object(hint.qualifier)
        and (not connector_marked)
    ):
        d.confidence = 0.8
        d.evidence.append(f"name: '{hint.qualifier}' names a thing, not a person")
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
            d.evidence.append("values: too few to tell; read as a title of courtesy")
        else:
            category = "employment"
            d.evidence.append("values: not salutations; read as job titles")
    d.personal = True
    d.add(category)
    if rule.special:
        d.special.append(rule.special)
    d.lookup = _LOOKUP_FOR_RULE.get(rule.key)
    if rule.key == "name" and context.kind != "person":
        d.lookup = "name"
    if column.identifies == "id":
        d.lookup = "id"
    if rule.key == "free_text" and context.kind == "person" and context.employees:
        d.add("employment")
        d.evidence.append(f"table: '{context.table}' holds staff; notes about them")

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
            f"values: all {len(present)} sampled are one and the same; a shared "
            "company address or line"
        )
        return
    elif best.share >= DECIDING_SHARE:
        d.confidence = combine(strength, best.check.strength * best.share)
        d.evidence.append(best.evidence())
        if best.check.key == "bic":
            d.evidence.append("values: bank identifier codes")
    elif best.check.key in _CONTRADICTING and best.total >= MIN_VALUES and best.share < 0.2:
        if standalone is not None and standalone.check.category != category:
            # The values are something else entirely (an e-mail column full of phone numbers).
            d.categories = [standalone.check.category]
            d.lookup = standalone.check.lookup  # type: ignore[assignment]
            d.confidence = 0.6
            d.evidence.append(standalone.evidence())
        else:
            d.confidence = 0.5
            d.evidence.append(best.evidence() + "; the name is not borne out")
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
                f"values: all {len(present)} sampled are one and the same; a shared company address"
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
            if kind == "document" or hint.qualifier in ADDRESS_QUALIFIERS or context.has_address:
                return True
        elif rule.key in ("name", "author"):
            names = run_check("first_name", present) if len(present) >= MIN_VALUES else None
            if (names is not None and names.share >= DECIDING_SHARE) or (
                hint.qualifier in ADDRESS_QUALIFIERS
            ):
                return True
            if names is None:
                d.confidence = 0.5
                d.evidence.append(f"table: '{context.table}' points to persons; too few values")
                d.review = True
                return False
        elif rule.key == "free_text" or rule.key in ("photo", "age"):
            return True
    if rule.key in ("name", "author") and kind not in ("company",):
        names = run_check("first_name", present) if len(present) >= MIN_VALUES else None
        if names is not None and names.share >= 0.9 and kind != "other":
            return True
    d.confidence = 0.7
    where = {
        "other": "holds no persons",
        "company": "holds companies",
        "link": "points to persons, but this is no personal field",
        "document": "points to persons, but this is no personal field",
        "address": "holds addresses",
    }.get(kind, "holds no persons")
    d.evidence.append(f"table: '{context.table}' {where}")
    return False


def _unnamed(column: Column, present: list[Any], context: TableContext, d: _Decision) -> None:
    """No name evidence: only unmistakable values decide, or person names in a person's row."""
    standalone = standalone_match(present)
    if standalone is not None:
        check = standalone.check
        if _one_shared_value(check.key, present):
            d.confidence = 0.7
            d.evidence.append(
                standalone.evidence() + f"; all {len(present)} are one and the "
                "same, a shared company address or line"
            )
            return
        if check.key == "phone" and not context.personal_rows:
            d.confidence = 0.5
            d.evidence.append(standalone.evidence() + "; no name or person context confirms it")
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
    if context.kind in ("person", "link", "document") and len(present) >= MIN_VALUES:
        texts = [v for v in present if isinstance(v, str)]
        if len(texts) == len(present):
            names = sum(1 for v in texts if has_first_name(v)) / len(texts)
            if names >= 0.8 and context.kind == "person":
                d.personal, d.confidence, d.lookup = True, 0.6, "name"
                d.add("identity")
                d.evidence.append(
                    f"values: {round(names * len(texts))} of {len(texts)} sampled pass "
                    "the first-name dictionary check"
                )
                return
    d.confidence = 0.8 if len(present) >= MIN_VALUES else 0.75


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
