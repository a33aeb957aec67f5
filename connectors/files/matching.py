"""Comparing a stored cell with a batch of normalised identifiers, in Python.

Files have no query engine, so a scan tests each value against every lookup of
its column. The lookup values arrive normalised (``dsr.identifiers``); here the
stored value is only prepared the way the match mode says (protocol.MatchMode),
and set membership keeps a batch of thousands of e-mails as cheap as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from dsr.connectors.protocol import Lookup
from dsr.connectors.textmatch import Contains

Matcher = Callable[[str], list[str]]
"""Takes a stored value as text; returns the lookup values it matches (usually none)."""

_NOT_DIGIT = re.compile(r"\D+")


def matcher(lookup: Lookup) -> Matcher:
    """The test for one lookup: which of its values a stored text matches."""
    values = frozenset(v for v in lookup.values if v)
    if lookup.match == "casefold":

        def casefold(text: str) -> list[str]:
            folded = text.strip().lower()
            return [folded] if folded in values else []

        return casefold
    if lookup.match == "exact":

        def exact(text: str) -> list[str]:
            stripped = text.strip()
            return [stripped] if stripped in values else []

        return exact
    if lookup.match == "digits":
        lengths = sorted({len(v) for v in values})

        def digits(text: str) -> list[str]:
            found = _NOT_DIGIT.sub("", text)
            if not found:
                return []
            return [found[-n:] for n in lengths if n <= len(found) and found[-n:] in values]

        return digits
    return Contains(values)


def as_text(value: Any) -> str:
    """A cell as the text a person sees, for matching: 1712345678.0 reads as 1712345678."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
