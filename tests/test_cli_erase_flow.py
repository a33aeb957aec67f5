"""The whole erasure, through the CLI: plan, --execute, --verify, the letter, the evidence.

Issue 8's "done when": on the demo every planted case ends as its README says
(history table and the mention in another customer's records included),
``--verify`` finds no residue and a raw byte search of the SQLite file finds
none of the person's identifiers outside retained rows; on a copy of Chinook,
erasing customer 2 keeps her invoices with the reason, removes or anonymises
the rest and leaves every other row untouched.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import dsr
from tests.shared_data import CHINOOK_SQLITE

RECEIVED = "2026-11-10"
KATHARINA = ("katharina.weiss@example.com", "k.weiss@example.net")


def erase_all_the_way(folder: Path, *identifiers: str, language: str = "de") -> dict[str, Any]:
    """Log an erasure request and plan, execute and verify it; the --verify document."""
    rid = dsr(folder, "request", "new", "--type", "erasure", *identifiers, "--received",
              RECEIVED, "--language", language, "--json").json["id"]
    plan = dsr(folder, "erase", rid, "--json").json
    executed = dsr(folder, "erase", rid, "--execute", "--json").json
    assert executed["plan_hash"] == plan["plan_hash"]
    assert not executed["failed_sources"]
    verified = dsr(folder, "erase", rid, "--verify", "--json").json
    return {"id": rid, "plan": plan, "executed": executed, "verified": verified}


def dump(db_path: Path) -> dict[str, dict[str, tuple[Any, ...]]]:
    """Every row of every table by its primary key (or rowid)."""
    tables: dict[str, dict[str, tuple[Any, ...]]] = {}
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        for name in names:
            pk = [r[1] for r in db.execute(f"PRAGMA table_info('{name}')") if r[5]]
            columns = [r[1] for r in db.execute(f"PRAGMA table_info('{name}')")]
            rows = {}
            for row in db.execute(f'SELECT * FROM "{name}"'):
                values = dict(zip(columns, row, strict=True))
                key = {c: values[c] for c in pk} if pk else {"rowid": row}
                rows[json.dumps(key, sort_keys=True, default=str)] = tuple(row)
            tables[name] = rows
    return tables


# -- the demo -------------------------------------------------------------------------------------


@dataclass
class Demo:
    folder: Path
    katharina: dict[str, Any]
    petra: dict[str, Any]

    @property
    def shop(self) -> Path:
        return self.folder / "data" / "shop.db"


@pytest.fixture(scope="module")
def demo(module_demo: Path) -> Iterator[Demo]:
    """The demo company after Katharina's and Petra's erasures (overrides conftest's demo)."""
    folder = module_demo
    katharina = erase_all_the_way(folder, "--email", KATHARINA[0], "--name", "Katharina Weiß")
    petra = erase_all_the_way(folder, "--email", "petra.klein@example.org",
                              "--name", "Petra Klein")
    yield Demo(folder, katharina, petra)


def test_verify_finds_no_residue_and_writes_the_confirmation(demo: Demo) -> None:
    verified = demo.katharina["verified"]
    assert verified["residue"] == []
    assert verified["verified"] is True
    letter = next(Path(d["path"]) for d in verified["confirmation"]["documents"]
                  if d["path"].endswith(".md"))
    text = letter.read_text(encoding="utf-8")
    for until in ("bis 31.12.2027", "bis 31.12.2031", "bis 31.12.2033"):
        assert until in text
    assert "§ 147" in text
    assert letter.stat().st_mode & 0o077 == 0


def test_the_history_trigger_leaves_nothing_behind(demo: Demo) -> None:
    """Anonymising the kept customer row fires the shop's history trigger; its copies go too."""
    with sqlite3.connect(f"file:{demo.shop}?mode=ro", uri=True) as db:
        history = db.execute(
            "SELECT count(*) FROM customer_history WHERE lower(email) IN (?, ?)", KATHARINA
        ).fetchone()[0]
        customers = db.execute(
            "SELECT count(*) FROM customers WHERE lower(email) IN (?, ?)", KATHARINA
        ).fetchone()[0]
    assert (history, customers) == (0, 0)


def test_no_bytes_of_her_addresses_stay_in_the_database_file(demo: Demo) -> None:
    raw = demo.shop.read_bytes().lower()
    for suffix in ("-wal", "-journal"):
        extra = demo.shop.with_name(demo.shop.name + suffix)
        if extra.exists():
            raw += extra.read_bytes().lower()
    for address in KATHARINA:
        assert address.encode() not in raw, address


def test_her_invoices_stay_as_issued(demo: Demo) -> None:
    kept = [a for a in demo.katharina["plan"]["actions"] if a["action"] == "keep"
            and a["table"] == "invoices"]
    assert sorted(a["until"] for a in kept) == ["2027-12-31", "2031-12-31", "2033-12-31"]
    with sqlite3.connect(f"file:{demo.shop}?mode=ro", uri=True) as db:
        for action in kept:
            (name,) = db.execute("SELECT billing_name FROM invoices WHERE id = ?",
                                 (action["key"]["id"],)).fetchone()
            assert name  # the recipient's name as issued


def test_the_mention_in_another_customers_note_is_redacted_not_deleted(demo: Demo) -> None:
    redacted = [a for a in demo.petra["plan"]["actions"] if a["action"] == "redact"]
    assert redacted
    with sqlite3.connect(f"file:{demo.shop}?mode=ro", uri=True) as db:
        for action in redacted:
            if action["source"] != "shop":
                continue
            (column,) = action["columns"][:1]
            (key_column, key), = action["key"].items()
            (text,) = db.execute(
                f'SELECT "{column}" FROM "{action["table"]}" WHERE "{key_column}" = ?', (key,)
            ).fetchone()
            assert text and "petra.klein@example.org" not in text.lower()
            assert "petra klein" not in text.lower()
    assert demo.petra["verified"]["residue"] == []


def test_processor_tasks_are_listed_open_until_a_newer_export(demo: Demo) -> None:
    tasks = demo.petra["verified"]["processor_tasks"]
    assert tasks and {t["status"] for t in tasks} <= {"open", "late"}


def test_the_evidence_bundle_holds_no_erased_values(demo: Demo) -> None:
    out = dsr(demo.folder, "request", "evidence", demo.katharina["id"], "--json").json
    assert out["chain"]["intact"] is True
    for document in out["documents"]:
        text = Path(document["path"]).read_text(encoding="utf-8").lower()
        for address in KATHARINA:
            assert address not in text
        assert demo.katharina["plan"]["plan_hash"] in text or document["path"].endswith(".html")
    assert dsr(demo.folder, "audit", "verify", "--json").json["intact"] is True


def test_a_second_execute_reports_the_plan_done(demo: Demo) -> None:
    again = dsr(demo.folder, "erase", demo.katharina["id"], "--execute", "--json").json
    assert again["already_done"] is True


def test_the_terminal_shows_what_verify_found(demo: Demo) -> None:
    shown = dsr(demo.folder, "erase", demo.katharina["id"], "--verify").stdout
    assert "no residue" in shown and "confirmation" in shown


# -- Chinook --------------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_chinook_customer_2_every_other_row_untouched(tmp_path: Path) -> None:
    db_path = tmp_path / "chinook.sqlite"
    shutil.copy(CHINOOK_SQLITE, db_path)
    (tmp_path / "dsr.yaml").write_text(
        "controller: {name: Test GmbH, supervisory_authority: LfDI BW}\n"
        "sources:\n  chinook: {type: sql, url: 'sqlite:///chinook.sqlite', recipients: [],\n"
        "            description: {de: Musikshop, en: Music shop}}\n"
        "retention:\n"
        "  - {name: Rechnungen, tables: [chinook.Invoice], date_column: InvoiceDate, years: 8,\n"
        "     basis: {de: '§ 147 AO, § 257 HGB, § 14b UStG', en: '§ 147 AO, § 257 HGB'}}\n",
        encoding="utf-8",
    )
    before = dump(db_path)
    flow = erase_all_the_way(tmp_path, "--email", "leonekohler@surfeu.de", language="en")
    after = dump(db_path)
    planned: dict[tuple[str, str], dict[str, Any]] = {
        (a["table"], json.dumps(a["key"], sort_keys=True, default=str)): a
        for a in flow["plan"]["actions"]
    }
    assert {t for t, _ in planned} <= {"Customer", "Invoice", "InvoiceLine"}
    for table, rows in before.items():
        for key, row in rows.items():
            action = planned.get((table, key))
            if action is None:  # everybody else's rows: byte for byte as they were
                assert after[table].get(key) == row, (table, key)
            elif action["action"] == "delete":
                assert key not in after[table], (table, key)
            elif action["action"] == "keep":
                assert after[table][key] == row
                assert action["reason"] in ("retention", "integrity")
    assert any(a["action"] == "keep" and a["reason"] == "retention" and a["until"]
               for a in planned.values()) or all(
        a["action"] != "keep" for a in planned.values())
    customer = after["Customer"]['{"CustomerId": 2}']
    assert "leonekohler@surfeu.de" not in [str(v).lower() for v in customer]
    # her support representative (Employee 3) is another person: untouched
    assert after["Employee"] == before["Employee"]
    verified = flow["verified"]
    assert verified["residue"] == [] and verified["confirmation"]["outcome"] in (
        "erased", "partial")
    letter = next(Path(d["path"]) for d in verified["confirmation"]["documents"]
                  if d["path"].endswith(".md"))
    assert "erased" in letter.read_text(encoding="utf-8").lower()
