"""Print results: a Rich table for people, or one JSON document for scripts.

With --json, stdout receives exactly one document and nothing else, so a script
can pipe it into ``jq``; messages for people go to stderr.
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from dsr.cli.console import debug_enabled, err

if TYPE_CHECKING:  # imported when a command runs: `dsr --help` stays quick
    from dsr.sources import SourceFailure


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def print_json(document: Any) -> None:
    """Write one JSON document to stdout."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=_default))
    sys.stdout.write("\n")
    sys.stdout.flush()


def error(message: str) -> None:
    """An error line on stderr: what went wrong and, where possible, what to do."""
    err().print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)


def source_failed(failure: SourceFailure, *, prefix: str = "") -> None:
    """A source a command could not use, in the one wording every command shares; with
    --debug, the traceback of an unexpected error (a bug to report)."""
    error(prefix + str(failure))
    if failure.exception is not None and debug_enabled():
        print_traceback(failure.exception)


# What database servers quote of the rows in their error texts: PostgreSQL's DETAIL line
# ("Key (email)=(anna@example.org) already exists", "Failing row contains (…)") and
# MySQL's "Duplicate entry 'anna@example.org' for key".
_SERVER_DETAIL = re.compile(r"^(\s*DETAIL:).*$", re.M)
_DUPLICATE_ENTRY = re.compile(r"(Duplicate entry )'[^'\n]*'")


def print_traceback(exc: BaseException) -> None:
    """A --debug traceback on stderr, as it may go into a bug report: without the SQL
    parameters of a failed statement (the e-mail address looked up, the name written)
    and without the values a database server quotes in its error text."""
    _hide_sql_parameters(exc)
    text = "".join(traceback.format_exception(exc))
    text = _SERVER_DETAIL.sub(r"\1 (left out: it may quote personal data)", text)
    sys.stderr.write(_DUPLICATE_ENTRY.sub(r"\1'…'", text))


def _hide_sql_parameters(exc: BaseException) -> None:
    """SQLAlchemy quotes a failed statement's parameters in its error text; engines are
    made with hide_parameters, and this covers an exception from any other engine."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if hasattr(current, "hide_parameters") and hasattr(current, "params"):
            current.hide_parameters = True
        current = current.__cause__ or current.__context__


def warning(message: str) -> None:
    err().print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def hint(message: str) -> None:
    err().print(f"[dim]{escape(message)}[/]", soft_wrap=True)
