"""`dsr erase --verify` on a small company with real files: what is left is residue.

The company has a SQLite shop (customers, an audit table, invoices kept for 8
years, support notes that mention people), a Windows-1252 CSV, an XLSX list and a
Stripe export (a processor). Plans are stored by hand and the erasure is done by
hand with plain SQL and file writes, as ``--execute`` would leave things, so each
test can leave exactly one thing behind and see it reported.

The builders (``build_company``, ``store_plan``, ``erase_by_hand``) live in
tests/erasure_company.py, shared with the letter, evidence and overdue tests.
"""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest

from dsr.config.load import load_config
from dsr.erasure.model import PlanAction
from dsr.erasure.store import latest_plan
from dsr.errors import UsageError
from dsr.ledger import Document, open_ledger
from dsr.outcome import ExitCode
from dsr.requests.lifecycle import today_berlin
from tests.erasure_company import (
    EMAIL,
    NAME,
    PEOPLE,
    erase_by_hand,
    full_plan,
    new_erasure,
    store_plan,
    verify,
    write_cp1252_csv,
    write_stripe,
)
from tests.helpers import dsr


def test_clean_erasure_is_verified_confirmed_and_recorded(company: Path) -> None:
    rid = new_erasure(company)
    plan = full_plan(rid)
    plan_hash = store_plan(company / "dsr.yaml", plan)
    erase_by_hand(company)

    result = verify(company, rid)

    assert result.residue == [], [r.describe() for r in result.residue]
    assert result.exit_code == ExitCode.OK
    doc = json.loads(json.dumps(result.as_dict()))
    assert {"request", "residue", "processor_tasks", "confirmation"} <= set(doc)
    assert doc["request"] == rid and doc["residue"] == [] and doc["verified"] is True
    assert doc["plan_hash"] == plan_hash
    assert doc["processor_tasks"] == [
        {"source": "stripe", "status": "done", "vendor": "Stripe Payments Europe, Ltd.",
         "due": plan.processor_tasks[0].due.isoformat(), "rows_before": 1, "rows_now": 0}
    ]  # fmt: skip
    assert doc["counts_before"]["shop.customers"] == 1
    assert "shop.customers" not in doc["counts_after"]
    confirmation = doc["confirmation"]
    assert confirmation["outcome"] == "partial"
    assert Path(confirmation["folder"]) == company / "answers" / rid
    names = sorted(Path(d["path"]).name for d in confirmation["documents"])
    assert names == [f"loeschbestaetigung-{rid}.html", f"loeschbestaetigung-{rid}.md"]
    for item in confirmation["documents"]:
        assert stat.S_IMODE(Path(item["path"]).stat().st_mode) == 0o600
    assert stat.S_IMODE((company / "answers" / rid).stat().st_mode) == 0o700

    config = load_config(company / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, rid)
        assert stored is not None and stored.status == "verified"
        kinds = {d.kind for d in session.query(Document).filter_by(request_id=rid)}
        assert kinds == {"erasure_confirmation_md", "erasure_confirmation_html"}
    shown = dsr(company, "request", "show", rid, "--json").json
    assert shown["status"] == "closed" and shown["outcome"] == "answered"
    [event] = [e for e in shown["events"] if e["action"] == "erasure.verified"]
    details = event["details"]
    assert details["plan_hash"] == plan_hash and details["residue"] == 0
    assert details["counts_before"] == plan.counts_before
    assert details["processor_tasks"] == {"stripe": "done"}
    text = json.dumps(shown["events"], ensure_ascii=False)
    assert EMAIL not in text and "Weißgerber" not in text
    dsr(company, "audit", "verify")


@pytest.mark.parametrize(
    ("skip", "kind", "table"),
    [
        (("history",), "row", "customer_history"),
        (("redact",), "mention", "support_notes"),
        (("anonymise",), "kept_columns", "invoices"),
        (("csv",), "row", "signups"),
    ],
)
def test_whatever_was_left_is_residue(company: Path, skip: tuple[str, ...], kind: str,
                                      table: str) -> None:  # fmt: skip
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company, skip=skip)

    result = verify(company, rid)

    assert result.exit_code == ExitCode.ATTENTION
    rows = [r for r in result.residue if r.kind != "bytes"]
    assert [(r.kind, r.table) for r in rows] == [(kind, table)]
    if kind == "kept_columns":
        assert rows[0].columns == ("billing_email",)
    doc = result.as_dict()
    assert doc["confirmation"] is None and doc["verified"] is False
    assert not (company / "answers" / rid).exists()
    shown = dsr(company, "request", "show", rid, "--json").json
    assert shown["status"] == "open"
    [event] = [e for e in shown["events"] if e["action"] == "erasure.residue"]
    assert event["details"]["residue"] == len(result.residue)
    assert EMAIL not in json.dumps(event, ensure_ascii=False)
    config = load_config(company / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, rid)
        assert stored is not None and stored.status == "executed"


def test_deleted_row_in_free_pages_is_byte_residue(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company, secure=False)

    result = verify(company, rid)

    assert result.exit_code == ExitCode.ATTENTION
    assert {r.kind for r in result.residue} == {"bytes"}
    shop = [r for r in result.residue if r.source == "shop"]
    assert shop and shop[0].file == str(company / "shop.db") and shop[0].identifier == "email"
    assert all(EMAIL not in json.dumps(r.as_dict()) for r in result.residue)
    # The name stays legitimately on the kept invoice: never reported as residue there.
    assert not [r for r in result.residue if r.identifier == "name" and r.source == "shop"]


def test_open_processor_task_does_not_block_but_a_late_one_needs_a_person(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company, new_export=False)

    result = verify(company, rid)
    assert result.residue == [] and result.exit_code == ExitCode.OK
    assert [(t.source, t.status, t.rows_now) for t in result.processor_tasks] == [
        ("stripe", "open", 1)
    ]

    rid2 = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid2, task_due=today_berlin() - timedelta(days=1)))
    late = verify(company, rid2)
    assert late.residue == []
    assert [t.status for t in late.processor_tasks] == ["late"]
    assert late.exit_code == ExitCode.ATTENTION
    letter = (company / "answers" / rid2 / f"loeschbestaetigung-{rid2}.md").read_text("utf-8")
    assert "Zahlungen (Stripe-Export): noch nicht gelöscht; wir kümmern uns darum" in letter


def test_unreadable_source_is_residue(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company)
    (company / "signups.csv").unlink()

    result = verify(company, rid)

    assert [(r.kind, r.source) for r in result.residue] == [("source_failed", "signups")]
    assert result.exit_code == ExitCode.ATTENTION


@pytest.mark.parametrize("status", ["planned", "executing"])
def test_plan_must_be_executed_first(company: Path, status: str) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid), status=status)
    with pytest.raises(UsageError, match="run --execute first"):
        verify(company, rid)


def test_request_without_plan_or_unknown_is_a_usage_error(company: Path) -> None:
    rid = new_erasure(company)
    with pytest.raises(UsageError, match="no erasure plan"):
        verify(company, rid)
    with pytest.raises(UsageError, match="no request"):
        verify(company, "2020-0999")


def test_verified_plan_can_be_checked_again(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company, new_export=False)
    first = verify(company, rid)
    assert [t.status for t in first.processor_tasks] == ["open"]
    write_stripe(company, [p for p in PEOPLE if p[0] != 12])  # the vendor's newer export

    again = verify(company, rid, output=company / "second")

    assert again.residue == [] and [t.status for t in again.processor_tasks] == ["done"]
    assert again.closed is False  # closed by the first run already
    letter = (company / "second" / f"loeschbestaetigung-{rid}.md").read_text("utf-8")
    assert "Stripe Payments Europe, Ltd. – Zahlungen (Stripe-Export): gelöscht" in letter


# -- the byte search on real files ---------------------------------------------------------

from dsr.erasure import residue_bytes  # noqa: E402
from dsr.erasure.residue_bytes import Needle, search_bytes  # noqa: E402


def _sqlite_with_deleted_row(path: Path, *, secure: bool, wal: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA secure_delete = {'ON' if secure else 'OFF'}")
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA wal_autocheckpoint = 0")
    db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT, note TEXT)")
    db.executemany(
        "INSERT INTO people (email, note) VALUES (?, ?)",
        [(f"user{i}@example.org", "x" * 40) for i in range(300)],
    )
    db.execute("INSERT INTO people (email, note) VALUES (?, 'hello')", (EMAIL,))
    db.commit()
    db.execute("DELETE FROM people WHERE email = ?", (EMAIL,))
    db.commit()
    return db


def test_sqlite_free_pages_keep_a_deleted_row_unless_secure_delete(tmp_path: Path) -> None:
    needles = [Needle("email", 0, EMAIL.upper())]  # case does not matter
    loose = tmp_path / "loose.db"
    _sqlite_with_deleted_row(loose, secure=False).close()
    [hit] = search_bytes([loose], needles)
    assert (hit.path, hit.member, hit.kind, hit.index) == (loose, None, "email", 0)
    assert hit.count >= 1 and hit.forms == ("utf-8",)

    clean = tmp_path / "clean.db"
    db = _sqlite_with_deleted_row(clean, secure=True)
    db.execute("VACUUM")
    db.close()
    assert search_bytes([clean], needles) == []


def test_sqlite_wal_sibling_is_searched(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    db = _sqlite_with_deleted_row(path, secure=True, wal=True)
    try:
        hits = search_bytes([path], [Needle("email", 0, EMAIL)])
        assert tmp_path / "shop.db-wal" in {h.path for h in hits}
    finally:
        db.close()


def test_xlsx_members_are_searched_with_xml_escapes(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["Firma", "E-Mail"])
    book.active.append(["Weißgerber & Söhne", EMAIL])
    book.save(path)
    hits = search_bytes(
        [path], [Needle("email", 0, EMAIL), Needle("name", 0, "weißgerber & söhne")]
    )
    # openpyxl writes the strings into the sheet's XML (Excel into sharedStrings.xml)
    assert {(h.kind, h.member) for h in hits} == {
        ("email", "xl/worksheets/sheet1.xml"),
        ("name", "xl/worksheets/sheet1.xml"),
    }
    [name] = [h for h in hits if h.kind == "name"]
    assert "xml" in name.forms


def test_ods_content_xml_is_searched(tmp_path: Path) -> None:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    document = OpenDocumentSpreadsheet()
    table = Table(name="Liste")
    for values in (["Name", "E-Mail"], [NAME, EMAIL]):
        row = TableRow()
        for value in values:
            cell = TableCell(valuetype="string")
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.spreadsheet.addElement(table)
    path = tmp_path / "list.ods"
    document.save(str(path))
    hits = search_bytes([path], [Needle("email", 0, EMAIL), Needle("name", 0, NAME)])
    assert {(h.kind, h.member) for h in hits} == {("email", "content.xml"), ("name", "content.xml")}


def test_cp1252_csv_matches_in_any_case_and_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "signups.csv"
    write_cp1252_csv(
        path,
        [("Name", "Kurs"), ("Jürgen Weißgerber", "Brot"), ("JÜRGEN WEIßGERBER", "Pasta"),
         ("Anna Schmidt", "Pasta")],
    )  # fmt: skip
    needles = [Needle("name", 0, NAME), Needle("name", 1, "Lena Vogel")]
    expected = [residue_bytes.ByteResidue(path, None, "name", 0, 2, ("cp1252",))]
    assert search_bytes([path], needles) == expected
    monkeypatch.setattr(residue_bytes, "CHUNK", 5)  # every value cut by a chunk boundary
    assert search_bytes([path], needles) == expected


def test_results_and_needles_never_show_the_value(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(f"{EMAIL}\n", encoding="utf-8")
    needle = Needle("email", 0, EMAIL)
    [hit] = search_bytes([path], [needle])
    assert EMAIL not in repr(needle) and EMAIL not in repr(hit)
    assert EMAIL not in json.dumps(hit.as_dict())


# -- through the CLI ----------------------------------------------------------------------


def test_cli_verify_confirms_or_lists_residue(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    erase_by_hand(company, skip=("history",))

    left = dsr(company, "erase", rid, "--verify", "--json", exit=1).json
    assert left["confirmation"] is None
    [row] = [r for r in left["residue"] if r["kind"] == "row"]
    assert (row["source"], row["table"], row["key"]) == ("shop", "customer_history", {"id": 2})
    assert "still there" in row["text"]

    with sqlite3.connect(company / "shop.db") as db:
        db.execute("DELETE FROM customer_history WHERE id = 2")
    db.close()
    done = dsr(company, "erase", rid, "--verify", "--format", "md", "--json").json
    assert done["residue"] == [] and done["processor_tasks"][0]["status"] == "done"
    [letter] = done["confirmation"]["documents"]
    assert letter["path"].endswith(f"loeschbestaetigung-{rid}.md")


def test_retention_ended_plan_is_checked_by_keys_once_identifiers_are_gone(
    company: Path,
) -> None:
    from dataclasses import replace

    rid = new_erasure(company)
    first = full_plan(rid, kept_until=today_berlin() - timedelta(days=1))
    store_plan(company / "dsr.yaml", first)
    erase_by_hand(company)
    assert verify(company, rid).residue == []
    with sqlite3.connect(company / "dsr.db") as db:  # years later: pseudonymised
        db.execute(
            "UPDATE request_identifiers SET value = 'hmac-sha256:' || id, "
            "normalised = 'hmac-sha256:' || id"
        )
    db.close()
    ended = replace(
        first,
        actions=(PlanAction("shop", "invoices", {"id": 2}, "delete", reason="retention"),),
        processor_tasks=(),
        retention_ended=True,
    )
    store_plan(company / "dsr.yaml", ended)

    left = verify(company, rid)  # not deleted yet
    assert [(r.kind, r.table, r.detail) for r in left.residue] == [
        ("row", "invoices", "not deleted")
    ]
    assert left.counts_after == {"shop.invoices": 1}
    with sqlite3.connect(company / "shop.db") as db:
        db.execute("DELETE FROM invoices WHERE id = 2")
    db.close()
    done = verify(company, rid)
    assert done.residue == [] and done.retention_ended is True
    assert done.as_dict()["confirmation"] is None  # no new letter years later
    config = load_config(company / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, rid)
        assert stored is not None and stored.status == "verified" and stored.plan.retention_ended
    # A plan whose request lost its identifiers (pseudonymised) is read back by its keys
    # too, as one for confirmed possible matches of a request by name: never stuck.
    later = verify(company, new_erasure_without_identifiers(company))
    assert later.counts_after is not None and later.retention_ended is False


def new_erasure_without_identifiers(folder: Path) -> str:
    rid = new_erasure(folder)
    store_plan(folder / "dsr.yaml", full_plan(rid))
    with sqlite3.connect(folder / "dsr.db") as db:
        db.execute(
            "UPDATE request_identifiers SET value = 'hmac-sha256:x' || id WHERE request_id = ?",
            (rid,),
        )
    db.close()
    return rid
