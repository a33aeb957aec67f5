"""`dsr init`: write a commented dsr.yaml to start from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from dsr.cli.console import out
from dsr.cli.options import ConfigOption, JsonOption
from dsr.cli.output import print_json
from dsr.config.load import default_config_path, load_config
from dsr.config.starter import write_starter
from dsr.errors import Problem, UsageError


def init_command(
    name: Annotated[
        str,
        typer.Option("--name", help="The company's name (controller.name).", metavar="NAME"),
    ] = "Meine Firma GmbH",
    language: Annotated[
        str,
        typer.Option(
            "--language", help="Default language of letters and reports: de or en.", metavar="de|en"
        ),
    ] = "de",
    holidays: Annotated[
        str,
        typer.Option(
            "--holidays",
            help="Country and federal state for deadlines, e.g. DE-BW, DE-BY, DE-BE.",
            metavar="CODE",
        ),
    ] = "DE",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    config: ConfigOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write a commented dsr.yaml to start from.

    Every key is explained in the file; German retention rules (invoices 8 years,
    business letters 6, books 10) are included, ready to enable. The file is
    checked right after writing.

    Example: dsr init --name "Beispiel GmbH" --holidays DE-BW
    """
    if language not in ("de", "en"):
        raise UsageError(Problem("--language must be de or en"))
    path = config or default_config_path()
    write_starter(Path(path), name, language, holidays.upper(), force=force)
    checked = load_config(path)  # the starter must always validate; this proves it
    if json_output:
        print_json({"config": str(checked.path), "controller": checked.controller.name})
        return
    console = out()
    console.print(f"Wrote [bold]{escape(str(path))}[/].", soft_wrap=True)
    console.print("Next: describe your sources in it, then run [bold]dsr config check[/].")
