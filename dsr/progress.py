"""How long-running core work reports progress without knowing about terminals.

The core calls a ``Progress`` it is handed; the CLI hands in one that draws Rich
progress bars on stderr, tests and library users get ``NullProgress``.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def begin(self, description: str, total: int | None = None) -> None:
        """Start a new step; ``total`` is the number of units, if known."""

    def advance(self, units: int = 1) -> None:
        """Count ``units`` more of the current step as done."""

    def end(self) -> None:
        """Mark the current step finished."""


class NullProgress:
    """Reports nothing: the default wherever no one is watching."""

    def begin(self, description: str, total: int | None = None) -> None:
        pass

    def advance(self, units: int = 1) -> None:
        pass

    def end(self) -> None:
        pass
