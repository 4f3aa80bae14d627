"""``manage.py tally_pb FILE.pb``: count a participatory-budgeting election from a pabulib file.

With no ``--rule`` the rule declared in the file's META is used (``unknown`` is refused: the file
does not say how it was counted). Exit status 2 and a single line ``FILE:LINE: reason`` on stderr
for a bad file or a rule the file cannot be counted with; nothing is written to stdout then.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from voting.formats.pabulib import PabulibError, PBFile, read_pb
from voting.rules.mes import COMPLETIONS
from voting.rules.pb import PBError, Result, as_number
from voting.rules.pb_arrays import UTILITIES
from voting.rules.pb_registry import PABULIB_RULES, count, rules
from voting.rules.tiebreak import TIE_BREAKS

BAD_INPUT = 2


class Command(BaseCommand):
    help = "Count a participatory-budgeting election from a pabulib .pb file and explain the outcome."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="pabulib .pb file")
        parser.add_argument(
            "--rule",
            help=f"rule to count with (default: META 'rule'); one of {', '.join(sorted(set(rules()) | set(PABULIB_RULES)))}",
        )
        parser.add_argument("--completion", choices=COMPLETIONS, help="MES completion method (default add1)")
        parser.add_argument("--tie-break", dest="tie_break", help=f"tie-breaking: {', '.join(TIE_BREAKS)}")
        parser.add_argument("--utility", choices=UTILITIES, help="MES utilities (default: cost for approval)")
        parser.add_argument("--increment", help="Add1 step per voter (default 1)")
        parser.add_argument("--threshold", help="minimum score for greedy (default: META min_project_score_threshold)")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--explain", action="store_true", help="print every round and why each project lost")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        try:
            pb = read_pb(path)
        except PabulibError as error:
            self._fail(str(error))
        rule_name = options["rule"] or pb.meta.get("rule", "").strip()
        rule_line = pb.meta_lines.get("rule", 1)
        if not rule_name:
            self._fail(f"{path}:{rule_line}: META has no rule; name one with --rule")
        rule_options = {
            "completion": options["completion"],
            "tie_break": options["tie_break"],
            "utility": options["utility"],
            "increment": options["increment"],
            "threshold": options["threshold"],
        }
        try:
            result = count(rule_name, pb.instance, pb.profile, **rule_options)
        except PBError as error:
            if options["rule"]:
                self._fail(f"tally_pb: {error}")
            self._fail(f"{path}:{rule_line}: {error}")
        if options["json"]:
            self.stdout.write(json.dumps(self._payload(pb, rule_name, result), ensure_ascii=False))
        else:
            self._print_text(pb, rule_name, result, options["explain"])

    def _fail(self, line: str) -> None:
        sys.stderr.write(line.replace("\n", " ") + "\n")
        sys.stderr.flush()
        raise SystemExit(BAD_INPUT)

    @staticmethod
    def _payload(pb: PBFile, rule_name: str, result: Result) -> dict[str, Any]:
        payload = result.to_dict()
        payload["rule"] = rule_name
        payload["counted_as"] = result.rule
        payload["file"] = pb.path
        payload["vote_type"] = pb.profile.vote_type
        payload["voters"] = as_number(pb.profile.total_weight)
        return payload

    def _print_text(self, pb: PBFile, rule_name: str, result: Result, explain: bool) -> None:
        write = self.stdout.write
        names = {p.id: p.name for p in pb.instance.projects}
        write(f"{pb.path}: {result.rule_name} ({rule_name}), {len(pb.profile.ballots)} ballots")
        write(f"Budget {_money(result.budget)}, spent {_money(result.total_cost)}, left {_money(result.budget - result.total_cost)}")
        write("Selected, in order:")
        for place, project_id in enumerate(result.selected, start=1):
            cost = pb.instance.project(project_id).cost
            write(f"  {place:3d}. {project_id:>12}  {_money(cost):>14}  {names[project_id][:60]}")
        if not explain:
            return
        write("")
        write("Rounds:")
        for entry in result.rounds:
            write("  " + ", ".join(f"{key}={_show(value)}" for key, value in entry.items() if key != "name"))
        write("")
        write("Projects not selected:")
        for project_id, entry in result.projects.items():
            if entry.get("status") != "selected":
                write(f"  {project_id:>12}  {entry.get('reason', '')}")
        for key, value in result.details.items():
            if key != "add1_steps":
                write(f"{key}: {_show(value)}")
        steps = result.details.get("add1_steps")
        if steps:
            write(f"add1: {len(steps)} steps, last kept budget per voter {result.details['final_budget_per_voter']:.2f}")


def _money(value: Any) -> str:
    number = as_number(value)
    return f"{number:,.2f}" if isinstance(number, float) else f"{number:,}"


def _show(value: Any) -> str:
    number = value
    if isinstance(value, float):
        return f"{value:.6g}"
    try:
        number = as_number(value)
    except (TypeError, ValueError):
        return str(value)
    return str(number)
