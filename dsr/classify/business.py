"""What a table is about for the business: orders, payments, messages, usage; and staff.

The classifier names what each column holds (a name, an e-mail address, a key).
A record built from that alone shows a shop without order, contract or payment
data, though they are most of what it keeps about its customers, and never lists
its own employees as data subjects. What the business does with a person is
written in the names of its tables and columns (``oc_order``, ``llx_facture``,
``Zahlungen``, ``payment_method``, ``ticket_events``), so it is read from there,
in German, English and the French of Dolibarr.

A table adds such a category only where it holds personal data or points to a
person table: ``orders`` of nobody (a product catalogue's order of display, a
table of order states) say nothing about a person. Background online ids (IP
address, user agent, session or visitor id) are usage data wherever they sit,
except opt-in proof a mailing tool must keep (``background_identifier``).

Staff are read from three signs: a table of staff (``employees``, ``Mitarbeiter``,
``llx_user``), a column naming who worked on a row (author, agent, assignee,
editor, creator, the sales rep or contact owner of a CRM), and employment data
outside tables of customers and contacts (a customer's job title is not data
about the controller's employees).
"""

from __future__ import annotations

import re

from dsr.classify.names import words
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.taxonomy import CATEGORIES

# Word beginnings in table names, per category. A word counts when it starts with one.
_TABLE_STEMS: dict[str, tuple[str, ...]] = {
    "order": (
        "order", "bestell", "commande", "propal", "cart", "warenkorb", "contract", "contrat",
        "vertrag", "verträg", "vertraeg", "subscription", "abonnement", "booking", "buchung",
        "reservation", "reservierung", "return", "retour", "quote", "angebot", "invoice",
        "rechnung", "facture", "auftrag", "aufträg", "auftraeg",
    ),
    "payment": (
        "payment", "zahlung", "bezahl", "paiement", "transaction", "transaktion", "invoice",
        "rechnung", "facture", "refund", "erstattung", "gutschrift",
    ),
    "communication": (
        "ticket", "comment", "kommentar", "message", "nachricht", "note", "notiz", "thread",
        "chat", "conversation", "konversation", "inquir", "enquir", "anfrage", "feedback",
        "review", "bewertung", "korrespondenz", "correspondence",
    ),
    "usage": (
        "session", "sitzung", "visit", "besuch", "pageview", "tracking", "connection",
        "online", "clickstream", "analytics",
    ),
}  # fmt: skip
# Whole words in table names, where a beginning would catch too much ("ip", "mail", "logs").
_TABLE_WORDS: dict[str, frozenset[str]] = {
    "order": frozenset({"abo", "abos"}),
    "payment": frozenset({"slip", "slips"}),
    "communication": frozenset({"mail", "mails", "posts", "forum", "replies"}),
    "usage": frozenset({"ip", "logs", "log", "activity", "search", "clicks", "login"}),
}
# Words that make a table's name about settings or lookups, not about what happened.
_NOT_EVENTS = frozenset(
    {"cfg", "config", "configuration", "settings", "setting", "template", "templates", "type",
     "types", "status", "statuses", "state", "states"}
)  # fmt: skip
# Words beside which a category's word means something else: a report subscription is
# no contract, a log message or a consent text no message between people.
_NOT_THE_THING: dict[str, frozenset[str]] = {
    "order": frozenset({"report", "reports", "newsletter", "mailing"}),
    "communication": frozenset({"log", "logs", "consent", "consents"}),
}
# "log" and "logs" are usage only beside a word naming what was logged.
_LOGGED = frozenset({"visit", "action", "actions", "access", "link", "customer", "user", "login"})

# Column words (whole words, or beginnings for German compounds) per category.
_COLUMN_WORDS: dict[str, frozenset[str]] = {
    "order": frozenset(
        {"order", "orders", "commande", "contract", "contrat", "subscription", "invoice",
         "facture", "abonnement"}
    ),
    "payment": frozenset(
        {"payment", "payments", "paid", "paye", "refund", "refunds", "transaction",
         "transactions", "reglement"}
    ),
    "communication": frozenset(
        {"message", "messages", "comment", "comments", "body", "subject", "reply", "inquiry",
         "enquiry", "betreff", "anfrage", "antwort", "kommentar", "nachricht"}
    ),
}  # fmt: skip
_COLUMN_STEMS: dict[str, tuple[str, ...]] = {
    "order": ("bestell", "vertrag", "auftrag", "rechnungsnummer", "ordernumber"),
    "payment": ("zahlung", "bezahl", "paymentmethod", "paiement", "erstattung"),
    "communication": ("nachricht", "kommentar", "anfrage"),
}
# Columns holding an order's place in a list, a limit or a time since, not an order.
_SORTING = frozenset(
    {"sort", "sorting", "ordering", "display", "menu", "position", "rank", "since", "seconds",
     "min", "max", "address"}
)  # fmt: skip
# Columns saying who (a name, an address), not what was ordered, paid or written.
_WHO = frozenset({"identity", "address", "contact", "birthdate"})


def table_categories(table: TableClassification) -> tuple[str, ...]:
    """The business categories a table of personal data adds, in the taxonomy's order."""
    if not (table.personal or table.person_table):
        return ()
    found: set[str] = set(_from_table_name(table.table))
    # A person's own row holds settings (payment terms, the last order's id), not events.
    about_events = table.kind not in ("person", "company")
    parts = set(_parts(table.table))
    for column in table.columns:
        for category in _from_column(column):
            if category == "usage" or (
                about_events and not parts & _NOT_THE_THING.get(category, frozenset())
            ):
                found.add(category)
    return tuple(c for c in CATEGORIES if c in found)


def _parts(name: str) -> list[str]:
    """A table's words, both as split at separators and as taken apart where glued."""
    plain = [p for p in re.split(r"[^a-zäöüß]+", name.lower()) if p]
    return plain + [p.lower() for p in words(name) if p.lower() not in plain]


def _from_table_name(name: str) -> set[str]:
    parts = _parts(name)
    if not parts or _NOT_EVENTS & set(parts):
        return set()
    found = set()
    for category, stems in _TABLE_STEMS.items():
        if any(p.startswith(stems) for p in parts):
            found.add(category)
    for category, exact in _TABLE_WORDS.items():
        hits = set(exact & set(parts))
        if category == "usage" and hits <= {"log", "logs"} and not _LOGGED & set(parts):
            hits = set()
        if category == "usage" and "login" in hits and "customer" not in parts:
            hits -= {"login"}
        if hits:
            found.add(category)
    for category, beside in _NOT_THE_THING.items():
        if beside & set(parts):
            found.discard(category)
    if any("address" in p or "adress" in p for p in parts):
        found -= {"order", "payment"}  # "Rechnungsadressen": where to, not what was bought
    return found


def _from_column(column: ColumnClassification) -> set[str]:
    # Imported here: dsr.inventory imports the record, which imports this module.
    from dsr.inventory.findings import background_identifier

    found = set()
    if column.personal and background_identifier(column) is not None:
        found.add("usage")
    parts = [p.lower() for p in words(column.column)]
    if not parts or _SORTING & set(parts) or _WHO & set(column.categories):
        return found
    for category, exact in _COLUMN_WORDS.items():
        stems = _COLUMN_STEMS.get(category, ())
        if exact & set(parts) or any(p.startswith(stems) for p in parts):
            found.add(category)
    if "communication" in found and "free_text" not in column.categories:
        found.discard("communication")  # a subject line's flag or id, not what was written
    return found


# --- staff --------------------------------------------------------------------------------

_STAFF_TABLES = frozenset({"llx_user", "ps_employee", "oc_user"})
_STAFF_TABLE_STEMS = ("employee", "mitarbeit", "beschäftigt", "beschaeftigt", "personnel",
                      "personalakte", "personalstamm")  # fmt: skip
# Words of a column naming who worked on a row.
_WORKED_ON = frozenset(
    {"author", "autor", "assignee", "assigned", "editor", "creator", "bearbeiter",
     "sachbearbeiter", "verfasser", "employee", "mitarbeiter", "staff", "salesrep",
     "commercial", "commerciaux", "verkaeufer", "verkäufer", "createdby", "updatedby",
     "modifiedby", "editedby", "erstelltvon", "geaendertvon"}
)  # fmt: skip
_BY = frozenset({"created", "modified", "updated", "edited", "checked", "closed", "validated"})
# "owner" alone may be an account's holder; beside these words it is the sales rep.
_CRM_OWNED = frozenset({"contact", "deal", "lead", "company", "record", "hubspot"})
# Tables whose people are the business's customers or contacts, not its staff.
_PARTNER_TABLE_STEMS = (
    "customer", "kunde", "kunden", "client", "contact", "kontakt", "lead", "societe",
    "socpeople", "adherent", "member", "mitglied", "subscriber", "abonnent", "newsletter",
)  # fmt: skip


def staff_columns(tables: list[TableClassification]) -> list[str]:
    """``source.table.column`` of the columns holding data about the business's staff."""
    found: list[str] = []
    for table in tables:
        staff_table = _staff_table(table.table)
        reviews = _reviews(table.table)
        for column in table.columns:
            if not column.personal:
                continue
            worker = not reviews and _names_a_worker(column.column)
            if staff_table or worker or _employment(table, column):
                found.append(f"{table.source}.{table.table}.{column.column}")
    return found


def _staff_table(name: str) -> bool:
    """A table whose rows are the business's employees (or its back-office users)."""
    if name.lower() in _STAFF_TABLES:
        return True
    parts = _parts(name)
    if parts == ["personal"]:
        return True
    if ("agents" in parts or "staff" in parts) and "user" not in parts:
        return True
    return any(p.startswith(_STAFF_TABLE_STEMS) for p in parts)


def _names_a_worker(column: str) -> bool:
    parts = [p.lower() for p in words(column)]
    joined = "".join(parts)
    if "user" in parts and ("agent" in parts or "agents" in parts):
        return False  # the browser's user agent
    if _WORKED_ON & set(parts) or joined in _WORKED_ON:
        return True
    if any(w in joined for w in ("salesrep", "supportrep", "createdby", "updatedby")):
        return True
    if "agent" in parts or "agents" in parts:
        return True
    if "by" in parts and _BY & set(parts):
        return True
    if "rep" in parts and ({"sales", "support", "account"} & set(parts)):
        return True
    if "owner" in parts and _CRM_OWNED & set(parts):
        return True
    # Dolibarr's fk_user_author, fk_user_valid, fk_user: its users are its staff.
    return len(parts) >= 2 and parts[0] == "fk" and parts[1] == "user"


def _reviews(name: str) -> bool:
    """Reviews and ratings are written by customers: their author is no employee."""
    return any(p.startswith(("review", "bewertung", "rating")) for p in _parts(name))


def _employment(table: TableClassification, column: ColumnClassification) -> bool:
    if "employment" not in column.categories:
        return False
    return not _partners(table.table)


def _partners(name: str) -> bool:
    return any(p.startswith(_PARTNER_TABLE_STEMS) for p in _parts(name))
