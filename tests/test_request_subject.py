"""`dsr access`, `dsr erase` (plan, --execute, --verify) and `dsr request evidence` read a
logged request through one loader (``dsr.requests.subject``): the same refusals, the same
person, the same greeting in both letters."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import Result, dsr

PETRA = "petra.klein@example.org"


def new_request(folder: Path, kind: str, *identifiers: str) -> str:
    return str(
        dsr(folder, "request", "new", "--type", kind, *identifiers, "--json").json["id"]
    )


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def test_a_request_awaiting_identity_is_refused_alike(demo: Path) -> None:
    access = new_request(demo, "access", "--email", PETRA)
    erasure = new_request(demo, "erasure", "--email", PETRA)
    for rid in (access, erasure):
        dsr(demo, "request", "await-identity", rid, "--asked", "customer number")
    refusals = [
        error_lines(dsr(demo, "access", access, exit=2)),
        error_lines(dsr(demo, "erase", erasure, exit=2)),
        error_lines(dsr(demo, "erase", erasure, "--execute", exit=2)),
    ]
    expected = [
        [f"error: request {rid} awaits the identity check "
         f"(record it first: dsr request verify {rid})"]
        for rid in (access, erasure, erasure)
    ]
    assert refusals == expected
    for result in (dsr(demo, "access", erasure, exit=2), dsr(demo, "erase", access, exit=2)):
        assert "petra" not in result.stderr.lower()
    assert "is of type erasure, not access" in dsr(demo, "access", erasure, exit=2).stderr
    assert "is of type access, not erasure" in dsr(demo, "erase", access, exit=2).stderr


def test_both_letters_greet_by_the_first_name_logged(demo: Path) -> None:
    """Logged with two spellings: the access letter greets her as her account row says
    (Frau, Klein), and so does the erasure confirmation, written when that row is gone
    (the plan read it); the evidence bundle holds neither name."""
    names = ("--name", "Petra Klein", "--name", "Petra Kleine")
    access = new_request(demo, "access", "--email", PETRA, *names)
    dsr(demo, "access", access, "--format", "md")
    letter = (demo / "answers" / access / f"auskunft-{access}.md").read_text(encoding="utf-8")
    # the access letter greets as her own account row says: salutation and surname
    assert "Sehr geehrte Frau Klein," in letter and "Kleine" not in letter

    erasure = new_request(demo, "erasure", "--email", PETRA, *names)
    dsr(demo, "erase", erasure)
    dsr(demo, "erase", erasure, "--execute")
    verified = dsr(demo, "erase", erasure, "--verify", "--format", "md", "--json").json
    assert verified["residue"] == [], verified["residue"]
    (path,) = [Path(d["path"]) for d in verified["confirmation"]["documents"]]
    assert "Sehr geehrte Frau Klein," in path.read_text(encoding="utf-8")

    bundle = dsr(demo, "request", "evidence", erasure, "--json").json
    text = "".join(Path(d["path"]).read_text(encoding="utf-8") for d in bundle["documents"])
    assert "Petra Klein" not in text and PETRA not in text
    evidence = json.loads((Path(bundle["folder"]) / "evidence.json").read_text(encoding="utf-8"))
    assert evidence["request"]["identifier_kinds"] == ["email", "name"]
    assert evidence["request"]["language"] == "de"
