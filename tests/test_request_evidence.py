"""`dsr request evidence ID`: the bundle a supervisory authority can read.

It must hold the request's events with their chain hashes, every plan with its
hash, counts before and after, processor tasks, the letters with checksums and
the audit-chain check, and no value of the person, not even where a plan key
happens to be an e-mail address.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from pathlib import Path

from dsr.erasure.model import PlanAction
from tests.erasure_company import (
    CUSTOMER_NUMBER,
    EMAIL,
    NAME,
    erase_by_hand,
    full_plan,
    new_erasure,
    store_plan,
    verify,
)
from tests.helpers import dsr


def _bundle_text(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())


def test_evidence_of_a_verified_erasure(company: Path) -> None:
    rid = new_erasure(company)
    plan = full_plan(rid)
    plan_hash = store_plan(company / "dsr.yaml", plan)
    erase_by_hand(company)
    assert verify(company, rid).residue == []

    result = dsr(company, "request", "evidence", rid, "--json").json

    folder = Path(result["folder"])
    assert folder == company / "evidence" / rid
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert sorted(Path(d["path"]).name for d in result["documents"]) == [
        "evidence.json", "index.html", "index.md",
    ]  # fmt: skip
    for item in result["documents"]:
        path = Path(item["path"])
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert hashlib.sha256(path.read_bytes()).hexdigest() == item["sha256"]
    assert result["chain"]["intact"] is True

    bundle = json.loads((folder / "evidence.json").read_text(encoding="utf-8"))
    assert bundle["request"]["id"] == rid and bundle["request"]["type"] == "erasure"
    assert bundle["request"]["identifier_kinds"] == ["email", "id", "name"]
    actions = [e["action"] for e in bundle["events"]]
    assert actions[0] == "request.created"
    # the JSON keeps the row digests (the chain's hashes cover them); the page a person
    # reads leaves them out
    assert any("state" in e["details"] for e in bundle["events"])
    assert "state=" not in (folder / "index.md").read_text(encoding="utf-8")
    assert {"erasure.planned", "erasure.executed", "erasure.verified"} <= set(actions)
    for before, after in zip(bundle["events"], bundle["events"][1:], strict=False):
        assert len(after["hash"]) == 64 and len(after["prev_hash"]) == 64
        assert after["id"] > before["id"]
    [stored] = bundle["plans"]
    assert stored["plan_hash"] == plan_hash and stored["hash_matches"] is True
    assert stored["status"] == "verified"
    assert stored["counts_before"] == plan.counts_before
    assert stored["counts_after"] is not None and "shop.customers" not in stored["counts_after"]
    assert stored["summary"]["shop.invoices"] == {"anonymise": 1, "keep": 1}
    assert stored["kept_until"] == "2031-12-31"
    assert stored["verification"]["action"] == "erasure.verified"
    [task] = bundle["processor_tasks"]
    assert (task["source"], task["status"], task["rows"]) == ("stripe", "done", {"customers": 1})
    kinds = {d["kind"] for d in bundle["documents"]}
    assert kinds == {"erasure_confirmation_md", "erasure_confirmation_html"}
    assert all(d["file_unchanged"] is True for d in bundle["documents"])
    chain = bundle["audit_chain"]
    assert chain["intact"] is True and chain["head_hash"] == bundle["events"][-1]["hash"]

    index = (folder / "index.md").read_text(encoding="utf-8")
    assert f"# Nachweis zur Anfrage {rid}" in index
    assert plan_hash in index and "stimmt mit dem Inhalt überein" in index
    assert "Die Kette ist unverändert" in index and "Stripe Payments Europe" in index
    assert "<table>" in (folder / "index.html").read_text(encoding="utf-8")

    text = _bundle_text(folder)
    for value in (EMAIL, NAME, "Weißgerber", "Weissgerber", CUSTOMER_NUMBER, "5550102"):
        assert value.casefold() not in text.casefold(), value

    shown = dsr(company, "request", "show", rid, "--json").json
    [written] = [e for e in shown["events"] if e["action"] == "request.evidence_written"]
    assert written["details"]["files"]["evidence.json"] == next(
        d["sha256"] for d in result["documents"] if d["path"].endswith("evidence.json")
    )


def test_a_plan_key_holding_an_identifier_is_withheld(company: Path) -> None:
    rid = new_erasure(company)
    base = full_plan(rid)
    keyed = PlanAction("shop", "newsletter_optout", {"email": EMAIL}, "delete", reason="person_row")
    plan = type(base)(**{**base.__dict__, "actions": (*base.actions, keyed)})
    store_plan(company / "dsr.yaml", plan, status="planned")
    out = company / "for-the-authority"

    dsr(company, "request", "evidence", rid, "--output", str(out))

    text = _bundle_text(out)
    assert EMAIL not in text.casefold()
    bundle = json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    keys = [a["key"] for a in bundle["plans"][0]["actions"] if a["table"] == "newsletter_optout"]
    assert keys == [{"email": "[withheld]"}]
    assert bundle["plans"][0]["verification"] is None
    assert bundle["processor_tasks"][0]["status"] == "open"


def test_broken_chain_is_written_and_exits_1(company: Path) -> None:
    rid = new_erasure(company)
    store_plan(company / "dsr.yaml", full_plan(rid))
    with sqlite3.connect(company / "dsr.db") as db:
        db.execute("UPDATE events SET actor = 'mallory' WHERE id = 1")
    db.close()

    result = dsr(company, "request", "evidence", rid, exit=1)

    assert "chain is broken at event 1" in result.stderr
    bundle = json.loads((company / "evidence" / rid / "evidence.json").read_text("utf-8"))
    assert bundle["audit_chain"]["intact"] is False and bundle["audit_chain"]["broken_id"] == 1
    index = (company / "evidence" / rid / "index.md").read_text(encoding="utf-8")
    assert "**Die Kette ist beschädigt** bei Eintrag 1" in index


def test_unknown_request_exits_2(company: Path) -> None:
    result = dsr(company, "request", "evidence", "2020-0404", exit=2)
    assert "no request 2020-0404" in result.stderr
