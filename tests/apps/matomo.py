"""Matomo 5.2: website visitors and back-office users, one person planted among them.

Matomo links its rows by naming convention only (``idvisit``, ``idaction_*``, the
``login`` string), by values (``log_visit.user_id``, report subscribers' e-mail), by
binary encodings (``idvisitor`` = the first 8 bytes of sha1(User ID), ``location_ip``
in network byte order) and inside encoded values (``option_name`` with the login in
it, PHP session strings, JSON report parameters): see
../shared/data/apps/matomo/NOTES.md.

The planted person, Lena Schubert, is both: a customer of the company's shop whose
shop sends her e-mail address as Matomo's User ID (a common setup), and a marketing
employee with a Matomo login ``lschubert`` under the same address. Her ``own`` rows
are what Matomo's own code treats as hers: the visits its GDPR tool finds by
``userId`` / ``visitorId`` (plugins/PrivacyManager/Model/DataSubjects.php) with every
log row joined on ``idvisit``, and everything keyed by or naming her login (what
UsersManager deletes with the user, plus her segments, reports, jobs and failed
logins). Shared ``log_action`` rows are never a visitor's own: the one whose URL
carries her e-mail is a mention, like another user's report and segment naming her.

Nothing here is kept under retention: Matomo's e-commerce conversions are analytics
copies, the shop's own order records are what § 147 AO / § 257 HGB apply to.

Traps: a namesake visitor, two people sharing a family e-mail as their User ID, a
forum whose User IDs are forum user names (one of them equals her Matomo login:
``log_visit.user_id`` is not a key of ``matomo_user``), visitors and a failed login
that share only her (anonymised) IP, abandoned-cart items of others whose ``idorder``
is the same ``'0'`` as hers, and the admin who invited her and whose segment her
report uses. Her login is therefore no secret that must vanish from the database
bytes: a stranger's forum User ID is the same string.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import random
import string
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from faker import Faker

from tests.apps.world import Db, Planted, row_ref

EMAIL = "lena.schubert@example.com"
PHONE = "0157 34127789"  # as her shop's call-back form sends it
PHONE_INTL = "+49 157 34127789"  # as her checkout sends it
PHONE_E164 = "+4915734127789"  # as Matomo's MobileMessaging stores it
FIRST, LAST = "Lena", "Schubert"
LOGIN = "lschubert"
STREET = "Amselweg 14"
ADDRESS = f"{STREET}, 04109 Leipzig"
CUSTOMER_NO = "K-48213"  # the shop's customer number, sent as a custom dimension
HOME_IP = "198.51.100.23"  # brute_force_log keeps it in full, the tracker anonymises it
HOME_IP_V6 = "2001:db8:4a1c:7::15"

ZERO = "0000-00-00 00:00:00"

# Matomo's action types (core/Tracker/Action.php)
URL, TITLE, SKU, PRODUCT, CATEGORY, SEARCH = 1, 4, 5, 6, 7, 8
EVENT_CATEGORY, EVENT_ACTION, EVENT_NAME = 10, 11, 12
HTTPS = 2  # log_action.url_prefix: 0 http://, 1 http://www., 2 https://, 3 https://www.

# Ecommerce pseudo goals (core/Tracker/GoalManager.php)
ORDER, CART = 0, -1


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    price: float
    path: str


PRODUCTS = (
    Product("GF-1001", "Rosenschere Profi", "Werkzeug", 24.90, "p/rosenschere-profi"),
    Product("GF-1002", "Gartenhandschuhe Leder", "Zubehör", 12.50, "p/gartenhandschuhe-leder"),
    Product("GF-2001", "Lavendel Hidcote (3er Set)", "Pflanzen", 17.40, "p/lavendel-hidcote"),
    Product("GF-2002", "Hortensie Annabelle", "Pflanzen", 22.00, "p/hortensie-annabelle"),
    Product("GF-3001", "Bio-Rasendünger 10 kg", "Dünger", 34.99, "p/bio-rasenduenger"),
    Product("GF-3002", "Hochbeet Lärche 120 cm", "Hochbeete", 149.00, "p/hochbeet-laerche"),
)

SITES = (
    # idsite = position + 1: name, main_url, ecommerce, creator index into the users
    ("Gartenfreund Shop", "https://shop.example.com", 1),
    ("Gartenfreund Forum", "https://forum.example.com", 0),
    ("Gartenfreund Blog", "https://blog.example.com", 0),
    ("Gartenfreund App", "https://app.example.com", 0),
    ("Unternehmensseite", "https://www.example.com", 0),
    ("Karriere", "https://karriere.example.com", 0),
    ("Hilfe-Center", "https://hilfe.example.com", 0),
    ("Presse", "https://presse.example.com", 0),
    ("Events", "https://events.example.com", 0),
    ("Intranet", "https://intranet.example.com", 0),
)
SHOP, FORUM, BLOG = 1, 2, 3

SHOP_PAGES = {
    "home": ("shop.example.com/", "Startseite – Gartenfreund Shop"),
    "plants": ("shop.example.com/garten/pflanzen", "Pflanzen"),
    "tools": ("shop.example.com/garten/werkzeug", "Werkzeug"),
    "cart": ("shop.example.com/warenkorb", "Warenkorb"),
    "checkout": ("shop.example.com/kasse", "Kasse"),
    "done": ("shop.example.com/kasse/bestaetigung", "Bestellbestätigung"),
    "account": ("shop.example.com/konto", "Mein Konto"),
    "callback": ("shop.example.com/rueckruf", "Rückrufservice"),
}
FORUM_PAGES = {
    "home": ("forum.example.com/", "Forum – Gartenfreund"),
    "lawn": ("forum.example.com/t/rasen-vertikutieren", "Rasen vertikutieren – Forum"),
    "roses": ("forum.example.com/t/rosen-schneiden", "Rosen richtig schneiden – Forum"),
    "profile": ("forum.example.com/profil", "Mein Profil – Forum"),
}
BLOG_PAGES = {
    "home": ("blog.example.com/", "Gartenfreund Blog"),
    "calendar": ("blog.example.com/pflanzkalender", "Pflanzkalender 2024"),
    "beds": ("blog.example.com/hochbeet-anlegen", "Hochbeet anlegen in 5 Schritten"),
    "newsletter": ("blog.example.com/newsletter", "Newsletter"),
    "subscribed": ("blog.example.com/newsletter/danke", "Danke für Ihre Anmeldung"),
}


def _json(value: Any) -> str:
    """JSON as PHP's json_encode writes it: no blanks, non-ASCII escaped."""
    return json.dumps(value, separators=(",", ":"))


def _bin(value: bytes) -> Any:
    """A binary value for ``binary(8)``/``varbinary(16)``: SQLite reflects those columns
    as NUMERIC, whose bind processor would try to turn the bytes into a number."""
    return sa.literal(value, sa.LargeBinary())


def _zero() -> Any:
    """MySQL's zero datetime, written as SQL text: SQLite's DateTime type accepts only
    datetime objects, and MariaDB stores the literal as the zero date."""
    return sa.literal_column(f"'{ZERO}'")


def visitor_id(user_id: str) -> bytes:
    """``idvisitor`` of a visit with this User ID (Request::getUserIdHashed)."""
    return bytes.fromhex(hashlib.sha1(user_id.encode("utf-8")).hexdigest()[:16])


def anonymised_ip(address: str) -> bytes:
    """``location_ip`` as the tracker stores it with the default 2-byte anonymisation
    (IPv4 x.y.0.0; IPv6 keeps the first 6 bytes)."""
    packed = ipaddress.ip_address(address).packed
    keep = 2 if len(packed) == 4 else 6
    return packed[:keep] + bytes(len(packed) - keep)


def _ascii(text: str) -> str:
    for umlaut, plain in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(umlaut, plain).replace(umlaut.upper(), plain.capitalize())
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c in ".-")


def _hash32(text: str) -> int:
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF


@dataclass
class Person:
    first: str
    last: str
    email: str
    phone: str
    street: str
    postcode: str
    city: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Visit:
    """One visit row and everything inserted for it, for the ground truth."""

    idvisit: int
    values: dict[str, Any]
    links: list[int] = field(default_factory=list)
    rows: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Step:
    """One ``log_link_visit_action`` row: a page view, a product view, a search, an event."""

    page: tuple[str, str] | None = None  # (url without prefix, title)
    product: Product | None = None
    search: str | None = None
    event: tuple[str, str, str] | None = None  # category, action, name
    dimension: str | None = None  # action-scope custom dimension 1 (Seitentyp)
    minutes: int = 1


class World:
    """The database being filled, with Matomo's shared dictionary of actions."""

    def __init__(self, db: Db, fake: Faker, rng: random.Random) -> None:
        self.db = db
        self.fake = fake
        self.rng = rng
        self.actions: dict[tuple[int, str], int] = {}
        self.emails: set[str] = {EMAIL}
        self.order_no = 10230
        self.buster = 0

    def action(self, kind: int, name: str) -> int:
        """The ``idaction`` of a URL, title, SKU...: one row per distinct (type, name)."""
        if (kind, name) not in self.actions:
            key = self.db.insert(
                "matomo_log_action",
                name=name,
                hash=_hash32(name),
                type=kind,
                url_prefix=HTTPS if kind == URL else None,
            )
            self.actions[kind, name] = int(key["idaction"])
        return self.actions[kind, name]

    def update(self, table: str, key: dict[str, Any], **values: Any) -> None:
        t = self.db.table(table)
        condition = sa.and_(*(t.c[k] == v for k, v in key.items()))
        self.db.conn.execute(sa.update(t).where(condition).values(**values))

    def person(self, domain: str | None = None) -> Person:
        while True:
            given = self.fake.first_name()
            family = self.fake.last_name()
            if family == LAST:
                continue
            email = f"{_ascii(given)}.{_ascii(family)}@{domain or self.domain()}"
            if email not in self.emails:
                self.emails.add(email)
                break
        return Person(
            given,
            family,
            email,
            self.mobile(),
            self.fake.street_address(),
            self.fake.postcode(),
            self.fake.city(),
        )

    def domain(self) -> str:
        return self.rng.choice(("example.com", "example.org", "example.net"))

    def mobile(self) -> str:
        prefix = self.rng.choice(("151", "152", "160", "162", "170", "172", "176", "179"))
        number = str(self.rng.randint(1000000, 99999999))
        return self.rng.choice(
            (f"0{prefix} {number}", f"+49 {prefix} {number}", f"0{prefix}/{number}")
        )

    def hexstring(self, length: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(length))

    def token(self, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def when(self, start: dt.datetime, days: int = 240) -> dt.datetime:
        return start + dt.timedelta(
            days=self.rng.randint(0, days),
            hours=self.rng.randint(7, 21),
            minutes=self.rng.randint(0, 59),
            seconds=self.rng.randint(0, 59),
        )


def populate(db: Db, fake: Faker, rng: random.Random) -> Planted:
    w = World(db, fake, rng)
    planted = Planted(email=EMAIL, phone=PHONE, first_name=FIRST, last_name=LAST)
    planted.secrets = [STREET, CUSTOMER_NO]

    users = _back_office(w, planted)
    _neighbours(w, users)
    _visitors(w, planted)
    return planted


# --- neighbour tables -----------------------------------------------------------------


def _neighbours(w: World, users: list[str]) -> None:
    db = w.db
    for index, (name, url, ecommerce) in enumerate(SITES):
        db.insert(
            "matomo_site",
            idsite=index + 1,
            name=name,
            main_url=url,
            ts_created=dt.datetime(2017, 3, 1) + dt.timedelta(days=97 * index),
            ecommerce=ecommerce,
            sitesearch=1,
            sitesearch_keyword_parameters="q,suche",
            sitesearch_category_parameters="",
            timezone="Europe/Berlin",
            currency="EUR",
            excluded_ips="10.0.0.0/8",
            excluded_parameters="sessionid",
            excluded_user_agents="",
            excluded_referrers="",
            group="Gartenfreund" if index < 4 else "Unternehmen",
            type="website",
            creator_login=users[0] if index < 5 else users[1 + index % 3],
        )
    goals = {
        1: ["Konto angelegt", "Rückruf angefordert"],
        2: ["Registrierung"],
        3: ["Newsletter-Anmeldung", "Kommentar geschrieben"],
        4: ["App installiert"],
        6: ["Bewerbung abgeschickt"],
        7: ["Hilfeartikel bewertet"],
        9: ["Ticket gekauft"],
    }
    for idsite, names in goals.items():
        for idgoal, name in enumerate(names, start=1):
            db.insert(
                "matomo_goal",
                idsite=idsite,
                idgoal=idgoal,
                name=name,
                description="",
                match_attribute="url",
                pattern="/danke" if idgoal == 1 else "/bestaetigt",
                pattern_type="contains",
                case_sensitive=0,
                allow_multiple=0,
                revenue=0.0 if idsite != 9 else 25.0,
            )
    dimensions = [
        (1, SHOP, "Kundennummer", 1, "visit"),
        (2, SHOP, "Rückrufnummer", 2, "visit"),
        (3, SHOP, "Kundengruppe", 3, "visit"),
        (4, SHOP, "Seitentyp", 1, "action"),
        (1, FORUM, "Forenrolle", 1, "visit"),
        (2, FORUM, "Unterforum", 1, "action"),
        (1, BLOG, "Newsletter-Status", 1, "visit"),
        (2, BLOG, "Kategorie", 1, "action"),
        (1, 4, "App-Version", 1, "visit"),
        (1, 6, "Stellenanzeige", 1, "action"),
    ]
    for ident, idsite, name, index, scope in dimensions:
        db.insert(
            "matomo_custom_dimensions",
            idcustomdimension=ident,
            idsite=idsite,
            name=name,
            index=index,
            scope=scope,
            active=1,
            extractions="[]",
            case_sensitive=1,
        )


# --- visitors ---------------------------------------------------------------------------


def _device(w: World) -> dict[str, Any]:
    return w.rng.choice(
        (
            dict(
                config_browser_name="FF",
                config_browser_engine="Gecko",
                config_browser_version="128.0",
                config_os="WIN",
                config_os_version="10",
                config_device_type=0,
                config_device_brand="",
                config_device_model="",
                config_resolution="1920x1080",
            ),
            dict(
                config_browser_name="CH",
                config_browser_engine="Blink",
                config_browser_version="126.0",
                config_os="AND",
                config_os_version="14",
                config_device_type=1,
                config_device_brand="SA",
                config_device_model="Galaxy S23",
                config_resolution="1080x2340",
            ),
            dict(
                config_browser_name="SF",
                config_browser_engine="WebKit",
                config_browser_version="17.5",
                config_os="IOS",
                config_os_version="17.5",
                config_device_type=1,
                config_device_brand="AP",
                config_device_model="iPhone",
                config_resolution="1170x2532",
            ),
            dict(
                config_browser_name="SF",
                config_browser_engine="WebKit",
                config_browser_version="17.4",
                config_os="MAC",
                config_os_version="14.4",
                config_device_type=0,
                config_device_brand="AP",
                config_device_model="",
                config_resolution="2560x1440",
            ),
        )
    )


CITIES = (
    ("Leipzig", "SN", Decimal("51.339700"), Decimal("12.373100")),
    ("Berlin", "BE", Decimal("52.520000"), Decimal("13.405000")),
    ("München", "BY", Decimal("48.137100"), Decimal("11.575400")),
    ("Köln", "NW", Decimal("50.937500"), Decimal("6.960300")),
    ("Hamburg", "HH", Decimal("53.551100"), Decimal("9.993700")),
    ("Dresden", "SN", Decimal("51.050400"), Decimal("13.737300")),
)

REFERRERS = (
    dict(referer_type=1, referer_name=None, referer_url=None, referer_keyword=None),
    dict(
        referer_type=2,
        referer_name="Google",
        referer_url="https://www.google.de/",
        referer_keyword="Keyword not defined",
    ),
    dict(
        referer_type=3,
        referer_name="gartenforum.example.org",
        referer_url="https://gartenforum.example.org/thread/4711",
        referer_keyword=None,
    ),
    dict(
        referer_type=6,
        referer_name="newsletter-maerz",
        referer_url="https://shop.example.com/?mtm_campaign=newsletter-maerz",
        referer_keyword="email",
    ),
)

COPIED = (
    "visitor_returning",
    "visitor_seconds_since_first",
    "visitor_seconds_since_order",
    "visitor_count_visits",
    "referer_keyword",
    "referer_name",
    "referer_type",
    "config_browser_name",
    "config_client_type",
    "config_device_brand",
    "config_device_model",
    "config_device_type",
    "location_city",
    "location_country",
    "location_latitude",
    "location_longitude",
    "location_region",
    *(f"custom_dimension_{i}" for i in range(1, 6)),
    *(f"custom_var_{kv}{i}" for i in range(1, 6) for kv in "kv"),
)
"""The visit columns Matomo copies into each conversion (LogTable/Conversion.php)."""


def visit(
    w: World,
    *,
    site: int,
    idvisitor: bytes,
    user_id: str | None,
    ip: str,
    start: dt.datetime,
    steps: Iterable[Step],
    city: int | None = None,
    count: int = 1,
    **extra: Any,
) -> Visit:
    """Insert a visit with its actions; entry/exit actions and ``last_idlink_va`` are set
    from the actions as the tracker sets them."""
    steps = list(steps)
    where = CITIES[city if city is not None else w.rng.randrange(len(CITIES))]
    values: dict[str, Any] = dict(
        idsite=site,
        user_id=user_id,
        visit_first_action_time=start,
        visit_last_action_time=start,
        profilable=1,
        visit_goal_buyer=0,
        visit_goal_converted=0,
        visitor_returning=1 if count > 1 else 0,
        visitor_seconds_since_first=(count - 1) * 86400 * 9,
        visitor_seconds_since_order=None,
        visitor_count_visits=count,
        visit_total_actions=len(steps),
        visit_total_interactions=len(steps),
        visit_total_searches=sum(1 for s in steps if s.search),
        visit_total_events=sum(1 for s in steps if s.event),
        location_browser_lang="de-de,de,en-us,en",
        config_client_type=1,
        config_cookie=1,
        config_flash=0,
        config_java=0,
        config_pdf=1,
        config_quicktime=0,
        config_realplayer=0,
        config_silverlight=0,
        config_windowsmedia=0,
        visitor_localtime=start.time(),
        visitor_seconds_since_last=(count - 1) * 3600 * 24 * 3 if count > 1 else None,
        visit_total_time=0,
        location_city=where[0],
        location_country="de",
        location_region=where[1],
        location_latitude=where[2],
        location_longitude=where[3],
    )
    values.update(_device(w))
    values.update(w.rng.choice(REFERRERS))
    values.update(extra)
    binary = dict(
        idvisitor=idvisitor,
        config_id=w.rng.randbytes(8),
        location_ip=anonymised_ip(ip),
    )
    key = w.db.insert("matomo_log_visit", **values, **{k: _bin(v) for k, v in binary.items()})
    values.update(binary)
    record = Visit(int(key["idvisit"]), values)
    record.rows.append(("matomo_log_visit", key))

    when = start
    previous: tuple[int | None, int | None] = (0, None)
    first = last = (None, None)
    for position, step in enumerate(steps, start=1):
        when += dt.timedelta(minutes=step.minutes, seconds=w.rng.randint(0, 50))
        row: dict[str, Any] = dict(
            idsite=site,
            idvisit=record.idvisit,
            server_time=when,
            idpageview=w.token(6),
            pageview_position=position,
            idaction_url_ref=previous[0],
            idaction_name_ref=previous[1],
            time_spent_ref_action=step.minutes * 60,
            custom_dimension_1=step.dimension,
        )
        if step.page:
            row["idaction_url"] = w.action(URL, step.page[0])
            row["idaction_name"] = w.action(TITLE, step.page[1])
            row.update(
                time_network=w.rng.randint(5, 60),
                time_server=w.rng.randint(40, 400),
                time_transfer=w.rng.randint(5, 90),
                time_dom_processing=w.rng.randint(100, 900),
                time_dom_completion=w.rng.randint(50, 600),
                time_on_load=w.rng.randint(1, 30),
            )
        if step.product:
            p = step.product
            row.update(
                idaction_product_sku=w.action(SKU, p.sku),
                idaction_product_name=w.action(PRODUCT, p.name),
                idaction_product_cat=w.action(CATEGORY, p.category),
                product_price=p.price,
                idaction_url=w.action(URL, f"shop.example.com/{p.path}"),
                idaction_name=w.action(TITLE, p.name),
            )
        if step.search:
            row.update(
                idaction_url=w.action(SEARCH, step.search),
                search_cat="",
                search_count=w.rng.randint(0, 12),
            )
        if step.event:
            category, action, name = step.event
            row.update(
                idaction_event_category=w.action(EVENT_CATEGORY, category),
                idaction_event_action=w.action(EVENT_ACTION, action),
                idaction_name=w.action(EVENT_NAME, name),
                idaction_url=w.action(URL, f"blog.example.com/files/{_ascii(name)}"),
                custom_float=None,
            )
        link = w.db.insert("matomo_log_link_visit_action", idvisitor=_bin(idvisitor), **row)
        record.links.append(int(link["idlink_va"]))
        record.rows.append(("matomo_log_link_visit_action", link))
        if step.page or step.product:
            pair = (row["idaction_url"], row["idaction_name"])
            first = pair if first == (None, None) else first
            last = pair
        previous = (row.get("idaction_url"), row.get("idaction_name"))
    total = int((when - start).total_seconds())
    updates: dict[str, Any] = dict(
        visit_last_action_time=when,
        visit_total_time=total,
        visit_entry_idaction_url=first[0],
        visit_entry_idaction_name=first[1],
        visit_exit_idaction_url=last[0],
        visit_exit_idaction_name=last[1],
        last_idlink_va=record.links[-1] if record.links else None,
    )
    w.update("matomo_log_visit", {"idvisit": record.idvisit}, **updates)
    values.update(updates)
    return record


def conversion(
    w: World,
    record: Visit,
    *,
    idgoal: int,
    items: Iterable[tuple[Product, int]] = (),
    link: int = -1,
    **extra: Any,
) -> None:
    """A goal conversion, an order (``idgoal`` 0) or an abandoned cart (-1) of the visit,
    with its items; visit columns are copied as Matomo copies them."""
    items = list(items)
    v = record.values
    server_time = v["visit_last_action_time"]
    idlink_va = record.links[link]
    idorder: str | None = None
    if idgoal == ORDER:
        w.order_no += w.rng.randint(1, 9)
        idorder = str(w.order_no)
    buster = _hash32(idorder) if idorder else 0
    subtotal = round(sum(p.price * n for p, n in items), 2)
    shipping = 4.90 if items and subtotal < 50 else 0.0
    row: dict[str, Any] = {name: v[name] for name in COPIED if name in v}
    row.update(
        idvisit=record.idvisit,
        idsite=v["idsite"],
        server_time=server_time,
        idaction_url=w.db.conn.execute(
            sa.select(w.db.table("matomo_log_link_visit_action").c.idaction_url).where(
                w.db.table("matomo_log_link_visit_action").c.idlink_va == idlink_va
            )
        ).scalar(),
        idlink_va=idlink_va,
        idgoal=idgoal,
        buster=buster,
        idorder=idorder,
        items=sum(n for _, n in items) if items else None,
        url="https://"
        + (
            w.db.conn.execute(
                sa.select(w.db.table("matomo_log_action").c.name).where(
                    w.db.table("matomo_log_action").c.idaction == v["visit_exit_idaction_url"]
                )
            ).scalar()
            or "shop.example.com/"
        ),
        revenue=round(subtotal + shipping, 2) if items else 0.0,
        revenue_subtotal=subtotal if items else None,
        revenue_shipping=shipping if items else None,
        revenue_tax=round((subtotal + shipping) * 19 / 119, 2) if items else None,
        revenue_discount=0.0 if items else None,
        pageviews_before=len(record.links),
    )
    row.update(extra)
    key = w.db.insert("matomo_log_conversion", idvisitor=_bin(v["idvisitor"]), **row)
    record.rows.append(("matomo_log_conversion", key))
    for product, quantity in items:
        item = w.db.insert(
            "matomo_log_conversion_item",
            idsite=v["idsite"],
            idvisitor=_bin(v["idvisitor"]),
            server_time=server_time,
            idvisit=record.idvisit,
            idorder=idorder or "0",  # GoalManager::ITEM_IDORDER_ABANDONED_CART
            idaction_sku=w.action(SKU, product.sku),
            idaction_name=w.action(PRODUCT, product.name),
            idaction_category=w.action(CATEGORY, product.category),
            idaction_category2=0,
            idaction_category3=0,
            idaction_category4=0,
            idaction_category5=0,
            price=product.price,
            quantity=quantity,
            deleted=0,
        )
        record.rows.append(("matomo_log_conversion_item", item))
    buyer = {ORDER: 1, CART: 2}.get(idgoal)
    updates: dict[str, Any] = {"visit_goal_converted": 1}
    if buyer is not None:
        updates["visit_goal_buyer"] = buyer
    w.update("matomo_log_visit", {"idvisit": record.idvisit}, **updates)


def _shopping(w: World, product: Product) -> list[Step]:
    return [
        Step(page=SHOP_PAGES["home"], dimension="Startseite"),
        Step(page=SHOP_PAGES["plants" if product.category == "Pflanzen" else "tools"]),
        Step(product=product, dimension="Produkt", minutes=w.rng.randint(1, 4)),
    ]


def _checkout(product: Product) -> list[Step]:
    return [
        Step(product=product, dimension="Produkt"),
        Step(page=SHOP_PAGES["cart"], dimension="Warenkorb"),
        Step(page=SHOP_PAGES["checkout"], dimension="Kasse", minutes=3),
        Step(page=SHOP_PAGES["done"], dimension="Kasse"),
    ]


def _customer_vars(p: Person, number: str, phone: str | None = None) -> dict[str, Any]:
    """What the shop sends about a logged-in customer: customer number and name as
    custom dimension and custom variable, sometimes the phone number too."""
    values: dict[str, Any] = dict(
        custom_dimension_1=number,
        custom_dimension_3="Stammkunde",
        custom_var_k1="Kunde",
        custom_var_v1=p.name,
    )
    if phone:
        values.update(custom_var_k2="Telefon", custom_var_v2=phone)
    return values


def _visitors(w: World, planted: Planted) -> None:
    rng = w.rng
    start = dt.datetime(2024, 1, 8)
    planted_ip = anonymised_ip(HOME_IP)

    # -- the planted person ---------------------------------------------------------------
    me = visitor_id(EMAIL)
    mine: list[Visit] = []
    person: dict[str, Any] = dict(ip=HOME_IP, city=0, idvisitor=me)
    v1 = visit(
        w,
        site=SHOP,
        user_id=EMAIL,
        start=dt.datetime(2024, 3, 2, 19, 12, 5),
        count=4,
        steps=[
            *_shopping(w, PRODUCTS[2]),
            Step(search="lavendel"),
            Step(page=SHOP_PAGES["callback"], dimension="Service"),
            Step(page=SHOP_PAGES["cart"], dimension="Warenkorb"),
        ],
        custom_dimension_1=CUSTOMER_NO,
        custom_dimension_2=PHONE,
        custom_dimension_3="Stammkunde",
        custom_var_k1="Kunde",
        custom_var_v1=planted.name,
        **person,
    )
    conversion(w, v1, idgoal=CART, items=[(PRODUCTS[2], 2)])
    conversion(w, v1, idgoal=2, link=-2)  # "Rückruf angefordert"
    mine.append(v1)
    v2 = visit(
        w,
        site=SHOP,
        user_id=EMAIL,
        start=dt.datetime(2024, 3, 5, 8, 41, 30),
        count=5,
        steps=[Step(page=SHOP_PAGES["account"], dimension="Konto"), *_checkout(PRODUCTS[0])],
        custom_dimension_1=CUSTOMER_NO,
        custom_dimension_3="Stammkunde",
        custom_var_k1="Kunde",
        custom_var_v1=planted.name,
        custom_var_k2="Telefon",
        custom_var_v2=PHONE_INTL,
        custom_var_k3="Lieferadresse",
        custom_var_v3=ADDRESS,
        **person,
    )
    conversion(w, v2, idgoal=ORDER, items=[(PRODUCTS[0], 1), (PRODUCTS[2], 2)])
    mine.append(v2)
    v3 = visit(
        w,
        site=BLOG,
        user_id=EMAIL,
        start=dt.datetime(2024, 5, 20, 21, 3, 44),
        count=1,
        steps=[
            Step(page=BLOG_PAGES["home"]),
            Step(page=BLOG_PAGES["newsletter"]),
            # the confirmation link as the newsletter tool builds it: a shared log_action
            # row that names her (a mention, never deleted with her visits)
            Step(
                page=(
                    "blog.example.com/newsletter/bestaetigt?email=" + EMAIL.replace("@", "%40"),
                    BLOG_PAGES["subscribed"][1],
                )
            ),
        ],
        custom_dimension_1="angemeldet",
        **person,
    )
    conversion(w, v3, idgoal=1)
    action = w.action(
        URL, "blog.example.com/newsletter/bestaetigt?email=" + EMAIL.replace("@", "%40")
    )
    planted.mention("matomo_log_action", {"idaction": action})
    planted.unsearched[row_ref("matomo_log_action", {"idaction": action})] = (
        "page URLs of the shared action table are not free text: dsr does not search them"
    )
    mine.append(v3)
    mine.append(
        visit(
            w,
            site=BLOG,
            user_id=EMAIL,
            start=dt.datetime(2024, 6, 1, 7, 55, 2),
            count=2,
            steps=[
                Step(page=BLOG_PAGES["calendar"], dimension="Ratgeber"),
                Step(event=("Downloads", "PDF", "Pflanzkalender 2024.pdf")),
                Step(page=BLOG_PAGES["beds"], dimension="Ratgeber"),
            ],
            custom_dimension_1="angemeldet",
            ip=HOME_IP_V6,
            city=0,
            idvisitor=me,
        )
    )
    # A visit from the Piwik 3 days: the cookie kept the hashed User ID as visitor id,
    # no User ID was sent. Matomo's GDPR tool finds it by visitorId.
    mine.append(
        visit(
            w,
            site=SHOP,
            user_id=None,
            start=dt.datetime(2020, 11, 14, 16, 20, 0),
            count=3,
            steps=[Step(page=SHOP_PAGES["home"]), Step(product=PRODUCTS[4])],
            **person,
        )
    )
    for record in mine:
        for table, key in record.rows:
            planted.add(table, key)

    # -- traps ----------------------------------------------------------------------------
    traps: list[Visit] = []
    # The namesake: same name, her own e-mail, phone and address.
    namesake = Person(
        FIRST,
        LAST,
        "schubert.lena@example.net",
        "0176 88234510",
        "Kastanienallee 3",
        "10435",
        "Berlin",
    )
    w.emails.add(namesake.email)
    twin = visitor_id(namesake.email)
    n1 = visit(
        w,
        site=SHOP,
        user_id=namesake.email,
        idvisitor=twin,
        ip="203.0.113.77",
        city=1,
        start=dt.datetime(2024, 3, 3, 10, 2, 11),
        count=2,
        steps=_checkout(PRODUCTS[3]),
        **_customer_vars(namesake, "K-51877", namesake.phone),
        custom_var_k3="Lieferadresse",
        custom_var_v3=f"{namesake.street}, {namesake.postcode} {namesake.city}",
    )
    conversion(w, n1, idgoal=ORDER, items=[(PRODUCTS[3], 1)])
    traps.append(n1)
    traps.append(
        visit(
            w,
            site=BLOG,
            user_id=namesake.email,
            idvisitor=twin,
            ip="203.0.113.77",
            city=1,
            start=dt.datetime(2024, 4, 11, 12, 0, 0),
            steps=[Step(page=BLOG_PAGES["home"]), Step(page=BLOG_PAGES["beds"])],
        )
    )
    # Two people of one household log in to the shop with one family address.
    family = "familie.krause@example.org"
    w.emails.add(family)
    for first, number in (("Thomas", "K-40102"), ("Sabine", "K-40102")):
        member = Person(first, "Krause", family, w.mobile(), "Birkenweg 8", "01069", "Dresden")
        record = visit(
            w,
            site=SHOP,
            user_id=family,
            idvisitor=visitor_id(family),
            ip="192.0.2.140",
            city=5,
            start=w.when(start),
            count=rng.randint(1, 6),
            steps=_shopping(w, rng.choice(PRODUCTS)),
            **_customer_vars(member, number),
        )
        traps.append(record)
    # The forum sends its user names as User IDs; one of them is her Matomo login.
    for day in (12, 19):
        traps.append(
            visit(
                w,
                site=FORUM,
                user_id=LOGIN,
                idvisitor=visitor_id(LOGIN),
                ip="203.0.113.5",
                city=3,
                start=dt.datetime(2024, 2, day, 20, 15, 0),
                steps=[Step(page=FORUM_PAGES["home"]), Step(page=FORUM_PAGES["lawn"])],
                custom_dimension_1="Mitglied",
            )
        )
    # Anonymous visitors behind the same anonymised IP (198.51.0.0): no User ID, their
    # own cookie; tied to her by the IP alone.
    for _ in range(2):
        record = visit(
            w,
            site=SHOP,
            user_id=None,
            idvisitor=rng.randbytes(8),
            ip=f"198.51.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            city=0,
            start=w.when(start),
            steps=_shopping(w, rng.choice(PRODUCTS)),
        )
        assert record.values["location_ip"] == planted_ip
        traps.append(record)
    for record in traps:
        for table, key in record.rows:
            planted.trap(table, key)

    # -- everybody else -------------------------------------------------------------------
    carts: list[Visit] = []
    for index in range(20):
        site = (SHOP, SHOP, BLOG, FORUM)[index % 4]
        p = w.person()
        user_id = p.email if site != FORUM else _ascii(p.first)[:1] + _ascii(p.last)
        ident = visitor_id(user_id)
        ip = f"{rng.choice((84, 87, 91, 93, 178, 217))}.{rng.randint(0, 255)}.1.{index + 10}"
        number = f"K-{rng.randint(10000, 47999)}"
        for n in range(rng.randint(1, 2)):
            if site == SHOP:
                product = rng.choice(PRODUCTS)
                phone = p.phone if rng.random() < 0.5 else None
                record = visit(
                    w,
                    site=site,
                    user_id=user_id,
                    idvisitor=ident,
                    ip=ip,
                    start=w.when(start),
                    count=n + 1,
                    steps=_checkout(product) if n == 0 else _shopping(w, product),
                    **_customer_vars(p, number, phone),
                    custom_dimension_2=p.phone if rng.random() < 0.3 else None,
                )
                if n == 0:
                    conversion(w, record, idgoal=ORDER, items=[(product, rng.randint(1, 3))])
                else:
                    conversion(w, record, idgoal=CART, items=[(product, 1)])
                    carts.append(record)
            elif site == BLOG:
                record = visit(
                    w,
                    site=site,
                    user_id=user_id,
                    idvisitor=ident,
                    ip=ip,
                    start=w.when(start),
                    count=n + 1,
                    steps=[
                        Step(page=BLOG_PAGES["newsletter"]),
                        Step(page=BLOG_PAGES["subscribed"]),
                    ],
                    custom_dimension_1="angemeldet",
                )
                conversion(w, record, idgoal=1)
            else:
                visit(
                    w,
                    site=site,
                    user_id=user_id,
                    idvisitor=ident,
                    ip=ip,
                    start=w.when(start),
                    count=n + 1,
                    steps=[
                        Step(page=FORUM_PAGES["home"]),
                        Step(page=rng.choice((FORUM_PAGES["lawn"], FORUM_PAGES["roses"]))),
                        Step(page=FORUM_PAGES["profile"]),
                    ],
                    custom_dimension_1=rng.choice(("Mitglied", "Moderator")),
                )
    # Abandoned carts of others share idorder '0' with hers: a link by idorder alone
    # would pull them in.
    for record in carts:
        for table, key in record.rows:
            if table == "matomo_log_conversion_item":
                planted.trap(table, key)
    # Visitors who never logged in.
    for _ in range(12):
        site = rng.choice((SHOP, SHOP, BLOG, FORUM, 4))
        pages = {SHOP: SHOP_PAGES, BLOG: BLOG_PAGES, FORUM: FORUM_PAGES}.get(site, BLOG_PAGES)
        chosen = rng.sample(sorted(pages), k=2)
        visit(
            w,
            site=site,
            user_id=None,
            idvisitor=rng.randbytes(8),
            ip=f"{rng.choice((31, 46, 79, 88, 95))}.{rng.randint(0, 255)}.2.{rng.randint(1, 254)}",
            start=w.when(start),
            steps=[Step(page=pages[name]) for name in chosen],
        )


# --- back office ------------------------------------------------------------------------


def _password(w: World) -> str:
    return "$2y$10$" + w.token(53, string.ascii_letters + string.digits + "./")


def _session_data(login: str, ts: int, remembered: bool, verified: bool) -> str:
    """PHP's session encoding (``key|serialize(value)``) as Matomo's session holds it
    (core/Session/SessionFingerprint.php)."""
    info = (
        f'a:3:{{s:2:"ts";i:{ts};s:10:"remembered";b:{int(remembered)};'
        f's:10:"expiration";i:{ts + 1209600 if remembered else ts + 3600};}}'
    )
    data = f'__ZF|a:0:{{}}user.name|s:{len(login.encode())}:"{login}";session.info|{info}'
    if verified:
        data += "twofactorauth.verified|i:1;"
    return data


def _layout(w: World) -> str:
    widgets = [
        ("VisitsSummary", "getEvolutionGraph"),
        ("Live", "widget"),
        ("Referrers", "getReferrerType"),
        ("Goals", "widgetGoalsOverview"),
        ("UserCountry", "getCountry"),
        ("Actions", "getPageUrls"),
    ]
    w.rng.shuffle(widgets)
    columns = [
        [
            {
                "uniqueId": f"widget{module}{action}",
                "parameters": {"module": module, "action": action},
            }
            for module, action in widgets[i::3]
        ]
        for i in range(3)
    ]
    return _json({"config": {"layout": "33-33-33"}, "columns": columns})


def _back_office(w: World, planted: Planted) -> list[str]:
    """Matomo's users and everything keyed by their login. Returns the logins, the
    super user first."""
    db, rng = w.db, w.rng
    admin = w.person("example.com")
    staff = [admin] + [w.person(rng.choice(("example.com", "example.org"))) for _ in range(10)]
    logins = ["admin"]
    for p in staff[1:]:
        login = (_ascii(p.first)[:1] + _ascii(p.last))[:20]
        while login in logins or login == LOGIN:
            login += str(rng.randint(1, 9))
        logins.append(login)
    me = Person(FIRST, LAST, EMAIL, PHONE, STREET, "04109", "Leipzig")
    people = [*zip(logins, staff, strict=True), (LOGIN, me)]
    keys: dict[str, list[tuple[str, dict[str, Any]]]] = {login: [] for login, _ in people}

    def add(owner: str, table: str, /, **values: Any) -> dict[str, Any]:
        key = db.insert(table, **values)
        keys[owner].append((table, key))
        return key

    # matomo_user: an account from the Piwik days has a zero registration date.
    for index, (login, p) in enumerate(people):
        registered = dt.datetime(2018, 1, 15) + dt.timedelta(days=91 * index)
        pending = index == 9  # invited, not yet accepted
        add(
            login,
            "matomo_user",
            login=login,
            password=_password(w),
            email=p.email,
            twofactor_secret=w.token(16, string.ascii_uppercase + "234567")
            if index % 3 != 1
            else "",
            superuser_access=1 if index == 0 else 0,
            date_registered=_zero() if index in (2, 5) or login == LOGIN else registered,
            ts_password_modified=registered + dt.timedelta(days=200),
            idchange_last_viewed=rng.randint(1, 40) if index % 2 else None,
            invited_by=None if index == 0 else "admin",
            invite_token=hashlib.sha256(w.token(32).encode()).hexdigest() if pending else None,
            invite_expired_at=dt.datetime(2024, 10, 9) if pending else None,
            invite_accept_at=None if pending else registered + dt.timedelta(hours=3),
            ts_changes_shown=_zero() if login == LOGIN else registered + dt.timedelta(days=30),
        )
    planted.trap("matomo_user", {"login": "admin"})  # who invited her

    for index, (login, p) in enumerate(people):
        # API tokens (hashed), 2FA recovery codes, access, dashboards, language
        for n in range(1 if login != LOGIN else 2):
            add(
                login,
                "matomo_user_token_auth",
                login=login,
                description=rng.choice(("Looker Studio", "Cronjob Export", "App-Zugang"))
                if login != LOGIN
                else ("Google Sheets Export", "Shop-Dashboard")[n],
                password=hashlib.sha512(w.token(32).encode()).hexdigest(),
                hash_algo="sha512",
                system_token=0,
                last_used=_zero() if login == LOGIN and n == 1 else w.when(dt.datetime(2024, 1, 1)),
                date_created=dt.datetime(2023, 1, 10) + dt.timedelta(days=17 * index + n),
                date_expired=None,
                secure_only=n,
            )
        if index % 3 != 1:
            for _ in range(10):
                add(
                    login,
                    "matomo_twofactor_recovery_code",
                    login=login,
                    recovery_code=w.token(16, string.ascii_uppercase + string.digits),
                )
        if index != 0:
            sites = [SHOP, BLOG] if login == LOGIN else rng.sample(range(1, 11), k=2)
            for idsite, access in zip(sites, ("write", "view"), strict=True):
                add(login, "matomo_access", login=login, idsite=idsite, access=access)
        for iddashboard in range(1, 3 if index % 2 == 0 or login == LOGIN else 2):
            add(
                login,
                "matomo_user_dashboard",
                login=login,
                iddashboard=iddashboard,
                name="Dashboard" if iddashboard == 1 else "Shop-KPIs",
                layout=_layout(w),
            )
        add(
            login,
            "matomo_user_language",
            login=login,
            language="en" if index == 4 else "de",
            use_12_hour_clock=0,
        )
        # Back-office sessions, the session id hashed (DbTable::hashSessionId)
        for n in range(2 if login == LOGIN else 1):
            ts = 1717200000 + 7919 * index + 86400 * n
            add(
                login,
                "matomo_session",
                id=hashlib.sha512(w.token(26).encode()).hexdigest(),
                modified=ts,
                lifetime=1209600 if n else 3600,
                data=_session_data(login, ts, remembered=bool(n), verified=index % 3 != 1),
            )
        # Per-user plugin setting (Login's UserSettings)
        add(
            login,
            "matomo_plugin_setting",
            plugin_name="Login",
            setting_name="enableLoginCountryChangeNotification",
            setting_value=rng.choice(("0", "1")),
            json_encoded=0,
            user_login=login,
        )
        # Options with the login in their name
        add(
            login,
            "matomo_option",
            option_name=f"UsersManager.lastSeen.{login}",
            option_value=str(1717000000 + 5003 * index),
            autoload=0,
        )
        if index % 2 == 0 or login == LOGIN:
            add(
                login,
                "matomo_option",
                option_name=f"{login}_defaultReport",
                option_value=str(SHOP if login == LOGIN else rng.randint(1, 10)),
                autoload=0,
            )
            add(
                login,
                "matomo_option",
                option_name=f"{login}_defaultReportDate",
                option_value=rng.choice(("yesterday", "today", "last7")),
                autoload=0,
            )
        if login == LOGIN or index in (3, 6):
            phone = (
                PHONE_E164
                if login == LOGIN
                else "+49"
                + p.phone.replace(" ", "").replace("/", "").removeprefix("+49").removeprefix("0")
            )
            add(
                login,
                "matomo_option",
                option_name=f"{login}_MobileMessagingSettings",
                option_value=_json(
                    {
                        "PhoneNumbers": {phone: None},
                        "PhoneNumberValidationRequestCount": 1,
                        "SMSSentCount": rng.randint(0, 30),
                    }
                ),
                autoload=0,
            )
        if index % 3 == 0 or login == LOGIN:
            add(
                login,
                "matomo_option",
                option_name=f"Feedback.nextFeedbackReminder.{login}",
                option_value="2025-01-15",
                autoload=0,
            )

    for name, value, autoload in (
        ("version_core", "5.2.0-b5", 1),
        ("MatomoInstallVersion", "3.14.1", 1),
        ("piwikUrl", "https://analytics.example.com/", 1),
        ("SitesManager_DefaultTimezone", "Europe/Berlin", 0),
        ("SitesManager_DefaultCurrency", "EUR", 0),
        ("delete_logs_enable", "1", 1),
        ("delete_logs_older_than", "540", 1),
        ("PrivacyManager.ipAnonymizerEnabled", "1", 0),
        ("PrivacyManager.ipAddressMaskLength", "2", 0),
        ("MobileMessaging_DelegatedManagement", "true", 0),
        ("lastTrackerCronRun", "1717243200", 0),
    ):
        db.insert("matomo_option", option_name=name, option_value=value, autoload=autoload)
    for setting, value, encoded in (
        ("enableBruteForceDetection", "1", 0),
        ("allowedRetries", "5", 0),
        ("loginAttemptsTimeRange", "60", 0),
        ("blacklistedBruteForceIps", "[]", 1),
        ("whitelisteBruteForceIps", _json(["10.0.0.0/8"]), 1),
    ):
        db.insert(
            "matomo_plugin_setting",
            plugin_name="Login",
            setting_name=setting,
            setting_value=value,
            json_encoded=encoded,
            user_login="",
        )

    # Segments: hers, a shared one of the admin's that her report uses, and others'.
    def segment(login: str, name: str, definition: str, **extra: Any) -> int:
        key = add(
            login,
            "matomo_segment",
            name=name,
            definition=definition,
            hash=hashlib.md5(definition.encode()).hexdigest(),
            login=login,
            enable_all_users=extra.pop("shared", 0),
            enable_only_idsite=extra.pop("idsite", SHOP),
            auto_archive=1,
            ts_created=dt.datetime(2023, 5, 2) + dt.timedelta(days=rng.randint(0, 300)),
            ts_last_edit=extra.pop("edited", dt.datetime(2024, 2, 1)),
            deleted=0,
        )
        return int(key["idsegment"])

    shared = segment("admin", "Wiederkehrende Käufer", "visitorType==returningCustomer", shared=1)
    planted.trap("matomo_segment", {"idsegment": shared})
    segment(
        LOGIN,
        "Mobil, wiederkehrend",
        "visitorType==returning;deviceType==smartphone",
        edited=_zero(),
    )
    watcher = logins[2]
    watched = segment(
        watcher,
        f"Einzelauswertung {FIRST} {LAST}",
        "userId==" + EMAIL.replace("@", "%40"),
    )
    planted.mention("matomo_segment", {"idsegment": watched})
    for index, login in enumerate(logins[3:], start=3):
        definition = rng.choice(
            (
                "referrerType==campaign",
                "countryCode==de;deviceType==desktop",
                "visitCount>=3",
                f"visitorId=={visitor_id(f'x{index}@example.org').hex()}",
                "pageUrl=@%252Fkasse",
            )
        )
        segment(login, f"Segment {index}", definition, idsite=rng.randint(1, 4))

    # Scheduled reports and their subscribers (people known by e-mail only).
    def report(
        login: str, description: str, kind: str, parameters: dict[str, Any], **extra: Any
    ) -> int:
        key = add(
            login,
            "matomo_report",
            idsite=extra.pop("idsite", SHOP),
            login=login,
            description=description,
            idsegment=extra.pop("idsegment", None),
            period=extra.pop("period", "week"),
            hour=7,
            type=kind,
            format="sms" if kind == "mobile" else rng.choice(("html", "pdf")),
            reports=_json(["VisitsSummary_get", "Goals_get", "Referrers_getReferrerType"]),
            parameters=_json(parameters),
            ts_created=dt.datetime(2023, 9, 1) + dt.timedelta(days=rng.randint(0, 200)),
            ts_last_sent=extra.pop("sent", dt.datetime(2024, 6, 3, 7, 0)),
            deleted=0,
            evolution_graph_within_period=0,
            evolution_graph_period_n=30,
            period_param=None,
        )
        return int(key["idreport"])

    def subscribe(login: str, idreport: int, email: str) -> None:
        add(
            login,
            "matomo_report_subscriptions",
            idreport=idreport,
            token=w.token(40),
            email=email,
            ts_subscribed=dt.datetime(2024, 1, 2) + dt.timedelta(days=rng.randint(0, 150)),
            ts_unsubscribed=None,
        )

    emails = dict((login, p.email) for login, p in people)
    mine = report(
        LOGIN,
        "Shop wöchentlich",
        "email",
        {"displayFormat": 1, "emailMe": True, "evolutionGraph": False, "additionalEmails": []},
        idsegment=shared,
    )
    subscribe(LOGIN, mine, EMAIL)
    report(
        LOGIN,
        "Umsatz per SMS",
        "mobile",
        {"phoneNumbers": [PHONE_E164]},
        period="day",
        sent=_zero(),
    )
    # The admin's report copies her: a mention in another user's report.
    copied = report(
        "admin",
        f"Wochenbericht Shop – Kopie an {FIRST} {LAST} ({EMAIL})",
        "email",
        {
            "displayFormat": 1,
            "emailMe": True,
            "evolutionGraph": True,
            "additionalEmails": [EMAIL, "geschaeftsfuehrung@example.org"],
        },
    )
    planted.mention("matomo_report", {"idreport": copied})
    subscribe("admin", copied, emails["admin"])
    subscribe(LOGIN, copied, EMAIL)  # her own subscription row (unsubscribe token)
    subscribe("admin", copied, "geschaeftsfuehrung@example.org")
    for index, login in enumerate(logins[1:], start=1):
        extra_mail = f"team{index}@example.net"
        idreport = report(
            login,
            rng.choice(("Monatsbericht", "Kampagnen", "Blog-Reichweite", "Forum-Aktivität")),
            "email",
            {
                "displayFormat": 1,
                "emailMe": True,
                "evolutionGraph": False,
                "additionalEmails": [extra_mail],
            },
            idsite=rng.randint(1, 4),
            period=rng.choice(("week", "month")),
        )
        subscribe(login, idreport, emails[login])
        subscribe(login, idreport, extra_mail)

    # Log-data anonymisation jobs, each with the login of whoever scheduled it.
    for index, login in enumerate([*logins, LOGIN]):
        pending = index in (4, 8)
        begin = dt.datetime(2023, 1, 1) + dt.timedelta(days=30 * index)
        add(
            login,
            "matomo_privacy_logdata_anonymizations",
            idsites=_json([SHOP] if index % 2 else [SHOP, BLOG]),
            date_start=begin,
            date_end=begin + dt.timedelta(days=29, hours=23, minutes=59, seconds=59),
            anonymize_ip=1,
            anonymize_location=index % 2,
            anonymize_userid=1 if login == LOGIN or index % 3 == 0 else 0,
            unset_visit_columns=_json(["config_resolution"] if index % 4 == 0 else []),
            unset_link_visit_action_columns="[]",
            output=None if pending else "Running behaviour on all sites.\nDone.",
            scheduled_date=begin + dt.timedelta(days=40),
            job_start_date=_zero() if pending else begin + dt.timedelta(days=41),
            job_finish_date=None if pending else begin + dt.timedelta(days=41, minutes=7),
            requester=login,
        )

    # Failed logins: the login as typed (hers, her e-mail), plain-text IPs.
    failed = [
        (LOGIN, HOME_IP, dt.datetime(2024, 4, 2, 8, 1, 12)),
        (EMAIL, HOME_IP, dt.datetime(2024, 4, 2, 8, 1, 40)),
        ("admin", HOME_IP, dt.datetime(2024, 5, 17, 13, 22, 3)),  # her IP, not her
        ("admin", "185.220.101.4", dt.datetime(2024, 2, 9, 3, 14, 0)),
        ("root", "185.220.101.4", dt.datetime(2024, 2, 9, 3, 14, 9)),
        ("test", "45.155.205.233", dt.datetime(2024, 3, 1, 1, 0, 2)),
    ]
    for login in logins[1:9]:
        failed.append(
            (
                rng.choice((login, emails[login])),
                f"91.64.{rng.randint(0, 255)}.7",
                w.when(dt.datetime(2024, 1, 1)),
            )
        )
    for typed, ip, when in failed:
        key = db.insert("matomo_brute_force_log", ip_address=ip, attempted_at=when, login=typed)
        if typed in (LOGIN, EMAIL):
            planted.add("matomo_brute_force_log", key)
        elif ip == HOME_IP:
            planted.trap("matomo_brute_force_log", key)

    for table, key in keys[LOGIN]:
        planted.add(table, key)
    return logins
