"""The exit contract of the commands over engine files (``select_panel``, ``verify_panel``).

Bad input (``engines.errors.EngineInputError``) prints one ``FILE:LINE: reason`` line on stderr and
exits with status 2; any other ``CommandError`` prints its message alone (no ``CommandError:``
prefix) with its own status; a reader that closes stdout early (``| head``) ends the command
quietly instead of with a traceback. Called in-process (``call_command``), the errors are raised.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from engines.errors import EngineInputError

BROKEN_PIPE_STATUS = 1
"""Exit status when stdout was closed before the output was written (as Python itself uses)."""


class EngineCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        from_command_line = getattr(self, "_called_from_command_line", False)
        try:
            try:
                output = super().execute(*args, **options)
                if from_command_line:
                    sys.stdout.flush()
                return output
            except EngineInputError as error:
                raise CommandError(error.location_line(), returncode=2) from None
        except CommandError as error:
            if not from_command_line or options.get("traceback"):
                raise
            self.stderr.write(str(error))
            sys.exit(error.returncode)
        except BrokenPipeError:
            if not from_command_line:
                raise
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(BROKEN_PIPE_STATUS)
