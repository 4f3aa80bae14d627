"""Participatory budgeting: the election, the rules, the outcome. Pure Python and NumPy, no Django.

Public API (everything a command, a web view or a background task needs)::

    from voting.pb import PB_RULES, count, PBOutcome, PBInstance, PBProfile, PBBallot, Project

    outcome = count("equalshares/add1", instance, profile, tie_break="pabulib")
    outcome.selected, outcome.total_cost, outcome.leftover   # exact (Fraction)
    outcome.rounds        # typed: GreedyStep, MESRound, PhragmenRound, CompletionStep
    outcome.fates["42"]   # Fate(status, reason, figures), e.g. what a rejected project lacked
    outcome.to_dict()     # the JSON of ``tally_pb --json`` (docs/results-schema.md)
    PB_RULES.describe()   # every rule with display name, source, ballot types, accepted options

Modules: :mod:`~voting.pb.types` (instance, project, ballot, profile, :class:`PBError`),
:mod:`~voting.pb.arrays` (the NumPy view shared by the proportional rules),
:mod:`~voting.pb.tiebreak`, :mod:`~voting.pb.registry` (:data:`PB_RULES` and pabulib's names),
:mod:`~voting.pb.counting` (:func:`count`), :mod:`~voting.pb.outcome`, and one module per rule:
:mod:`~voting.pb.greedy`, :mod:`~voting.pb.mes` (with its kernel :mod:`~voting.pb.mes_kernel` and
Add1's interval skipping :mod:`~voting.pb.mes_add1`), :mod:`~voting.pb.phragmen`. Importing this
package registers every rule. Files are read by :mod:`voting.formats.pabulib`.
"""

from __future__ import annotations

from . import greedy, mes, phragmen  # noqa: F401  (importing a rule module registers it)
from .counting import count
from .outcome import CompletionStep, GreedyStep, MESRound, PBOutcome, PhragmenRound
from .registry import PB_RULES
from .tiebreak import TIE_BREAKS, PBTieBreak, parse_tie_break
from .types import VOTE_TYPES, Amount, PBBallot, PBError, PBInstance, PBProfile, Project

__all__ = [
    "PB_RULES",
    "TIE_BREAKS",
    "VOTE_TYPES",
    "Amount",
    "CompletionStep",
    "GreedyStep",
    "MESRound",
    "PBBallot",
    "PBError",
    "PBInstance",
    "PBOutcome",
    "PBProfile",
    "PBTieBreak",
    "PhragmenRound",
    "Project",
    "count",
    "parse_tie_break",
]
