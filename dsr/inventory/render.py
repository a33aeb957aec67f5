"""Write the inventory document as Markdown, HTML, XLSX and JSON files.

Markdown and HTML come from the templates ``inventory.md.j2`` and
``inventory.html.j2``, their wording from ``inventory.labels.j2`` and the language's
message catalogue (a user's ``templates:`` folder overrides them), rendered with the
document's keys as variables. Every file is written
owner-only and atomically: the record names where personal data lives, and the
findings describe it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from babel.numbers import format_percent
from jinja2 import Environment

from dsr.classify.evidence import evidence_text
from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS
from dsr.errors import DsrError, Problem
from dsr.render.templates import environment, load_template
from dsr.render.writers import private_dir, write_private

FORMATS = ("md", "html", "xlsx", "json")


def inventory_environment(language: str, user_dir: Path | None = None) -> Environment:
    """The template environment with the label filters the inventory templates use."""
    env = environment(user_dir, language)
    env.filters["category_label"] = lambda c: CATEGORIES[c](language) if c in CATEGORIES else c
    env.filters["special_label"] = lambda k: SPECIAL_KINDS[k](language) if k in SPECIAL_KINDS else k
    env.filters["evidence"] = lambda e: evidence_text(e, language)
    env.filters["percent"] = lambda v: format_percent(v, locale=language)
    return env


def render_text(
    document: dict[str, Any], fmt: str, user_dir: Path | None = None
) -> str:
    """The Markdown (``md``) or HTML (``html``) rendering of ``document``."""
    language = document["language"]
    name = f"inventory.{fmt}.j2"
    return load_template(inventory_environment(language, user_dir), name).render(**document)


def labels(language: str, user_dir: Path | None = None) -> Any:
    """The wording of ``inventory.labels.j2`` (headings, kinds) in ``language``, for the XLSX."""
    env = inventory_environment(language, user_dir)
    return load_template(env, "inventory.labels.j2").module


def file_name(fmt: str, language: str) -> str:
    return f"inventory-{language}.{fmt}"


def write_inventory(
    document: dict[str, Any],
    folder: Path,
    formats: tuple[str, ...] = FORMATS,
    user_dir: Path | None = None,
) -> list[Path]:
    """Write each format into ``folder`` (created owner-only); the paths written."""
    from dsr.render.inventory_xlsx import workbook_bytes

    private_dir(folder)
    language = document["language"]
    written = []
    for fmt in formats:
        path = folder / file_name(fmt, language)
        if fmt in ("md", "html"):
            write_private(path, render_text(document, fmt, user_dir))
        elif fmt == "json":
            write_private(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
        elif fmt == "xlsx":
            write_private(path, workbook_bytes(document, labels(language, user_dir)))
        else:  # the CLI checks formats first
            raise DsrError(Problem(f"unknown format '{fmt}'", hint=f"use {', '.join(FORMATS)}"))
        written.append(path)
    return written
