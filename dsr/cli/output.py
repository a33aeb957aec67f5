"""Print results: a Rich table for people, or one JSON document for scripts.

With --json, stdout receives exactly one document and nothing else, so a script
can pipe it into ``jq``; messages for people go to stderr.
"""

from __future__ import annotations

import json
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
        traceback.print_exception(failure.exception, file=sys.stderr)


def warning(message: str) -> None:
    err().print(f"[yellow]warning:[/] {escape(message)}", soft_wrap=True)


def hint(message: str) -> None:
    err().print(f"[dim]{escape(message)}[/]", soft_wrap=True)
