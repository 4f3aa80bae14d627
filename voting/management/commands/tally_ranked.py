"""``manage.py tally_ranked``: count a ranked ballot file and print every round.

Returning officers run this on the file they will publish, so bad input must fail cleanly: exit
status 2 and one line ``FILE:LINE: reason`` on stderr, never a traceback. The methods, their
``--help`` and the default method come from the registry (``voting.ranked.RANKED_METHODS``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from engines.errors import EngineInputError
from engines.files import atomic_write
from voting.formats import detect, rctab
from voting.ranked import RANKED_METHODS, RankedOutcome, RankedProfile

BAD_INPUT = 2


def default_method(seats: int) -> str:
    """The registry's default method for a single- or a multi-winner contest."""
    for entry in RANKED_METHODS.entries():
        if entry.metadata.get("default") and bool(entry.metadata.get("multi_winner")) == (seats > 1):
            return entry.key
    raise LookupError("no default ranked method registered")  # pragma: no cover - registry invariant


class Command(BaseCommand):
    help = (
        "Count a ranked-choice ballot file round by round. Formats: "
        + "; ".join(f.description for f in detect.FORMATS if f.engine == "ranked")
        + "."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="ballot file; optional with --rctab-config")
        parser.add_argument(
            "--method",
            choices=RANKED_METHODS.names(),
            help="counting method: " + RANKED_METHODS.help_text() + ". Default: "
            + ", ".join(
                f"{e.key} for {'several seats' if e.metadata.get('multi_winner') else 'one seat'}"
                for e in RANKED_METHODS.entries()
                if e.metadata.get("default")
            ),
        )
        parser.add_argument("--seats", type=int, help="number of seats (default: from the file, else 1)")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")
        parser.add_argument("--rctab-config", dest="rctab_config", help="RCTab contest configuration JSON")
        parser.add_argument("--output", help="write the result to this file (all or nothing) instead of stdout")

    def execute(self, *args: Any, **options: Any) -> Any:
        # From the command line, bad input is one bare line and exit 2 (Django would prefix
        # "CommandError: "); call_command callers still get the CommandError.
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if not getattr(self, "_called_from_command_line", False) or error.returncode != BAD_INPUT:
                raise
            sys.stderr.write(str(error).replace("\n", " ") + "\n")
            sys.stderr.flush()
            raise SystemExit(BAD_INPUT) from None
        except BrokenPipeError:
            # stdout closed early (``| head``): stop quietly, and keep Python from complaining
            # about the unflushed buffer at exit.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise SystemExit(1) from None

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result, report = self._count(options)
            text = self._render(result, report, options["json"])
            if options["output"]:
                with atomic_write(options["output"]) as handle:
                    handle.write(text + "\n")
                return
        except EngineInputError as error:
            raise CommandError(error.location_line(), returncode=BAD_INPUT) from None
        self.stdout.write(text)
        self.stdout.flush()

    @staticmethod
    def _render(result: RankedOutcome, report: list[dict[str, Any]] | None, as_json: bool) -> str:
        if not as_json:
            return _as_text(result)
        data = result.to_dict()
        if report is not None:
            data["rctab_rounds"] = report
        return json.dumps(data, ensure_ascii=False, indent=1)

    def _count(self, options: dict[str, Any]) -> tuple[RankedOutcome, list[dict[str, Any]] | None]:
        where = options.get("file") or options.get("rctab_config") or "<args>"
        if options["seats"] is not None and options["seats"] < 1:
            raise EngineInputError(where, None, f"--seats must be 1 or more, got {options['seats']}")
        config_path = options["rctab_config"]
        if not config_path and options["file"] and detect.detect_file(options["file"]) == detect.RCTAB_CONFIG:
            config_path, options = options["file"], {**options, "file": None}
        if config_path:
            config = rctab.load_config(config_path)
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
            raise EngineInputError("<args>", None, "give a ballot file or --rctab-config")
        profile = detect.read_ranked(options["file"])
        if options["seats"]:
            profile.seats = options["seats"]
        return _run(options["method"] or default_method(profile.seats), profile), None



def _run(method: str, profile: RankedProfile) -> RankedOutcome:
    outcome = RANKED_METHODS.get(method).function(profile)
    assert isinstance(outcome, RankedOutcome)
    return outcome


def _as_text(result: RankedOutcome) -> str:
    lines = [f"{result.rule}: {result.seats} seat(s), {result.valid_ballots} ballots"]
    if result.quota is not None:
        lines.append(f"quota {result.quota}")
    for round_ in result.ranked_rounds:
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
