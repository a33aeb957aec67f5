"""The ``dsr`` command group: commands loaded on demand, help that reads well.

Importing every command module would import the whole core (SQLAlchemy, the
configuration loader, the lookup and erasure engines, WeasyPrint): more than half
a second before ``dsr --help`` could print a line, against 0.14 s now
(benchmarks/bench_startup.py). The group here lists the
commands from ``dsr.cli.app.COMMANDS`` and imports a command's module only when
that command runs or its own help is asked for.

It also tidies what Typer would show in help, for every command it loads:

- docstrings are written wrapped at 80 columns in the source, and in Rich markup
  mode Typer keeps those line breaks, so help broke lines mid-sentence at every
  terminal width; each paragraph is joined into one line and Rich wraps it;
- Typer shows a parameter's Python type where no metavariable is given (``<bool>``
  for a flag, ``<list[str]>``, ``<int range>``); a flag now shows nothing, an
  option the upper-cased name of its value (``--channel CHANNEL``), and an
  argument only its name.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from difflib import get_close_matches
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption
from typer.main import get_command, get_group

from dsr import __version__
from dsr.cli.app import COMMANDS
from dsr.cli.console import set_debug
from dsr.cli.output import error
from dsr.outcome import ExitCode

if TYPE_CHECKING:
    # Typer bundles its own Click; its types are named here for the checker only.
    from typer._click import Command as ClickCommand
    from typer._click import Context, HelpFormatter

HELP = (
    "Answer GDPR data-subject requests across databases, spreadsheets and SaaS exports.\n\n"
    "Start with [bold]dsr demo[/] to build a demo company, or [bold]dsr init[/] to "
    "describe your own sources in dsr.yaml.\n\n"
    "Exit codes: 0 done; 1 done, but a person must look; 2 could not run."
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"dsr {__version__}")
        raise typer.Exit(ExitCode.OK)


def _root(
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


def _typer(cls: type[TyperGroup] | None = None) -> typer.Typer:
    app = typer.Typer(
        name="dsr",
        help=HELP,
        cls=cls,
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    return app


def _add(app: typer.Typer, name: str) -> None:
    """Import command ``name`` and add it to ``app`` under its name."""
    entry = COMMANDS[name]
    target = getattr(importlib.import_module(f"dsr.cli.{entry.module}"), entry.attribute)
    if isinstance(target, typer.Typer):
        app.add_typer(target, name=name)
    else:
        app.command(name)(target)


class LazyGroup(TyperGroup):
    """The root group: knows the commands by name and loads one only when it is used."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._loaded: dict[str, TyperCommand | TyperGroup] = {}
        self._listing = False

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> ClickCommand | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            # Only the name and the line for the command list: no import.
            return TyperCommand(name=cmd_name, help=entry.summary, short_help=entry.summary)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = load(cmd_name, ctx)
        return self._loaded[cmd_name]

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, ClickCommand | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except typer.TyperException as exc:
            # Typer suggests from the commands already loaded (none, here).
            matches = get_close_matches(args[0], list(COMMANDS)) if args else []
            if matches and "Did you mean" not in exc.message:
                suggestions = ", ".join(map(repr, matches))
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        _tidy_option(option)
        return option


def root_command() -> LazyGroup:
    """The ``dsr`` group as the console script runs it."""
    group = get_command(_typer(LazyGroup))
    assert isinstance(group, LazyGroup)
    for param in group.params:
        _tidy_option(param)
    return group


def loaded_root() -> LazyGroup:
    """The ``dsr`` group with every command loaded (in ``commands``) exactly as running it
    loads them: for tests and tools that walk the whole command tree."""
    group = root_command()
    ctx = group.context_class(group, info_name="dsr")
    for name in COMMANDS:
        command = group.get_command(ctx, name)
        if command is not None:
            group.commands[name] = command
    return group


def load(name: str, ctx: Context) -> TyperCommand | TyperGroup:
    """Import command ``name`` and return it as Click sees it, its help tidied.

    The command is built through a Typer app of its own, as ``app.command`` or
    ``app.add_typer`` would add it to the root. ``ctx`` is the root's context: the help
    option names (-h, --help) that each command's help option is made from."""
    holder = typer.Typer(
        add_completion=False, pretty_exceptions_enable=False, rich_markup_mode="rich"
    )
    _add(holder, name)
    command = get_group(holder).commands[name]
    _tidy(command, ctx)
    assert isinstance(command, TyperCommand | TyperGroup)
    return command


class _Argument(TyperArgument):
    """An argument shown by its name only: ``ID`` in the usage line and the help.

    Typer adds the Python type of its value (``<str>``, ``<list[str]>``) beside
    the name, which says nothing to the person reading the help, and writes a
    required argument as ``{ID}``, which reads like a set of choices."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None

    def get_usage_pieces(self, ctx: Context) -> list[str]:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return [name + ("..." if self.nargs != 1 else "")]


def _tidy(command: Any, ctx: Context) -> None:
    """Tidy the help of ``command`` and of every subcommand under it (see the module doc)."""
    command.help = unwrap(command.help)
    for param in command.params:
        if isinstance(param, TyperArgument):
            if param.metavar is None and param.name:
                param.metavar = param.name.upper()
            if type(param) is TyperArgument:
                param.__class__ = _Argument
        else:
            _tidy_option(param)
    _tidy_option(command.get_help_option(ctx))
    for sub in getattr(command, "commands", {}).values():
        _tidy(sub, ctx)


def _tidy_option(option: object) -> None:
    """Give an option without a metavariable one that is not a Python type."""
    if not isinstance(option, TyperOption) or option.metavar is not None:
        return
    if option.is_flag:
        option.metavar = ""  # a switch takes no value: nothing to show
    elif option.type_descriptor.is_choice and option.show_choices:
        return  # Typer shows the choices themselves: a|b|c
    else:
        longest = max(option.opts, key=len)
        option.metavar = longest.lstrip("-").upper()


def unwrap(text: str | None) -> str | None:
    """Join the lines of each paragraph; a paragraph starting with \\b keeps its breaks."""
    if not text:
        return text
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(
        p if p.startswith("\b") else " ".join(line.strip() for line in p.splitlines())
        for p in paragraphs
    )


def usage_error(exc: typer.TyperException) -> None:
    """A usage error (unknown command or option, a missing or bad value) as ONE line.

    Click prints four (usage, a hint, a blank line, the error); dsr's errors are one
    line each on stderr, so scripts and cron mails stay readable. A bare ``dsr`` or
    ``dsr request`` still prints its help."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        # Making the error made the help: Typer's Rich help is printed already, and the
        # message is empty then (plain Click help would be in it).
        shown = exc.format_message().strip()
        if shown:
            sys.stderr.write(shown + "\n")
        return
    text = " ".join(exc.format_message().split())
    if text and not text.endswith((".", "?", "!")):
        text += "."
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        text += f" See '{ctx.command_path} --help'."
    error(text)
