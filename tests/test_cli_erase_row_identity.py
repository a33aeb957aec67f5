"""One row is one row, however its key is spelled: an erasure through the CLI on real SQLite
and a real CSV where the person's customer number 17 is stored as the integer 17, the
text ``'17'``, the float ``17.0`` and a ``NUMERIC(10,2)`` that reads ``Decimal("17.00")``.

The core tells rows apart with ``dsr.connectors.rows.row_id`` and reads rows by key with
``rows.read_rows``, as the connectors do. Before, the erasure core had copies of its own:
a reference held as ``Decimal("17.00")`` pointed at no row, so the customer a kept
invoice refers to was planned for deletion and ``--execute`` failed on the foreign key;
a decimal primary key was stored in the plan as ``"5.50"``, which names no row; and a
row keyed ``17.0`` that the re-check lookup could not reach was read by the text
``"17.0"``, found nothing, and was counted as gone with its birth date still in it.
"""

from __future__ import annotations

import contextlib
import csv
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from dsr.connectors.rows import row_id
from dsr.erasure.execute import CRASH_VARIABLE
from tests.helpers import dsr

ANNA = "anna.schmidt@example.com"
BERND = "bernd.braun@example.org"
RECEIVED = "2026-11-10"
RETENTION = """retention:
  - name: Rechnungen
    tables: [shop.invoices]
    years: 10
    date_column: invoice_date
    basis: "§ 147 AO"
"""
LINK = """links:
  - from: newsletter.newsletter.customer_no
    to: shop.customers.id
"""


def write_company(folder: Path, script: str, rows: dict[str, list[tuple[Any, ...]]],
                  newsletter: list[tuple[str, str]]) -> None:
    """A SQLite shop (``script``, then ``rows`` per table), a newsletter CSV with customer
    numbers linked to the shop's customers, and invoices kept for ten years."""
    folder.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db, db:
        db.executescript(script)
        for table, values in rows.items():
            marks = ", ".join("?" * len(values[0]))
            db.executemany(f"INSERT INTO {table} VALUES ({marks})", values)
    with open(folder / "newsletter.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "customer_no"])
        writer.writerows(newsletter)
    (folder / "dsr.yaml").write_text(
        "controller: {name: Test GmbH, supervisory_authority: LfDI BW}\n"
        "sources:\n"
        '  shop: {type: sql, url: "sqlite:///shop.sqlite", description: Shop, recipients: []}\n'
        "  newsletter: {type: csv, path: newsletter.csv, description: Newsletter,"
        " recipients: []}\n" + LINK + RETENTION,
        encoding="utf-8",
    )


def table(folder: Path, name: str) -> list[tuple[Any, ...]]:
    with contextlib.closing(sqlite3.connect(folder / "shop.sqlite")) as db:
        return sorted(db.execute(f"SELECT * FROM {name}").fetchall(), key=repr)


def newsletter(folder: Path) -> list[list[str]]:
    with open(folder / "newsletter.csv", newline="", encoding="utf-8") as handle:
        return [row for row in csv.reader(handle) if any(row)]


def new_request(folder: Path) -> str:
    doc = dsr(folder, "request", "new", "--type", "erasure", "--email", ANNA,
              "--received", RECEIVED, "--json").json
    return str(doc["id"])


def planned(doc: dict[str, Any]) -> dict[tuple[str, str, Any], str]:
    """(source, table, key value) → action, for one-column keys; fails on a row planned twice."""
    found: dict[tuple[str, str, Any], str] = {}
    idents = set()
    for action in doc["actions"]:
        ident = (action["source"], row_id(action["table"], action["key"]))
        assert ident not in idents, f"row planned twice: {action}"
        idents.add(ident)
        key = action["key"]
        value = (key["file"], key["row"]) if "file" in key else next(iter(key.values()))
        found[action["source"], action["table"], value] = action["action"]
    return found


SPELLINGS = """
CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT,
    birthdate TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id TEXT REFERENCES customers (id),
    placed_at TEXT);
CREATE TABLE payments (id INTEGER PRIMARY KEY, customer_id REAL REFERENCES customers (id),
    amount REAL);
CREATE TABLE invoices (id INTEGER PRIMARY KEY,
    customer_id NUMERIC(10, 2) NOT NULL REFERENCES customers (id),
    invoice_date TEXT NOT NULL, total REAL);
CREATE TABLE vouchers (code NUMERIC(10, 2) PRIMARY KEY,
    customer_id INTEGER REFERENCES customers (id), worth REAL);
CREATE TABLE loyalty (card TEXT PRIMARY KEY, customer_id TEXT, points INTEGER);
"""


def test_every_spelling_of_the_key_is_one_row_planned_executed_and_verified(
    tmp_path: Path,
) -> None:
    """Anna (17) and Bernd (18) each have an order referring to them as text, a payment as
    a float, an invoice (kept ten years) as a decimal and a voucher with a decimal key;
    Anna's newsletter row holds her e-mail and her number as text, so it is found directly
    and over the link. A loyalty card referring to ``' 17 '`` names another value: the
    rows definition keeps blanks, as the database compares them."""
    folder = tmp_path / "company"
    write_company(
        folder, SPELLINGS,
        {
            "customers": [(17, ANNA, "Anna Schmidt", "1980-05-03"),
                          (18, BERND, "Bernd Braun", "1975-01-02")],
            "orders": [(1, "17", "2024-01-05"), (2, "18", "2024-01-06")],
            "payments": [(1, 17.0, 12.5), (2, 18.0, 5.0)],
            "invoices": [(1, 17, "2024-01-05", 12.5), (2, 18, "2024-01-06", 5.0)],
            "vouchers": [(5.5, 17, 10.0), (6, 18, 10.0)],
            "loyalty": [("L-1", " 17 ", 100)],
        },
        [(BERND, "18"), (ANNA, "17")],
    )
    bernds = {"customers": 18, "orders": 2, "payments": 2, "invoices": 2, "vouchers": 6}
    bernd_before = {name: [r for r in table(folder, name) if r[0] == key]
                    for name, key in bernds.items()}
    rid = new_request(folder)

    plan = dsr(folder, "erase", rid, "--json").json
    assert planned(plan) == {
        ("newsletter", "newsletter", ("newsletter.csv", 3)): "delete",
        ("shop", "orders", 1): "delete",
        ("shop", "payments", 1): "delete",
        ("shop", "vouchers", "5.5"): "delete",  # Decimal("5.50"), stored as it reads
        ("shop", "invoices", 1): "keep",
        # the kept invoice refers to her as Decimal("17.00"): her row stays, anonymised
        ("shop", "customers", 17): "anonymise",
    }
    assert plan["counts"] == {"delete": 4, "anonymise": 1, "keep": 1, "redact": 0,
                              "processor_task": 0}
    assert not plan["notes"] and not plan["left_out"]

    executed = dsr(folder, "erase", rid, "--execute", "--json").json
    assert executed["status"] == "executed" and executed["failed_sources"] == []
    assert executed["unchanged"] == 0
    assert executed["plan_hash"] == plan["plan_hash"]

    verified = dsr(folder, "erase", rid, "--verify", "--json").json
    assert verified["verified"] is True and verified["residue"] == []
    assert verified["counts_before"] == {
        "newsletter.newsletter": 1, "shop.customers": 1, "shop.invoices": 1,
        "shop.orders": 1, "shop.payments": 1, "shop.vouchers": 1,
    }

    [(_id, email, _name, birthdate)] = [r for r in table(folder, "customers") if r[0] == 17]
    assert email.startswith("pseudonym-") and birthdate == "1980"
    assert [r[0] for r in table(folder, "orders")] == [2]
    assert [r[0] for r in table(folder, "payments")] == [2]
    assert [r[0] for r in table(folder, "vouchers")] == [6]
    assert [r[0] for r in table(folder, "invoices")] == [1, 2]
    assert table(folder, "loyalty") == [("L-1", " 17 ", 100)]
    for name, rows in bernd_before.items():
        assert rows and [r for r in table(folder, name) if r[0] == bernds[name]] == rows, name
    assert newsletter(folder) == [["email", "customer_no"], [BERND, "18"]]


KEYED_17_0 = """
CREATE TABLE customers (id REAL PRIMARY KEY, name TEXT NOT NULL, birthdate TEXT NOT NULL);
CREATE TABLE invoices (id INTEGER PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    invoice_date TEXT NOT NULL, total REAL);
"""


def test_a_resumed_run_reads_a_row_keyed_17_0_by_its_key(tmp_path: Path) -> None:
    """Anna's e-mail is only in the newsletter, whose ``"17"`` leads to her customer row,
    keyed ``17.0`` (a REAL primary key); her invoice (``'17'``) is kept, so the row is
    anonymised and its birth date cut to the year, a value only the row itself gives.
    The run is killed after the newsletter row is gone: the next run cannot reach the
    customer row by a lookup any more and must read it by its key."""
    folder = tmp_path / "company"
    write_company(
        folder, KEYED_17_0,
        {
            "customers": [(17, "Anna Schmidt", "1980-05-03"), (18, "Bernd Braun", "1975-01-02")],
            "invoices": [(1, "17", "2024-01-05", 12.5), (2, "18", "2024-01-06", 5.0)],
        },
        [(BERND, "18"), (ANNA, "17")],
    )
    rid = new_request(folder)
    plan = dsr(folder, "erase", rid, "--json").json
    assert planned(plan) == {
        ("newsletter", "newsletter", ("newsletter.csv", 3)): "delete",
        ("shop", "invoices", 1): "keep",
        ("shop", "customers", 17.0): "anonymise",
    }
    [customer] = [a for a in plan["actions"] if a["table"] == "customers"]
    assert customer["how"] == {"birthdate": "year"}

    child = subprocess.run(
        [sys.executable, "-m", "dsr", "erase", rid, "--execute", "--config",
         str(folder / "dsr.yaml")],
        env={**os.environ, CRASH_VARIABLE: "before-source:shop"},
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert newsletter(folder) == [["email", "customer_no"], [BERND, "18"]]
    assert table(folder, "customers")[0] == (17.0, "Anna Schmidt", "1980-05-03")

    resumed = dsr(folder, "erase", rid, "--execute", "--json").json
    assert resumed["resumed"] is True and resumed["status"] == "executed"
    shop = next(s for s in resumed["sources"] if s["source"] == "shop")
    assert (shop["status"], shop["applied"], shop["unchanged"]) == ("done", 1, 0)
    assert table(folder, "customers") == [(17.0, "Anna Schmidt", "1980"),
                                          (18.0, "Bernd Braun", "1975-01-02")]

    verified = dsr(folder, "erase", rid, "--verify", "--json").json
    assert verified["verified"] is True and verified["residue"] == []


def test_a_padded_links_value_finds_the_row_it_names(tmp_path: Path) -> None:
    """A ``links:`` value is an identifier read from another system: the newsletter's
    ``" 17 "`` is asked for as stored and trimmed, and finds customer 17 and her orders,
    which refer to her as ``'17'`` and ``' 17 '`` (spaces around a value do not stop a
    match where the engine scans: dsr.connectors.rows, "Surrounding spaces")."""
    folder = tmp_path / "company"
    write_company(
        folder, SPELLINGS,
        {
            "customers": [(17, "kundin@example.net", "Anna Schmidt", "1980-05-03")],
            "orders": [(1, "17", "2024-01-05"), (2, " 17 ", "2024-01-06")],
            "payments": [(1, 17.0, 12.5)],
            "invoices": [(1, 17, "2024-01-05", 12.5)],
            "vouchers": [(5.5, 17, 10.0)],
            "loyalty": [("L-1", " 17 ", 100)],
        },
        [(ANNA, " 17 ")],
    )
    found = dsr(folder, "find", "--email", ANNA, "--json").json
    rows = {(m["source"], m["table"], row_id(m["table"], m["key"])): m["match"]
            for m in found["matches"]}
    assert rows == {
        ("newsletter", "newsletter", row_id("newsletter", {"file": "newsletter.csv", "row": 2})):
            "direct",
        ("shop", "customers", row_id("customers", {"id": 17})): "linked",
        ("shop", "orders", row_id("orders", {"id": 1})): "linked",
        ("shop", "orders", row_id("orders", {"id": 2})): "linked",
        ("shop", "payments", row_id("payments", {"id": 1})): "linked",
        ("shop", "invoices", row_id("invoices", {"id": 1})): "linked",
        ("shop", "vouchers", row_id("vouchers", {"code": "5.5"})): "linked",
    }
    assert len(found["matches"]) == len(rows)  # each row once
