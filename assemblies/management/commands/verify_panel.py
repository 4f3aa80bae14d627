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
        parser.add_argument(
            "--public", action="store_true",
            help="REPORT is a public selection report (/assemblies/<slug>/selection-report.json): "
            "re-compute the probabilities from its pool and quotas, check every panel, re-run the seeded draw",
        )

    def handle(self, *args: object, **options: Any) -> None:
        path = str(options["report"])
        if options["public"]:
            self._verify_public(path)
            return
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

    def _verify_public(self, path: str) -> None:
        from assemblies.sortition.public_report import read_public_report, verify_public_report

        outcome = verify_public_report(read_public_report(path), name=path)
        for message in outcome.messages:
            self.stdout.write(message)
        if not outcome.matches:
            raise CommandError(f"{path}: MISMATCH: the public report does not agree with a re-computation", returncode=1)
        self.stdout.write("MATCH")
