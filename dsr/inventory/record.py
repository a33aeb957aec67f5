"""The record of processing activities, Art. 30(1)(a)–(g), from dsr.yaml and the scan.

One activity per source, or per ``activity:`` name that groups several sources.
Purposes, legal bases, data subjects, recipients, transfers, retention and
security measures come from the configuration; the categories of personal data
come from the scan. What the configuration leaves empty becomes a gap naming
the key to fill ("sources.shop.purpose"), so the record never looks more
complete than it is. The record is written in one language: the texts are dsr.yaml's
versions in it, and a text given only in another language is a gap keyed by the
language ("sources.shop.purpose.en"), never the other language's sentence.

The dates "created" and "last changed" are the run date for both: dsr keeps no
history of the record, and the documents say so.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS
from dsr.config.gaps import EEA, find_gaps
from dsr.config.models import Config, Contact, RetentionRule, Source
from dsr.inventory.scan import SourceScan

Gap = dict[str, Any]


def _gap(field: str, key: str | None, reason: str = "config") -> Gap:
    """``reason``: ``config`` (fill ``key`` in dsr.yaml) or ``scan_failed`` (no source readable)."""
    return {"field": field, "key": key, "reason": reason}


def build_controller(config: Config) -> dict[str, Any]:
    """Art. 30(1)(a): the controller, its representative and its data-protection officer."""
    c = config.controller
    gaps = [_gap(k, f"controller.{k}") for k in ("address", "email") if not getattr(c, k)]
    if c.dpo is None or not (c.dpo.name or c.dpo.email):
        gaps.append(_gap("dpo", "controller.dpo"))
    return {
        "name": c.name,
        "address": c.address,
        "email": c.email,
        "phone": c.phone,
        "website": c.website,
        "representative": _contact(c.representative),
        "dpo": _contact(c.dpo),
        "supervisory_authority": c.supervisory_authority,
        "gaps": gaps,
    }


def _contact(contact: Contact | None) -> dict[str, Any] | None:
    if contact is None or not any((contact.name, contact.email, contact.address, contact.phone)):
        return None
    return contact.model_dump()


def build_activities(
    config: Config, scans: list[SourceScan], language: str, today: date
) -> list[dict[str, Any]]:
    """The processing activities of the scanned sources, in dsr.yaml's order."""
    groups: dict[str, list[SourceScan]] = defaultdict(list)
    for scan in scans:
        groups[scan.source.activity or scan.source.name].append(scan)
    untranslated = {gap.key for gap in find_gaps(config, [language])}
    local = config.in_language(language)
    return [
        _activity(key, members, local, language, today, untranslated)
        for key, members in groups.items()
    ]


def _activity(
    key: str,
    scans: list[SourceScan],
    config: Config,
    language: str,
    today: date,
    untranslated: set[str],
) -> dict[str, Any]:
    """``config`` is in ``language``; ``untranslated`` holds the keys of the texts it lacks."""

    def at(key: str) -> str:
        """The key to fill: the missing version's where the text exists in another language."""
        return f"{key}.{language}" if f"{key}.{language}" in untranslated else key

    sources = [config.sources.get(s.source.name, s.source) for s in scans]
    first = sources[0]
    name = first.activity or first.description or first.name
    gaps: list[Gap] = []

    purposes = _unique(s.purpose for s in sources)
    gaps += [_gap("purposes", at(f"sources.{s.name}.purpose")) for s in sources if not s.purpose]
    legal_bases = _unique(s.legal_basis for s in sources)
    gaps += [
        _gap("legal_bases", at(f"sources.{s.name}.legal_basis"))
        for s in sources
        if not s.legal_basis
    ]
    # A list item without this language's version is a gap, not an item (dsr.config.localise).
    subjects = _unique(x for s in sources for x in s.data_subjects if x.versions)
    gaps += [
        _gap("data_subjects", f"sources.{s.name}.data_subjects")
        for s in sources
        if not s.data_subjects
    ]
    lists = [("security_measures", "security_measures[")] + [
        (field, f"sources.{s.name}.{field}[")
        for s in sources
        for field in ("data_subjects", "recipients")
    ]
    gaps += [
        _gap(field, key)
        for field, prefix in lists
        for key in sorted(untranslated)
        if key.startswith(prefix)
    ]

    tables = [t for s in scans for t in s.tables]
    categories, special = _categories(tables, language)
    if not any(s.ok for s in scans):
        gaps.append(_gap("data_categories", None, "scan_failed"))

    recipients = _recipients(sources)
    gaps += [
        _gap("recipients", f"sources.{s.name}.recipients")
        for s in sources
        if s.recipients is None and s.processor is None
    ]
    transfers = []
    for source in sources:
        processor = source.processor
        if processor is None or processor.country in EEA:
            continue
        transfers.append(
            {
                "recipient": processor.name,
                "country": processor.country,
                "safeguards": processor.safeguards,
                "source": source.name,
            }
        )
        if not processor.safeguards:
            gaps.append(_gap("transfers", at(f"sources.{source.name}.processor.safeguards")))

    erasure = _erasure(config.retention, scans, language)
    if not erasure:
        gaps.append(_gap("erasure", "retention"))
    if not config.security_measures:
        gaps.append(_gap("security_measures", "security_measures"))

    return {
        "id": key,
        "name": name,
        "sources": [
            {
                "name": s.source.name,
                "type": s.source.type,
                "description": source.description,
                "ok": s.ok,
                "error": s.error,
            }
            for s, source in zip(scans, sources, strict=True)
        ],
        "created": today.isoformat(),
        "changed": today.isoformat(),
        "purposes": purposes,
        "legal_bases": legal_bases,
        "data_subjects": subjects,
        "data_categories": categories,
        "special_categories": special,
        "recipients": recipients,
        "transfers": transfers,
        "erasure": erasure,
        "security_measures": [m for m in config.security_measures if m.versions],
        "gaps": gaps,
    }


def _unique(values: Any) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.setdefault(value, None)
    return list(seen)


def _categories(
    tables: list[TableClassification], language: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Union of the column categories (taxonomy order), and the special kinds with columns."""
    where: dict[str, list[str]] = defaultdict(list)
    special: dict[str, list[str]] = defaultdict(list)
    for table in tables:
        for column in table.columns:
            if not column.personal:
                continue
            place = f"{column.source}.{column.table}"
            for category in column.categories:
                if place not in where[category]:
                    where[category].append(place)
            for kind in column.special:
                special[kind].append(f"{place}.{column.column}")
            if "special" in column.categories and not column.special:
                special["unknown"].append(f"{place}.{column.column}")
    categories = [
        {"category": c, "label": label(language), "tables": where[c]}
        for c, label in CATEGORIES.items()
        if c in where
    ]
    kinds = [
        {
            "kind": k,
            "label": SPECIAL_KINDS[k](language) if k in SPECIAL_KINDS else (
                "nicht näher bestimmt" if language == "de" else "kind not determined"
            ),
            "columns": special[k],
        }
        for k in [*SPECIAL_KINDS, "unknown"]
        if k in special
    ]
    return categories, kinds


def _recipients(sources: list[Source]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    names: set[str] = set()
    for source in sources:
        for recipient in source.recipients or ():
            if recipient.versions and recipient not in names:
                names.add(recipient)
                found.append({"name": recipient, "kind": "recipient", "country": None})
        processor = source.processor
        if processor is not None and processor.name not in names:
            names.add(processor.name)
            found.append(
                {"name": processor.name, "kind": "processor", "country": processor.country,
                 "third_country": processor.country not in EEA}
            )
    return found


def rule_applies(pattern: str, source: str, table: str | None = None) -> bool:
    """Whether a retention rule's ``source.table`` pattern (``*`` allowed) covers the source
    (and, given, the table)."""
    source_pattern, _, table_pattern = pattern.partition(".")
    if not fnmatchcase(source, source_pattern):
        return False
    return table is None or fnmatchcase(table, table_pattern or "*")


def _erasure(
    rules: list[RetentionRule], scans: list[SourceScan], language: str
) -> list[dict[str, Any]]:
    """Art. 30(1)(f): each retention rule that covers a table of this activity, with the
    categories of data in the tables it covers."""
    periods = []
    for rule in rules:
        tables: list[str] = []
        categories: list[str] = []
        for scan in scans:
            name = scan.source.name
            if not any(rule_applies(p, name) for p in rule.tables):
                continue
            if not scan.tables:  # the scan failed: name the patterns as written
                tables += [p for p in rule.tables if rule_applies(p, name)]
                continue
            for table in scan.tables:
                if any(rule_applies(p, name, table.table) for p in rule.tables):
                    tables.append(f"{name}.{table.table}")
                    categories += [
                        c for col in table.columns if col.personal for c in col.categories
                    ]
        if tables:
            periods.append(
                {
                    "rule": rule.name,
                    "years": rule.years,
                    "basis": rule.basis,
                    "date_column": rule.date_column,
                    "tables": tables,
                    "categories": [
                        CATEGORIES[c](language) for c in CATEGORIES if c in set(categories)
                    ],
                }
            )
    return periods
