"""Reader for the scot-elex ward CSV (MGGG's cleaned Scottish council cast vote records).

Layout: ``ncand,nseats,`` then ``count,c1,c2,...,`` ballot lines (1-based candidate indexes),
then one ``"Candidate i","Name","Party (ABBR)",`` line per candidate and a final ``"Ward",``
line. Every line ends with a trailing comma. We read it so that published Scottish counts can
be reproduced from the councils' own ballot data.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from voting.rules.ranked import Ballot, BallotError, Profile


def looks_like_scot_csv(text: str) -> bool:
    """True when the first line is ``<int>,<int>,`` (the scot-elex header)."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip().rstrip(",").split(",")
    return len(first) == 2 and all(part.strip().isdigit() for part in first)


def read_scot_csv(path: str | Path) -> Profile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    return parse_scot_csv(text, source=str(path))


def parse_scot_csv(text: str, *, source: str = "<csv>") -> Profile:
    rows = list(csv.reader(io.StringIO(text)))
    rows = [[cell.strip() for cell in row if cell.strip() != ""] for row in rows]
    if not rows or len(rows[0]) != 2 or not all(c.isdigit() for c in rows[0]):
        raise BallotError("first line must be '<candidates>,<seats>,'", path=source, line=1)
    n, seats = int(rows[0][0]), int(rows[0][1])
    weights: dict[tuple, int] = {}
    line = 1
    for line, row in enumerate(rows[1:], start=2):
        if not row or not row[0].isdigit():
            break
        ranking = []
        for cell in row[1:]:
            if not cell.isdigit() or not 1 <= int(cell) <= n:
                raise BallotError(f"preference {cell!r} is not a candidate 1..{n}", path=source, line=line)
            ranking.append((int(cell) - 1,))
        key = tuple(ranking)
        weights[key] = weights.get(key, 0) + int(row[0])
    else:
        raise BallotError("no candidate lines after the ballots", path=source, line=line)
    names_start = line - 1
    candidate_rows = rows[names_start : names_start + n]
    if len(candidate_rows) < n or any(len(r) < 2 for r in candidate_rows):
        raise BallotError(f"expected {n} candidate lines", path=source, line=line)
    names = tuple(r[1] for r in candidate_rows)
    title_row = rows[names_start + n] if len(rows) > names_start + n else []
    return Profile(
        names,
        [Ballot(r, w) for r, w in weights.items()],
        seats=seats,
        title=title_row[0] if title_row else "",
    )
