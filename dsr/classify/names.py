"""Column-name hints: what a column is likely to identify a person by, from its name alone.

Names come in every style (``email``, ``EMail``, ``customer_email``,
``E-Mail-Adresse``, ``Telefonnummer``, ``SupportRepId``), in German and English.
They are split into lower-case words and compared with word lists kept here as
data. A hint is only a hint: the classifier weighs it against the values.
"""

from __future__ import annotations

import re

from dsr.connectors.protocol import IdentifierKind

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^0-9A-Za-zÄÖÜäöüß]+")

# Whole words, or compound words ending in them ("kundenemail", "festnetztelefon").
EMAIL_WORDS = ("email", "mail", "emailaddress", "emailadresse", "mailadresse", "mailaddress")
PHONE_WORDS = (
    "phone", "telephone", "tel", "telefon", "telefonnummer", "mobile", "mobil", "handy",
    "cell", "cellphone", "fax", "phonenumber", "mobilnummer", "rufnummer", "whatsapp",
)
# Words that make a column an identifier of a person when they end in id/number.
PERSON_WORDS = (
    "customer", "kunde", "kunden", "client", "user", "member", "mitglied", "contact",
    "kontakt", "person", "subscriber", "account", "employee", "mitarbeiter", "requester",
    "author", "buyer", "patient", "guest",
)
ID_WORDS = ("id", "nr", "no", "number", "nummer", "num")


def words(column: str) -> list[str]:
    """``customerEMail_Address`` → ``["customer", "e", "mail", "address"]``, joined forms too."""
    spaced = _CAMEL.sub(" ", column)
    return [w.lower() for w in _SEPARATORS.split(spaced) if w]


def identifier_kind(column: str) -> IdentifierKind | None:
    """The kind of identifier a column's name suggests, or None."""
    parts = words(column)
    if not parts:
        return None
    joined = "".join(parts)
    if joined.replace("e", "", 1).startswith("mail") or any(
        joined.endswith(w) for w in EMAIL_WORDS
    ):
        return "email"
    if any(p in PHONE_WORDS for p in parts) or any(joined.endswith(w) for w in PHONE_WORDS):
        return "phone"
    if parts[-1] in ID_WORDS or joined.endswith("id"):
        stem = "".join(parts[:-1]) if parts[-1] in ID_WORDS else joined[:-2]
        if any(stem.endswith(w) for w in PERSON_WORDS) or any(w in parts for w in PERSON_WORDS):
            return "id"
    if joined.endswith(("kundennummer", "customernumber", "mitgliedsnummer")):
        return "id"
    return None
