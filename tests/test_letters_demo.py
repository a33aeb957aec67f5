"""Every planted person's letters, read as the person and the authority read them.

Issue 14's acceptance on the demo, through the CLI: for each planted person of the
demo README, the access letter and copy in German and English, and the erasure
confirmation, are checked against the data and the ledger:

- no other planted person's e-mail address, phone number or name stands in the
  letter (Markdown, HTML, PDF) or in any file of the ZIP (Art. 15(4));
- every value the letter's data section shows is on the PDF's pages;
- no HTML markup in the letter's text and no raw ``<div>`` in its data;
- numbered rows (invoices, orders) stand in key order;
- what the letters say about recipients, restriction and retention is what dsr.yaml
  configures and the ledger records: recipients told only when ``dsr request notified``
  recorded it, never "gesperrt"/"restricted", and each "kept until" day is a day the
  erasure plan keeps a row until.

The planted people and their identifiers are read from the demo's README, so a
change of the demo's data cannot leave this test checking stale values.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from dsr.clock import today_berlin
from dsr.identifiers import normalise_phone
from dsr.requests.deadline_names import long_date
from tests.helpers import dsr, visible_pdf_text

_HEADING = re.compile(r"^### Case \d+: .*\((?P<names>[^()]+)\)\s*$", re.M)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


@dataclass
class Planted:
    names: tuple[str, ...]
    emails: tuple[str, ...]
    phones: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.names[0]


def _planted(folder: Path) -> list[Planted]:
    """The planted people of the README, one entry per person (a person planted in
    several cases is merged by the first e-mail address)."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    people: dict[str, Planted] = {}
    for section in readme.split("### Case ")[1:]:
        heading = _HEADING.match("### Case " + section)
        assert heading, section[:80]
        fields = dict(re.findall(r"^- (email|phone): (.+)$", section, re.M))
        emails = tuple(e.strip() for e in fields.get("email", "").split(",") if e.strip())
        phones = tuple(p.strip() for p in fields.get("phone", "").split(",") if p.strip())
        names = tuple(n.strip() for n in heading["names"].split("/"))
        assert emails, section[:80]
        key = emails[0].casefold()
        if key not in people:
            people[key] = Planted(names, emails, phones)
    return list(people.values())


def _forms(person: Planted) -> list[str]:
    """How another person's identifiers could stand in a text: the e-mail addresses
    case-folded, the phone numbers as the README writes them and in E.164, the names."""
    forms = [e.casefold() for e in person.emails] + [n.casefold() for n in person.names]
    for phone in person.phones:
        forms.append(phone.casefold())
        e164 = normalise_phone(phone)
        if e164:
            forms.append(e164)
    return forms


def _leaks(text: str, others: list[Planted]) -> list[str]:
    folded = text.casefold()
    return [f"{p.key}: {f}" for p in others for f in _forms(p) if f in folded]


def _zip_text(folder: Path) -> str:
    [archive] = [p for p in folder.iterdir() if p.suffix == ".zip"]
    with zipfile.ZipFile(io.BytesIO(archive.read_bytes())) as opened:
        return "\n".join(
            opened.read(name).decode("utf-8-sig") for name in sorted(opened.namelist())
        )


def _md_tables(letter: str) -> list[list[list[str]]]:
    """The Markdown tables of a letter as rows of cells (header row first)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*letter.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= {"-", ":"} for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def _natural(value: str) -> tuple[str, int]:
    digits = re.findall(r"\d+", value)
    return (re.sub(r"\d+", "", value), int("".join(digits)) if digits else -1)


def _numbered_in_order(letter: str) -> None:
    """Where a table's first column holds numbers or numbered documents (RE-2024-00551,
    B-1002374, 1258), its rows stand in that order, as people count."""
    for table in _md_tables(letter):
        header, rows = table[0], table[1:]
        firsts = [r[0] for r in rows if r and r[0]]
        if len(firsts) < 2 or not all(re.fullmatch(r"[A-Z]*-?[\d-]+", f) for f in firsts):
            continue
        assert firsts == sorted(firsts, key=_natural), (header, firsts)


@pytest.fixture(scope="module")
def planted(module_demo: Path) -> list[Planted]:
    people = _planted(module_demo)
    assert len(people) >= 9, [p.key for p in people]
    return people


@pytest.fixture(scope="module")
def access_folders(module_demo: Path, planted: list[Planted]) -> dict[tuple[str, str], Path]:
    """Every planted person's access request in German and English, answered in one run."""
    ids: dict[tuple[str, str], str] = {}
    for person in planted:
        for language in ("de", "en"):
            created = dsr(
                module_demo, "request", "new", "--type", "access",
                "--email", person.emails[0], "--language", language, "--json",
            )  # fmt: skip
            ids[person.key, language] = str(created.json["id"])
    answered = dsr(module_demo, "access", "--all-open", "--json").json
    folders = {a["request"]: Path(a["folder"]) for a in answered["answers"]}
    return {key: folders[rid] for key, rid in ids.items()}


def _letter_files(folder: Path) -> tuple[str, str, Path]:
    [md] = [p for p in folder.iterdir() if p.suffix == ".md" and "notiz" not in p.name
            and "note" not in p.name]  # fmt: skip
    html = md.with_suffix(".html").read_text(encoding="utf-8")
    return md.read_text(encoding="utf-8"), html, md.with_suffix(".pdf")


@pytest.mark.parametrize("language", ["de", "en"])
def test_access_answers_hold_nothing_of_other_people_and_everything_on_paper(
    access_folders: dict[tuple[str, str], Path], planted: list[Planted], language: str
) -> None:
    for person in planted:
        folder = access_folders[person.key, language]
        letter, html, pdf = _letter_files(folder)
        assert "entwurf" not in folder.name and not any(
            p.name.startswith(("entwurf", "draft")) for p in folder.iterdir()
        ), f"{person.key}: the demo configures every fact, the letter must be final"
        others = [p for p in planted if p is not person]
        everything = "\n".join([letter, html, _zip_text(folder)])
        assert not _leaks(everything, others), (person.key, _leaks(everything, others))
        on_paper = visible_pdf_text(pdf)
        assert not _leaks(on_paper, others), person.key

        # Every value the data section shows is on the PDF's pages.
        data = letter.split("\n## ", 1)[1]
        cells = [c for t in _md_tables(data) for row in t[1:] for c in row if c]
        missing = [c for c in cells if re.sub(r"\s+", "", c) not in on_paper]
        assert not missing, (person.key, missing[:10])

        # No markup in the letter's text, no HTML from a helpdesk in its data.
        assert not _TAG.search(letter), (person.key, _TAG.search(letter))
        assert "<div" not in html and "&lt;div" not in html, person.key
        _numbered_in_order(letter)


def test_the_english_answers_are_english(
    module_demo: Path, access_folders: dict[tuple[str, str], Path], planted: list[Planted]
) -> None:
    """Spot words that only a German letter may hold: no German wording in an English
    letter outside the person's data (the data section keeps the values as stored)."""
    config = yaml.safe_load((module_demo / "dsr.yaml").read_text(encoding="utf-8"))
    authority = config["controller"]["supervisory_authority"]  # a German name in any letter
    for person in planted:
        letter, _, _ = _letter_files(access_folders[person.key, "en"])
        prose = letter.split("\n| ", 1)[0]  # before the first table: the wording dsr writes
        prose = prose.replace(authority, "")
        for german in ("Sehr geehrte", "Mit freundlichen", "Ihre Daten", " und ", "Rechnung",
                       "Zweck", "Empfänger", "Frist", "bzw.", " für ", " wir "):  # fmt: skip
            assert german not in prose, (person.key, german)


def _section(letter: str, heading_start: str) -> str:
    """The text under the first heading that starts with ``heading_start``."""
    parts = re.split(r"^## ", letter, flags=re.M)
    return next((p for p in parts if p.startswith(heading_start)), "")


def test_erasure_confirmations_claim_only_what_the_ledger_and_plan_say(
    demo: Path,
) -> None:
    """Each planted person asks for erasure; one recipient of the shop is recorded as
    told. Each confirmation names that recipient as told (with the day) and every other
    configured recipient as still to be told, never claims a restriction dsr does not
    apply, gives only kept-until days the plan holds, and holds nothing of the others."""
    people = _planted(demo)
    received = (today_berlin() - timedelta(days=3)).isoformat()
    told_on = today_berlin()  # not before the plan: a recipient is told of an erasure made
    for person in people:
        rid = str(dsr(demo, "request", "new", "--type", "erasure", "--email", person.emails[0],
                      "--received", received, "--language", "de", "--json").json["id"])  # fmt: skip
        plan = dsr(demo, "erase", rid, "--json").json
        dsr(demo, "erase", rid, "--execute", "--json")
        stored = dsr(demo, "request", "show", rid, "--json").json
        shop_found = any(a["source"] == "shop" for a in plan["actions"])
        if shop_found:
            dsr(demo, "request", "notified", rid, "--recipient", "DHL",
                "--at", told_on.isoformat())  # fmt: skip
        verified = dsr(demo, "erase", rid, "--verify", "--json").json
        assert verified["confirmation"], person.key
        folder = demo / "answers" / rid
        [md] = [p for p in folder.iterdir() if p.suffix == ".md" and "loesch" in p.name]
        letter = md.read_text(encoding="utf-8")
        assert not md.name.startswith("entwurf"), person.key
        assert stored["id"] == rid

        others = [p for p in people if p is not person]
        assert not _leaks(letter, others), (person.key, _leaks(letter, others))
        assert "gesperrt" not in letter.casefold() and "sperr" not in letter.casefold()

        # Recipients: told only as recorded; the shop's others still to be told.
        told = {t["recipient"]: t for t in verified.get("recipient_tasks", [])}
        for name, task in told.items():
            assert name in letter, (person.key, name)
            if task.get("status") == "done":
                assert "DHL" in name
        if shop_found:
            done = [n for n, t in told.items() if t.get("status") == "done"]
            assert done and all("DHL" in n for n in done), (person.key, told)
            told_section = letter.split(long_date(told_on, "de"), 1)[0]
            assert "DHL" in told_section.rsplit("\n\n", 1)[-1] or long_date(
                told_on, "de"
            ) in letter, person.key
        else:
            assert "DHL" not in letter, person.key

        # Retention: each day the letter keeps something until is a day of the plan.
        untils = {a["until"] for a in plan["actions"] if a["action"] == "keep" and a["until"]}
        kept = _section(letter, "Was wir aufbewahren")
        shown = {
            date(int(y), int(m), int(d)).isoformat()
            for d, m, y in re.findall(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b", kept)
        }
        assert shown <= untils, (person.key, shown - untils)
        assert bool(untils) == bool(kept.strip()), person.key
        json.dumps(verified)  # the document is plain JSON
