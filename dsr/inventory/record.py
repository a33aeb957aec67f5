"""The record of processing activities, Art. 30(1)(a)–(g), from dsr.yaml and the scan.

One activity per source, or per ``activity:`` name that groups several sources.
Purposes, legal bases, data subjects, recipients, transfers, retention and
security measures come from the configuration; the categories of personal data
come from the scan. What the configuration leaves empty becomes a gap naming
the key to fill ("sources.shop.purpose"), so the record never looks more
complete than it is. The record is written in one language: the texts are dsr.yaml's
versions in it, and a text given only in another language is a gap keyed by the
language ("sources.shop.purpose.en"), never the other language's sentence.

Beyond Art. 30(1) the record carries the DSK template's fields: the department
responsible and its contact person, joint controllers, recipients by kind (internal,
external, processors, in third countries), transfers ("none and none planned" when
dsr.yaml says ``transfers: []``), an erasure period for every table holding personal data
(dsr.erasure.periods, the same answer the access letter gives) and the measures by
reference. The dates "created" and "last changed" come from the snapshot the previous
run left in the ledger (dsr.inventory.history).
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date
from typing import Any

from dsr.classify.business import staff_columns, table_categories
from dsr.classify.result import TableClassification
from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS, Label
from dsr.config.gaps import EEA, find_gaps
from dsr.config.models import Config, Contact, Source
from dsr.erasure.periods import kept_with, named_parents, table_period
from dsr.inventory.history import History, activity_key
from dsr.inventory.scan import SourceScan

Gap = dict[str, Any]


def _gap(
    field: str, key: str | None, reason: str = "config", *, empty_means_none: bool = False
) -> Gap:
    """``reason``: ``config`` (fill ``key`` in dsr.yaml) or ``scan_failed`` (no source
    readable); ``empty_means_none``: ``[]`` at ``key`` says "none" (no joint controller)."""
    return {"field": field, "key": key, "reason": reason, "empty_means_none": empty_means_none}


def _table_categories(table: TableClassification) -> set[str]:
    """The categories a table holds: its columns' and what the table is for (orders,
    payments, messages, sessions: dsr.classify.business)."""
    found = {c for column in table.columns if column.personal for c in column.categories}
    if table.personal or table.person_table:
        found |= set(table_categories(table))
    return found


# Configured data subjects that already name staff: no suggestion then.
_EMPLOYEES = re.compile(
    r"beschäftigt|mitarbeit|angestellt|personal\b|employee|staff|worker|agent", re.IGNORECASE
)
_STAFF_LABEL = Label("Beschäftigte", "Employees")


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
    config: Config,
    scans: list[SourceScan],
    language: str,
    today: date,
    history: History | None = None,
) -> list[dict[str, Any]]:
    """The processing activities of the scanned sources, in dsr.yaml's order; their dates
    come from ``history`` (the run's comparison with the previous one), else today."""
    groups: dict[str, list[SourceScan]] = defaultdict(list)
    for scan in scans:
        groups[activity_key(scan)].append(scan)
    untranslated = {gap.key for gap in find_gaps(config, [language])}
    local = config.in_language(language)
    activities = []
    for key, members in groups.items():
        activity = _activity(key, members, local, language, untranslated)
        day = today.isoformat()
        activity["created"] = history.created.get(key, day) if history else day
        activity["changed"] = history.changed.get(key, day) if history else day
        activity["last_change"] = history.last_change.get(key, []) if history else []
        activities.append(activity)
    return activities


def _activity(
    key: str,
    scans: list[SourceScan],
    config: Config,
    language: str,
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

    departments = _unique(s.department for s in sources)
    gaps += [
        _gap("department", at(f"sources.{s.name}.department"))
        for s in sources[:1]
        if not departments
    ]
    contact = next((_contact(s.contact) for s in sources if _contact(s.contact)), None)
    if contact is None:
        gaps.append(_gap("contact", f"sources.{first.name}.contact"))
    joint: list[dict[str, Any]] | None = None
    if any(s.joint_controllers is not None for s in sources):
        joint = [
            dumped for s in sources for c in s.joint_controllers or () if (dumped := _contact(c))
        ]
    else:
        gaps.append(_gap("joint_controllers", f"sources.{first.name}.joint_controllers",
                         empty_means_none=True))

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
        for field in ("data_subjects", "recipients", "internal_recipients")
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
    staff = staff_columns(tables)
    suggested = []
    if staff and not any(_EMPLOYEES.search(str(x)) for x in subjects):
        suggested.append({"name": _STAFF_LABEL(language), "evidence": staff,
                          "key": f"sources.{first.name}.data_subjects"})

    recipients = _recipients(sources)
    gaps += [
        _gap("recipients", f"sources.{s.name}.internal_recipients", empty_means_none=True)
        for s in sources
        if s.internal_recipients is None
    ]
    gaps += [
        _gap("recipients", f"sources.{s.name}.recipients", empty_means_none=True)
        for s in sources
        if s.recipients is None and s.processor is None
    ]
    transfers = []
    for source in sources:
        processor = source.processor
        if processor is not None and processor.country not in EEA:
            transfers.append(
                {
                    "recipient": processor.name,
                    "country": processor.country,
                    "safeguards": processor.safeguards,
                    "source": source.name,
                    "processor": True,
                    "key": f"sources.{source.name}.processor.safeguards",
                }
            )
            if not processor.safeguards:
                gaps.append(_gap("transfers", at(f"sources.{source.name}.processor.safeguards")))
        for i, transfer in enumerate(source.transfers or ()):
            transfers.append(
                {
                    "recipient": transfer.recipient,
                    "country": transfer.country,
                    "safeguards": transfer.safeguards,
                    "source": source.name,
                    "processor": False,
                    "key": f"sources.{source.name}.transfers[{i}].safeguards",
                }
            )
            if not transfer.safeguards:
                gaps.append(
                    _gap("transfers", at(f"sources.{source.name}.transfers[{i}].safeguards"))
                )
    transfers_none = not transfers and all(s.transfers == [] for s in sources)
    if not transfers and not transfers_none:
        gaps += [
            _gap("transfers", f"sources.{s.name}.transfers", empty_means_none=True)
            for s in sources
            if s.transfers is None
        ][:1]

    erasure = _erasure(config, scans, language)
    seen_keys: set[str] = set()
    for entry in erasure:
        if entry["origin"] == "gap" and entry["key"] not in seen_keys:
            seen_keys.add(entry["key"])
            gaps.append(_gap("erasure", at(entry["key"])))
    if not config.security_measures and not config.security_reference:
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
        "department": "; ".join(departments) or None,
        "contact": contact,
        "joint_controllers": joint,
        "purposes": purposes,
        "legal_bases": legal_bases,
        "data_subjects": subjects,
        "suggested_subjects": suggested,
        "data_categories": categories,
        "special_categories": special,
        "recipients": recipients,
        "transfers": transfers,
        "transfers_none": transfers_none,
        "erasure": erasure,
        "security_measures": [m for m in config.security_measures if m.versions],
        "security_reference": config.security_reference or None,
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
        place = f"{table.source}.{table.table}"
        for category in _table_categories(table):
            if place not in where[category]:
                where[category].append(place)
        for column in table.columns:
            if not column.personal:
                continue
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
    """Recipients by the DSK template's kinds: ``internal`` (departments or functions inside
    the company), ``external`` (outside it), ``processor`` (Art. 28), each once."""
    found: list[dict[str, Any]] = []
    names: set[tuple[str, str]] = set()

    def add(name: str, kind: str, country: str | None = None) -> None:
        if (name, kind) in names:
            return
        names.add((name, kind))
        found.append({"name": name, "kind": kind, "country": country,
                      "third_country": country is not None and country not in EEA})

    for source in sources:
        for recipient in source.internal_recipients or ():
            if recipient.versions:
                add(recipient, "internal")
        for recipient in source.recipients or ():
            if recipient.versions:
                add(recipient, "external")
        for transfer in source.transfers or ():
            add(transfer.recipient, "external", transfer.country.upper())
        if source.processor is not None:
            add(source.processor.name, "processor", source.processor.country)
    return found


def _erasure(config: Config, scans: list[SourceScan], language: str) -> list[dict[str, Any]]:
    """Art. 30(1)(f): the erasure period of every table holding personal data, from the
    same function the access letter and the erasure plan use (dsr.erasure.periods), with
    the categories of data the table holds; a table without one is a gap."""
    periods: list[dict[str, Any]] = []
    for scan in scans:
        name = scan.source.name
        if not scan.ok:
            continue
        names = {t.table.lower(): t.table for t in scan.tables}
        points = {
            t.table: named_parents(t.table, [c.column for c in t.columns], names)
            | ({t.person_table} if t.person_table and t.person_table in names.values() else set())
            for t in scan.tables
        }
        persons = [t.table for t in scan.tables if t.kind == "person"]
        kept = kept_with(config, name, points, persons)
        for table in scan.tables:
            if not table.personal:
                continue
            period = table_period(config, name, table.table, kept)
            rule = period.rule
            held = _table_categories(table)
            periods.append(
                {
                    "source": name,
                    "table": table.table,
                    "origin": period.origin,
                    "period": period.text,
                    "rule": rule.name if rule else None,
                    "years": rule.years if rule else None,
                    "basis": rule.basis if rule else None,
                    "date_column": rule.date_column if rule else None,
                    "with_table": period.with_table,
                    "key": period.key,
                    "categories": [
                        CATEGORIES[c].short(language) for c in CATEGORIES if c in held
                    ],
                }
            )
    return periods
