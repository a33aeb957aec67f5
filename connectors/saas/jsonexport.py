"""Generic JSON exports: a JSON array, NDJSON (one object per line), or records inside an
object (``{"users": [...]}`` with ``record_path: users``).

For tools without a connector of their own. Nested objects become dotted
columns (``address.city``); a table is the file (its stem for a single file,
its path without extension in a folder). Identifier kinds are guessed only from
obvious column names; the classifier does the rest.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from dsr.connectors.saas.export import Entry, ExportConnector, ExportOptions, Part, TableSpec
from dsr.errors import Problem, SourceError, Where

OBVIOUS_IDENTIFIERS = {
    "*email*": "email",
    "*e-mail*": "email",
    "*phone*": "phone",
    "*mobile*": "phone",
    "name": "name",
    "*.name": "name",
    "*first_name": "name",
    "*last_name": "name",
    "*firstname": "name",
    "*lastname": "name",
    "*full_name": "name",
}


class JsonOptions(ExportOptions):
    """A JSON or NDJSON file, or a folder of them."""

    record_path: str | None = Field(
        default=None, description="dotted path to the array of records: `users`, `data.items`"
    )
    id_field: str | None = Field(
        default=None, description="field holding the record's id, used as the row key"
    )


class JsonConnector(ExportConnector):
    """Generic JSON export: an array, NDJSON, or records at `record_path`."""

    type_name: ClassVar[str] = "json"
    Options: ClassVar[type[BaseModel]] = JsonOptions
    summary: ClassVar[str] = "generic JSON array or NDJSON export"
    vendor: ClassVar[str] = "JSON"
    expected: ClassVar[str] = ".json, .ndjson or .jsonl files"
    suffixes: ClassVar[tuple[str, ...]] = (".json", ".ndjson", ".jsonl")
    deletion_procedure: ClassVar[dict[str, str]] = {
        "de": (
            "Löschen Sie die Person in dem System, aus dem dieser JSON-Export stammt, "
            "endgültig (nicht nur archivieren). Legen Sie danach einen neuen Export an dieselbe "
            "Stelle: enthält er die Person nicht mehr, ist die Aufgabe erledigt."
        ),
        "en": (
            "Erase the person for good in the system this JSON export comes from (not just "
            "archive them). Then put a new export in the same place: once it no longer holds "
            "the person, the task is done."
        ),
    }

    def spec(self, table: str) -> TableSpec:
        field = self.options.id_field  # type: ignore[attr-defined]
        identifies: dict[str, Any] = dict(OBVIOUS_IDENTIFIERS)
        if field:
            identifies = {field.lower(): "id", **identifies}
        return TableSpec(table, key=(field.lower(),) if field else (), identifies=identifies)

    def assign(self, entries: list[Entry]) -> list[Part]:
        direct = self._direct()
        parts = []
        for entry in entries:
            if entry.suffix not in self.suffixes and not direct:
                continue
            label = PurePosixPath(entry.label)
            table = label.stem if direct else label.with_suffix("").as_posix()
            parts.append(Part(table, entry, "json"))
        if not parts:
            raise SourceError(
                Problem(
                    f"holds no {self.expected}",
                    Where(file=self.path, source=self.name),
                    "check `path:` in dsr.yaml",
                )
            )
        return parts

    def records_in(self, part: Part, value: Any) -> Iterator[dict[str, Any]]:
        path = self.options.record_path  # type: ignore[attr-defined]
        if path:
            for step in path.split("."):
                if not isinstance(value, dict) or step not in value:
                    raise SourceError(
                        Problem(
                            f"has no '{path}' in its JSON",
                            Where(file=part.entry.shown, source=self.name),
                            "check `record_path:` in dsr.yaml (a dotted path to the array)",
                        )
                    )
                value = value[step]
        yield from super().records_in(part, value)
