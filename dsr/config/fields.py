"""Field types for dsr.yaml whose meaning depends on where the file lies.

Relative paths and relative SQLite URLs are resolved against the folder of
dsr.yaml, so a configuration works the same from cron, from another folder and
on a colleague's machine. The folder comes in through pydantic's validation
context (``{"base_dir": Path}``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import quote

from pydantic import AfterValidator, ValidationInfo

if TYPE_CHECKING:
    from sqlalchemy.engine import URL


def _base_dir(info: ValidationInfo) -> Path:
    context = info.context or {}
    return Path(context.get("base_dir", Path.cwd()))


def _resolve_path(value: Path, info: ValidationInfo) -> Path:
    value = value.expanduser()
    return value if value.is_absolute() else (_base_dir(info) / value).resolve()


_PLAIN_SQLITE = re.compile(r"sqlite:///([A-Za-z0-9_./ +-]*)")
"""A SQLite URL of a plain file path (the default ledger's): no user, host, query, escape,
``~`` or ``:memory:``. SQLAlchemy would read its path as written."""


def resolve_database_url(value: str, base_dir: Path) -> str:
    """Check a SQLAlchemy URL and make a relative SQLite file path absolute.

    A plain SQLite URL is resolved without SQLAlchemy, which takes 0.2 s to import: a
    configuration of CSV files (and its default ledger) then never imports it. The
    result is what SQLAlchemy renders (``tests/test_cli_config.py`` compares the two)."""
    plain = _PLAIN_SQLITE.fullmatch(value)
    if plain is not None:
        database = plain.group(1)
        if not database:
            return value
        path = Path(database)
        if not path.is_absolute():
            path = (base_dir / path).resolve()
        return "sqlite:///" + quote(str(path), safe=" +/")
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(value)
    except (ArgumentError, ValueError, TypeError) as exc:
        # Never the parser's own words: they quote the part it choked on (``'zz'`` of a
        # port), which in a URL with a password is often a piece of the password.
        raise ValueError(
            "not a database URL; expected e.g. sqlite:///shop.db or "
            "postgresql://user:${PASSWORD}@host/db"
        ) from exc
    url = _password_with_at(url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database).expanduser()
            if not path.is_absolute():
                path = (base_dir / path).resolve()
            url = url.set(database=str(path))
    return url.render_as_string(hide_password=False)


def _password_with_at(url: URL) -> URL:
    """``user:p@ss@host`` written as is: the host ends after the last ``@``, so the rest
    of the password is not taken for (and shown as) part of the host."""
    if url.password is None or not url.host or "@" not in url.host:
        return url
    rest, _, host = url.host.rpartition("@")
    return url.set(password=f"{url.password}@{rest}", host=host)


def _resolve_url(value: str, info: ValidationInfo) -> str:
    return resolve_database_url(value, _base_dir(info))


def mask_url(value: str) -> str:
    """A database URL fit for messages and reports: the password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return _password_with_at(make_url(value)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError, TypeError):
        return "<invalid URL>"


ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]
"""A path in dsr.yaml; relative ones are taken from the folder of dsr.yaml."""

DatabaseUrl = Annotated[str, AfterValidator(_resolve_url)]
"""A SQLAlchemy URL; a relative SQLite path is taken from the folder of dsr.yaml."""


def describe_location(options: Any) -> str:
    """Where a source's data lies, for listings: a masked URL or a path."""
    url = getattr(options, "url", None)
    if url:
        return mask_url(url)
    path = getattr(options, "path", None)
    return str(path) if path is not None else ""
