"""From a reviewed plan to the changes a connector applies, and the check that the plan still fits.

A plan speaks in rows and reasons (``delete``, ``anonymise`` with a method per
column, ``redact`` by identifier kind, ``keep``); a connector speaks in
``ErasureAction``\\ s (delete, null, mask, redact with substrings). This module
turns one into the other, per source, at execution time:

- ``null`` and ``mask`` need nothing but the plan;
- ``year``, ``region`` and ``pseudonym`` need the row's current value. The
  protocol has no "set this computed value" action, so the value is computed
  here and applied as a ``mask`` of that one column. Each method is idempotent
  (the year of ``"1980"`` is ``"1980"``, a pseudonym is recognised by its
  prefix), so a re-run after a crash finds nothing left to change;
- ``redact`` cuts the request's identifier values of the planned kinds out of
  the text: the plan names kinds only, because it must not hold the values.

Values come from the rows the re-check lookup just read; a row it did not reach
(on a resumed run, links through an already-erased source are gone) is read by
its key (``dsr.connectors.rows.read_rows``: SQL by primary key, files by place).
Rows are told apart by ``rows.row_id``, so a plan's key read back from JSON
(``{"id": 17.0}``, ``{"id": "17"}``) names the row the lookup keys ``{"id": 17}``.
Nothing here keeps or logs a value: errors name the source, table, column and row
key only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dsr.connectors.protocol import Connector, ErasureAction, RowKey
from dsr.connectors.rows import RowId, is_empty, read_keyed, row_id
from dsr.erasure.model import ErasurePlan, PlanAction
from dsr.errors import Problem, SourceError, Where
from dsr.identifiers import normalise_phone, phone_runs
from dsr.ledger.pseudonymise import HASH_PREFIX, keyed_hash
from dsr.lookup.engine import Match

CHANGING = ("delete", "anonymise", "redact")
"""Plan actions that change a source; ``keep`` and ``processor_task`` change nothing here."""

VALUE_METHODS = ("year", "region", "pseudonym")
"""Anonymisation methods computed from the row's current value."""

MASKS = {"de": "[entfernt]", "en": "[removed]"}
"""What a masked or redacted text reads afterwards, in the plan's language."""

PSEUDONYM_PREFIX = "pseudonym-"
"""Start of every pseudonym dsr writes: a re-run recognises it and leaves it alone."""

PSEUDONYM_HEX = 32
"""Hex digits of the keyed hash kept in a pseudonym (128 bits: unique in any table)."""

MIN_REDACTION = 3
"""Shorter identifier texts are not cut out of free text: they would shred unrelated words."""

_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2[01]\d\d)(?!\d)")
_TWO_DIGITS = re.compile(r"\d{2}")


def _place(action: PlanAction) -> str:
    """Where an action's row is, for a message: its table and key (never a value)."""
    key = json.dumps(dict(action.key), sort_keys=True, separators=(",", ":"), default=str)
    return f"table '{action.table}', row {key}"


# -- the plan against the data of today -------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One table where the person's rows today are not the rows the plan covers."""

    source: str
    table: str
    new: tuple[RowKey, ...] = ()
    """Rows of the person found now that the plan has no action for."""
    gone: tuple[RowKey, ...] = ()
    """Planned rows the lookup did not find again."""


def plan_differences(
    plan: ErasurePlan,
    matches: Iterable[Match],
    *,
    sources: Iterable[str],
    resumed: bool,
) -> list[Difference]:
    """Where the person's rows today differ from the rows the plan covers, per source.table.

    Rows found now that the plan has no action for would be left by the plan.
    Planned rows not found again count on a fresh plan only; on a resumed one they
    are what the earlier run erased. Possible (weak) matches are not the person's
    unless the plan covers them (confirmed with ``--confirm``).
    """
    wanted = set(sources)
    planned: dict[tuple[str, str], dict[RowId, RowKey]] = {}
    for action in plan.actions:
        if action.source in wanted:
            place = (action.source, action.table)
            planned.setdefault(place, {})[row_id(action.table, action.key)] = action.key
    found: dict[tuple[str, str], dict[RowId, RowKey]] = {}
    strong: dict[tuple[str, str], set[RowId]] = {}
    for match in matches:
        if match.source in wanted:
            place = (match.source, match.table)
            ident = row_id(match.table, match.key)
            found.setdefault(place, {})[ident] = match.key
            if match.match != "possible":
                strong.setdefault(place, set()).add(ident)
    differences = []
    for place in sorted(set(planned) | set(found)):
        then = planned.get(place, {})
        now = found.get(place, {})
        new = tuple(now[i] for i in sorted(strong.get(place, set()) - set(then), key=repr))
        gone = () if resumed else tuple(then[i] for i in sorted(set(then) - set(now), key=repr))
        if new or gone:
            differences.append(Difference(place[0], place[1], new, gone))
    return differences


def difference_problems(differences: Iterable[Difference]) -> list[Problem]:
    """The differences as problems: counts per table, never a value."""
    problems = []
    for difference in differences:
        parts = []
        if difference.new:
            parts.append(f"{len(difference.new)} row(s) found that the plan does not cover")
        if difference.gone:
            parts.append(f"{len(difference.gone)} planned row(s) no longer found")
        if parts:
            problems.append(
                Problem(
                    f"table '{difference.table}': {', '.join(parts)}",
                    Where(source=difference.source),
                )
            )
    return problems


# -- reading the values some methods need -----------------------------------------------------


def needs_values(action: PlanAction) -> bool:
    """Whether translating ``action`` needs the row's current values: value methods of an
    anonymisation, and a phone number to redact, which a note writes in any format."""
    if action.action == "redact":
        return "phone" in action.redact
    return action.action == "anonymise" and any(
        action.how.get(c) in VALUE_METHODS for c in action.columns
    )


def current_rows(
    connector: Connector, actions: Sequence[PlanAction], known: Mapping[RowId, Mapping[str, Any]]
) -> tuple[dict[RowId, Mapping[str, Any]], set[RowId]]:
    """Current rows for the actions that need values: from ``known`` (the re-check's rows,
    by ``row_id``), else read by key (``rows.read_rows``). Returns the rows by ``row_id``
    and the rows that cannot be read by key at all (a plugin without ``read`` whose rows
    are keyed by their place in a file); rows read and not there are simply absent."""
    found: dict[RowId, Mapping[str, Any]] = {}
    missing: list[tuple[str, RowKey]] = []
    for action in actions:
        if not needs_values(action):
            continue
        ident = row_id(action.table, action.key)
        if ident in known:
            found[ident] = known[ident]
        else:
            missing.append((action.table, action.key))
    read, unread_tables = read_keyed(connector, missing)
    found.update(read)
    unreadable = {row_id(table, key) for table, key in missing if table in unread_tables}
    return found, unreadable


# -- anonymisation methods ----------------------------------------------------------------------


def year_of(value: Any) -> str:
    """The year of a birth date as text: ``1980-05-03``, ``03.05.1980`` and ``1980`` give
    ``1980``. Raises ValueError when the value holds no single year."""
    if isinstance(value, datetime | date):
        return str(value.year)
    years = set(_YEAR.findall(str(value)))
    if len(years) != 1:
        raise ValueError("holds no single year")
    return years.pop()


def region_of(value: Any) -> str:
    """The region of a postcode: its first two digits (``D-70173`` and ``70`` give ``70``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    found = _TWO_DIGITS.search(str(value))
    if found is None:
        raise ValueError("holds no postcode digits")
    return found.group(0)


def pseudonym_of(value: Any, key: bytes) -> str:
    """A keyed pseudonym of the value (the same value gives the same pseudonym, so a unique
    column stays unique and joins on it still work); a pseudonym is left as it is."""
    text = str(value).strip()
    if text.startswith(PSEUDONYM_PREFIX):
        return text
    digest = keyed_hash(key, "pseudonym", text.casefold())[len(HASH_PREFIX) :]
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX]


def generalise(method: str, value: Any, key: bytes | None) -> str:
    """The new text of one value under ``method`` (year, region, pseudonym)."""
    if method == "year":
        return year_of(value)
    if method == "region":
        return region_of(value)
    if method == "pseudonym":
        if key is None:
            raise ValueError("needs the ledger's key")
        return pseudonym_of(value, key)
    raise ValueError(f"unknown method '{method}'")


# -- redaction texts -------------------------------------------------------------------------------


def redaction_texts(
    identifiers: Mapping[str, Sequence[str]], kinds: Iterable[str]
) -> tuple[str, ...]:
    """The texts to cut out for the identifier ``kinds`` (an id without its ``SOURCE:``),
    longest first so a full name is cut before a part of it. ``identifiers`` holds each
    identifier as logged and as normalised (``Jürgen`` and ``juergen``)."""
    texts: set[str] = set()
    for kind in kinds:
        for value in identifiers.get(kind, ()):
            text = value.partition(":")[2] if kind == "id" and ":" in value else value
            text = text.strip()
            if len(text) >= MIN_REDACTION:
                texts.add(text)
    return tuple(sorted(texts, key=lambda t: (-len(t), t)))


def _with_written_phones(
    texts: tuple[str, ...],
    row: Mapping[str, Any],
    columns: Sequence[str],
    numbers: set[str],
    region: str,
) -> tuple[str, ...]:
    """``texts`` and the person's phone ``numbers`` (E.164) as the row's text writes them
    (``0171 234 56 78``: no fixed list of formats holds every way of typing a number)."""
    written = {
        run
        for column in columns
        if isinstance(row.get(column), str)
        for run in phone_runs(row[column], numbers, region)
    }
    return tuple(sorted(set(texts) | written, key=lambda t: (-len(t), t)))


# -- plan actions to connector actions ---------------------------------------------------------


@dataclass(frozen=True)
class Translated:
    """A source's connector actions, and how many planned changes found their row gone."""

    actions: list[ErasureAction]
    gone: int = 0


def translate(
    actions: Sequence[PlanAction],
    *,
    source: str,
    rows: Mapping[RowId, Mapping[str, Any]],
    unreadable: set[RowId],
    identifiers: Mapping[str, Sequence[str]],
    mask: str,
    key: bytes | None,
    region: str = "DE",
) -> Translated:
    """The connector actions for one source's plan actions, in the plan's ``order``.

    Raises SourceError, before anything is changed, when a value cannot be
    computed or a redaction has no text to cut out; the message names the
    table, row key and column, not the value.
    """
    where = Where(source=source)
    phones = {n for form in identifiers.get("phone", ()) if (n := normalise_phone(form, region))}
    out: list[ErasureAction] = []
    gone = 0
    for action in sorted(actions, key=lambda a: a.order):
        if action.action == "delete":
            out.append(ErasureAction(action.table, dict(action.key), "delete", mask=mask))
        elif action.action == "redact":
            texts = redaction_texts(identifiers, action.redact)
            row = rows.get(row_id(action.table, action.key))
            if "phone" in action.redact and row is not None:
                texts = _with_written_phones(texts, row, action.columns, phones, region)
            if not texts:
                raise SourceError(
                    Problem(
                        f"{_place(action)}: the request holds no "
                        f"{'/'.join(action.redact) or 'identifier'} to redact "
                        "(pseudonymised or never logged)",
                        where,
                        "redact this row by hand, or plan again with the identifier logged",
                    )
                )
            out.append(
                ErasureAction(
                    action.table, dict(action.key), "redact", tuple(action.columns), mask, texts
                )
            )
        elif action.action == "anonymise":
            translated, row_gone = _anonymise(action, rows, unreadable, mask, key, where)
            out.extend(translated)
            gone += row_gone
    return Translated(out, gone)


def _anonymise(
    action: PlanAction,
    rows: Mapping[RowId, Mapping[str, Any]],
    unreadable: set[RowId],
    mask: str,
    key: bytes | None,
    where: Where,
) -> tuple[list[ErasureAction], int]:
    """One anonymised row: null and mask columns grouped, value methods one column each."""
    by_method: dict[str, list[str]] = {}
    for column in action.columns:
        # A column without a method is emptied: the plan said it must not stay as it is.
        by_method.setdefault(action.how.get(column, "null"), []).append(column)
    out = []
    table, key_ = action.table, dict(action.key)
    for method in ("null", "mask"):
        if by_method.get(method):
            out.append(ErasureAction(table, key_, method, tuple(by_method[method]), mask))
    valued = [(c, m) for m, cols in by_method.items() if m in VALUE_METHODS for c in cols]
    unknown = sorted(set(by_method) - {"null", "mask", *VALUE_METHODS})
    if unknown:
        raise SourceError(
            Problem(f"{_place(action)}: unknown anonymisation method '{unknown[0]}'", where)
        )
    if not valued:
        return out, 0
    ident = row_id(action.table, action.key)
    row = rows.get(ident)
    if row is None:
        if ident in unreadable:
            raise SourceError(
                Problem(
                    f"{_place(action)} was not found again, so its "
                    f"{'/'.join(sorted({m for _, m in valued}))} cannot be computed",
                    where,
                    "make a new plan: dsr erase ID",
                )
            )
        return out, 1  # read by key and not there: the row is gone, nothing to anonymise
    for column, method in valued:
        value = row.get(column)
        if is_empty(value):
            continue
        try:
            new = generalise(method, value, key)
        except ValueError as exc:
            raise SourceError(
                Problem(
                    f"{_place(action)}: column '{column}' {exc}, so no {method} can be kept",
                    where,
                    "plan null for this column instead: dsr erase ID",
                )
            ) from exc
        out.append(ErasureAction(table, key_, "mask", (column,), new))
    return out, 0
