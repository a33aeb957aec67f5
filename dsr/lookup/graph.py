"""The links dsr follows, shown and checked: what `dsr links` and `dsr sources check` report.

A DPO should not have to trust a guess: every link carries its kind (declared,
configured in ``links:``, inferred from names with the share of values that agree,
or name-only) and its evidence, ``dsr links --write`` turns the inferred ones into
a ``links:`` block to confirm once, and a configured link the data contradicts is
reported before any request relies on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dsr.config.models import ColumnRef, Config, Link, Source
from dsr.connectors import open_connector
from dsr.connectors.protocol import Connector, Lookup
from dsr.lookup.infer import AGREEMENT, SAMPLE_ROWS, Edge, key_value, read_graph
from dsr.lookup.links import link_texts
from dsr.progress import NullProgress, Progress
from dsr.sources import SourceFailure, for_each_source, select_sources


@dataclass
class SourceLinks:
    """The links of one source, or why they could not be worked out."""

    source: str
    edges: list[Edge] = field(default_factory=list)
    failure: SourceFailure | None = None


@dataclass(frozen=True)
class LinkCheck:
    """A configured link held against the data: how many sampled values agree."""

    link: Link
    sampled: int
    agreeing: int
    problem: str | None = None

    @property
    def coverage(self) -> float | None:
        return self.agreeing / self.sampled if self.sampled else None


def source_links(
    config: Config, names: Sequence[str] = (), progress: Progress | None = None
) -> list[SourceLinks]:
    """Every link of the selected sources, as the lookup engine would follow them."""

    def work(source: Source) -> list[Edge]:
        connector = open_connector(source)
        try:
            return read_graph(source, connector, config.links).edges
        finally:
            connector.close()

    runs = for_each_source(
        select_sources(config, names),
        work,
        progress=progress or NullProgress(),
        title="Working out links",
    )
    return [SourceLinks(run.source.name, run.value or [], run.failure) for run in runs]


def check_links(config: Config, names: Sequence[str] = ()) -> list[LinkCheck]:
    """Each configured link touching the selected sources, tested like an inferred one:
    sampled values of ``from`` must be values of ``to``."""
    chosen = set(names) or set(config.sources)
    checks = []
    for link in config.links:
        if link.from_.source not in chosen and link.to.source not in chosen:
            continue
        checks.append(_check(config, link))
    return checks


def _check(config: Config, link: Link) -> LinkCheck:
    here, there = link.from_, link.to
    for end in (here, there):
        if end.source not in config.sources:
            return LinkCheck(link, 0, 0, f"source '{end.source}' is not in dsr.yaml")
    texts: set[str] = set()
    connector = open_connector(config.sources[here.source])
    try:
        if not _has(connector, here):
            return LinkCheck(link, 0, 0, f"{here} not found")
        (where, allowed), *_ = (link.where or {"": []}).items()
        wanted = {text.strip().lower() for text in allowed}
        for row in connector.sample(here.table, SAMPLE_ROWS):
            if where and str(row.get(where, "")).strip().lower() not in wanted:
                continue  # not on the link (where:)
            if key_value(row.get(here.column)) is not None:
                texts.update(link_texts(row.get(here.column)))
    finally:
        connector.close()
    other = open_connector(config.sources[there.source])
    try:
        if not _has(other, there):
            return LinkCheck(link, 0, 0, f"{there} not found")
        asked = [Lookup(there.table, there.column, frozenset(texts))]
        found = {hit.value for hit in other.find(asked)}
    finally:
        other.close()
    values = {text.strip() for text in texts}
    agreeing = {text.strip() for text in found}
    problem = None
    if values and len(agreeing) < AGREEMENT * len(values):
        problem = (
            f"only {len(agreeing)} of {len(values)} sampled values of {here} are values of "
            f"{there}: the data contradicts this link"
        )
    return LinkCheck(link, len(values), len(agreeing), problem)


def _has(connector: Connector, ref: ColumnRef) -> bool:
    """Whether the source behind ``connector`` has the table and column ``ref`` names."""
    table = next((t for t in connector.tables() if t.name == ref.table), None)
    return table is not None and table.column(ref.column) is not None


def links_document(reports: Sequence[SourceLinks], checks: Sequence[LinkCheck]) -> dict[str, Any]:
    """The JSON document of `dsr links --json`."""
    return {
        "sources": [
            {
                "source": report.source,
                "ok": report.failure is None,
                "error": report.failure.reason if report.failure else None,
                "links": [edge_dict(report.source, edge) for edge in report.edges],
            }
            for report in reports
        ],
        "configured": [
            {
                "from": str(check.link.from_),
                "to": str(check.link.to),
                "sampled": check.sampled,
                "agreeing": check.agreeing,
                "problem": check.problem,
            }
            for check in checks
        ],
    }


def edge_dict(source: str, edge: Edge) -> dict[str, Any]:
    item: dict[str, Any] = {
        "from": f"{source}.{edge.child}.{edge.column}",
        "to": f"{source}.{edge.parent}.{edge.referred}",
        "kind": edge.kind,
        "owning": edge.owning,
        "evidence": edge.evidence,
    }
    if edge.when is not None:
        item["where"] = {edge.when[0]: list(edge.when[1])}
    if edge.inside is not None:
        item["inside"] = edge.inside
    if edge.coverage is not None:
        item["coverage"] = round(edge.coverage, 3)
    return item


def links_yaml(reports: Sequence[SourceLinks]) -> str:
    """A ``links:`` block for dsr.yaml with every configured and inferred link, so that a
    DPO confirms them once; name-only and type-dependent links are written as comments
    to decide on (a ``links:`` entry has no type condition)."""
    lines = [
        "# Links dsr uses that no foreign key declares. Check each one, delete the lines that",
        "# are wrong, and keep this block in dsr.yaml: configured links are used as written.",
        "links:",
    ]
    for report in reports:
        edges = [e for e in report.edges if e.kind != "declared"]
        if not edges:
            continue
        lines.append(f"  # {report.source}")
        for edge in edges:
            entry = (
                f"{{from: {_ref(report.source, edge.child, edge.column)}, "
                f"to: {_ref(report.source, edge.parent, edge.referred)}}}"
            )
            note = edge.evidence + ("" if edge.owning else "; not the row's owner")
            if edge.kind == "name-only" or edge.when is not None or edge.inside is not None:
                # A links: entry has no type condition and no field inside a cell: such a
                # link stays inferred, re-tested on every run.
                why = note
                if edge.when is not None:
                    why = f"only where {edge.when[0]} = {'/'.join(edge.when[1])}: {note}"
                lines.append(f"  # - {entry}  # {why}")
            else:
                lines.append(f"  - {entry}  # {note}")
    return "\n".join(lines) + "\n"


def _ref(source: str, table: str, column: str) -> str:
    text = f"{source}.{table}.{column}"
    if "." in table or any(ch in text for ch in ":#{}[],&*?|<>=!%@`'\""):
        parts = f"source: {_quote(source)}, table: {_quote(table)}, column: {_quote(column)}"
        return "{" + parts + "}"
    return text


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
