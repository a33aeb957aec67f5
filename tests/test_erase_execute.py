"""`--execute` of an erasure plan: real SQLite, CSV, XLSX and PostgreSQL, hand-built plans.

Every test compares whole tables before and after: the planned rows change as
planned and no other row changes. The kill tests run the executor in a child
process that SIGKILLs itself (``DSR_TEST_CRASH``) between sources, inside a
source's transaction and right after its commit; a second run must finish the
job, with the same end state as a run that was never interrupted.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from dsr.config.load import load_config
from dsr.erasure import translate as tr
from dsr.erasure.execute import CRASH_VARIABLE, ExecuteResult, execute_plan
from dsr.erasure.model import ErasurePlan, PlanAction, ProcessorTask
from dsr.erasure.store import latest_plan, save_plan
from dsr.errors import UsageError
from dsr.ledger import Event, Plan, open_ledger
from dsr.outcome import ExitCode
from tests.helpers import run

ANNA = "anna.schmidt@example.com"
KEY = "5e" * 32
"""One pseudonymisation key for every company folder, so their pseudonyms can be compared."""
NOTE = "Kundin Anna Schmidt ({}) fragt, wann die Lieferung kommt. Rückruf zugesagt."

SHOP = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, first_name TEXT NOT NULL,
    last_name TEXT, phone TEXT, birthdate TEXT, postcode TEXT);
CREATE INDEX ix_customers_email ON customers (email);
CREATE TABLE orders (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id),
    placed_at TEXT NOT NULL, total REAL NOT NULL);
CREATE TABLE order_items (
    id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id),
    sku TEXT NOT NULL, quantity INTEGER NOT NULL);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers (id),
    invoice_date TEXT NOT NULL, billing_name TEXT NOT NULL, total REAL NOT NULL);
CREATE TABLE support_notes (
    id INTEGER PRIMARY KEY, author TEXT NOT NULL, created_at TEXT NOT NULL, note TEXT NOT NULL);
"""

CUSTOMERS = [
    (1, ANNA, "Anna", "Schmidt", "0171 2345678", "1980-05-03", "70173"),
    (2, "bernd.braun@example.org", "Bernd", "Braun", "0160 9876543", "1975-01-02", "10115"),
    (3, "carla.weber@example.net", "Carla", "Weber", None, None, "80331"),
]


def build_company(folder: Path, *, journal: str = "delete") -> None:
    """A small shop database, a newsletter CSV and a CRM workbook; Anna is in all three."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.execute(f"PRAGMA journal_mode = {journal}")
        db.executescript(SHOP)
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?, ?)", CUSTOMERS)
        # Padding customers, so the database spans several pages like a real one.
        db.executemany(
            "INSERT INTO customers VALUES (?, ?, ?, ?, NULL, NULL, NULL)",
            [(i, f"kunde{i}@example.com", "Vorname", f"Nachname{i}") for i in range(10, 200)],
        )
        db.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?)",
            [(10, 1, "2024-01-05", 12.5), (11, 1, "2024-02-05", 20.0),
             (12, 2, "2024-03-01", 5.0), (13, 3, "2024-03-02", 7.0)],
        )
        db.executemany(
            "INSERT INTO order_items VALUES (?, ?, ?, ?)",
            [(100, 10, "A-1", 1), (101, 10, "B-2", 2), (102, 11, "C-3", 1),
             (103, 12, "D-4", 1), (104, 13, "E-5", 3)],
        )
        db.executemany(
            "INSERT INTO invoices VALUES (?, ?, ?, ?, ?)",
            [(500, 1, "2024-01-05", "Anna Schmidt", 12.5),
             (501, 2, "2024-03-01", "Bernd Braun", 5.0),
             (502, 3, "2024-03-02", "Carla Weber", 7.0)],
        )
        db.executemany(
            "INSERT INTO support_notes VALUES (?, ?, ?, ?)",
            [(1, "Tom", "2024-01-06", NOTE.format(ANNA)),
             (2, "Tom", "2024-03-02", "Herr Braun meldet ein defektes Teil; Ersatz verschickt."),
             (3, "Eva", "2024-03-03", "Paket kam beschädigt an, Kundin möchte eine Gutschrift."),
             (4, "Eva", "2024-03-04", "Rückfrage zur Rechnung, bitte Kopie per Post schicken.")],
        )
    with open(folder / "newsletter.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "signed_up"])
        writer.writerow(["bernd.braun@example.org", "Bernd Braun", "2023-01-01"])
        writer.writerow(["Anna.Schmidt@example.com", "Anna Schmidt", "2023-02-01"])
        writer.writerow(["carla.weber@example.net", "Carla Weber", "2023-03-01"])
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kontakte"
    sheet.append(["E-Mail", "Name", "PLZ"])
    sheet.append([ANNA, "Anna Schmidt", "70173"])
    sheet.append(["carla.weber@example.net", "Carla Weber", "80331"])
    book.save(folder / "crm.xlsx")
    (folder / "dsr.key").write_text(KEY + "\n", encoding="ascii")
    (folder / "dsr.key").chmod(0o600)
    (folder / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\n"
        "sources:\n"
        "  shop:\n"
        "    type: sql\n"
        '    url: "sqlite:///shop.sqlite"\n'
        "    columns: {support_notes.note: [free_text]}\n"
        "  newsletter: {type: csv, path: newsletter.csv}\n"
        "  crm: {type: xlsx, path: crm.xlsx}\n",
        encoding="utf-8",
    )


def new_request(folder: Path) -> str:
    result = run(
        "request", "new", "--type", "erasure", "--email", ANNA, "--name", "Anna Schmidt",
        "--config", folder / "dsr.yaml", "--json", exit=0,
    )
    return str(result.json["id"])


def anna_plan(request_id: str) -> ErasurePlan:
    """What a reviewed plan for Anna says: delete her orders (items first), keep the invoice
    for § 147 AO, anonymise her customer row (the invoice refers to it), redact the note
    that mentions her, delete her newsletter row and anonymise her CRM row."""
    shop = [
        PlanAction("shop", "order_items", {"id": i}, "delete", reason="linked_row", order=0)
        for i in (100, 101, 102)
    ]
    shop += [
        PlanAction("shop", "orders", {"id": i}, "delete", reason="linked_row", order=1)
        for i in (10, 11)
    ]
    shop += [
        PlanAction(
            "shop", "invoices", {"id": 500}, "keep",
            columns=("invoice_date", "billing_name", "total"), reason="retention",
            until=date(2032, 12, 31), rule="Rechnungen", basis="§ 147 AO",
        ),
        PlanAction(
            "shop", "customers", {"id": 1}, "anonymise",
            columns=("email", "first_name", "last_name", "phone", "birthdate", "postcode"),
            how={"email": "pseudonym", "first_name": "mask", "last_name": "null",
                 "phone": "null", "birthdate": "year", "postcode": "region"},
            reason="integrity", order=2,
        ),
        PlanAction("shop", "support_notes", {"id": 1}, "redact", columns=("note",),
                   redact=("email", "name"), reason="mention"),
    ]
    files = [
        PlanAction("newsletter", "newsletter", {"file": "newsletter.csv", "row": 3}, "delete",
                   reason="person_row"),
        PlanAction(
            "crm", "Kontakte", {"file": "crm.xlsx", "sheet": "Kontakte", "row": 2}, "anonymise",
            columns=("E-Mail", "Name", "PLZ"),
            how={"E-Mail": "pseudonym", "Name": "mask", "PLZ": "region"}, reason="person_row",
        ),
    ]
    return ErasurePlan(
        request=request_id, created=date(2026, 1, 1), language="de", actions=(*shop, *files),
        counts_before={"shop.customers": 1, "shop.orders": 2, "shop.order_items": 3,
                       "shop.invoices": 1, "shop.support_notes": 1, "newsletter.newsletter": 1,
                       "crm.Kontakte": 1},
    )


def save(folder: Path, plan: ErasurePlan) -> str:
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        return save_plan(session, plan, actor="test").plan_hash


def execute(folder: Path, request_id: str, **kwargs: Any) -> ExecuteResult:
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger:
        return execute_plan(config, ledger, request_id, actor="test", **kwargs)


@pytest.fixture
def company(tmp_path: Path) -> tuple[Path, str]:
    """A company with Anna's erasure request and its reviewed plan saved (state planned)."""
    folder = tmp_path / "company"
    build_company(folder)
    rid = new_request(folder)
    save(folder, anna_plan(rid))
    return folder, rid


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], ExecuteResult]:
    """The end state and result of Anna's plan executed without interruption."""
    folder = tmp_path_factory.mktemp("reference") / "company"
    build_company(folder)
    rid = new_request(folder)
    save(folder, anna_plan(rid))
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.OK
    return normalised(dump_all(folder)), result


class Recorder:
    """A Progress that remembers the steps it was given."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, int | None]] = []
        self.done = 0

    def begin(self, description: str, total: int | None = None) -> None:
        self.steps.append((description, total))

    def advance(self, units: int = 1) -> None:
        self.done += units

    def end(self) -> None:
        pass


# -- reading everything back ----------------------------------------------------------------


def dump_sqlite(path: Path) -> dict[str, dict[int, tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            n: {row[0]: tuple(row) for row in db.execute(f'SELECT * FROM "{n}"')} for n in names
        }


def dump_csv(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def dump_xlsx(path: Path) -> list[tuple[Any, ...]]:
    book = openpyxl.load_workbook(path)
    return [tuple(r) for r in book["Kontakte"].iter_rows(values_only=True)]


def dump_all(folder: Path) -> dict[str, Any]:
    return {
        "shop": dump_sqlite(folder / "shop.sqlite"),
        "newsletter": dump_csv(folder / "newsletter.csv"),
        "crm": dump_xlsx(folder / "crm.xlsx"),
    }


def plan_state(folder: Path, request_id: str) -> tuple[str, dict[str, Any]]:
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, request_id)
        assert stored is not None
        return stored.status, stored.progress


def erasure_events(folder: Path, request_id: str) -> list[tuple[str, dict[str, Any]]]:
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        events = session.scalars(
            sa.select(Event).where(Event.request_id == request_id).order_by(Event.id)
        )
        return [(e.action, dict(e.details or {})) for e in events if e.action.startswith("erasure")]


def ledger_texts(folder: Path) -> str:
    """Everything the ledger holds about the erasure: events' details and plans' bodies."""
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        events = [json.dumps(e.details) for e in session.scalars(sa.select(Event))]
        plans = [json.dumps(p.body) for p in session.scalars(sa.select(Plan))]
    return "\n".join(events + plans)


def audit_intact(folder: Path) -> None:
    result = run("audit", "verify", "--config", folder / "dsr.yaml", exit=0)
    assert "intact" in result.stdout


def expected_after(before: dict[str, Any], pseudonym: str) -> dict[str, Any]:
    """The end state the plan describes, built from the state before by hand."""
    after = {
        "shop": {t: {k: list(v) for k, v in rows.items()} for t, rows in before["shop"].items()},
        "newsletter": [list(r) for r in before["newsletter"]],
        "crm": [list(r) for r in before["crm"]],
    }
    shop = after["shop"]
    for item in (100, 101, 102):
        del shop["order_items"][item]
    for order in (10, 11):
        del shop["orders"][order]
    shop["customers"][1] = [1, pseudonym, "[entfernt]", None, None, "1980", "70"]
    shop["support_notes"][1][3] = NOTE.format("[entfernt]").replace("Anna Schmidt", "[entfernt]")
    after["newsletter"][2] = []  # a deleted CSV record stays as an empty line (keys stay valid)
    after["crm"][1] = [pseudonym, "[entfernt]", "70"]
    return after


def normalised(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(state, default=str))


# -- the plan applied as reviewed ------------------------------------------------------------


def test_execute_applies_exactly_the_plan(company: tuple[Path, str]) -> None:
    folder, rid = company
    before = dump_all(folder)
    recorder = Recorder()
    result = execute(folder, rid, progress=recorder)
    erasing = [step for step in recorder.steps if step[0].startswith("Erasing")]
    assert erasing == [("Erasing in shop", 7), ("Erasing in newsletter", 1), ("Erasing in crm", 1)]

    doc = result.as_dict()
    assert result.exit_code == ExitCode.OK
    assert doc["status"] == "executed" and doc["resumed"] is False and doc["failed_sources"] == []
    by_source = {s["source"]: s for s in doc["sources"]}
    assert [s["source"] for s in doc["sources"]] == ["shop", "newsletter", "crm"]
    # shop: 3 items + 2 orders deleted; the customer: one null and one mask action for
    # their columns and one each for pseudonym, year and region; the note redacted
    assert by_source["shop"] | {"finished_at": None} == {
        "source": "shop", "applied": 11, "unchanged": 0, "status": "done", "actions": 7,
        "error": None, "warnings": [], "finished_at": None,
    }
    assert (by_source["newsletter"]["applied"], by_source["crm"]["applied"]) == (1, 3)
    assert doc["kept"] == 1 and doc["applied"] == 15

    after = dump_all(folder)
    pseudonym = after["shop"]["customers"][1][1]
    assert pseudonym.startswith(tr.PSEUDONYM_PREFIX) and len(pseudonym) == 42
    assert normalised(after) == normalised(expected_after(before, pseudonym))
    with sqlite3.connect(folder / "shop.sqlite") as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []

    status, progress = plan_state(folder, rid)
    assert status == "executed"
    assert {s: (p["applied"], p["unchanged"]) for s, p in progress.items()} == {
        "shop": (11, 0), "newsletter": (1, 0), "crm": (3, 0)
    }
    names = [name for name, _ in erasure_events(folder, rid)]
    assert names == [
        "erasure.planned", "erasure.executing", "erasure.source_started", "erasure.source_done",
        "erasure.source_done", "erasure.source_done", "erasure.executed",
    ]
    # before the shop's commit: which rows already pointed at the customer it anonymises
    assert erasure_events(folder, rid)[2][1]["rows_before"] == 0
    done = erasure_events(folder, rid)[3][1]
    assert done["tables"] == {
        "customers": {"anonymise": 1}, "order_items": {"delete": 3}, "orders": {"delete": 2},
        "support_notes": {"redact": 1},
    }
    texts = ledger_texts(folder)
    for value in ("anna.schmidt", "Schmidt", "1980-05-03", "70173", "2345678", pseudonym):
        assert value not in texts
    audit_intact(folder)


def test_second_run_reports_the_plan_as_done(company: tuple[Path, str]) -> None:
    folder, rid = company
    first = execute(folder, rid)
    state = dump_all(folder)
    events = erasure_events(folder, rid)

    again = execute(folder, rid)
    assert again.exit_code == ExitCode.OK
    doc = again.as_dict()
    assert doc["already_done"] is True and doc["status"] == "executed"
    assert {s["source"]: (s["status"], s["applied"]) for s in doc["sources"]} == {
        s.source: ("done_earlier", s.applied) for s in first.sources
    }
    assert dump_all(folder) == state and erasure_events(folder, rid) == events


def test_no_plan_and_superseded_plan_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "company"
    build_company(folder)
    rid = new_request(folder)
    with pytest.raises(UsageError, match="has no erasure plan"):
        execute(folder, rid)
    old_hash = save(folder, anna_plan(rid))
    changed = anna_plan(rid)
    save(folder, dataclasses.replace(changed, actions=changed.actions[:-1]))
    with pytest.raises(UsageError, match="superseded"):
        execute(folder, rid, plan_hash=old_hash)
    assert plan_state(folder, rid)[0] == "planned"
    with pytest.raises(UsageError, match="no request"):
        execute(folder, "2026-9999")


def test_plan_changed_after_review_is_refused(company: tuple[Path, str]) -> None:
    folder, rid = company
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        row = session.scalars(sa.select(Plan).where(Plan.request_id == rid)).one()
        body = dict(row.body)
        body["actions"] = [a for a in body["actions"] if a["action"] != "keep"]
        row.body = body
    before = dump_all(folder)
    with pytest.raises(UsageError, match="no longer matches its hash"):
        execute(folder, rid)
    assert dump_all(folder) == before


@pytest.mark.parametrize("change", ["new_order", "row_gone", "new_source"])
def test_changed_data_refuses_before_any_change(company: tuple[Path, str], change: str) -> None:
    folder, rid = company
    if change == "new_order":
        with sqlite3.connect(folder / "shop.sqlite") as db:
            db.execute("INSERT INTO orders VALUES (14, 1, '2024-05-01', 9.0)")
    elif change == "row_gone":
        with sqlite3.connect(folder / "shop.sqlite") as db:
            db.execute("DELETE FROM order_items WHERE id = 102")
    else:
        with open(folder / "extra.csv", "w", encoding="utf-8") as handle:
            handle.write(f"email,note\n{ANNA},Gewinnspiel\n")
        with open(folder / "dsr.yaml", "a", encoding="utf-8") as handle:
            handle.write("  extra: {type: csv, path: extra.csv}\n")
    before = dump_all(folder)
    with pytest.raises(UsageError) as caught:
        execute(folder, rid)
    message = str(caught.value)
    assert "the data changed since the plan was made" in message and f"dsr erase {rid}" in message
    assert ANNA not in message
    expected = {
        "new_order": "table 'orders': 1 row(s) found that the plan does not cover",
        "row_gone": "table 'order_items': 1 planned row(s) no longer found",
        "new_source": "source 'extra': table 'extra': 1 row(s) found",
    }[change]
    assert expected in message
    assert dump_all(folder) == before
    assert plan_state(folder, rid) == ("planned", {})


# -- SQLite keeps no copy of erased bytes ------------------------------------------------------


@pytest.fixture
def insecure_sqlite() -> Iterator[None]:
    """Every new SQLite connection starts with ``secure_delete`` off, as SQLite's own default
    is (some builds, Debian's among them, switch it on at compile time): the connector must
    switch it on itself."""

    def off(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute("PRAGMA secure_delete = OFF")

    sa.event.listen(sa.engine.Engine, "connect", off)
    try:
        yield
    finally:
        sa.event.remove(sa.engine.Engine, "connect", off)


@pytest.mark.usefixtures("insecure_sqlite")
@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_secure_delete_leaves_no_erased_bytes(tmp_path: Path, journal: str) -> None:
    folder = tmp_path / "company"
    build_company(folder, journal=journal)
    rid = new_request(folder)
    save(folder, anna_plan(rid))
    database = folder / "shop.sqlite"
    secrets = [ANNA.encode(), b"0171 2345678", b"1980-05-03", b"Anna Schmidt (anna"]
    raw = database.read_bytes()
    assert all(s in raw for s in secrets)  # the test would notice bytes left behind

    # Another program keeps the database open, so closing dsr's connections does not
    # checkpoint the WAL for us: the connector's own checkpoint must empty it.
    with contextlib.closing(sqlite3.connect(database)) as observer:
        assert observer.execute("SELECT count(*) FROM customers").fetchone()[0] == 193
        assert execute(folder, rid).exit_code == ExitCode.OK
        leftovers = [p for p in folder.iterdir() if p.name.startswith("shop.sqlite")]
        assert len(leftovers) == (3 if journal == "wal" else 1)
        for path in leftovers:
            data = path.read_bytes()
            assert not any(s in data for s in secrets), f"erased bytes left in {path.name}"
        wal = folder / "shop.sqlite-wal"
        assert not wal.exists() or wal.stat().st_size == 0
        assert observer.execute("PRAGMA journal_mode").fetchone()[0] == journal
        assert observer.execute("SELECT count(*) FROM customers").fetchone()[0] == 193


def test_triggers_on_erased_tables_are_named(company: tuple[Path, str]) -> None:
    folder, rid = company
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.execute("CREATE TRIGGER audit_customers AFTER UPDATE ON customers BEGIN SELECT 1; END")
        db.execute("CREATE TRIGGER audit_invoices AFTER UPDATE ON invoices BEGIN SELECT 1; END")
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.OK
    shop = next(s for s in result.sources if s.source == "shop")
    assert len(shop.warnings) == 1  # invoices are kept, not changed
    assert "table 'customers' has triggers (audit_customers)" in shop.warnings[0]
    done = [d for n, d in erasure_events(folder, rid) if n == "erasure.source_done"]
    assert done[0]["warnings"] == shop.warnings


# -- a source that fails does not stop the others --------------------------------------------


def test_failed_source_is_rolled_back_and_a_rerun_finishes(
    company: tuple[Path, str],
) -> None:
    folder, rid = company
    locked = "CREATE TRIGGER locked BEFORE DELETE ON orders BEGIN SELECT RAISE(ABORT, 'no'); END"
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.execute(locked)
    before = dump_all(folder)
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.ATTENTION
    assert result.failed_sources == ["shop"]
    statuses = {s.source: s.status for s in result.sources}
    assert statuses == {"shop": "failed", "newsletter": "done", "crm": "done"}
    shop = next(s for s in result.sources if s.source == "shop")
    assert shop.error is not None and "cannot delete in table 'orders'" in shop.error
    # one transaction: the customer's anonymisation before the refused delete is undone too
    assert dump_all(folder)["shop"] == before["shop"]
    assert plan_state(folder, rid)[0] == "executing"
    assert [n for n, _ in erasure_events(folder, rid)][-1] == "erasure.source_done"
    assert "erasure.source_failed" in [n for n, _ in erasure_events(folder, rid)]

    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.execute("DROP TRIGGER locked")
    again = execute(folder, rid)
    assert again.exit_code == ExitCode.OK and again.resumed
    assert {s.source: s.status for s in again.sources} == {
        "shop": "done", "newsletter": "done_earlier", "crm": "done_earlier"
    }
    assert plan_state(folder, rid)[0] == "executed"
    audit_intact(folder)


def test_unreadable_source_fails_alone(company: tuple[Path, str]) -> None:
    folder, rid = company
    hidden = folder / "crm-moved.xlsx"
    (folder / "crm.xlsx").rename(hidden)
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.ATTENTION and result.failed_sources == ["crm"]
    crm = next(s for s in result.sources if s.source == "crm")
    assert crm.error is not None and "could not be read to check the plan" in crm.error
    assert [name for name, _ in erasure_events(folder, rid)][-1] == "erasure.source_failed"
    hidden.rename(folder / "crm.xlsx")

    again = execute(folder, rid)
    assert again.exit_code == ExitCode.OK and again.status == "executed"
    assert {s.source: s.status for s in again.sources}["crm"] == "done"


# -- killed in the middle, finished by the next run ----------------------------------------------

def run_child(folder: Path, rid: str, crash: str) -> subprocess.CompletedProcess[str]:
    """`dsr erase ID --execute` as its own process, killed by the crash variable."""
    env = {**os.environ, CRASH_VARIABLE: crash}
    return subprocess.run(
        [sys.executable, "-m", "dsr", "erase", rid, "--execute", "--config",
         str(folder / "dsr.yaml")],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.parametrize(
    ("crash", "first_done", "untouched"),
    [
        ("after-source:shop", ["shop"], ["newsletter", "crm"]),
        ("before-commit:shop", [], ["shop", "newsletter", "crm"]),
        ("after-commit:shop", [], ["newsletter", "crm"]),
        ("before-commit:crm", ["shop", "newsletter"], ["crm"]),
    ],
)
def test_killed_run_is_finished_by_the_next(
    company: tuple[Path, str],
    reference: tuple[dict[str, Any], ExecuteResult],
    crash: str,
    first_done: list[str],
    untouched: list[str],
) -> None:
    folder, rid = company
    end_state, uninterrupted = reference
    before = dump_all(folder)

    child = run_child(folder, rid, crash)
    assert child.returncode == -signal.SIGKILL, child.stderr
    status, progress = plan_state(folder, rid)
    assert status == "executing" and sorted(progress) == sorted(first_done)
    killed = dump_all(folder)
    for source in untouched:  # all or nothing per source
        assert killed[source] == before[source], source
    point, _, crashed = crash.partition(":")
    if point == "after-commit":
        assert killed[crashed] != before[crashed]  # committed, but the ledger does not know

    result = run("erase", rid, "--execute", "--json", "--config", folder / "dsr.yaml", exit=0)
    doc = result.json
    assert doc["resumed"] is True and doc["status"] == "executed"
    statuses = {s["source"]: s["status"] for s in doc["sources"]}
    assert statuses == {s: "done_earlier" if s in first_done else "done" for s in statuses}
    counts = {s.source: (s.applied, s.unchanged) for s in uninterrupted.sources}
    for source in doc["sources"]:
        name = source["source"]
        if source["status"] == "done_earlier":  # reported as the first run recorded it
            assert (source["applied"], source["unchanged"]) == counts[name]
        elif point == "after-commit" and name == crashed:  # applied twice, changed once
            assert (source["applied"], source["unchanged"]) == (0, sum(counts[name]))
        else:
            assert (source["applied"], source["unchanged"]) == counts[name]

    assert normalised(dump_all(folder)) == end_state
    names = [name for name, _ in erasure_events(folder, rid)]
    assert names[:2] == ["erasure.planned", "erasure.executing"]
    assert names[-2:] == ["erasure.source_done", "erasure.executed"]
    assert names.count("erasure.resumed") == 1
    assert names.count("erasure.source_done") == 3  # one per source, whenever it was killed
    audit_intact(folder)
    # a killed rewrite leaves a hidden temporary copy of the file; the re-run removes it
    assert not [p for p in folder.rglob(".*") if ".dsr-" in p.name]


def test_crash_variable_must_be_well_formed(company: tuple[Path, str]) -> None:
    folder, rid = company
    os.environ[CRASH_VARIABLE] = "sometime:shop"
    try:
        with pytest.raises(UsageError, match=CRASH_VARIABLE):
            execute(folder, rid)
    finally:
        del os.environ[CRASH_VARIABLE]
    assert plan_state(folder, rid)[0] == "planned"


# -- translation ---------------------------------------------------------------------------------


def test_anonymisation_methods_are_idempotent() -> None:
    key = b"k" * 32
    assert [tr.year_of(v) for v in ("1980-05-03", "03.05.1980", "1980", date(1980, 5, 3))] == [
        "1980"
    ] * 4
    assert [tr.region_of(v) for v in ("70173", "D-70173", "70", 70173.0)] == ["70"] * 4
    first = tr.pseudonym_of("Anna.Schmidt@example.com", key)
    assert first == tr.pseudonym_of(" anna.schmidt@example.com", key)
    assert tr.pseudonym_of(first, key) == first
    assert first != tr.pseudonym_of(ANNA, b"x" * 32)
    for bad, method in (("unbekannt", "year"), ("1980 oder 1981", "year"), ("SW1A", "region")):
        with pytest.raises(ValueError):
            tr.generalise(method, bad, key)
    texts = tr.redaction_texts(
        {"email": [ANNA], "name": ["Anna Schmidt", "anna schmidt"], "id": ["shop:K-1001"],
         "phone": ["12"]},
        ["email", "name", "id", "phone"],
    )
    assert texts == (ANNA, "Anna Schmidt", "anna schmidt", "K-1001")


def test_value_that_cannot_be_generalised_fails_its_source_only(
    company: tuple[Path, str],
) -> None:
    folder, rid = company
    book = openpyxl.load_workbook(folder / "crm.xlsx")
    book["Kontakte"]["C2"] = "unbekannt"
    book.save(folder / "crm.xlsx")
    before = dump_all(folder)
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.ATTENTION and result.failed_sources == ["crm"]
    crm = next(s for s in result.sources if s.source == "crm")
    assert crm.error is not None and "column 'PLZ' holds no postcode digits" in crm.error
    assert "unbekannt" not in crm.error
    assert dump_all(folder)["crm"] == before["crm"]


def test_retention_ended_plan_needs_no_lookup(
    company: tuple[Path, str], tmp_path: Path
) -> None:
    folder, rid = company
    assert execute(folder, rid).exit_code == ExitCode.OK
    # Years later: the request's identifiers are pseudonymised, the kept invoice expired.
    config = load_config(folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        session.execute(
            sa.text(
                "UPDATE request_identifiers SET value = 'hmac-sha256:' || id, "
                "normalised = 'hmac-sha256:' || id"
            )
        )
    ended = ErasurePlan(
        request=rid, created=date(2033, 1, 2), language="de", retention_ended=True,
        actions=(
            PlanAction("shop", "invoices", {"id": 500}, "delete", reason="retention",
                       until=date(2032, 12, 31), rule="Rechnungen", basis="§ 147 AO"),
            PlanAction("shop", "invoices", {"id": 499}, "delete", reason="retention"),
        ),
    )
    save(folder, ended)
    before = dump_sqlite(folder / "shop.sqlite")
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.OK and result.status == "executed"
    shop = next(s for s in result.sources if s.source == "shop")
    assert (shop.applied, shop.unchanged) == (1, 1)  # 499 was never there: nothing to do
    after = dump_sqlite(folder / "shop.sqlite")
    assert 500 not in after["invoices"]
    del before["invoices"][500]
    assert after == before


def test_keep_and_processor_tasks_change_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "company"
    build_company(folder)
    rid = new_request(folder)
    plan = anna_plan(rid)
    kept = tuple(
        PlanAction(a.source, a.table, a.key, "keep", columns=a.columns, reason="retention",
                   until=date(2032, 12, 31), rule="Rechnungen", basis="§ 147 AO")
        if a.source == "shop" else a
        for a in plan.actions
    )
    task = ProcessorTask("crm", "Beispiel CRM", {"Kontakte": 1}, "delete by hand", date(2026, 2, 1))
    kept = tuple(
        PlanAction(a.source, a.table, a.key, "processor_task", reason="processor")
        if a.source == "crm" else a
        for a in kept
    )
    save(folder, dataclasses.replace(plan, actions=kept, processor_tasks=(task,)))
    before = dump_all(folder)
    result = execute(folder, rid).as_dict()
    assert {s["source"]: s["status"] for s in result["sources"]} == {
        "shop": "no_change", "newsletter": "done", "crm": "no_change"
    }
    assert result["processor_tasks"] == [
        {"source": "crm", "vendor": "Beispiel CRM", "due": "2026-02-01"}
    ]
    after = dump_all(folder)
    assert after["shop"] == before["shop"] and after["crm"] == before["crm"]
    assert after["newsletter"] != before["newsletter"]


# -- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("vacuum", ["true", "full"])
def test_postgres_source_in_one_transaction_and_vacuumed(
    postgres_db: str, tmp_path: Path, vacuum: str
) -> None:
    engine = sa.create_engine(postgres_db)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE, "
            "name text NOT NULL, birthdate text, postcode varchar(10))"
        )
        conn.exec_driver_sql(
            "CREATE TABLE orders (id integer PRIMARY KEY, "
            "customer_id integer NOT NULL REFERENCES customers (id), total numeric NOT NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO customers VALUES (1, %(a)s, 'Anna Schmidt', '1980-05-03', '70173'), "
            "(2, 'bernd.braun@example.org', 'Bernd Braun', '1975-01-02', '10115')",
            {"a": ANNA},
        )
        conn.exec_driver_sql("INSERT INTO orders VALUES (10, 1, 12.5), (11, 1, 20), (12, 2, 5)")
        conn.exec_driver_sql(
            "CREATE FUNCTION keep_row() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$"
        )
        conn.exec_driver_sql(
            "CREATE TRIGGER audit_customers BEFORE UPDATE ON customers "
            "FOR EACH ROW EXECUTE FUNCTION keep_row()"
        )

    def dump() -> dict[str, list[tuple[Any, ...]]]:
        with engine.connect() as conn:
            return {
                t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t} ORDER BY id")]
                for t in ("customers", "orders")
            }

    def filenode() -> int:
        with engine.connect() as conn:
            return int(conn.exec_driver_sql(
                "SELECT relfilenode FROM pg_class WHERE relname = 'customers'"
            ).scalar_one())

    def vacuums() -> int:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
            return int(conn.exec_driver_sql(
                "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 'customers'"
            ).scalar_one())

    def vacuumed_since(count: int) -> bool:
        deadline = time.monotonic() + 5  # statistics may reach other sessions a moment later
        while vacuums() <= count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    folder = tmp_path / "pg"
    folder.mkdir()
    (folder / "dsr.yaml").write_text(
        "controller: {name: Test GmbH}\n"
        f"sources:\n  crm: {{type: sql, url: '{postgres_db}', vacuum: {vacuum}}}\n",
        encoding="utf-8",
    )
    rid = new_request(folder)
    plan = ErasurePlan(
        request=rid, created=date(2026, 1, 1), language="en",
        actions=(
            PlanAction("crm", "orders", {"id": 10}, "delete", order=0),
            PlanAction("crm", "orders", {"id": 11}, "delete", order=0),
            PlanAction(
                "crm", "customers", {"id": 1}, "anonymise",
                columns=("email", "name", "birthdate", "postcode"),
                how={"email": "pseudonym", "name": "mask", "birthdate": "year",
                     "postcode": "region"},
                order=1,
            ),
        ),
    )
    save(folder, plan)
    before, node, counted = dump(), filenode(), vacuums()
    result = execute(folder, rid)
    assert result.exit_code == ExitCode.OK, result.as_dict()
    [crm] = result.sources
    assert len(crm.warnings) == 1 and "(audit_customers)" in crm.warnings[0]
    after = dump()
    assert after["orders"] == [before["orders"][2]]
    assert after["customers"][1] == before["customers"][1]
    _, email, name, year, region = after["customers"][0]
    assert email.startswith(tr.PSEUDONYM_PREFIX)
    assert (name, year, region) == ("[removed]", "1980", "70")
    if vacuum == "full":
        assert filenode() != node  # VACUUM FULL rewrote the table into a new file
    else:
        assert filenode() == node
        assert vacuumed_since(counted)
    engine.dispose()


HISTORY = """
CREATE TABLE customer_history (
    id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id), email TEXT);
CREATE TRIGGER history AFTER UPDATE ON customers BEGIN
    INSERT INTO customer_history (customer_id, email) VALUES (old.id, old.email);
END;
"""


def test_killed_before_the_trigger_copies_are_deleted_is_finished(
    company: tuple[Path, str], reference: tuple[dict[str, Any], ExecuteResult]
) -> None:
    """The audit trigger copies Anna's row when it is anonymised; a kill after the commit,
    before the copies are deleted, must not leave the erasure stuck: the next run knows
    (from the ledger, written before the commit) which rows are copies and deletes them."""
    folder, rid = company
    end_state, _ = reference
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.executescript(HISTORY)

    child = run_child(folder, rid, "after-apply:shop")
    assert child.returncode == -signal.SIGKILL, child.stderr
    copies = dump_all(folder)["shop"]["customer_history"]
    assert copies and all(row[1] == 1 for row in copies.values())
    assert any(ANNA in str(row) for row in copies.values())
    started = [d for n, d in erasure_events(folder, rid) if n == "erasure.source_started"]
    assert [(d["source"], d["rows_before"]) for d in started] == [("shop", 0)]

    result = run("erase", rid, "--execute", "--json", "--config", folder / "dsr.yaml", exit=0)
    assert result.json["resumed"] is True and result.json["status"] == "executed"
    shop = next(s for s in result.json["sources"] if s["source"] == "shop")
    assert any("a trigger wrote while erasing (customer_history)" in w for w in shop["warnings"])
    final = normalised(dump_all(folder))
    assert final["shop"].pop("customer_history") == {}
    assert final == end_state
    verified = run("erase", rid, "--verify", "--format", "md", "--json", "--config",
                   folder / "dsr.yaml", exit=1)  # 1: a draft, dsr.yaml names no DPO
    assert verified.json["residue"] == [] and verified.json["missing"]
    assert plan_state(folder, rid)[0] == "verified"
    audit_intact(folder)


# -- --replan: a started plan the data moved under -------------------------------------------


def test_replan_after_the_data_changed_under_a_started_plan(tmp_path: Path) -> None:
    """Killed after one source, then a new sign-up of the person: --execute, a plain new
    plan and --verify all refuse, each pointing at --replan; --replan says what changed,
    keeps the finished source as done and plans the rest; the erasure then completes and
    the confirmation names what both plans erased."""
    from tests.erasure_company import EMAIL, new_erasure
    from tests.erasure_company import build_company as build_small_company

    folder = build_small_company(tmp_path / "small").parent
    rid = new_erasure(folder)
    first = run("erase", rid, "--json", "--config", folder / "dsr.yaml", exit=0).json
    assert run_child(folder, rid, "after-source:newsletter").returncode == -signal.SIGKILL
    with open(folder / "signups.csv", "ab") as handle:
        handle.write(f"Jürgen;Weißgerber;{EMAIL};Pasta\r\n".encode("cp1252"))

    outputs = []
    for extra in (["--execute"], [], ["--verify"]):
        refused = run("erase", rid, *extra, "--config", folder / "dsr.yaml", exit=2)
        assert f"dsr erase {rid} --replan" in refused.stderr, (extra, refused.stderr)
        outputs.append(refused.stdout + refused.stderr)
    assert "source 'signups': table 'signups': 1 row(s) found that the plan does not cover" in (
        outputs[0]
    )

    replanned = run("erase", rid, "--replan", "--json", "--config", folder / "dsr.yaml", exit=0)
    doc = replanned.json
    assert doc["replaced"] == {
        "plan_hash": first["plan_hash"],
        "status": "executing",
        "done_sources": ["newsletter"],
        "changes": ["source 'signups': table 'signups': 1 row(s) found that the plan does not "
                    "cover"],
    }  # fmt: skip
    signups = sorted(a["key"]["row"] for a in doc["actions"] if a["source"] == "signups")
    assert signups == [3, 5]
    assert [a["source"] for a in doc["actions"]].count("newsletter") == 1  # carried over, done
    shown = run("erase", rid, "--replan", "--config", folder / "dsr.yaml", exit=0)
    # a reviewed plan can be replaced again; the finished source stays done
    assert "(planned, newsletter done) is replaced" in shown.stdout
    assert "changed: nothing changed in the rows it covers" in shown.stdout
    outputs += [replanned.stdout, shown.stdout, shown.stderr]

    done = run("erase", rid, "--execute", "--json", "--config", folder / "dsr.yaml", exit=0).json
    statuses = {s["source"]: s["status"] for s in done["sources"]}
    assert statuses["newsletter"] == "done_earlier" and statuses["signups"] == "done"
    verified = run("erase", rid, "--verify", "--format", "md", "--json", "--config",
                   folder / "dsr.yaml", exit=0).json  # fmt: skip
    assert verified["residue"] == []
    letter = Path(verified["confirmation"]["documents"][0]["path"]).read_text(encoding="utf-8")
    assert "Newsletter-Liste: Newsletter" in letter and "2 Einträge gelöscht" in letter
    names = [name for name, _ in erasure_events(folder, rid)]
    assert names.count("erasure.replanned") == 2 and names[-1] == "erasure.verified"
    assert [status for status, _ in all_plan_states(folder, rid)] == [
        "superseded", "superseded", "verified"
    ]
    again = run("erase", rid, "--replan", "--config", folder / "dsr.yaml", exit=2)
    assert "nothing to replan" in again.stderr
    audit_intact(folder)
    assert not any(EMAIL in text or "Weißgerber" in text for text in outputs)


def all_plan_states(folder: Path, request_id: str) -> list[tuple[str, dict[str, Any]]]:
    from dsr.erasure.store import all_plans

    config = load_config(folder / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        return [(p.status, p.progress) for p in all_plans(session, request_id)]
