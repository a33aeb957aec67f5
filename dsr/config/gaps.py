"""What the Art. 30 record and the letters will need but dsr.yaml leaves empty.

Only ``controller.name`` is required, so a first dsr.yaml is quick to write; the
rest is reported as gaps to fill instead of errors, in the order a DPO would
fill them. A text given in one language but needed in another (a German purpose
where letters are also written in English) is a gap too, keyed by the language:
``sources.shop.purpose.en``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from dsr.config.localise import texts
from dsr.config.models import Config
from dsr.config.texts import LocalText

# EU member states plus Iceland, Liechtenstein and Norway: transfers inside need no safeguards.
EEA = frozenset(
    {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
        "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU", "LV", "MT",
        "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
    }
)


_LANGUAGE_NAMES = {"de": "German", "en": "English"}


@dataclass(frozen=True)
class Gap:
    key: str
    message: str


def _unset(value: Any) -> bool:
    """Not given in any language (a text with only an English version is set)."""
    if isinstance(value, LocalText):
        return not any(value.versions.values())
    return not value


def find_gaps(config: Config, languages: Sequence[str] | None = None) -> list[Gap]:
    """Every missing piece the record of processing or an Art. 15 answer will need, and
    every text without a version in one of ``languages`` (default: the languages the
    company writes in, ``Config.written_languages``)."""
    gaps: list[Gap] = []
    controller = config.controller
    for key, needed_for in (
        ("address", "the record (Art. 30(1)(a)) and every letter"),
        ("email", "the record (Art. 30(1)(a)) and every letter"),
    ):
        if _unset(getattr(controller, key)):
            gaps.append(Gap(f"controller.{key}", f"not set; needed for {needed_for}"))
    if controller.dpo is None or not (controller.dpo.name or controller.dpo.email):
        gaps.append(
            Gap("controller.dpo", "no data-protection officer named (Art. 30(1)(a), Art. 37)")
        )
    if not controller.supervisory_authority:
        gaps.append(
            Gap(
                "controller.supervisory_authority",
                "not set; access answers must name where to complain (Art. 15(1)(f))",
            )
        )
    for key, question in (
        ("automated_decisions", "false, or what is decided about people automatically"),
        ("third_country_transfers", "false, or true with each processor's country"),
    ):
        if getattr(controller, key) is None:
            gaps.append(
                Gap(
                    f"controller.{key}",
                    f"not set ({question}); access letters stay drafts without it (Art. 15)",
                )
            )
    if not config.security_measures:
        gaps.append(
            Gap("security_measures", "no technical and organisational measures (Art. 30(1)(g))")
        )
    if not config.sources:
        gaps.append(Gap("sources", "no sources yet: dsr has nowhere to look for personal data"))
    for name, source in config.sources.items():
        for key, needed_for in (
            ("purpose", "Art. 30(1)(b), Art. 15(1)(a)"),
            ("legal_basis", "Art. 6, Art. 15(1)(a)"),
        ):
            if _unset(getattr(source, key)):
                gaps.append(Gap(f"sources.{name}.{key}", f"not set ({needed_for})"))
        if source.recipients is None:
            gaps.append(
                Gap(
                    f"sources.{name}.recipients",
                    "who receives the data, [] for nobody (Art. 15(1)(c))",
                )
            )
        if _unset(source.storage_period):
            gaps.append(
                Gap(
                    f"sources.{name}.storage_period",
                    "how long data no retention rule keeps is stored (Art. 15(1)(d))",
                )
            )
        if not source.data_subjects:
            gaps.append(Gap(f"sources.{name}.data_subjects", "whose data this is (Art. 30(1)(c))"))
        # The DSK template's fields of the record: who answers for the activity, with whom.
        for key, question in (
            ("department", "the department responsible (DSK record template)"),
            ("contact", "the contact person: name, phone, e-mail (DSK record template)"),
            ("joint_controllers", "joint controllers (Art. 26), [] for none"),
            ("internal_recipients", "who inside the company receives the data, [] for nobody"),
        ):
            if _unset(getattr(source, key)) and getattr(source, key) != []:
                gaps.append(Gap(f"sources.{name}.{key}", f"not set: {question}"))
        abroad = source.processor is not None and (
            source.processor.country not in EEA
        )
        if source.transfers is None and not abroad:
            gaps.append(
                Gap(
                    f"sources.{name}.transfers",
                    "transfers to third countries, [] for none and none planned "
                    "(Art. 30(1)(e))",
                )
            )
        processor = source.processor
        if (
            processor is not None
            and processor.country not in EEA
            and _unset(processor.safeguards)
        ):
            gaps.append(
                Gap(
                    f"sources.{name}.processor.safeguards",
                    f"processor in {processor.country} (outside the EEA) without named "
                    "safeguards such as SCC or DPF (Art. 30(1)(e), Art. 46)",
                )
            )
    wanted = config.written_languages if languages is None else list(languages)
    for key, text in texts(config):
        if _unset(text):
            continue
        for language in text.missing(wanted):
            name = _LANGUAGE_NAMES.get(language, language)
            gaps.append(
                Gap(
                    f"{key}.{language}",
                    f"no {name} version; give the text as {{de: ..., en: ...}}",
                )
            )
    return gaps


def gaps_of(config: Config, facts: Collection[str], language: str) -> list[Gap]:
    """The gaps among ``facts`` (keys such as ``sources.shop.recipients``) for a letter in
    ``language``; a missing version (``sources.shop.recipients[1].en``) belongs to its fact."""
    return [
        gap
        for gap in find_gaps(config, [language])
        if any(gap.key == f or gap.key.startswith((f"{f}.", f"{f}[")) for f in facts)
    ]
