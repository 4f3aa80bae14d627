"""``manage.py tally_ranked``: count a ranked ballot file and print every round.

Returning officers run this on the file they will publish, so bad input must fail cleanly: exit
status 2 and one line naming the file, the line and the reason, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting.formats import ballot_export, blt, ranked_scot, rctab
from voting.rules.ranked import BallotError, Profile, Result
from voting.rules.ranked_registry import get_rule, method_names

METHODS = ("irv", "stv-scottish", "stv-meek", "stv-rctab", "schulze", "ranked-pairs", "copeland", "borda")


def read_ballots(path: Path) -> Profile:
    """Read any ranked format we support, chosen by extension and first line."""
    suffix = path.suffix.lower()
    if suffix == ".blt":
        return blt.read_blt(path)
    if suffix == ".xml":
        return rctab.read_cdf_file(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise BallotError(f"cannot read file: {exc.strerror}", path=str(path)) from None
    except UnicodeDecodeError:
        raise BallotError("file is not UTF-8 text", path=str(path)) from None
    if suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BallotError(f"invalid JSON: {exc.msg}", path=str(path), line=exc.lineno) from None
        if ballot_export.is_ballot_export(data):
            return ballot_export.from_document(data, source=str(path))
        return rctab.read_cdf_file(path)
    if suffix == ".csv":
        if ranked_scot.looks_like_scot_csv(text):
            return ranked_scot.parse_scot_csv(text, source=str(path))
        raise BallotError("generic CSV cast vote records need --rctab-config", path=str(path), line=1)
    return blt.parse_blt(text, source=str(path))


class Command(BaseCommand):
    help = "Count a ranked-choice ballot file (.blt, scot-elex .csv, CDF .json/.xml, civic export) round by round."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="ballot file; optional with --rctab-config")
        parser.add_argument("--method", choices=METHODS, help="counting rule (default: irv, or stv-scottish for >1 seat)")
        parser.add_argument("--seats", type=int, help="number of seats (default: from the file, else 1)")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")
        parser.add_argument("--rctab-config", dest="rctab_config", help="RCTab contest configuration JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result, report = self._count(options)
        except BallotError as exc:
            raise CommandError(exc.one_line(), returncode=2) from None
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            where = options.get("file") or options.get("rctab_config") or "<input>"
            raise CommandError(f"{where}: {exc}", returncode=2) from None
        if options["json"]:
            data = result.to_dict()
            if report is not None:
                data["rctab_rounds"] = report
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=1))
        else:
            self.stdout.write(_as_text(result))

    def _count(self, options: dict[str, Any]) -> tuple[Result, list[dict[str, Any]] | None]:
        if options["seats"] is not None and options["seats"] < 1:
            raise BallotError("--seats must be 1 or more", path=options.get("file") or "<args>")
        if options["rctab_config"]:
            config = rctab.load_config(options["rctab_config"])
            if options["file"]:
                # The file replaces the configuration's CVRs but is read with its source settings.
                config.sources = [rctab.source_for_file(config, Path(options["file"]).resolve())]
            profile = rctab.read_profile(config)
            if options["seats"]:
                profile.seats = options["seats"]
                config.rules["numberOfWinners"] = str(options["seats"])
            if options["method"]:
                return _run(options["method"], profile), None
            result = rctab.tabulate_rctab(config, profile)
            return result, rctab.rctab_report(result)
        if not options["file"]:
            raise BallotError("give a ballot file or --rctab-config", path="<args>")
        profile = read_ballots(Path(options["file"]))
        if options["seats"]:
            profile.seats = options["seats"]
        method = options["method"] or ("irv" if profile.seats == 1 else "stv-scottish")
        if method == "irv" and profile.seats != 1:
            raise BallotError(f"irv elects one candidate; the file has {profile.seats} seats (use an STV method)",
                              path=options["file"])
        return _run(method, profile), None


def _run(method: str, profile: Profile) -> Result:
    if method not in method_names():
        raise BallotError(f"unknown method {method!r}")
    return get_rule(method).function(profile)


def _as_text(result: Result) -> str:
    lines = [f"{result.method}: {result.seats} seat(s), {result.valid_ballots} ballots"]
    if result.quota is not None:
        lines.append(f"quota {result.quota}")
    for round_ in result.rounds:
        lines.append(f"Round {round_.number}" + (f" (threshold {round_.threshold})" if round_.threshold else ""))
        for name, votes in sorted(round_.tallies.items(), key=lambda kv: -float(kv[1])):
            lines.append(f"  {name:<40} {votes}")
        if round_.exhausted:
            lines.append(f"  {'exhausted / inactive':<40} {round_.exhausted}")
        for name in round_.elected:
            lines.append(f"  elected: {name} ({round_.reasons.get(name, '')})")
        for name in round_.eliminated:
            lines.append(f"  eliminated: {name} ({round_.reasons.get(name, '')})")
    if result.ranking is not None:
        lines.append("Ranking: " + " > ".join(" = ".join(group) for group in result.ranking))
    if result.pairwise is not None:
        lines.append(f"Condorcet winner: {result.condorcet_winner or 'none'}")
    lines.append("Elected: " + ", ".join(result.elected))
    return "\n".join(lines)
