"""Options every command shares, defined once so they read the same everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="The dsr.yaml to use. Default: $DSR_CONFIG, else ./dsr.yaml.",
        envvar="DSR_CONFIG",
        show_default=False,
        metavar="PATH",
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print one JSON document on stdout and nothing else there."),
]
