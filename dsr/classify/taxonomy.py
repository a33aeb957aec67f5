"""The one taxonomy of personal-data categories, used by the classifier, the record,
the letters and the JSON documents (design.md), with the labels people read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Category = Literal[
    "identity",
    "contact",
    "address",
    "birthdate",
    "financial",
    "government_id",
    "online_id",
    "customer_id",
    "order",
    "payment",
    "communication",
    "usage",
    "employment",
    "special",
    "photo",
    "free_text",
]

# Art. 9(1) special categories, plus Art. 10 criminal data, named as findings name them.
SpecialKind = Literal[
    "health",
    "religion",
    "ethnic_origin",
    "political_opinion",
    "union_membership",
    "genetic",
    "biometric",
    "sex_life",
    "sexual_orientation",
    "criminal",
]


@dataclass(frozen=True)
class Label:
    de: str
    en: str

    def __call__(self, language: str) -> str:
        return self.de if language == "de" else self.en

    def short(self, language: str) -> str:
        """'Kontaktdaten' from 'Kontaktdaten (E-Mail, Telefon, Fax)': fits a table header or
        a list inside parentheses."""
        return self(language).split(" (")[0]


CATEGORIES: dict[str, Label] = {
    "identity": Label(
        "Identitätsdaten (Name, Anrede, Geschlecht)", "Identity (name, title, gender)"
    ),
    "contact": Label("Kontaktdaten (E-Mail, Telefon, Fax)", "Contact details (e-mail, phone, fax)"),
    "address": Label("Anschrift", "Postal address"),
    "birthdate": Label("Geburtsdatum", "Date of birth"),
    "financial": Label(
        "Bankverbindungen und Kartendaten (IBAN, BIC, Kartennummer)",
        "Bank and card details (IBAN, BIC, card number)",
    ),
    "government_id": Label("Steuer- und Ausweisnummern", "Tax and national ID numbers"),
    "online_id": Label(
        "Online-Kennungen (IP-Adresse, Gerät, Benutzername)",
        "Online identifiers (IP address, device, user name)",
    ),
    "customer_id": Label(
        "Kundennummern und interne Kennungen", "Customer numbers and internal ids"
    ),
    # The business a table is about, beside what its columns are (dsr.classify.business).
    "order": Label(
        "Bestell- und Vertragsdaten (Bestellungen, Verträge, Abonnements)",
        "Order and contract data (orders, contracts, subscriptions)",
    ),
    "payment": Label(
        "Zahlungsdaten (Zahlungsart, Zahlungen, Rechnungsbeträge)",
        "Payment data (payment method, payments, invoice amounts)",
    ),
    "communication": Label(
        "Kommunikationsinhalte (Anfragen, Nachrichten, Kommentare)",
        "Communication content (enquiries, messages, comments)",
    ),
    "usage": Label(
        "Nutzungs- und Gerätedaten (Sitzungen, IP-Adressen, Browser, Besucherkennungen)",
        "Usage and device data (sessions, IP addresses, browsers, visitor ids)",
    ),
    "employment": Label("Beschäftigungsdaten", "Employment data"),
    "special": Label(
        "Besondere Kategorien (Art. 9 DSGVO)", "Special categories (Art. 9 GDPR)"
    ),
    "photo": Label("Fotos von Personen", "Photos of people"),
    "free_text": Label(
        "Freitext (Notizen, Kommentare)", "Free text (notes, comments)"
    ),
}

SPECIAL_KINDS: dict[str, Label] = {
    "health": Label("Gesundheit", "Health"),
    "religion": Label("Religion oder Weltanschauung", "Religious or philosophical beliefs"),
    "ethnic_origin": Label("ethnische Herkunft", "Racial or ethnic origin"),
    "political_opinion": Label("politische Meinung", "Political opinions"),
    "union_membership": Label("Gewerkschaftszugehörigkeit", "Trade-union membership"),
    "genetic": Label("genetische Daten", "Genetic data"),
    "biometric": Label("biometrische Daten", "Biometric data"),
    "sex_life": Label("Sexualleben", "Sex life"),
    "sexual_orientation": Label("sexuelle Orientierung", "Sexual orientation"),
    "criminal": Label("Straftaten (Art. 10 DSGVO)", "Criminal offences (Art. 10 GDPR)"),
}


def category_label(category: str, language: str) -> str:
    return CATEGORIES[category](language)
