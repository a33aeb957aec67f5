"""The entry point of the ``dsr`` command and the one place that chooses the exit code.

Commands call the core and print; whatever goes wrong comes back here as an
exception and leaves as one line on stderr with exit code 2 ("could not run").
Exit code 1 is reserved for "done, but a person must look", so no error from
Typer or Click is allowed to exit with it.

Start-up time is part of every command a person types and of every cron run, so
this module imports nothing heavy: ``dsr --version`` is answered before Typer is
imported at all, and ``dsr.cli.root`` builds a command group that imports a
command's module (and the core behind it) only when that command runs or its own
help is asked for. ``dsr --help`` lists the commands from COMMANDS below.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import NamedTuple

from dsr import __version__
from dsr.cli.console import debug_enabled, set_debug
from dsr.outcome import ExitCode


class Command(NamedTuple):
    """Where a command lives and the line ``dsr --help`` shows for it."""

    module: str
    """Its module in dsr.cli."""
    attribute: str
    """The function (a command) or Typer app (a group of subcommands) in that module."""
    summary: str
    """One line for the command list; the command's own --help says the rest."""


COMMANDS: dict[str, Command] = {
    "init": Command("init", "init_command", "Write a commented dsr.yaml to start from."),
    "config": Command("config", "app", "Check dsr.yaml and show what it describes."),
    "demo": Command(
        "demo", "demo_command", 'Build the demo company "Beispiel GmbH" with invented data.'
    ),
    "sources": Command("sources", "app", "Check the sources described in dsr.yaml."),
    "connectors": Command("connectors", "app", "Show the connectors (source types) dsr can use."),
    "inventory": Command(
        "inventory", "inventory_command", "Scan the sources; write the Art. 30 record and findings."
    ),
    "find": Command("find", "find_command", "Find where a person appears in every source."),
    "links": Command(
        "links", "links_command", "Show how tables link a person's rows, with the evidence."
    ),
    "access": Command(
        "access", "access_command", "Answer an access request (Art. 15): letter and data copy."
    ),
    "erase": Command(
        "erase", "erase_command", "Erase a person (Art. 17): plan, then execute, then verify."
    ),
    "request": Command(
        "request", "app", "The request ledger: log requests and keep their deadlines."
    ),
    "overdue": Command(
        "overdue", "overdue_command", "For cron: what needs a person now; silent otherwise."
    ),
    "report": Command(
        "report", "report_command", "Requests per month and type, time to answer, share on time."
    ),
    "audit": Command("audit", "app", "Check the ledger's audit trail."),
}
"""Every command, in the order ``dsr --help`` lists them.

A command's module, and the core it imports, is loaded only when that command runs
or shows its help: `dsr find` need not import the erasure engine, WeasyPrint or
Faker, and `dsr --help` none of them."""


_VERSION_ONLY = {"--version", "--debug"}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script passes it to the shell)."""
    set_debug(os.environ.get("DSR_DEBUG", "") not in ("", "0", "false"))
    args = list(argv) if argv is not None else sys.argv[1:]
    if "--version" in args and set(args) <= _VERSION_ONLY:
        # What the eager --version option of the root command would print, without
        # importing Typer and the command tree for it.
        sys.stdout.write(f"dsr {__version__}\n")
        return ExitCode.OK

    import typer

    from dsr.cli.output import error, hint
    from dsr.errors import DsrError

    try:
        from dsr.cli.root import root_command, usage_error

        result = root_command().main(args=args, prog_name="dsr", standalone_mode=False)
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
        usage_error(exc)
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
    shown = sys.exc_info()[1]
    if debug_enabled() and shown is not None:
        from dsr.cli.output import print_traceback  # Rich: not for `dsr --version`

        print_traceback(shown)
    return debug_enabled()
