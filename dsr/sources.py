"""Connecting to every source once and saying what is there: `dsr sources check`.

Each source is checked on its own: one that cannot be reached is reported with
its reason and the others go on, so one broken export never hides the state of
the rest. Lookup columns (e-mail, phone, customer ids) without an index are
named, because every access and erasure request will scan them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dsr.classify.names import identifier_kind
from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, open_connector
from dsr.connectors.protocol import MatchMode, Table
from dsr.errors import DsrError, Problem, UsageError, did_you_mean
from dsr.progress import NullProgress, Progress


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
    progress = progress or NullProgress()
    sources = select_sources(config, names)
    progress.begin("Checking sources", total=len(sources))
    reports = []
    for source in sources:
        reports.append(check_source(source))
        progress.advance()
    progress.end()
    return reports


def check_source(source: Source) -> SourceReport:
    report = SourceReport(source.name, source.type, ok=False)
    try:
        connector = open_connector(source)
        try:
            tables = [_table_report(t, connector) for t in connector.tables()]
            report.problems = [
                _without_source(p, source.name) if isinstance(p, Problem) else str(p)
                for p in getattr(connector, "problems", [])
            ]
        finally:
            connector.close()
    except DsrError as exc:
        report.error = "; ".join(_without_source(p, source.name) for p in exc.problems)
        return report
    except PluginLoadError as exc:
        report.error = str(exc)
        return report
    except Exception as exc:  # a connector bug must not hide the other sources
        report.error = f"unexpected error ({type(exc).__name__}); run with --debug for details"
        report.exception = exc
        return report
    report.ok = True
    report.tables = tables
    return report


def _without_source(problem: Problem, source: str) -> str:
    """The report already names the source; keep the rest of the problem's place."""
    where = problem.where
    if where.source == source:
        problem = Problem(
            problem.message,
            type(where)(file=where.file, line=where.line, key=where.key),
            problem.hint,
        )
    return str(problem)


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
