"""Names the deadline explanation needs, in German and English.

Kept as data, apart from the engine, because the explanation is shown to a DPO
and sometimes to a supervisory authority: dates must read the way people write
them ("Do., 5. März 2026", "Thu 5 March 2026"), whatever locale the machine runs
with, and the Länder must carry their proper names in both languages.
"""

from __future__ import annotations

from datetime import date

from dsr.config.texts import LANGUAGES

# The holidays package's name for each of our languages.
HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US"}

WEEKDAYS = {
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}

WEEKDAY_NAMES = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}

MONTHS = {
    "de": (
        "Januar", "Februar", "März", "April", "Mai", "Juni",
        "Juli", "August", "September", "Oktober", "November", "Dezember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip

# The 16 Länder under their ISO 3166-2 codes (as the holidays package uses them),
# plus the one municipality the package knows (Augsburg, 8 August).
GERMAN_STATES: dict[str, tuple[str, str]] = {
    "BB": ("Brandenburg", "Brandenburg"),
    "BE": ("Berlin", "Berlin"),
    "BW": ("Baden-Württemberg", "Baden-Württemberg"),
    "BY": ("Bayern", "Bavaria"),
    "HB": ("Bremen", "Bremen"),
    "HE": ("Hessen", "Hesse"),
    "HH": ("Hamburg", "Hamburg"),
    "MV": ("Mecklenburg-Vorpommern", "Mecklenburg-Western Pomerania"),
    "NI": ("Niedersachsen", "Lower Saxony"),
    "NW": ("Nordrhein-Westfalen", "North Rhine-Westphalia"),
    "RP": ("Rheinland-Pfalz", "Rhineland-Palatinate"),
    "SH": ("Schleswig-Holstein", "Schleswig-Holstein"),
    "SL": ("Saarland", "Saarland"),
    "SN": ("Sachsen", "Saxony"),
    "ST": ("Sachsen-Anhalt", "Saxony-Anhalt"),
    "TH": ("Thüringen", "Thuringia"),
    "AUGSBURG": ("Augsburg", "Augsburg"),
}

COUNTRIES: dict[str, tuple[str, str]] = {
    "DE": ("Deutschland", "Germany"),
    "AT": ("Österreich", "Austria"),
    "CH": ("der Schweiz", "Switzerland"),
}

# Sundays people know by name. They never change a due date (a Sunday is never a
# working day), but "Easter Sunday" explains a date better than "a Sunday".
NAMED_SUNDAYS = {
    0: ("Ostersonntag", "Easter Sunday"),
    49: ("Pfingstsonntag", "Whit Sunday"),
}


def check_language(language: str) -> str:
    """The language code, or ValueError: a typo must not silently give German."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language '{language}'; use one of {', '.join(LANGUAGES)}")
    return language


DATE_STYLES: dict[str, dict[str, str]] = {
    "long": {"de": "d. MMMM y", "en": "d MMMM y"},  # 7. Dezember 2026 / 7 December 2026
    "day": {"de": "EEE, d. MMMM y", "en": "EEE d MMMM y"},  # Mo., 7. Dezember 2026 / Mon 7 …
    "short": {"de": "d.M.y", "en": "d MMM y"},  # 7.12.2026 / 7 Dec 2026
    "month": {"de": "MMM y", "en": "MMM y"},  # Dez. 2026 / Dec 2026
    "month_name": {"de": "MMM", "en": "MMM"},  # Dez. / Dec
}
"""Babel (CLDR) patterns for the ways a document writes a date. Fixed patterns rather
than the locale's "long" format: English letters write the day first, as in Europe."""


def format_date(day: date, language: str, style: str = "long") -> str:
    """``day`` written the way ``style`` (a key of DATE_STYLES) says, in ``language``."""
    from babel.dates import format_date as babel_format_date

    pattern = DATE_STYLES[style][check_language(language)]
    return str(babel_format_date(day, pattern, locale=language))


def format_day(day: date, language: str) -> str:
    """'Do., 5. März 2026' or 'Thu 5 March 2026'."""
    return format_date(day, language, "day")


def long_date(day: date, language: str) -> str:
    """'7. April 2026' or '7 April 2026': a date as a letter writes it."""
    return format_date(day, language, "long")


def region_name(country: str, subdivision: str | None, language: str) -> str:
    """The name of the place whose holidays count, for 'a public holiday in …'."""
    index = LANGUAGES.index(check_language(language))
    if country == "DE" and subdivision and subdivision.upper() in GERMAN_STATES:
        return GERMAN_STATES[subdivision.upper()][index]
    place = COUNTRIES[country][index] if country in COUNTRIES else country
    return f"{place} ({subdivision})" if subdivision else place


def named_sunday(day: date, easter_sunday: date, language: str) -> str | None:
    """'Ostersonntag' / 'Whit Sunday' when the day is one, else None."""
    names = NAMED_SUNDAYS.get((day - easter_sunday).days)
    if names is None:
        return None
    return names[LANGUAGES.index(check_language(language))]
