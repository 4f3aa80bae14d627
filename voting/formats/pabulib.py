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
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from voting.rules.pb import (
    APPROVAL,
    CHOOSE_1,
    CUMULATIVE,
    ORDINAL,
    SCORING,
    Ballot,
    Instance,
    PBError,
    Profile,
    Project,
)
from voting.rules.pb_arrays import paused_gc

SECTIONS = ("META", "PROJECTS", "VOTES")
_CHOOSE_K = re.compile(r"choose-(\d+)")


class PabulibError(PBError):
    """Malformed ``.pb`` input; ``str()`` is the one line ``FILE:LINE: reason`` shown to the user."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        super().__init__(f"{path}:{line}: {reason}")


@dataclass
class PBFile:
    """A pabulib file: its raw fields (for round trips and display) and the election they define."""

    path: str
    meta: dict[str, str]
    project_columns: list[str]
    project_rows: list[list[str]]
    vote_columns: list[str]
    vote_rows: list[list[str]]
    instance: Instance
    profile: Profile
    meta_lines: dict[str, int] = field(default_factory=dict)
    """Line of each META key in the file, so that a bad ``rule`` or ``budget`` can be pointed at."""
    selected_official: dict[str, int] = field(default_factory=dict)
    """The PROJECTS ``selected`` column when present: 1 funded by the rule, 2 or 3 funded by a
    city-specific extra step (Gdynia's turnout award, Poznań's 80 % reserve), 0 not funded."""

    @property
    def rule(self) -> str | None:
        return self.meta.get("rule")


def read_pb(path: str | os.PathLike[str]) -> PBFile:
    """Read and validate a ``.pb`` file; raise :class:`PabulibError` naming the line at fault."""
    name = str(path)
    try:
        handle = open(path, encoding="utf-8-sig", newline="")
    except OSError as error:
        raise PabulibError(name, 0, f"cannot open file: {error.strerror or error}") from None
    with handle, paused_gc():
        try:
            return _parse(name, handle)
        except UnicodeDecodeError as error:
            raise PabulibError(name, 0, f"not UTF-8 text ({error.reason})") from None


def read_pb_text(text: str, name: str = "<string>") -> PBFile:
    """Parse ``.pb`` content held in memory (uploads, tests)."""
    return _parse(name, io.StringIO(text.removeprefix("\ufeff"), newline=""))


def _parse(name: str, handle: Iterable[str]) -> PBFile:
    reader = csv.reader(handle, delimiter=";", quotechar='"')

    def fail(reason: str, line: int | None = None) -> PabulibError:
        return PabulibError(name, reader.line_num if line is None else line, reason)

    rows = _rows(reader, fail)
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
    for row in rows:
        marker = row[0].strip().upper() if len(row) == 1 or not any(cell.strip() for cell in row[1:]) else ""
        if marker in SECTIONS:
            expected = SECTIONS[len(seen_sections)] if len(seen_sections) < 3 else None
            if marker != expected:
                raise fail(f"section {marker} out of place (expected {expected or 'end of file'})")
            seen_sections.append(marker)
            section, header = marker, None
            if marker == "PROJECTS":
                meta_end_line = reader.line_num
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
                votes_header_line = reader.line_num
            continue
        if section == "META":
            key = row[0].strip()
            if not key:
                raise fail("META row without a key")
            if key in meta:
                raise fail(f"META key '{key}' given twice")
            meta[key] = ";".join(row[1:]) if len(row) > 1 else ""
            meta_lines[key] = reader.line_num
        elif section == "PROJECTS":
            if len(row) != len(project_columns):
                raise fail(f"PROJECTS row has {len(row)} fields, header has {len(project_columns)}")
            project_rows.append(row)
            project_rows[-1].append(str(reader.line_num))  # line number, stripped below
        else:
            if len(row) != len(vote_columns):
                raise fail(f"VOTES row has {len(row)} fields, header has {len(vote_columns)}")
            vote_rows.append(row)
            vote_rows[-1].append(str(reader.line_num))

    if len(seen_sections) < 3:
        missing = SECTIONS[len(seen_sections)]
        raise fail(f"no {missing} section")
    if header is None:
        raise fail("VOTES section has no header")

    budget = _meta_budget(meta, fail, meta_lines.get("budget", meta_end_line))
    vote_type = _meta_vote_type(meta, fail, meta_lines.get("vote_type", meta_end_line))
    max_length = _meta_int(meta, "max_length", fail, meta_lines.get("max_length", meta_end_line))

    projects, selected = _projects(project_columns, project_rows, fail)
    instance = Instance(tuple(projects), budget, dict(meta))
    ballots = _ballots(vote_columns, vote_rows, vote_type, max_length, instance, fail)
    if not ballots:
        raise fail("empty profile: the VOTES section has no ballots", votes_header_line)
    kind = APPROVAL if _CHOOSE_K.fullmatch(vote_type) and vote_type != CHOOSE_1 else vote_type
    profile = Profile(kind, ballots, max_length)
    for rows_ in (project_rows, vote_rows):
        for row in rows_:
            row.pop()
    return PBFile(
        name, meta, project_columns, project_rows, vote_columns, vote_rows, instance, profile, meta_lines, selected
    )


def _rows(reader: Iterator[list[str]], fail) -> Iterator[list[str]]:
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            yield row
    except csv.Error as error:
        raise fail(f"bad CSV quoting ({error})") from None


def _number(text: str, what: str, fail, line: int | None = None) -> Fraction:
    cleaned = text.strip()
    try:
        value = Fraction(cleaned)
    except (ValueError, ZeroDivisionError):
        raise fail(f"{what} is not a number: {text!r}", line) from None
    if value < 0:
        raise fail(f"{what} is negative: {text!r}", line)
    return value


def _points(text: str, fail, line: int) -> int | Fraction:
    """Points are whole numbers in every known file: parse those fast, anything else exactly."""
    if text.isdigit():
        return int(text)
    value = _number(text, "points", fail, line)
    return int(value) if value.denominator == 1 else value


def _meta_budget(meta: dict[str, str], fail, line: int) -> Fraction:
    if "budget" not in meta or not meta["budget"].strip():
        raise fail("META has no budget", line)
    return _number(meta["budget"], "budget", fail, line)


def _meta_vote_type(meta: dict[str, str], fail, line: int) -> str:
    vote_type = meta.get("vote_type", APPROVAL).strip() or APPROVAL
    if vote_type not in (APPROVAL, CUMULATIVE, CHOOSE_1, ORDINAL, SCORING) and not _CHOOSE_K.fullmatch(vote_type):
        raise fail(f"unknown vote_type {vote_type!r}", line)
    return vote_type


def _meta_int(meta: dict[str, str], key: str, fail, line: int) -> int | None:
    if key not in meta or not meta[key].strip():
        return None
    value = _number(meta[key], key, fail, line)
    if value.denominator != 1:
        raise fail(f"{key} is not a whole number: {meta[key]!r}", line)
    return int(value)


def _split_list(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",")) if text.strip() else ()


def _projects(columns: list[str], rows: list[list[str]], fail) -> tuple[list[Project], dict[str, int]]:
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
            flag = row[at["selected"]].strip()
            if not flag.isdigit():
                raise fail(f"selected of project {project_id} is not a whole number: {flag!r}", line)
            selected[project_id] = int(flag)
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
    instance: Instance,
    fail,
) -> list[Ballot]:
    at = {name: i for i, name in enumerate(columns)}
    known = instance.position
    points_at = at.get("points")
    weight_at = at.get("weight")
    uses_points = vote_type in (CUMULATIVE, SCORING) or (vote_type == ORDINAL and points_at is not None)
    if vote_type in (CUMULATIVE, SCORING) and points_at is None:
        raise fail(f"{vote_type} ballots need a 'points' column in VOTES", int(rows[0][-1]) if rows else 0)
    ballots: list[Ballot] = []
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
        if uses_points:
            raw = _split_list(row[points_at])  # type: ignore[index]
            if len(raw) != len(chosen):
                raise fail(f"{len(raw)} points for {len(chosen)} projects", line)
            points = tuple(_points(p, fail, line) for p in raw)
        weight: int | Fraction = 1
        if weight_at is not None and row[weight_at].strip():
            value = _number(row[weight_at], "weight", fail, line)
            weight = int(value) if value.denominator == 1 else value
        ballots.append(Ballot(chosen, points, weight, voter_id))
    return ballots


def format_pb(pb: PBFile) -> str:
    """The file as text (LF line ends, quoting only where needed)."""
    out = io.StringIO()
    _write(pb, out)
    return out.getvalue()


def write_pb(pb: PBFile, path: str | os.PathLike[str]) -> None:
    """Write atomically: a temporary file in the same folder, renamed over ``path`` when complete."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            _write(pb, handle)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write(pb: PBFile, handle) -> None:
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
    instance: Instance, profile: Profile, meta: dict[str, str] | None = None, path: str = "<memory>"
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
    vote_rows = []
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
