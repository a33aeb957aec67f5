"""The three exit codes scripts and cron rely on, named once.

design.md fixes them: 0 done; 1 done, but a person must look; 2 could not run.
Click and Typer use 1 for errors, so nothing in dsr passes their codes through.
"""

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ATTENTION = 1
    CANNOT_RUN = 2
