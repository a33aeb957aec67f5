"""The Jinja2 environment every document is rendered with.

A user's own ``templates:`` folder (dsr.yaml) is searched first, then the
templates packaged with dsr, so one file can be overridden without copying the
rest. Language-specific templates live in ``de/`` and ``en/``. Undefined
variables are errors, so a template and its caller cannot drift apart silently,
and HTML is autoescaped.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
)

from dsr.errors import DsrError, Problem, Where

_ESCAPED = (".html", ".htm", ".xml")


def packaged_templates() -> Path:
    """The folder of templates shipped inside the installed dsr package."""
    return Path(str(files("dsr.templates")))


def _autoescape(name: str | None) -> bool:
    if name is None:
        return False
    return name.removesuffix(".j2").lower().endswith(_ESCAPED)


def environment(user_dir: Path | None = None) -> Environment:
    """A Jinja environment over the user's templates (if any), then dsr's own."""
    loaders = []
    if user_dir is not None:
        loaders.append(FileSystemLoader(str(user_dir)))
    loaders.append(FileSystemLoader(str(packaged_templates())))
    return Environment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


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
    """Render ``name`` (from ``<language>/`` when given) with ``context``."""
    template_name = f"{language}/{name}" if language else name
    return load_template(environment(user_dir), template_name).render(**context)
