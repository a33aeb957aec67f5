"""Options every command shares, defined once so they read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The dsr.yaml to use. Default: $DSR_CONFIG, else ./dsr.yaml.",
        envvar="DSR_CONFIG",
        show_default=False,
        metavar="PATH",
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout and nothing else there."),
]

SourcesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Only these sources (default: all).", show_default=False, metavar="SOURCE"),
]
"""The sources a command works on, named after the command (`dsr inventory shop crm`)."""

# --- a person's identifiers: `dsr find` and `dsr request new` take the same options ----------
#
# Defined once so both commands accept the same names, forms and help; both read the
# values through dsr.lookup.person.parse_identifiers, so a person given to `find` is
# the person a request stores.

Many = list[str] | None


def _identifier(name: str, help_text: str, metavar: str) -> Any:
    return typer.Option(name, help=help_text, show_default=False, metavar=metavar)


EmailOption = Annotated[Many, _identifier("--email", "E-mail address (repeatable).", "ADDRESS")]
PhoneOption = Annotated[
    Many,
    _identifier("--phone", "Phone number in any format, e.g. 0171 2345678 (repeatable).", "NUMBER"),
]
NameOption = Annotated[
    Many,
    _identifier(
        "--name", "Full name (weak: finds only together with a birth date or postcode).", "NAME"
    ),
]
BirthdateOption = Annotated[
    Many,
    _identifier("--birthdate", "Date of birth: YYYY-MM-DD or DD.MM.YYYY (weak).", "DATE"),
]
PostcodeOption = Annotated[Many, _identifier("--postcode", "Postcode (weak).", "CODE")]
IdOption = Annotated[
    Many,
    _identifier("--id", "A source's own id, e.g. shop:K-10023 (repeatable).", "SOURCE:VALUE"),
]
IbanOption = Annotated[Many, _identifier("--iban", "Bank account (IBAN), any spacing.", "IBAN")]


ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Who did it, for the audit trail. Default: your login name.",
        show_default=False,
        metavar="NAME",
    ),
]
"""The person recorded in the audit trail: every command that changes the ledger takes it."""


def given_identifiers(
    *,
    email: Many = None,
    phone: Many = None,
    name: Many = None,
    birthdate: Many = None,
    postcode: Many = None,
    id_: Many = None,
    iban: Many = None,
) -> list[tuple[str, str]]:
    """The identifier options as (kind, value) pairs, in the order of the options above."""
    by_kind = {
        "email": email,
        "phone": phone,
        "name": name,
        "birthdate": birthdate,
        "postcode": postcode,
        "id": id_,
        "iban": iban,
    }
    return [(kind, value) for kind, values in by_kind.items() for value in values or ()]
