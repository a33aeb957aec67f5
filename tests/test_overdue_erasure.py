"""`dsr overdue` after an erasure: processor tasks due or late, and retention that ended.

Cron must hear about a vendor who has not erased yet (Art. 19) and about kept
invoices whose period is over (Art. 17(3)(b) keeps them only as long as the law
says), also years after the request was closed, and must stay silent otherwise.
Dates are counted from today, because that is what cron compares with.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from dsr.erasure.model import PlanAction
from dsr.requests.lifecycle import today_berlin
from tests.erasure_company import (
    erase_by_hand,
    full_plan,
    new_erasure,
    store_plan,
    verify,
)
from tests.helpers import dsr

TODAY = today_berlin()


def _entry(document: dict, request_id: str) -> dict:
    [entry] = [r for r in document["requests"] if r["id"] == request_id]
    return entry


def test_open_processor_task_due_soon_is_reported(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid, task_due=TODAY + timedelta(days=2)))

    doc = dsr(company, "overdue", "--json", exit=1).json
    entry = _entry(doc, rid)
    assert {"id", "type", "due", "days_left", "missing"} <= set(entry)
    assert entry["type"] == "erasure" and entry["reasons"] == ["processor_task"]
    assert entry["due"] == (TODAY + timedelta(days=2)).isoformat() and entry["days_left"] == 2
    assert entry["processor_tasks"] == [
        {"source": "stripe", "vendor": "Stripe Payments Europe, Ltd.",
         "due": entry["due"], "days_left": 2, "status": "open"}
    ]  # fmt: skip
    assert entry["retention_ended"] == []
    text = dsr(company, "overdue", exit=1).stdout
    assert f"{rid}  erasure" in text and "2 days left" in text
    assert f"processor task stripe (Stripe Payments Europe, Ltd.) due {entry['due']}" in text
    assert f"dsr erase {rid} --verify" in text


def test_late_task_of_a_closed_request_is_reported(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid, task_due=TODAY - timedelta(days=3)))
    dsr(company, "request", "close", rid)

    doc = dsr(company, "overdue", "--json", exit=1).json
    entry = _entry(doc, rid)
    assert entry["status"] == "closed" and entry["days_left"] == -3
    assert entry["processor_tasks"][0]["status"] == "late"
    text = dsr(company, "overdue", exit=1).stdout
    assert "TASK LATE" in text and "late by 3 days" in text


def test_silent_when_tasks_are_far_off_or_done_and_nothing_kept_has_ended(company: Path) -> None:
    far = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(far, task_due=TODAY + timedelta(days=20)))
    assert dsr(company, "overdue", "--json").json == {"requests": []}

    done = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(done, task_due=TODAY + timedelta(days=1)))
    erase_by_hand(company)  # with the vendor's newer export: the task is done
    assert verify(company, done).processor_tasks[0].status == "done"

    result = dsr(company, "overdue")
    assert result.stdout == "" and result.stderr == ""


def test_a_plan_not_yet_executed_hands_out_no_task(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(
        company / "dsr.yaml", full_plan(rid, task_due=TODAY - timedelta(days=1)), status="planned"
    )
    assert dsr(company, "overdue", "--json").json == {"requests": []}


def test_retention_end_is_reported_until_a_retention_ended_plan_ran(company: Path) -> None:
    rid = new_erasure(company)
    ended = TODAY - timedelta(days=1)
    plan = full_plan(rid, task_due=TODAY + timedelta(days=30), kept_until=ended)
    store_plan(company / "dsr.yaml", plan, status="verified")
    dsr(company, "request", "close", rid)

    doc = dsr(company, "overdue", "--json", exit=1).json
    entry = _entry(doc, rid)
    assert entry["reasons"] == ["retention_ended"] and entry["days_left"] == -1
    assert entry["retention_ended"] == [
        {"source": "shop", "table": "invoices", "rule": "Rechnungen",
         "until": ended.isoformat(), "rows": 1}
    ]  # fmt: skip
    text = dsr(company, "overdue", exit=1).stdout
    assert "RETENTION ENDED" in text
    assert f"confirm no tax audit is open, then dsr erase {rid} --retention-ended" in text

    follow_up = replace(
        plan,
        actions=(PlanAction("shop", "invoices", {"id": 2}, "delete", reason="retention"),),
        processor_tasks=(),
        retention_ended=True,
    )
    store_plan(company / "dsr.yaml", follow_up, status="planned")
    assert _entry(dsr(company, "overdue", "--json", exit=1).json, rid)  # not executed yet
    store_plan(company / "dsr.yaml", replace(follow_up, created=TODAY), status="executed")
    assert dsr(company, "overdue", "--json").json == {"requests": []}


def test_kept_rows_still_within_their_period_are_not_reported(company: Path) -> None:
    rid = new_erasure(company)
    plan = full_plan(rid, task_due=TODAY + timedelta(days=30), kept_until=TODAY)
    store_plan(company / "dsr.yaml", plan, status="verified")
    assert dsr(company, "overdue", "--json").json == {"requests": []}
