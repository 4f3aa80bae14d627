"""RCTab contest configurations and the cast vote record formats we read with them.

RCTab (Bright Spots' Ranked Choice Voting Tabulator) is certified in several US states; a council
that already has an RCTab configuration should get the same round tallies from us. We read:

- the contest configuration JSON (``cvrFileSources``, ``candidates``, ``rules``; field meanings
  as in RCTab's ``config_file_documentation.txt``);
- generic CSV cast vote records (``provider: genericCsv``): one row per ballot, one column per
  candidate from ``firstVoteColumnIndex``, each cell the rank given to that candidate;
- NIST SP 1500-103 Common Data Format CVRs (``provider: cdf``), JSON and XML.

``tabulate_rctab`` maps the configuration's rules onto our rule options; settings we do not
implement are rejected by name rather than silently ignored.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from engines.errors import EngineInputError
from engines.files import csv_rows, read_bytes, read_text
from engines.registry import UnknownNameError
from voting.ranked.ballots import OVERVOTE_MARK, BallotRules, RankedBallot, RankedProfile, Ranking
from voting.ranked.registry import method_for_rctab_mode
from voting.ranked.results import RankedOutcome
from voting.ranked.tiebreak import RankedTieBreak

from .ranked_numbers import MAX_RANK, located_int

UNDECLARED_WRITE_IN = "Undeclared Write-ins"


def _error(reason: str, *, path: str, line: int | None = None) -> EngineInputError:
    return EngineInputError(path, line, reason)


@dataclass(frozen=True)
class RctabCandidate:
    name: str
    aliases: tuple[str, ...] = ()
    excluded: bool = False


@dataclass(frozen=True)
class CvrSource:
    path: Path
    provider: str
    contest_id: str = ""
    first_vote_column: int = 2
    first_vote_row: int = 2
    undeclared_write_in_label: str = ""
    overvote_label: str = ""


@dataclass
class RctabConfig:
    """The parts of an RCTab configuration that decide a count."""

    path: Path
    contest: str
    candidates: list[RctabCandidate]
    sources: list[CvrSource]
    rules: dict[str, Any] = field(default_factory=dict)

    def rule(self, key: str, default: Any = "") -> Any:
        value = self.rules.get(key, default)
        return default if value is None else value

    def int_rule(self, key: str, default: int | None) -> int | None:
        raw = str(self.rule(key, "")).strip()
        if raw == "" or raw.lower() in ("max", "unlimited"):
            return default
        return located_int(raw, f"rules.{key}", str(self.path), None, minimum=-(2**63), maximum=2**63 - 1)

    def flag(self, key: str) -> bool:
        return bool(self.rule(key, False))

    def error(self, reason: str) -> EngineInputError:
        return EngineInputError(str(self.path), None, reason)

    @property
    def seats(self) -> int:
        seats = self.int_rule("numberOfWinners", 1) or 1
        if not 1 <= seats <= MAX_RANK:
            raise self.error(f"rules.numberOfWinners must be 1 or more, got {seats}")
        return seats


def _json(text: str, path: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error(f"invalid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except RecursionError:
        raise _error("invalid JSON: nested too deeply", path=path) from None


def load_config(path: str | os.PathLike[str]) -> RctabConfig:
    """Read an RCTab configuration; CVR paths resolve relative to the configuration's folder."""
    path = Path(path)
    data = _json(read_text(path), str(path))
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("candidates"), list)
        or not isinstance(data.get("rules"), dict)
    ):
        raise _error("not an RCTab configuration (needs 'candidates' and 'rules')", path=str(path))
    with _shape(str(path), "not an RCTab configuration"):
        return _config(path, data)


def _objects(data: dict[str, Any], key: str, path: Path) -> list[dict[str, Any]]:
    """``data[key]`` as a list of JSON objects (missing or null: empty), or a located error."""
    items = data.get(key) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise _error(f"{key} must be a list of objects", path=str(path))
    return items


def _config(path: Path, data: dict[str, Any]) -> RctabConfig:
    output = data.get("outputSettings") or {}
    if not isinstance(output, dict):
        raise _error("outputSettings must be an object", path=str(path))
    candidates = [
        RctabCandidate(
            name=str(c.get("name", "")).strip(),
            aliases=tuple(str(a).strip() for a in c.get("aliases") or ()),
            excluded=bool(c.get("excluded", False)),
        )
        for c in _objects(data, "candidates", path)
    ]
    sources = []
    for s in _objects(data, "cvrFileSources", path):
        sources.append(
            CvrSource(
                path=(path.parent / str(s.get("filePath", ""))).resolve(),
                provider=str(s.get("provider", "")),
                contest_id=str(s.get("contestId", "") or ""),
                first_vote_column=located_int(
                    str(s.get("firstVoteColumnIndex") or 2), "firstVoteColumnIndex", str(path), None,
                    minimum=1, maximum=MAX_RANK,
                ),
                first_vote_row=located_int(
                    str(s.get("firstVoteRowIndex") or 2), "firstVoteRowIndex", str(path), None, minimum=1
                ),
                undeclared_write_in_label=str(s.get("undeclaredWriteInLabel", "") or ""),
                overvote_label=str(s.get("overvoteLabel", "") or ""),
            )
        )
    contest = str(output.get("contestName", ""))
    return RctabConfig(path, contest, candidates, sources, dict(data["rules"]))


@contextmanager
def _shape(path: str, what: str) -> Iterator[None]:
    """Turn a file whose structure is not what the format says (a list where an object belongs,
    a missing key, a rank that is not a number) into one located error instead of a traceback."""
    try:
        yield
    except (KeyError, TypeError, AttributeError, IndexError, ValueError) as error:
        if isinstance(error, EngineInputError):
            raise
        raise _error(f"{what} ({type(error).__name__}: {error})"[:300], path=path) from None
    except RecursionError:
        raise _error(f"{what} (nested too deeply)", path=path) from None


def source_for_file(config: RctabConfig, path: Path) -> CvrSource:
    """A CVR source for ``path`` that keeps the configuration's first source settings."""
    provider = "genericCsv" if path.suffix.lower() == ".csv" else "cdf"
    template = next((s for s in config.sources if s.provider == provider), None)
    if template is None:
        return CvrSource(path=path, provider=provider, contest_id=config.contest)
    return replace(template, path=path)


class _Candidates:
    """Maps names and aliases found in CVRs to candidate indexes of the profile."""

    def __init__(self, config: RctabConfig) -> None:
        self.names = [c.name for c in config.candidates]
        self.lookup: dict[str, int] = {}
        for i, c in enumerate(config.candidates):
            self.lookup[c.name] = i
            for alias in c.aliases:
                self.lookup[alias] = i
        self.write_in: int | None = None
        if any(s.undeclared_write_in_label for s in config.sources):
            # RCTab lists the write-in placeholder as a candidate whenever a label is configured,
            # even if no ballot uses it (it then goes out first with zero votes).
            self.index(UNDECLARED_WRITE_IN, config.sources[0], None)

    def index(self, name: str, source: CvrSource, line: int | None) -> int:
        if source.overvote_label and name == source.overvote_label:
            return OVERVOTE_MARK
        if source.undeclared_write_in_label and name == source.undeclared_write_in_label:
            name = UNDECLARED_WRITE_IN
        if name == UNDECLARED_WRITE_IN:
            if self.write_in is None:
                self.write_in = len(self.names)
                self.names.append(UNDECLARED_WRITE_IN)
            return self.write_in
        try:
            return self.lookup[name]
        except KeyError:
            raise _error(
                f"candidate {name!r} is not in the configuration", path=str(source.path), line=line
            ) from None


def _ranking(marks: list[tuple[int, int]], max_rank: int | None, source: CvrSource, line: int | None) -> Ranking:
    """Turn (rank, candidate) marks into rank positions, rejecting ranks past the allowed maximum."""
    if not marks:
        return ()
    top = max(r for r, _ in marks)
    if min(r for r, _ in marks) < 1:
        raise _error("ranks must be 1 or more", path=str(source.path), line=line)
    if top > MAX_RANK:
        raise _error(f"rank {top} is beyond the {MAX_RANK} ranks accepted", path=str(source.path), line=line)
    if max_rank is not None and top > max_rank:
        raise _error(
            f"ballot uses rank {top} but maxRankingsAllowed is {max_rank}", path=str(source.path), line=line
        )
    positions: list[list[int]] = [[] for _ in range(top)]
    for rank, c in marks:
        if c not in positions[rank - 1]:
            positions[rank - 1].append(c)
    return tuple(tuple(p) for p in positions)


def _read_generic_csv(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[Ranking]:
    # RCTab reads the first row as the header and every following row as a ballot.
    path = str(source.path)
    rows = csv_rows(read_text(source.path).splitlines(keepends=True), path)
    rankings = []
    header_row = next(rows, None)
    if header_row is None:
        raise _error("CSV file is empty", path=path, line=1)
    header = header_row[1]
    first = source.first_vote_column - 1
    columns = {col: names.index(header[col].strip(), source, 1) for col in range(first, len(header))}
    for line, row in rows:
        marks = []
        for col in range(first, len(row)):
            cell = row[col].strip()
            if not cell:
                continue
            if col not in columns:
                raise _error(f"value in column {col + 1} has no candidate header", path=path, line=line)
            rank = located_int(cell, f"rank in column {col + 1}", path, line, minimum=None, maximum=MAX_RANK)
            marks.append((rank, columns[col]))
        rankings.append(_ranking(marks, max_rank, source, line))
    return rankings


def _read_cdf_json(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[Ranking]:
    data = _json(read_text(source.path), str(source.path))
    with _shape(str(source.path), "not a NIST CDF cast vote record report"):
        return _cdf_json_rankings(data, source, names, max_rank)


def _cdf_json_rankings(data: Any, source: CvrSource, names: _Candidates, max_rank: int | None) -> list[Ranking]:
    candidates: dict[str, str] = {}
    contest = None
    for election in data.get("Election") or []:
        for cand in election.get("Candidate") or []:
            candidates[cand["@id"]] = cand.get("Name", "")
        for c in election.get("Contest") or []:
            if contest is None and c.get("Name") == source.contest_id:
                contest = c
    if contest is None:
        raise _error(f"contest {source.contest_id!r} not found", path=str(source.path))
    selections: dict[str, str] = {}
    for sel in contest.get("ContestSelection") or []:
        if str(sel.get("IsWriteIn", "")).lower() == "true":
            selections[sel["@id"]] = UNDECLARED_WRITE_IN
        else:
            ids = sel.get("CandidateIds") or []
            if not ids or ids[0] not in candidates:
                raise _error(f"contest selection {sel.get('@id')!r} names no known candidate", path=str(source.path))
            selections[sel["@id"]] = candidates[ids[0]]
    rankings = []
    for number, cvr in enumerate(data.get("CVR") or [], start=1):
        snapshot = next(
            (s for s in cvr.get("CVRSnapshot") or [] if s.get("@id") == cvr.get("CurrentSnapshotId")), None
        )
        if snapshot is None:
            raise _error(f"CVR {number} has no current snapshot", path=str(source.path))
        cvr_contest = next(
            (c for c in snapshot.get("CVRContest") or [] if c.get("ContestId") == contest.get("@id")), None
        )
        if cvr_contest is None:
            continue
        marks = []
        for sel in cvr_contest.get("CVRContestSelection") or []:
            sel_id = sel.get("ContestSelectionId")
            if sel_id not in selections:
                raise _error(f"CVR {number}: unknown contest selection {sel_id!r}", path=str(source.path))
            name = selections[sel_id]
            if "Rank" in sel:
                marks.append((_rank(sel["Rank"], source), names.index(name, source, None)))
                continue
            for pos in sel.get("SelectionPosition") or []:
                mark_name = UNDECLARED_WRITE_IN if "CVRWriteIn" in pos else name
                if str(pos.get("HasIndication", "")) == "no" or str(pos.get("IsAllocable", "")) == "no":
                    continue
                marks.append((_rank(pos["Rank"], source), names.index(mark_name, source, None)))
        rankings.append(_ranking(marks, max_rank, source, None))
    return rankings


def _rank(value: Any, source: CvrSource) -> int:
    return located_int(str(value), "rank", str(source.path), None, minimum=None, maximum=MAX_RANK)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(node: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in node if _local(child.tag) == name]


def _text(node: ET.Element, name: str) -> str | None:
    found = _children(node, name)
    return found[0].text.strip() if found and found[0].text else None


def _object_id(node: ET.Element) -> str | None:
    for key, value in node.attrib.items():
        if _local(key) == "ObjectId":
            return value
    return None


def _xml(path: Path) -> ET.Element:
    try:
        return ET.fromstring(read_bytes(path))
    except ET.ParseError as exc:
        raise _error(f"invalid XML: {exc}", path=str(path), line=exc.position[0]) from None


def _read_cdf_xml(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[Ranking]:
    root = _xml(source.path)
    with _shape(str(source.path), "not a NIST CDF cast vote record report"):
        return _cdf_xml_rankings(root, source, names, max_rank)


def _cdf_xml_rankings(root: ET.Element, source: CvrSource, names: _Candidates, max_rank: int | None) -> list[Ranking]:
    candidates: dict[str, str] = {}
    contest = None
    for election in _children(root, "Election"):
        for cand in _children(election, "Candidate"):
            candidates[_object_id(cand) or ""] = _text(cand, "Name") or ""
        for c in _children(election, "Contest"):
            if contest is None and _text(c, "Name") == source.contest_id:
                contest = c
    if contest is None:
        raise _error(f"contest {source.contest_id!r} not found", path=str(source.path))
    selections: dict[str, str] = {}
    for sel in _children(contest, "ContestSelection"):
        if (_text(sel, "IsWriteIn") or "").lower() == "true":
            selections[_object_id(sel) or ""] = UNDECLARED_WRITE_IN
            continue
        ids = [c.text.strip() for c in _children(sel, "CandidateIds") if c.text]
        ids = [i for token in ids for i in token.split()]
        if not ids or ids[0] not in candidates:
            raise _error(f"contest selection {_object_id(sel)!r} names no known candidate", path=str(source.path))
        selections[_object_id(sel) or ""] = candidates[ids[0]]
    contest_id = _object_id(contest)
    rankings = []
    for number, cvr in enumerate(_children(root, "CVR"), start=1):
        current = _text(cvr, "CurrentSnapshotId")
        snapshot = next((s for s in _children(cvr, "CVRSnapshot") if _object_id(s) == current), None)
        if snapshot is None:
            continue
        cvr_contest = next((c for c in _children(snapshot, "CVRContest") if _text(c, "ContestId") == contest_id), None)
        if cvr_contest is None:
            continue
        marks = []
        for sel in _children(cvr_contest, "CVRContestSelection"):
            if _text(sel, "Status") == "needs-adjudication":
                continue
            sel_id = _text(sel, "ContestSelectionId") or ""
            if sel_id not in selections:
                raise _error(f"CVR {number}: unknown contest selection {sel_id!r}", path=str(source.path))
            name = selections[sel_id]
            if _text(sel, "Rank") is not None:
                marks.append((_rank(_text(sel, "Rank") or 0, source), names.index(name, source, None)))
                continue
            for pos in _children(sel, "SelectionPosition"):
                mark_name = UNDECLARED_WRITE_IN if _children(pos, "CVRWriteIn") else name
                if _text(pos, "HasIndication") == "no" or _text(pos, "IsAllocable") == "no":
                    continue
                rank = _text(pos, "Rank")
                if rank is None:
                    raise _error(f"CVR {number}: selection position without a rank", path=str(source.path))
                marks.append((_rank(rank, source), names.index(mark_name, source, None)))
        rankings.append(_ranking(marks, max_rank, source, None))
    return rankings


def read_profile(config: RctabConfig) -> RankedProfile:
    """All CVR sources of the configuration as one profile, candidates in configuration order."""
    if not config.sources:
        raise config.error("the configuration lists no CVR sources (cvrFileSources)")
    names = _Candidates(config)
    max_rank = config.int_rule("maxRankingsAllowed", None)
    counts: dict[Ranking, int] = {}
    for source in config.sources:
        if source.provider == "genericCsv":
            rankings = _read_generic_csv(source, names, max_rank)
        elif source.provider == "cdf" and source.path.suffix.lower() == ".json":
            rankings = _read_cdf_json(source, names, max_rank)
        elif source.provider == "cdf" and source.path.suffix.lower() == ".xml":
            rankings = _read_cdf_xml(source, names, max_rank)
        else:
            raise _error(
                f"CVR provider {source.provider!r} ({source.path.name}) is not supported; "
                "use genericCsv or cdf",
                path=str(config.path),
            )
        for ranking in rankings:
            counts[ranking] = counts.get(ranking, 0) + 1
    withdrawn = frozenset(i for i, c in enumerate(config.candidates) if c.excluded)
    return RankedProfile(
        tuple(names.names),
        [RankedBallot(r, w) for r, w in counts.items()],
        seats=config.seats,
        title=config.contest,
        withdrawn=withdrawn,
        write_in=names.write_in,
        source=str(config.path),
    )


_OVERVOTE: dict[str, Literal["exhaust", "skip"]] = {"exhaustImmediately": "exhaust", "alwaysSkipToNextRank": "skip"}


def ballot_rules(config: RctabConfig) -> BallotRules:
    rule = str(config.rule("overvoteRule", "exhaustImmediately"))
    if rule not in _OVERVOTE:
        raise _error(f"overvoteRule {rule!r} is not supported", path=str(config.path))
    return BallotRules(
        overvote=_OVERVOTE[rule],
        max_skipped_ranks=config.int_rule("maxSkippedRanksAllowed", None),
        duplicates="exhaust" if config.rule("exhaustOnDuplicateCandidate", False) else "skip",
    )


# Older RCTab configurations spell some settings differently; RCTab migrates them on load.
_LEGACY_MODES = {
    "standard": "singleWinnerMajority",
    "multiSeatAllowOnlyOneWinnerPerRound": "multiWinnerAllowOnlyOneWinnerPerRound",
    "multiSeatAllowMultipleWinnersPerRound": "multiWinnerAllowMultipleWinnersPerRound",
    "multiSeatBottomsUp": "bottomsUp",
    "multiSeatSequentialWinnerTakesAll": "multiPassIrv",
}
_LEGACY_TIEBREAKS = {
    "Random": "random",
    "Interactive": "stopCountingAndAsk",
    "interactive": "stopCountingAndAsk",
    "Previous round counts (then random)": "previousRoundCountsThenRandom",
    "Previous round counts (then interactive)": "previousRoundCountsThenAsk",
    "Use candidate order in the config file": "useCandidateOrder",
    "Generate permutation": "generatePermutation",
}


def winner_election_mode(config: RctabConfig) -> str:
    mode = str(config.rule("winnerElectionMode", "singleWinnerMajority"))
    return _LEGACY_MODES.get(mode, mode)


def tiebreak(config: RctabConfig) -> RankedTieBreak:
    """Our tie-break for RCTab's ``tiebreakMode``; an operator's decision becomes an error only if
    the count actually meets a tie."""
    raw = str(config.rule("tiebreakMode", "useCandidateOrder"))
    mode = _LEGACY_TIEBREAKS.get(raw, raw)
    seed = config.int_rule("randomSeed", 0) or 0
    if mode == "useCandidateOrder":
        return RankedTieBreak("candidate_order")
    if mode == "random":
        return RankedTieBreak("random", seed=seed, java_random=True)
    if mode == "generatePermutation":
        return RankedTieBreak("permutation", seed=seed, java_random=True)
    if mode == "previousRoundCountsThenRandom":
        return RankedTieBreak("previous_rounds", seed=seed, backwards=True, java_random=True)
    if mode == "previousRoundCountsThenAsk":
        return RankedTieBreak("previous_rounds", backwards=True, fallback_ask=True)
    if mode == "stopCountingAndAsk":
        return RankedTieBreak("ask")
    raise _error(f"tiebreakMode {raw!r} is not supported", path=str(config.path))


def tabulate_rctab(config: RctabConfig, profile: RankedProfile | None = None) -> RankedOutcome:
    """Count the contest the way the configuration tells RCTab to.

    The method comes from the registry (the entry whose ``rctab_modes`` holds the configuration's
    ``winnerElectionMode``), and so do its options (the entry's ``rctab_options`` builder)."""
    profile = profile if profile is not None else read_profile(config)
    mode = winner_election_mode(config)
    try:
        entry = method_for_rctab_mode(mode)
    except UnknownNameError as exc:
        raise config.error(f"unsupported RCTab winnerElectionMode {mode!r} (supported: {', '.join(exc.known)})") from None
    minimum = str(config.rule("minimumVoteThreshold", "")).strip()
    if minimum not in ("", "0"):
        raise config.error("minimumVoteThreshold is not supported")
    if str(config.rule("stopTabulationEarlyAfterRound", "")).strip():
        raise config.error("stopTabulationEarlyAfterRound is not supported")
    build = entry.metadata.get("rctab_options")
    options = None if build is None else build(config, ballots=ballot_rules(config), tiebreak=tiebreak(config), mode=mode)
    outcome = entry.function(profile, options=options)
    assert isinstance(outcome, RankedOutcome)
    return outcome


def read_cdf_file(path: str | os.PathLike[str], contest: str | None = None, *, xml: bool | None = None) -> RankedProfile:
    """Read a CDF JSON or XML CVR file without an RCTab configuration.

    Candidates are taken from the file's contest (the only one, or the one named ``contest``),
    in the order the file lists its selections; write-ins become RCTab's write-in placeholder.
    """
    path = Path(path)
    contests: list[tuple[str, list[str]]] = []
    is_xml = path.suffix.lower() == ".xml" if xml is None else xml
    with _shape(str(path), "not a NIST CDF cast vote record report"):
        if is_xml:
            root = _xml(path)
            people = {
                _object_id(c) or "": _text(c, "Name") or ""
                for e in _children(root, "Election")
                for c in _children(e, "Candidate")
            }
            for e in _children(root, "Election"):
                for c in _children(e, "Contest"):
                    names = []
                    for sel in _children(c, "ContestSelection"):
                        ids = [i for node in _children(sel, "CandidateIds") if node.text for i in node.text.split()]
                        if ids and ids[0] in people:
                            names.append(people[ids[0]])
                    contests.append((_text(c, "Name") or "", names))
        else:
            data = _json(read_text(path), str(path))
            people = {c["@id"]: c.get("Name", "") for e in data.get("Election") or [] for c in e.get("Candidate") or []}
            for e in data.get("Election") or []:
                for c in e.get("Contest") or []:
                    names = [
                        people[sel["CandidateIds"][0]]
                        for sel in c.get("ContestSelection") or []
                        if sel.get("CandidateIds") and sel["CandidateIds"][0] in people
                    ]
                    contests.append((c.get("Name", ""), names))
    chosen = [c for c in contests if contest is None or c[0] == contest]
    if len(chosen) != 1:
        listed = ", ".join(repr(c[0]) for c in contests) or "none"
        raise _error(f"choose one contest (found {listed}); use --rctab-config", path=str(path))
    name, candidates = chosen[0]
    name = str(name)
    unique = list(dict.fromkeys(str(c) for c in candidates))
    config = RctabConfig(
        path=path,
        contest=name,
        candidates=[RctabCandidate(n) for n in unique],
        sources=[CvrSource(path=path, provider="cdf", contest_id=name)],
    )
    return read_profile(config)


def _report_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rctab_report(result: RankedOutcome) -> list[dict[str, Any]]:
    """Rounds in the shape of RCTab's ``detailed_report.json`` ``results`` list, for comparison."""
    report = []
    for round_ in result.ranked_rounds:
        actions: list[dict[str, Any]] = []
        for name in round_.eliminated:
            transfers = round_.transfers.get(name, {})
            actions.append({"eliminated": name, "transfers": {k: _report_value(v) for k, v in transfers.items()}})
        for name in round_.elected:
            transfers = round_.transfers.get(name, {})
            actions.append({"elected": name, "transfers": {k: _report_value(v) for k, v in transfers.items()}})
        report.append(
            {
                "round": round_.number,
                "tally": {k: _report_value(v) for k, v in round_.tallies.items()},
                "tallyResults": actions,
                "threshold": _report_value(round_.threshold),
                "inactiveBallots": {k: _report_value(v) for k, v in round_.inactive.items()},
            }
        )
    return report
