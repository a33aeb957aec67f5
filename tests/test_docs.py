"""Meta-tests that keep templates and docs honest as the project grows.

German and English templates must hold the same files with the same
variables, so a letter never exists in one language only or silently lacks a
fact in the other; every source type must be documented and listed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import meta

from dsr.connectors import BUILTIN, list_connectors
from dsr.render.templates import environment, packaged_templates

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("de", "en")


def _names(language: str) -> set[str]:
    folder = packaged_templates() / language
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_both_languages_hold_the_same_templates() -> None:
    de, en = (_names(lang) for lang in LANGUAGES)
    assert de == en, f"only German: {sorted(de - en)}; only English: {sorted(en - de)}"
    assert de, "no language templates found"


@pytest.mark.parametrize("name", sorted(_names("de")))
def test_both_languages_use_the_same_variables(name: str) -> None:
    env = environment()
    used = {}
    for language in LANGUAGES:
        source = (packaged_templates() / language / name).read_text(encoding="utf-8")
        used[language] = meta.find_undeclared_variables(env.parse(source))
    assert used["de"] == used["en"], name


def test_every_source_type_is_documented_and_listed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = {info.name for info in list_connectors()}
    for name in BUILTIN:
        assert f"`{name}`" in readme, f"README does not mention source type {name}"
        assert name in listed
