"""The classifier measured against columns labelled by hand (tests/cases/classifier_truth.csv).

Four datasets are built for real in tmp_path: the demo company (conftest's,
40 customers, seed 42), SaaS exports of Shopify, Stripe, Salesforce and
Intercom written as ../shared/formats.md describes them, and the Chinook and
Northwind SQLite databases (copied first). Every column of every source is
labelled in the truth file; one test guards the file against drift from the
sources, one runs ``classify_source`` and prints precision, recall and the share
of right categories, and fails below recall 0.90 (the bar of issue 5).

Labelling principles (the truth file follows them; keep it so when extending it):

- personal = the value relates to an identified or identifiable natural person in
  this table's context AND falls in a category of dsr.classify.taxonomy. The
  first category listed is the main one.
- identity: names, salutation/title of courtesy, alias, the name on a card, and
  names of staff members standing in records (support-note author, CRM owner).
- contact: e-mail, phone, mobile, fax, a phone extension of an employee.
- address: street, postcode, city, state/region and country of a person's
  address, also when copied onto an order or invoice (billing/shipping) and
  when located from an IP at city level (Intercom City/Country). A country or
  region standing alone as coarse geolocation (Mailchimp CC, REGION) is not.
- birthdate: dates of birth, also day and month only (Mailchimp Birthday).
- online_id: IP addresses, user agents, session/device ids, user names.
- customer_id: a person table's own key (customers.id, Record ID, LEID/EUID,
  cus_ ids, a user's API URL) and keys that point to a person (customer_id on
  orders, SupportRepId, EmployeeId on Orders, requester_id, author_id,
  assignee_id: agents are persons too). Keys of orders, invoices, tickets,
  addresses, sign-ups, companies and catalogue rows are not personal.
- employment: job title of an employee or of a B2B contact person, hire date,
  the manager (ReportsTo: employment|customer_id), notes about an employee.
- financial: card id, fingerprint, last four digits, expiry; card brand,
  funding, issuing country and check results describe the card product and
  are not personal. government_id: VAT and tax ids of a customer.
- photo: photos of people and paths to them (Employees.Photo, PhotoPath,
  Zendesk users.photo); a product-category picture is not.
- free_text: notes, comments, ticket bodies and subjects, remarks, signatures,
  descriptions typed about or by a person; with ``special`` too where the text
  holds special-category data (the demo's support note and Zendesk comment
  and ticket description with a planted health remark). Catalogue descriptions
  (product, category, invoice-line text) are not personal.
- NOT personal, by choice for this inventory: order/invoice/sign-up dates,
  totals, amounts and counts (transaction data, not identifiers or profile
  data); created/updated/last-seen timestamps; settings and preferences
  (language, locale, time zone); boolean flags and statuses (newsletter
  consent, delinquent, verified, role); tags and scores from the company's own
  vocabulary; company names and a company's own address, key and home page
  (B2B rows: Northwind Customers/Suppliers/Shippers, Orders' Ship* fields,
  Chinook Customer.Company); catalogue data even where it names public persons
  (Chinook Artist.Name, Track.Composer); empty containers of custom fields.
- B2B contact persons: ContactName (identity), ContactTitle (employment) and the
  phone/fax of a row that names a contact person (contact) are personal; a
  shipper's phone with no contact person is not.
- Columns empty in the sample are labelled by what the vendor's schema means
  them to hold (Zendesk alias, notes, photo; the empty Abgemeldet sheet).
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dsr.classify.taxonomy import CATEGORIES
from dsr.config.load import load_config
from dsr.config.models import Config
from dsr.connectors import open_connector
from tests.shared_data import SHARED_DATA
from tests.test_connector_saas import (
    INTERCOM_API,
    INTERCOM_DISPLAY,
    SF_CONTACT_REPORT,
    SF_FOOTER,
    SHOPIFY_CURRENT,
    STRIPE_2024,
    csv_bytes,
    write,
    zip_of,
)

TRUTH = Path(__file__).parent / "cases" / "classifier_truth.csv"
TRUTH_COLUMNS = ("dataset", "source", "table", "column", "personal", "categories", "note")
DATASETS = ("demo", "saas", "chinook", "northwind")
FROM_SHARED_DATA = ("chinook", "northwind")  # read from ../shared/data (tests/shared_data.py)
RECALL_BAR = 0.90  # the test fails below this (issue 5)
RECALL_AIM = 0.95
PRECISION_AIM = 0.90

NORTHWIND_TABLES = (
    "Categories", "CustomerCustomerDemo", "CustomerDemographics", "Customers",
    "EmployeeTerritories", "Employees", "Order Details", "Orders", "Products", "Regions",
    "Shippers", "Suppliers", "Territories",
)  # fmt: skip

Key = tuple[str, str, str, str]  # dataset, source, table, column


@dataclass(frozen=True)
class Label:
    personal: bool
    categories: tuple[str, ...]
    note: str


def load_truth(path: Path = TRUTH) -> dict[Key, Label]:
    """The truth file as labels by (dataset, source, table, column); malformed rows fail."""
    labels: dict[Key, Label] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == TRUTH_COLUMNS, reader.fieldnames
        for line, row in enumerate(reader, start=2):
            key = (row["dataset"], row["source"], row["table"], row["column"])
            assert key not in labels, f"{path.name}:{line}: {key} labelled twice"
            assert row["dataset"] in DATASETS, f"{path.name}:{line}: unknown dataset"
            assert row["personal"] in ("yes", "no"), f"{path.name}:{line}: personal is yes/no"
            categories = tuple(c for c in row["categories"].split("|") if c)
            unknown = [c for c in categories if c not in CATEGORIES]
            assert not unknown, f"{path.name}:{line}: unknown categories {unknown}"
            personal = row["personal"] == "yes"
            assert personal == bool(categories), (
                f"{path.name}:{line}: a personal column needs categories, another none"
            )
            labels[key] = Label(personal, categories, row["note"] or "")
    return labels


# -- the SaaS exports ----------------------------------------------------------------------
# Twelve invented people (reserved example domains, 0171 and +44 7700 900 test-style
# numbers), written into each vendor's export the way formats.md shows it.

PEOPLE = [
    ("Jürgen", "Müller", "Juergen.Mueller@Example.com", "+49 171 2345678",
     "Königstraße 1", "70173", "Stuttgart", "DE", "1978-05-23"),
    ("Sabine", "Hoffmann", "sabine.hoffmann@example.com", "+49 176 1122334",
     "Hauptstraße 12", "89073", "Ulm", "DE", "1962-07-19"),
    ("Lena", "Vogel", "lena.vogel@example.net", "+49 151 23456789",
     "Lindenweg 3", "10115", "Berlin", "DE", "1991-01-06"),
    ("Oliver", "Bennett", "oliver.bennett@example.org", "+44 7700 900123",
     "12 Baker Street", "NW1 6XE", "London", "GB", "1988-12-01"),
    ("Katharina", "Weiß", "katharina.weiss@example.com", "+49 170 5566778",
     "Tübinger Straße 17", "70178", "Stuttgart", "DE", "1981-09-03"),
    ("Björn", "Weißgerber", "bjoern.weissgerber@example.org", "+49 711 4455667",
     "Schwabstraße 40", "70197", "Stuttgart", "DE", "1990-03-27"),
    ("Petra", "Klein", "petra.klein@example.org", "+49 711 6543210",
     "Marienplatz 8", "80331", "München", "DE", "1969-11-30"),
    ("Thomas", "Becker", "thomas.becker@example.com", "+49 160 9876543",
     "Am Markt 5", "04109", "Leipzig", "DE", "1974-02-08"),
    ("Anna", "Schmidt", "anna.schmidt@example.net", "+49 152 28817345",
     "Gartenstraße 21", "50667", "Köln", "DE", "1985-04-12"),
    ("Mehmet", "Yılmaz", "mehmet.yilmaz@example.com", "+49 176 99887766",
     "Bahnhofstraße 2a", "60329", "Frankfurt am Main", "DE", "1983-06-15"),
    ("Claire", "Dubois", "claire.dubois@example.fr", "+33 6 12 34 56 78",
     "8 rue de la Paix", "75002", "Paris", "FR", "1979-10-22"),
    ("Hans-Peter", "Schäfer", "hp.schaefer@example.de", "0711 2233445",
     "Neckarstraße 99", "70190", "Stuttgart", "DE", "1956-08-09"),
]  # fmt: skip


def _people() -> Iterator[tuple[int, dict[str, str]]]:
    keys = ("first", "last", "email", "phone", "street", "zip", "city", "country", "born")
    for i, person in enumerate(PEOPLE):
        yield i, dict(zip(keys, person, strict=True))


def shopify_export(folder: Path) -> Path:
    notes = {0: "Ruft gern an.\nBitte nur vormittags.", 4: "Lieferung an Nachbarin erlaubt."}
    rows = []
    for i, p in _people():
        rows.append({
            "Customer ID": f"'70225512345{i:02d}", "First Name": p["first"],
            "Last Name": p["last"], "Email": p["email"].lower(),
            "Accepts Email Marketing": "yes" if i % 3 else "no",
            "Default Address Company": "Beispiel AG" if i == 7 else "",
            "Default Address Address1": p["street"],
            "Default Address Address2": "Hinterhaus" if i == 2 else "",
            "Default Address City": p["city"],
            "Default Address Province Code": "BW" if p["city"] == "Stuttgart" else "",
            "Default Address Country Code": p["country"], "Default Address Zip": p["zip"],
            "Default Address Phone": f"'{p['phone']}" if i % 2 else "",
            "Phone": f"'{p['phone'].replace(' ', '')}" if i % 4 != 3 else "",
            "Accepts SMS Marketing": "no", "Total Spent": f"{i * 17.5:.2f}",
            "Total Orders": str(i % 5), "Note": notes.get(i, ""), "Tax Exempt": "no",
            "Tags": "vip, kochkurs" if i % 4 == 0 else "", "Accepts WhatsApp Marketing": "no",
            "Geburtstag (customer.metafields.facts.birth_date)": p["born"] if i % 2 == 0 else "",
        })  # fmt: skip
    return write(folder / "customers_export.csv", csv_bytes(SHOPIFY_CURRENT, rows))


def stripe_export(folder: Path) -> Path:
    rows = []
    for i, p in _people():
        guest = i in (3, 9)
        card = i % 3 != 2
        rows.append({
            "id": "" if guest else f"cus_Ob4nJ7IIclb{i:03d}",
            "Description": f"{p['first']} {p['last']} (Shop)" if i % 2 else "",
            "Email": p["email"], "Name": f"{p['first']} {p['last']}",
            "Created (UTC)": f"2023-09-{i + 1:02d} 10:{i:02d}", "Delinquent": "false",
            "Card ID": f"card_1NxQ2bLk{i:06d}" if card else "",
            "Card Name": f"{p['first'][0]}. {p['last']}" if card else "",
            "Card Address Line1": p["street"] if card else "",
            "Card Address Line2": "",
            "Card Address City": p["city"] if card else "",
            "Card Address State": "BW" if card and p["city"] == "Stuttgart" else "",
            "Card Address Country": p["country"] if card else "",
            "Card Address Zip": p["zip"] if card else "",
            "Card AVS Line1 Status": "pass" if card else "",
            "Card AVS Zip Status": "pass" if card else "",
            "Card Brand": ("Visa", "MasterCard")[i % 2] if card else "",
            "Card CVC Status": "pass" if card else "",
            "Card Exp Month": str(i % 12 + 1) if card else "",
            "Card Exp Year": str(2027 + i % 3) if card else "",
            "Card Fingerprint": f"SXh7o77nYQ0xJa{i:02d}" if card else "",
            "Card Funding": "credit" if card else "",
            "Card Issue Country": p["country"] if card else "",
            "Card Last4": f"{4242 + i * 7:04d}" if card else "",
            "Card Tokenization Method": "", "Plan": "", "Status": "",
            "Cancel At Period End": "false", "Account Balance": "0.00", "Currency": "eur",
            "Total Spend": f"{i * 40:.2f}", "Payment Count": str(i % 4),
            "Average Order": f"{i * 10:.2f}", "Refunded Volume": "0.00",
            "Dispute Losses": "0.00",
            "Business Vat ID": "DE136695976" if i == 7 else "",
            "Tax Location Recognized": "true",
            "shop_customer_id (metadata)": f"K-1001{i:02d}" if not guest else "",
        })  # fmt: skip
    return write(folder / "unified_customers.csv", csv_bytes(STRIPE_2024, rows))


SF_LEAD_REPORT = (
    "Lead Owner", "First Name", "Last Name", "Title", "Company / Account", "Email", "Phone",
    "Mobile", "Lead Source", "Lead Status", "Street", "City", "Zip/Postal Code", "Country",
    "Create Date", "Lead ID",
)  # fmt: skip


def salesforce_reports(folder: Path) -> Path:
    """A contacts report and a leads report, every value quoted, with the footer."""
    titles = ("Einkaufsleiterin", "Geschäftsführer", "Buyer", "Office Manager")
    contacts, leads = [], []
    for i, p in _people():
        common = {
            "First Name": p["first"], "Last Name": p["last"], "Title": titles[i % 4],
            "Email": p["email"], "Phone": p["phone"] if i % 2 else "",
            "Mobile": p["phone"] if i % 2 == 0 else "",
        }  # fmt: skip
        if i < 8:
            contacts.append({
                **common, "Contact Owner": ("Tobias Keller", "Nina Brandt")[i % 2],
                "Salutation": ("Mr.", "Ms.")[i % 2], "Account Name": f"Firma {p['last']} GmbH",
                "Mailing Street": p["street"], "Mailing City": p["city"],
                "Mailing Zip/Postal Code": p["zip"], "Mailing Country": p["country"],
                "Created Date": f"0{i + 1}.06.2019", "Contact ID": f"0035g00000AbC{i:02d}",
            })  # fmt: skip
        else:
            leads.append({
                **common, "Lead Owner": "Tobias Keller", "Company / Account": "Privat",
                "Lead Source": "Web", "Lead Status": "Open", "Street": p["street"],
                "City": p["city"], "Zip/Postal Code": p["zip"], "Country": p["country"],
                "Create Date": f"1{i - 8}.03.2024", "Lead ID": f"00Q5g00000XyZ{i:02d}",
            })  # fmt: skip
    body = csv_bytes(SF_CONTACT_REPORT, contacts, quote_all=True).decode("utf-8")
    write(folder / "report1754380800000.csv", body + SF_FOOTER)
    body = csv_bytes(SF_LEAD_REPORT, leads, quote_all=True).decode("utf-8")
    write(folder / "report1754380899999.csv", body + SF_FOOTER)
    return folder


SF_API_CONTACT = (
    "Id", "AccountId", "Salutation", "FirstName", "LastName", "Title", "Email", "Phone",
    "MobilePhone", "MailingStreet", "MailingPostalCode", "MailingCity", "MailingCountry",
    "Birthdate", "Description", "CreatedDate",
)  # fmt: skip
SF_API_LEAD = (
    "Id", "FirstName", "LastName", "Company", "Email", "Phone", "Street", "PostalCode", "City",
    "Country", "LeadSource", "Status", "IsConverted", "ConvertedContactId", "CreatedDate",
)  # fmt: skip
SF_API_ACCOUNT = ("Id", "Name", "Phone", "BillingStreet", "BillingCity", "Website")


def salesforce_data_export(folder: Path) -> Path:
    """The weekly Data Export Service ZIP: one CSV per object, headed by API names."""
    accounts = [
        (f"0015g00000QwE{i:02d}AAA", f"Firma {i} GmbH", f"+49 711 0000{i:02d}",
         f"Industriestraße {i}", "Stuttgart", "https://www.example.com")
        for i in range(4)
    ]  # fmt: skip
    contacts, leads = [], []
    for i, p in _people():
        if i % 3 != 2:
            contacts.append((
                f"0035g00000AbC{i:02d}AAA", accounts[i % 4][0], ("Herr", "Frau")[i % 2],
                p["first"], p["last"], "Einkauf", p["email"], p["phone"] if i % 2 else "",
                p["phone"] if i % 2 == 0 else "", p["street"], p["zip"], p["city"],
                p["country"], p["born"] if i % 4 == 0 else "",
                "Rückruf erbeten, bevorzugt abends." if i == 1 else "",
                f"2020-0{i % 9 + 1}-01T10:00:00.000Z",
            ))  # fmt: skip
        else:
            leads.append((
                f"00Q5g00000XyZ{i:02d}AAA", p["first"], p["last"], "Privat", p["email"],
                p["phone"], p["street"], p["zip"], p["city"], p["country"], "Web",
                "Open", "false", "", "2024-03-01T09:00:00.000Z",
            ))  # fmt: skip
    return zip_of(
        folder / "WE_00D5g000000abcd_1.zip",
        {
            "Contact.csv": csv_bytes(SF_API_CONTACT, contacts),
            "Lead.csv": csv_bytes(SF_API_LEAD, leads),
            "Account.csv": csv_bytes(SF_API_ACCOUNT, accounts),
        },
    )


def intercom_exports(folder: Path) -> tuple[Path, Path]:
    """The same people in Intercom's display spelling and in the API spelling."""
    display, api = [], []
    for i, p in _people():
        name = f"{p['first']} {p['last']}"
        phone = p["phone"] if i % 3 else ""
        user_id = f"K-1001{i:02d}" if i % 4 else ""
        display.append({
            "Name": name, "Email": p["email"], "Phone": phone, "User ID": user_id,
            "Signed up": f"2024-05-{i + 1:02d} 16:08", "First seen": f"2024-05-{i + 1:02d} 16:08",
            "Last seen": "2026-10-01 09:30", "Last contacted": "2026-09-01 12:00" if i % 2 else "",
            "Last heard from": "2026-09-02 08:00" if i % 2 else "", "Web sessions": str(3 + i),
            "City": p["city"], "Country": {"DE": "Germany", "GB": "United Kingdom",
                                           "FR": "France"}[p["country"]],
            "Browser language": "de" if p["country"] == "DE" else "en",
            "Unsubscribed from emails": "false", "Tag(s)": "vip" if i % 5 == 0 else "",
            "Company name": "Beispiel AG" if i == 7 else "",
            "Lieblingsprodukt": ("Bio-Müsli", "Wasserkocher", "Olivenöl")[i % 3],
        })  # fmt: skip
        api.append({
            "id": f"65f0a1b2c3d4e5f6a7b8c9{i:02d}", "external_id": user_id, "email": p["email"],
            "phone": phone, "name": name, "role": "user" if i % 4 else "lead",
            "created_at": str(1717171717 + i * 86400), "signed_up_at": str(1717171717 + i * 86400),
            "last_seen_at": str(1759300000 + i * 3600), "unsubscribed_from_emails": "false",
            "location.city": p["city"], "location.country": p["country"],
        })  # fmt: skip
    return (
        write(folder / "display" / "users.csv", csv_bytes(INTERCOM_DISPLAY, display)),
        write(folder / "api" / "contacts.csv", csv_bytes(INTERCOM_API, api)),
    )


def saas_config(folder: Path) -> Path:
    shopify = shopify_export(folder / "shopify")
    stripe = stripe_export(folder / "stripe")
    reports = salesforce_reports(folder / "salesforce")
    export = salesforce_data_export(folder / "salesforce-export")
    display, api = intercom_exports(folder / "intercom")
    sources = {
        "shopify": ("shopify", shopify), "stripe": ("stripe", stripe),
        "salesforce": ("salesforce", reports), "salesforce_export": ("salesforce", export),
        "intercom": ("intercom", display), "intercom_api": ("intercom", api),
    }  # fmt: skip
    lines = [
        f"  {n}: {{type: {t}, path: '{p.relative_to(folder)}'}}" for n, (t, p) in sources.items()
    ]
    return _config(folder, lines)


# -- the databases and the demo ------------------------------------------------------------


def _config(folder: Path, source_lines: list[str]) -> Path:
    path = folder / "dsr.yaml"
    path.write_text(
        "controller: {name: Beispiel GmbH}\nsources:\n" + "\n".join(source_lines) + "\n"
    )
    return path


def chinook_config(folder: Path) -> Path:
    shutil.copy(SHARED_DATA / "chinook" / "chinook.sqlite", folder / "chinook.sqlite")
    return _config(folder, ["  chinook: {type: sql, url: 'sqlite:///chinook.sqlite'}"])


def northwind_config(folder: Path) -> Path:
    shutil.copy(SHARED_DATA / "northwind" / "northwind.sqlite", folder / "northwind.sqlite")
    include = ", ".join(f"'{t}'" for t in NORTHWIND_TABLES)  # the tables, not the views
    return _config(
        folder,
        [f"  northwind: {{type: sql, url: 'sqlite:///northwind.sqlite', include: [{include}]}}"],
    )


BUILDERS = {
    "saas": saas_config,
    "chinook": chinook_config,
    "northwind": northwind_config,
}


class _BuiltOnFirstUse(dict[str, Config]):
    """Datasets built when a test first asks for one, then kept for the module."""

    def __init__(self, build: Callable[[str], Config]) -> None:
        super().__init__()
        self._build = build

    def __missing__(self, dataset: str) -> Config:
        config = self[dataset] = self._build(dataset)
        return config


@pytest.fixture(scope="module")
def configs(tmp_path_factory: pytest.TempPathFactory, module_demo: Path) -> dict[str, Config]:
    """Every dataset as the loaded dsr.yaml describing it, built once for this module.

    Each is built on first use, so the tests of the demo and the SaaS exports run
    where ../shared/data (Chinook, Northwind) is not.
    """

    def build(dataset: str) -> Config:
        if dataset == "demo":
            return load_config(module_demo / "dsr.yaml")
        return load_config(BUILDERS[dataset](tmp_path_factory.mktemp(f"truth-{dataset}")))

    return _BuiltOnFirstUse(build)


def source_columns(config: Config, dataset: str) -> set[Key]:
    """Every column every source of the dataset reports, as truth-file keys."""
    found: set[Key] = set()
    for name, source in config.sources.items():
        connector = open_connector(source)
        try:
            for table in connector.tables():
                found |= {(dataset, name, table.name, c.name) for c in table.columns}
        finally:
            connector.close()
    return found


# -- the truth file itself -----------------------------------------------------------------


def test_truth_file_is_well_formed() -> None:
    labels = load_truth()
    assert {k[0] for k in labels} == set(DATASETS)
    for dataset in DATASETS:
        personal = [lab for k, lab in labels.items() if k[0] == dataset and lab.personal]
        assert personal, f"{dataset}: no personal column labelled"


@pytest.mark.parametrize(
    "dataset",
    [pytest.param(d, marks=pytest.mark.shared_data) if d in FROM_SHARED_DATA else d
     for d in DATASETS],
)  # fmt: skip
def test_every_source_column_is_labelled_and_every_label_exists(
    configs: dict[str, Config], dataset: str
) -> None:
    """Guards the truth file against drift: a renamed or new column must be labelled again."""
    labelled = {k for k in load_truth() if k[0] == dataset}
    found = source_columns(configs[dataset], dataset)
    assert not found - labelled, f"columns without a label: {sorted(found - labelled)}"
    assert not labelled - found, f"labels of columns not in the sources: {sorted(labelled - found)}"


# -- the classifier against it -------------------------------------------------------------


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    personal: int = 0  # labelled personal
    exact: int = 0  # of those: predicted categories == labelled categories
    main: int = 0  # of those: the main labelled category among the predicted
    review: int = 0  # columns sent to review
    review_personal: int = 0  # of those: labelled personal

    def add(self, label: Label, predicted: Any) -> None:
        said = bool(predicted.personal or predicted.review)
        categories = set(predicted.categories) if said else set()
        if predicted.review:
            self.review += 1
            self.review_personal += label.personal
        if label.personal:
            self.personal += 1
            self.tp += said
            self.fn += not said
            self.exact += categories == set(label.categories)
            self.main += label.categories[0] in categories
        else:
            self.fp += said
            self.tn += not said

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def line(self, name: str) -> str:
        share = lambda n: n / self.personal if self.personal else 1.0  # noqa: E731
        return (
            f"{name:<10} columns {self.tp + self.fp + self.fn + self.tn:>4}  "
            f"personal {self.personal:>3}  precision {self.precision:.3f}  "
            f"recall {self.recall:.3f} (missed {self.fn}, false {self.fp})  "
            f"categories exact {share(self.exact):.3f}  "
            f"main {share(self.main):.3f}  review {self.review} ({self.review_personal} personal)"
        )


def _classify(config: Config, dataset: str) -> dict[Key, Any]:
    from dsr.classify.classifier import classify_source

    out: dict[Key, Any] = {}
    for name, source in config.sources.items():
        connector = open_connector(source)
        try:
            for table in classify_source(source, connector):
                for column in table.columns:
                    out[(dataset, name, table.table, column.column)] = column
        finally:
            connector.close()
    return out


def _mistake(key: Key, label: Label, predicted: Any) -> tuple[int, str] | None:
    """A misclassified column as (severity, line); None when right. Missed personal ranks worst."""
    said = bool(predicted.personal or predicted.review)
    shown = "|".join(predicted.categories) or "-"
    where = f"{key[0]}/{key[1]}/{key[2]}.{key[3]}"
    want = "|".join(label.categories) or "-"
    review = " (review)" if predicted.review else ""
    if label.personal and not said:
        return 0, f"MISSED    {where}: labelled {want}, said not personal{review}"
    if not label.personal and said:
        return 1, f"FALSE +   {where}: said {shown}{review}, labelled not personal"
    if label.personal and set(predicted.categories) != set(label.categories):
        rank = 2 if label.categories[0] not in predicted.categories else 3
        return rank, f"CATEGORY  {where}: said {shown}{review}, labelled {want}"
    return None


@pytest.mark.shared_data
def test_classifier_reaches_the_bar_on_the_labelled_columns(
    configs: dict[str, Config], capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("dsr.classify.classifier", reason="the classifier is not written yet")
    labels = load_truth()
    total = Scores()
    per_dataset: dict[str, Scores] = {}
    mistakes: list[tuple[int, str]] = []
    unlabelled: list[Key] = []
    unclassified: list[Key] = []
    for dataset in DATASETS:
        predicted = _classify(configs[dataset], dataset)
        wanted = {k: lab for k, lab in labels.items() if k[0] == dataset}
        unlabelled += sorted(set(predicted) - set(wanted))
        unclassified += sorted(set(wanted) - set(predicted))
        scores = per_dataset[dataset] = Scores()
        for key, label in wanted.items():
            if key not in predicted:
                continue
            scores.add(label, predicted[key])
            total.add(label, predicted[key])
            mistake = _mistake(key, label, predicted[key])
            if mistake:
                mistakes.append(mistake)
    mistakes.sort()
    report = [
        "",
        "== classifier against the hand-labelled truth (tests/cases/classifier_truth.csv) ==",
        f"aim: recall >= {RECALL_AIM}, precision >= {PRECISION_AIM}; fails below recall "
        f"{RECALL_BAR}",
        *(per_dataset[d].line(d) for d in DATASETS),
        total.line("overall"),
        f"misclassified columns: {len(mistakes)} (worst first)",
        *(f"  {line}" for _, line in mistakes[:60]),
    ]
    if len(mistakes) > 60:
        report.append(f"  ... and {len(mistakes) - 60} more")
    with capsys.disabled():
        print("\n".join(report))
    assert not unclassified, f"labelled columns the classifier did not return: {unclassified}"
    assert not unlabelled, f"classified columns without a label: {unlabelled}"
    assert total.recall >= RECALL_BAR, f"recall {total.recall:.3f} is below {RECALL_BAR}"
