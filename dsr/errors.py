"""Typed errors that say where a problem is, so the CLI can print one clear line.

The core raises these instead of printing or exiting; ``dsr.cli.app`` turns them
into a message on stderr and exit code 2. A message names the file, line, key
path or source concerned and never carries a personal value or a secret.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Where:
    """The place a problem was found; every part is optional."""

    file: Path | None = None
    line: int | None = None
    key: str | None = None
    source: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(f"{self.file}:{self.line}" if self.line else str(self.file))
        if self.source is not None:
            parts.append(f"source '{self.source}'")
        if self.key:
            parts.append(self.key)
        return ": ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, with where it is and what to do about it."""

    message: str
    where: Where = Where()
    hint: str | None = None

    def __str__(self) -> str:
        place = str(self.where)
        text = f"{place}: {self.message}" if place else self.message
        if self.hint:
            text = f"{text} ({self.hint})"
        return text


class DsrError(Exception):
    """Base of every error the core raises for the CLI to report.

    Holds one or more problems; ``str()`` gives one line per problem.
    """

    def __init__(self, problems: Problem | str | list[Problem]) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = problems
        super().__init__("\n".join(str(p) for p in problems))


class ConfigError(DsrError):
    """dsr.yaml is missing, unreadable or invalid."""


class UsageError(DsrError):
    """The command was asked to do something it cannot do as given."""


class LedgerError(DsrError):
    """The request ledger cannot be opened, read or written."""


class SourceError(DsrError):
    """A data source cannot be reached or read."""


def did_you_mean(word: str, candidates: list[str], label: str) -> str:
    """A hint for a misspelt name: the closest candidate, else the list of valid ones."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return f"{label}: {', '.join(candidates)}" if candidates else ""
