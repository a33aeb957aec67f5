"""One source failing is isolated, and worded the same, by every command that reads sources.

A database that cannot be reached must not hide the others: `sources check`,
`inventory`, `find`, `access` and `erase` each go on with the rest and exit 1.
They all report it through ``dsr.sources.run_source``, so the line a person
reads is the same everywhere, and it never carries the URL's password.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Result, run

PASSWORD = "Geheim-4711"
BROKEN = f"  crm: {{type: sql, url: 'postgresql://dsr:{PASSWORD}@127.0.0.1:9/crm'}}\n"
JUERGEN = "juergen.mueller@example.com"


def dsr(folder: Path, *args: str | Path, exit: int) -> Result:
    result = run(*args, "--config", folder / "dsr.yaml", exit=exit)
    assert PASSWORD not in result.stdout + result.stderr
    return result


def crm_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "'crm'" in line]


@pytest.fixture
def company(demo: Path) -> Path:
    """The demo company with one more source: a PostgreSQL server that is not there."""
    config = demo / "dsr.yaml"
    text = config.read_text(encoding="utf-8")
    assert text.count("\nsources:\n") == 1
    config.write_text(text.replace("\nsources:\n", "\nsources:\n" + BROKEN), encoding="utf-8")
    return demo


def test_every_command_words_the_failure_alike_and_goes_on(company: Path, tmp_path: Path) -> None:
    checked = dsr(company, "sources", "check", exit=1)
    inventory = dsr(company, "inventory", "--format", "md", "--output", tmp_path, exit=1)
    found = dsr(company, "find", "--email", JUERGEN, exit=1)
    lines = [crm_lines(r) for r in (checked, inventory, found)]
    assert all(len(line) == 1 for line in lines), lines
    line = lines[0][0]
    assert line.startswith("error: source 'crm' failed: "), line
    assert lines == [[line]] * 3
    assert "***" in line  # the URL is named, its password masked
    # the other sources were still read
    assert "shop" in checked.stdout and "zendesk" in found.stdout

    access = run("request", "new", "--type", "access", "--email", JUERGEN, "--json",
                 "--config", company / "dsr.yaml", exit=0).json["id"]
    answered = dsr(company, "access", access, "--format", "md", "--json", exit=1)
    assert answered.json["failed_sources"] == ["crm"] and answered.json["complete"] is False
    assert crm_lines(answered) == [f"error: request {access}: {line.removeprefix('error: ')}"]

    erasure = run("request", "new", "--type", "erasure", "--email", JUERGEN, "--json",
                  "--config", company / "dsr.yaml", exit=0).json["id"]
    planned = dsr(company, "erase", erasure, "--json", exit=1)
    assert list(planned.json["failed_sources"]) == ["crm"]
    assert crm_lines(planned) == [line]
    assert any(a["source"] == "shop" for a in planned.json["actions"])
    stored = (company / "erasure" / erasure).glob("*.json")
    assert all(PASSWORD not in p.read_text(encoding="utf-8") for p in stored)


def test_json_keeps_stdout_for_the_document(company: Path) -> None:
    """With --json the failure is in the document (sources check) and stdout holds only it."""
    result = dsr(company, "sources", "check", "--json", exit=1)
    crm = next(s for s in result.json["sources"] if s["name"] == "crm")
    assert crm["ok"] is False and crm["error"] and PASSWORD not in crm["error"]
    assert f"error: source 'crm' failed: {crm['error']}" in dsr(
        company, "sources", "check", exit=1
    ).stderr
