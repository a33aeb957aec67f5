"""German throughout the German record, English throughout the English one (issue 16).

The demo's record is written in both languages (Markdown, HTML, XLSX). Everything that
is data or dsr.yaml's own text is taken out first: names of sources, tables and columns,
the configured texts (in the record's language), code spans and quoted names. What is
left is dsr's own wording, and no word of the other language may remain in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from dsr.access.columns import html_text
from tests.helpers import dsr

# dsr's own prose in the document: everything else is data or dsr.yaml's text.
_PROSE_KEYS = {"detail", "text", "label", "last_change", "categories", "evidence", "name"}

ENGLISH = {
    "the", "and", "of", "with", "for", "from", "this", "that", "is", "are", "not", "none",
    "found", "unsure", "confirmed", "column", "columns", "table", "tables", "values",
    "sampled", "check", "points", "people", "key", "gap", "processor",
    "processors", "recipients", "internal", "external", "until", "years", "changes",
    "since", "previous", "run", "record", "created", "changed", "department", "contact",
    "reference", "security", "decision", "findings", "finding", "source", "sources",
    "suggested", "employees", "long", "marks", "texts", "mention", "terms",
    "contain", "primary", "flag", "yes", "only", "numbers", "number", "data", "add",
    "confidence", "reason", "kind", "field", "content", "address", "phone", "website",
    "planned", "transfers", "kept", "rule", "rows", "row", "set", "by",
}
GERMAN = {
    "der", "die", "das", "und", "mit", "für", "von", "nicht", "keine", "kein", "lücke",
    "spalte", "spalten", "tabelle", "tabellen", "werte", "stichprobe", "stichproben",
    "prüfung", "jahre", "bis", "seit", "änderung", "änderungen", "verantwortliche",
    "verantwortlichen", "empfänger", "beschäftigte", "ergänzen", "quelle", "quellen",
    "feststellung", "feststellungen", "verarbeitung", "zweck", "zwecke", "personen",
    "daten", "unsicher", "bestätigt", "gefunden", "schlüssel", "verweist", "enthält",
    "zeilen", "prüfen", "löschen", "frist", "fristen", "ansprechpartner", "geplant",
    "sicherheit", "einstufung", "begründung", "lauf", "datum", "kategorien", "oder", "auf",
    "ist", "sind", "eine", "einer", "nach", "zur", "zum", "im", "dem", "den", "des",
}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_QUOTED = re.compile(r"`[^`]*`|„[^“]*“|\"[^\"]*\"|'[^']*'|«[^»]*»")


def _data_strings(value: Any, key: str = "") -> Iterator[str]:
    """Every string of the document that is data or configuration, not dsr's wording."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _data_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _data_strings(v, key)
    elif isinstance(value, str) and key not in _PROSE_KEYS:
        yield value


@pytest.fixture(scope="module")
def records(module_demo: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    found = {}
    for language in ("de", "en"):
        out = module_demo / "inventory"
        dsr(module_demo, "inventory", "--language", language, "--output", out)
        document = json.loads((out / f"inventory-{language}.json").read_text("utf-8"))
        md = (out / f"inventory-{language}.md").read_text("utf-8")
        markup = (out / f"inventory-{language}.html").read_text("utf-8")
        html = html_text(re.sub(r"(?s)<style>.*?</style>", " ", markup).replace("<", " <"))
        book = load_workbook(out / f"inventory-{language}.xlsx")
        cells = "\n".join(
            str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
            for cell in row if isinstance(cell, str)
        )
        found[language] = ("\n".join([md, html, cells]), document)
    return found


def _without_data(text: str, document: dict[str, Any]) -> str:
    """``text`` with every data or configuration string cut out where it stands as a whole
    (a column called "name" leaves "Nachname" alone)."""
    data = sorted(set(_data_strings(document)), key=len, reverse=True)
    for value in data:
        if len(value) >= 2:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", " ", text)
    return text


def _own_words(text: str, document: dict[str, Any]) -> set[str]:
    text = _without_data(text, document)
    text = _QUOTED.sub(" ", text)
    # identifiers such as shop.support_notes.note or sources.shop.purpose
    text = re.sub(r"\b[\w-]+(?:\.[\w-]+)+\b", " ", text)
    return {w.lower() for w in _WORD.findall(text)}


@pytest.mark.parametrize(("language", "foreign"), [("de", ENGLISH), ("en", GERMAN)])
def test_no_word_of_the_other_language(
    records: dict[str, tuple[str, dict[str, Any]]], language: str, foreign: set[str]
) -> None:
    text, document = records[language]
    stray = sorted(_own_words(text, document) & foreign)
    assert not stray, f"{language} record has words of the other language: {stray}"


def test_one_spelling_of_the_regulation(records: dict[str, tuple[str, dict[str, Any]]]) -> None:
    text, document = records["de"]
    own = _without_data(text, document)
    assert "DS-GVO" not in own and "DSGVO" in own
