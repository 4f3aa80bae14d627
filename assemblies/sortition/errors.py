"""Errors an officer can act on: bad input files and quotas no panel can satisfy.

Bad input is ``engines.errors.EngineInputError(path, line, reason)``, as in every engine; it is
re-exported here for the sortition modules.
"""

from __future__ import annotations

from dataclasses import dataclass

from engines.errors import EngineInputError

__all__ = ["EngineInputError", "InfeasibleQuotasError", "Relaxation"]


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
