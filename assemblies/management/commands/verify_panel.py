"""``manage.py verify_panel REPORT.json[.gz]``: exit 0 only if re-running the draw gives the recorded panel."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assemblies.sortition.errors import InfeasibleQuotasError, SortitionInputError
from assemblies.sortition.report import read_report, verify_report


class Command(BaseCommand):
    help = "Check a selection report: same files, same draw, same panel."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", help="report written by select_panel --report (JSON, or gzipped JSON if .gz)")
        parser.add_argument("--people", help="people CSV, if it has moved since the report was written")
        parser.add_argument("--categories", help="categories CSV, if it has moved")
        parser.add_argument(
            "--public", action="store_true",
            help="REPORT is a public selection report (selection-report.json): check it from its own content",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["report"]))
        try:
            report = read_report(path)
        except (OSError, ValueError) as error:
            raise CommandError(f"{path}: cannot read report ({error})", returncode=2) from None
        if options["public"]:
            self._verify_public(path, report)
            return
        try:
            outcome = verify_report(
                report,
                report_dir=path.parent,
                people_path=options["people"],  # type: ignore[arg-type]
                categories_path=options["categories"],  # type: ignore[arg-type]
            )
        except SortitionInputError as error:
            raise CommandError(str(error), returncode=2) from None
        except (InfeasibleQuotasError, KeyError, TypeError) as error:
            raise CommandError(f"{path}: cannot verify ({error})", returncode=1) from None
        for message in outcome.messages:
            self.stdout.write(message)
        if not outcome.matches:
            raise CommandError("MISMATCH: the report does not match a re-run of the draw", returncode=1)
        self.stdout.write("MATCH")

    def _verify_public(self, path: Path, report: dict[str, object]) -> None:
        from assemblies.sortition.public_report import MalformedReport, verify_public_report

        try:
            outcome = verify_public_report(report)
        except MalformedReport as error:
            raise CommandError(f"{path}: {error}", returncode=2) from None
        for message in outcome.messages:
            self.stdout.write(message)
        if not outcome.matches:
            raise CommandError("MISMATCH: the public report does not agree with a re-run", returncode=1)
        self.stdout.write("MATCH")
