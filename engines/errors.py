"""One error for bad input across the engines: which file, which line, what is wrong.

Every command prints it the same way (one ``FILE:LINE: reason`` line on stderr, exit status 2), and
the web upload shows the same sentence next to the form field. Readers raise it for anything a
person could fix in the file; bugs in our own code stay ordinary exceptions.
"""

from __future__ import annotations


class EngineInputError(ValueError):
    """Bad input, located: ``path`` (a file name or ``<string>``), ``line`` (1-based, or ``None``
    when the problem is not on one line, e.g. "no ballots") and a ``reason`` a person can act on."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        super().__init__(self.location_line())

    def location_line(self) -> str:
        """The one line commands print: ``FILE:LINE: reason`` (``FILE: reason`` without a line)."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.reason}"

    def __str__(self) -> str:
        return self.location_line()
