"""The one outcome envelope of the three engines.

A PB count, a ranked count and a panel selection all answer the same questions: which rule
(``rule`` key, ``rule_name``, ``source``), what came out (``selected`` / ``elected`` / ``panel`` and
``probabilities``), how (typed ``rounds``), what happened to each project, candidate or
respondent and why (``fates``), and anything a reader should know (``notes``). Each engine
subclasses :class:`Outcome` for its own outcome fields and :class:`Round` for its own typed rounds;
``to_dict`` is the same everywhere and goes through :func:`engines.numbers.jsonable`, so no number
is formatted in two ways. ``docs/results-schema.md`` and ``docs/results-schema.json`` describe the
result; tests validate every command's ``--json`` output against that schema.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .numbers import jsonable


@dataclass
class Round:
    """One step of a rule. Subclasses are dataclasses with typed fields and a ``type`` name
    (``"greedy-step"``, ``"mes-round"``, ``"stv-round"``, ...)."""

    type: ClassVar[str] = "round"

    def to_dict(self) -> dict[str, Any]:
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.repr}
        return {"type": self.type, **jsonable(fields)}


@dataclass
class Fate:
    """What happened to one project, candidate or respondent: ``status`` (e.g. ``selected``,
    ``not-selected``, ``elected``, ``excluded``, ``drawn``) and the ``reason`` in words, with any
    figures behind it in ``figures``."""

    status: str
    reason: str = ""
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason, **jsonable(self.figures)}


@dataclass
class Outcome:
    """Fields every engine's outcome has. Subclasses add the outcome itself and implement
    :meth:`outcome_dict` (the engine-specific top-level keys)."""

    rule: str
    rule_name: str
    source: str = ""
    rounds: list[Round] = field(default_factory=list)
    fates: dict[str, Fate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    engine: ClassVar[str] = ""

    def outcome_dict(self) -> dict[str, Any]:
        """The engine's own top-level keys (``selected``, ``elected``, ``panel`` ...)."""
        return {}

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "rule": self.rule,
            "rule_name": self.rule_name,
            "source": self.source,
            **jsonable(self.outcome_dict()),
            "rounds": [r.to_dict() for r in self.rounds],
            "fates": {str(k): v.to_dict() for k, v in self.fates.items()},
            "notes": list(self.notes),
        }
