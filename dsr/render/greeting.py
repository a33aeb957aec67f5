"""How a letter greets the person: "Sehr geehrte Frau Klein," as customer service writes it.

Every letter to a person (the access answer, the erasure confirmation) opens the
same way, so the salutation and surname are read from the person's own account
rows by one function and turned into the first line by another. An erasure reads
them when it is planned: after ``--execute`` the account row no longer says them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from dsr.classify.names import name_hint, words
from dsr.classify.result import TableClassification
from dsr.identifiers import normalise_name
from dsr.lookup.engine import Match

_SALUTATIONS = {
    "herr": "m", "herrn": "m", "hr": "m", "mr": "m", "frau": "f", "fr": "f", "mrs": "f",
    "ms": "f", "miss": "f",
}  # fmt: skip
_SURNAME_WORDS = ("last", "nach", "surname", "family", "lastname", "nachname", "familienname")


def account_rows(
    matches: Sequence[Match], classes: Mapping[str, Sequence[TableClassification]]
) -> Iterator[tuple[Match, TableClassification]]:
    """The person's own account rows (direct matches in person tables), with their table's
    classification: what the letter may take the person's salutation or language from."""
    tables = {(source, t.table): t for source, found in classes.items() for t in found}
    for match in matches:
        table = tables.get((match.source, match.table))
        if match.match == "direct" and table is not None and table.kind == "person":
            yield match, table


_LANGUAGE_COLUMNS = ("language", "lang", "locale", "sprache", "languagecode", "preferredlanguage")


def row_language(
    matches: Sequence[Match], classes: Mapping[str, Sequence[TableClassification]]
) -> str | None:
    """The letter language the person's own account rows state (``language = en``,
    ``locale = en_GB``, ``de-DE``), when they agree on one dsr writes: a request logged
    without ``--language`` is answered in it, the access letter and the erasure
    confirmation alike."""
    found: set[str] = set()
    for match, _ in account_rows(matches, classes):
        for column, value in match.row.items():
            if "".join(words(column)) not in _LANGUAGE_COLUMNS or not isinstance(value, str):
                continue
            code = value.strip().lower().replace("_", "-").split("-")[0]
            code = {"deutsch": "de", "german": "de", "englisch": "en", "english": "en"}.get(
                code, code
            )
            if code in ("de", "en"):
                found.add(code)
    return next(iter(found)) if len(found) == 1 else None


def address_form(
    matches: Sequence[Match], classes: Mapping[str, Sequence[TableClassification]]
) -> tuple[str | None, str | None]:
    """The salutation (``m``/``f``) and surname the person's own account rows agree on,
    for "Sehr geehrte Frau Klein,"; None each where the rows say nothing or disagree."""
    forms: set[str] = set()
    surnames: set[str] = set()
    for match, table in account_rows(matches, classes):
        for column in table.columns:
            value = str(match.row.get(column.column) or "").strip()
            hint = name_hint(column.column)
            if not value or hint is None or hint.qualifier:
                continue
            if hint.rule.key == "salutation" and value.casefold().rstrip(".") in _SALUTATIONS:
                forms.add(_SALUTATIONS[value.casefold().rstrip(".")])
            elif hint.rule.key == "person_name" and any(
                w in words(column.column) or "".join(words(column.column)) == w
                for w in _SURNAME_WORDS
            ):
                surnames.add(value)
    # Müller and Mueller are one surname; the spelling with umlauts is the one to write.
    one = len({normalise_name(n) for n in surnames}) == 1
    surname = min(surnames, key=lambda n: (n.isascii(), n)) if one else None
    return (next(iter(forms)) if len(forms) == 1 else None, surname)


def greeting(language: str, form: str | None, surname: str | None, name: str | None) -> str:
    """The letter's first line, as customer service writes it."""
    if language == "de":
        if form == "f" and surname:
            return f"Sehr geehrte Frau {surname},"
        if form == "m" and surname:
            return f"Sehr geehrter Herr {surname},"
        return f"Guten Tag {name}," if name else "Guten Tag,"
    if form and surname:
        return f"Dear {'Ms' if form == 'f' else 'Mr'} {surname},"
    return f"Dear {name}," if name else "Dear Sir or Madam,"
