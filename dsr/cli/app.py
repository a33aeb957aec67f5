"""The root of the ``dsr`` command and the one place that chooses the exit code.

Commands call the core and print; whatever goes wrong comes back here as an
exception and leaves as one line on stderr with exit code 2 ("could not run").
Exit code 1 is reserved for "done, but a person must look", so no error from
Typer or Click is allowed to exit with it.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated

import typer
from typer.main import get_command

from dsr import __version__
from dsr.cli import access as access_cli
from dsr.cli import audit as audit_cli
from dsr.cli import config as config_cli
from dsr.cli import connectors as connectors_cli
from dsr.cli import demo as demo_cli
from dsr.cli import erase as erase_cli
from dsr.cli import find as find_cli
from dsr.cli import init as init_cli
from dsr.cli import inventory as inventory_cli
from dsr.cli import overdue as overdue_cli
from dsr.cli import report as report_cli
from dsr.cli import request as request_cli
from dsr.cli import sources as sources_cli
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


app.command("init")(init_cli.init_command)
app.add_typer(config_cli.app, name="config")
app.command("demo")(demo_cli.demo_command)
app.add_typer(sources_cli.app, name="sources")
app.add_typer(connectors_cli.app, name="connectors")
app.command("inventory")(inventory_cli.inventory_command)
app.command("find")(find_cli.find_command)
app.command("access")(access_cli.access_command)
app.command("erase")(erase_cli.erase_command)
app.add_typer(request_cli.app, name="request")
app.command("overdue")(overdue_cli.overdue_command)
app.command("report")(report_cli.report_command)
app.add_typer(audit_cli.app, name="audit")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script passes it to the shell)."""
    set_debug(os.environ.get("DSR_DEBUG", "") not in ("", "0", "false"))
    command = get_command(app)
    try:
        result = command.main(
            args=list(argv) if argv is not None else None, prog_name="dsr", standalone_mode=False
        )
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
