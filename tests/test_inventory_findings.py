"""The inventory's findings on the demo: one per planted problem, none on an empty column.

The demo README lists the planted cases with their row keys for the build at hand;
the tests read them from there, so they hold for any number of customers. One
``dsr inventory --format json`` run per module; a second run on a fresh copy
shows that a decision recorded in dsr.yaml moves its finding to "decided".
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from dsr.classify.result import ColumnClassification
from dsr.config.load import load_config
from dsr.connectors import open_connector
from dsr.connectors.rows import is_empty
from dsr.inventory.findings import (
    column_findings,
    divergences,
    duplicates,
    gets_column_finding,
    split_decided,
)
from dsr.inventory.mirrors import mirrors
from dsr.inventory.people import PersonRecord
from dsr.inventory.scan import SourceScan
from tests.helpers import dsr

# Columns of the demo that hold no value in any row: they get no finding.
EMPTY = {
    ("zendesk", "users", "details"),
    ("zendesk", "users", "notes"),
    ("mailchimp", "subscribed", "NOTES"),
    ("mailchimp", "unsubscribed", "NOTES"),
    ("mailchimp", "cleaned", "NOTES"),
}


def _inventory(folder: Path) -> dict[str, Any]:
    dsr(folder, "inventory", "--format", "json", "--language", "de")
    path = folder / "inventory" / "inventory-de.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def document(module_demo: Path) -> dict[str, Any]:
    return _inventory(module_demo)


def _planted(folder: Path) -> dict[str, int]:
    """The row keys of planted cases 1 and 3 in this build, as the README names them."""
    readme = (folder / "README.md").read_text(encoding="utf-8")
    case1 = readme.split("### Case 1:")[1].split("### Case")[0]
    case3 = readme.split("### Case 3:")[1].split("### Case")[0]
    return {
        "shop": int(re.search(r"shop: customers id=(\d+)", case1)[1]),  # type: ignore[index]
        "newsletter": int(re.search(r"sheet Abonnenten, row (\d+)", case1)[1]),  # type: ignore[index]
        "zendesk": int(re.search(r"zendesk: users.json id=(\d+)", case1)[1]),  # type: ignore[index]
        "first": int(re.findall(r"shop: customers id=(\d+)", case3)[0]),
        "second": int(re.findall(r"shop: customers id=(\d+)", case3)[1]),
    }


def _holds_text(folder: Path, source: str, table: str, column: str) -> bool:
    config = load_config(folder / "dsr.yaml", strict=False)
    connector = open_connector(config.sources[source])
    try:
        return any(not is_empty(row.get(column)) for row in connector.sample(table, 100_000))
    finally:
        connector.close()


def test_the_demo_gives_exactly_its_planted_findings(
    module_demo: Path, document: dict[str, Any]
) -> None:
    findings = document["findings"]
    keys = _planted(module_demo)
    by_id = {f["id"]: f for f in findings}
    assert len(by_id) == len(findings), "finding ids are unique"

    # Health data in the support note and in the Zendesk texts; body and its HTML are one.
    special = {f["id"] for f in findings if f["kind"] == "special_category"}
    assert special == {
        "special_category:shop.support_notes.note",
        "special_category:zendesk.tickets.description",
        "special_category:zendesk.comments.body",
    }
    assert by_id["special_category:zendesk.comments.body"]["columns"] == ["body", "html_body"]
    assert "body (auch html_body)" in by_id["special_category:zendesk.comments.body"]["detail"]

    # Case 1, Jürgen Müller spelled ü and ue: ONE finding naming his rows and the field.
    [divergence] = [f for f in findings if f["kind"] == "divergence"]
    assert divergence["id"] == f"divergence:shop.customers.{keys['shop']}"
    assert divergence["fields"] == ["name_spelling"]
    for place in (
        f"shop › customers id={keys['shop']}",
        f"newsletter › Abonnenten Zeile {keys['newsletter']}",
        f"zendesk › users id={keys['zendesk']}",
    ):
        assert place in divergence["detail"], place
    assert "Schreibweise des Namens" in divergence["detail"]

    # Case 3, Anna Schmidt registered twice: ONE finding naming both rows.
    [duplicate] = [f for f in findings if f["kind"] == "duplicates"]
    first, second = keys["first"], keys["second"]
    assert duplicate["id"] == f"duplicates:shop.customers.{first}+{second}"
    assert f"id={first} und id={second} (gleiche E-Mail-Adresse)" in duplicate["detail"]

    # The session log's three background identifiers: one decision, so one finding.
    [minimisation] = [f for f in findings if f["kind"] == "minimisation"]
    assert minimisation["id"] == "minimisation:shop.web_sessions"
    assert minimisation["columns"] == ["session_id", "ip_address", "user_agent"]

    # Free text that holds text; the ticket subject and its raw copy are one finding.
    free_text = {f["id"] for f in findings if f["kind"] == "free_text"}
    planted = {
        "free_text:events.event-signups.Bemerkung",
        "free_text:zendesk.users.signature",
        "free_text:zendesk.tickets.subject",
    }
    assert planted <= free_text
    # Mailchimp's unsubscribe reason is typed by the person (the classifier decides which
    # of its two columns reads as free text); nothing else may be reported as free text.
    assert free_text - planted <= {
        "free_text:mailchimp.unsubscribed.UNSUB_REASON",
        "free_text:mailchimp.unsubscribed.UNSUB_REASON_OTHER",
    }
    assert by_id["free_text:zendesk.tickets.subject"]["columns"] == ["subject", "raw_subject"]
    for finding in findings:
        if finding["column"]:
            assert _holds_text(
                module_demo, finding["source"], finding["table"], finding["column"]
            ), finding["id"]

    # Every US processor has safeguards and every source a purpose and a legal basis.
    assert not [
        f for f in findings if f["kind"] in ("third_country", "no_purpose", "no_legal_basis")
    ]
    # A column with a special-category or free-text finding is not also "unsure".
    assert not [f for f in findings if f["kind"] == "review"]
    assert len(findings) == len(special) + 3 + len(free_text)
    assert document["summary"]["special_category"] == 3 and document["decided"] == []


def test_no_finding_on_an_empty_column(module_demo: Path, document: dict[str, Any]) -> None:
    named = {
        (f["source"], f["table"], c)
        for f in document["findings"]
        for c in f.get("columns") or [f["column"]]
    }
    assert not named & EMPTY
    for source, table, column in EMPTY:  # the columns exist and are empty in every row
        config = load_config(module_demo / "dsr.yaml", strict=False)
        connector = open_connector(config.sources[source])
        try:
            rows = connector.sample(table, 100_000)
        finally:
            connector.close()
        assert rows and column in rows[0] and all(is_empty(r.get(column)) for r in rows)


def test_findings_say_what_and_where_but_quote_no_personal_value(
    module_demo: Path, document: dict[str, Any]
) -> None:
    config = load_config(module_demo / "dsr.yaml", strict=False)
    connector = open_connector(config.sources["shop"])
    try:
        customers = connector.sample("customers", 100_000)
    finally:
        connector.close()
    values = {
        str(r[c]).lower()
        for r in customers
        for c in ("first_name", "last_name")
        if r.get(c) and len(str(r[c])) > 3
    }
    values |= {"mueller", "schmitt", "diabet", "zöliakie"}
    for finding in document["findings"]:
        text = finding["detail"]
        assert "@" not in text and not re.search(
            r"\d{6,}", text.replace(str(_planted(module_demo)["zendesk"]), "")
        ), finding["id"]
        words = set(re.findall(r"\w+", text.lower()))
        assert not words & values, (finding["id"], words & values)
        # one spelling of the regulation in German, as the letters write it
        assert "DS-GVO" not in text and "GDPR" not in text
        assert f'decisions: "{finding["id"]}"' in text or finding["record_in"] in text


def test_a_recorded_decision_moves_its_finding_to_decided(demo: Path) -> None:
    """End to end: the DPO records a decision on one finding id; the next run lists it as
    decided with the text, and the summary counts only the open ones. A processor outside
    the EEA without safeguards is a third-country finding settled by its own key."""
    path = demo / "dsr.yaml"
    text = path.read_text(encoding="utf-8")
    safeguards = (
        '      safeguards: {de: "Standardvertragsklauseln (SCC)", '
        'en: "Standard contractual clauses (SCC)"}\n'
    )
    start = text.index("  hubspot:")
    text = text[:start] + text[start:].replace(safeguards, "", 1)
    text += (
        'decisions:\n  "minimisation:shop.web_sessions":\n'
        '    de: "Sitzungen werden nach 30 Tagen gelöscht"\n'
        '    en: "Sessions are erased after 30 days"\n'
    )
    path.write_text(text, encoding="utf-8")
    document = _inventory(demo)
    assert "minimisation:shop.web_sessions" not in {f["id"] for f in document["findings"]}
    [decided] = document["decided"]
    assert decided["id"] == "minimisation:shop.web_sessions"
    assert decided["decision"] == "Sitzungen werden nach 30 Tagen gelöscht"
    assert "minimisation" not in document["summary"]
    [third] = [f for f in document["findings"] if f["kind"] == "third_country"]
    assert third["id"] == "third_country:hubspot"
    assert third["record_in"] == "sources.hubspot.processor.safeguards"
    assert "sources.hubspot.processor.safeguards" in third["detail"]


# --- pure functions ----------------------------------------------------------------------------


def test_mirrors_fold_html_and_raw_copies_only_when_the_texts_agree() -> None:
    rows = [
        {
            "body": f"Hallo {i},\nalles gut",
            "html_body": f"<p>Hallo {i},</p><p>alles gut</p>",
            "raw_subject": f"Frage {i}",
            "subject": f"Frage  {i} ",
            "other": f"Antwort {i}",
        }
        for i in range(10)
    ]
    assert mirrors(rows, ["body", "html_body", "raw_subject", "subject", "other"]) == {
        "html_body": "body",
        "raw_subject": "subject",
    }
    assert mirrors(rows[:2], ["raw_subject", "subject"]) == {}  # too few rows to tell
    half = [{**r, "subject": "anders"} if i % 2 else r for i, r in enumerate(rows)]
    assert mirrors(half, ["raw_subject", "subject"]) == {}


def test_many_diverging_people_give_one_finding_per_field(module_demo: Path) -> None:
    config = load_config(module_demo / "dsr.yaml", strict=False)

    def person(table: str, i: int, name: str, key: dict[str, Any]) -> PersonRecord:
        return PersonRecord(table, f"p{i}@example.org", name, name.lower(), None, None, key)

    shop = SourceScan(
        config.sources["shop"],
        people=[person("customers", i, f"Anna Muster{i}", {"id": i}) for i in range(25)],
    )
    crm = SourceScan(
        config.sources["hubspot"],
        people=[person("contacts", i, f"Berta Muster{i}", {"id": str(100 + i)}) for i in range(25)],
    )
    [finding] = divergences([shop, crm], "en")
    assert finding["id"] == "divergence:name" and finding["people"] == 25
    assert "shop › customers id=19" in finding["detail"]
    assert "id=20" not in finding["detail"] and "@" not in finding["detail"]
    few = divergences(
        [
            SourceScan(shop.source, people=shop.people[:2]),
            SourceScan(crm.source, people=crm.people[:2]),
        ],
        "en",
    )
    assert [f["id"] for f in few] == ["divergence:shop.customers.0", "divergence:shop.customers.1"]
    assert "shop › customers id=0, hubspot › contacts id=100" in few[0]["detail"]


def test_split_decided_and_which_columns_are_checked(module_demo: Path) -> None:
    config = load_config(module_demo / "dsr.yaml", strict=False)
    config = config.model_copy(update={"decisions": {"free_text:a.b.c": "kept"}})
    open_, decided = split_decided([{"id": "free_text:a.b.c"}, {"id": "free_text:a.b.d"}], config)
    assert open_ == [{"id": "free_text:a.b.d"}]
    assert decided == [{"id": "free_text:a.b.c", "decision": "kept"}]
    note = ColumnClassification("s", "t", "note", True, ("free_text",))
    plain = ColumnClassification("s", "t", "amount", False, ())
    assert gets_column_finding(note) and not gets_column_finding(plain)


def test_review_says_what_to_confirm_and_yields_to_other_findings() -> None:
    unsure = ColumnClassification("crm", "people", "kontakt", True, ("contact",), review=True)
    [review] = column_findings(unsure, [], "de")
    assert review["id"] == "review:crm.people.kontakt"
    assert review["record_in"] == "sources.crm.columns"
    assert '"people.kontakt": [contact]' in review["detail"]
    assert review["detail"].startswith("Vermutlich personenbezogen (Kontaktdaten")
    noted = ColumnClassification(
        "crm", "people", "note", True, ("free_text", "special"), special=("health",), review=True
    )
    assert [f["kind"] for f in column_findings(noted, [], "de")] == ["special_category"]


def test_many_duplicates_in_a_table_give_one_finding_with_the_first_groups(
    module_demo: Path,
) -> None:
    config = load_config(module_demo / "dsr.yaml", strict=False)
    people = [
        PersonRecord("customers", f"p{i // 2}@example.org", None, None, None, None, {"id": i})
        for i in range(50)
    ]
    [finding] = duplicates(SourceScan(config.sources["shop"], people=people), "de")
    assert finding["id"] == "duplicates:shop.customers" and finding["people"] == 25
    assert "id=0 + id=1; id=2 + id=3" in finding["detail"]
    assert "id=40" not in finding["detail"] and "25 Personen" in finding["detail"]
    [one] = duplicates(SourceScan(config.sources["shop"], people=people[:2]), "de")
    assert one["id"] == "duplicates:shop.customers.0+1" and one["rows"] == [{"id": 0}, {"id": 1}]
