"""Texts of dsr.yaml per language: the plain form still works, ``{de: ..., en: ...}`` gives
each letter its own language's sentences, and a missing version is a gap (``config check``)
and a draft (``dsr access``), never the other language's sentence in a letter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dsr.config.load import load_config
from dsr.config.localise import texts
from tests.helpers import dsr, run

PLAIN = """\
controller: {name: Beispiel GmbH}
sources:
  shop:
    type: sql
    url: "sqlite:///shop.db"
    purpose: Bestellungen und Kundenkonto
    recipients: [Versanddienstleister]
retention:
  - {name: Rechnungen, tables: [shop.invoices], years: 8, basis: "§ 147 AO"}
"""

PER_LANGUAGE = """\
controller:
  name: Beispiel GmbH
  automated_decisions:
    de: Nichts wird automatisch entschieden.
    en: Nothing is decided automatically.
sources:
  shop:
    type: sql
    url: "sqlite:///shop.db"
    description: {de: Online-Shop, en: Online shop}
    purpose:
      de: Bestellungen und Kundenkonto
      en: Orders and your customer account
    recipients: [{de: Versanddienstleister, en: Parcel service}, {de: Steuerberater}]
    labels: {kdnr: {de: Kundennummer, en: Customer number}, intern: {de: Interne Nummer}}
    processor: {name: "Zendesk, Inc.", country: US, safeguards: {en: SCC}}
security_measures:
  - {de: Verschlüsselte Festplatten, en: Encrypted disks}
retention:
  - name: Rechnungen
    tables: [shop.invoices]
    years: 8
    basis: {de: "§ 147 AO", en: "§ 147 AO (German tax code)"}
"""

ENGLISH_CUSTOMER = "oliver.bennett@example.org"  # the demo's shop row says language = en
SHOP_PURPOSE_EN = "      en: Performing our contract with you, your customer account, invoicing, customer service\n"  # noqa: E501


def _write(folder: Path, text: str) -> Path:
    path = folder / "dsr.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _gap_keys(path: Path) -> set[str]:
    doc = run("config", "check", "--config", path, "--json", exit=0).json
    return {gap["key"] for gap in doc["gaps"]}


def test_plain_texts_load_as_before_and_are_in_the_configured_language(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, PLAIN))
    shop = config.sources["shop"]
    assert shop.purpose == "Bestellungen und Kundenkonto" and isinstance(shop.purpose, str)
    assert shop.recipients == ["Versanddienstleister"]
    assert config.retention[0].basis == "§ 147 AO"
    german = config.in_language("de")
    assert german.sources["shop"].purpose == "Bestellungen und Kundenkonto"
    english = config.in_language("en")
    assert english.sources["shop"].purpose is None  # a German text is no English text
    assert english.sources["shop"].recipients == ["[sources.shop.recipients[0].en]"]
    assert english.retention[0].basis == "[retention[0].basis.en]"
    # The same file with language: en: the plain texts are English.
    config = load_config(
        _write(tmp_path, PLAIN.replace("controller:", "language: en\ncontroller:"))
    )
    assert config.in_language("en").sources["shop"].purpose == "Bestellungen und Kundenkonto"
    assert config.in_language("de").sources["shop"].purpose is None


def test_texts_per_language_load_and_resolve_per_letter(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, PER_LANGUAGE))
    shop = config.sources["shop"]
    assert shop.purpose == "Bestellungen und Kundenkonto"  # read as dsr.yaml's language
    english = config.in_language("en")
    local = english.sources["shop"]
    assert local.purpose == "Orders and your customer account"
    assert local.description == "Online shop"
    assert local.recipients == ["Parcel service", "[sources.shop.recipients[1].en]"]
    assert local.labels == {"kdnr": "Customer number"}  # the German-only one: built-in label
    assert local.processor is not None and local.processor.safeguards == "SCC"
    assert english.controller.automated_decisions == "Nothing is decided automatically."
    assert english.security_measures == ["Encrypted disks"]
    assert english.retention[0].basis == "§ 147 AO (German tax code)"
    german = config.in_language("de").sources["shop"]
    assert german.recipients == ["Versanddienstleister", "Steuerberater"]
    assert german.processor is not None and german.processor.safeguards is None
    assert german.labels == {"kdnr": "Kundennummer", "intern": "Interne Nummer"}
    # Resolving twice is the same as once: the versions travel with the text.
    again = english.in_language("de").sources["shop"]
    assert again.purpose == "Bestellungen und Kundenkonto"
    assert {key for key, _ in texts(config)} >= {
        "controller.automated_decisions", "security_measures[0]", "sources.shop.description",
        "sources.shop.purpose", "sources.shop.recipients[1]", "sources.shop.labels.kdnr",
        "sources.shop.processor.safeguards", "retention[0].basis",
    }  # fmt: skip


def test_config_check_lists_missing_versions_for_the_languages_written(tmp_path: Path) -> None:
    path = _write(tmp_path, PLAIN)
    assert not any(key.endswith(".en") for key in _gap_keys(path))  # default: just `language`
    _write(tmp_path, PLAIN + "languages: [de, en]\n")
    keys = _gap_keys(path)
    assert {
        "sources.shop.purpose.en", "sources.shop.recipients[0].en", "retention[0].basis.en",
    } <= keys  # fmt: skip
    assert "sources.shop.purpose" not in keys  # it is set, only the English version is missing
    human = run("config", "check", "--config", path, exit=0).stdout
    assert "sources.shop.purpose.en" in human and "no English version" in human

    _write(tmp_path, PER_LANGUAGE + "languages: [de, en]\n")
    keys = _gap_keys(path)
    assert {
        "sources.shop.recipients[1].en", "sources.shop.labels.intern.en",
        "sources.shop.processor.safeguards.de",
    } <= keys  # fmt: skip
    assert not {"sources.shop.purpose.en", "sources.shop.purpose.de"} & keys
    assert "sources.shop.processor.safeguards" not in keys  # set, in English
    doc = run("config", "check", "--config", path, "--json", exit=0).json
    assert doc["languages"] == ["de", "en"]


@pytest.mark.parametrize(
    ("text", "line", "key", "words"),
    [
        (
            "purpose: {de: Bestellungen, fr: Commandes}",
            6,
            "sources.shop.purpose",
            "unknown language 'fr'",
        ),
        (
            "recipients: [{de: DHL, en: [x]}]",
            6,
            "sources.shop.recipients[0]",
            "expected a text for 'en'",
        ),
        ("storage_period: {}", 6, "sources.shop.storage_period", "at least one language"),
    ],
)
def test_a_wrong_text_is_one_line_with_its_key(
    tmp_path: Path, text: str, line: int, key: str, words: str
) -> None:
    path = _write(
        tmp_path,
        "controller: {name: X}\nsources:\n  shop:\n    type: sql\n"
        f"    url: 'sqlite:///s.db'\n    {text}\n",
    )
    result = run("config", "check", "--config", path, exit=2)
    assert f"{path}:{line}: {key}: " in result.stderr and words in result.stderr, result.stderr


def _german_texts(demo: Path) -> list[str]:
    """The German versions of the demo's texts that differ from their English ones."""
    config = load_config(demo / "dsr.yaml")
    return [
        text.versions["de"]
        for _, text in texts(config)
        if len(text.versions.get("de", "")) >= 15 and text.versions["de"] != text.versions.get("en")
    ]


def _letter(folder: Path) -> str:
    [path] = [p for p in folder.glob("*.md") if "access" in p.name or "auskunft" in p.name]
    return path.read_text(encoding="utf-8")


def test_english_access_letter_takes_every_text_in_english(demo: Path) -> None:
    rid = dsr(
        demo, "request", "new", "--type", "access", "--email", ENGLISH_CUSTOMER,
        "--language", "en", "--json",
    ).json["id"]  # fmt: skip
    doc = dsr(demo, "access", rid, "--format", "md", "--json").json
    letter = _letter(Path(doc["folder"]))
    assert "Performing our contract with you" in letter
    assert "Parcel service (DHL)" in letter and "Standard contractual clauses (SCC)" in letter
    assert "until three years" in letter or "two years after the last message" in letter
    german = _german_texts(demo)
    assert "Vertragsabwicklung, Kundenkonto, Rechnungsstellung, Kundenservice" in german
    leaked = [text for text in german if text in letter]
    assert not leaked, leaked
    assert dsr(demo, "request", "show", rid, "--json").json["status"] != "open"


def test_english_letter_without_an_english_purpose_is_a_draft_naming_the_key(
    demo: Path,
) -> None:
    config = demo / "dsr.yaml"
    text = config.read_text(encoding="utf-8")
    assert SHOP_PURPOSE_EN in text
    config.write_text(text.replace(SHOP_PURPOSE_EN, ""), encoding="utf-8")
    rid = dsr(
        demo, "request", "new", "--type", "access", "--email", ENGLISH_CUSTOMER,
        "--language", "en", "--json",
    ).json["id"]  # fmt: skip
    result = dsr(demo, "access", rid, "--format", "md", exit=1)
    assert "sources.shop.purpose.en" in result.stderr
    folder = demo / "answers" / rid
    draft = (folder / f"draft-access-{rid}.md").read_text(encoding="utf-8")
    assert "DRAFT" in draft and "sources.shop.purpose.en" in draft
    assert "Vertragsabwicklung" not in draft  # never the German sentence
    assert "[missing: purpose]" in draft
    assert not (folder / f"access-{rid}.md").exists()
    assert dsr(demo, "request", "show", rid, "--json").json["status"] == "open"
    assert "sources.shop.purpose.en" in json.dumps(dsr(demo, "config", "check", "--json").json)

    # The German letter to the same person needs no English: it is final, in German.
    rid = dsr(
        demo, "request", "new", "--type", "access", "--email", ENGLISH_CUSTOMER,
        "--language", "de", "--json",
    ).json["id"]  # fmt: skip
    dsr(demo, "access", rid, "--format", "md")
    letter = (demo / "answers" / rid / f"auskunft-{rid}.md").read_text(encoding="utf-8")
    assert "Vertragsabwicklung, Kundenkonto" in letter


def test_english_record_names_the_missing_version_not_the_german_text(
    demo: Path, tmp_path: Path
) -> None:
    config = demo / "dsr.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(SHOP_PURPOSE_EN, ""), encoding="utf-8"
    )
    out = tmp_path / "record"
    dsr(demo, "inventory", "shop", "--language", "en", "--format", "json,md", "--output", out)
    [document] = list(out.glob("*.json"))
    [shop] = json.loads(document.read_text(encoding="utf-8"))["activities"]
    assert shop["purposes"] == []
    assert {"field": "purposes", "key": "sources.shop.purpose.en", "reason": "config",
            "empty_means_none": False} in shop["gaps"]
    assert shop["legal_bases"] == [
        "Art. 6(1)(b) GDPR; Art. 6(1)(c) GDPR with § 147 AO, § 257 HGB (invoices)"
    ]
    assert "Customers" in shop["data_subjects"] and "Kunden" not in shop["data_subjects"]
    record = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert "Vertragsabwicklung" not in record
    assert re.search(r"TLS for every connection", record)
