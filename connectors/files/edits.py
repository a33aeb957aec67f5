"""Checking erasure actions on files, shared by CSV, XLSX, ODS and Parquet.

What an action does to a row is defined for every connector in
``dsr.connectors.rows.changes``; this module holds what only files need.
Row keys of files are places (file, sheet, row number). Deleting a record by
shifting the rows below it up would make every later key point at someone
else, and a re-run of the same plan would then erase the wrong person. So a
deleted record is emptied in place: its line (or sheet row) stays, blank, and
keys found before the erasure keep naming the same records. Readers skip blank
records, so the person is gone from every listing and search.

Every check that can fail (unknown table or column, a key that names no row of
the table, an action the connector does not declare) runs before anything is
written, so a bad batch changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dsr.connectors.capabilities import Capabilities
from dsr.connectors.protocol import ErasureAction, RowKey, UnsupportedAction
from dsr.connectors.rows import key_number
from dsr.errors import Problem, SourceError, Where


def check_actions(
    actions: Sequence[ErasureAction],
    columns: Callable[[str], Sequence[str] | None],
    capabilities: Capabilities,
    *,
    source: str,
    connector: str,
) -> None:
    """Raise before any write when an action cannot be applied as given.

    ``columns`` gives a table's column names, or None for an unknown table.
    """
    where = Where(source=source)
    for action in actions:
        if not capabilities.supports(action.action):
            raise UnsupportedAction(
                Problem(
                    f"the {connector} connector cannot {action.action} rows",
                    where,
                    "erase this data by hand or with the tool that owns it",
                )
            )
        known = columns(action.table)
        if known is None:
            raise SourceError(Problem(f"has no table '{action.table}'", where))
        if action.action != "delete" and not action.columns:
            raise SourceError(
                Problem(f"a {action.action} action on '{action.table}' names no column", where)
            )
        unknown = [c for c in action.columns if c not in known]
        if unknown:
            raise SourceError(
                Problem(f"table '{action.table}' has no column '{unknown[0]}'", where)
            )
        if action.action == "redact" and not any(action.substrings):
            raise SourceError(
                Problem(f"a redact action on '{action.table}' names no text to redact", where)
            )


def bad_key(action: ErasureAction, source: str) -> SourceError:
    """The error for a key that names no row of the action's table."""
    fields = ", ".join(sorted(action.key))
    return SourceError(
        Problem(
            f"a {action.action} action on '{action.table}' has a key ({fields}) "
            "that names no row of that table",
            Where(source=source),
            "plan the erasure again with `dsr find`",
        )
    )


def key_row(action: ErasureAction, file: str, first_data_row: int, source: str) -> int:
    """The row number of the action's key, checked against the table's file."""
    row = place_row(action.key, file)
    if row is None or row < first_data_row:
        raise bad_key(action, source)
    return row


def place_row(key: RowKey, file: str, sheet: str | None = None) -> int | None:
    """The row number a place key names in ``file`` (and ``sheet``), else None.

    The number may be spelled ``12``, ``"12"`` or ``12.0`` (``rows.row_id``).
    """
    if key.get("file") != file or (sheet is not None and key.get("sheet") != sheet):
        return None
    row = key.get("row")
    if isinstance(row, bool):
        return None
    return key_number(row)
