"""Reader for the scot-elex ward CSV (MGGG's cleaned Scottish council cast vote records).

Layout: ``ncand,nseats,`` then ``count,c1,c2,...,`` ballot lines (1-based candidate indexes),
then one ``"Candidate i","Name","Party (ABBR)",`` line per candidate and a final ``"Ward",``
line. Every line ends with a trailing comma. We read it so that published Scottish counts can
be reproduced from the councils' own ballot data.
"""

from __future__ import annotations

import os

from engines.errors import EngineInputError
from engines.files import csv_rows, read_text
from voting.ranked.ballots import RankedBallot, RankedProfile, Ranking

from .ranked_numbers import MAX_CANDIDATES, located_int


def looks_like_scot_csv(text: str) -> bool:
    """True when the first line is ``<int>,<int>,`` (the scot-elex header)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip().rstrip(",").split(",")
    return len(first) == 2 and all(part.strip().isascii() and part.strip().isdigit() for part in first)


def read_scot_csv(path: str | os.PathLike[str]) -> RankedProfile:
    return parse_scot_csv(read_text(path), source=os.fspath(path))


def parse_scot_csv(text: str, *, source: str = "<csv>") -> RankedProfile:
    """Parse scot-elex CSV text; every error names the line."""
    numbered = [
        (line, [cell.strip() for cell in row if cell.strip() != ""])
        for line, row in csv_rows(text.splitlines(), source)
    ]
    if not numbered or len(numbered[0][1]) != 2:
        raise EngineInputError(source, 1, "first line must be '<candidates>,<seats>,'")
    n = located_int(numbered[0][1][0], "number of candidates", source, 1, minimum=1, maximum=MAX_CANDIDATES)
    seats = located_int(numbered[0][1][1], "number of seats", source, 1, minimum=1, maximum=MAX_CANDIDATES)
    if seats > n:
        raise EngineInputError(source, 1, f"{seats} seats but only {n} candidates")
    weights: dict[Ranking, int] = {}
    line = 1
    names_start = len(numbered)
    for index, (line, row) in enumerate(numbered[1:], start=1):
        if not row or not (row[0].isascii() and row[0].isdigit()):
            names_start = index
            break
        ranking = []
        for cell in row[1:]:
            if not (cell.isascii() and cell.isdigit()):
                raise EngineInputError(source, line, f"preference {cell!r} is not a candidate 1..{n}")
            ranking.append((located_int(cell, "preference", source, line, minimum=1, maximum=n) - 1,))
        key = tuple(ranking)
        weights[key] = weights.get(key, 0) + located_int(row[0], "ballot count", source, line)
    else:
        raise EngineInputError(source, line, "no candidate lines after the ballots")
    candidate_rows = [row for _, row in numbered[names_start : names_start + n]]
    if len(candidate_rows) < n or any(len(r) < 2 for r in candidate_rows):
        raise EngineInputError(source, numbered[names_start][0], f"expected {n} candidate lines")
    names = tuple(r[1] for r in candidate_rows)
    if len(set(names)) != n:
        raise EngineInputError(source, numbered[names_start][0], "candidate names must be distinct")
    title_row = numbered[names_start + n][1] if len(numbered) > names_start + n else []
    return RankedProfile(
        names,
        [RankedBallot(r, w) for r, w in weights.items()],
        seats=seats,
        title=title_row[0] if title_row else "",
        source=source,
    )
