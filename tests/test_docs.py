"""Meta-tests that keep templates and docs honest as the project grows.

A document is one template (templates/<document>.j2) whose wording lives in the
message catalogues (tests/test_messages.py checks those); none of dsr's own is
written per language (de/, en/) any more, a form only a user's older override still
uses. Every source type must be documented and listed.
"""

from __future__ import annotations

from pathlib import Path

from dsr.connectors import BUILTIN, list_connectors
from dsr.render.templates import packaged_templates

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "en")


def _names(language: str) -> set[str]:
    folder = packaged_templates() / language
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_every_document_is_written_once() -> None:
    """All of dsr's documents are one template now; a per-language file (de/, en/) would
    be a letter whose wording bypasses the catalogues."""
    de, en = (_names(lang) for lang in LANGUAGES)
    assert not de and not en, f"per-language templates left: {sorted(de | en)}"
    assert len(list(packaged_templates().glob("*.md.j2"))) >= 6, "templates/ lost its documents"


def test_a_document_is_either_one_template_or_one_per_language() -> None:
    one = {p.name for p in packaged_templates().glob("*.j2")}
    both = one & (_names("de") | _names("en"))
    assert not both, f"written once and per language (the per-language file is dead): {both}"


def test_every_source_type_is_documented_and_listed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {info.name for info in list_connectors()}
    for name in BUILTIN:
        assert f"`{name}`" in readme, f"README does not mention source type {name}"
        assert name in listed
