"""`dsr report` on a real ledger with known dates: exact medians, shares, open and
overdue counts; the terminal table, --json, and the HTML page with its chart in both
languages, rendered in a real headless Chromium.

The ledger (LEDGER below) spans January to April 2024 and every kind of case:
an answer just after midnight in Berlin that is still the day before in UTC, a
refusal after the deadline, an extension, an open request past its deadline, one
without an internal target, one paused for an identity check, an empty month,
and a request outside the period.
"""

from __future__ import annotations

import re
import stat
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from dsr.clock import today_berlin
from dsr.ledger import Request, append_event, open_ledger
from dsr.requests.report import build_report, chart_layout
from tests.helpers import run
from tests.test_cli_inventory import _chromium, _headless

# id, type, status, received, due, target, closed_at (UTC), extended_until
LEDGER: list[tuple[str, str, str, date, date, date | None, datetime | None, date | None]] = [
    # January: answered in 10 days, within target and on time.
    ("2024-0001", "access", "closed", date(2024, 1, 5), date(2024, 2, 5), date(2024, 1, 19),
     datetime(2024, 1, 15, 10, 0, tzinfo=UTC), None),
    # 31 Jan 23:30 UTC is 1 Feb 00:30 in Berlin: 22 days, past target, on time.
    ("2024-0002", "access", "closed", date(2024, 1, 10), date(2024, 2, 12), date(2024, 1, 24),
     datetime(2024, 1, 31, 23, 30, tzinfo=UTC), None),
    # Refused after the deadline: 36 days, late for both.
    ("2024-0003", "erasure", "rejected", date(2024, 1, 20), date(2024, 2, 20), date(2024, 2, 3),
     datetime(2024, 2, 25, 9, 0, tzinfo=UTC), None),
    # February: extended to 1 May, answered 10 April: 69 days, on time, past target.
    ("2024-0004", "access", "closed", date(2024, 2, 1), date(2024, 3, 1), date(2024, 2, 15),
     datetime(2024, 4, 10, 8, 0, tzinfo=UTC), date(2024, 5, 1)),
    # Still open, long past its deadline: overdue, late in both shares.
    ("2024-0005", "rectification", "open", date(2024, 2, 14), date(2024, 3, 14),
     date(2024, 2, 28), None, None),
    # No internal target: 10 days (2024 is a leap year), on time, not in the target share.
    ("2024-0006", "erasure", "closed", date(2024, 2, 20), date(2024, 3, 20), None,
     datetime(2024, 3, 1, 12, 0, tzinfo=UTC), None),
    # March: nothing. April: paused for the identity check, so never overdue.
    ("2024-0007", "objection", "awaiting_identity", date(2024, 4, 3), date(2024, 5, 3),
     date(2024, 4, 17), None, None),
    # Answered on the target day itself: 14 days, within target and on time.
    ("2024-0008", "portability", "closed", date(2024, 4, 30), date(2024, 5, 30),
     date(2024, 5, 14), datetime(2024, 5, 14, 12, 0, tzinfo=UTC), None),
    # Outside --since 2024-01 --until 2024-04.
    ("2025-0001", "access", "closed", date(2025, 3, 3), date(2025, 4, 3), date(2025, 3, 17),
     datetime(2025, 3, 5, 9, 0, tzinfo=UTC), None),
]

PERIOD = ("--since", "2024-01", "--until", "2024-04")
TYPES_DE = ("Auskunft", "Löschung", "Berichtigung", "Widerspruch", "Datenübertragbarkeit")
TYPES_EN = ("Access", "Erasure", "Rectification", "Objection", "Portability")


def fill(url: str) -> None:
    """Write LEDGER as the request commands would: each request with its event."""
    with open_ledger(url) as ledger, ledger.session() as session:
        for rid, kind, status, received, due, target, closed_at, extended in LEDGER:
            session.add(
                Request(
                    id=rid, type=kind, status=status, received=received, due=due,
                    target=target, closed_at=closed_at, extended_until=extended,
                    paused_since=date(2024, 4, 5) if status == "awaiting_identity" else None,
                    channel="email", language="de",
                )
            )
            session.flush()
            append_event(session, actor="test", action="request.created", request_id=rid)


def write_config(folder: Path, ledger: str = "sqlite:///ledger.db") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "dsr.yaml"
    path.write_text(
        f"controller: {{name: Beispiel GmbH}}\nlanguage: de\nledger: \"{ledger}\"\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def company(tmp_path: Path) -> Path:
    """A dsr.yaml with a filled SQLite ledger beside it."""
    write_config(tmp_path)
    fill(f"sqlite:///{tmp_path / 'ledger.db'}")
    return tmp_path


def share(met: int, counted: int) -> dict[str, Any]:
    return {"share": round(met / counted, 4) if counted else None, "met": met, "counted": counted}


# --- the numbers ---------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.db'}"
    return str(request.getfixturevalue("postgres_db"))


def test_figures_are_exact(ledger_url: str) -> None:
    fill(ledger_url)
    with open_ledger(ledger_url, create=False) as ledger:
        report = build_report(
            ledger, since=date(2024, 1, 1), until=date(2024, 4, 30), today=date(2024, 6, 1)
        )
    assert report["period"] == {"since": "2024-01-01", "until": "2024-04-30", "months": 4}
    assert report["types"] == [
        "access", "erasure", "rectification", "objection", "portability"
    ]
    assert [m["month"] for m in report["months"]] == ["2024-01", "2024-02", "2024-03", "2024-04"]
    jan, feb, mar, apr = report["months"]

    assert jan["types"]["access"] == {
        "received": 2, "answered": 2, "open": 0, "overdue": 0, "awaiting_identity": 0,
        "median_days": 16, "within_target": share(1, 2), "within_deadline": share(2, 2),
    }
    assert jan["types"]["erasure"]["median_days"] == 36
    assert jan["total"]["median_days"] == 22  # 10, 22 (Berlin day, not UTC's 21), 36
    assert jan["total"]["within_target"] == share(1, 3)
    assert jan["total"]["within_deadline"] == share(2, 3)

    # The overdue request counts as late in both shares; no target, no target share.
    assert feb["total"] == {
        "received": 3, "answered": 2, "open": 1, "overdue": 1, "awaiting_identity": 0,
        "median_days": 39.5, "within_target": share(0, 2), "within_deadline": share(2, 3),
    }
    assert mar["total"]["received"] == 0 and mar["total"]["median_days"] is None
    assert mar["total"]["within_deadline"] == share(0, 0)

    # The paused request is open but neither overdue nor counted in the shares.
    assert apr["types"]["objection"]["open"] == 1 and apr["types"]["objection"]["overdue"] == 0
    assert apr["types"]["objection"]["awaiting_identity"] == 1
    assert apr["total"]["within_target"] == share(1, 1)
    assert apr["total"]["within_deadline"] == share(1, 1)

    assert report["by_type"]["access"]["median_days"] == 22  # 10, 22, 69
    assert report["by_type"]["access"]["within_deadline"] == share(3, 3)  # the extension counts
    assert report["total"] == {
        "received": 8, "answered": 6, "open": 2, "overdue": 1, "awaiting_identity": 1,
        "median_days": 18, "within_target": share(2, 6), "within_deadline": share(5, 7),
    }
    assert [(r["id"], r["overdue"], r["days_left"]) for r in report["open_requests"]] == [
        ("2024-0005", True, -79),
        ("2024-0007", False, -29),
    ]


def test_open_request_is_late_only_after_its_deadline(tmp_path: Path) -> None:
    """February as it stood on three days; answers given later are not known yet."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    fill(url)
    feb = date(2024, 2, 1), date(2024, 2, 29)
    with open_ledger(url, create=False) as ledger:
        target_day = build_report(ledger, since=feb[0], until=feb[1], today=date(2024, 2, 28))
        due_day = build_report(ledger, since=feb[0], until=feb[1], today=date(2024, 3, 14))
        after = build_report(ledger, since=feb[0], until=feb[1], today=date(2024, 3, 15))
    # 28 Feb: nothing answered yet. 0004 is past its target (15 Feb) and counts as
    # late there; 0005's target is that very day, so it is not late yet.
    assert target_day["total"]["answered"] == 0 and target_day["total"]["open"] == 3
    assert target_day["total"]["within_target"] == share(0, 1)
    assert target_day["total"]["within_deadline"] == share(0, 0)
    assert target_day["total"]["overdue"] == 0
    # 14 Mar: 0006 answered (1 Mar); 0005 is past its target, but its due day is not over.
    assert due_day["total"]["within_target"] == share(0, 2)
    assert due_day["total"]["within_deadline"] == share(1, 1)
    assert due_day["total"]["overdue"] == 0
    # 15 Mar: 0005 is overdue and late; 0004 (extended to 1 May) is still in time.
    assert after["total"]["overdue"] == 1
    assert after["total"]["within_deadline"] == share(1, 2)
    assert [r["id"] for r in after["open_requests"]] == ["2024-0005", "2024-0004"]


def test_open_ended_period_runs_from_the_first_month_to_today(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    fill(url)
    with open_ledger(url, create=False) as ledger:
        report = build_report(ledger, since=None, until=None, today=date(2025, 4, 2))
    assert report["period"] == {"since": "2024-01-01", "until": "2025-04-02", "months": 16}
    assert report["total"]["received"] == 9
    chart = chart_layout(report)
    assert chart is not None and len(chart["groups"]) == 16
    # Every labelled month fits; no more than 18 labels on the axis.
    assert sum(g["label"] for g in chart["groups"]) <= 18
    # Bars of a month stack without gaps, from the axis up.
    for group in chart["groups"]:
        y = chart["bottom"]
        for bar in group["bars"]:
            assert bar["y"] + bar["height"] == pytest.approx(y, abs=0.2)
            y = bar["y"]


# --- the command ---------------------------------------------------------------------------


def test_terminal_summary(company: Path) -> None:
    result = run("report", *PERIOD, exit=0, cwd=company)
    out = result.stdout
    assert "Requests by month and type" in out
    assert re.search(r"2024-01\s+access\s+2\s+2\s+0\s+0\s+16\s+50%\s+100%", out), out
    assert re.search(r"2024-02\s+access", out) and "2024-03" not in out  # an empty month
    assert re.search(r"total\s+all\s+8\s+6\s+2\s+1\s+18\s+33%\s+71%", out), out
    assert "count as late once their deadline has passed" in out
    table = out[: out.index("2024-01-01 to 2024-04-30:")]
    assert all(len(line.rstrip()) <= 80 for line in table.splitlines())  # fits a terminal
    # the report is named by the day in Berlin, which is not the UTC day around midnight
    today = today_berlin()
    written = company / "reports" / f"requests-{today.isoformat()}-de.html"
    assert f"wrote {written}" in out.replace("\n", "")
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert stat.S_IMODE((company / "reports").stat().st_mode) == 0o700


def test_json_document(company: Path) -> None:
    doc = run("report", *PERIOD, "--json", exit=0, cwd=company).json
    assert doc["period"] == {"since": "2024-01-01", "until": "2024-04-30", "months": 4}
    assert doc["total"]["within_deadline"] == share(5, 7)
    assert doc["total"]["overdue"] == 1  # 2024-0005, whatever day the test runs
    assert doc["months"][0]["types"]["access"]["median_days"] == 16
    assert "2025-0001" not in str(doc)
    everything = run("report", "--json", exit=0, cwd=company).json
    assert everything["total"]["received"] == 9
    assert everything["period"]["since"] == "2024-01-01"


@pytest.mark.parametrize(
    ("language", "labels", "absent"),
    [("de", TYPES_DE, "Einschränkung"), ("en", TYPES_EN, "Restriction")],
)
def test_html_page(company: Path, language: str, labels: tuple[str, ...], absent: str) -> None:
    page = company / "out" / f"report-{language}.html"
    run("report", *PERIOD, "--language", language, "--output", page, exit=0, cwd=company)
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    html = page.read_text(encoding="utf-8")
    assert "http" not in html and "<script" not in html and "<link" not in html
    assert "@media print" in html and "<svg" in html
    chart = html[html.index('<svg class="chart"'):]
    chart = chart[: chart.index("</svg>")]
    months = re.findall(r'<g class="month" data-month="([0-9-]+)"', chart)
    assert months == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert chart.count('class="bar"') == 7  # Jan 2 types, Feb 3, Mar none, Apr 2
    assert 'class="share-deadline"' in chart and 'class="share-target"' in chart
    legend = html[html.index('<ul class="legend">'):]
    legend = legend[: legend.index("</ul>")]
    for label in labels:
        assert label in legend
    assert absent not in legend  # only types that occur
    assert "2024-0005" in html  # the open requests, by number
    if language == "de":
        assert "Anteil rechtzeitig beantwortet" in chart and "71 %" in html
        assert "Noch offene Anträge zählen in beiden Anteilen als verspätet" in html
    else:
        assert "Share answered on time" in chart and "71%" in html
        assert "Requests still open count as late" in html


def test_empty_ledger_gives_an_empty_report(tmp_path: Path) -> None:
    write_config(tmp_path)
    doc = run("report", "--json", exit=0, cwd=tmp_path).json
    assert doc["total"]["received"] == 0 and doc["months"] == [] and doc["open_requests"] == []
    assert doc["period"]["since"] is None
    assert not (tmp_path / "ledger.db").exists()  # a report creates no ledger
    page = next((tmp_path / "reports").glob("requests-*-de.html"))
    assert "keine Anträge" in page.read_text(encoding="utf-8")
    result = run("report", "--language", "en", exit=0, cwd=tmp_path)
    assert "No requests in the ledger yet" in result.stdout

    open_ledger(f"sqlite:///{tmp_path / 'ledger.db'}").close()  # a ledger without requests
    doc = run("report", *PERIOD, "--json", exit=0, cwd=tmp_path).json
    assert [m["total"]["received"] for m in doc["months"]] == [0, 0, 0, 0]
    result = run("report", *PERIOD, "--language", "en", exit=0, cwd=tmp_path)
    assert "No requests received from 2024-01-01 to 2024-04-30" in result.stdout


def test_usage_errors_exit_2(company: Path) -> None:
    assert "is not a month" in run("report", "--since", "2024-13", exit=2, cwd=company).stderr
    assert "is not a month" in run("report", "--until", "24-1", exit=2, cwd=company).stderr
    after = run("report", "--since", "2024-05", "--until", "2024-04", exit=2, cwd=company)
    assert "--since is after --until" in after.stderr
    assert "unknown language" in run("report", "--language", "fr", exit=2, cwd=company).stderr
    assert "not an .html file" in run("report", "-o", "r.pdf", exit=2, cwd=company).stderr


def test_ledger_that_cannot_be_read_exits_2(tmp_path: Path) -> None:
    write_config(tmp_path)
    (tmp_path / "ledger.db").write_text("not a database", encoding="utf-8")
    assert "error:" in run("report", exit=2, cwd=tmp_path).stderr


def test_help_has_an_example() -> None:
    assert "Example:" in run("report", "--help", exit=0).stdout


# --- the page in a real browser ------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "en"])
def test_html_renders_in_headless_chromium(company: Path, tmp_path: Path, language: str) -> None:
    browser = _chromium()
    page = company / f"report-{language}.html"
    run("report", *PERIOD, "--language", language, "-o", page, exit=0, cwd=company)
    result = _headless(browser, tmp_path / "profile", "--dump-dom", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert dom.count('class="month"') == 4 and "<svg" in dom
    assert ("Auskunft" if language == "de" else "Access") in dom
    if language == "de":
        shot = tmp_path / "report.png"
        result = _headless(browser, tmp_path / "profile", f"--screenshot={shot}",
                           "--window-size=1100,1400", page.as_uri())
        assert result.returncode == 0 and shot.stat().st_size > 10_000
