"""Column-name evidence: what a column's name says it holds, kept as data.

Names come in every style (``email``, ``EMail``, ``customer_email``,
``E-Mail-Adresse``, ``Telefonnummer``, ``SupportRepId``, ``geb_datum``), in
German and English, with the abbreviations small companies write (``plz``,
``kdnr``, ``hausnr``, ``tel``). A name is split into lower-case words; every run
of neighbouring words is also joined (``e mail adresse`` → ``emailadresse``), so
one word list serves every style. Terms marked as compound endings also match
the end of a German compound (``Lieferstrasse``, ``Kundenemail``). Words glued
together in lower case are taken apart where every piece is a known word
(``idvisitor``, ``iplastlogin``, ``dateemployment``), and keys written the other
way round (``fk_soc``, ``id_customer``) read as keys. Real applications add
French to the mix (Dolibarr's ``civility``, ``poste``, ``proprio``); a few such
words are terms too.

A hint is only a hint: the classifier weighs it against the values and against
the table it sits in. Hints that need a person around them (``city``, ``name``,
``title``, ``notes``) say so with ``needs_person``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dsr.config.texts import LocalText
from dsr.connectors.protocol import IdentifierKind

_CAMEL = re.compile(r"(?<=[a-zäöüß0-9])(?=[A-ZÄÖÜ])|(?<=[A-ZÄÖÜ])(?=[A-ZÄÖÜ][a-zäöüß])")
_SEPARATORS = re.compile(r"[^0-9A-Za-zÄÖÜäöüß]+")
_DIGITS = re.compile(r"(?<=[a-zäöüß])(?=[0-9])")


@dataclass(frozen=True)
class NameRule:
    """One kind of column recognised by name.

    ``terms`` match a whole word or a run of joined words; ``compounds`` also
    match the end of one word. ``strength`` is how sure the name alone makes
    the classifier; ``needs_person`` means the name only counts in a table
    whose rows are (or point to) persons.
    """

    key: str
    category: str
    label: str
    terms: tuple[str, ...]
    compounds: tuple[str, ...] = ()
    lookup: IdentifierKind | None = None
    strength: float = 0.9
    needs_person: bool = False
    special: str | None = None

    @property
    def local_label(self) -> LocalText:
        """The label in both languages, as the evidence names it."""
        return LocalText(self.label, {"en": self.label, "de": GERMAN_LABELS[self.key]})


def split_words(text: str) -> tuple[str, ...]:
    """A word list kept as one string in the source, so lists stay readable data."""
    return tuple(text.split())


_t = split_words


# Order matters only for ties: the longest matching term wins, then the earlier rule.
RULES: tuple[NameRule, ...] = (
    NameRule(
        "email",
        "contact",
        "e-mail",
        _t(
            "email mail emailaddress emailadresse mailadresse mailaddress emailaddr epost "
            "emailadr mailadr replyto errorsto"
        ),
        _t("email emailadresse mailadresse emailaddress"),
        lookup="email",
    ),
    NameRule(
        "phone",
        "contact",
        "phone",
        _t(
            "phone telephone tel telefon telefonnr telefonnummer telnr telno mobile mobil "
            "mobilnr mobilnummer mobiltelefon handy handynr handynummer cell cellphone cellular "
            "phonenumber phoneno phonenr rufnummer msisdn whatsapp festnetz festnetznummer "
            "homephone workphone telephonenumber"
        ),
        _t("phone telefon telefonnummer rufnummer handy handynummer mobilnummer festnetz"),
        lookup="phone",
    ),
    NameRule(
        "fax",
        "contact",
        "fax",
        _t("fax telefax faxnr faxnummer faxnumber faxno"),
        _t("fax telefax faxnummer"),
    ),
    NameRule(
        "extension",
        "contact",
        "phone extension",
        _t("extension durchwahl phoneext telext telefonext"),
        _t("durchwahl"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "person_name",
        "identity",
        "person name",
        _t(
            "firstname lastname givenname surname familyname fullname middlename vorname "
            "vornamen nachname nachnamen familienname rufname geburtsname maidenname fname "
            "lname vname nname contactname contactperson ansprechpartner ansprechperson "
            "kontaktperson kontaktname customername kundenname clientname recipientname "
            "empfaenger empfänger empfaengername empfängername billingname shippingname "
            "shipname shiptoname membername patientname employeename mitarbeitername "
            "personname displayname accountholder kontoinhaber inhaber holdername "
            "cardholder karteninhaber salesperson sachbearbeiter bearbeiter verfasser "
            "authorname ownername contactowner nickname spitzname ehepartner spouse proprio "
            "namealias sortname createdbyalias signname contact bankaccountname "
            "accountholdername"
        ),
        _t(
            "vorname vornamen nachname nachnamen firstname lastname surname familienname "
            "kundenname empfaenger empfänger ansprechpartner"
        ),
        lookup="name",
    ),
    NameRule(
        "name",
        "identity",
        "name",
        _t("name namen fullnames"),
        strength=0.6,
        needs_person=True,
        lookup="name",
    ),
    NameRule(
        "alias",
        "identity",
        "alias or user name shown",
        _t("alias pseudonym pseudonyme"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "author",
        "identity",
        "author or agent",
        _t("author autor agent creator erstelltvon createdby owner assignee"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "salutation",
        "identity",
        "salutation or gender",
        _t(
            "anrede salutation titleofcourtesy courtesytitle gender geschlecht sex "
            "akademischergrad namenszusatz briefanrede civility civilite"
        ),
        _t("anrede"),
    ),
    NameRule(
        "title",
        "identity",
        "title",
        _t("title titel"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "birthdate",
        "birthdate",
        "date of birth",
        _t(
            "birthdate dateofbirth dob birthday geburtsdatum gebdatum gebdat gebtag geburtstag "
            "geb geboren gebam geburtsjahr birthyear yearofbirth birthdt birth naissance "
            "datenaissance"
        ),
        _t("geburtsdatum geburtstag birthdate birthday"),
    ),
    NameRule(
        "age", "birthdate", "age", _t("age alter lebensalter"), strength=0.6, needs_person=True
    ),
    NameRule(
        "birthplace",
        "identity",
        "place of birth or nationality",
        _t(
            "geburtsort birthplace placeofbirth nationality nationalitaet nationalität "
            "staatsangehoerigkeit staatsangehörigkeit citizenship"
        ),
        _t("geburtsort staatsangehörigkeit staatsangehoerigkeit"),
    ),
    NameRule(
        "street",
        "address",
        "street or address",
        _t(
            "street strasse straße str streetaddress streetname strassenname address adresse "
            "addr adr anschrift addressline addressline1 addressline2 address1 address2 "
            "adresszeile adresse1 adresse2 hausnr hausnummer housenumber housenr housenumber "
            "postfach pobox postbox wohnanschrift lieferadresse rechnungsadresse postanschrift"
        ),
        _t("strasse straße street adresse address anschrift hausnummer hausnr"),
    ),
    NameRule(
        "postcode",
        "address",
        "postcode",
        _t("plz postleitzahl zip zipcode postcode postalcode postal postleitzahlen"),
        _t("postleitzahl zipcode postcode postalcode plz"),
    ),
    NameRule(
        "place",
        "address",
        "city, region or country",
        _t(
            "city ort stadt town wohnort country land state region bundesland province district "
            "county ortsteil stadtteil countrycode landcode suburb gemeinde provincecode "
            "statecode regioncode zone"
        ),
        _t("wohnort"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "iban",
        "financial",
        "IBAN or bank account",
        _t(
            "iban bic swift swiftcode blz bankleitzahl bankcode kto ktonr kontonr kontonummer "
            "konto accountnumber bankaccount bankverbindung sortcode routingnumber "
            "mandatsreferenz sepamandat mandatereference rib clerib codebanque codeguichet rum"
        ),
        _t("iban kontonummer bankleitzahl bankverbindung"),
    ),
    NameRule(
        "card",
        "financial",
        "payment card",
        _t(
            "creditcard creditcardnumber cardnumber kreditkarte kreditkartennummer kartennummer "
            "ccnumber ccnum pan cvv cvc cardexpiry cardid cardfingerprint cardlast last4 "
            "cardexp cardexpmonth cardexpyear expmonth expyear cardtoken cardholdername "
            "cardexpiration cardexpiry expdatemonth expdateyear lastfour cvn cardref"
        ),
        _t("kreditkarte kreditkartennummer kartennummer cardnumber"),
    ),
    NameRule(
        "income",
        "financial",
        "income",
        _t(
            "income einkommen annualincome jahreseinkommen vermoegen vermögen schufa "
            "creditscore bonitaet bonität"
        ),
        _t("einkommen"),
        strength=0.7,
    ),
    NameRule(
        "tax_id",
        "government_id",
        "tax, VAT or national id",
        _t(
            "steuerid steueridnr steuernr steuernummer idnr taxid taxnumber tin ustid ustidnr "
            "vatid vatnumber vatno umsatzsteuerid svnr svnummer sozialversicherungsnummer "
            "rvnr rentenversicherungsnummer ssn socialsecurity socialsecuritynumber nationalid "
            "personalausweis ausweis ausweisnr ausweisnummer passport passnr passnummer "
            "reisepass passportnumber passportno driverslicense driverlicense fuehrerschein "
            "führerschein fuehrerscheinnr führerscheinnummer licenseid licensenumber "
            "versichertennummer krankenversicherungsnummer kvnr kennzeichen kfzkennzeichen "
            "licenseplate platenumber nationalregistrationnumber registrationnumber "
            "nationalidnumber idpers idprof siren siret tvaintra nif dni"
        ),
        _t(
            "steuernummer steuerid ausweisnummer sozialversicherungsnummer versichertennummer "
            "kennzeichen"
        ),
    ),
    NameRule(
        "ip",
        "online_id",
        "IP address",
        _t(
            "ip ipaddress ipadresse ipaddr ipv4 ipv6 remoteaddr remoteaddress clientip "
            "remoteip lastip loginip"
        ),
        _t("ipaddress ipadresse"),
    ),
    NameRule(
        "useragent",
        "online_id",
        "user agent or device",
        _t(
            "useragent browser deviceid geraeteid gerateid device devicename deviceidentifier "
            "idfa gaid advertisingid imei macaddress macadresse fingerprint uastring"
        ),
        _t("useragent deviceid"),
    ),
    NameRule(
        "cookie",
        "online_id",
        "cookie or session id",
        _t(
            "cookie cookieid sessionid session visitorid trackingid clientcookie gaclientid "
            "anonymousid tracking trackingcode"
        ),
        _t("cookie sessionid"),
        strength=0.8,
    ),
    NameRule(
        "login",
        "online_id",
        "user name or login",
        _t(
            "username benutzername login loginname userlogin screenname handle benutzerkennung "
            "openid ldapsid ldapdn samaccountname"
        ),
        _t("benutzername username"),
    ),
    NameRule(
        "password",
        "online_id",
        "password or its hash",
        _t(
            "password passwort pwd passwd passwordhash pwhash passwordsalt kennwort pin pass "
            "passcrypted passhash"
        ),
        _t("password passwort kennwort"),
    ),
    NameRule(
        "customer_number",
        "customer_id",
        "customer or person number",
        _t(
            "kdnr kundennr kundennummer kundenid kdnummer customernumber customerno customernr "
            "customerid clientid clientnumber memberid membernumber mitgliedsnr "
            "mitgliedsnummer mitgliednr userid personid employeeid mitarbeiterid "
            "mitarbeiternr personalnummer personalnr persnr patientid contactid subscriberid "
            "requesterid accountid codeclient clientcode customercode kundencode"
        ),
        _t("kundennummer kundennr mitgliedsnummer personalnummer kdnr"),
        lookup="id",
    ),
    NameRule(
        "job",
        "employment",
        "job or employment",
        _t(
            "jobtitle beruf occupation profession berufsbezeichnung stellenbezeichnung "
            "contacttitle jobrole jobposition jobdescription taetigkeit tätigkeit job poste"
        ),
        _t("berufsbezeichnung stellenbezeichnung jobtitle"),
        strength=0.8,
    ),
    NameRule(
        "department",
        "employment",
        "position or department",
        _t("position funktion abteilung department dept kostenstelle arbeitgeber employer team"),
        _t("abteilung"),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "salary",
        "employment",
        "salary",
        _t(
            "salary gehalt lohn bruttogehalt nettogehalt stundenlohn wage wages monatsgehalt "
            "jahresgehalt bonus salaryextra"
        ),
        _t("gehalt lohn"),
    ),
    NameRule(
        "hiring",
        "employment",
        "employment dates or manager",
        _t(
            "hiredate hiredon eintritt eintrittsdatum einstellungsdatum austritt austrittsdatum "
            "terminationdate kuendigungsdatum kündigungsdatum reportsto manager vorgesetzter "
            "supervisor probezeit arbeitszeit urlaubstage urlaubsanspruch employment "
            "weeklyhours workinghours hoursperweek wochenstunden holiday holidays vacation urlaub"
        ),
        _t("eintrittsdatum austrittsdatum vorgesetzter"),
    ),
    NameRule(
        "photo",
        "photo",
        "photo",
        _t(
            "photo foto picture pic bild avatar profilbild profilepicture profilephoto portrait "
            "passbild passfoto image photourl photopath avatarurl"
        ),
        _t("foto photo profilbild passbild avatar"),
        strength=0.7,
        needs_person=True,
    ),
    NameRule(
        "health",
        "special",
        "health data",
        _t(
            "diagnose diagnosis krankheit krankheiten allergie allergien allergies allergy "
            "behinderung disability schwerbehinderung gdb blutgruppe bloodtype medikamente "
            "medication gesundheit health healthstatus unvertraeglichkeit unverträglichkeit "
            "krankenkasse schwangerschaft pregnancy"
        ),
        _t("krankheit allergie diagnose behinderung"),
        special="health",
    ),
    NameRule(
        "religion",
        "special",
        "religion",
        _t(
            "religion konfession religionszugehoerigkeit religionszugehörigkeit "
            "kirchensteuer kirchensteuermerkmal glaube"
        ),
        _t("konfession religion"),
        special="religion",
    ),
    NameRule(
        "union",
        "special",
        "union membership",
        _t("gewerkschaft gewerkschaftsmitglied unionmember unionmembership tradeunion"),
        _t("gewerkschaft"),
        special="union_membership",
    ),
    NameRule(
        "ethnic",
        "special",
        "ethnic origin",
        _t("ethnicity ethnie ethnischeherkunft race hautfarbe migrationshintergrund"),
        special="ethnic_origin",
    ),
    NameRule(
        "orientation",
        "special",
        "sexual orientation",
        _t("sexualorientation sexuelleorientierung orientation"),
        special="sexual_orientation",
    ),
    NameRule(
        "political",
        "special",
        "political opinion",
        _t("partei parteimitgliedschaft politicalparty politicalopinion"),
        special="political_opinion",
    ),
    NameRule(
        "criminal",
        "special",
        "criminal records",
        _t("vorstrafen vorstrafe fuehrungszeugnis führungszeugnis criminalrecord convictions"),
        special="criminal",
    ),
    NameRule(
        "credential",
        "online_id",
        "login token or secret",
        _t(
            "token authtoken accesstoken refreshtoken apikey apitoken secret securekey "
            "secretkey twofactorsecret totpsecret otpkey otpsecret mfasecret recoverycode "
            "backupcode backupcodes resetcode resettoken passwordresettoken activation "
            "activationkey activationcode activationtoken credential credentials "
            "remembertoken sessiontoken logintoken invitetoken invitelinktoken confirmtoken "
            "confirmationtoken verificationtoken verifytoken unsubscribetoken otp otep totp"
        ),
        _t("token secret"),
        strength=0.8,
    ),
    NameRule(
        "device",
        "online_id",
        "device or browser data",
        _t(
            "os operatingsystem osversion osname osfamily browsername browserversion "
            "browserfamily browserengine devicetype devicemodel devicebrand clienttype "
            "resolution platform webbrowser"
        ),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "geo",
        "address",
        "geographic coordinates",
        _t(
            "latitude longitude geolat geolong geolng geopoint geolocation geocoordinates "
            "coordinates gps breitengrad laengengrad längengrad"
        ),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "website",
        "contact",
        "web page or social network",
        _t(
            "website webpage homepage webseite internetseite blog url socialnetworks "
            "socialnetwork socialmedia socialprofiles twitter facebook linkedin instagram "
            "xing skype"
        ),
        strength=0.6,
        needs_person=True,
    ),
    NameRule(
        "free_text",
        "free_text",
        "notes or free text",
        _t(
            "notes note notiz notizen bemerkung bemerkungen kommentar kommentare comment comments "
            "description beschreibung remarks remark anmerkung anmerkungen memo freitext text "
            "body htmlbody message nachricht nachrichten content inhalt details subject betreff "
            "transcript signature hinweis hinweise feedback antwort answer grund reason "
            "reasonother freetext info sonstiges misc question frage keyword keywords "
            "searchterm searchterms suchbegriff suchbegriffe other"
        ),
        _t(
            "notiz notizen bemerkung bemerkungen kommentar anmerkung nachricht beschreibung "
            "hinweis notes note comment"
        ),
        strength=0.6,
        needs_person=True,
    ),
)

RULES_BY_KEY = {rule.key: rule for rule in RULES}

GERMAN_LABELS: dict[str, str] = {
    "email": "E-Mail",
    "phone": "Telefon",
    "fax": "Fax",
    "extension": "Durchwahl",
    "person_name": "Name einer Person",
    "name": "Name",
    "alias": "Anzeige- oder Benutzername",
    "author": "Verfasser oder Bearbeiter",
    "salutation": "Anrede oder Geschlecht",
    "title": "Titel",
    "birthdate": "Geburtsdatum",
    "age": "Alter",
    "birthplace": "Geburtsort oder Staatsangehörigkeit",
    "street": "Straße oder Anschrift",
    "postcode": "Postleitzahl",
    "place": "Ort, Region oder Land",
    "iban": "IBAN oder Bankkonto",
    "card": "Zahlungskarte",
    "income": "Einkommen",
    "tax_id": "Steuer-, USt- oder Ausweisnummer",
    "ip": "IP-Adresse",
    "useragent": "Browserkennung oder Gerät",
    "cookie": "Cookie oder Sitzungskennung",
    "login": "Benutzer- oder Anmeldename",
    "password": "Passwort oder sein Hashwert",
    "customer_number": "Kunden- oder Personennummer",
    "job": "Beruf oder Beschäftigung",
    "department": "Stelle oder Abteilung",
    "salary": "Gehalt",
    "hiring": "Beschäftigungsdaten oder Vorgesetzte",
    "photo": "Foto",
    "health": "Gesundheitsdaten",
    "religion": "Religion",
    "union": "Gewerkschaftszugehörigkeit",
    "ethnic": "ethnische Herkunft",
    "orientation": "sexuelle Orientierung",
    "political": "politische Meinung",
    "criminal": "Straftaten",
    "credential": "Zugangsschlüssel oder Geheimnis",
    "device": "Geräte- oder Browserdaten",
    "geo": "geografische Koordinaten",
    "website": "Internetseite oder soziales Netzwerk",
    "free_text": "Notizen oder Freitext",
}
"""Each rule's label in German, for the German record's evidence (``NameRule.local_label``)."""

# Qualifiers in front of "name", "title", "number", "id": an object, not a person.
OBJECT_WORDS = frozenset(
    _t(
        "account product produkt artikel article item category kategorie company firma "
        "firmen firmenname unternehmen organisation organization org shipper supplier "
        "lieferant vendor brand marke "
        "album track song artist band playlist genre media mediatype file datei table tabelle "
        "column field feld street strasse city ort stadt country land region state store shop "
        "filiale branch department abteilung project projekt event veranstaltung campaign kampagne "
        "list liste template vorlage host server domain database db schema group gruppe team "
        "role rolle status type typ tag label sku model modell plan tarif course kurs film movie "
        "book buch publisher verlag language sprache currency waehrung bank location warehouse "
        "lager territory route channel kanal source quelle feature app application service "
        "customerdemo demographics territory invoice rechnung order bestellung ticket voucher "
        "gutschein coupon payment zahlung job station device geraet locale timezone zone via"
    )
)

# A last word that turns an identifier's name into a name about it: a flag, a count, a date.
MODIFIER_WORDS = frozenset(
    _t(
        "verified validated confirmed enabled disabled flag count anzahl status type typ optin "
        "opt optout consent einwilligung format template domain provider bounce bounced sent "
        "at on date datum time zeit timestamp changed updated created valid gueltig ok "
        "allowed visible hidden required length len hash_type "
        "campaign kampagne marketing language sprache locale version modified lang theme gen "
        "validity expired expires expiry msgid intermediate encoding algo algorithm"
    )
)
# A first word that makes a column a yes/no or a count about something.
FLAG_PREFIXES = frozenset(
    _t(
        "is has hat ist allow allows can needs need use uses show num no accepts accept "
        "unsubscribed subscribed opted anonymize anonymise"
    )
)

# First words that make a column a date or time about something (``date_signature``).
DATE_PREFIXES = frozenset(_t("date datum ts time timestamp"))

# Rules whose values are a short closed list, so that a key to that list still holds the
# person's data (``id_gender`` points to Mr/Ms); keys to anything else are only keys.
ENUM_RULES = frozenset(_t("salutation religion ethnic orientation political union device"))

# Last words of key columns.
ID_WORDS = ("id", "nr", "no", "number", "nummer", "num", "key", "fk", "ref", "code")

# Words naming a person in a key's name (``customer_id``, ``SupportRepId``, ``kdnr``).
PERSON_WORDS = (
    "customer",
    "kunde",
    "kunden",
    "kd",
    "client",
    "user",
    "benutzer",
    "member",
    "mitglied",
    "contact",
    "kontakt",
    "person",
    "subscriber",
    "abonnent",
    "employee",
    "mitarbeiter",
    "requester",
    "author",
    "buyer",
    "kaeufer",
    "käufer",
    "patient",
    "guest",
    "gast",
    "rep",
    "agent",
    "assignee",
    "submitter",
    "owner",
    "manager",
    "staff",
    "teilnehmer",
    "participant",
    "applicant",
    "bewerber",
    "student",
    "schueler",
    "schüler",
    "lead",
    "recipient",
    "empfaenger",
    "empfänger",
    "sender",
    "absender",
    "collaborator",
    "follower",
    "reviewer",
    "approver",
    "creator",
    "reporter",
    "sachbearbeiter",
    "bearbeiter",
    "pers",
    "debitor",
    "debtor",
    "mieter",
    "tenant",
    "versicherter",
    "insured",
    "passenger",
    "fahrgast",
    "driver",
    "fahrer",
    "holder",
    "inhaber",
    "partner",
    "vertreter",
    "salesperson",
    "emailcc",
    "visitor",
    "besucher",
    "affiliate",
    "socpeople",
    "people",
)

# Qualifiers that make a generic address part (city, country) a person's or a document's.
ADDRESS_QUALIFIERS = frozenset(
    _t(
        "billing bill ship shipping delivery liefer lieferung rechnung rechnungs home wohn privat "
        "private mailing post customer kunde kunden contact kontakt"
    )
)


def words(column: str) -> list[str]:
    """``customerEMail_Address`` → ``["customer", "e", "mail", "address"]``.

    Words written together in lower case are taken apart where every piece is a
    known word (``idvisitor`` → ``id visitor``, ``iplastlogin`` → ``ip last
    login``, ``dateemployment`` → ``date employment``): real schemas glue them.
    """
    spaced = _DIGITS.sub(" ", _CAMEL.sub(" ", column))
    found: list[str] = []
    for word in _SEPARATORS.split(spaced):
        if word:
            found += _segment(word.lower())
    return found


# Words that glued names are made of, besides every term and word list of this module.
_GLUE_WORDS = frozenset(
    _t(
        "last previous first date time weekly daily monthly hours hour extra social network "
        "networks two factor token auth string visitor visit action site goal link row sort web "
        "page end start geo lat long point msg ref ext user name type code key secret recovery "
        "invite login by out checked created modified short full display public private perso "
        "mobile office personal home work business order product item element object source "
        "target parent child group role status state option meta profile value field custom "
        "data config browser device resolution client location country city region employment "
        "salary birth place alias sign online session cookie access level count total amount "
        "price tax rate url lang language format intro"
    )
)
_SHORT_PIECES = frozenset(_t("id ip ua os"))


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    known: set[str] = set(_GLUE_WORDS)
    for rule in RULES:
        known.update(rule.terms)
        known.update(rule.compounds)
    known.update(PERSON_WORDS)
    known.update(ID_WORDS)
    known.update(MODIFIER_WORDS)
    known.update(FLAG_PREFIXES)
    known.update(OBJECT_WORDS)
    known.update(COMPANY_WORDS)
    return frozenset(w for w in known if len(w) >= 3 or w in _SHORT_PIECES)


@lru_cache(maxsize=4096)
def _segment(word: str) -> list[str]:
    """A lower-case word as the fewest known words it is glued from, or the word itself."""
    known = _vocabulary()
    if len(word) < 6 or word in known or not word.isalpha():
        return [word]
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 24), end):
            before = best[start]
            piece = word[start:end]
            if before is None or piece not in known:
                continue
            if best[end] is None or len(before) + 1 < len(best[end] or ()):
                best[end] = [*before, piece]
    found = best[len(word)]
    return found if found is not None and len(found) > 1 else [word]


def joins(parts: list[str], longest: int = 5) -> set[str]:
    """Every run of up to ``longest`` neighbouring words, joined: the forms the terms use."""
    found = set()
    for start in range(len(parts)):
        for end in range(start + 1, min(len(parts), start + longest) + 1):
            found.add("".join(parts[start:end]))
    return found


@dataclass(frozen=True)
class NameHint:
    rule: NameRule
    term: str  # the term that matched, for the evidence
    qualifier: str  # the words in front of the matched term, joined ("billing", "ship")


def _strip_digits(parts: list[str]) -> list[str]:
    return [p for p in parts if not p.isdigit()] or parts


@lru_cache(maxsize=8192)
def name_hint(column: str) -> NameHint | None:
    """The strongest name rule a column's name matches, or None (cached: the lookup engine
    asks for the same few column names once per row it reads).

    A term that ends the name wins (``Default Address City`` is a city), then
    the longest term (``emailadresse`` beats ``adresse``, ``streetname`` beats
    ``name``); names ending in a flag, count or date
    word (``email_verified``, ``phone_count``, ``created_at``) give no hint,
    since they are about an identifier, not the identifier itself, unless the
    whole name is a term (``geb_datum``, ``hire_date``).
    """
    parts = _strip_digits(words(column))
    if not parts:
        return None
    joined = "".join(parts)
    runs = joins(parts)
    best: tuple[bool, int, int, NameRule, str] | None = None
    for order, rule in enumerate(RULES):
        for term in rule.terms:
            if term in runs:
                candidate = (joined.endswith(term), len(term), -order, rule, term)
                if best is None or candidate[:3] > best[:3]:
                    best = candidate
        for term in rule.compounds:
            if len(term) >= 4 and any(p.endswith(term) and p != term for p in parts):
                candidate = (joined.endswith(term), len(term), -order, rule, term)
                if best is None or candidate[:3] > best[:3]:
                    best = candidate
    if best is None:
        return None
    _, _, _, rule, term = best
    if len(parts) > 1 and parts[0] in FLAG_PREFIXES and not joined.startswith(term):
        return None
    if (
        len(parts) > 1
        and parts[0] in DATE_PREFIXES
        and not joined.startswith(term)
        and rule.key not in ("birthdate", "hiring")
    ):
        return None
    if (
        _is_key_form(parts, column)
        and rule.key not in ENUM_RULES
        and (parts[0] in KEY_PREFIXES or not joined.endswith(term))
    ):
        return None
    if (
        parts[-1] in MODIFIER_WORDS
        and not joined.endswith(term)
        and rule.key not in ("birthdate", "hiring")
    ):
        return None
    position = joined.rfind(term)
    qualifier = joined[:position] if position > 0 else ""
    return NameHint(rule, term, qualifier)


KEY_PREFIXES = ("fk", "id")
"""First words of keys written the other way round: ``fk_soc``, ``id_customer``, ``idvisitor``."""

# Last words of a key's name that make it a key to a kind of thing, not to a person.
_NOT_PERSON_LAST = frozenset(_t("type typ group gruppe status role rolle"))

# Words naming things keys point to, beside OBJECT_WORDS: a key ending in one is not a person's.
KEY_OBJECT_WORDS = frozenset(
    _t(
        "message messages nachricht thread token cart address adresse session connection "
        "connections visit action site goal link element object source target item entity "
        "field attribute module page menu category zone state currency lang carrier "
        "manufacturer tab mailing campaign segment report dashboard"
    )
)


def _is_key_form(parts: list[str], column: str) -> bool:
    joined = "".join(parts)
    return (
        parts[-1] in ID_WORDS
        or (joined.endswith("id") and len(joined) > 2 and column[-2:] in ("Id", "ID", "id"))
        or (len(parts) >= 2 and parts[0] in KEY_PREFIXES)
    )


def is_key_name(column: str) -> bool:
    """Whether a name reads as a key: ``id``, ``CustomerId``, ``kunden_nr``, ``order_no``,
    and the other way round, ``fk_soc``, ``id_customer``, ``idvisitor``."""
    parts = words(column)
    return bool(parts) and _is_key_form(parts, column)


def key_words(column: str) -> list[str]:
    """The words of a key's name without its id words: ``fk_user_author`` → ``user author``,
    ``SupportRepId`` → ``support rep``, ``customerid`` → ``customer``."""
    parts = words(column)
    if len(parts) >= 2 and parts[0] in KEY_PREFIXES:
        parts = parts[1:]
    if parts and parts[-1] in ID_WORDS:
        parts = parts[:-1]
    if (
        parts
        and len(parts[-1]) > 2
        and parts[-1].endswith("id")
        and column[-2:]
        in (
            "Id",
            "ID",
            "id",
        )
    ):
        parts = [*parts[:-1], parts[-1][:-2]]
    return parts


def key_stem(column: str) -> str:
    """The name of a key without its id word: ``SupportRepId`` → ``supportrep``."""
    return "".join(key_words(column))


def names_person_words(parts: list[str]) -> bool:
    """Whether a key's words name a person: ``user author``, ``support rep``, ``last
    customer``; not ``customer type`` or ``address delivery``.

    Read from the end: the last word that names a person or a thing decides; words
    that name neither (``author``'s ``modif``, ``valid``, ``last``) are passed over.
    """
    if not parts or parts[-1] in _NOT_PERSON_LAST:
        return False
    for word in reversed(parts):
        if word in PERSON_WORDS:
            return True
        if word in OBJECT_WORDS or word in KEY_OBJECT_WORDS:
            return False
    return len(parts) == 1 and any(
        parts[0].endswith(w) and len(parts[0]) - len(w) <= 4 for w in PERSON_WORDS if len(w) >= 4
    )


def names_person(stem: str) -> bool:
    """Whether a key's stem names a person: ``customer``, ``supportrep``, ``kunden``."""
    return bool(stem) and names_person_words(words(stem))


COMPANY_WORDS = frozenset(
    _t(
        "company companyname firma firmenname unternehmen organisation organization "
        "organisationname organizationname orgname businessname arbeitgeber employer"
    )
)


def names_company(column: str) -> bool:
    """A company's name: ``Company``, ``Firma``, ``Default Address Company``, ``Company name``."""
    parts = words(column)
    if not parts:
        return False
    joined = "".join(parts)
    return (
        parts[-1] in COMPANY_WORDS
        or joined in COMPANY_WORDS
        or (len(parts) >= 2 and "".join(parts[-2:]) in COMPANY_WORDS)
    )


def names_object(qualifier: str) -> bool:
    """Whether the words before ``name``/``title`` name a thing: ``product``, ``shipper``."""
    return bool(qualifier) and any(qualifier.endswith(w) for w in OBJECT_WORDS if len(w) >= 3)


def identifier_kind(column: str) -> IdentifierKind | None:
    """The kind of identifier a column's name suggests, or None.

    Used by ``dsr sources check`` (unindexed lookup columns) before any
    classification ran: e-mail, phone and person-key columns by name alone.
    """
    hint = name_hint(column)
    if hint is not None and hint.rule.key in ("email", "phone"):
        return hint.rule.lookup
    if hint is not None and hint.rule.key == "customer_number":
        return "id"
    if is_key_name(column) and names_person_words(key_words(column)):
        return "id"
    return None
