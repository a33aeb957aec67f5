"""PrestaShop 8.x filled with an outdoor shop's customers, visitors and staff, one planted.

The links follow ../shared/data/apps/prestashop/NOTES.md. PrestaShop declares no foreign
keys: rows point to each other through ``id_<table>`` columns, payments reach their order
only through the order's ``reference`` string, contact-form threads of writers without an
account only through ``ps_customer_thread.email``, the mail log only through ``recipient``,
and the application log through ``object_type`` + ``object_id``. The planted person has two
customer rows with one e-mail address (a guest checkout first, a registration later), as
real shops do.

The traps are the ones this schema invites. The planted account ids (4 and 23) are also ids
of other people's rows in other key spaces: back-office employee 4, visitor (``ps_guest``)
rows 4 and 23 with their visits and carts, order 23 and cart 4 named by log rows, a supplier
address whose ``id_supplier`` is 23. An employee row's ``id_last_customer`` points at the
person, but the row is the employee's. A namesake and a family sharing one e-mail address
have rows of their own. Another customer's staff note and another customer's message name
the person (mentions). Visits from the person's IP address by a browser that never logged
in are tied to them by the IP only and are therefore not theirs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import itertools
import json
import random
import re
import string
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from tests.apps.world import Db, Planted

Key = dict[str, Any]

PLANTED_ID = 23
"""The person's registered account."""
PLANTED_GUEST_ID = 4
"""The person's earlier guest-checkout account (same e-mail address, ``is_guest = 1``)."""
COLLIDING = (PLANTED_GUEST_ID, PLANTED_ID)

REGULAR_OTHERS = 28
EMPLOYEES = 10
ANONYMOUS_VISITORS = 8

ZERO_DATE = "0000-00-00"
ZERO_DATETIME = "0000-00-00 00:00:00"

# Kept by law (Art. 17(3)(b) GDPR): invoices, their lines, credit slips and payments.
KEPT_DATED = ("ps_orders", "ps_order_invoice", "ps_order_slip", "ps_order_payment")
KEPT_UNDATED = ("ps_order_detail",)  # order lines carry no date of their own
KEPT = frozenset(KEPT_DATED + KEPT_UNDATED)
RETENTION: list[dict[str, Any]] = [
    {
        "name": "Rechnungen und Buchungsbelege",
        "tables": [f"prestashop.{t}" for t in KEPT_DATED],
        "date_column": "date_add",
        "years": 10,
        "basis": "§ 147 AO, § 257 HGB",
    },
    {
        "name": "Rechnungspositionen",
        "tables": [f"prestashop.{t}" for t in KEPT_UNDATED],
        "years": 10,
        "basis": "§ 147 AO, § 257 HGB",
    },
]

SHOP_ADDRESS = "Bergsport Beispiel GmbH\nIndustriestr. 12\n80331 München\nDeutschland"
SHOP_DOMAIN = "bergsport.example.com"

# (id_country, iso_code, call_prefix, zip_code_format); PrestaShop's own ids.
COUNTRIES = (
    (1, "DE", 49, "NNNNN"),
    (2, "AT", 43, "NNNN"),
    (8, "FR", 33, "NNNNN"),
    (13, "NL", 31, "NNNN LL"),
    (19, "CH", 41, "NNNN"),
    (6, "ES", 34, "NNNNN"),
)

# (id_product, name, unit price incl. tax, weight kg); ps_product is not in the extract.
PRODUCTS = (
    (1, "Wanderschuh Alpina Damen", 139.90, 1.1),
    (2, "Wanderschuh Alpina Herren", 149.90, 1.3),
    (3, "Regenjacke Nordwind", 189.00, 0.6),
    (4, "Trinkflasche 0,75 l", 19.95, 0.2),
    (5, "Rucksack Tourer 30 l", 99.00, 1.2),
    (6, "Funktionsshirt Merino", 59.90, 0.2),
    (7, "Merinosocken 3er-Pack", 24.90, 0.2),
    (8, "Stirnlampe LED 400 lm", 44.50, 0.1),
    (9, "Thermoskanne 1 l", 34.90, 0.5),
    (10, "Schlafsack Sommer 800 g", 129.00, 0.8),
)

# ps_order_state ids of a default install.
AWAITING_WIRE, PAYMENT_ACCEPTED, PROCESSING, SHIPPED, DELIVERED, CANCELED, REFUNDED = (
    10, 2, 3, 4, 5, 6, 7,
)  # fmt: skip
HISTORY = {
    "awaiting": (AWAITING_WIRE,),
    "processing": (AWAITING_WIRE, PAYMENT_ACCEPTED, PROCESSING),
    "delivered": (PAYMENT_ACCEPTED, PROCESSING, SHIPPED, DELIVERED),
    "refunded": (PAYMENT_ACCEPTED, PROCESSING, SHIPPED, DELIVERED, REFUNDED),
    "canceled": (AWAITING_WIRE, CANCELED),
}
PAYMENTS = (  # (payment label, module)
    ("Überweisung", "ps_wirepayment"),
    ("PayPal", "paypal"),
    ("Kreditkarte", "ps_checkout"),
)
GROUP_GUEST, GROUP_CUSTOMER, GROUP_B2B = 2, 3, 4
CONTACT_WEBMASTER, CONTACT_SERVICE = 1, 2
MOBILE_PREFIXES = ("0151", "0152", "0157", "0160", "0162", "0170", "0171", "0172", "0176")
LANGUAGES = ("de-DE", "de", "de-AT", "en-US", "de-CH")


def ip2long(ip: str) -> int:
    """PHP's ``ip2long``: what PrestaShop stores for a visitor's IPv4 address."""
    return int(ipaddress.IPv4Address(ip))


def slug(text: str) -> str:
    """An ASCII local part from a German name (``Jürgen Groß`` -> ``juergen.gross``)."""
    text = text.lower()
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".")


def mobile(prefix: str, number: str, style: int) -> str:
    """A German mobile number as people type it into the address form (validated only by
    ``isPhoneNumber``: digits, spaces, ``+ - . ( ) /``)."""
    formats = (
        f"{prefix} {number}",
        f"+49 {prefix[1:]} {number}",
        f"{prefix}/{number}",
        f"+49{prefix[1:]}{number}",
        f"({prefix}) {number[:3]} {number[3:]}",
    )
    return formats[style % len(formats)]


@dataclass
class Person:
    first: str
    last: str
    email: str
    gender: int
    street: str
    postcode: str
    city: str
    phone: str
    ip: str
    user_agent: str
    birthday: dt.date | None


@dataclass
class Placed:
    """An order as other rows refer to it."""

    id: int
    reference: str
    cart: int
    customer: int
    total: float
    when: dt.datetime
    invoice: int | None
    details: list[int] = field(default_factory=list)


class Shop:
    """Inserts PrestaShop rows the way the shop's own code writes them and remembers, in
    insertion order, every row it wrote (so a section's rows can be marked as a whole)."""

    def __init__(self, db: Db, fake: Faker, rng: random.Random) -> None:
        self.db = db
        self.fake = fake
        self.rng = rng
        self.inserted: list[tuple[str, Key]] = []
        self.values: list[dict[str, Any]] = []  # what each inserted row holds (with its key)
        self.customer_ids = (i for i in itertools.count(1) if i not in COLLIDING)
        self.emails: set[str] = set()
        self.references: set[str] = set()
        self.invoice_numbers = itertools.count(1)
        self.delivery_numbers = itertools.count(1)
        self.employees: list[int] = []

    # -- plumbing -------------------------------------------------------------------------

    def insert(self, table: str, **values: Any) -> Key:
        key = self.db.insert(table, **values)
        self.inserted.append((table, key))
        self.values.append({**values, **key})
        return key

    def written(self, table: str) -> list[tuple[Key, dict[str, Any]]]:
        """The rows written to ``table`` so far (read back from memory: SQLAlchemy cannot
        read the zero dates back from SQLite)."""
        return [(k, v) for (t, k), v in zip(self.inserted, self.values, strict=True) if t == table]

    def since(self, mark: int) -> list[tuple[str, Key]]:
        return self.inserted[mark:]

    def zero(self, table: str, key: Key, *columns: str) -> None:
        """Set date columns to MySQL's zero date as PrestaShop writes it ('not yet').
        Through SQL text, because SQLAlchemy's SQLite date types take date objects only."""
        ((pk, value),) = key.items()
        for column in columns:
            zero = ZERO_DATE if self.date_only(table, column) else ZERO_DATETIME
            self.db.execute(
                f"UPDATE {table} SET {column} = :zero WHERE {pk} = :id", zero=zero, id=value
            )

    def date_only(self, table: str, column: str) -> bool:
        return self.db.table(table).c[column].type.python_type is dt.date

    def when(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        seconds = int((end - start).total_seconds())
        return start + dt.timedelta(seconds=self.rng.randrange(max(seconds, 1)))

    def token(self, length: int = 40) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def password_hash(self) -> str:
        alphabet = string.ascii_letters + string.digits + "./"
        return "$2y$10$" + "".join(self.rng.choice(alphabet) for _ in range(53))

    def reference(self) -> str:
        while True:
            ref = "".join(self.rng.choice(string.ascii_uppercase) for _ in range(9))
            if ref not in self.references:
                self.references.add(ref)
                return ref

    def unique_email(self, first: str, last: str) -> str:
        for n in itertools.count():
            domain = self.rng.choice(("example.com", "example.org", "example.net"))
            local = f"{slug(first)}.{slug(last)}" if n == 0 else f"{slug(first)[0]}.{slug(last)}{n}"
            email = f"{local}@{domain}"
            if email not in self.emails:
                self.emails.add(email)
                return email
        raise AssertionError("unreachable")

    def person(self, *, first: str | None = None, last: str | None = None) -> Person:
        female = self.rng.random() < 0.5
        first = first or (self.fake.first_name_female() if female else self.fake.first_name_male())
        last = last or self.fake.last_name()
        prefix = self.rng.choice(MOBILE_PREFIXES)
        number = "".join(self.rng.choice(string.digits) for _ in range(7))
        # Not Faker's date_of_birth: that one counts from today, and the data must not change.
        birthday = dt.date(1945, 1, 1) + dt.timedelta(days=self.rng.randrange(60 * 365))
        return Person(
            first=first,
            last=last,
            email=self.unique_email(first, last),
            gender=2 if female else 1,
            street=self.fake.street_address(),
            postcode=self.fake.postcode(),
            city=self.fake.city(),
            phone=mobile(prefix, number, self.rng.randrange(5)),
            ip=self.fake.ipv4_public(),
            user_agent=self.fake.user_agent()[:128],
            birthday=birthday if self.rng.random() < 0.7 else None,
        )

    # -- rows -------------------------------------------------------------------------------

    def customer(
        self,
        who: Person,
        when: dt.datetime,
        *,
        id_customer: int | None = None,
        guest: bool = False,
        deleted: bool = False,
        newsletter: bool = False,
        company: str | None = None,
        note: str | None = None,
        zero_birthday: bool = False,
    ) -> tuple[int, str]:
        """A ``ps_customer`` row (and its group memberships); its id and ``secure_key``."""
        cid = id_customer if id_customer is not None else next(self.customer_ids)
        secure_key = hashlib.md5(self.token(16).encode()).hexdigest()
        b2b = company is not None
        key = self.insert(
            "ps_customer",
            id_customer=cid,
            id_gender=who.gender,
            id_default_group=GROUP_GUEST if guest else (GROUP_B2B if b2b else GROUP_CUSTOMER),
            id_lang=1,
            company=company,
            siret=None,
            ape=None,
            firstname=who.first,
            lastname=who.last,
            email=who.email,
            passwd=self.password_hash(),
            birthday=None if guest or zero_birthday else who.birthday,
            newsletter=1 if newsletter else 0,
            ip_registration_newsletter=who.ip if newsletter else None,
            newsletter_date_add=when + dt.timedelta(minutes=3) if newsletter else None,
            optin=1 if newsletter else 0,
            website=f"https://www.{slug(company or '')}.example.com" if b2b else None,
            max_payment_days=30 if b2b else 60,
            secure_key=secure_key,
            note=note,
            active=1,
            is_guest=1 if guest else 0,
            deleted=1 if deleted else 0,
            date_add=when,
            date_upd=when + dt.timedelta(days=self.rng.randrange(0, 200)),
        )
        if guest or zero_birthday:
            # PrestaShop 1.6-era rows and guest checkouts keep '0000-00-00' for "no birthday".
            self.zero("ps_customer", key, "birthday")
        if not newsletter and self.rng.random() < 0.3:
            self.zero("ps_customer", key, "newsletter_date_add")
        groups = [GROUP_GUEST] if guest else [GROUP_CUSTOMER] + ([GROUP_B2B] if b2b else [])
        for group in groups:
            self.insert("ps_customer_group", id_customer=cid, id_group=group)
        return cid, secure_key

    def address(
        self,
        who: Person,
        when: dt.datetime,
        *,
        customer: int = 0,
        alias: str = "Meine Adresse",
        phone: str | None = None,
        phone_mobile: str | None = None,
        street: str | None = None,
        company: str | None = None,
        vat_number: str | None = None,
        other: str | None = None,
        country: int = 1,
        deleted: bool = False,
        manufacturer: int = 0,
        supplier: int = 0,
    ) -> int:
        """An address row; its owner is whichever of customer, manufacturer and supplier
        is not 0 (the table holds brand and supplier addresses too)."""
        key = self.insert(
            "ps_address",
            id_country=country,
            id_state=None,
            id_customer=customer,
            alias=alias,
            company=company,
            lastname=who.last,
            firstname=who.first,
            address1=street or who.street,
            address2=None,
            postcode=who.postcode,
            city=who.city,
            other=other,
            phone=phone,
            phone_mobile=phone_mobile,
            vat_number=vat_number,
            dni=None,
            date_add=when,
            date_upd=when,
            active=1,
            deleted=1 if deleted else 0,
            id_manufacturer=manufacturer,
            id_supplier=supplier,
        )
        return int(key["id_address"])

    def session(self, customer: int, when: dt.datetime) -> None:
        self.insert(
            "ps_customer_session",
            id_customer=customer,
            token=self.token(40),
            date_add=when,
            date_upd=when + dt.timedelta(minutes=self.rng.randrange(1, 90)),
        )

    def visit(
        self, customer: int | None, ip: str, when: dt.datetime, visits: int, *, mobile_ua: bool
    ) -> int:
        """A ``ps_guest`` row (one browser) with its visits and their referrers."""
        guest = self.insert(
            "ps_guest",
            id_operating_system=self.rng.choice((1, 2, 3, 5, 7)),
            id_web_browser=self.rng.choice((1, 2, 3, 5, 9)),
            id_customer=customer,
            javascript=1,
            screen_resolution_x=390 if mobile_ua else self.rng.choice((1920, 1366, 2560)),
            screen_resolution_y=844 if mobile_ua else self.rng.choice((1080, 768, 1440)),
            screen_color=24,
            sun_java=0,
            adobe_flash=0,
            adobe_director=0,
            apple_quicktime=0,
            real_player=0,
            windows_media=0,
            accept_language=self.rng.choice(LANGUAGES),
            mobile_theme=1 if mobile_ua else 0,
        )
        gid = int(guest["id_guest"])
        for n in range(visits):
            at = when + dt.timedelta(days=7 * n, minutes=self.rng.randrange(600))
            referer = self.rng.choice(
                (None, "https://www.google.de/", "https://www.bing.com/", "https://www.ecosia.org/")
            )
            connection = self.insert(
                "ps_connections",
                id_guest=gid,
                id_page=self.rng.randrange(1, 40),
                ip_address=ip2long(ip),
                date_add=at,
                http_referer=referer,
            )
            if referer is not None:
                words = self.rng.choice(("wanderschuhe damen", "regenjacke", "rucksack 30 l", ""))
                self.insert(
                    "ps_connections_source",
                    id_connections=connection["id_connections"],
                    http_referer=referer,
                    request_uri=f"/de/suche?s={words.replace(' ', '+')}" if words else "/de/",
                    keywords=words,
                    date_add=at,
                )
        return gid

    def cart(
        self,
        customer: int,
        guest: int,
        delivery: int,
        invoice: int,
        secure_key: str,
        when: dt.datetime,
        *,
        gift_message: str | None = None,
        complete: bool = True,
    ) -> tuple[int, list[tuple[int, int]]]:
        """A cart and its lines: its id and the (product, quantity) lines."""
        steps = ("personal-information", "addresses", "delivery", "payment")
        session: dict[str, Any] = {
            f"checkout-{step}-step": {
                "step_is_reachable": True,
                "step_is_complete": complete or n < 2,
                **({"use_same_address": delivery == invoice} if step == "addresses" else {}),
            }
            for n, step in enumerate(steps)
        }
        session["checksum"] = self.token(40)
        key = self.insert(
            "ps_cart",
            id_carrier=self.rng.choice((1, 2, 3)),
            delivery_option=json.dumps({str(delivery): "2,"}) if delivery else "",
            id_lang=1,
            id_address_delivery=delivery,
            id_address_invoice=invoice,
            id_currency=1,
            id_customer=customer,
            id_guest=guest,
            secure_key=secure_key,
            recyclable=0,
            gift=1 if gift_message else 0,
            gift_message=gift_message,
            date_add=when,
            date_upd=when + dt.timedelta(minutes=self.rng.randrange(2, 40)),
            checkout_session_data=json.dumps(session) if customer else None,
        )
        cid = int(key["id_cart"])
        lines = []
        for product in self.rng.sample(PRODUCTS, self.rng.randint(1, 3)):
            quantity = self.rng.choice((1, 1, 1, 2, 3))
            lines.append((product[0], quantity))
            self.insert(
                "ps_cart_product",
                id_cart=cid,
                id_product=product[0],
                id_address_delivery=delivery,
                id_shop=1,
                id_product_attribute=0,
                id_customization=0,
                quantity=quantity,
                date_add=when,
            )
        return cid, lines

    def order(
        self,
        customer: int,
        cart: tuple[int, list[tuple[int, int]]],
        delivery: int,
        invoice: int,
        secure_key: str,
        when: dt.datetime,
        state: str,
        *,
        payment: tuple[str, str] | None = None,
        card_holder: str | None = None,
        gift_message: str | None = None,
    ) -> Placed:
        """An order with its lines, state history, invoice and payment, as
        ``PaymentModule::validateOrder`` and the state changes after it write them."""
        cart_id, lines = cart
        label, module = payment or self.rng.choice(PAYMENTS)
        states = HISTORY[state]
        invoiced = PAYMENT_ACCEPTED in states
        delivered = DELIVERED in states
        products = {p[0]: p for p in PRODUCTS}
        total_products = round(sum(products[p][2] * q for p, q in lines), 2)
        shipping = 0.0 if total_products > 50 else 4.95
        total = round(total_products + shipping, 2)
        reference = self.reference()
        invoice_number = next(self.invoice_numbers) if invoiced else 0
        delivery_number = next(self.delivery_numbers) if delivered else 0
        invoice_date = when + dt.timedelta(hours=self.rng.randrange(1, 48))
        delivery_date = invoice_date + dt.timedelta(days=self.rng.randrange(1, 5))
        key = self.insert(
            "ps_orders",
            reference=reference,
            id_carrier=self.rng.choice((1, 2, 3)),
            id_lang=1,
            id_customer=customer,
            id_cart=cart_id,
            id_currency=1,
            id_address_delivery=delivery,
            id_address_invoice=invoice,
            current_state=states[-1],
            secure_key=secure_key,
            payment=label,
            module=module,
            gift=1 if gift_message else 0,
            gift_message=gift_message,
            total_paid=total,
            total_paid_tax_incl=total,
            total_paid_tax_excl=round(total / 1.19, 2),
            total_paid_real=total if invoiced else 0,
            total_products=round(total_products / 1.19, 2),
            total_products_wt=total_products,
            total_shipping=shipping,
            total_shipping_tax_incl=shipping,
            total_shipping_tax_excl=round(shipping / 1.19, 2),
            carrier_tax_rate=19,
            invoice_number=invoice_number,
            delivery_number=delivery_number,
            invoice_date=invoice_date,
            delivery_date=delivery_date,
            valid=1 if invoiced else 0,
            date_add=when,
            date_upd=delivery_date if delivered else when,
            note=None,
        )
        oid = int(key["id_order"])
        if not invoiced:
            self.zero("ps_orders", key, "invoice_date", "delivery_date")
        elif not delivered:
            self.zero("ps_orders", key, "delivery_date")
        invoice_id: int | None = None
        if invoiced:
            invoice_id = int(
                self.insert(
                    "ps_order_invoice",
                    id_order=oid,
                    number=invoice_number,
                    delivery_number=delivery_number,
                    delivery_date=delivery_date if delivered else None,
                    total_paid_tax_excl=round(total / 1.19, 2),
                    total_paid_tax_incl=total,
                    total_products=round(total_products / 1.19, 2),
                    total_products_wt=total_products,
                    total_shipping_tax_excl=round(shipping / 1.19, 2),
                    total_shipping_tax_incl=shipping,
                    shipping_tax_computation_method=0,
                    shop_address=SHOP_ADDRESS,
                    note=None,
                    date_add=invoice_date,
                )["id_order_invoice"]
            )
        placed = Placed(oid, reference, cart_id, customer, total, when, invoice_id)
        for product, quantity in lines:
            _, name, price, weight = products[product]
            detail = self.insert(
                "ps_order_detail",
                id_order=oid,
                id_order_invoice=invoice_id or 0,
                id_warehouse=0,
                id_shop=1,
                product_id=product,
                product_attribute_id=0,
                id_customization=0,
                product_name=name,
                product_quantity=quantity,
                product_quantity_in_stock=quantity,
                product_price=round(price / 1.19, 6),
                product_reference=f"BS-{product:04d}",
                product_weight=weight,
                tax_name="MwSt. DE 19%",
                tax_rate=19,
                download_hash=None,
                download_deadline=None,
                total_price_tax_incl=round(price * quantity, 2),
                total_price_tax_excl=round(price * quantity / 1.19, 2),
                unit_price_tax_incl=price,
                unit_price_tax_excl=round(price / 1.19, 6),
                original_product_price=round(price / 1.19, 6),
            )
            # Not a download: PrestaShop writes the zero date rather than NULL.
            self.zero("ps_order_detail", detail, "download_deadline")
            placed.details.append(int(detail["id_order_detail"]))
        at = when
        for n, order_state in enumerate(states):
            self.insert(
                "ps_order_history",
                id_employee=0 if n == 0 else self.rng.choice(self.employees),
                id_order=oid,
                id_order_state=order_state,
                date_add=at,
            )
            at += dt.timedelta(hours=self.rng.randrange(2, 60))
        if invoiced:
            card = module == "ps_checkout"
            self.insert(
                "ps_order_payment",
                order_reference=reference,
                id_currency=1,
                amount=total,
                payment_method=label,
                transaction_id=(None if module == "ps_wirepayment" else self.token(17).upper()),
                card_number=f"**** {self.rng.randrange(10000):04d}" if card else None,
                card_brand=self.rng.choice(("VISA", "MASTERCARD")) if card else None,
                card_expiration=(
                    f"{self.rng.randint(1, 12):02d}/{self.rng.randint(2026, 2030)}"
                    if card
                    else None
                ),
                card_holder=card_holder if card else None,
                date_add=invoice_date,
                id_employee=0 if module != "ps_wirepayment" else self.rng.choice(self.employees),
            )
        return placed

    def slip(self, order: Placed, amount: float) -> None:
        self.insert(
            "ps_order_slip",
            id_customer=order.customer,
            id_order=order.id,
            total_products_tax_excl=round(amount / 1.19, 2),
            total_products_tax_incl=amount,
            total_shipping_tax_excl=0,
            total_shipping_tax_incl=0,
            amount=amount,
            partial=1,
            date_add=order.when + dt.timedelta(days=20),
            date_upd=order.when + dt.timedelta(days=20),
        )

    def order_return(self, order: Placed, question: str) -> None:
        self.insert(
            "ps_order_return",
            id_customer=order.customer,
            id_order=order.id,
            state=self.rng.choice((1, 2, 5)),
            question=question,
            date_add=order.when + dt.timedelta(days=12),
            date_upd=order.when + dt.timedelta(days=15),
        )

    def message(
        self, order: Placed, text: str, *, employee: int | None = None, private: bool = False
    ) -> Key:
        """``ps_message``: the checkout's order comment, or a staff note on the order."""
        return self.insert(
            "ps_message",
            id_cart=order.cart,
            id_customer=order.customer,
            id_employee=employee,
            id_order=order.id,
            message=text,
            private=1 if private else 0,
            date_add=order.when + dt.timedelta(minutes=1 if employee is None else 600),
        )

    def thread(
        self,
        email: str,
        when: dt.datetime,
        messages: list[tuple[str, int | None]],
        *,
        customer: int | None,
        order: int | None = None,
        ip: str,
        user_agent: str,
        status: str = "closed",
        file_name: str | None = None,
    ) -> tuple[Key, list[Key]]:
        """A customer-service conversation and its messages (employee None = the writer)."""
        thread = self.insert(
            "ps_customer_thread",
            id_shop=1,
            id_lang=1,
            id_contact=CONTACT_SERVICE if order else self.rng.choice((1, 2)),
            id_customer=customer,
            id_order=order,
            id_product=None if order else self.rng.choice((None, *range(1, 11))),
            status=status,
            email=email,
            token="".join(self.rng.choice(string.ascii_letters + string.digits) for _ in range(12)),
            date_add=when,
            date_upd=when + dt.timedelta(days=len(messages)),
        )
        keys = []
        for n, (text, employee) in enumerate(messages):
            at = when + dt.timedelta(hours=20 * n)
            keys.append(
                self.insert(
                    "ps_customer_message",
                    id_customer_thread=thread["id_customer_thread"],
                    id_employee=employee,
                    message=text,
                    file_name=file_name if n == 0 else None,
                    ip_address=str(ip2long(ip)) if employee is None else None,
                    user_agent=user_agent if employee is None else None,
                    date_add=at,
                    date_upd=at,
                    private=0,
                    read=1,
                )
            )
        return thread, keys

    def mail(self, recipient: str, template: str, subject: str, when: dt.datetime) -> Key:
        return self.insert(
            "ps_mail",
            recipient=recipient,
            template=template,
            subject=f"[Bergsport Beispiel] {subject}",
            id_lang=1,
            date_add=when,
        )

    def log(
        self,
        message: str,
        when: dt.datetime,
        *,
        object_type: str | None = None,
        object_id: int | None = None,
        employee: int | None = None,
        severity: int = 1,
    ) -> Key:
        return self.insert(
            "ps_log",
            severity=severity,
            error_code=0,
            message=message,
            object_type=object_type,
            object_id=object_id,
            id_shop=1,
            id_shop_group=1,
            id_lang=1,
            in_all_shops=0,
            id_employee=employee,
            date_add=when,
            date_upd=when,
        )


def populate(db: Db, fake: Faker, rng: random.Random) -> Planted:
    if db.mysql:
        # Strict, so a value too long fails here instead of being cut on MariaDB only;
        # without NO_ZERO_DATE, so PrestaShop's zero dates go in as the shop writes them.
        db.execute("SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION'")
    shop = Shop(db, fake, rng)
    _catalogue(shop)
    _staff(shop)

    # The person is chosen first: other people's texts mention them.
    while True:
        me = shop.person(first=fake.first_name_female())
        me.gender = 2
        me.email = f"{slug(me.first)}.{slug(me.last)}.{rng.randrange(10, 99)}@example.com"
        if me.email not in shop.emails:
            shop.emails.add(me.email)
            break
    prefix, number = "0171", "".join(rng.choice(string.digits) for _ in range(7))
    me.phone = mobile(prefix, number, 0)
    iban = fake.iban()
    planted = Planted(
        email=me.email,
        phone=me.phone,
        first_name=me.first,
        last_name=me.last,
        iban=iban,
        retention=RETENTION,
    )

    _others(shop, planted)
    _namesake(shop, planted)
    _family(shop, planted)
    _anonymous(shop, me)
    _writers_without_account(shop)
    _key_space_traps(shop, planted)
    _planted_person(shop, planted, me, prefix, number)
    return planted


def _catalogue(shop: Shop) -> None:
    for id_country, iso, prefix, zip_format in COUNTRIES:
        shop.insert(
            "ps_country",
            id_country=id_country,
            id_zone=1,
            id_currency=0,
            iso_code=iso,
            call_prefix=prefix,
            active=1,
            contains_states=0,
            need_identification_number=1 if iso == "ES" else 0,
            need_zip_code=1,
            zip_code_format=zip_format,
            display_tax_label=True,
        )
    for id_gender, kind in ((1, 0), (2, 1), (3, 2)):
        shop.insert("ps_gender", id_gender=id_gender, type=kind)
    for id_contact, local, service in ((1, "webmaster", 0), (2, "kundenservice", 1)):
        shop.insert(
            "ps_contact",
            id_contact=id_contact,
            email=f"{local}@{SHOP_DOMAIN}",
            customer_service=service,
            position=id_contact - 1,
        )


def _staff(shop: Shop) -> None:
    """Back-office users, ids 1..10: employee 4 shares its id with the guest account."""
    start = dt.datetime(2020, 1, 1)
    for n in range(EMPLOYEES):
        first, last = shop.fake.first_name(), shop.fake.last_name()
        key = shop.insert(
            "ps_employee",
            id_employee=n + 1,
            id_profile=1 if n == 0 else shop.rng.choice((2, 4, 4)),
            id_lang=1,
            lastname=last,
            firstname=first,
            email=f"{slug(first)[0]}.{slug(last)}@{SHOP_DOMAIN}",
            passwd=shop.password_hash(),
            stats_date_from=dt.date(2025, 1, 1),
            stats_date_to=dt.date(2025, 1, 31),
            preselect_date_range="prev-month",
            bo_theme="default",
            bo_css="theme.css",
            default_tab=1,
            active=1,
            optin=0,
            last_connection_date=shop.when(dt.datetime(2025, 1, 1), dt.datetime(2025, 6, 1)).date(),
            has_enabled_gravatar=0,
        )
        shop.employees.append(n + 1)
        if n == EMPLOYEES - 1:  # a trainee who never logged in
            shop.zero("ps_employee", key, "last_connection_date")
        shop.log(
            f"Back office connection from {shop.fake.ipv4_private()}",
            shop.when(start, dt.datetime(2025, 6, 1)),
            employee=n + 1,
        )


def _customer_with_history(
    shop: Shop,
    who: Person,
    *,
    id_customer: int | None = None,
    company: str | None = None,
    note: str | None = None,
    street: str | None = None,
    index: int = 0,
) -> tuple[int, list[Placed]]:
    """A customer as the shop sees them over the years: account, addresses, browsers and
    visits, carts, orders and what follows them (returns, refunds, mails, messages)."""
    rng = shop.rng
    created = shop.when(dt.datetime(2020, 3, 1), dt.datetime(2024, 6, 1))
    guest = index % 9 == 5
    cid, secure_key = shop.customer(
        who,
        created,
        id_customer=id_customer,
        guest=guest,
        deleted=index % 13 == 7,
        newsletter=rng.random() < 0.4,
        company=company,
        note=note,
        zero_birthday=index % 7 == 3,
    )
    home = shop.address(
        who,
        created,
        customer=cid,
        alias="Meine Adresse" if guest else "Zuhause",
        phone=who.phone if rng.random() < 0.5 else None,
        phone_mobile=None if rng.random() < 0.5 else who.phone,
        street=street,
        company=company,
        vat_number=f"DE{rng.randrange(10**8, 10**9)}" if company else None,
        country=1 if rng.random() < 0.85 else rng.choice((2, 19)),
    )
    addresses = [home]
    if not guest and rng.random() < 0.4:
        addresses.append(
            shop.address(
                who,
                created + dt.timedelta(days=40),
                customer=cid,
                alias="Arbeit",
                street=shop.fake.street_address(),
                company=shop.fake.company()[:255],
                phone=shop.fake.phone_number(),
                other="Bitte beim Empfang abgeben" if rng.random() < 0.5 else None,
                deleted=rng.random() < 0.3,
            )
        )
    if not guest:
        for _ in range(rng.randint(0, 2)):
            shop.session(cid, shop.when(created, dt.datetime(2025, 6, 1)))
    browsers = [
        shop.visit(cid, who.ip, created - dt.timedelta(days=2), rng.randint(1, 3), mobile_ua=False)
    ]
    if rng.random() < 0.3:
        browsers.append(shop.visit(cid, who.ip, created, rng.randint(1, 2), mobile_ua=True))
    if not guest:
        shop.mail(who.email, "account", "Willkommen!", created)
    orders: list[Placed] = []
    count = 1 if guest else 1 + (rng.random() < 0.4)
    for n in range(count):
        at = created + dt.timedelta(days=30 * n + rng.randrange(0, 20))
        delivery = rng.choice(addresses)
        cart = shop.cart(cid, rng.choice(browsers), delivery, home, secure_key, at)
        state = rng.choice(("delivered", "delivered", "delivered", "processing", "awaiting"))
        if (index + n) % 11 == 4:
            state = "canceled"
        order = shop.order(
            cid,
            cart,
            delivery,
            home,
            secure_key,
            at,
            state,
            card_holder=f"{who.first} {who.last}".upper(),
        )
        orders.append(order)
        shop.mail(who.email, "order_conf", f"Bestellbestätigung {order.reference}", at)
        if state == "delivered":
            shop.mail(who.email, "shipped", f"Ihre Bestellung {order.reference} ist unterwegs", at)
            if (index + n) % 3 != 1:
                shop.order_return(
                    order,
                    rng.choice(
                        (
                            "Die Schuhe sind eine Nummer zu klein.",
                            "Jacke hat einen Webfehler am Ärmel.",
                            "Falsche Farbe geliefert.",
                        )
                    ),
                )
            if (index + n) % 3 != 2:
                shop.slip(order, round(order.total * rng.choice((0.2, 0.5, 1.0)), 2))
        if (index + n) % 2 == 0:
            shop.message(
                order, rng.choice(("Bitte beim Nachbarn abgeben.", "Bitte nicht klingeln."))
            )
        if (index + n) % 5 == 1:
            shop.message(
                order,
                "Kunde telefonisch über Lieferverzögerung informiert.",
                employee=rng.choice(shop.employees),
                private=True,
            )
    if index % 2 == 1:
        order = orders[0]
        shop.thread(
            who.email,
            order.when + dt.timedelta(days=3),
            [
                (f"Wo bleibt meine Bestellung {order.reference}?", None),
                ("Ihr Paket wurde heute verschickt.", rng.choice(shop.employees)),
            ],
            customer=cid,
            order=order.id,
            ip=who.ip,
            user_agent=who.user_agent,
            status=rng.choice(("open", "closed", "pending1")),
        )
    if index % 4 == 0:
        shop.log(
            "Customer modification",
            created + dt.timedelta(days=5),
            object_type="Customer",
            object_id=cid,
            employee=rng.choice(shop.employees),
        )
    for order in orders:
        shop.log(
            "PaymentModule::validateOrder - Order is about to be added",
            order.when,
            object_type="Cart",
            object_id=order.cart,
        )
    return cid, orders


def _others(shop: Shop, planted: Planted) -> None:
    """Regular customers; two of them mention the person (a staff note, a message)."""
    name = planted.name
    for index in range(REGULAR_OTHERS):
        who = shop.person()
        while who.last == planted.last_name:
            who = shop.person()
        mark = len(shop.inserted)
        note = None
        if index == 6:
            note = f"Geworben von {name} ({planted.email}), Gutschein 10 € gutgeschrieben."
        elif index % 6 == 2:
            note = "Stammkunde, bevorzugt Lieferung an die Packstation."
        company = shop.fake.company()[:255] if index % 8 == 5 else None
        cid, orders = _customer_with_history(shop, who, company=company, note=note, index=index)
        if index == 6:
            (customer_row,) = [k for t, k in shop.since(mark) if t == "ps_customer"]
            planted.mention("ps_customer", customer_row)
        if index == 9:
            _, messages = shop.thread(
                who.email,
                orders[0].when + dt.timedelta(days=2),
                [
                    (
                        f"Ich habe die Trinkflasche als Geschenk für {name} bestellt. Bitte "
                        f"schicken Sie ihr die Versandbestätigung an {planted.email}.",
                        None,
                    ),
                    ("Gern, das erledigen wir.", shop.rng.choice(shop.employees)),
                ],
                customer=cid,
                order=orders[0].id,
                ip=who.ip,
                user_agent=who.user_agent,
            )
            planted.mention("ps_customer_message", messages[0])


def _namesake(shop: Shop, planted: Planted) -> None:
    """Another customer with the person's first and last name and nothing else in common."""
    mark = len(shop.inserted)
    who = shop.person(first=planted.first_name, last=planted.last_name)
    who.email = f"{slug(who.first)[0]}{slug(who.last)}@example.net"
    shop.emails.add(who.email)
    _customer_with_history(shop, who, index=1)
    for table, key in shop.since(mark):
        planted.trap(table, key)


def _family(shop: Shop, planted: Planted) -> None:
    """Two spouses with one address and one family e-mail address, each with an account."""
    mark = len(shop.inserted)
    last = shop.fake.last_name()
    email = f"familie.{slug(last)}@example.net"
    street = shop.fake.street_address()
    for index, first in ((2, shop.fake.first_name_female()), (3, shop.fake.first_name_male())):
        who = shop.person(first=first, last=last)
        who.email = email
        _customer_with_history(shop, who, street=street, index=index)
    for table, key in shop.since(mark):
        planted.trap(table, key)


def _anonymous(shop: Shop, me: Person) -> None:
    """Visitors who never logged in, with their abandoned carts (``id_customer`` 0). One
    browser shares the person's IP address: tied to them by the IP only, not theirs."""
    for n in range(ANONYMOUS_VISITORS):
        ip = me.ip if n == 0 else shop.fake.ipv4_public()
        when = shop.when(dt.datetime(2021, 1, 1), dt.datetime(2025, 6, 1))
        guest = shop.visit(
            0 if n % 2 else None, ip, when, shop.rng.randint(1, 3), mobile_ua=n % 3 == 0
        )
        if n % 2 == 0:
            shop.cart(0, guest, 0, 0, "-1", when, complete=False)


def _writers_without_account(shop: Shop) -> None:
    """Contact-form writers without an account: the thread's e-mail is their only link."""
    questions = (
        "Haben Sie den Rucksack Tourer auch in Grün?",
        "Liefern Sie auch nach Südtirol?",
        "Kann ich im Laden in München abholen?",
    )
    for question in questions:
        who = shop.person()
        shop.thread(
            who.email,
            shop.when(dt.datetime(2022, 1, 1), dt.datetime(2025, 6, 1)),
            [(question, None), ("Vielen Dank für Ihre Anfrage.", shop.rng.choice(shop.employees))],
            customer=0,
            ip=who.ip,
            user_agent=who.user_agent,
        )
        shop.mail(
            who.email,
            "contact_form",
            "Ihre Nachricht an den Kundenservice",
            shop.when(dt.datetime(2022, 1, 1), dt.datetime(2025, 6, 1)),
        )


def _key_space_traps(shop: Shop, planted: Planted) -> None:
    """Rows whose link-looking columns hold the planted ids in another key space, and rows of
    other people the person's rows point to."""
    guests = {v["id_guest"] for _, v in shop.written("ps_guest")}
    orders = {v["id_order"] for _, v in shop.written("ps_orders")}
    carts = {v["id_cart"] for _, v in shop.written("ps_cart")}
    assert set(COLLIDING) <= guests & orders & carts, "too few rows for the id collisions"
    # Visitors 4 and 23 are other people's browsers: their visits and carts are theirs.
    for key, values in shop.written("ps_guest"):
        if values["id_guest"] in COLLIDING:
            planted.trap("ps_guest", key)
    connections = set()
    for key, values in shop.written("ps_connections"):
        if values["id_guest"] in COLLIDING:
            planted.trap("ps_connections", key)
            connections.add(values["id_connections"])
    for key, values in shop.written("ps_connections_source"):
        if values["id_connections"] in connections:
            planted.trap("ps_connections_source", key)
    trapped_carts = set()
    for key, values in shop.written("ps_cart"):
        if values["id_guest"] in COLLIDING:
            planted.trap("ps_cart", key)
            trapped_carts.add(values["id_cart"])
    for key, values in shop.written("ps_cart_product"):
        if values["id_cart"] in trapped_carts:
            planted.trap("ps_cart_product", key)
    # Staff rows are never the person's; employee 4 shares the guest account's id, so the
    # rows other people's orders and messages have with id_employee 4 are traps too.
    for key, _ in shop.written("ps_employee"):
        planted.trap("ps_employee", key)
    for table in ("ps_order_history", "ps_order_payment", "ps_customer_message", "ps_message"):
        for key, values in shop.written(table):
            if values.get("id_employee") in COLLIDING:
                planted.trap(table, key)
    for key, values in shop.written("ps_log"):
        if values.get("id_employee") in COLLIDING:
            planted.trap("ps_log", key)
        elif values.get("object_id") in COLLIDING and values.get("object_type") != "Customer":
            planted.trap("ps_log", key)  # another person's cart or order 4/23
    when = dt.datetime(2025, 2, 3, 10, 15)
    for object_type, object_id, message in (
        ("Order", PLANTED_ID, "Order modification"),
        ("Cart", PLANTED_GUEST_ID, "Frontcontroller::init - Cart cannot be loaded"),
        ("Product", PLANTED_ID, "Product modification"),
        ("Order", PLANTED_GUEST_ID, "Order modification"),
    ):
        planted.trap(
            "ps_log",
            shop.log(message, when, object_type=object_type, object_id=object_id, employee=2),
        )
    # Brand and supplier addresses: the owner is id_manufacturer / id_supplier, not a customer.
    for supplier, manufacturer in ((PLANTED_ID, 0), (0, PLANTED_GUEST_ID)):
        who = shop.person()
        planted.trap(
            "ps_address",
            {
                "id_address": shop.address(
                    who,
                    when,
                    alias="Lager" if supplier else "Firmensitz",
                    company=shop.fake.company()[:255],
                    phone=shop.fake.phone_number(),
                    supplier=supplier,
                    manufacturer=manufacturer,
                )
            },
        )


def _planted_person(shop: Shop, planted: Planted, me: Person, prefix: str, number: str) -> None:
    """The person: a guest checkout in 2022, an account from 2023, three orders, a return with
    a refund, two conversations (one from before the account), visits, mails and log rows."""
    mark = len(shop.inserted)
    name = planted.name
    work_street = shop.fake.street_address()
    planted.secrets += [me.street, work_street]

    first_visit = dt.datetime(2022, 3, 14, 19, 2)
    # 1. The contact form, before any account: the e-mail address is the thread's only link.
    shop.thread(
        me.email,
        first_visit,
        [
            (f"Haben Sie die Wanderschuhe Alpina auch in Größe 39? Viele Grüße, {name}", None),
            ("Ja, Größe 39 ist wieder lieferbar.", 3),
        ],
        customer=None,
        ip=me.ip,
        user_agent=me.user_agent,
    )
    shop.mail(me.email.capitalize(), "contact_form", "Ihre Nachricht", first_visit)

    # 2. Guest checkout: a customer row with is_guest = 1 and its own address.
    guest_at = dt.datetime(2022, 3, 20, 20, 41)
    guest_id, guest_key = shop.customer(me, guest_at, id_customer=PLANTED_GUEST_ID, guest=True)
    guest_address = shop.address(
        me, guest_at, customer=guest_id, phone_mobile=mobile(prefix, number, 2)
    )
    browser = shop.visit(guest_id, me.ip, first_visit, 2, mobile_ua=False)
    cart = shop.cart(guest_id, browser, guest_address, guest_address, guest_key, guest_at)
    first = shop.order(
        guest_id,
        cart,
        guest_address,
        guest_address,
        guest_key,
        guest_at,
        "delivered",
        payment=PAYMENTS[0],
    )
    shop.message(first, "Bitte beim Nachbarn im Erdgeschoss abgeben.")
    shop.mail(me.email, "order_conf", f"Bestellbestätigung {first.reference}", guest_at)
    shop.mail(me.email, "bankwire", f"Warten auf Zahlung {first.reference}", guest_at)
    shop.log(
        "PaymentModule::validateOrder - Order is about to be added",
        guest_at,
        object_type="Cart",
        object_id=first.cart,
    )

    # 3. The account, with a home and a (since deleted) work address.
    created = dt.datetime(2023, 5, 2, 8, 30)
    cid, secure_key = shop.customer(
        me,
        created,
        id_customer=PLANTED_ID,
        newsletter=True,
        note="Stammkundin, Schuhgröße 39.",
    )
    home = shop.address(
        me, created, customer=cid, alias="Zuhause", phone_mobile=mobile(prefix, number, 0)
    )
    work = shop.address(
        me,
        created,
        customer=cid,
        alias="Büro",
        street=work_street,
        company=shop.fake.company()[:255],
        phone=mobile(prefix, number, 1),
        other="Empfang 3. OG",
        deleted=True,
    )
    shop.mail(me.email, "account", "Willkommen!", created)
    shop.mail(me.email, "newsletter_conf", "Newsletter-Bestätigung", created)
    shop.session(cid, dt.datetime(2024, 11, 2, 18, 4))
    shop.session(cid, dt.datetime(2025, 4, 9, 7, 55))
    desktop = shop.visit(cid, me.ip, created, 3, mobile_ua=False)
    phone = shop.visit(
        cid, shop.fake.ipv4_public(), dt.datetime(2024, 10, 30, 21, 0), 2, mobile_ua=True
    )

    second_at = dt.datetime(2023, 11, 6, 12, 5)
    cart = shop.cart(cid, desktop, work, home, secure_key, second_at)
    second = shop.order(
        cid, cart, work, home, secure_key, second_at, "delivered",
        payment=PAYMENTS[2], card_holder=name.upper(),
    )  # fmt: skip
    shop.mail(me.email, "order_conf", f"Bestellbestätigung {second.reference}", second_at)
    shop.mail(me.email, "shipped", f"Ihre Bestellung {second.reference} ist unterwegs", second_at)
    shop.log(
        "PaymentModule::validateOrder - Order is about to be added",
        second_at,
        object_type="Cart",
        object_id=second.cart,
    )
    refund = f"Bitte erstatten Sie den Betrag auf mein Konto {_spaced(planted.iban or '')}."
    shop.order_return(second, f"Jacke ist zu groß. {refund}")
    shop.slip(second, round(second.total / 2, 2))
    shop.mail(me.email, "credit_slip", "Neue Gutschrift", second_at + dt.timedelta(days=20))
    _, refund_messages = shop.thread(
        me.email,
        second_at + dt.timedelta(days=10),
        [
            (f"Rücksendung zu {second.reference}: die Jacke ist zu groß. {refund}", None),
            ("Die Gutschrift ist veranlasst.", PLANTED_GUEST_ID),
        ],
        customer=cid,
        order=second.id,
        ip=me.ip,
        user_agent=me.user_agent,
        file_name="6571a3c2e4f1b.jpg",
    )

    third_at = dt.datetime(2025, 5, 28, 21, 17)
    cart = shop.cart(
        cid, phone, home, home, secure_key, third_at,
        gift_message=f"Alles Gute zum Geburtstag, Mama! Deine {me.first}",
    )  # fmt: skip
    third = shop.order(
        cid, cart, home, home, secure_key, third_at, "awaiting",
        payment=PAYMENTS[0], gift_message=f"Alles Gute zum Geburtstag, Mama! Deine {me.first}",
    )  # fmt: skip
    shop.message(third, "Kundin fragt nach Expressversand.", employee=2, private=True)
    shop.mail(me.email, "order_conf", f"Bestellbestätigung {third.reference}", third_at)
    shop.cart(cid, desktop, home, home, secure_key, dt.datetime(2025, 6, 3, 9, 12), complete=False)
    shop.log(
        "Customer modification",
        dt.datetime(2024, 2, 1, 9, 0),
        object_type="Customer",
        object_id=cid,
        employee=2,
    )
    shop.log(
        "Customer modification",
        dt.datetime(2023, 5, 2, 9, 0),
        object_type="Customer",
        object_id=guest_id,
        employee=PLANTED_GUEST_ID,
    )
    shop.log(
        "Order modification",
        second_at + dt.timedelta(days=20),
        object_type="Order",
        object_id=second.id,
        employee=3,
    )
    for table, key in shop.since(mark):
        planted.add(table, key, kept=table in KEPT)

    # The person's rows point at staff; an employee's row points back at the person.
    shop.db.execute(
        "UPDATE ps_employee SET id_last_customer = :c, id_last_order = :o,"
        " id_last_customer_message = :m WHERE id_employee = 2",
        c=cid,
        o=third.id,
        m=refund_messages[0]["id_customer_message"],
    )


def _spaced(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
