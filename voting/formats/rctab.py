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

import csv
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from voting.rules.ranked import OVERVOTE_MARK, Ballot, BallotError, BallotRules, Profile, Result, TieBreak

UNDECLARED_WRITE_IN = "Undeclared Write-ins"


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
        try:
            return int(raw)
        except ValueError:
            raise BallotError(f"rules.{key} must be a whole number, got {raw!r}", path=str(self.path)) from None

    @property
    def seats(self) -> int:
        return self.int_rule("numberOfWinners", 1) or 1


def load_config(path: str | Path) -> RctabConfig:
    """Read an RCTab configuration; CVR paths resolve relative to the configuration's folder."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise BallotError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    if not isinstance(data, dict) or "candidates" not in data or "rules" not in data:
        raise BallotError("not an RCTab configuration (needs 'candidates' and 'rules')", path=str(path))
    candidates = [
        RctabCandidate(
            name=str(c.get("name", "")).strip(),
            aliases=tuple(str(a).strip() for a in c.get("aliases") or ()),
            excluded=bool(c.get("excluded", False)),
        )
        for c in data["candidates"]
    ]
    sources = []
    for s in data.get("cvrFileSources") or []:
        sources.append(
            CvrSource(
                path=(path.parent / str(s.get("filePath", ""))).resolve(),
                provider=str(s.get("provider", "")),
                contest_id=str(s.get("contestId", "") or ""),
                first_vote_column=int(s.get("firstVoteColumnIndex") or 2),
                first_vote_row=int(s.get("firstVoteRowIndex") or 2),
                undeclared_write_in_label=str(s.get("undeclaredWriteInLabel", "") or ""),
                overvote_label=str(s.get("overvoteLabel", "") or ""),
            )
        )
    contest = str((data.get("outputSettings") or {}).get("contestName", ""))
    return RctabConfig(path, contest, candidates, sources, dict(data["rules"]))


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
            raise BallotError(
                f"candidate {name!r} is not in the configuration", path=str(source.path), line=line
            ) from None


def _ranking(marks: list[tuple[int, int]], max_rank: int | None, source: CvrSource, line: int | None):
    """Turn (rank, candidate) marks into rank positions, rejecting ranks past the allowed maximum."""
    if not marks:
        return ()
    top = max(r for r, _ in marks)
    if min(r for r, _ in marks) < 1:
        raise BallotError("ranks must be 1 or more", path=str(source.path), line=line)
    if max_rank is not None and top > max_rank:
        raise BallotError(
            f"ballot uses rank {top} but maxRankingsAllowed is {max_rank}", path=str(source.path), line=line
        )
    positions: list[list[int]] = [[] for _ in range(top)]
    for rank, c in marks:
        if c not in positions[rank - 1]:
            positions[rank - 1].append(c)
    return tuple(tuple(p) for p in positions)


def _read_generic_csv(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[tuple]:
    # RCTab reads the first row as the header and every following row as a ballot.
    try:
        handle = source.path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(source.path)) from None
    rankings = []
    with handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            raise BallotError("CSV file is empty", path=str(source.path), line=1)
        first = source.first_vote_column - 1
        columns = {
            col: names.index(header[col].strip(), source, 1) for col in range(first, len(header))
        }
        for line, row in enumerate(reader, start=2):
            marks = []
            for col in range(first, len(row)):
                cell = row[col].strip()
                if not cell:
                    continue
                if col not in columns:
                    raise BallotError(f"value in column {col + 1} has no candidate header", path=str(source.path), line=line)
                if not cell.lstrip("-").isdigit():
                    raise BallotError(f"expected a rank number in column {col + 1}, got {cell!r}", path=str(source.path), line=line)
                marks.append((int(cell), columns[col]))
            rankings.append(_ranking(marks, max_rank, source, line))
    return rankings


def _read_cdf_json(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[tuple]:
    try:
        data = json.loads(source.path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(source.path)) from None
    except json.JSONDecodeError as exc:
        raise BallotError(f"invalid JSON: {exc.msg}", path=str(source.path), line=exc.lineno) from None
    candidates: dict[str, str] = {}
    contest = None
    for election in data.get("Election") or []:
        for cand in election.get("Candidate") or []:
            candidates[cand["@id"]] = cand.get("Name", "")
        for c in election.get("Contest") or []:
            if contest is None and c.get("Name") == source.contest_id:
                contest = c
    if contest is None:
        raise BallotError(f"contest {source.contest_id!r} not found", path=str(source.path))
    selections: dict[str, str] = {}
    for sel in contest.get("ContestSelection") or []:
        if str(sel.get("IsWriteIn", "")).lower() == "true":
            selections[sel["@id"]] = UNDECLARED_WRITE_IN
        else:
            ids = sel.get("CandidateIds") or []
            if not ids or ids[0] not in candidates:
                raise BallotError(f"contest selection {sel.get('@id')!r} names no known candidate", path=str(source.path))
            selections[sel["@id"]] = candidates[ids[0]]
    rankings = []
    for number, cvr in enumerate(data.get("CVR") or [], start=1):
        snapshot = next(
            (s for s in cvr.get("CVRSnapshot") or [] if s.get("@id") == cvr.get("CurrentSnapshotId")), None
        )
        if snapshot is None:
            raise BallotError(f"CVR {number} has no current snapshot", path=str(source.path))
        cvr_contest = next(
            (c for c in snapshot.get("CVRContest") or [] if c.get("ContestId") == contest.get("@id")), None
        )
        if cvr_contest is None:
            continue
        marks = []
        for sel in cvr_contest.get("CVRContestSelection") or []:
            sel_id = sel.get("ContestSelectionId")
            if sel_id not in selections:
                raise BallotError(f"CVR {number}: unknown contest selection {sel_id!r}", path=str(source.path))
            name = selections[sel_id]
            if "Rank" in sel:
                marks.append((int(sel["Rank"]), names.index(name, source, None)))
                continue
            for pos in sel.get("SelectionPosition") or []:
                mark_name = UNDECLARED_WRITE_IN if "CVRWriteIn" in pos else name
                if str(pos.get("HasIndication", "")) == "no" or str(pos.get("IsAllocable", "")) == "no":
                    continue
                marks.append((int(pos["Rank"]), names.index(mark_name, source, None)))
        rankings.append(_ranking(marks, max_rank, source, None))
    return rankings


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


def _read_cdf_xml(source: CvrSource, names: _Candidates, max_rank: int | None) -> list[tuple]:
    try:
        root = ET.parse(source.path).getroot()
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(source.path)) from None
    except ET.ParseError as exc:
        raise BallotError(f"invalid XML: {exc}", path=str(source.path), line=exc.position[0]) from None
    candidates: dict[str, str] = {}
    contest = None
    for election in _children(root, "Election"):
        for cand in _children(election, "Candidate"):
            candidates[_object_id(cand) or ""] = _text(cand, "Name") or ""
        for c in _children(election, "Contest"):
            if contest is None and _text(c, "Name") == source.contest_id:
                contest = c
    if contest is None:
        raise BallotError(f"contest {source.contest_id!r} not found", path=str(source.path))
    selections: dict[str, str] = {}
    for sel in _children(contest, "ContestSelection"):
        if (_text(sel, "IsWriteIn") or "").lower() == "true":
            selections[_object_id(sel) or ""] = UNDECLARED_WRITE_IN
            continue
        ids = [c.text.strip() for c in _children(sel, "CandidateIds") if c.text]
        ids = [i for token in ids for i in token.split()]
        if not ids or ids[0] not in candidates:
            raise BallotError(f"contest selection {_object_id(sel)!r} names no known candidate", path=str(source.path))
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
                raise BallotError(f"CVR {number}: unknown contest selection {sel_id!r}", path=str(source.path))
            name = selections[sel_id]
            if _text(sel, "Rank") is not None:
                marks.append((int(_text(sel, "Rank") or 0), names.index(name, source, None)))
                continue
            for pos in _children(sel, "SelectionPosition"):
                mark_name = UNDECLARED_WRITE_IN if _children(pos, "CVRWriteIn") else name
                if _text(pos, "HasIndication") == "no" or _text(pos, "IsAllocable") == "no":
                    continue
                rank = _text(pos, "Rank")
                if rank is None:
                    raise BallotError(f"CVR {number}: selection position without a rank", path=str(source.path))
                marks.append((int(rank), names.index(mark_name, source, None)))
        rankings.append(_ranking(marks, max_rank, source, None))
    return rankings


def read_profile(config: RctabConfig) -> Profile:
    """All CVR sources of the configuration as one profile, candidates in configuration order."""
    names = _Candidates(config)
    max_rank = config.int_rule("maxRankingsAllowed", None)
    counts: dict[tuple, int] = {}
    for source in config.sources:
        if source.provider == "genericCsv":
            rankings = _read_generic_csv(source, names, max_rank)
        elif source.provider == "cdf" and source.path.suffix.lower() == ".json":
            rankings = _read_cdf_json(source, names, max_rank)
        elif source.provider == "cdf" and source.path.suffix.lower() == ".xml":
            rankings = _read_cdf_xml(source, names, max_rank)
        else:
            raise BallotError(
                f"CVR provider {source.provider!r} ({source.path.name}) is not supported; "
                "use genericCsv or cdf",
                path=str(config.path),
            )
        for ranking in rankings:
            counts[ranking] = counts.get(ranking, 0) + 1
    withdrawn = frozenset(i for i, c in enumerate(config.candidates) if c.excluded)
    return Profile(
        tuple(names.names),
        [Ballot(r, w) for r, w in counts.items()],
        seats=config.seats,
        title=config.contest,
        withdrawn=withdrawn,
        write_in=names.write_in,
    )


_OVERVOTE = {"exhaustImmediately": "exhaust", "alwaysSkipToNextRank": "skip"}


def ballot_rules(config: RctabConfig) -> BallotRules:
    rule = str(config.rule("overvoteRule", "exhaustImmediately"))
    if rule not in _OVERVOTE:
        raise BallotError(f"overvoteRule {rule!r} is not supported", path=str(config.path))
    return BallotRules(
        overvote=_OVERVOTE[rule],  # type: ignore[arg-type]
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


def tiebreak(config: RctabConfig) -> TieBreak:
    """Our tie-break for RCTab's ``tiebreakMode``; an operator's decision becomes an error only if
    the count actually meets a tie."""
    raw = str(config.rule("tiebreakMode", "useCandidateOrder"))
    mode = _LEGACY_TIEBREAKS.get(raw, raw)
    seed = config.int_rule("randomSeed", 0) or 0
    if mode == "useCandidateOrder":
        return TieBreak("candidate_order")
    if mode == "random":
        return TieBreak("random", seed=seed, java_random=True)
    if mode == "generatePermutation":
        return TieBreak("permutation", seed=seed, java_random=True)
    if mode == "previousRoundCountsThenRandom":
        return TieBreak("previous_rounds", seed=seed, backwards=True, java_random=True)
    if mode == "previousRoundCountsThenAsk":
        return TieBreak("previous_rounds", backwards=True, fallback_ask=True)
    if mode == "stopCountingAndAsk":
        return TieBreak("ask")
    raise BallotError(f"tiebreakMode {raw!r} is not supported", path=str(config.path))


def tabulate_rctab(config: RctabConfig, profile: Profile | None = None) -> Result:
    """Count the contest the way the configuration tells RCTab to."""
    from voting.rules.irv import IrvOptions, instant_runoff
    from voting.rules.ranked_registry import rule_for_rctab_mode
    from voting.rules.stv import FractionalOptions, fractional_surplus_stv

    profile = profile if profile is not None else read_profile(config)
    mode = winner_election_mode(config)
    try:
        rule = rule_for_rctab_mode(mode)
    except KeyError as exc:
        raise BallotError(str(exc.args[0]), path=str(config.path)) from None
    minimum = str(config.rule("minimumVoteThreshold", "")).strip()
    if minimum not in ("", "0"):
        raise BallotError("minimumVoteThreshold is not supported", path=str(config.path))
    if str(config.rule("stopTabulationEarlyAfterRound", "")).strip():
        raise BallotError("stopTabulationEarlyAfterRound is not supported", path=str(config.path))
    if rule.function is instant_runoff:
        if config.rule("doesFirstRoundDetermineThreshold", False):
            raise BallotError("doesFirstRoundDetermineThreshold is not supported", path=str(config.path))
        options = IrvOptions(
            ballots=ballot_rules(config),
            batch_elimination=bool(config.rule("batchElimination", False)),
            continue_until_two=bool(config.rule("continueUntilTwoCandidatesRemain", False)),
            tiebreak=tiebreak(config),
        )
        return instant_runoff(profile, options=options)
    if rule.function is fractional_surplus_stv:
        options = FractionalOptions(
            ballots=ballot_rules(config),
            decimal_places=config.int_rule("decimalPlacesForVoteArithmetic", 4) or 4,
            non_integer_threshold=bool(config.rule("nonIntegerWinningThreshold", False)),
            hare_quota=bool(config.rule("hareQuota", False)),
            one_winner_per_round=mode == "multiWinnerAllowOnlyOneWinnerPerRound",
            batch_elimination=bool(config.rule("batchElimination", False)),
            tiebreak=tiebreak(config),
        )
        return fractional_surplus_stv(profile, options=options)
    return rule.function(profile)


def read_cdf_file(path: str | Path, contest: str | None = None) -> Profile:
    """Read a CDF JSON or XML CVR file without an RCTab configuration.

    Candidates are taken from the file's contest (the only one, or the one named ``contest``),
    in the order the file lists its selections; write-ins become RCTab's write-in placeholder.
    """
    path = Path(path)
    contests: list[tuple[str, list[str]]] = []
    try:
        if path.suffix.lower() == ".xml":
            root = ET.parse(path).getroot()
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
            data = json.loads(path.read_text(encoding="utf-8-sig"))
            people = {c["@id"]: c.get("Name", "") for e in data.get("Election") or [] for c in e.get("Candidate") or []}
            for e in data.get("Election") or []:
                for c in e.get("Contest") or []:
                    names = [
                        people[sel["CandidateIds"][0]]
                        for sel in c.get("ContestSelection") or []
                        if sel.get("CandidateIds") and sel["CandidateIds"][0] in people
                    ]
                    contests.append((c.get("Name", ""), names))
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise BallotError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
    except ET.ParseError as exc:
        raise BallotError(f"invalid XML: {exc}", path=str(path), line=exc.position[0]) from None
    except (KeyError, TypeError, AttributeError, IndexError):
        raise BallotError("not a NIST CDF cast vote record report", path=str(path)) from None
    chosen = [c for c in contests if contest is None or c[0] == contest]
    if len(chosen) != 1:
        listed = ", ".join(repr(c[0]) for c in contests) or "none"
        raise BallotError(f"choose one contest (found {listed}); use --rctab-config", path=str(path))
    name, candidates = chosen[0]
    unique = list(dict.fromkeys(candidates))
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


def rctab_report(result: Result) -> list[dict[str, Any]]:
    """Rounds in the shape of RCTab's ``detailed_report.json`` ``results`` list, for comparison."""
    report = []
    for round_ in result.rounds:
        actions = []
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
