"""Residue the database engine keeps: PostgreSQL's dead rows, SQLite's full-text indexes.

A row erased in PostgreSQL stays in the table as a dead row version until VACUUM;
``dsr erase --verify`` must not call such an erasure clean (issue 15, "Residue
includes what the engine keeps"). A SQLite full-text index (FTS5, FTS4) built over a table keeps
the words of a deleted row when nothing told it about the delete. Everything
runs through the CLI on a real PostgreSQL server and real SQLite files.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.erasure.execute import CRASH_VARIABLE
from tests.erasure_company import CONTROLLER
from tests.helpers import dsr

EMAIL = "anna.schmidt@example.org"
NAME = "Anna Schmidt"

FACTS = "description: {de: Kundendaten, en: Customer data}, recipients: []"
SHOP = f"  shop: {{type: sql, url: 'sqlite:///shop.db', exclude: ['customer_search*'], {FACTS}}}\n"
"""The index is left out of the lookup: the rows are erased in the table, not in the index."""


def _crm(url: str, extra: str = "") -> str:
    return f"  crm: {{type: sql, url: '{url}', {extra + ', ' if extra else ''}{FACTS}}}\n"


def _company(folder: Path, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dsr.yaml").write_text(CONTROLLER + "sources:\n" + source, encoding="utf-8")
    return folder


def _erase(folder: Path) -> str:
    """Log Anna's erasure request, plan it and carry it out; the request's id."""
    rid = str(
        dsr(folder, "request", "new", "--type", "erasure", "--email", EMAIL, "--name", NAME,
            "--received", "2026-11-10", "--json").json["id"]
    )  # fmt: skip
    plan = dsr(folder, "erase", rid, "--json").json
    assert any(a["action"] == "delete" for a in plan["actions"]), plan
    executed = dsr(folder, "erase", rid, "--execute", "--json").json
    assert not executed["failed_sources"], executed
    return rid


def _no_personal_data(*texts: str) -> None:
    for text in texts:
        assert EMAIL not in text and "anna.schmidt" not in text.lower() and NAME not in text
        assert "Traceback" not in text


# -- PostgreSQL ------------------------------------------------------------------------------


def _shop(url: str) -> sa.Engine:
    """30 customers (so autovacuum, which waits for 50 dead rows, stays away) and orders."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE customers (id integer PRIMARY KEY, email text NOT NULL UNIQUE, "
            "name text NOT NULL)"
        )
        conn.exec_driver_sql(
            "CREATE TABLE orders (id integer PRIMARY KEY, "
            "customer_id integer NOT NULL REFERENCES customers (id), total numeric NOT NULL)"
        )
        conn.exec_driver_sql(
            "INSERT INTO customers SELECT g, 'kunde' || g || '@example.com', 'Kunde ' || g "
            "FROM generate_series(1, 30) g"
        )
        conn.exec_driver_sql(
            "INSERT INTO customers VALUES (100, %(email)s, %(name)s)",
            {"email": EMAIL, "name": NAME},
        )
        conn.exec_driver_sql("INSERT INTO orders VALUES (1, 100, 12.5), (2, 3, 20)")
    return engine


def _vacuum_by_hand(engine: sa.Engine, table: str) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM {table}")


def _engine_entries(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["table"]: e for e in document["engine"]}


@pytest.mark.postgres
def test_postgres_dead_rows_are_residue_until_vacuumed(postgres_db: str, tmp_path: Path) -> None:
    engine = _shop(postgres_db)
    folder = _company(tmp_path / "co", _crm(postgres_db))
    rid = _erase(folder)

    left = dsr(folder, "erase", rid, "--verify", "--json", exit=1)
    document = left.json
    engine_residue = [r for r in document["residue"] if r["kind"] == "engine"]
    assert {r["table"] for r in engine_residue} == {"customers", "orders"}
    assert all(r["source"] == "crm" for r in engine_residue)
    [customers] = [r for r in engine_residue if r["table"] == "customers"]
    assert customers["text"] == (
        "dead rows in crm.customers not yet vacuumed; run VACUUM on the table "
        "or set vacuum: true on source crm"
    )
    assert not [r for r in document["residue"] if r["kind"] != "engine"], document["residue"]
    assert document["confirmation"] is None and document["verified"] is False
    entries = _engine_entries(document)
    assert entries["customers"]["clean"] is False and entries["customers"]["vacuum"] is None
    assert entries["customers"]["dead_rows"] >= 1
    assert entries["customers"]["executed_at"] is not None
    assert "write-ahead log" in entries["customers"]["wal"]

    shown = dsr(folder, "erase", rid, "--verify", exit=1)  # what a person reads
    assert "dead rows in crm.customers not yet vacuumed" in shown.stdout
    assert "run VACUUM on the tables named" in shown.stderr  # not "make a new plan"
    assert "make a new plan" not in shown.stderr
    _no_personal_data(left.stdout, left.stderr, shown.stdout, shown.stderr)
    events = dsr(folder, "request", "show", rid, "--json").json["events"]
    [residue_event] = [e for e in events if e["action"] == "erasure.residue"][-1:]
    assert residue_event["details"]["kinds"] == {"engine": 2}
    assert {e["table"] for e in residue_event["details"]["engine"]} == {"customers", "orders"}

    _vacuum_by_hand(engine, "customers")  # one of two: the other is still residue
    half = dsr(folder, "erase", rid, "--verify", "--json", exit=1).json
    assert [(r["kind"], r["table"]) for r in half["residue"]] == [("engine", "orders")]
    assert _engine_entries(half)["customers"]["clean"] is True
    assert _engine_entries(half)["customers"]["vacuumed_at"] is not None

    _vacuum_by_hand(engine, "orders")
    done = dsr(folder, "erase", rid, "--verify", "--json", exit=0)
    assert done.json["residue"] == [] and done.json["verified"] is True
    assert all(e["clean"] and e["vacuum"] is None for e in done.json["engine"])
    assert any("vacuumed since the erasure" in w for w in done.json["warnings"])
    [verified] = [
        e
        for e in dsr(folder, "request", "show", rid, "--json").json["events"]
        if e["action"] == "erasure.verified"
    ]
    assert {e["table"] for e in verified["details"]["engine"]} == {"customers", "orders"}
    _no_personal_data(done.stdout, json.dumps(verified))
    dsr(folder, "audit", "verify")
    engine.dispose()


@pytest.mark.postgres
def test_run_killed_after_commit_leaves_dead_rows_the_next_run_does_not_see(
    postgres_db: str, tmp_path: Path
) -> None:
    """Killed after the commit, the next run changes nothing: its dead rows are still found."""
    engine = _shop(postgres_db)
    folder = _company(tmp_path / "co", _crm(postgres_db))
    rid = str(
        dsr(folder, "request", "new", "--type", "erasure", "--email", EMAIL,
            "--received", "2026-11-10", "--json").json["id"]
    )  # fmt: skip
    dsr(folder, "erase", rid, "--json")
    killed = subprocess.run(
        [sys.executable, "-m", "dsr", "erase", rid, "--execute", "--config",
         str(folder / "dsr.yaml")],
        env={**os.environ, CRASH_VARIABLE: "after-commit:crm"},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    again = dsr(folder, "erase", rid, "--execute", "--json").json
    [crm] = again["sources"]
    assert crm["applied"] == 0, crm  # the first run's commit did it all

    left = dsr(folder, "erase", rid, "--verify", "--json", exit=1).json
    assert {(r["kind"], r["table"]) for r in left["residue"]} == {
        ("engine", "customers"),
        ("engine", "orders"),
    }
    engine.dispose()


@pytest.mark.postgres
def test_table_dropped_since_the_erasure_holds_no_dead_rows(
    postgres_db: str, tmp_path: Path
) -> None:
    engine = _shop(postgres_db)
    folder = _company(tmp_path / "co", _crm(postgres_db, "vacuum: true"))
    rid = _erase(folder)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE orders")
    done = dsr(folder, "erase", rid, "--verify", "--json", exit=0).json
    entries = _engine_entries(done)
    assert entries["orders"]["clean"] and entries["orders"]["detail"] == "gone"
    assert entries["orders"]["vacuum"] is None and entries["customers"]["vacuum"] == "VACUUM"
    assert entries["customers"]["clean"] and entries["customers"]["dead_rows"] == 0
    [note] = [w for w in done["warnings"] if w.startswith("crm:")]
    assert note.startswith("crm: customers: VACUUM run now; orders: dropped since the erasure; ")
    engine.dispose()


def _stats(engine: sa.Engine, table: str) -> tuple[int, int]:
    with engine.connect() as conn:
        conn.exec_driver_sql("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            sa.text("SELECT vacuum_count, n_dead_tup FROM pg_stat_user_tables WHERE relname = :t"),
            {"t": table},
        ).one()
    return int(row[0]), int(row[1])


def _filenode(engine: sa.Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.text("SELECT relfilenode FROM pg_class WHERE relname = :t"), {"t": table}
            ).scalar_one()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("vacuum", ["true", "full"])
def test_postgres_source_with_vacuum_is_vacuumed_by_verify_and_clean(
    postgres_db: str, tmp_path: Path, vacuum: str
) -> None:
    engine = _shop(postgres_db)
    folder = _company(tmp_path / "co", _crm(postgres_db, f"vacuum: {vacuum}"))
    rid = _erase(folder)
    counted, node = _stats(engine, "customers")[0], _filenode(engine, "customers")

    done = dsr(folder, "erase", rid, "--verify", "--json", exit=0)
    document = done.json
    assert document["residue"] == [] and document["verified"] is True
    entries = _engine_entries(document)
    assert set(entries) == {"customers", "orders"}
    ran = "VACUUM FULL" if vacuum == "full" else "VACUUM"
    assert all(e["vacuum"] == ran and e["clean"] for e in entries.values())
    [note] = [w for w in document["warnings"] if w.startswith("crm:")]
    assert f"{ran} run now" in note and "write-ahead log" in note
    if vacuum == "full":
        assert _filenode(engine, "customers") != node  # verify rewrote the table
    else:
        vacuums, dead = _stats(engine, "customers")
        assert vacuums > counted and dead == 0 and entries["customers"]["dead_rows"] == 0
    shown = dsr(folder, "erase", rid, "--verify", exit=0)  # verified plans can be checked again
    assert f"{ran} run now" in shown.stderr
    _no_personal_data(done.stdout, done.stderr, shown.stdout)
    engine.dispose()


@pytest.mark.postgres
def test_open_transaction_keeps_dead_rows_after_vacuum(postgres_db: str, tmp_path: Path) -> None:
    """VACUUM cannot remove a row version an older transaction may still read: not clean."""
    engine = _shop(postgres_db)
    folder = _company(tmp_path / "co", _crm(postgres_db, "vacuum: true"))
    reader = engine.connect().execution_options(isolation_level="REPEATABLE READ")
    reader.begin()
    reader.exec_driver_sql("SELECT count(*) FROM customers").scalar_one()  # holds a snapshot
    try:
        rid = _erase(folder)
        left = dsr(folder, "erase", rid, "--verify", "--json", exit=1).json
        texts = [r["text"] for r in left["residue"] if r["kind"] == "engine"]
        assert (
            "dead rows in crm.customers left after VACUUM (a transaction that is still open "
            "may see them); run --verify again when it has ended" in texts
        )
    finally:
        reader.rollback()
        reader.close()
    done = dsr(folder, "erase", rid, "--verify", "--json", exit=0).json
    assert done["residue"] == []
    engine.dispose()


# -- SQLite full-text indexes ------------------------------------------------------------------


def _sqlite_shop(path: Path, *, fts: str) -> None:
    """Customers and a full-text index over them: FTS5 with ``content`` (the index keeps
    its own copy of the text), ``external`` (content='customers', kept in step by hand) or
    ``contentless`` (content='', only the index); ``fts4`` an external-content FTS4 table."""
    module, options = {
        "content": ("fts5", ""),
        "external": ("fts5", ", content='customers', content_rowid='id'"),
        "contentless": ("fts5", ", content=''"),
        "fts4": ("fts4", ", content='customers'"),
    }[fts]
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA secure_delete = ON")
        db.execute(
            "CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL, "
            "name TEXT NOT NULL, notes TEXT)"
        )
        db.execute(
            f"CREATE VIRTUAL TABLE customer_search USING {module}(email, name, notes{options})"
        )
        people = [
            (i, f"kunde{i}@example.com", f"Kunde Nummer{i}", "Stammkunde") for i in range(1, 6)
        ]
        people.append((100, EMAIL, NAME, "ruft oft an"))
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?)", people)
        db.executemany(
            "INSERT INTO customer_search (rowid, email, name, notes) VALUES (?, ?, ?, ?)", people
        )
    db.close()


@pytest.mark.parametrize("fts", ["external", "contentless", "fts4"])
def test_full_text_index_still_finding_the_person_is_residue(tmp_path: Path, fts: str) -> None:
    folder = tmp_path / "co"
    folder.mkdir()
    _sqlite_shop(folder / "shop.db", fts=fts)
    _company(folder, SHOP)
    rid = _erase(folder)

    left = dsr(folder, "erase", rid, "--verify", "--json", exit=1)
    index = [r for r in left.json["residue"] if r["kind"] == "index"]
    assert {(r["source"], r["table"], r["identifier"]) for r in index} >= {
        ("shop", "customer_search", "email"),
        ("shop", "customer_search", "name"),
    }
    [mail] = [r for r in index if r["identifier"] == "email"]
    assert (
        mail["text"] == "shop.customer_search: the full-text index still finds email #1 (1 row(s))"
    )
    assert left.json["confirmation"] is None
    shown = dsr(folder, "erase", rid, "--verify", exit=1)
    assert "shop.customer_search: the full-text index still finds email #1" in shown.stdout
    assert "rebuild the full-text index named" in shown.stderr
    _no_personal_data(left.stdout, left.stderr, shown.stdout, shown.stderr)

    with sqlite3.connect(folder / "shop.db") as db:  # tell the index, as a trigger would
        db.execute("PRAGMA secure_delete = ON")
        if fts == "fts4":  # FTS4 reads what to forget from the content table: rebuild it
            db.execute("INSERT INTO customer_search (customer_search) VALUES ('rebuild')")
        else:
            db.execute(
                "INSERT INTO customer_search (customer_search, rowid, email, name, notes) "
                "VALUES ('delete', 100, ?, ?, 'ruft oft an')",
                (EMAIL, NAME),
            )
        db.execute("INSERT INTO customer_search (customer_search) VALUES ('optimize')")
    db.close()
    done = dsr(folder, "erase", rid, "--verify", "--json", exit=0).json
    assert done["residue"] == [], done["residue"]


def test_fts5_table_holding_the_text_is_residue(tmp_path: Path) -> None:
    """An FTS5 table with its own content keeps the text in its shadow table and its index."""
    folder = tmp_path / "co"
    folder.mkdir()
    _sqlite_shop(folder / "shop.db", fts="content")
    _company(
        folder,
        SHOP,
    )
    rid = _erase(folder)
    left = dsr(folder, "erase", rid, "--verify", "--json", exit=1).json
    kinds = {(r["kind"], r["table"]) for r in left["residue"]}
    assert ("index", "customer_search") in kinds
    assert any(r["kind"] == "bytes" for r in left["residue"])  # the shadow table's copy


# -- bad inputs (issue 15's corpus) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["maybe", "2", "[full]", "{full: true}", "vacuum full"], ids=lambda v: f"vacuum={v}"
)
def test_bad_vacuum_option_is_one_clear_line(tmp_path: Path, value: str) -> None:
    folder = tmp_path / "co"
    folder.mkdir()
    sqlite3.connect(folder / "shop.db").close()
    _company(folder, f"  shop: {{type: sql, url: 'sqlite:///shop.db', vacuum: {value}}}\n")
    result = dsr(folder, "config", "check", exit=2)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and lines[0].endswith(
        "dsr.yaml:9: sources.shop.vacuum: use true, false or full"
    )
    assert "Traceback" not in result.stdout + result.stderr


def _break_index(db_path: Path, how: str) -> None:
    with sqlite3.connect(db_path) as db:
        if how == "unknown tokenizer":
            db.execute("PRAGMA writable_schema = ON")
            db.execute(
                "UPDATE sqlite_master SET sql = replace(sql, 'notes', 'notes, tokenize=nosuch') "
                "WHERE name = 'customer_search'"
            )
        elif how == "shadow table dropped":
            db.execute("DROP TABLE customer_search_data")
        else:  # the index's structure record overwritten
            db.execute("UPDATE customer_search_data SET block = x'ffffffffffff' WHERE id = 10")
    db.close()


@pytest.mark.parametrize("how", ["unknown tokenizer", "shadow table dropped", "garbage index"])
def test_full_text_index_that_cannot_be_searched_is_not_clean(tmp_path: Path, how: str) -> None:
    folder = tmp_path / "co"
    folder.mkdir()
    _sqlite_shop(folder / "shop.db", fts="external")
    _company(folder, SHOP)
    rid = _erase(folder)
    _break_index(folder / "shop.db", how)

    result = dsr(folder, "erase", rid, "--verify", exit=1)
    lines = [line for line in result.stdout.splitlines() if "customer_search" in line]
    assert len(lines) == 1 and "shop" in lines[0], result.stdout
    assert "full-text index 'customer_search' cannot be searched" in lines[0]
    assert "confirmation" not in result.stdout
    _no_personal_data(result.stdout, result.stderr)
