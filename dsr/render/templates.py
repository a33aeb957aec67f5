"""The Jinja2 environment every document is rendered with.

Each document is written once (``templates/<document>.md.j2``); its wording is
marked for translation (``{{ _("…") }}``, ``{% trans %}``) and comes from the
Babel catalogues ``templates/locale/<language>/LC_MESSAGES/messages.po``, read
at run time so no compiled binary sits in the repository. The HTML of a document
is its Markdown converted inside one shared layout (``layout.html.j2``), and the
PDF is that HTML printed: the three formats cannot say different things.

A user's own ``templates:`` folder (dsr.yaml) is searched first, then the
templates packaged with dsr, so one file can be overridden without copying the
rest; a user's older per-language override (``de/<document>.md.j2``) still
counts. Undefined variables are errors, so a template and its caller cannot
drift apart silently, and HTML is autoescaped.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from jinja2 import (
    BaseLoader,
    Environment,
    StrictUndefined,
    Template,
    TemplateNotFound,
)
from markupsafe import Markup

from dsr.errors import DsrError, Problem, Where
from dsr.requests.deadline_names import format_date

_ESCAPED = (".html", ".htm", ".xml")
LAYOUT = "layout.html.j2"
"""The page every HTML document is printed on: the CSS and the <head>."""


def packaged_templates() -> Path:
    """The folder of templates shipped inside the installed dsr package."""
    return Path(str(files("dsr.templates")))


def catalogue_path(language: str, base: Path | None = None) -> Path:
    """Where the wording of ``language`` lives (a Babel ``.po`` file)."""
    root = base if base is not None else packaged_templates()
    return root / "locale" / language / "LC_MESSAGES" / "messages.po"


@cache
def translations(language: str) -> Translations:
    """The catalogue of ``language`` as gettext translations; fuzzy entries do not count,
    so a wording nobody has checked falls back to the English msgid (and the test in
    tests/test_messages.py fails on it)."""
    path = catalogue_path(language)
    if not path.is_file():
        raise DsrError(
            Problem(
                f"no wording for language '{language}'",
                Where(file=path),
                "use de or en, or reinstall dsr",
            )
        )
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def _autoescape(name: str | None) -> bool:
    if name is None:
        return False
    return name.removesuffix(".j2").lower().endswith(_ESCAPED)


class _DocumentLoader(BaseLoader):
    """Find ``name`` in the user's folder, then dsr's: for each, the one-template form
    ``<name>`` and the older per-language form ``<language>/<name>`` (the user's new
    form wins; dsr's own language folders hold the documents not yet converted)."""

    def __init__(self, user_dir: Path | None, language: str | None) -> None:
        self.folders = [user_dir] if user_dir is not None else []
        self.folders.append(packaged_templates())
        self.language = language

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        names = [template]
        if self.language and "/" not in template:
            names.append(f"{self.language}/{template}")
        elif self.language and template.startswith(f"{self.language}/"):
            # A user's older template imports "de/inventory.labels.j2", now one for all.
            names.append(template.removeprefix(f"{self.language}/"))
        for folder in self.folders:
            for name in names:
                path = folder / name
                if path.is_file():
                    mtime = path.stat().st_mtime
                    source = path.read_text(encoding="utf-8")
                    return source, str(path), lambda p=path, m=mtime: p.stat().st_mtime == m
        raise TemplateNotFound(template)


def _date_filter(language: str) -> Callable[[Any, str], str]:
    def formatted(value: Any, style: str = "long") -> str:
        if value is None or value == "":
            return ""
        if isinstance(value, str):  # 2026-12-07, 2026-12-07T10:00:00, or a month: 2026-12
            value = date.fromisoformat(value[:10] if len(value) > 7 else f"{value}-01")
        if isinstance(value, datetime):
            value = value.date()
        return format_date(value, language, style)

    return formatted


def format_number(value: float | int | Decimal, language: str, *, grouped: bool = True) -> str:
    """A number as people of ``language`` write it (``39,5`` / ``39.5``). A stored
    ``Decimal`` keeps its places (``5.50`` is ``5,50``: an amount), a float shows what it
    holds; ``grouped=False`` for values from data, where ``1002374`` is an order number."""
    pattern = None
    if isinstance(value, Decimal) and value.is_finite():
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        pattern = ("#,##0" if grouped else "0") + ("." + "0" * places if places else "")
    elif not grouped:
        pattern = "0.##########"
    try:
        return str(format_decimal(value, format=pattern, locale=language))
    except (InvalidOperation, ValueError):  # nan, inf, beyond the decimal context's precision
        return str(value)


def _number_filter(language: str) -> Callable[[Any], str]:
    def formatted(value: Any) -> str:
        return format_number(value, language)

    return formatted


def environment(user_dir: Path | None = None, language: str | None = None) -> Environment:
    """A Jinja environment over the user's templates (if any), then dsr's own, with the
    wording of ``language`` installed (``_``, ``ngettext``, ``pgettext``) and the filters
    ``date`` (``{{ day | date("short") }}``, styles: dsr.requests.deadline_names.DATE_STYLES)
    and ``number`` (``39,5`` / ``39.5``), so a template never spells a date or number itself."""
    env = Environment(
        loader=_DocumentLoader(user_dir, language),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    wording = translations(language or "en")
    env.install_gettext_translations(wording, newstyle=True)  # type: ignore[attr-defined]
    env.globals["language"] = language or "en"
    env.filters["date"] = _date_filter(language or "en")
    env.filters["number"] = _number_filter(language or "en")
    return env


def load_template(env: Environment, name: str) -> Template:
    """The template ``name``; a missing one is a DsrError that says where to look."""
    try:
        return env.get_template(name)
    except TemplateNotFound as exc:
        raise DsrError(
            Problem(
                "template not found",
                Where(file=Path(name)),
                "check the templates: folder in dsr.yaml, or reinstall dsr",
            )
        ) from exc


def render(
    name: str,
    context: Mapping[str, Any],
    *,
    language: str | None = None,
    user_dir: Path | None = None,
) -> str:
    """Render the document ``name`` in ``language`` with ``context``."""
    return load_template(environment(user_dir, language), name).render(**context)


def _markdown() -> Any:
    from markdown_it import MarkdownIt

    # No raw HTML: a value in a document (a name, a ticket text) is text, never markup.
    return MarkdownIt("commonmark", {"breaks": True, "html": False}).enable("table")


def html_from_markdown(
    text: str,
    *,
    language: str,
    document: str,
    user_dir: Path | None = None,
) -> str:
    """The Markdown ``text`` as a self-contained HTML page in the shared layout; the
    page's title is the document's first heading."""
    parser = _markdown()
    tokens = parser.parse(text)
    title = next(
        (
            tokens[i + 1].content
            for i, token in enumerate(tokens)
            if token.type == "heading_open" and i + 1 < len(tokens)
        ),
        "",
    )
    body = parser.renderer.render(tokens, parser.options, {})
    context = {"title": title, "body": Markup(body), "document": document}
    return render(LAYOUT, context, language=language, user_dir=user_dir)


def render_document(
    name: str,
    context: Mapping[str, Any],
    *,
    language: str,
    fmt: str,
    user_dir: Path | None = None,
) -> str:
    """The document ``name`` (``erasure_evidence``) as Markdown (``md``) or HTML
    (``html``): the same Markdown in the shared layout, unless an HTML template of the
    document exists (a user's own, or one not yet converted to the one-template form)."""
    env = environment(user_dir, language)
    if fmt == "html":
        try:
            own_html = env.get_template(f"{name}.html.j2")
        except TemplateNotFound:
            pass
        else:
            return own_html.render(**context)
    text = load_template(env, f"{name}.md.j2").render(**context)
    if fmt == "md":
        return text
    return html_from_markdown(text, language=language, document=name, user_dir=user_dir)
