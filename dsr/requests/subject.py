"""The person a logged request is about, and the facts its letters need: one loader.

`dsr access`, `dsr erase` (the plan, ``--execute``, ``--verify`` and the
confirmation letter) and `dsr request evidence` all start from a request in the
ledger. They read it here, the same way: its identifiers in the order they were
logged, pseudonymised ones left out (a keyed hash finds no one, and must never be
sent to a source), the person built from them as the lookup engine reads them,
and the letter's language, greeting name and dates. Were each command to read
them its own way, ``--execute`` could look for a different person than the one
its plan was made for, or a letter greet someone by a pseudonym.

A ``Subject`` is a detached copy of the request: it can be used after the ledger
session that read it has closed, and it changes nothing in the ledger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from dsr.clock import today_berlin
from dsr.config.models import Config
from dsr.errors import Problem, UsageError
from dsr.ledger import Ledger, Request
from dsr.ledger.pseudonymise import is_hashed
from dsr.lookup.person import Identifier, Person, phone_region
from dsr.requests.lifecycle import LANGUAGES, RequestInfo, get_request, request_info

LETTER_FALLBACK = "de"
"""The letter language when neither the request nor dsr.yaml names one dsr writes."""


@dataclass(frozen=True)
class LetterFacts:
    """What a letter to the person says about their request: whom it greets (the only
    identifier it holds), in which language, and the request's dates.

    The access letter uses every field; the erasure confirmation the first five."""

    id: str
    language: str
    received: date
    answered: date
    person_name: str | None
    due: date | None = None
    extended_until: date | None = None
    extension_reason: str | None = None
    paused_days: int = 0
    language_given: bool = True
    """Whether the request names its language; if not, the person's own rows may."""


@dataclass(frozen=True)
class Subject(RequestInfo):
    """A logged request as the commands that act for its person read it: the request
    (``RequestInfo``: ``language`` is the one recorded with it, None when dsr.yaml's
    applies) and what acting for its person needs besides."""

    answer_language: str
    """The language its letters are written in: the request's, else dsr.yaml's."""
    identifiers: tuple[Identifier, ...]
    """The readable identifiers in the order they were logged (pseudonymised ones left out)."""
    identifier_kinds: tuple[str, ...]
    """Every kind logged, pseudonymised ones too (evidence names kinds, never values)."""

    @property
    def person_name(self) -> str | None:
        """The first name logged: whom a letter greets."""
        return next((i.value for i in self.identifiers if i.kind == "name"), None)

    def values(self) -> dict[str, list[str]]:
        """The identifiers' values by kind, as logged."""
        found: dict[str, list[str]] = {}
        for identifier in self.identifiers:
            found.setdefault(identifier.kind, []).append(identifier.value)
        return found

    def forms(self) -> dict[str, list[str]]:
        """By kind, each value as logged and normalised: what redaction cuts out of text."""
        found: dict[str, list[str]] = {}
        for identifier in self.identifiers:
            forms = found.setdefault(identifier.kind, [])
            forms.append(identifier.value)
            if identifier.normalised != identifier.value:
                forms.append(identifier.normalised)
        return found

    def lookup_person(self, config: Config) -> Person:
        """The person as the lookup engine reads them; empty when nothing is left to look
        up. UsageError names the identifier that cannot be read (its kind, never its value)."""
        return Person.from_identifiers(
            self.values(), region=phone_region(config), label=f"request {self.id}: "
        )

    def person(self, config: Config) -> Person:
        """``lookup_person``, refusing a request that holds nothing to look up."""
        person = self.lookup_person(config)
        if person.empty:
            raise UsageError(
                Problem(
                    f"request {self.id} holds no identifier to look up",
                    hint="its identifiers may have been pseudonymised",
                )
            )
        return person

    def letter_facts(self, *, today: date | None = None) -> LetterFacts:
        """The facts a letter answering this request today states."""
        return LetterFacts(
            id=self.id,
            language=(
                self.answer_language if self.answer_language in LANGUAGES else LETTER_FALLBACK
            ),
            received=self.received,
            answered=max(today or today_berlin(), self.received),
            person_name=self.person_name,
            due=self.due,
            extended_until=self.extended_until,
            extension_reason=self.extension_reason,
            paused_days=self.paused_days,
            language_given=self.language is not None,
        )

    def require_type(self, types: Sequence[str], *, hint: str) -> None:
        """UsageError unless the request is of one of ``types`` (named by the first)."""
        if self.type not in types:
            raise UsageError(
                Problem(f"request {self.id} is of type {self.type}, not {types[0]}", hint=hint)
            )

    def require_identity_checked(self) -> None:
        """UsageError while the clock stands still for an identity question: no one's data
        is looked up, sent or erased before the person is known to be who they say."""
        if self.status == "awaiting_identity":
            raise UsageError(
                Problem(
                    f"request {self.id} awaits the identity check",
                    hint=f"record it first: dsr request verify {self.id}",
                )
            )


def read_subject(session: Session, config: Config, request_id: str) -> Subject:
    """The request ``request_id`` from an open ledger session; UsageError when there is none."""
    return subject_of(get_request(session, request_id.strip()), config)


def load_subject(ledger: Ledger, config: Config, request_id: str) -> Subject:
    """``read_subject`` in a read-only session of its own."""
    with ledger.session(write=False) as session:
        return read_subject(session, config, request_id)


def subject_of(request: Request, config: Config) -> Subject:
    """The detached ``Subject`` of a ledger row."""
    logged = sorted(request.identifiers, key=lambda i: i.id)
    readable = tuple(
        Identifier(
            i.kind,
            i.value,
            # a normalised form that is no longer readable stands in as the value
            i.value if not i.normalised or is_hashed(i.normalised) else i.normalised,
        )
        for i in logged
        if not is_hashed(i.value)
    )
    return Subject(
        **vars(request_info(request)),
        answer_language=request.language or config.language,
        identifiers=readable,
        identifier_kinds=tuple(sorted({i.kind for i in logged})),
    )
