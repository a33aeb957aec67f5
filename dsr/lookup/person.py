"""Who is looked for: a person's identifiers, normalised once through dsr.identifiers.

Parsing happens here, not in each command, so `find`, `access` and erasure read
a person the same way. Errors name the field, never the value: the value is the
personal data the error would leak into logs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from stdnum import iban
from stdnum.exceptions import ValidationError

from dsr.errors import Problem, UsageError
from dsr.identifiers import normalise_email, normalise_id, normalise_name, normalise_phone


@dataclass(frozen=True)
class Person:
    """Normalised identifiers of one person.

    Strong ones (``emails``, ``phones`` as E.164, ``ids`` as ``(source, value)``)
    find records; weak ones (``names``, ``birthdates`` ISO, ``postcodes``) count
    only together, and only as possible matches.
    """

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    names: tuple[str, ...] = ()  # as given; compared through normalise_name
    birthdates: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    ids: tuple[tuple[str, str], ...] = ()
    ibans: tuple[str, ...] = ()  # compact, upper case (stdnum.iban.compact)

    @property
    def strong(self) -> bool:
        return bool(self.emails or self.phones or self.ids or self.ibans)

    @property
    def empty(self) -> bool:
        return not (self.strong or self.names or self.birthdates or self.postcodes)

    @classmethod
    def from_identifiers(
        cls, values: Mapping[str, Sequence[str]], *, region: str, label: str = ""
    ) -> Person:
        """A person from a request's identifiers by kind (``email``, ``phone``, ``name``,
        ``birthdate``, ``postcode``, ``id``): how access, erasure and its verification all
        find the same person."""
        return cls.parse(
            emails=values.get("email", ()),
            phones=values.get("phone", ()),
            names=values.get("name", ()),
            birthdates=values.get("birthdate", ()),
            postcodes=values.get("postcode", ()),
            ids=values.get("id", ()),
            region=region,
            label=label,
        )

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
        """A person from raw values; UsageError names the bad field (``label`` + field name)."""
        problems: list[Problem] = []

        def bad(field: str, why: str, hint: str | None = None) -> None:
            problems.append(Problem(f"{label}{field}: {why}", hint=hint))

        mails = []
        for value in _present(emails):
            mail = normalise_email(value)
            if mail is None:
                bad("email", "not an e-mail address", "use the form name@example.com")
            else:
                mails.append(mail)
        numbers = []
        for value in _present(phones):
            number = normalise_phone(value, region)
            if number is None:
                bad("phone", f"not a phone number (read with region {region})")
            else:
                numbers.append(number)
        days = []
        for value in _present(birthdates):
            try:
                days.append(date.fromisoformat(value.strip()).isoformat())
            except ValueError:
                bad("birthdate", "not a date", "use YYYY-MM-DD")
        keys = []
        for value in _present(ids):
            source, sep, key = value.partition(":")
            if not sep or not source.strip() or not normalise_id(key):
                bad("id", "not of the form SOURCE:VALUE", "e.g. shop:10042")
            else:
                keys.append((source.strip(), normalise_id(key)))
        accounts = []
        for value in _present(ibans):
            try:
                accounts.append(iban.validate(value))
            except ValidationError:
                bad("iban", "not a valid IBAN", "e.g. DE89 3704 0044 0532 0130 00")
        if problems:
            raise UsageError(problems)
        return cls(
            emails=tuple(dict.fromkeys(mails)),
            phones=tuple(dict.fromkeys(numbers)),
            names=tuple(dict.fromkeys(n.strip() for n in _present(names) if normalise_name(n))),
            birthdates=tuple(dict.fromkeys(days)),
            postcodes=tuple(dict.fromkeys("".join(p.split()) for p in _present(postcodes))),
            ids=tuple(dict.fromkeys(keys)),
            ibans=tuple(dict.fromkeys(accounts)),
        )


def _present(values: Iterable[str]) -> list[str]:
    return [v for v in values if v and v.strip()]
