"""A source that is one file or a folder of files, and the names its tables get.

People point dsr at the file they keep (``data/signups.csv``) or at the folder
their exports land in. A single file names its table after itself (a CSV or
Parquet file: its stem; a workbook: each sheet); a folder names each table by
the file's path relative to the folder without the extension, plus ``/<sheet>``
for workbooks, so two files called ``2024/signups.csv`` and ``2025/signups.csv``
stay apart. Files are listed sorted, so table order and scans are stable.
Hidden files (our own temporary files among them) and Office lock files are
skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from dsr.errors import Problem, SourceError, Where


@dataclass(frozen=True)
class SourceFile:
    """One file of a source: where it is and how keys and tables call it."""

    path: Path
    name: str  # the row key's "file": path relative to the folder, or the file name
    table: str  # the table name (workbooks: the prefix of their sheets' tables)
    in_folder: bool

    def sheet_table(self, sheet: str) -> str:
        """The table name of one sheet of this workbook."""
        return f"{self.table}/{sheet}" if self.in_folder else sheet


def list_files(root: Path, suffixes: tuple[str, ...], *, source: str) -> list[SourceFile]:
    """The files of a source: ``root`` itself, or every matching file below the folder ``root``.

    A file given by name is taken whatever its suffix (a CSV saved as .txt).
    Raises SourceError when ``root`` does not exist, cannot be listed or holds no
    such file: an export that never arrived is a source not read, not a person
    the source does not know.
    """
    where = Where(file=root, source=source)
    try:
        if root.is_file():
            return [SourceFile(root, root.name, root.stem, in_folder=False)]
        if not root.exists():
            raise SourceError(Problem("does not exist", where, "check `path` in dsr.yaml"))
        if not root.is_dir():
            raise SourceError(Problem("is neither a file nor a folder", where))
        found = sorted(
            p
            for p in root.rglob("*")
            if p.suffix.lower() in suffixes and p.is_file() and _visible(p.relative_to(root))
        )
    except PermissionError as exc:
        raise SourceError(
            Problem("permission denied", where, "give the user running dsr read access")
        ) from exc
    if not found:
        kinds = " or ".join(suffixes)
        raise SourceError(
            Problem(
                f"is a folder with no {kinds} file in it (hidden files are skipped)",
                where,
                "check `path` in dsr.yaml, or whether the export has arrived",
            )
        )
    files = []
    for path in found:
        relative = path.relative_to(root)
        files.append(
            SourceFile(
                path,
                relative.as_posix(),
                relative.with_suffix("").as_posix(),
                in_folder=True,
            )
        )
    return files


def _visible(relative: Path) -> bool:
    return not any(part.startswith((".", "~$")) for part in relative.parts)


class FileTables:
    """One table per file of a source, listed once: shared by the CSV and Parquet connectors.

    A subclass sets ``extensions``, and ``name``/``options`` (with ``path``)
    in its constructor.
    """

    extensions: ClassVar[tuple[str, ...]]
    name: str
    options: Any
    _files: dict[str, SourceFile] | None = None

    def _by_table(self) -> dict[str, SourceFile]:
        if self._files is None:
            files = list_files(self.options.path, self.extensions, source=self.name)
            self._files = {f.table: f for f in files}
        return self._files

    def _file(self, table: str) -> SourceFile:
        file = self._by_table().get(table)
        if file is None:
            raise SourceError(Problem(f"has no table '{table}'", Where(source=self.name)))
        return file
