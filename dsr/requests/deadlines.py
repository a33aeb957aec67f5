"""The Art. 12(3) GDPR deadline, counted by Regulation 1182/71, with its explanation.

Why a module of its own: a missed month costs a complaint, and the DPO must be
able to show how a date was reached. So every date here comes with the steps
that produced it, in German and English, and every choice the law leaves open
is a POLICY setting of ``dsr.config.models.Deadline`` (law.md §2):

- the day of receipt does not count; the period ends on the same date of the
  next month, or on that month's last day when it has none (Reg. 1182/71
  Art. 3(2)(c)); the last day of a month never maps to the last day of the next
  (30 April -> 30 May);
- an end on a Saturday, Sunday or public holiday of the configured country and
  state moves to the next working day (Art. 3(4)); only the end moves;
- an extension adds two months to the *unshifted* end of the first month
  (``extension_from``), an identity pause adds its days to the unshifted end
  (``pause_added_to``), and the shift is applied once, at the very end;
- the last day to declare an extension (and to refuse, Art. 12(4)) is the first
  month's shifted end and is never paused.

The receipt day is the Europe/Berlin calendar day, also at night and at
weekends (POLICY: no postponement of "Zugang" to the next business day).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter

from dsr.clock import berlin_day, parse_day
from dsr.config.models import Deadline
from dsr.errors import UsageError
from dsr.requests.deadline_names import (
    HOLIDAY_LANGUAGE,
    MONTHS,
    check_language,
    format_day,
    named_sunday,
    region_name,
)

EXTENSION_MONTHS = 2


@dataclass(frozen=True)
class Step:
    """One fact of the explanation, in both languages, so a stored result can be
    shown in whichever language the reader needs."""

    de: str
    en: str

    def text(self, language: str) -> str:
        return self.de if check_language(language) == "de" else self.en


@dataclass(frozen=True)
class DeadlineResult:
    """A request's dates and how they were reached."""

    received: date  # the Europe/Berlin calendar day of receipt
    first_month_end: date  # unshifted: same date next month, or that month's last day
    due: date  # the legal due date after pause, extension and the final shift
    target: date  # internal target: received + target_days (+ paused days), shifted
    extension_deadline: date  # last day to declare an extension: the first month, shifted
    paused_days: int
    extended: bool
    steps: tuple[Step, ...]

    @property
    def refusal_deadline(self) -> date:
        """Art. 12(4): a refusal must arrive within one month of receipt; never paused."""
        return self.extension_deadline

    @property
    def needs_review(self) -> bool:
        """A pause together with an extension: the law does not fix the order (law.md §8),
        so a person should confirm the date dsr computed."""
        return self.extended and self.paused_days > 0


# --- receipt ---------------------------------------------------------------------------------


def receipt_day(value: date | datetime | str, *, option: str = "the day of receipt") -> date:
    """The Europe/Berlin calendar day of a receipt given as a date, datetime or ISO text.

    Read by dsr.clock, like every date a user gives: a naive time is Berlin
    local time, an aware one is converted to Berlin. So a mail at 23:30 UTC on
    5 March arrived on 6 March in Berlin, and its month starts counting from
    there. Bad text is a UsageError naming ``option``.
    """
    if isinstance(value, datetime):
        return berlin_day(value)
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise UsageError(f"cannot read a date from a {type(value).__name__}")
    return parse_day(value, option)


# --- calendar arithmetic ---------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same date ``months`` later, or that month's last day when it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- holidays --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _calendar(
    country: str, subdivision: str | None, categories: tuple[str, ...], language: str
) -> holidays.HolidayBase:
    """The holidays of a place; it loads further years by itself when asked about them."""
    try:
        known = holidays.country_holidays(country).subdivisions
        if subdivision is not None:
            matches = [s for s in known if s.upper() == subdivision.upper()]
            subdivision = matches[0] if matches else subdivision
        try:
            return holidays.country_holidays(
                country, subdiv=subdivision, categories=categories, language=language
            )
        except NotImplementedError:  # the country has no translation into this language
            return holidays.country_holidays(country, subdiv=subdivision, categories=categories)
    except (NotImplementedError, ValueError, KeyError) as exc:
        place = f"{country}-{subdivision}" if subdivision else country
        raise UsageError(
            f"deadline.holidays: cannot load the holidays of {place} "
            f"with categories {', '.join(categories)}: {exc}"
        ) from None


def _holidays(settings: Deadline, language: str = "de") -> holidays.HolidayBase:
    categories = tuple(dict.fromkeys(("public", *settings.holiday_categories)))
    return _calendar(settings.country, settings.subdivision, categories, HOLIDAY_LANGUAGE[language])


def holiday_name(day: date, settings: Deadline, language: str) -> str | None:
    """The public holiday's name on that day ("Ostermontag" / "Easter Monday"), else None."""
    check_language(language)
    return _holidays(settings, language).get(day)


def is_working_day(day: date, settings: Deadline) -> bool:
    """Monday to Friday and not a public holiday of the configured place.

    24 and 31 December are working days: no German law makes them holidays.
    """
    return day.weekday() < 5 and day not in _holidays(settings)


def working_days_between(start: date, end: date, settings: Deadline) -> int:
    """The working days after ``start`` up to and including ``end`` (0 if end <= start).

    For "the identity question went out late": received on a Monday and asked on
    Thursday is 3 working days; dsr warns above
    ``identity_question_warn_working_days`` (EDPB 01/2022 para 159).
    """
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        count += is_working_day(day, settings)
        day += timedelta(days=1)
    return count


def identity_question_is_late(received: date, asked: date, settings: Deadline) -> bool:
    """True when the identity question went out more than
    ``identity_question_warn_working_days`` working days after receipt.

    The EDPB allows a pause only when the controller asked "without undue delay"
    (01/2022 para 159), so dsr warns instead of pausing silently (POLICY: 3 days).
    """
    limit = settings.identity_question_warn_working_days
    return working_days_between(received, asked, settings) > limit


def _shift(day: date, settings: Deadline) -> tuple[date, list[date]]:
    """The next working day from ``day`` on, and the days skipped to reach it."""
    skipped: list[date] = []
    while not is_working_day(day, settings):
        skipped.append(day)
        day += timedelta(days=1)
    return day, skipped


# --- the deadline ----------------------------------------------------------------------------


def compute_deadline(
    received: date, settings: Deadline, *, paused_days: int = 0, extended: bool = False
) -> DeadlineResult:
    """The due date, internal target and extension deadline of a request received that day.

    ``paused_days`` is the time the clock stood still for an identity question
    (answer received - question sent); ``extended`` whether two further months
    were declared. The internal target moves by the same paused days, since the
    team cannot answer while it waits either; it is never extended.
    """
    if paused_days < 0:
        raise UsageError(f"paused days cannot be negative (got {paused_days})")
    steps = _Steps(settings)
    steps.add(de=f"Eingegangen am {_de(received)}", en=f"Received {_en(received)}")

    first_end = add_months(received, 1)
    steps.add(
        de=f"ein Monat später ist {_de(first_end)}{_clip_note(received, first_end, 'de')}",
        en=f"one month later is {_en(first_end)}{_clip_note(received, first_end, 'en')}",
    )
    extension_deadline, _ = _shift(first_end, settings)

    end = first_end
    if extended:
        if settings.extension_from == "shifted":
            end = steps.shift(end)
            start_de = f"dem verschobenen Fristende {_de(end)}"
            start_en = f"the shifted end {_en(end)}"
        else:
            start_de, start_en = _de(end), _en(end)
            if extension_deadline != end:  # say so: the weekend shift is not applied here
                start_de = f"dem unverschobenen Monatsende {start_de}"
                start_en = f"the unshifted end {start_en}"
        extended_end = add_months(end, EXTENSION_MONTHS)
        steps.add(
            de=f"um zwei weitere Monate verlängert, gerechnet ab {start_de}: "
            f"{_de(extended_end)}{_clip_note(end, extended_end, 'de')}",
            en=f"extended by two further months, counted from {start_en}: "
            f"{_en(extended_end)}{_clip_note(end, extended_end, 'en')}",
        )
        end = extended_end

    if paused_days:
        if settings.pause_added_to == "shifted":
            end = steps.shift(end)
        end += timedelta(days=paused_days)
        days_de = "1 Tag" if paused_days == 1 else f"{paused_days} Tage"
        days_en = "1 day" if paused_days == 1 else f"{paused_days} days"
        steps.add(
            de=f"die Frist stand für die Identitätsprüfung {days_de} still: {_de(end)}",
            en=f"the clock stopped for {days_en} for the identity check: {_en(end)}",
        )
        if extended:
            steps.add(
                de="Achtung: Ob die Pause vor oder nach der Verlängerung zu rechnen ist, "
                "regelt das Gesetz nicht; bitte lassen Sie das Datum von einer Person prüfen",
                en="Note: the law does not say whether the pause counts before or after "
                "the extension; please have a person check this date",
            )

    due = steps.shift(end)
    steps.add(de=f"fällig am {_de(due)}", en=f"due {_en(due)}")

    target, _ = _shift(received + timedelta(days=settings.target_days + paused_days), settings)
    return DeadlineResult(
        received=received,
        first_month_end=first_end,
        due=due,
        target=target,
        extension_deadline=extension_deadline,
        paused_days=paused_days,
        extended=extended,
        steps=tuple(steps.steps),
    )


def explain(result: DeadlineResult, language: str) -> list[str]:
    """The explanation's steps in "de" or "en"; join them with "; " for one line."""
    check_language(language)
    return [step.text(language) for step in result.steps]


# --- the explanation -------------------------------------------------------------------------


def _de(day: date) -> str:
    return format_day(day, "de")


def _en(day: date) -> str:
    return format_day(day, "en")


def _clip_note(start: date, end: date, language: str) -> str:
    """Why a month ended early: the next month has no such date (31 Jan -> 28 Feb)."""
    if end.day == start.day:
        return ""
    month = MONTHS[language][end.month - 1]
    if language == "de":
        return f" (der {month} hat keinen {start.day}., also zählt sein letzter Tag)"
    return f" ({month} has no day {start.day}, so its last day counts)"


class _Steps:
    """Collects the steps; shifts a date and says which days were skipped and why."""

    def __init__(self, settings: Deadline) -> None:
        self.settings = settings
        self.steps: list[Step] = []

    def add(self, *, de: str, en: str) -> None:
        self.steps.append(Step(de=de, en=en))

    def shift(self, day: date) -> date:
        shifted, skipped = _shift(day, self.settings)
        for run in _runs(skipped):
            self.steps.append(Step(de=self._skipped(run, "de"), en=self._skipped(run, "en")))
        return shifted

    def _skipped(self, run: list[date], language: str) -> str:
        """'Ostersonntag und Ostermontag sind Sonn- und Feiertage in Baden-Württemberg'."""
        labels: list[str] = []
        holiday_count = 0
        weekend: list[date] = []
        for day in run:
            name = holiday_name(day, self.settings, language)
            if name is not None:
                holiday_count += 1
                labels.append(name)
            else:
                weekend.append(day)
                sunday = named_sunday(day, easter(day.year), language)
                labels.append(sunday or format_day(day, language))
        region = region_name(self.settings.country, self.settings.subdivision, language)
        subject = _join(labels, language)
        plural = len(run) > 1
        only_sundays = all(day.weekday() == 6 for day in weekend)
        if language == "de":
            verb = "sind" if plural else "ist"
            if not weekend:
                what = "Feiertage" if plural else "ein Feiertag"
                return f"{subject} {verb} {what} in {region}"
            if not holiday_count:
                return f"{subject} {verb} Wochenende"
            kind = "Sonn-" if only_sundays else "Wochenend-"
            return f"{subject} {verb} {kind} und Feiertage in {region}"
        verb = "are" if plural else "is"
        if not weekend:
            what = "public holidays" if plural else "a public holiday"
            return f"{subject} {verb} {what} in {region}"
        if not holiday_count:
            return f"{subject} {verb} {'the weekend' if plural else 'a weekend day'}"
        if len(weekend) == 1:
            days = "a Sunday" if only_sundays else "a Saturday"
        else:
            days = "weekend days"
        holidays_text = "public holidays" if holiday_count > 1 else "a public holiday"
        return f"{subject} {verb} {days} and {holidays_text} in {region}"


def _runs(days: Iterable[date]) -> list[list[date]]:
    """Consecutive days grouped, so one step names one stretch of days off."""
    runs: list[list[date]] = []
    for day in days:
        if runs and runs[-1][-1] + timedelta(days=1) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def _join(items: list[str], language: str) -> str:
    if len(items) == 1:
        return items[0]
    word = " und " if language == "de" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


__all__: list[str] = [
    "DeadlineResult",
    "Step",
    "add_months",
    "compute_deadline",
    "explain",
    "holiday_name",
    "identity_question_is_late",
    "is_working_day",
    "receipt_day",
    "working_days_between",
]
