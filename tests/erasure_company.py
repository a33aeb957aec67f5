"""A small company with real files, for erasure tests that need one person in every kind of source.

A SQLite shop (customers, an audit table, invoices kept for 8 years, support notes
that mention people), a Windows-1252 CSV, an XLSX list and a Stripe export (a
processor). Plans are stored by hand and the erasure is done by hand with plain
SQL and file writes, as ``--execute`` would leave things, so a test can leave
exactly one thing behind and see it reported.

The ``company`` fixture is registered for every test module (``pytest_plugins`` in
conftest.py); modules with a company of their own define a fixture of that name.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import openpyxl
import pytest

from dsr.config.load import load_config
from dsr.erasure.model import ErasurePlan, PlanAction, ProcessorTask, RecipientTask
from dsr.erasure.store import save_plan, set_status
from dsr.erasure.verify import VerifyResult, verify_erasure
from dsr.ledger import open_ledger
from dsr.requests.lifecycle import today_berlin
from tests.helpers import dsr

EMAIL = "juergen.weissgerber@example.com"
NAME = "Jürgen Weißgerber"
CUSTOMER_NUMBER = "K-100012"
BASIS = "§ 147 Abs. 1 Nr. 4 AO, § 257 Abs. 1 Nr. 4 HGB, § 14b UStG"
KEPT_UNTIL = date(2031, 12, 31)

CONTROLLER = """\
controller:
  name: Beispiel GmbH
  address: "Königstraße 1, 70173 Stuttgart"
  email: datenschutz@example.com
  dpo: {name: Dr. Eva Lindner, email: dsb@example.com}
  supervisory_authority: "LfDI BW, Lautenschlagerstraße 20, 70173 Stuttgart"
language: de
"""
"""The company every erasure test writes to; the configuration starts with it."""

CONFIG = CONTROLLER + """\
deadline: {holidays: DE-BW}
sources:
  shop:
    type: sql
    url: "sqlite:///shop.db"
    description: {de: Online-Shop, en: Online shop}
    recipients: [{de: Steuerberater, en: Tax adviser}]
  signups:
    type: csv
    path: signups.csv
    description: {de: Anmeldungen zu Kochkursen, en: Cooking class sign-ups}
    recipients: []
  newsletter:
    type: xlsx
    path: newsletter.xlsx
    description: {de: Newsletter-Liste, en: Newsletter list}
    recipients: []
  stripe:
    type: stripe
    path: stripe
    description: {de: Zahlungen (Stripe-Export), en: Payments (Stripe export)}
    recipients: []
    processor: {name: "Stripe Payments Europe, Ltd.", country: IE}
retention:
  - name: Rechnungen
    tables: [shop.invoices]
    date_column: invoice_date
    years: 8
    basis:
      de: "§ 147 Abs. 1 Nr. 4 AO, § 257 Abs. 1 Nr. 4 HGB, § 14b UStG"
      en: "§ 147 Abs. 1 Nr. 4 AO, § 257 Abs. 1 Nr. 4 HGB, § 14b UStG"
"""

PEOPLE = [
    # id, number, first, last, email, phone
    (11, "K-100011", "Anna", "Schmidt", "anna.schmidt@example.com", "+49 711 5550101"),
    (12, CUSTOMER_NUMBER, "Jürgen", "Weißgerber", EMAIL, "+49 711 5550102"),
    (13, "K-100013", "Lena", "Vogel", "lena.vogel@example.net", "+49 711 5550103"),
]

STRIPE_HEADER = ["id", "Description", "Email", "Name", "Created (UTC)", "Delinquent"]


def build_company(folder: Path) -> Path:
    """Write the company's dsr.yaml and its sources into ``folder``; return dsr.yaml."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dsr.yaml").write_text(CONFIG, encoding="utf-8")
    with sqlite3.connect(folder / "shop.db") as db:
        db.executescript(
            """
            CREATE TABLE customers (
                id INTEGER PRIMARY KEY, customer_number TEXT NOT NULL UNIQUE,
                first_name TEXT, last_name TEXT, email TEXT NOT NULL, phone TEXT
            );
            CREATE TABLE customer_history (
                id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id),
                changed_at TEXT, email TEXT, last_name TEXT
            );
            CREATE TABLE invoices (
                id INTEGER PRIMARY KEY, invoice_number TEXT NOT NULL,
                customer_id INTEGER REFERENCES customers (id), invoice_date TEXT NOT NULL,
                billing_name TEXT, billing_street TEXT, billing_city TEXT,
                billing_email TEXT, total_gross REAL
            );
            CREATE TABLE support_notes (
                id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers (id),
                written_at TEXT, author TEXT, note TEXT
            );
            """
        )
        db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", PEOPLE)
        db.executemany(
            "INSERT INTO customer_history (customer_id, changed_at, email, last_name) "
            "VALUES (?, '2024-02-01', ?, ?)",
            [(p[0], p[4], p[3]) for p in PEOPLE],
        )
        db.executemany(
            "INSERT INTO invoices (invoice_number, customer_id, invoice_date, billing_name, "
            "billing_street, billing_city, billing_email, total_gross) "
            "VALUES (?, ?, ?, ?, 'Hauptstraße 5', 'Stuttgart', ?, 49.9)",
            [(f"R-2023-{p[0]}", p[0], "2023-05-03", f"{p[2]} {p[3]}", p[4]) for p in PEOPLE],
        )
        db.executemany(
            "INSERT INTO support_notes (customer_id, written_at, author, note) "
            "VALUES (?, ?, 'Team', ?)",
            [
                (13, "2024-03-01", f"Rückruf erbeten, Kunde schreibt von {EMAIL} wegen Lieferung."),
                (13, "2024-03-02", "Lena Vogel fragt nach dem Gutschein, bitte zurückrufen."),
                (11, "2024-03-04", "Anna Schmidt: Paket kam beschädigt an, Ersatz verschickt."),
                (11, "2024-03-05", "Kundin wünscht Rechnung per Post an die neue Adresse."),
                (13, "2024-03-07", "Lieferung verspätet, Kunde informiert, Gutschein angeboten."),
            ],
        )
    rows = [
        ("Vorname", "Nachname", "E-Mail", "Kurs"),
        ("Anna", "Schmidt", "anna.schmidt@example.com", "Pasta"),
        ("Jürgen", "Weißgerber", EMAIL, "Brot backen"),
        ("Lena", "Vogel", "lena.vogel@example.net", "Pasta"),
    ]
    write_cp1252_csv(folder / "signups.csv", rows)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Abonnenten"
    sheet.append(["Name", "E-Mail", "Seit"])
    for person in PEOPLE:
        sheet.append([f"{person[2]} {person[3]}", person[4], "2022-01-01"])
    book.save(folder / "newsletter.xlsx")
    write_stripe(folder, [p for p in PEOPLE])
    return folder / "dsr.yaml"


def write_cp1252_csv(path: Path, rows: Sequence[Sequence[str]]) -> None:
    """How German Excel saves a list: Windows-1252 and semicolons."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode("cp1252"))


def write_stripe(folder: Path, people: Sequence[tuple]) -> None:
    (folder / "stripe").mkdir(exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STRIPE_HEADER)
    for person in people:
        writer.writerow(
            [f"cus_{person[0]:014d}", "", person[4], f"{person[2]} {person[3]}",
             "2023-09-08 00:33", "false"]
        )  # fmt: skip
    (folder / "stripe" / "unified_customers.csv").write_text(buffer.getvalue(), encoding="utf-8")


def new_erasure(folder: Path, *, language: str = "de", received: date | None = None) -> str:
    day = received or today_berlin() - timedelta(days=3)
    result = dsr(
        folder, "request", "new", "--type", "erasure", "--email", EMAIL, "--name", NAME,
        "--id", f"shop:{CUSTOMER_NUMBER}", "--received", day.isoformat(),
        "--language", language, "--json",
    )  # fmt: skip
    return str(result.json["id"])


def full_plan(
    request_id: str,
    *,
    language: str = "de",
    task_due: date | None = None,
    kept_until: date = KEPT_UNTIL,
    recipient_due: date | None = None,
) -> ErasurePlan:
    """What a planner would decide for Jürgen: delete, anonymise, redact, keep, processor."""
    actions = (
        PlanAction("shop", "customer_history", {"id": 2}, "delete", reason="linked_row", order=0),
        PlanAction("shop", "customers", {"id": 12}, "delete", reason="person_row", order=1),
        PlanAction(
            "shop", "invoices", {"id": 2}, "anonymise", ("billing_email",),
            reason="person_row", how={"billing_email": "null"},
        ),
        PlanAction(
            "shop", "invoices", {"id": 2}, "keep",
            ("invoice_number", "invoice_date", "billing_name", "billing_street",
             "billing_city", "total_gross"),
            reason="retention", until=kept_until, rule="Rechnungen", basis=BASIS,
        ),
        PlanAction(
            "shop", "support_notes", {"id": 1}, "redact", ("note",),
            reason="mention", redact=("email",),
        ),
        PlanAction("signups", "signups", {"file": "signups.csv", "row": 3}, "delete",
                   reason="person_row"),
        PlanAction("newsletter", "Abonnenten", {"file": "newsletter.xlsx", "sheet": "Abonnenten",
                   "row": 3}, "delete", reason="person_row"),
        PlanAction("stripe", "customers", {"id": "cus_00000000000012"}, "processor_task",
                   reason="processor"),
    )  # fmt: skip
    task = ProcessorTask(
        source="stripe",
        vendor="Stripe Payments Europe, Ltd.",
        rows={"customers": 1},
        procedure="Stripe: DELETE /v1/customers/{id}",
        due=task_due or today_berlin() + timedelta(days=10),
    )
    return ErasurePlan(
        request=request_id,
        created=today_berlin(),
        language=language,
        actions=actions,
        processor_tasks=(task,),
        recipient_tasks=(
            RecipientTask(
                "Steuerberater" if language == "de" else "Tax adviser",
                ("shop",),
                recipient_due or today_berlin() + timedelta(days=30),
            ),
        ),
        counts_before={
            "shop.customers": 1,
            "shop.customer_history": 1,
            "shop.invoices": 1,
            "shop.support_notes": 1,
            "signups.signups": 1,
            "newsletter.Abonnenten": 1,
            "stripe.customers": 1,
        },
    )


def store_plan(config_path: Path, plan: ErasurePlan, *, status: str = "executed") -> str:
    """Save ``plan`` and move it to ``status`` as ``--execute`` would; its hash."""
    config = load_config(config_path, strict=False)
    with open_ledger(config.ledger) as ledger, ledger.session() as session:
        stored = save_plan(session, plan, actor="test")
        if status != "planned":
            set_status(session, stored.id, "executing", actor="test", action="erasure.executing")
        if status in ("executed", "verified"):
            set_status(session, stored.id, "executed", actor="test", action="erasure.executed")
        if status == "verified":
            set_status(session, stored.id, "verified", actor="test", action="erasure.verified")
        return stored.plan_hash


def erase_by_hand(
    folder: Path,
    *,
    secure: bool = True,
    skip: Sequence[str] = (),
    new_export: bool = True,
) -> None:
    """Do what the full plan says, as ``--execute`` would; ``skip`` leaves steps out."""
    with sqlite3.connect(folder / "shop.db") as db:
        db.execute(f"PRAGMA secure_delete = {'ON' if secure else 'OFF'}")
        if "history" not in skip:
            db.execute("DELETE FROM customer_history WHERE id = 2")
        db.execute("DELETE FROM customers WHERE id = 12")
        if "anonymise" not in skip:
            db.execute("UPDATE invoices SET billing_email = NULL WHERE id = 2")
        if "redact" not in skip:
            db.execute("UPDATE support_notes SET note = replace(note, ?, '[entfernt]')", (EMAIL,))
    db.close()
    if "csv" not in skip:
        write_cp1252_csv(
            folder / "signups.csv",
            [
                ("Vorname", "Nachname", "E-Mail", "Kurs"),
                ("Anna", "Schmidt", "anna.schmidt@example.com", "Pasta"),
                ("", "", "", ""),
                ("Lena", "Vogel", "lena.vogel@example.net", "Pasta"),
            ],
        )
    book = openpyxl.load_workbook(folder / "newsletter.xlsx")
    sheet = book["Abonnenten"]
    for cell in sheet[3]:
        cell.value = None
    book.save(folder / "newsletter.xlsx")
    if new_export:
        write_stripe(folder, [p for p in PEOPLE if p[0] != 12])


def verify(folder: Path, request_id: str, **kwargs: object) -> VerifyResult:
    config = load_config(folder / "dsr.yaml", strict=False)
    with open_ledger(config.ledger) as ledger:
        return verify_erasure(
            config, ledger, request_id, actor="test", output=kwargs.pop("output", None),
            formats=kwargs.pop("formats", ("md", "html")),  # type: ignore[arg-type]
        )  # fmt: skip


@pytest.fixture
def company(tmp_path: Path) -> Path:
    build_company(tmp_path / "company")
    return tmp_path / "company"
