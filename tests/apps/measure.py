"""Measure dsr on the five applications: ``python -m tests.apps.measure [APP...] [--mysql]``.

For each application (SQLite, and MariaDB with ``--mysql``): build and fill the
database, then through the CLI ``dsr find --email`` and ``dsr find --phone`` for
the planted person. Prints, per search, the share of the person's rows found as
direct or linked (recall), the rows of other people reported as theirs, and the
mentions found. The targets of issue 13 are recall ≥ 97 % by e-mail and ≥ 95 % by
phone with no row of another person; tests/test_apps_lookup.py holds them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.apps.world import APPS, Planted, RowRef, build_mysql, build_sqlite, refs, write_config
from tests.helpers import run


@dataclass
class Measured:
    """One search: what it found against the ground truth."""

    app: str
    engine: str
    search: str
    own: int
    found: set[RowRef]
    missed: set[RowRef]
    others: set[RowRef]
    mentions: int
    mentions_found: int
    seconds: float
    vias: Counter[str] = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return len(self.found) / self.own if self.own else 1.0

    def line(self) -> str:
        missed = Counter(table for table, _ in self.missed)
        return (
            f"{self.app:<11} {self.engine:<8} {self.search:<6} recall {len(self.found):>3}/"
            f"{self.own:<3} = {self.recall:6.1%}  others {len(self.others):>3}  mentions "
            f"{self.mentions_found}/{self.mentions}  {self.seconds:5.1f}s"
            + (f"  missed {dict(missed)}" if missed else "")
        )


def find(folder: Path, option: str, value: str) -> dict[str, Any]:
    return run("find", "--json", option, value, exit=0, cwd=folder).json  # type: ignore[no-any-return]


def measure(app: str, engine: str, folder: Path, planted: Planted) -> list[Measured]:
    out = []
    for search, option, value in (
        ("email", "--email", planted.email),
        ("phone", "--phone", planted.phone),
    ):
        start = time.perf_counter()
        doc = find(folder, option, value)
        seconds = time.perf_counter() - start
        assert doc["complete"], doc["failed_sources"]
        owned = refs(doc["matches"], ("direct", "linked"))
        mentioned = refs(doc["matches"], ("mention", "direct", "linked", "possible"))
        out.append(
            Measured(
                app, engine, search, len(planted.own),
                owned & planted.own, planted.own - owned, owned - planted.own,
                len(planted.mentions), len(planted.mentions & mentioned), seconds,
            )
        )  # fmt: skip
    return out


def main(argv: list[str]) -> int:
    apps = [a for a in argv if a in APPS] or list(APPS)
    mysql = "--mysql" in argv
    verbose = "-v" in argv
    results: list[Measured] = []
    with tempfile.TemporaryDirectory() as tmp:
        for app in apps:
            folder = Path(tmp) / app
            folder.mkdir()
            url, planted = build_sqlite(app, folder)
            write_config(folder, app, url, planted)
            results += measure(app, "sqlite", folder, planted)
        if mysql:
            from tests import mariadb

            with mariadb.find_mariadb() as server:
                for app in apps:
                    folder = Path(tmp) / f"{app}-mysql"
                    folder.mkdir()
                    url, planted = build_mysql(app, mariadb.create_database(server.url))
                    write_config(folder, app, url, planted)
                    results += measure(app, "mariadb", folder, planted)
    for result in results:
        print(result.line())
        if verbose:
            for row in sorted(result.others):
                print("   other:", row)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
