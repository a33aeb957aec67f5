"""Which of many identifiers a free text contains: a mention test that does not grow with the batch.

A batch of a thousand people means a thousand e-mail addresses to look for in
every note. Testing each (``needle in text``) costs a thousand substring
searches per note. An address contains exactly one ``@``, and so does its
occurrence in the text: so only the text's ``@`` signs are visited, and at each
the characters before and after are looked up in a table of the needles' local
parts and domains. That is the same answer as the substring test, at the cost
of the text's length. The same holds for the ``%40`` an address is written with
in a link (``ADDRESS_SIGNS``; the lookup asks for both forms: in 200,000 notes with an
``@``, 1,000 such needles by their first three characters cost 6 s, by their
sign 0.3 s). Needles without a single sign are tested one by one while
they are few; a batch brings a thousand names and a thousand phone endings, and
then digit needles are looked up among the windows of the text's digit runs (a
digit needle can only occur inside one run), and the others by their first three
characters at each position of the text: the same answer as the substring test,
again at the cost of the text's length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FEW = 16
"""Up to this many needles without an ``@``, testing each is quicker than indexing."""
ADDRESS_SIGNS = ("@", "%40")
"""What every e-mail address a mention search asks for holds: its ``@``, or the ``%40`` it
is written with in a link (the lookup engine asks for both forms). A text without the
sign holds none of them, which engines test once for a whole batch (``rows``)."""
_DIGITS = re.compile(r"[0-9]+")


class Contains:
    """``Contains(values)(text)`` → the values that occur in ``text``, ignoring case, sorted.

    Equal to ``sorted(v for v in values if v in text.lower())`` with every value lower-cased.
    """

    def __init__(self, values: Iterable[str]) -> None:
        needles = sorted({v.lower() for v in values if v})
        # An address by the sign it holds once, "@" before "%40" (``ADDRESS_SIGNS``).
        signed = {n: next((s for s in ADDRESS_SIGNS if n.count(s) == 1), None) for n in needles}
        others = [n for n in needles if signed[n] is None]
        self._others = others if len(others) <= FEW else []
        # Many: digit needles by length, the rest by their first three characters.
        self._digits: dict[int, set[str]] = {}
        self._starts: dict[str, list[str]] = {}
        if len(others) > FEW:
            for needle in others:
                if needle.isascii() and needle.isdigit():
                    self._digits.setdefault(len(needle), set()).add(needle)
                elif len(needle) < 3:
                    self._others.append(needle)
                else:
                    self._starts.setdefault(needle[:3], []).append(needle)
        self._domains: dict[tuple[str, str], list[tuple[str, str]]] = {}
        lengths: dict[str, set[int]] = {}
        for needle, sign in signed.items():
            if sign is not None:
                local, domain = needle.split(sign)
                self._domains.setdefault((sign, local), []).append((domain, needle))
                lengths.setdefault(sign, set()).add(len(local))
        self._lengths = {sign: sorted(found) for sign, found in lengths.items()}

    def __call__(self, text: str) -> list[str]:
        if not text:
            return []
        lowered = text.lower()
        found = [needle for needle in self._others if needle in lowered]
        if self._digits:
            for run in _DIGITS.findall(lowered):
                for length, wanted in self._digits.items():
                    for i in range(len(run) - length + 1):
                        if run[i : i + length] in wanted:
                            found.append(run[i : i + length])
        if self._starts:
            starts = self._starts
            for i in range(len(lowered) - 2):
                for needle in starts.get(lowered[i : i + 3], ()):
                    if lowered.startswith(needle, i):
                        found.append(needle)
        for sign, lengths in self._lengths.items():
            after = len(sign)
            at = lowered.find(sign)
            while at != -1:
                for length in lengths:
                    if length > at:
                        break
                    for domain, needle in self._domains.get((sign, lowered[at - length : at]), ()):
                        if lowered.startswith(domain, at + after):
                            found.append(needle)
                at = lowered.find(sign, at + 1)
        return sorted(set(found))
