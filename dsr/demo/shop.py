"""The shop database (SQLite) of the demo: customers, orders, invoices and their side tables.

It is built the way a real shop's database looks to dsr: real foreign keys that
lookups follow, indexes on e-mail and phone (one on lower(email)) that batched
finds use, invoices that copy the billing address as real invoices do, an audit
table filled by triggers, and free-text notes. Rows go in with executemany in
one transaction, so 100,000 customers take seconds, not minutes.
"""

from __future__ import annotations

import os
import random
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from dsr.demo.people import ANCHOR, STAFF, Address, Person, Population, random_datetime
from dsr.progress import Progress
from dsr.render.writers import make_private

SCHEMA = """
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    customer_number TEXT NOT NULL UNIQUE,
    salutation TEXT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    birthdate TEXT,
    language TEXT NOT NULL DEFAULT 'de',
    newsletter_opt_in INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ix_customers_email ON customers (email);
CREATE INDEX ix_customers_email_lower ON customers (lower(email));
CREATE INDEX ix_customers_phone ON customers (phone);
CREATE INDEX ix_customers_name ON customers (last_name, first_name);

CREATE TABLE addresses (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
    street TEXT NOT NULL,
    postcode TEXT NOT NULL,
    city TEXT NOT NULL,
    country TEXT NOT NULL DEFAULT 'DE'
);
CREATE INDEX ix_addresses_customer ON addresses (customer_id);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    order_number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    shipping_address_id INTEGER REFERENCES addresses (id),
    ordered_at TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    total_gross REAL NOT NULL
);
CREATE INDEX ix_orders_customer ON orders (customer_id);

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    invoice_number TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    order_id INTEGER NOT NULL REFERENCES orders (id),
    invoice_date TEXT NOT NULL,
    billing_name TEXT NOT NULL,
    billing_street TEXT NOT NULL,
    billing_postcode TEXT NOT NULL,
    billing_city TEXT NOT NULL,
    billing_country TEXT NOT NULL,
    total_net REAL NOT NULL,
    total_tax REAL NOT NULL,
    total_gross REAL NOT NULL,
    currency TEXT NOT NULL DEFAULT 'EUR'
);
CREATE INDEX ix_invoices_customer ON invoices (customer_id);
CREATE INDEX ix_invoices_order ON invoices (order_id);
CREATE INDEX ix_invoices_date ON invoices (invoice_date);

CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    position INTEGER NOT NULL,
    sku TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    unit_price REAL NOT NULL,
    tax_rate REAL NOT NULL,
    line_total REAL NOT NULL
);
CREATE INDEX ix_invoice_lines_invoice ON invoice_lines (invoice_id);

CREATE TABLE support_notes (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX ix_support_notes_customer ON support_notes (customer_id);

CREATE TABLE customer_history (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    changed_at TEXT NOT NULL,
    operation TEXT NOT NULL,
    customer_number TEXT,
    salutation TEXT,
    first_name TEXT,
    last_name TEXT,
    email TEXT,
    phone TEXT,
    birthdate TEXT,
    language TEXT,
    newsletter_opt_in INTEGER,
    created_at TEXT,
    updated_at TEXT
);
CREATE INDEX ix_customer_history_customer ON customer_history (customer_id);
CREATE INDEX ix_customer_history_email ON customer_history (email);

-- The audit log: the row as it was before every change. changed_at comes from
-- the new updated_at, not from the clock, so the demo stays reproducible.
CREATE TRIGGER trg_customers_history AFTER UPDATE ON customers
BEGIN
    INSERT INTO customer_history (
        customer_id, changed_at, operation, customer_number, salutation, first_name,
        last_name, email, phone, birthdate, language, newsletter_opt_in, created_at, updated_at
    ) VALUES (
        OLD.id, NEW.updated_at, 'UPDATE', OLD.customer_number, OLD.salutation, OLD.first_name,
        OLD.last_name, OLD.email, OLD.phone, OLD.birthdate, OLD.language,
        OLD.newsletter_opt_in, OLD.created_at, OLD.updated_at
    );
END;

CREATE TABLE web_sessions (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL UNIQUE,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    started_at TEXT NOT NULL,
    ip_address TEXT NOT NULL,
    user_agent TEXT NOT NULL
);
CREATE INDEX ix_web_sessions_customer ON web_sessions (customer_id);
CREATE INDEX ix_web_sessions_ip ON web_sessions (ip_address);
"""

TABLES = (
    "customers",
    "addresses",
    "orders",
    "invoices",
    "invoice_lines",
    "support_notes",
    "customer_history",
    "web_sessions",
)

# sku, description, net price in cents, VAT rate in percent
PRODUCTS: tuple[tuple[str, str, int, int], ...] = (
    ("LM-1001", "Maultaschen-Set (12 Stück)", 1490, 7),
    ("LM-1002", "Spätzle vom Brett, 500 g", 390, 7),
    ("LM-1003", "Bio-Müsli Schwarzwald, 750 g", 649, 7),
    ("LM-1004", "Kaffeebohnen Espresso, 1 kg", 1990, 7),
    ("LM-1005", "Albleisa-Linsen, 500 g", 449, 7),
    ("LM-1006", "Zuckerfreie Fruchtgummis, 200 g", 299, 7),
    ("WN-2001", "Trollinger mit Lemberger, 0,75 l", 890, 19),
    ("WN-2002", "Riesling Stuttgarter Mönchhalde, 0,75 l", 1190, 19),
    ("WN-2003", "Württemberger Sekt brut, 0,75 l", 1390, 19),
    ("HH-3001", "Spätzlehobel Edelstahl", 1899, 19),
    ("HH-3002", "Wasserkocher Edelstahl 1,7 l", 3990, 19),
    ("HH-3003", "Brotkasten Buche", 4490, 19),
    ("HH-3004", "Emaille-Becher „Schwabenland“", 1290, 19),
    ("GK-4001", "Geschenkkorb „Schwäbische Alb“", 4990, 7),
    ("GK-4002", "Geschenkkorb „Feierabend“", 3490, 19),
    ("BU-5001", "Kochbuch „Schwäbisch kochen“", 2400, 7),
)
_PRODUCT_BY_SKU = {p[0]: p for p in PRODUCTS}

USER_AGENTS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/128.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
)

_NOTES = (
    "Kunde bittet um Rückruf wegen der Lieferzeit.",
    "Lieferung beschädigt angekommen, Ersatz verschickt.",
    "Rücksendung eingegangen, Gutschrift veranlasst.",
    "Rechnung auf Wunsch erneut per E-Mail gesendet.",
    "Möchte keine Werbung per Post erhalten.",
    "Zahlung per Vorkasse noch offen, Erinnerung geschickt.",
    "Gutschein über 10 EUR als Entschuldigung für die Verspätung gutgeschrieben.",
    "Rückruf gewünscht unter {phone}.",
    "Lieferadresse telefonisch bestätigt: {street}, {city}.",
)

# Fixed orders of the planted people: (key, ordered_at, [(sku, quantity)]).
_PLANTED_ORDERS: tuple[tuple[str, datetime, tuple[tuple[str, int], ...]], ...] = (
    ("juergen-mueller", datetime(2024, 11, 28, 20, 4, 11), (("GK-4001", 1), ("WN-2001", 6))),
    ("juergen-mueller", datetime(2026, 9, 14, 7, 55, 2), (("LM-1004", 2),)),
    ("anna-schmidt", datetime(2018, 12, 3, 18, 30, 0), (("BU-5001", 1), ("HH-3001", 1))),
    ("anna-schmitt", datetime(2023, 2, 14, 21, 10, 5), (("LM-1001", 2),)),
    ("petra-klein", datetime(2021, 7, 9, 11, 12, 13), (("WN-2002", 3),)),
    ("thomas-becker", datetime(2025, 11, 20, 9, 41, 0), (("HH-3003", 1), ("LM-1002", 4))),
    ("sabine-hoffmann", datetime(2022, 12, 1, 15, 0, 42), (("LM-1006", 5), ("LM-1003", 2))),
    ("sabine-hoffmann", datetime(2026, 3, 5, 10, 20, 30), (("LM-1003", 3),)),
    ("katharina-weiss", datetime(2016, 3, 14, 19, 2, 0), (("HH-3002", 1),)),
    ("katharina-weiss", datetime(2019, 11, 2, 13, 45, 10), (("GK-4002", 1), ("WN-2003", 2))),
    ("katharina-weiss", datetime(2023, 6, 21, 8, 15, 55), (("HH-3004", 4),)),
    ("katharina-weiss", datetime(2025, 12, 5, 22, 1, 9), (("BU-5001", 1), ("LM-1004", 1))),
    ("oliver-bennett", datetime(2025, 8, 19, 17, 33, 21), (("HH-3002", 1),)),
)

_PLANTED_NOTES: tuple[tuple[str, datetime, str, str], ...] = (
    (
        "thomas-becker",
        datetime(2025, 11, 27, 10, 5, 0),
        "Nina Brandt",
        "Paket laut DHL bei der Nachbarin Petra Klein (petra.klein@example.org, Schwabstraße 40) "
        "abgegeben; Kunde hat es nach eigener Aussage nicht erhalten. Nachforschungsauftrag "
        "gestellt.",
    ),
    (
        "sabine-hoffmann",
        datetime(2022, 12, 2, 9, 30, 0),
        "Miriam Albrecht",
        "Kundin ist Diabetikerin und bittet darum, in Geschenkkörben nur zuckerfreie Produkte "
        "zu verschicken.",
    ),
)

# key -> (changed_at, what changed); the shop row starts with the old values.
_PLANTED_CHANGES: dict[str, datetime] = {"katharina-weiss": datetime(2024, 5, 6, 11, 0, 0)}


@dataclass
class ShopResult:
    """Row counts per table, customer ids by person key, and where planted people ended up."""

    tables: dict[str, int]
    customer_ids: dict[str, int]
    locations: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _Change:
    customer_id: int
    at: datetime
    email: str | None = None
    phone: str | None = None
    address: Address | None = None


def _ts(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S")


def _money(cents: int) -> float:
    return round(cents / 100, 2)


def build_shop(path: Path, population: Population, seed: int, progress: Progress) -> ShopResult:
    """Write ``path`` from scratch (to a temporary file, renamed when complete)."""
    rng = random.Random(f"dsr-demo-shop-{seed}")
    tmp = path.with_name(f".{path.name}.building")
    tmp.unlink(missing_ok=True)
    connection = sqlite3.connect(tmp)
    try:
        connection.execute("PRAGMA journal_mode = OFF")
        connection.execute("PRAGMA synchronous = OFF")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.executescript(SCHEMA)
        result = _fill(connection, population, rng, progress)
        connection.commit()
        connection.execute("PRAGMA journal_mode = DELETE")
    finally:
        connection.close()
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    make_private(path)
    return result


def _fill(
    db: sqlite3.Connection, population: Population, rng: random.Random, progress: Progress
) -> ShopResult:
    people = sorted(population.customers, key=lambda p: (p.created_at, p.key))
    ids = {p.key: i for i, p in enumerate(people, start=1)}
    planted = population.planted
    result = ShopResult(tables={}, customer_ids=ids)
    loc = result.locations

    progress.begin("Shop: customers", total=len(people))
    changes: list[_Change] = []
    for person in people:
        changes.extend(_changes_for(person, ids[person.key], rng))
    change_of = {c.customer_id: c for c in changes}  # at most one change per customer
    opted_in = {p.key for p in population.newsletter} | {
        p.key for p in population.mailchimp_subscribed
    }

    customer_rows = []
    address_rows = []
    old_address: dict[int, Address] = {}
    for person in people:
        cid = ids[person.key]
        email = person.spelled("shop_before", "email", person.email)
        phone = person.phone.international() if person.phone else None
        address = person.address
        change = change_of.get(cid)
        if change is not None and change.address is not None:
            address = _moved_from(person.address, rng)
            old_address[cid] = address
        if change is not None and change.email is not None and person.key not in planted:
            email = _older_email(person.email, rng)
        if change is not None and change.phone is not None and person.key not in planted:
            phone = None
        customer_rows.append(
            (
                cid,
                f"K-{100000 + cid}",
                person.salutation,
                person.first_name,
                person.last_name,
                email,
                phone,
                person.birthdate.isoformat() if person.birthdate else None,
                person.language,
                int(person.key in opted_in),
                _ts(person.created_at),
                _ts(person.created_at),
            )
        )
        address_rows.append(
            (cid, "billing", address.street, address.postcode, address.city, address.country)
        )
        progress.advance()
    db.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", customer_rows)
    progress.end()

    # Shipping addresses for some: a workplace or a relative.
    for person in people:
        if person.key not in planted and rng.random() < 0.15 and person.address.country == "DE":
            cid = ids[person.key]
            street = f"{rng.choice(('Industriestraße', 'Bahnhofstraße', 'Gartenweg'))} "
            street += str(rng.randint(1, 120))
            address_rows.append(
                (cid, "shipping", street, person.address.postcode, person.address.city, "DE")
            )
    db.executemany(
        "INSERT INTO addresses (customer_id, kind, street, postcode, city, country) "
        "VALUES (?,?,?,?,?,?)",
        address_rows,
    )
    billing_id = {
        cid: aid
        for aid, cid in db.execute("SELECT id, customer_id FROM addresses WHERE kind = 'billing'")
    }

    _orders_and_invoices(
        db, people, ids, planted, old_address, changes, billing_id, rng, progress, loc
    )
    _support_notes(db, people, ids, planted, rng, loc)
    _web_sessions(db, people, ids, rng)
    _apply_changes(db, changes)

    for key in planted:
        if key in ids:
            loc.setdefault(key, []).insert(
                0, f"shop: customers id={ids[key]} (customer_number K-{100000 + ids[key]})"
            )
    for hid, cid, email in db.execute(
        "SELECT id, customer_id, email FROM customer_history ORDER BY id"
    ):
        for key in planted:
            if ids.get(key) == cid:
                loc[key].append(f"shop: customer_history id={hid} (old e-mail {email})")
    for table in TABLES:
        (result.tables[table],) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
    return result


def _changes_for(person: Person, cid: int, rng: random.Random) -> list[_Change]:
    """Some customers change e-mail, phone or address after registering (history rows)."""
    if person.key in _PLANTED_CHANGES:
        return [_Change(cid, _PLANTED_CHANGES[person.key], email=person.email)]
    if person.case is not None or rng.random() >= 0.06:
        return []
    earliest = person.created_at + timedelta(days=30)
    latest = datetime.combine(ANCHOR, time(18, 0))
    if earliest >= latest:
        return []
    at = random_datetime(rng, earliest, latest)
    kind = rng.choice(("email", "address", "phone"))
    if kind == "phone" and person.phone is None:
        kind = "address"
    if kind == "email":
        return [_Change(cid, at, email=person.email)]
    if kind == "phone" and person.phone is not None:
        return [_Change(cid, at, phone=person.phone.international())]
    return [_Change(cid, at, address=person.address)]


def _older_email(current: str, rng: random.Random) -> str:
    local, _, _domain = current.partition("@")
    return f"{local}.alt@{rng.choice(('example.net', 'example.org'))}"


def _moved_from(current: Address, rng: random.Random) -> Address:
    street = f"{rng.choice(('Lindenstraße', 'Schillerstraße', 'Kirchweg', 'Am Markt'))} "
    return Address(
        street + str(rng.randint(1, 80)),
        current.postcode,
        current.city,
        current.state,
        current.country,
    )


def _orders_and_invoices(
    db: sqlite3.Connection,
    people: list[Person],
    ids: dict[str, int],
    planted: dict[str, Person],
    old_address: dict[int, Address],
    changes: list[_Change],
    billing_id: dict[int, int],
    rng: random.Random,
    progress: Progress,
    loc: dict[str, list[str]],
) -> None:
    moved_at = {c.customer_id: c.at for c in changes if c.address is not None}
    drafts: list[tuple[datetime, int, str, tuple[tuple[str, int], ...]]] = []
    for key, at, planted_items in _PLANTED_ORDERS:
        if key in ids:
            drafts.append((at, ids[key], key, planted_items))
    start = datetime(2016, 1, 1)
    end = datetime.combine(ANCHOR, time(20, 0))
    for person in people:
        if person.key in planted:
            continue
        count = rng.choices((0, 1, 2, 3, 4, 5, 6, 8), weights=(18, 26, 20, 14, 9, 6, 4, 3))[0]
        first = max(person.created_at, start)
        for _ in range(count):
            at = random_datetime(rng, first, end)
            items = tuple(
                (rng.choice(PRODUCTS)[0], rng.choice((1, 1, 1, 2, 3)))
                for _ in range(rng.choice((1, 1, 2, 2, 3, 4)))
            )
            drafts.append((at, ids[person.key], person.key, items))
    drafts.sort(key=lambda d: (d[0], d[1]))
    by_id = {ids[p.key]: p for p in people}

    progress.begin("Shop: orders and invoices", total=len(drafts))
    order_rows: list[tuple[object, ...]] = []
    invoice_rows: list[tuple[object, ...]] = []
    line_rows: list[tuple[object, ...]] = []
    per_year: dict[int, int] = {}
    line_id = 0
    for order_id, (at, cid, key, items) in enumerate(drafts, start=1):
        person = by_id[cid]
        net_total = tax_total = 0
        lines = []
        for position, (sku, quantity) in enumerate(items, start=1):
            _, description, price, rate = _PRODUCT_BY_SKU[sku]
            net = price * quantity
            tax = round(net * rate / 100)
            net_total += net
            tax_total += tax
            lines.append((position, sku, description, quantity, _money(price), rate, _money(net)))
        gross = net_total + tax_total
        cancelled = key not in planted and rng.random() < 0.04
        recent = (end - at).days < 4
        status = "cancelled" if cancelled else ("shipped" if recent else "delivered")
        payment = rng.choice(("PayPal", "Kreditkarte", "Rechnung", "Vorkasse", "SEPA-Lastschrift"))
        order_number = f"B-{1000000 + order_id}"
        order_rows.append(
            (order_id, order_number, cid, billing_id[cid], _ts(at), status, payment, _money(gross))
        )
        if cancelled:
            continue
        invoice_date = (at + timedelta(days=1 if at.hour >= 18 else 0)).date()
        if invoice_date > ANCHOR:
            invoice_date = ANCHOR
        per_year[invoice_date.year] = per_year.get(invoice_date.year, 0) + 1
        invoice_number = f"RE-{invoice_date.year}-{per_year[invoice_date.year]:05d}"
        address = person.address
        if cid in old_address and at < moved_at[cid]:
            address = old_address[cid]
        invoice_id = len(invoice_rows) + 1
        invoice_rows.append(
            (
                invoice_id,
                invoice_number,
                cid,
                order_id,
                invoice_date.isoformat(),
                f"{person.first_name} {person.last_name}",
                address.street,
                address.postcode,
                address.city,
                address.country,
                _money(net_total),
                _money(tax_total),
                _money(gross),
                "EUR",
            )
        )
        for line in lines:
            line_id += 1
            line_rows.append((line_id, invoice_id, *line))
        if key in planted:
            loc.setdefault(key, []).append(
                f"shop: invoices id={invoice_id} ({invoice_number}, {invoice_date.isoformat()}, "
                f"order {order_number}, {len(lines)} in invoice_lines)"
            )
        progress.advance()
    db.executemany("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?)", order_rows)
    db.executemany("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", invoice_rows)
    db.executemany("INSERT INTO invoice_lines VALUES (?,?,?,?,?,?,?,?,?)", line_rows)
    progress.end()


def _support_notes(
    db: sqlite3.Connection,
    people: list[Person],
    ids: dict[str, int],
    planted: dict[str, Person],
    rng: random.Random,
    loc: dict[str, list[str]],
) -> None:
    drafts: list[tuple[datetime, int, str, str, str | None]] = []
    for planted_key, at, author, note in _PLANTED_NOTES:
        if planted_key in ids:
            drafts.append((at, ids[planted_key], author, note, planted_key))
    end = datetime.combine(ANCHOR, time(17, 0))
    for person in people:
        if person.key in planted or rng.random() >= 0.10:
            continue
        for _ in range(rng.choice((1, 1, 2))):
            template = rng.choice(_NOTES)
            if "{phone}" in template and person.phone is None:
                template = _NOTES[0]
            note = template.format(
                phone=person.phone.national() if person.phone else "",
                street=person.address.street,
                city=person.address.city,
            )
            at = random_datetime(rng, person.created_at, end)
            drafts.append((at, ids[person.key], rng.choice(STAFF).name, note, None))
    drafts.sort(key=lambda d: (d[0], d[1]))
    rows = []
    for note_id, (at, cid, author, note, key) in enumerate(drafts, start=1):
        rows.append((note_id, cid, author, _ts(at), note))
        if key is not None:
            loc.setdefault(key, []).append(f"shop: support_notes id={note_id} (by {author})")
            if key == "thomas-becker":
                loc.setdefault("petra-klein", []).append(
                    f"shop: support_notes id={note_id} (mention in Thomas Becker's note)"
                )
    db.executemany("INSERT INTO support_notes VALUES (?,?,?,?,?)", rows)


def _ip(rng: random.Random) -> str:
    """Addresses from the documentation ranges (RFC 5737, RFC 3849): valid, never anyone's."""
    if rng.random() < 0.15:
        groups = ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(6))
        return f"2001:db8:{groups}"
    net = rng.choice(("192.0.2", "198.51.100", "203.0.113"))
    return f"{net}.{rng.randint(1, 254)}"


def _web_sessions(
    db: sqlite3.Connection, people: list[Person], ids: dict[str, int], rng: random.Random
) -> None:
    """Sessions of the last two years (older ones are purged, as a careful shop does)."""
    cutoff = datetime(2024, 11, 1)
    end = datetime.combine(ANCHOR, time(23, 0))
    drafts = []
    for person in people:
        first = max(person.created_at, cutoff)
        if first >= end:
            continue
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3, 4))):
            drafts.append(
                (
                    random_datetime(rng, first, end),
                    ids[person.key],
                    f"{rng.getrandbits(128):032x}",
                    _ip(rng),
                    rng.choice(USER_AGENTS),
                )
            )
    drafts.sort(key=lambda d: (d[0], d[1]))
    db.executemany(
        "INSERT INTO web_sessions VALUES (?,?,?,?,?,?)",
        [(i, sid, cid, _ts(at), ip, ua) for i, (at, cid, sid, ip, ua) in enumerate(drafts, 1)],
    )


def _apply_changes(db: sqlite3.Connection, changes: list[_Change]) -> None:
    """UPDATE the changed customers, in time order, so the trigger writes history rows."""
    email_updates, phone_updates, touch, address_updates = [], [], [], []
    for change in sorted(changes, key=lambda c: (c.at, c.customer_id)):
        at = _ts(change.at)
        if change.email is not None:
            email_updates.append((change.email, at, change.customer_id))
        elif change.phone is not None:
            phone_updates.append((change.phone, at, change.customer_id))
        elif change.address is not None:
            a = change.address
            address_updates.append((a.street, a.postcode, a.city, a.country, change.customer_id))
            touch.append((at, change.customer_id))
    db.executemany("UPDATE customers SET email = ?, updated_at = ? WHERE id = ?", email_updates)
    db.executemany("UPDATE customers SET phone = ?, updated_at = ? WHERE id = ?", phone_updates)
    db.executemany(
        "UPDATE addresses SET street = ?, postcode = ?, city = ?, country = ? "
        "WHERE customer_id = ? AND kind = 'billing'",
        address_updates,
    )
    db.executemany("UPDATE customers SET updated_at = ? WHERE id = ?", touch)
