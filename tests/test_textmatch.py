"""The mention test for a batch equals the plain substring test it replaces."""

from __future__ import annotations

import random

from dsr.connectors.protocol import Lookup
from dsr.connectors.sql.query import lookup_chunks
from dsr.connectors.textmatch import Contains


def test_contains_equals_the_substring_test_on_random_texts() -> None:
    rng = random.Random(11)
    parts = ["anna", "a.b", "x", "mueller", "müller", "@", "@@", "example.com", "ex.de", " ",
             ",", "Anna.B", "MÜLLER", "4567", "\n"]
    needles = {"anna@example.com", "a.b@ex.de", "x@x", "müller@example.com", "4567",
               "anna mueller", "@@", "b@ex", "weird@two@ats"}
    test = Contains(needles)
    for _ in range(5000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 12)))
        expected = sorted(n for n in needles if n in text.lower())
        assert test(text) == expected, text


def test_many_names_and_phone_endings_equal_the_substring_test() -> None:
    """A batch brings a thousand names and four-digit phone endings: they are indexed (digit
    runs, first three characters), and the answer stays the substring test's."""
    rng = random.Random(7)
    names = {f"{a} {b}" for a in ("anna", "jürgen", "ab", "ännä", "İrem") for b in
             ("schmidt", "müller", "x", "straße")}
    tails = {f"{rng.randrange(10000):04d}" for _ in range(300)} | {"12", "123456", "²34"}
    needles = names | tails | {"a@b.de", "q", "zz@"}
    test = Contains(needles)
    parts = ["Anna", " Schmidt", "jürgen müller", "ÄNNÄ x", "0171 2345678", "+49 (0)30 1234",
             "tel. 0049-171/234 56 78", "straße", " ", "\n", "a@b.de", "ab", "²345", "1",
             "90210", "irem", "İrem straße", "zz@"]
    for _ in range(4000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 10)))
        expected = sorted({n.lower() for n in needles if n.lower() in text.lower()})
        assert test(text) == expected, text


def test_addresses_as_links_write_them_equal_the_substring_test() -> None:
    """The "%40" of an address in a link is a sign like the "@": many such needles are
    looked up at the text's signs, and the answer stays the substring test's."""
    rng = random.Random(5)
    people = [f"{a}.{b}{i}" for a in ("anna", "an", "lukas") for b in ("x", "müller", "") for i in
              range(8)]
    needles = {f"{p}@{d}" for p in people for d in ("ex.de", "mail.ex.de")}
    needles |= {f"{p}%40{d}" for p in people for d in ("ex.de", "ex.dex")}
    needles |= {"a%40b%40c", "%40", "x@y%40z", "anna x", "%4"}
    test = Contains(needles)
    parts = [*people[::9], "Anna.MÜLLER3", "an.x", "@", "%40", "%4", "0", "ex.de", "mail.",
             "ex.dex", "?u=", " ", "%", "a%40b%40c", "x@y%40z", "anna x"]
    hits = 0
    for _ in range(6000):
        text = "".join(rng.choice(parts) for _ in range(rng.randint(0, 14)))
        expected = sorted({n for n in needles if n in text.lower()})
        assert test(text) == expected, text
        hits += sum("%40" in n for n in expected)
    assert hits > 500  # the texts do hold such addresses


def test_a_thousand_addresses_cost_the_length_of_the_text() -> None:
    needles = {f"person.{i}@example.com" for i in range(1000)}
    test = Contains(needles)
    text = "Bitte auch an Person.417@Example.com und person.9@example.community schreiben"
    assert test(text) == ["person.417@example.com", "person.9@example.com"]


def test_a_sql_mention_search_for_many_addresses_scans_once() -> None:
    """1,000 addresses would be two chunks of 500; as the statement only asks for texts with
    an "@", they travel together and the table is read once."""
    values = frozenset({f"p{i}@example.com" for i in range(1000)} | {"jürgen müller"})
    (chunk,) = lookup_chunks(Lookup("t", "note", values, "contains"), server=False)
    assert set(chunk) == values
    few = frozenset({f"p{i}@example.com" for i in range(5)})
    assert lookup_chunks(Lookup("t", "note", few, "contains"), server=False) == [sorted(few)]
    emails = frozenset(f"p{i}@example.com" for i in range(1000))
    assert len(lookup_chunks(Lookup("t", "email", emails, "casefold"), server=False)) == 2
    assert len(lookup_chunks(Lookup("t", "email", emails, "casefold"), server=True)) == 1
