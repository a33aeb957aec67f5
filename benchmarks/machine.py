"""The machine a benchmark ran on, in one line for its report.

Every figure in benchmarks/README.md names the machine it was measured on; the
benchmark scripts print this line so that a figure and its machine travel together.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path


def machine() -> str:
    """CPU model, cores, memory, operating system and Python version."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    try:
        memory = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        memory = "RAM unknown"
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory}; "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )
