"""Art. 19 tracked, not claimed; the erasure confirmation true in every sentence.

On the demo, through the CLI: Katharina Weiß (planted case 6, invoices under
retention) asks for erasure. Every recipient dsr.yaml names for the shop gets a
task with a due date; `dsr overdue` lists the open ones; `dsr request notified`
records one as told (``--at``) and one as impossible to tell (with the reason);
the regenerated confirmation names exactly that, greets her by salutation and
surname, names her kept invoices by their own numbers with year and end date,
calls her account pseudonymised (it keeps the birth year and stays linked to
invoices with her name and address) and never says "gesperrt". Where dsr.yaml
does not say who received a system's data, the confirmation is a draft, the
command exits 1 and the request stays open.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from dsr.clock import today_berlin
from tests.erasure_company import erase_by_hand, full_plan, new_erasure, store_plan
from tests.helpers import dsr

KATHARINA = "katharina.weiss@example.com"
SHOP_RECIPIENTS = ["Versanddienstleister (DHL)", "Zahlungsdienstleister", "Steuerberater"]


def _erase(folder: Path, *identifiers: str, received_days_ago: int = 28) -> str:
    """Log, plan and execute an erasure received ``received_days_ago`` days ago (so its
    recipient tasks are due now); the request id."""
    received = (today_berlin() - timedelta(days=received_days_ago)).isoformat()
    rid = str(dsr(folder, "request", "new", "--type", "erasure", *identifiers,
                  "--received", received, "--json").json["id"])  # fmt: skip
    dsr(folder, "erase", rid, "--json")
    dsr(folder, "erase", rid, "--execute", "--json")
    return rid


def _letter(folder: Path, rid: str, stem: str = "loeschbestaetigung") -> str:
    return (folder / "answers" / rid / f"{stem}-{rid}.md").read_text(encoding="utf-8")


def _planted(folder: Path, case: int) -> str:
    """The README's section of a planted case: its rows with their keys in this build."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    return readme.split(f"### Case {case}:", 1)[1].split("### Case", 1)[0]


def _paragraph(letter: str, intro: str) -> str:
    """The list that follows ``intro``, up to the next paragraph or heading."""
    lines = letter.split(intro, 1)[1].strip("\n").splitlines()
    return "\n".join(
        line
        for line in lines[
            : next(
                (i for i, line in enumerate(lines) if line and not line.startswith("- ")),
                len(lines),
            )
        ]
    )


def test_recipients_are_tasks_told_as_recorded_and_kept_invoices_named(demo: Path) -> None:
    rid = _erase(demo, "--email", KATHARINA)
    verified = dsr(demo, "erase", rid, "--verify", "--json").json
    tasks = verified["recipient_tasks"]
    assert [t["recipient"] for t in tasks] == SHOP_RECIPIENTS
    assert all(t["sources"] == ["shop"] and t["status"] == "open" for t in tasks)
    assert verified["missing"] == [] and verified["confirmation"]["draft"] is False
    letter = _letter(demo, rid)
    assert "Sehr geehrte Frau Weiß," in letter and "Mit freundlichen Grüßen" in letter
    # nothing recorded yet: every recipient is still to be told, none is claimed as told
    assert "Wir teilen ihnen die Löschung noch mit:" in letter
    assert "haben ihnen die Löschung mitgeteilt" not in letter
    for name in SHOP_RECIPIENTS:
        assert f"\n- {name} (Daten aus: Online-Shop" in letter  # one line each

    # cron hears of the open tasks (due today: received four weeks ago)
    overdue = dsr(demo, "overdue", "--json", exit=1).json
    [entry] = [r for r in overdue["requests"] if r["id"] == rid]
    assert {"id", "type", "due", "days_left", "missing"} <= set(entry)
    assert "recipient_task" in entry["reasons"]
    assert [t["recipient"] for t in entry["recipient_tasks"]] == SHOP_RECIPIENTS
    assert sum("not yet told of the erasure" in m for m in entry["missing"]) == 3
    text = dsr(demo, "overdue", exit=1).stdout
    assert f"dsr request notified {rid} --recipient 'Steuerberater' --at DATE" in text

    # the DPO records what happened
    today = today_berlin()
    told = dsr(demo, "request", "notified", rid, "--recipient", "DHL", "--at",
               today.isoformat(), "--json").json  # fmt: skip
    assert told["recipient"] == "Versanddienstleister (DHL)" and told["status"] == "done"
    assert told["on"] == today.isoformat()
    dsr(demo, "request", "notified", rid, "-r", "steuerberater",
        "--not-possible", "Kanzlei aufgelöst, kein Nachfolger")  # fmt: skip
    wrong = dsr(demo, "request", "notified", rid, "-r", "dienst", exit=2)
    assert "fits several recipients" in wrong.stderr
    assert "no recipient 'UPS'" in dsr(demo, "request", "notified", rid, "-r", "UPS",
                                       exit=2).stderr  # fmt: skip
    future = (today + timedelta(days=2)).isoformat()
    assert "future" in dsr(demo, "request", "notified", rid, "-r", "DHL", "--at", future,
                           exit=2).stderr  # fmt: skip
    show = dsr(demo, "request", "show", rid, "--json").json
    assert [e["action"] for e in show["events"]].count("erasure.recipient_notified") == 2

    overdue = dsr(demo, "overdue", "--json", exit=1).json
    [entry] = [r for r in overdue["requests"] if r["id"] == rid]
    assert [t["recipient"] for t in entry["recipient_tasks"]] == ["Zahlungsdienstleister"]

    # the confirmation, written again, says exactly what the ledger records
    again = dsr(demo, "erase", rid, "--verify", "--json").json
    states = {t["recipient"]: t["status"] for t in again["recipient_tasks"]}
    assert states == {"Versanddienstleister (DHL)": "done", "Zahlungsdienstleister": "open",
                      "Steuerberater": "not_possible"}  # fmt: skip
    letter = _letter(demo, rid)
    day = f"{today.day}. "
    told_part = _paragraph(letter, "Wir haben ihnen die Löschung mitgeteilt:")
    assert "- Versanddienstleister (DHL) (Daten aus: Online-Shop" in told_part
    assert f"): am {day}" in told_part and "Zahlungsdienstleister" not in told_part
    pending = _paragraph(letter, "Wir teilen ihnen die Löschung noch mit:")
    assert "- Zahlungsdienstleister (Daten aus: Online-Shop" in pending and "DHL" not in pending
    assert (
        "- Steuerberater (Daten aus: Online-Shop (Kundenkonten, Bestellungen, Rechnungen)): "
        "Kanzlei aufgelöst, kein Nachfolger" in letter
    )

    # kept data as the customer knows it: own numbers, year, end date; the rule in words
    case = _planted(demo, 6)
    invoices = re.findall(r"invoices id=(\d+) \((RE-(\d{4})-\d+), [\d-]+, order (B-\d+)", case)
    kept = sorted((int(y), n, int(i), o) for i, n, y, o in invoices if int(y) + 8 >= today.year)
    assert len(kept) >= 2
    listed = ", ".join(f"{n} ({y}) bis 31.12.{y + 8}" for y, n, _, _ in kept)
    assert f"- **Ihre Rechnungen**: {listed}" in letter
    assert "Rechnungen müssen wir nach dem Gesetz 8 Jahre aufbewahren" in letter
    orders = sorted(o for _, _, _, o in kept)
    assert re.search(rf"Die zugehörigen Bestellungen \({', '.join(orders)}[,)]", letter)
    # nothing restricts use of the kept rows: no "gesperrt"; the account is pseudonymised
    assert "gesperrt" not in letter and "unkenntlich" not in letter
    assert ("Kundenkonto und Kontaktdaten (1 Eintrag): ") in letter
    assert "vom Geburtsdatum bleibt nur das Jahr" in letter
    assert ("Der Eintrag ist damit pseudonymisiert, nicht anonym: Ihre Rechnungen, die wir "
            "aufbewahren müssen, verweisen auf ihn und enthalten Ihren Namen und Ihre "
            "Anschrift.") in letter  # fmt: skip
    with sqlite3.connect(demo / "data" / "shop.db") as db:
        customer = int(re.findall(r"customers id=(\d+)", case)[0])
        query = "SELECT birthdate, last_name FROM customers WHERE id = ?"
        birth, last = db.execute(query, (customer,)).fetchone()
        query = "SELECT billing_name FROM invoices WHERE id = ?"
        billing = db.execute(query, (kept[0][2],)).fetchone()[0]
    assert birth == "1981" and last != "Weiß"  # what the letter says is what the row holds
    assert billing == "Katharina Weiß"

    dsr(demo, "request", "notified", rid, "-r", "Zahlungsdienstleister")
    assert dsr(demo, "overdue", "--json").json == {"requests": []}

    # the authority's evidence bundle holds the same records
    folder = Path(dsr(demo, "request", "evidence", rid, "--json").json["folder"])
    bundle = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
    recorded = {t["recipient"]: (t["status"], t["on"], t["reason"])
                for t in bundle["recipient_tasks"]}  # fmt: skip
    assert recorded == {
        "Versanddienstleister (DHL)": ("done", today.isoformat(), None),
        "Zahlungsdienstleister": ("done", today.isoformat(), None),
        "Steuerberater": ("not_possible", today.isoformat(), "Kanzlei aufgelöst, kein Nachfolger"),
    }
    index = (folder / "index.md").read_text(encoding="utf-8")
    assert "## Empfänger, denen die Löschung mitgeteilt wird (Art. 19 DSGVO)" in index
    assert "| Steuerberater | shop |" in index and "Kanzlei aufgelöst" in index


def test_redaction_claim_matches_the_other_persons_note(demo: Path) -> None:
    """Petra Klein is mentioned in Thomas Becker's support note: the letter says which of
    her details were cut out, and the note holds none of them any more."""
    rid = _erase(demo, "--email", "petra.klein@example.org", "--name", "Petra Klein")
    dsr(demo, "erase", rid, "--verify")
    letter = _letter(demo, rid)
    assert ("Notizen und Kommentare: In 1 Eintrag zu anderen Personen wurden Sie erwähnt. Dort "
            "haben wir Ihren Namen, Ihre E-Mail-Adresse, Ihre Telefonnummer und Ihre Anschrift "
            "entfernt") in letter  # fmt: skip
    note_id = int(re.findall(r"support_notes id=(\d+)", _planted(demo, 4))[0])
    with sqlite3.connect(demo / "data" / "shop.db") as db:
        (note,) = db.execute("SELECT note FROM support_notes WHERE id = ?", (note_id,)).fetchone()
    for value in ("Petra", "Klein", "petra.klein@example.org", "Schwabstraße 40"):
        assert value not in note
    assert "Nachforschungsauftrag gestellt" in note  # Thomas's own text stays


def test_unconfigured_recipients_make_the_confirmation_a_draft(company: Path) -> None:
    config = company / "dsr.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("    recipients: []\n", "", 1), encoding="utf-8")  # signups
    rid = new_erasure(company)
    store_plan(config, full_plan(rid))
    erase_by_hand(company)

    result = dsr(company, "erase", rid, "--verify", "--json", exit=1)
    document = result.json
    assert [m["key"] for m in document["missing"]] == ["sources.signups.recipients"]
    assert document["residue"] == [] and document["closed"] is False
    assert document["confirmation"]["draft"] is True
    names = [Path(d["path"]).name for d in document["confirmation"]["documents"]]
    assert names and all(n.startswith(f"entwurf-loeschbestaetigung-{rid}.") for n in names)
    draft = _letter(company, rid, "entwurf-loeschbestaetigung")
    assert "**ENTWURF – nicht versenden.**" in draft and "sources.signups.recipients" in draft
    assert dsr(company, "request", "show", rid, "--json").json["status"] == "open"
    human = dsr(company, "erase", rid, "--verify", exit=1)
    assert "DRAFT" in human.stderr and "sources.signups.recipients" in human.stderr

    config.write_text(text, encoding="utf-8")  # the fact added: the final letter, closed
    final = dsr(company, "erase", rid, "--verify", "--json").json
    assert final["missing"] == [] and final["closed"] is True
    assert (company / "answers" / rid / f"loeschbestaetigung-{rid}.md").is_file()


def test_no_recipient_to_tell_before_execution(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid), status="planned")
    result = dsr(company, "request", "notified", rid, "-r", "Steuerberater", exit=2)
    assert "nothing to tell recipients yet" in result.stderr
    assert f"dsr erase {rid} --execute" in result.stderr


def test_a_late_recipient_task_needs_a_person(company: Path) -> None:
    rid = new_erasure(company)
    late = today_berlin() - timedelta(days=2)
    store_plan(company / "dsr.yaml", full_plan(rid, recipient_due=late))
    erase_by_hand(company)
    document = dsr(company, "erase", rid, "--verify", "--json", exit=1).json
    assert document["recipient_tasks"][0]["status"] == "late"
    letter = _letter(company, rid)
    assert "- Steuerberater (Daten aus: Online-Shop): so bald wie möglich" in letter
    text = dsr(company, "overdue", exit=1).stdout
    assert "TASK LATE" in text and "recipient Steuerberater (shop)" in text
    assert "late by 2 days" in text


def test_access_letter_periods_are_the_erasure_plans(demo: Path) -> None:
    """The access letter's storage period for a table under a retention rule is the plan's:
    the same rule (years, basis) and, for the newest document, the same last day."""
    from dsr.erasure.letter import table_label
    from dsr.requests.deadline_names import format_date, long_date

    checked = 0
    for email in (KATHARINA, "sabine.hoffmann@example.com", "juergen.mueller@example.com"):
        access = str(dsr(demo, "request", "new", "--type", "access", "--email", email,
                         "--language", "de", "--json").json["id"])  # fmt: skip
        dsr(demo, "access", access, "--format", "md")
        letter = (demo / "answers" / access / f"auskunft-{access}.md").read_text(encoding="utf-8")
        erasure = str(dsr(demo, "request", "new", "--type", "erasure", "--email", email,
                          "--json").json["id"])  # fmt: skip
        plan = dsr(demo, "erase", erasure, "--json").json
        # the plan's kept invoices (their lines and orders hang on them; no rule of their own)
        untils = [a["until"] for a in plan["actions"]
                  if a["action"] == "keep" and a["reason"] == "retention"
                  and a["table"] == "invoices"]  # fmt: skip
        assert untils
        label = table_label("invoices", "de")
        [line] = [ln for ln in letter.splitlines() if label in ln and "8 Jahre" in ln]
        newest = date.fromisoformat(max(untils))
        written = (long_date(newest, "de"), format_date(newest, "de", "short"))
        assert "8 Jahre" in line and "§ 147 Abs. 1 Nr. 4 AO" in line, line
        assert any(f"bis {day}" in line for day in written), (line, written)
        # The rows the plan keeps with the invoices (their lines, their orders) have the
        # invoices' period in the letter too, not the account's.
        for table in {a["table"] for a in plan["actions"]
                      if a["action"] == "keep" and a["table"] != "invoices"}:  # fmt: skip
            kept = [a["until"] for a in plan["actions"]
                    if a["action"] == "keep" and a["table"] == table]  # fmt: skip
            [line] = [ln for ln in letter.splitlines() if f": {table_label(table, 'de')}:" in ln]
            last = date.fromisoformat(max(kept))
            assert f"so lange wie die zugehörigen {label}" in line, line
            assert f"bis {long_date(last, 'de')}" in line, (line, last)
            checked += 1
        checked += 1
    assert checked >= 7


def test_the_greeting_kept_with_the_plan_goes_with_pseudonymisation(demo: Path) -> None:
    """The surname the confirmation greets by, and the identifiers the lookup learned from
    her rows (for --verify), are kept beside the plan only as long as the request's
    identifiers are: pseudonymisation drops them with them."""
    rid = _erase(demo, "--email", KATHARINA)
    dsr(demo, "erase", rid, "--verify")
    assert "Sehr geehrte Frau Weiß," in _letter(demo, rid)
    query = "SELECT body FROM plans WHERE request_id = ?"
    with sqlite3.connect(demo / "dsr.db") as db:
        bodies = [row[0] for row in db.execute(query, (rid,))]
    assert any("address_form" in body for body in bodies)
    assert any('"learned"' in body for body in bodies)

    config = demo / "dsr.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "\nrequests: {pseudonymise_after_days: 0}\n", encoding="utf-8")
    dsr(demo, "overdue", "--json", exit=1)  # housekeeping; the recipient tasks are still open
    with sqlite3.connect(demo / "dsr.db") as db:
        bodies = [row[0] for row in db.execute(query, (rid,))]
    assert bodies and not any(
        "address_form" in body or '"learned"' in body or "Wei" in body for body in bodies
    )


def test_the_confirmation_speaks_the_language_the_persons_rows_state(demo: Path) -> None:
    """Oliver Bennett's shop row says language = en: logged without --language, his
    erasure is confirmed in English, as his access answer is."""
    english = _erase(demo, "--email", "oliver.bennett@example.org")
    dsr(demo, "erase", english, "--verify", "--json")
    letter = _letter(demo, english, "erasure-confirmation")
    assert letter.startswith(f"# Your erasure request {english}")
    assert "Dear Mr Bennett," in letter and "Kind regards" in letter
    assert not (demo / "answers" / english / f"loeschbestaetigung-{english}.md").exists()
    shown = dsr(demo, "request", "show", english, "--json").json
    assert shown.get("language") in (None, "en")  # the ledger keeps only a given language


def test_a_request_by_name_with_confirmed_matches_is_verified_by_keys(demo: Path) -> None:
    """Logged with a name and birth date only, the erasure plans nothing until a person
    confirms the possible match; after --execute no identifier finds the rows again, so
    --verify reads the changed rows back by their keys (it refused before: stuck)."""
    rid = str(dsr(demo, "request", "new", "--type", "erasure", "--name", "Anna Schmidt",
                  "--birthdate", "1985-04-12", "--json").json["id"])  # fmt: skip
    first = dsr(demo, "erase", rid, "--json", exit=1).json  # a person must confirm
    customers = sorted(x["key"]["id"] for x in first["left_out"] if x["table"] == "customers")
    assert customers and not [a for a in first["actions"] if a["table"] == "customers"]
    confirm = [arg for c in customers for arg in ("--confirm", f"shop.customers:{c}")]
    plan = dsr(demo, "erase", rid, *confirm, "--json").json
    assert {a["key"]["id"] for a in plan["actions"] if a["table"] == "customers"} == set(customers)
    dsr(demo, "erase", rid, "--execute", "--json")
    verified = dsr(demo, "erase", rid, "--verify", "--json").json
    assert verified["residue"] == [] and verified["confirmation"]
    with sqlite3.connect(demo / "data" / "shop.db") as db:
        marks = ",".join("?" * len(customers))
        left = db.execute(
            f"SELECT email, first_name, last_name FROM customers WHERE id IN ({marks})",
            customers,
        ).fetchall()
    text = " ".join(str(v) for row in left for v in row).casefold()
    assert left and "anna" not in text and "schmi" not in text, left
    assert dsr(demo, "request", "show", rid, "--json").json["status"] == "closed"
