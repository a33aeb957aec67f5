"""Every `--json` document design.md fixes ("JSON documents") still has its keys.

Scripts rely on these keys; more may be added, none renamed. Each test runs the
real command on a copy of the demo company and checks the keys and the kinds of
values design.md promises (ISO dates, the closed sets of ``match`` and ``action``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Result, run

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
JUERGEN = "juergen.mueller@example.com"
PETRA = "petra.klein@example.org"


def dsr(folder: Path, *args: str | Path, exit: int = 0) -> Result:
    return run(*args, "--config", folder / "dsr.yaml", "--json", exit=exit)


def has_keys(document: dict[str, Any], keys: Iterable[str], what: str) -> None:
    missing = set(keys) - set(document)
    assert not missing, f"{what} lacks {sorted(missing)}: {sorted(document)}"


def new_request(folder: Path, kind: str, *identifiers: str, received: str | None = None) -> str:
    extra = ("--received", received) if received else ()
    return str(
        dsr(folder, "request", "new", "--type", kind, *identifiers, *extra).json["id"]
    )


@pytest.fixture(scope="module")
def company(module_demo: Path) -> Path:
    return module_demo


def test_sources_check(company: Path) -> None:
    document = dsr(company, "sources", "check").json
    has_keys(document, ["sources"], "sources check")
    assert document["sources"]
    for source in document["sources"]:
        has_keys(source, ["name", "type", "ok", "error", "tables"], "a source")
        for table in source["tables"]:
            has_keys(table, ["name", "rows", "columns"], "a table")
            for column in table["columns"]:
                has_keys(column, ["name", "type"], "a column")


def test_inventory(company: Path, tmp_path: Path) -> None:
    document = dsr(company, "inventory", "--format", "json", "--output", tmp_path).json
    has_keys(document, ["columns", "activities", "findings"], "inventory")
    assert document["columns"] and document["findings"]
    for column in document["columns"]:
        has_keys(
            column,
            ["source", "table", "column", "personal", "categories", "confidence", "evidence"],
            "a column",
        )
    for finding in document["findings"]:
        has_keys(finding, ["kind", "source", "table", "column", "detail"], "a finding")


def test_find_and_find_batch(company: Path, tmp_path: Path) -> None:
    document = dsr(company, "find", "--email", JUERGEN).json
    has_keys(document, ["complete", "failed_sources", "matches"], "find")
    assert document["complete"] is True and document["matches"]
    for match in document["matches"]:
        has_keys(match, ["source", "table", "key", "match", "via"], "a match")
        assert match["match"] in ("direct", "linked", "mention", "possible")
        assert isinstance(match["key"], dict)
    batch = tmp_path / "people.csv"
    batch.write_text(f"email\n{JUERGEN}\n{PETRA}\n", encoding="utf-8")
    document = dsr(company, "find", "--batch", batch).json
    assert {m["person"] for m in document["matches"]} == {2, 3}


def test_request_new_and_show(company: Path) -> None:
    created = dsr(company, "request", "new", "--type", "access", "--email", PETRA).json
    has_keys(created, ["id", "type", "status", "received", "due", "target"], "request new")
    assert created["type"] == "access" and created["status"] == "open"
    for day in ("received", "due", "target"):
        assert ISO_DAY.match(created[day]), created[day]
    shown = dsr(company, "request", "show", created["id"]).json
    has_keys(shown, ["id", "type", "status", "received", "due", "target", "events"],
             "request show")
    assert shown["id"] == created["id"] and shown["due"] == created["due"]
    assert shown["events"] and shown["events"][0]["action"] == "request.created"


def test_overdue(company: Path) -> None:
    late = new_request(company, "rectification", "--email", PETRA, received="2025-01-06")
    document = dsr(company, "overdue", exit=1).json
    has_keys(document, ["requests"], "overdue")
    item = next(r for r in document["requests"] if r["id"] == late)
    has_keys(item, ["id", "type", "due", "days_left", "missing"], "an overdue request")
    assert ISO_DAY.match(item["due"]) and item["days_left"] < 0
    dsr(company, "request", "close", late, "--outcome", "withdrawn")


def test_access(company: Path, tmp_path: Path) -> None:
    rid = new_request(company, "access", "--email", JUERGEN)
    document = dsr(company, "access", rid, "--format", "md", "--output", tmp_path / "a").json
    has_keys(document, ["request", "folder", "complete", "failed_sources", "documents"],
             "access")
    assert document["request"] == rid and document["complete"] is True
    for item in document["documents"]:
        has_keys(item, ["path", "sha256"], "a document")
        assert Path(item["path"]).is_file()
    every = dsr(company, "access", "--all-open", "--format", "md").json
    for answer in every["answers"]:  # whatever earlier tests left open
        has_keys(answer, ["request", "folder", "complete", "failed_sources", "documents"],
                 "an answer")
    assert dsr(company, "access", "--all-open").json == {"answers": []}


def test_erase_plan_and_verify(company: Path) -> None:
    rid = new_request(company, "erasure", "--email", PETRA, "--name", "Petra Klein")
    plan = dsr(company, "erase", rid).json
    has_keys(plan, ["request", "plan_hash", "actions"], "erase")
    assert plan["request"] == rid and plan["actions"]
    for action in plan["actions"]:
        has_keys(action, ["source", "table", "key", "action", "columns", "reason", "until"],
                 "an action")
        assert action["action"] in ("delete", "anonymise", "keep", "redact", "processor_task")
        assert action["until"] is None or ISO_DAY.match(action["until"])
    dsr(company, "erase", rid, "--execute")
    verified = dsr(company, "erase", rid, "--verify").json
    has_keys(verified, ["request", "residue", "processor_tasks", "confirmation"],
             "erase --verify")
    assert verified["request"] == rid and verified["residue"] == []
    for task in verified["processor_tasks"]:
        has_keys(task, ["source", "status"], "a processor task")
