"""The classifier's evidence in German and in English (issue 16, "German throughout").

The record shows each column's evidence in its appendix; the German record must not
carry the classifier's English sentences, and the English one no German. Every sentence
is made by ``ev`` from a template with a German version (``dsr.classify.evidence``):
a scan of dsr/classify/ makes sure no sentence is written any other way, so a new
English sentence cannot reach the German record untranslated. The inventory's JSON keeps
the English sentences as plain text; ``evidence_text`` says them in German from the same
templates, and the end-to-end tests read them back from `dsr inventory --format json`.
"""

from __future__ import annotations

import ast
import json
import pickle
import re
import string
from pathlib import Path
from typing import Any

import pytest

from dsr.classify.evidence import GERMAN, Evidence, ev, evidence_text, label
from dsr.classify.names import GERMAN_LABELS as NAME_LABELS
from dsr.classify.names import RULES, split_words
from dsr.classify.values import BIRTHDATE_CHECK, CHECKS, FREE_TEXT_CHECK, run_check
from dsr.classify.values import GERMAN_LABELS as CHECK_LABELS
from tests.apps.world import build_sqlite, write_config
from tests.helpers import run

CLASSIFY = Path(__file__).resolve().parent.parent / "dsr" / "classify"
PREFIXES = ("key: ", "name: ", "values: ", "table: ", "text: ", "connector: ")

ENGLISH = frozenset(
    split_words(
        "the of and or a sampled pass passes check points table tables marks column columns "
        "name names values value key keys person persons primary text texts contain contains "
        "mention terms yes no flag flags number numbers only holds hold which whose rows row "
        "not is are its to by from read switch rather than company data"
    )
)
"""English words that must not stand in a German sentence outside quoted names (case
matters: "Name", "Person" and "Text" are German nouns too)."""
GERMAN_WORDS = frozenset(
    split_words(
        "der die das den dem des und oder nicht keine kein ein eine Spalte Spalten Spaltenname "
        "Tabelle Werte Stichprobe Stichproben Prüfung enthält enthalten verweist Schlüssel "
        "Personen bestehen"
    )
)


def _outside_quotes(text: str) -> str:
    """The sentence without the names it quotes: „…“ in German, '…' in English."""
    text = re.sub(r"„[^“]*“", " ", text)
    return re.sub(r"(?<!\w)'[^']*'(?!\w)", " ", text)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-zÄÖÜäöüß]+", _outside_quotes(text)))


# -- the code: every sentence through ev, every template in German ---------------------------


def _modules() -> list[tuple[Path, ast.Module]]:
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for path in sorted(CLASSIFY.glob("*.py"))
        if path.name != "evidence.py"
    ]


def _is_evidence_target(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "evidence"


def _plain_texts(node: ast.expr) -> list[ast.expr]:
    """Sentences written as text where evidence is built: literals, f-strings, sums."""
    if isinstance(node, ast.List | ast.Tuple):
        return [bad for item in node.elts for bad in _plain_texts(item)]
    if isinstance(node, ast.Starred):
        return _plain_texts(node.value)
    if isinstance(node, ast.JoinedStr | ast.BinOp) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    ):
        return [node]
    return []


def _templates(node: ast.AST) -> list[str | None]:
    """The templates ``ev`` is given: a literal, either literal of a conditional, or a
    variable (whose literals the prefix check below finds); None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _templates(node.body) + _templates(node.orelse)
    return [] if isinstance(node, ast.Name) else [None]


def test_every_evidence_sentence_is_made_by_ev_from_a_translated_template() -> None:
    problems: list[str] = []
    used: set[str] = set()
    for path, tree in _modules():
        where = path.name
        for node in ast.walk(tree):
            built: list[ast.expr] = []
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "append"
                and _is_evidence_target(node.func.value)
            ):
                built = list(node.args)
            elif (isinstance(node, ast.AugAssign) and _is_evidence_target(node.target)) or (
                isinstance(node, ast.keyword) and node.arg == "evidence"
            ):
                built = [node.value]
            for argument in built:
                for bad in _plain_texts(argument):
                    problems.append(f"{where}:{bad.lineno}: evidence written as text, not by ev()")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ev"
            ):
                for template in _templates(node.args[0]):
                    if template is None:
                        problems.append(f"{where}:{node.lineno}: ev() template not literal")
                        continue
                    used.add(template)
                    if template not in GERMAN:
                        problems.append(f"{where}:{node.lineno}: no German: {template!r}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.startswith(PREFIXES)
            ):
                used.add(node.value)
                if node.value not in GERMAN:
                    problems.append(f"{where}:{node.lineno}: no German: {node.value!r}")
            if isinstance(node, ast.JoinedStr):
                head = node.values[0] if node.values else None
                if (
                    isinstance(head, ast.Constant)
                    and isinstance(head.value, str)
                    and head.value.startswith(PREFIXES)
                ):
                    problems.append(f"{where}:{node.lineno}: an evidence f-string, not ev()")
    assert not problems, "\n".join(problems)
    assert set(GERMAN) - used == set(), "German sentences no code makes"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("template", sorted(GERMAN))
def test_german_sentence_keeps_the_parameters_and_quotes_names_in_german(template: str) -> None:
    german = GERMAN[template]
    assert _fields(german) == _fields(template)
    assert "'" not in german, "German quotes names „so“"
    assert not _words(re.sub(r"\{\w+\}", " ", german)) & ENGLISH, german


def test_every_rule_and_check_label_has_a_german_version() -> None:
    assert set(NAME_LABELS) == {rule.key for rule in RULES}
    checks = (*CHECKS, BIRTHDATE_CHECK, FREE_TEXT_CHECK)
    assert set(CHECK_LABELS) == {check.key for check in checks}
    labels = [(r.label, r.local_label) for r in RULES] + [(c.label, c.local_label) for c in checks]
    for english, local in labels:
        assert local == english and local.versions["de"] and local.versions["de"] != english


# -- the function ---------------------------------------------------------------------------


def test_evidence_is_the_english_sentence_and_travels_as_one() -> None:
    said = run_check("email", ["a@example.org", "b@example.org", "kein"]).evidence()
    assert said == "values: 2 of 3 sampled pass the e-mail check"
    assert isinstance(said, Evidence) and isinstance(said, str)
    assert json.loads(json.dumps([said])) == [said]
    back = pickle.loads(pickle.dumps(said))
    assert back == said and evidence_text(back, "de") == evidence_text(said, "de")
    assert evidence_text(said, "en") == said
    assert evidence_text(said, "de") == "Werte: 2 von 3 Stichproben bestehen die E-Mail-Prüfung"


def test_sentences_built_on_sentences_and_labels_are_said_in_german() -> None:
    check = run_check("iban", ["DE00", "x", "y"]).evidence()
    said = ev("{values}; the name is not borne out", values=check)
    assert said == "values: 0 of 3 sampled pass the IBAN check digits; the name is not borne out"
    assert evidence_text(said, "de") == (
        "Werte: 0 von 3 Stichproben bestehen die Prüfung der IBAN-Prüfziffern; "
        "der Spaltenname bestätigt sich nicht"
    )
    street = next(rule for rule in RULES if rule.key == "street")
    named = ev("name: '{term}' ({label})", term="strasse", label=street.local_label)
    assert named == "name: 'strasse' (street or address)"
    assert evidence_text(named, "de") == "Spaltenname: „strasse“ (Straße oder Anschrift)"


def test_plain_text_is_read_back_by_the_templates_and_other_text_is_left_alone() -> None:
    """The JSON of an earlier run holds plain text: the same sentences, said in German."""
    assert evidence_text("key: points to person table 'customers'", "de") == (
        "Schlüssel: verweist auf die Personentabelle „customers“"
    )
    # a table named like a label stays the table's name
    assert (
        evidence_text("table: 'photo' holds persons", "de") == "Tabelle: „photo“ enthält Personen"
    )
    assert evidence_text("table: 'kunden' holds persons (columns vorname, email)", "de") == (
        "Tabelle: „kunden“ enthält Personen (Spalten „vorname“, „email“)"
    )
    assert evidence_text("labelled by hand", "de") == "labelled by hand"
    assert evidence_text(label("x", "y"), "de") == "x"  # a label is no sentence


def test_the_connector_sentence_is_good_english() -> None:
    from dsr.classify.classifier import CONNECTOR_KINDS

    said = ev("connector: marks it as {kind} column", kind=CONNECTOR_KINDS["email"])
    assert said == "connector: marks it as an e-mail column"
    assert evidence_text(said, "de") == "Schnittstelle: als E-Mail-Spalte gekennzeichnet"


# -- end to end: the evidence of `dsr inventory --format json` in both languages ------------


def _inventory(folder: Path) -> list[str]:
    run("inventory", "--format", "json", "--language", "de", exit=None, cwd=folder)
    document: dict[str, Any] = json.loads(
        (folder / "inventory" / "inventory-de.json").read_text(encoding="utf-8")
    )
    evidence = [e for column in document["columns"] for e in column["evidence"]]
    assert len(evidence) > 50
    return sorted(set(evidence))


@pytest.fixture(scope="module")
def demo_evidence(module_demo: Path) -> list[str]:
    return _inventory(module_demo)


@pytest.fixture(scope="module")
def app_evidence(tmp_path_factory: pytest.TempPathFactory, shared_data_folder: Path) -> list[str]:
    """The Dolibarr schema of tests/test_classifier_apps.py: the widest spread of sentences."""
    folder = tmp_path_factory.mktemp("dolibarr")
    url, planted = build_sqlite("dolibarr", folder)
    write_config(folder, "dolibarr", url, planted)
    return _inventory(folder)


def _check_both_languages(evidence: list[str]) -> None:
    problems = []
    for sentence in evidence:
        german, english = evidence_text(sentence, "de"), evidence_text(sentence, "en")
        if german == sentence:
            problems.append(f"not translated: {sentence}")
        elif found := _words(german) & ENGLISH:
            problems.append(f"English {sorted(found)} in: {german}")
        elif "'" in _outside_quotes(german):
            problems.append(f"English quotes in: {german}")
        if english != sentence:
            problems.append(f"English changed: {sentence} -> {english}")
        elif found := _words(english) & GERMAN_WORDS:
            problems.append(f"German {sorted(found)} in: {english}")
    assert not problems, "\n".join(problems)


def test_demo_evidence_is_german_in_german_and_english_in_english(
    demo_evidence: list[str],
) -> None:
    _check_both_languages(demo_evidence)
    assert "connector: marks it as an e-mail column" in demo_evidence
    assert not any("a email" in e for e in demo_evidence)


def test_application_evidence_is_german_in_german_and_english_in_english(
    app_evidence: list[str],
) -> None:
    _check_both_languages(app_evidence)
