"""What the inventory found that needs a person's action, in plain words.

Each finding is ``{"kind", "source", "table", "column", "detail"}`` plus keys of
its own kind (counts, field names, the special-category kinds). A detail says
what was found and what to do; it never quotes a personal value, only counts
and field names, because the record is read by more people than the data.

Kinds, in the order a DPO should look at them: ``special_category``,
``third_country``, ``no_legal_basis``, ``no_purpose``, ``divergence``,
``duplicates``, ``minimisation``, ``free_text``, ``review``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Any

from dsr.classify.names import words
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS, Label
from dsr.config.gaps import EEA
from dsr.inventory.people import PEOPLE_SAMPLE, PersonRecord, phone_key
from dsr.inventory.scan import SourceScan

Finding = dict[str, Any]

KINDS = (
    "special_category",
    "third_country",
    "no_legal_basis",
    "no_purpose",
    "divergence",
    "duplicates",
    "minimisation",
    "free_text",
    "review",
)

# Online identifiers that software collects in the background; user names and
# password hashes are online ids too, but a login needs them.
_BACKGROUND_IDS: dict[str, tuple[str, ...]] = {
    "ip": ("ip", "ipaddress", "ipadresse", "ipv4", "ipv6", "remoteaddr", "remoteip", "clientip"),
    "user_agent": ("useragent", "ua", "browser", "agentstring"),
    "device": ("device", "deviceid", "geraet", "gerät", "fingerprint", "mac", "idfa", "gaid"),
    "session": ("session", "sessionid", "sitzung", "cookie", "cookieid", "visitor", "visitorid"),
}
# Mailing tools keep the opt-in IP and time as proof of consent (Art. 7(1)): not surplus.
_CONSENT_PROOF = ("optin", "confirm", "consent", "einwilligung", "doi", "bestaetigung")

_WHAT: dict[str, Label] = {
    "ip": Label("IP-Adressen", "IP addresses"),
    "user_agent": Label("Browser-Kennungen (User-Agent)", "browser user agents"),
    "device": Label("Gerätekennungen", "device identifiers"),
    "session": Label("Sitzungs- oder Cookie-Kennungen", "session or cookie identifiers"),
}

FIELD_LABELS: dict[str, Label] = {
    "name": Label("Name", "name"),
    "name_spelling": Label("Schreibweise des Namens", "spelling of the name"),
    "phone": Label("Telefonnummer", "phone number"),
    "birthdate": Label("Geburtsdatum", "date of birth"),
}


def find_findings(config: Any, scans: list[SourceScan], language: str) -> list[Finding]:
    """Every finding of the scan, ordered by kind (as in KINDS), then source, table, column."""
    found: list[Finding] = []
    ok = [s for s in scans if s.ok]
    for scan in ok:
        for table in scan.tables:
            for column in table.columns:
                found.extend(_column_findings(table, column, language))
    for scan in scans:
        found.extend(_source_findings(scan, language))
    found.extend(divergences(ok, language))
    for scan in ok:
        found.extend(duplicates(scan, language))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda f: order[f["kind"]])


def _finding(kind: str, source: str, table: str | None, column: str | None, detail: str,
             **extra: Any) -> Finding:
    return {"kind": kind, "source": source, "table": table, "column": column, "detail": detail,
            **extra}


def _t(language: str, de: str, en: str) -> str:
    return de if language == "de" else en


# --- per column ------------------------------------------------------------------------------


def _column_findings(
    table: TableClassification, column: ColumnClassification, language: str
) -> list[Finding]:
    found: list[Finding] = []
    where = (column.source, column.table, column.column)
    if column.personal and (column.special or "special" in column.categories):
        kinds = [k for k in column.special if k in SPECIAL_KINDS]
        named = ", ".join(SPECIAL_KINDS[k](language) for k in kinds) or _t(
            language, "nicht näher bestimmt", "kind not determined"
        )
        detail = _t(
            language,
            f"Besondere Kategorien personenbezogener Daten (Art. 9 DS-GVO): {named}. "
            "Prüfen, ob eine Ausnahme nach Art. 9 Abs. 2 DS-GVO greift; sonst diese Daten "
            "löschen und künftig nicht mehr erfassen. Eine Datenschutz-Folgenabschätzung kann "
            "nötig sein (Art. 35 DS-GVO): Pflicht bei umfangreicher Verarbeitung, sonst eine "
            "Schwellwertanalyse durchführen und dokumentieren.",
            f"Special categories of personal data (Art. 9 GDPR): {named}. Check whether an "
            "Art. 9(2) GDPR exception applies; otherwise delete these data and stop collecting "
            "them. A data-protection impact assessment may be needed (Art. 35 GDPR): mandatory "
            "for large-scale processing, otherwise screen for it and document the result.",
        )
        found.append(_finding("special_category", *where, detail, special=kinds, dpia=True))
    background = background_identifier(column)
    if column.personal and background:
        what = _WHAT[background](language)
        detail = _t(
            language,
            f"Speichert {what}. Prüfen, ob sie für den Zweck nötig sind (Datenminimierung, "
            "Art. 5 Abs. 1 lit. c DS-GVO); wenn ja, eine kurze Löschfrist festlegen, "
            "wenn nein, nicht mehr speichern.",
            f"Stores {what}. Check whether the purpose needs them (data minimisation, "
            "Art. 5(1)(c) GDPR); if so, set a short erasure period, if not, stop storing them.",
        )
        found.append(_finding("minimisation", *where, detail, identifier=background))
    if column.personal and "free_text" in column.categories:
        others = [c for c in column.categories if c not in ("free_text",) and c in CATEGORIES]
        holds = ", ".join(CATEGORIES[c](language) for c in others)
        seen = _t(language, f" Gefunden: {holds}.", f" Found: {holds}.") if holds else ""
        detail = _t(
            language,
            "Freitextfeld mit personenbezogenen Daten: Notizen und Kommentare können alles "
            f"enthalten, auch Daten Dritter und besondere Kategorien.{seen} Regeln, was "
            "hineingeschrieben wird, eine Löschfrist festlegen und das Feld bei Auskunft und "
            "Löschung mit durchsuchen.",
            "Free-text field with personal data: notes and comments can hold anything, also "
            f"data of other people and special categories.{seen} Set rules for what staff "
            "write there, set an erasure period, and search the field for access and erasure "
            "requests.",
        )
        found.append(_finding("free_text", *where, detail, categories=others))
    if column.review and not column.confirmed:
        suggested = list(column.categories) if column.personal else []
        key = f"sources.{column.source}.columns"
        detail = _t(
            language,
            "Unsicher, ob und welche personenbezogenen Daten diese Spalte enthält. Bitte "
            f"prüfen und in dsr.yaml unter {key} eintragen: "
            f"\"{column.table}.{column.column}\": [Kategorien], oder [] für keine.",
            "Unsure whether and which personal data this column holds. Please check and "
            f"confirm it in dsr.yaml under {key}: \"{column.table}.{column.column}\": "
            "[categories], or [] for none.",
        )
        found.append(_finding("review", *where, detail, suggested=suggested))
    return found


def background_identifier(column: ColumnClassification) -> str | None:
    """``ip``, ``user_agent``, ``device`` or ``session`` for online ids collected in the
    background; None for other columns and for opt-in proof a mailing tool must keep."""
    if "online_id" not in column.categories:
        return None
    parts = words(column.column)
    joined = "".join(parts)
    if any(p.startswith(_CONSENT_PROOF) for p in parts) or joined.startswith(_CONSENT_PROOF):
        return None
    for kind, hints in _BACKGROUND_IDS.items():
        if any(p in hints for p in parts) or any(joined.endswith(h) for h in hints if len(h) > 3):
            return kind
    if ("user" in parts and "agent" in parts) or "useragent" in joined:
        return "user_agent"
    evidence = " ".join(column.evidence).lower()
    if "user agent" in evidence or "user-agent" in evidence:
        return "user_agent"
    if "ipv4" in evidence or "ipv6" in evidence or "ip address" in evidence:
        return "ip"
    return None


# --- per source ------------------------------------------------------------------------------


def _source_findings(scan: SourceScan, language: str) -> list[Finding]:
    source = scan.source
    found: list[Finding] = []
    processor = source.processor
    if processor is not None and processor.country not in EEA and not processor.safeguards:
        key = f"sources.{source.name}.processor.safeguards"
        detail = _t(
            language,
            f"Auftragsverarbeiter „{processor.name}“ sitzt in {processor.country}, außerhalb "
            "des EWR, und es sind keine Garantien genannt. Geeignete Garantien dokumentieren "
            "(Art. 46 DS-GVO, z. B. Standardvertragsklauseln) oder die Zertifizierung unter "
            "einem Angemessenheitsbeschluss (Art. 45, z. B. EU-US Data Privacy Framework), "
            f"und in dsr.yaml unter {key} eintragen.",
            f"Processor \"{processor.name}\" is in {processor.country}, outside the EEA, and "
            "no safeguards are named. Document appropriate safeguards (Art. 46 GDPR, e.g. "
            "standard contractual clauses) or the certification under an adequacy decision "
            "(Art. 45, e.g. the EU-US Data Privacy Framework), and enter them in dsr.yaml "
            f"under {key}.",
        )
        found.append(
            _finding("third_country", source.name, None, None, detail,
                     processor=processor.name, country=processor.country)
        )
    if scan.ok and scan.personal:
        if not source.legal_basis:
            detail = _t(
                language,
                "Die Quelle enthält personenbezogene Daten, aber keine Rechtsgrundlage ist "
                f"angegeben (Art. 6 DS-GVO). In dsr.yaml ergänzen: sources.{source.name}."
                "legal_basis.",
                "The source holds personal data but no legal basis is configured "
                f"(Art. 6 GDPR). Add it in dsr.yaml: sources.{source.name}.legal_basis.",
            )
            found.append(_finding("no_legal_basis", source.name, None, None, detail))
        if not source.purpose:
            detail = _t(
                language,
                "Die Quelle enthält personenbezogene Daten, aber kein Zweck ist angegeben "
                f"(Art. 5 Abs. 1 lit. b, Art. 30 Abs. 1 lit. b DS-GVO). In dsr.yaml ergänzen: "
                f"sources.{source.name}.purpose.",
                "The source holds personal data but no purpose is configured (Art. 5(1)(b), "
                f"Art. 30(1)(b) GDPR). Add it in dsr.yaml: sources.{source.name}.purpose.",
            )
            found.append(_finding("no_purpose", source.name, None, None, detail))
    return found


# --- accuracy: the same person twice, or differently in two sources -------------------------


def divergences(scans: list[SourceScan], language: str) -> list[Finding]:
    """Per pair of sources: people matched by normalised e-mail whose other values differ."""
    found: list[Finding] = []
    by_email = {s.source.name: _by_email(s.people) for s in scans}
    truncated = {s.source.name: s.people_truncated for s in scans}
    names = [s.source.name for s in scans if by_email[s.source.name]]
    for first, second in combinations(names, 2):
        a, b = by_email[first], by_email[second]
        matched = sorted(set(a) & set(b))
        if not matched:
            continue
        fields: Counter[str] = Counter()
        differing = 0
        for email in matched:
            diffs = compare(a[email], b[email])
            fields.update(diffs)
            differing += bool(diffs)
        if not differing:
            continue
        listed = ", ".join(
            f"{FIELD_LABELS[f](language)} {n}" for f, n in sorted(fields.items())
        )
        partial = ""
        if truncated[first] or truncated[second]:
            partial = _t(
                language,
                f" Verglichen wurden höchstens {PEOPLE_SAMPLE:,} Zeilen je Tabelle.".replace(
                    f"{PEOPLE_SAMPLE:,}", f"{PEOPLE_SAMPLE:,}".replace(",", ".")
                ),
                f" At most {PEOPLE_SAMPLE:,} rows per table were compared.",
            )
        detail = _t(
            language,
            f"{len(matched)} Personen stehen in „{first}“ und „{second}“ (gleiche E-Mail-Adresse "
            f"nach Normalisierung); bei {differing} davon weichen Angaben ab: {listed}. "
            "Telefonnummern werden in normalisierter Form verglichen, andere Schreibweisen "
            "derselben Nummer zählen nicht. Die Angaben abgleichen und berichtigen "
            f"(Richtigkeit, Art. 5 Abs. 1 lit. d DS-GVO).{partial}",
            f"{len(matched)} people are in \"{first}\" and \"{second}\" (same e-mail address "
            f"after normalisation); for {differing} of them values differ: {listed}. Phone "
            "numbers are compared normalised, so other ways of writing the same number do not "
            "count. Reconcile and correct the values (accuracy, Art. 5(1)(d) GDPR)."
            f"{partial}",
        )
        found.append(
            _finding("divergence", first, None, None, detail, other_source=second,
                     matched=len(matched), differing=differing, fields=dict(sorted(fields.items())))
        )
    return found


def _by_email(people: list[PersonRecord]) -> dict[str, list[PersonRecord]]:
    grouped: dict[str, list[PersonRecord]] = defaultdict(list)
    for person in people:
        if person.email:
            grouped[person.email].append(person)
    return dict(grouped)


def compare(a: list[PersonRecord], b: list[PersonRecord]) -> list[str]:
    """The fields in which the records of one person in two sources differ.

    A field counts only when both sides have a value. Names differ when they differ
    after folding case, accents and umlauts; when they agree then but are written
    differently ("Müller" and "Mueller"), that is a difference of spelling. Phones
    differ only when their numbers do, however they are written.
    """
    diffs: list[str] = []
    keys_a = {p.name_key for p in a if p.name_key}
    keys_b = {p.name_key for p in b if p.name_key}
    if keys_a and keys_b:
        if not keys_a & keys_b:
            diffs.append("name")
        else:
            written_a = {p.name for p in a if p.name}
            written_b = {p.name for p in b if p.name}
            if not written_a & written_b:
                diffs.append("name_spelling")
    phones_a = {phone_key(p.phone) for p in a if p.phone} - {None}
    phones_b = {phone_key(p.phone) for p in b if p.phone} - {None}
    if phones_a and phones_b and not phones_a & phones_b:
        diffs.append("phone")
    births_a = {p.birthdate for p in a if p.birthdate}
    births_b = {p.birthdate for p in b if p.birthdate}
    if births_a and births_b and not births_a & births_b:
        diffs.append("birthdate")
    return diffs


def duplicates(scan: SourceScan, language: str) -> list[Finding]:
    """Per person table: the same person registered twice (same e-mail, or name + birthdate)."""
    found: list[Finding] = []
    tables: dict[str, list[PersonRecord]] = defaultdict(list)
    for person in scan.people:
        tables[person.table].append(person)
    for table, people in tables.items():
        groups: list[set[int]] = []
        by_email: dict[str, set[int]] = defaultdict(set)
        by_name: dict[tuple[str, str], set[int]] = defaultdict(set)
        for i, person in enumerate(people):
            if person.email:
                by_email[person.email].add(i)
            if person.name_key and person.birthdate:
                by_name[(person.name_key, person.birthdate)].add(i)
        email_groups = [g for g in by_email.values() if len(g) > 1]
        name_groups = [g for g in by_name.values() if len(g) > 1]
        for group in email_groups + name_groups:
            overlapping = [g for g in groups if g & group]
            merged = set(group).union(*overlapping)
            groups = [g for g in groups if not g & group] + [merged]
        if not groups:
            continue
        rows = sum(len(g) for g in groups)
        detail = _t(
            language,
            f"{rows} Zeilen gehören vermutlich zu {len(groups)} Person(en), die mehrfach "
            f"erfasst sind (gleiche E-Mail-Adresse nach Normalisierung: {len(email_groups)}; "
            f"gleicher Name und gleiches Geburtsdatum: {len(name_groups)}). Prüfen und "
            "zusammenführen; bis dahin müssen Auskunft und Löschung alle Zeilen erfassen "
            "(Richtigkeit, Art. 5 Abs. 1 lit. d DS-GVO).",
            f"{rows} rows probably belong to {len(groups)} person(s) registered more than once "
            f"(same e-mail address after normalisation: {len(email_groups)}; same name and "
            f"date of birth: {len(name_groups)}). Check and merge them; until then access and "
            "erasure must cover every row (accuracy, Art. 5(1)(d) GDPR).",
        )
        found.append(
            _finding("duplicates", scan.source.name, table, None, detail, people=len(groups),
                     rows=rows, by={"email": len(email_groups), "name_birthdate": len(name_groups)})
        )
    return found
