"""``manage.py verify_panel REPORT.json[.gz]``: recompute every figure of a selection report.

Exit codes: 0 every figure matches (``MATCH``); 1 some figure differs (each one is listed on stdout,
then one ``REPORT: MISMATCH ...`` line on stderr); 2 the report or an input file is malformed or
unreadable (one ``FILE:LINE: reason`` line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from assemblies.management.base import EngineCommand
from assemblies.sortition.report import read_report, verify_report


class Command(EngineCommand):
    help = "Check a selection report: same files, same lottery, same figures, same draw, same panel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", help="report written by select_panel --report (JSON, or gzipped JSON if .gz)")
        parser.add_argument("--people", help="people CSV, if it has moved since the report was written")
        parser.add_argument("--categories", help="categories CSV, if it has moved")

    def handle(self, *args: object, **options: Any) -> None:
        path = str(options["report"])
        report = read_report(path)
        outcome = verify_report(
            report,
            report_path=path,
            report_dir=Path(path).parent,
            people_path=options["people"],
            categories_path=options["categories"],
        )
        for message in outcome.messages:
            self.stdout.write(message)
        if not outcome.matches:
            differing = len(outcome.messages) - 1
            raise CommandError(
                f"{path}: MISMATCH: {differing} figure(s) differ from a re-computation; first: {outcome.messages[0]}",
                returncode=1,
            )
        self.stdout.write("MATCH")
