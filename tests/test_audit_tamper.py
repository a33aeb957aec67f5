"""`dsr audit verify` catches tampering with the ledger, not only with the event chain.

Issue 15 lists 19 kinds: edits of a request's status, dates, identifier and
language, of a document's hash and path, of a plan's body, status and hash;
deleted requests, plans, documents and events; edited and reordered events;
a cut-off chain end, an edited head file and an inserted event. Each is done
here with plain ``sqlite3`` (as someone with the file would) on a copy of the
demo company after a real erasure and a real access answer, and each must make
``dsr audit verify`` exit 1 with one line naming what changed: ids and field
names, never the person's data, never a traceback.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dsr.ledger.chain import GENESIS_HASH, ChainHead, event_hash
from tests.helpers import Result, dsr

RECEIVED = "2026-11-10"
EMAIL = "katharina.weiss@example.com"
NAME = "Katharina Weiß"
ACCESS_EMAIL = "petra.klein@example.org"
PERSONAL = (EMAIL, NAME, "Weiß", "katharina", ACCESS_EMAIL, "petra", "Klein")


@pytest.fixture(scope="module")
def after_work(module_demo: Path) -> Path:
    """The demo after an erasure planned, executed and verified, and an access answer."""
    folder = module_demo
    rid = dsr(folder, "request", "new", "--type", "erasure", "--email", EMAIL, "--name", NAME,
              "--received", RECEIVED, "--json").json["id"]  # fmt: skip
    dsr(folder, "erase", rid, "--json")
    dsr(folder, "erase", rid, "--execute", "--json")
    dsr(folder, "erase", rid, "--verify", "--json")
    access = dsr(folder, "request", "new", "--type", "access", "--email", ACCESS_EMAIL,
                 "--received", RECEIVED, "--json").json["id"]  # fmt: skip
    dsr(folder, "access", access, "--json")
    assert rid == "2026-0001" and access == "2026-0002"
    return folder


@pytest.fixture
def company(after_work: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "company"
    shutil.copytree(after_work, folder)
    return folder


def _db(folder: Path) -> sqlite3.Connection:
    # sqlite3's default: foreign keys not enforced, as with the sqlite3 shell
    return sqlite3.connect(folder / "dsr.db", isolation_level=None)


def _one(folder: Path, sql: str) -> int:
    with _db(folder) as db:
        return int(db.execute(sql).fetchone()[0])


def _clean(result: Result) -> None:
    text = result.stdout + result.stderr
    assert "Traceback" not in text
    for value in PERSONAL:
        assert value.lower() not in text.lower(), value


def test_untouched_ledger_is_intact_and_prints_its_head(company: Path) -> None:
    result = dsr(company, "audit", "verify")
    assert result.stdout.startswith("chain intact (")
    last = _one(company, "SELECT max(id) FROM events")
    assert f"head: event {last}, " in result.stderr
    doc = dsr(company, "audit", "verify", "--json").json
    assert doc["intact"] is True and doc["rows"] == [] and doc["head"]["event_id"] == last
    head = json.loads((company / "dsr.db.head").read_text())
    assert head["event_id"] == last
    assert (company / "dsr.db.head").stat().st_mode & 0o077 == 0
    with _db(company) as db:
        # every change dsr made was recorded by the event that made it, not a catch-all one
        assert db.execute("SELECT count(*) FROM events WHERE action = 'ledger.rows_recorded'"
                          ).fetchone()[0] == 0  # fmt: skip
        assert db.execute("SELECT count(*) FROM plans").fetchone()[0] >= 1
        assert db.execute("SELECT count(*) FROM documents WHERE request_id = '2026-0002'"
                          ).fetchone()[0] >= 1  # fmt: skip
    _clean(result)


# --- the tampering -------------------------------------------------------------------------


def _sql(*statements: str) -> Callable[[Path], None]:
    def tamper(folder: Path) -> None:
        with _db(folder) as db:
            for statement in statements:
                assert db.execute(statement).rowcount != 0, statement

    return tamper


def _rewrite_event(folder: Path, event_id: int, **values: object) -> None:
    with _db(folder) as db:
        for column, value in values.items():
            db.execute(f"UPDATE events SET {column} = ? WHERE id = ?", (value, event_id))


def _edit_details(folder: Path) -> None:
    with _db(folder) as db:
        (details,) = db.execute("SELECT details FROM events WHERE id = 2").fetchone()
        data = json.loads(details)
        data["actions"] = {"delete": 0}
        db.execute("UPDATE events SET details = ? WHERE id = 2", (json.dumps(data),))


def _reorder(folder: Path) -> None:
    """Swap the contents of events 2 and 3, each keeping its own hash."""
    columns = "at, actor, action, request_id, details, prev_hash, hash"
    with _db(folder) as db:
        two = db.execute(f"SELECT {columns} FROM events WHERE id = 2").fetchone()
        three = db.execute(f"SELECT {columns} FROM events WHERE id = 3").fetchone()
        sets = ", ".join(f"{c.strip()} = ?" for c in columns.split(","))
        db.execute("UPDATE events SET hash = 'x' WHERE id = 2")
        db.execute(f"UPDATE events SET {sets} WHERE id = 3", two)
        db.execute(f"UPDATE events SET {sets} WHERE id = 2", three)


def _at(stored: str) -> datetime:
    """An event time as the SQLite ledger stores it (naive UTC text), made aware."""
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


def _head_of(db: sqlite3.Connection) -> tuple[int, str]:
    event_id, digest = db.execute("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1").fetchone()
    return int(event_id), str(digest)


def _cut_tail(folder: Path) -> None:
    """Delete the last two events and move the chain head back: the chain alone looks whole."""
    with _db(folder) as db:
        last, _ = _head_of(db)
        db.execute("DELETE FROM events WHERE id >= ?", (last - 1,))
        event_id, digest = _head_of(db)
        head = ChainHead(event_id=event_id, hash=digest).dump()
        db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'chain_head'", (head,))


def _edit_head_file(folder: Path) -> None:
    path = folder / "dsr.db.head"
    head = json.loads(path.read_text())
    path.write_text(json.dumps({**head, "hash": "0" * 64}))


def _insert_event(folder: Path) -> None:
    """A well-formed event appended behind dsr's back, with the chain head moved on."""
    with _db(folder) as db:
        _, prev = _head_of(db)
        at = _at(db.execute("SELECT at FROM events ORDER BY id DESC LIMIT 1").fetchone()[0])
        details = {"outcome": "answered", "late": False}
        digest = event_hash(prev_hash=prev, at=at, actor="mallory", action="request.closed",
                            request_id="2026-0002", details=details)  # fmt: skip
        cur = db.execute(
            "INSERT INTO events (request_id, at, actor, action, details, prev_hash, hash) "
            "VALUES ('2026-0002', ?, 'mallory', 'request.closed', ?, ?, ?)",
            (at.replace(tzinfo=None).isoformat(sep=" "), json.dumps(details), prev, digest),
        )
        head = ChainHead(event_id=cur.lastrowid, hash=digest).dump()
        db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'chain_head'", (head,))


def _first_plan(folder: Path) -> int:
    return _one(folder, "SELECT min(id) FROM plans WHERE request_id = '2026-0001'")


def _first_document(folder: Path) -> int:
    return _one(folder, "SELECT min(id) FROM documents WHERE request_id = '2026-0002'")


R1 = "WHERE id = '2026-0001'"
TAMPERING: dict[str, tuple[Callable[[Path], None], str]] = {
    "edited status": (_sql(f"UPDATE requests SET status = 'open' {R1}"),
                      "request 2026-0001: status changed"),
    "edited due date": (_sql(f"UPDATE requests SET due = '2027-01-31' {R1}"),
                        "request 2026-0001: due date changed"),
    "edited received date": (_sql(f"UPDATE requests SET received = '2026-11-01' {R1}"),
                             "request 2026-0001: received date changed"),
    "edited identifier": (
        _sql("UPDATE request_identifiers SET value = 'x@example.com', normalised = "
             "'x@example.com' WHERE request_id = '2026-0002'"),
        "request 2026-0002: identifier"),
    "edited language": (_sql(f"UPDATE requests SET language = 'en' {R1}"),
                        "request 2026-0001: language changed"),
    "edited document hash": (
        _sql("UPDATE documents SET sha256 = 'ab' || substr(sha256, 3) "
             "WHERE id = (SELECT min(id) FROM documents WHERE request_id = '2026-0002')"),
        "request 2026-0002: document {doc}: document hash changed"),
    "edited document path": (
        _sql("UPDATE documents SET path = path || '.old' "
             "WHERE id = (SELECT min(id) FROM documents WHERE request_id = '2026-0002')"),
        "request 2026-0002: document {doc}: document path changed"),
    "edited plan body": (
        _sql("UPDATE plans SET body = json_set(body, '$.request', '2026-0002') "
             "WHERE request_id = '2026-0001'"),
        "request 2026-0001: plan {plan}: plan body changed"),
    "edited plan status": (_sql("UPDATE plans SET status = 'planned' "
                                "WHERE request_id = '2026-0001'"),
                           "request 2026-0001: plan {plan}: status changed"),
    "edited plan hash": (_sql("UPDATE plans SET plan_hash = 'ab' || substr(plan_hash, 3) "
                              "WHERE request_id = '2026-0001'"),
                         "request 2026-0001: plan {plan}: plan hash changed"),
    "deleted request": (_sql("DELETE FROM request_identifiers WHERE request_id = '2026-0002'",
                             "DELETE FROM requests WHERE id = '2026-0002'"),
                        "request 2026-0002: the request was deleted"),
    "deleted plan": (_sql("DELETE FROM plans WHERE request_id = '2026-0001'"),
                     "request 2026-0001: plan {plan} deleted"),
    "deleted document": (
        _sql("DELETE FROM documents WHERE id = "
             "(SELECT min(id) FROM documents WHERE request_id = '2026-0002')"),
        "request 2026-0002: document {doc} deleted"),
    "deleted event": (_sql("DELETE FROM events WHERE id = 3"),
                      "chain broken at event 4: does not link"),
    "edited event details": (_edit_details, "chain broken at event 2: content changed"),
    "reordered events": (_reorder, "chain broken at event 2"),
    "truncated tail": (_cut_tail, "is missing from the ledger: events were cut off"),
    "edited head file": (_edit_head_file, "differs from the head file dsr.db.head"),
    "inserted event": (_insert_event, "the head file dsr.db.head records event"),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_tampering_is_caught(company: Path, kind: str) -> None:
    tamper, expected = TAMPERING[kind]
    expected = expected.format(plan=_first_plan(company), doc=_first_document(company))
    tamper(company)
    result = dsr(company, "audit", "verify", exit=1)
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert any(expected in line for line in lines), result.stderr
    _clean(result)
    doc = dsr(company, "audit", "verify", "--json", exit=1).json
    assert doc["intact"] is False
    _clean(dsr(company, "audit", "verify", "--json", exit=1))


def test_a_request_added_behind_dsrs_back_is_caught(company: Path) -> None:
    _sql("INSERT INTO requests (id, year, seq, type, status, received, due, created_at) "
         "VALUES ('2026-0003', 2026, 3, 'access', 'open', '2026-11-10', '2026-12-10', "
         "'2026-11-10 10:00:00.000000')")(company)  # fmt: skip
    result = dsr(company, "audit", "verify", exit=1)
    assert "request 2026-0003: the request has no event recording it" in result.stderr


def test_a_missing_head_file_is_caught(company: Path) -> None:
    (company / "dsr.db.head").unlink()
    result = dsr(company, "audit", "verify", exit=1)
    assert "the head file dsr.db.head is missing" in result.stderr


def test_a_cut_tail_stays_reported_after_the_next_change(company: Path) -> None:
    _cut_tail(company)
    dsr(company, "request", "new", "--type", "access", "--email", "x@example.com")
    result = dsr(company, "audit", "verify", exit=1)
    assert "an earlier head file did not match the ledger" in result.stderr


def _as_old_ledger(folder: Path) -> None:
    """Make the ledger look as a dsr before row digests wrote it: no state in events,
    no state key, no head file; the chain rehashed so it is intact."""
    with _db(folder) as db:
        prev = GENESIS_HASH
        rows = db.execute(
            "SELECT id, at, actor, action, request_id, details FROM events ORDER BY id"
        ).fetchall()
        for event_id, at, actor, action, request_id, details in rows:
            data = json.loads(details)
            data.pop("state", None)
            when = _at(at)
            digest = event_hash(prev_hash=prev, at=when, actor=actor, action=action,
                                request_id=request_id, details=data)  # fmt: skip
            db.execute("UPDATE events SET details = ?, prev_hash = ?, hash = ? WHERE id = ?",
                       (json.dumps(data), prev, digest, event_id))  # fmt: skip
            prev = digest
        head = ChainHead(event_id=rows[-1][0], hash=prev).dump()
        db.execute("UPDATE ledger_meta SET value = ? WHERE key = 'chain_head'", (head,))
        db.execute("DELETE FROM ledger_meta WHERE key = 'state_key'")
    (folder / "dsr.db.head").unlink()


def test_an_older_ledger_gets_a_baseline_then_is_checked(company: Path) -> None:
    _as_old_ledger(company)
    events = _one(company, "SELECT count(*) FROM events")
    result = dsr(company, "audit", "verify")
    assert result.stdout.startswith(f"chain intact ({events + 2} events)")
    assert "written by an older dsr: its 2 requests were recorded now" in result.stderr
    again = dsr(company, "audit", "verify")
    assert "rows are checked since" in again.stderr
    assert dsr(company, "audit", "verify", "--json").json["baseline"]["requests"] == 2
    _sql(f"UPDATE requests SET status = 'open' {R1}")(company)
    caught = dsr(company, "audit", "verify", exit=1)
    assert "request 2026-0001: status changed" in caught.stderr
