"""Identifiers inside JSON and PHP ``serialize()`` values: whose data is it?

Applications keep a person's data in encoded cells: OpenCart's session rows hold a
guest's checkout as JSON, its older shops PHP-serialized custom fields; Joomla keeps
profile values JSON-encoded. A plain text search finds the e-mail in such a cell,
but the cell alone does not say whether the row is the person's own (``{"guest":
{"email": ...}}``: the value of an e-mail field) or merely names them (a list of
report recipients, a comment). Decoded, the structure tells: an identifier that is
the whole value of a field named for its kind is the row's own data; anywhere else
it is a mention. Decoding is the classifier's (``dsr.classify.structured.decode``:
JSON, PHP ``serialize()``, PHP session strings); whose data a field is, is decided here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from dsr.classify.names import name_hint
from dsr.classify.structured import decode


def fields(data: Any, path: str = "") -> Iterator[tuple[str, str, bool]]:
    """Every scalar leaf of a decoded value: its path, its text, and whether it stands
    alone under a named key (not one item of a list)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from fields(value, f"{path}.{key}" if path else str(key))
    elif isinstance(data, list | tuple):
        for value in data:
            for leaf_path, text, _ in fields(value, path):
                yield leaf_path, text, False
    elif data is not None and not isinstance(data, bool):
        yield path, str(data), True


def own_field(text: str, kind: str, same: Callable[[str], bool]) -> str | None:
    """The path of a field of ``kind`` (``email``, ``phone``) whose whole value ``same``
    accepts, when ``text`` is an encoded structure; None otherwise (then a hit in it is
    a mention)."""
    data = decode(text)
    if data is None:
        return None
    for path, value, alone in fields(data):
        if not alone:
            continue
        last = path.rsplit(".", 1)[-1]
        hint = name_hint(last)
        if hint is not None and hint.rule.key == kind and same(value.strip()):
            return path
    return None
