"""The documents' wording: every message of every template is translated in both catalogues,
and every document renders in both languages without English left in the German one.

Documents are written once (templates/<document>.md.j2) with their wording marked for
translation; the catalogues are templates/locale/{de,en}/LC_MESSAGES/messages.po
(scripts/messages refreshes them). A message a template uses but a catalogue lacks, or
holds empty or fuzzy, would print the English msgid in a German letter: this fails first.
"""

from __future__ import annotations

import re
from configparser import RawConfigParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from dsr.render.templates import (
    catalogue_path,
    html_from_markdown,
    packaged_templates,
    render,
    render_document,
)
from dsr.requests.deadline_names import long_date
from tests.helpers import dsr

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """babel.cfg, the mapping scripts/messages extracts with."""
    parser = RawConfigParser()
    parser.read(ROOT / "babel.cfg", encoding="utf-8")
    methods, options = [], {}
    for section in parser.sections():
        method, pattern = (part.strip() for part in section.split(":", 1))
        methods.append((pattern, method))
        options[pattern] = dict(parser.items(section))
    return methods, options


def _extracted() -> dict[tuple[str, str | None], list[str]]:
    """(msgid, context) → where each message is used, from every template."""
    methods, options = _mapping()
    found: dict[tuple[str, str | None], list[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(packaged_templates()), methods, options
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((msgid, context), []).append(f"{filename}:{lineno}")
    return found


def _catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as po:
        return read_po(po, locale=language)


def test_the_templates_hold_messages_to_check() -> None:
    messages = _extracted()
    assert len(messages) > 100, "babel.cfg finds (almost) no messages: check its pattern"
    assert ("Kind regards", "closing of a letter") in messages
    assert ("Received", "report column") in messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated(language: str) -> None:
    catalogue = _catalogue(language)
    problems = []
    for (msgid, context), where in sorted(_extracted().items(), key=lambda i: i[0][0]):
        message = catalogue.get(msgid, context=context)
        strings = (
            ()
            if message is None
            else (message.string if isinstance(message.string, tuple) else (message.string,))
        )
        if message is None:
            problems.append(f"missing: {msgid!r} ({where[0]})")
        elif message.fuzzy or not all(strings):
            problems.append(f"{'fuzzy' if message.fuzzy else 'untranslated'}: {msgid!r}")
        else:
            wanted = set(PLACEHOLDER.findall(msgid))
            for text in strings:
                if set(PLACEHOLDER.findall(text)) - wanted - {"num"}:
                    problems.append(f"placeholders differ: {msgid!r} → {text!r}")
    assert not problems, (
        f"{language}: run ./scripts/messages and translate in {catalogue_path(language)}:\n"
        + "\n".join(problems)
    )


def test_english_msgids_are_the_english_wording() -> None:
    catalogue = _catalogue("en")
    different = [m.id for m in catalogue if m.id and isinstance(m.id, str) and m.string != m.id]
    assert not different, different


# --- every document in both languages ------------------------------------------------------


def _bundle() -> dict[str, Any]:
    plan = {
        "id": 1,
        "status": "executed",
        "created_at": "2026-03-06T09:00:00",
        "plan_hash": "9f" * 32,
        "hash_matches": False,
        "retention_ended": True,
        "kept_until": "2027-12-31",
        "failed_sources": ["crm"],
        "summary": {"shop.customers": {"delete": 1, "keep": 2}},
        "counts_before": {"shop.customers": 3},
        "counts_after": {"shop.customers": 2},
        "verification": {"event": 5, "action": "erasure.residue", "residue": 2},
    }
    return {
        "generated_at": "2026-03-20T10:00:00",
        "controller": {"name": "Beispiel <GmbH>", "address": "Weg 1, 70173 Stuttgart"},
        "request": {
            "id": "2026-0001", "type": "erasure", "status": "closed", "outcome": "partial",
            "received": "2026-03-05", "due": "2026-04-07", "extended_until": "2026-06-05",
            "paused_days": 1, "closed_at": "2026-03-20", "identifier_kinds": ["email"],
        },
        "audit_chain": {"intact": True, "events": 7, "head_event": 7, "head_hash": "ab" * 32},
        "events": [{"id": 1, "at": "2026-03-05T10:00:00", "actor": "dpo",
                    "action": "request.created", "details": {"note": "a|b"},
                    "hash": "h1", "prev_hash": "h0"}],
        "plans": [plan],
        "processor_tasks": [{"plan": 1, "source": "stripe", "vendor": "Stripe",
                             "rows": {"customers": 1}, "due": "2026-04-01", "status": "open"}],
        "recipient_tasks": [{"plan": 1, "recipient": "DHL", "sources": ["shop"],
                             "due": "2026-04-01", "status": "not_possible", "on": "2026-03-20",
                             "reason": "Kanzlei aufgelöst"}],
        "documents": [{"kind": "erasure_confirmation_md", "file": "a.md", "sha256": "cd" * 32,
                       "created_at": "2026-03-20", "file_unchanged": False}],
    }  # fmt: skip


def _letter(request_type: str, language: str) -> dict[str, Any]:
    from datetime import date

    return {
        "request_id": "2026-0001", "request_type": request_type, "person_name": "Anna Schmidt",
        "received": long_date(date(2026, 3, 5), language),
        "letter_date": long_date(date(2026, 3, 20), language),
        "controller_name": "Beispiel GmbH", "controller_address": "Weg 1",
        "controller_email": "info@example.com", "dpo_name": None, "dpo_email": "dsb@example.com",
        "dpo_phone": None, "due": long_date(date(2026, 6, 5), language),
        "reason": "…", "authority": "LfDI BW",
    }  # fmt: skip


def _access_letter(language: str) -> dict[str, Any]:
    """An access letter's context (dsr.access.letter.letter_context): a draft, one wide
    table (a record card each row) and one narrow, one redaction, two mentions."""
    from datetime import date

    day = long_date(date(2026, 3, 5), language)
    wide = ["Kundennummer", "Vorname", "Nachname", "E-Mail-Adresse", "Geburtsdatum"]
    return {
        "request_id": "2026-0001", "person_name": "Anna Schmidt",
        "controller": {"name": "Beispiel GmbH", "address": "Weg 1", "email": "info@example.com",
                       "phone": None, "website": None},
        "dpo": {"name": None, "email": "dsb@example.com", "phone": None},
        "greeting": "Guten Tag Anna Schmidt,", "found": True, "received": day,
        "answered": day, "due": day, "extended_until": None, "extension_reason": None,
        "paused_days": 1,
        "purposes": [{"system": "Shop", "purpose": None, "legal_basis": "Art. 6(1)(b)"}],
        "categories": ["Kontaktdaten"], "recipients": [], "recipients_unknown": [],
        "storage": [{"system": "Shop: invoices", "with": None, "rules": [
            {"years": 1, "basis": "§ 147 AO", "until": "31.12.2027"}]},
            {"system": "Shop: orders", "with": "invoices", "until": "31.12.2027",
             "rules": [], "period": None}],
        "authority": None, "automated": False, "transfers": False,
        "draft": True, "missing": ["sources.shop.purpose"],
        "origins": [], "mentions": 2, "redactions": 1, "technical_left_out": True,
        "data": [{"source": "Shop", "tables": [
            {"table": "customers", "labels": wide, "mentions": 0,
             "rows": [["K-1", "Anna", "Schmidt", "anna@example.com", "01.02.1980"]]},
            {"table": "orders", "labels": ["Nr", "Betrag"], "mentions": 0,
             "rows": [["B-1", "9.90"], ["B-2", "a | b"]]}]}],
        "data_file": "daten-2026-0001.zip",
    }  # fmt: skip


def _erasure_confirmation(language: str) -> dict[str, Any]:
    """An erasure confirmation's context (dsr.erasure.letter.confirmation_context): a draft
    answered on the 1st (a German date that must not become a Markdown list), every
    section once, counts of one and of several."""
    from datetime import date

    day = long_date(date(2026, 3, 1), language)
    systems = ["Shop"]
    return {
        "request_id": "2026-0001", "person_name": "Anna Schmidt",
        "greeting": "Guten Tag Anna Schmidt,", "authority": "LfDI BW",
        "controller": {"name": "Beispiel GmbH", "address": "Weg 1", "email": "info@example.com",
                       "phone": None, "website": None},
        "dpo": {"name": None, "email": "dsb@example.com", "phone": None},
        "received": day, "answered": day, "outcome": "partial",
        "erased": [{"system": "Shop", "table": "orders", "deleted": 2, "categories": []}],
        "changed": [{"system": "Shop", "table": "customers", "rows": 1, "removed": ["E-Mail"],
                     "year": True, "region": False, "linked": ["identity", "address"],
                     "pseudonymised": True, "documents": ["invoices"]}],
        "redacted": [{"system": "Shop", "table": "notes", "rows": 2,
                      "kinds": ["name", "email", "street"]}],
        "kept": [{"system": "Shop", "table": "invoices", "years": 8, "basis": "§ 147 AO",
                  "documents": [{"name": "RE-1", "year": 2019, "until": "31.12.2027"}],
                  "with": [{"table": "lines", "count": 1, "names": []}], "belongs": False}],
        "tasks": [{"name": "Stripe", "system": "Payments", "status": "open", "due": day}],
        "processors": [],
        "recipients": {
            "told": [{"name": "DHL", "systems": systems, "on": day, "due": day,
                      "reason": None, "late": False}],
            "pending": [{"name": "Bank", "systems": systems, "on": None, "due": day,
                         "reason": None, "late": True}],
            "not_possible": []},
        "draft": True, "missing": ["sources.shop.recipients"],
    }  # fmt: skip


def _untranslated_in(text: str, language: str) -> list[str]:
    """English msgids (long enough to be sentences) that appear in a German document."""
    if language != "de":
        return []
    german = _catalogue("de")
    left = []
    for message in german:
        if not isinstance(message.id, str) or len(message.id) < 25 or "%(" in message.id:
            continue
        if message.id != message.string and message.id in text:
            left.append(message.id)
    return left


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_document_renders_in_both_languages(language: str) -> None:
    rendered: dict[str, str] = {}
    for kind in ("request_extension", "request_rejection"):
        rendered[kind] = render(f"{kind}.md.j2", _letter("erasure", language), language=language)
    context = {"bundle": _bundle(), "language": language}
    for fmt in ("md", "html"):
        rendered[f"evidence.{fmt}"] = render_document(
            "erasure_evidence", context, language=language, fmt=fmt
        )
        rendered[f"access.{fmt}"] = render_document(
            "access_letter", _access_letter(language), language=language, fmt=fmt
        )
        rendered[f"erasure.{fmt}"] = render_document(
            "erasure_confirmation", _erasure_confirmation(language), language=language, fmt=fmt
        )
    for name, text in rendered.items():
        assert "{{" not in text and "{%" not in text, name
        assert not _untranslated_in(text, language), (name, _untranslated_in(text, language))
    wording = {
        "de": ["Ihre Anfrage (Löschung) vom 5. März 2026", "Guten Tag Anna Schmidt,",
               "Die Kette ist unverändert", "1 Tag Identitätsprüfung", "2 Reste gefunden",
               "ENTWURF – nicht versenden.", "Die Frist ruhte einen Tag,",
               "1 Jahr ab Ende des Kalenderjahres (§ 147 AO), die neuesten bis 31.12.2027",
               "Shop: orders: so lange wie die zugehörigen invoices, die neuesten bis 31.12.2027.",
               "2 Textstellen stammen", "An einer Stelle haben wir", "Mit freundlichen Grüßen",
               "die für den Datenschutz zuständige Person bei uns (dsb@example.com)"],
        "en": ["Your request (erasure) of 5 March 2026", "Hello Anna Schmidt,",
               "The chain is unchanged", "1 day of identity check", "2 leftovers found",
               "DRAFT – do not send.", "The deadline was paused for one day",
               "1 year from the end of the calendar year (§ 147 AO), the newest until 31.12.2027",
               "Shop: orders: as long as the invoices they belong to, the newest until 31.12.2027.",
               "2 passages come", "In one place we blacked out", "Kind regards",
               "or to our data protection officer (dsb@example.com)"],
    }[language]  # fmt: skip
    everything = "\n".join(rendered.values())
    for sentence in wording:
        assert sentence in everything, sentence
    html = rendered["evidence.html"]
    assert f'<html lang="{language}">' in html and "<table>" in html and "@page" in html
    assert "Beispiel &lt;GmbH&gt;" in html and "<GmbH>" not in html  # values are text
    # The access letter's page: the draft framed (body.access_letter > blockquote), the wide
    # table one record card per row (cells aligned ":--"), the narrow one a grid.
    access = rendered["access.html"]
    assert '<body class="access_letter">' in access and "body.access_letter" in access
    assert "<blockquote>\n<p><strong>" in access
    assert '<th style="text-align:left">Kundennummer</th>' in access
    assert '<td style="text-align:left">Geburtsdatum</td>' in access
    assert "<th>Nr</th>" in access and "<td>a | b</td>" in access
    # The erasure confirmation: real plurals, lists joined in words, the draft framed, and
    # the letter's date (on the 1st) a line of the letter, not a numbered Markdown list.
    erasure_md, erasure_html = rendered["erasure.md"], rendered["erasure.html"]
    expected = {
        "de": ["- Shop: orders: 2 Einträge gelöscht",
               "- Shop: customers (1 Eintrag): E-Mail entfernt; vom Geburtsdatum bleibt nur das "
               "Jahr. Der Eintrag ist damit pseudonymisiert, nicht anonym: Ihre invoices, die wir "
               "aufbewahren müssen, verweisen auf ihn und enthalten Ihren Namen und Ihre "
               "Anschrift.",
               "In 2 Einträgen zu anderen Personen wurden Sie erwähnt. Dort haben wir Ihren "
               "Namen, Ihre E-Mail-Adresse und Ihre Anschrift entfernt; der Rest der Einträge "
               "gehört den anderen Personen und bleibt.",
               "- **Ihre invoices**: RE-1 (2019) bis 31.12.2027. invoices müssen wir nach dem "
               "Gesetz 8 Jahre aufbewahren, gezählt ab dem Ende des Jahres, in dem sie "
               "entstanden sind (§ 147 AO). Die zugehörigen lines (1 Eintrag) bewahren wir "
               "ebenso lange auf.",
               "- Stripe – Payments: noch nicht gelöscht; wir sorgen dafür bis zum 1. März 2026",
               "- DHL (Daten aus: Shop): am 1. März 2026", "- Bank (Daten aus: Shop): so bald wie",
               "Zuständig für uns ist: LfDI BW.",
               "oder an die für den Datenschutz zuständige Person bei uns (dsb@example.com). "
               "Bitte nennen Sie dabei den Vorgang 2026-0001.", "Mit freundlichen Grüßen"],
        "en": ["- Shop: orders: 2 records deleted",
               "- Shop: customers (1 record): E-Mail removed; of the date of birth only the year "
               "is left. The record is therefore pseudonymised, not anonymous: your invoices, "
               "which we must keep, refer to it and contain your name and your address.",
               "2 records about other people mentioned you. We removed your name, your e-mail "
               "address and your address from them; the rest belongs to the other people and "
               "stays.",
               "- **Your invoices**: RE-1 (2019) until 31.12.2027. The law requires us to keep "
               "invoices for 8 years, counted from the end of the year in which they arose "
               "(§ 147 AO). We keep the lines that belong to them (1 record) for as long.",
               "- Stripe – Payments: not erased yet; we will see to it by 1 March 2026",
               "- DHL (data from: Shop): on 1 March 2026", "- Bank (data from: Shop): as soon as",
               "The authority for us is: LfDI BW.", "or to our data protection officer "
               "dsb@example.com. Please quote reference 2026-0001.", "Kind regards"],
    }[language]  # fmt: skip
    for sentence in expected:
        in_html = sentence.split("**")[-1].removeprefix("- ")  # the HTML without Markdown
        assert sentence in erasure_md and in_html in erasure_html, sentence
    assert '<body class="erasure_confirmation">' in erasure_html
    assert "body.erasure_confirmation" in erasure_html
    assert "<blockquote>\n<p><strong>" in erasure_html and "<ol" not in erasure_html
    dated = "<p>1.\u00a0März 2026</p>" if language == "de" else "<p>1 March 2026</p>"
    assert dated in erasure_html


def test_markdown_is_text_never_markup() -> None:
    page = html_from_markdown(
        "# Title <i>x</i>\n\nA <script>alert(1)</script> value\nnext line\n",
        language="de", document="test",
    )  # fmt: skip
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<title>Title &lt;i&gt;x&lt;/i&gt;</title>" in page or "<title>Title" in page
    assert "value<br />\nnext line" in page  # a line of a letter stays a line


# --- through the CLI: a user's own template overrides a document ---------------------------


def test_a_users_template_overrides_a_document(demo: Path) -> None:
    """The new form (templates/request_extension.md.j2) and the older per-language form
    (templates/en/request_extension.md.j2) both win over dsr's own; the user's template
    may use the catalogue's wording too."""
    own = demo / "my-templates"
    (own / "en").mkdir(parents=True)
    (own / "request_extension.md.j2").write_text(
        "MINE {{ request_id }} {{ pgettext('closing of a letter', 'Kind regards') }}\n",
        encoding="utf-8",
    )
    (own / "en" / "request_extension.md.j2").write_text("OLD FORM {{ due }}\n", encoding="utf-8")
    config = demo / "dsr.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "\ntemplates: my-templates\n", encoding="utf-8"
    )
    for args in (["--email", "a@example.com"], ["--email", "b@example.com", "--language", "en"]):
        dsr(demo, "request", "new", "--type", "access", "--received", "2026-03-05", *args)
    german = dsr(demo, "request", "extend", "2026-0001", "--reason", "viele Systeme",
                 "--at", "2026-03-20", "--json").json  # fmt: skip
    written = Path(german["letter"]["path"]).read_text("utf-8")
    assert written == "MINE 2026-0001 Mit freundlichen Grüßen\n"
    english = dsr(demo, "request", "extend", "2026-0002", "--reason", "many systems",
                  "--at", "2026-03-20", "--json").json  # fmt: skip
    assert Path(english["letter"]["path"]).read_text("utf-8").startswith("MINE 2026-0002")
    (own / "request_extension.md.j2").unlink()
    dsr(demo, "request", "new", "--type", "access", "--received", "2026-03-05",
        "--email", "c@example.com", "--language", "en")  # fmt: skip
    older = dsr(demo, "request", "extend", "2026-0003", "--reason", "many systems",
                "--at", "2026-03-20", "--json").json  # fmt: skip
    assert Path(older["letter"]["path"]).read_text("utf-8") == "OLD FORM 5 June 2026\n"
