"""The Berlin calendar day and the reading of ``--at`` / ``--received``: one rule everywhere.

dsr.clock defines it: a naive date-time is Berlin local time, an aware one is
converted, a date alone for ``--at`` is noon of that Berlin day. The first half
checks the rule on the functions every module imports; the second half through
`dsr request` on a real ledger, including the input that used to crash
(``0001-01-01T00:30+14:00``) and the day-boundary cases of summer time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from dsr.clock import BERLIN, berlin_day, parse_at, parse_day, today_berlin
from dsr.errors import UsageError
from dsr.requests.deadlines import receipt_day
from dsr.requests.report import answered_on
from tests.helpers import Result, dsr

# --- the rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-03-05", date(2026, 3, 5)),
        ("2026-03-05T23:30", date(2026, 3, 5)),  # naive: Berlin local time
        ("2026-03-05 23:30:59", date(2026, 3, 5)),
        ("2026-03-05T23:30+00:00", date(2026, 3, 6)),  # 00:30 CET
        ("2026-03-05T23:30Z", date(2026, 3, 6)),
        ("2026-03-05T22:59:59Z", date(2026, 3, 5)),  # 23:59:59 CET
        ("2026-03-05T23:00Z", date(2026, 3, 6)),  # midnight in Berlin, 23:00 in UTC
        ("2026-03-06T00:00Z", date(2026, 3, 6)),  # midnight UTC is 01:00 in Berlin
        ("2026-03-06T00:30+09:00", date(2026, 3, 5)),  # Tokyo morning = Berlin evening before
        ("2026-03-05T18:30-0500", date(2026, 3, 6)),  # New York, offset without a colon
        # 29 March 2026: clocks go from 02:00 CET to 03:00 CEST.
        ("2026-03-28T23:30Z", date(2026, 3, 29)),  # 00:30 CET
        ("2026-03-29T21:59Z", date(2026, 3, 29)),  # 23:59 CEST
        ("2026-03-29T22:00Z", date(2026, 3, 30)),  # 00:00 CEST: the offset is +2 now
        ("2026-03-29T02:30", date(2026, 3, 29)),  # a local time that does not exist
        # 25 October 2026: clocks go from 03:00 CEST back to 02:00 CET.
        ("2026-10-24T22:00Z", date(2026, 10, 25)),  # 00:00 CEST
        ("2026-10-25T22:59Z", date(2026, 10, 25)),  # 23:59 CET: the offset is +1 again
        ("2026-10-25T23:00Z", date(2026, 10, 26)),
    ],
)
def test_the_berlin_day_of_what_a_user_writes(text: str, day: date) -> None:
    assert parse_day(text, "--received") == day
    assert receipt_day(text) == day  # the deadline reads the receipt day the same way


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        ("2026-03-05", datetime(2026, 3, 5, 11, 0, tzinfo=UTC)),  # noon CET
        ("2026-07-05", datetime(2026, 7, 5, 10, 0, tzinfo=UTC)),  # noon CEST
        ("2026-03-05T10:00", datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
        ("2026-03-05T10:00Z", datetime(2026, 3, 5, 10, 0, tzinfo=UTC)),
        ("2026-03-05T10:00+01:00", datetime(2026, 3, 5, 9, 0, tzinfo=UTC)),
        # The hour skipped in March is read with the offset before the change (CET) ...
        ("2026-03-29T02:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        ("2026-03-29T03:30", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # ... the hour repeated in October as its first occurrence (CEST).
        ("2026-10-25T02:30", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25T03:30", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_at_is_an_instant_in_utc(text: str, utc: datetime) -> None:
    moment = parse_at(text)
    assert moment == utc and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "text",
    [
        "0001-01-01T00:30+14:00",  # before year 1 in UTC
        "9999-12-31T23:30-14:00",  # after year 9999 in UTC
        "0001-01-01T00:30",  # naive: Berlin's 1 January of year 1 began before year 1 in UTC
        "",
        "yesterday",
        "05.03.2026",
        "20260305",  # ISO's basic form: Python reads it, users do not mean it
        "2026-W10-4",
        "2026-03-05T10",
        "2026-02-30",
        "2026-03-05T25:00",
        "2026-03-05T10:00+25:00",
    ],
)
def test_bad_text_is_one_line_naming_the_option(text: str) -> None:
    for parse in (lambda t: parse_day(t, "--received"), lambda t: parse_at(t or "x")):
        with pytest.raises(UsageError) as caught:
            parse(text)
        message = str(caught.value)
        assert "\n" not in message
        assert "--received" in message or "--at" in message


def test_at_refuses_the_future_but_takes_today_as_a_date_at_any_hour() -> None:
    today = today_berlin()
    assert parse_at(today.isoformat()) <= datetime.now(UTC)  # noon or now, whichever is earlier
    assert berlin_day(parse_at(today.isoformat())) == today
    with pytest.raises(UsageError, match="--at lies in the future"):
        parse_at((today + timedelta(days=1)).isoformat())
    with pytest.raises(UsageError, match="--at lies in the future"):
        parse_at((datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec="minutes"))
    later = datetime.now(UTC) + timedelta(minutes=2)  # another machine's clock runs ahead
    assert parse_at(later.isoformat()) == later


@pytest.fixture
def new_york_machine() -> Iterator[None]:
    """This process's local zone set to New York, as on a server configured so."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def test_a_naive_time_is_berlin_time_whatever_the_machine_zone(new_york_machine: None) -> None:
    naive = datetime(2026, 3, 5, 23, 30)
    # Before dsr.clock: 5 March as a receipt, 6 March in the request verbs (read as the
    # machine's New York time) and 6 March in the report (read as UTC).
    assert berlin_day(naive) == receipt_day(naive) == answered_on(naive) == date(2026, 3, 5)
    aware = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    assert berlin_day(aware) == receipt_day(aware) == answered_on(aware) == date(2026, 3, 6)
    new_york = timezone(timedelta(hours=-5))
    assert berlin_day(datetime(2026, 3, 5, 19, 0, tzinfo=new_york)) == date(2026, 3, 6)
    assert today_berlin() == datetime.now(BERLIN).date()


# --- through `dsr request` ---------------------------------------------------------------------


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A dsr.yaml with no sources and the default SQLite ledger beside it."""
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\ndeadline: {holidays: DE-BW}\n", encoding="utf-8"
    )
    return tmp_path


def new(folder: Path, *args: str, exit: int = 0) -> Result:
    return dsr(
        folder, "request", "new", "--type", "access", "--email", "a@example.com", *args, "--json",
        exit=exit,
    )  # fmt: skip


@pytest.mark.parametrize("option", ["--received", "--at"])
@pytest.mark.parametrize("text", ["0001-01-01T00:30+14:00", "9999-12-31T23:30-14:00", "2026-02-30"])
def test_request_new_refuses_impossible_times_cleanly(
    company: Path, option: str, text: str
) -> None:
    result = new(company, option, text, exit=2)
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {option} ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_received_at_night_and_on_summer_time_days(company: Path) -> None:
    # 23:30 UTC on Saturday 28 March is 00:30 CET on Sunday 29 March, the day summer time starts.
    doc = new(company, "--received", "2026-03-28T23:30Z", "--at", "2026-03-30T10:00").json
    assert doc["received"] == "2026-03-29"
    # 22:30 UTC on 24 October is 00:30 CEST on Sunday 25 October, the day winter time starts.
    doc = new(company, "--received", "2026-10-24T22:30Z", "--at", "2026-10-26T10:00").json
    assert doc["received"] == "2026-10-25"
    # Naive times are Berlin times for --received and --at alike: 00:10 and 00:20 on 6 March.
    doc = new(company, "--received", "2026-03-06T00:10", "--at", "2026-03-06T00:20").json
    assert doc["received"] == "2026-03-06"
    events = dsr(company, "request", "show", doc["id"], "--json").json["events"]
    assert events[0]["at"].startswith("2026-03-05T23:20")  # stored in UTC


def test_at_today_as_a_date_works_in_the_morning_too(company: Path) -> None:
    # A date alone is noon of that day, capped at now. Before, noon was checked against
    # now first, so `--at <today>` failed every morning as "in the future".
    today = today_berlin().isoformat()
    doc = new(company, "--at", today).json
    assert doc["received"] == today
    dsr(company, "request", "close", doc["id"], "--at", today)


def test_show_gives_the_berlin_day_a_request_was_finished(company: Path) -> None:
    doc = new(company, "--received", "2026-03-05").json
    # 00:30 in Berlin on 20 March is 23:30 UTC on 19 March.
    closed = dsr(company, "request", "close", doc["id"], "--at", "2026-03-20T00:30", "--json").json
    assert closed["closed_at"].startswith("2026-03-19T23:30")
    shown = dsr(company, "request", "show", doc["id"]).stdout
    assert "finished             2026-03-20" in shown
