"""OpenCart 3.0.5.0 as a small German coffee roastery runs it: customers, guests,
affiliates and back-office staff, filled into the upstream DDL.

OpenCart declares no foreign keys (NOTES.md), so every link dsr has to find is a naming
convention (``customer_id``, ``order_id``), an e-mail column, a session id, or an id inside
JSON or PHP-serialized text, written here the way OpenCart's PHP writes it (``json_encode``
escapes ``/`` and non-ASCII, ids read from MySQL rows are strings). The planted customer has
rows in every table a customer can have rows in, among them a guest order placed before she
registered (``customer_id = 0``, reached only by e-mail) and its activity row (reached only
through ``order_id`` inside JSON). The traps are the ones a shop's data holds: a namesake,
a couple sharing one e-mail, other customers' orders that name her as their affiliate
(``affiliate_id``), and keys of other key spaces that equal her customer id (an order, a
staff user and that user's session, an API cart, a search category, a campaign).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import string
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Literal

import sqlalchemy as sa
from faker import Faker

from tests.apps.world import Db, Planted

SOURCE = "opencart"  # the source name write_config gives the database
PERSON_ID = 23  # the planted customer's id; other key spaces are made to hold it too
STORE_URL = "https://shop.example.com/"
STORE_NAME = "Kaffeerösterei am Markt"
ACCEPT_LANGUAGE = "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7"

Tag = Literal["own", "kept", "trap", "mention"] | None

# country_id, name, ISO-2, ISO-3 (OpenCart's own ids for these countries)
COUNTRIES = [
    (81, "Deutschland", "DE", "DEU"),
    (14, "Österreich", "AT", "AUT"),
    (204, "Schweiz", "CH", "CHE"),
    (150, "Niederlande", "NL", "NLD"),
    (21, "Belgien", "BE", "BEL"),
    (124, "Luxemburg", "LU", "LUX"),
    (73, "Frankreich", "FR", "FRA"),
    (57, "Dänemark", "DK", "DNK"),
    (170, "Polen", "PL", "POL"),
    (56, "Tschechien", "CZ", "CZE"),
    (105, "Italien", "IT", "ITA"),
]
ADDRESS_FORMAT = (
    "{company}\n{firstname} {lastname}\n{address_1}\n{address_2}\n{postcode} {city}\n{country}"
)
# zone_id, name of the German states (OpenCart's oc_zone ids for country 81)
ZONES = [
    (1256, "Baden-Württemberg"),
    (1257, "Bayern"),
    (1258, "Berlin"),
    (1260, "Bremen"),
    (1261, "Hamburg"),
    (1262, "Hessen"),
    (1264, "Niedersachsen"),
    (1265, "Nordrhein-Westfalen"),
    (1266, "Rheinland-Pfalz"),
    (1268, "Sachsen"),
    (1270, "Schleswig-Holstein"),
]
# order_status_id, German name, English name (OpenCart's default statuses)
STATUSES = [
    (1, "Wartend", "Pending"),
    (2, "In Bearbeitung", "Processing"),
    (3, "Versendet", "Shipped"),
    (5, "Abgeschlossen", "Complete"),
    (7, "Storniert", "Canceled"),
    (10, "Fehlgeschlagen", "Failed"),
    (11, "Erstattet", "Refunded"),
    (15, "Verarbeitet", "Processed"),
]
# product_id, name, model, price
PRODUCTS = [
    (28, "Espresso Bohne Napoli 1 kg", "ESP-NAP-1000", "24.90"),
    (29, "Filterkaffee Hochland 500 g", "FIL-HOC-500", "11.50"),
    (30, "Entkoffeiniert Swiss Water 250 g", "DEC-SWI-250", "8.90"),
    (33, "Handmühle Comandante C40", "MUE-C40", "249.00"),
    (34, "Siebträger-Tamper 58 mm", "ZUB-TMP-58", "39.00"),
    (36, "Milchkännchen Edelstahl 600 ml", "ZUB-MK-600", "19.90"),
    (40, "Probierpaket Single Origin", "PAK-SO-4", "32.00"),
    (41, "Kaffeeabo Monat (3 x 250 g)", "ABO-M-3", "27.00"),
    (42, "Espressokocher 6 Tassen", "MOK-6", "34.50"),
    (43, "Chemex 6 Tassen", "CHX-6", "54.00"),
    (44, "Filterpapier Chemex 100 St.", "CHX-FP-100", "9.90"),
    (45, "Cold-Brew-Flasche 1 l", "CB-1000", "29.00"),
    (46, "Kakao Trinkschokolade 300 g", "KAK-300", "7.90"),
    (47, "Geschenkbox Röstfrisch", "GES-BOX", "45.00"),
    (48, "Entkalker Bio 500 ml", "PFL-ENT-500", "6.50"),
    (49, "Barista-Kurs (Gutschein)", "KURS-BAR", "89.00"),
]
REVIEWS = [
    "Sehr aromatisch, nicht zu sauer. Kaufe ich wieder.",
    "Schnelle Lieferung, die Bohnen waren frisch geröstet.",
    "Für meinen Geschmack etwas zu dunkel geröstet.",
    "Top Qualität, aber die Verpackung war beschädigt.",
    "Mahlt gleichmäßig, auch für Espresso fein genug.",
    "Preis-Leistung passt, Crema ist super.",
]
SEARCHES = [
    "espresso",
    "entkoffeiniert",
    "mühle",
    "chemex filter",
    "geschenk",
    "abo",
    "kakao",
    "cold brew",
    "tamper 58",
    "siebträger",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
]
MOBILE_PREFIXES = ["0151", "0152", "0157", "0160", "0162", "0170", "0172", "0175", "0176"]
RETURN_COMMENTS = [
    "Ware beschädigt angekommen.",
    "Falscher Artikel geliefert.",
    "Mühle mahlt ungleichmäßig, bitte Ersatz.",
    "",
]


@dataclass
class Person:
    """One buyer as the shop sees them; ``customer_id`` 0 for a guest without account."""

    first: str
    last: str
    email: str
    phone: str
    street: str
    postcode: str
    city: str
    zone_id: int
    zone: str
    ip: str
    customer_id: int = 0
    address_id: int = 0
    company: str = ""
    country_id: int = 81

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def php_json(value: Any) -> str:
    """``json_encode`` as PHP writes it by default: ``\\uXXXX`` for non-ASCII, ``\\/``."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/")


def php_serialize(value: Any) -> str:
    """PHP's ``serialize()`` for the values OpenCart 2.x stored (arrays, strings, ints)."""
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, str):
        return f's:{len(value.encode("utf-8"))}:"{value}";'
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        body = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{body}}}"
    raise TypeError(type(value))


def ascii_slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "", "'": ""})
    return text.lower().translate(table).encode("ascii", "ignore").decode()


class Shop:
    """Writes the shop's rows; every row of interest is tagged for ``Planted`` as written."""

    def __init__(self, db: Db, fake: Faker, rng: random.Random, planted: Planted) -> None:
        self.db = db
        self.fake = fake
        self.rng = rng
        self.planted = planted
        self.next_order = 1
        self.emails: set[str] = set()
        self.online_ips: set[str] = set()
        # Read back from Python, not the database: SQLAlchemy cannot read SQLite's zero dates.
        self.orders: list[dict[str, Any]] = []
        self.by_order: dict[int, list[tuple[str, dict[str, Any]]]] = {}

    # -- generic -----------------------------------------------------------------------

    def put(self, table: str, tag: Tag, **values: Any) -> dict[str, Any]:
        key = self.db.insert(table, **values)
        if table == "oc_order":
            self.orders.append(values)
        elif values.get("order_id"):
            self.by_order.setdefault(int(values["order_id"]), []).append((table, key))
        if tag == "own":
            self.planted.add(table, key)
        elif tag == "kept":
            self.planted.add(table, key, kept=True)
        elif tag == "trap":
            self.planted.trap(table, key)
        elif tag == "mention":
            self.planted.mention(table, key)
        return key

    def zero_date(self, table: str, column: str, key: dict[str, Any]) -> None:
        """Set MySQL's zero date the way OpenCart's rows carry it (SQLite keeps it as text;
        SQLAlchemy would refuse the string as a date parameter, hence plain SQL)."""
        kind = self.db.table(table).c[column].type
        zero = "0000-00-00 00:00:00" if isinstance(kind, sa.DateTime) else "0000-00-00"
        where = " AND ".join(f"{k} = :k{i}" for i, k in enumerate(key))
        params = {f"k{i}": v for i, v in enumerate(key.values())}
        self.db.execute(f"UPDATE {table} SET {column} = '{zero}' WHERE {where}", **params)

    def when(self, start: int, end: int) -> dt.datetime:
        """A moment between two fixed years (never relative to today: retention ends
        computed from these dates must not move)."""
        value = self.fake.date_time_between(
            start_date=dt.datetime(start, 1, 1), end_date=dt.datetime(end, 12, 31)
        )
        return value.replace(microsecond=0)

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def session_id(self) -> str:
        return self.token(26, "0123456789abcdef")

    def unique_email(self, first: str, last: str) -> str:
        base = self.rng.choice(
            [f"{first}.{last}", f"{first[0]}.{last}", f"{last}.{first}", f"{first}{last[0]}"]
        )
        base = ascii_slug(base)
        tld = self.rng.choice(["com", "org", "net"])
        email = f"{base}@example.{tld}"
        n = 2
        while email in self.emails:
            email = f"{base}{n}@example.{tld}"
            n += 1
        self.emails.add(email)
        return email

    def phone(self) -> str:
        if self.rng.random() < 0.5:
            prefix = self.rng.choice(MOBILE_PREFIXES)
            return f"{prefix} {self.rng.randrange(1000000, 9999999)}"
        area = self.rng.choice(["030", "040", "089", "0221", "069", "0711", "0351", "0421"])
        return f"{area} {self.rng.randrange(100000, 9999999)}"

    def ip(self) -> str:
        if self.rng.random() < 0.2:
            return str(self.fake.ipv6())
        return str(self.fake.ipv4_public())

    def person(self, first: str | None = None, last: str | None = None) -> Person:
        first = first or self.fake.first_name()
        last = last or self.fake.last_name()
        zone_id, zone = self.rng.choice(ZONES)
        return Person(
            first=first,
            last=last,
            email=self.unique_email(first, last),
            phone=self.phone(),
            street=self.fake.street_address(),
            postcode=self.fake.postcode(),
            city=self.fake.city(),
            zone_id=zone_id,
            zone=zone,
            ip=self.ip(),
        )

    # -- neighbours --------------------------------------------------------------------

    def neighbours(self) -> None:
        for group_id, approval in ((1, 0), (2, 1), (3, 1)):
            self.db.insert(
                "oc_customer_group",
                customer_group_id=group_id,
                approval=approval,
                sort_order=group_id,
            )
        for country_id, name, iso2, iso3 in COUNTRIES:
            self.db.insert(
                "oc_country",
                country_id=country_id,
                name=name,
                iso_code_2=iso2,
                iso_code_3=iso3,
                address_format=ADDRESS_FORMAT if iso2 == "DE" else "",
                postcode_required=1,
                status=1,
            )
        for status_id, german, english in STATUSES:
            for language_id, name in ((1, english), (2, german)):
                self.db.insert(
                    "oc_order_status",
                    order_status_id=status_id,
                    language_id=language_id,
                    name=name,
                )
        for index, (product_id, _name, model, price) in enumerate(PRODUCTS):
            key = self.db.insert(
                "oc_product",
                product_id=product_id,
                model=model,
                sku=model,
                upc="",
                ean=f"40{self.rng.randrange(10**10, 10**11)}",
                jan="",
                isbn="",
                mpn="",
                location="Lager A",
                quantity=self.rng.randrange(0, 120),
                stock_status_id=7,
                image=f"catalog/produkte/{model.lower()}.jpg",
                manufacturer_id=self.rng.choice([0, 5, 8]),
                shipping=1,
                price=Decimal(price),
                points=0,
                tax_class_id=9,
                date_available=dt.date(2019, 1, 1),
                weight=0,
                weight_class_id=1,
                length=0,
                width=0,
                height=0,
                length_class_id=1,
                subtract=1,
                minimum=1,
                sort_order=index,
                status=1,
                viewed=self.rng.randrange(0, 5000),
                date_added=self.when(2017, 2020),
                date_modified=self.when(2021, 2024),
            )
            if index % 4 == 1:  # products imported without an availability date
                self.zero_date("oc_product", "date_available", key)

    # -- accounts ----------------------------------------------------------------------

    def customer(
        self,
        p: Person,
        customer_id: int,
        tag: Tag,
        *,
        registered: dt.datetime,
        custom_field: str = "[]",
        cart: str | None = None,
        wishlist: str | None = None,
        telephone: str | None = None,
        email: str | None = None,
        group: int = 1,
    ) -> None:
        p.customer_id = customer_id
        salt = self.token(9)
        self.put(
            "oc_customer",
            tag,
            customer_id=customer_id,
            customer_group_id=group,
            store_id=0,
            language_id=2,
            firstname=p.first,
            lastname=p.last,
            email=email or p.email,
            telephone=telephone or p.phone,
            fax="",
            password=hashlib.sha1(f"{salt}{p.email}".encode()).hexdigest(),
            salt=salt,
            cart=cart,
            wishlist=wishlist,
            newsletter=self.rng.choice([0, 1]),
            address_id=0,
            custom_field=custom_field,
            ip=p.ip,
            status=1,
            safe=0,
            token="",
            code="",
            date_added=registered,
        )

    def address(
        self,
        p: Person,
        tag: Tag,
        *,
        street: str | None = None,
        postcode: str | None = None,
        city: str | None = None,
        custom_field: str = "[]",
        default: bool = True,
    ) -> int:
        key = self.put(
            "oc_address",
            tag,
            customer_id=p.customer_id,
            firstname=p.first,
            lastname=p.last,
            company=p.company,
            address_1=street or p.street,
            address_2=self.rng.choice(["", "", "Hinterhaus", "3. OG"]),
            city=city or p.city,
            postcode=postcode or p.postcode,
            country_id=p.country_id,
            zone_id=p.zone_id,
            custom_field=custom_field,
        )
        address_id = int(key["address_id"])
        if default:
            p.address_id = address_id
            self.db.execute(
                "UPDATE oc_customer SET address_id = :a WHERE customer_id = :c",
                a=address_id,
                c=p.customer_id,
            )
        return address_id

    def activity(
        self,
        customer_id: int,
        key: str,
        data: dict[str, Any],
        ip: str,
        when: dt.datetime,
        tag: Tag,
    ) -> dict[str, Any]:
        return self.put(
            "oc_customer_activity",
            tag,
            customer_id=customer_id,
            key=key,
            data=php_json(data),
            ip=ip,
            date_added=when,
        )

    def account_activity(
        self, p: Person, key: str, when: dt.datetime, tag: Tag, **extra: Any
    ) -> None:
        data: dict[str, Any] = {"customer_id": str(p.customer_id), "name": p.name, **extra}
        self.activity(p.customer_id, key, data, p.ip, when, tag)

    def affiliate(
        self,
        p: Person,
        tag: Tag,
        *,
        tracking: str,
        iban: str,
        when: dt.datetime,
        website: str = "",
        company: str = "",
        tax: str = "",
        payment: str = "bank",
    ) -> None:
        """The affiliate form keeps the fields of every payout method; only the chosen
        one is filled (catalog/controller/account/affiliate.php)."""
        bank = payment == "bank"
        self.put(
            "oc_customer_affiliate",
            tag,
            customer_id=p.customer_id,
            company=company,
            website=website,
            tracking=tracking,
            commission=Decimal("5.00"),
            tax=tax,
            payment=payment,
            cheque=p.name if payment == "cheque" else "",
            paypal=p.email if payment == "paypal" else "",
            bank_name=self.rng.choice(["Sparkasse", "Volksbank", "GLS Bank"]) if bank else "",
            bank_branch_number="",
            bank_swift_code="",
            bank_account_name=p.name if bank else "",
            bank_account_number=iban if bank else "",
            custom_field="[]",
            status=1,
            date_added=when,
        )

    # -- orders ------------------------------------------------------------------------

    def order(
        self,
        p: Person,
        when: dt.datetime,
        tag: Tag,
        *,
        customer_id: int | None = None,
        email: str | None = None,
        telephone: str | None = None,
        street: str | None = None,
        postcode: str | None = None,
        city: str | None = None,
        status: int = 5,
        affiliate_id: int = 0,
        tracking: str = "",
        marketing_id: int = 0,
        comment: str = "",
        custom_field: str = "[]",
        lines: int = 2,
        line_tag: Tag | Literal["same"] = "same",
        ip: str | None = None,
    ) -> int:
        """One order with its lines and status history, as catalog/model/checkout/order.php
        writes it: the buyer's data copied into payment_* and shipping_*."""
        order_id = self.next_order
        self.next_order += 1
        sub_tag: Tag = tag if line_tag == "same" else line_tag
        chosen = self.rng.sample(PRODUCTS, lines)
        quantities = [self.rng.randrange(1, 4) for _ in chosen]
        total = sum(
            Decimal(price) * q for (_, _, _, price), q in zip(chosen, quantities, strict=True)
        )
        country = next(c for c in COUNTRIES if c[0] == p.country_id)
        address = {
            "firstname": p.first,
            "lastname": p.last,
            "company": p.company,
            "address_1": street or p.street,
            "address_2": "",
            "city": city or p.city,
            "postcode": postcode or p.postcode,
            "country": country[1],
            "country_id": p.country_id,
            "zone": p.zone,
            "zone_id": p.zone_id,
            "address_format": "",
        }
        self.put(
            "oc_order",
            tag,
            order_id=order_id,
            invoice_no=order_id if status in (3, 5) else 0,
            invoice_prefix=f"RE-{when.year}-",
            store_id=0,
            store_name=STORE_NAME,
            store_url=STORE_URL,
            customer_id=p.customer_id if customer_id is None else customer_id,
            customer_group_id=1,
            firstname=p.first,
            lastname=p.last,
            email=email or p.email,
            telephone=telephone or p.phone,
            fax="",
            custom_field=custom_field,
            **{f"payment_{k}": v for k, v in address.items()},
            payment_custom_field="[]",
            payment_method="Vorkasse / Überweisung",
            payment_code="bank_transfer",
            **{f"shipping_{k}": v for k, v in address.items()},
            shipping_custom_field="[]",
            shipping_method="DHL Paket",
            shipping_code="flat.flat",
            comment=comment,
            total=total + Decimal("4.90"),
            order_status_id=status,
            affiliate_id=affiliate_id,
            commission=(total * Decimal("0.05")).quantize(Decimal("0.0001"))
            if affiliate_id
            else Decimal(0),
            marketing_id=marketing_id,
            tracking=tracking,
            language_id=2,
            currency_id=3,
            currency_code="EUR",
            currency_value=Decimal(1),
            ip=ip or p.ip,
            forwarded_ip="",
            user_agent=self.rng.choice(AGENTS),
            accept_language=ACCEPT_LANGUAGE,
            date_added=when,
            date_modified=when + dt.timedelta(days=3),
        )
        for (product_id, name, model, price), quantity in zip(chosen, quantities, strict=True):
            self.put(
                "oc_order_product",
                sub_tag,
                order_id=order_id,
                product_id=product_id,
                name=name,
                model=model,
                quantity=quantity,
                price=Decimal(price),
                total=Decimal(price) * quantity,
                tax=(Decimal(price) * Decimal("0.07")).quantize(Decimal("0.0001")),
                reward=0,
            )
        steps = [(1, 1, "")]
        if status in (2, 3, 5):
            steps.append((2, 0, ""))
        if status in (3, 5):
            steps.append(
                (3, 1, f"Sendungsnummer DHL: 00340434{self.rng.randrange(10**11, 10**12)}")
            )
        if status == 5:
            steps.append((5, 0, ""))
        if status == 7:
            steps.append((7, 1, "Storniert, Zahlung nicht eingegangen."))
        for day, (status_id, notify, text) in enumerate(steps):
            self.put(
                "oc_order_history",
                sub_tag,
                order_id=order_id,
                order_status_id=status_id,
                notify=notify,
                comment=text,
                date_added=when + dt.timedelta(days=day),
            )
        return order_id

    def session(self, data: dict[str, Any], tag: Tag, expire: dt.datetime) -> str:
        session_id = self.session_id()
        self.put("oc_session", tag, session_id=session_id, data=php_json(data), expire=expire)
        return session_id

    def cart(
        self,
        customer_id: int,
        session_id: str,
        tag: Tag,
        when: dt.datetime,
        *,
        api_id: int = 0,
        option: str = "[]",
    ) -> None:
        self.put(
            "oc_cart",
            tag,
            api_id=api_id,
            customer_id=customer_id,
            session_id=session_id,
            product_id=self.rng.choice(PRODUCTS)[0],
            recurring_id=0,
            option=option,
            quantity=self.rng.randrange(1, 3),
            date_added=when,
        )

    def online(self, customer_id: int, ip: str, tag: Tag, when: dt.datetime, url: str) -> None:
        if ip in self.online_ips:  # the primary key is the IP
            return
        self.online_ips.add(ip)
        self.put(
            "oc_customer_online",
            tag,
            ip=ip,
            customer_id=customer_id,
            url=f"{STORE_URL}index.php?route={url}",
            referer=self.rng.choice(["", "https://www.google.de/", f"{STORE_URL}"]),
            date_added=when,
        )

    def search(
        self,
        customer_id: int,
        ip: str,
        tag: Tag,
        when: dt.datetime,
        *,
        category_id: int | None = None,
    ) -> None:
        self.put(
            "oc_customer_search",
            tag,
            store_id=0,
            language_id=2,
            customer_id=customer_id,
            keyword=self.rng.choice(SEARCHES),
            category_id=category_id,
            sub_category=0,
            description=self.rng.choice([0, 1]),
            products=self.rng.randrange(0, 12),
            ip=ip,
            date_added=when,
        )

    def address_dict(self, p: Person, address_id: int) -> dict[str, Any]:
        """An address array as OpenCart keeps it in the session (strings from MySQL rows)."""
        return {
            "address_id": str(address_id),
            "firstname": p.first,
            "lastname": p.last,
            "company": p.company,
            "address_1": p.street,
            "address_2": "",
            "postcode": p.postcode,
            "city": p.city,
            "zone_id": str(p.zone_id),
            "zone": p.zone,
            "zone_code": "",
            "country_id": str(p.country_id),
            "country": "Deutschland",
            "iso_code_2": "DE",
            "iso_code_3": "DEU",
            "address_format": ADDRESS_FORMAT,
            "custom_field": None,
        }


def populate(db: Db, fake: Faker, rng: random.Random) -> Planted:
    if db.mysql:  # the session mode OpenCart's driver sets (system/library/db/mysqli.php)
        db.execute("SET SESSION sql_mode = 'NO_ZERO_IN_DATE,NO_ENGINE_SUBSTITUTION'")

    # The planted customer: a German mobile, a name with an umlaut (so JSON holds \u00..).
    first = fake.first_name_female()
    last = fake.last_name()
    for _ in range(200):
        if ascii_slug(last) != last.lower():
            break
        last = fake.last_name()
    prefix = rng.choice(MOBILE_PREFIXES)
    number = str(rng.randrange(2000000, 9999999))
    national = f"{prefix} {number}"  # "0171 2345678"
    international = f"+49 {prefix[1:]} {number}"  # "+49 171 2345678"
    compact = f"+49{prefix[1:]}{number}"
    email = f"{ascii_slug(first)}.{ascii_slug(last)}@example.com"
    iban = str(fake.iban())
    planted = Planted(email=email, phone=international, first_name=first, last_name=last, iban=iban)
    shop = Shop(db, fake, rng, planted)
    shop.emails.add(email)
    shop.neighbours()

    # -- the people ----------------------------------------------------------------------
    others: list[Person] = []
    while len(others) < 31:
        other = shop.person()
        if (other.first, other.last) != (first, last):
            others.append(other)
    me = shop.person(first, last)
    shop.emails.discard(me.email)
    me.email = email
    me.phone = national
    me.zone_id, me.zone = 1258, "Berlin"
    me.city, me.postcode = "Berlin", "10437"
    me.street = f"{fake.street_name()} {rng.randrange(2, 120)}"
    old_street = f"{fake.street_name()} {rng.randrange(2, 90)}b"  # before she moved
    second_street = f"{fake.street_name()} {rng.randrange(2, 60)}"  # her office
    me.ip = "203.0.113.47"
    my_ipv6 = "2001:db8:85a3::8a2e:370:7334"
    planted.secrets += [me.street, old_street, second_street]
    namesake = others.pop()  # same first and last name, everything else different
    namesake.first, namesake.last = first, last
    namesake.email = f"{ascii_slug(first)[0]}.{ascii_slug(last)}@example.net"
    family_a, family_b = others[25], others[26]  # a couple sharing one e-mail
    family_b.last = family_a.last
    family_a.email = family_b.email = f"familie.{ascii_slug(family_a.last)}@example.org"

    # Customer ids: 1..22 others, 23 the planted customer, then the rest.
    ids = iter(range(1, 100))
    for p in others[:22]:
        p.customer_id = next(ids)
    me.customer_id = next(ids)
    assert me.customer_id == PERSON_ID
    for p in [*others[22:], namesake]:
        p.customer_id = next(ids)
    guests = [shop.person() for _ in range(5)]  # guest checkouts, no account
    family_b.customer_id = 0  # orders as a guest with the family address
    account_holders = [*(p for p in others if p is not family_b), namesake]

    # -- accounts of the others ----------------------------------------------------------
    affiliates: list[tuple[Person, str]] = []
    for index, p in enumerate(account_holders):
        tag: Tag = "trap" if p in (namesake, family_a) else None
        legacy = index % 6 == 0  # registered under OpenCart 2.x: serialized leftovers
        registered = shop.when(2014, 2024)
        shop.customer(
            p,
            p.customer_id,
            tag,
            registered=registered,
            custom_field=php_serialize({1: p.company}) if legacy else "[]",
            wishlist=php_serialize(["28", "42"]) if legacy else None,
            cart=php_serialize({}) if legacy else None,
            group=rng.choice([1, 1, 1, 2, 3]),
        )
        if index % 9 == 4:  # accounts imported from the old shop without a date
            shop.zero_date("oc_customer", "date_added", {"customer_id": p.customer_id})
        shop.address(p, tag)
        if index % 3 == 0:
            other = shop.person()
            shop.address(
                p, tag, street=other.street, postcode=other.postcode, city=other.city, default=False
            )
        shop.account_activity(p, "register", registered, tag)
        shop.account_activity(p, "login", shop.when(2024, 2025), tag)
        shop.put("oc_customer_ip", tag, customer_id=p.customer_id, ip=p.ip, date_added=registered)
        if index % 2 == 0:
            shop.put(
                "oc_customer_history",
                tag,
                customer_id=p.customer_id,
                comment=rng.choice(
                    [
                        "Rückfrage zur Lieferzeit telefonisch beantwortet.",
                        "Möchte Rechnungen künftig per Post.",
                        "Hat Reklamation zurückgezogen.",
                        "Stammkunde, Probierpaket als Dankeschön beigelegt.",
                    ]
                ),
                date_added=shop.when(2020, 2025),
            )
        if index % 2 == 1:
            shop.put(
                "oc_customer_login",
                tag,
                email=p.email.lower(),
                ip=p.ip,
                total=rng.randrange(1, 5),
                date_added=shop.when(2024, 2024),
                date_modified=shop.when(2025, 2025),
            )
        if index % 3 == 1:
            shop.online(p.customer_id, p.ip, tag, shop.when(2025, 2025), "account/account")
        if index % 2 == 0:
            product = PRODUCTS[index % len(PRODUCTS)][0]
            shop.put(
                "oc_customer_wishlist",
                tag,
                customer_id=p.customer_id,
                product_id=product,
                date_added=shop.when(2022, 2025),
            )
        shop.search(p.customer_id, p.ip, tag, shop.when(2023, 2025))
        if index % 3 == 2:
            sid = shop.session(
                {"language": "de-de", "currency": "EUR", "customer_id": str(p.customer_id)},
                tag,
                shop.when(2025, 2025),
            )
            shop.cart(p.customer_id, sid, tag, shop.when(2025, 2025))
        if index < 20 and index % 2 == 0 and p not in (namesake, family_a):
            tracking = shop.token(10)
            shop.affiliate(
                p,
                None,
                tracking=tracking,
                iban=str(fake.iban()),
                when=shop.when(2019, 2023),
                website=f"https://{ascii_slug(p.last)}-blog.example.org/",
                payment=("bank", "paypal", "bank", "cheque")[len(affiliates) % 4],
            )
            affiliates.append((p, tracking))

    # -- the planted customer's account ----------------------------------------------------
    my_registered = dt.datetime(2016, 3, 14, 19, 2, 11)
    shop.customer(
        me,
        PERSON_ID,
        "own",
        registered=my_registered,
        # registered under OpenCart 2.x: a custom field "Rückrufnummer" still serialized
        custom_field=php_serialize({2: international}),
        wishlist=php_serialize(["41"]),
        email=f"{ascii_slug(first).capitalize()}.{ascii_slug(last).capitalize()}@example.com",
    )
    home_id = shop.address(me, "own", custom_field=php_json({"4": "Klingel 3. OG links"}))
    me_office = replace(me, street=second_street, postcode="10115", company="Atelier Nord")
    office_id = shop.address(me_office, "own", default=False)
    tracking = shop.token(10)
    shop.affiliate(
        me,
        "own",
        tracking=tracking,
        when=dt.datetime(2021, 5, 2, 10, 0, 0),
        iban=" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)),
        website=f"https://{ascii_slug(first)}-kocht.example.org/",
        company="Atelier Nord",
        tax=f"{rng.randrange(10, 99)}/{rng.randrange(100, 999)}/{rng.randrange(10000, 99999)}",
    )
    shop.put(
        "oc_customer_history",
        "own",
        customer_id=PERSON_ID,
        comment=f"Kundin bittet um Rückruf wegen Abo, mobil {prefix}-{number}.",
        date_added=dt.datetime(2024, 2, 6, 9, 12, 0),
    )
    for ip, when in ((me.ip, my_registered), (my_ipv6, dt.datetime(2024, 11, 3, 8, 1, 0))):
        shop.put("oc_customer_ip", "own", customer_id=PERSON_ID, ip=ip, date_added=when)
    shop.put(
        "oc_customer_login",
        "own",
        email=email,
        ip=my_ipv6,
        total=3,
        date_added=dt.datetime(2025, 1, 9, 21, 14, 0),
        date_modified=dt.datetime(2025, 1, 9, 21, 16, 30),
    )
    shop.online(PERSON_ID, me.ip, "own", dt.datetime(2025, 6, 1, 12, 0, 0), "account/order")
    for product_id, wished in ((42, dt.datetime(2023, 12, 1, 7, 0, 0)), (33, None)):
        key = shop.put(
            "oc_customer_wishlist",
            "own",
            customer_id=PERSON_ID,
            product_id=product_id,
            date_added=wished or my_registered,
        )
        if wished is None:
            shop.zero_date("oc_customer_wishlist", "date_added", key)
    shop.search(PERSON_ID, me.ip, "own", dt.datetime(2024, 11, 3, 8, 2, 0))
    shop.search(PERSON_ID, my_ipv6, "own", dt.datetime(2025, 2, 17, 18, 40, 0))
    # Logged in: the session holds her id (a string, as read from MySQL) and her addresses.
    my_session = shop.session(
        {
            "language": "de-de",
            "currency": "EUR",
            "customer_id": str(PERSON_ID),
            "payment_address": shop.address_dict(me, home_id),
            "shipping_address": shop.address_dict(me_office, office_id),
            "shipping_method": {"code": "flat.flat", "title": "DHL Paket"},
        },
        "own",
        dt.datetime(2025, 6, 1, 13, 0, 0),
    )
    shop.cart(PERSON_ID, my_session, "own", dt.datetime(2025, 6, 1, 12, 10, 0))
    # Not logged in on her phone, checking out as a guest: only the session knows her.
    guest_session = shop.session(
        {
            "language": "de-de",
            "currency": "EUR",
            "account": "guest",
            "guest": {
                "customer_group_id": "1",
                "firstname": first,
                "lastname": last,
                "email": email,
                "telephone": compact,
                "custom_field": [],
                "shipping_address": "1",
            },
            "payment_address": shop.address_dict(me, 0),
        },
        "own",
        dt.datetime(2025, 5, 28, 22, 0, 0),
    )
    shop.cart(
        0, guest_session, "own", dt.datetime(2025, 5, 28, 21, 50, 0), option=php_json({"227": "18"})
    )

    # -- orders of the others (about 40, so that order id 23 is someone else's) ------------
    my_affiliate, my_affiliate_tracking = affiliates[3]
    buyers = [*account_holders, *guests, family_b]
    for round_ in range(2):
        for index, p in enumerate(buyers):
            if round_ and index % 2:
                continue
            is_trap = p in (namesake, family_a, family_b)
            affiliate = affiliates[index % len(affiliates)] if index % 5 == 0 else None
            if affiliate and affiliate[0] is p:
                affiliate = None
            order_id = shop.order(
                p,
                shop.when(2017, 2025),
                "trap" if is_trap else None,
                status=rng.choice([1, 2, 3, 5, 5, 5, 7]),
                affiliate_id=affiliate[0].customer_id if affiliate else 0,
                tracking=affiliate[1] if affiliate else "",
                lines=rng.randrange(1, 4),
            )
            if p.customer_id == 0:
                shop.activity(
                    0,
                    "order_guest",
                    {"name": p.name, "order_id": order_id},
                    p.ip,
                    shop.when(2017, 2025),
                    "trap" if is_trap else None,
                )
            elif index % 3 == 0:
                shop.account_activity(
                    p,
                    "order_account",
                    shop.when(2017, 2025),
                    "trap" if is_trap else None,
                    order_id=str(order_id),
                )
            if p.customer_id and index % 3 == 1:
                shop.put(
                    "oc_customer_reward",
                    "trap" if is_trap else None,
                    customer_id=p.customer_id,
                    order_id=order_id,
                    description=f"Bestellnummer: #{order_id}",
                    points=rng.randrange(10, 90),
                    date_added=shop.when(2018, 2025),
                )
            if p.customer_id and index % 4 == 2:
                shop.put(
                    "oc_customer_transaction",
                    "trap" if is_trap else None,
                    customer_id=p.customer_id,
                    order_id=order_id,
                    description=f"Gutschrift zu Bestellung #{order_id}",
                    amount=Decimal(rng.randrange(5, 40)),
                    date_added=shop.when(2018, 2025),
                )
    # Order 23 exists and belongs to another customer: a key that equals her customer id.
    assert shop.next_order > PERSON_ID
    planted.trap("oc_order", {"order_id": PERSON_ID})
    owner_of_23 = next(o["customer_id"] for o in shop.orders if o["order_id"] == PERSON_ID)
    # its account activity names order 23 inside JSON
    if owner_of_23:
        holder = next(p for p in account_holders if p.customer_id == owner_of_23)
        shop.account_activity(
            holder, "order_account", shop.when(2019, 2024), "trap", order_id=str(PERSON_ID)
        )

    # -- the planted customer's orders -------------------------------------------------------
    # 2015, before she registered: a guest order reached only by its e-mail, and its activity
    # row only through order_id in JSON. Older than eight years: no longer kept.
    old = dt.datetime(2015, 11, 27, 20, 41, 5)
    guest_order = shop.order(
        me,
        old,
        "own",
        customer_id=0,
        email=email,
        telephone=f"{prefix}/{number}",
        street=old_street,
        postcode="10245",
        status=5,
        lines=2,
        ip="198.51.100.23",
    )
    shop.zero_date("oc_order", "date_modified", {"order_id": guest_order})
    shop.activity(
        0, "order_guest", {"name": me.name, "order_id": guest_order}, "198.51.100.23", old, "own"
    )
    first_order = shop.order(
        me,
        dt.datetime(2023, 4, 18, 9, 30, 0),
        "kept",
        telephone=national,
        custom_field=php_json({"2": international}),
        comment="Bitte beim Nachbarn abgeben.",
    )
    second_order = shop.order(
        me,
        dt.datetime(2024, 12, 2, 17, 5, 0),
        "kept",
        telephone=compact,
        affiliate_id=my_affiliate.customer_id,
        tracking=my_affiliate_tracking,
        street=second_street,
        postcode="10115",
        lines=3,
    )
    shop.account_activity(me, "register", my_registered, "own")
    shop.account_activity(me, "address_add", dt.datetime(2021, 5, 2, 9, 55, 0), "own")
    shop.account_activity(me, "affiliate_add", dt.datetime(2021, 5, 2, 10, 0, 0), "own")
    shop.account_activity(me, "login", dt.datetime(2025, 6, 1, 11, 58, 0), "own")
    shop.account_activity(
        me, "order_account", dt.datetime(2023, 4, 18, 9, 30, 0), "own", order_id=first_order
    )
    shop.account_activity(
        me, "order_account", dt.datetime(2024, 12, 2, 17, 5, 0), "own", order_id=str(second_order)
    )
    shop.put(
        "oc_customer_reward",
        "own",
        customer_id=PERSON_ID,
        order_id=second_order,
        description=f"Bestellnummer: #{second_order}",
        points=48,
        date_added=dt.datetime(2024, 12, 5, 8, 0, 0),
    )
    shop.put(
        "oc_customer_reward",
        "own",
        customer_id=PERSON_ID,
        order_id=0,
        description="Treuepunkte Kundenjubiläum",
        points=100,
        date_added=dt.datetime(2021, 3, 14, 8, 0, 0),
    )
    shop.put(
        "oc_voucher",
        "kept",
        order_id=second_order,
        code=shop.token(10).upper(),
        from_name=me.name,
        from_email=email,
        to_name=fake.name(),
        to_email=f"{shop.token(6).lower()}@example.net",
        voucher_theme_id=8,
        message=f"Alles Gute zum Geburtstag! Deine {first}",
        amount=Decimal(25),
        status=1,
        date_added=dt.datetime(2024, 12, 2, 17, 5, 0),
    )
    my_return = shop.put(
        "oc_return",
        "own",
        order_id=first_order,
        product_id=33,
        customer_id=PERSON_ID,
        firstname=first,
        lastname=last,
        email=email,
        telephone=f"{prefix}/{number}",
        product="Handmühle Comandante C40",
        model="MUE-C40",
        quantity=1,
        opened=1,
        return_reason_id=3,
        return_action_id=0,
        return_status_id=2,
        comment="Mahlwerk klemmt nach zwei Wochen.",
        date_ordered=dt.date(2023, 4, 18),
        date_added=dt.datetime(2023, 5, 4, 12, 0, 0),
        date_modified=dt.datetime(2023, 5, 9, 12, 0, 0),
    )
    shop.zero_date("oc_return", "date_ordered", my_return)  # left empty in the form
    shop.account_activity(
        me,
        "return_account",
        dt.datetime(2023, 5, 4, 12, 0, 0),
        "own",
        return_id=str(my_return["return_id"]),
    )
    shop.put(
        "oc_customer_transaction",
        "kept",
        customer_id=PERSON_ID,
        order_id=first_order,
        description=f"Erstattung Retoure zu Bestellung #{first_order}",
        amount=Decimal("249.0000"),
        date_added=dt.datetime(2023, 5, 10, 9, 0, 0),
    )
    shop.put(
        "oc_review",
        "own",
        product_id=28,
        customer_id=PERSON_ID,
        author=f"{first}\u00a0{last}",  # the form's "&nbsp;" between the names
        text="Kräftig, schokoladig, perfekt für den Siebträger.",
        rating=5,
        status=1,
        date_added=dt.datetime(2023, 5, 20, 18, 0, 0),
        date_modified=dt.datetime(2023, 5, 21, 9, 0, 0),
    )

    # -- she is an affiliate: others' orders carry her id in affiliate_id -------------------
    referred = [others[3], others[11], guests[1]]
    for p in referred:
        order_id = shop.order(
            p, shop.when(2022, 2025), "trap", affiliate_id=PERSON_ID, tracking=tracking, lines=1
        )
        if p is others[3]:
            # her commission for it is her own ledger row, pointing at their order
            shop.put(
                "oc_customer_transaction",
                "kept",
                customer_id=PERSON_ID,
                order_id=order_id,
                description=f"Provision Bestellung #{order_id}",
                amount=Decimal("2.4500"),
                date_added=dt.datetime(2024, 3, 1, 0, 0, 0),
            )
    # The affiliate her own order names is another person.
    planted.trap("oc_customer", {"customer_id": my_affiliate.customer_id})
    planted.trap("oc_customer_affiliate", {"customer_id": my_affiliate.customer_id})

    # -- the namesake and the shared family e-mail -----------------------------------------
    shop.put(
        "oc_review",
        "trap",
        product_id=28,
        customer_id=namesake.customer_id,
        author=f"{first}\u00a0{last}",
        text="Zu bitter, leider nichts für mich.",
        rating=2,
        status=1,
        date_added=shop.when(2022, 2024),
        date_modified=shop.when(2024, 2024),
    )
    namesake_guest = dt.datetime(2018, 7, 1, 10, 0, 0)
    namesake_order = shop.order(namesake, namesake_guest, "trap", customer_id=0)
    shop.activity(
        0,
        "order_guest",
        {"name": namesake.name, "order_id": namesake_order},
        namesake.ip,
        namesake_guest,
        "trap",
    )
    shop.put(
        "oc_customer_login",
        "trap",
        email=family_a.email,
        ip=family_b.ip,
        total=2,
        date_added=shop.when(2024, 2024),
        date_modified=shop.when(2025, 2025),
    )

    # -- ids of other key spaces that equal her customer id ---------------------------------
    staff: list[tuple[int, str, str, str]] = []
    for user_id in (1, 2, 5, 9, PERSON_ID):
        person = shop.person()
        username = "admin" if user_id == 1 else ascii_slug(f"{person.first[0]}.{person.last}")
        key = shop.put(
            "oc_user",
            "trap" if user_id == PERSON_ID else None,
            user_id=user_id,
            user_group_id=1 if user_id < 5 else 10,
            username=username[:20],
            password=hashlib.sha1(username.encode()).hexdigest(),
            salt=shop.token(9),
            firstname=person.first,
            lastname=person.last,
            email=f"{ascii_slug(person.first)}@shop.example.com",
            image=f"catalog/team/{ascii_slug(person.first)}.jpg" if user_id < 9 else "",
            code="",
            ip=shop.ip(),
            status=1,
            date_added=shop.when(2015, 2024),
        )
        staff.append((int(key["user_id"]), username, person.first, person.last))
    # the back office keeps its sessions in oc_session too, with user_id
    shop.session(
        {"user_id": str(PERSON_ID), "user_token": shop.token(32)},
        "trap",
        dt.datetime(2025, 6, 2, 9, 0, 0),
    )
    # a failed back-office login: the username stands in the e-mail column
    shop.put(
        "oc_customer_login",
        None,
        email=staff[2][1],
        ip=shop.ip(),
        total=1,
        date_added=dt.datetime(2025, 2, 16, 9, 2, 27),
        date_modified=dt.datetime(2025, 2, 16, 9, 3, 1),
    )
    api_holder = others[5]
    api_session = shop.session(
        {"api_id": "1", "customer_id": str(api_holder.customer_id)},
        None,
        dt.datetime(2025, 4, 1, 10, 0, 0),
    )
    shop.cart(api_holder.customer_id, api_session, "trap", shop.when(2025, 2025), api_id=PERSON_ID)
    shop.search(
        others[7].customer_id, others[7].ip, "trap", shop.when(2024, 2025), category_id=PERSON_ID
    )
    shop.order(others[8], shop.when(2024, 2025), "trap", marketing_id=PERSON_ID, lines=1)

    # -- guests, visitors, back-office rows --------------------------------------------------
    for index, g in enumerate(guests):
        if index < 3:
            order_id = next(o["order_id"] for o in shop.orders if o["email"] == g.email)
            key = shop.put(
                "oc_return",
                None,
                order_id=order_id,
                product_id=rng.choice(PRODUCTS)[0],
                customer_id=0,
                firstname=g.first,
                lastname=g.last,
                email=g.email,
                telephone=g.phone,
                product="Espressokocher 6 Tassen",
                model="MOK-6",
                quantity=1,
                opened=0,
                return_reason_id=1,
                return_action_id=0,
                return_status_id=1,
                comment=rng.choice(RETURN_COMMENTS),
                date_ordered=dt.date(2024, 3, 1),
                date_added=shop.when(2024, 2024),
                date_modified=shop.when(2024, 2024),
            )
            shop.activity(
                0,
                "return_guest",
                {"name": g.name, "return_id": key["return_id"]},
                g.ip,
                shop.when(2024, 2024),
                None,
            )
        # a guest's checkout session, then the visitor's cart and search
        sid = shop.session(
            {
                "language": "de-de",
                "currency": "EUR",
                "account": "guest",
                "guest": {
                    "customer_group_id": "1",
                    "firstname": g.first,
                    "lastname": g.last,
                    "email": g.email,
                    "telephone": g.phone,
                    "custom_field": [],
                },
            },
            None,
            shop.when(2025, 2025),
        )
        shop.cart(0, sid, None, shop.when(2025, 2025))
    for index in range(12):  # anonymous visitors
        ip = shop.ip()
        sid = shop.session({"language": "de-de", "currency": "EUR"}, None, shop.when(2025, 2025))
        if index % 2 == 0:
            shop.cart(0, sid, None, shop.when(2025, 2025))
        shop.online(0, ip, None, shop.when(2025, 2025), "product/product&product_id=28")
        shop.search(0, ip, None, shop.when(2024, 2025))
    # A visitor (not logged in) behind the same IP as her: tied to her by the IP only.
    shop.search(0, me.ip, None, dt.datetime(2025, 6, 3, 7, 0, 0))
    for index, p in enumerate(account_holders[:12]):
        bought = next(
            (o["order_id"] for o in shop.orders if o["customer_id"] == p.customer_id),
            None,
        )
        if bought is None:
            continue
        tag = "trap" if p in (namesake, family_a) or bought == PERSON_ID else None
        key = shop.put(
            "oc_return",
            tag,
            order_id=bought,
            product_id=rng.choice(PRODUCTS)[0],
            customer_id=p.customer_id,
            firstname=p.first,
            lastname=p.last,
            email=p.email,
            telephone=p.phone,
            product="Filterkaffee Hochland 500 g",
            model="FIL-HOC-500",
            quantity=1,
            opened=rng.choice([0, 1]),
            return_reason_id=rng.randrange(1, 5),
            return_action_id=0,
            return_status_id=rng.randrange(1, 4),
            comment=rng.choice(RETURN_COMMENTS),
            date_ordered=dt.date(2024, 1, 1),
            date_added=shop.when(2020, 2025),
            date_modified=shop.when(2025, 2025),
        )
        if index % 4 == 3:
            shop.zero_date("oc_return", "date_ordered", key)
        if index % 2 == 0:
            shop.put(
                "oc_review",
                tag,
                product_id=rng.choice(PRODUCTS)[0],
                customer_id=p.customer_id,
                author=f"{p.first}\u00a0{p.last}",
                text=rng.choice(REVIEWS),
                rating=rng.randrange(2, 6),
                status=1,
                date_added=shop.when(2020, 2025),
                date_modified=shop.when(2025, 2025),
            )
    for _ in range(4):  # reviews typed in the back office: only an author name
        shop.put(
            "oc_review",
            None,
            product_id=rng.choice(PRODUCTS)[0],
            customer_id=0,
            author=fake.name(),
            text=rng.choice(REVIEWS),
            rating=rng.randrange(3, 6),
            status=1,
            date_added=shop.when(2018, 2024),
            date_modified=shop.when(2024, 2024),
        )
    shared = {namesake.email, family_a.email}
    orders = [o for o in shop.orders if o["email"] != email]
    for index in range(10):  # gift vouchers, bought with orders or made in the back office
        buyer = orders[index * 3 % len(orders)]
        from_order = index % 4 != 3
        recipient = shop.person()
        shop.put(
            "oc_voucher",
            "trap"
            if from_order and (buyer["order_id"] == PERSON_ID or buyer["email"] in shared)
            else None,
            order_id=buyer["order_id"] if from_order else 0,
            code=shop.token(10).upper(),
            from_name=f"{buyer['firstname']} {buyer['lastname']}" if from_order else STORE_NAME,
            from_email=buyer["email"] if from_order else "info@shop.example.com",
            to_name=recipient.name,
            to_email=recipient.email,
            voucher_theme_id=8,
            message=rng.choice(["Viel Spaß beim Genießen!", "Danke für alles!", ""]),
            amount=Decimal(rng.choice([15, 25, 50])),
            status=1,
            date_added=shop.when(2019, 2025),
        )
    # Staff notes about another customer that name her (a mention, not her row), and another
    # customer's order comment with her e-mail.
    shop.put(
        "oc_customer_history",
        "mention",
        customer_id=others[2].customer_id,
        comment=f"Bestellt regelmäßig Geschenke für {me.name} ({email}); Rechnung an sich.",
        date_added=dt.datetime(2024, 9, 9, 14, 0, 0),
    )
    shop.order(
        others[4],
        shop.when(2024, 2025),
        "mention",
        lines=1,
        line_tag=None,
        comment=f"Geschenk, bitte Versandbestätigung auch an {email} schicken.",
    )
    # every row that hangs on order 23 (lines, history, points, credit, voucher, return)
    for table, key in shop.by_order.get(PERSON_ID, []):
        planted.trap(table, key)
    assert not planted.traps & planted.own, planted.traps & planted.own
    assert not planted.mentions & planted.own, planted.mentions & planted.own
    return planted
