"""The erasure confirmation in German and English, as Markdown, HTML and PDF.

Through ``verify_erasure`` for the real path (a partial erasure with a kept
invoice), and through ``confirmation_context`` + the templates for the answers
that need other plans: everything erased, a refusal (everything kept), nothing
found. Each "no" must carry its reason, the legal basis, the end date, and the
rights to complain and to go to court (Art. 12(4)).
"""

from __future__ import annotations

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
from dsr.render.templates import render
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
        assert (
            "Rechnungen müssen wir nach " + BASIS + " 8 Jahre aufbewahren, "
            "in Ihrem Fall bis zum 31. Dezember 2031." in md
        )
        assert "Wir haben sie gesperrt" in md and "Wenn die Frist endet, löschen wir sie." in md
        assert "- Online-Shop: Kundenkonto und Kontaktdaten (" in md
        assert "1 Eintrag gelöscht" in md and "Ihre Angaben aus 1 Textstelle entfernt" in md
        assert "Stripe Payments Europe, Ltd. – Zahlungen (Stripe-Export): gelöscht" in md
        assert "Steuerberater" in md  # Art. 19: the other recipients
        assert "vor Gericht" in md and "Art. 12 Abs. 4 DSGVO" in md
        assert '<html lang="de">' in html and "bis zum 31. Dezember 2031" in html
    else:
        assert md.startswith("# Your erasure request " + rid)
        assert "**we have erased your data, except for a few records" in md
        assert (
            "The law requires us to keep these records (Rechnungen) under " + BASIS
            + " for 8 years, in your case until 31 December 2031." in md
        )  # fmt: skip
        assert "We have blocked them" in md and "When the period ends, we erase them." in md
        assert "go to court" in md and "Art. 12(4) GDPR" in md
        assert '<html lang="en">' in html and "until 31 December 2031" in html


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
    md = render("erasure_confirmation.md.j2", context, language=language)
    html = render("erasure_confirmation.html.j2", context, language=language)
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
        # each end date on its own line: the person learns when each record goes
        assert md.count("Rechnungen: 1 Eintrag") == 2
        assert md.index("bis zum 31. Dezember 2030") < md.index("bis zum 31. Dezember 2032")
        assert "Aufsichtsbehörde beschweren und Ihr Recht auch vor Gericht" in md
        assert "Was wir gelöscht haben" not in md
    else:
        assert "**we cannot erase your data yet.**" in md
        assert md.count("invoices: 1 record") == 2
        assert "until 31 December 2030" in md and "until 31 December 2032" in md
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
        assert "Bestätigung erwartet bis zum 25. November 2026" in md
        assert "Bestellungen: 1 Eintrag unkenntlich gemacht" in md
        assert "Art. 77 DSGVO" in md
    else:
        assert "**we have erased your data.**" in md
        assert "must keep" not in md and "court" not in md
        assert "confirmation expected by 25 November 2026" in md
        assert "orders: 1 record made anonymous" in md


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
        ("de", "Sie gehören zu Unterlagen, die wir aufbewahren müssen (" + BASIS + "), deshalb "
               "bewahren wir sie ebenso lange auf, bis zum 31. Dezember 2030."),
        ("en", "They belong to records we must keep (" + BASIS + "), so we keep them as long, "
               "until 31 December 2030."),
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
    assert expected in md and expected in html
