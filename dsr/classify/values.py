"""Value evidence: the share of a column's sampled values that pass a validator.

A column is decided by the share of its sampled non-null values that pass a
check, never by one hit: one e-mail address in a comment column does not make
it an e-mail column. Checks use well-kept validators: ``phonenumbers`` for
phone numbers, ``python-stdnum`` for IBAN, BIC, Luhn, the German tax id and
VAT numbers, the standard library for IP addresses. Where a checksum exists it
settles the question: an "IBAN" column is financial only when most values'
check digits pass.

Nothing here keeps or returns a sampled value; results are counts.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from dsr.classify.evidence import Evidence, ev
from dsr.classify.names import split_words
from dsr.config.texts import LocalText
from dsr.identifiers import normalise_email, normalise_phone

DECIDING_SHARE = 0.6
"""The share of sampled non-null values that must pass a check to decide a column."""
MIN_VALUES = 3
"""Fewer non-null values than this decide nothing: the name and the table must."""


@dataclass(frozen=True)
class ValueCheck:
    """One validator: what it recognises, as which category, and how much a pass proves."""

    key: str
    category: str
    label: str  # "the e-mail check"
    test: Callable[[Any], bool]
    strength: float  # how sure a decisive share makes the classifier
    standalone: bool  # decides without any name hint (checksums, unmistakable shapes)
    lookup: str | None = None

    @property
    def local_label(self) -> LocalText:
        """The label in both languages, as the evidence names it."""
        return LocalText(self.label, {"en": self.label, "de": GERMAN_LABELS[self.key]})


@dataclass(frozen=True)
class ValueResult:
    check: ValueCheck
    passed: int
    total: int

    @property
    def share(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def evidence(self) -> Evidence:
        return ev(
            "values: {n} of {total} sampled pass {check}",
            n=self.passed,
            total=self.total,
            check=self.check.local_label,
        )


# -- text helpers ---------------------------------------------------------------------------


def as_text(value: Any) -> str | None:
    """A sampled value as stripped text; None for nulls, blanks, bytes and containers."""
    if value is None or isinstance(value, bytes | bytearray | memoryview | dict | list):
        return None
    if isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def non_null(values: Sequence[Any]) -> list[Any]:
    """The values that say something: no nulls and no empty strings."""
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


# -- validators -----------------------------------------------------------------------------


def is_email(value: Any) -> bool:
    text = as_text(value)
    return text is not None and " " not in text and normalise_email(text) is not None


_PHONE_SHAPE = re.compile(r"^\+?[\d\s()./\-]{6,24}$")
_AMOUNT = re.compile(r"^-?\d+[.,]\d{1,2}$")


def is_phone(value: Any) -> bool:
    """A phone number as people write it: digits with + ( ) / - . or blanks, 7+ digits.

    Plain runs of digits without a leading 0 or + are ids or amounts, not
    phone numbers, so they do not pass.
    """
    text = as_text(value)
    if not text or isinstance(value, int | float):
        return False
    text = text.lstrip("'")
    if not _PHONE_SHAPE.match(text) or _AMOUNT.match(text) or as_date(text) is not None:
        return False
    digits = re.sub(r"\D", "", text)
    if len(digits) < 7 or len(digits) > 15:
        return False
    if text.isdigit() and not text.startswith("0"):
        return False
    if normalise_phone(text) is not None:
        return True
    return normalise_phone("+" + text.lstrip("+"), "US") is not None and text.startswith("+")


_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9 ]{10,40}$")


def is_iban(value: Any) -> bool:
    text = as_text(value)
    if not text or not _IBAN_SHAPE.match(text.upper()):
        return False
    from stdnum import iban

    return bool(iban.is_valid(text))


def iban_shaped(value: Any) -> bool:
    """Looks like an IBAN, check digits aside: tells a broken IBAN column from other data."""
    text = as_text(value)
    return text is not None and bool(_IBAN_SHAPE.match(text.upper().replace(" ", "")))


def is_bic(value: Any) -> bool:
    text = as_text(value)
    if not text or len(text) not in (8, 11) or not text.isalnum():
        return False
    from stdnum import bic

    return bool(bic.is_valid(text))


_CARD_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|6(011|5)|3(0[0-5]|[68])|35)")


def is_card(value: Any) -> bool:
    """A payment card number: 13–19 digits, a card network's prefix and a passing Luhn check."""
    text = as_text(value)
    if not text:
        return False
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit() or not 13 <= len(digits) <= 19 or not _CARD_PREFIX.match(digits):
        return False
    from stdnum import luhn

    return bool(luhn.is_valid(digits))


def is_tax_id(value: Any) -> bool:
    """German Steuer-IdNr (11 digits with check digit) or a German tax number."""
    text = as_text(value)
    if not text:
        return False
    from stdnum.de import idnr, stnr

    compact = re.sub(r"[\s/]", "", text)
    if compact.isdigit() and len(compact) == 11:
        return bool(idnr.is_valid(compact))
    return "/" in text and bool(stnr.is_valid(text))


def is_vat_id(value: Any) -> bool:
    text = as_text(value)
    if not text or not re.match(r"^[A-Za-z]{2}", text):
        return False
    from stdnum.eu import vat

    return bool(vat.is_valid(text))


def is_ip(value: Any) -> bool:
    text = as_text(value)
    if not text or len(text) > 45:
        return False
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_USER_AGENT = re.compile(
    r"^(Mozilla/\d|Opera/\d|curl/|Wget/|python-requests/|okhttp/|Dalvik/|"
    r"[A-Za-z][\w.-]*(bot|crawler|spider)\b|[A-Za-z][\w .-]{1,40}/\d+(\.\d+)*( \(|$))",
    re.IGNORECASE,
)


def is_user_agent(value: Any) -> bool:
    text = as_text(value)
    return text is not None and len(text) < 600 and bool(_USER_AGENT.match(text))


_UUID = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
_TOKEN = re.compile(r"^[0-9a-f]{16,64}$|^[A-Za-z0-9_-]{20,64}$", re.I)


def is_token(value: Any) -> bool:
    """A random-looking id (UUID, hex or base64 token): what cookie and device ids look like."""
    text = as_text(value)
    return text is not None and bool(_UUID.match(text) or _TOKEN.match(text))


_HASH = re.compile(
    r"^(\$(2[abxy]?|argon2(id|i|d)?|pbkdf2[\w-]*|scrypt|[156])\$\S+|"
    r"[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64}|[0-9a-f]{128}|"
    r"(pbkdf2_sha256|sha1|md5|bcrypt)\$\S+)$",
    re.IGNORECASE,
)


def is_password_hash(value: Any) -> bool:
    text = as_text(value)
    return text is not None and bool(_HASH.match(text))


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%Y%m%d", "%d.%m.%y")
_DATE_SHAPE = re.compile(r"[\d./-]{6,10}")  # \d: strptime reads any decimal digit
"""All any of ``_DATE_FORMATS`` can read: a text of other characters is not tried six times."""


def as_date(value: Any) -> dt.date | None:
    """A date from a date, datetime or text value in the usual formats; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = as_text(value)
    if not text or len(text) < 6:
        return None
    head = text[:10] if re.match(r"^\d{4}-\d\d-\d\d", text) else text.split(" ")[0]
    if not _DATE_SHAPE.fullmatch(head):
        return None
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def plausible_birthdate(value: Any, today: dt.date | None = None) -> bool:
    """A date between 1900 and 15 years before today: when customers and staff were born."""
    day = as_date(value)
    if day is None:
        return False
    today = today or dt.date.today()
    return dt.date(1900, 1, 1) <= day <= today.replace(year=today.year - 15)


_DAY_AND_MONTH = re.compile(r"^\d{1,2}[./-]\d{1,2}\.?$")


def birthdate_share(values: Sequence[Any]) -> tuple[int, int]:
    """How many values are plausible birth dates; 0 when most are one day (a default).

    A day and month without a year (``05/23``, ``23.05.``) counts: it is a
    birthday as newsletter tools keep it.
    """
    birthdays = sum(1 for v in values if _DAY_AND_MONTH.match(as_text(v) or ""))
    if birthdays and birthdays >= len(values) * 0.6:
        return birthdays, len(values)
    dates = [as_date(v) for v in values]
    known = [d for d in dates if d is not None]
    if not known:
        return 0, len(values)
    most_common = Counter(known).most_common(1)[0][1]
    if len(known) >= 5 and most_common / len(known) > 0.5:
        return 0, len(values)
    return sum(plausible_birthdate(d) for d in known), len(values)


def is_date(value: Any) -> bool:
    return as_date(value) is not None


_POSTCODE_DE = re.compile(r"^\d{5}$")
_POSTCODE_ANY = re.compile(
    r"^(\d{4,5}(-\d{3,4})?|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d)$", re.I
)


def is_postcode(value: Any) -> bool:
    """A German five-digit postcode, or another country's usual shape (US ZIP, UK, CA, NL)."""
    text = as_text(value)
    return text is not None and bool(_POSTCODE_DE.match(text) or _POSTCODE_ANY.match(text))


_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿĀ-ž][A-Za-zÀ-ÖØ-öø-ÿĀ-ž'’.-]*")


_FIRST_NAME_LOCALES = (
    "de_DE", "de_AT", "de_CH", "en_GB", "en_US", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT",
    "pl_PL", "nl_NL", "tr_TR", "cs_CZ", "da_DK", "sv_SE", "no_NO", "fi_FI", "hu_HU", "ru_RU",
    "uk_UA",
)  # fmt: skip
"""The languages customers here mostly have."""


@lru_cache(maxsize=1)
def first_names() -> frozenset[str]:
    """First names from Faker's person lists of ``_FIRST_NAME_LOCALES``.

    Only used as a dictionary, never to generate anything. Importing Faker's lists
    takes 0.1 s of every classification, so the list is kept in dsr's cache folder
    per installed Faker (its ``__init__.py``'s size and time: an upgrade rewrites it;
    public names, nothing of the data classified)."""
    from importlib.util import find_spec

    from dsr.connectors import cache

    spec = find_spec("faker")  # where Faker is, without importing it (importlib.metadata: 20 ms)
    try:
        stat = Path(spec.origin).stat() if spec is not None and spec.origin else None
    except OSError:
        stat = None
    if stat is None:
        return _faker_first_names()
    kept = f"faker-{stat.st_size}-{stat.st_mtime_ns}.txt"
    text = cache.read("first-names", kept)
    if text and text.startswith(_FIRST_NAMES_HEADER):
        return frozenset(text.splitlines()[1:])
    names = _faker_first_names()
    cache.write("first-names", kept, "\n".join([_FIRST_NAMES_HEADER, *sorted(names)]))
    return names


_FIRST_NAMES_HEADER = "# dsr first names: " + " ".join(_FIRST_NAME_LOCALES)
"""The cache file's first line: a list of other locales is read afresh."""


def _faker_first_names() -> frozenset[str]:
    from importlib import import_module

    names: set[str] = set()
    for locale in _FIRST_NAME_LOCALES:
        try:
            provider = import_module(f"faker.providers.person.{locale}").Provider
        except (ImportError, AttributeError):
            continue
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            found = getattr(provider, attribute, None)
            if isinstance(found, dict):
                found = found.keys()
            if found:
                names.update(str(n).lower() for n in found)
    return frozenset(n for n in names if len(n) > 1)


_NOT_NAMES = frozenset(
    split_words(
        "gmbh ag kg ohg ug ltd inc llc corp co sa sarl srl bv nv plc e.v. ev gbr mbh and und "
        "the der die das of for für team service support club verein"
    )
)


def looks_like_person_name(value: Any) -> bool:
    """One to four capitalised words without digits, no company form, plausible as a name."""
    text = as_text(value)
    if not text or len(text) > 60 or any(c.isdigit() for c in text) or "@" in text:
        return False
    parts = text.replace(",", " ").split()
    if not 1 <= len(parts) <= 4:
        return False
    if any(p.lower().strip(".") in _NOT_NAMES for p in parts):
        return False
    return all(
        _WORD.fullmatch(p)
        and (p[0].isupper() or p.lower() in ("von", "van", "de", "zu", "da", "del"))
        for p in parts
    )


def has_first_name(value: Any) -> bool:
    """A person-like name whose first or last word is a known first name."""
    if not looks_like_person_name(value):
        return False
    parts = [p.strip(".,").lower() for p in str(value).split()]
    known = first_names()
    return parts[0] in known or (len(parts) > 1 and parts[-1] in known)


_COURTESY = frozenset(
    split_words(
        "herr frau mr mrs ms miss mx dr prof divers dame sir madam mme mlle m sr sra herrn "
        "familie fam firma"
    )
)
_GENDER = frozenset(split_words("m w d f male female männlich weiblich maennlich divers x u"))


def is_courtesy(value: Any) -> bool:
    """Salutations, courtesy titles and genders: Herr, Frau, Dr., Ms., male, w."""
    text = as_text(value)
    if not text or len(text) > 20:
        return False
    words = [w.strip(".").lower() for w in text.replace("/", " ").split()]
    return bool(words) and all(w in _COURTESY or w in _GENDER for w in words)


def is_free_text(value: Any) -> bool:
    """Prose: at least 25 characters and four words."""
    text = as_text(value)
    return text is not None and len(text) >= 25 and len(text.split()) >= 4


def free_text_share(values: Sequence[Any]) -> tuple[int, int]:
    """How many values are prose; a column repeating the same few texts is not free text."""
    texts = [as_text(v) for v in values]
    known = [t for t in texts if t]
    if not known:
        return 0, len(values)
    passed = sum(is_free_text(t) for t in known)
    if len(known) >= 5 and len(set(known)) / len(known) < 0.3:
        return 0, len(values)
    return passed, len(values)


# -- binary ---------------------------------------------------------------------------------

_IMAGE_MAGIC = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF87a",
    b"GIF89a",
    b"BM",
    b"RIFF",
    b"II*\x00",
    b"MM\x00*",
)


def is_image(value: Any) -> bool:
    """Image bytes (JPEG, PNG, GIF, BMP, WebP, TIFF), also behind an OLE header as Access wrote."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    if not isinstance(value, bytes | bytearray):
        return False
    head = bytes(value[:64])
    if head.startswith(_IMAGE_MAGIC):
        return True
    # Northwind-style OLE objects put the bitmap after a header of some 78 bytes.
    return any(magic in bytes(value[:400]) for magic in (b"\xff\xd8\xff", b"\x89PNG", b"BM"))


def is_binary(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


# -- the checks the classifier runs ---------------------------------------------------------

CHECKS: tuple[ValueCheck, ...] = (
    ValueCheck("email", "contact", "the e-mail check", is_email, 0.95, True, "email"),
    ValueCheck("iban", "financial", "the IBAN check digits", is_iban, 0.97, True),
    ValueCheck("card", "financial", "the card number check (Luhn)", is_card, 0.9, True),
    ValueCheck("vat", "government_id", "the VAT id check digits", is_vat_id, 0.9, True),
    ValueCheck("tax_id", "government_id", "the German tax id check digits", is_tax_id, 0.8, False),
    ValueCheck("ip", "online_id", "the IP address check", is_ip, 0.9, True),
    ValueCheck("useragent", "online_id", "the user-agent check", is_user_agent, 0.9, True),
    ValueCheck("phone", "contact", "the phone number check", is_phone, 0.8, True, "phone"),
    ValueCheck("bic", "financial", "the BIC check", is_bic, 0.8, False),
    ValueCheck("password", "online_id", "the password-hash check", is_password_hash, 0.8, False),
    ValueCheck("token", "online_id", "the random-id check", is_token, 0.6, False),
    ValueCheck("courtesy", "identity", "the salutation check", is_courtesy, 0.8, False),
    ValueCheck(
        "person_name",
        "identity",
        "the person-name check",
        looks_like_person_name,
        0.6,
        False,
        "name",
    ),
    ValueCheck(
        "first_name",
        "identity",
        "the first-name dictionary check",
        has_first_name,
        0.75,
        False,
        "name",
    ),
    ValueCheck("postcode", "address", "the postcode check", is_postcode, 0.6, False),
    ValueCheck("date", "", "the date check", is_date, 0.5, False),
    ValueCheck("image", "photo", "the image check (JPEG/PNG header)", is_image, 0.8, False),
)
CHECKS_BY_KEY = {check.key: check for check in CHECKS}
BIRTHDATE_CHECK = ValueCheck(
    "birthdate",
    "birthdate",
    "the birth-date check (1900 to 15 years ago)",
    plausible_birthdate,
    0.75,
    False,
)
FREE_TEXT_CHECK = ValueCheck(
    "free_text", "free_text", "the free-text check", is_free_text, 0.6, False
)

GERMAN_LABELS: dict[str, str] = {
    "email": "die E-Mail-Prüfung",
    "iban": "die Prüfung der IBAN-Prüfziffern",
    "card": "die Prüfung der Kartennummer (Luhn)",
    "vat": "die Prüfung der Prüfziffern der USt-IdNr.",
    "tax_id": "die Prüfung der Prüfziffern der Steuer-ID",
    "ip": "die Prüfung auf IP-Adressen",
    "useragent": "die Prüfung auf Browserkennungen",
    "phone": "die Prüfung auf Telefonnummern",
    "bic": "die BIC-Prüfung",
    "password": "die Prüfung auf Passwort-Hashwerte",
    "token": "die Prüfung auf Zufallskennungen",
    "courtesy": "die Prüfung auf Anreden",
    "person_name": "die Prüfung auf Personennamen",
    "first_name": "den Abgleich mit dem Vornamen-Verzeichnis",
    "postcode": "die Prüfung auf Postleitzahlen",
    "date": "die Datumsprüfung",
    "image": "die Bildprüfung (JPEG-/PNG-Kopf)",
    "birthdate": "die Prüfung auf Geburtsdaten (1900 bis vor 15 Jahren)",
    "free_text": "die Freitext-Prüfung",
}
"""Each check's label in German, with its article as the sentence needs it
(``ValueCheck.local_label``: "200 von 200 Stichproben bestehen die E-Mail-Prüfung")."""


def run_check(key: str, values: Sequence[Any]) -> ValueResult:
    """Run one check over the non-null sampled values."""
    present = non_null(values)
    if key == "birthdate":
        passed, total = birthdate_share(present)
        return ValueResult(BIRTHDATE_CHECK, passed, total)
    if key == "free_text":
        passed, total = free_text_share(present)
        return ValueResult(FREE_TEXT_CHECK, passed, total)
    check = CHECKS_BY_KEY[key]
    return ValueResult(check, sum(1 for v in present if check.test(v)), len(present))


def standalone_match(values: Sequence[Any]) -> ValueResult | None:
    """The first unmistakable kind most sampled values are, whatever the column's name.

    Only checks that need no name to be believed run here (e-mail, IBAN with
    check digits, card numbers with Luhn, VAT ids, IP addresses, user agents,
    phone numbers in phone notation).
    """
    present = non_null(values)
    if len(present) < MIN_VALUES:
        return None
    texts = [v for v in present if isinstance(v, str)]
    if len(texts) < max(MIN_VALUES, len(present) // 2):
        return None  # numbers and dates are none of these
    for check in CHECKS:
        if not check.standalone:
            continue
        result = ValueResult(check, sum(1 for v in present if check.test(v)), len(present))
        if result.share >= DECIDING_SHARE:
            return result
    return None
