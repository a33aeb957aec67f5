"""The registry of source types: built-ins and third-party connectors through one door.

Built-in connectors are listed here by type name and import path; third
parties register under the entry-point group ``dsr.connectors`` with a class
that follows ``dsr.connectors.protocol.Connector``. Both load lazily, only when
a source of that type is used, and a plugin that fails to load is reported with
its name instead of breaking every other source.

``DSR_PLUGINS`` limits which installed plugins load: unset or ``all`` loads
every one, ``none`` loads none, and a comma-separated list loads those names.
Tests set it, so each test sees only the plugins it asks for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from dsr.connectors.protocol import Connector

ENTRY_POINT_GROUP = "dsr.connectors"
PLUGINS_VARIABLE = "DSR_PLUGINS"

BUILTIN: dict[str, str] = {
    "sql": "dsr.connectors.sql:SqlConnector",
    "csv": "dsr.connectors.files.csv:CsvConnector",
    "xlsx": "dsr.connectors.files.spreadsheet:XlsxConnector",
    "ods": "dsr.connectors.files.spreadsheet:OdsConnector",
    "parquet": "dsr.connectors.files.parquet:ParquetConnector",
    "zendesk": "dsr.connectors.saas.zendesk:ZendeskConnector",
    "hubspot": "dsr.connectors.saas.hubspot:HubSpotConnector",
    "mailchimp": "dsr.connectors.saas.mailchimp:MailchimpConnector",
    "shopify": "dsr.connectors.saas.shopify:ShopifyConnector",
    "stripe": "dsr.connectors.saas.stripe:StripeConnector",
    "salesforce": "dsr.connectors.saas.salesforce:SalesforceConnector",
    "intercom": "dsr.connectors.saas.intercom:IntercomConnector",
    "json": "dsr.connectors.saas.jsonexport:JsonConnector",
}


class PluginLoadError(Exception):
    """A connector is registered but could not be loaded; the message says which and why."""


@dataclass(frozen=True)
class ConnectorInfo:
    """One registered connector, for ``dsr connectors list``."""

    name: str
    origin: str  # "built-in", or the distribution that registered it
    target: str  # module:attribute
    summary: str = ""
    capabilities: dict[str, str] | None = None
    error: str | None = None


def _wanted_plugins() -> set[str] | None:
    """The plugin names DSR_PLUGINS allows, or None for all."""
    value = os.environ.get(PLUGINS_VARIABLE, "all").strip()
    if value.lower() in ("", "all"):
        return None
    if value.lower() == "none":
        return set()
    return {name.strip() for name in value.split(",") if name.strip()}


def _plugin_entry_points() -> dict[str, EntryPoint]:
    wanted = _wanted_plugins()
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in BUILTIN or (wanted is not None and ep.name not in wanted):
            continue
        found.setdefault(ep.name, ep)
    return found


def _origin(ep: EntryPoint) -> str:
    if ep.dist is None:
        return "plugin"
    return f"{ep.dist.name} {ep.dist.version}"


def known_type_names() -> list[str]:
    """Every type a source may use: built-ins and the plugins allowed to load."""
    return sorted({*BUILTIN, *_plugin_entry_points()})


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(import_module(module_name), attribute)


def _check_class(name: str, cls: Any, origin: str) -> type[Connector]:
    from pydantic import BaseModel

    from dsr.connectors.capabilities import Capabilities

    problems = []
    if not isinstance(cls, type):
        problems.append("is not a class")
    else:
        options = getattr(cls, "Options", None)
        if not (isinstance(options, type) and issubclass(options, BaseModel)):
            problems.append("has no pydantic 'Options' model")
        if not isinstance(getattr(cls, "capabilities", None), Capabilities):
            problems.append("declares no 'capabilities'")
        for method in ("tables", "sample", "find", "apply", "close"):
            if not callable(getattr(cls, method, None)):
                problems.append(f"has no {method}()")
    if problems:
        raise PluginLoadError(f"connector '{name}' ({origin}) {', '.join(problems)}")
    return cls


def connector_class(type_name: str) -> type[Connector] | None:
    """The connector class for ``type_name``; None when no connector has that name.

    Raises PluginLoadError when a registered connector cannot be imported or
    does not follow the protocol.
    """
    if type_name in BUILTIN:
        try:
            cls = _load(BUILTIN[type_name])
        except ImportError as exc:
            raise PluginLoadError(
                f"built-in connector '{type_name}' needs a package that is not installed "
                f"({exc.name or exc}); reinstall dsr with its dependencies"
            ) from exc
        return _check_class(type_name, cls, "built-in")
    ep = _plugin_entry_points().get(type_name)
    if ep is None:
        return None
    origin = _origin(ep)
    try:
        cls = ep.load()
    except Exception as exc:  # a broken plugin must not break the run
        raise PluginLoadError(
            f"connector '{type_name}' from {origin} failed to load "
            f"({type(exc).__name__}: {exc}); reinstall it or check that it supports "
            "this version of dsr"
        ) from exc
    return _check_class(type_name, cls, origin)


def list_connectors() -> list[ConnectorInfo]:
    """Every built-in and allowed plugin connector; broken ones carry their error."""
    infos = []
    entries: list[tuple[str, str, str]] = [(n, "built-in", t) for n, t in BUILTIN.items()]
    entries += [(n, _origin(ep), ep.value) for n, ep in _plugin_entry_points().items()]
    for name, origin, target in sorted(entries):
        try:
            cls = connector_class(name)
        except PluginLoadError as exc:
            infos.append(ConnectorInfo(name, origin, target, error=str(exc)))
            continue
        assert cls is not None
        infos.append(
            ConnectorInfo(
                name,
                origin,
                target,
                summary=getattr(cls, "summary", "") or _first_line(cls.__doc__),
                capabilities=cls.capabilities.as_dict(),
            )
        )
    return infos


class SourceEntry(Protocol):
    """What the registry needs of a validated source (``dsr.config.models.Source``).

    Spelled out here so that connectors do not depend on the config models: the
    layering rule (connectors/ruff.toml) lets them import only the protocol,
    ``dsr.errors`` and the config field types.
    """

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...

    @property
    def options(self) -> Any: ...

    @property
    def error(self) -> str | None: ...


def open_connector(source: SourceEntry) -> Connector:
    """A connector for a validated source from dsr.yaml (nothing is read yet)."""
    if source.error:
        raise PluginLoadError(source.error)
    cls = connector_class(source.type)
    if cls is None:  # load_config already refused unknown types
        raise PluginLoadError(f"no connector for type '{source.type}'")
    return cls(source.name, source.options)


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


__all__ = [
    "BUILTIN",
    "ENTRY_POINT_GROUP",
    "PLUGINS_VARIABLE",
    "ConnectorInfo",
    "PluginLoadError",
    "SourceEntry",
    "connector_class",
    "known_type_names",
    "list_connectors",
    "open_connector",
]

