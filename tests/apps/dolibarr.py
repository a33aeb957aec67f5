"""Dolibarr ERP CRM 22.0.4 (``llx_`` tables) filled with invented people and one planted person.

The planted person is a private customer the way Dolibarr keeps one: a third party of type
"Particulier" (llx_societe), a contact of the same name under it (llx_socpeople ``fk_soc``), a
member of the association (llx_adherent ``fk_soc``) and an external portal user (llx_user
``fk_soc`` / ``fk_socpeople`` / ``fk_member``). Everything else of theirs hangs on those four
ids by Dolibarr's conventions (NOTES.md): ``fk_soc``/``fk_contact``, the declared keys of the
document tables, polymorphic ``elementtype``/``fk_element``, ``element_type``/``fk_element``,
``sourcetype``/``fk_source``, ``source_type``/``source_id``, and llx_element_contact, whose
``fk_socpeople`` is a contact or a *user* depending on the role's ``source``.

The traps sit where Dolibarr reuses one column for several key spaces: a staff user whose
``rowid`` equals the person's contact ``rowid`` stands as ``fk_socpeople`` of an internal role,
as a ``'user'`` resource of an event, as a ``'user'`` mailing target and as the ``fk_object`` of
a security event; another customer's order and proposal whose ``rowid`` equals the person's
third-party ``rowid`` stand as polymorphic targets. A wrongly guessed link pulls those in.

The MariaDB form declares 38 foreign keys, 11 of them to tables outside the extract: rows are
inserted parents first, those columns stay NULL, and only the members (whose NOT NULL
``fk_adherent_type`` points to the missing llx_adherent_type) go in with the check off.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
import unicodedata
from dataclasses import dataclass
from typing import Any

from faker import Faker

from tests.apps.world import Db, Planted, row_ref

SOURCE = "dolibarr"
DE = 5  # llx_c_country.rowid of Germany in Dolibarr's dictionary
TE_PRIVATE = 8  # llx_c_typent: "Particulier", a third party that is a private person
TE_SMALL = 4
INSTANCE = "5f0c2a9d41b7e36c"  # dolibarr_main_instance_unique_id, part of the mailing tag

# llx_c_type_contact rows as Dolibarr installs them (install/mysql/data/llx_c_type_contact.sql)
PROPAL_SALESREP, PROPAL_BILLING, PROPAL_CUSTOMER = 31, 40, 41
INVOICE_SALESREP, INVOICE_BILLING, INVOICE_SHIPPING = 50, 60, 61
ORDER_SALESREP, ORDER_BILLING, ORDER_CUSTOMER, ORDER_SHIPPING = 91, 100, 101, 102
CONTACT_TYPES = [
    (PROPAL_SALESREP, "propal", "internal", "SALESREPFOLLOW", "Commercial suivi propale"),
    (PROPAL_BILLING, "propal", "external", "BILLING", "Contact client facturation propale"),
    (PROPAL_CUSTOMER, "propal", "external", "CUSTOMER", "Contact client suivi propale"),
    (INVOICE_SALESREP, "facture", "internal", "SALESREPFOLLOW", "Responsable suivi paiement"),
    (INVOICE_BILLING, "facture", "external", "BILLING", "Contact client facturation"),
    (INVOICE_SHIPPING, "facture", "external", "SHIPPING", "Contact client livraison"),
    (ORDER_SALESREP, "commande", "internal", "SALESREPFOLLOW", "Responsable suivi commande"),
    (ORDER_BILLING, "commande", "external", "BILLING", "Contact client facturation commande"),
    (ORDER_CUSTOMER, "commande", "external", "CUSTOMER", "Contact client suivi commande"),
    (ORDER_SHIPPING, "commande", "external", "SHIPPING", "Contact client livraison commande"),
]

COUNTRIES = [
    (1, "FR", "FRA", "250", "France", 1),
    (2, "BE", "BEL", "056", "Belgium", 1),
    (3, "IT", "ITA", "380", "Italy", 1),
    (4, "ES", "ESP", "724", "Spain", 1),
    (DE, "DE", "DEU", "276", "Germany", 1),
    (6, "CH", "CHE", "756", "Switzerland", 0),
    (17, "NL", "NLD", "528", "Netherlands", 1),
    (41, "AT", "AUT", "040", "Austria", 1),
]

PRODUCTS = [
    ("BEITRAG-J", "Mitgliedsbeitrag (Jahr)", 60.0, 1, 0.0),
    ("BERAT-H", "Beratung (Stunde)", 95.0, 1, 19.0),
    ("WART-M", "Wartungsvertrag (Monat)", 49.0, 1, 19.0),
    ("KURS-EH", "Erste-Hilfe-Kurs", 45.0, 1, 19.0),
    ("BUCH-CH", "Vereinschronik (Buch)", 24.9, 0, 7.0),
    ("TSHIRT", "T-Shirt mit Vereinslogo", 18.0, 0, 19.0),
    ("RAUM-T", "Raummiete (Tag)", 150.0, 1, 19.0),
    ("FAHRT", "Anfahrtspauschale", 35.0, 1, 19.0),
]


@dataclass
class Person:
    first: str
    last: str
    woman: bool
    email: str
    phone: str
    mobile: str
    street: str
    zip: str
    town: str
    birth: dt.date
    ip: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def civility(self) -> str:
        return "MME" if self.woman else "MR"

    @property
    def gender(self) -> str:
        return "woman" if self.woman else "man"


_UMLAUTS: dict[str, str | int | None] = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}


def _slug(text: str) -> str:
    text = text.lower().translate(str.maketrans(_UMLAUTS))
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text if c.isalnum() or c in ".-")


def _spaced_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


class _Dolibarr:
    """One filling run: counters for Dolibarr's document numbers and the ids handed around."""

    def __init__(self, db: Db, fake: Faker, rng: random.Random) -> None:
        self.db = db
        self.fake = fake
        self.rng = rng
        self.emails: set[str] = set()
        self.mobiles: set[str] = set()
        self.numbers: dict[str, int] = {}
        self.staff: list[int] = []
        self.products: list[tuple[int, str, float, int, float]] = []
        self.orders: dict[int, int] = {}  # order rowid -> fk_soc
        self.propals: dict[int, int] = {}  # propal rowid -> fk_soc
        self.invoice_refs: dict[int, str] = {}
        self.soc_emails: dict[int, str] = {}
        self.logins: dict[int, str] = {}
        self.last_lines: list[dict[str, Any]] = []

    # -- values ----------------------------------------------------------------------------

    def mobile(self) -> str:
        while True:
            prefix = self.rng.choice(["0151", "0152", "0157", "0160", "0162", "0170", "0176"])
            number = f"{prefix} {self.rng.randint(1000000, 9999999)}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def person(self, *, woman: bool | None = None, email: str | None = None) -> Person:
        fake = self.fake
        woman = self.rng.random() < 0.5 if woman is None else woman
        first = fake.first_name_female() if woman else fake.first_name_male()
        last = fake.last_name()
        if email is None:
            base = f"{_slug(first)}.{_slug(last)}"
            email = f"{base}@example.{self.rng.choice(['org', 'net'])}"
            n = 2
            while email in self.emails:
                email = f"{base}{n}@example.org"
                n += 1
        self.emails.add(email)
        return Person(
            first=first,
            last=last,
            woman=woman,
            email=email,
            phone=fake.phone_number(),
            mobile=self.mobile(),
            street=fake.street_address(),
            zip=fake.postcode(),
            town=fake.city(),
            birth=fake.date_of_birth(minimum_age=19, maximum_age=82),
            ip=fake.ipv4_public(),
        )

    def ref(self, prefix: str, when: dt.date) -> str:
        """Dolibarr's default numbering (mod_*_terre/mercure): PREFIXyymm-nnnn."""
        self.numbers[prefix] = self.numbers.get(prefix, 0) + 1
        return f"{prefix}{when:%y%m}-{self.numbers[prefix]:04d}"

    def day(self, start: dt.date = dt.date(2023, 1, 9), days: int = 900) -> dt.date:
        return start + dt.timedelta(days=self.rng.randint(0, days))

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(self.rng.randint(8, 18), self.rng.randint(0, 59)))

    def zero_date(self, table: str, column: str, key: str, value: int, *, time: bool) -> None:
        """Store MySQL's zero date the way old Dolibarr rows have it (text in SQLite)."""
        zero = "0000-00-00 00:00:00" if time else "0000-00-00"
        self.db.execute(f"UPDATE {table} SET {column} = '{zero}' WHERE {key} = :v", v=value)

    # -- neighbours ------------------------------------------------------------------------

    def neighbours(self) -> None:
        db = self.db
        for rowid, code, iso, numeric, label, eec in COUNTRIES:
            db.insert(
                "llx_c_country",
                rowid=rowid,
                code=code,
                code_iso=iso,
                numeric_code=numeric,
                label=label,
                eec=eec,
                sepa=1,
                active=1,
                favorite=1 if code == "DE" else 0,
            )
        for rowid, element, source, code, label in CONTACT_TYPES:
            db.insert(
                "llx_c_type_contact",
                rowid=rowid,
                element=element,
                source=source,
                code=code,
                libelle=label,
                active=1,
                position=10,
            )
        for name, note in [
            ("Vertrieb", "Außendienst und Innendienst"),
            ("Buchhaltung", "Rechnungen, Zahlungen, Mahnwesen"),
            ("Kundenportal", "Externe Benutzer mit Zugang zum Portal"),
            ("Vorstand", "Vorstand des Vereins"),
        ]:
            db.insert(
                "llx_usergroup", nom=name, entity=1, datec=dt.datetime(2022, 3, 1, 9), note=note
            )

    def products_(self, author: int) -> None:
        for n, (ref, label, price, service, vat) in enumerate(PRODUCTS):
            key = self.db.insert(
                "llx_product",
                ref=ref,
                entity=1,
                label=label,
                description=f"{label} – Standardleistung",
                datec=dt.datetime(2022, 3, 2 + n, 10),
                price=price,
                price_ttc=round(price * (1 + vat / 100), 2),
                price_base_type="HT",
                tva_tx=vat,
                fk_user_author=author,
                fk_product_type=service,
                tosell=1,
                tobuy=0,
                fk_country=DE if n % 3 == 0 else None,
                accountancy_code_sell="8400" if vat == 19.0 else "8300",
            )
            self.products.append((key["rowid"], label, price, service, vat))

    # -- users -----------------------------------------------------------------------------

    def staff_user(
        self,
        p: Person,
        *,
        job: str,
        admin: bool = False,
        boss: int | None = None,
        rowid: int | None = None,
        groups: tuple[int, ...] = (),
    ) -> int:
        db = self.db
        login = f"{_slug(p.first)[0]}{_slug(p.last)}"[:24]
        extra: dict[str, Any] = {"rowid": rowid} if rowid is not None else {}
        hired = self.day(dt.date(2012, 1, 1), 3500)
        key = db.insert(
            "llx_user",
            **extra,
            entity=1,
            ref_employee=f"MA-{self.rng.randint(100, 999)}",
            admin=1 if admin else 0,
            employee=1,
            datec=dt.datetime.combine(hired, dt.time(9)),
            fk_user_creat=self.staff[0] if self.staff else None,
            login=login,
            pass_encoding="password_hash",
            pass_crypted="$2y$10$" + self.fake.sha256()[:53],
            gender=p.gender,
            civility=p.civility,
            lastname=p.last,
            firstname=p.first,
            address=p.street,
            zip=p.zip,
            town=p.town,
            fk_country=DE,
            birth=p.birth,
            birth_place=self.fake.city(),
            job=job,
            office_phone=f"0221 4711-{self.rng.randint(10, 99)}",
            user_mobile=p.mobile,
            personal_mobile=self.mobile(),
            email=f"{login}@verein.example.com",
            personal_email=p.email,
            signature=f"<p>Mit freundlichen Grüßen<br>{p.name}<br>{job}</p>",
            fk_user=boss,
            fk_user_expense_validator=boss,
            fk_user_holiday_validator=boss,
            national_registration_number=f"{self.rng.randint(10, 99)} "
            f"{p.birth:%d%m%y} {p.last[0].upper()} {self.rng.randint(100, 999)}",
            note_private=self.rng.choice([None, "Teilzeit ab 01.2025", "Schlüssel Nr. 14"]),
            datelastlogin=dt.datetime(2025, 5, 2, 8, 12),
            datepreviouslogin=dt.datetime(2025, 4, 30, 7, 58),
            iplastlogin="10.0.0." + str(self.rng.randint(2, 250)),
            ippreviouslogin="10.0.0." + str(self.rng.randint(2, 250)),
            statut=1,
            photo=f"{login}.jpg" if self.rng.random() < 0.5 else None,
            lang="de_DE",
            salary=float(self.rng.randint(32, 78) * 1000),
            thm=float(self.rng.randint(25, 60)),
            dateemployment=hired,
            weeklyhours=float(self.rng.choice([20, 30, 40])),
            socialnetworks=json.dumps({"linkedin": f"{_slug(p.first)}-{_slug(p.last)}"}),
        )
        uid = int(key["rowid"])
        self.logins[uid] = login
        for group in groups:
            db.insert("llx_usergroup_user", entity=1, fk_user=uid, fk_usergroup=group)
        return uid

    # -- third parties ---------------------------------------------------------------------

    def private_customer(
        self, p: Person, *, creator: int, note: str | None = None, when: dt.date | None = None
    ) -> int:
        when = when or self.day(dt.date(2022, 4, 1), 500)
        self.numbers["CU"] = self.numbers.get("CU", 0) + 1
        key = self.db.insert(
            "llx_societe",
            nom=p.name,
            entity=1,
            status=1,
            client=1,
            code_client=f"CU{when:%y%m}-{self.numbers['CU']:05d}",
            address=p.street,
            zip=p.zip,
            town=p.town,
            fk_departement=0,
            fk_pays=DE,
            phone=p.phone,
            phone_mobile=p.mobile,
            email=p.email,
            fk_typent=TE_PRIVATE,
            fk_stcomm=0,
            note_private=note,
            tva_assuj=0,
            default_lang="de_DE",
            datec=dt.datetime.combine(when, dt.time(11, 5)),
            fk_user_creat=creator,
            ip=p.ip if self.rng.random() < 0.4 else None,
            mode_reglement=self.rng.choice([2, 3, 6]),
            cond_reglement=1,
        )
        self.soc_emails[int(key["rowid"])] = p.email
        return int(key["rowid"])

    def company(self, creator: int) -> int:
        name = self.fake.company()
        when = self.day(dt.date(2022, 4, 1), 400)
        self.numbers["CU"] = self.numbers.get("CU", 0) + 1
        key = self.db.insert(
            "llx_societe",
            nom=name,
            name_alias=name.split()[0],
            entity=1,
            status=1,
            client=1,
            code_client=f"CU{when:%y%m}-{self.numbers['CU']:05d}",
            address=self.fake.street_address(),
            zip=self.fake.postcode(),
            town=self.fake.city(),
            fk_pays=DE,
            phone=self.fake.phone_number(),
            fax=self.fake.phone_number(),
            url=f"https://www.{_slug(name.split()[0])}.example.com",
            email=f"info@{_slug(name.split()[0])}.example.com",
            fk_typent=TE_SMALL,
            fk_effectif=2,
            fk_forme_juridique=5499,
            siren=f"HRB {self.rng.randint(10000, 99999)}",
            tva_intra=f"DE{self.rng.randint(100000000, 999999999)}",
            fk_stcomm=2,
            tva_assuj=1,
            default_lang="de_DE",
            datec=dt.datetime.combine(when, dt.time(10)),
            fk_user_creat=creator,
        )
        self.soc_emails[int(key["rowid"])] = f"info@{_slug(name.split()[0])}.example.com"
        return int(key["rowid"])

    def contact(
        self,
        p: Person,
        soc: int | None,
        *,
        creator: int,
        phone_mobile: str | None = None,
        job: str | None = None,
        networks: dict[str, str] | None = None,
        note: str | None = None,
    ) -> int:
        key = self.db.insert(
            "llx_socpeople",
            datec=dt.datetime(2023, 2, 1, 10) + dt.timedelta(days=self.rng.randint(0, 500)),
            fk_soc=soc,
            entity=1,
            civility=p.civility,
            lastname=p.last,
            firstname=p.first,
            address=p.street,
            zip=p.zip,
            town=p.town,
            fk_pays=DE,
            birthday=p.birth if self.rng.random() < 0.6 else None,
            poste=job,
            phone=p.phone if job else None,
            phone_perso=p.phone if not job else None,
            phone_mobile=phone_mobile or p.mobile,
            email=p.email,
            socialnetworks=json.dumps(networks) if networks else None,
            no_email=0,
            priv=0,
            fk_stcommcontact=0,
            fk_user_creat=creator,
            note_private=note,
            default_lang="de_DE",
            statut=1,
            ip=p.ip if self.rng.random() < 0.3 else None,
        )
        return int(key["rowid"])

    def extrafields(self, soc: int) -> dict[str, Any]:
        return self.db.insert("llx_societe_extrafields", fk_object=soc)

    def sales_rep(self, soc: int, user: int) -> dict[str, Any]:
        return self.db.insert(
            "llx_societe_commerciaux",
            fk_soc=soc,
            fk_user=user,
            fk_c_type_contact_code="SALESREPTHIRD",
        )

    def bank_account(self, soc: int, p: Person, iban: str, *, label: str) -> dict[str, Any]:
        signed = self.day(dt.date(2023, 3, 1), 400)
        return self.db.insert(
            "llx_societe_rib",
            entity=1,
            type="ban",
            label=label,
            fk_soc=soc,
            datec=dt.datetime.combine(signed, dt.time(10)),
            bank=self.rng.choice(["Sparkasse KölnBonn", "Volksbank Köln Bonn", "GLS Bank"]),
            bic=self.fake.swift(length=11),
            iban_prefix=_spaced_iban(iban),
            domiciliation=p.town,
            proprio=p.name,
            owner_address=f"{p.street}\n{p.zip} {p.town}",
            default_rib=1,
            fk_country=DE,
            country_code="DE",
            rum=f"RUM{signed:%y%m}-{soc:04d}",
            date_rum=signed,
            frstrecur="RCUR",
            status=1,
        )

    # -- documents -------------------------------------------------------------------------

    def lines(self, table: str, parent: str, parent_id: int, count: int, author: int) -> list[Any]:
        keys = []
        total = 0.0
        for rang in range(1, count + 1):
            pid, label, price, service, vat = self.rng.choice(self.products)
            qty = float(self.rng.randint(1, 4))
            ht = round(price * qty, 2)
            values: dict[str, Any] = {
                parent: parent_id,
                "fk_product": pid,
                "label": None,
                "description": label,
                "tva_tx": vat,
                "qty": qty,
                "subprice": price,
                "total_ht": ht,
                "total_tva": round(ht * vat / 100, 2),
                "total_ttc": round(ht * (1 + vat / 100), 2),
                "product_type": service,
                "rang": rang,
            }
            if table == "llx_facturedet":
                values["fk_user_author"] = author
            keys.append(self.db.insert(table, **values))
            total += ht
        return keys

    def propal(self, soc: int, author: int, when: dt.date, **extra: Any) -> int:
        key = self.db.insert(
            "llx_propal",
            ref=self.ref("PR", when),
            entity=1,
            fk_soc=soc,
            datec=self.moment(when),
            datep=when,
            fin_validite=self.moment(when + dt.timedelta(days=15)),
            date_valid=self.moment(when),
            fk_user_author=author,
            fk_user_valid=author,
            fk_statut=2,
            total_ht=100.0,
            total_ttc=119.0,
            fk_cond_reglement=1,
            model_pdf="azur",
            **extra,
        )
        self.propals[int(key["rowid"])] = soc
        return int(key["rowid"])

    def order(self, soc: int, author: int, when: dt.date, lines: int = 2, **extra: Any) -> int:
        key = self.db.insert(
            "llx_commande",
            ref=self.ref("CO", when),
            entity=1,
            fk_soc=soc,
            date_creation=self.moment(when),
            date_valid=self.moment(when),
            date_commande=when,
            fk_user_author=author,
            fk_user_valid=author,
            fk_statut=3,
            total_ht=100.0,
            total_tva=19.0,
            total_ttc=119.0,
            facture=1,
            fk_cond_reglement=1,
            model_pdf="einstein",
            **extra,
        )
        oid = int(key["rowid"])
        self.orders[oid] = soc
        self.last_lines = self.lines("llx_commandedet", "fk_commande", oid, lines, author)
        return oid

    def invoice(
        self, soc: int, author: int, when: dt.date, lines: int = 2, **extra: Any
    ) -> tuple[int, list[Any]]:
        credit = extra.get("type") == 2
        ref = self.ref("AV" if credit else "FA", when)
        key = self.db.insert(
            "llx_facture",
            ref=ref,
            entity=1,
            type=extra.pop("type", 0),
            fk_soc=soc,
            datec=self.moment(when),
            datef=when,
            date_valid=when,
            date_lim_reglement=when + dt.timedelta(days=14),
            paye=0 if credit else 1,
            fk_statut=2,
            total_ht=100.0,
            total_tva=19.0,
            total_ttc=119.0,
            fk_user_author=author,
            fk_user_valid=author,
            fk_cond_reglement=1,
            fk_mode_reglement=self.rng.choice([2, 3, 6]),
            model_pdf="sponge",
            **extra,
        )
        fid = int(key["rowid"])
        self.invoice_refs[fid] = ref
        return fid, self.lines("llx_facturedet", "fk_facture", fid, lines, author)

    def payment(
        self, invoice: int, author: int, when: dt.date, **extra: Any
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        pay = self.db.insert(
            "llx_paiement",
            ref=self.ref("PAY", when),
            entity=1,
            datec=self.moment(when),
            datep=self.moment(when),
            amount=119.0,
            fk_paiement=self.rng.choice([2, 3, 6]),
            fk_user_creat=author,
            statut=1,
            **extra,
        )
        link = self.db.insert(
            "llx_paiement_facture", fk_paiement=pay["rowid"], fk_facture=invoice, amount=119.0
        )
        return pay, link

    def link(self, source: int, stype: str, target: int, ttype: str) -> dict[str, Any]:
        return self.db.insert(
            "llx_element_element",
            fk_source=source,
            sourcetype=stype,
            fk_target=target,
            targettype=ttype,
        )

    def role(self, element: int, role: int, who: int) -> dict[str, Any]:
        return self.db.insert(
            "llx_element_contact",
            datecreate=dt.datetime(2024, 1, 1) + dt.timedelta(days=self.rng.randint(0, 400)),
            statut=4,
            element_id=element,
            fk_c_type_contact=role,
            fk_socpeople=who,
        )

    def event(self, label: str, code: str, fk_action: int, owner: int, **values: Any) -> int:
        when = values.pop("when", None) or self.moment(self.day())
        key = self.db.insert(
            "llx_actioncomm",
            ref="(PROV)",
            entity=1,
            datep=when,
            datep2=when + dt.timedelta(minutes=30),
            fk_action=fk_action,
            code=code,
            datec=when,
            fk_user_author=owner,
            fk_user_action=owner,
            fk_parent=0,
            transparency=0,
            priority=0,
            visibility="default",
            fulldayevent=0,
            percent=-1 if fk_action == 40 else 100,
            label=label,
            event_paid=0,
            status=0,
            **values,
        )
        return int(key["id"])

    def resource(self, event: int, kind: str, who: int) -> dict[str, Any]:
        return self.db.insert(
            "llx_actioncomm_resources",
            fk_actioncomm=event,
            element_type=kind,
            fk_element=who,
            answer_status="accepted" if kind == "socpeople" else "0",
            mandatory=1,
            transparency=1,
        )

    def member(self, p: Person, soc: int | None, *, author: int, **extra: Any) -> int:
        since = self.day(dt.date(2019, 1, 1), 1800)
        key = self.db.insert(
            "llx_adherent",
            ref=f"(PROV{self.rng.randint(10**6, 10**7)})",
            entity=1,
            gender=p.gender,
            civility=p.civility,
            lastname=p.last,
            firstname=p.first,
            fk_adherent_type=1,
            morphy="phy",
            fk_soc=soc,
            address=p.street,
            zip=p.zip,
            town=p.town,
            country=DE,
            email=p.email,
            phone_mobile=extra.pop("phone_mobile", p.mobile),
            birth=p.birth,
            statut=1,
            public=0,
            datefin=dt.datetime(2025, 12, 31),
            datevalid=dt.datetime.combine(since, dt.time(19)),
            datec=dt.datetime.combine(since, dt.time(18, 30)),
            fk_user_author=author,
            fk_user_valid=author,
            **extra,
        )
        aid = int(key["rowid"])
        self.db.execute(
            "UPDATE llx_adherent SET ref = :ref WHERE rowid = :id", ref=str(aid), id=aid
        )
        return aid

    def portal_user(
        self, p: Person, soc: int, contact: int, creator: int, **extra: Any
    ) -> tuple[int, str]:
        login = extra.pop("login", f"{_slug(p.first)}.{_slug(p.last)}"[:50])
        key = self.db.insert(
            "llx_user",
            entity=1,
            admin=0,
            employee=0,
            datec=dt.datetime(2024, 2, 1, 12) + dt.timedelta(days=self.rng.randint(0, 200)),
            fk_user_creat=creator,
            login=login,
            pass_encoding="password_hash",
            pass_crypted="$2y$10$" + self.fake.sha256()[:53],
            gender=p.gender,
            civility=p.civility,
            lastname=p.last,
            firstname=p.first,
            address=p.street,
            zip=p.zip,
            town=p.town,
            fk_country=DE,
            email=p.email,
            fk_soc=soc,
            fk_socpeople=contact,
            datelastlogin=dt.datetime(2025, 3, 14, 20, 3),
            iplastlogin=p.ip,
            statut=1,
            lang="de_DE",
            **extra,
        )
        uid = int(key["rowid"])
        return uid, login

    def security(
        self, kind: str, user: int | None, text: str, ip: str, **extra: Any
    ) -> dict[str, Any]:
        return self.db.insert(
            "llx_events",
            type=kind,
            entity=1,
            prefix_session=self.fake.md5()[:16],
            dateevent=self.moment(self.day(dt.date(2025, 1, 2), 150)),
            fk_user=user,
            description=text,
            ip=ip,
            user_agent=self.fake.user_agent(),
            authentication_method="dolibarr",
            **extra,
        )

    def target(
        self,
        mailing: int,
        p: Person,
        source_type: str,
        source_id: int,
        *,
        contact: int = 0,
        email: str | None = None,
    ) -> dict[str, Any]:
        email = email or p.email
        tag = hashlib.md5(
            f"{INSTANCE};{email};{p.last};{mailing};unsub{source_id}".encode()
        ).hexdigest()
        return self.db.insert(
            "llx_mailing_cibles",
            fk_mailing=mailing,
            fk_contact=contact,
            lastname=p.last,
            firstname=p.first,
            email=email,
            other=f"{p.civility};{p.town}",
            tag=tag,
            statut=1,
            source_id=source_id,
            source_type=source_type,
            date_envoi=dt.datetime(2025, 2, mailing, 9, 30),
        )


def populate(db: Db, fake: Faker, rng: random.Random) -> Planted:
    w = _Dolibarr(db, fake, rng)
    w.neighbours()
    SALES, BOOKS, PORTAL, BOARD = 1, 2, 3, 4

    # -- staff (internal users) -------------------------------------------------------------
    boss_p = w.person()
    boss = w.staff_user(boss_p, job="Geschäftsführung", admin=True, groups=(BOARD,))
    staff_people = [w.person() for _ in range(5)]
    jobs = ["Vertrieb Innendienst", "Vertrieb Außendienst", "Buchhaltung", "Support", "Lager"]
    groups_of = [(SALES,), (SALES,), (BOOKS,), (SALES, BOOKS), ()]
    for p, job, groups in zip(staff_people, jobs, groups_of, strict=True):
        w.staff.append(w.staff_user(p, job=job, boss=boss, groups=groups))
    w.staff.insert(0, boss)
    rep, rep2, bookkeeper = w.staff[1], w.staff[2], w.staff[3]
    w.zero_date("llx_user", "dateemploymentend", "rowid", w.staff[5], time=False)
    w.products_(boss)

    # -- the planted person and the traps' people -------------------------------------------
    planted_p = w.person(woman=True)
    planted_p.email = f"{_slug(planted_p.first)}.{_slug(planted_p.last)}@example.com"
    iban = fake.iban()
    namesake = w.person(woman=True)
    namesake.first, namesake.last = planted_p.first, planted_p.last
    namesake.email = f"{_slug(planted_p.first)[0]}.{_slug(planted_p.last)}@example.net"
    family_last = fake.last_name()
    family_email = f"familie.{_slug(family_last)}@example.net"
    family = [w.person(woman=False, email=family_email), w.person(woman=True, email=family_email)]
    for p in family:
        p.last = family_last

    planted = Planted(
        email=planted_p.email,
        phone=planted_p.mobile,
        first_name=planted_p.first,
        last_name=planted_p.last,
        iban=iban,
    )
    compact = planted_p.mobile.replace(" ", "")
    national = compact[1:]  # 1712345678
    formats = {
        "societe": planted_p.mobile,  # 0171 2345678
        "socpeople": f"+49 {national[:3]} {national[3:]}",  # +49 171 2345678
        "adherent": f"{compact[:4]}/{compact[4:]}",  # 0171/2345678
        "user": f"+49{national}",  # +491712345678
        "note": f"{compact[:4]}-{compact[4:]}",  # 0171-2345678
    }
    handle = f"{_slug(planted_p.first)}-{_slug(planted_p.last)}-{rng.randint(1000, 9999)}"
    networks = {"linkedin": handle, "mastodon": f"@{_slug(planted_p.first)}@social.example.org"}

    # -- third parties: others, the namesake, the planted person, the family -----------------
    others = [w.person() for _ in range(16)]
    customers: list[tuple[Person, int]] = []
    for p in others[:9]:
        customers.append((p, w.private_customer(p, creator=rng.choice(w.staff[:3]))))
    companies = [w.company(creator=rep) for _ in range(4)]
    namesake_soc = w.private_customer(namesake, creator=rep2)
    planted.trap("llx_societe", {"rowid": namesake_soc})
    for p in others[9:12]:
        customers.append((p, w.private_customer(p, creator=rng.choice(w.staff[:3]))))

    soc = w.private_customer(planted_p, creator=rep, when=dt.date(2023, 5, 8))
    db.execute(
        "UPDATE llx_societe SET socialnetworks = :sn, ip = :ip, phone = NULL WHERE rowid = :id",
        sn=json.dumps(networks),
        ip=planted_p.ip,
        id=soc,
    )
    # Her invoices name no recipient of their own (only fk_soc): the third party stays as
    # their recipient, name and address kept, the rest of it anonymised.
    planted.add("llx_societe", {"rowid": soc}, kept=True)
    family_socs = []
    for p in family:
        fsoc = w.private_customer(p, creator=rep2)
        family_socs.append(fsoc)
        planted.trap("llx_societe", {"rowid": fsoc})
    for p in others[12:]:
        customers.append((p, w.private_customer(p, creator=rng.choice(w.staff[:3]))))

    # Mention: another customer's staff note names the planted person.
    _referrer_p, referrer = customers[3]
    db.execute(
        "UPDATE llx_societe SET note_private = :n WHERE rowid = :id",
        n=f"Geworben von {planted.name} ({planted.email}); Prämie 20 EUR gutgeschrieben.",
        id=referrer,
    )
    planted.mention("llx_societe", {"rowid": referrer})

    # -- contacts --------------------------------------------------------------------------
    company_contacts: list[tuple[Person, int, int]] = []
    for csoc in companies:
        for job in ("Geschäftsführer", "Einkauf"):
            p = w.person()
            company_contacts.append((p, csoc, w.contact(p, csoc, creator=rep, job=job)))
    private_contacts: dict[int, int] = {}
    for p, psoc in customers[:8]:
        private_contacts[psoc] = w.contact(p, psoc, creator=rep)
    for _ in range(2):  # contacts without a third party (press, a club of the region)
        w.contact(w.person(), None, creator=boss, job=rng.choice(["Redaktion", "Vorsitz"]))
    namesake_contact = w.contact(namesake, namesake_soc, creator=rep2)
    planted.trap("llx_socpeople", {"rowid": namesake_contact})
    contact = w.contact(
        planted_p,
        soc,
        creator=rep,
        phone_mobile=formats["socpeople"],
        networks=networks,
        note="Bevorzugt Kontakt per E-Mail, nicht vor 10 Uhr anrufen.",
    )
    w.zero_date("llx_socpeople", "birthday", "rowid", contact, time=False)
    planted.add("llx_socpeople", {"rowid": contact})
    for p, psoc in customers[8:12]:
        private_contacts[psoc] = w.contact(p, psoc, creator=rep2)
    w.zero_date("llx_socpeople", "birthday", "rowid", company_contacts[0][2], time=False)

    # A staff member whose user rowid equals the planted contact's rowid (another key space).
    colleague_p = w.person()
    colleague = w.staff_user(
        colleague_p, job="Vertrieb Innendienst", boss=boss, rowid=contact, groups=(SALES,)
    )
    w.staff.append(colleague)
    planted.trap("llx_user", {"rowid": colleague})

    # -- custom fields, sales representatives, bank accounts -------------------------------
    for _p, psoc in customers[:12]:
        w.extrafields(psoc)
    for csoc in companies:
        w.extrafields(csoc)
    planted.add("llx_societe_extrafields", w.extrafields(soc))
    planted.trap("llx_societe_extrafields", w.extrafields(namesake_soc))
    for n, (_p, psoc) in enumerate(customers):
        w.sales_rep(psoc, rep if n % 2 else colleague)
    for csoc in companies:
        w.sales_rep(csoc, rep2)
    planted.add("llx_societe_commerciaux", w.sales_rep(soc, rep))
    planted.trap("llx_user", {"rowid": rep})  # the person's sales rep is another person
    for p, psoc in customers[:11]:
        w.bank_account(psoc, p, fake.iban(), label="Girokonto")
    for p in family:
        planted.trap(
            "llx_societe_rib",
            w.bank_account(family_socs[family.index(p)], p, fake.iban(), label="Konto"),
        )
    rib = w.bank_account(soc, planted_p, iban, label="Girokonto")
    db.execute(
        "UPDATE llx_societe_rib SET online_sign_name = :n, date_signature = :d,"
        " online_sign_ip = :ip, ipaddress = :ip WHERE rowid = :id",
        n=planted.name,
        d=dt.datetime(2023, 5, 8, 11, 20),
        ip=planted_p.ip,
        id=rib["rowid"],
    )
    planted.add("llx_societe_rib", rib)
    card = db.insert(
        "llx_societe_rib",
        entity=1,
        type="card",
        label="Visa",
        fk_soc=soc,
        datec=dt.datetime(2024, 6, 2, 15, 4),
        proprio=planted.name.upper(),
        card_type="Visa",
        last_four=f"{rng.randint(0, 9999):04d}",
        exp_date_month=rng.randint(1, 12),
        exp_date_year=2028,
        country_code="DE",
        email=planted.email,
        stripe_card_ref=f"pm_1P{fake.pystr(min_chars=22, max_chars=22)}",
        stripe_account="acct_1Kverein",
        ext_payment_site="StripeLive",
        status=1,
    )
    planted.add("llx_societe_rib", card)

    # -- documents of other customers ------------------------------------------------------
    doc_owners = [psoc for _p, psoc in customers] + companies
    for psoc in doc_owners:
        when = w.day()
        author = rng.choice(w.staff[1:4])
        pid = w.propal(psoc, author, when, note_public="Angebot gültig 15 Tage")
        oid = w.order(psoc, author, when + dt.timedelta(days=3))
        w.link(pid, "propal", oid, "commande")
        fid, _ = w.invoice(psoc, author, when + dt.timedelta(days=10))
        w.link(oid, "commande", fid, "facture")
        w.payment(
            fid, bookkeeper, when + dt.timedelta(days=20), num_paiement=f"{rng.randint(1000, 9999)}"
        )
        if psoc in private_contacts:
            w.role(oid, ORDER_CUSTOMER, private_contacts[psoc])
            w.role(fid, INVOICE_BILLING, private_contacts[psoc])
        w.role(oid, ORDER_SALESREP, author)
    for _cp, csoc, cid in company_contacts[::2]:
        oid = next(o for o, s in w.orders.items() if s == csoc)
        w.role(oid, ORDER_SHIPPING, cid)
    w.zero_date("llx_propal", "fin_validite", "rowid", next(iter(w.propals)), time=True)

    # The namesake's own order and invoice: traps.
    when = w.day()
    n_order = w.order(namesake_soc, rep2, when, lines=1)
    planted.trap("llx_commande", {"rowid": n_order})
    for line in w.last_lines:
        planted.trap("llx_commandedet", line)
    n_invoice, n_lines = w.invoice(namesake_soc, rep2, when + dt.timedelta(days=2), lines=1)
    planted.trap("llx_facture", {"rowid": n_invoice})
    for line in n_lines:
        planted.trap("llx_facturedet", line)
    planted.trap("llx_element_contact", w.role(n_order, ORDER_CUSTOMER, namesake_contact))

    # Another customer's order and proposal whose rowid equals the planted third party's.
    if soc not in w.orders or soc not in w.propals:
        raise AssertionError("fewer documents than third parties: no colliding order/proposal")
    if w.orders[soc] == soc or w.propals[soc] == soc:
        raise AssertionError("the colliding order/proposal must be another customer's")

    # -- the planted person's documents ----------------------------------------------------
    when = dt.date(2024, 9, 16)
    propal = w.propal(
        soc,
        rep,
        when,
        ref_client="Anfrage vom 12.09.",
        online_sign_ip=planted_p.ip,
        online_sign_name=planted.name,
        date_signature=dt.datetime(2024, 9, 18, 21, 7),
        note_private=f"Rückruf erbeten unter {formats['note']}",
    )
    planted.add("llx_propal", {"rowid": propal}, kept=True)
    order = w.order(soc, rep, when + dt.timedelta(days=3), lines=2, ref_client="Kurs Oktober")
    planted.add("llx_commande", {"rowid": order}, kept=True)
    for line in w.last_lines:
        planted.add("llx_commandedet", line, kept=True)
    invoice, lines = w.invoice(
        soc,
        rep,
        when + dt.timedelta(days=10),
        lines=2,
        ref_client="Kurs Oktober",
        note_public=f"Lastschrift von {_spaced_iban(iban)}, Mandat RUM2305-{soc:04d}",
    )
    planted.add("llx_facture", {"rowid": invoice}, kept=True)
    for line in lines:
        planted.add("llx_facturedet", line, kept=True)
    credit, credit_lines = w.invoice(
        soc,
        bookkeeper,
        when + dt.timedelta(days=30),
        lines=1,
        type=2,
        fk_facture_source=invoice,
        note_private="Gutschrift: Kurs am 2. Tag abgebrochen (Krankheit)",
    )
    planted.add("llx_facture", {"rowid": credit}, kept=True)
    for line in credit_lines:
        planted.add("llx_facturedet", line, kept=True)
    pay, pay_link = w.payment(
        invoice,
        bookkeeper,
        when + dt.timedelta(days=14),
        num_paiement=f"SEPA-{rng.randint(100000, 999999)}",
        note=f"Lastschrift {planted.name}",
        ext_payment_id=f"pi_3P{fake.pystr(min_chars=20, max_chars=20)}"
        f":cus_Q{rng.randint(10**9, 10**10)}",
        ext_payment_site="StripeLive",
    )
    planted.add("llx_paiement", pay, kept=True)
    planted.add("llx_paiement_facture", pay_link, kept=True)
    planted.add("llx_element_element", w.link(propal, "propal", order, "commande"))
    planted.add("llx_element_element", w.link(order, "commande", invoice, "facture"))
    planted.add("llx_element_contact", w.role(propal, PROPAL_CUSTOMER, contact))
    planted.add("llx_element_contact", w.role(invoice, INVOICE_BILLING, contact))
    # The sales rep (a user) following the person's order: a row of the order, so theirs;
    # the rep's own llx_user row is not.
    planted.add("llx_element_contact", w.role(order, ORDER_SALESREP, rep))

    # Traps in other key spaces: the colleague (user rowid == planted contact rowid) is the
    # internal follow-up of another customer's order, and that order (rowid == planted
    # third-party rowid) is linked from its proposal.
    other_order = next(o for o, s in w.orders.items() if s not in (soc, namesake_soc) and o != soc)
    planted.trap("llx_element_contact", w.role(other_order, ORDER_SALESREP, colleague))

    # -- members ---------------------------------------------------------------------------
    if db.mysql:  # llx_adherent.fk_adherent_type -> llx_adherent_type, not in the extract
        db.execute("SET FOREIGN_KEY_CHECKS=0")
    member_people = [w.person() for _ in range(5)]
    members = []
    for p, psoc in customers[:5]:
        members.append((p, w.member(p, psoc, author=boss)))
    for p in member_people:
        members.append((p, w.member(p, None, author=boss, note_public="Übungsleiter")))
    member = w.member(
        planted_p,
        soc,
        author=boss,
        phone_mobile=formats["adherent"],
        login=_slug(planted_p.first) + str(rng.randint(10, 99)),
        pass_crypted="$2y$10$" + fake.sha256()[:53],
        socialnetworks=json.dumps(networks),
        photo=f"{_slug(planted_p.first)}_{_slug(planted_p.last)}.jpg",
        ip=planted_p.ip,
        note_private="Beitrag per Lastschrift",
    )
    planted.add("llx_adherent", {"rowid": member})
    family_member = w.member(family[0], family_socs[0], author=boss)
    planted.trap("llx_adherent", {"rowid": family_member})
    if db.mysql:
        db.execute("SET FOREIGN_KEY_CHECKS=1")
    w.zero_date("llx_adherent", "datefin", "rowid", members[6][1], time=True)
    w.zero_date("llx_adherent", "datefin", "rowid", member, time=True)

    # -- portal users (external) -----------------------------------------------------------
    portal_users = []
    for p, psoc in customers[:4]:
        uid, _login = w.portal_user(p, psoc, private_contacts[psoc], rep)
        db.insert("llx_usergroup_user", entity=1, fk_user=uid, fk_usergroup=PORTAL)
        portal_users.append((p, uid))
    db.execute(
        "UPDATE llx_user SET fk_member = :m WHERE rowid = :u", m=members[0][1], u=portal_users[0][1]
    )
    user, login = w.portal_user(
        planted_p,
        soc,
        contact,
        rep,
        fk_member=member,
        user_mobile=formats["user"],
        api_key="dolcrypt:AES-256-CTR:" + fake.md5()[:16] + ":" + fake.sha256()[:40],
        ippreviouslogin=planted_p.ip,
        socialnetworks=json.dumps(networks),
    )
    w.zero_date("llx_user", "datepreviouslogin", "rowid", user, time=True)
    planted.add("llx_user", {"rowid": user})
    planted.add(
        "llx_usergroup_user",
        db.insert("llx_usergroup_user", entity=1, fk_user=user, fk_usergroup=PORTAL),
    )
    planted.secrets += [planted_p.street, login, handle]

    # -- agenda: other people's events -----------------------------------------------------
    for p, psoc in customers:
        maybe_contact = private_contacts.get(psoc)
        owner = rng.choice(w.staff[1:4])
        ev = w.event(
            f"Telefonat mit {p.name}",
            "AC_TEL",
            1,
            owner,
            fk_soc=psoc,
            fk_contact=maybe_contact,
            note=rng.choice(
                ["Fragt nach Kursterminen.", "Adresse geändert.", "Zahlung angekündigt."]
            ),
        )
        if maybe_contact:
            w.resource(ev, "socpeople", maybe_contact)
        w.resource(ev, "user", owner)
    for fid_soc in companies[:2]:
        oid = next(o for o, s in w.orders.items() if s == fid_soc)
        ev = w.event(
            "Auftrag per E-Mail gesendet",
            "AC_ORDER_SENTBYMAIL",
            40,
            rep2,
            fk_soc=fid_soc,
            fk_element=oid,
            elementtype="order",
            email_from="Vertrieb <vertrieb@verein.example.com>",
            email_to=w.soc_emails[fid_soc],
            email_subject="Ihre Bestellung",
        )
    # Another customer's order whose rowid is the planted third party's: its mail event.
    order_owner = w.orders[soc]
    trap_event = w.event(
        "Auftragsbestätigung per E-Mail gesendet",
        "AC_ORDER_SENTBYMAIL",
        40,
        rep2,
        fk_soc=order_owner,
        fk_element=soc,
        elementtype="order",
        email_from="Vertrieb <vertrieb@verein.example.com>",
        email_subject="Auftragsbestätigung",
    )
    planted.trap("llx_actioncomm", {"id": trap_event})
    # A staff meeting with the colleague as a 'user' resource; its note mentions the person.
    meeting = w.event(
        "Vertriebsrunde KW 42",
        "AC_RDV",
        5,
        boss,
        location="Besprechungsraum 1",
        note=f"Beschwerde von {planted.name} ({planted.email}) zum Kurs besprochen; "
        "Gutschrift veranlasst.",
    )
    planted.mention("llx_actioncomm", {"id": meeting})
    planted.trap("llx_actioncomm_resources", w.resource(meeting, "user", colleague))
    w.resource(meeting, "user", boss)
    w.resource(meeting, "user", rep)
    # The namesake's phone call.
    n_event = w.event(
        f"Telefonat mit {namesake.name}",
        "AC_TEL",
        1,
        rep2,
        fk_soc=namesake_soc,
        fk_contact=namesake_contact,
        note="Möchte Angebot für Raummiete.",
    )
    planted.trap("llx_actioncomm", {"id": n_event})
    planted.trap("llx_actioncomm_resources", w.resource(n_event, "socpeople", namesake_contact))

    # -- agenda: the planted person's events -----------------------------------------------
    sent = dt.datetime(2024, 9, 26, 10, 41)
    e_mail = w.event(
        f"Rechnung {w.invoice_refs[invoice]} per E-Mail gesendet",
        "AC_BILL_SENTBYMAIL",
        40,
        rep,
        when=sent,
        fk_soc=soc,
        fk_contact=contact,
        fk_element=invoice,
        elementtype="invoice",
        email_subject="Ihre Rechnung",
        email_msgid=f"<{fake.md5()}@verein.example.com>",
        email_from="Buchhaltung <buchhaltung@verein.example.com>",
        email_to=f"{planted.name} <{planted.email.capitalize()}>",
        note=f"Absender: buchhaltung@verein.example.com<br>Empfänger: {planted.email}<br>"
        f"Betreff: Ihre Rechnung<br>Guten Tag {planted.name}, anbei Ihre Rechnung.",
    )
    planted.add("llx_actioncomm", {"id": e_mail})
    call = w.event(
        f"Telefonat mit {planted.name}",
        "AC_TEL",
        1,
        rep,
        fk_soc=soc,
        fk_contact=contact,
        note=f"Bittet um Rückruf unter {formats['note']}, Kurs verschieben.",
        calling_duration=240,
    )
    planted.add("llx_actioncomm", {"id": call})
    meet = w.event(
        "Beratungstermin",
        "AC_RDV",
        5,
        rep,
        fk_soc=soc,
        location=f"{planted_p.street}, {planted_p.zip} {planted_p.town}",
        note="Vor Ort beim Kunden.",
    )
    planted.add("llx_actioncomm", {"id": meet})
    planted.add("llx_actioncomm_resources", w.resource(meet, "socpeople", contact))
    planted.add("llx_actioncomm_resources", w.resource(meet, "user", user))
    validated = w.event(
        f"Mitglied {member} validiert",
        "AC_MEMBER_VALIDATE",
        40,
        boss,
        fk_element=member,
        elementtype="member",
        note=f"Mitglied {planted.name} validiert",
    )
    planted.add("llx_actioncomm", {"id": validated})
    created = w.event(
        f"Benutzer {login} erstellt",
        "AC_USER_CREATE",
        40,
        rep,
        fk_element=user,
        elementtype="user",
    )
    planted.add("llx_actioncomm", {"id": created})
    db.execute("UPDATE llx_actioncomm SET ref = CAST(id AS CHAR)")

    # -- security events -------------------------------------------------------------------
    for uid in w.staff:
        for _ in range(2):
            ip = "10.0.0." + str(rng.randint(2, 250))
            w.security("USER_LOGIN", uid, f"(UserLogged,{w.logins[uid]})", ip)
    for p, uid in portal_users:
        w.security("USER_LOGIN", uid, f"(UserLogged,{_slug(p.first)})", p.ip)
    planted.add(
        "llx_events",
        w.security("USER_LOGIN", user, f"(UserLogged,{login})", planted_p.ip),
    )
    planted.add(
        "llx_events",
        w.security(
            "USER_LOGIN_FAILED",
            user,
            f"(ErrorBadLoginPassword,{login})",
            planted_p.ip,
        ),
    )
    planted.add(
        "llx_events",
        w.security(
            "USER_NEW_PASSWORD", user, f"Password change for {login}", planted_p.ip, fk_object=user
        ),
    )
    # The colleague's account changed by the admin: fk_object is a user id equal to the
    # planted contact's rowid.
    planted.trap(
        "llx_events",
        w.security(
            "USER_MODIFY",
            boss,
            f"User {colleague_p.first} modified",
            "10.0.0.2",
            fk_object=colleague,
        ),
    )
    # A failed login from the person's IP address with a login nobody has: tied by IP only.
    planted.trap(
        "llx_events",
        w.security("USER_LOGIN_FAILED", None, "(ErrorBadLoginPassword,admin)", planted_p.ip),
    )

    # -- e-mailing targets -----------------------------------------------------------------
    newsletter, members_mail, staff_mail = 1, 2, 3
    for p, psoc in customers:
        maybe_contact = private_contacts.get(psoc)
        if maybe_contact:
            w.target(newsletter, p, "contact", maybe_contact, contact=maybe_contact)
        else:
            w.target(newsletter, p, "thirdparty", psoc)
    for p, _csoc, cid in company_contacts[:4]:
        w.target(newsletter, p, "contact", cid, contact=cid)
    planted.add(
        "llx_mailing_cibles", w.target(newsletter, planted_p, "contact", contact, contact=contact)
    )
    planted.trap(
        "llx_mailing_cibles", w.target(newsletter, family[0], "thirdparty", family_socs[0])
    )
    for p, aid in members:
        w.target(members_mail, p, "member", aid)
    planted.add("llx_mailing_cibles", w.target(members_mail, planted_p, "member", member))
    for uid, p in zip(w.staff[:6], [boss_p, *staff_people], strict=True):
        w.target(
            staff_mail,
            p,
            "user",
            uid,
            email=f"{_slug(p.first)[0]}{_slug(p.last)}@verein.example.com",
        )
    planted.trap(
        "llx_mailing_cibles",
        w.target(
            staff_mail,
            colleague_p,
            "user",
            colleague,
            email=f"{_slug(colleague_p.first)[0]}{_slug(colleague_p.last)}@verein.example.com",
        ),
    )

    if len({soc, contact, user, member}) != 4:
        raise AssertionError("the person's ids must differ, or a wrong link would look right")
    # Rows of others whose polymorphic or reused id column holds one of the person's ids in
    # another key space: what a wrongly guessed link would pull in.
    ids = {soc, contact, user, member}
    for table, key_column, columns in [
        ("llx_element_contact", "rowid", ("element_id", "fk_socpeople")),
        ("llx_element_element", "rowid", ("fk_source", "fk_target")),
        ("llx_actioncomm", "id", ("fk_element",)),
        ("llx_actioncomm_resources", "rowid", ("fk_element",)),
        ("llx_mailing_cibles", "rowid", ("source_id", "fk_contact")),
        ("llx_events", "rowid", ("fk_object",)),
    ]:
        for row in db.rows(table):
            key = {key_column: row[key_column]}
            if row_ref(table, key) not in planted.own and any(row[c] in ids for c in columns):
                planted.trap(table, key)

    planted.retention = [
        {
            "name": "Rechnungen",
            "tables": [f"{SOURCE}.llx_facture"],
            "date_column": "datef",
            "years": 8,
            "basis": "§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 257 Abs. 1 Nr. 4, Abs. 4 HGB, § 14b UStG",
        },
        {
            "name": "Zahlungsbelege",
            "tables": [f"{SOURCE}.llx_paiement"],
            "date_column": "datep",
            "years": 8,
            "basis": "§ 147 Abs. 1 Nr. 4, Abs. 3 AO, § 257 Abs. 1 Nr. 4, Abs. 4 HGB",
        },
        {
            "name": "Handelsbriefe (Aufträge)",
            "tables": [f"{SOURCE}.llx_commande"],
            "date_column": "date_commande",
            "years": 6,
            "basis": "§ 147 Abs. 1 Nr. 2, 3, Abs. 3 AO, § 257 Abs. 1 Nr. 2, 3, Abs. 4 HGB",
        },
        {
            "name": "Handelsbriefe (Angebote)",
            "tables": [f"{SOURCE}.llx_propal"],
            "date_column": "datep",
            "years": 6,
            "basis": "§ 147 Abs. 1 Nr. 2, 3, Abs. 3 AO, § 257 Abs. 1 Nr. 2, 3, Abs. 4 HGB",
        },
    ]
    # Two things only Dolibarr's code knows, confirmed by the DPO after `dsr links`: an
    # element_contact row names a contact (llx_socpeople) for external roles only, a user
    # for internal ones; an agenda event of type "member" is about an llx_adherent row.
    external = sorted(code for code, _, source, *_ in CONTACT_TYPES if source == "external")
    planted.links = (
        "links:\n"
        "  - {from: dolibarr.llx_element_contact.fk_socpeople, to: dolibarr.llx_socpeople.rowid,\n"
        f"     where: {{fk_c_type_contact: {external}}}}}\n"
        "  - {from: dolibarr.llx_actioncomm.fk_element, to: dolibarr.llx_adherent.rowid,\n"
        "     where: {elementtype: [member]}}\n"
    )
    return planted
