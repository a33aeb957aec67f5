"""An example dsr connector for vCard address books (.vcf files).

It shows everything a third-party connector needs: a pydantic ``Options``
model (dsr validates the source entry with it), declared ``capabilities``
(here: reading, and deleting a card; nulling, masking and redacting are
declared ``not yet``), the five protocol methods and the optional ``read``,
and one entry point in pyproject.toml. Values are compared with dsr's own
matcher (``dsr.connectors.rows``), so a person is found here exactly as in
every other source. Cards are few and small, so the file is read whole.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from dsr.config.fields import ConfigPath
from dsr.connectors.capabilities import Capabilities, Support
from dsr.connectors.protocol import (
    ApplyResult,
    Column,
    ErasureAction,
    Hit,
    Lookup,
    RowKey,
    Table,
    UnsupportedAction,
)
from dsr.connectors.rows import matcher, row_id
from dsr.errors import Problem, SourceError, Where

FIELDS = {"FN": "name", "EMAIL": "email", "TEL": "phone", "UID": "id", "NOTE": "text"}
COLUMNS = ("FN", "N", "EMAIL", "TEL", "ADR", "BDAY", "UID", "NOTE")


class VcardOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: ConfigPath  # a .vcf file or a folder of them


class VcardConnector:
    """vCard address book (.vcf file or folder)."""

    type_name: ClassVar[str] = "vcard"
    Options: ClassVar[type[BaseModel]] = VcardOptions
    capabilities: ClassVar[Capabilities] = Capabilities(
        delete=Support.SUPPORTED,
        null=Support.NOT_YET,
        mask=Support.NOT_YET,
        redact=Support.NOT_YET,
    )
    summary: ClassVar[str] = "vCard address book (.vcf file or folder)"

    def __init__(self, name: str, options: BaseModel) -> None:
        assert isinstance(options, VcardOptions)
        self.name = name
        self.path: Path = options.path

    # Each file is a table named after it; each card a row numbered from 1.
    def _files(self) -> list[Path]:
        if self.path.is_dir():
            return sorted(self.path.glob("*.vcf"))
        if self.path.is_file():
            return [self.path]
        raise SourceError(
            Problem("not found", Where(file=self.path, source=self.name), "check `path:`")
        )

    def _table_name(self, file: Path) -> str:
        return file.stem

    def _cards(self, file: Path) -> list[dict[str, str]]:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            where = Where(file=file, source=self.name)
            raise SourceError(Problem(f"cannot be read ({type(exc).__name__})", where)) from exc
        unfolded = text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "")
        cards: list[dict[str, str]] = []
        card: dict[str, str] | None = None
        for line in unfolded.split("\n"):
            if line.upper() == "BEGIN:VCARD":
                card = {}
            elif line.upper() == "END:VCARD" and card is not None:
                cards.append(card)
                card = None
            elif card is not None and ":" in line:
                head, value = line.split(":", 1)
                prop = head.split(";", 1)[0].upper()
                if prop in COLUMNS:
                    card[prop] = f"{card[prop]}; {value}" if prop in card else value
        return cards

    def tables(self) -> list[Table]:
        return [
            Table(
                name=self._table_name(file),
                columns=tuple(Column(c, "text", identifies=FIELDS.get(c)) for c in COLUMNS),  # type: ignore[arg-type]
                rows=len(self._cards(file)),
                rows_exact=True,
                kind="records",
            )
            for file in self._files()
        ]

    def _file_for(self, table: str) -> Path:
        for file in self._files():
            if self._table_name(file) == table:
                return file
        raise SourceError(Problem(f"no table '{table}'", Where(source=self.name)))

    def sample(self, table: str, n: int = 20) -> list[dict[str, Any]]:
        return self._cards(self._file_for(table))[:n]

    def find(self, lookups: Sequence[Lookup]) -> Iterator[Hit]:
        by_table: dict[str, list[Lookup]] = {}
        for lookup in lookups:
            by_table.setdefault(lookup.table, []).append(lookup)
        for table, wanted in by_table.items():
            file = self._file_for(table)
            tests = [(lookup.column, matcher(lookup)) for lookup in wanted]
            for number, card in enumerate(self._cards(file), start=1):
                for column, test in tests:
                    found = {m for value in card.get(column, "").split("; ") for m in test(value)}
                    for matched in sorted(found):
                        key = {"file": file.name, "row": number}
                        yield Hit(table, key, column, matched, dict(card))

    def read(self, table: str, keys: Sequence[RowKey]) -> Iterator[tuple[RowKey, dict[str, Any]]]:
        """Optional: the cards the keys name. dsr compares keys with ``row_id``, so a key
        spelled ``{"row": "2"}`` names card 2; a deleted card (a tombstone) is gone."""
        file = self._file_for(table)
        wanted = {row_id(table, key) for key in keys}
        for number, card in enumerate(self._cards(file), start=1):
            key = {"file": file.name, "row": number}
            if row_id(table, key) in wanted and card.get("NOTE") != "DELETED":
                yield key, dict(card)

    def apply(self, actions: Sequence[ErasureAction]) -> ApplyResult:
        for action in actions:
            if action.action != "delete":
                raise UnsupportedAction(
                    Problem(f"vCard sources cannot {action.action} yet", Where(source=self.name))
                )
        applied = unchanged = 0
        by_file: dict[Path, set[int]] = {}
        for action in actions:
            file = self._file_for(action.table)
            by_file.setdefault(file, set()).add(int(action.key["row"]))
        for file, rows in by_file.items():
            cards = file.read_text(encoding="utf-8").split("END:VCARD")
            kept, removed = [], 0
            for number, chunk in enumerate(cards[:-1], start=1):
                if number in rows and "DELETED" not in chunk:
                    # Leave a tombstone so row numbers of the other cards stay the same.
                    kept.append("\nBEGIN:VCARD\nVERSION:4.0\nNOTE:DELETED\n")
                    removed += 1
                else:
                    kept.append(chunk)
            applied += removed
            unchanged += len(rows) - removed
            if removed:
                _replace(file, "END:VCARD".join([*kept, cards[-1]]))
        return ApplyResult(applied, unchanged)

    def close(self) -> None:
        pass


def _replace(file: Path, text: str) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half of each."""
    fd, tmp = tempfile.mkstemp(dir=file.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.chmod(tmp, file.stat().st_mode & 0o777)
    os.replace(tmp, file)
