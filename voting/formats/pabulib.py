"""Reader and writer for pabulib ``.pb`` files.

The format (Faliszewski et al., "Participatory Budgeting: Data, Tools and Analysis", IJCAI 2023,
and https://pabulib.org/format) has three sections, each opened by a line ``META``, ``PROJECTS``
or ``VOTES`` followed by a header row; fields are separated by ``;`` with CSV quoting. META holds
``key;value`` pairs (``budget`` and ``vote_type`` matter for counting), PROJECTS needs
``project_id`` and ``cost``, VOTES needs ``voter_id`` and ``vote`` (comma-separated project ids,
in preference order for ordinal ballots) and, for cumulative and scoring ballots, ``points``.

Why a reader of our own: councils upload these files, so malformed input must be refused with the
file, the line and the reason (``FILE:LINE: reason``) rather than a traceback, and the reader must
stream (Wrocław 2015 has 131,778 ballots) and cope with what real files contain: a UTF-8 BOM,
CRLF line ends, quoted fields with ``;`` inside, optional columns in any order.

Round trip: :func:`read_pb` keeps every META pair and every column of PROJECTS and VOTES as the
exact string it read, and :func:`write_pb` writes them back in the same order, so
``read_pb(write_pb(read_pb(f)))`` equals ``read_pb(f)`` field for field. The writer writes to a
temporary file and renames it, so a failure leaves nothing half-written.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import IO

from engines.errors import EngineInputError
from engines.files import atomic_write, csv_rows, read_text
from engines.numbers import MAX_DIGITS, NumberError, parse_decimal, parse_int
from voting.pb.arrays import paused_gc
from voting.pb.types import (
    APPROVAL,
    CHOOSE_1,
    CUMULATIVE,
    ORDINAL,
    SCORING,
    PBBallot,
    PBError,
    PBInstance,
    PBProfile,
    Project,
)

SECTIONS = ("META", "PROJECTS", "VOTES")
_CHOOSE_K = re.compile(r"choose-(\d+)")
MAX_SELECTED_FLAG = 9
"""PROJECTS ``selected`` holds 0 to 3 in every known file; a larger flag is a typo, not a number."""


class PabulibError(PBError):
    """Malformed ``.pb`` input; ``str()`` is the one line ``FILE:LINE: reason`` shown to the user."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(reason, path, line)


Fail = Callable[[str, int], PabulibError]
"""Builds the error for a reason at a line (the reader's current line by default)."""


@dataclass
class PBFile:
    """A pabulib file: its raw fields (for round trips and display) and the election they define."""

    path: str
    meta: dict[str, str]
    project_columns: list[str]
    project_rows: list[list[str]]
    vote_columns: list[str]
    vote_rows: list[list[str]]
    instance: PBInstance
    profile: PBProfile
    meta_lines: dict[str, int] = field(default_factory=dict)
    """Line of each META key in the file, so that a bad ``rule`` or ``budget`` can be pointed at."""
    selected_official: dict[str, int] = field(default_factory=dict)
    """The PROJECTS ``selected`` column when present: 1 funded by the rule, 2 or 3 funded by a
    city-specific extra step (Gdynia's turnout award, Poznań's 80 % reserve), 0 not funded."""

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule")


_PB_HEAD = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*\"?META\"?\s*;*\s*\r?\n\s*\"?key\"?\s*;\s*\"?value\"?", re.IGNORECASE)


def looks_like_pabulib(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a pabulib file: a ``META`` line, then ``key;value``.

    For format detection (``voting.formats.detect``) of uploads whose name does not end in ``.pb``.
    """
    return _PB_HEAD.match(head) is not None


def read_pb(path: str | os.PathLike[str]) -> PBFile:
    """Read and validate a ``.pb`` file; raise :class:`PabulibError` naming the line at fault.

    The file is read by :func:`engines.files.read_text` (missing file, directory, not UTF-8 and
    gzip are handled there); its errors come back as :class:`PabulibError`."""
    name = os.fspath(path)
    try:
        text = read_text(path)
    except EngineInputError as error:
        raise PabulibError(error.path, error.line, error.reason) from None
    return read_pb_text(text, name)


def read_pb_text(text: str, name: str = "<string>") -> PBFile:
    """Parse ``.pb`` content held in memory (uploads, tests)."""
    with paused_gc():
        return _parse(name, io.StringIO(text.removeprefix("\ufeff"), newline=""))


def _parse(name: str, handle: Iterator[str]) -> PBFile:
    current = 0

    def fail(reason: str, line: int | None = None) -> PabulibError:
        return PabulibError(name, current if line is None else line, reason)

    meta: dict[str, str] = {}
    meta_lines: dict[str, int] = {}
    project_columns: list[str] = []
    project_rows: list[list[str]] = []
    vote_columns: list[str] = []
    vote_rows: list[list[str]] = []

    section: str | None = None
    header: list[str] | None = None
    seen_sections: list[str] = []
    meta_end_line = 1
    votes_header_line = 0
    for current, row in _rows(handle, name):
        marker = row[0].strip().upper() if len(row) == 1 or not any(cell.strip() for cell in row[1:]) else ""
        if marker in SECTIONS:
            expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
            if marker != expected:
                raise fail(f"section {marker} out of place (expected {expected or 'end of file'})")
            seen_sections.append(marker)
            section, header = marker, None
            if marker == "PROJECTS":
                meta_end_line = current
            continue
        if section is None:
            raise fail("expected META as the first line")
        if header is None:
            header = [cell.strip() for cell in row]
            if len(set(header)) != len(header):
                raise fail(f"repeated column in {section} header")
            if section == "META":
                if header[:2] != ["key", "value"]:
                    raise fail("META header must be 'key;value'")
            elif section == "PROJECTS":
                for required in ("project_id", "cost"):
                    if required not in header:
                        raise fail(f"PROJECTS header has no '{required}' column")
                project_columns = header
            else:
                for required in ("voter_id", "vote"):
                    if required not in header:
                        raise fail(f"VOTES header has no '{required}' column")
                vote_columns = header
                votes_header_line = current
            continue
        if section == "META":
            key = row[0].strip()
            if not key:
                raise fail("META row without a key")
            if key in meta:
                raise fail(f"META key '{key}' given twice")
            meta[key] = ";".join(row[1:]) if len(row) > 1 else ""
            meta_lines[key] = current
        elif section == "PROJECTS":
            if len(row) != len(project_columns):
                raise fail(f"PROJECTS row has {len(row)} fields, header has {len(project_columns)}")
            project_rows.append(row)
            project_rows[-1].append(str(current))  # line number, stripped below
        else:
            if len(row) != len(vote_columns):
                raise fail(f"VOTES row has {len(row)} fields, header has {len(vote_columns)}")
            vote_rows.append(row)
            vote_rows[-1].append(str(current))

    if len(seen_sections) < 3:
        missing = SECTIONS[len(seen_sections)]
        raise fail(f"no {missing} section")
    if header is None:
        raise fail("VOTES section has no header")

    budget = _meta_budget(meta, fail, meta_lines.get("budget", meta_end_line))
    vote_type = _meta_vote_type(meta, fail, meta_lines.get("vote_type", meta_end_line))
    max_length = _meta_int(meta, "max_length", fail, meta_lines.get("max_length", meta_end_line))
    min_line = meta_lines.get("min_length", meta_end_line)
    min_length = _meta_int(meta, "min_length", fail, min_line, minimum=0)
    if min_length is not None and max_length is not None and min_length > max_length:
        raise fail(f"min_length {min_length} is above max_length {max_length}", min_line)

    projects, selected = _projects(project_columns, project_rows, fail)
    instance = PBInstance(tuple(projects), budget, dict(meta))
    ballots = _ballots(vote_columns, vote_rows, vote_type, max_length, instance, fail)
    if not ballots:
        raise fail("empty profile: the VOTES section has no ballots", votes_header_line)
    kind = APPROVAL if _CHOOSE_K.fullmatch(vote_type) and vote_type != CHOOSE_1 else vote_type
    profile = PBProfile(kind, ballots, max_length)
    for rows_ in (project_rows, vote_rows):
        for row in rows_:
            row.pop()
    return PBFile(
        name, meta, project_columns, project_rows, vote_columns, vote_rows, instance, profile, meta_lines, selected
    )


def _rows(handle: Iterator[str], name: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank CSV records with their line numbers; fields bounded by :data:`engines.files.MAX_FIELD`."""
    try:
        for line, row in csv_rows(handle, name, delimiter=";"):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield line, row
    except EngineInputError as error:
        raise PabulibError(error.path, error.line, error.reason) from None


def _number(text: str, what: str, fail: Fail, line: int) -> Fraction:
    """A non-negative amount: a bounded decimal (``12``, ``3.50``, ``1e6``) or an exact ``p/q``
    (which :func:`write_pb` writes for amounts with no finite decimal expansion)."""
    try:
        if "/" in text:
            numerator, denominator = text.split("/", 1)
            value = Fraction(
                parse_int(numerator, what=what), parse_int(denominator, what=f"{what} denominator", minimum=1)
            )
        else:
            value = parse_decimal(text, what=what)
    except NumberError as error:
        raise fail(str(error), line) from None
    return value


def _points(text: str, fail: Fail, line: int) -> int | Fraction:
    """Points are whole numbers in every known file: parse those fast, anything else exactly."""
    if text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    value = _number(text, "points", fail, line)
    return int(value) if value.denominator == 1 else value


def _meta_budget(meta: dict[str, str], fail: Fail, line: int) -> Fraction:
    if "budget" not in meta or not meta["budget"].strip():
        raise fail("META has no budget", line)
    return _number(meta["budget"], "budget", fail, line)


def _meta_vote_type(meta: dict[str, str], fail: Fail, line: int) -> str:
    vote_type = meta.get("vote_type", APPROVAL).strip() or APPROVAL
    choose = _CHOOSE_K.fullmatch(vote_type)
    if vote_type not in (APPROVAL, CUMULATIVE, CHOOSE_1, ORDINAL, SCORING) and not choose:
        raise fail(f"unknown vote_type {vote_type!r}", line)
    if choose and (len(choose[1]) > MAX_DIGITS or int(choose[1]) < 1):
        raise fail(f"vote_type {vote_type!r}: a ballot must be able to name at least one project", line)
    return vote_type


def _meta_int(meta: dict[str, str], key: str, fail: Fail, line: int, minimum: int = 1) -> int | None:
    """A whole number of at least ``minimum`` (``max_length``: a ballot names at least one project)."""
    if key not in meta or not meta[key].strip():
        return None
    try:
        return parse_int(meta[key], what=key, minimum=minimum)
    except NumberError as error:
        raise fail(str(error), line) from None


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",")) if text.strip() else ()


def _projects(columns: list[str], rows: list[list[str]], fail: Fail) -> tuple[list[Project], dict[str, int]]:
    at = {name: i for i, name in enumerate(columns)}
    projects: list[Project] = []
    selected: dict[str, int] = {}
    seen: set[str] = set()
    for row in rows:
        line = int(row[-1])
        project_id = row[at["project_id"]].strip()
        if not project_id:
            raise fail("project without a project_id", line)
        if project_id in seen:
            raise fail(f"duplicate project id {project_id!r}", line)
        seen.add(project_id)
        cost = _number(row[at["cost"]], f"cost of project {project_id}", fail, line)
        if "selected" in at and row[at["selected"]].strip():
            try:
                flag = parse_int(row[at["selected"]], what=f"selected of project {project_id}", maximum=MAX_SELECTED_FLAG)
            except NumberError as error:
                raise fail(str(error), line) from None
            selected[project_id] = flag
        projects.append(
            Project(
                id=project_id,
                cost=cost,
                name=row[at["name"]] if "name" in at else "",
                categories=_split_list(row[at["category"]]) if "category" in at else (),
                target_groups=_split_list(row[at["target"]]) if "target" in at else (),
            )
        )
    return projects, selected


def _ballots(
    columns: list[str],
    rows: list[list[str]],
    vote_type: str,
    max_length: int | None,
    instance: PBInstance,
    fail: Fail,
) -> list[PBBallot]:
    at = {name: i for i, name in enumerate(columns)}
    known = instance.position
    points_at = at.get("points")
    weight_at = at.get("weight")
    if vote_type in (CUMULATIVE, SCORING) and points_at is None:
        raise fail(f"{vote_type} ballots need a 'points' column in VOTES", int(rows[0][-1]) if rows else 0)
    if vote_type not in (CUMULATIVE, SCORING, ORDINAL):
        points_at = None  # approval and choose-k ballots carry no points
    ballots: list[PBBallot] = []
    seen_voters: set[str] = set()
    for row in rows:
        line = int(row[-1])
        voter_id = row[at["voter_id"]].strip()
        if voter_id in seen_voters:
            raise fail(f"voter {voter_id!r} votes twice", line)
        seen_voters.add(voter_id)
        chosen = _split_list(row[at["vote"]])
        for project_id in chosen:
            if project_id not in known:
                raise fail(f"vote names unknown project {project_id!r}", line)
        if len(set(chosen)) != len(chosen):
            raise fail("vote names the same project twice", line)
        if max_length is not None and len(chosen) > max_length:
            raise fail(f"ballot has {len(chosen)} projects, more than max_length {max_length}", line)
        points = None
        if points_at is not None:
            raw = _split_list(row[points_at])
            if len(raw) != len(chosen):
                raise fail(f"{len(raw)} points for {len(chosen)} projects", line)
            points = tuple(_points(p, fail, line) for p in raw)
        weight: int | Fraction = 1
        if weight_at is not None and row[weight_at].strip():
            value = _number(row[weight_at], "weight", fail, line)
            weight = int(value) if value.denominator == 1 else value
        ballots.append(PBBallot(chosen, points, weight, voter_id))
    return ballots


def format_pb(pb: PBFile) -> str:
    """The file as text (LF line ends, quoting only where needed)."""
    out = io.StringIO()
    _write(pb, out)
    return out.getvalue()


def write_pb(pb: PBFile, path: str | os.PathLike[str]) -> None:
    """Write atomically: a temporary file in the same folder, renamed over ``path`` when complete."""
    with atomic_write(path) as handle:
        _write(pb, handle)


def _write(pb: PBFile, handle: IO[str]) -> None:
    writer = csv.writer(handle, delimiter=";", quotechar='"', lineterminator="\n")
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    for key, value in pb.meta.items():
        writer.writerow([key, value])
    writer.writerow(["PROJECTS"])
    writer.writerow(pb.project_columns)
    writer.writerows(pb.project_rows)
    writer.writerow(["VOTES"])
    writer.writerow(pb.vote_columns)
    writer.writerows(pb.vote_rows)


def pb_file_from_election(
    instance: PBInstance, profile: PBProfile, meta: dict[str, str] | None = None, path: str = "<memory>"
) -> PBFile:
    """Build a :class:`PBFile` from plain data, e.g. to export a count held in the database."""
    meta_out = {
        "num_projects": str(len(instance.projects)),
        "num_votes": str(len(profile.ballots)),
        "budget": _decimal(instance.budget),
        "vote_type": profile.vote_type,
    }
    if profile.max_length is not None:
        meta_out["max_length"] = str(profile.max_length)
    meta_out.update(meta or {})
    project_columns = ["project_id", "cost", "name"]
    project_rows = [[p.id, _decimal(p.cost), p.name] for p in instance.projects]
    uses_points = any(b.points is not None for b in profile.ballots)
    weighted = any(b.weight != 1 for b in profile.ballots)
    vote_columns = ["voter_id", "vote"] + (["points"] if uses_points else []) + (["weight"] if weighted else [])
    vote_rows: list[list[str]] = []
    for number, ballot in enumerate(profile.ballots, start=1):
        row = [ballot.voter_id or str(number), ",".join(ballot.projects)]
        if uses_points:
            row.append(",".join(_decimal(Fraction(p)) for p in ballot.points or ()))
        if weighted:
            row.append(_decimal(Fraction(ballot.weight)))
        vote_rows.append(row)
    return PBFile(path, meta_out, project_columns, project_rows, vote_columns, vote_rows, instance, profile)


def _decimal(value: Fraction) -> str:
    """Exact decimal text of a fraction with a terminating expansion (costs in cents), else ``p/q``."""
    if value.denominator == 1:
        return str(value.numerator)
    denominator = value.denominator
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        return f"{value.numerator}/{value.denominator}"
    digits = max(twos, fives)
    scaled = value * 10**digits
    sign = "-" if scaled < 0 else ""
    text = str(abs(scaled.numerator)).rjust(digits + 1, "0")
    return f"{sign}{text[:-digits]}.{text[-digits:]}"
