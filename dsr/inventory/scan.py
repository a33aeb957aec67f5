"""Walk the configured sources once: classify each, and read its persons for the findings.

Like ``dsr sources check``, each source stands alone (``dsr.sources.for_each_source``):
one that cannot be opened or read is recorded with its reason and the others go
on, so one broken export never hides the rest of the record. The time spent per
source is kept, because a DPO running this on a big database wants to know where
the time went.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sqlalchemy as sa

from dsr.classify.result import TableClassification
from dsr.config.models import Config, Source
from dsr.connectors import open_connector
from dsr.errors import DsrError
from dsr.inventory.mirrors import filled, mirrors
from dsr.inventory.people import PEOPLE_SAMPLE, PersonRecord, person_tables, read_people
from dsr.progress import NullProgress, Progress
from dsr.sources import SourceFailure, SourceRun, for_each_source, run_source, select_sources

DEFAULT_SAMPLE = 200
CHECK_ROWS = 5000
"""Rows read per table to tell empty and mirrored columns: all of a small table; for a
larger one a column empty in these rows is asked about once more where the engine can
answer cheaply (SQL), and otherwise keeps its finding."""


@dataclass
class SourceScan:
    """What one source gave: its classified tables and its persons, or why it failed."""

    source: Source
    tables: list[TableClassification] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    people_truncated: bool = False  # a person table had more rows than were compared
    empty: set[tuple[str, str]] = field(default_factory=set)  # (table, column) never filled
    mirrors: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> kept
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def personal(self) -> bool:
        return any(t.personal for t in self.tables)

    @property
    def failure(self) -> SourceFailure | None:
        """Why the source could not be scanned, as every command words it."""
        if self.error is None:
            return None
        return SourceFailure(self.source.name, self.error, self.exception)


def scan_sources(
    config: Config,
    names: Sequence[str] = (),
    *,
    sample_size: int = DEFAULT_SAMPLE,
    people_limit: int = PEOPLE_SAMPLE,
    progress: Progress | None = None,
) -> list[SourceScan]:
    """Classify every selected source; failures are recorded in the scan, never raised."""
    progress = progress or NullProgress()
    work = partial(_scan, sample_size=sample_size, people_limit=people_limit, progress=progress)
    return [_scan_of(run) for run in for_each_source(select_sources(config, names), work)]


def scan_source(
    source: Source,
    *,
    sample_size: int = DEFAULT_SAMPLE,
    people_limit: int = PEOPLE_SAMPLE,
    progress: Progress | None = None,
) -> SourceScan:
    """One source's scan (see ``scan_sources``)."""
    progress = progress or NullProgress()
    work = partial(_scan, sample_size=sample_size, people_limit=people_limit, progress=progress)
    return _scan_of(run_source(source, work))


def _scan(
    source: Source, *, sample_size: int, people_limit: int, progress: Progress
) -> SourceScan:
    from dsr.classify.classifier import classify_source  # lands with the classifier

    scan = SourceScan(source)
    connector = open_connector(source)
    try:
        scan.tables = classify_source(source, connector, sample_size=sample_size, progress=progress)
        _settle_columns(connector, scan)
        persons = person_tables(scan.tables)
        progress.begin(f"{source.name}: comparing persons", total=len(persons))
        for table in persons:
            records, truncated = read_people(connector, table, people_limit)
            scan.people.extend(records)
            scan.people_truncated = scan.people_truncated or truncated
            progress.advance()
        progress.end()
    finally:
        connector.close()
    return scan


def _settle_columns(connector: Any, scan: SourceScan) -> None:
    """Find the columns that would get a finding but hold nothing, or repeat another's text."""
    from dsr.inventory.findings import gets_column_finding  # findings reads SourceScan

    for table in scan.tables:
        columns = [c.column for c in table.columns if gets_column_finding(c)]
        if not columns:
            continue
        try:
            rows = connector.sample(table.table, CHECK_ROWS)
        except DsrError:
            continue  # the classifier read this table; unreadable now means keep every finding
        holding = filled(rows, columns)
        complete = len(rows) < CHECK_ROWS or (table.rows is not None and table.rows <= len(rows))
        for column in columns:
            if column in holding:
                continue
            if complete or _sql_empty(connector, table.table, column):
                scan.empty.add((table.table, column))
        texts = [c for c in columns if c in holding]
        for mirror, kept in mirrors(rows, texts).items():
            scan.mirrors[(table.table, mirror)] = kept


def _sql_empty(connector: Any, table: str, column: str) -> bool:
    """Whether a SQL column holds no value at all; False where that cannot be asked."""
    engine = getattr(connector, "engine", None)
    if not isinstance(engine, sa.engine.Engine):
        return False
    schema = getattr(getattr(connector, "options", None), "schema_", None)
    col: sa.ColumnClause[Any] = sa.column(column)
    query = (
        sa.select(sa.literal(1))
        .select_from(sa.table(table, col, schema=schema))
        .where(col.is_not(None), sa.func.trim(sa.cast(col, sa.String)) != "")
        .limit(1)
    )
    try:
        with engine.connect() as conn:
            return conn.execute(query).first() is None
    except sa.exc.SQLAlchemyError:
        return False


def _scan_of(run: SourceRun[SourceScan]) -> SourceScan:
    """The scan with its time; a failed source keeps no half-read tables or people."""
    if run.failure is not None or run.value is None:
        failure = run.failure
        return SourceScan(
            run.source,
            error=failure.reason if failure else "nothing was read",
            exception=failure.exception if failure else None,
            seconds=run.seconds,
        )
    run.value.seconds = run.seconds
    return run.value
