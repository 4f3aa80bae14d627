"""Reader and writer for the ``.blt`` ballot format (David Hill's ERS format, OpenSTV, Droop).

Layout::

    <candidates> <seats>
    -2                      optional: withdrawn candidates, negative numbers
    1 3 1 2 0               ballot: weight, preferences (1-based), terminating 0
    2 4=1 3 0               "=" marks equal rankings; "-" a skipped rank
    0                       end of ballots
    "Alice"                 one quoted name per candidate
    ...
    "Title"

An optional ballot id in parentheses may precede the weight, as OpenSTV writes. Every parse
error names the line, because election staff fix these files by hand.
"""

from __future__ import annotations

import os
import shlex

from engines.errors import EngineInputError
from engines.files import read_bytes
from voting.ranked.ballots import RankedBallot, RankedProfile, Ranking, Votes, add_votes

from .ranked_numbers import MAX_CANDIDATES, located_int, located_weight

__all__ = ["parse_blt", "read_blt", "write_blt"]

def read_blt(path: str | os.PathLike[str]) -> RankedProfile:
    """Read a ``.blt`` file into a grouped profile (UTF-8, or Latin-1 as older ERS files are)."""
    name = os.fspath(path)
    data = read_bytes(name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_blt(text, source=name)


def parse_blt(text: str, *, source: str = "<blt>") -> RankedProfile:
    """Parse ``.blt`` text; raises :class:`EngineInputError` with the offending line number."""
    numbered = [(i, raw.split("#", 1)[0].strip()) for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [(i, s) for i, s in numbered if s]
    if not lines:
        raise EngineInputError(source, 1, "file is empty")
    cursor = 0
    line_no, header = lines[cursor]
    parts = header.split()
    if len(parts) != 2:
        raise EngineInputError(source, line_no, "first line must be '<candidates> <seats>'")
    n = located_int(parts[0], "number of candidates", source, line_no, minimum=1, maximum=MAX_CANDIDATES)
    seats = located_int(parts[1], "number of seats", source, line_no, minimum=1, maximum=MAX_CANDIDATES)
    if seats > n:
        raise EngineInputError(source, line_no, f"{seats} seats but only {n} candidates")
    cursor += 1
    withdrawn: set[int] = set()
    while cursor < len(lines) and lines[cursor][1].startswith("-") and lines[cursor][1] != "-":
        line_no, content = lines[cursor]
        for token in content.split():
            if not token.startswith("-"):
                raise EngineInputError(source, line_no, f"withdrawn candidate {token!r} is not a negative number")
            index = located_int(token[1:], "withdrawn candidate", source, line_no)
            if not 1 <= index <= n:
                raise EngineInputError(source, line_no, f"withdrawn candidate {index} out of range 1..{n}")
            withdrawn.add(index - 1)
        cursor += 1

    weights: dict[Ranking, Votes] = {}
    while True:
        if cursor >= len(lines):
            raise EngineInputError(source, lines[-1][0], "missing the '0' line that ends the ballots")
        line_no, content = lines[cursor]
        cursor += 1
        tokens = content.split()
        if tokens[0].startswith("("):
            tokens = tokens[1:]
        if tokens == ["0"]:
            break
        if not tokens:
            raise EngineInputError(source, line_no, "ballot line has no weight")
        weight = located_weight(tokens[0], source, line_no)
        if tokens[-1] != "0" or len(tokens) < 2:
            raise EngineInputError(source, line_no, "ballot line must end with 0")
        ranking: list[tuple[int, ...]] = []
        for token in tokens[1:-1]:
            if token == "-":
                ranking.append(())
                continue
            position = []
            for part in token.split("="):
                if not part.isascii() or not part.isdigit():
                    raise EngineInputError(source, line_no, f"preference {token!r} is not a candidate number")
                index = located_int(part, "candidate", source, line_no)
                if not 1 <= index <= n:
                    raise EngineInputError(source, line_no, f"candidate {index} out of range 1..{n}")
                position.append(index - 1)
            ranking.append(tuple(position))
        key = tuple(ranking)
        weights[key] = add_votes(weights.get(key, 0), weight)

    strings: list[tuple[int, str]] = []
    for line_no, content in lines[cursor:]:
        try:
            for token in shlex.split(content):
                strings.append((line_no, token))
        except ValueError:
            raise EngineInputError(source, line_no, "unterminated quoted name") from None
    if len(strings) < n:
        line = strings[-1][0] if strings else lines[-1][0]
        raise EngineInputError(source, line, f"expected {n} candidate names, found {len(strings)}")
    names = tuple(s for _, s in strings[:n])
    if len(set(names)) != n:
        raise EngineInputError(source, strings[0][0], "candidate names must be distinct")
    title = strings[n][1] if len(strings) > n else ""
    return RankedProfile(
        names,
        [RankedBallot(r, w) for r, w in weights.items()],
        seats=seats,
        title=title,
        withdrawn=frozenset(withdrawn),
        source=source,
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def write_blt(profile: RankedProfile) -> str:
    """Serialise a profile as ``.blt`` text (identical ballots written once with their weight)."""
    out = [f"{len(profile.candidates)} {profile.seats}"]
    if profile.withdrawn:
        out.append(" ".join(f"-{c + 1}" for c in sorted(profile.withdrawn)))
    for ballot in profile.grouped().ballots:
        marks = ["=".join(str(c + 1) for c in pos) if pos else "-" for pos in ballot.ranking]
        out.append(" ".join([str(ballot.weight), *marks, "0"]))
    out.append("0")
    out.extend(_quote(name) for name in profile.candidates)
    out.append(_quote(profile.title))
    return "\n".join(out) + "\n"
