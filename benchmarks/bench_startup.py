"""How long `dsr --version`, `dsr --help` and `dsr overdue` take, as whole processes.

Start-up is part of every command a person types and of every cron run. The
targets (issue 12): `dsr --help` under 0.4 s and `dsr overdue` on the demo under
0.7 s. Each figure is the median of N runs of a fresh process started the way a
user starts it (the ``dsr`` console script beside this interpreter), and the
baseline, ``python -c pass`` with the same interpreter, is measured in the same
run, interleaved with the others, so a busy machine slows all of them alike.

    .venv/bin/python benchmarks/bench_startup.py                 # 21 runs each
    .venv/bin/python benchmarks/bench_startup.py --runs 51 --customers 200

`dsr overdue` runs in a demo company built first in a temporary folder (not
timed; `dsr demo --customers N`, 2000 by default as in README.md). Exit status 1
when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from machine import machine  # benchmarks/machine.py: the script's folder is on sys.path

DSR = Path(sys.executable).parent / "dsr"
ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("DSR_CONFIG", "DSR_DEBUG", "PYTHONDONTWRITEBYTECODE")
}
"""No inherited configuration or tracebacks, so every run does the same work; and
bytecode caches written as on a user's machine (pip writes them for an installed
dsr, Python on the first run of an editable one): without them every run would
compile dsr's modules from source again and measure the compiler."""
TARGETS = {"dsr --help": 0.4, "dsr overdue": 0.7}
"""Seconds, median of the runs (issue 12)."""


@dataclass
class Case:
    name: str
    argv: list[str]
    cwd: Path | None = None
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def load() -> str:
    """The 1-minute load average: on a shared machine, figures rise with it."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "unknown"


def once(case: Case) -> float:
    """One whole process, from fork to exit; its output is thrown away."""
    started = time.perf_counter()
    done = subprocess.run(
        case.argv,
        cwd=case.cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{case.name} exited {done.returncode}: {done.stderr.strip()}")
    return seconds


def parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per command (median)")
    parser.add_argument("--customers", type=int, default=2000, help="size of the demo")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse(argv)
    if not DSR.is_file():
        raise SystemExit(f"{DSR} is missing: install dsr into this interpreter's environment")
    with tempfile.TemporaryDirectory(prefix="dsr-bench-startup-") as tmp:
        demo = Path(tmp) / "beispiel-gmbh"
        print(f"building the demo ({args.customers} customers) ...", flush=True)
        subprocess.run(
            [str(DSR), "demo", str(demo), "--customers", str(args.customers)],
            check=True,
            env=ENV,
            stdout=subprocess.DEVNULL,
        )
        cases = [
            Case("python -c pass", [sys.executable, "-c", "pass"]),
            Case("dsr --version", [str(DSR), "--version"]),
            Case("dsr --help", [str(DSR), "--help"]),
            Case("dsr overdue", [str(DSR), "overdue"], cwd=demo),
        ]
        for case in cases:  # warm the file cache and the bytecode caches; not counted
            once(case)
        load_before = load()
        for _ in range(args.runs):
            for case in cases:  # interleaved: a busy moment slows every case alike
                case.seconds.append(once(case))

    baseline = cases[0].median
    print(f"\n{machine()}")
    print(f"median of {args.runs} runs each, whole processes; demo of {args.customers} customers")
    print(f"load average {load_before} before the runs, {load()} after\n")
    print(f"{'':16} {'median':>8} {'min':>8} {'× baseline':>11}  target")
    missed = []
    for case in cases:
        target = TARGETS.get(case.name)
        verdict = ""
        if target is not None:
            ok = case.median < target
            verdict = f"< {target:.1f} s  {'PASS' if ok else 'FAIL'}"
            if not ok:
                missed.append(case.name)
        print(
            f"{case.name:16} {case.median:7.3f}s {min(case.seconds):7.3f}s "
            f"{case.median / baseline:10.1f}×  {verdict}"
        )
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
