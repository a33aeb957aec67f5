"""Third-party connectors: the example plugin through the registry, the CLI and the suite.

tests/plugin_example is a real package with an entry point; scripts/test
installs it. Which plugins load is chosen per test with DSR_PLUGINS, so no
test depends on what else happens to be installed.
"""

from __future__ import annotations

import importlib
import os
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from dsr.config.load import load_config
from dsr.connectors import connector_class, known_type_names, open_connector
from dsr.connectors.testing import ID_FORMS, PHONE_FORMS, ConnectorContract, Subject
from tests.helpers import run

CARDS = """\
BEGIN:VCARD
VERSION:4.0
FN:Jürgen Müller
EMAIL;TYPE=home:Juergen.Mueller@Example.com
TEL:+49 171 2345678
NOTE:Kunde seit 2019
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Petra Klein
EMAIL:petra.klein@example.org
NOTE:Nachbarin von Thomas Becker, nimmt
  Pakete an
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:Oliver Bennett
EMAIL:oliver.bennett@example.org
TEL:+44 7700 900123
END:VCARD
"""

TEXT_IDS = ("text", "padded", "longer")
"""The conformance suite's id forms a vCard can hold (every value is text)."""


def hard_cards() -> str:
    """Cards 4-6 hold the suite's phone forms, cards 7-9 its text id forms as UID."""
    cards = [f"FN:Telefon {i}\nTEL:{phone}" for i, phone in enumerate(PHONE_FORMS)]
    cards += [f"FN:Kunde {form}\nUID:{ID_FORMS[form]}" for form in TEXT_IDS]
    return "".join(f"BEGIN:VCARD\nVERSION:4.0\n{card}\nEND:VCARD\n" for card in cards)

# Outside CI a missing example plugin skips these tests; under CI=true they run and fail.
installed = pytest.mark.skipif(
    not entry_points(group="dsr.connectors", name="vcard")
    and os.environ.get("CI", "").lower() not in ("true", "1"),
    reason="tests/plugin_example is not installed (./scripts/test installs it)",
)


@pytest.fixture(autouse=True)
def only_the_example_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSR_PLUGINS", "vcard")


def write_book(folder: Path, *, hard: bool = False) -> Path:
    book = folder / "contacts"
    book.mkdir()
    (book / "kunden.vcf").write_text(CARDS + (hard_cards() if hard else ""), encoding="utf-8")
    (folder / "dsr.yaml").write_text(
        "controller: {name: Beispiel GmbH}\n"
        "sources:\n"
        "  phonebook: {type: vcard, path: contacts/, purpose: Kundenkontakt}\n",
        encoding="utf-8",
    )
    return folder / "dsr.yaml"


@installed
class TestVcardContract(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Subject:
        config = load_config(write_book(tmp_path, hard=True))

        def reopen():  # type: ignore[no-untyped-def]
            return open_connector(config.sources["phonebook"])

        def card(number: int) -> dict[str, object]:
            return {"file": "kunden.vcf", "row": number}

        return Subject(
            connector=reopen(),
            reopen=reopen,
            table="kunden",
            email_column="EMAIL",
            people={
                "juergen.mueller@example.com": {"file": "kunden.vcf", "row": 1},
                "petra.klein@example.org": {"file": "kunden.vcf", "row": 2},
                "oliver.bennett@example.org": {"file": "kunden.vcf", "row": 3},
            },
            text_column="NOTE",
            mention="Thomas Becker",
            mention_key={"file": "kunden.vcf", "row": 2},
            phone_column="TEL",
            phones={phone: card(4 + i) for i, phone in enumerate(PHONE_FORMS)},
            ids={form: ("UID", card(7 + i)) for i, form in enumerate(TEXT_IDS)},
        )


@installed
def test_plugin_is_used_through_dsr_yaml(tmp_path: Path) -> None:
    config = write_book(tmp_path)
    doc = run("sources", "check", "--config", config, "--json", exit=0).json
    (source,) = doc["sources"]
    assert source["name"] == "phonebook" and source["type"] == "vcard" and source["ok"]
    (table,) = source["tables"]
    assert table["name"] == "kunden" and table["rows"] == 3
    assert {c["name"] for c in table["columns"]} >= {"FN", "EMAIL", "TEL"}


@installed
def test_plugin_options_are_validated_by_the_plugin(tmp_path: Path) -> None:
    config = tmp_path / "dsr.yaml"
    config.write_text(
        "controller: {name: X}\nsources:\n  phonebook: {type: vcard, pth: contacts/}\n",
        encoding="utf-8",
    )
    result = run("config", "check", "--config", config, exit=2)
    assert f"{config}:3: sources.phonebook.pth: unknown key (did you mean 'path'?)" in result.stderr


@installed
def test_connectors_list_shows_builtins_and_the_plugin() -> None:
    doc = run("connectors", "list", "--json", exit=0).json
    by_name = {c["name"]: c for c in doc["connectors"]}
    assert by_name["vcard"]["origin"] == "dsr-vcard 0.1.0"
    assert by_name["vcard"]["capabilities"]["delete"] == "supported"
    assert by_name["vcard"]["capabilities"]["mask"] == "not yet"
    assert by_name["zendesk"]["capabilities"]["delete"] == "unsupported"
    assert by_name["sql"]["origin"] == "built-in"
    human = run("connectors", "list", exit=0).stdout
    assert "vcard" in human and "dsr-vcard" in human


@installed
def test_plugins_load_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DSR_PLUGINS", "none")
    assert "vcard" not in known_type_names()
    assert connector_class("vcard") is None
    names = {c["name"] for c in run("connectors", "list", "--json", exit=0).json["connectors"]}
    assert "vcard" not in names and "sql" in names


@pytest.fixture
def broken_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A really installed distribution whose entry point names a module that does not exist."""
    site = tmp_path / "site"
    info = site / "dsr_broken-0.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: dsr-broken\nVersion: 0.3\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        "[dsr.connectors]\nbroken = dsr_broken_missing_module:Connector\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    monkeypatch.setenv("DSR_PLUGINS", "all")
    return "broken"


def test_a_broken_plugin_is_named_and_the_rest_works(broken_plugin: str, tmp_path: Path) -> None:
    result = run("connectors", "list", "--json", exit=1)
    by_name = {c["name"]: c for c in result.json["connectors"]}
    assert "dsr-broken 0.3" in by_name["broken"]["error"]
    assert "ModuleNotFoundError" in by_name["broken"]["error"]
    assert by_name["sql"]["error"] is None
    assert "broken" in result.stderr and "Traceback" not in result.stderr

    folder = tmp_path / "company"
    folder.mkdir()
    config = write_book(folder)
    config.write_text(
        config.read_text(encoding="utf-8") + "  legacy: {type: broken, path: x}\n", encoding="utf-8"
    )
    checked = run("sources", "check", "--config", config, "--json", exit=1).json
    by_source = {s["name"]: s for s in checked["sources"]}
    assert by_source["legacy"]["ok"] is False
    assert "failed to load" in by_source["legacy"]["error"]
    if entry_points(group="dsr.connectors", name="vcard"):
        assert by_source["phonebook"]["ok"] is True


def test_guide_quotes_the_example_plugin() -> None:
    guide = (Path(__file__).parent.parent / "docs" / "writing-a-connector.md").read_text(
        encoding="utf-8"
    )
    entry = textwrap.dedent(
        """\
        [project.entry-points."dsr.connectors"]
        vcard = "dsr_vcard:VcardConnector"
        """
    )
    assert entry in guide
    assert "ConnectorContract" in guide
