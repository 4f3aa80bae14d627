"""``manage.py tally_pb FILE.pb``: count a participatory-budgeting election from a pabulib file.

With no ``--rule`` the rule declared in the file's META is used (``unknown`` is refused: the file
does not say how it was counted). The rules, their names and options come from
:data:`voting.pb.PB_RULES`. Bad input of any kind (the file, an option, the output path) ends
with exit status 2 and a single line ``FILE:LINE: reason`` on stderr, and nothing on stdout or in
the output file; ``--output`` is written atomically. A closed stdout (``| head``) ends quietly.
"""

from __future__ import annotations

import json
import os
import sys
from fractions import Fraction
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandParser

from engines.errors import EngineInputError
from engines.files import atomic_write
from engines.numbers import json_number, jsonable, money
from voting.formats.pabulib import PBFile, read_pb
from voting.pb import PB_RULES, TIE_BREAKS, PBError, PBOutcome, count, parse_tie_break
from voting.pb.arrays import UTILITIES
from voting.pb.greedy import parse_threshold
from voting.pb.mes import COMPLETIONS, parse_increment

BAD_INPUT = 2
COMMAND = "tally_pb"


class Command(BaseCommand):
    help = "Count a participatory-budgeting election from a pabulib .pb file and explain the outcome."

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> NoReturn:  # argparse's usage + message is two lines
            self._fail(f"{COMMAND}: {message}")

        setattr(parser, "error", one_line_error)  # noqa: B010  (replacing argparse's method)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="pabulib .pb file")
        parser.add_argument(
            "--rule",
            choices=PB_RULES.names(),
            metavar="RULE",
            help=(
                f"rule to count with (default: META 'rule'): {PB_RULES.help_text()}; "
                f"pabulib names: {', '.join(a.name for a in PB_RULES.aliases())}"
            ).replace("%", "%%"),  # argparse formats help with %
        )
        parser.add_argument("--completion", choices=COMPLETIONS, help="MES completion method (default add1)")
        parser.add_argument("--tie-break", dest="tie_break", help=f"tie-breaking: {', '.join(TIE_BREAKS)}")
        parser.add_argument("--utility", choices=UTILITIES, help="MES utilities (default: cost for approval)")
        parser.add_argument("--increment", help="Add1 step per voter (default 1)")
        parser.add_argument("--threshold", help="minimum score for greedy (default: META min_project_score_threshold)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--explain", action="store_true", help="print every round and why each project lost")
        parser.add_argument("--output", help="write the result to this file (atomically) instead of stdout")

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except BrokenPipeError:  # stdout closed early (| head): nothing more to say to anybody
            _silence_stdout()
            return None

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            pb = read_pb(path)
            text = self._count(pb, options)
            if options["output"]:
                with atomic_write(options["output"]) as handle:
                    handle.write(text + "\n")
                return
        except EngineInputError as error:
            self._fail(error.location_line())
        self.stdout.write(text)
        self.stdout.flush()  # a closed pipe shows here, inside execute(), not at interpreter exit

    def _count(self, pb: PBFile, options: dict[str, Any]) -> str:
        """The whole output as one text, so that nothing is written before the count succeeded."""
        rule_name = options["rule"] or pb.meta.get("rule", "").strip()
        # Where an error of the count is located: the option when one was given, else META's rule.
        where, line = (COMMAND, None) if options["rule"] else (pb.path, pb.meta_lines.get("rule", 1))
        if not rule_name:
            raise EngineInputError(pb.path, line, "META has no rule; name one with --rule")
        rule_options = {key: options[key] for key in ("completion", "tie_break", "utility", "increment", "threshold")}
        _check_options(rule_options)
        try:
            outcome = count(rule_name, pb.instance, pb.profile, **rule_options)
        except PBError as error:
            raise error.located(where, line) from None
        if options["json"]:
            return json.dumps(self._payload(pb, outcome), ensure_ascii=False)
        return "\n".join(self._text(pb, outcome, options["explain"]))

    def _fail(self, line: str) -> NoReturn:
        sys.stderr.write(line.replace("\n", " ") + "\n")
        sys.stderr.flush()
        raise SystemExit(BAD_INPUT)

    @staticmethod
    def _payload(pb: PBFile, outcome: PBOutcome) -> dict[str, Any]:
        payload = outcome.to_dict()
        payload["file"] = pb.path
        payload["vote_type"] = pb.profile.vote_type
        payload["voters"] = json_number(pb.profile.total_weight)
        return payload

    @staticmethod
    def _text(pb: PBFile, outcome: PBOutcome, explain: bool) -> list[str]:
        names = {p.id: p.name for p in pb.instance.projects}
        lines = [
            f"{pb.path}: {outcome.rule_name} ({outcome.rule}), {len(pb.profile.ballots)} ballots",
            f"Budget {_money(outcome.budget)}, spent {_money(outcome.total_cost)}, left {_money(outcome.leftover)}",
            "Selected, in order:",
        ]
        for place, project_id in enumerate(outcome.selected, start=1):
            cost = pb.instance.project(project_id).cost
            lines.append(f"  {place:3d}. {project_id:>12}  {_money(cost):>14}  {names[project_id][:60]}")
        if not explain:
            return lines
        lines += ["", "Rounds:"]
        for step in outcome.rounds:
            fields = step.to_dict()
            lines.append("  " + ", ".join(f"{key}={_show(value)}" for key, value in fields.items() if key != "name"))
        lines += ["", "Projects not selected:"]
        for project_id, fate in outcome.fates.items():
            if fate.status != "selected":
                lines.append(f"  {project_id:>12}  {fate.reason}")
        for key, value in outcome.details.items():
            if key != "add1_steps":
                lines.append(f"{key}: {_show(jsonable(value))}")
        steps = outcome.details.get("add1_steps")
        if steps:
            kept = outcome.details["final_budget_per_voter"]
            lines.append(f"add1: {len(steps)} steps, last kept budget per voter {money(kept)}")
        lines.extend(f"note: {note}" for note in outcome.notes)
        return lines



def _check_options(options: dict[str, Any]) -> None:
    """Refuse a bad option value as the command's error, before the file's rule is looked at."""
    checks = {"tie_break": parse_tie_break, "increment": parse_increment, "threshold": parse_threshold}
    for key, check in checks.items():
        if options[key] is not None:
            try:
                check(options[key])
            except PBError as error:
                raise error.located(COMMAND, None) from None


def _money(value: Fraction) -> str:
    """An amount as people read it: whole amounts as they are, others to the cent."""
    return f"{value.numerator:,}" if value.denominator == 1 else f"{money(value):,}"


def _show(value: Any) -> str:
    """A figure of ``--explain``: floats (MES prices, loads) to six decimals, the rest as JSON has it."""
    return str(money(value, 6)) if isinstance(value, float) else str(value)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
