"""The calendar day in Germany, today, now, and how a date or time typed by a user is read.

Why one module: the legal deadline counts Europe/Berlin calendar days (law.md,
"When the clock starts"), and a time written without a zone has to mean the
same thing wherever dsr reads it. Before this module the same
``2026-03-05T23:30`` was the 5th as a receipt, 22:30 UTC as ``--at``, and the
machine's local time (or UTC) in two other places. The rules, in one place:

- ``BERLIN`` is Europe/Berlin. Every calendar day dsr reasons about (receipt,
  answer, letter date, "today") is a Berlin day.
- A *naive* date-time means Berlin local time: what someone in a German office
  types or copies from a letter. An *aware* one (``Z``, ``+01:00``) is
  converted. The ledger itself keeps aware UTC (dsr.ledger.schema.UTCDateTime),
  so nothing read from it is naive.
- A local time that does not exist (the hour skipped on the last Sunday of
  March) is read with the offset before the change; one that happens twice
  (the hour repeated in October) as its first occurrence (``fold=0``).
- Users write ``DATE`` or ``DATE THH:MM[:SS]``, optionally with ``Z`` or an
  offset; anything else, and anything outside the calendar Python can count
  with (``0001-01-01T00:30+14:00``), is a UsageError that names the option.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dsr.errors import Problem, UsageError

BERLIN = ZoneInfo("Europe/Berlin")
"""The zone of every calendar day dsr counts (receipt, answer, letters, today)."""

NOON = time(12, 0)
"""A day given without a time happened at noon: its Berlin day is the day written, and
it sorts after the morning's events of the same day."""

FUTURE_TOLERANCE = timedelta(minutes=5)
"""How far ``--at`` may lie ahead of this machine's clock: another machine's clock
(the mail server's, a colleague's) may run a little ahead."""

DATE_HINT = "use YYYY-MM-DD or YYYY-MM-DDTHH:MM, optionally with an offset such as +01:00 or Z"

_MOMENT = re.compile(
    r"^(?P<day>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)


def now() -> datetime:
    """This moment, aware, in UTC: how the ledger stores times."""
    return datetime.now(UTC)


def in_berlin(moment: datetime) -> datetime:
    """``moment`` as Berlin local time; a naive one already is (see the module docstring)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=BERLIN)
    return moment.astimezone(BERLIN)


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC, a naive one read as Berlin local time."""
    return in_berlin(moment).astimezone(UTC)


def berlin_day(moment: datetime) -> date:
    """The Europe/Berlin calendar day of ``moment``: 23:30 UTC on 5 March is 6 March
    (00:30 CET); a naive ``moment`` is Berlin local time, so its own date."""
    return in_berlin(moment).date()


def today_berlin() -> date:
    """Today's calendar day in Berlin, whatever zone this machine is set to (a server in
    UTC would otherwise start the day an hour or two late)."""
    return berlin_day(now())


@dataclass(frozen=True)
class Given:
    """A date or date-time as a user wrote it, read once.

    ``day`` is its Berlin calendar day; ``moment`` the instant in aware UTC, or None
    when only a date was written.
    """

    day: date
    moment: datetime | None


def parse_given(value: str, option: str) -> Given:
    """Read ``DATE`` or ``DATE THH:MM[:SS]`` with an optional ``Z`` or offset.

    Raises UsageError naming ``option``: for text of another form, for dates that do
    not exist (30 February, 25:00), and for instants outside the calendar
    (``0001-01-01T00:30+14:00`` lies before year 1 in UTC).
    """
    text = value.strip()
    match = _MOMENT.match(text)
    if match is None:
        raise UsageError(Problem(f"{option} is not a date or a date and time", hint=DATE_HINT))
    try:
        if match["time"] is None:
            return Given(date.fromisoformat(match["day"]), None)
        written = datetime.fromisoformat(text.replace(" ", "T", 1))
    except ValueError:
        raise UsageError(Problem(f"{option} is not a valid date", hint=DATE_HINT)) from None
    try:
        moment = as_utc(written)
        day = berlin_day(written)
    except OverflowError:
        raise UsageError(
            Problem(f"{option} lies outside the calendar", hint="check the year and the offset")
        ) from None
    return Given(day, moment)


def parse_day(value: str, option: str) -> date:
    """The Berlin calendar day of a date or date-time a user wrote (``--received``):
    ``2026-03-05T23:30Z`` arrived on 6 March in Berlin."""
    return parse_given(value, option).day


def parse_at(value: str | None, *, option: str = "--at") -> datetime:
    """When something happened (``--at``), as aware UTC; now when not given.

    A date alone means noon of that Berlin day (so its Berlin day is the one
    written), but never later than now: today given as a date has happened already.
    Refused when it lies in the future beyond ``FUTURE_TOLERANCE``: dsr records what
    has happened.
    """
    current = now()
    if value is None or not value.strip():
        return current
    given = parse_given(value, option)
    if given.moment is None:
        if given.day > berlin_day(current):
            raise UsageError(
                Problem(f"{option} lies in the future", hint="record what has happened")
            )
        return min(as_utc(datetime.combine(given.day, NOON)), current)
    if given.moment > current + FUTURE_TOLERANCE:
        raise UsageError(Problem(f"{option} lies in the future", hint="record what has happened"))
    return given.moment


__all__ = [
    "BERLIN",
    "DATE_HINT",
    "Given",
    "as_utc",
    "berlin_day",
    "in_berlin",
    "now",
    "parse_at",
    "parse_day",
    "parse_given",
    "today_berlin",
]
