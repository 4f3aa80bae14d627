"""What counts as the official outcome of a pabulib file, and the files whose outcome no rule reproduces.

PROJECTS' ``selected`` column is the official outcome. Its values: ``1`` funded by the declared
rule; ``2`` funded by a documented extra step, which is part of the rule only for Poznań's
``greedy-custom`` (the 80 % reserve, implemented in ``voting.pb.greedy``) and is *outside* the
rule in Gdynia (the "Projekt +1" turnout award, paid from city funds beyond the PB budget);
``3`` funded from money added afterwards (Poznań: "additional funds ... allocated to a
district"), never part of the count.

Exceptions are files where no reading of the declared rule gives the official set. Each entry
says what the file shows; the test asserts that the file still *does not* reproduce, so an entry
that becomes stale (data fixed upstream) fails and must be removed.
"""

from __future__ import annotations

from voting.formats.pabulib import PBFile

OFFICIAL_EXCEPTIONS: dict[str, str] = {
    "Poland_Lodz_2020.pb": (
        "greedy-custom, documented as not a rule: the META comment says the budget grew from "
        "4.6 M to 5,715,627 PLN after unused district funds were moved (Resolution XXXVI/1155/21) and "
        "'additional projects were then selected, though not strictly following the typical greedy "
        "rule'. The official 25 projects cost exactly 5,715,627 PLN, the new budget: it was set to "
        "the sum of a hand-picked list. Greedy by votes (with the 100-vote threshold, with or "
        "without skipping, with Poznań's reserve) funds L048 and leaves 2,300 PLN, while the city "
        "funded L099 (1,066 votes), L155 (624), L163 (224) and L249 (874) instead; no order by "
        "votes puts L163 with 224 votes ahead of L048."
    ),
}


def official_outcome(pb: PBFile) -> set[str]:
    """The set of project ids the city funded under the declared rule (see the module docstring)."""
    counted = {1, 2} if pb.rule == "greedy-custom" else {1}
    return {project_id for project_id, flag in pb.selected_official.items() if flag in counted}
