"""Errors an officer can act on: bad input files and quotas no panel can satisfy."""

from __future__ import annotations

from dataclasses import dataclass


class SortitionInputError(ValueError):
    """A problem with an input file, named by file and row so it can be fixed in a spreadsheet."""

    def __init__(self, file: str, row: int | None, reason: str) -> None:
        self.file = file
        self.row = row
        self.reason = reason
        location = f"{file}, row {row}" if row is not None else file
        super().__init__(f"{location}: {reason}")


@dataclass(frozen=True)
class Relaxation:
    """A suggested change to one quota: the smallest that, together with the others, is feasible."""

    category: str
    value: str
    old_min: int
    old_max: int
    new_min: int
    new_max: int
    respondents: int


class InfeasibleQuotasError(ValueError):
    """No panel satisfies the quotas; carries the diagnosis from ``feasibility.diagnose``."""

    def __init__(self, diagnosis: object) -> None:
        self.diagnosis = diagnosis
        super().__init__(str(diagnosis))
