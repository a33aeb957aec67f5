"""The erasure confirmation in German and English, as Markdown, HTML and PDF.

Through ``verify_erasure`` for the real path (a partial erasure with a kept
invoice), and through ``confirmation_context`` + the templates for the answers
that need other plans: everything erased, a refusal (everything kept), nothing
found. Each "no" must carry its reason, the legal basis, the end date, and the
rights to complain and to go to court (Art. 12(4)).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from dsr.config.load import load_config
from dsr.erasure.letter import (
    LetterFacts,
    LetterTask,
    confirmation_context,
    file_stem,
    outcome_of,
    table_label,
)
from dsr.erasure.model import ErasurePlan, PlanAction, ProcessorTask
from dsr.render.templates import render_document
from tests.erasure_company import (
    BASIS,
    EMAIL,
    build_company,
    erase_by_hand,
    full_plan,
    new_erasure,
    store_plan,
    verify,
)

TODAY = date(2026, 11, 20)


@pytest.mark.parametrize("language", ["de", "en"])
def test_partial_erasure_letter_in_every_format(company: Path, language: str) -> None:
    rid = new_erasure(company, language=language)
    store_plan(company / "dsr.yaml", full_plan(rid, language=language))
    erase_by_hand(company)

    result = verify(company, rid, formats=("md", "html", "pdf"))

    assert result.residue == [] and result.outcome == "partial"
    folder = company / "answers" / rid
    stem = file_stem(rid, language)
    assert stem == ("loeschbestaetigung-" if language == "de" else "erasure-confirmation-") + rid
    assert sorted(d.path.name for d in result.documents) == sorted(
        f"{stem}.{ext}" for ext in ("md", "html", "pdf")
    )
    assert (folder / f"{stem}.pdf").read_bytes().startswith(b"%PDF")
    md = (folder / f"{stem}.md").read_text(encoding="utf-8")
    html = (folder / f"{stem}.html").read_text(encoding="utf-8")
    for text in (md, html):
        assert EMAIL not in text  # the letter names kinds of data, never the values
        assert "§ 147 Abs. 1 Nr. 4 AO" in text and "8" in text
        assert "LfDI BW" in text and rid in text
    if language == "de":
        assert md.startswith("# Ihre Löschanfrage " + rid)
        assert "**wir haben Ihre Daten gelöscht, bis auf wenige Unterlagen" in md
        # the kept invoice by its own number, its year and its day; the rule in plain words
        assert "- **Ihre Rechnungen**: R-2023-12 (2023) bis 31.12.2031. " in md
        assert (
            "Rechnungen müssen wir nach dem Gesetz 8 Jahre aufbewahren, gezählt ab dem Ende "
            "des Jahres, in dem sie entstanden sind (" + BASIS + ")." in md
        )
        # nothing restricts the kept invoice's use, so the letter does not say "gesperrt"
        assert "gesperrt" not in md and "Wenn die Frist endet, löschen wir sie." in md
        assert "- Online-Shop: Kundenkonto und Kontaktdaten (" in md
        assert "1 Eintrag gelöscht" in md
        assert "- Online-Shop: Rechnungen (1 Eintrag): Kontaktdaten entfernt." in md
        assert "In 1 Eintrag zu anderen Personen wurden Sie erwähnt. Dort haben wir Ihre " \
            "E-Mail-Adresse entfernt" in md
        assert "Stripe Payments Europe, Ltd. – Zahlungen (Stripe-Export): gelöscht" in md
        # Art. 19: the recipient is still to be told; nothing claims it was
        assert "Wir teilen ihnen die Löschung noch mit:\n\n- Steuerberater (Daten aus: " \
            "Online-Shop): bis zum" in md
        assert "haben ihnen die Löschung mitgeteilt" not in md
        assert "vor Gericht" in md and "Art. 12 Abs. 4 DSGVO" in md
        assert "Mit freundlichen Grüßen" in md and "bzw." not in md
        assert '<html lang="de">' in html and "R-2023-12 (2023) bis 31.12.2031" in html
    else:
        assert md.startswith("# Your erasure request " + rid)
        assert "**we have erased your data, except for a few records" in md
        assert "- **Your invoices**: R-2023-12 (2023) until 31 Dec 2031. " in md
        assert (
            "The law requires us to keep invoices for 8 years, counted from the end of the "
            "year in which they arose (" + BASIS + ")." in md
        )
        assert "blocked" not in md and "When the period ends, we erase them." in md
        assert "We have yet to tell them about the erasure:\n\n- Tax adviser (data from: " \
            "Online shop): by" in md
        assert "Steuerberater" not in md and "Online-Shop" not in md  # no German in English
        assert "go to court" in md and "Art. 12(4) GDPR" in md
        assert '<html lang="en">' in html and "R-2023-12 (2023) until 31 Dec 2031" in html


# -- the other answers, rendered from a context ------------------------------------------


def _config(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_config(build_company(tmp_path / "c"), strict=False)


def _facts(language: str) -> LetterFacts:
    return LetterFacts("2026-0042", language, TODAY - timedelta(days=10), TODAY, "Jürgen")


def _keep(table: str, key: int, until: date) -> PlanAction:
    return PlanAction(
        "shop", table, {"id": key}, "keep", ("billing_name",), reason="retention",
        until=until, rule="Rechnungen", basis=BASIS,
    )  # fmt: skip


def _render(config, plan: ErasurePlan, language: str, tasks=()) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    context = confirmation_context(config, _facts(language), plan, list(tasks), {})
    md = render_document("erasure_confirmation", context, language=language, fmt="md")
    html = render_document("erasure_confirmation", context, language=language, fmt="html")
    return md, html


def _plan(*actions: PlanAction, tasks: tuple[ProcessorTask, ...] = ()) -> ErasurePlan:
    return ErasurePlan("2026-0042", TODAY, "de", tuple(actions), processor_tasks=tasks)


@pytest.mark.parametrize("language", ["de", "en"])
def test_refusal_explains_each_kept_record_and_the_remedies(tmp_path: Path, language: str) -> None:
    config = _config(tmp_path)
    plan = _plan(_keep("invoices", 1, date(2030, 12, 31)), _keep("invoices", 2, date(2032, 12, 31)))
    assert outcome_of(plan) == "refused"
    md, html = _render(config, plan, language)
    if language == "de":
        assert "**wir können Ihre Daten noch nicht löschen.**" in md
        # each document with its own end date: the person learns when each record goes
        expected = "**Ihre Rechnungen**: Nr. 1 (2022) bis 31.12.2030, Nr. 2 (2024) bis 31.12.2032."
        assert expected in md
        assert "Aufsichtsbehörde beschweren und Ihr Recht auch vor Gericht" in md
        assert "Was wir gelöscht haben" not in md
    else:
        assert "**we cannot erase your data yet.**" in md
        expected = (
            "**Your invoices**: No. 1 (2022) until 31 Dec 2030, No. 2 (2024) until 31 Dec 2032."
        )
        assert expected in md
        assert "you can also go to court (Art. 12(4) GDPR)" in md
        assert "What we erased" not in md
    assert "2032" in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_complete_erasure_has_no_kept_section(tmp_path: Path, language: str) -> None:
    config = _config(tmp_path)
    task = ProcessorTask("stripe", "Stripe", {"customers": 1}, "...", TODAY + timedelta(days=5))
    plan = _plan(
        PlanAction("shop", "customers", {"id": 12}, "delete", reason="person_row"),
        PlanAction("shop", "orders", {"id": 7}, "anonymise", ("note",), reason="integrity"),
        tasks=(task,),
    )
    assert outcome_of(plan) == "erased"
    tasks = [LetterTask("stripe", "Stripe", "open", task.due)]
    md, _ = _render(config, plan, language, tasks)
    if language == "de":
        assert "**wir haben Ihre Daten gelöscht.**" in md
        assert "aufbewahren müssen" not in md and "vor Gericht" not in md
        assert "Stripe Payments Europe, Ltd. – Zahlungen (Stripe-Export): noch nicht gelöscht; " \
            "wir sorgen dafür bis zum 25. November 2026" in md
        assert "unkenntlich" not in md and "Bestellungen (1 Eintrag)" in md
        assert "Art. 77 DSGVO" in md
    else:
        assert "**we have erased your data.**" in md
        assert "must keep" not in md and "court" not in md
        assert "not erased yet; we will see to it by 25 November 2026" in md
        assert "orders (1 record)" in md


@pytest.mark.parametrize("language", ["de", "en"])
def test_nothing_found_says_so(tmp_path: Path, language: str) -> None:
    config = _config(tmp_path)
    plan = _plan()
    assert outcome_of(plan) == "none"
    md, html = _render(config, plan, language)
    expected = "wir haben keine Daten über Sie gefunden" if language == "de" else "we found no data"
    assert expected in md and expected in html
    assert "Art. 19" not in md


def test_table_labels_are_plain_words() -> None:
    assert table_label("customer_history", "de") == "Änderungsverlauf und Protokolle"
    assert table_label("invoices", "en") == "invoices"
    assert table_label("order_items", "de") == "Bestellpositionen"
    assert table_label("login_sessions", "en") == "logins and sessions"
    assert table_label("catalog", "de") == "„catalog“"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", "**Ihre Bestellungen**: Nr. 7 bis 31.12.2030. Sie gehören zu Unterlagen, die wir "
               "nach dem Gesetz aufbewahren müssen (" + BASIS + "); deshalb bewahren wir sie "
               "ebenso lange auf."),
        ("en", "**Your orders**: No. 7 until 31 Dec 2030. They belong to records the law "
               "requires us to keep (" + BASIS + "), so we keep them for as long."),
    ],
)  # fmt: skip
def test_rows_kept_for_a_kept_document_say_so(tmp_path: Path, language: str, expected: str) -> None:
    config = _config(tmp_path)
    order = PlanAction(
        "shop", "orders", {"id": 7}, "keep", reason="integrity", until=date(2030, 12, 31),
        rule="Rechnungen", basis=BASIS,
    )  # fmt: skip
    plan = _plan(PlanAction("shop", "customers", {"id": 12}, "delete"), order)
    md, html = _render(config, plan, language)
    assert expected in md
    assert re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", expected) in html
