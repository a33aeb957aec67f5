"""What an erasure action does to one row of a file, shared by CSV, XLSX, ODS and Parquet.

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

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dsr.connectors.capabilities import Capabilities
from dsr.connectors.protocol import ErasureAction, UnsupportedAction
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
    row = action.key.get("row")
    if (
        action.key.get("file") != file
        or not isinstance(row, int)
        or isinstance(row, bool)
        or row < first_data_row
    ):
        raise bad_key(action, source)
    return row


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def changes(action: ErasureAction, row: Mapping[str, Any], empty: Any) -> dict[str, Any]:
    """The new values ``action`` gives ``row`` (column -> value); empty when nothing changes.

    ``empty`` is what a cleared cell holds: "" in CSV, None in workbooks and Parquet.
    A delete clears every column; the caller then treats the record as gone.
    """
    if action.action == "delete":
        return {c: empty for c, v in row.items() if not is_empty(v)}
    if action.action == "null":
        return {c: empty for c in action.columns if not is_empty(row.get(c))}
    if action.action == "mask":
        return {c: action.mask for c in action.columns if row.get(c) != action.mask}
    pattern = redaction_pattern(action.substrings)
    new: dict[str, Any] = {}
    for column in action.columns:
        value = row.get(column)
        if isinstance(value, str):
            redacted = pattern.sub(lambda _m: action.mask, value)
            if redacted != value:
                new[column] = redacted
    return new


def redaction_pattern(substrings: Sequence[str]) -> re.Pattern[str]:
    """Any of ``substrings``, ignoring case; longest first so a name beats its first word."""
    parts = sorted({s for s in substrings if s}, key=len, reverse=True)
    return re.compile("|".join(re.escape(p) for p in parts), re.IGNORECASE)
