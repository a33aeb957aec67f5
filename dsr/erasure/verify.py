"""`dsr erase ID --verify`: look for the person again, everywhere, and confirm only what is true.

After ``--execute``, the same lookup that found the person runs again over every
source (history, audit and log tables and free text included), for the request's
identifiers and those the plan's lookup took from the person's own rows (a phone
number, the name: kept beside the plan, since those rows are gone now), and the raw bytes
of every file-based source are searched for the strong identifiers (a deleted
SQLite row lives on in free pages and in the ``-wal`` file; see
``residue_bytes``), as are their full-text indexes (FTS5, FTS3/4), which keep words of
rows no longer there. A PostgreSQL table keeps the old versions of changed rows
until VACUUM: each table the plan changed is vacuumed here when the source says
``vacuum``, else it must have been vacuumed since ``--execute`` (``_engine_checks``;
the evidence names what was found). Whatever is still there and is not a row the plan keeps is
*residue*: it is listed, the command exits 1, and no letter goes out. A kept row
is residue only in the person columns it was not kept for: a kept invoice keeps
name and address, not the e-mail address.

Sources the person's data lives in at a processor (SaaS exports) are not
residue: they are the processor tasks, ``done`` once a newer export no longer
holds the person, ``open`` until then, ``late`` past their due date.

Without residue the plan becomes ``verified``, the evidence (plan hash, counts
before and after, task states; never a value) goes into the audit chain, the
confirmation letter is written in the request's language, recorded with its
checksum, and the request is closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from sqlalchemy.engine import make_url

from dsr import clock
from dsr.classify.result import TableClassification
from dsr.clock import today_berlin
from dsr.config.gaps import Gap
from dsr.config.models import Config, Source
from dsr.config.texts import LANGUAGES
from dsr.connectors import open_connector
from dsr.connectors.rows import RowId, is_empty, read_keyed, row_id, value_text
from dsr.connectors.sql import engine_url
from dsr.connectors.sql.vacuum import TableVacuum, VacuumState
from dsr.erasure.letter import (
    LetterFacts,
    LetterTask,
    confirmation_context,
    document_name,
    file_stem,
    number_column,
)
from dsr.erasure.model import ErasurePlan, PlanAction
from dsr.erasure.notified import RecipientState, recipient_states
from dsr.erasure.recipients import missing_facts
from dsr.erasure.residue_bytes import ByteResidue, Needle, search_bytes, search_fts
from dsr.erasure.store import StoredPlan, latest_plan, set_status
from dsr.errors import Problem, SourceError, UsageError, Where
from dsr.ledger import Document, Ledger, append_event
from dsr.lookup.engine import Match, find_people, json_key
from dsr.lookup.person import Person
from dsr.outcome import ExitCode
from dsr.progress import NullProgress, Progress
from dsr.render.letters import LETTER_FORMATS, letter_files, letter_formats
from dsr.render.writers import private_dir, write_documents
from dsr.requests.lifecycle import ACTIVE, close
from dsr.requests.subject import read_subject
from dsr.sources import failure_text, run_source

VERIFIABLE = ("executed", "verified")

ResidueKind = Literal[
    "row", "kept_columns", "mention", "bytes", "index", "engine", "source_failed"
]
"""``row``: a row of the person the plan did not keep; ``kept_columns``: a kept row still
holds person columns it was not kept for; ``mention``: free text still names the person
(a redaction failed); ``bytes``: an identifier's bytes in a file of a source; ``index``:
a SQLite full-text index (FTS5, FTS3/4) still finds an identifier; ``engine``: a changed
PostgreSQL table still holds dead row versions (not vacuumed since the erasure);
``source_failed``: a source could not be read, so nothing can be confirmed for it."""

FILE_TYPES = ("csv", "xlsx", "ods", "parquet")
_FILE_SUFFIXES = {
    "csv": (".csv", ".txt", ".tsv"),
    "xlsx": (".xlsx", ".xlsm"),
    "ods": (".ods",),
    "parquet": (".parquet", ".pq"),
}
_NOT_PERSONAL = frozenset({"customer_id"})
"""Categories that do not make a leftover column residue on a kept row: internal ids
and foreign keys tie the kept document together and are not the person's details."""
MIN_NEEDLE = 6
"""Shorter identifiers (``shop:12``) are not byte-searched: they occur everywhere."""
CHANGING = ("delete", "anonymise", "redact")
"""Plan actions that leave the old row version behind in a PostgreSQL table."""
ENGINE_TEXTS = {
    "not_vacuumed": "dead rows in {place} not yet vacuumed; run VACUUM on the table "
    "or set vacuum: true on source {source}",
    "dead_after_vacuum": "dead rows in {place} left after VACUUM (a transaction that is still "
    "open may see them); run --verify again when it has ended",
}
"""What an ``engine`` residue's ``detail`` means, one line each with the way out."""
WAL_NOTE = (
    "the server's write-ahead log and its backups keep the old rows until they are "
    "recycled; dsr cannot check them"
)

_CHANGING = ("delete", "anonymise", "redact")
"""What a plan changes in a source (``keep`` and processor tasks change nothing there)."""


@dataclass(frozen=True)
class Residue:
    """One thing left behind, named by place and kind, never by value."""

    kind: ResidueKind
    source: str
    table: str | None = None
    key: dict[str, Any] | None = None
    columns: tuple[str, ...] = ()
    file: str | None = None
    member: str | None = None
    identifier: str | None = None  # the identifier's kind for byte residue: email, phone, ...
    index: int | None = None  # which of the person's identifiers of that kind
    count: int = 1
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "table": self.table,
            "key": self.key,
            "columns": list(self.columns),
            "file": self.file,
            "member": self.member,
            "identifier": self.identifier,
            "index": self.index,
            "count": self.count,
            "detail": self.detail,
            "text": self.describe(),
        }

    def describe(self) -> str:
        """One line for a terminal: where, and what is left."""
        if self.kind == "bytes":
            place = self.file or ""
            if self.member:
                place += f" [{self.member}]"
            return (
                f"{self.source}: {place}: {self.identifier} #{(self.index or 0) + 1} "
                f"found {self.count}x as raw bytes"
            )
        if self.kind == "source_failed":
            return failure_text(self.source, self.detail)
        if self.kind == "engine":
            text = ENGINE_TEXTS.get(self.detail, "{place}: " + self.detail)
            return text.format(place=f"{self.source}.{self.table}", source=self.source)
        if self.kind == "index":
            return (
                f"{self.source}.{self.table}: the full-text index still finds "
                f"{self.identifier} #{(self.index or 0) + 1} ({self.count} row(s))"
            )
        key = ", ".join(f"{k}={v}" for k, v in (self.key or {}).items())
        where = f"{self.source}.{self.table} {key}".rstrip()
        if self.kind == "kept_columns":
            return f"{where}: kept row still holds {', '.join(self.columns)}"
        if self.kind == "mention":
            return f"{where}: {self.detail or 'free text'} still mentions the person"
        return f"{where}: still there ({self.detail})"


@dataclass(frozen=True)
class TaskCheck:
    """A processor task as ``--verify`` found it."""

    source: str
    vendor: str
    status: Literal["done", "open", "late"]
    due: date
    rows_before: int
    rows_now: int | None  # None: the export could not be read this time

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "vendor": self.vendor,
            "due": self.due.isoformat(),
            "rows_before": self.rows_before,
            "rows_now": self.rows_now,
        }


@dataclass(frozen=True)
class EngineCheck:
    """A changed PostgreSQL table as ``--verify`` found it: whether dead row versions of the
    erasure may still be in it, and why dsr thinks so (the evidence; times are the server's)."""

    source: str
    table: str
    clean: bool
    vacuum: str | None  # what --verify ran now: "VACUUM", "VACUUM FULL" or None
    vacuumed_at: str | None  # the latest vacuum the server's statistics know of
    executed_at: str | None  # when --execute finished this source, on the server's clock
    dead_rows: int | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "table": self.table,
            "clean": self.clean,
            "vacuum": self.vacuum,
            "vacuumed_at": self.vacuumed_at,
            "executed_at": self.executed_at,
            "dead_rows": self.dead_rows,
            "detail": self.detail,
            "wal": WAL_NOTE,
        }


@dataclass(frozen=True)
class Written:
    """A file the confirmation wrote: its kind for the ledger, where, and its checksum."""

    kind: str
    path: Path
    sha256: str


@dataclass
class VerifyResult:
    """What ``--verify`` found and did; ``as_dict`` is design.md's ``erase --verify`` JSON."""

    request: str
    plan_hash: str
    residue: list[Residue]
    processor_tasks: list[TaskCheck]
    counts_before: dict[str, int]
    counts_after: dict[str, int]
    searched: list[str]
    possible: int = 0
    retention_ended: bool = False
    outcome: str | None = None
    folder: Path | None = None
    documents: list[Written] = field(default_factory=list)
    closed: bool = False
    warnings: list[str] = field(default_factory=list)
    recipient_tasks: list[RecipientState] = field(default_factory=list)
    missing: list[Gap] = field(default_factory=list)
    """Facts dsr.yaml lacks for the letter: it is a draft and the request stays open."""
    engine: list[EngineCheck] = field(default_factory=list)
    """The changed PostgreSQL tables: vacuumed since the erasure or not (``_engine_checks``)."""

    @property
    def verified(self) -> bool:
        return not self.residue

    @property
    def exit_code(self) -> ExitCode:
        """1 when a person must act: residue, a processor or recipient task past its due
        date, or a confirmation that is only a draft."""
        late = any(t.status == "late" for t in self.processor_tasks) or any(
            t.status == "late" for t in self.recipient_tasks
        )
        if self.residue or late or self.missing:
            return ExitCode.ATTENTION
        return ExitCode.OK

    def as_dict(self) -> dict[str, Any]:
        confirmation = None
        if self.verified and self.folder is not None:
            confirmation = {
                "outcome": self.outcome,
                "draft": bool(self.missing),
                "folder": str(self.folder),
                "documents": [{"path": str(d.path), "sha256": d.sha256} for d in self.documents],
            }
        return {
            "request": self.request,
            "residue": [r.as_dict() for r in self.residue],
            "processor_tasks": [t.as_dict() for t in self.processor_tasks],
            "recipient_tasks": [t.as_dict() for t in self.recipient_tasks],
            "missing": [{"key": g.key, "message": g.message} for g in self.missing],
            "confirmation": confirmation,
            "verified": self.verified,
            "plan_hash": self.plan_hash,
            "counts_before": dict(sorted(self.counts_before.items())),
            "counts_after": dict(sorted(self.counts_after.items())),
            "searched": self.searched,
            "possible": self.possible,
            "retention_ended": self.retention_ended,
            "closed": self.closed,
            "warnings": self.warnings,
            "engine": [e.as_dict() for e in self.engine],
        }


@dataclass(frozen=True)
class _Loaded:
    stored: StoredPlan
    person: Person | None  # None: identifiers gone; a retention-ended plan is checked by keys
    facts: LetterFacts
    status: str


def verify_erasure(
    config: Config,
    ledger: Ledger,
    request_id: str,
    *,
    actor: str,
    output: Path | None = None,
    formats: Sequence[str] = LETTER_FORMATS,
    progress: Progress | None = None,
) -> VerifyResult:
    """Check an executed plan (see the module docstring) and confirm it when nothing is left.

    Raises UsageError (exit 2) when the request has no plan, the plan was not
    executed yet, ``formats`` names an unknown format, or the request's
    identifiers are gone (pseudonymised), so the person cannot be looked up again.
    The exceptions are a ``--retention-ended`` plan, made years later when the
    identifiers are usually pseudonymised, and a plan of confirmed possible matches of a
    request by name: their rows are checked by their keys.
    """
    chosen = letter_formats(formats)
    progress = progress or NullProgress()
    loaded = _load(ledger, config, request_id.strip())
    plan = loaded.stored.plan
    if loaded.person is None:
        result = _verify_by_keys(config, loaded, progress)
        classifications: Mapping[str, Sequence[TableClassification]] = {}
    else:
        # With what the plan's lookup learned from the person's rows, now gone: a note that
        # still gives their phone number is residue. The byte search below stays with the
        # request's identifiers (a household's shared number is in its other rows' bytes).
        learned = Person().with_learned(loaded.stored.learned) if loaded.stored.learned else None
        lookup = find_people(config, [loaded.person], learned=[learned], progress=progress)
        classifications = lookup.classifications
        matches = [m for m in lookup.matches if m.person == 0]
        task_sources = {t.source for t in plan.processor_tasks}
        residue = _row_residue(plan, matches, lookup.classifications, task_sources)
        residue += [
            Residue("source_failed", name, detail=reason)
            for name, reason in sorted(lookup.failed_sources.items())
            if name not in task_sources
        ]
        broken = set(lookup.failed_sources) | task_sources
        residue += _byte_residue(config, plan, loaded.person, matches, broken, progress)
        result = VerifyResult(
            request=loaded.facts.id,
            plan_hash=loaded.stored.plan_hash,
            residue=residue,
            processor_tasks=_tasks(plan, matches, lookup.searched, lookup.failed_sources),
            counts_before=dict(plan.counts_before),
            counts_after=_counts(matches),
            searched=sorted(lookup.searched),
            possible=sum(1 for m in matches if m.match == "possible"),
            retention_ended=plan.retention_ended,
        )
    failed = {r.source for r in result.residue if r.kind == "source_failed"}
    tasks = {t.source for t in plan.processor_tasks}
    _engine_checks(config, loaded.stored, result, skip=failed | tasks)
    with ledger.session(write=False) as session:
        result.recipient_tasks = recipient_states(session, loaded.stored)
    if result.residue:
        _record_residue(ledger, loaded.stored, result, actor)
        return result
    if not plan.retention_ended:
        result.missing = missing_facts(config, plan, loaded.facts.language)
        # A plan for rows whose retention ended needs no new letter: the person was
        # told in the first confirmation that kept records are erased when their time ends.
        folder = output if output is not None else config.base_dir / "answers" / result.request
        _write_letter(config, loaded, result, classifications, folder, chosen)
    _record_verified(ledger, loaded.stored, result, actor)
    if loaded.status in ACTIVE and not plan.retention_ended and not result.missing:
        change = close(ledger, config, result.request, outcome="answered", actor=actor)
        result.closed = True
        result.warnings.extend(change.warnings)
    return result


# -- loading ------------------------------------------------------------------------------


def _load(ledger: Ledger, config: Config, request_id: str) -> _Loaded:
    """The request, its latest plan (executed or verified) and the person to look for."""
    with ledger.session(write=False) as session:
        subject = read_subject(session, config, request_id)
        stored = latest_plan(session, subject.id)
        if stored is None:
            raise UsageError(
                Problem(
                    f"request {subject.id} has no erasure plan",
                    hint=f"make one with dsr erase {subject.id}, then run --execute first",
                )
            )
        if stored.status not in VERIFIABLE:
            raise UsageError(
                Problem(
                    f"the erasure plan of request {subject.id} is {stored.status}, not executed",
                    hint=f"run --execute first: dsr erase {subject.id} --execute"
                    + (
                        f"; if it says the data changed: dsr erase {subject.id} --replan"
                        if stored.status == "executing"
                        else ""
                    ),
                )
            )
    facts = subject.letter_facts()
    if stored.plan.language in LANGUAGES:  # the plan took it from the person's rows
        facts = replace(facts, language=stored.plan.language)
    person = subject.lookup_person(config)
    if not person.strong:
        if stored.plan.retention_ended or any(a.action in _CHANGING for a in stored.plan.actions):
            # No identifier finds the person's rows again (a retention-ended plan years
            # later, or a request by name whose possible matches a person confirmed):
            # the rows the plan changed are read back by their keys.
            return _Loaded(stored, None, facts, subject.status)
        raise UsageError(
            Problem(
                f"request {facts.id} holds no e-mail, phone or id to look the person up again "
                "(pseudonymised, or never given)",
                hint="a name alone finds only possible matches; add an identifier to the request",
            )
        )
    return _Loaded(stored, person, facts, subject.status)


# -- residue in rows ----------------------------------------------------------------------


def _kept_columns(plan: ErasurePlan) -> dict[tuple[str, RowId], frozenset[str] | None]:
    """Per kept row (source and ``row_id``), the columns it keeps (None: the whole row)."""
    kept: dict[tuple[str, RowId], frozenset[str] | None] = {}
    for action in plan.kept():
        place = (action.source, row_id(action.table, action.key))
        if not action.columns or (place in kept and kept[place] is None):
            kept[place] = None
        else:
            kept[place] = (kept.get(place) or frozenset()) | frozenset(action.columns)
    return kept


def _person_columns(
    classes: Mapping[str, Sequence[TableClassification]],
) -> dict[tuple[str, str], set[str]]:
    """Columns that hold a person's details, per (source, table)."""
    found: dict[tuple[str, str], set[str]] = {}
    for source, tables in classes.items():
        for table in tables:
            for column in table.columns:
                detail = set(column.categories) - _NOT_PERSONAL
                if column.lookup in ("email", "phone", "name", "text") or (
                    column.personal and detail
                ):
                    found.setdefault((source, table.table), set()).add(column.column)
    return found


def _filled(value: Any) -> bool:
    """Whether a cell still holds something: not ``rows.is_empty``, and not an empty list or
    object (SaaS exports hold those)."""
    if isinstance(value, list | dict):
        return bool(value)
    return not is_empty(value)


def _row_residue(
    plan: ErasurePlan,
    matches: Sequence[Match],
    classes: Mapping[str, Sequence[TableClassification]],
    task_sources: set[str],
) -> list[Residue]:
    """Rows of the person still found, minus kept rows used only for what they are kept."""
    kept = _kept_columns(plan)
    personal = _person_columns(classes)
    found: list[Residue] = []
    for match in matches:
        if match.match == "possible" or match.source in task_sources:
            continue
        place = (match.source, row_id(match.table, match.key))
        key = json_key(match.key)  # as the plan stores keys, and JSON can hold it
        if place in kept:
            keeps = kept[place]
            if keeps is None:
                continue
            left = sorted(
                c
                for c in personal.get((match.source, match.table), ())
                if c not in keeps and c not in key and _filled(match.row.get(c))
            )
            if left:
                found.append(Residue("kept_columns", match.source, match.table, key, tuple(left)))
            continue
        kind: ResidueKind = "mention" if match.match == "mention" else "row"
        found.append(Residue(kind, match.source, match.table, key, detail=match.via))
    return found


def _counts(matches: Iterable[Match]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in matches:
        if match.match != "possible":
            name = f"{match.source}.{match.table}"
            counts[name] = counts.get(name, 0) + 1
    return counts


def _tasks(
    plan: ErasurePlan,
    matches: Sequence[Match],
    searched: Iterable[str],
    failed: Mapping[str, str],
) -> list[TaskCheck]:
    """Each processor task: done when its export was read and no longer holds the person."""
    read_ok = set(searched) - set(failed)
    today = today_berlin()
    rows: dict[str, int] = {}
    for match in matches:
        if match.match != "possible":
            rows[match.source] = rows.get(match.source, 0) + 1
    checks = []
    for task in plan.processor_tasks:
        now = rows.get(task.source, 0) if task.source in read_ok else None
        status: Literal["done", "open", "late"]
        if now == 0:
            status = "done"
        elif today > task.due:
            status = "late"
        else:
            status = "open"
        checks.append(
            TaskCheck(task.source, task.vendor, status, task.due, sum(task.rows.values()), now)
        )
    return checks


# -- by keys, when the person can no longer be looked up -----------------------------------


def _verify_by_keys(config: Config, loaded: _Loaded, progress: Progress) -> VerifyResult:
    """A plan without identifiers to look the person up by (retention ended, or possible
    matches confirmed for a request by name): every row the plan deleted
    must be gone and every column it emptied must be empty, read back by key
    (``rows.read_rows``: SQL rows by primary key, file rows by their place).

    Masked, generalised or redacted values cannot be checked without the values, nor rows
    a connector cannot read back by key (a plugin without ``read`` keyed by place in a
    file); they are counted in ``warnings``."""
    plan = loaded.stored.plan
    residue: list[Residue] = []
    counts: dict[str, int] = {}
    unchecked = 0
    changing = [a for a in plan.actions if a.action in _CHANGING]
    by_source: dict[str, list[PlanAction]] = {}
    for action in changing:
        by_source.setdefault(action.source, []).append(action)
    searched: list[str] = []
    progress.begin("Reading back the erased rows", total=len(by_source))
    try:
        for name, actions in sorted(by_source.items()):
            progress.advance()
            source = config.sources.get(name)
            if source is None or source.error:
                reason = "not in dsr.yaml any more" if source is None else str(source.error)
                residue.append(Residue("source_failed", name, detail=reason))
                continue
            checkable = [a for a in actions if _checkable(a)]
            unchecked += len(actions) - len(checkable)
            if not checkable:
                continue
            run = run_source(source, partial(_fetch, actions=checkable))
            if run.failure is not None or run.value is None:
                reason = run.failure.reason if run.failure else "nothing was read"
                residue.append(Residue("source_failed", name, detail=reason))
                continue
            rows, unread = run.value
            searched.append(name)
            for action in checkable:
                if action.table in unread:
                    unchecked += 1
                    continue
                row = rows.get(row_id(action.table, action.key))
                if row is None:
                    continue
                counts[f"{name}.{action.table}"] = counts.get(f"{name}.{action.table}", 0) + 1
                if action.action == "delete":
                    residue.append(
                        Residue("row", name, action.table, dict(action.key), detail="not deleted")
                    )
                    continue
                left = tuple(c for c in _emptied(action) if _filled(row.get(c)))
                if left:
                    residue.append(
                        Residue("row", name, action.table, dict(action.key), left,
                                detail="columns not emptied")
                    )  # fmt: skip
    finally:
        progress.end()
    result = VerifyResult(
        request=loaded.facts.id,
        plan_hash=loaded.stored.plan_hash,
        residue=residue,
        processor_tasks=_tasks(plan, [], [], {}),
        counts_before=dict(plan.counts_before),
        counts_after=counts,
        searched=searched,
        retention_ended=plan.retention_ended,
    )
    if unchecked:
        result.warnings.append(
            f"{unchecked} action(s) could not be read back without the person's identifiers "
            "(masked or redacted values, rows the connector cannot read by key)"
        )
    return result


def _emptied(action: PlanAction) -> tuple[str, ...]:
    """The columns an anonymise action set to null (the only ones checkable without values)."""
    if action.action != "anonymise":
        return ()
    return tuple(c for c in action.columns if action.how.get(c, "null") == "null")


def _checkable(action: PlanAction) -> bool:
    """Whether reading the row back shows the action was done: a delete (the row is gone)
    or an anonymisation that emptied columns."""
    return bool(action.key) and (action.action == "delete" or bool(_emptied(action)))


# -- residue the database engine keeps ----------------------------------------------------


def _engine_checks(
    config: Config, stored: StoredPlan, result: VerifyResult, skip: set[str]
) -> None:
    """Whether the PostgreSQL tables the plan changed still hold dead row versions.

    A deleted or updated row stays in the table as a dead tuple until VACUUM
    (``sql.vacuum``). A source with ``vacuum: true`` (or ``full``) is vacuumed here,
    whatever ``--execute`` did; any other changed table is clean only when the server's
    statistics show a vacuum (by hand or autovacuum) after ``--execute`` finished that
    source. Sources another check already failed (``skip``) are left out. A source whose
    recorded run changed nothing is checked all the same: a run killed after its commit
    leaves the next run nothing to change, and the dead rows of the first.
    Adds ``engine`` residue and the evidence.
    """
    tables: dict[str, set[str]] = {}
    for action in stored.plan.actions:
        if action.action in CHANGING and action.source not in skip:
            tables.setdefault(action.source, set()).add(action.table)
    for name, changed in sorted(tables.items()):
        source = config.sources.get(name)
        done = stored.progress.get(name) or {}
        if source is None or source.error or source.type != "sql":
            continue
        if engine_url(str(getattr(source.options, "url", ""))).get_backend_name() != "postgresql":
            continue
        run = run_source(source, partial(_vacuum_state, tables=sorted(changed)))
        if run.failure is not None or run.value is None:
            reason = run.failure.reason if run.failure else "no vacuum statistics"
            result.residue.append(Residue("source_failed", name, detail=reason))
            continue
        ran, local_now, state = run.value
        finished = _moment(done.get("finished_at"))
        executed = finished + (state.server_now - local_now) if finished else None
        checks = [_engine_check(name, state.tables[t], ran, executed) for t in sorted(changed)]
        result.engine += checks
        result.residue += [
            Residue("engine", name, c.table, detail=c.detail) for c in checks if not c.clean
        ]
        if all(c.clean for c in checks):
            how = f"{ran} run now" if ran else "vacuumed since the erasure"
            there = [c.table for c in checks if c.detail != "gone"]
            gone = [c.table for c in checks if c.detail == "gone"]
            parts = [f"{', '.join(there)}: {how}"] if there else []
            parts += [f"{', '.join(gone)}: dropped since the erasure"] if gone else []
            result.warnings.append(f"{name}: {'; '.join(parts)}; {WAL_NOTE}")


def _vacuum_state(
    source: Source, *, tables: Sequence[str]
) -> tuple[str | None, datetime, VacuumState]:
    """The VACUUM run (when the source asks for one), this machine's clock and the tables'
    statistics read right after it, with the server's clock."""
    connector = open_connector(source)
    try:
        vacuum_tables = getattr(connector, "vacuum_tables", None)
        vacuum_state = getattr(connector, "vacuum_state", None)
        state: VacuumState | None = None
        ran: str | None = None
        local_now = clock.now()
        if vacuum_tables is not None and vacuum_state is not None:
            before: VacuumState | None = vacuum_state(tables)
            existing = [t for t in tables if before is not None and before.tables[t].found]
            ran = vacuum_tables(existing) if existing else None
            local_now = clock.now()
            state = vacuum_state(tables)
        if state is None:
            raise SourceError(
                Problem("cannot read the vacuum statistics", Where(source=source.name))
            )
        return ran, local_now, state
    finally:
        connector.close()


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def _engine_check(
    source: str, stats: TableVacuum, ran: str | None, executed: datetime | None
) -> EngineCheck:
    """One table: clean when dsr just vacuumed it without dead rows left (VACUUM FULL
    rewrites the table and does not show in the statistics), when the statistics show a
    vacuum after the execution, or when the table is gone (DROP removes its file)."""
    vacuumed = stats.vacuumed_at
    if not stats.found:
        clean, detail = True, "gone"
    elif ran == "VACUUM FULL":
        clean, detail = True, ""
    elif ran:
        clean = not stats.dead_rows
        detail = "" if clean else "dead_after_vacuum"
    else:
        clean = vacuumed is not None and executed is not None and vacuumed > executed
        detail = "" if clean else "not_vacuumed"
    return EngineCheck(
        source=source,
        table=stats.table,
        clean=clean,
        vacuum=ran if stats.found else None,
        vacuumed_at=_iso(vacuumed),
        executed_at=_iso(executed),
        dead_rows=stats.dead_rows,
        detail=detail,
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


# -- residue in bytes ---------------------------------------------------------------------


def source_files(source: Source) -> list[Path]:
    """The files a file-based source keeps its data in (a SQLite database for ``sql``)."""
    options = source.options
    if source.type == "sql":
        url = make_url(str(getattr(options, "url", "")))
        database = url.database or ""
        if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return []
        if database.startswith("file:"):
            database = database[5:].split("?", 1)[0]
        path = Path(database)
        return [path] if path.is_file() else []
    if source.type not in FILE_TYPES:
        return []
    root = getattr(options, "path", None)
    if root is None:
        return []
    root = Path(root)
    if root.is_file():
        return [root]
    if not root.is_dir():
        return []
    suffixes = _FILE_SUFFIXES[source.type]
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in suffixes
        and not any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)
    )


def _phone_forms(number: str) -> list[str]:
    """A phone number as files store it without separators: E.164 and national digits."""
    forms = [number]
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return forms
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    digits = "".join(c for c in national if c.isdigit())
    if digits:
        forms.append(digits)
    return forms


def needles_for(person: Person) -> list[Needle]:
    """The identifiers worth a byte search: e-mails, phone numbers, ids and full names.

    Short ids and one-word names are left out: their bytes occur by chance everywhere,
    and a residue report that is always wrong teaches people to ignore it.
    """
    needles = [Needle("email", i, mail) for i, mail in enumerate(person.emails)]
    for index, number in enumerate(person.phones):
        needles += [Needle("phone", index, form) for form in _phone_forms(number)]
    for index, (_, value) in enumerate(person.ids):
        if len(value) >= MIN_NEEDLE:
            needles.append(Needle("id", index, value))
    for index, name in enumerate(person.names):
        if len(name.split()) >= 2 and len(name) >= MIN_NEEDLE:
            needles.append(Needle("name", index, name))
    return [n for n in needles if len(n.value) >= MIN_NEEDLE]


def _byte_residue(
    config: Config,
    plan: ErasurePlan,
    person: Person,
    matches: Sequence[Match],
    skip: set[str],
    progress: Progress,
) -> list[Residue]:
    """Identifier bytes in the files of file-based sources, except values a kept row holds."""
    needles = needles_for(person)
    if not needles:
        return []
    work: list[tuple[str, list[Path], list[Needle]]] = []
    for name, source in config.sources.items():
        if name in skip or source.error:
            continue
        files = source_files(source)
        if not files:
            continue
        kept_values, complete = _kept_values(source, plan, matches)
        chosen = [
            n
            for n in needles
            if not any(n.value.casefold() in value for value in kept_values)
            and (n.kind != "name" or complete)
        ]
        if chosen:
            work.append((name, files, chosen))
    found: list[Residue] = []
    if not work:
        return found
    progress.begin("Searching files for leftovers", total=sum(len(f) for _, f, _ in work))
    try:
        for name, files, chosen in work:
            search = partial(_search_files, files=files, needles=chosen, progress=progress)
            run = run_source(config.sources[name], search)
            if run.failure is not None or run.value is None:
                reason = run.failure.reason if run.failure else "its files were not searched"
                found.append(Residue("source_failed", name, detail=reason))
                continue
            found += run.value
    finally:
        progress.end()
    return found


def _search_files(
    source: Source, *, files: Sequence[Path], needles: Sequence[Needle], progress: Progress
) -> list[Residue]:
    """One source's files searched for the needles, and the full-text indexes of its SQLite
    files asked for them (``run_source`` isolates its failure)."""
    hits = search_bytes(files, needles, advance=progress.advance)
    found = [_byte(source.name, hit) for hit in hits]
    for path in files:
        found += [
            Residue(
                "index", source.name, hit.table, file=str(hit.path), identifier=hit.kind,
                index=hit.index, count=hit.count, detail="full-text index",
            )
            for hit in search_fts(path, needles)
        ]  # fmt: skip
    return found


def _byte(source: str, hit: ByteResidue) -> Residue:
    return Residue(
        "bytes",
        source,
        file=str(hit.path),
        member=hit.member,
        identifier=hit.kind,
        index=hit.index,
        count=hit.count,
        detail="as " + ", ".join(hit.forms),
    )


def _kept_values(
    source: Source, plan: ErasurePlan, matches: Sequence[Match]
) -> tuple[list[str], bool]:
    """The kept rows' values in this source (casefolded), and whether every kept row was read.

    Kept rows the lookup did not reach (an invoice whose customer is gone) are read
    by their primary key; rows keyed by place in a file cannot be, and then names are
    not searched in that source at all (we cannot tell a kept name from a leftover).
    """
    kept = [a for a in plan.kept() if a.source == source.name]
    if not kept:
        return [], True
    seen: dict[RowId, dict[str, Any]] = {
        row_id(m.table, m.key): m.row for m in matches if m.source == source.name
    }
    values: list[str] = []
    missing: list[PlanAction] = []
    for action in kept:
        row = seen.get(row_id(action.table, action.key))
        if row is None:
            missing.append(action)
        else:
            values += _row_values(row, action)
    complete = True
    if missing:
        try:
            rows, unread = _fetch(source, missing)
        except Exception:  # a read failure only costs precision: then no names
            return values, False
        for action in missing:
            row = rows.get(row_id(action.table, action.key))
            if row is None:
                # gone (nothing of it to exclude), or not readable by key
                complete = False
                continue
            values += _row_values(row, action)
        complete = complete and not unread
    return values, complete


def _row_values(row: Mapping[str, Any], action: PlanAction) -> list[str]:
    columns = action.columns or tuple(row)
    texts = (value_text(row[c]) for c in columns if c in row and _filled(row[c]))
    return [text.casefold() for text in texts if text is not None]


def _fetch(
    source: Source, actions: Sequence[PlanAction]
) -> tuple[dict[RowId, dict[str, Any]], set[str]]:
    """The current rows the actions name, by ``row_id`` (``rows.read_rows``, one batch per
    table), and the tables whose rows the connector cannot read by key (``CannotRead``:
    a plugin without ``read`` whose rows are keyed by their place in a file)."""
    connector = open_connector(source)
    try:
        return read_keyed(connector, ((action.table, action.key) for action in actions))
    finally:
        connector.close()


# -- writing ------------------------------------------------------------------------------


def _write_letter(
    config: Config,
    loaded: _Loaded,
    result: VerifyResult,
    classes: Mapping[str, Sequence[TableClassification]],
    folder: Path,
    formats: tuple[str, ...],
) -> None:
    facts = loaded.facts
    plan = loaded.stored.plan
    tasks = [LetterTask(t.source, t.vendor, t.status, t.due) for t in result.processor_tasks]
    local = config.in_language(facts.language)  # descriptions, recipients in its language
    context = confirmation_context(
        local, facts, plan, tasks, classes,
        recipients=result.recipient_tasks,
        names=_kept_names(config, plan, classes, facts.language),
        address=loaded.stored.address_form, missing=[g.key for g in result.missing],
    )  # fmt: skip
    language = facts.language
    stem = file_stem(facts.id, language, draft=bool(result.missing))
    private_dir(folder)
    files = letter_files(
        "erasure_confirmation", context, config=config, language=language, formats=formats,
        folder=folder, stem=stem,
    )
    digests = write_documents(files)
    result.documents += [
        Written(kind, path, digest) for (kind, path, _), digest in zip(files, digests, strict=True)
    ]
    result.outcome = str(context["outcome"])
    result.folder = folder


def _kept_names(
    config: Config,
    plan: ErasurePlan,
    classes: Mapping[str, Sequence[TableClassification]],
    language: str,
) -> dict[tuple[str, RowId], str]:
    """The kept rows' own numbers (``RE-2019-00143``), read back by key, for the letter to
    name them as the customer knows them; a row that cannot be read is named by its key."""
    names: dict[tuple[str, RowId], str] = {}
    by_source: dict[str, list[PlanAction]] = {}
    for action in plan.kept():
        if number_column(classes, action.source, action.table):
            by_source.setdefault(action.source, []).append(action)
    for name, actions in by_source.items():
        source = config.sources.get(name)
        rows: dict[RowId, dict[str, Any]] = {}
        if source is not None and not source.error:
            run = run_source(source, partial(_fetch, actions=actions))
            if run.failure is None and run.value is not None:
                rows = run.value[0]
        for action in actions:
            ident = row_id(action.table, action.key)
            names[(name, ident)] = document_name(action, rows.get(ident), classes, language)
    return names


def _task_states(result: VerifyResult) -> dict[str, str]:
    return {t.source: t.status for t in result.processor_tasks}


def _record_verified(ledger: Ledger, stored: StoredPlan, result: VerifyResult, actor: str) -> None:
    """The evidence, in one transaction: documents, the plan's new state and its event."""
    with ledger.session() as session:
        for item in result.documents:
            session.add(
                Document(
                    request_id=result.request,
                    kind=item.kind,
                    path=str(item.path),
                    sha256=item.sha256,
                )
            )
        set_status(
            session,
            stored.id,
            "verified",
            actor=actor,
            action="erasure.verified",
            details={
                "verified_at": clock.now().isoformat(timespec="seconds"),
                "counts_before": dict(sorted(result.counts_before.items())),
                "counts_after": dict(sorted(result.counts_after.items())),
                "residue": 0,
                "processor_tasks": _task_states(result),
                "recipient_tasks": {t.recipient: t.status for t in result.recipient_tasks},
                "draft": bool(result.missing),
                "possible": result.possible,
                "outcome": result.outcome,
                "documents": [item.sha256 for item in result.documents],
                "retention_ended": result.retention_ended,
                "engine": [e.as_dict() for e in result.engine],
            },
        )


def _record_residue(ledger: Ledger, stored: StoredPlan, result: VerifyResult, actor: str) -> None:
    """That something was left, where (sources and kinds) and how much, never what."""
    kinds: dict[str, int] = {}
    for item in result.residue:
        kinds[item.kind] = kinds.get(item.kind, 0) + 1
    with ledger.session() as session:
        append_event(
            session,
            actor=actor,
            action="erasure.residue",
            request_id=result.request,
            details={
                "plan_hash": stored.plan_hash,
                "residue": len(result.residue),
                "kinds": dict(sorted(kinds.items())),
                "sources": sorted({r.source for r in result.residue}),
                "counts_after": dict(sorted(result.counts_after.items())),
                "processor_tasks": _task_states(result),
                "engine": [e.as_dict() for e in result.engine],
            },
        )
