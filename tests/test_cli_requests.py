"""The request ledger through the CLI, on the demo company's dsr.yaml.

`dsr request new/list/show/verify/await-identity/extend/reject/close`, the
letters in German and English, `dsr overdue` as cron runs it, `dsr audit
verify` against rows changed behind dsr's back, pseudonymisation of finished
requests, and two processes writing at once. Dates lie in the past (2026),
given with --received and --at, so the tests do not depend on today; where
"today" matters (overdue), dates are counted back from it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from dsr.requests.lifecycle import today_berlin
from tests.helpers import Result, dsr, run


def new(folder: Path, *args: str, exit: int = 0) -> Result:
    return dsr(folder, "request", "new", *args, "--json", exit=exit)


def show(folder: Path, request_id: str, *args: str) -> dict:
    return dsr(folder, "request", "show", request_id, *args, "--json").json


def add_to_config(folder: Path, text: str) -> None:
    path = folder / "dsr.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text + "\n", encoding="utf-8")


def ledger_bytes(folder: Path) -> bytes:
    return b"".join(
        p.read_bytes() for p in folder.iterdir() if p.name.startswith("dsr.db") and p.is_file()
    )


# --- request new -----------------------------------------------------------------------------


def test_new_with_every_option(demo: Path) -> None:
    result = new(
        demo,
        "--type", "erasure",
        "--email", "Juergen.Mueller@Example.com",
        "--email", "j.mueller@example.net",
        "--phone", "0171 2345678",
        "--name", "Jürgen Müller",
        "--birthdate", "1978-05-23",
        "--postcode", "70173",
        "--id", "shop:K-100007",
        # 23:30 UTC on 5 March is 00:30 on 6 March in Berlin: the month counts from the 6th.
        "--received", "2026-03-05T23:30:00+00:00",
        "--channel", "letter",
        "--language", "en",
        "--actor", "alice",
        "--at", "2026-03-09T10:00",
    )  # fmt: skip
    doc = result.json
    assert {"id", "type", "status", "received", "due", "target"} <= doc.keys()
    assert doc["id"] == "2026-0001"
    assert doc["type"] == "erasure"
    assert doc["status"] == "open"
    assert doc["received"] == "2026-03-06"
    # 6 April 2026 is Easter Monday in Baden-Württemberg: due Tuesday 7 April.
    assert doc["due"] == "2026-04-07"
    assert doc["target"] == "2026-03-20"
    assert doc["channel"] == "letter"
    assert doc["language"] == "en"

    shown = show(demo, "2026-0001")
    kinds = sorted(i["kind"] for i in shown["identifiers"])
    assert kinds == ["birthdate", "email", "email", "id", "name", "phone", "postcode"]
    assert {"kind": "id", "value": "shop:K-100007"} in shown["identifiers"]
    (created,) = shown["events"]
    assert created["actor"] == "alice"
    assert created["action"] == "request.created"
    assert created["at"].startswith("2026-03-09T09:00")  # 10:00 in Berlin (CET)
    assert created["details"]["identifiers"] == 7
    assert created["details"]["channel"] == "letter"
    details = json.dumps(created["details"]).lower()
    for value in ("mueller", "müller", "0171", "2345678", "1978", "70173", "k-100007"):
        assert value not in details


def test_new_prints_id_due_and_target(demo: Path) -> None:
    result = dsr(
        demo, "request", "new", "--type", "access", "--email", "anna.schmidt@example.net",
        "--received", "2026-01-31",
    )  # fmt: skip
    assert "2026-0001" in result.stdout
    assert "due     2026-03-02" in result.stdout  # 28 Feb 2026 is a Saturday
    assert "target" in result.stdout


@pytest.mark.parametrize(
    ("option", "value", "named"),
    [
        ("--email", "petra.klein(at)example.org", "--email"),
        ("--phone", "12-ab", "--phone"),
        ("--birthdate", "23/05/1978", "--birthdate"),
        ("--id", "K-100007", "--id"),
    ],
)
def test_new_rejects_a_bad_identifier_naming_the_option_not_the_value(
    demo: Path, option: str, value: str, named: str
) -> None:
    result = new(demo, "--type", "access", option, value, exit=2)
    assert named in result.stderr
    assert value not in result.stderr


def test_new_refuses_unknown_source_type_and_no_identifiers(demo: Path) -> None:
    result = new(demo, "--type", "access", "--id", "shpo:K-1", exit=2)
    assert "did you mean 'shop'" in result.stderr
    result = new(demo, "--type", "acess", "--email", "a@example.com", exit=2)
    assert "did you mean 'access'" in result.stderr
    result = new(demo, "--type", "access", exit=2)
    assert "--email" in result.stderr
    tomorrow = (today_berlin() + timedelta(days=2)).isoformat()
    new(demo, "--type", "access", "--email", "a@example.com", "--received", tomorrow, exit=2)
    new(demo, "--type", "access", "--email", "a@example.com", "--at", tomorrow, exit=2)


def test_note_stays_with_the_request_and_out_of_the_audit_trail(demo: Path) -> None:
    add_to_config(demo, "requests:\n  pseudonymise_after_days: 0")
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05",
        "--note", "Rückruf bei Frau Klein")  # fmt: skip
    shown = show(demo, "2026-0001")
    assert shown["note"] == "Rückruf bei Frau Klein"
    assert "Klein" not in json.dumps(shown["events"])
    # Pseudonymisation drops the note too: free text may name the person.
    dsr(demo, "request", "close", "2026-0001", "--at", "2026-03-20")
    dsr(demo, "overdue")
    assert show(demo, "2026-0001")["note"] is None
    assert b"Klein" not in ledger_bytes(demo)


# --- list and show ---------------------------------------------------------------------------


def test_show_explains_the_easter_example_step_by_step(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    shown = show(demo, "2026-0001", "--language", "en")
    assert shown["received"] == "2026-03-05"
    assert shown["due"] == "2026-04-07"
    steps = shown["deadline"]["explanation"]
    text = " | ".join(steps)
    assert "5 April" in text and "Easter" in text and "7 April" in text
    assert steps[-1].startswith("due")
    assert [e["action"] for e in shown["events"]] == ["request.created"]

    human = dsr(demo, "request", "show", "2026-0001").stdout  # German, as dsr.yaml says
    assert "Ostermontag" in human
    assert "2026-04-07" in human
    assert "request.created" in human


def test_list_open_by_default_with_filters(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    new(demo, "--type", "erasure", "--email", "b@example.com", "--received", "2026-03-06")
    new(demo, "--type", "access", "--email", "c@example.com", "--received", "2026-03-07")
    dsr(demo, "request", "close", "2026-0003", "--at", "2026-03-20")

    listed = dsr(demo, "request", "list", "--json").json["requests"]
    assert [r["id"] for r in listed] == ["2026-0001", "2026-0002"]
    assert all(isinstance(r["days_left"], int) and r["days_left"] < 0 for r in listed)
    every = dsr(demo, "request", "list", "--all", "--json").json["requests"]
    assert [r["id"] for r in every] == ["2026-0001", "2026-0002", "2026-0003"]
    closed = dsr(demo, "request", "list", "--status", "closed", "--json").json["requests"]
    assert [r["id"] for r in closed] == ["2026-0003"]
    erasures = dsr(demo, "request", "list", "--type", "erasure", "--json").json["requests"]
    assert [r["id"] for r in erasures] == ["2026-0002"]

    table = dsr(demo, "request", "list").stdout
    assert "2026-0001" in table and "2026-0003" not in table
    assert "left" in table
    dsr(demo, "request", "list", "--status", "finished", exit=2)


# --- identity check --------------------------------------------------------------------------


def test_identity_pause_adds_the_days_back(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    asked = dsr(
        demo, "request", "await-identity", "2026-0001",
        "--asked", "customer number and postcode", "--at", "2026-03-06", "--json",
    ).json  # fmt: skip
    assert asked["status"] == "awaiting_identity"
    assert asked["paused_since"] == "2026-03-06"
    assert asked["warnings"] == []

    verified = dsr(
        demo, "request", "verify", "2026-0001",
        "--method", "matched customer number and postcode", "--at", "2026-03-16", "--json",
    ).json  # fmt: skip
    assert verified["added_days"] == 10
    assert verified["status"] == "open"
    # Unshifted end Sun 5 April + 10 days = Wed 15 April (law.md 2.4).
    assert verified["due"] == "2026-04-15"
    shown = show(demo, "2026-0001", "--language", "en")
    assert shown["paused_days"] == 10
    assert any("10 days" in step for step in shown["deadline"]["explanation"])
    actions = [e["action"] for e in shown["events"]]
    assert actions == ["request.created", "request.identity_requested", "request.identity_verified"]
    assert shown["events"][2]["details"]["method"] == "matched customer number and postcode"


def test_a_late_identity_question_warns(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    # Thu 5 March -> Thu 12 March: 5 working days later, more than the 3 dsr allows.
    result = dsr(
        demo, "request", "await-identity", "2026-0001",
        "--asked", "date of birth", "--at", "2026-03-12",
    )  # fmt: skip
    assert "5 working days" in result.stderr
    assert "undue delay" in result.stderr


def test_identity_question_refused_once_identity_is_confirmed(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    dsr(demo, "request", "verify", "2026-0001", "--method", "login to the customer account")
    result = dsr(demo, "request", "await-identity", "2026-0001", "--asked", "ID card", exit=2)
    assert "already confirmed" in result.stderr


def test_verify_refuses_document_numbers_in_the_method(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    result = dsr(
        demo, "request", "verify", "2026-0001", "--method", "ID card L01X00T47 seen", exit=2
    )
    assert "--method" in result.stderr
    assert "L01X00T47" not in result.stderr


# --- extension and refusal -------------------------------------------------------------------


def test_extend_in_the_first_month_writes_letters_in_both_languages(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--name", "Anna Schmidt",
        "--received", "2026-03-05")  # fmt: skip
    new(demo, "--type", "access", "--email", "b@example.com", "--received", "2026-03-05",
        "--language", "en")  # fmt: skip
    reason = "Ihre Daten liegen in zwölf Systemen, die wir einzeln prüfen müssen."
    de = dsr(
        demo, "request", "extend", "2026-0001", "--reason", reason, "--at", "2026-03-20", "--json"
    ).json
    # Two further months from the unshifted end (Sun 5 April): Fri 5 June 2026.
    assert de["due"] == "2026-06-05"
    assert de["extended_until"] == "2026-06-05"
    en = dsr(
        demo, "request", "extend", "2026-0002", "--reason", "Your data sit in twelve systems.",
        "--at", "2026-04-07", "--json",  # the last day of the first month (shifted past Easter)
    ).json  # fmt: skip
    assert en["due"] == "2026-06-05"

    for doc, lang, words in (
        (de, "de", ["5. Juni 2026", "Art. 12 Abs. 3 DSGVO", reason, "Anna Schmidt",
                    "Beispiel GmbH", "dsb@example.com"]),
        (en, "en", ["5 June 2026", "Art. 12(3) GDPR", "twelve systems", "Beispiel GmbH",
                    "dsb@example.com"]),
    ):  # fmt: skip
        path = Path(doc["letter"]["path"])
        assert path == demo / "letters" / f"{doc['id']}-extension-{lang}.md"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        text = path.read_text(encoding="utf-8")
        for word in words:
            assert word in text, (lang, word)
        assert "{{" not in text
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert doc["letter"]["sha256"] == digest
        (recorded,) = show(demo, doc["id"])["documents"]
        assert recorded == {**recorded, "kind": "extension_letter", "sha256": digest}
    assert "Art." in Path(de["letter"]["path"]).read_text().split("Freundliche")[0]


def test_extend_refused_after_the_first_month(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    result = dsr(
        demo, "request", "extend", "2026-0001", "--reason", "many systems", "--at", "2026-04-08",
        exit=2,
    )  # fmt: skip
    assert "too late" in result.stderr
    assert "2026-04-07" in result.stderr
    assert "Art. 12(3)" in result.stderr
    assert not (demo / "letters").exists() or not list((demo / "letters").iterdir())
    assert show(demo, "2026-0001")["extended_until"] is None


def test_extend_only_once(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    dsr(demo, "request", "extend", "2026-0001", "--reason", "twelve systems", "--at", "2026-03-10")
    result = dsr(demo, "request", "extend", "2026-0001", "--reason", "again", exit=2)
    assert "already extended" in result.stderr


def test_reject_writes_the_art_12_4_letter(demo: Path) -> None:
    new(demo, "--type", "erasure", "--email", "a@example.com", "--received", "2026-03-05")
    new(demo, "--type", "access", "--email", "b@example.com", "--received", "2026-03-05")
    de = dsr(
        demo, "request", "reject", "2026-0001", "--at", "2026-03-20", "--json",
        "--reason", "Wir konnten Ihre Identität nicht bestätigen.",
    ).json  # fmt: skip
    assert de["status"] == "rejected"
    assert de["warnings"] == []
    text = Path(de["letter"]["path"]).read_text(encoding="utf-8")
    assert "LfDI BW" in text
    assert "Gericht" in text
    assert "Art. 12 Abs. 4 DSGVO" in text
    assert "Wir konnten Ihre Identität nicht bestätigen." in text
    assert stat.S_IMODE(Path(de["letter"]["path"]).stat().st_mode) == 0o600

    # Late (after the first month) and in English: written, with a warning.
    late = dsr(
        demo, "request", "reject", "2026-0002", "--at", "2026-04-20", "--language", "en",
        "--reason", "The request is manifestly excessive.",
    )  # fmt: skip
    assert "late" in late.stderr and "2026-04-07" in late.stderr
    english = (demo / "letters" / "2026-0002-rejection-en.md").read_text(encoding="utf-8")
    assert "LfDI BW" in english and "court" in english and "Art. 12(4) GDPR" in english
    assert [d["kind"] for d in show(demo, "2026-0002")["documents"]] == ["rejection_letter"]
    dsr(demo, "request", "close", "2026-0002", exit=2)


def test_close(demo: Path) -> None:
    new(demo, "--type", "access", "--email", "a@example.com", "--received", "2026-03-05")
    closed = dsr(
        demo, "request", "close", "2026-0001", "--outcome", "no-data", "--at", "2026-03-19",
        "--json",
    ).json  # fmt: skip
    assert closed["status"] == "closed"
    assert closed["outcome"] == "no-data"
    assert closed["closed_at"].startswith("2026-03-19")
    dsr(demo, "request", "close", "2026-0001", exit=2)
    dsr(demo, "request", "close", "2026-0099", exit=2)
    dsr(demo, "request", "new", "--type", "access", "--email", "x@example.com",
        "--received", "2026-03-05", "--at", "2026-03-04", exit=2)  # fmt: skip


# --- dsr overdue -----------------------------------------------------------------------------


def test_overdue_is_silent_on_an_empty_and_on_a_healthy_ledger(demo: Path) -> None:
    result = dsr(demo, "overdue")
    assert result.stdout == "" and result.stderr == ""
    new(demo, "--type", "access", "--email", "a@example.com")  # received today
    result = dsr(demo, "overdue")
    assert result.stdout == "" and result.stderr == ""
    assert dsr(demo, "overdue", "--json").json == {"requests": []}


def test_overdue_speaks_when_a_request_is_due_soon_or_late(demo: Path) -> None:
    today = today_berlin()
    soon = new(
        demo, "--type", "access", "--email", "a@example.com",
        "--received", (today - timedelta(days=30)).isoformat(),
    ).json  # fmt: skip
    late = new(
        demo, "--type", "erasure", "--email", "b@example.com", "--received", "2026-01-05"
    ).json
    dsr(demo, "request", "await-identity", late["id"], "--asked", "customer number",
        "--at", "2026-01-06")  # fmt: skip
    dsr(demo, "request", "verify", late["id"], "--method", "customer number matched",
        "--at", "2026-01-08")  # fmt: skip

    result = dsr(demo, "overdue", exit=1)
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "2 requests need attention:"
    assert lines[1].startswith(late["id"]) and "OVERDUE" in lines[1]
    assert "no answer sent" in lines[1]
    assert lines[2].startswith(soon["id"]) and soon["due"] in lines[2]

    doc = dsr(demo, "overdue", "--json", exit=1).json
    by_id = {r["id"]: r for r in doc["requests"]}
    assert set(by_id) == {soon["id"], late["id"]}
    for item in doc["requests"]:
        assert {"id", "type", "due", "days_left", "missing"} <= item.keys()
    assert by_id[late["id"]]["days_left"] < 0
    assert 0 <= by_id[soon["id"]]["days_left"] <= 5 or by_id[soon["id"]]["days_left"] < 0


def test_overdue_names_a_pending_identity_check(demo: Path) -> None:
    today = today_berlin()
    received = today - timedelta(days=29)
    doc = new(demo, "--type", "access", "--email", "a@example.com",
              "--received", received.isoformat()).json  # fmt: skip
    # Asked today with a few days left: the clock stops, the days left stay few.
    dsr(demo, "request", "await-identity", doc["id"], "--asked", "customer number")
    (item,) = dsr(demo, "overdue", "--json", exit=1).json["requests"]
    assert f"identity check pending since {today}" in item["missing"]

    # A question unanswered for long is reported although its clock stands still.
    old = new(demo, "--type", "access", "--email", "b@example.com", "--received", "2026-01-05")
    dsr(demo, "request", "await-identity", old.json["id"], "--asked", "customer number",
        "--at", "2026-01-06")  # fmt: skip
    found = {r["id"]: r for r in dsr(demo, "overdue", "--json", exit=1).json["requests"]}
    assert found[old.json["id"]]["days_left"] > 5
    assert any("decide" in text for text in found[old.json["id"]]["missing"])


# --- dsr audit verify ------------------------------------------------------------------------


def _three_requests(folder: Path) -> None:
    for letter in "abc":
        new(folder, "--type", "access", "--email", f"{letter}@example.com",
            "--received", "2026-03-05")  # fmt: skip


def test_audit_verify_intact(demo: Path) -> None:
    _three_requests(demo)
    result = dsr(demo, "audit", "verify")
    assert result.stdout.strip() == "chain intact (3 events)"
    assert dsr(demo, "audit", "verify", "--json").json["intact"] is True


def test_audit_verify_catches_an_edited_event(demo: Path) -> None:
    _three_requests(demo)
    with sqlite3.connect(demo / "dsr.db") as db:
        db.execute("UPDATE events SET actor = 'mallory' WHERE id = 2")
    result = dsr(demo, "audit", "verify", exit=1)
    assert "event 2" in result.stderr
    assert "changed" in result.stderr
    doc = dsr(demo, "audit", "verify", "--json", exit=1).json
    assert doc == {**doc, "intact": False, "broken_id": 2}


def test_audit_verify_catches_a_deleted_event(demo: Path) -> None:
    _three_requests(demo)
    with sqlite3.connect(demo / "dsr.db") as db:
        db.execute("DELETE FROM events WHERE id = 2")
    result = dsr(demo, "audit", "verify", exit=1)
    assert "event 3" in result.stderr
    assert "does not link" in result.stderr


# --- pseudonymisation ------------------------------------------------------------------------


def test_finished_requests_are_pseudonymised_and_repeats_still_recognised(demo: Path) -> None:
    add_to_config(demo, "requests:\n  pseudonymise_after_days: 0")
    first = new(
        demo, "--type", "access", "--email", "Lena.Vogel@Example.net", "--name", "Lena Vogel",
        "--phone", "+49 176 99887766", "--received", "2026-03-05",
    ).json  # fmt: skip
    dsr(demo, "request", "close", first["id"], "--at", "2026-03-20")
    assert b"lena.vogel@example.net" in ledger_bytes(demo)
    # the check below can tell: before pseudonymisation the digests are reproducible
    assert _testable_digests(demo, "Lena.Vogel@Example.net", "lena.vogel@example.net")

    result = dsr(demo, "overdue")  # housekeeping; nothing is active, so silent
    assert result.stdout == ""
    data = ledger_bytes(demo).lower()
    for value in (b"lena.vogel", b"lena vogel", b"vogel", b"99887766"):
        assert value not in data, value
    key = demo / "dsr.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    shown = show(demo, first["id"])
    assert {i["value"] for i in shown["identifiers"]} == {"(pseudonymised)"}
    events = dsr(demo, "audit", "verify", "--json").json
    assert events["intact"] is True
    # The events written before still hold digests of the old e-mail address; with the
    # request's key replaced, no key in the ledger reproduces them from a guess.
    assert _testable_digests(demo, "Lena.Vogel@Example.net", "lena.vogel@example.net") == 0
    with sqlite3.connect(demo / "dsr.db") as db:
        (details,) = db.execute(
            "SELECT details FROM events WHERE action = 'ledger.pseudonymised'"
        ).fetchone()
    assert json.loads(details)["requests"] == 1

    again = new(demo, "--type", "erasure", "--email", "lena.vogel@example.net").json
    assert again["earlier_requests"] == [first["id"]]
    other = new(demo, "--type", "erasure", "--email", "someone.else@example.net").json
    assert other["earlier_requests"] == []
    dsr(demo, "overdue")  # a second run leaves the hashed ones alone
    assert show(demo, again["id"])["identifiers"][0]["value"] == "lena.vogel@example.net"


def _testable_digests(folder: Path, guess: str, normalised: str) -> int:
    """How many identifier digests in the ledger's events a guessed e-mail address
    reproduces with some key the ledger holds (what a thief of the file could test)."""
    from dsr.ledger.state import _digest

    with sqlite3.connect(folder / "dsr.db") as db:
        keys = [bytes.fromhex(v) for k, v in db.execute("SELECT key, value FROM ledger_meta")
                if k.startswith("state_key")]  # fmt: skip
        events = [json.loads(d) for (d,) in db.execute("SELECT details FROM events")]
    found = 0
    for details in events:
        for rid, state in (details.get("state") or {}).items():
            for row_id, digest in ((state or {}).get("identifiers") or {}).items():
                for key in keys:
                    tried = _digest(key, "request_identifiers", row_id, "row",
                                    [rid, "email", guess, normalised])  # fmt: skip
                    found += tried == digest
    return found


def test_open_requests_are_not_pseudonymised(demo: Path) -> None:
    add_to_config(demo, "requests:\n  pseudonymise_after_days: 0")
    new(demo, "--type", "access", "--email", "lena.vogel@example.net")
    dsr(demo, "overdue")
    assert b"lena.vogel@example.net" in ledger_bytes(demo)
    assert not (demo / "dsr.key").exists()


# --- two writers at once ---------------------------------------------------------------------


# Each writer is one Python process that runs `dsr request new` (the same entry point as
# `python -m dsr`) several times in a row, so the two really overlap after their start-up.
_WRITER = """
import sys
from dsr.cli.app import main
for n in range(int(sys.argv[2])):
    code = main(["request", "new", "--type", "access", "--received", "2026-03-05",
                 "--email", f"{sys.argv[1]}-{n}@example.com"])
    if code != 0:
        sys.exit(code)
"""


def _parallel_new(folder: Path, *, writers: int = 2, each: int = 8) -> None:
    """Run ``writers`` processes at once, each logging ``each`` requests."""
    env = {**os.environ, "DSR_CONFIG": str(folder / "dsr.yaml")}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, f"writer{w}", str(each)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=folder,
            text=True,
        )
        for w in range(writers)
    ]
    for proc in procs:
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr


def test_parallel_writers_lose_nothing(demo: Path) -> None:
    # the ledger exists before the race
    new(demo, "--type", "access", "--email", "first@example.com", "--received", "2026-03-05")
    _parallel_new(demo, writers=2, each=8)
    listed = dsr(demo, "request", "list", "--json").json["requests"]
    ids = sorted(r["id"] for r in listed)
    assert ids == [f"2026-{n:04d}" for n in range(1, 18)]
    verified = dsr(demo, "audit", "verify", "--json").json
    assert verified["intact"] is True and verified["events"] == 17


# --- a PostgreSQL ledger ---------------------------------------------------------------------


@pytest.mark.postgres
def test_postgresql_ledger(demo: Path, postgres_db: str) -> None:
    add_to_config(demo, f'ledger: "{postgres_db}"\nrequests:\n  pseudonymise_after_days: 0')
    doc = new(demo, "--type", "access", "--email", "anna@example.com", "--received", "2026-03-05")
    assert doc.json["due"] == "2026-04-07"
    shown = show(demo, "2026-0001", "--language", "en")
    assert shown["identifiers"] == [{"kind": "email", "value": "anna@example.com"}]
    assert "Easter" in " ".join(shown["deadline"]["explanation"])
    _parallel_new(demo, writers=2, each=3)
    listed = dsr(demo, "request", "list", "--json").json["requests"]
    assert sorted(r["id"] for r in listed) == [f"2026-{n:04d}" for n in range(1, 8)]
    dsr(demo, "request", "close", "2026-0001", "--at", "2026-03-20")
    dsr(demo, "overdue", exit=1)  # the parallel ones are overdue; housekeeping ran too
    assert stat.S_IMODE((demo / "dsr.key").stat().st_mode) == 0o600
    assert show(demo, "2026-0001")["identifiers"][0]["value"] == "(pseudonymised)"
    verified = dsr(demo, "audit", "verify")
    assert verified.stdout.strip() == "chain intact (9 events)"
    assert not (demo / "dsr.db").exists()


def test_every_request_command_has_an_example() -> None:
    for command in ("new", "list", "show", "verify", "await-identity", "extend", "reject", "close"):
        assert "Example:" in run("request", command, "--help", exit=0).stdout
    assert "Example:" in run("overdue", "--help", exit=0).stdout
    assert "Example:" in run("audit", "verify", "--help", exit=0).stdout
