"""`dsr erase ID --execute` killed at random moments, over SQLite, CSV, XLSX and PostgreSQL.

The named crash points (tests/test_erase_execute.py) cover the places someone
thought of; a kill can fall anywhere else: between a source's commit and the
clean-up of what its audit trigger copied, while a workbook's temporary copy is
half written, inside a ledger write. Each trial runs the executor as its own
process, which SIGKILLs itself (``DSR_TEST_CRASH=timer:SECONDS``, a timer thread)
after a seeded random delay counted from the moment it starts changing things, so
the kills fall inside the few tenths of a second of real work and not in Python's
start-up, however loaded the machine is. Then ``--execute`` runs again until the
plan is carried out, and ``--verify``; the sources must end exactly as after a run
that was never interrupted, with no journal or temporary copy left beside them
and the request not stuck.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from dsr.cli.app import main
from dsr.config.load import load_config
from dsr.erasure.execute import CRASH_VARIABLE
from dsr.erasure.store import latest_plan
from dsr.ledger import Event, open_ledger
from tests import pg
from tests.erasure_company import build_company, new_erasure
from tests.helpers import dsr

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

TRIALS = 30
SEED = 20261207
KEY = "3c" * 32
"""One pseudonymisation key for every copy of the company, so their pseudonyms agree."""

HISTORY_TRIGGER = """
CREATE TRIGGER customers_history AFTER UPDATE ON customers BEGIN
    INSERT INTO customer_history (customer_id, changed_at, email, last_name)
    VALUES (old.id, '2026-01-01', old.email, old.last_name);
END;
"""

CRM = """
DROP TABLE IF EXISTS contacts;
CREATE TABLE contacts (id integer PRIMARY KEY, email text NOT NULL, name text, phone text);
INSERT INTO contacts VALUES
    (1, 'anna.schmidt@example.com', 'Anna Schmidt', '+49 711 5550101'),
    (2, 'juergen.weissgerber@example.com', 'Jürgen Weißgerber', '+49 711 5550102'),
    (3, 'lena.vogel@example.net', 'Lena Vogel', '+49 711 5550103');
"""
"""A PostgreSQL CRM, rebuilt before every trial (every copy of the company shares it)."""


def crm_source(url: str) -> str:
    return (
        "  crm:\n"
        "    type: sql\n"
        f"    url: {json.dumps(url)}\n"
        "    vacuum: true\n"
        "    description: {de: Kundenbetreuung, en: Customer care}\n"
        "    recipients: []\n"
    )


def reset_crm(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(CRM)


def dump(folder: Path, crm: sa.Engine) -> dict[str, Any]:
    """Every row of every source (the Stripe export included: dsr must not touch it)."""
    with contextlib.closing(sqlite3.connect(folder / "shop.db")) as db:
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        shop = {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}
    text = (folder / "signups.csv").read_bytes().decode("cp1252")
    signups = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    book = openpyxl.load_workbook(folder / "newsletter.xlsx")
    newsletter = {s.title: [tuple(r) for r in s.iter_rows(values_only=True)] for s in book}
    stripe = (folder / "stripe" / "unified_customers.csv").read_bytes()
    with crm.connect() as conn:
        contacts = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM contacts ORDER BY id")]
    return {
        "shop": shop, "signups": signups, "newsletter": newsletter, "stripe": stripe,
        "crm": contacts,
    }  # fmt: skip


def leftovers(folder: Path) -> list[str]:
    """Journals and temporary copies beside the sources: each may hold erased values."""
    return sorted(
        p.name
        for p in folder.rglob("*")
        if p.name.endswith(("-journal", "-wal")) or ".dsr-" in p.name
    )


def plan_status(folder: Path, request_id: str) -> str:
    config = load_config(folder / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, request_id)
        assert stored is not None
        return stored.status


def execute_child(folder: Path, request_id: str, crash: str) -> tuple[int, str]:
    """`dsr erase ID --execute` in a child process, with ``DSR_TEST_CRASH`` set to ``crash``:
    its exit code (negative: the signal that ended it) and what it wrote to stderr.

    The child is forked from this process, which has imported dsr already: the same
    CLI entry point runs as a separate process (a SIGKILL ends it alone) without
    paying Python's start-up thirty times.
    """
    errors = folder.parent / f"{folder.name}.stderr"
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 3
        try:
            fd = os.open(errors, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.stdout = sys.stderr = open(fd, "w", buffering=1, closefd=False)  # noqa: SIM115
            os.environ[CRASH_VARIABLE] = crash
            code = main(["erase", request_id, "--execute", "--config", str(folder / "dsr.yaml")])
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), errors.read_text(encoding="utf-8")


def work_seconds(folder: Path, request_id: str) -> float:
    """How long the run changed things: from the plan's ``executing`` to ``executed``."""
    config = load_config(folder / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        at = {e.action: e.at for e in session.scalars(sa.select(Event))}
    return (at["erasure.executed"] - at["erasure.executing"]).total_seconds()


def finish(folder: Path, request_id: str) -> int:
    """Run --execute until the plan is carried out; how many runs it took."""
    for attempt in range(1, 4):
        result = dsr(folder, "erase", request_id, "--execute", "--json", exit=0)
        if result.json["status"] == "executed":
            return attempt
    raise AssertionError(f"request {request_id}: still not executed after 3 runs")


@pytest.fixture(scope="module")
def crm(postgres_url: str) -> Iterator[sa.Engine]:
    url = pg.create_database(postgres_url)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        reset_crm(engine)
        yield engine
    finally:
        engine.dispose()
        pg.drop_database(postgres_url, url)


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory, crm: sa.Engine) -> tuple[Path, str]:
    """The small company with an audit trigger on customers and a PostgreSQL CRM, its
    erasure planned."""
    folder = build_company(tmp_path_factory.mktemp("kill") / "company").parent
    config = (folder / "dsr.yaml").read_text(encoding="utf-8")
    url = crm.url.render_as_string(hide_password=False)
    config = config.replace("retention:\n", crm_source(url) + "retention:\n", 1)
    (folder / "dsr.yaml").write_text(config, encoding="utf-8")
    with contextlib.closing(sqlite3.connect(folder / "shop.db")) as db, db:
        db.executescript(HISTORY_TRIGGER)
    (folder / "dsr.key").write_text(KEY + "\n", encoding="ascii")
    (folder / "dsr.key").chmod(0o600)
    request_id = new_erasure(folder)
    plan = dsr(folder, "erase", request_id, "--json").json
    assert {a["action"] for a in plan["actions"]} >= {"anonymise", "delete", "redact", "keep"}
    assert {a["source"] for a in plan["actions"]} >= {"shop", "signups", "newsletter", "crm"}
    return folder, request_id


def test_random_kills_always_finish_identically(
    planned: tuple[Path, str], crm: sa.Engine, tmp_path: Path
) -> None:
    template, request_id = planned
    # A first run in this process imports what --execute and --verify need, so that the
    # forked runs below all start equally warm and the measured window fits them.
    warm = tmp_path / "warm"
    shutil.copytree(template, warm)
    finish(warm, request_id)
    dsr(warm, "erase", request_id, "--verify", "--format", "md", "--json")
    # The shortest of three windows: one run slowed by something once (a cold cache, the
    # machine) stretched the window until most of the kills came after the run's end.
    windows = []
    for timed in ("timed1", "timed2", "reference"):
        reset_crm(crm)
        reference = tmp_path / timed
        shutil.copytree(template, reference)
        code, errors = execute_child(reference, request_id, "timer:600")  # armed, never fires
        assert code == 0, errors
        windows.append(work_seconds(reference, request_id))
    window = min(windows)
    verified = dsr(reference, "erase", request_id, "--verify", "--format", "md", "--json")
    assert verified.json["residue"] == [] and verified.json["closed"]
    expected = dump(reference, crm)
    assert len(expected["shop"]["customer_history"]) == 2  # the copies the trigger wrote: gone
    assert leftovers(reference) == []

    rng = random.Random(SEED)
    killed = resumed = 0
    for trial in range(TRIALS):
        folder = tmp_path / f"trial{trial}"
        shutil.copytree(template, folder)
        reset_crm(crm)
        # stratified: one delay in each thirtieth of the window, so no stretch goes untried
        delay = (trial + rng.random()) / TRIALS * 1.1 * window
        where = f"trial {trial}, killed {delay:.3f}s into a {window:.3f}s run"
        code, errors = execute_child(folder, request_id, f"timer:{delay:.4f}")
        assert code in (0, -signal.SIGKILL) and "Traceback" not in errors, f"{where}: {errors}"
        killed += code == -signal.SIGKILL
        resumed += plan_status(folder, request_id) == "executing"
        finish(folder, request_id)
        result = dsr(folder, "erase", request_id, "--verify", "--format", "md", "--json")
        assert result.json["residue"] == [] and result.json["closed"], where
        assert plan_status(folder, request_id) == "verified", where
        assert dump(folder, crm) == expected, where
        assert leftovers(folder) == [], where
        shutil.rmtree(folder)
    # most trials must really have been cut short mid-way, or the test proves nothing
    assert killed >= TRIALS * 2 // 3, f"only {killed} of {TRIALS} runs were killed"
    assert resumed >= TRIALS // 3, f"only {resumed} of {TRIALS} kills left a plan executing"
