"""Connecting to every source once and saying what is there: `dsr sources check`; and
the one runner every command uses to work through the sources one at a time.

Each source is worked on by itself: one that cannot be reached is reported with
its reason and the others go on, so one broken export never hides the state of
the rest. ``run_source`` and ``for_each_source`` are that rule in one place, with
one wording of the failure (``SourceFailure``) for `sources check`, `inventory`,
`find`, `access` and erasure alike. The wording never carries a value read from
a source nor a password: connectors already mask their URLs, and the runner
blanks the source's own secrets once more before the text leaves it.

Lookup columns (e-mail, phone, customer ids) without an index are named, because
every access and erasure request will scan them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from dsr.classify.names import identifier_kind
from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, open_connector
from dsr.connectors.protocol import MatchMode, Table
from dsr.errors import DsrError, Problem, UsageError, did_you_mean
from dsr.progress import NullProgress, Progress

T = TypeVar("T")

UNEXPECTED = "unexpected error ({kind}); run with --debug for details"
"""A connector bug: only the exception's type, since its text may quote a row."""

_SECRET_OPTIONS = ("password", "passwd", "secret", "token", "api_key", "apikey")
_MASK = "***"


# -- one source failing -------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFailure:
    """A source a command could not use, and why, in words fit for a terminal and a log.

    ``exception`` is kept only for an unexpected error (a bug), so ``--debug`` can
    show its traceback; its text is never part of ``reason``."""

    source: str
    reason: str
    exception: BaseException | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return failure_text(self.source, self.reason)


def failure_text(source: str, reason: str) -> str:
    """The one line every command prints for a source that failed."""
    return f"source '{source}' failed: {reason}"


def failure_of(source: Source, exc: BaseException) -> SourceFailure:
    """The failure ``exc`` means for ``source``: a DsrError's problems (the source's name
    left out, the line names it already), a plugin's load error, or for anything else
    only the exception's type."""
    kept: BaseException | None = None
    if isinstance(exc, DsrError):
        reason = "; ".join(source_note(p, source.name) for p in exc.problems)
    elif isinstance(exc, PluginLoadError):
        reason = str(exc)
    else:  # a connector bug must not hide the other sources, nor leak what it read
        reason = UNEXPECTED.format(kind=type(exc).__name__)
        kept = exc
    for secret in _secrets(source):
        reason = reason.replace(secret, _MASK)
    return SourceFailure(source.name, reason or type(exc).__name__, kept)


@dataclass(frozen=True)
class SourceRun(Generic[T]):
    """What one source's work gave: its value, or the failure; and how long it took."""

    source: Source
    value: T | None = None
    failure: SourceFailure | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.failure is None


def run_source(source: Source, work: Callable[[Source], T]) -> SourceRun[T]:
    """Run ``work(source)``; whatever goes wrong becomes the run's failure, never an
    exception, so the caller goes on with the next source."""
    started = time.perf_counter()
    try:
        value = work(source)
    except Exception as exc:  # isolating one source from the others is the point
        return SourceRun(source, failure=failure_of(source, exc),
                         seconds=time.perf_counter() - started)
    return SourceRun(source, value=value, seconds=time.perf_counter() - started)


def for_each_source(
    sources: Iterable[Source],
    work: Callable[[Source], T],
    *,
    progress: Progress | None = None,
    title: str | None = None,
) -> Iterator[SourceRun[T]]:
    """``run_source`` for each source in turn; with ``title``, one progress step per source."""
    chosen = list(sources)
    progress = progress or NullProgress()
    if title is not None:
        progress.begin(title, total=len(chosen))
    try:
        for source in chosen:
            yield run_source(source, work)
            if title is not None:
                progress.advance()
    finally:
        if title is not None:
            progress.end()


def _secrets(source: Source) -> list[str]:
    """The source's passwords and tokens as configured, to blank out of any message."""
    options = source.options
    if options is None:
        return []
    values = options.model_dump() if hasattr(options, "model_dump") else vars(options)
    found: list[str] = []
    for name, value in values.items():
        if not isinstance(value, str) or not value:
            continue
        if name == "url" or name.endswith("_url"):
            from sqlalchemy.engine import make_url  # a database source: imported anyway
            from sqlalchemy.exc import ArgumentError

            try:
                password = make_url(value).password
            except (ArgumentError, ValueError):
                password = None
            if password:
                found.append(str(password))
        elif any(word in name.lower() for word in _SECRET_OPTIONS) and len(value) >= 4:
            found.append(value)
    return sorted(set(found), key=len, reverse=True)


def source_note(problem: Problem | object, source: str) -> str:
    """A connector's problem or warning, shown under its source's name: the source is
    left out (the line names it already), the rest of the problem's place kept."""
    if not isinstance(problem, Problem):
        return str(problem)
    where = problem.where
    if where.source == source:
        problem = Problem(
            problem.message,
            type(where)(file=where.file, line=where.line, key=where.key),
            problem.hint,
        )
    return str(problem)


# -- dsr sources check --------------------------------------------------------------------


@dataclass
class TableReport:
    name: str
    kind: str
    rows: int | None
    rows_exact: bool
    columns: list[dict[str, str]]
    primary_key: list[str]
    unindexed_lookup_columns: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "columns": self.columns,
            "kind": self.kind,
            "rows_exact": self.rows_exact,
            "primary_key": self.primary_key,
            "unindexed_lookup_columns": self.unindexed_lookup_columns,
        }


@dataclass
class SourceReport:
    name: str
    type: str
    ok: bool
    error: str | None = None
    tables: list[TableReport] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    exception: BaseException | None = field(default=None, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "ok": self.ok,
            "error": self.error,
            "tables": [t.as_dict() for t in self.tables],
            "problems": self.problems,
        }

    @property
    def failure(self) -> SourceFailure | None:
        """Why the source could not be checked, as every command words it."""
        if self.ok:
            return None
        return SourceFailure(self.name, self.error or "", self.exception)


def select_sources(config: Config, names: Sequence[str]) -> list[Source]:
    """The sources named (all when none are), in dsr.yaml's order; unknown names are errors."""
    unknown = [n for n in names if n not in config.sources]
    if unknown:
        problems = []
        for name in unknown:
            hint = did_you_mean(name, list(config.sources), "sources")
            problems.append(Problem(f"no source named '{name}' in {config.path}", hint=hint))
        raise UsageError(problems)
    wanted = set(names)
    return [s for s in config.sources.values() if not wanted or s.name in wanted]


def check_sources(
    config: Config, names: Sequence[str] = (), progress: Progress | None = None
) -> list[SourceReport]:
    """Connect to each selected source and list its tables; failures are reported, not raised."""
    runs = for_each_source(
        select_sources(config, names), _inspect, progress=progress, title="Checking sources"
    )
    return [_report(run) for run in runs]


def check_source(source: Source) -> SourceReport:
    """One source's report (see ``check_sources``)."""
    return _report(run_source(source, _inspect))


def check_document(reports: Sequence[SourceReport]) -> dict[str, Any]:
    """The JSON document of design.md (`sources check`)."""
    return {"sources": [r.as_dict() for r in reports]}


def _inspect(source: Source) -> tuple[list[TableReport], list[str]]:
    connector = open_connector(source)
    try:
        tables = [_table_report(t, connector) for t in connector.tables()]
        problems = [source_note(p, source.name) for p in getattr(connector, "problems", [])]
    finally:
        connector.close()
    return tables, problems


def _report(run: SourceRun[tuple[list[TableReport], list[str]]]) -> SourceReport:
    source = run.source
    if run.failure is not None or run.value is None:
        failure = run.failure
        return SourceReport(
            source.name,
            source.type,
            ok=False,
            error=failure.reason if failure else None,
            exception=failure.exception if failure else None,
        )
    tables, problems = run.value
    return SourceReport(source.name, source.type, ok=True, tables=tables, problems=problems)


def _table_report(table: Table, connector: Any) -> TableReport:
    return TableReport(
        name=table.name,
        kind=table.kind,
        rows=table.rows,
        rows_exact=table.rows_exact,
        columns=[{"name": c.name, "type": c.type} for c in table.columns],
        primary_key=list(table.primary_key),
        unindexed_lookup_columns=unindexed_lookup_columns(table, connector),
    )


# How find() compares each kind of lookup column; phones are matched on their
# digits with a leading wildcard, which no index serves, so they are not listed.
_MATCH_FOR_KIND: dict[str, MatchMode] = {"email": "casefold", "id": "exact"}


def unindexed_lookup_columns(table: Table, connector: Any = None) -> list[str]:
    """E-mail and id columns that find() will scan for want of an index (database tables only).

    A connector that knows its engine answers ``index_serves(table, column,
    match)``: a plain index does not serve a case-insensitive lookup on every
    engine. Otherwise a column counts as indexed when an index leads with it.
    """
    if table.kind != "table":
        return []
    serves = getattr(connector, "index_serves", None)
    leading = {index[0] for index in table.indexed if index}
    if table.primary_key:
        leading.add(table.primary_key[0])
    missing = []
    for column in table.columns:
        kind = column.identifies or identifier_kind(column.name)
        match = _MATCH_FOR_KIND.get(kind or "")
        if match is None:
            continue
        indexed = serves(table.name, column.name, match) if callable(serves) else (
            column.name in leading
        )
        if not indexed:
            missing.append(column.name)
    return missing
