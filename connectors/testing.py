"""The conformance suite: what every connector, built-in or plugin, must pass.

A connector's test module subclasses ``ConnectorContract`` and provides one
fixture, ``subject``, that builds a real source (a file, a database) holding a
few people and returns a ``Subject`` describing it. The suite then checks the
protocol: listing, sampling, a batched find in one call, every erase action the
connector declares (and the refusal of every one it does not), atomicity, and
that a re-run after success changes nothing. Plugins import it the same way:

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
from dataclasses import dataclass
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
)
from dsr.errors import SourceError

ERASE_ACTIONS = ("delete", "null", "mask", "redact")


@dataclass
class Subject:
    """A real source built for the suite, and what it holds.

    ``people`` maps normalised e-mail addresses to the key of the row holding
    them in ``table.email_column``; give at least three, and store at least one
    of them in mixed case. ``mention`` is a word that stands inside
    ``text_column`` of the row with key ``mention_key`` (for redaction and
    ``contains`` lookups). ``reopen`` returns a new connector over the same data,
    so the suite sees what was really written.
    """

    connector: Connector
    reopen: Callable[[], Connector]
    table: str
    email_column: str
    people: dict[str, RowKey]
    text_column: str | None = None
    mention: str | None = None
    mention_key: RowKey | None = None


def _find_emails(connector: Connector, subject: Subject, emails: set[str]) -> list[Hit]:
    lookup = Lookup(subject.table, subject.email_column, frozenset(emails), "casefold")
    return list(connector.find([lookup]))


def _keys(hits: list[Hit]) -> list[RowKey]:
    return [hit.key for hit in hits]


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

    # -- erasing ---------------------------------------------------------------------

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
