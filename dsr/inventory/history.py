"""The record's memory across runs: when each activity first appeared and last changed, the
record's version, and what changed since the previous run (drift).

The DSK template asks for the date an activity was created and the date it was last
changed; a record written anew each run cannot know either. So each run leaves a
snapshot in the ledger database (one ``ledger_meta`` row, readable by every dsr
version, no schema change): the version number, each activity's dates and a digest of
its content, the sources, and the categories of every column holding personal data.
The snapshot holds names of tables and columns and category keys, never a value.

The next run compares its scan with the snapshot. What a DPO must look at: new
sources, new tables and columns with personal data, columns whose categories changed,
tables and columns gone, and activities without a purpose (reported on every run until
dsr.yaml names one). A source that could not be read this time keeps its snapshot:
a failure is not a removal.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from dsr.config.localise import texts
from dsr.config.models import Config
from dsr.inventory.scan import SourceScan
from dsr.ledger.schema import LedgerMeta

HISTORY_KEY = "inventory_history"
"""``ledger_meta`` key of the snapshot (JSON)."""

CHANGE_KINDS = (
    "source_new",
    "source_removed",
    "table_new",
    "table_removed",
    "column_new",
    "column_removed",
    "categories_changed",
    "no_purpose",
)
"""What ``dsr inventory --changes`` reports; an activity's last change may also be
``texts_changed`` (dsr.yaml's texts about it changed), which needs no one's attention."""


@dataclass
class Change:
    """One difference from the previous run; ``categories`` are category keys (new ones
    for ``column_new`` and ``categories_changed``, ``before`` the old ones)."""

    kind: str
    source: str
    table: str | None = None
    column: str | None = None
    categories: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)
    activity: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "table": self.table,
            "column": self.column,
            "categories": self.categories,
            "before": self.before,
            "activity": self.activity,
        }


@dataclass
class History:
    """The outcome of comparing a run with the snapshot: the record's version and previous
    run, each activity's dates and last changes, and the changes of this run."""

    version: int
    previous_run: str | None
    created: dict[str, str]
    changed: dict[str, str]
    last_change: dict[str, list[dict[str, Any]]]
    changes: list[Change]
    snapshot: dict[str, Any]

    @property
    def first_run(self) -> bool:
        return self.previous_run is None

    @property
    def needs_attention(self) -> bool:
        return bool(self.changes) or self.first_run


def load_snapshot(session: Session) -> dict[str, Any] | None:
    row = session.get(LedgerMeta, HISTORY_KEY)
    if row is None:
        return None
    try:
        value = json.loads(row.value)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def save_snapshot(session: Session, snapshot: Mapping[str, Any]) -> None:
    value = json.dumps(snapshot, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = session.get(LedgerMeta, HISTORY_KEY)
    if row is None:
        session.add(LedgerMeta(key=HISTORY_KEY, value=value))
    else:
        row.value = value


def activity_key(scan: SourceScan) -> str:
    """The activity a source belongs to (dsr.inventory.record groups the same way)."""
    return scan.source.activity or scan.source.name


def _personal_columns(scan: SourceScan) -> dict[str, dict[str, list[str]]]:
    tables: dict[str, dict[str, list[str]]] = {}
    for table in scan.tables:
        columns = {c.column: sorted(c.categories) for c in table.columns if c.personal}
        if columns:
            tables[table.table] = columns
    return tables


def _source_texts(config: Config, name: str) -> dict[str, Any]:
    """Every version of every text of the source, and what is not text (processor country,
    contact, joint controllers), so a change in any language changes the digest."""
    prefix = f"sources.{name}."
    said = {key: dict(text.versions) for key, text in texts(config) if key.startswith(prefix)}
    source = config.sources.get(name)
    if source is not None:
        said["_facts"] = source.model_dump(
            mode="json",
            include={"processor", "contact", "joint_controllers", "transfers", "recipients",
                     "internal_recipients", "activity"},
        )
    return said


def _shared_texts(config: Config) -> dict[str, Any]:
    """Texts every activity shows: measures, the security reference, retention rules."""
    return {
        key: dict(text.versions)
        for key, text in texts(config)
        if key.startswith(("security_measures", "security_reference", "retention"))
    } | {"_retention": [rule.model_dump(mode="json") for rule in config.retention]}


def _digest(value: Any) -> str:
    data = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()


def compare(
    config: Config,
    scans: Iterable[SourceScan],
    previous: Mapping[str, Any] | None,
    today: date,
    *,
    complete: bool = True,
) -> History:
    """This run against ``previous`` (None on the first run). ``complete`` is False when only
    some sources were scanned: sources not scanned then keep their snapshot."""
    scans = list(scans)
    day = today.isoformat()
    old = dict(previous or {})
    old_sources: dict[str, Any] = dict(old.get("sources") or {})
    old_activities: dict[str, Any] = dict(old.get("activities") or {})
    changes: list[Change] = []

    sources: dict[str, Any] = {} if complete else dict(old_sources)
    for scan in scans:
        name = scan.source.name
        before = old_sources.get(name)
        if not scan.ok:
            if before is not None:
                sources[name] = before  # unreadable this time: keep what was known
            continue
        now: dict[str, Any] = {"type": scan.source.type, "tables": _personal_columns(scan)}
        sources[name] = now
        activity = activity_key(scan)
        if previous is None:
            continue
        if before is None:
            changes.append(Change("source_new", name, activity=activity))
            for table, columns in now["tables"].items():
                changes.append(Change("table_new", name, table,
                                      categories=_union(columns.values()), activity=activity))
            continue
        changes += _table_changes(name, activity, before.get("tables") or {}, now["tables"])
    if previous is not None and complete:
        scanned = {s.source.name for s in scans}
        for name in old_sources:
            if name not in scanned and name not in config.sources:
                changes.append(Change("source_removed", name))

    shared = _shared_texts(config)
    groups: dict[str, list[SourceScan]] = {}
    for scan in scans:
        groups.setdefault(activity_key(scan), []).append(scan)
    activities: dict[str, Any] = {} if complete else dict(old_activities)
    created: dict[str, str] = {}
    changed: dict[str, str] = {}
    last_change: dict[str, list[dict[str, Any]]] = {}
    for key, members in groups.items():
        names = sorted(s.source.name for s in members)
        content = {
            "sources": {n: sources.get(n) for n in names},
            "texts": {n: _source_texts(config, n) for n in names},
            "shared": shared,
        }
        digest = _digest(content)
        before = old_activities.get(key) or {}
        own = [c.as_dict() for c in changes if c.activity == key]
        entry: dict[str, Any]
        if not before:
            entry = {"created": day, "changed": day, "digest": digest, "last_change": own}
        elif before.get("digest") != digest:
            said = own or [Change("texts_changed", names[0], activity=key).as_dict()]
            entry = {"created": before.get("created", day), "changed": day, "digest": digest,
                     "last_change": said}
        else:
            entry = dict(before)
        activities[key] = entry
        created[key] = entry["created"]
        changed[key] = entry["changed"]
        last_change[key] = list(entry.get("last_change") or [])
        if not any(config.sources.get(n) and config.sources[n].purpose for n in names) and any(
            s.ok and s.personal for s in members
        ):
            changes.append(Change("no_purpose", names[0], activity=key))

    version = int(old.get("version") or 0)
    record_digest = _digest({"activities": {k: v["digest"] for k, v in activities.items()},
                             "controller": config.controller.model_dump(mode="json")})
    if record_digest != old.get("digest"):
        version += 1
    snapshot = {
        "version": version,
        "digest": record_digest,
        "last_run": day,
        "sources": sources,
        "activities": activities,
    }
    return History(
        version=version,
        previous_run=old.get("last_run"),
        created=created,
        changed=changed,
        last_change=last_change,
        changes=changes,
        snapshot=snapshot,
    )


def _union(groups: Iterable[list[str]]) -> list[str]:
    return sorted({c for group in groups for c in group})


def _table_changes(
    source: str,
    activity: str,
    before: Mapping[str, Mapping[str, list[str]]],
    now: Mapping[str, Mapping[str, list[str]]],
) -> list[Change]:
    found: list[Change] = []
    for table, columns in now.items():
        old = before.get(table)
        if old is None:
            found.append(Change("table_new", source, table,
                                categories=_union(columns.values()), activity=activity))
            continue
        for column, categories in columns.items():
            if column not in old:
                found.append(Change("column_new", source, table, column,
                                    categories=list(categories), activity=activity))
            elif sorted(old[column]) != sorted(categories):
                found.append(Change("categories_changed", source, table, column,
                                    categories=list(categories), before=list(old[column]),
                                    activity=activity))
        for column, categories in old.items():
            if column not in columns:
                found.append(Change("column_removed", source, table, column,
                                    before=list(categories), activity=activity))
    for table, columns in before.items():
        if table not in now:
            found.append(Change("table_removed", source, table,
                                before=_union(columns.values()), activity=activity))
    return found


_SAID: dict[str, tuple[str, str]] = {
    "source_new": ("Neue Quelle {where}", "New source {where}"),
    "source_removed": (
        "Quelle {where} nicht mehr in dsr.yaml", "Source {where} no longer in dsr.yaml"
    ),
    "table_new": (
        "Neue Tabelle mit personenbezogenen Daten: {where} ({now})",
        "New table with personal data: {where} ({now})",
    ),
    "table_removed": (
        "Tabelle {where} enthält keine personenbezogenen Daten mehr oder fehlt (vorher: {before})",
        "Table {where} holds no personal data any more or is gone (before: {before})",
    ),
    "column_new": (
        "Neue Spalte mit personenbezogenen Daten: {where} ({now})",
        "New column with personal data: {where} ({now})",
    ),
    "column_removed": (
        "Spalte {where} enthält keine personenbezogenen Daten mehr oder fehlt (vorher: {before})",
        "Column {where} holds no personal data any more or is gone (before: {before})",
    ),
    "categories_changed": (
        "Andere Kategorien in {where}: {now} (vorher: {before})",
        "Other categories in {where}: {now} (before: {before})",
    ),
    "no_purpose": (
        "Kein Zweck für die Tätigkeit {activity}: in dsr.yaml ergänzen: sources.{source}.purpose",
        "No purpose for the activity {activity}: add sources.{source}.purpose in dsr.yaml",
    ),
    "texts_changed": ("Angaben in dsr.yaml geändert", "Details in dsr.yaml changed"),
}


def describe(change: Mapping[str, Any], language: str) -> str:
    """One change in a sentence of ``language``: where, what, and the categories by label."""
    from dsr.classify.taxonomy import CATEGORIES

    def labels(keys: Iterable[str]) -> str:
        return ", ".join(CATEGORIES[k](language) if k in CATEGORIES else k for k in keys)

    where = ".".join(p for p in (change["source"], change.get("table"), change.get("column")) if p)
    said = _SAID.get(change["kind"])
    if said is None:
        return where
    return said[0 if language == "de" else 1].format(
        where=where,
        now=labels(change.get("categories") or ()),
        before=labels(change.get("before") or ()),
        activity=change.get("activity") or where,
        source=change["source"],
    )
