"""Texts of dsr.yaml that a customer or an authority reads, in every language the company writes.

A purpose, a recipient or a retention basis may be written plainly, in dsr.yaml's
``language``, or per language: ``{de: "Versand Ihrer Bestellung", en: "Shipping your
order"}``. A letter in English must not carry the German sentence, so each text keeps
all its versions: ``Config.in_language`` picks one language's version for a letter,
and ``find_gaps`` names every version a language lacks (``sources.shop.purpose.en``).

A ``LocalText`` *is* a str: the version in the language the configuration was read
(or resolved) for, "" when that language has none. Code that writes a letter or a
record therefore reads ``source.purpose`` as text, as it did before texts had
languages, and a plain string in dsr.yaml means exactly what it always meant.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

from pydantic import GetCoreSchemaHandler, ValidationInfo
from pydantic_core import core_schema

Language = Literal["de", "en"]
LANGUAGES: tuple[str, ...] = get_args(Language)
DEFAULT_LANGUAGE = "de"


class LocalText(str):
    """A text of dsr.yaml with its version per language."""

    versions: dict[str, str]

    def __new__(cls, text: str, versions: Mapping[str, str]) -> LocalText:
        self = super().__new__(cls, text)
        self.versions = dict(versions)
        return self

    @classmethod
    def plain(cls, text: str, language: str = DEFAULT_LANGUAGE) -> LocalText:
        """A text written without languages: it is in the configuration's language."""
        return cls(text, {language: text})

    def version(self, language: str) -> LocalText | None:
        """This text as a letter in ``language`` states it; None when it has no such version."""
        text = self.versions.get(language)
        return None if text is None else LocalText(text, self.versions)

    def missing(self, languages: tuple[str, ...] | list[str]) -> list[str]:
        """The languages among ``languages`` this text has no version in."""
        return [language for language in languages if not self.versions.get(language)]

    def __reduce__(self) -> tuple[Any, ...]:
        return (LocalText, (str(self), self.versions))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            _validate,
            # Dumped as the text it stands for: a summary or a stored plan shows one language.
            serialization=core_schema.to_string_ser_schema(),
        )


def _validate(value: Any, info: ValidationInfo) -> LocalText:
    """A plain string is in the configuration's language (``language`` in the validation
    context, German without one); a mapping gives the versions by language code."""
    if isinstance(value, LocalText):
        return value
    context = info.context or {}
    language = context.get("language")
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    if isinstance(value, str):
        return LocalText.plain(value, language)
    if isinstance(value, Mapping):
        if not value:
            raise ValueError(f"give the text in at least one language ({', '.join(LANGUAGES)})")
        versions: dict[str, str] = {}
        for key, text in value.items():
            if key not in LANGUAGES:
                raise ValueError(
                    f"unknown language '{key}'; texts can be given in {', '.join(LANGUAGES)}"
                )
            if not isinstance(text, str):
                raise ValueError(f"expected a text for '{key}'")
            versions[str(key)] = text
        return LocalText(versions.get(language, ""), versions)
    raise ValueError('expected a text, or one per language: {de: "...", en: "..."}')
