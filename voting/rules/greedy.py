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
the tie-breaking (:mod:`voting.rules.tiebreak`).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from voting.rules.pb import Instance, PBError, Profile, Result
from voting.rules.pb_arrays import tally
from voting.rules.pb_registry import pb_rule
from voting.rules.tiebreak import TieBreak, parse_tie_break

POZNAN_RESERVE_SHARE = Fraction(4, 5)
"""Poznań funds the first project that does not fit if the money left covers 80 % of it."""


def _threshold(instance: Instance, threshold: Any, required: bool) -> Fraction | None:
    if threshold is None:
        raw = instance.meta.get("min_project_score_threshold")
        if raw is None or not raw.strip():
            if required:
                raise PBError("greedy-threshold needs min_project_score_threshold in META (or --threshold)")
            return None
        threshold = raw
    try:
        return Fraction(str(threshold).strip())
    except (ValueError, ZeroDivisionError):
        raise PBError(f"min_project_score_threshold is not a number: {threshold!r}") from None


def _run(
    instance: Instance,
    profile: Profile,
    *,
    rule: str,
    rule_name: str,
    on_misfit: str,
    threshold: Fraction | None,
    tie_break: TieBreak,
) -> Result:
    """Shared loop. ``on_misfit`` is ``"skip"``, ``"stop"`` or ``"reserve"`` (Poznań's 80 %)."""
    scores, votes = tally(instance, profile)
    rank = tie_break.rank(instance)
    order = sorted(range(len(instance.projects)), key=lambda i: (-scores[i], rank[i]))
    same_score: dict[object, list[str]] = {}
    for index in order:
        same_score.setdefault(scores[index], []).append(instance.projects[index].id)

    selected: list[str] = []
    spent = Fraction(0)
    stopped_at: str | None = None
    rounds: list[dict[str, Any]] = []
    explained: dict[str, dict[str, Any]] = {}
    for place, index in enumerate(order, start=1):
        project = instance.projects[index]
        left = instance.budget - spent
        entry: dict[str, Any] = {
            "place": place,
            "project": project.id,
            "name": project.name,
            "votes": votes[index],
            "score": scores[index],
            "cost": project.cost,
            "budget_left_before": left,
        }
        if threshold is not None and scores[index] < threshold:
            action, reason = "rejected", f"score {_show(scores[index])} is below the threshold {_show(threshold)}"
        elif stopped_at is not None:
            action, reason = "rejected", f"not considered: counting stopped at project {stopped_at}"
        elif project.cost <= left:
            action, reason = "selected", "fits in the budget left"
            selected.append(project.id)
            spent += project.cost
        elif on_misfit == "skip":
            action = "rejected"
            reason = f"does not fit: costs {_show(project.cost)}, only {_show(left)} left; skipped"
        elif on_misfit == "reserve" and left >= POZNAN_RESERVE_SHARE * project.cost:
            action = "selected"
            reason = (
                f"does not fit ({_show(left)} left of {_show(project.cost)}), but the money left covers at "
                f"least 80 % of it; funded with the reserve, counting stops here"
            )
            selected.append(project.id)
            spent += project.cost
            stopped_at = project.id
        else:
            action = "rejected"
            reason = f"does not fit: costs {_show(project.cost)}, only {_show(left)} left; counting stops here"
            stopped_at = project.id
        entry.update(action=action, reason=reason, running_cost=spent)
        tied = [other for other in same_score[scores[index]] if other != project.id]
        if tied:  # the public page says which order the tie-breaking gave
            entry["tied_with"] = tied
        rounds.append(entry)
        explained[project.id] = {
            "status": action,
            "reason": reason,
            "votes": votes[index],
            "score": scores[index],
            "cost": project.cost,
            "place": place,
            "running_cost": spent if action == "selected" else None,
        }
    details: dict[str, Any] = {
        "tie_break": tie_break.describe(),
        "order": "score descending, ties by tie-breaking",
    }
    if threshold is not None:
        details["threshold"] = threshold
    return Result(rule, rule_name, selected, spent, instance.budget, rounds, explained, details)


def _show(value: Fraction | int) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


@pb_rule("greedy", "Greedy (most votes first, skipping projects that do not fit)", "Rey & Maly 2023, §3")
def greedy(
    instance: Instance,
    profile: Profile,
    *,
    tie_break: str | TieBreak | None = None,
    threshold: Any = None,
) -> Result:
    """Utilitarian greedy with skipping: a project that does not fit is passed over, the next may fit.

    A minimum score applies when given or when META has ``min_project_score_threshold`` (Gdynia
    declares ``greedy-no-skip`` with a threshold of 50 votes and applies both); ``greedy_threshold``
    requires one.
    """
    return _run(
        instance,
        profile,
        rule="greedy",
        rule_name="Greedy",
        on_misfit="skip",
        threshold=_threshold(instance, threshold, required=False),
        tie_break=parse_tie_break(tie_break),
    )


@pb_rule("greedy-no-skip", "Greedy without skipping (stop at the first project that does not fit)", "pabulib META")
def greedy_no_skip(
    instance: Instance,
    profile: Profile,
    *,
    tie_break: str | TieBreak | None = None,
    threshold: Any = None,
) -> Result:
    """Greedy that stops at the first unaffordable project, as Gdynia and Wrocław count.

    Cities choose it because "the list is cut where the money runs out" is easy to explain; it
    leaves money unspent that ``greedy`` would use for cheaper projects further down.
    """
    return _run(
        instance,
        profile,
        rule="greedy-no-skip",
        rule_name="Greedy without skipping",
        on_misfit="stop",
        threshold=_threshold(instance, threshold, required=False),
        tie_break=parse_tie_break(tie_break),
    )


@pb_rule("greedy-threshold", "Greedy with a minimum score", "pabulib META min_project_score_threshold")
def greedy_threshold(
    instance: Instance,
    profile: Profile,
    *,
    tie_break: str | TieBreak | None = None,
    threshold: Any = None,
) -> Result:
    """Greedy with skipping among projects whose score is at least the threshold.

    The threshold is META ``min_project_score_threshold`` unless given; pabulib defines it as
    the minimal score a project needs to be eligible, so a score equal to it qualifies.
    """
    return _run(
        instance,
        profile,
        rule="greedy-threshold",
        rule_name="Greedy with a minimum score",
        on_misfit="skip",
        threshold=_threshold(instance, threshold, required=True),
        tie_break=parse_tie_break(tie_break),
    )


@pb_rule("greedy-custom", "Greedy with Poznań's 80 % reserve", "pabulib META comment, Poznań 2023-2025")
def greedy_poznan_reserve(
    instance: Instance,
    profile: Profile,
    *,
    tie_break: str | TieBreak | None = None,
    threshold: Any = None,
) -> Result:
    """Poznań's greedy: stop at the first project that does not fit, but fund it when 80 % is covered.

    Quoted from the pabulib files: "we fund projects that received the highest number of votes
    until the next project on the list does not fit within the budget. Finally, if the remaining
    budget is enough to fund at least 80% of that project, we fund it as well with the external
    reserve funds". Only Poznań documents this reading of ``greedy-custom``; other cities using
    that label (Łódź 2020) departed from greedy by council decision and cannot be recomputed.
    """
    return _run(
        instance,
        profile,
        rule="greedy-custom",
        rule_name="Greedy with an 80 % reserve (Poznań)",
        on_misfit="reserve",
        threshold=_threshold(instance, threshold, required=False),
        tie_break=parse_tie_break(tie_break),
    )
