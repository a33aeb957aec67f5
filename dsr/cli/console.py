"""The only place Rich consoles and progress bars are built.

stdout carries the payload (a table, or exactly one JSON document with --json);
everything else (progress, warnings, hints, errors) goes to stderr. Rich already
honours NO_COLOR and drops colour and animation when a stream is not a terminal.

Rich is imported when a console is first asked for, not with this module: the
root command imports it for the --debug switch, and `dsr --version` should not
pay for a terminal library it never uses.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichBar
    from rich.progress import TaskID

_debug = {"on": False}


def set_debug(on: bool) -> None:
    """Set by the root command from --debug or DSR_DEBUG."""
    _debug["on"] = on


def debug_enabled() -> bool:
    """Whether tracebacks should be shown (only ever on stderr)."""
    return _debug["on"]


def out() -> Console:
    """A console on the current stdout (looked up per call, so redirection works)."""
    from rich.console import Console

    return Console(file=sys.stdout, highlight=False)


def err() -> Console:
    """A console on the current stderr."""
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False)


class ProgressBars:
    """A dsr.progress.Progress that draws on stderr, and only on a terminal.

    One bar at a time: ``begin`` starts a step, ``end`` fills it and removes it.
    The bar's total is kept here rather than read back from Rich: Rich's task ids
    are not positions in ``Progress.tasks``, and once a step was removed the next
    id pointed past the end of that list (an IndexError on every terminal run).
    """

    def __init__(self) -> None:
        self._console = err()
        self._bar: RichBar | None = None
        self._task: TaskID | None = None
        self._total: int | None = None

    def __enter__(self) -> ProgressBars:
        if self._console.is_terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichBar

            self._bar = RichBar(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()

    def begin(self, description: str, total: int | None = None) -> None:
        if self._bar is not None:
            self.end()  # a step the core did not end is finished, not left spinning
            self._task = self._bar.add_task(description, total=total)
            self._total = total

    def advance(self, units: int = 1) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task, units)

    def end(self) -> None:
        if self._bar is not None and self._task is not None:
            if self._total is not None:
                self._bar.update(self._task, completed=self._total)
            self._bar.remove_task(self._task)
            self._task = None
            self._total = None
