"""The Art. 12(3) deadline engine against hand-computed cases (tests/cases/deadlines.yaml).

The cases are data so that a lawyer can read and extend them without reading
Python; the tests below them cover what is not a single date: the receipt day's
time zone, the explanation's wording, working days, and every German Land.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsr.config.models import Deadline
from dsr.errors import UsageError
from dsr.requests.deadline_names import GERMAN_STATES, format_day, region_name
from dsr.requests.deadlines import (
    DeadlineResult,
    add_months,
    compute_deadline,
    explain,
    holiday_name,
    identity_question_is_late,
    is_working_day,
    receipt_day,
    working_days_between,
)

CASES_FILE = Path(__file__).parent / "cases" / "deadlines.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
CASE_KEYS = {
    "id", "received", "holidays", "options", "due", "target",
    "extension_deadline", "first_month_end", "note",
}  # fmt: skip
ENGINE_OPTIONS = {"paused_days", "extended"}

BW = Deadline(holidays="DE-BW")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _run_case(case: dict[str, Any]) -> DeadlineResult:
    options = dict(case.get("options") or {})
    engine = {key: options.pop(key) for key in ENGINE_OPTIONS if key in options}
    settings = Deadline(holidays=case["holidays"], **options)
    return compute_deadline(_day(case["received"]), settings, **engine)


def test_case_file_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        assert set(case) <= CASE_KEYS, f"{case['id']}: unknown keys {set(case) - CASE_KEYS}"
        assert {"id", "received", "holidays", "due", "note"} <= set(case), case["id"]
        assert isinstance(case["received"], date), f"{case['id']}: received must be a date"


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_deadline_case(case: dict[str, Any]) -> None:
    result = _run_case(case)
    note = f"{case['id']}: {case['note']}"
    assert result.received == _day(case["received"])
    assert result.due == _day(case["due"]), note
    for key in ("target", "extension_deadline", "first_month_end"):
        if key in case:
            assert getattr(result, key) == _day(case[key]), f"{key} - {note}"
    # Whatever the case, the result is consistent with itself.
    assert is_working_day(result.due, Deadline(holidays=case["holidays"]))
    assert result.extension_deadline <= result.due
    assert result.refusal_deadline == result.extension_deadline
    assert result.steps[-1].en == f"due {format_day(result.due, 'en')}"
    assert result.steps[-1].de == f"fällig am {format_day(result.due, 'de')}"


# --- receipt day -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 5), date(2026, 3, 5)),
        ("2026-03-05", date(2026, 3, 5)),
        (" 2026-03-05 ", date(2026, 3, 5)),
        ("2026-03-05T23:30", date(2026, 3, 5)),  # naive: Berlin local time
        ("2026-03-05 23:59:59", date(2026, 3, 5)),
        ("2026-03-05T22:30:00+00:00", date(2026, 3, 5)),  # 23:30 in Berlin (CET)
        ("2026-03-05T23:30:00+00:00", date(2026, 3, 6)),  # 00:30 on 6 March in Berlin
        ("2026-03-05T23:30Z", date(2026, 3, 6)),
        ("2026-07-05T22:30Z", date(2026, 7, 6)),  # summer time: 00:30 CEST
        ("2026-07-05T21:59Z", date(2026, 7, 5)),
        ("2026-03-06T00:30+09:00", date(2026, 3, 5)),  # Tokyo morning = Berlin evening before
        ("2026-03-07T10:00", date(2026, 3, 7)),  # a Saturday stays a Saturday (no Zugang shift)
    ],
)
def test_receipt_day(value: date | str, expected: date) -> None:
    assert receipt_day(value) == expected


def test_receipt_day_of_datetimes() -> None:
    assert receipt_day(datetime(2026, 3, 5, 23, 30)) == date(2026, 3, 5)
    assert receipt_day(datetime(2026, 3, 5, 23, 30, tzinfo=UTC)) == date(2026, 3, 6)
    new_york = timezone(timedelta(hours=-5))
    assert receipt_day(datetime(2026, 3, 5, 19, 0, tzinfo=new_york)) == date(2026, 3, 6)


@pytest.mark.parametrize(
    "text", ["", "yesterday", "2026-02-30", "05.03.2026", "2026-03-05T25:00", "2026-13-01"]
)
def test_receipt_day_rejects_bad_text_in_one_line(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        receipt_day(text)
    message = str(caught.value)
    assert "\n" not in message
    assert "YYYY-MM-DD" in message


# --- explanation -----------------------------------------------------------------------------


def test_explanation_of_easter_in_german() -> None:
    result = compute_deadline(date(2026, 3, 5), BW)
    assert explain(result, "de") == [
        "Eingegangen am Do., 5. März 2026",
        "ein Monat später ist So., 5. April 2026",
        "Ostersonntag und Ostermontag sind Sonn- und Feiertage in Baden-Württemberg",
        "fällig am Di., 7. April 2026",
    ]


def test_explanation_of_easter_in_english() -> None:
    result = compute_deadline(date(2026, 3, 5), BW)
    assert explain(result, "en") == [
        "Received Thu 5 March 2026",
        "one month later is Sun 5 April 2026",
        "Easter Sunday and Easter Monday are a Sunday and a public holiday in Baden-Württemberg",
        "due Tue 7 April 2026",
    ]


def test_explanation_of_a_short_month_and_a_weekend() -> None:
    text = "; ".join(explain(compute_deadline(date(2026, 1, 31), BW), "en"))
    assert "one month later is Sat 28 February 2026 (February has no day 31" in text
    assert "Sat 28 February 2026 and Sun 1 March 2026 are the weekend" in text
    assert text.endswith("due Mon 2 March 2026")
    german = "; ".join(explain(compute_deadline(date(2026, 1, 31), BW), "de"))
    assert "der Februar hat keinen 31." in german
    assert "sind Wochenende" in german


def test_explanation_of_the_year_end_names_new_year_and_the_state() -> None:
    settings = Deadline(holidays="DE-NI")
    german = explain(compute_deadline(date(2028, 11, 30), settings), "de")
    assert "Neujahr" in german[2] and "Niedersachsen" in german[2]
    english = explain(compute_deadline(date(2028, 11, 30), settings), "en")
    assert "New Year's Day" in english[2] and "Lower Saxony" in english[2]


def test_explanation_of_extension_and_pause_asks_a_person() -> None:
    result = compute_deadline(date(2026, 1, 31), BW, extended=True, paused_days=10)
    english = explain(result, "en")
    assert (
        "extended by two further months, counted from the unshifted end "
        "Sat 28 February 2026: Tue 28 April 2026"
    ) in english
    assert "the clock stopped for 10 days for the identity check: Fri 8 May 2026" in english
    assert any("have a person check" in step for step in english)
    assert any("von einer Person prüfen" in step for step in explain(result, "de"))
    assert english[-1] == "due Fri 8 May 2026"


def test_only_a_pause_with_an_extension_asks_a_person() -> None:
    for result in (
        compute_deadline(date(2026, 1, 31), BW, paused_days=10),
        compute_deadline(date(2026, 1, 31), BW, extended=True),
    ):
        assert not any("person" in step for step in explain(result, "en"))


def test_explanation_of_shifted_extension_shows_both_shifts() -> None:
    settings = Deadline(holidays="DE-BW", extension_from="shifted")
    english = explain(compute_deadline(date(2026, 1, 31), settings, extended=True), "en")
    assert english == [
        "Received Sat 31 January 2026",
        "one month later is Sat 28 February 2026 (February has no day 31, so its last day counts)",
        "Sat 28 February 2026 and Sun 1 March 2026 are the weekend",
        "extended by two further months, counted from the shifted end Mon 2 March 2026: "
        "Sat 2 May 2026",
        "Sat 2 May 2026 and Sun 3 May 2026 are the weekend",
        "due Mon 4 May 2026",
    ]


def test_explanation_of_one_pause_day() -> None:
    english = explain(compute_deadline(date(2026, 3, 2), BW, paused_days=1), "en")
    assert "the clock stopped for 1 day for the identity check: Fri 3 April 2026" in english
    # Good Friday is the end after the pause; the run of days off has four members.
    assert (
        "Good Friday, Sat 4 April 2026, Easter Sunday and Easter Monday are weekend days "
        "and public holidays in Baden-Württemberg"
    ) in english
    assert english[-1] == "due Tue 7 April 2026"
    german = explain(compute_deadline(date(2026, 3, 2), BW, paused_days=1), "de")
    assert "die Frist stand für die Identitätsprüfung 1 Tag still: Fr., 3. April 2026" in german
    assert (
        "Karfreitag, Sa., 4. April 2026, Ostersonntag und Ostermontag sind Wochenend- und "
        "Feiertage in Baden-Württemberg"
    ) in german


def test_a_single_holiday_reads_in_the_singular() -> None:
    german = explain(compute_deadline(date(2026, 5, 4), BW), "de")
    assert "Fronleichnam ist ein Feiertag in Baden-Württemberg" in german
    english = explain(compute_deadline(date(2026, 5, 4), BW), "en")
    assert "Corpus Christi is a public holiday in Baden-Württemberg" in english


def test_explain_rejects_an_unknown_language() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        explain(compute_deadline(date(2026, 3, 5), BW), "fr")


# --- working days and holidays ---------------------------------------------------------------


def test_working_days_between() -> None:
    # Received Mon 2 Mar 2026, asked Thu 5 Mar: Tue, Wed, Thu.
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 5), BW) == 3
    assert working_days_between(date(2026, 3, 2), date(2026, 3, 2), BW) == 0
    assert working_days_between(date(2026, 3, 5), date(2026, 3, 2), BW) == 0
    # Received Thu 2 Apr 2026, asked Thu 9 Apr: Good Friday, the weekend and Easter
    # Monday do not count -> Tue 7, Wed 8, Thu 9.
    assert working_days_between(date(2026, 4, 2), date(2026, 4, 9), BW) == 3
    # Fronleichnam counts in Berlin, not in BW: Wed 3 -> Mon 8 Jun 2026.
    assert working_days_between(date(2026, 6, 3), date(2026, 6, 8), BW) == 2
    assert working_days_between(date(2026, 6, 3), date(2026, 6, 8), Deadline(holidays="DE-BE")) == 3


def test_identity_question_is_late_after_three_working_days() -> None:
    # Received Thu 2 Apr 2026 (Easter follows): Tue 7, Wed 8, Thu 9 are days 1-3.
    assert not identity_question_is_late(date(2026, 4, 2), date(2026, 4, 9), BW)
    assert identity_question_is_late(date(2026, 4, 2), date(2026, 4, 10), BW)
    stricter = Deadline(holidays="DE-BW", identity_question_warn_working_days=1)
    assert identity_question_is_late(date(2026, 4, 2), date(2026, 4, 8), stricter)


def test_needs_review_only_for_a_pause_with_an_extension() -> None:
    received = date(2026, 1, 31)
    assert compute_deadline(received, BW, extended=True, paused_days=3).needs_review
    assert not compute_deadline(received, BW, extended=True).needs_review
    assert not compute_deadline(received, BW, paused_days=3).needs_review


def test_is_working_day_and_holiday_names() -> None:
    assert not is_working_day(date(2026, 4, 6), BW)
    assert not is_working_day(date(2026, 3, 7), BW)  # Saturday
    assert is_working_day(date(2026, 12, 24), BW)
    assert is_working_day(date(2026, 12, 31), BW)
    assert holiday_name(date(2026, 4, 6), BW, "de") == "Ostermontag"
    assert holiday_name(date(2026, 4, 6), BW, "en") == "Easter Monday"
    assert holiday_name(date(2026, 12, 24), BW, "de") is None
    assert holiday_name(date(2026, 3, 7), BW, "en") is None  # a Saturday is no holiday


def test_the_following_year_is_loaded() -> None:
    # A fresh settings object first asked about 2028 must still know New Year 2029.
    settings = Deadline(holidays="DE-HH")
    assert compute_deadline(date(2028, 11, 30), settings).due == date(2029, 1, 2)
    assert holiday_name(date(2029, 1, 1), settings, "de") == "Neujahr"


@pytest.mark.parametrize("state", sorted(s for s in GERMAN_STATES if s != "AUGSBURG"))
def test_every_german_state(state: str) -> None:
    settings = Deadline(holidays=f"DE-{state}")
    # Easter Monday and New Year are holidays everywhere in Germany.
    assert compute_deadline(date(2026, 3, 5), settings).due == date(2026, 4, 7)
    assert compute_deadline(date(2028, 11, 30), settings).due == date(2029, 1, 2)
    assert holiday_name(date(2026, 10, 3), settings, "de") == "Tag der Deutschen Einheit"
    for language in ("de", "en"):
        name = region_name("DE", state, language)
        assert name and name != state
        steps = explain(compute_deadline(date(2026, 3, 5), settings), language)
        assert name in steps[2]


def test_state_names_in_both_languages() -> None:
    assert region_name("DE", "BY", "de") == "Bayern"
    assert region_name("DE", "BY", "en") == "Bavaria"
    assert region_name("DE", "TH", "de") == "Thüringen"
    assert region_name("DE", "NW", "en") == "North Rhine-Westphalia"
    assert region_name("DE", None, "de") == "Deutschland"
    assert region_name("DE", None, "en") == "Germany"


def test_a_country_other_than_germany() -> None:
    austria = Deadline(holidays="AT")
    # 26 Oct 2026 (Mon) is the Austrian national day.
    assert compute_deadline(date(2026, 9, 26), austria).due == date(2026, 10, 27)
    assert "Österreich" in explain(compute_deadline(date(2026, 9, 26), austria), "de")[-2]


def test_unknown_holiday_category_is_a_usage_error() -> None:
    settings = Deadline(holidays="DE-BY", holiday_categories=["no-such-category"])
    with pytest.raises(UsageError) as caught:
        compute_deadline(date(2026, 3, 5), settings)
    assert "\n" not in str(caught.value)


def test_negative_pause_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        compute_deadline(date(2026, 3, 5), BW, paused_days=-1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 4, 30), 1, date(2026, 5, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_the_extension_is_never_later_than_three_months_or_the_shifted_count() -> None:
    # law.md 2.3: counting from the unshifted end is never later than receipt + 3 months
    # (shifted to a working day), nor later than counting from the shifted end.
    shifted_policy = Deadline(holidays="DE-BW", extension_from="shifted")
    day = date(2026, 1, 1)
    while day < date(2027, 1, 1):
        due = compute_deadline(day, BW, extended=True).due
        limit = add_months(day, 3)
        while not is_working_day(limit, BW):
            limit += timedelta(days=1)
        assert due <= limit, day
        assert due <= compute_deadline(day, shifted_policy, extended=True).due, day
        day += timedelta(days=1)
