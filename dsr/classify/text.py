"""Free text: identifiers and special-category terms hidden in notes, comments and tickets.

Staff write what they hear into notes ("Kundin ist Diabetikerin, bitte
zuckerfrei liefern"; "call back on 0171 2345678"). Such columns are sampled for
embedded e-mail addresses, phone numbers and IBANs, and for words that reveal
an Art. 9 special category (or Art. 10 criminal data), in German and English.

The terms are data: regular-expression fragments matched case-insensitively on
word boundaries, with German inflections covered by stems where a stem is safe
(``diabet\\w*`` finds Diabetes, Diabetiker, Diabetikerin, diabetisch). Results
name the kinds found and how many sampled values had them, never the words or
the text around them.

A term counts only where it is a word of running text, not part of a name. The
same letters are often a surname or a street ("Herr Krebs", "Wilfried-Krebs-Allee",
"Dr. Sick"), and a finding from them would put a harmless table under Art. 9. A
match is a name, and is skipped, when

- the word or hyphenated compound holding it ends in a street word (Allee, Straße,
  Str., Weg, Gasse, Ring, Damm, Ufer, Chaussee, Bach, Pfad, Steig; Platz only
  after a hyphen, since "Therapieplatz" is a real mention): "Krebs-Allee",
  "Hospitalstraße";
- it is preceded by a street preposition ("An der", "Am", "Zur") and followed by
  a house number: "An der Kirche 5";
- it is capitalised and preceded by a title (Herr, Frau, Familie, Dr., Prof., Mr,
  Mrs, Ms) or by a capitalised first name of the first-name dictionary, or followed
  by a comma and such a first name: "Frau Kranke", "Andree Krebs", "Krebs, Andree".

"Krebs-Diagnose im März", "Kundin hat Krebs" and "is diabetic" stay mentions: a
hyphen alone does not make a name, and lower-case words are never surnames.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from dsr.classify.values import as_text, first_names

SPECIAL_TERMS: dict[str, tuple[str, ...]] = {
    "health": (
        r"diabet\w*",
        r"zöliak\w*",
        r"zoeliak\w*",
        r"celiac",
        r"coeliac",
        r"allergi\w*",
        r"allergy",
        r"allergic",
        r"krank",
        r"kranke[nmrs]?",
        r"krankheit\w*",
        r"erkrank\w*",
        r"krankgeschrieben",
        r"krankmeldung\w*",
        r"arbeitsunfähig\w*",
        r"schwanger\w*",
        r"schwangerschaft\w*",
        r"pregnan\w*",
        r"rollstuhl\w*",
        r"wheelchair\w*",
        r"depressi\w*",
        r"burn-?out",
        r"cancer",
        r"krebs(erkrank\w*|diagnose\w*|therapie\w*|patient\w*|krank\w*|behandlung\w*|vorsorge)?",
        r"(brust|darm|haut|lungen|prostata|blut|magen|leber|hoden|knochen|gebärmutterhals)krebs",
        r"tumor\w*",
        r"chemo\w*",
        r"insulin\w*",
        r"epilep\w*",
        r"asthma\w*",
        r"hiv",
        r"demenz\w*",
        r"dementia",
        r"alzheimer\w*",
        r"parkinson\w*",
        r"multiple sklerose",
        r"multiple sclerosis",
        r"behindert\w*",
        r"behinderung\w*",
        r"schwerbehindert\w*",
        r"disabilit\w*",
        r"disabled",
        r"erblindet",
        r"blindness",
        r"gehörlos\w*",
        r"deaf",
        r"laktoseintoleran\w*",
        r"lactose[- ]intoleran\w*",
        r"unverträglichkeit\w*",
        r"intoleranz\w*",
        r"intolerance",
        r"diagnos\w*",
        r"therapie\w*",
        r"therapy",
        r"physiotherap\w*",
        r"rücken(schmerz|problem|leiden|beschwerde)\w*",
        r"bandscheibe\w*",
        r"back pain",
        r"schmerzen",
        r"migräne\w*",
        r"migraine\w*",
        r"bluthochdruck",
        r"herzinfarkt\w*",
        r"schlaganfall\w*",
        r"stroke",
        r"medikament\w*",
        r"medication\w*",
        r"ärztlich\w*",
        r"attest\w*",
        r"doctor'?s note",
        r"operiert",
        r"surgery",
        r"verletzung\w*",
        r"injur(y|ies|ed)",
        r"psychiat\w*",
        r"psychother\w*",
        r"klinik\w*",
        r"krankenhaus\w*",
        r"hospital\w*",
        r"op-termin",
        r"illness",
        r"sick",
        r"sickness",
        r"disease\w*",
        r"medikament\w*",
        r"medication\w*",
        r"herzinfarkt\w*",
        r"schlaganfall\w*",
        r"ärztliche[sn]? attest\w*",
        r"krankschreibung\w*",
        r"(spiel|drogen|alkohol|mager|ess|kauf|nikotin)sucht",
        r"suchterkrank\w*",
        r"addiction",
        r"alkoholi\w*",
    ),
    "religion": (
        r"katholi\w*",
        r"evangelisch\w*",
        r"muslim\w*",
        r"moslem\w*",
        r"islam\w*",
        r"jüdisch\w*",
        r"juedisch\w*",
        r"jude",
        r"jüdin",
        r"jewish",
        r"catholic\w*",
        r"protestant\w*",
        r"kirche",
        r"kirchengemeinde\w*",
        r"moschee\w*",
        r"mosque\w*",
        r"synagog\w*",
        r"halal",
        r"koscher\w*",
        r"kosher",
        r"ramadan",
        r"buddhis\w*",
        r"hindu\w*",
        r"atheist\w*",
        r"konfession\w*",
        r"religi\w*",
        r"zeugen jehovas",
        r"jehovah'?s witness\w*",
        r"orthodox\w*",
        r"sikh\w*",
        r"gottesdienst\w*",
    ),
    "union_membership": (
        r"gewerkschaft\w*",
        r"ver\.di",
        r"ig metall",
        r"ig bce",
        r"ig bau",
        r"dgb",
        r"union member\w*",
        r"trade union\w*",
        r"labou?r union\w*",
        r"betriebsratsmitglied\w*",
    ),
    "ethnic_origin": (
        r"ethnisch\w*",
        r"ethnic\w*",
        r"ethnie",
        r"hautfarbe",
        r"skin colou?r",
        r"migrationshintergrund",
        r"sinti und roma",
        r"rassis\w*",
        r"racial\w*",
        r"abstammung",
    ),
    "sexual_orientation": (
        r"schwul\w*",
        r"lesbisch\w*",
        r"lesbe",
        r"lesbian\w*",
        r"homosexu\w*",
        r"bisexu\w*",
        r"gay",
        r"queer",
        r"transgender\w*",
        r"transsexu\w*",
        r"transident\w*",
        r"sexuelle orientierung",
        r"sexual orientation",
    ),
    "sex_life": (
        r"sexualleben",
        r"sex life",
        r"geschlechtskrank\w*",
        r"sexually transmitted",
        r"swinger\w*",
        r"fetisch\w*",
        r"fetish\w*",
    ),
    "political_opinion": (
        r"parteimitglied\w*",
        r"party member\w*",
        r"mitglied der (spd|cdu|csu|fdp|afd|linken)",
        r"afd",
        r"npd",
        r"wählt (die )?(spd|cdu|csu|fdp|afd|grünen|linke)",
        r"politische (einstellung|meinung|gesinnung)",
        r"political (views|opinion\w*)",
    ),
    "genetic": (
        r"gentest\w*",
        r"genetic test\w*",
        r"genetisch\w*",
        r"genetic\w*",
        r"dna-test\w*",
        r"dna test\w*",
        r"erbkrank\w*",
        r"erbgut",
    ),
    "biometric": (
        r"fingerabdr\w*",
        r"fingerprint scan\w*",
        r"gesichtserkennung",
        r"face recognition",
        r"facial recognition",
        r"iris-?scan\w*",
        r"biometri\w*",
    ),
    "criminal": (
        r"vorbestraft\w*",
        r"vorstrafe\w*",
        r"straftat\w*",
        r"strafanzeige\w*",
        r"verurteil\w*",
        r"führungszeugnis\w*",
        r"haftstrafe\w*",
        r"inhaftiert\w*",
        r"gefängnis\w*",
        r"bewährungsstrafe\w*",
        r"ermittlungsverfahren\w*",
        r"criminal record\w*",
        r"convicted",
        r"conviction\w*",
        r"prison\w*",
        r"felony",
    ),
}


@lru_cache(maxsize=1)
def _special_patterns() -> dict[str, re.Pattern[str]]:
    return {
        kind: re.compile(r"(?<![\w])(?:" + "|".join(terms) + r")(?![\w])", re.IGNORECASE)
        for kind, terms in SPECIAL_TERMS.items()
    }


_EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE_IN_TEXT = re.compile(r"(?<![\w/.])(\+|00|0)\d[\d ()/-]{5,18}\d(?![\w/.])")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,4})?\b")


def special_kinds(text: str) -> set[str]:
    """The special-category kinds a text mentions as words, not inside names (see above)."""
    return {
        kind
        for kind, pattern in _special_patterns().items()
        if any(not _in_name(text, match.start(), match.end()) for match in pattern.finditer(text))
    }


_STREET_WORDS = (
    "allee", "straße", "strasse", "weg", "gasse", "ring", "damm", "ufer", "chaussee", "bach",
    "pfad", "steig",
)  # fmt: skip
_TITLE_BEFORE = re.compile(
    r"(?<![\w.])(herrn?|frau|hr\.|fr\.|familie|fam\.|dr\.?|prof\.?|mr\.?|mrs\.?|ms\.?|miss)"
    r"\s+$",
    re.IGNORECASE,
)
_STREET_BEFORE = re.compile(
    r"(?<!\w)(An der|An den|Am|Auf der|Hinter der|Bei der|In der|Zur|Zum)\s+$"
)
_HOUSE_NUMBER_AFTER = re.compile(r"^\s+\d+\s?[a-zA-Z]?(?!\w)")
_WORD_BEFORE = re.compile(r"(\w+)\s+$")
_FIRST_NAME_AFTER = re.compile(r"^,\s*(\w+)")


def _in_name(text: str, start: int, end: int) -> bool:
    """The match text[start:end] is part of a street name or a person's name."""
    left, right = start, end
    while left > 0 and _in_compound(text[left - 1]):
        left -= 1
    while right < len(text) and _in_compound(text[right]):
        right += 1
    compound = text[left:right].strip("-").lower()
    after = text[right:]
    if compound.endswith(_STREET_WORDS) or (compound.endswith("str") and after.startswith(".")):
        return True
    if "-" in compound and compound.endswith("platz"):
        return True
    before = text[:left]
    if _STREET_BEFORE.search(before) and _HOUSE_NUMBER_AFTER.match(after):
        return True
    if not text[start].isupper():
        return False
    if _TITLE_BEFORE.search(before):
        return True
    previous = _WORD_BEFORE.search(before)
    if previous and _is_first_name(previous.group(1)):
        return True
    following = _FIRST_NAME_AFTER.match(after)
    return bool(following and _is_first_name(following.group(1)))


def _in_compound(char: str) -> bool:
    return char.isalnum() or char in "-_"


def _is_first_name(word: str) -> bool:
    return word[:1].isupper() and word.lower() in first_names()


def embedded_identifiers(text: str) -> set[str]:
    """The kinds of identifiers a text contains: ``email``, ``phone``, ``iban``."""
    from dsr.classify.values import is_iban, is_phone

    found = set()
    ibans = [m.group(0) for m in _IBAN_IN_TEXT.finditer(text)]
    if any(is_iban(candidate) for candidate in ibans):
        found.add("iban")
    for candidate in ibans:
        text = text.replace(candidate, " ")
    if _EMAIL_IN_TEXT.search(text):
        found.add("email")
    if any(is_phone(m.group(0)) for m in _PHONE_IN_TEXT.finditer(text)):
        found.add("phone")
    return found


@dataclass
class TextFindings:
    """What the sampled texts of one column held, as counts per kind."""

    texts: int = 0
    identifiers: dict[str, int] = field(default_factory=dict)
    special: dict[str, int] = field(default_factory=dict)

    def evidence(self) -> list[str]:
        from dsr.classify.evidence import TEXT_IDENTIFIERS, ev, special_kind

        lines: list[str] = []
        for kind, count in sorted(self.identifiers.items()):
            lines.append(
                ev(
                    "text: {n} of {total} sampled texts contain {what}",
                    n=count,
                    total=self.texts,
                    what=TEXT_IDENTIFIERS[kind],
                )
            )
        for kind, count in sorted(self.special.items()):
            lines.append(
                ev(
                    "text: {n} of {total} sampled texts mention {what} terms",
                    n=count,
                    total=self.texts,
                    what=special_kind(kind),
                )
            )
        return lines


def scan_texts(values: Sequence[Any]) -> TextFindings:
    """Count embedded identifiers and special-category terms over sampled texts."""
    findings = TextFindings()
    for value in values:
        text = as_text(value)
        if not text:
            continue
        findings.texts += 1
        for kind in embedded_identifiers(text):
            findings.identifiers[kind] = findings.identifiers.get(kind, 0) + 1
        for kind in special_kinds(text):
            findings.special[kind] = findings.special.get(kind, 0) + 1
    return findings
