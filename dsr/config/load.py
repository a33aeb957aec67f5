"""Read dsr.yaml into a validated Config, or fail with errors that point at the line.

Every problem becomes one line: the file, the line, the key path and what to do
("did you mean 'url'?"). Values are never echoed, because a configuration holds
passwords. ``${VAR}`` is replaced from the environment before validation, so a
password never needs to stand in the file.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ValidationError

from dsr.config.fields import resolve_database_url
from dsr.config.models import SOURCE_NAME, Config, ConfigFile, Source, SourceCommon
from dsr.connectors import PluginLoadError, connector_class, known_type_names
from dsr.errors import ConfigError, Problem, Where, did_you_mean

DEFAULT_FILE = "dsr.yaml"
ENV_VAR = "DSR_CONFIG"
_ENV_REF = re.compile(r"\$\{([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_URL_TEMPLATE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
"""A value whose scheme is written in the file (``postgresql://``): variables go into its parts."""

KeyPath = tuple[str | int, ...]

# dsr.yaml is typed by a person; these bounds are far above any real one and stop a hostile
# or broken file (an alias bomb of 400 bytes expands to billions of values) at once.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
"""Nesting of mappings and lists; dsr.yaml itself needs about 6."""
MAX_VALUES = 100_000
"""Values in the file once every alias (``*name``) is expanded."""
_YAML_TAG = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {None, "!"} | {
    _YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")
}


def default_config_path() -> Path:
    """``$DSR_CONFIG`` if set, else ``./dsr.yaml``."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_FILE)


def load_config(path: Path | str | None = None, *, strict: bool = True) -> Config:
    """Load and validate dsr.yaml; raise ConfigError listing every problem found.

    With ``strict=False``, a problem inside one source's entry (an unknown type,
    a missing option, an unset password variable) does not stop the others:
    that source comes back with ``error`` set, and commands that work source by
    source report it and go on. Problems outside ``sources`` still raise.
    """
    path = Path(path) if path is not None else default_config_path()
    text = _read(path)
    data, lines = _parse(text, path)
    problems: list[Problem] = []
    data = _expand_env(data, (), lines, path, problems)
    return _validate(data, lines, path, problems, strict=strict)


def _read(path: Path) -> str:
    where = Where(file=path)
    if not path.exists():
        raise ConfigError(
            Problem("file not found", where, "create one with 'dsr init' or pass --config PATH")
        )
    if path.is_dir():
        raise ConfigError(Problem("is a folder, not a file", where))
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(Problem(f"cannot be read ({exc.strerror})", where)) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            Problem(
                f"is larger than {MAX_FILE_BYTES // 1024} KB; a dsr.yaml is a few KB",
                where,
                "check that --config names the configuration file",
            )
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            Problem("is not UTF-8 text", Where(file=path, line=line), "save it as UTF-8")
        ) from exc


class _LineLoader(yaml.SafeLoader):
    """Safe YAML loading that refuses duplicate keys instead of keeping the last one."""


def _parse(text: str, path: Path) -> tuple[Any, dict[KeyPath, int]]:
    """YAML → plain data plus the line of every key path."""
    _check_shape(text, path)
    try:
        node = yaml.compose(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ConfigError(Problem(f"invalid YAML: {problem}", Where(file=path, line=line))) from exc
    if node is None:
        raise ConfigError(
            Problem("file is empty", Where(file=path, line=1), "at least controller.name is needed")
        )
    lines: dict[KeyPath, int] = {(): node.start_mark.line + 1}
    _index_lines(node, (), lines, path)
    try:
        data = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as exc:  # checked above; kept so no YAML error is ever a crash
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(Problem("invalid YAML", Where(file=path, line=line))) from exc
    if not isinstance(data, dict):
        raise ConfigError(
            Problem(
                "expected a mapping of keys (controller:, sources:, ...) at the top",
                Where(file=path, line=1),
            )
        )
    return data, lines


def _check_shape(text: str, path: Path) -> None:
    """Refuse what YAML allows but a configuration never needs, before anything walks it:
    tags that build objects (``!!python/...``), nesting deeper than MAX_DEPTH, an alias
    inside the value it names, and aliases that expand to more than MAX_VALUES values.

    One pass over the parser's events, which is not recursive and counts an alias by
    the size of what it names, so a file that would expand to billions is stopped at
    the alias that crosses the bound, without expanding anything.
    """
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # per open mapping or list: [its anchor, values so far]
    try:
        for event in yaml.parse(text, Loader=_LineLoader):
            mark = event.start_mark
            where = Where(file=path, line=mark.line + 1 if mark is not None else None)
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _ALLOWED_TAGS:
                tag = str(tag)
                shown = "!!" + tag.removeprefix(_YAML_TAG) if tag.startswith(_YAML_TAG) else tag
                raise ConfigError(
                    Problem(
                        f"the YAML tag '{shown[:60]}' is not allowed",
                        where,
                        "dsr.yaml holds plain values, lists and mappings; remove the tag",
                    )
                )
            if isinstance(event, yaml.CollectionStartEvent):
                stack.append([event.anchor, 1])
                if len(stack) > MAX_DEPTH:
                    raise ConfigError(
                        Problem(f"nested deeper than {MAX_DEPTH} levels", where)
                    )
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                anchor, added = stack.pop()
                if anchor is not None:
                    sizes[anchor] = added
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in stack):
                    raise ConfigError(
                        Problem(
                            f"the alias *{event.anchor} refers to the value it stands in",
                            where,
                            "an alias can only repeat a value that is complete",
                        )
                    )
                added = sizes.get(event.anchor or "", 1)
            elif isinstance(event, yaml.ScalarEvent):
                added = 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            else:
                continue
            if stack:
                stack[-1][1] += added
                if stack[-1][1] > MAX_VALUES:
                    raise ConfigError(
                        Problem(
                            f"aliases (*name) expand to more than {MAX_VALUES} values",
                            where,
                            "write the entries out instead of repeating aliases",
                        )
                    )
    except yaml.YAMLError:
        return  # a syntax error: compose reports it with its line


def _index_lines(node: yaml.Node, prefix: KeyPath, lines: dict[KeyPath, int], path: Path) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            here = (*prefix, key)
            if key in seen:
                raise ConfigError(
                    Problem(
                        "key appears twice",
                        Where(file=path, line=key_node.start_mark.line + 1, key=_dotted(here)),
                        "keep one of them",
                    )
                )
            seen.add(key)
            lines[here] = key_node.start_mark.line + 1
            _index_lines(value_node, here, lines, path)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            _index_lines(item, (*prefix, index), lines, path)


def _expand_env(
    value: Any, at: KeyPath, lines: dict[KeyPath, int], path: Path, problems: list[Problem]
) -> Any:
    """Replace ``${VAR}`` in every string; a missing variable is a problem, not an empty string."""
    if isinstance(value, dict):
        return {k: _expand_env(v, (*at, str(k)), lines, path, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, (*at, i), lines, path, problems) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def lookup(match: re.Match[str]) -> str:
        name = match.group(1)
        if not _ENV_NAME.match(name):
            problems.append(
                Problem(
                    f"'${{{name}}}' is not a valid environment variable name",
                    _where(path, lines, at),
                )
            )
            return ""
        if name not in os.environ:
            problems.append(
                Problem(
                    f"environment variable {name} is not set",
                    _where(path, lines, at),
                    f"export {name}=... before running dsr",
                )
            )
            return ""
        return os.environ[name]

    if at and _holds_database_url(at[-1]) and _URL_TEMPLATE.match(value):
        return _expand_url(value, lookup)
    return _ENV_REF.sub(lookup, value)


def _expand_url(template: str, lookup: Callable[[re.Match[str]], str]) -> str:
    """``${VAR}`` in a URL, each value placed into the part of the parsed URL it stands in.

    A password such as ``p@ss/w:rd#1`` pasted into the text would move the URL's
    borders: part of it would become the host or the database, and be printed
    wherever a URL is shown, masked or not. So the URL is parsed with placeholders
    first and the values go into its fields, which SQLAlchemy then quotes. A URL
    that does not parse with placeholders (a variable as the port) gets its values
    URL-quoted instead, which leaves digits and host names as they are.
    """
    values: dict[str, str] = {}

    def hold(match: re.Match[str]) -> str:
        token = f"dsrenvzq{len(values)}qz"  # letters and digits survive URL parsing as is
        values[token] = lookup(match)
        return token

    shaped = _ENV_REF.sub(hold, template)

    def fill(text: str) -> str:
        for token, value in values.items():
            text = text.replace(token, value)
        return text

    from sqlalchemy.engine import make_url  # only for URLs with ${VARIABLES}
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(shaped)
    except (ArgumentError, ValueError, TypeError):
        return _fill_quoted(shaped, values)
    if any(token in url.drivername or token in str(url.port or "") for token in values):
        return _fill_quoted(shaped, values)
    query: dict[str, str | tuple[str, ...]] = {}
    for key, item in url.query.items():
        query[fill(key)] = fill(item) if isinstance(item, str) else tuple(fill(i) for i in item)
    filled = url.set(
        username=fill(url.username) if url.username is not None else None,
        password=fill(str(url.password)) if url.password is not None else None,
        host=fill(url.host) if url.host is not None else None,
        database=fill(url.database) if url.database is not None else None,
        query=query,
    )
    return filled.render_as_string(hide_password=False)


def _holds_database_url(key: str | int) -> bool:
    """``ledger:`` and a source's ``url:``: the keys whose values are SQLAlchemy URLs."""
    return isinstance(key, str) and (key in ("url", "ledger") or key.endswith("_url"))


def _fill_quoted(shaped: str, values: Mapping[str, str]) -> str:
    for token, value in values.items():
        shaped = shaped.replace(token, quote(value, safe=""))
    return shaped


def _validate(
    data: dict[str, Any],
    lines: dict[KeyPath, int],
    path: Path,
    problems: list[Problem],
    *,
    strict: bool,
) -> Config:
    """Validate parsed data; messages name ``path`` as given, Config.path is absolute."""
    base_dir = path.resolve().parent
    # A text written plainly is in the file's language (dsr.config.texts).
    context = {"base_dir": base_dir, "language": data.get("language")}
    try:
        top = ConfigFile.model_validate(data, context=context)
    except ValidationError as exc:
        problems.extend(_problems(exc, (), ConfigFile, lines, path))
        top = None

    sources: dict[str, Source] = {}
    raw_sources = data.get("sources") or {}
    if isinstance(raw_sources, dict):
        for name, entry in raw_sources.items():
            source = _validate_source(str(name), entry, lines, path, context, problems)
            if source is not None:
                sources[source.name] = source
    if top is not None:
        problems.extend(_check_retention_tables(top, sources, lines, path))
        problems.extend(_check_links(top, lines, path))
    if not strict and isinstance(raw_sources, dict):
        problems = _set_aside_source_problems(problems, raw_sources, sources)
    if problems or top is None:
        raise ConfigError(problems)

    ledger = top.ledger or resolve_database_url("sqlite:///dsr.db", base_dir)
    return Config(
        path=path.resolve(),
        controller=top.controller,
        language=top.language,
        languages=top.languages,
        deadline=top.deadline,
        ledger=ledger,
        templates=top.templates,
        security_measures=top.security_measures,
        requests=top.requests,
        sources=sources,
        retention=top.retention,
        links=top.links,
        security_reference=top.security_reference,
        decisions=top.decisions,
    )


def _set_aside_source_problems(
    problems: list[Problem], raw_sources: dict[str, Any], sources: dict[str, Source]
) -> list[Problem]:
    """Attach each problem inside ``sources.NAME`` to that source; return the rest."""
    per_source: dict[str, list[Problem]] = {}
    rest = []
    for problem in problems:
        key = problem.where.key or ""
        parts = key.split(".", 2)
        if len(parts) >= 2 and parts[0] == "sources" and parts[1] in raw_sources:
            per_source.setdefault(parts[1], []).append(problem)
        else:
            rest.append(problem)
    for name, found in per_source.items():
        error = "; ".join(str(p) for p in found)
        if name in sources:
            sources[name] = sources[name].model_copy(update={"error": error, "options": None})
        else:
            entry = raw_sources[name]
            kind = entry.get("type") if isinstance(entry, dict) else None
            sources[name] = Source(name=name, type=str(kind or "unknown"), error=error)
    # Keep dsr.yaml's order.
    ordered = {name: sources[name] for name in raw_sources if name in sources}
    sources.clear()
    sources.update(ordered)
    return rest


def _validate_source(
    name: str,
    entry: Any,
    lines: dict[KeyPath, int],
    path: Path,
    context: dict[str, Any],
    problems: list[Problem],
) -> Source | None:
    at: KeyPath = ("sources", name)
    if not SOURCE_NAME.match(name):
        problems.append(
            Problem(
                "source names start with a letter and hold only letters, digits, - and _",
                _where(path, lines, at),
            )
        )
        return None
    if not isinstance(entry, dict):
        problems.append(
            Problem("expected a mapping such as {type: sql, url: ...}", _where(path, lines, at))
        )
        return None
    type_name = entry.get("type")
    if not isinstance(type_name, str) or not type_name:
        problems.append(
            Problem(
                "required key is missing",
                _where(path, lines, (*at, "type")),
                f"known types: {', '.join(known_type_names())}",
            )
        )
        return None
    common_keys = set(SourceCommon.model_fields)
    common = {k: v for k, v in entry.items() if k in common_keys}
    try:
        connector = connector_class(type_name)
    except PluginLoadError as exc:
        # The connector's options cannot be checked, but the other sources still work.
        try:
            shared = SourceCommon.model_validate(common, context=context)
        except ValidationError as invalid:
            problems.extend(_problems(invalid, at, SourceCommon, lines, path))
            return None
        return Source(name=name, error=str(exc), **dict(shared))
    if connector is None:
        problems.append(
            Problem(
                f"unknown source type '{type_name}'",
                _where(path, lines, (*at, "type")),
                did_you_mean(type_name, known_type_names(), "known types"),
            )
        )
        return None

    option_values = {k: v for k, v in entry.items() if k not in common_keys}
    allowed = sorted(common_keys | _field_names(connector.Options))
    found: list[Problem] = []
    metadata: SourceCommon | None
    try:
        metadata = SourceCommon.model_validate(common, context=context)
    except ValidationError as exc:
        found.extend(_problems(exc, at, SourceCommon, lines, path))
        metadata = None
    try:
        options = connector.Options.model_validate(option_values, context=context)
    except ValidationError as exc:
        found.extend(_problems(exc, at, connector.Options, lines, path, allowed))
        options = None
    problems.extend(found)
    if found or metadata is None or options is None:
        return None
    return Source(name=name, options=options, **dict(metadata))


def _check_links(
    top: ConfigFile, lines: dict[KeyPath, int], path: Path
) -> list[Problem]:
    """Both ends of every link must name a configured source."""
    problems = []
    for i, link in enumerate(top.links):
        for end, ref in (("from", link.from_), ("to", link.to)):
            if ref.source not in top.sources:
                problems.append(
                    Problem(
                        f"no source named '{ref.source}'",
                        _where(path, lines, ("links", i, end)),
                        did_you_mean(ref.source, list(top.sources), "sources"),
                    )
                )
    return problems


def _check_retention_tables(
    top: ConfigFile, sources: Mapping[str, Source], lines: dict[KeyPath, int], path: Path
) -> list[Problem]:
    problems = []
    for i, rule in enumerate(top.retention):
        for j, pattern in enumerate(rule.tables):
            source, dot, table = pattern.partition(".")
            where = _where(path, lines, ("retention", i, "tables", j))
            if not dot or not table:
                problems.append(Problem("expected SOURCE.TABLE, e.g. shop.invoices", where))
            elif source != "*" and source not in top.sources:
                problems.append(
                    Problem(
                        f"no source named '{source}'",
                        where,
                        did_you_mean(source, list(top.sources), "sources"),
                    )
                )
    return problems


def _problems(
    exc: ValidationError,
    prefix: KeyPath,
    model: type[BaseModel],
    lines: dict[KeyPath, int],
    path: Path,
    allowed: list[str] | None = None,
) -> list[Problem]:
    problems = []
    errors = exc.errors(include_input=False, include_url=False)
    for error in errors:
        loc = tuple(part for part in error["loc"] if not _is_union_tag(part))
        if error["type"] == "missing" and _misspelt_elsewhere(loc, errors, model, allowed):
            continue  # "urll: did you mean 'url'?" already says it
        full = (*prefix, *loc)
        where = _where(path, lines, full)
        kind = error["type"]
        if kind == "extra_forbidden":
            candidates = allowed if allowed is not None and len(loc) == 1 else None
            if candidates is None:
                candidates = sorted(_fields_at(model, loc[:-1]))
            hint = did_you_mean(str(loc[-1]), candidates, "allowed keys")
            problems.append(Problem("unknown key", where, hint))
        elif kind == "missing":
            problems.append(Problem("required key is missing", where))
        else:
            message = error["msg"]
            message = message.removeprefix("Value error, ")
            problems.append(Problem(message[:1].lower() + message[1:], where))
    return problems


def _misspelt_elsewhere(
    loc: tuple[str | int, ...],
    errors: list[Any],
    model: type[BaseModel],
    allowed: list[str] | None,
) -> bool:
    """Whether a missing key was written, misspelt, as an unknown key beside it."""
    for other in errors:
        other_loc = tuple(p for p in other["loc"] if not _is_union_tag(p))
        if other["type"] != "extra_forbidden" or other_loc[:-1] != loc[:-1]:
            continue
        candidates = allowed if allowed is not None and len(loc) == 1 else None
        if candidates is None:
            candidates = sorted(_fields_at(model, loc[:-1]))
        close = difflib.get_close_matches(str(other_loc[-1]), candidates, n=1, cutoff=0.6)
        if close and close[0] == loc[-1]:
            return True
    return False


def _is_union_tag(part: str | int) -> bool:
    """pydantic puts the union member's type name into a loc; it is not a key."""
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "list", "dict"})


def _where(path: Path, lines: dict[KeyPath, int], at: KeyPath) -> Where:
    """The line of ``at``, or of its nearest ancestor that the file has."""
    probe = at
    while probe not in lines and probe:
        probe = probe[:-1]
    return Where(file=path, line=lines.get(probe), key=_dotted(at) or None)


def _dotted(at: KeyPath) -> str:
    text = ""
    for part in at:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _field_names(model: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in model.model_fields.items()}


def _fields_at(model: type[BaseModel], loc: KeyPath) -> set[str]:
    """The keys allowed at ``loc`` inside ``model``, following nested models, lists and dicts."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if str(part) not in fields:
                return set()
            current = fields[str(part)].annotation
        else:
            args = typing.get_args(current)
            current = args[-1] if args else None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return _field_names(current)
    return set()


def _unwrap(annotation: Any) -> Any:
    """Strip ``X | None`` so nested models are found behind optional fields."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        return members[0] if len(members) == 1 else annotation
    return annotation
