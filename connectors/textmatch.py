"""Which of many identifiers a free text contains: a mention test that does not grow with the batch.

A batch of a thousand people means a thousand e-mail addresses to look for in
every note. Testing each (``needle in text``) costs a thousand substring
searches per note. An address contains exactly one ``@``, and so does its
occurrence in the text: so only the text's ``@`` signs are visited, and at each
the characters before and after are looked up in a table of the needles' local
parts and domains. That is the same answer as the substring test, at the cost
of the text's length. Needles without a single ``@`` (names, phone tails) are
few and are tested one by one.
"""

from __future__ import annotations

from collections.abc import Iterable


class Contains:
    """``Contains(values)(text)`` → the values that occur in ``text``, ignoring case, sorted.

    Equal to ``sorted(v for v in values if v in text.lower())`` with every value lower-cased.
    """

    def __init__(self, values: Iterable[str]) -> None:
        needles = sorted({v.lower() for v in values if v})
        self._others = [n for n in needles if n.count("@") != 1]
        self._domains: dict[str, list[tuple[str, str]]] = {}
        lengths: set[int] = set()
        for needle in needles:
            if needle.count("@") == 1:
                local, domain = needle.split("@")
                self._domains.setdefault(local, []).append((domain, needle))
                lengths.add(len(local))
        self._lengths = sorted(lengths)

    def __call__(self, text: str) -> list[str]:
        if not text:
            return []
        lowered = text.lower()
        found = [needle for needle in self._others if needle in lowered]
        if self._domains:
            at = lowered.find("@")
            while at != -1:
                for length in self._lengths:
                    if length > at:
                        break
                    for domain, needle in self._domains.get(lowered[at - length : at], ()):
                        if lowered.startswith(domain, at + 1):
                            found.append(needle)
                at = lowered.find("@", at + 1)
        return sorted(set(found))
