"""What the inventory found that needs a person's action: one finding per problem.

Each finding is ``{"id", "kind", "source", "table", "column", "detail", "record_in"}``
plus keys of its own kind (counts, field names, row keys). ``id`` is stable across
runs and holds no personal data, so a DPO can record a decision on it in dsr.yaml
(``decisions: {"<id>": "..."}``) and the next run lists the finding as decided;
``record_in`` names that place, or the key that settles the finding where one
exists (``sources.X.columns``, ``sources.X.legal_basis``). A detail says what was
found (counts, row keys, field names), why it matters, what to do and where to
record it; it never quotes a personal value, because the record is read by more
people than the data.

One problem, one finding: a person whose values differ between systems is one
finding naming the rows, a duplicate group one finding naming its rows, the
background identifiers of one table one finding, a column whose text repeats in
another (``raw_subject`` beside ``subject``) one finding for both, a free-text
column holding special categories one finding, and a column that holds nothing
in any row none (``SourceScan.empty``, ``SourceScan.mirrors``).

Kinds, in the order a DPO should look at them: ``special_category``,
``third_country``, ``no_legal_basis``, ``no_purpose``, ``divergence``,
``duplicates``, ``minimisation``, ``free_text``, ``review``.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import TYPE_CHECKING, Any

from dsr.classify.names import words
from dsr.classify.result import ColumnClassification, TableClassification
from dsr.classify.taxonomy import CATEGORIES, SPECIAL_KINDS, Label
from dsr.config.gaps import EEA
from dsr.connectors.rows import key_number, key_text
from dsr.inventory.people import PEOPLE_SAMPLE, PersonRecord, phone_key
from dsr.lookup.engine import json_key

if TYPE_CHECKING:
    from dsr.connectors.protocol import RowKey
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

LISTED = 20
"""People or duplicate groups named one finding each; beyond this, one finding per kind
of difference lists the first ones and counts the rest, so a messy source stays readable."""

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
    "user_agent": Label("Browserkennungen", "browser user agents"),
    "device": Label("Gerätekennungen", "device identifiers"),
    "session": Label("Sitzungskennungen", "session identifiers"),
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
            found.extend(_table_findings(scan, table, language))
    for scan in scans:
        found.extend(_source_findings(scan, language))
    found.extend(divergences(ok, language))
    for scan in ok:
        found.extend(duplicates(scan, language))
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(found, key=lambda f: order[f["kind"]])


def split_decided(
    findings: list[Finding], config: Any, language: str | None = None
) -> tuple[list[Finding], list[Finding]]:
    """The findings still open, and those the DPO decided in dsr.yaml (``decisions``, by id).

    A decided finding carries the decision's text (in ``language`` where given in it)
    under ``decision``; it stays in the record, so the record shows what was decided,
    but no longer counts as open.
    """
    decisions: dict[str, Any] = dict(getattr(config, "decisions", None) or {})
    open_: list[Finding] = []
    decided: list[Finding] = []
    for finding in findings:
        decision = decisions.get(finding["id"])
        if decision is None:
            open_.append(finding)
        else:
            version = decision.version(language) if language and hasattr(decision, "version") \
                else None
            decided.append({**finding, "decision": str(version or decision)})
    return open_, decided


def _finding(kind: str, ident: str, source: str, table: str | None, column: str | None,
             detail: str, record_in: str, **extra: Any) -> Finding:
    return {"id": f"{kind}:{ident}", "kind": kind, "source": source, "table": table,
            "column": column, "detail": detail, "record_in": record_in, **extra}


def _t(language: str, de: str, en: str) -> str:
    return de if language == "de" else en


def _decide(language: str, ident: str) -> str:
    """Where the DPO records the decision on a finding: the sentence that ends its detail."""
    return _t(
        language,
        f"Entscheidung in dsr.yaml festhalten unter decisions: \"{ident}\".",
        f"Record the decision in dsr.yaml under decisions: \"{ident}\".",
    )


def _listing(items: list[str], language: str) -> str:
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {_t(language, 'und', 'and')} {items[-1]}"


# --- per column and table --------------------------------------------------------------------


def gets_column_finding(column: ColumnClassification) -> bool:
    """Whether a column would get a finding of its own, so the scan checks it holds anything."""
    if column.review and not column.confirmed:
        return True
    if not column.personal:
        return False
    return (
        _special(column)
        or "free_text" in column.categories
        or background_identifier(column) is not None
    )


def _special(column: ColumnClassification) -> bool:
    return column.personal and (bool(column.special) or "special" in column.categories)


def _table_findings(
    scan: SourceScan, table: TableClassification, language: str
) -> list[Finding]:
    found: list[Finding] = []
    folded: dict[str, list[str]] = defaultdict(list)
    for (name, mirror), kept in sorted(scan.mirrors.items()):
        if name == table.table:
            folded[kept].append(mirror)
    background: list[tuple[ColumnClassification, str]] = []
    for column in table.columns:
        place = (table.table, column.column)
        if place in scan.empty or place in scan.mirrors:
            continue
        kind = background_identifier(column) if column.personal else None
        if kind:
            background.append((column, kind))
        found.extend(column_findings(column, folded.get(column.column, []), language))
    if background:
        found.append(_minimisation(scan, table, background, language))
    return found


def column_findings(
    column: ColumnClassification, mirrors: list[str], language: str
) -> list[Finding]:
    """The special-category or free-text finding of a column, or else its review finding."""
    where = (column.source, column.table, column.column)
    ident = f"{column.source}.{column.table}.{column.column}"
    also = _t(language, f" (auch {', '.join(mirrors)})", f" (also {', '.join(mirrors)})")
    # The record shows the column beside the detail; the detail names it only to fold a mirror.
    named_column = f"{column.column}{also}: " if mirrors else ""
    extra: dict[str, Any] = {"columns": [column.column, *mirrors]} if mirrors else {}
    free_text = column.personal and "free_text" in column.categories
    if _special(column):
        kinds = [k for k in column.special if k in SPECIAL_KINDS]
        named = ", ".join(SPECIAL_KINDS[k](language) for k in kinds) or _t(
            language, "Art nicht bestimmt", "kind not determined"
        )
        text = _t(language, " im Freitext", " in free text") if free_text else ""
        rules = _t(
            language,
            " Außerdem regeln, was in das Feld geschrieben wird.",
            " Also set rules for what staff write there.",
        ) if free_text else ""
        detail = _t(
            language,
            f"{named_column}Besondere Kategorien personenbezogener Daten{text} "
            f"({named}, Art. 9 DSGVO). Sie dürfen nur mit einer Ausnahme nach Art. 9 Abs. 2 "
            "DSGVO verarbeitet werden. Ausnahme prüfen, sonst löschen und nicht mehr erfassen; "
            f"prüfen, ob eine Datenschutz-Folgenabschätzung nötig ist (Art. 35 DSGVO).{rules} "
            + _decide(language, f"special_category:{ident}"),
            f"{named_column}Special categories of personal data{text} ({named}, Art. 9 GDPR). "
            "They may be processed only under an Art. 9(2) GDPR exception. Check the exception, "
            "otherwise delete them and stop collecting them; check whether a data-protection "
            f"impact assessment is needed (Art. 35 GDPR).{rules} "
            + _decide(language, f"special_category:{ident}"),
        )
        return [_finding("special_category", ident, *where, detail, "decisions",
                         special=kinds, dpia=True, free_text=free_text, **extra)]
    if free_text:
        others = [c for c in column.categories if c not in ("free_text", "special")
                  and c in CATEGORIES]
        holds = ", ".join(CATEGORIES[c](language) for c in others)
        seen = _t(language, f" (gefunden: {holds})", f" (found: {holds})") if holds else ""
        detail = _t(
            language,
            f"{named_column}Freitext mit personenbezogenen Daten{seen}. Freitext kann alles "
            "enthalten, auch Daten Dritter. Regeln, was hineingeschrieben wird, und eine "
            "Löschfrist festlegen; das Feld wird bei Auskunft und Löschung mit durchsucht. "
            + _decide(language, f"free_text:{ident}"),
            f"{named_column}Free text with personal data{seen}. Free text can hold anything, "
            "also other people's data. Set rules for what staff write there and an erasure period; "
            "dsr searches the field for access and erasure requests. "
            + _decide(language, f"free_text:{ident}"),
        )
        return [_finding("free_text", ident, *where, detail, "decisions",
                         categories=others, **extra)]
    if column.review and not column.confirmed and background_identifier(column) is None:
        return [_review(column, ident, language)]
    return []


def _review(column: ColumnClassification, ident: str, language: str) -> Finding:
    key = f"sources.{column.source}.columns"
    entry = f"\"{column.table}.{column.column}\""
    suggested = [c for c in column.categories if c in CATEGORIES] if column.personal else []
    if suggested:
        guess = ", ".join(CATEGORIES[c](language) for c in suggested)
        what_de = f"Vermutlich personenbezogen ({guess}), aber nicht sicher."
        what_en = f"Probably personal ({guess}), but not certain."
        fill = f"[{', '.join(suggested)}]"
    else:
        what_de = "Vermutlich nicht personenbezogen, aber nicht sicher."
        what_en = "Probably not personal, but not certain."
        fill = "[]"
    detail = _t(
        language,
        f"{what_de} Die Einordnung bestimmt, ob Auskunft und Löschung die Spalte erfassen. "
        "Einige Werte ansehen und bestätigen oder berichtigen: in dsr.yaml unter "
        f"{key} eintragen: {entry}: {fill} (Kategorien, oder [] für keine).",
        f"{what_en} It decides whether access and erasure cover the column. Look at a few "
        f"values and confirm or correct: enter in dsr.yaml under {key}: {entry}: {fill} "
        "(categories, or [] for none).",
    )
    return _finding("review", ident, column.source, column.table, column.column, detail, key,
                    suggested=suggested)


def _minimisation(
    scan: SourceScan, table: TableClassification,
    background: list[tuple[ColumnClassification, str]], language: str,
) -> Finding:
    """One finding per table: one decision (keep the log, and how long) covers its columns."""
    source = scan.source.name
    ident = f"{source}.{table.table}"
    listed = _listing([f"{_WHAT[kind](language)} ({c.column})" for c, kind in background],
                      language)
    key = f"sources.{source}.storage_periods.{table.table}"
    detail = _t(
        language,
        f"Im Hintergrund erfasste Kennungen: {listed}. Sie sind nur erlaubt, soweit der "
        "Zweck sie braucht (Datenminimierung, Art. 5 Abs. 1 lit. c DSGVO). Prüfen, welche "
        f"nötig sind; für diese eine kurze Löschfrist in dsr.yaml unter {key} eintragen, die "
        "übrigen nicht mehr speichern. " + _decide(language, f"minimisation:{ident}"),
        f"Identifiers collected in the background: {listed}. They are allowed only as far "
        "as the purpose needs them (data minimisation, Art. 5(1)(c) GDPR). Check which are "
        f"needed; set a short erasure period for those in dsr.yaml under {key}, and stop "
        "storing the others. " + _decide(language, f"minimisation:{ident}"),
    )
    return _finding("minimisation", ident, source, table.table, None, detail, "decisions",
                    columns=[c.column for c, _ in background],
                    identifiers=[kind for _, kind in background])


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
            "des EWR, ohne genannte Garantien. Eine Übermittlung dorthin braucht geeignete "
            "Garantien (Art. 46 DSGVO, z. B. Standardvertragsklauseln) oder einen "
            "Angemessenheitsbeschluss (Art. 45 DSGVO). Die Garantien in dsr.yaml unter "
            f"{key} eintragen.",
            f"Processor \"{processor.name}\" is in {processor.country}, outside the EEA, with "
            "no safeguards named. A transfer there needs appropriate safeguards (Art. 46 GDPR, "
            "e.g. standard contractual clauses) or an adequacy decision (Art. 45 GDPR). Enter "
            f"the safeguards in dsr.yaml under {key}.",
        )
        found.append(
            _finding("third_country", source.name, source.name, None, None, detail, key,
                     processor=processor.name, country=processor.country)
        )
    if scan.ok and scan.personal:
        if not source.legal_basis:
            key = f"sources.{source.name}.legal_basis"
            detail = _t(
                language,
                "Personenbezogene Daten ohne angegebene Rechtsgrundlage; ohne sie ist die "
                f"Verarbeitung unzulässig (Art. 6 DSGVO). In dsr.yaml unter {key} eintragen.",
                "Personal data without a configured legal basis; without one the processing "
                f"is unlawful (Art. 6 GDPR). Enter it in dsr.yaml under {key}.",
            )
            found.append(_finding("no_legal_basis", source.name, source.name, None, None,
                                  detail, key))
        if not source.purpose:
            key = f"sources.{source.name}.purpose"
            detail = _t(
                language,
                "Personenbezogene Daten ohne angegebenen Zweck; das Verzeichnis muss ihn nennen "
                f"(Art. 5 Abs. 1 lit. b, Art. 30 Abs. 1 lit. b DSGVO). In dsr.yaml unter {key} "
                "eintragen.",
                "Personal data without a configured purpose; the record must name it "
                f"(Art. 5(1)(b), Art. 30(1)(b) GDPR). Enter it in dsr.yaml under {key}.",
            )
            found.append(_finding("no_purpose", source.name, source.name, None, None,
                                  detail, key))
    return found


# --- accuracy: the same person twice, or differently in two sources -------------------------


def key_label(key: RowKey | None, language: str) -> str:
    """A row key as a DPO finds the row: ``id=498``, or ``Zeile 25`` in a file."""
    if not key:
        return _t(language, "Zeile ohne Schlüssel", "row without a key")
    if "row" in key and ({"file", "sheet"} & set(key)):
        return f"{_t(language, 'Zeile', 'row')} {key_text(key['row'])}"
    return ", ".join(f"{k}={key_text(v)}" for k, v in key.items())


def _key_ident(key: RowKey | None) -> str:
    """A row key inside a finding's id: ``498``, ``25`` for a file's row 25."""
    if not key:
        return "?"
    if "row" in key and ({"file", "sheet"} & set(key)):
        return str(key_text(key["row"]))
    return "-".join(str(key_text(v)) for v in key.values())


def _json_key(key: RowKey | None) -> dict[str, Any] | None:
    """The key as ``dsr find --json`` prints it, so a script can look the row up."""
    return json_key(key) if key else None


def _place(source: str, record: PersonRecord, language: str) -> str:
    return f"{source} › {record.table} {key_label(record.key, language)}"


def divergences(scans: list[SourceScan], language: str) -> list[Finding]:
    """People (matched by normalised e-mail in every source at once) whose values differ
    between systems: one finding per person naming the rows and the fields that differ."""
    by_email: dict[str, dict[str, list[PersonRecord]]] = defaultdict(lambda: defaultdict(list))
    for scan in scans:
        for person in scan.people:
            if person.email:
                by_email[person.email][scan.source.name].append(person)
    partial = any(s.people_truncated for s in scans)
    people: list[tuple[list[str], list[tuple[str, PersonRecord]]]] = []
    for sources in by_email.values():
        if len(sources) < 2:
            continue
        fields: set[str] = set()
        for first, second in combinations(sources, 2):
            fields.update(compare(sources[first], sources[second]))
        if fields:
            rows = [(s, r) for s, records in sources.items() for r in records]
            people.append((sorted(fields, key=list(FIELD_LABELS).index), rows))
    people.sort(key=lambda p: _order(p[1], scans))
    note = _t(
        language,
        f" Verglichen wurden höchstens {PEOPLE_SAMPLE:,} Zeilen je Tabelle.".replace(",", "."),
        f" At most {PEOPLE_SAMPLE:,} rows per table were compared.",
    ) if partial else ""
    if len(people) <= LISTED:
        return [_divergence(fields, rows, language, note) for fields, rows in people]
    found: list[Finding] = []
    for field in FIELD_LABELS:
        these = [rows for fields, rows in people if field in fields]
        if not these:
            continue
        places = [_place(*rows[0], language) for rows in these[:LISTED]]
        label = FIELD_LABELS[field](language)
        detail = _t(
            language,
            f"Bei {len(these)} Personen (gleiche E-Mail-Adresse) weicht zwischen Systemen ab: "
            f"{label}. Die ersten {LISTED}: {'; '.join(places)}. Falsche Angaben müssen "
            "berichtigt werden (Richtigkeit, Art. 5 Abs. 1 lit. d DSGVO). Abgleichen und "
            f"berichtigen.{note} " + _decide(language, f"divergence:{field}"),
            f"For {len(these)} people (same e-mail address) the {label} differs between "
            f"systems. The first {LISTED}: {'; '.join(places)}. Wrong data must be corrected "
            "(accuracy, Art. 5(1)(d) GDPR). Reconcile and correct them."
            f"{note} " + _decide(language, f"divergence:{field}"),
        )
        first_source = these[0][0][0]
        found.append(_finding("divergence", field, first_source, None, None, detail,
                              "decisions", fields=[field], people=len(these)))
    return found


def _order(rows: list[tuple[str, PersonRecord]], scans: list[SourceScan]) -> tuple[Any, ...]:
    position = {s.source.name: i for i, s in enumerate(scans)}
    source, record = rows[0]
    return position.get(source, 0), record.table, _sortable(record.key)


def _sortable(key: RowKey | None) -> tuple[Any, ...]:
    if not key:
        return ()
    return tuple((key_number(v) if key_number(v) is not None else -1, str(key_text(v)))
                 for v in key.values())


def _divergence(
    fields: list[str], rows: list[tuple[str, PersonRecord]], language: str, note: str
) -> Finding:
    first_source, first = rows[0]
    ident = f"{first_source}.{first.table}.{_key_ident(first.key)}"
    places = [_place(source, record, language) for source, record in rows]
    sources = list(dict.fromkeys(source for source, _ in rows))
    labels = _listing([FIELD_LABELS[f](language) for f in fields], language)
    detail = _t(
        language,
        f"Dieselbe Person (gleiche E-Mail-Adresse) steht in {len(sources)} Systemen mit "
        f"abweichenden Angaben: {labels}. Zeilen: {', '.join(places)}. Falsche Angaben müssen "
        "berichtigt werden (Richtigkeit, Art. 5 Abs. 1 lit. d DSGVO). Abgleichen und "
        f"berichtigen.{note} " + _decide(language, f"divergence:{ident}"),
        f"The same person (same e-mail address) is in {len(sources)} systems with differing "
        f"values: {labels}. Rows: {', '.join(places)}. Wrong data must be corrected (accuracy, "
        f"Art. 5(1)(d) GDPR). Reconcile and correct them.{note} "
        + _decide(language, f"divergence:{ident}"),
    )
    return _finding(
        "divergence", ident, first_source, None, None, detail, "decisions",
        other_source=", ".join(sources[1:]), sources=sources, fields=fields,
        rows=[{"source": s, "table": r.table, "key": _json_key(r.key)} for s, r in rows],
    )


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
    """Per person table: the same person registered twice (same e-mail, or name + birthdate),
    one finding per group naming its rows."""
    found: list[Finding] = []
    tables: dict[str, list[PersonRecord]] = defaultdict(list)
    for person in scan.people:
        tables[person.table].append(person)
    source = scan.source.name
    for table, people in tables.items():
        groups: list[tuple[set[int], set[str]]] = []
        by_email: dict[str, set[int]] = defaultdict(set)
        by_name: dict[tuple[str, str], set[int]] = defaultdict(set)
        for i, person in enumerate(people):
            if person.email:
                by_email[person.email].add(i)
            if person.name_key and person.birthdate:
                by_name[(person.name_key, person.birthdate)].add(i)
        candidates = [(g, "email") for g in by_email.values() if len(g) > 1]
        candidates += [(g, "name_birthdate") for g in by_name.values() if len(g) > 1]
        for group, why in candidates:
            overlapping = [g for g in groups if g[0] & group]
            merged = set(group).union(*(g[0] for g in overlapping))
            reasons = {why}.union(*(g[1] for g in overlapping))
            groups = [g for g in groups if not g[0] & group] + [(merged, reasons)]
        listed = [
            (sorted((people[i] for i in g), key=lambda p: _sortable(p.key)), why)
            for g, why in groups
        ]
        listed.sort(key=lambda item: _sortable(item[0][0].key))
        if len(listed) <= LISTED:
            found.extend(_duplicate(source, table, rows, why, language) for rows, why in listed)
        elif listed:
            found.append(_duplicates_many(source, table, listed, language))
    return found


_WHY: dict[str, Label] = {
    "email": Label("gleiche E-Mail-Adresse", "same e-mail address"),
    "name_birthdate": Label("gleicher Name und gleiches Geburtsdatum",
                            "same name and date of birth"),
}


def _because(why: set[str], language: str) -> str:
    return _listing([_WHY[w](language) for w in sorted(why)], language)


def _duplicate(source: str, table: str, rows: list[PersonRecord], why: set[str],
               language: str) -> Finding:
    ident = f"{source}.{table}.{'+'.join(_key_ident(r.key) for r in rows)}"
    keys = _listing([key_label(r.key, language) for r in rows], language)
    detail = _t(
        language,
        f"{keys} ({_because(why, language)}) sind vermutlich dieselbe "
        "Person, zweimal erfasst. Auskunft und Löschung müssen alle Zeilen erfassen, und "
        "doppelte Angaben veralten (Richtigkeit, Art. 5 Abs. 1 lit. d DSGVO). Prüfen und "
        "zusammenführen. " + _decide(language, f"duplicates:{ident}"),
        f"{keys} ({_because(why, language)}) are probably the same person, "
        "registered twice. Access and erasure must cover every row, and duplicated data go "
        "stale (accuracy, Art. 5(1)(d) GDPR). Check and merge them. "
        + _decide(language, f"duplicates:{ident}"),
    )
    return _finding("duplicates", ident, source, table, None, detail, "decisions",
                    rows=[_json_key(r.key) for r in rows], by=sorted(why))


def _duplicates_many(source: str, table: str,
                     groups: list[tuple[list[PersonRecord], set[str]]],
                     language: str) -> Finding:
    ident = f"{source}.{table}"
    shown = "; ".join(" + ".join(key_label(r.key, language) for r in rows)
                      for rows, _ in groups[:LISTED])
    count = len(groups)
    detail = _t(
        language,
        f"{count} Personen sind vermutlich mehrfach erfasst (gleiche "
        f"E-Mail-Adresse oder gleicher Name und gleiches Geburtsdatum). Die ersten {LISTED}: "
        f"{shown}. Auskunft und Löschung müssen alle Zeilen erfassen (Richtigkeit, Art. 5 "
        "Abs. 1 lit. d DSGVO). Prüfen und zusammenführen. "
        + _decide(language, f"duplicates:{ident}"),
        f"{count} people are probably registered more than once (same "
        f"e-mail address, or same name and date of birth). The first {LISTED}: {shown}. "
        "Access and erasure must cover every row (accuracy, Art. 5(1)(d) GDPR). Check and "
        "merge them. " + _decide(language, f"duplicates:{ident}"),
    )
    return _finding("duplicates", ident, source, table, None, detail, "decisions",
                    people=count, rows=sum(len(rows) for rows, _ in groups))
