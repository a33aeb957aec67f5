"""`dsr erase ID` (the plan) through the CLI: on the demo company, on Chinook in SQLite and
PostgreSQL. Planning must decide right per row (keep under retention with the right end
date, anonymise what kept rows refer to, delete children before parents, redact mentions,
processor tasks for SaaS exports), leave possible matches out until confirmed, store the
plan with its hash, write the review file owner-only, and change no data at all."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from dsr.requests.lifecycle import today_berlin
from tests import pg
from tests.helpers import Result, dsr
from tests.shared_data import CHINOOK_SQLITE, load_chinook_into_postgres

DESIGN_KEYS = {"source", "table", "key", "action", "columns", "reason", "until"}
ACTIONS = {"delete", "anonymise", "keep", "redact", "processor_task"}
BASIS = "§ 147 Abs. 1 Nr. 4 AO, § 257 Abs. 1 Nr. 4 HGB, § 14b UStG"
RECEIVED = "2026-11-10"
DUE = date(2026, 12, 10)  # one month after RECEIVED (Art. 12(3))


def new_request(folder: Path, *identifiers: str, kind: str = "erasure") -> str:
    result = dsr(
        folder, "request", "new", "--type", kind, *identifiers, "--received", RECEIVED, "--json"
    )
    return str(result.json["id"])


def fingerprint(folder: Path) -> dict[str, str]:
    """The bytes of every data file: planning must not change one of them."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def processor_due() -> date:
    return max(DUE - timedelta(days=7), today_berlin())


def end_of_retention(day: str, years: int = 8) -> date:
    return date(int(day[:4]) + years, 12, 31)


def rows(doc: dict[str, Any], source: str, table: str) -> dict[Any, dict[str, Any]]:
    """The actions on one table by the value of its one-column key."""
    found = {}
    for action in doc["actions"]:
        if action["source"] == source and action["table"] == table:
            (value,) = action["key"].values()
            found[value] = action
    return found


def assert_design_document(doc: dict[str, Any], request_id: str) -> None:
    assert {"request", "plan_hash", "actions"} <= set(doc)
    assert doc["request"] == request_id and len(doc["plan_hash"]) == 64
    for action in doc["actions"]:
        assert set(action) >= DESIGN_KEYS
        assert action["action"] in ACTIONS
        assert isinstance(action["key"], dict) and isinstance(action["columns"], list)
        if action["until"] is not None:
            date.fromisoformat(action["until"])


def assert_integrity(db_path: Path, doc: dict[str, Any], source: str) -> None:
    """No row the plan deletes is referenced by a row that stays (foreign keys hold)."""
    deleted = {
        (a["table"], json.dumps(a["key"], sort_keys=True))
        for a in doc["actions"]
        if a["source"] == source and a["action"] == "delete"
    }
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        tables = [
            r[0] for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for child in tables:
            pk = [r[1] for r in db.execute(f"PRAGMA table_info('{child}')") if r[5]]
            for fk in db.execute(f"PRAGMA foreign_key_list('{child}')").fetchall():
                parent, column, referred = fk[2], fk[3], fk[4]
                for table, key_text in deleted:
                    key = json.loads(key_text)
                    if table != parent or referred not in key:
                        continue
                    select = ", ".join(f'"{c}"' for c in pk)
                    query = f'SELECT {select} FROM "{child}" WHERE "{column}" = ?'
                    for row in db.execute(query, (key[referred],)):
                        child_key = json.dumps(dict(zip(pk, row, strict=True)), sort_keys=True)
                        assert (child, child_key) in deleted, (
                            f"{parent} {key} is deleted but {child} {child_key} refers to it"
                        )


# -- the demo company: one build, one copy, every plan made once ---------------------------------


@dataclass
class Planned:
    folder: Path
    before: dict[str, str]
    ids: dict[str, str]
    docs: dict[str, dict[str, Any]]
    results: dict[str, Result]

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.folder / 'data' / 'shop.db'}?mode=ro", uri=True)

    def customer(self, email: str) -> int:
        with self.db() as db:
            query = "SELECT id FROM customers WHERE lower(email) = ?"
            return int(db.execute(query, (email,)).fetchone()[0])


@pytest.fixture(scope="module")
def planned(module_demo: Path) -> Iterator[Planned]:
    folder = module_demo
    data = {name: fingerprint(folder / name) for name in ("data", "exports")}
    ids = {
        "katharina": new_request(
            folder, "--email", "katharina.weiss@example.com", "--name", "Katharina Weiß"
        ),
        "petra": new_request(folder, "--email", "petra.klein@example.org", "--name", "Petra Klein"),
        "anna": new_request(folder, "--email", "anna.schmidt@example.net"),
        "juergen": new_request(
            folder, "--email", "juergen.mueller@example.com", "--language", "en"
        ),
        "possible": new_request(folder, "--name", "Anna Schmidt", "--birthdate", "1985-04-12"),
    }
    results = {name: dsr(folder, "erase", rid, "--json") for name, rid in ids.items()
               if name != "possible"}
    results["possible"] = dsr(folder, "erase", ids["possible"], "--json", exit=1)
    docs = {name: result.json for name, result in results.items()}
    yield Planned(folder, {k: v for d in data.values() for k, v in d.items()}, ids, docs, results)


def test_katharina_invoices_kept_until_the_end_of_their_period(planned: Planned) -> None:
    doc = planned.docs["katharina"]
    assert_design_document(doc, planned.ids["katharina"])
    assert {a["source"] for a in doc["actions"]} == {"shop"}
    me = planned.customer("katharina.weiss@example.com")
    today = today_berlin()
    with planned.db() as db:
        invoices = db.execute(
            "SELECT id, invoice_date FROM invoices WHERE customer_id = ?", (me,)
        ).fetchall()
        lines = db.execute(
            "SELECT l.id, l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id "
            "WHERE i.customer_id = ?", (me,)
        ).fetchall()
        history = [r[0] for r in db.execute(
            "SELECT id FROM customer_history WHERE customer_id = ?", (me,))]
        sessions = [r[0] for r in db.execute(
            "SELECT id FROM web_sessions WHERE customer_id = ?", (me,))]
    assert sorted(d[:4] for _, d in invoices) == ["2016", "2019", "2023", "2025"]
    planned_invoices = rows(doc, "shop", "invoices")
    assert set(planned_invoices) == {i for i, _ in invoices}
    ends = {}
    for invoice, day in invoices:
        action = planned_invoices[invoice]
        end = end_of_retention(day)
        ends[invoice] = end
        if end >= today:
            assert action["action"] == "keep" and action["reason"] == "retention"
            assert action["until"] == end.isoformat()
            assert action["basis"] == BASIS and action["rule"] == "Rechnungen"
        else:
            assert action["action"] == "delete"
    assert {d[:4]: e.isoformat() for (i, d), e in zip(invoices, ends.values(), strict=True)} == {
        "2016": "2024-12-31", "2019": "2027-12-31", "2023": "2031-12-31", "2025": "2033-12-31"
    }
    assert planned_invoices[next(i for i, d in invoices if d.startswith("2016"))]["action"] == (
        "delete"
    )
    # the lines hang on their invoice: kept with it, until the same day, or deleted with it
    planned_lines = rows(doc, "shop", "invoice_lines")
    assert set(planned_lines) == {line for line, _ in lines}
    for line, invoice in lines:
        assert planned_lines[line]["action"] == planned_invoices[invoice]["action"]
        assert planned_lines[line]["until"] == planned_invoices[invoice]["until"]
    # the rest of her profile goes: the history row the trigger wrote, her sessions
    assert history and all(rows(doc, "shop", "customer_history")[h]["action"] == "delete"
                           for h in history)
    assert sessions and all(rows(doc, "shop", "web_sessions")[s]["action"] == "delete"
                            for s in sessions)
    # her customer row stays for the kept invoices, without what identifies her
    customer = rows(doc, "shop", "customers")[me]
    assert customer["action"] == "anonymise" and customer["reason"] == "integrity"
    assert customer["until"] == max(e for e in ends.values() if e >= today).isoformat()
    assert customer["how"]["email"] == "pseudonym" and customer["how"]["birthdate"] == "year"
    assert customer["how"]["first_name"] in ("mask", "null") and "phone" in customer["columns"]
    assert "id" not in customer["columns"]
    address = next(iter(rows(doc, "shop", "addresses").values()))
    assert address["action"] == "anonymise" and address["how"]["postcode"] == "region"
    assert_integrity(planned.folder / "data" / "shop.db", doc, "shop")
    # children before parents
    order = {a["table"]: a["order"] for a in doc["actions"]}
    assert order["invoice_lines"] < order["invoices"] < order["orders"] < order["customers"]
    assert order["customer_history"] < order["customers"]


def test_every_planned_row_is_katharinas(planned: Planned) -> None:
    me = planned.customer("katharina.weiss@example.com")
    with planned.db() as db:
        for action in planned.docs["katharina"]["actions"]:
            table, (value,) = action["table"], action["key"].values()
            if table == "customers":
                owner = value
            elif table == "invoice_lines":
                owner = db.execute(
                    "SELECT i.customer_id FROM invoice_lines l JOIN invoices i "
                    "ON i.id = l.invoice_id WHERE l.id = ?", (value,)
                ).fetchone()[0]
            else:
                owner = db.execute(
                    f"SELECT customer_id FROM {table} WHERE id = ?", (value,)
                ).fetchone()[0]
            assert owner == me, action


def test_petra_mentions_are_redacted_and_thomas_keeps_his_rows(planned: Planned) -> None:
    doc = planned.docs["petra"]
    assert_design_document(doc, planned.ids["petra"])
    thomas = planned.customer("thomas.becker@example.com")
    with planned.db() as db:
        notes = {r[0] for r in db.execute(
            "SELECT id FROM support_notes WHERE customer_id = ?", (thomas,))}
        thomas_rows = {
            (table, r[0])
            for table in ("addresses", "orders", "invoices", "support_notes", "web_sessions",
                          "customer_history")
            for r in db.execute(f"SELECT id FROM {table} WHERE customer_id = ?", (thomas,))
        } | {("customers", thomas)}
    redacted = [a for a in doc["actions"] if a["action"] == "redact"]
    assert redacted and {a["table"] for a in redacted} == {"support_notes"}
    for action in redacted:
        assert action["key"]["id"] in notes and action["reason"] == "mention"
        assert "note" in action["columns"] and {"email", "name"} <= set(action["redact"])
    for action in doc["actions"]:
        if action["source"] == "shop" and (action["table"], action["key"]["id"]) in thomas_rows:
            assert action["action"] == "redact", action
    # the Zendesk comment is at the vendor: a processor task to cut the mention out
    zendesk = [a for a in doc["actions"] if a["source"] == "zendesk"]
    assert zendesk and all(a["action"] == "processor_task" for a in zendesk)
    assert any(a["reason"] == "mention" and "email" in a["redact"] for a in zendesk)
    (task,) = doc["processor_tasks"]
    assert task["source"] == "zendesk" and task["due"] == processor_due().isoformat()
    assert "Erwähnung" in task["procedure"]


def test_anna_schmitt_both_customer_rows_are_planned(planned: Planned) -> None:
    with planned.db() as db:
        both = {r[0] for r in db.execute(
            "SELECT id FROM customers WHERE lower(email) = 'anna.schmidt@example.net'")}
    assert len(both) == 2
    planned_rows = rows(planned.docs["anna"], "shop", "customers")
    assert set(planned_rows) == both
    assert {a["reason"] for a in planned_rows.values()} <= {"person_row", "integrity"}
    assert_integrity(planned.folder / "data" / "shop.db", planned.docs["anna"], "shop")


def test_saas_exports_become_processor_tasks_with_a_due_date(planned: Planned) -> None:
    doc = planned.docs["juergen"]
    due = processor_due().isoformat()
    tasks = {t["source"]: t for t in doc["processor_tasks"]}
    assert set(tasks) == {"zendesk", "hubspot", "mailchimp"}
    for name, task in tasks.items():
        assert task["due"] == due and task["procedure"] and task["vendor"]
        assert sum(task["rows"].values()) == sum(1 for a in doc["actions"] if a["source"] == name)
    assert "HubSpot" in tasks["hubspot"]["vendor"]
    for action in doc["actions"]:
        if action["source"] in tasks:
            assert action["action"] == "processor_task" and action["until"] == due
    # the newsletter workbook is a file dsr rewrites itself
    newsletter = [a for a in doc["actions"] if a["source"] == "newsletter"]
    assert newsletter and all(a["action"] == "delete" for a in newsletter)
    assert all(set(a["key"]) == {"file", "sheet", "row"} for a in newsletter)


def test_english_review_file_with_sign_off(planned: Planned) -> None:
    rid = planned.ids["juergen"]
    doc = planned.docs["juergen"]
    paths = [Path(d["path"]) for d in doc["documents"]]
    assert [p.name for p in paths] == [
        f"erasure-plan-{rid}-{doc['plan_hash'][:8]}.md",
        f"erasure-plan-{rid}-{doc['plan_hash'][:8]}.json",
    ]
    text = paths[0].read_text(encoding="utf-8")
    assert "## Sign-off" in text and doc["plan_hash"] in text and "Date, signature" in text
    assert "Tasks for processors" in text and "juergen" not in text.lower()


def test_possible_match_left_out_until_confirmed(planned: Planned) -> None:
    rid = planned.ids["possible"]
    first = planned.results["possible"]
    doc = first.json
    anna = planned.customer("anna.schmidt@example.net")
    left = [x for x in doc["left_out"] if x["table"] == "customers"]
    assert doc["possible"] >= 1 and {"source": "shop", "table": "customers",
                                     "key": {"id": anna}} in [
        {k: x[k] for k in ("source", "table", "key")} for x in left
    ]
    assert all(a["key"] != {"id": anna} or a["table"] != "customers" for a in doc["actions"])
    assert "--confirm" in first.stderr
    # a typo in the key or the syntax is refused; nothing is planned then
    dsr(planned.folder, "erase", rid, "--confirm", "shop.customers:999999", exit=2)
    dsr(planned.folder, "erase", rid, "--confirm", "customers:1", exit=2)
    dsr(planned.folder, "erase", rid, "--confirm", "shop.customers:{id: 1", exit=2)
    confirmed = dsr(
        planned.folder, "erase", rid, "--confirm", f'shop.customers:{{"id": {anna}}}', "--json"
    ).json
    customer = rows(confirmed, "shop", "customers")[anna]
    assert customer["reason"] in ("person_row", "integrity")
    with planned.db() as db:
        invoices = {r[0] for r in db.execute(
            "SELECT id FROM invoices WHERE customer_id = ?", (anna,))}
        sessions = {r[0] for r in db.execute(
            "SELECT id FROM web_sessions WHERE customer_id = ?", (anna,))}
    # the rows hanging on the confirmed row come with it
    assert invoices and set(rows(confirmed, "shop", "invoices")) == invoices
    assert set(rows(confirmed, "shop", "web_sessions")) == sessions
    assert_integrity(planned.folder / "data" / "shop.db", confirmed, "shop")
    # the short form for a one-column key gives the same plan
    again = dsr(planned.folder, "erase", rid, "--confirm", f"shop.customers:{anna}", "--json").json
    assert again["plan_hash"] == confirmed["plan_hash"]


def test_plan_stored_in_the_ledger_with_hash_event_and_files(planned: Planned) -> None:
    from dsr.config.load import load_config
    from dsr.erasure.store import latest_plan
    from dsr.ledger import open_ledger

    rid = planned.ids["katharina"]
    doc = planned.docs["katharina"]
    shown = dsr(planned.folder, "request", "show", rid, "--json").json
    events = {e["action"]: e for e in shown["events"]}
    assert events["erasure.planned"]["details"]["plan_hash"] == doc["plan_hash"]
    assert events["erasure.plan_written"]["details"]["plan_hash"] == doc["plan_hash"]
    recorded = {d["sha256"] for d in shown["documents"]}
    assert {d["sha256"] for d in doc["documents"]} <= recorded
    for item in doc["documents"]:
        path = Path(item["path"])
        assert path.parent == planned.folder / "erasure" / rid
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    assert stat.S_IMODE((planned.folder / "erasure").stat().st_mode) == 0o700
    markdown = Path(doc["documents"][0]["path"]).read_text(encoding="utf-8")
    assert "Löschplan" in markdown and doc["plan_hash"] in markdown
    assert "Datum, Unterschrift" in markdown and "2033-12-31" in markdown
    assert "katharina" not in markdown.lower() and "Weiß" not in markdown
    on_disk = json.loads(Path(doc["documents"][1]["path"]).read_text(encoding="utf-8"))
    assert on_disk["plan_hash"] == doc["plan_hash"] and on_disk["actions"] == doc["actions"]
    config = load_config(planned.folder / "dsr.yaml")
    with open_ledger(config.ledger) as ledger, ledger.session(write=False) as session:
        stored = latest_plan(session, rid)
    assert stored is not None and stored.status == "planned"
    assert stored.plan_hash == doc["plan_hash"] == stored.plan.plan_hash
    assert [a.as_dict() for a in stored.plan.actions] == doc["actions"]
    # keys, column names and dates only: no value of hers in the ledger
    stored_text = json.dumps([stored.plan.as_dict(), shown["events"]], ensure_ascii=False)
    for value in ("katharina", "Weiß", "Tübinger", "k.weiss", "5566778"):
        assert value.casefold() not in stored_text.casefold()


def test_planning_changed_no_data(planned: Planned) -> None:
    after = {k: v for name in ("data", "exports")
             for k, v in fingerprint(planned.folder / name).items()}
    assert after == planned.before


def test_human_output_is_a_tree_by_source(planned: Planned) -> None:
    result = dsr(planned.folder, "erase", planned.ids["juergen"])
    assert "hubspot" in result.stdout and "processor task" in result.stdout
    assert "keep" in result.stdout and "until" in result.stdout
    assert "erasure-plan-" in result.stdout.replace("\n", "")
    assert "juergen" not in result.stdout.lower() and "--execute" in result.stdout


def test_a_source_that_cannot_be_read_makes_the_plan_incomplete(
    planned: Planned, tmp_path: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(planned.folder, folder)
    (folder / "data" / "event-signups.csv").unlink()
    result = dsr(folder, "erase", planned.ids["juergen"], "--json", exit=1)
    assert result.json["failed_sources"] == ["events"]
    assert "events" in result.stderr and "not complete" in result.stderr
    assert {t["source"] for t in result.json["processor_tasks"]} == {
        "zendesk", "hubspot", "mailchimp"
    }


def test_refuses_what_it_cannot_plan(planned: Planned) -> None:
    folder = planned.folder
    rid = planned.ids["katharina"]
    result = dsr(folder, "erase", rid, "--execute", "--verify", exit=2)
    assert "cannot be combined" in result.stderr
    dsr(folder, "erase", rid, "--format", "pdf", exit=2)
    dsr(folder, "erase", rid, "--execute", "--confirm", "shop.customers:1", exit=2)
    dsr(folder, "erase", "2026-0999", exit=2)
    access = new_request(folder, "--email", "petra.klein@example.org", kind="access")
    result = dsr(folder, "erase", access, exit=2)
    assert "not erasure" in result.stderr and "petra" not in result.stderr.lower()
    # --retention-ended needs an executed plan
    assert "no executed erasure plan" in dsr(
        folder, "erase", rid, "--retention-ended", exit=2
    ).stderr


def test_retention_ended_plans_only_rows_whose_period_ended(planned: Planned) -> None:
    from dsr.config.load import load_config
    from dsr.erasure.plan import plan_erasure
    from dsr.erasure.store import set_status
    from dsr.ledger import open_ledger

    config = load_config(planned.folder / "dsr.yaml")
    rid = new_request(planned.folder, "--email", "katharina.weiss@example.com")
    with open_ledger(config.ledger) as ledger:
        first = plan_erasure(config, ledger, rid)
        with ledger.session() as session:
            set_status(session, first.id, "executed", actor="test", action="erasure.executed")
        early = plan_erasure(config, ledger, rid, retention_ended=True, today=date(2028, 1, 1))
        late = plan_erasure(config, ledger, rid, retention_ended=True, today=date(2034, 1, 1))
    kept_before = {(a.table, a.key["id"]): a for a in first.plan.actions
                   if a.action in ("keep", "anonymise")}
    assert early.plan.retention_ended and late.plan.retention_ended
    for stored, day in ((early, date(2028, 1, 1)), (late, date(2034, 1, 1))):
        now = {(a.table, a.key["id"]): a for a in stored.plan.actions}
        assert set(now) == set(kept_before)  # only the rows kept before, every one of them
        for place, before in kept_before.items():
            action = now[place]
            if before.until is not None and before.until < day:
                assert action.action == "delete" and action.reason == "retention"
            else:
                assert action.action == "keep" and action.until == before.until
    assert {a.table for a in early.plan.actions if a.action == "delete"} == {
        "invoices", "invoice_lines", "orders"
    }
    assert all(a.action == "delete" for a in late.plan.actions)


def test_rows_a_trigger_writes_while_anonymising_are_found(
    planned: Planned, tmp_path: Path
) -> None:
    """The shop copies a customer row into customer_history on every UPDATE: anonymising
    Katharina's row writes her data again, in a row no plan can name in advance."""
    from dsr.config.load import load_config
    from dsr.connectors import open_connector
    from dsr.erasure.model import PlanAction
    from dsr.erasure.retention import rows_left_by_updates

    folder = tmp_path / "copy"
    shutil.copytree(planned.folder, folder)
    me = planned.customer("katharina.weiss@example.com")
    actions = [PlanAction.from_dict(a) for a in planned.docs["katharina"]["actions"]]
    planned_history = {a.key["id"] for a in actions if a.table == "customer_history"}
    config = load_config(folder / "dsr.yaml")
    connector = open_connector(config.sources["shop"])
    try:
        assert rows_left_by_updates(connector, actions) == []
        with sqlite3.connect(folder / "data" / "shop.db") as db:
            db.execute("UPDATE customers SET first_name = '[entfernt]' WHERE id = ?", (me,))
            written = {r[0] for r in db.execute(
                "SELECT id FROM customer_history WHERE customer_id = ?", (me,))}
        left = rows_left_by_updates(connector, actions)
    finally:
        connector.close()
    assert len(written - planned_history) == 1
    assert [(r.table, r.key["id"]) for r in left] == [
        ("customer_history", i) for i in sorted(written - planned_history)
    ]


def test_retention_rules_and_end_dates() -> None:
    from datetime import datetime

    from dsr.config.models import RetentionRule
    from dsr.erasure.retention import hold_for, retention_end, rule_for

    assert retention_end(date(2019, 5, 3), 8) == date(2027, 12, 31)
    assert retention_end(date(2019, 12, 31), 8) == date(2027, 12, 31)
    letters = RetentionRule(name="Briefe", tables=["crm.letters"], date_column="sent", years=6,
                            basis="§ 257 Abs. 1 Nr. 2, 3 HGB")
    books = RetentionRule(name="Bücher", tables=["fibu.*"], date_column="booked", years=10,
                          basis="§ 147 Abs. 1 Nr. 1 AO")
    everything = RetentionRule(name="Alles", tables=["*"], years=8, basis="§ 147 AO")
    rules = [letters, books, everything]
    assert rule_for(rules, "crm", "letters") is letters
    assert rule_for(rules, "fibu", "journal") is books
    assert rule_for(rules, "shop", "orders") is everything
    assert rule_for([letters, books], "shop", "orders") is None
    assert hold_for(letters, {"sent": "03.05.2019"}).until == date(2025, 12, 31)
    assert hold_for(books, {"booked": datetime(2019, 5, 3, 10, 0)}).until == date(2029, 12, 31)
    assert hold_for(books, {"booked": "2019-05-03T10:00:00Z"}).until == date(2029, 12, 31)
    # no readable date: kept without an end, for a person to decide
    assert hold_for(books, {"booked": "bald"}).until is None
    assert hold_for(everything, {}).until is None


# -- Chinook -----------------------------------------------------------------------------------


def chinook_config(folder: Path, url: str, *, invoice: str, retention: bool = True) -> Path:
    text = f"controller: {{name: Test GmbH}}\nsources:\n  chinook: {{type: sql, url: '{url}'}}\n"
    if retention:
        text += (
            "retention:\n"
            f"  - {{name: Rechnungen, tables: [chinook.{invoice}], date_column: "
            f"{'InvoiceDate' if invoice == 'Invoice' else 'invoice_date'}, years: 8, "
            "basis: '§ 147 AO, § 257 HGB, § 14b UStG'}\n"
        )
    path = folder / "dsr.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def chinook(tmp_path: Path, shared_data_folder: Path) -> Path:
    shutil.copy(CHINOOK_SQLITE, tmp_path / "chinook.sqlite")
    return tmp_path


def erase_chinook(folder: Path, email: str) -> dict[str, Any]:
    rid = new_request(folder, "--email", email)
    return dsr(folder, "erase", rid, "--json").json


def test_chinook_invoices_kept_customer_anonymised(chinook: Path) -> None:
    chinook_config(chinook, "sqlite:///chinook.sqlite", invoice="Invoice")
    db_path = chinook / "chinook.sqlite"
    before = hashlib.sha256(db_path.read_bytes()).hexdigest()
    doc = erase_chinook(chinook, "leonekohler@surfeu.de")
    assert_design_document(doc, doc["request"])
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as db:
        invoices = dict(db.execute(
            "SELECT InvoiceId, InvoiceDate FROM Invoice WHERE CustomerId = 2").fetchall())
        lines = dict(db.execute(
            "SELECT InvoiceLineId, InvoiceId FROM InvoiceLine WHERE InvoiceId IN "
            "(SELECT InvoiceId FROM Invoice WHERE CustomerId = 2)").fetchall())
    assert {a["table"] for a in doc["actions"]} == {"Customer", "Invoice", "InvoiceLine"}
    planned_invoices = rows(doc, "chinook", "Invoice")
    assert set(planned_invoices) == set(invoices)
    today = today_berlin()
    for invoice, day in invoices.items():
        action = planned_invoices[invoice]
        if end_of_retention(day) >= today:
            assert action["action"] == "keep" and action["reason"] == "retention"
            assert action["until"] == end_of_retention(day).isoformat()
            assert action["basis"] == "§ 147 AO, § 257 HGB, § 14b UStG"
    planned_lines = rows(doc, "chinook", "InvoiceLine")
    assert set(planned_lines) == set(lines)
    for line, invoice in lines.items():
        assert planned_lines[line]["action"] == planned_invoices[invoice]["action"]
        assert planned_lines[line]["until"] == planned_invoices[invoice]["until"]
    (customer,) = rows(doc, "chinook", "Customer").values()
    assert customer["key"] == {"CustomerId": 2}
    assert customer["action"] == "anonymise" and customer["reason"] == "integrity"
    # the kept invoices carry no recipient name: the customer row keeps it for them
    assert "FirstName" not in customer["columns"] and "LastName" not in customer["columns"]
    assert customer["how"]["Email"] == "pseudonym" and customer["how"]["Phone"] == "null"
    assert "SupportRepId" not in customer["columns"] and "CustomerId" not in customer["columns"]
    assert_integrity(db_path, doc, "chinook")
    assert hashlib.sha256(db_path.read_bytes()).hexdigest() == before


def test_chinook_without_retention_deletes_children_first(chinook: Path) -> None:
    chinook_config(chinook, "sqlite:///chinook.sqlite", invoice="Invoice", retention=False)
    doc = erase_chinook(chinook, "leonekohler@surfeu.de")
    assert {a["action"] for a in doc["actions"]} == {"delete"}
    assert rows(doc, "chinook", "Customer")[2]["reason"] == "person_row"
    order = {a["table"]: a["order"] for a in doc["actions"]}
    assert order["InvoiceLine"] < order["Invoice"] < order["Customer"]
    assert "Employee" not in order
    assert_integrity(chinook / "chinook.sqlite", doc, "chinook")


def test_chinook_employee_keeps_the_customers_they_support(chinook: Path) -> None:
    """Customers point at their support agent: erasing the agent must not erase them."""
    chinook_config(chinook, "sqlite:///chinook.sqlite", invoice="Invoice")
    doc = erase_chinook(chinook, "steve@chinookcorp.com")
    assert [(a["table"], a["key"]) for a in doc["actions"]] == [
        ("Employee", {"EmployeeId": 5})
    ]
    (employee,) = doc["actions"]
    assert employee["action"] == "anonymise" and employee["reason"] == "integrity"
    assert employee["until"] is None and "Email" in employee["columns"]


@pytest.mark.postgres
@pytest.mark.shared_data
def test_chinook_plan_on_postgresql(tmp_path: Path, postgres_db: str) -> None:
    load_chinook_into_postgres(pg.libpq_url(postgres_db))
    chinook_config(tmp_path, postgres_db, invoice="invoice")
    import psycopg

    def counts() -> tuple[Any, ...]:
        with psycopg.connect(pg.libpq_url(postgres_db)) as conn:
            return tuple(
                conn.execute(f"SELECT count(*), md5(string_agg({t}::text, ',')) FROM {t}")
                .fetchone()
                for t in ("customer", "invoice", "invoice_line")
            )

    before = counts()
    doc = erase_chinook(tmp_path, "leonekohler@surfeu.de")
    assert_design_document(doc, doc["request"])
    assert {a["table"] for a in doc["actions"]} == {"customer", "invoice", "invoice_line"}
    invoices = rows(doc, "chinook", "invoice")
    assert len(invoices) == 7
    assert all(a["action"] == "keep" and a["until"] for a in invoices.values())
    (customer,) = rows(doc, "chinook", "customer").values()
    assert customer["key"] == {"customer_id": 2} and customer["action"] == "anonymise"
    assert customer["how"]["email"] == "pseudonym" and "first_name" not in customer["columns"]
    lines = rows(doc, "chinook", "invoice_line")
    assert len(lines) == 38 and {a["action"] for a in lines.values()} == {"keep"}
    assert counts() == before


def test_tables_of_one_rank_keep_one_order_whatever_order_they_come_in() -> None:
    """The plan's order (and the confirmation's list of what was erased) must not change
    from run to run: tables with no reference between them are ranked by name, not by
    the order a set happens to yield them in (which changes with the process)."""
    import itertools

    from dsr.erasure.retention import Reference, table_order

    refs = [Reference(child, ("customer_id",), "customers", ("id",))
            for child in ("addresses", "customer_history", "web_sessions", "orders")]  # fmt: skip
    refs.append(Reference("invoices", ("order_id",), "orders", ("id",)))
    names = ["customers", "orders", "invoices", "addresses", "customer_history", "web_sessions"]
    orders = {
        tuple(sorted(table_order(list(p), refs), key=table_order(list(p), refs).__getitem__))
        for p in itertools.permutations(names)
    }
    assert len(orders) == 1, orders
    [order] = orders
    assert order.index("invoices") < order.index("orders") < order.index("customers")
