"""The one door from the web side to the counting engines.

Everything the Django apps need from the PB engine (``voting.pb``: ``PB_RULES``, ``count``,
``PBOutcome``), the ranked engine (``voting.ranked``: ``RANKED_METHODS``, ``RankedProfile``) and the
file formats (``voting.formats.pabulib``, ``voting.formats.blt``) goes through the functions here.
Their inputs and outputs are plain Python data (strings, ``Fraction``, lists and JSON-ready dicts),
never engine objects, so when an engine's API moves only this module changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# Ballot types of a process -> pabulib vote_type of the published file.
VOTE_TYPE = {
    "approval": "approval",
    "k_approval": "approval",
    "knapsack": "approval",
    "points": "cumulative",
    "ranked": "ordinal",
}


class CountError(ValueError):
    """Input the engine refuses (unknown rule, bad ballot); the message is fit for an officer."""


@dataclass(frozen=True)
class ProjectRow:
    id: str
    cost: Fraction
    name: str


@dataclass(frozen=True)
class BallotRow:
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    voter_id: str = ""


# Rules a process may choose, named as pabulib META names them, so the published ``.pb`` carries the
# same ``rule`` and ``tally_pb`` (or any pabulib tool) counts it the same way.
PB_RULES = {
    "greedy": "Greedy (most votes first, skipping projects that do not fit)",
    "greedy-no-skip": "Greedy, stopping at the first project that does not fit",
    "equalshares/add1": "Method of Equal Shares, completed by raising the budget (Add1)",
    "equalshares/utilitarian": "Method of Equal Shares, completed greedily",
    "phragmen": "Sequential Phragmén",
}


def pb_rule_choices() -> list[tuple[str, str]]:
    """(META rule name, description) of the PB rules a process can use; each resolves in the engine."""
    return [(key, label) for key, label in PB_RULES.items() if _resolves(key)]


def _resolves(key: str) -> bool:
    from voting.pb import PB_RULES as registry

    try:
        registry.resolve(key)
    except LookupError:
        return False
    return True


def ranked_rule_choices() -> list[tuple[str, str]]:
    from voting.ranked import RANKED_METHODS

    return [(entry.key, entry.display_name) for entry in sorted(RANKED_METHODS.entries(), key=lambda e: e.key)]


def rule_display_name(rule: str) -> str:
    return dict(pb_rule_choices() + ranked_rule_choices()).get(rule, rule)


def _election(projects: Sequence[ProjectRow], budget: Fraction, vote_type: str,
              ballots: Sequence[BallotRow], max_length: int | None = None):
    from voting.pb import PBBallot, PBError, PBInstance, PBProfile, Project

    try:
        instance = PBInstance(tuple(Project(p.id, Fraction(p.cost), p.name) for p in projects), Fraction(budget))
        profile = PBProfile(
            vote_type,
            [PBBallot(tuple(b.projects), tuple(b.points) if b.points is not None else None, 1,
                      b.voter_id or str(i)) for i, b in enumerate(ballots, start=1)],
            max_length,
        )
    except PBError as error:
        raise CountError(str(error)) from None
    return instance, profile


def count_pb(rule: str, projects: Sequence[ProjectRow], budget: Fraction, vote_type: str,
             ballots: Sequence[BallotRow], *, max_length: int | None = None) -> dict[str, Any]:
    """Count with a registered PB rule; the JSON-ready outcome (selected, total_cost, rounds, projects)."""
    from voting.pb import PBError, count

    instance, profile = _election(projects, budget, vote_type, ballots, max_length)
    try:
        outcome = count(rule, instance, profile)
    except PBError as error:
        raise CountError(str(error)) from None
    data = outcome.to_dict()
    data["total_cost_exact"] = str(outcome.total_cost)
    return data


def pb_file_text(projects: Sequence[ProjectRow], budget: Fraction, vote_type: str,
                 ballots: Sequence[BallotRow], meta: dict[str, str], *, max_length: int | None = None) -> str:
    """A pabulib ``.pb`` file of the election (the engine's writer, so tally_pb reads it back)."""
    from voting.formats.pabulib import format_pb, pb_file_from_election

    instance, profile = _election(projects, budget, vote_type, ballots, max_length)
    return format_pb(pb_file_from_election(instance, profile, meta))


@dataclass
class ImportedElection:
    meta: dict[str, str]
    projects: list[dict[str, Any]]
    """id, cost (Fraction), name, and any other PROJECTS column as text."""
    vote_type: str
    ballots: list[BallotRow]
    budget: Fraction
    max_length: int | None
    rule: str | None


def read_pb_file(path: str) -> ImportedElection:
    """Read a ``.pb`` file; ``CountError`` with ``FILE:LINE: reason`` when malformed."""
    from voting.formats.pabulib import read_pb
    from voting.pb import PBError

    try:
        pb = read_pb(path)
    except PBError as error:
        raise CountError(str(error)) from None
    projects = []
    for row, project in zip(pb.project_rows, pb.instance.projects, strict=True):
        extra = dict(zip(pb.project_columns, row, strict=False))
        projects.append({**extra, "id": project.id, "cost": project.cost, "name": project.name or extra.get("name", "")})
    ballots = [
        BallotRow(tuple(b.projects), tuple(int(p) for p in b.points) if b.points is not None else None, b.voter_id)
        for b in pb.profile.ballots for _ in range(int(b.weight) if b.weight == int(b.weight) else 1)
    ]
    return ImportedElection(dict(pb.meta), projects, pb.profile.vote_type, ballots, pb.instance.budget,
                            pb.profile.max_length, pb.rule)


# --- ranked ballots ----------------------------------------------------------------------------

def count_ranked(method: str, candidates: Sequence[str], rankings: Sequence[Sequence[int]], *,
                 seats: int = 1) -> dict[str, Any]:
    """Count ranked ballots (lists of candidate indexes, best first) with a ranked method."""
    from voting.ranked import RANKED_METHODS, RankedProfile

    try:
        entry, implied = RANKED_METHODS.resolve(method)
        if not rankings:
            return {"elected": [], "rounds": [], "rule_name": entry.display_name, "projects": {},
                    "notes": ["No ballots were cast: nobody is elected."]}
        profile = RankedProfile.from_rankings(list(candidates), [list(r) for r in rankings], seats=seats)
        outcome = entry.function(profile, **implied)
    except (LookupError, ValueError) as error:
        raise CountError(str(error)) from None
    data = outcome.to_dict()
    data["rule_name"] = entry.display_name
    return data


def blt_text(candidates: Sequence[str], rankings: Sequence[Sequence[int]], *, seats: int = 1, title: str = "") -> str:
    from voting.formats.blt import write_blt
    from voting.ranked import RankedProfile

    return write_blt(RankedProfile.from_rankings(list(candidates), [list(r) for r in rankings], seats=seats,
                                                 title=title))


def json_money(value: Any) -> int | float:
    """An amount for published JSON: rounded to the minor unit (cents), an int when whole."""
    from decimal import Decimal

    from engines.numbers import money

    if isinstance(value, str):
        value = Fraction(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    rounded = money(value)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def resolve_pb_rule(rule: str) -> None:
    """``CountError`` unless the PB engine (or the ranked engine) knows ``rule``."""
    from voting.pb import PB_RULES as registry

    if is_ranked_rule(rule):
        return
    refusal = registry.refusal(rule)
    if refusal is not None:
        raise CountError(refusal)
    try:
        registry.resolve(rule)
    except LookupError as error:
        raise CountError(str(error)) from None


def is_ranked_rule(rule: str) -> bool:
    return rule in {k for k, _ in ranked_rule_choices()}


def count_with_declared_constraints(rule: str, projects: Sequence[ProjectRow], budget: Fraction, vote_type: str,
                                    ballots: Sequence[BallotRow], votes: dict[str, int],
                                    adjustments: dict[str, Any], *, max_length: int | None = None
                                    ) -> dict[str, Any]:
    """The count again, under the council's declared constraints; the rule's own count is not touched.

    Deterministic steps, each recorded:

    1. ``min_votes``: every project named on fewer ballots than the declared minimum is left out.
    2. ``incompatible`` (groups of project ids, at most one of each group funded): the rule is run on
       the projects still in; in each group with two or more funded projects, the one the rule funded
       first (its order in ``selected``: most votes first for greedy, round order for MES and
       Phragmén) stays, and the others are left out. The count is then run again without them, and
       so on until no group has two funded projects (each pass leaves out at least one project, so
       it ends).

    The projects left out are removed from the ballots (and their points, for cumulative ballots)
    before each re-run, exactly as if they had not been on the ballot. Returns ``selected`` (the
    constrained outcome, in the rule's order), ``excluded`` ({project: reason}) and ``steps``.
    """
    min_votes = int(adjustments.get("min_votes") or 0)
    groups = [[str(p) for p in g] for g in adjustments.get("incompatible") or [] if len(g) > 1]
    excluded: dict[str, str] = {}
    steps: list[dict[str, Any]] = []
    if min_votes:
        for p in projects:
            if votes.get(p.id, 0) < min_votes:
                reason = f"{votes.get(p.id, 0)} votes, fewer than the declared minimum of {min_votes}"
                excluded[p.id] = reason
                steps.append({"type": "below_min_votes", "project": p.id, "votes": votes.get(p.id, 0),
                              "reason": f"left out of the count: {reason}"})
    while True:
        keep = [p for p in projects if p.id not in excluded]
        rows = []
        for b in ballots:
            if b.points is None:
                rows.append(BallotRow(tuple(p for p in b.projects if p not in excluded), None, b.voter_id))
            else:
                pairs = [(p, n) for p, n in zip(b.projects, b.points, strict=True) if p not in excluded]
                rows.append(BallotRow(tuple(p for p, _ in pairs), tuple(n for _, n in pairs), b.voter_id))
        selected = list(count_pb(rule, keep, budget, vote_type, rows, max_length=max_length)["selected"])
        losers = []
        for g in groups:
            funded = [p for p in selected if p in g]
            for p in funded[1:]:
                losers.append(p)
                excluded[p] = f"incompatible with {funded[0]}, which the count funded first"
                steps.append({"type": "incompatible", "project": p, "kept": funded[0],
                              "reason": f"left out and counted again: {excluded[p]} "
                                        "(at most one project of its declared group is funded)"})
        if not losers:
            return {"selected": selected, "excluded": excluded, "steps": steps}


def apply_adjustments(selected: Sequence[str], costs: dict[str, Fraction], votes: dict[str, int],
                      budget: Fraction, adjustments: dict[str, Any], *,
                      excluded: Sequence[str] = ()) -> dict[str, Any]:
    """The council's declared rules applied after the count, in a fixed order, each step explained.

    ``part_fund_share`` (0–1): the most voted project left unfunded is funded when the money left
    covers at least that share of its cost (the difference comes from a reserve, as in Poznań).
    ``extra_money``: money added after the count funds the most voted unfunded projects that fit.
    Projects in ``excluded`` (left out by :func:`count_with_declared_constraints`) are never added.
    The rule's own ``selected`` is never changed: these steps only add to it, and say so.
    """
    funded = list(selected)
    left = Fraction(budget) - sum((costs[p] for p in funded), Fraction(0))
    steps: list[dict[str, Any]] = []
    waiting = sorted((p for p in costs if p not in funded and p not in excluded), key=lambda p: (-votes.get(p, 0), costs[p], p))
    groups = [{str(p) for p in g} for g in adjustments.get("incompatible") or []]

    def clashes(p: str) -> bool:
        """Funding ``p`` would fund two projects of one declared incompatible group."""
        return any(p in g and any(q in g for q in funded) for g in groups)

    share = adjustments.get("part_fund_share")
    if share:
        share = Fraction(str(share))
        for p in waiting:
            if clashes(p):
                continue
            if costs[p] > left and left >= share * costs[p] and costs[p] > 0:
                steps.append({"type": "part_fund", "project": p, "covered": json_money(left),
                              "from_reserve": json_money(costs[p] - left),
                              "reason": f"the money left covers {float(left / costs[p]):.0%} of its cost "
                                        f"(at least {float(share):.0%} declared)"})
                funded.append(p)
                left = Fraction(0)
                break
            if costs[p] > left:
                break
    extra = adjustments.get("extra_money")
    if extra:
        left += Fraction(str(extra))
        steps.append({"type": "extra_money", "amount": json_money(Fraction(str(extra))),
                      "reason": "money added after the count"})
        for p in waiting:
            if p in funded or costs[p] > left or clashes(p):
                continue
            funded.append(p)
            left -= costs[p]
            steps.append({"type": "extra_fund", "project": p, "cost": json_money(costs[p]),
                          "reason": "funded from the money added after the count"})
    return {"funded": funded, "steps": steps, "left": json_money(left)}
