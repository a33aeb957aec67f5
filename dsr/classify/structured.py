"""Encoded cells: JSON, PHP ``serialize()`` and PHP session strings, read as fields.

Applications keep people's data in cells that hold a structure: OpenCart's custom
fields and session rows (JSON, older shops PHP-serialized), Joomla's profile values
and item history (JSON), Matomo's and Joomla's PHP sessions (``user.name|s:5:"..."``,
with a base64-encoded serialized object inside). Decoded, the field names say what
a value is (``{"email": ...}``) where the column's own name (``data``,
``custom_field``) says nothing. Only the classifier's view is kept here: which field
names and which leaf texts a cell holds; the lookup engine has its own reading of
whose data a cell is.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from typing import Any

_LIMIT = 200_000
"""Cells longer than this are not decoded: a blob that size is text to search."""

_IDENTIFIER_KEY = re.compile(r"@|^\+?\d[\d ()/-]{5,}$")
_SESSION_PART = re.compile(r"(?:^|[;}])([A-Za-z_][\w.\-]*)\|(?=[aibsdONC]:)")


def decode(value: Any) -> Any | None:
    """The structure a JSON, PHP-serialized or PHP-session cell holds; None for other text."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if len(text) < 2 or len(text) > _LIMIT:
        return None
    if text[0] in "{[" and text[-1] in "}]":
        try:
            return json.loads(text)
        except ValueError:
            return None
    if text[:2] in ("a:", "O:", "s:", "i:", "b:") and text[-1] in "};":
        return _unserialize(text)
    if _SESSION_PART.match(text):
        return _session(text)
    return None


def _unserialize(text: str) -> Any | None:
    import phpserialize

    try:
        return phpserialize.loads(
            text.encode("utf-8"),
            decode_strings=True,
            object_hook=lambda _name, fields: dict(fields),
        )
    except (ValueError, TypeError, IndexError, AttributeError, UnicodeDecodeError):
        return None


def _session(text: str) -> dict[str, Any] | None:
    """``name|<serialized>name|<serialized>``: PHP's own session encoding."""
    found: dict[str, Any] = {}
    matches = list(_SESSION_PART.finditer(text))
    for index, match in enumerate(matches):
        end = matches[index + 1].start() + 1 if index + 1 < len(matches) else len(text)
        body = text[match.end() : end]
        found[match.group(1)] = _unserialize(body) if body else None
    return found or None


def _embedded(text: str) -> Any | None:
    """A serialized structure hidden in a string as base64 (Joomla's session registry)."""
    if len(text) < 24 or len(text) % 4 or not re.fullmatch(r"[A-Za-z0-9+/=\s]+", text):
        return None
    try:
        raw = base64.b64decode(text, validate=False).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decode(raw)


def leaves(data: Any, key: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """Every scalar of a decoded structure as (the field name it sits under, its text).

    Protected and private PHP property names (``\\0*\\0data``) are read as their plain
    name; strings that hold a further encoded structure are opened too.
    """
    if depth > 12:
        return
    if isinstance(data, dict):
        for name, value in data.items():
            field = str(name).split("\x00")[-1]
            if _IDENTIFIER_KEY.search(field) and not field.isdigit():
                yield key, field  # an e-mail address or phone number used as a key
            yield from leaves(value, field if not field.isdigit() else key, depth + 1)
    elif isinstance(data, list | tuple):
        for value in data:
            yield from leaves(value, key, depth + 1)
    elif isinstance(data, bytes):
        yield from leaves(data.decode("utf-8", "replace"), key, depth + 1)
    elif isinstance(data, str):
        inner = decode(data) or _embedded(data.strip())
        if inner is not None and not isinstance(inner, str | int | float):
            yield from leaves(inner, key, depth + 1)
        elif data.strip():
            yield key, data.strip()
    elif data is not None and not isinstance(data, bool):
        yield key, str(data)
