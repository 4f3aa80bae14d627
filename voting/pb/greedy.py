"""Greedy participatory-budgeting rules: "most votes first".

The rule most cities use, and the baseline of every PB study: order the projects by their score
(number of approvals, sum of points, or positional points for rankings) and fund them in that
order while money lasts. Described as *greedy approval* / *utilitarian greedy* in Rey & Maly,
"The (Computational) Social Choice Take on Indivisible Participatory Budgeting" (2023), §3, and
Faliszewski et al., "Participatory Budgeting: Data, Tools and Analysis" (IJCAI 2023), whose META
``rule`` values name the variants implemented here:

``greedy``            skip a project that does not fit and go on with the next one;
``greedy-no-skip``    stop at the first project that does not fit (Gdynia, Wrocław);
``greedy-threshold``  only projects with at least ``min_project_score_threshold`` score are
                      eligible, then ``greedy`` (Katowice, Łódź, Warsaw 2018);
``greedy-custom``     Poznań: stop at the first project that does not fit, but fund it too when
                      the money left covers at least 80 % of its cost (the gap comes from a
                      reserve; pabulib marks it ``selected=2``).

Scores and costs are exact (integers and fractions): a council must be able to check every
comparison by hand, so there is no floating point here. Projects with equal scores are ordered by
the tie-breaking (:mod:`voting.pb.tiebreak`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

from engines.numbers import NumberError, exact, money, parse_decimal

from .arrays import tally
from .outcome import REJECTED, SELECTED, GreedyStep, PBOutcome, fate
from .registry import PB_RULES, RuleFunction
from .tiebreak import PBTieBreak, parse_tie_break
from .types import VOTE_TYPES, Amount, PBError, PBInstance, PBProfile

POZNAN_RESERVE_SHARE = Fraction(4, 5)
"""Poznań funds the first project that does not fit if the money left covers 80 % of it."""
GREEDY_OPTIONS = ("tie_break", "threshold")


def _threshold(instance: PBInstance, threshold: Any, required: bool) -> Fraction | None:
    if threshold is None:
        raw = instance.meta.get("min_project_score_threshold")
        if raw is None or not raw.strip():
            if required:
                raise PBError("greedy-threshold needs min_project_score_threshold in META (or --threshold)")
            return None
        threshold = raw
    return parse_threshold(threshold)


def parse_threshold(threshold: object) -> Fraction:
    """A minimum score, read with the engines' bounded number parser."""
    if isinstance(threshold, Fraction | int):
        return Fraction(threshold)
    try:
        return parse_decimal(str(threshold), what="min_project_score_threshold", allow_negative=True)
    except NumberError as error:
        raise PBError(str(error)) from None


@dataclass(frozen=True)
class _Variant:
    """What sets a greedy variant apart: its names and what it does with a project that does not fit."""

    key: str
    rule_name: str
    on_misfit: str  # "skip", "stop" or "reserve" (Poznań's 80 %)
    threshold_required: bool = False


def _run(instance: PBInstance, profile: PBProfile, variant: _Variant, threshold: Any, tie_break: Any) -> PBOutcome:
    """The loop every variant shares: projects by score (ties by the tie-breaking), funded while they fit."""
    minimum = _threshold(instance, threshold, variant.threshold_required)
    tie = parse_tie_break(tie_break)
    scores, votes = tally(instance, profile)
    rank = tie.rank(instance)
    order = sorted(range(len(instance.projects)), key=lambda i: (-scores[i], rank[i]))
    same_score: dict[Amount, list[str]] = {}
    for index in order:
        same_score.setdefault(scores[index], []).append(instance.projects[index].id)

    outcome = PBOutcome(variant.key, variant.rule_name, budget=instance.budget)
    spent = Fraction(0)
    stopped_at: str | None = None
    for place, index in enumerate(order, start=1):
        project = instance.projects[index]
        left = instance.budget - spent
        lacked: Fraction | None = None
        action: Literal["selected", "rejected"]
        if minimum is not None and scores[index] < minimum:
            action, reason = REJECTED, f"score {_show(scores[index])} is below the threshold {_show(minimum)}"
        elif stopped_at is not None:
            action, reason = REJECTED, f"not considered: counting stopped at project {stopped_at}"
        elif project.cost <= left:
            action, reason = SELECTED, "fits in the budget left"
        elif variant.on_misfit == "skip":
            action = REJECTED
            reason = f"does not fit: costs {_show(project.cost)}, only {_show(left)} left; skipped"
            lacked = project.cost - left
        elif variant.on_misfit == "reserve" and left >= POZNAN_RESERVE_SHARE * project.cost:
            action = SELECTED
            reason = (
                f"does not fit ({_show(left)} left of {_show(project.cost)}), but the money left covers at "
                f"least 80 % of it; funded with the reserve, counting stops here"
            )
            stopped_at = project.id
        else:
            action = REJECTED
            reason = f"does not fit: costs {_show(project.cost)}, only {_show(left)} left; counting stops here"
            lacked = project.cost - left
            stopped_at = project.id
        if action == SELECTED:
            outcome.selected.append(project.id)
            spent += project.cost
        tied = [other for other in same_score[scores[index]] if other != project.id]
        outcome.rounds.append(
            GreedyStep(
                place=place, project=project.id, name=project.name, cost=project.cost, tied_with=tied,
                votes=votes[index], score=scores[index], budget_left_before=left, running_cost=spent,
                action=action, reason=reason,
            )
        )
        outcome.fates[project.id] = fate(
            action,
            reason,
            votes=votes[index],
            score=scores[index],
            cost=project.cost,
            place=place,
            running_cost=spent if action == SELECTED else None,
            **({} if lacked is None else {"lacked": lacked}),
        )
    outcome.total_cost = spent
    outcome.details = {"tie_break": tie.describe(), "order": "score descending, ties by tie-breaking"}
    if minimum is not None:
        outcome.details["threshold"] = minimum
    outcome.notes.append(f"ties broken by {tie.describe()}")
    return outcome


def _show(value: Fraction | int) -> str:
    """An amount or score in a reason: whole numbers as they are, others to the cent."""
    value = Fraction(value)
    return exact(value) if value.denominator == 1 else str(money(value))


def _greedy_rule(variant: _Variant, display_name: str, source: str, doc: str) -> RuleFunction:
    """The rule function of ``variant``, registered in :data:`PB_RULES`."""

    def rule(
        instance: PBInstance,
        profile: PBProfile,
        *,
        tie_break: str | PBTieBreak | None = None,
        threshold: Any = None,
    ) -> PBOutcome:
        return _run(instance, profile, variant, threshold, tie_break)

    rule.__doc__ = doc
    rule.__name__ = rule.__qualname__ = variant.key.replace("-", "_")
    return PB_RULES.register(
        variant.key, display_name=display_name, source=source, ballot_types=VOTE_TYPES, accepts=GREEDY_OPTIONS
    )(rule)


greedy = _greedy_rule(
    _Variant("greedy", "Greedy", "skip"),
    "Greedy (most votes first, skipping projects that do not fit)",
    "Rey & Maly 2023, §3",
    """Utilitarian greedy with skipping: a project that does not fit is passed over, the next may fit.

    A minimum score applies when given or when META has ``min_project_score_threshold`` (Gdynia
    declares ``greedy-no-skip`` with a threshold of 50 votes and applies both); ``greedy_threshold``
    requires one.
    """,
)

greedy_no_skip = _greedy_rule(
    _Variant("greedy-no-skip", "Greedy without skipping", "stop"),
    "Greedy without skipping (stop at the first project that does not fit)",
    "pabulib META",
    """Greedy that stops at the first unaffordable project, as Gdynia and Wrocław count.

    Cities choose it because "the list is cut where the money runs out" is easy to explain; it
    leaves money unspent that ``greedy`` would use for cheaper projects further down.
    """,
)

greedy_threshold = _greedy_rule(
    _Variant("greedy-threshold", "Greedy with a minimum score", "skip", threshold_required=True),
    "Greedy with a minimum score",
    "pabulib META min_project_score_threshold",
    """Greedy with skipping among projects whose score is at least the threshold.

    The threshold is META ``min_project_score_threshold`` unless given; pabulib defines it as
    the minimal score a project needs to be eligible, so a score equal to it qualifies.
    """,
)

greedy_poznan_reserve = _greedy_rule(
    _Variant("greedy-custom", "Greedy with an 80 % reserve (Poznań)", "reserve"),
    "Greedy with Poznań's 80 % reserve",
    "pabulib META comment, Poznań 2023-2025",
    """Poznań's greedy: stop at the first project that does not fit, but fund it when 80 % is covered.

    Quoted from the pabulib files: "we fund projects that received the highest number of votes
    until the next project on the list does not fit within the budget. Finally, if the remaining
    budget is enough to fund at least 80% of that project, we fund it as well with the external
    reserve funds". Only Poznań documents this reading of ``greedy-custom``; other cities using
    that label (Łódź 2020) departed from greedy by council decision and cannot be recomputed.
    """,
)
