"""Joomla 5.2.3 (prefix ``jos_``): the website of a German sports club, its members and board.

The person is a ``jos_users`` row; nothing is declared, so every link is a convention
(../shared/data/apps/joomla/NOTES.md). Joomla hides a person in places a column
name does not announce, and this module plants the person in each of them, because
that is where a lookup that reads only names falls short:

- ``jos_user_keys.user_id`` holds the *username*, not the id;
- ``jos_webauthn_credentials.user_id`` is an HMAC of the zero-padded id with the site
  secret (no lookup can compute it without ``configuration.php``);
- ``jos_session.data`` is a PHP session string whose ``joomla`` entry is base64 of a
  ``serialize()``-d Registry holding the user object;
- ``jos_user_profiles.profile_value`` is JSON-encoded (a string keeps its quotes);
- ``jos_fields_values.item_id`` (text) and ``jos_history.item_id``
  (``<type alias>.<id>``) are polymorphic, ``jos_action_logs`` is ``extension`` +
  ``item_id`` with a JSON message naming the actor;
- ``jos_privacy_requests`` and ``jos_banner_clients`` know an e-mail address only.

The board member planted here uses the back office, so she has rows in every one of
these tables. The traps are the ones such a site really has: an article and a club
contact whose ids equal her user id (with custom-field values, versions and action
logs pointing at them through the polymorphic ``item_id`` columns), a member whose
username is his membership number and happens to equal her id (``jos_user_keys``), a
second member with her first and last name, a couple sharing one e-mail address, and
a colleague logging in from her office's IP address.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from faker import Faker

from tests.apps.world import Db, Planted

SITE_SECRET = "q7Hk2PzV9wXyLm4N"
"""The ``secret`` of configuration.php: the key of the WebAuthn user handles."""

FIRST_USER_ID = 47  # the installer gives the super user a random id; the rest count on
PLANTED_AT = 14  # position of the planted person among the accounts (her id = 47 + 14)

# Joomla's default groups plus two of the club's, as a valid nested set.
USERGROUPS = (
    (1, 0, 1, 24, "Public"),
    (9, 1, 2, 3, "Guest"),
    (6, 1, 4, 9, "Manager"),
    (7, 6, 5, 6, "Administrator"),
    (11, 6, 7, 8, "Vorstand"),
    (2, 1, 10, 21, "Registered"),
    (3, 2, 11, 16, "Author"),
    (4, 3, 12, 15, "Editor"),
    (5, 4, 13, 14, "Publisher"),
    (10, 2, 17, 18, "Mitglieder"),
    (12, 2, 19, 20, "Newsletter"),
    (8, 1, 22, 23, "Super Users"),
)
REGISTERED, AUTHOR, MANAGER, ADMINISTRATOR, SUPER_USERS = 2, 3, 6, 7, 8
MEMBERS, BOARD, NEWSLETTER = 10, 11, 12

# id, parent, level, path, extension, title
CATEGORIES = (
    (1, 0, 0, "", "system", "ROOT"),
    (2, 1, 1, "uncategorised", "com_content", "Uncategorised"),
    (3, 1, 1, "uncategorised", "com_banners", "Uncategorised"),
    (4, 1, 1, "uncategorised", "com_contact", "Uncategorised"),
    (5, 1, 1, "uncategorised", "com_users", "Uncategorised"),
    (6, 1, 1, "vereinsnachrichten", "com_content", "Vereinsnachrichten"),
    (7, 1, 1, "termine", "com_content", "Termine"),
    (8, 1, 1, "jugend", "com_content", "Jugendabteilung"),
    (9, 1, 1, "vorstand", "com_contact", "Vorstand"),
    (10, 1, 1, "trainer", "com_contact", "Trainerinnen und Trainer"),
    (11, 1, 1, "mitgliedsbeitraege", "com_users", "Mitgliedsbeiträge"),
    (12, 1, 1, "hinweise", "com_users", "Hinweise"),
)
NEWS, EVENTS, YOUTH = 6, 7, 8
CONTACT_BOARD, CONTACT_TRAINERS = 9, 10
NOTES_FEES, NOTES_HINTS = 11, 12

# id, context, name, label, type
FIELDS = (
    (1, "com_users.user", "mitgliedsnummer", "Mitgliedsnummer", "text"),
    (2, "com_users.user", "iban", "IBAN (SEPA-Lastschrift)", "text"),
    (3, "com_users.user", "mobil", "Mobilnummer", "text"),
    (4, "com_users.user", "eintrittsdatum", "Eintrittsdatum", "calendar"),
    (5, "com_contact.contact", "sprechzeiten", "Sprechzeiten", "textarea"),
    (6, "com_content.article", "veranstaltungsort", "Veranstaltungsort", "text"),
    (7, "com_content.article", "termin", "Termin", "calendar"),
)
F_MEMBER_NO, F_IBAN, F_MOBILE, F_JOINED, F_HOURS, F_VENUE, F_DATE = range(1, 8)

MOBILE_PREFIXES = ("151", "152", "157", "160", "162", "170", "171", "172", "175", "176", "177")
APP_SITE = "PLG_ACTIONLOG_JOOMLA_APPLICATION_SITE"
APP_ADMIN = "PLG_ACTIONLOG_JOOMLA_APPLICATION_ADMINISTRATOR"
IP_DISABLED = "COM_ACTIONLOGS_DISABLED"
CONSENT_SUBJECT = "PLG_SYSTEM_PRIVACYCONSENT_SUBJECT"
ZERO_DATETIME = "0000-00-00 00:00:00"


@dataclass
class Person:
    first: str
    last: str
    email: str
    username: str
    mobile: str  # national digits without the leading 0: "1712345678"
    street: str
    postcode: str
    city: str
    dob: dt.date
    iban: str
    ip: str
    agent: str
    id: int = 0  # jos_users.id once the account exists
    registered: dt.datetime = field(default_factory=lambda: dt.datetime(2020, 1, 1))

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def phone(self, style: str) -> str:
        """The mobile number as people type it: the planted rows vary the spelling."""
        prefix, rest = self.mobile[:3], self.mobile[3:]
        return {
            "national": f"0{prefix} {rest}",
            "international": f"+49 {prefix} {rest}",
            "slash": f"0{prefix}/{rest}",
            "dash": f"0{prefix}-{rest}",
            "compact": f"+49{self.mobile}",
        }[style]


def ascii_slug(text: str, sep: str = ".") -> str:
    """An e-mail or alias fragment of a German name: umlauts spelled out, no accents."""
    text = text.replace("ß", "ss")
    for umlaut, spelled in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, spelled).replace(umlaut.upper(), spelled.capitalize())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return sep.join(part for part in "".join(c if c.isalnum() else " " for c in text).split())


# -- PHP serialize() as Joomla's session storage writes it --------------------------------


@dataclass
class PhpObject:
    cls: str
    props: dict[str, Any]


def php_serialize(value: Any) -> str:
    """PHP's ``serialize()``: string lengths count UTF-8 bytes, as PHP's do."""
    if value is None:
        return "N;"
    if isinstance(value, bool):
        return f"b:{int(value)};"
    if isinstance(value, int):
        return f"i:{value};"
    if isinstance(value, float):
        return f"d:{value!r};"
    if isinstance(value, str):
        return f's:{len(value.encode("utf-8"))}:"{value}";'
    if isinstance(value, PhpObject):
        body = "".join(php_serialize(k) + php_serialize(v) for k, v in value.props.items())
        return f'O:{len(value.cls)}:"{value.cls}":{len(value.props)}:{{{body}}}'
    if isinstance(value, list):
        value = dict(enumerate(value))
    if isinstance(value, dict):
        body = "".join(php_serialize(k) + php_serialize(v) for k, v in value.items())
        return f"a:{len(value)}:{{{body}}}"
    raise TypeError(f"cannot serialize {type(value).__name__}")


def _registry(data: Any) -> PhpObject:
    return PhpObject(
        "Joomla\\Registry\\Registry",
        {"\0*\0data": data, "\0*\0initialized": False, "separator": "."},
    )


def session_data(user: Person | None, groups: list[int], now: int, token: str, counter: int) -> str:
    """``jos_session.data``: ``joomla|s:N:"<base64 of serialize(Registry)>";``
    (JoomlaStorage), the user object inside."""
    props: dict[str, Any] = {
        "id": user.id if user else 0,
        "name": user.name if user else None,
        "username": user.username if user else None,
        "email": user.email if user else None,
        "password": None,
        "password_clear": "",
        "block": None if user is None else 0,
        "sendEmail": 0,
        "registerDate": user.registered.strftime("%Y-%m-%d %H:%M:%S") if user else None,
        "lastvisitDate": None,
        "activation": None if user is None else "",
        "params": None,
        "groups": {g: str(g) for g in groups} if user else {9: "9"},
        "guest": 0 if user else 1,
        "lastResetTime": None,
        "resetCount": None,
        "requireReset": None,
        "\0*\0_params": _registry(PhpObject("stdClass", {})),
        "\0*\0_authGroups": None,
        "\0*\0_authLevels": [1, 1, 2] if user else [1, 5],
        "\0*\0_authActions": None,
        "\0*\0_errorMsg": None,
        "\0*\0userHelper": PhpObject("Joomla\\CMS\\User\\UserWrapper", {}),
        "\0*\0_errors": [],
    }
    inner = PhpObject(
        "stdClass",
        {
            "session": PhpObject(
                "stdClass",
                {
                    "counter": counter,
                    "timer": PhpObject(
                        "stdClass", {"start": now - 900, "last": now - 60, "now": now}
                    ),
                    "token": token,
                },
            ),
            "registry": _registry(PhpObject("stdClass", {})),
            "user": PhpObject("Joomla\\CMS\\User\\User", props),
        },
    )
    registry = _registry(PhpObject("stdClass", {"__default": inner}))
    encoded = base64.b64encode(php_serialize(registry).encode("utf-8")).decode("ascii")
    return f'joomla|s:{len(encoded)}:"{encoded}";'


def webauthn_handle(user_id: int) -> str:
    """The user handle of a passkey: HMAC-SHA256 of ``sprintf('%010u', id)`` with the
    site secret (CredentialRepository::getHandleFromUserId)."""
    return hmac.new(SITE_SECRET.encode(), f"{user_id:010d}".encode(), hashlib.sha256).hexdigest()


def compact_json(value: Any) -> str:
    """PHP's json_encode(): no spaces, ``/`` escaped, non-ASCII letters as ``\\u00fc``
    (so a street with an umlaut is not stored as typed)."""
    return json.dumps(value, separators=(",", ":")).replace("/", "\\/")


# -- the populate function -----------------------------------------------------------------


class Site:
    """The club site being filled: the database, the random sources and the ground truth."""

    def __init__(self, db: Db, fake: Faker, rng: random.Random) -> None:
        self.db = db
        self.fake = fake
        self.rng = rng
        self.usernames: set[str] = set()
        self.emails: set[str] = set()
        self.series = 0
        self.now = dt.datetime(2026, 11, 20, 18, 30)
        self.articles: dict[int, dict[str, Any]] = {}
        self.contacts: dict[int, dict[str, Any]] = {}

    # -- values --------------------------------------------------------------------------

    def when(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = int((end - start).total_seconds())
        return (start + dt.timedelta(seconds=self.rng.randrange(span))).replace(microsecond=0)

    def token(self, n: int = 32) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def b64url(self, n: int) -> str:
        raw = bytes(self.rng.randrange(256) for _ in range(n))
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def password_hash(self) -> str:
        chars = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        return "$2y$10$" + "".join(self.rng.choice(chars) for _ in range(53))

    def mobile(self) -> str:
        prefix = self.rng.choice(MOBILE_PREFIXES)
        digits = 8 if prefix.startswith("15") else 7
        return prefix + "".join(str(self.rng.randrange(10)) for _ in range(digits))

    def person(
        self,
        first: str | None = None,
        last: str | None = None,
        email: str | None = None,
        domain: str | None = None,
    ) -> Person:
        first = first or self.fake.first_name()
        last = last or self.fake.last_name()
        if email is None:
            while True:
                local = self.rng.choice(
                    [
                        f"{ascii_slug(first)}.{ascii_slug(last)}",
                        f"{ascii_slug(first)[0]}.{ascii_slug(last)}",
                        f"{ascii_slug(last)}{self.rng.randrange(10, 99)}",
                    ]
                ).lower()
                tld = domain or self.rng.choice(["example.org", "example.net", "example.com"])
                email = f"{local}@{tld}"
                if email not in self.emails:
                    break
        self.emails.add(email)
        base = (ascii_slug(first, "")[0] + ascii_slug(last, "")).lower()
        username, n = base, 1
        while username in self.usernames:
            n += 1
            username = f"{base}{n}"
        self.usernames.add(username)
        return Person(
            first=first,
            last=last,
            email=email,
            username=username,
            mobile=self.mobile(),
            street=self.fake.street_address(),
            postcode=self.fake.postcode(),
            city=self.fake.city(),
            dob=self.fake.date_of_birth(minimum_age=18, maximum_age=78),
            iban=self.fake.iban(),
            ip=self.fake.ipv4_public(),
            agent=self.fake.user_agent(),
        )

    # -- rows ----------------------------------------------------------------------------

    def zero(self, table: str, column: str, key: dict[str, Any]) -> None:
        """A zero date where Joomla 3 wrote one and the upgrade left it (read as text)."""
        where = " AND ".join(f"{self.q(k)} = :{k}" for k in key)
        self.db.execute(
            f"UPDATE {table} SET {self.q(column)} = '{ZERO_DATETIME}' WHERE {where}", **key
        )

    def q(self, name: str) -> str:
        return f"`{name}`" if self.db.mysql else f'"{name}"'

    def keyless(self, table: str, **values: Any) -> dict[str, Any]:
        """A row of a table without a primary key: dsr names it by all its values, so
        every column is given here and the values are its key."""
        self.db.insert(table, **values)
        return values

    def account(
        self,
        p: Person,
        user_id: int,
        groups: list[int],
        registered: dt.datetime,
        *,
        last_visit: dt.datetime | None,
        send_email: int = 0,
    ) -> list[dict[str, Any]]:
        """``jos_users`` and ``jos_user_usergroup_map``: the keys of the rows written."""
        p.id, p.registered = user_id, registered
        params = {
            "admin_style": "",
            "admin_language": "",
            "language": "de-DE",
            "editor": "",
            "timezone": "Europe/Berlin",
            "a11y_mono": "0",
            "a11y_contrast": "0",
            "a11y_highlight": "0",
            "a11y_font": "0",
        }
        self.db.insert(
            "jos_users",
            id=user_id,
            name=p.name,
            username=p.username,
            email=p.email,
            password=self.password_hash(),
            block=0,
            sendEmail=send_email,
            registerDate=registered,
            lastvisitDate=last_visit,
            activation="",
            params=compact_json(params),
            resetCount=0,
            otpKey="",
            otep="",
            requireReset=0,
            authProvider="Joomla",
        )
        rows = [{"id": user_id}]
        for group in groups:
            rows.append(self.db.insert("jos_user_usergroup_map", user_id=user_id, group_id=group))
        return rows

    def profile(self, p: Person, phone_style: str, *, about: str = "") -> list[dict[str, Any]]:
        values = [
            ("profile.address1", p.street),
            ("profile.address2", ""),
            ("profile.city", p.city),
            ("profile.region", "Berlin" if p.postcode.startswith("1") else ""),
            ("profile.country", "Deutschland"),
            ("profile.postal_code", p.postcode),
            ("profile.phone", p.phone(phone_style)),
            ("profile.website", ""),
            ("profile.favoritebook", ""),
            ("profile.aboutme", about),
            ("profile.dob", p.dob.strftime("%Y-%m-%d 00:00:00")),
        ]
        return [
            self.keyless(
                "jos_user_profiles",
                user_id=p.id,
                profile_key=key,
                profile_value=compact_json(value),
                ordering=index + 1,
            )
            for index, (key, value) in enumerate(values)
        ]

    def session(
        self, user: Person | None, groups: list[int], client_id: int, at: dt.datetime
    ) -> dict[str, Any]:
        """A ``jos_session`` row; the id is varbinary, so it is written as bytes (raw SQL:
        SQLAlchemy reflects SQLite's varbinary as NUMERIC and would not bind bytes)."""
        sid = self.token(32).encode("ascii")
        stamp = int(at.replace(tzinfo=dt.UTC).timestamp())
        cols = ("session_id", "client_id", "guest", "time", "data", "userid", "username")
        self.db.execute(
            f"INSERT INTO jos_session ({', '.join(self.q(c) for c in cols)}) "
            "VALUES (:session_id, :client_id, :guest, :time, :data, :userid, :username)",
            session_id=sid,
            client_id=client_id,
            guest=0 if user else 1,
            time=stamp,
            data=session_data(user, groups, stamp, self.token(32), self.rng.randrange(2, 60)),
            userid=user.id if user else 0,
            username=user.username if user else "",
        )
        return {"session_id": sid}

    def remember_me(
        self, p: Person, at: dt.datetime, username: str | None = None
    ) -> dict[str, Any]:
        """A ``jos_user_keys`` row: ``user_id`` is the username (Cookie authentication)."""
        self.series += 1
        return self.db.insert(
            "jos_user_keys",
            user_id=username or p.username,
            token=self.password_hash(),
            series=self.b64url(15) + f"{self.series:02d}",
            time=str(int(at.replace(tzinfo=dt.UTC).timestamp())),
            uastring="joomla_remember_me_" + self.token(32),
        )

    def mfa(self, p: Person, method: str, at: dt.datetime, default: int) -> dict[str, Any]:
        if method == "totp":
            title, options = "Authenticator-App", compact_json({"key": self.base32(32)})
        elif method == "backupcodes":
            codes = ["".join(str(self.rng.randrange(10)) for _ in range(8)) for _ in range(10)]
            title, options = "Notfallcodes", compact_json(codes)
        else:
            title, options = "Passkey", compact_json({"credentialId": self.b64url(32)})
        return self.db.insert(
            "jos_user_mfa",
            user_id=p.id,
            title=title,
            method=method,
            default=default,
            options=options,
            created_on=at,
            last_used=at + dt.timedelta(days=self.rng.randrange(1, 200)),
            tries=0,
            last_try=None,
        )

    def base32(self, n: int) -> str:
        return "".join(self.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(n))

    def action(
        self,
        actor: Person | None,
        key: str,
        extension: str,
        at: dt.datetime,
        message: dict[str, Any],
        ip: str = IP_DISABLED,
    ) -> dict[str, Any]:
        """An action-log row as ActionlogModel::addLog writes it: the actor in
        ``user_id`` and in the JSON message, ``item_id`` = the message's ``id``."""
        if actor is not None:
            message = {
                **message,
                "userid": actor.id,
                "username": actor.username,
                "accountlink": f"index.php?option=com_users&task=user.edit&id={actor.id}",
            }
        return self.db.insert(
            "jos_action_logs",
            message_language_key=key,
            message=compact_json(message),
            log_date=at,
            extension=extension,
            user_id=actor.id if actor else 0,
            item_id=int(message.get("id", 0)),
            ip_address=ip,
        )

    def login(
        self, p: Person, at: dt.datetime, admin: bool, ip: str = IP_DISABLED
    ) -> dict[str, Any]:
        return self.action(
            p,
            "PLG_ACTIONLOG_JOOMLA_USER_LOGGED_IN",
            "com_users",
            at,
            {"action": "login", "app": APP_ADMIN if admin else APP_SITE},
            ip,
        )

    def consent(self, p: Person, at: dt.datetime, state: int = 1) -> dict[str, Any]:
        return self.db.insert(
            "jos_privacy_consents",
            user_id=p.id,
            state=state,
            created=at,
            subject=CONSENT_SUBJECT,
            body=f"<p>IP-Adresse: {p.ip}</p><p>User-Agent: {p.agent}</p>",
            remind=0,
            token="",
        )

    def request(self, email: str, at: dt.datetime, kind: str, status: int) -> dict[str, Any]:
        return self.db.insert(
            "jos_privacy_requests",
            email=email,
            requested_at=at,
            status=status,
            request_type=kind,
            confirm_token=self.password_hash() if status == 0 else "",
            confirm_token_created_at=at if status == 0 else None,
        )

    def message(
        self, sender: Person, to: Person, at: dt.datetime, subject: str, text: str
    ) -> dict[str, Any]:
        return self.db.insert(
            "jos_messages",
            user_id_from=sender.id,
            user_id_to=to.id,
            folder_id=0,
            date_time=at,
            state=self.rng.choice([0, 1]),
            priority=0,
            subject=subject,
            message=text,
        )

    def note(
        self, about: Person, staff: Person, catid: int, at: dt.datetime, subject: str, body: str
    ) -> dict[str, Any]:
        return self.db.insert(
            "jos_user_notes",
            user_id=about.id,
            catid=catid,
            subject=subject,
            body=body,
            state=1,
            checked_out=None,
            checked_out_time=None,
            created_user_id=staff.id,
            created_time=at,
            modified_user_id=staff.id,
            modified_time=at,
            review_time=None,
            publish_up=None,
            publish_down=None,
        )

    def field_value(self, field_id: int, item_id: int, value: str) -> dict[str, Any]:
        return self.keyless(
            "jos_fields_values", field_id=field_id, item_id=str(item_id), value=value
        )

    def contact(
        self,
        contact_id: int,
        p: Person,
        *,
        user_id: int,
        position: str,
        catid: int,
        staff: Person,
        at: dt.datetime,
        telephone: str = "",
        mobile: str = "",
        misc: str = "",
        image: str = "",
    ) -> dict[str, Any]:
        row = {
            "id": contact_id,
            "name": p.name,
            "alias": ascii_slug(p.name, "-").lower(),
            "con_position": position,
            "address": p.street,
            "suburb": p.city,
            "state": "",
            "country": "Deutschland",
            "postcode": p.postcode,
            "telephone": telephone,
            "fax": "",
            "misc": misc,
            "image": image,
            "email_to": p.email,
            "default_con": 0,
            "published": 1,
            "checked_out": None,
            "checked_out_time": None,
            "ordering": 0,
            "params": compact_json({"show_email_form": "1", "show_misc": "1"}),
            "user_id": user_id,
            "catid": catid,
            "access": 1,
            "mobile": mobile,
            "webpage": "",
            "sortname1": p.last,
            "sortname2": p.first,
            "sortname3": "",
            "language": "*",
            "created": at,
            "created_by": staff.id,
            "created_by_alias": "",
            "modified": at,
            "modified_by": staff.id,
            "metakey": "",
            "metadesc": "",
            "metadata": compact_json({"robots": "", "rights": ""}),
            "featured": 0,
            "publish_up": at,
            "publish_down": None,
            "version": 1,
            "hits": self.rng.randrange(0, 400),
        }
        self.db.insert("jos_contact_details", **row)
        self.contacts[contact_id] = row
        return {"id": contact_id}

    def article(
        self,
        article_id: int,
        author: Person,
        catid: int,
        at: dt.datetime,
        title: str,
        intro: str,
        full: str = "",
        modified_by: Person | None = None,
    ) -> dict[str, Any]:
        row = {
            "id": article_id,
            "asset_id": 100 + article_id * 3,
            "title": title,
            "alias": ascii_slug(title, "-").lower(),
            "introtext": intro,
            "fulltext": full,
            "state": 1,
            "catid": catid,
            "created": at,
            "created_by": author.id,
            "created_by_alias": "",
            "modified": at + dt.timedelta(hours=2),
            "modified_by": (modified_by or author).id,
            "checked_out": None,
            "checked_out_time": None,
            "publish_up": at,
            "publish_down": None,
            "images": compact_json(
                {"image_intro": "", "image_intro_alt": "", "image_fulltext": ""}
            ),
            "urls": compact_json({"urla": "", "urlatext": "", "targeta": ""}),
            "attribs": compact_json({"article_layout": "", "show_title": ""}),
            "version": 1,
            "ordering": 0,
            "metakey": "",
            "metadesc": "",
            "access": 1,
            "hits": self.rng.randrange(10, 3000),
            "metadata": compact_json({"robots": "", "author": "", "rights": ""}),
            "featured": 0,
            "language": "*",
            "note": "",
        }
        self.db.insert("jos_content", **row)
        self.articles[article_id] = row
        return {"id": article_id}

    def version(
        self, alias: str, item: dict[str, Any], editor: Person, at: dt.datetime, **changes: Any
    ) -> dict[str, Any]:
        """A ``jos_history`` row: the whole item as JSON at that version (Versioning)."""
        data = {
            k: (v.strftime("%Y-%m-%d %H:%M:%S") if isinstance(v, dt.datetime) else v)
            for k, v in {**item, **changes}.items()
        }
        text = compact_json(data)
        return self.db.insert(
            "jos_history",
            item_id=f"{alias}.{item['id']}",
            version_note="",
            save_date=at,
            editor_user_id=editor.id,
            character_count=len(text),
            sha1_hash=hashlib.sha1(text.encode("utf-8")).hexdigest(),
            version_data=text,
            keep_forever=0,
        )

    def passkey(self, p: Person, label: str) -> dict[str, Any]:
        handle = webauthn_handle(p.id)
        cred_id = self.b64url(32)
        credential = {
            "publicKeyCredentialId": cred_id,
            "type": "public-key",
            "transports": ["internal", "hybrid"],
            "attestationType": "none",
            "trustPath": {"type": "Webauthn\\TrustPath\\EmptyTrustPath"},
            "aaguid": "00000000-0000-0000-0000-000000000000",
            "credentialPublicKey": self.b64url(77),
            "userHandle": base64.urlsafe_b64encode(handle.encode()).decode().rstrip("="),
            "counter": self.rng.randrange(0, 300),
            "otherUI": None,
        }
        return self.db.insert(
            "jos_webauthn_credentials",
            id=cred_id,
            user_id=handle,
            label=label,
            credential=compact_json(credential),
        )

    def banner_client(
        self, company: str, p: Person, extra: str, purchase_type: int = 3
    ) -> dict[str, Any]:
        return self.db.insert(
            "jos_banner_clients",
            name=company,
            contact=p.name,
            email=p.email,
            extrainfo=extra,
            state=1,
            checked_out=None,
            checked_out_time=None,
            metakey="",
            own_prefix=0,
            metakey_prefix="",
            purchase_type=purchase_type,
            track_clicks=-1,
            track_impressions=-1,
        )


EVENTS_TEXT = (
    "Sommerfest",
    "Jahreshauptversammlung",
    "Vereinsmeisterschaft",
    "Weihnachtsfeier",
    "Arbeitseinsatz auf der Anlage",
    "Schnuppertraining",
    "Saisonabschluss",
    "Jugendturnier",
    "Kinderolympiade",
    "Laufgruppe startet",
)


def populate(db: Db, fake: Faker, rng: random.Random) -> Planted:
    """A club site: 34 other accounts (board, trainers, members) and the planted board
    member; see the module docstring for the traps."""
    site = Site(db, fake, rng)
    now = site.now
    start = dt.datetime(2019, 3, 1)

    # -- neighbour tables ----------------------------------------------------------------
    for gid, parent, lft, rgt, title in USERGROUPS:
        db.insert("jos_usergroups", id=gid, parent_id=parent, lft=lft, rgt=rgt, title=title)

    # -- people --------------------------------------------------------------------------
    webmaster = site.person()
    others: list[Person] = [webmaster]
    for _ in range(PLANTED_AT - 1):
        others.append(site.person())
    first, last = fake.first_name_female(), fake.last_name()
    slug = f"{ascii_slug(first)}.{ascii_slug(last)}".lower()
    she = site.person(first, last, email=f"{slug}.{rng.randrange(1000, 9999)}@example.com")
    she.iban = fake.iban()
    # The namesake: same first and last name, everything else their own.
    namesake = site.person(first, last, domain="example.net")
    # A couple sharing the family address; only he has an account.
    family_last = fake.last_name()
    family_email = f"familie.{ascii_slug(family_last).lower()}@example.org"
    husband = site.person(fake.first_name_male(), family_last, email=family_email)
    wife = site.person(fake.first_name_female(), family_last, email=family_email)
    wife.street, wife.postcode, wife.city = husband.street, husband.postcode, husband.city
    # A colleague from her office: logs in from the same IP address.
    colleague = site.person()
    colleague.ip = she.ip
    rest = [site.person() for _ in range(17)]
    accounts = [*others, she, namesake, husband, colleague, *rest]
    numeric = rest[5]  # logs in with his membership number as username
    for index, p in enumerate(accounts):
        p.id = FIRST_USER_ID + index
    numeric.username = str(she.id)
    site.usernames.add(numeric.username)
    assert she.id == FIRST_USER_ID + PLANTED_AT

    board = others[1:11]  # Vorstand (Managers) besides her and the webmaster
    admin = others[1]
    trainers = others[11:] + rest[:3]  # Authors: write articles
    members = [p for p in accounts if p is not webmaster]
    plain = [p for p in members if p is not she and p is not namesake]  # neither trap nor hers

    planted = Planted(
        email=she.email,
        phone=she.phone("national"),
        first_name=she.first,
        last_name=she.last,
        iban=she.iban,
    )
    planted.secrets += [she.street, she.username]
    planted.retention = [
        {
            "name": "Einwilligungsnachweise",
            "tables": ["joomla.jos_privacy_consents"],
            "date_column": "created",
            "years": 3,
            "basis": "Art. 7 Abs. 1 DSGVO, § 195 BGB",
        },
        {
            "name": "Datenschutzanfragen",
            "tables": ["joomla.jos_privacy_requests"],
            "date_column": "requested_at",
            "years": 3,
            "basis": "Art. 5 Abs. 2 DSGVO, § 195 BGB",
        },
    ]

    chosen: dict[int, list[int]] = {}

    def groups_of(p: Person) -> list[int]:
        """The groups of an account, chosen once (the session copies them)."""
        if p.id in chosen:
            return chosen[p.id]
        if p is webmaster:
            return chosen.setdefault(p.id, [SUPER_USERS])
        groups = chosen.setdefault(p.id, [REGISTERED, MEMBERS])
        if p is admin:
            groups.append(ADMINISTRATOR)
        elif p is she or p in board:
            groups += [MANAGER, BOARD]
        if p in trainers:
            groups.append(AUTHOR)
        if rng.random() < 0.4:
            groups.append(NEWSLETTER)
        return groups

    for cat_id, parent, level, path, extension, title in CATEGORIES:
        db.insert(
            "jos_categories",
            id=cat_id,
            asset_id=cat_id + 30,
            parent_id=parent,
            lft=0 if cat_id == 1 else cat_id * 2 - 3,
            rgt=len(CATEGORIES) * 2 - 1 if cat_id == 1 else cat_id * 2 - 2,
            level=level,
            path=path,
            extension=extension,
            title=title,
            alias=path or "root",
            note="",
            description="",
            published=1,
            checked_out=None,
            checked_out_time=None,
            access=1,
            params=compact_json({"category_layout": "", "image": "", "image_alt": ""}),
            metadesc="",
            metakey="",
            metadata=compact_json({"author": "", "robots": ""}),
            created_user_id=webmaster.id,
            created_time=start,
            modified_user_id=webmaster.id,
            modified_time=start,
            hits=0,
            language="*",
            version=1,
        )
    for fid, context, name, label, kind in FIELDS:
        db.insert(
            "jos_fields",
            id=fid,
            asset_id=200 + fid,
            context=context,
            group_id=0,
            title=label,
            name=name,
            label=label,
            default_value="",
            type=kind,
            note="",
            description="",
            state=1,
            required=0,
            only_use_in_subform=0,
            checked_out=None,
            checked_out_time=None,
            ordering=fid,
            params=compact_json({"class": "", "label_class": "", "showlabel": "1"}),
            fieldparams=compact_json({"filter": ""}),
            language="*",
            created_time=start,
            created_user_id=webmaster.id,
            modified_time=start,
            modified_by=webmaster.id,
            access=1,
        )

    # -- accounts of everybody -----------------------------------------------------------
    joined: dict[int, dt.datetime] = {}
    for p in accounts:
        registered = site.when(start, dt.datetime(2025, 6, 1))
        if p is she:
            registered = dt.datetime(2021, 4, 12, 19, 3, 41)
        joined[p.id] = registered
        visit = None if rng.random() < 0.1 else site.when(registered, now)
        rows = site.account(
            p, p.id, groups_of(p), registered, last_visit=visit, send_email=int(p in board)
        )
        for index, key in enumerate(rows):
            table = "jos_user_usergroup_map" if index else "jos_users"
            if p is she:
                planted.add(table, key)
            elif p is namesake:
                planted.trap(table, key)
    # Upgraded from Joomla 3: these accounts still carry its zero dates.
    for p in (she, namesake, *rng.sample(plain, 7)):
        site.zero("jos_users", "lastResetTime", {"id": p.id})

    # Profiles (the User - Profile plugin): the phone spelled by each person's taste.
    styles = ["national", "international", "slash", "dash", "compact"]
    for p in members:
        if p is she:
            for key in site.profile(p, "national", about="Kassenwartin seit 2023."):
                planted.add("jos_user_profiles", key)
        elif p is namesake:
            for key in site.profile(p, "international"):
                planted.trap("jos_user_profiles", key)
        elif rng.random() < 0.6:
            site.profile(p, rng.choice(styles))

    # Custom user fields: membership number, IBAN for the direct debit, mobile, joined.
    for p in members:
        values = [
            (F_MEMBER_NO, f"M-{joined[p.id].year}-{p.id:04d}"),
            (F_JOINED, joined[p.id].strftime("%Y-%m-%d 00:00:00")),
        ]
        if p is she:
            values += [(F_IBAN, she.iban), (F_MOBILE, she.phone("slash"))]
        elif rng.random() < 0.7:
            values += [(F_IBAN, p.iban), (F_MOBILE, p.phone(rng.choice(styles)))]
        for fid, value in values:
            key = site.field_value(fid, p.id, value)
            if p is she:
                planted.add("jos_fields_values", key)
            elif p is namesake:
                planted.trap("jos_fields_values", key)

    # Consents (privacy-consent plugin at registration): IP and user agent in the body.
    for p in members:
        if p is she:
            old = site.consent(p, dt.datetime(2021, 4, 12, 19, 3, 41), state=0)
            new = site.consent(p, dt.datetime(2025, 3, 2, 8, 14, 5))
            planted.add("jos_privacy_consents", old, kept=True)
            planted.add("jos_privacy_consents", new, kept=True)
        elif rng.random() < 0.75 or p is namesake or p is colleague:
            key = site.consent(p, joined[p.id] + dt.timedelta(seconds=5))
            if p is namesake:
                planted.trap("jos_privacy_consents", key)
            if p is colleague:
                planted.trap("jos_privacy_consents", key)  # her IP, not her

    # Sessions: logged-in members on the site and the board in the back office, guests.
    recent = dt.datetime(2026, 11, 20, 17, 0)
    for p in [*rng.sample(plain, 14), she, namesake, webmaster]:
        if p is she:
            for client in (0, 1):
                key = site.session(p, groups_of(p), client, site.when(recent, now))
                planted.add("jos_session", key)
            continue
        key = site.session(
            p, groups_of(p), int(p in board or p is webmaster), site.when(recent, now)
        )
        if p is namesake:
            planted.trap("jos_session", key)
    for _ in range(8):
        site.session(None, [], 0, site.when(recent, now))

    # Remember-me cookies: user_id is the username.
    for p in [*rng.sample([m for m in members if m not in (she, namesake, numeric)], 10), she]:
        at = site.when(dt.datetime(2026, 6, 1), now)
        key = site.remember_me(p, at)
        if p is she:
            planted.add("jos_user_keys", key)
            planted.add("jos_user_keys", site.remember_me(p, at - dt.timedelta(days=40)))
    # The member whose username is his number, equal to her id: a trap for user_id = id.
    trap_key = site.remember_me(numeric, site.when(dt.datetime(2026, 6, 1), now))
    planted.trap("jos_user_keys", trap_key)

    # Multi-factor authentication and passkeys for the board.
    for p in [webmaster, *board, she, *rng.sample(trainers, 3)]:
        at = site.when(dt.datetime(2024, 1, 1), dt.datetime(2026, 1, 1))
        methods = ["totp", "backupcodes"] if p is she or rng.random() < 0.5 else ["totp"]
        for index, method in enumerate(methods):
            key = site.mfa(p, method, at, int(index == 0))
            if p is she:
                planted.add("jos_user_mfa", key)
    devices = ["iPhone", "Pixel 8", "MacBook", "YubiKey 5", "Windows Hello", "Galaxy S24"]
    for p in [webmaster, *board, she]:
        key = site.passkey(p, f"{rng.choice(devices)} ({p.first})")
        if p is she:
            planted.add("jos_webauthn_credentials", key)

    # Who receives action-log e-mails: the back office.
    for p in [webmaster, *board, she]:
        extensions = ["com_content", "com_users", "com_contact"] if p is she else ["com_users"]
        key = db.insert(
            "jos_action_logs_users",
            user_id=p.id,
            notify=int(p is not webmaster),
            extensions=compact_json(extensions),
        )
        if p is she:
            planted.add("jos_action_logs_users", key)

    # -- contacts (com_contact) ----------------------------------------------------------
    contact_ids = rng.sample([i for i in range(1, 120) if i != she.id], 24)
    trap_contact_id = she.id  # a club contact (no account) whose id equals her user id
    her_contact_id = contact_ids.pop()
    positions = ["Schriftführer", "Sportwart", "Jugendwartin", "Platzwart", "Pressewart"]
    for p in board[:8]:
        site.contact(
            contact_ids.pop(),
            p,
            user_id=p.id,
            position=rng.choice(positions),
            catid=CONTACT_BOARD,
            staff=webmaster,
            at=site.when(start, dt.datetime(2024, 1, 1)),
            mobile=p.phone(rng.choice(styles)),
        )
    for p in trainers[:6]:
        site.contact(
            contact_ids.pop(),
            p,
            user_id=p.id,
            position="Trainer",
            catid=CONTACT_TRAINERS,
            staff=admin,
            at=site.when(start, dt.datetime(2024, 1, 1)),
            telephone=p.phone("international"),
        )
    externals = [site.person() for _ in range(5)]
    for p in externals:  # contacts without an account (user_id 0)
        site.contact(
            contact_ids.pop(),
            p,
            user_id=0,
            position="Übungsleiter (Honorarkraft)",
            catid=CONTACT_TRAINERS,
            staff=admin,
            at=site.when(start, dt.datetime(2025, 1, 1)),
            mobile=p.phone("national"),
        )
    for contact_id in list(site.contacts)[:6]:
        site.field_value(F_HOURS, contact_id, "Di und Do 18–20 Uhr auf dem Sportplatz")
    # The wife's contact card carries the family e-mail; her husband's account has it too.
    wife_contact = site.contact(
        contact_ids.pop(),
        wife,
        user_id=0,
        position="Kursleiterin Yoga",
        catid=CONTACT_TRAINERS,
        staff=admin,
        at=dt.datetime(2024, 9, 1, 10, 0),
        mobile=wife.phone("national"),
    )
    planted.trap("jos_contact_details", wife_contact)
    planted.trap("jos_users", {"id": husband.id})
    # The trap contact: its id equals her user id.
    groundsman = site.person()
    trap_contact = site.contact(
        trap_contact_id,
        groundsman,
        user_id=0,
        position="Hausmeister Sporthalle",
        catid=CONTACT_BOARD,
        staff=admin,
        at=dt.datetime(2023, 2, 1, 9, 0),
        telephone=groundsman.phone("international"),
    )
    planted.trap("jos_contact_details", trap_contact)
    planted.trap("jos_fields_values", site.field_value(F_HOURS, trap_contact_id, "Mo–Fr 7–15 Uhr"))
    planted.trap(
        "jos_history",
        site.version(
            "com_contact.contact",
            site.contacts[trap_contact_id],
            admin,
            dt.datetime(2023, 2, 1, 9, 0),
        ),
    )
    # Hers: linked to her account and carrying her e-mail; old versions keep her numbers.
    created = dt.datetime(2023, 3, 20, 20, 11)
    planted.add(
        "jos_contact_details",
        site.contact(
            her_contact_id,
            she,
            user_id=she.id,
            position="Kassenwartin",
            catid=CONTACT_BOARD,
            staff=admin,
            at=created,
            telephone=she.phone("international"),
            mobile=she.phone("international"),
            misc="<p>Fragen zu Beiträgen und Lastschriften bitte per E-Mail.</p>",
            image="images/vorstand/kassenwartin.jpg",
        ),
    )
    planted.add(
        "jos_fields_values",
        site.field_value(F_HOURS, her_contact_id, "Mi 19–20 Uhr im Vereinsheim"),
    )
    contact = site.contacts[her_contact_id]
    planted.add(
        "jos_history", site.version("com_contact.contact", contact, admin, created, telephone="")
    )
    planted.add(
        "jos_history",
        site.version(
            "com_contact.contact", contact, she, created + dt.timedelta(days=30), version=2
        ),
    )
    site.zero("jos_contact_details", "publish_down", {"id": her_contact_id})
    site.zero("jos_contact_details", "publish_down", {"id": trap_contact_id})

    # -- articles (com_content) ----------------------------------------------------------
    article_ids = rng.sample([i for i in range(1, 130) if i != she.id], 32)
    authors = [*trainers, *board[:4]]
    for n in range(28):
        author = rng.choice(authors)
        at = site.when(start, now)
        topic = rng.choice(EVENTS_TEXT)
        article_id = article_ids.pop()
        site.article(
            article_id,
            author,
            rng.choice([NEWS, EVENTS, YOUTH]),
            at,
            f"{topic} {at.year}" + (f" ({n})" if n > 9 else ""),
            f"<p>{fake.paragraph(nb_sentences=3)}</p>",
            f"<p>{fake.paragraph(nb_sentences=6)}</p>",
            modified_by=rng.choice([author, admin]),
        )
        if rng.random() < 0.5:
            site.field_value(
                F_VENUE, article_id, rng.choice(["Vereinsheim", "Sporthalle Süd", "Sportplatz"])
            )
        for v in range(rng.randrange(1, 3)):
            site.version(
                "com_content.article",
                site.articles[article_id],
                author,
                at + dt.timedelta(hours=v),
                version=v + 1,
            )
        site.action(
            author,
            "PLG_ACTIONLOG_JOOMLA_CONTENT_ADDED",
            "com_content.article",
            at,
            {
                "action": "add",
                "type": "PLG_ACTIONLOG_JOOMLA_TYPE_ARTICLE",
                "id": article_id,
                "title": site.articles[article_id]["title"],
                "itemlink": f"index.php?option=com_content&task=article.edit&id={article_id}",
            },
        )
    # The trap article: its id equals her user id; written and logged by a trainer.
    trap_author = trainers[0]
    at = dt.datetime(2024, 7, 3, 16, 45)
    planted.trap(
        "jos_content",
        site.article(
            she.id,
            trap_author,
            EVENTS,
            at,
            "Sommerfest 2024: Helfer gesucht",
            f"<p>{fake.paragraph()}</p>",
        ),
    )
    planted.trap("jos_fields_values", site.field_value(F_VENUE, she.id, "Vereinsheim"))
    planted.trap("jos_fields_values", site.field_value(F_DATE, she.id, "2024-08-17 14:00:00"))
    planted.trap(
        "jos_history", site.version("com_content.article", site.articles[she.id], trap_author, at)
    )
    planted.trap(
        "jos_action_logs",
        site.action(
            trap_author,
            "PLG_ACTIONLOG_JOOMLA_CONTENT_ADDED",
            "com_content.article",
            at,
            {
                "action": "add",
                "type": "PLG_ACTIONLOG_JOOMLA_TYPE_ARTICLE",
                "id": she.id,
                "title": "Sommerfest 2024: Helfer gesucht",
                "itemlink": f"index.php?option=com_content&task=article.edit&id={she.id}",
            },
        ),
    )
    site.zero("jos_content", "checked_out_time", {"id": she.id})
    # Hers: two reports of the treasurer, with versions and action logs of her own.
    for article_id, title, at in (
        (article_ids.pop(), "Beitragseinzug 2025", dt.datetime(2025, 1, 8, 21, 4)),
        (
            article_ids.pop(),
            "Kassenbericht zur Jahreshauptversammlung",
            dt.datetime(2026, 3, 1, 10, 30),
        ),
    ):
        planted.add(
            "jos_content",
            site.article(
                article_id,
                she,
                NEWS,
                at,
                title,
                f"<p>{fake.paragraph(nb_sentences=3)}</p>",
                f"<p>Fragen an {she.first} {she.last}, Kassenwartin.</p>",
                modified_by=admin,
            ),
        )
        planted.add(
            "jos_fields_values",
            site.field_value(F_DATE, article_id, at.strftime("%Y-%m-%d 19:00:00")),
        )
        planted.add(
            "jos_history", site.version("com_content.article", site.articles[article_id], she, at)
        )
        planted.add(
            "jos_action_logs",
            site.action(
                she,
                "PLG_ACTIONLOG_JOOMLA_CONTENT_ADDED",
                "com_content.article",
                at,
                {
                    "action": "add",
                    "type": "PLG_ACTIONLOG_JOOMLA_TYPE_ARTICLE",
                    "id": article_id,
                    "title": title,
                    "itemlink": f"index.php?option=com_content&task=article.edit&id={article_id}",
                },
            ),
        )
        site.zero("jos_content", "publish_down", {"id": article_id})

    # -- action logs: logins, account changes --------------------------------------------
    for p in members:
        for _ in range(rng.randrange(1, 4)):
            key = site.login(p, site.when(joined[p.id], now), admin=p in board)
            if p is she:
                planted.add("jos_action_logs", key)
            elif p is namesake:
                planted.trap("jos_action_logs", key)
    for at in (dt.datetime(2026, 10, 2, 7, 55), dt.datetime(2026, 11, 19, 20, 12)):
        planted.add("jos_action_logs", site.login(she, at, admin=True, ip=she.ip))
    planted.add(
        "jos_action_logs",
        site.action(
            she,
            "PLG_ACTIONLOG_JOOMLA_USER_UPDATE",
            "com_users",
            dt.datetime(2025, 2, 14, 18, 0),
            {
                "action": "update",
                "type": "PLG_ACTIONLOG_JOOMLA_TYPE_USER",
                "id": she.id,
                "title": she.name,
                "itemlink": f"index.php?option=com_users&task=user.edit&id={she.id}",
            },
            she.ip,
        ),
    )
    # The administrator changed her account: extension com_users + item_id = her id.
    planted.add(
        "jos_action_logs",
        site.action(
            admin,
            "PLG_ACTIONLOG_JOOMLA_USER_UPDATE",
            "com_users",
            dt.datetime(2023, 3, 20, 20, 5),
            {
                "action": "update",
                "type": "PLG_ACTIONLOG_JOOMLA_TYPE_USER",
                "id": she.id,
                "title": she.name,
                "itemlink": f"index.php?option=com_users&task=user.edit&id={she.id}",
            },
        ),
    )
    for p in rng.sample(plain, 6):
        site.action(
            admin,
            "PLG_ACTIONLOG_JOOMLA_USER_UPDATE",
            "com_users",
            site.when(joined[p.id], now),
            {
                "action": "update",
                "type": "PLG_ACTIONLOG_JOOMLA_TYPE_USER",
                "id": p.id,
                "title": p.name,
                "itemlink": f"index.php?option=com_users&task=user.edit&id={p.id}",
            },
        )
    # Her colleague, logging in from the office they share: only the IP is hers.
    planted.trap(
        "jos_action_logs", site.login(colleague, dt.datetime(2026, 10, 2, 8, 1), False, ip=she.ip)
    )

    # -- notes about members (staff write them) ------------------------------------------
    for p in rng.sample([m for m in members if m not in (she, namesake, husband)], 10):
        site.note(
            p,
            rng.choice(board),
            rng.choice([NOTES_FEES, NOTES_HINTS]),
            site.when(joined[p.id], now),
            rng.choice(["Beitrag", "Ermäßigung", "Adressänderung", "Rücklastschrift"]),
            f"<p>{fake.sentence(nb_words=12)}</p>",
        )
    treasurer_note = board[2]
    planted.add(
        "jos_user_notes",
        site.note(
            she,
            treasurer_note,
            NOTES_HINTS,
            dt.datetime(2023, 3, 18, 11, 0),
            "Übergabe Kasse",
            "<p>Übernimmt ab April das Amt der Kassenwartin; Schlüssel und Kassenbuch"
            " übergeben.</p>",
        ),
    )
    fee_note = site.note(
        she,
        admin,
        NOTES_FEES,
        dt.datetime(2024, 1, 5, 9, 30),
        "Beitragsbefreiung Vorstand",
        "<p>Als Vorstandsmitglied beitragsfrei gemäß Beschluss vom 12.12.2023.</p>",
    )
    planted.add("jos_user_notes", fee_note)
    site.zero("jos_user_notes", "review_time", fee_note)
    planted.trap(
        "jos_user_notes",
        site.note(
            namesake,
            admin,
            NOTES_FEES,
            dt.datetime(2025, 5, 5, 10, 0),
            "Rücklastschrift",
            "<p>Lastschrift Mai zurückgegeben, Mahnung verschickt.</p>",
        ),
    )
    # The mention: a note about the husband names her (she agreed the family discount).
    planted.mention(
        "jos_user_notes",
        site.note(
            husband,
            admin,
            NOTES_FEES,
            dt.datetime(2025, 9, 9, 18, 20),
            "Familienbeitrag",
            f"<p>Familienbeitrag mit {she.name} ({she.email}) abgestimmt, gilt ab Oktober.</p>",
        ),
    )

    # -- back-office messages --------------------------------------------------------------
    for _ in range(14):
        sender, to = rng.sample([webmaster, *board], 2)
        site.message(
            sender,
            to,
            site.when(dt.datetime(2024, 1, 1), now),
            rng.choice(["Vorstandssitzung", "Protokoll", "Hallenzeiten", "Website"]),
            f"<p>{fake.sentence(nb_words=14)}</p>",
        )
    planted.add(
        "jos_messages",
        site.message(
            admin,
            she,
            dt.datetime(2025, 12, 1, 9, 0),
            "Kassenprüfung",
            "<p>Termin für die Kassenprüfung: 10.01.</p>",
        ),
    )
    planted.add(
        "jos_messages",
        site.message(
            she,
            admin,
            dt.datetime(2025, 12, 1, 19, 40),
            "Re: Kassenprüfung",
            "<p>Passt, ich bringe die Belege mit.</p>",
        ),
    )
    planted.add(
        "jos_messages",
        site.message(
            webmaster,
            she,
            dt.datetime(2026, 2, 3, 12, 0),
            "Zugang Backend",
            "<p>Dein Passkey ist eingerichtet.</p>",
        ),
    )
    planted.mention(
        "jos_messages",
        site.message(
            board[3],
            board[4],
            dt.datetime(2026, 4, 22, 21, 15),
            "Verteiler Vorstand",
            f"<p>Bitte {she.name} ({she.email}, {she.phone('dash')}) in den Verteiler"
            " aufnehmen.</p>",
        ),
    )
    # Staff her rows point to are not hers.
    for p in (admin, webmaster, treasurer_note):
        planted.trap("jos_users", {"id": p.id})

    for p in [webmaster, *board, she]:
        for cfg_name, cfg_value in (("lock", "0"), ("mail_on_new", "1"), ("auto_purge", "7")):
            if cfg_name == "auto_purge" and p is not she and rng.random() < 0.5:
                continue
            key = site.keyless(
                "jos_messages_cfg", user_id=p.id, cfg_name=cfg_name, cfg_value=cfg_value
            )
            if p is she:
                planted.add("jos_messages_cfg", key)

    # -- privacy requests (e-mail only) ----------------------------------------------------
    for p in rng.sample([m for m in members if m not in (she, namesake, husband)], 8):
        site.request(p.email, site.when(dt.datetime(2023, 1, 1), now), "export", rng.choice([1, 2]))
    for _ in range(3):  # people without an account
        site.request(
            site.person().email,
            site.when(dt.datetime(2023, 1, 1), now),
            "remove",
            rng.choice([-1, 0, 2]),
        )
    planted.add(
        "jos_privacy_requests",
        site.request(she.email.capitalize(), dt.datetime(2026, 10, 2, 7, 58), "export", 2),
        kept=True,
    )
    planted.trap(
        "jos_privacy_requests",
        site.request(family_email, dt.datetime(2025, 11, 30, 15, 0), "export", 0),
    )
    planted.trap(
        "jos_privacy_requests",
        site.request(namesake.email, dt.datetime(2026, 1, 4, 10, 0), "remove", 0),
    )

    # -- banner clients (local businesses; contact person and e-mail only) -----------------
    for _ in range(10):
        p = site.person()
        site.banner_client(
            fake.company(),
            p,
            f"Bandenwerbung Sportplatz, Rechnung an {p.street}, {p.postcode} {p.city}",
        )
    planted.add(
        "jos_banner_clients",
        site.banner_client(
            f"Physiotherapie {she.last}",
            she,
            f"Banner auf der Startseite; Rückfragen {she.phone('dash')}, Rechnung an {she.street}.",
        ),
    )
    planted.trap(
        "jos_banner_clients", site.banner_client(f"Yoga {family_last}", wife, "Kursankündigungen")
    )
    return planted
