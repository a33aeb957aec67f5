"""Write a large synthetic CSV of customer-like rows, fast, for the benchmarks.

Faker is far too slow for gigabytes, so rows are drawn with plain ``random``
from small name and street lists; what matters for the benchmarks is the
size, the shape (a dozen columns, umlauts, some quoted fields with commas and
line breaks) and that known e-mail addresses can be planted at known rows.

    python benchmarks/generate.py --size-mb 2048 --out /tmp/big.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterable, Sequence
from pathlib import Path

FIRST = [
    "Anna",
    "Bernd",
    "Claire",
    "Dieter",
    "Elif",
    "Frank",
    "Gül",
    "Hans",
    "Ines",
    "Jürgen",
    "Katrin",
    "Lena",
    "Mehmet",
    "Nina",
    "Olaf",
    "Petra",
    "Jörg",
    "Sören",
]
LAST = [
    "Schmidt",
    "Müller",
    "Weißgerber",
    "Koch",
    "Yılmaz",
    "Becker",
    "Hoffmann",
    "Schäfer",
    "Wagner",
    "Braun",
    "Krüger",
    "Zimmermann",
    "Dubois",
    "Nowak",
]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Am Markt"]
CITIES = ["Berlin", "Hamburg", "München", "Köln", "Stuttgart", "Leipzig", "Dresden"]
NOTES = [
    "",
    "",
    "",
    "Rückruf erbeten",
    "Lieferung bitte an Nachbarn, Hausnr. 3",
    "Zahlt per Rechnung",
    "Bitte zwei Plätze\nnebeneinander",
]
HEADER = [
    "id",
    "email",
    "first_name",
    "last_name",
    "phone",
    "street",
    "zip",
    "city",
    "birthday",
    "customer_since",
    "newsletter",
    "notes",
]


def planted_email(index: int) -> str:
    """The address planted every so many rows; the benchmark looks these up."""
    return f"planted.person{index}@example.org"


def _field(value: str) -> str:
    if any(c in value for c in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def generate(path: Path, size_bytes: int, *, seed: int = 7, plant_every: int = 100_000) -> int:
    """Write at least ``size_bytes`` of CSV to ``path``; returns the number of data rows.

    Row ``n`` (1-based data row, ``n % plant_every == 0``) carries
    ``planted_email(n // plant_every)``.
    """
    rng = random.Random(seed)
    # Precomputed pools keep it fast; ids and e-mails stay unique per row.
    names = [(rng.choice(FIRST), rng.choice(LAST)) for _ in range(4096)]
    people = [(f, la, f"{f.lower()}.{la.lower()}") for f, la in names]
    tails = [",".join(_field(v) for v in _tail(rng)) + "\r\n" for _ in range(4096)]
    rows = 0
    with path.open("wb") as out:
        header = ",".join(HEADER) + "\r\n"
        out.write(header.encode())
        written = len(header)
        while written < size_bytes:
            chunk = []
            for _ in range(10_000):
                rows += 1
                first, last, stem = people[rng.getrandbits(12)]
                if rows % plant_every == 0:
                    email = planted_email(rows // plant_every)
                else:
                    email = f"{stem}{rows}@example.com"
                chunk.append(f"{rows},{email},{first},{last},{tails[rng.getrandbits(12)]}")
            data = "".join(chunk).encode()
            out.write(data)
            written += len(data)
    return rows


def _tail(rng: random.Random) -> list[str]:
    return [
        f"0{rng.randint(150, 179)} {rng.randint(1000000, 9999999)}",
        f"{rng.choice(STREETS)} {rng.randint(1, 200)}",
        f"{rng.randint(1000, 99999):05d}",
        rng.choice(CITIES),
        f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1940, 2005)}",
        f"20{rng.randint(10, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        rng.choice(("ja", "nein")),
        rng.choice(NOTES),
    ]


EXPORT_NOTES = (
    'Kunde sagt "bitte nicht vor 10 Uhr anrufen"',
    "Lieferung an Nachbarn, Hausnr. 3\nKlingel defekt",
    'Reklamation "Lieferung unvollständig",\r\nGutschrift erteilt',
    "Zahlt per Rechnung; Mahnstufe 1",
    'Wunsch: Katalog als PDF, nicht "auf Papier"',
    "Rückruf erbeten\n\nam besten abends",
)
"""Free text as CRM and shop exports hold it: commas, doubled quotes, LF and CRLF line breaks
inside the quoted field, an empty line inside a note."""


def export_note(row: int, note: str) -> str:
    """The note of data row ``row`` in an exported CSV: ``note`` (which may name another
    customer's e-mail, name or phone number) with free text around it for two rows of five,
    and an order number and a date in a third (digits a phone search must look past),
    quoted on the way out."""
    if row % 5 == 2:
        order = f"Auftrag {row:08d} vom {row % 28 + 1:02d}.{row % 12 + 1:02d}.2024"
        return f"{note}; {order}" if note else order
    if row % 5 > 2:
        return note
    text = EXPORT_NOTES[row % len(EXPORT_NOTES)]
    return f'{text}\n{note}, "Kopie"' if note else text


def write_export(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write rows the way exporters do: CRLF after each record, quotes only where a field
    needs them (so a file mixes quoted and bare fields), line breaks kept inside quotes."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=2048, help="size in MiB (default 2048)")
    parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = generate(args.out, int(args.size_mb * 1024 * 1024), seed=args.seed)
    print(f"wrote {args.out}: {args.out.stat().st_size / 2**20:,.0f} MiB, {rows:,} rows")


if __name__ == "__main__":
    main()
