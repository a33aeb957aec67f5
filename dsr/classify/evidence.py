"""The classifier's evidence in the language of the record that shows it.

The classifier says why it decided as it did in short English sentences ("key: points to
person table 'customers'"); tests, the JSON output and ``dsr.inventory.findings`` read
them as they are. The German record must not show English, so every sentence is made by
``ev`` from a template and its parameters: an ``Evidence`` *is* the English sentence (a
plain ``str`` for JSON, joins and comparisons) and remembers how it was made, so
``evidence_text`` can say it again in German from ``GERMAN``.

A sentence that reached the record as plain text (read back from JSON, or written by
hand) is matched against the same templates, so it is said in German too; text that
matches none is returned as it is.

Parameters are data (table, column and term names, counts), said as they are, or labels
(a name rule's "street or address", a value check's "the e-mail check") given as a
``LocalText`` with both versions, or another ``Evidence`` a sentence builds on.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dsr.classify.taxonomy import SPECIAL_KINDS
from dsr.config.texts import LocalText


class Evidence(str):
    """One sentence of evidence: the English text, with its template and parameters."""

    template: str
    params: dict[str, object]

    def __new__(cls, template: str, params: Mapping[str, object]) -> Evidence:
        self = super().__new__(cls, template.format(**params))
        self.template = template
        self.params = dict(params)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        # Classification may run in another process: the sentence travels with its template.
        return (Evidence, (self.template, self.params))


def ev(template: str, /, **params: object) -> Evidence:
    """The evidence sentence ``template`` (English, ``{name}`` placeholders) with ``params``.

    Every template needs a German version in ``GERMAN``; tests/test_classify_evidence.py
    fails for one without.
    """
    return Evidence(template, params)


def label(en: str, de: str) -> LocalText:
    """A label a sentence names (a rule's or a check's), in both languages."""
    return LocalText(en, {"en": en, "de": de})


TEXT_IDENTIFIERS: dict[str, LocalText] = {
    "email": label("e-mail addresses", "E-Mail-Adressen"),
    "phone": label("phone numbers", "Telefonnummern"),
    "iban": label("IBANs", "IBANs"),
}
"""What the free-text scan finds inside texts (``dsr.classify.text.embedded_identifiers``)."""


def special_kind(kind: str) -> LocalText:
    """A special category as the free-text evidence names it ("health terms")."""
    english = kind.replace("_", " ")
    known = SPECIAL_KINDS.get(kind)
    return label(english, known("de") if known else english)


def evidence_text(evidence: str, language: str) -> str:
    """``evidence`` said in ``language`` ("de" or "en")."""
    if language != "de":
        return str(evidence)
    if isinstance(evidence, Evidence):
        german = GERMAN.get(evidence.template)
        if german is None:
            return str(evidence)
        return german.format(
            **{name: _param(name, value, language) for name, value in evidence.params.items()}
        )
    return _parsed(str(evidence), language)


def _param(name: str, value: object, language: str) -> str:
    if name == "columns":
        return _quoted_list(str(value))
    if isinstance(value, Evidence):
        return evidence_text(value, language)
    if isinstance(value, LocalText):
        return value.versions.get(language) or str(value)
    return str(value)


# -- plain text: the same templates, read backwards -----------------------------------------

_FORMATTER = string.Formatter()


def _parsed(text: str, language: str) -> str:
    said = _said(text, language)
    return text if said is None else said


def _said(text: str, language: str) -> str | None:
    """``text`` in ``language`` if a template makes it, else None. A template matches
    only where each of its unquoted parameters is a count, a label or a sentence, so a
    shorter template cannot swallow a longer one's tail."""
    for pattern, template, quoted in _patterns():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        params: dict[str, str] = {}
        for name, value in match.groupdict().items():
            if name == "columns":
                params[name] = _quoted_list(value)
            elif name in quoted or value.isdigit():
                params[name] = value
            elif (known := _labels().get(value)) is not None:
                params[name] = known.versions.get(language) or value
            elif (sentence := _said(value, language)) is not None:
                params[name] = sentence
            else:
                break
        else:
            return GERMAN[template].format(**params)
    return None


def _quoted_list(names: str) -> str:
    """Column names listed in a sentence (``columns``), each quoted as German quotes data."""
    return ", ".join(f"„{name}“" for name in names.split(", "))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """A pattern per template, the most literal text first, with its quoted (data)
    parameters: a table called like a label stays the table's name."""
    found = []
    for template in GERMAN:
        regex, quoted, literal = "", set(), 0
        for text, name, _spec, _conversion in _FORMATTER.parse(template):
            regex += re.escape(text)
            literal += len(text)
            if name is not None:
                regex += f"(?P<{name}>.+?)"
                if text.endswith("'"):
                    quoted.add(name)
        found.append((literal, re.compile(regex, re.DOTALL), template, frozenset(quoted)))
    found.sort(key=lambda item: -item[0])
    return [(pattern, template, quoted) for _, pattern, template, quoted in found]


@lru_cache(maxsize=1)
def _labels() -> dict[str, LocalText]:
    """Every label a sentence can name, by its English text. (Imported here: the modules
    that define the labels import this one.)"""
    from dsr.classify.classifier import CONNECTOR_KINDS
    from dsr.classify.names import RULES
    from dsr.classify.text import SPECIAL_TERMS
    from dsr.classify.values import BIRTHDATE_CHECK, CHECKS, FREE_TEXT_CHECK

    labels = [rule.local_label for rule in RULES]
    labels += [check.local_label for check in (*CHECKS, BIRTHDATE_CHECK, FREE_TEXT_CHECK)]
    labels += list(CONNECTOR_KINDS.values())
    labels += list(TEXT_IDENTIFIERS.values())
    labels += [special_kind(kind) for kind in SPECIAL_TERMS]
    return {str(item.versions["en"]): item for item in labels}


# -- the German sentences -------------------------------------------------------------------

GERMAN: dict[str, str] = {
    # whole columns
    "confirmed in dsr.yaml": "in dsr.yaml bestätigt",
    "no name or value evidence of personal data": (
        "weder Spaltenname noch Werte deuten auf personenbezogene Daten"
    ),
    "binary values that are no images": "Binärwerte, die keine Bilder sind",
    # the connector
    "connector: marks it as {kind} column": "Schnittstelle: als {kind} gekennzeichnet",
    # names
    "name: '{term}' ({label})": "Spaltenname: „{term}“ ({label})",
    "{named} as a yes/no flag": "{named} als Ja/Nein-Merkmal",
    "name: a company's name, not a person's": (
        "Spaltenname: der Name einer Firma, nicht einer Person"
    ),
    "name: an IP address; values: {n} binary values of 4 or 16 bytes "
    "(IPv4 and IPv6 addresses as stored)": (
        "Spaltenname: eine IP-Adresse; Werte: {n} Binärwerte zu 4 oder 16 Byte "
        "(gespeicherte IPv4- und IPv6-Adressen)"
    ),
    "name: the number in a table of bank accounts (an account number)": (
        "Spaltenname: die Nummer in einer Tabelle von Bankkonten (eine Kontonummer)"
    ),
    "name: a reference of the person in '{table}'": (
        "Spaltenname: ein Zeichen oder eine Nummer der Person in „{table}“"
    ),
    "name: a key to something other than a person": (
        "Spaltenname: ein Schlüssel auf etwas anderes als eine Person"
    ),
    "name: '{column}' names a person's key": (
        "Spaltenname: „{column}“ bezeichnet den Schlüssel einer Person"
    ),
    "name: a region or country standing alone, no address beside it": (
        "Spaltenname: eine Region oder ein Land für sich, ohne Anschrift daneben"
    ),
    "name: '{qualifier}' names a thing, not a person": (
        "Spaltenname: „{qualifier}“ bezeichnet eine Sache, keine Person"
    ),
    "name: '{qualifier}' names a thing; its address is no person's": (
        "Spaltenname: „{qualifier}“ bezeichnet eine Sache; die Anschrift gehört keiner Person"
    ),
    "name: a web address of '{qualifier}', not a person's own page": (
        "Spaltenname: eine Internetadresse von „{qualifier}“, keine eigene Seite einer Person"
    ),
    "name: a URL in rows that are no persons: a page, not a person's own site": (
        "Spaltenname: eine Internetadresse in Zeilen, die keine Personen sind: eine Seite, "
        "keine eigene Seite einer Person"
    ),
    "name: data of the referring page, not of the visitor": (
        "Spaltenname: Angaben der verweisenden Seite, nicht des Besuchers"
    ),
    "name: '{term}' is only part of the name": "Spaltenname: „{term}“ ist nur ein Teil des Namens",
    # keys
    "key: points to person table '{table}'": (
        "Schlüssel: verweist auf die Personentabelle „{table}“"
    ),
    "key: points to person table '{table}' (by its name)": (
        "Schlüssel: verweist auf die Personentabelle „{table}“ (nach dem Spaltennamen)"
    ),
    "key: a person's manager or colleague": (
        "Schlüssel: die Vorgesetzte, der Vorgesetzte oder ein Kollege einer Person"
    ),
    "key: points to company table '{table}'": "Schlüssel: verweist auf die Firmentabelle „{table}“",
    "key: points to table '{table}', which holds no persons": (
        "Schlüssel: verweist auf die Tabelle „{table}“, die keine Personen enthält"
    ),
    "key: the primary key of person table '{table}'": (
        "Schlüssel: der Primärschlüssel der Personentabelle „{table}“"
    ),
    "key: the random key of '{table}', whose rows are sessions or credentials": (
        "Schlüssel: der Zufallsschlüssel von „{table}“, deren Zeilen Sitzungen oder "
        "Zugangsdaten sind"
    ),
    "key: the primary key of '{table}', whose rows are no persons": (
        "Schlüssel: der Primärschlüssel von „{table}“, deren Zeilen keine Personen sind"
    ),
    "key: identifies a company in '{table}'": "Schlüssel: kennzeichnet eine Firma in „{table}“",
    "key: the id of a row of person table '{table}'": (
        "Schlüssel: die Kennung einer Zeile der Personentabelle „{table}“"
    ),
    "key: an id of '{table}', whose rows are no persons": (
        "Schlüssel: eine Kennung von „{table}“, deren Zeilen keine Personen sind"
    ),
    # values
    "values: {n} of {total} sampled pass {check}": (
        "Werte: {n} von {total} Stichproben bestehen {check}"
    ),
    "{values}; the name is not borne out": "{values}; der Spaltenname bestätigt sich nicht",
    "{values}; all {n} are one and the same, a shared company address or line": (
        "{values}; alle {n} sind gleich, eine gemeinsame Adresse oder Nummer der Firma"
    ),
    "{values}; no name or person context confirms it": (
        "{values}; weder Spaltenname noch Personenbezug der Tabelle bestätigen es"
    ),
    "values: the table could not be sampled; name only": (
        "Werte: die Tabelle ließ sich nicht lesen; nur nach dem Spaltennamen"
    ),
    "values: sampled texts hold {n} user names of the source's users": (
        "Werte: die Stichproben enthalten {n} Benutzernamen der Benutzer dieser Quelle"
    ),
    "values: {n} e-mail addresses inside the sampled texts": (
        "Werte: {n} E-Mail-Adressen in den geprüften Texten"
    ),
    "values: numbers only, no text the name speaks of (a key or a code)": (
        "Werte: nur Zahlen, kein Text, wie der Spaltenname ihn erwarten lässt "
        "(ein Schlüssel oder ein Code)"
    ),
    "values: yes/no flags": "Werte: Ja/Nein-Merkmale",
    "values: {n} sampled are JSON or PHP structures holding no personal field": (
        "Werte: {n} Stichproben sind JSON- oder PHP-Strukturen ohne personenbezogenes Feld"
    ),
    "values: {n} of {total} sampled JSON or PHP structures hold personal fields": (
        "Werte: {n} von {total} Stichproben (JSON- oder PHP-Strukturen) enthalten "
        "personenbezogene Felder"
    ),
    "values: a key/value table ('{column}'); its sampled rows hold no personal data": (
        "Werte: eine Schlüssel-Wert-Tabelle („{column}“); ihre Stichproben enthalten "
        "keine personenbezogenen Daten"
    ),
    "values: a key/value table ('{column}'); {n} sampled rows hold personal data "
    "under their keys": (
        "Werte: eine Schlüssel-Wert-Tabelle („{column}“); {n} Stichproben enthalten unter "
        "ihren Schlüsseln personenbezogene Daten"
    ),
    "values: {n} binary ids of {size} bytes (visitor, device or session ids)": (
        "Werte: {n} binäre Kennungen zu {size} Byte (Kennungen von Besuchern, Geräten oder "
        "Sitzungen)"
    ),
    "values: only 0 and 1, a switch rather than a person's key": (
        "Werte: nur 0 und 1, eher ein Schalter als der Schlüssel einer Person"
    ),
    "values: all {n} sampled are role mailboxes (info@, support@), no person's address": (
        "Werte: alle {n} Stichproben sind Funktionspostfächer (info@, support@), keine "
        "Adresse einer Person"
    ),
    "values: {n} sampled are a few fixed texts (a choice list)": (
        "Werte: {n} Stichproben sind wenige feste Texte (eine Auswahlliste)"
    ),
    "values: {n} sampled are {distinct} texts, repeated": (
        "Werte: {n} Stichproben bestehen aus nur {distinct} sich wiederholenden Texten"
    ),
    "values: {n} sampled are texts of {templates} templates with numbers in them": (
        "Werte: {n} Stichproben sind Texte aus {templates} Vorlagen mit eingesetzten Zahlen"
    ),
    "values: too few to tell; read as a title of courtesy": (
        "Werte: zu wenige für eine Entscheidung; als Anrede oder akademischer Titel gelesen"
    ),
    "values: not salutations; read as job titles": (
        "Werte: keine Anreden; als Berufsbezeichnungen gelesen"
    ),
    "values: bank identifier codes": "Werte: BIC-Codes (internationale Bankleitzahlen)",
    "values: all {n} sampled are one and the same; a shared company address or line": (
        "Werte: alle {n} Stichproben sind gleich; eine gemeinsame Adresse oder Nummer der Firma"
    ),
    "values: all {n} sampled are one and the same; a shared company address": (
        "Werte: alle {n} Stichproben sind gleich; eine gemeinsame Adresse der Firma"
    ),
    "values: {n} sampled are short labels that name nobody": (
        "Werte: {n} Stichproben sind kurze Bezeichnungen, die niemanden nennen"
    ),
    "values: all {n} sampled are street addresses with a postcode": (
        "Werte: alle {n} Stichproben sind Straßenanschriften mit Postleitzahl"
    ),
    "values: {n} of {total} sampled are street addresses with a postcode": (
        "Werte: {n} von {total} Stichproben sind Straßenanschriften mit Postleitzahl"
    ),
    "values: {n} of {total} sampled texts name a person (a first name and a surname)": (
        "Werte: {n} von {total} geprüften Texten nennen eine Person (Vor- und Nachname)"
    ),
    # free text
    "text: {n} of {total} sampled texts contain {what}": (
        "Freitext: {n} von {total} geprüften Texten enthalten {what}"
    ),
    "text: {n} of {total} sampled texts mention {what} terms": (
        "Freitext: {n} von {total} geprüften Texten erwähnen Begriffe aus dem Bereich {what}"
    ),
    # tables
    "table: '{table}' holds persons": "Tabelle: „{table}“ enthält Personen",
    "table: '{table}' holds no persons": "Tabelle: „{table}“ enthält keine Personen",
    "table: '{table}' holds no persons; pictures of things": (
        "Tabelle: „{table}“ enthält keine Personen; Bilder von Dingen"
    ),
    "table: '{table}' holds companies": "Tabelle: „{table}“ enthält Firmen",
    "table: '{table}' holds companies (a company-name column)": (
        "Tabelle: „{table}“ enthält Firmen (eine Spalte mit Firmennamen)"
    ),
    "table: '{table}' holds companies; a company's own data": (
        "Tabelle: „{table}“ enthält Firmen; eigene Angaben einer Firma"
    ),
    "table: '{table}' holds addresses": "Tabelle: „{table}“ enthält Anschriften",
    "table: '{table}' points to persons, but this is no personal field": (
        "Tabelle: „{table}“ verweist auf Personen, aber dieses Feld ist nicht personenbezogen"
    ),
    "table: '{table}' points to persons; too few values": (
        "Tabelle: „{table}“ verweist auf Personen; zu wenige Werte"
    ),
    "table: '{table}' is addressed to a company customer; a company's data": (
        "Tabelle: „{table}“ ist an einen Firmenkunden gerichtet; Angaben einer Firma"
    ),
    "table: '{table}' holds staff; notes about them": (
        "Tabelle: „{table}“ enthält Beschäftigte; Notizen über sie"
    ),
    "table: '{table}' holds texts its users wrote; long texts may name people": (
        "Tabelle: „{table}“ enthält Texte ihrer Benutzer; längere Texte können Personen nennen"
    ),
    "table: '{table}' holds departments (its e-mail addresses are role mailboxes)": (
        "Tabelle: „{table}“ enthält Abteilungen (ihre E-Mail-Adressen sind Funktionspostfächer)"
    ),
    "table: '{table}' holds persons (its name)": (
        "Tabelle: „{table}“ enthält Personen (nach ihrem Namen)"
    ),
    "table: '{table}' holds persons (columns {columns})": (
        "Tabelle: „{table}“ enthält Personen (Spalten {columns})"
    ),
    "table: '{table}' holds persons (names, addresses and contact details, "
    "and {n} tables point to it)": (
        "Tabelle: „{table}“ enthält Personen (Namen, Anschriften und Kontaktdaten, und {n} "
        "Tabellen verweisen auf sie)"
    ),
    "table: '{table}' holds addresses of persons (a key to '{target}')": (
        "Tabelle: „{table}“ enthält Anschriften von Personen (ein Schlüssel auf „{target}“)"
    ),
    "table: '{table}' holds addresses of persons (reached from '{target}')": (
        "Tabelle: „{table}“ enthält Anschriften von Personen (erreicht von „{target}“ aus)"
    ),
    "table: '{table}' holds addresses of persons (its name and columns)": (
        "Tabelle: „{table}“ enthält Anschriften von Personen (nach Namen und Spalten)"
    ),
    "table: '{table}' copies personal data of the person it points to "
    "(a key to person table '{target}')": (
        "Tabelle: „{table}“ kopiert personenbezogene Daten der Person, auf die sie verweist "
        "(ein Schlüssel auf die Personentabelle „{target}“)"
    ),
    "table: '{table}' copies personal data of the person it points to "
    "(column '{column}' names a person's key)": (
        "Tabelle: „{table}“ kopiert personenbezogene Daten der Person, auf die sie verweist "
        "(die Spalte „{column}“ bezeichnet den Schlüssel einer Person)"
    ),
    "table: '{table}' points to persons (a key to person table '{target}')": (
        "Tabelle: „{table}“ verweist auf Personen (ein Schlüssel auf die Personentabelle "
        "„{target}“)"
    ),
    "table: '{table}' points to persons (column '{column}' names a person's key)": (
        "Tabelle: „{table}“ verweist auf Personen (die Spalte „{column}“ bezeichnet den "
        "Schlüssel einer Person)"
    ),
    "table: '{table}' copies recipient data (a key to '{target}')": (
        "Tabelle: „{table}“ kopiert Empfängerdaten (ein Schlüssel auf „{target}“)"
    ),
    "table: '{table}' is a document with recipient data": (
        "Tabelle: „{table}“ ist ein Beleg mit Empfängerdaten"
    ),
    "table: '{table}' names persons by their e-mail address ('{column}')": (
        "Tabelle: „{table}“ nennt Personen über ihre E-Mail-Adresse („{column}“)"
    ),
    "table: '{table}' names the staff who wrote its rows": (
        "Tabelle: „{table}“ nennt die Beschäftigten, die ihre Zeilen geschrieben haben"
    ),
    "table: '{table}' is about the rows of '{base}', which point to persons": (
        "Tabelle: „{table}“ gehört zu den Zeilen von „{base}“, die auf Personen verweisen"
    ),
}
"""Each template's German sentence: the same parameters, names quoted „…“ as German does."""
