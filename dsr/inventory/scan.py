"""Walk the configured sources once: classify each, and read its persons for the findings.

Like ``dsr sources check``, each source stands alone: one that cannot be opened
or read is recorded with its reason and the others go on, so one broken export
never hides the rest of the record. The time spent per source is kept, because
a DPO running this on a big database wants to know where the time went.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from dsr.classify.result import TableClassification
from dsr.config.models import Config, Source
from dsr.connectors import PluginLoadError, open_connector
from dsr.errors import DsrError
from dsr.inventory.people import PEOPLE_SAMPLE, PersonRecord, person_tables, read_people
from dsr.progress import NullProgress, Progress
from dsr.sources import select_sources

DEFAULT_SAMPLE = 200


@dataclass
class SourceScan:
    """What one source gave: its classified tables and its persons, or why it failed."""

    source: Source
    tables: list[TableClassification] = field(default_factory=list)
    people: list[PersonRecord] = field(default_factory=list)
    people_truncated: bool = False  # a person table had more rows than were compared
    error: str | None = None
    exception: BaseException | None = field(default=None, repr=False)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def personal(self) -> bool:
        return any(t.personal for t in self.tables)


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
    return [
        scan_source(source, sample_size=sample_size, people_limit=people_limit, progress=progress)
        for source in select_sources(config, names)
    ]


def scan_source(
    source: Source,
    *,
    sample_size: int = DEFAULT_SAMPLE,
    people_limit: int = PEOPLE_SAMPLE,
    progress: Progress | None = None,
) -> SourceScan:
    from dsr.classify.classifier import classify_source  # lands with the classifier

    progress = progress or NullProgress()
    scan = SourceScan(source)
    started = time.perf_counter()
    try:
        connector = open_connector(source)
        try:
            scan.tables = classify_source(
                source, connector, sample_size=sample_size, progress=progress
            )
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
    except DsrError as exc:
        scan.error = "; ".join(str(p) for p in exc.problems)
        scan.tables, scan.people = [], []
    except PluginLoadError as exc:
        scan.error = str(exc)
    except Exception as exc:  # a connector or classifier bug must not hide the other sources
        scan.error = f"unexpected error ({type(exc).__name__}); run with --debug for details"
        scan.exception = exc
        scan.tables, scan.people = [], []
    scan.seconds = time.perf_counter() - started
    return scan
