"""civic's anonymised ranked-ballot export (JSON), for publication next to the results.

Why a format of our own: the public must be able to recount, but no ballot may be traceable to a
voter. The export therefore holds only rankings with counts: no ballot ids, no timestamps, and
rankings sorted so the file order says nothing about the order of voting. Candidates are named,
not numbered, so a file read years later needs no lookup table.

::

    {"format": "civic-ranked-ballots", "version": 1, "title": "...", "seats": 1,
     "candidates": ["Ann", "Bo"], "withdrawn": [],
     "ballots": [{"ranking": [["Ann"], ["Bo"]], "count": 12}, ...]}

A rank is a list so that equal rankings and skipped ranks (``[]``) survive the round trip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from voting.rules.ranked import Ballot, BallotError, Profile

FORMAT = "civic-ranked-ballots"
VERSION = 1


def export_ballots(profile: Profile) -> dict[str, Any]:
    """The export document for a profile (identical ballots merged, deterministic order)."""
    names = profile.candidates
    grouped = profile.grouped().ballots
    rows = [
        {"ranking": [[names[c] for c in position] for position in b.ranking], "count": b.weight}
        for b in grouped
    ]
    rows.sort(key=lambda row: (-row["count"], json.dumps(row["ranking"])))
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": profile.title,
        "seats": profile.seats,
        "candidates": list(names),
        "withdrawn": [names[c] for c in sorted(profile.withdrawn)],
        "ballots": rows,
    }


def dumps(profile: Profile) -> str:
    return json.dumps(export_ballots(profile), ensure_ascii=False, indent=1) + "\n"


def profile_from_rankings(
    candidates: Sequence[str], rankings: Iterable[Sequence[str]], *, seats: int = 1, title: str = ""
) -> Profile:
    """Build a profile from ballots given as candidate names, best first (how ballots are stored)."""
    index = {name: i for i, name in enumerate(candidates)}
    counts: dict[tuple, int] = {}
    for ranking in rankings:
        key = tuple((index[name],) for name in ranking)
        counts[key] = counts.get(key, 0) + 1
    return Profile(tuple(candidates), [Ballot(r, w) for r, w in counts.items()], seats=seats, title=title)


def is_ballot_export(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def loads(text: str, *, source: str = "<export>") -> Profile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BallotError(f"invalid JSON: {exc.msg}", path=source, line=exc.lineno) from None
    return from_document(data, source=source)


def from_document(data: Any, *, source: str = "<export>") -> Profile:
    """Rebuild a profile from an export document, checking every name and count."""
    if not is_ballot_export(data):
        raise BallotError(f"not a {FORMAT} document", path=source)
    if data.get("version") != VERSION:
        raise BallotError(f"unsupported export version {data.get('version')!r}", path=source)
    candidates = [str(c) for c in data.get("candidates") or []]
    if not candidates or len(set(candidates)) != len(candidates):
        raise BallotError("candidates must be a non-empty list of distinct names", path=source)
    index = {name: i for i, name in enumerate(candidates)}
    counts: dict[tuple, int] = {}
    for number, row in enumerate(data.get("ballots") or [], start=1):
        count = row.get("count") if isinstance(row, dict) else None
        if not isinstance(count, int) or count < 1:
            raise BallotError(f"ballot entry {number}: count must be a positive integer", path=source)
        ranking = []
        for position in row.get("ranking") or []:
            if not isinstance(position, list):
                raise BallotError(f"ballot entry {number}: each rank must be a list of names", path=source)
            unknown = [name for name in position if name not in index]
            if unknown:
                raise BallotError(f"ballot entry {number}: unknown candidate {unknown[0]!r}", path=source)
            ranking.append(tuple(index[name] for name in position))
        key = tuple(ranking)
        counts[key] = counts.get(key, 0) + count
    withdrawn = set()
    for name in data.get("withdrawn") or []:
        if name not in index:
            raise BallotError(f"withdrawn candidate {name!r} is not a candidate", path=source)
        withdrawn.add(index[name])
    seats = data.get("seats", 1)
    if not isinstance(seats, int) or seats < 1:
        raise BallotError("seats must be a positive integer", path=source)
    return Profile(
        tuple(candidates),
        [Ballot(r, w) for r, w in counts.items()],
        seats=seats,
        title=str(data.get("title", "")),
        withdrawn=frozenset(withdrawn),
    )


def read_ballot_export(path: str | Path) -> Profile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    return loads(text, source=str(path))
