"""The conformance suite: what every connector, built-in or plugin, must pass.

A connector's test module subclasses ``ConnectorContract`` and provides one
fixture, ``subject``, that builds a real source (a file, a database) holding a
few people and returns a ``Subject`` describing it. The suite then checks the
protocol: listing, sampling, a batched find in one call, the match modes as
``dsr.connectors.rows`` defines them (``exact`` keeps case; ``digits`` finds
0171_2345678, 0171 2345678 and +49 171 2345678, and so does ``digits_within`` where a
connector declares it; the id 17 stored as 17, "17",
17.0 or " 17 " but not 170), reading rows by key in any spelling of the key, every erase
action the connector declares (and the refusal of every one it does not), that
nulling or masking an empty cell leaves it empty, atomicity, and that a re-run
after success changes nothing. Cases whose data a subject does not provide, or
that a connector's capabilities exclude, are skipped. Plugins import it the same way:

    from dsr.connectors.testing import ConnectorContract, Subject

    class TestMyConnector(ConnectorContract):
        @pytest.fixture
        def subject(self, tmp_path):
            ...
            return Subject(...)

Importing this module needs pytest; dsr itself never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import BaseModel

from dsr.connectors.capabilities import Capabilities
from dsr.connectors.protocol import (
    Connector,
    ErasureAction,
    Hit,
    Lookup,
    RowKey,
    UnsupportedAction,
    match_modes,
)
from dsr.connectors.rows import CannotRead, is_empty, read_rows, row_id
from dsr.errors import SourceError

ERASE_ACTIONS = ("delete", "null", "mask", "redact")

PHONE_DIGITS = "1712345678"
"""The national significant number of +49 171 2345678: what a ``digits`` lookup for it asks."""

PHONE_FORMS = ("0171_2345678", "0171 2345678", "+49 171 2345678")
"""The same number as people store it; a subject stores each in its ``phone_column``."""

ID = "17"
"""The id the suite looks up with ``exact``."""

ID_FORMS: dict[str, Any] = {
    "int": 17,
    "text": "17",
    "float": 17.0,
    "padded": " 17 ",
    "longer": "170",
}
"""Ways a source may hold an id, by name. A subject stores those its source can hold (a CSV
holds only text: ``text``, ``padded``, ``longer``; a typed source also ``int`` and ``float``)."""

ID_MATCHES = frozenset({"int", "text", "float", "padded"})
"""The forms an ``exact`` lookup for ``ID`` finds: the number 17 written as a person reads it,
also with spaces around it (in a column no index answers; see ``dsr.connectors.rows``).
``"170"`` is another value."""


@dataclass
class Subject:
    """A real source built for the suite, and what it holds.

    ``people`` maps normalised e-mail addresses to the key of the row holding
    them in ``table.email_column``; give at least three, and store at least one
    of them in mixed case. ``mention`` is a word that stands inside
    ``text_column`` of the row with key ``mention_key`` (for redaction and
    ``contains`` lookups). ``reopen`` returns a new connector over the same data,
    so the suite sees what was really written. The remaining fields are optional;
    cases whose data a subject does not hold are skipped.
    """

    connector: Connector
    reopen: Callable[[], Connector]
    table: str
    email_column: str
    people: dict[str, RowKey]
    text_column: str | None = None
    mention: str | None = None
    mention_key: RowKey | None = None
    phone_column: str | None = None
    phones: dict[str, RowKey] = field(default_factory=dict)
    """Each of ``PHONE_FORMS`` -> the key of a row holding it in ``phone_column`` (other
    rows may hold the same number; none may hold 0171 2345679)."""
    ids: dict[str, tuple[str, RowKey]] = field(default_factory=dict)
    """Names of ``ID_FORMS`` -> (column, key of the row holding that form in the column).
    No other row may hold 17 in those columns."""
    empty_cells: list[tuple[str, RowKey]] = field(default_factory=list)
    """(column, key) of text cells that hold nothing (NULL, or an empty string), for the
    rule that nulling or masking an empty cell leaves it empty."""


def _find_emails(connector: Connector, subject: Subject, emails: set[str]) -> list[Hit]:
    lookup = Lookup(subject.table, subject.email_column, frozenset(emails), "casefold")
    return list(connector.find([lookup]))


def _keys(hits: list[Hit]) -> list[RowKey]:
    return [hit.key for hit in hits]


Ident = tuple[tuple[str, str | None], ...]


def _ident(key: RowKey) -> Ident:
    """A key's identity within the subject's table (``rows.row_id`` without the table)."""
    return row_id("", key)[1]


def _read(connector: Connector, subject: Subject, keys: list[RowKey]) -> dict[Ident, Any]:
    """``rows.read_rows`` keyed by ``_ident``; skips the test for a connector that cannot read
    its keys (a plugin without ``read`` whose keys are places in a file)."""
    try:
        found = read_rows(connector, subject.table, keys)
    except CannotRead as exc:
        pytest.skip(f"connector cannot read rows by key: {exc}")
    return {ident[1]: row for ident, row in found.items()}


def _spellings(key: RowKey) -> list[RowKey]:
    """The same key with each whole number spelled as text and as a float: one row."""
    texts: RowKey = {}
    floats: RowKey = {}
    for column, value in key.items():
        whole = isinstance(value, int) and not isinstance(value, bool)
        texts[column] = str(value) if whole else value
        floats[column] = float(value) if whole else value
    return [texts, floats]


class ConnectorContract:
    """Subclass this in a test module and provide the ``subject`` fixture."""

    @pytest.fixture
    def subject(self, tmp_path: Any) -> Subject:  # pragma: no cover - must be overridden
        raise NotImplementedError("provide a `subject` fixture that builds a real source")

    # -- declaration -----------------------------------------------------------------

    def test_declares_type_options_and_capabilities(self, subject: Subject) -> None:
        connector = subject.connector
        assert isinstance(connector, Connector)
        assert isinstance(type(connector).type_name, str) and type(connector).type_name
        assert issubclass(type(connector).Options, BaseModel)
        assert isinstance(type(connector).capabilities, Capabilities)
        assert type(connector).summary

    # -- reading ---------------------------------------------------------------------

    def test_lists_the_table_with_its_columns(self, subject: Subject) -> None:
        tables = {t.name: t for t in subject.connector.tables()}
        assert subject.table in tables, f"{subject.table!r} not in {sorted(tables)}"
        table = tables[subject.table]
        names = [c.name for c in table.columns]
        assert subject.email_column in names
        if table.rows is not None:
            assert table.rows >= len(subject.people)

    def test_sample_gives_at_most_n_rows_of_known_columns(self, subject: Subject) -> None:
        if not type(subject.connector).capabilities.supports("sample"):
            pytest.skip("connector declares no sampling")
        table = next(t for t in subject.connector.tables() if t.name == subject.table)
        rows = subject.connector.sample(subject.table, 2)
        assert 1 <= len(rows) <= 2
        known = {c.name for c in table.columns}
        for row in rows:
            assert set(row) <= known

    def test_batched_find_returns_every_person_in_one_call(self, subject: Subject) -> None:
        absent = {f"nobody{i}@example.invalid" for i in range(1500)}
        hits = _find_emails(subject.connector, subject, set(subject.people) | absent)
        found = {hit.value: hit.key for hit in hits}
        assert found == subject.people
        for hit in hits:
            assert hit.table == subject.table
            assert hit.column == subject.email_column
            assert subject.email_column in hit.row

    def test_find_ignores_case_and_finds_nothing_for_strangers(self, subject: Subject) -> None:
        assert _find_emails(subject.connector, subject, {"stranger@example.invalid"}) == []
        assert len(subject.people) >= 3, "give the suite at least three people"

    def test_contains_finds_a_mention_in_free_text(self, subject: Subject) -> None:
        if subject.text_column is None or subject.mention is None:
            pytest.skip("subject has no free-text column")
        lookup = Lookup(
            subject.table, subject.text_column, frozenset({subject.mention.lower()}), "contains"
        )
        assert _keys(list(subject.connector.find([lookup]))) == [subject.mention_key]

    def test_exact_matches_the_stored_text_and_its_case(self, subject: Subject) -> None:
        hits = _find_emails(subject.connector, subject, set(subject.people))
        stored = {hit.value: str(hit.row[subject.email_column]) for hit in hits}
        mixed = [email for email, text in stored.items() if text != text.lower()]
        assert mixed, "store at least one person's e-mail address in mixed case"
        for email, text in stored.items():
            lookup = Lookup(subject.table, subject.email_column, frozenset({text}), "exact")
            found = list(subject.connector.find([lookup]))
            assert [(h.key, h.value) for h in found] == [(subject.people[email], text)]
        for email in mixed:
            lookup = Lookup(subject.table, subject.email_column, frozenset({email}), "exact")
            assert list(subject.connector.find([lookup])) == [], "exact must not ignore case"

    def test_digits_find_a_phone_number_in_every_format(self, subject: Subject) -> None:
        if subject.phone_column is None:
            pytest.skip("subject has no phone column")
        assert set(subject.phones) == set(PHONE_FORMS), f"store each of {PHONE_FORMS}"
        lookup = Lookup(subject.table, subject.phone_column, frozenset({PHONE_DIGITS}), "digits")
        hits = list(subject.connector.find([lookup]))
        assert {h.value for h in hits} == {PHONE_DIGITS}
        found = set(map(_ident, _keys(hits)))
        missed = [form for form, key in subject.phones.items() if _ident(key) not in found]
        assert not missed, f"digits {PHONE_DIGITS} did not find {missed}"
        other = Lookup(subject.table, subject.phone_column, frozenset({"1712345679"}), "digits")
        assert list(subject.connector.find([other])) == [], "the last digit differs"

    def test_digits_within_finds_a_phone_number_inside_a_text(self, subject: Subject) -> None:
        """Only for connectors that declare the optional mode (``Connector.match_modes``)."""
        if "digits_within" not in match_modes(subject.connector):
            pytest.skip("the connector does not declare digits_within")
        if subject.phone_column is None:
            pytest.skip("subject has no phone column")
        lookup = Lookup(
            subject.table, subject.phone_column, frozenset({PHONE_DIGITS}), "digits_within"
        )
        hits = list(subject.connector.find([lookup]))
        assert {h.value for h in hits} == {PHONE_DIGITS}
        found = set(map(_ident, _keys(hits)))
        missed = [form for form, key in subject.phones.items() if _ident(key) not in found]
        assert not missed, f"digits_within {PHONE_DIGITS} did not find {missed}"
        other = Lookup(
            subject.table, subject.phone_column, frozenset({"1712345679"}), "digits_within"
        )
        assert list(subject.connector.find([other])) == [], "the last digit differs"

    def test_exact_finds_an_id_stored_as_number_text_or_padded_but_not_longer(
        self, subject: Subject
    ) -> None:
        if not subject.ids:
            pytest.skip("subject stores no ids")
        assert set(subject.ids) <= set(ID_FORMS), f"name the forms after {sorted(ID_FORMS)}"
        columns = sorted({column for column, _key in subject.ids.values()})
        for column in columns:
            lookup = Lookup(subject.table, column, frozenset({ID}), "exact")
            hits = list(subject.connector.find([lookup]))
            expected = [
                key for form, (where, key) in subject.ids.items()
                if where == column and form in ID_MATCHES
            ]
            assert sorted(map(_ident, _keys(hits))) == sorted(map(_ident, expected)), column
            assert {h.value for h in hits} <= {ID}

    def test_read_gives_the_rows_a_key_names_in_any_spelling(self, subject: Subject) -> None:
        keys = list(subject.people.values())
        found = _read(subject.connector, subject, keys)
        assert set(found) == {_ident(k) for k in keys}
        stored = {_ident(h.key): h.row for h in _find_emails(
            subject.connector, subject, set(subject.people)
        )}
        for ident, row in found.items():
            assert row[subject.email_column] == stored[ident][subject.email_column]
        for key in keys:
            for spelling in _spellings(key):
                again = _read(subject.connector, subject, [spelling])
                assert list(again) == [_ident(key)], f"{spelling} names the row {key}"
        absent = {column: f"{value}999" for column, value in keys[0].items()}
        assert _read(subject.connector, subject, [absent]) == {}

    # -- erasing ---------------------------------------------------------------------

    @pytest.mark.parametrize("kind", ["null", "mask"])
    def test_an_empty_cell_stays_empty(self, subject: Subject, kind: str) -> None:
        if not type(subject.connector).capabilities.supports(kind):
            pytest.skip(f"connector does not support {kind}")
        if not subject.empty_cells:
            pytest.skip("subject names no empty cell")
        actions = [
            ErasureAction(subject.table, key, kind, (column,), "***")  # type: ignore[arg-type]
            for column, key in subject.empty_cells
        ]
        result = subject.connector.apply(actions)
        assert (result.applied, result.unchanged) == (0, len(actions))
        after = _read(subject.reopen(), subject, [key for _column, key in subject.empty_cells])
        for column, key in subject.empty_cells:
            value = after[_ident(key)][column]
            assert is_empty(value), f"{kind} wrote {value!r} into an empty cell"

    @pytest.mark.parametrize("kind", ERASE_ACTIONS)
    def test_undeclared_actions_are_refused_and_change_nothing(
        self, subject: Subject, kind: str
    ) -> None:
        if type(subject.connector).capabilities.supports(kind):
            pytest.skip(f"connector supports {kind}")
        email, key = next(iter(subject.people.items()))
        action = self._action(subject, kind, key, email)
        with pytest.raises(UnsupportedAction):
            subject.connector.apply([action])
        assert _keys(_find_emails(subject.reopen(), subject, {email})) == [key]

    @pytest.mark.parametrize("kind", ERASE_ACTIONS)
    def test_declared_action_works_and_rerun_changes_nothing(
        self, subject: Subject, kind: str
    ) -> None:
        if not type(subject.connector).capabilities.supports(kind):
            pytest.skip(f"connector does not support {kind}")
        if kind == "redact" and subject.mention is None:
            pytest.skip("subject has no free-text column")
        emails = list(subject.people)
        target_email = emails[0]
        key = subject.mention_key if kind == "redact" else subject.people[target_email]
        assert key is not None
        action = self._action(subject, kind, key, target_email)

        result = subject.connector.apply([action])
        assert (result.applied, result.unchanged) == (1, 0)

        after = subject.reopen()
        if kind == "redact":
            assert subject.text_column is not None and subject.mention is not None
            lookup = Lookup(
                subject.table,
                subject.text_column,
                frozenset({subject.mention.lower()}),
                "contains",
            )
            assert list(after.find([lookup])) == []
        else:
            assert _find_emails(after, subject, {target_email}) == []
        others = set(emails[1:])
        assert {h.value for h in _find_emails(after, subject, others)} == others
        if kind == "delete":
            assert _read(after, subject, [key]) == {}, "a deleted row must not be read"

        again = subject.reopen().apply([action])
        assert (again.applied, again.unchanged) == (0, 1)

    def test_a_failing_batch_changes_nothing(self, subject: Subject) -> None:
        capabilities = type(subject.connector).capabilities
        if not capabilities.erasable:
            pytest.skip("connector changes no data")
        kind = next(k for k in ERASE_ACTIONS if capabilities.supports(k) and k != "redact")
        emails = list(subject.people)
        good = self._action(subject, kind, subject.people[emails[0]], emails[0])
        bad = ErasureAction(
            subject.table, subject.people[emails[1]], "null", ("no_such_column_xyz",)
        )
        with pytest.raises(SourceError):
            subject.connector.apply([good, bad])
        assert _keys(_find_emails(subject.reopen(), subject, {emails[0]})) == [
            subject.people[emails[0]]
        ]

    @staticmethod
    def _action(subject: Subject, kind: str, key: RowKey, email: str) -> ErasureAction:
        if kind == "delete":
            return ErasureAction(subject.table, key, "delete")
        if kind == "null":
            return ErasureAction(subject.table, key, "null", (subject.email_column,))
        if kind == "mask":
            return ErasureAction(subject.table, key, "mask", (subject.email_column,), "***")
        column = subject.text_column or subject.email_column
        word = subject.mention or email
        return ErasureAction(subject.table, key, "redact", (column,), "[entfernt]", (word,))
