"""`dsr report`: how many requests came in, how fast they were answered, how many in time.

The report answers the questions a DPO is asked by management and, after a
complaint, by the supervisory authority: requests per month and type, the
median days to answer, and the share answered within the internal target and
within the legal deadline of Art. 12(3) GDPR.

Definitions (the HTML page repeats them, so the figures can be checked):

- A request belongs to the month (``YYYY-MM``) in which it was received.
- *Answered* means closed or rejected: ``closed_at`` is set. It is answered on
  the Europe/Berlin calendar day of ``closed_at`` (the ledger keeps UTC), and
  the days to answer are that day minus the day received.
- The legal deadline is ``extended_until`` when the request was extended, else
  ``due``; the request commands keep ``due`` current, including the days an
  identity question paused the clock. Answered on or before it is on time.
  Within target likewise against ``target`` (requests without one are left out).
- A request not answered yet is *open*. Once its deadline has passed (the day
  after it) it is *overdue* and counts as late in the shares, so a backlog
  cannot make the shares look better than they are. An open request whose
  deadline has not passed yet is not counted in the shares: its outcome is
  still unknown. While the identity question waits for an answer
  (``awaiting_identity``) the clock stands still, so such a request is never
  overdue.
- Everything is as of ``today``: run for a past day, an answer given after it
  counts as not given yet.

The core builds a plain JSON-able document and the chart's geometry; the words
(type names, month names, headings) live in templates/<lang>/report.html.j2.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import select

from dsr.clock import berlin_day
from dsr.ledger import Ledger, Request
from dsr.render.templates import render

REQUEST_TYPES = ("access", "erasure", "rectification", "restriction", "objection", "portability")
"""The six rights in the order reports list them; unknown types follow, sorted."""

ANSWERED_STATUSES = frozenset({"closed", "rejected"})
PAUSED_STATUS = "awaiting_identity"


# --- facts of one request ------------------------------------------------------------------


@dataclass(frozen=True)
class RequestFacts:
    """What the report needs of one request: no identifiers, only dates and states."""

    id: str
    type: str
    status: str
    received: date
    deadline: date
    target: date | None
    answered: date | None

    @classmethod
    def from_row(cls, row: Request) -> RequestFacts:
        return cls(
            id=row.id,
            type=row.type,
            status=row.status,
            received=row.received,
            deadline=legal_deadline(row.due, row.extended_until),
            target=row.target,
            answered=answered_on(row.closed_at),
        )

    def as_of(self, today: date) -> RequestFacts:
        """The request as it stood at the end of ``today``: an answer given later is
        not known yet, so a report for a past day shows that day's backlog."""
        if self.answered is None or self.answered <= today:
            return self
        return replace(self, answered=None, status="open")

    def overdue(self, today: date) -> bool:
        """Open, its clock running, and the deadline day is over."""
        return self.answered is None and self.status != PAUSED_STATUS and today > self.deadline

    def past_target(self, today: date) -> bool:
        return (
            self.answered is None
            and self.status != PAUSED_STATUS
            and self.target is not None
            and today > self.target
        )


def legal_deadline(due: date, extended_until: date | None) -> date:
    """The Art. 12(3) deadline in force: the extended one when there is one."""
    if extended_until is not None and extended_until > due:
        return extended_until
    return due


def answered_on(closed_at: datetime | None) -> date | None:
    """The Europe/Berlin calendar day of a UTC answer time (an answer at 00:30 CET
    on 1 April is a 1 April answer, though the ledger holds 31 March 22:30 UTC)."""
    return None if closed_at is None else berlin_day(closed_at)


# --- counting ------------------------------------------------------------------------------


@dataclass
class _Tally:
    """Counts for one cell (a month and a type, a type, a month, or everything)."""

    received: int = 0
    answered: int = 0
    open: int = 0
    overdue: int = 0
    awaiting_identity: int = 0
    days: list[int] = field(default_factory=list)
    target_met: int = 0
    target_counted: int = 0
    deadline_met: int = 0
    deadline_counted: int = 0

    def add(self, facts: RequestFacts, today: date) -> None:
        self.received += 1
        if facts.answered is not None:
            self.answered += 1
            self.days.append((facts.answered - facts.received).days)
            self.deadline_counted += 1
            self.deadline_met += facts.answered <= facts.deadline
            if facts.target is not None:
                self.target_counted += 1
                self.target_met += facts.answered <= facts.target
            return
        self.open += 1
        self.awaiting_identity += facts.status == PAUSED_STATUS
        if facts.overdue(today):
            self.overdue += 1
            self.deadline_counted += 1
        if facts.past_target(today):
            self.target_counted += 1

    def document(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "answered": self.answered,
            "open": self.open,
            "overdue": self.overdue,
            "awaiting_identity": self.awaiting_identity,
            "median_days": _median(self.days),
            "within_target": _share(self.target_met, self.target_counted),
            "within_deadline": _share(self.deadline_met, self.deadline_counted),
        }


def _median(days: list[int]) -> float | int | None:
    if not days:
        return None
    value = median(days)
    return int(value) if float(value).is_integer() else float(value)


def _share(met: int, counted: int) -> dict[str, Any]:
    """A share with its counts, so a reader sees "4 of 5", not only "80 %"."""
    return {
        "share": round(met / counted, 4) if counted else None,
        "met": met,
        "counted": counted,
    }


# --- months --------------------------------------------------------------------------------


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: date, last: date) -> list[str]:
    """Every month from ``first``'s to ``last``'s, so empty months show as gaps."""
    keys = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        keys.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return keys


def _type_order(types: Iterable[str]) -> list[str]:
    present = set(types)
    known = [t for t in REQUEST_TYPES if t in present]
    return known + sorted(present - set(REQUEST_TYPES))


# --- the document --------------------------------------------------------------------------


def build_report(
    ledger: Ledger, *, since: date | None, until: date | None, today: date
) -> dict[str, Any]:
    """The report over requests received from ``since`` to ``until`` (both inclusive,
    either open-ended), with open and overdue counted as of ``today``."""
    query = select(Request)
    if since is not None:
        query = query.where(Request.received >= since)
    if until is not None:
        query = query.where(Request.received <= until)
    with ledger.session(write=False) as session:
        facts = [RequestFacts.from_row(row) for row in session.scalars(query)]
    return report_from_requests(facts, since=since, until=until, today=today)


def report_from_requests(
    requests: Iterable[RequestFacts], *, since: date | None, until: date | None, today: date
) -> dict[str, Any]:
    """The report document from request facts already read (``build_report`` reads them).

    The period runs from ``since`` (else the first request's month) to ``until``
    (else the later of today and the last request); every month in it is listed,
    also one without requests.
    """
    chosen = [
        r.as_of(today)
        for r in requests
        if (since is None or r.received >= since) and (until is None or r.received <= until)
    ]
    chosen.sort(key=lambda r: (r.received, r.id))
    first = since or (chosen[0].received.replace(day=1) if chosen else None)
    last = until or max([today, *(r.received for r in chosen)])
    months = _months_between(first, last) if first is not None and first <= last else []
    types = _type_order(r.type for r in chosen)

    cells: dict[tuple[str, str], _Tally] = {}
    per_month: dict[str, _Tally] = {m: _Tally() for m in months}
    per_type: dict[str, _Tally] = {t: _Tally() for t in types}
    total = _Tally()
    for r in chosen:
        key = month_key(r.received)
        cells.setdefault((key, r.type), _Tally()).add(r, today)
        per_month.setdefault(key, _Tally()).add(r, today)
        per_type[r.type].add(r, today)
        total.add(r, today)

    open_requests = sorted(
        (r for r in chosen if r.answered is None), key=lambda r: (r.deadline, r.id)
    )
    return {
        "period": {
            "since": first.isoformat() if first is not None else None,
            "until": last.isoformat(),
            "months": len(months),
        },
        "today": today.isoformat(),
        "types": types,
        "months": [
            {
                "month": key,
                "types": {t: cells.get((key, t), _Tally()).document() for t in types},
                "total": per_month[key].document(),
            }
            for key in months
        ],
        "by_type": {t: per_type[t].document() for t in types},
        "total": total.document(),
        "open_requests": [
            {
                "id": r.id,
                "type": r.type,
                "status": r.status,
                "received": r.received.isoformat(),
                "deadline": r.deadline.isoformat(),
                "days_left": (r.deadline - today).days,
                "overdue": r.overdue(today),
            }
            for r in open_requests
        ],
    }


# --- the chart -----------------------------------------------------------------------------

CHART_WIDTH = 960
CHART_HEIGHT = 400
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 64, 20, 64
MAX_LABELLED_MONTHS = 18
"""With more months than this, only every n-th month is labelled, so labels never overlap."""


_INTERVALS = 4
"""The count axis has four intervals, so its gridlines meet the 0/25/50/75/100 % ticks."""


def _nice_step(needed: float) -> int:
    """The smallest round whole step (1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 25, ...) >= ``needed``."""
    magnitude = 1
    while True:
        for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8):
            step = factor * magnitude
            if step >= needed and float(step).is_integer():
                return int(step)
        magnitude *= 10


def chart_layout(report: dict[str, Any]) -> dict[str, Any] | None:
    """Coordinates for the SVG chart: stacked bars of requests per month by type, and
    the share answered within the legal deadline and within the target as lines.

    Pure geometry: the template adds the words, so both languages draw the same
    chart. None when the period has no months.
    """
    months = report["months"]
    if not months:
        return None
    plot_w = CHART_WIDTH - _LEFT - _RIGHT
    plot_h = CHART_HEIGHT - _TOP - _BOTTOM
    bottom = _TOP + plot_h
    highest = max(m["total"]["received"] for m in months)
    # Headroom above the highest bar keeps its total clear of the 100 % line.
    step = _nice_step(max(highest, 1) / 0.85 / _INTERVALS)
    y_max = step * _INTERVALS
    slot = plot_w / len(months)
    bar_w = min(56.0, slot * 0.68)
    every = math.ceil(len(months) / MAX_LABELLED_MONTHS)

    def y_count(value: float) -> float:
        return round(bottom - value / y_max * plot_h, 1)

    def y_share(share: float) -> float:
        return round(bottom - share * plot_h, 1)

    groups = []
    lines: dict[str, list[list[dict[str, Any]]]] = {"within_deadline": [], "within_target": []}
    for index, month in enumerate(months):
        centre = _LEFT + slot * (index + 0.5)
        year, number = (int(part) for part in month["month"].split("-"))
        stacked = 0
        bars = []
        for kind in report["types"]:
            count = month["types"][kind]["received"]
            if not count:
                continue
            top = y_count(stacked + count)
            bars.append(
                {
                    "type": kind,
                    "count": count,
                    "x": round(centre - bar_w / 2, 1),
                    "y": top,
                    "width": round(bar_w, 1),
                    "height": round(y_count(stacked) - top, 1),
                }
            )
            stacked += count
        groups.append(
            {
                "month": month["month"],
                "year": year,
                "number": number,
                "x": round(centre, 1),
                "total": month["total"]["received"],
                "total_y": y_count(stacked) - 6,
                "bars": bars,
                "label": index % every == 0,
                "show_year": index == 0 or number == 1,
            }
        )
        for name, segments in lines.items():
            share = month["total"][name]["share"]
            if share is None:
                if segments and segments[-1]:
                    segments.append([])
                continue
            if not segments:
                segments.append([])
            segments[-1].append({"x": round(centre, 1), "y": y_share(share), "share": share})
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": _LEFT,
        "right": CHART_WIDTH - _RIGHT,
        "top": _TOP,
        "bottom": bottom,
        "count_ticks": [{"value": v, "y": y_count(v)} for v in range(0, y_max + 1, step)],
        "share_ticks": [{"value": p, "y": y_share(p / 100)} for p in (0, 25, 50, 75, 100)],
        "groups": groups,
        "lines": {
            name: [
                {"points": " ".join(f"{p['x']},{p['y']}" for p in seg), "marks": seg}
                for seg in segments
                if seg
            ]
            for name, segments in lines.items()
        },
    }


# --- the HTML page -------------------------------------------------------------------------


def render_report_html(
    report: dict[str, Any],
    *,
    language: str,
    controller: str,
    user_dir: Path | None = None,
) -> str:
    """The self-contained, printable HTML page: table, chart and how to read them."""
    context = {
        "language": language,
        "controller": controller,
        "report": report,
        "chart": chart_layout(report),
    }
    return render("report.html.j2", context, language=language, user_dir=user_dir)
