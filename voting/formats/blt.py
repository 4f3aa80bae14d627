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

import shlex
from decimal import Decimal, InvalidOperation
from pathlib import Path

from voting.rules.ranked import Ballot, BallotError, Profile

__all__ = ["parse_blt", "read_blt", "write_blt"]


def read_blt(path: str | Path) -> Profile:
    """Read a ``.blt`` file into a grouped profile."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    return parse_blt(text, source=str(path))


def _weight(token: str, source: str, line: int) -> int | Decimal:
    try:
        value = Decimal(token)
    except InvalidOperation:
        raise BallotError(f"ballot weight {token!r} is not a number", path=source, line=line) from None
    if value <= 0:
        raise BallotError(f"ballot weight must be positive, got {token}", path=source, line=line)
    return int(value) if value == value.to_integral_value() else value


def parse_blt(text: str, *, source: str = "<blt>") -> Profile:
    """Parse ``.blt`` text; raises :class:`BallotError` with the offending line number."""
    lines = [(i, raw.split("#", 1)[0].strip()) for i, raw in enumerate(text.splitlines(), start=1)]
    lines = [(i, s) for i, s in lines if s]
    if not lines:
        raise BallotError("file is empty", path=source, line=1)
    cursor = 0
    line_no, header = lines[cursor]
    parts = header.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise BallotError("first line must be '<candidates> <seats>'", path=source, line=line_no)
    n, seats = int(parts[0]), int(parts[1])
    if n < 1 or seats < 1:
        raise BallotError("need at least one candidate and one seat", path=source, line=line_no)
    cursor += 1
    withdrawn: set[int] = set()
    while cursor < len(lines) and lines[cursor][1].startswith("-") and lines[cursor][1] != "-":
        line_no, content = lines[cursor]
        for token in content.split():
            try:
                index = -int(token)
            except ValueError:
                raise BallotError(f"withdrawn candidate {token!r} is not a number", path=source, line=line_no) from None
            if not 1 <= index <= n:
                raise BallotError(f"withdrawn candidate {index} out of range 1..{n}", path=source, line=line_no)
            withdrawn.add(index - 1)
        cursor += 1

    weights: dict[tuple, int | Decimal] = {}
    while True:
        if cursor >= len(lines):
            raise BallotError("missing the '0' line that ends the ballots", path=source, line=lines[-1][0])
        line_no, content = lines[cursor]
        cursor += 1
        tokens = content.split()
        if tokens[0].startswith("("):
            tokens = tokens[1:]
        if tokens == ["0"]:
            break
        if not tokens:
            raise BallotError("ballot line has no weight", path=source, line=line_no)
        weight = _weight(tokens[0], source, line_no)
        if tokens[-1] != "0":
            raise BallotError("ballot line must end with 0", path=source, line=line_no)
        ranking = []
        for token in tokens[1:-1]:
            if token == "-":
                ranking.append(())
                continue
            position = []
            for part in token.split("="):
                if not part.isdigit():
                    raise BallotError(f"preference {token!r} is not a candidate number", path=source, line=line_no)
                index = int(part)
                if not 1 <= index <= n:
                    raise BallotError(f"candidate {index} out of range 1..{n}", path=source, line=line_no)
                position.append(index - 1)
            ranking.append(tuple(position))
        key = tuple(ranking)
        weights[key] = weights.get(key, 0) + weight

    strings: list[tuple[int, str]] = []
    for line_no, content in lines[cursor:]:
        try:
            for token in shlex.split(content):
                strings.append((line_no, token))
        except ValueError:
            raise BallotError("unterminated quoted name", path=source, line=line_no) from None
    if len(strings) < n:
        line = strings[-1][0] if strings else lines[-1][0]
        raise BallotError(f"expected {n} candidate names, found {len(strings)}", path=source, line=line)
    names = tuple(s for _, s in strings[:n])
    if len(set(names)) != n:
        raise BallotError("candidate names must be distinct", path=source, line=strings[0][0])
    title = strings[n][1] if len(strings) > n else ""
    return Profile(
        names,
        [Ballot(r, w) for r, w in weights.items()],
        seats=seats,
        title=title,
        withdrawn=frozenset(withdrawn),
    )


def _quote(text: str) -> str:
    return '"' + text.replace('"', "'") + '"'


def write_blt(profile: Profile) -> str:
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
