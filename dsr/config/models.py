"""The validated shape of dsr.yaml.

Only ``controller.name`` is required; everything else has a default, and what the
Art. 30 record needs but the file leaves empty is reported as a gap, not an error.
A source entry has the common processing metadata below plus the options of its
connector, which validates them with its own model (see ``connectors``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dsr.classify.taxonomy import Category
from dsr.config.fields import ConfigPath, DatabaseUrl
from dsr.config.localise import localise
from dsr.config.texts import Language, LocalText

SOURCE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


class Strict(BaseModel):
    """Rejects unknown keys, so a typo is an error and not a silently ignored setting."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Contact(Strict):
    """A person or office with contact details (DPO, representative, the contact person of
    a processing activity, a joint controller). ``salutation`` and ``title`` are the DSK
    template's fields for the DPO ("Frau", "Dr.")."""

    name: str | None = None
    salutation: str | None = None
    title: str | None = None
    address: str | None = None
    email: str | None = None
    phone: str | None = None


class Transfer(Strict):
    """A transfer to a third country or an international organisation that is not one of
    the source's processors (Art. 30(1)(e)): who, where, and the documented safeguards."""

    recipient: LocalText
    country: str = Field(min_length=2, description="ISO 3166-1 alpha-2, or the organisation")
    safeguards: LocalText | None = None


class Controller(Strict):
    """The company responsible for the processing (Art. 4(7), Art. 30(1)(a))."""

    name: str = Field(min_length=1)
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    representative: Contact | None = None
    dpo: Contact | None = None
    supervisory_authority: str | None = None
    # Facts an access letter states and nothing in the data can tell (Art. 15(1)(h), 15(2)):
    # no silent default. ``false``: none; a text: what is decided automatically, the logic,
    # its significance and consequences (a credit check that decides the payment options).
    automated_decisions: Literal[False] | LocalText | None = None
    # ``false``: no data leaves the EU/EEA apart from processors named with their country;
    # ``true``: transfers happen (name the processors with country and safeguards).
    third_country_transfers: bool | None = None


class Deadline(Strict):
    """How Art. 12(3) deadlines are counted and when dsr warns."""

    holidays: str = "DE"
    target_days: int = Field(default=14, ge=1, le=90)
    warn_days: int = Field(default=5, ge=0, le=60)
    # POLICY (law.md 2.2): holidays of only part of a state count only when named here,
    # e.g. [catholic] for 15 August in Catholic-majority Bavarian municipalities.
    holiday_categories: list[str] = Field(default_factory=list)
    # POLICY (law.md 2.3, 2.4): an extension and an identity pause are counted from the
    # unshifted end of the first month; the weekend/holiday shift is applied once, at the end.
    extension_from: Literal["unshifted", "shifted"] = "unshifted"
    pause_added_to: Literal["unshifted", "shifted"] = "unshifted"
    identity_question_warn_working_days: int = Field(default=3, ge=1, le=30)

    @field_validator("holidays")
    @classmethod
    def _known_holidays(cls, value: str) -> str:
        import holidays

        country, _, subdivision = value.strip().partition("-")
        country = country.upper()
        supported = holidays.list_supported_countries()
        if country not in supported:
            raise ValueError(f"unknown country '{country}'; use an ISO 3166 code such as DE")
        if subdivision:
            # The holidays package spells states in capitals (BW) but cities as names
            # (Augsburg): match without regard to case and keep its spelling.
            spelling = {s.upper(): s for s in supported[country]}
            if subdivision.upper() not in spelling:
                known = ", ".join(f"{country}-{s}" for s in sorted(supported[country]))
                raise ValueError(
                    f"unknown subdivision '{subdivision}' of {country}; known: {known}"
                )
            return f"{country}-{spelling[subdivision.upper()]}"
        return country

    @property
    def country(self) -> str:
        return self.holidays.partition("-")[0]

    @property
    def subdivision(self) -> str | None:
        return self.holidays.partition("-")[2] or None


class Processor(Strict):
    """A processor (Art. 28) that holds a source's data for the controller."""

    name: str = Field(min_length=1)
    country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    safeguards: LocalText | None = None

    @field_validator("country")
    @classmethod
    def _upper(cls, value: str) -> str:
        if not value.isalpha():
            raise ValueError("expected a two-letter country code such as DE or US")
        return value.upper()


class SourceCommon(Strict):
    """Processing metadata any source may carry, whatever its type.

    ``columns`` is where a person confirms or corrects the classifier: keys are
    ``TABLE.COLUMN``, values the categories it holds (``[contact]``), or ``[]``
    for "no personal data". ``activity`` groups several sources into one
    processing activity of the Art. 30 record (default: one per source).
    """

    type: str
    activity: str | None = None
    columns: dict[str, list[Category]] = Field(default_factory=dict)
    description: LocalText | None = None
    purpose: LocalText | None = None
    legal_basis: LocalText | None = None
    data_subjects: list[LocalText] = Field(default_factory=list)
    # None: not stated (a gap); []: nobody outside the company receives this data.
    recipients: list[LocalText] | None = None
    processor: Processor | None = None
    # How long data not under a retention rule is kept, in words a customer understands
    # ("bis zur Löschung Ihres Kundenkontos"); None: not stated (a gap in the letter).
    storage_period: LocalText | None = None
    # What the access letter calls a column instead of the built-in label, by column
    # name: ``kdnr: {de: Kundennummer, en: Customer number}``.
    labels: dict[str, LocalText] = Field(default_factory=dict)
    # The DSK template's fields an activity needs besides Art. 30(1): the department
    # responsible and its contact person; joint controllers (Art. 26; [] for none, None
    # not stated); recipients inside the company by department or function
    # (``recipients`` are those outside it); transfers to third countries other than the
    # processor's ([] for "none and none planned"); periods per table where one differs
    # from ``storage_period`` (``web_sessions: {de: "90 Tage", en: "90 days"}``).
    department: LocalText | None = None
    contact: Contact | None = None
    joint_controllers: list[Contact] | None = None
    internal_recipients: list[LocalText] | None = None
    transfers: list[Transfer] | None = None
    storage_periods: dict[str, LocalText] = Field(default_factory=dict)


class Source(SourceCommon):
    """A validated source: the common metadata plus its connector's options."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: str
    options: Any = None
    error: str | None = None  # the connector could not be loaded; the source cannot be used


class Requests(Strict):
    """How long the ledger keeps whom a closed request was about."""

    # After this many days closed, identifiers are replaced by keyed hashes (HMAC).
    pseudonymise_after_days: int = Field(default=365, ge=0, le=3650)


class ColumnRef(Strict):
    """One column of one table of one source."""

    source: str = Field(min_length=1)
    table: str = Field(min_length=1)
    column: str = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        """``shop.customers.customer_number``: source, table, then the column (which may hold
        dots, as flattened JSON columns do). Tables with a dot in their name need the
        mapping form ``{source: ..., table: ..., column: ...}``."""
        if isinstance(value, str):
            parts = value.split(".", 2)
            if len(parts) != 3 or not all(parts):
                raise ValueError("expected SOURCE.TABLE.COLUMN, e.g. shop.customers.id")
            return {"source": parts[0], "table": parts[1], "column": parts[2]}
        return value

    def __str__(self) -> str:
        return f"{self.source}.{self.table}.{self.column}"


class Link(Strict):
    """Rows of ``from`` belong to the row of ``to`` holding the same value, across sources
    (a Zendesk user's ``external_id`` is the shop's customer number)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: ColumnRef = Field(alias="from")
    to: ColumnRef
    where: dict[str, list[str]] | None = None
    """Only the ``from`` rows whose columns hold one of these values are on the link
    (Dolibarr's ``element_contact.fk_socpeople`` is a contact for external roles only:
    ``where: {fk_c_type_contact: ['40', '41', ...]}``). Within one source only."""

    @field_validator("where", mode="before")
    @classmethod
    def _values_as_text(cls, value: Any) -> Any:
        """``{col: 40}`` or ``{col: [40, 41]}``: values compared as text."""
        if isinstance(value, dict):
            if len(value) != 1:
                raise ValueError("where: name exactly one column and its values")
            return {
                str(k): [str(v) for v in (vs if isinstance(vs, list) else [vs])]
                for k, vs in value.items()
            }
        return value


class RetentionRule(Strict):
    """A legal duty to keep rows (Art. 17(3)(b)), e.g. invoices for 8 years."""

    name: str = Field(min_length=1)
    tables: list[str] = Field(min_length=1)
    date_column: str | None = None
    years: int = Field(ge=1, le=30)
    basis: LocalText

    @field_validator("basis")
    @classmethod
    def _has_basis(cls, value: LocalText) -> LocalText:
        if not any(value.versions.values()):
            raise ValueError("name the law that requires keeping the rows, e.g. § 147 AO")
        return value


class Config(Strict):
    """All of dsr.yaml, after validation; ``path`` is the file it came from."""

    path: Path
    controller: Controller
    language: Language = "de"
    languages: list[Language] = Field(default_factory=list)
    deadline: Deadline = Field(default_factory=Deadline)
    ledger: DatabaseUrl
    templates: ConfigPath | None = None
    security_measures: list[LocalText] = Field(default_factory=list)
    requests: Requests = Field(default_factory=Requests)
    sources: dict[str, Source] = Field(default_factory=dict)
    retention: list[RetentionRule] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    # The technical and organisational measures by reference (the security concept's
    # name and version), beside or instead of ``security_measures``.
    security_reference: LocalText | None = None
    # A DPO's decision on an inventory finding, by the finding's id (``dsr inventory``
    # prints it): the finding is then listed as decided instead of open.
    decisions: dict[str, LocalText] = Field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def written_languages(self) -> list[str]:
        """The languages the company writes letters in: ``language`` first, then ``languages``;
        ``dsr config check`` reports every text that lacks a version in one of them."""
        return list(dict.fromkeys([self.language, *self.languages]))

    def in_language(self, language: str) -> Config:
        """This configuration with every text in ``language``, for a letter or record in it.

        A text without a version in ``language`` becomes None (a list item: the key to fill
        in brackets, so a recipient is never silently dropped), never the other language's
        sentence; the letter's facts then name the gap and the letter stays a draft. Label
        overrides without the version are left out, so the built-in label is used.
        """
        return localise(self, language)


class ConfigFile(Strict):
    """The top level of dsr.yaml as written, before sources are handed to connectors."""

    controller: Controller
    language: Language = "de"
    # Further languages letters are written in (a person's rows may say ``language = en``).
    languages: list[Language] = Field(default_factory=list)
    deadline: Deadline = Field(default_factory=Deadline)
    ledger: DatabaseUrl | None = None
    templates: ConfigPath | None = None
    security_measures: list[LocalText] = Field(default_factory=list)
    requests: Requests = Field(default_factory=Requests)
    sources: dict[str, dict[str, Any]] = Field(default_factory=dict)
    retention: list[RetentionRule] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    # The technical and organisational measures by reference (the security concept's
    # name and version), beside or instead of ``security_measures``.
    security_reference: LocalText | None = None
    # A DPO's decision on an inventory finding, by the finding's id (``dsr inventory``
    # prints it): the finding is then listed as decided instead of open.
    decisions: dict[str, LocalText] = Field(default_factory=dict)

    @field_validator("sources", "retention", "security_measures", "links", mode="before")
    @classmethod
    def _empty_section(cls, value: Any, info: ValidationInfo) -> Any:
        """A section whose entries are all commented out reads as None: take it as empty."""
        if value is None:
            return {} if info.field_name == "sources" else []
        return value
