"""The root of the ``dsr`` command and the one place that chooses the exit code.

Commands call the core and print; whatever goes wrong comes back here as an
exception and leaves as one line on stderr with exit code 2 ("could not run").
Exit code 1 is reserved for "done, but a person must look", so no error from
Typer or Click is allowed to exit with it.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer
from typer.main import get_command

from dsr import __version__
from dsr.cli.console import debug_enabled, set_debug
from dsr.cli.output import error, hint
from dsr.errors import DsrError
from dsr.outcome import ExitCode

app = typer.Typer(
    name="dsr",
    help=(
        "Answer GDPR data-subject requests across databases, spreadsheets and SaaS exports.\n\n"
        "Start with [bold]dsr demo[/] to build a demo company, or [bold]dsr init[/] to "
        "describe your own sources in dsr.yaml.\n\n"
        "Exit codes: 0 done; 1 done, but a person must look; 2 could not run."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)

def _show_version(value: bool) -> None:
    if value:
        sys.stdout.write(f"dsr {__version__}\n")
        raise typer.Exit(ExitCode.OK)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar="DSR_DEBUG",
            help="Show Python tracebacks for errors (for bug reports).",
        ),
    ] = False,
) -> None:
    """Answer GDPR data-subject requests across databases, spreadsheets and SaaS exports."""
    set_debug(debug)


COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "init_command"),
    "config": ("config", "app"),
    "demo": ("demo", "demo_command"),
    "sources": ("sources", "app"),
    "connectors": ("connectors", "app"),
    "inventory": ("inventory", "inventory_command"),
    "find": ("find", "find_command"),
    "access": ("access", "access_command"),
    "erase": ("erase", "erase_command"),
    "request": ("request", "app"),
    "overdue": ("overdue", "overdue_command"),
    "report": ("report", "report_command"),
    "audit": ("audit", "app"),
}
"""Each command: its module in dsr.cli and the function (or sub-app) there, in help order.

A command's module, and the core it imports, is loaded only when that command runs
(or for the full list in ``dsr --help``): `dsr find` need not import the erasure engine,
WeasyPrint or Faker, and on a large file every second of start-up counts."""

_registered: set[str] = set()


def register(names: Sequence[str] = tuple(COMMANDS)) -> typer.Typer:
    """Add these commands to ``app`` (once each), in the order of COMMANDS."""
    for name in COMMANDS:
        if name in names and name not in _registered:
            module_name, attribute = COMMANDS[name]
            target = getattr(importlib.import_module(f"dsr.cli.{module_name}"), attribute)
            if isinstance(target, typer.Typer):
                app.add_typer(target, name=name)
            else:
                app.command(name)(target)
            _registered.add(name)
    return app


def _wanted(args: Sequence[str]) -> list[str]:
    """The command a command line runs; every command for help or anything unexpected."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] not in COMMANDS:
        return list(COMMANDS)
    before = args[: list(args).index(words[0])]
    if {"-h", "--help", "--version"} & set(before):
        return list(COMMANDS)
    return [words[0]]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script passes it to the shell)."""
    set_debug(os.environ.get("DSR_DEBUG", "") not in ("", "0", "false"))
    args = list(argv) if argv is not None else sys.argv[1:]
    register(_wanted(args))
    command = get_command(app)
    try:
        result = command.main(args=args, prog_name="dsr", standalone_mode=False)
    except DsrError as exc:
        for problem in exc.problems:
            error(str(problem))
        _traceback()
        return ExitCode.CANNOT_RUN
    except typer.Exit as exc:
        return _code(exc.exit_code)
    except typer.Abort:
        error("aborted")
        return ExitCode.CANNOT_RUN
    except typer.TyperException as exc:  # usage errors: unknown option, missing argument
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            error(str(exc))
        return ExitCode.CANNOT_RUN
    except KeyboardInterrupt:
        error("interrupted")
        return ExitCode.CANNOT_RUN
    except BrokenPipeError:
        # The reader went away (e.g. `dsr ... | head`); nothing more to say.
        sys.stderr.close()
        return ExitCode.OK
    except Exception as exc:  # the last line of defence: no traceback, no personal data
        error(f"internal error ({type(exc).__name__}); this is a bug in dsr")
        if not _traceback():
            hint("Run again with --debug to see the traceback, and report it.")
        return ExitCode.CANNOT_RUN
    return _code(result)


def _code(value: object) -> int:
    """Commands return or exit with an ExitCode; anything else is taken as done."""
    if isinstance(value, int) and value in (0, 1, 2):
        return value
    if isinstance(value, int) and value == 130:
        return ExitCode.CANNOT_RUN
    return ExitCode.OK


def _traceback() -> bool:
    if debug_enabled():
        traceback.print_exc(file=sys.stderr)
    return debug_enabled()
