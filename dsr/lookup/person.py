"""Who is looked for: a person's identifiers, read and normalised in one place.

`dsr find` (options and ``--batch`` rows), `dsr request new` and the requests
stored in the ledger (read again by `access`, `erase` and `erase --verify`) all
go through ``parse_identifiers``, so ``--birthdate 01.02.1980`` is the same
person whichever way it came in. The normalising itself is dsr.identifiers.

Errors name the field (``--birthdate``, ``column iban``, ``request 2026-0001:
phone``), never the value: the value is the personal data the error would leak
into logs and cron mails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dsr.errors import Problem, UsageError, Where, did_you_mean
from dsr.identifiers import (
    normalise_birthdate,
    normalise_email,
    normalise_iban,
    normalise_id,
    normalise_name,
    normalise_phone,
    normalise_postcode,
)

IDENTIFIER_KINDS = ("email", "phone", "name", "birthdate", "postcode", "id", "iban")
"""Every kind of identifier dsr reads, in the order options and batch columns list them."""

FieldName = Callable[[str, int, int], str]
"""How an error names an identifier: (kind, its index among that kind, how many of that
kind were given) → e.g. ``--email (number 2)``."""

if TYPE_CHECKING:
    from dsr.config.models import Config


def phone_region(config: Config) -> str:
    """The region national phone numbers are read in: the country of the holiday calendar
    (``deadline.holidays``, validated to an ISO 3166 code; DE by default)."""
    return config.deadline.country


def id_sources(config: Config) -> list[str] | None:
    """The sources an ``id`` identifier may name; any when dsr.yaml describes none."""
    return list(config.sources) if config.sources else None


def option_name(kind: str, index: int, count: int) -> str:
    """The command-line option, numbered when it was given more than once."""
    option = f"--{kind}"
    return option if count == 1 else f"{option} (number {index + 1})"


def column_name(kind: str, index: int, count: int) -> str:
    """A ``--batch`` column (its row is in the problem's place)."""
    return f"column {kind}"


def prefixed(label: str) -> FieldName:
    """``label`` + the kind, e.g. ``request 2026-0001: birthdate``."""
    return lambda kind, index, count: f"{label}{kind}"


@dataclass(frozen=True)
class Identifier:
    """One identifier: its kind, the value as given (trimmed; what letters and
    `request show` print) and its normalised form (what lookups and the ledger compare)."""

    kind: str
    value: str
    normalised: str


_PHONE_TEXT = re.compile(r"'?[0-9+()/.\-\s]+")
"""What a phone number given by a person may hold: digits, spaces, ``+ ( ) / . -`` and
the apostrophe Excel puts before a number kept as text."""


class _Invalid(Exception):
    def __init__(self, why: str, hint: str | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.hint = hint


def _normalise_one(
    kind: str,
    value: str,
    *,
    region: str,
    sources: Collection[str] | None = None,
) -> str:
    """The normalised form of one non-empty value of ``kind``; _Invalid says why not.

    ``sources``, when given, are the source names an ``id`` may name.
    """
    normalised: str | None
    if kind == "email":
        normalised = normalise_email(value)
        if normalised is None:
            raise _Invalid("is not an e-mail address", "use the form name@example.com")
    elif kind == "phone":
        # The phone library reads digits out of any text (letters even as keypad digits):
        # "call-me-99887766-maybe" would become somebody's number and find nobody.
        normalised = normalise_phone(value, region) if _PHONE_TEXT.fullmatch(value) else None
        if normalised is None:
            raise _Invalid(
                f"is not a phone number (read with region {region})",
                "e.g. +49 171 2345678 or 0171 2345678",
            )
    elif kind == "name":
        normalised = normalise_name(value)
        if not normalised:
            raise _Invalid("is empty")
    elif kind == "birthdate":
        normalised = normalise_birthdate(value)
        if normalised is None:
            raise _Invalid(
                "is not a date of birth", "use YYYY-MM-DD or DD.MM.YYYY, not in the future"
            )
    elif kind == "postcode":
        normalised = normalise_postcode(value)
        if normalised is None:
            raise _Invalid("is empty")
    elif kind == "id":
        normalised = _source_id(value, sources)
    elif kind == "iban":
        normalised = normalise_iban(value)
        if normalised is None:
            raise _Invalid("is not a valid IBAN", "e.g. DE89 3704 0044 0532 0130 00")
    else:
        raise _Invalid(f"is an unknown kind of identifier; known: {', '.join(IDENTIFIER_KINDS)}")
    return normalised


def _source_id(value: str, sources: Collection[str] | None) -> str:
    source, sep, rest = value.partition(":")
    source, key = source.strip(), normalise_id(rest)
    if not sep or not source or not key:
        raise _Invalid("is not of the form SOURCE:VALUE", "e.g. shop:K-10023")
    if sources is not None and source not in sources:
        names = sorted(sources)
        raise _Invalid(
            f"names source '{source}', which dsr.yaml does not describe",
            did_you_mean(source, names, "sources") or None,
        )
    return f"{source}:{key}"


def parse_identifiers(
    given: Iterable[tuple[str, str]],
    *,
    region: str,
    sources: Collection[str] | None = None,
    name: FieldName = option_name,
    where: Where | None = None,
    skip_empty: bool = False,
) -> list[Identifier]:
    """Read (kind, value) pairs as given into identifiers, in order, duplicates kept.

    Every bad value is reported, each as one problem naming its field through
    ``name`` (never the value), in one UsageError. Empty values are an error
    (an option given empty is a mistake in a script), or skipped with
    ``skip_empty`` (a batch file's empty cells). ``region`` reads national phone
    numbers; ``sources``, when given, are the sources an ``id`` may name.
    """
    place = where or Where()
    pairs = [(kind, value) for kind, value in given]
    counts: dict[str, int] = {}
    for kind, _ in pairs:
        counts[kind] = counts.get(kind, 0) + 1
    seen: dict[str, int] = {}
    found: list[Identifier] = []
    problems: list[Problem] = []
    for kind, raw in pairs:
        index = seen.get(kind, 0)
        seen[kind] = index + 1
        value = (raw or "").strip()
        try:
            if not value:
                if skip_empty:
                    continue
                raise _Invalid("is empty")
            normalised = _normalise_one(kind, value, region=region, sources=sources)
        except _Invalid as invalid:
            field = name(kind, index, counts[kind])
            problems.append(Problem(f"{field} {invalid.why}", place, invalid.hint))
            continue
        found.append(Identifier(kind, value, normalised))
    if problems:
        raise UsageError(problems)
    return found


def pairs_by_kind(values: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """(kind, value) pairs from values grouped by kind, in ``IDENTIFIER_KINDS`` order
    (unknown kinds after, so that they are reported rather than dropped)."""
    order = [*IDENTIFIER_KINDS, *sorted(set(values) - set(IDENTIFIER_KINDS))]
    return [(kind, value) for kind in order for value in values.get(kind, ())]


LEARNED_FIELDS = ("emails", "phones", "ibans", "names", "streets", "devices")
"""The fields of ``Person`` identity expansion fills from the person's own rows that an
erasure's verification looks for again. Not the login: a note that names it is a
mention, and redaction does not cut logins out of text (it cuts substrings, and a login
such as ``anna`` stands inside other words), so verification would call every such
note residue after an erasure that could not change it."""


@dataclass(frozen=True)
class Person:
    """Normalised identifiers of one person.

    Strong ones (``emails``, ``phones`` as E.164, ``ids`` as ``(source, value)``,
    ``ibans`` compact) find records; weak ones (``names``, ``birthdates`` ISO,
    ``postcodes``) count only together, and only as possible matches.
    """

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # as given; compared through normalise_name
    birthdates: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    ids: tuple[tuple[str, str], ...] = ()
    ibans: tuple[str, ...] = ()  # compact, upper case (stdnum.iban.compact)
    # Only ever found, never given: what identity expansion takes from the person's own
    # rows (dsr.lookup.engine.expansion). A login names their settings and sessions; a
    # device id (source, table, column, "0x" + hex) their other visits in that column.
    logins: tuple[str, ...] = ()
    devices: tuple[tuple[str, str, str, str], ...] = ()
    streets: tuple[str, ...] = ()  # street and number, as their own rows write it

    @property
    def strong(self) -> bool:
        return bool(self.emails or self.phones or self.ids or self.ibans)

    @property
    def empty(self) -> bool:
        return not (self.strong or self.names or self.birthdates or self.postcodes)

    def joined(self, more: Person) -> Person:
        """These identifiers with those identity expansion found (``more``), each once; a
        name only when this person has none (the request's name is the one compared)."""

        def both(one: tuple[Any, ...], other: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(dict.fromkeys(one + other))

        return replace(
            self,
            emails=both(self.emails, more.emails),
            phones=both(self.phones, more.phones),
            ibans=both(self.ibans, more.ibans),
            names=self.names or more.names,
            logins=both(self.logins, more.logins),
            streets=both(self.streets, more.streets),
            devices=both(self.devices, more.devices),
        )

    def learned_beyond(self, asked: Person) -> dict[str, list[Any]]:
        """What this person (as a lookup found them) holds that the request (``asked``) did
        not name, by field, JSON-ready: kept beside an erasure plan, because after
        ``--execute`` the rows it was read from are gone and ``--verify`` must still look
        for the phone number or name they gave (``with_learned`` reads it back)."""
        learned: dict[str, list[Any]] = {}
        for name in LEARNED_FIELDS:
            given = set(getattr(asked, name))
            values = [v for v in getattr(self, name) if v not in given]
            if values:
                learned[name] = [list(v) if isinstance(v, tuple) else v for v in values]
        if asked.names:
            learned.pop("names", None)
        return learned

    def with_learned(self, learned: Mapping[str, Sequence[Any]]) -> Person:
        """This person joined with what ``learned_beyond`` kept (unknown fields ignored)."""
        fields: dict[str, tuple[Any, ...]] = {}
        for name in LEARNED_FIELDS:
            values = learned.get(name) or ()
            fields[name] = tuple(tuple(v) if isinstance(v, list) else str(v) for v in values)
        return self.joined(Person(**fields))

    @classmethod
    def of(cls, identifiers: Iterable[Identifier]) -> Person:
        """The person these parsed identifiers describe, each value once."""
        by_kind: dict[str, list[Identifier]] = {}
        for identifier in identifiers:
            by_kind.setdefault(identifier.kind, []).append(identifier)

        def normalised(kind: str) -> tuple[str, ...]:
            return tuple(dict.fromkeys(i.normalised for i in by_kind.get(kind, ())))

        ids = []
        for value in normalised("id"):
            source, _, key = value.partition(":")
            ids.append((source, key))
        return cls(
            emails=normalised("email"),
            phones=normalised("phone"),
            names=tuple(dict.fromkeys(i.value for i in by_kind.get("name", ()))),
            birthdates=normalised("birthdate"),
            postcodes=normalised("postcode"),
            ids=tuple(ids),
            ibans=normalised("iban"),
        )

    @classmethod
    def from_identifiers(
        cls, values: Mapping[str, Sequence[str]], *, region: str, label: str = ""
    ) -> Person:
        """A person from a request's identifiers by kind (``email``, ``phone``, ``name``,
        ``birthdate``, ``postcode``, ``id``, ``iban``), values as given: how access,
        erasure and its verification all find the same person. Empty values are skipped;
        ids are not checked against dsr.yaml (a source removed since finds nothing)."""
        found = parse_identifiers(
            pairs_by_kind(values), region=region, name=prefixed(label), skip_empty=True
        )
        return cls.of(found)

    @classmethod
    def parse(
        cls,
        *,
        emails: Iterable[str] = (),
        phones: Iterable[str] = (),
        names: Iterable[str] = (),
        birthdates: Iterable[str] = (),
        postcodes: Iterable[str] = (),
        ids: Iterable[str] = (),
        ibans: Iterable[str] = (),
        region: str = "DE",
        label: str = "",
    ) -> Person:
        """A person from raw values by field; empty ones are skipped. UsageError names
        the bad field (``label`` + kind)."""
        return cls.from_identifiers(
            {
                "email": list(emails),
                "phone": list(phones),
                "name": list(names),
                "birthdate": list(birthdates),
                "postcode": list(postcodes),
                "id": list(ids),
                "iban": list(ibans),
            },
            region=region,
            label=label,
        )


def require_strong(person: Person, request_id: str, received: date, type: str) -> None:
    """UsageError unless the request's identifiers can find the person's rows.

    A name, a birth date or a postcode find only possible matches, which no answer
    may count as the person's: answering from them would tell the person "we hold
    no data" when their rows are merely not recognised. So the request waits for
    an e-mail, phone or customer number (logged again, keeping its day of receipt
    and so its deadline). An erasure plan calls this only when the lookup found no
    possible match either: possible matches are listed for a person to ``--confirm``.
    """
    if person.strong:
        return
    again = (
        "ask the person for an e-mail address, phone number or customer number and log "
        "the request again with it, keeping its day of receipt: "
        f"dsr request new --type {type} --received {received.isoformat()} --email ..."
    )
    raise UsageError(
        Problem(
            f"request {request_id} names the person only by name, birth date or postcode, "
            "which finds possible matches, not their data",
            hint=again,
        )
    )


SHOWN_PROBLEMS = 20
"""Of a batch file's bad cells, how many are named: enough to see the pattern."""


def read_batch(path: Path, config: Config) -> tuple[list[int], list[Person]]:
    """The people in a CSV file (`dsr find --batch`) and their row numbers (header = 1),
    each row read by the parser the options use; empty cells are skipped, a bad one is
    named by row and column (never by its value)."""
    from dsr.connectors.files.csvread import detect_format, read_records

    if not path.is_file():
        raise UsageError(Problem("no such file", Where(file=path)))
    header, records = read_records(path, detect_format(path))
    columns = {h.strip().lower(): h for h in header}
    if not any(c in columns for c in IDENTIFIER_KINDS):
        raise UsageError(
            Problem(
                "has none of the columns " + ", ".join(IDENTIFIER_KINDS), Where(file=path, line=1)
            )
        )
    region, sources = phone_region(config), id_sources(config)
    rows: list[int] = []
    people: list[Person] = []
    problems: list[Problem] = []
    try:
        for record in records:
            given = [
                (c, record.values.get(columns[c], "")) for c in IDENTIFIER_KINDS if c in columns
            ]
            try:
                person = Person.of(
                    parse_identifiers(
                        given,
                        region=region,
                        sources=sources,
                        name=column_name,
                        where=Where(file=path, line=record.row),
                        skip_empty=True,
                    )
                )
            except UsageError as bad:
                problems.extend(bad.problems)
                continue
            if person.empty:
                continue
            rows.append(record.row)
            people.append(person)
    finally:
        records.close()
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > len(shown):
            more = len(problems) - len(shown)
            shown.append(Problem(f"and {more} more problem(s)", Where(file=path)))
        raise UsageError(shown)
    if not people:
        raise UsageError(Problem("holds no person to look up", Where(file=path)))
    return rows, people
