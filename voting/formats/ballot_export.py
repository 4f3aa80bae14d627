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
import os
from collections.abc import Iterable, Sequence
from typing import Any

from engines.errors import EngineInputError
from engines.files import read_text
from voting.ranked.ballots import RankedBallot, RankedProfile, Ranking

FORMAT = "civic-ranked-ballots"
MAX_COUNT = 10**15
"""Largest count of one ranking (far beyond any electorate; bounds the arithmetic)."""
VERSION = 1


def export_ballots(profile: RankedProfile) -> dict[str, Any]:
    """The export document for a profile (identical ballots merged, deterministic order)."""
    names = profile.candidates
    grouped = profile.grouped().ballots
    entries = [([[names[c] for c in position] for position in b.ranking], b.weight) for b in grouped]
    entries.sort(key=lambda entry: (-entry[1], json.dumps(entry[0])))
    rows = [{"ranking": ranking, "count": count} for ranking, count in entries]
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": profile.title,
        "seats": profile.seats,
        "candidates": list(names),
        "withdrawn": [names[c] for c in sorted(profile.withdrawn)],
        "ballots": rows,
    }


def dumps(profile: RankedProfile) -> str:
    return json.dumps(export_ballots(profile), ensure_ascii=False, indent=1) + "\n"


def profile_from_rankings(
    candidates: Sequence[str], rankings: Iterable[Sequence[str]], *, seats: int = 1, title: str = ""
) -> RankedProfile:
    """Build a profile from ballots given as candidate names, best first (how ballots are stored)."""
    index = {name: i for i, name in enumerate(candidates)}
    counts: dict[Ranking, int] = {}
    for ranking in rankings:
        key = tuple((index[name],) for name in ranking)
        counts[key] = counts.get(key, 0) + 1
    return RankedProfile(tuple(candidates), [RankedBallot(r, w) for r, w in counts.items()], seats=seats, title=title)


def is_ballot_export(data: Any) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT


def loads(text: str, *, source: str = "<export>") -> RankedProfile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EngineInputError(source, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise EngineInputError(source, None, "invalid JSON: nested too deeply") from None
    return from_document(data, source=source)


def from_document(data: Any, *, source: str = "<export>") -> RankedProfile:
    """Rebuild a profile from an export document, checking every name and count."""
    if not is_ballot_export(data):
        raise EngineInputError(source, None, f"not a {FORMAT} document")
    if data.get("version") != VERSION:
        raise EngineInputError(source, None, f"unsupported export version {data.get('version')!r}")
    raw_candidates = data.get("candidates")
    if not isinstance(raw_candidates, list) or not all(isinstance(c, str) for c in raw_candidates):
        raise EngineInputError(source, None, "candidates must be a list of names")
    candidates = list(raw_candidates)
    if not candidates or len(set(candidates)) != len(candidates):
        raise EngineInputError(source, None, "candidates must be a non-empty list of distinct names")
    index = {name: i for i, name in enumerate(candidates)}
    counts: dict[Ranking, int] = {}
    rows = data.get("ballots") or []
    if not isinstance(rows, list):
        raise EngineInputError(source, None, "ballots must be a list")
    for number, row in enumerate(rows, start=1):
        count = row.get("count") if isinstance(row, dict) else None
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise EngineInputError(source, None, f"ballot entry {number}: count must be a positive integer")
        ranking = []
        positions = row.get("ranking") or []
        if not isinstance(positions, list):
            raise EngineInputError(source, None, f"ballot entry {number}: ranking must be a list of ranks")
        for position in positions:
            if not isinstance(position, list) or not all(isinstance(name, str) for name in position):
                raise EngineInputError(source, None, f"ballot entry {number}: each rank must be a list of names")
            unknown = [name for name in position if name not in index]
            if unknown:
                raise EngineInputError(source, None, f"ballot entry {number}: unknown candidate {unknown[0]!r}")
            ranking.append(tuple(index[name] for name in position))
        key = tuple(ranking)
        counts[key] = counts.get(key, 0) + count
    withdrawn: set[int] = set()
    for name in data.get("withdrawn") or []:
        if not isinstance(name, str) or name not in index:
            raise EngineInputError(source, None, f"withdrawn candidate {name!r} is not a candidate")
        withdrawn.add(index[name])
    seats = data.get("seats", 1)
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= len(candidates):
        raise EngineInputError(source, None, f"seats must be a whole number from 1 to {len(candidates)}")
    return RankedProfile(
        tuple(candidates),
        [RankedBallot(r, w) for r, w in counts.items()],
        seats=seats,
        title=str(data.get("title", "")),
        withdrawn=frozenset(withdrawn),
        source=source,
    )


def read_ballot_export(path: str | os.PathLike[str]) -> RankedProfile:
    return loads(read_text(path), source=os.fspath(path))
