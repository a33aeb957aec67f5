"""The registry of source types: built-ins and third-party connectors through one door.

Built-in types are listed here; third parties register under the entry-point
group ``dsr.connectors`` with an object that carries an ``Options`` pydantic
model. Types load lazily by name, and a plugin that fails to load is reported as
a problem with its name instead of breaking every other source.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from pydantic import BaseModel

from dsr.connectors.options import (
    CsvOptions,
    ExportOptions,
    ParquetOptions,
    SpreadsheetOptions,
    SqlOptions,
)

ENTRY_POINT_GROUP = "dsr.connectors"


@dataclass(frozen=True)
class SourceType:
    """What dsr knows about a ``type:`` before it connects: its options and origin."""

    name: str
    options: type[BaseModel]
    summary: str
    origin: str = "built-in"


BUILTIN_TYPES: dict[str, SourceType] = {
    spec.name: spec
    for spec in (
        SourceType("sql", SqlOptions, "any SQLAlchemy database (SQLite, PostgreSQL, MariaDB, ...)"),
        SourceType("csv", CsvOptions, "CSV file or folder of CSV files"),
        SourceType("xlsx", SpreadsheetOptions, "Excel workbook (.xlsx) or folder of them"),
        SourceType("ods", SpreadsheetOptions, "OpenDocument spreadsheet (.ods) or folder of them"),
        SourceType("parquet", ParquetOptions, "Parquet file or folder of Parquet files"),
        SourceType("zendesk", ExportOptions, "Zendesk export: users, tickets, comments (JSON)"),
        SourceType("hubspot", ExportOptions, "HubSpot contacts export (CSV)"),
        SourceType("mailchimp", ExportOptions, "Mailchimp audience export (ZIP of CSVs)"),
        SourceType("shopify", ExportOptions, "Shopify customers export (CSV)"),
        SourceType("stripe", ExportOptions, "Stripe customers export (CSV)"),
        SourceType("salesforce", ExportOptions, "Salesforce contacts/leads report (CSV)"),
        SourceType("intercom", ExportOptions, "Intercom users/contacts export (CSV)"),
        SourceType("json", ExportOptions, "generic JSON array or NDJSON export"),
    )
}


class PluginLoadError(Exception):
    """A registered third-party connector could not be imported."""


def known_type_names() -> list[str]:
    """Every type name a source may use: built-ins and installed plugins."""
    names = set(BUILTIN_TYPES)
    names.update(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
    return sorted(names)


def get_source_type(name: str) -> SourceType | None:
    """The type registered under ``name``, or None when no connector has that name.

    Raises PluginLoadError when an installed plugin of that name fails to load.
    """
    if name in BUILTIN_TYPES:
        return BUILTIN_TYPES[name]
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=name):
        try:
            target = ep.load()
        except Exception as exc:  # a broken plugin must not break the run
            dist = ep.dist.name if ep.dist else "unknown package"
            raise PluginLoadError(
                f"connector '{name}' from {dist} failed to load ({type(exc).__name__}); "
                f"check that {dist} is installed for this Python and matches this dsr version"
            ) from exc
        options = getattr(target, "Options", None)
        if not (isinstance(options, type) and issubclass(options, BaseModel)):
            raise PluginLoadError(
                f"connector '{name}' ({ep.value}) has no pydantic 'Options' model"
            )
        summary = (target.__doc__ or "").strip().splitlines()[0] if target.__doc__ else ""
        return SourceType(name, options, summary, origin=ep.value)
    return None


__all__ = [
    "BUILTIN_TYPES",
    "ENTRY_POINT_GROUP",
    "PluginLoadError",
    "SourceType",
    "get_source_type",
    "known_type_names",
]
