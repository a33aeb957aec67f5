"""What every letter to a person shares: the formats it is written in and who writes it.

The access answer, the erasure confirmation and their templates take the sender
(controller, data-protection officer) from one place, so a change to the
controller's details reads the same in every letter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dsr.classify.names import words
from dsr.config.models import Config
from dsr.errors import DsrError, Problem, UsageError
from dsr.render.templates import render_document

LETTER_FORMATS = ("html", "pdf", "md")


def letter_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """The chosen formats, once each, in the order given; UsageError for an unknown one."""
    chosen = tuple(dict.fromkeys(f.strip().lower() for f in formats if f.strip()))
    wrong = [f for f in chosen if f not in LETTER_FORMATS]
    if wrong or not chosen:
        raise UsageError(
            Problem(
                f"--format: unknown format {', '.join(wrong) or '(none)'}",
                hint="use html, pdf, md, e.g. --format html,pdf",
            )
        )
    return chosen


def letter_files(
    name: str,
    context: Mapping[str, Any],
    *,
    config: Config,
    language: str,
    formats: Sequence[str],
    folder: Path,
    stem: str,
) -> list[tuple[str, Path, bytes]]:
    """The letter ``name`` (``access_letter``, ``erasure_confirmation``) in each chosen
    format, as (document kind, path, bytes): the PDF is printed from the HTML letter."""
    files: list[tuple[str, Path, bytes]] = []
    where: dict[str, Any] = {"language": language, "user_dir": config.templates}
    html = render_document(name, context, fmt="html", **where)
    if "md" in formats:
        text = render_document(name, context, fmt="md", **where)
        files.append((f"{name}_md", folder / f"{stem}.md", text.encode("utf-8")))
    if "html" in formats:
        files.append((f"{name}_html", folder / f"{stem}.html", html.encode("utf-8")))
    if "pdf" in formats:
        files.append((f"{name}_pdf", folder / f"{stem}.pdf", pdf_from_html(html)))
    return files


def pdf_from_html(html: str) -> bytes:
    """Print the HTML letter to PDF with WeasyPrint."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise DsrError(
            Problem(
                "PDF needs WeasyPrint, which is not installed",
                hint="pip install 'weasyprint>=60', or use --format html,md",
            )
        ) from exc
    return bytes(HTML(string=html).write_pdf())


def sender(config: Config) -> dict[str, Any]:
    """The template variables ``controller`` and ``dpo`` (None when no DPO is named)."""
    controller = config.controller
    dpo = controller.dpo
    return {
        "controller": {
            "name": controller.name,
            "address": controller.address,
            "email": controller.email,
            "phone": controller.phone,
            "website": controller.website,
        },
        "dpo": {"name": dpo.name, "email": dpo.email, "phone": dpo.phone} if dpo else None,
    }


_TABLE_WORDS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("history", "audit", "verlauf", "changelog", "protokoll", "_log", "logs"),
     "Änderungsverlauf und Protokolle",
     "change history and logs"),
    (("invoice_line", "invoice_item", "rechnungsposition"), "Rechnungspositionen",
     "invoice lines"),
    (("invoice", "rechnung", "credit_note", "gutschrift"), "Rechnungen", "invoices"),
    (("order_line", "order_item", "orderline", "bestellposition"), "Bestellpositionen",
     "order lines"),
    (("order", "bestellung"), "Bestellungen", "orders"),
    (("address", "adresse", "anschrift"), "Adressen", "addresses"),
    (("session", "login", "sitzung"), "Anmeldungen und Sitzungen", "logins and sessions"),
    (("note", "notiz", "comment", "kommentar"), "Notizen und Kommentare", "notes and comments"),
    (("ticket", "anfrage", "support"), "Anfragen an den Kundenservice",
     "customer service requests"),
    (("newsletter", "subscri", "abonnent", "audience"), "Newsletter", "newsletter"),
    (("signup", "anmeldung", "registration", "event"), "Anmeldungen", "sign-ups"),
    (("payment", "zahlung", "charge"), "Zahlungen", "payments"),
    (("customer", "kunde", "user", "benutzer", "account", "konto", "contact", "kontakt",
      "member", "lead", "people", "person"), "Kundenkonto und Kontaktdaten",
     "customer account and contact details"),
)  # fmt: skip
"""Plain words for the tables people know by what they hold, tried in order (the first
keyword found in the lower-case table name wins); others are shown by their name."""


def table_label(table: str, language: str) -> str:
    """What a table holds, in words a person understands: ``customer_history`` →
    'Änderungsverlauf und Protokolle'; an unknown table keeps its name, quoted."""
    lowered = table.lower().replace("-", "_").replace(" ", "_")
    spelled = "_".join(words(table))  # InvoiceLine → invoice_line
    for keywords, german, english in _TABLE_WORDS:
        if any(word in lowered or word in spelled for word in keywords):
            return german if language == "de" else english
    return f"„{table}“" if language == "de" else f'"{table}"'
