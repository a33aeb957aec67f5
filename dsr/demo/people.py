"""Who lives in the demo company: nine planted people and a seeded Faker crowd.

Every other demo module draws from one ``Population`` so that the systems
overlap the way they do in a real company (most helpdesk users and CRM
contacts are shop customers, some are not) and so that the planted people,
whose records later features are tested against, are the same for every seed
and every size. Only addresses in the reserved example domains are used, so no
real mailbox is ever addressed.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker

ANCHOR = date(2026, 10, 31)
"""The last day any demo data may carry; no date depends on today's date."""

EXPORT_DATE = date(2026, 11, 1)
"""The day the SaaS exports were taken (file names, fixed archive timestamps)."""

EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")

MIN_CUSTOMERS = 20
MAX_CUSTOMERS = 1_000_000


@dataclass(frozen=True)
class Phone:
    """A phone number split the way people write it, so each system can write it its own way."""

    country_code: str
    area: str
    number: str

    def international(self) -> str:
        """``+49 171 2345678``: how the shop stores numbers."""
        return f"+{self.country_code} {self.area} {self.number}"

    def national(self) -> str:
        """``0171 2345678``: how people type their number into a helpdesk form."""
        return f"0{self.area} {self.number}"

    def e164(self) -> str:
        """``+491712345678``: the normalised form lookups compare."""
        return f"+{self.country_code}{self.area}{self.number}"

    def slashed(self) -> str:
        """``0171/2345678``: the old German office style."""
        return f"0{self.area}/{self.number}"


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    state: str
    country: str


@dataclass
class Person:
    """One human being, with the spelling each system uses where it differs."""

    key: str
    salutation: str
    first_name: str
    last_name: str
    email: str
    phone: Phone | None
    birthdate: date | None
    address: Address
    language: str
    created_at: datetime
    case: int | None = None
    company: str | None = None
    spellings: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def spelled(self, system: str, attribute: str, default: str | None) -> str | None:
        """The value ``system`` holds for ``attribute``: its own spelling, else ``default``."""
        return self.spellings.get(system, {}).get(attribute, default)


@dataclass(frozen=True)
class Staff:
    """An employee: support agent, note author and CRM contact owner."""

    first_name: str
    last_name: str
    email: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


STAFF: tuple[Staff, ...] = (
    Staff("Miriam", "Albrecht", "miriam.albrecht@example.com"),
    Staff("Tobias", "Keller", "tobias.keller@example.com"),
    Staff("Nina", "Brandt", "nina.brandt@example.com"),
    Staff("Felix", "Hartmann", "felix.hartmann@example.com"),
)


@dataclass(frozen=True)
class PlantedCase:
    """A hard case a correct tool must handle, as README.md and the tests state it."""

    case: int
    label: str
    person_key: str
    expect: str


def _planted_people() -> list[Person]:
    """The fixed people behind the planted cases; nothing here depends on the seed."""
    stuttgart = "BW"
    return [
        Person(
            key="juergen-mueller",
            salutation="Herr",
            first_name="Jürgen",
            last_name="Müller",
            email="juergen.mueller@example.com",
            phone=Phone("49", "171", "2345678"),
            birthdate=date(1978, 5, 23),
            address=Address("Rotebühlstraße 121", "70178", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2018, 3, 12, 9, 14, 5),
            case=1,
            spellings={
                "zendesk": {"name": "Juergen Mueller", "phone": "0171 2345678"},
                "hubspot": {"last_name": "Mueller", "phone": "0049171 2345678"},
                "newsletter": {"email": "Juergen.Mueller@Example.com"},
                "mailchimp": {"phone": "0171/2345678"},
            },
        ),
        Person(
            key="anna-schmidt",
            salutation="Frau",
            first_name="Anna",
            last_name="Schmidt",
            email="anna.schmidt@example.net",
            phone=Phone("49", "152", "28817345"),
            birthdate=date(1985, 4, 12),
            address=Address("Hauptstätter Straße 66", "70178", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2017, 8, 2, 19, 41, 12),
            case=3,
        ),
        Person(
            key="anna-schmitt",
            salutation="Frau",
            first_name="Anna",
            last_name="Schmitt",
            email="Anna.Schmidt@Example.net",
            phone=None,
            birthdate=date(1985, 4, 12),
            address=Address("Hauptstätter Straße 66", "70178", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2023, 2, 14, 21, 3, 44),
            case=3,
        ),
        Person(
            key="petra-klein",
            salutation="Frau",
            first_name="Petra",
            last_name="Klein",
            email="petra.klein@example.org",
            phone=Phone("49", "711", "6543210"),
            birthdate=date(1969, 11, 30),
            address=Address("Schwabstraße 40", "70197", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2019, 5, 6, 8, 2, 51),
            case=4,
        ),
        Person(
            key="thomas-becker",
            salutation="Herr",
            first_name="Thomas",
            last_name="Becker",
            email="thomas.becker@example.com",
            phone=Phone("49", "160", "9876543"),
            birthdate=date(1974, 2, 8),
            address=Address("Schwabstraße 42", "70197", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2020, 1, 17, 12, 30, 0),
            case=4,
            spellings={"zendesk": {"email": "Thomas.Becker@Example.com"}},
        ),
        Person(
            key="sabine-hoffmann",
            salutation="Frau",
            first_name="Sabine",
            last_name="Hoffmann",
            email="sabine.hoffmann@example.com",
            phone=Phone("49", "176", "1122334"),
            birthdate=date(1962, 7, 19),
            address=Address("Marktplatz 3", "71634", "Ludwigsburg", stuttgart, "DE"),
            language="de",
            created_at=datetime(2016, 10, 3, 16, 45, 9),
            case=5,
            spellings={"hubspot": {"email": "Sabine.Hoffmann@Example.com"}},
        ),
        Person(
            key="katharina-weiss",
            salutation="Frau",
            first_name="Katharina",
            last_name="Weiß",
            email="katharina.weiss@example.com",
            phone=Phone("49", "170", "5566778"),
            birthdate=date(1981, 9, 3),
            address=Address("Tübinger Straße 17", "70178", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2015, 11, 20, 10, 11, 30),
            case=6,
            spellings={"shop_before": {"email": "k.weiss@example.net"}},
        ),
        Person(
            key="oliver-bennett",
            salutation="Mr",
            first_name="Oliver",
            last_name="Bennett",
            email="oliver.bennett@example.org",
            phone=Phone("44", "7700", "900123"),
            birthdate=date(1988, 12, 1),
            address=Address("14 Harbour Street", "BN1 1AA", "Brighton", "", "GB"),
            language="en",
            created_at=datetime(2024, 6, 9, 18, 22, 47),
            case=8,
        ),
        Person(
            key="lena-vogel",
            salutation="Frau",
            first_name="Lena",
            last_name="Vogel",
            email="lena.vogel@example.net",
            phone=None,
            birthdate=None,
            address=Address("", "", "", "", "DE"),
            language="de",
            created_at=datetime(2024, 2, 11, 14, 5, 0),
            case=7,
        ),
        Person(
            key="bjoern-weissgerber",
            salutation="Herr",
            first_name="Björn",
            last_name="Weißgerber",
            email="bjoern.weissgerber@example.org",
            phone=Phone("49", "711", "4455667"),
            birthdate=date(1990, 3, 27),
            address=Address("Königsträßle 9", "70597", "Stuttgart", stuttgart, "DE"),
            language="de",
            created_at=datetime(2025, 4, 2, 20, 16, 33),
            case=9,
        ),
    ]


PLANTED_CASES: tuple[PlantedCase, ...] = (
    PlantedCase(
        1,
        "one person in several systems, spelled differently",
        "juergen-mueller",
        "A lookup by any one of his identifiers must find him in shop, zendesk, hubspot, "
        "newsletter and mailchimp: names compared after folding umlauts (ü = ue), phone "
        "numbers after normalising to +491712345678, e-mail addresses case-insensitively.",
    ),
    PlantedCase(
        2,
        "e-mail address in mixed case",
        "juergen-mueller",
        "Newsletter row holds Juergen.Mueller@Example.com; a lookup for "
        "juergen.mueller@example.com must match it (e-mail compared case-insensitively).",
    ),
    PlantedCase(
        2,
        "e-mail address in mixed case",
        "thomas-becker",
        "The Zendesk user holds Thomas.Becker@Example.com while the shop holds "
        "thomas.becker@example.com; both are the same person.",
    ),
    PlantedCase(
        2,
        "e-mail address in mixed case",
        "sabine-hoffmann",
        "The HubSpot contact holds Sabine.Hoffmann@Example.com; it must match "
        "sabine.hoffmann@example.com from the shop.",
    ),
    PlantedCase(
        3,
        "duplicate customer: registered twice",
        "anna-schmitt",
        "Two shop customer rows are one person (same birthdate and address; the second "
        "registration has a typo in the last name, 'Schmitt', and the e-mail in mixed case, "
        "Anna.Schmidt@Example.net). A lookup by e-mail must find both rows; access must "
        "report both and erasure must cover both.",
    ),
    PlantedCase(
        4,
        "a customer's e-mail inside another customer's records",
        "petra-klein",
        "Petra Klein's name and e-mail stand in Thomas Becker's Zendesk comment and in his "
        "shop support note. A lookup for Petra must report both as mentions; erasing Petra "
        "redacts those passages and must not delete Thomas's ticket or note; Thomas's access "
        "copy must redact Petra's data (Art. 15(4)).",
    ),
    PlantedCase(
        5,
        "health data in free text (Art. 9)",
        "sabine-hoffmann",
        "The support note ('Kundin ist Diabetikerin ...') and her Zendesk comment "
        "('Wegen meiner Zöliakie ...') hold health data. The inventory must flag "
        "support_notes.note and Zendesk comment bodies as free text with special-category "
        "data; her access copy includes both.",
    ),
    PlantedCase(
        6,
        "invoices under legal retention; erasure requested",
        "katharina-weiss",
        "Erasure keeps the invoices of 2019, 2023 and 2025 with their invoice_lines "
        "(8 years from the end of the invoice year: kept until 2027-12-31, 2031-12-31 and "
        "2033-12-31) and erases the 2016 invoice (period ended 2024-12-31) and the rest of "
        "her profile, including the customer_history row that still holds her old e-mail "
        "k.weiss@example.net.",
    ),
    PlantedCase(
        7,
        "only in the newsletter list",
        "lena-vogel",
        "Found only in data/newsletter.xlsx, sheet Abonnenten; every other source must "
        "report nothing, and the access letter still confirms what is held.",
    ),
    PlantedCase(
        8,
        "English-speaking customer",
        "oliver-bennett",
        "Shop customer (language 'en', UK address) and Zendesk user (locale en-gb) with an "
        "English ticket: letters to him are written in English.",
    ),
    PlantedCase(
        9,
        "only in the event sign-ups and Mailchimp (unsubscribed), with umlauts",
        "bjoern-weissgerber",
        "data/event-signups.csv is cp1252 with ';': 'Björn Weißgerber' must read as such "
        "(not 'BjÃ¶rn'); his sign-up remark spans two lines. Mailchimp lists him as "
        "unsubscribed; he has no shop account.",
    ),
)


@dataclass
class Population:
    """Everyone in the demo, and which system knows whom."""

    customers: list[Person]
    helpdesk: list[Person]
    crm: list[Person]
    newsletter: list[Person]
    newsletter_left: list[Person]
    events: list[Person]
    mailchimp_subscribed: list[Person]
    mailchimp_unsubscribed: list[Person]
    mailchimp_cleaned: list[Person]
    planted: dict[str, Person]


_STUTTGART_POSTCODES = (
    "70173",
    "70174",
    "70176",
    "70178",
    "70180",
    "70182",
    "70184",
    "70186",
    "70188",
    "70190",
    "70191",
    "70192",
    "70193",
    "70195",
    "70197",
    "70199",
    "70327",
    "70329",
    "70372",
    "70374",
    "70376",
    "70378",
    "70435",
    "70437",
    "70439",
    "70469",
    "70499",
    "70563",
    "70565",
    "70567",
    "70569",
    "70597",
    "70599",
    "70619",
    "70629",
)
_MOBILE_PREFIXES = (
    "151",
    "152",
    "157",
    "159",
    "160",
    "162",
    "163",
    "170",
    "171",
    "172",
    "173",
    "174",
    "175",
    "176",
    "177",
    "178",
    "179",
)
_AREA_CODES = ("711", "7031", "7141", "7151", "7021", "721", "621", "89", "30", "40", "221")
_UMLAUTS = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
)


def ascii_fold(text: str) -> str:
    """German transliteration (ü -> ue), then accents dropped: how people build e-mail names."""
    text = unicodedata.normalize("NFKD", text.translate(_UMLAUTS))
    return "".join(c for c in text if not unicodedata.combining(c))


def random_datetime(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A second-precise moment in [start, end], drawn from ``rng`` only."""
    span = max(int((end - start).total_seconds()), 0)
    return start + timedelta(seconds=rng.randint(0, span))


class _Crowd:
    """Generates distinct Faker people: no clash with planted names, e-mails or phones."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(f"dsr-demo-people-{seed}")
        self.de = Faker("de_DE")
        self.de.seed_instance(seed)
        self.en = Faker("en_GB")
        self.en.seed_instance(seed)
        self.counter = 0
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.names: set[tuple[str, str]] = set()

    def reserve(self, people: Iterable[Person]) -> None:
        for person in people:
            self.names.add((person.first_name, person.last_name))
            self.emails.add(person.email.lower())
            for spelling in person.spellings.values():
                if "email" in spelling:
                    self.emails.add(spelling["email"].lower())
            if person.phone is not None:
                self.phones.add(person.phone.e164())
        for staff in STAFF:
            self.names.add((staff.first_name, staff.last_name))
            self.emails.add(staff.email)

    def person(self, start: datetime, end: datetime, *, company: bool = False) -> Person:
        rng = self.rng
        english = rng.random() < 0.10
        fake = self.en if english else self.de
        female = rng.random() < 0.5
        while True:
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            if (first, last) not in self.names:
                break
        salutation = ("Ms" if female else "Mr") if english else "Frau" if female else "Herr"
        self.counter += 1
        return Person(
            key=f"p{self.counter:06d}",
            salutation=salutation,
            first_name=first,
            last_name=last,
            email=self._email(first, last),
            phone=self._phone(english) if rng.random() < 0.88 else None,
            birthdate=self._birthdate(),
            address=self._address(english and rng.random() < 0.6),
            language="en" if english else "de",
            created_at=random_datetime(rng, start, end),
            company=self.de.company() if company else None,
        )

    def _email(self, first: str, last: str) -> str:
        rng = self.rng
        f = ascii_fold(first).lower().replace(" ", "")
        s = ascii_fold(last).lower().replace(" ", "")
        f = "".join(c for c in f if c.isalnum() or c == "-")
        s = "".join(c for c in s if c.isalnum() or c == "-")
        roll = rng.random()
        if roll < 0.55:
            local = f"{f}.{s}"
        elif roll < 0.70:
            local = f"{f[0]}.{s}"
        elif roll < 0.80:
            local = f"{f}{s}"
        elif roll < 0.85:
            local = f"{s}.{f}"
        else:
            local = f"{f}.{s}{rng.randint(1, 99)}"
        domain = rng.choices(EXAMPLE_DOMAINS, weights=(6, 2, 2))[0]
        email = f"{local}@{domain}"
        n = 2
        while email in self.emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.emails.add(email)
        if rng.random() < 0.02:  # typed by hand, kept as typed
            email = f"{local.title()}@{domain.capitalize()}"
        return email

    def _phone(self, english: bool) -> Phone:
        rng = self.rng
        while True:
            if english:
                phone = Phone("44", "7700", f"900{rng.randint(0, 999):03d}")
                if phone.e164() in self.phones:
                    phone = Phone(
                        "44", f"7{rng.randint(400, 999)}", f"{rng.randint(0, 999999):06d}"
                    )
            elif rng.random() < 0.8:
                phone = Phone(
                    "49", rng.choice(_MOBILE_PREFIXES), str(rng.randint(1000000, 99999999))
                )
            else:
                phone = Phone("49", rng.choice(_AREA_CODES), str(rng.randint(100000, 9999999)))
            if phone.e164() not in self.phones:
                self.phones.add(phone.e164())
                return phone

    def _birthdate(self) -> date | None:
        if self.rng.random() < 0.15:
            return None
        return date(1940, 1, 1) + timedelta(days=self.rng.randint(0, 66 * 365))

    def _address(self, uk: bool) -> Address:
        rng = self.rng
        if uk:
            fake = self.en
            street = f"{fake.building_number()} {fake.street_name()}"
            return Address(street, fake.postcode(), fake.city(), "", "GB")
        fake = self.de
        street = f"{fake.street_name()} {fake.building_number()}"
        if rng.random() < 0.3:
            return Address(street, rng.choice(_STUTTGART_POSTCODES), "Stuttgart", "BW", "DE")
        return Address(street, fake.postcode(), fake.city(), "", "DE")


def _pick(rng: random.Random, people: list[Person], share: float) -> list[Person]:
    """A stable random subset in the original order."""
    return [p for p in people if rng.random() < share]


def build_population(
    customers: int, seed: int, tick: Callable[[int], None] | None = None
) -> Population:
    """Everyone in the demo: ``customers`` shop rows (planted ones included) and the rest.

    ``tick`` is called with a count now and then, so a caller can show progress.
    """
    planted = {p.key: p for p in _planted_people()}
    crowd = _Crowd(seed)
    crowd.reserve(planted.values())
    rng = random.Random(f"dsr-demo-membership-{seed}")

    shop_keys = (
        "juergen-mueller",
        "anna-schmidt",
        "anna-schmitt",
        "petra-klein",
        "thomas-becker",
        "sabine-hoffmann",
        "katharina-weiss",
        "oliver-bennett",
    )
    start, end = datetime(2015, 6, 1), datetime(2026, 10, 15, 23, 59, 59)
    generated: list[Person] = []
    for i in range(customers - len(shop_keys)):
        generated.append(crowd.person(start, end))
        if tick is not None and (i + 1) % 1000 == 0:
            tick(1000)
    shop = [planted[k] for k in shop_keys] + generated

    def outsiders(count: int, *, company: bool = False) -> list[Person]:
        return [crowd.person(datetime(2019, 1, 1), end, company=company) for _ in range(count)]

    helpdesk_only = outsiders(max(2, customers // 40))
    leads = outsiders(max(3, customers // 10), company=True)
    newsletter_only = outsiders(max(2, customers // 25))
    event_only = outsiders(max(2, customers // 100))
    bounced = outsiders(max(1, customers // 100))

    newsletter = _pick(rng, generated, 0.22) + newsletter_only
    subscribed = {person.key for person in newsletter}
    newsletter_left = [x for x in _pick(rng, generated, 0.05) if x.key not in subscribed]
    p = planted
    return Population(
        customers=shop,
        helpdesk=[
            p["juergen-mueller"],
            p["thomas-becker"],
            p["sabine-hoffmann"],
            p["oliver-bennett"],
            *_pick(rng, generated, 0.35),
            *helpdesk_only,
        ],
        crm=[p["juergen-mueller"], p["sabine-hoffmann"], *_pick(rng, generated, 0.45), *leads],
        newsletter=[p["juergen-mueller"], p["lena-vogel"], *newsletter],
        newsletter_left=newsletter_left,
        events=[p["bjoern-weissgerber"], *_pick(rng, generated, 0.04), *event_only],
        mailchimp_subscribed=[p["juergen-mueller"], *_pick(rng, newsletter, 0.8)],
        mailchimp_unsubscribed=[p["bjoern-weissgerber"], *newsletter_left],
        mailchimp_cleaned=bounced,
        planted=planted,
    )
