"""Peak memory and speed of the csv connector's ``find`` on a large file.

The issue's target: searching a 2 GB CSV for a batch of e-mail addresses stays
under 300 MB peak memory, because the file is streamed record by record. Each
measurement runs in its own subprocess that reports its own peak resident set
size (VmHWM on Linux, ``ru_maxrss`` elsewhere), so the numbers do not mix:

1. baseline: a process that only imports dsr and the csv connector;
2. throughput baseline: plain ``csv.reader`` over the same file (rows only);
3. the measurement: ``CsvConnector.find`` with a batch of e-mail lookups
   (``casefold``; the planted addresses plus absent ones) in one pass.

    python benchmarks/bench_csv_memory.py                  # 2 GiB, generated then deleted
    python benchmarks/bench_csv_memory.py --size-mb 200    # a quicker run
    python benchmarks/bench_csv_memory.py --file big.csv   # reuse a file (kept)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate, planted_email
from machine import machine  # benchmarks/machine.py: the script's folder is on sys.path

TARGET_MIB = 300

_PEAK = """
def _peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource, sys
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak
"""

BASELINE = (
    _PEAK
    + """
import json, time
start = time.perf_counter()
import dsr
from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.protocol import Lookup
print(json.dumps({"seconds": time.perf_counter() - start, "peak_kib": _peak_kib()}))
"""
)

READER = (
    _PEAK
    + """
import csv, json, sys, time
csv.field_size_limit(1 << 26)
start = time.perf_counter()
rows = 0
with open(sys.argv[1], encoding="utf-8", newline="") as handle:
    for _ in csv.reader(handle):
        rows += 1
print(json.dumps({"seconds": time.perf_counter() - start, "peak_kib": _peak_kib(), "rows": rows}))
"""
)

FIND = (
    _PEAK
    + """
import json, sys, time
from pathlib import Path
from dsr.connectors.files.csv import CsvConnector, CsvOptions
from dsr.connectors.protocol import Lookup
emails = frozenset(json.loads(Path(sys.argv[2]).read_text()))
start = time.perf_counter()
source = CsvConnector("bench", CsvOptions(path=Path(sys.argv[1])))
table = Path(sys.argv[1]).stem
hits = sum(1 for _ in source.find([Lookup(table, "email", emails, "casefold")]))
print(json.dumps({"seconds": time.perf_counter() - start, "peak_kib": _peak_kib(), "hits": hits}))
"""
)


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter and return the JSON line it prints."""
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"benchmark subprocess failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=2048, help="file size in MiB")
    parser.add_argument("--file", type=Path, help="use (or create and keep) this CSV file")
    parser.add_argument("--lookups", type=int, default=1000, help="e-mails in the batch")
    parser.add_argument("--keep", action="store_true", help="keep a generated file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="dsr-bench-"))
    path = args.file or folder / "customers.csv"
    generated = False
    if not path.exists():
        print(f"generating {args.size_mb:,.0f} MiB of CSV at {path} ...", flush=True)
        started = time.perf_counter()
        rows = generate(path, int(args.size_mb * 2**20))
        print(f"  {rows:,} rows in {time.perf_counter() - started:,.0f} s", flush=True)
        generated = True
    emails_file = folder / "emails.json"
    planted = [planted_email(i) for i in range(1, args.lookups // 2 + 1)]
    absent = [f"nobody{i}@example.invalid" for i in range(args.lookups - len(planted))]
    emails_file.write_text(json.dumps(planted + absent))
    try:
        size = path.stat().st_size
        baseline = run(BASELINE)
        reader = run(READER, str(path))
        find = run(FIND, str(path), str(emails_file))
    finally:
        emails_file.unlink()
        if generated and not (args.keep or args.file):
            path.unlink()
        if not any(folder.iterdir()):
            folder.rmdir()

    def mib(kib: float) -> str:
        return f"{kib / 1024:,.0f} MiB"

    rate = size / 2**20 / find["seconds"]
    print()
    print(f"machine:        {machine()}")
    print(f"file:           {size / 2**20:,.0f} MiB, {int(reader['rows']) - 1:,} rows")
    print(f"batch:          {args.lookups:,} e-mails (casefold), {int(find['hits']):,} hits")
    print(f"baseline:       import dsr + csv connector: peak {mib(baseline['peak_kib'])}")
    print(
        f"csv.reader:     {reader['seconds']:,.1f} s, peak {mib(reader['peak_kib'])} "
        "(rows only, no matching)"
    )
    print(
        f"find:           {find['seconds']:,.1f} s ({rate:,.0f} MiB/s), "
        f"peak {mib(find['peak_kib'])}"
    )
    print(
        f"ratios:         memory {find['peak_kib'] / baseline['peak_kib']:.2f}x the import "
        f"baseline; time {find['seconds'] / reader['seconds']:.2f}x plain csv.reader"
    )
    verdict = "PASS" if find["peak_kib"] / 1024 < TARGET_MIB else "FAIL"
    print(f"target:         peak under {TARGET_MIB} MiB: {verdict}")
    if verdict == "FAIL":
        raise SystemExit(1)


if __name__ == "__main__":
    main()
