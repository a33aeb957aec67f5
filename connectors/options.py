"""The options each built-in source type accepts in dsr.yaml.

Each connector owns a pydantic model of its options: ``type:`` picks the model,
and the model validates the rest of the source entry, so a typo is reported with
its key path and a "did you mean". Paths and SQLite URLs are resolved against
the folder of dsr.yaml.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dsr.config.fields import ConfigPath, DatabaseUrl


class Options(BaseModel):
    """Base of every connector's options: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SqlOptions(Options):
    """Any database SQLAlchemy reaches: SQLite, PostgreSQL, MariaDB/MySQL, warehouses."""

    url: DatabaseUrl
    schema_: str | None = Field(default=None, alias="schema")
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)


class CsvOptions(Options):
    """A CSV file, or a folder of them. Delimiter and encoding are sniffed unless set."""

    path: ConfigPath
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str | None = None
    header_row: int | None = Field(default=None, ge=1)


class SpreadsheetOptions(Options):
    """An XLSX or ODS workbook, or a folder of them; every sheet unless ``sheets`` names some."""

    path: ConfigPath
    sheets: list[str] = Field(default_factory=list)
    header_row: int | None = Field(default=None, ge=1)


class ParquetOptions(Options):
    """A Parquet file or a folder of Parquet files, queried in place."""

    path: ConfigPath


class ExportOptions(Options):
    """A SaaS vendor's export: a file or the folder it was unpacked into."""

    path: ConfigPath
