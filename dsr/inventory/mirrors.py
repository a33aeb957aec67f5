"""Columns that hold nothing, and columns that repeat another column's text.

Exports keep the same text twice (Zendesk's ``raw_subject`` beside ``subject``,
``html_body`` beside ``body``), and schemas carry columns nobody ever filled.
A finding per such column would make the DPO read the same advice twice, or
advice about data that do not exist; so the scan settles both on the rows it
reads and the findings fold or drop those columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations
from typing import Any

from dsr.access.columns import html_text
from dsr.connectors.rows import is_empty, value_text

MIRROR_SHARE = 0.9
"""Share of rows (where both columns are filled) whose texts must agree for a mirror."""
MIRROR_MIN_ROWS = 3
"""Fewer rows filled in both prove nothing: two columns once holding "ok" are no mirror."""


def filled(rows: Sequence[Mapping[str, Any]], columns: Iterable[str]) -> set[str]:
    """The ``columns`` that hold a value in at least one of ``rows``."""
    wanted = set(columns)
    found: set[str] = set()
    for row in rows:
        for column in wanted - found:
            if not is_empty(row.get(column)):
                found.add(column)
        if found == wanted:
            break
    return found


def plain(value: Any) -> str | None:
    """The text a reader sees: markup removed, blanks collapsed, case folded."""
    text = value_text(value)
    if text is None or not text.strip():
        return None
    if "<" in text:
        text = html_text(text) or text
    return " ".join(text.split()).casefold() or None


def mirrors(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> dict[str, str]:
    """``{mirror: kept}`` for columns of one table whose texts agree on the sampled rows.

    The kept column is the one a person reads: the plain text rather than its HTML,
    else the shorter name (``subject`` rather than ``raw_subject``). A column mirrors
    at most one other, and a kept column is never itself folded into a third.
    """
    texts = {c: [plain(row.get(c)) for row in rows] for c in columns}
    html = {c: any(_is_html(row.get(c)) for row in rows[:50]) for c in columns}
    found: dict[str, str] = {}
    for first, second in combinations(columns, 2):
        both = [(a, b) for a, b in zip(texts[first], texts[second], strict=True) if a and b]
        if len(both) < MIRROR_MIN_ROWS:
            continue
        if sum(a == b for a, b in both) < MIRROR_SHARE * len(both):
            continue
        kept, mirror = sorted((first, second), key=lambda c: (html[c], len(c), c))
        if mirror in found or kept in found or mirror in found.values():
            continue
        found[mirror] = kept
    return found


def _is_html(value: Any) -> bool:
    text = value_text(value) or ""
    return "<" in text and bool(html_text(text))
