"""``manage.py select_panel``: compute a fair distribution over panels, draw one, export it.

Exit codes: 0 selected; 1 quotas cannot be met (the diagnosis is printed); 2 bad input (one line
naming the file, row and reason).
"""

from __future__ import annotations

import json
import sys
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assemblies.sortition.errors import InfeasibleQuotasError, SortitionInputError
from assemblies.sortition.formats import guess_id_column, inputs_sha256, read_instance, write_panel
from assemblies.sortition.model import Progress
from assemblies.sortition.registry import ALGORITHMS, DEFAULT_ALGORITHM
from assemblies.sortition.report import build_report, write_report
from assemblies.sortition.service import select_panel

PROGRESS_INTERVAL_SECONDS = 1.0


def split_list(values: list[str] | None) -> list[str]:
    """Accept both ``--x a b`` and ``--x a,b``."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


class ProgressPrinter:
    """Throttled progress lines on stderr, so long LEXIMIN runs show they are alive."""

    def __init__(self, stream: object) -> None:
        self.stream = stream
        self.last = time.monotonic()

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        if progress.message == "sampling":
            self.stream.write(f"{progress.algorithm}: {progress.iteration} runs sampled\n")  # type: ignore[attr-defined]
            self.stream.flush()  # type: ignore[attr-defined]
            return
        self.stream.write(  # type: ignore[attr-defined]
            f"{progress.algorithm} stage {progress.stage} iteration {progress.iteration}: "
            f"minimum probability {progress.lower_bound:.6f} (bound {progress.upper_bound:.6f}), "
            f"{progress.panels} panels" + (f" [{progress.message}]" if progress.message else "") + "\n"
        )
        self.stream.flush()  # type: ignore[attr-defined]


class Command(BaseCommand):
    help = "Select a citizens' assembly panel by fair stratified sortition (LEXIMIN by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", required=True, help="respondents CSV")
        parser.add_argument("--categories", required=True, help="categories/quotas CSV")
        parser.add_argument("--size", required=True, type=int, help="panel size")
        parser.add_argument("--algorithm", choices=sorted(ALGORITHMS), default=DEFAULT_ALGORITHM)
        parser.add_argument("--seed", default="0", help="published seed, e.g. lottery numbers")
        parser.add_argument("--address-columns", nargs="*", default=[], help="columns that identify a household")
        parser.add_argument("--id-column", default=None, help="id column (default: guessed, else row index)")
        parser.add_argument("--must-include", nargs="*", default=[], help="ids already on the panel (replacements)")
        parser.add_argument("--must-exclude", nargs="*", default=[], help="ids that may not be selected (drop-outs)")
        parser.add_argument(
            "--iteration-budget",
            type=int,
            default=None,
            help="cap LEXIMIN's later stages at this many column-generation iterations (reproducible)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
        parser.add_argument(
            "--report", help="write the selection report here (JSON; gzipped JSON if the name ends in .gz)"
        )
        parser.add_argument("--output", help="write the selected people's rows (CSV) here")

    def handle(self, *args: object, **options: object) -> None:
        people_path, categories_path = str(options["people"]), str(options["categories"])
        address_columns = split_list(options["address_columns"])  # type: ignore[arg-type]
        must_include = split_list(options["must_include"])  # type: ignore[arg-type]
        must_exclude = split_list(options["must_exclude"])  # type: ignore[arg-type]
        try:
            instance, people_file, categories_file = read_instance(
                people_path,
                categories_path,
                int(options["size"]),  # type: ignore[call-overload]
                id_column=options["id_column"],  # type: ignore[arg-type]
                address_columns=address_columns,
                must_include=must_include,
                must_exclude=must_exclude,
            )
        except SortitionInputError as error:
            raise CommandError(str(error), returncode=2) from None
        digest = inputs_sha256(people_file.sha256, categories_file.sha256)
        algorithm, seed = str(options["algorithm"]), str(options["seed"])
        try:
            result = select_panel(
                instance,
                algorithm=algorithm,
                seed=seed,
                inputs_sha256=digest,
                progress=ProgressPrinter(sys.stderr),
                iteration_budget=options["iteration_budget"],  # type: ignore[arg-type]
            )
        except InfeasibleQuotasError as error:
            raise CommandError(str(error), returncode=1) from None
        id_column = options["id_column"]
        if id_column is None:
            id_column = guess_id_column(people_file.header, instance.categories)
        report = build_report(
            result,
            people_path=people_path,
            categories_path=categories_path,
            people_sha256=people_file.sha256,
            categories_sha256=categories_file.sha256,
            panel_size=instance.panel_size,
            id_column=options["id_column"],  # type: ignore[arg-type]
            address_columns=address_columns,
            must_include=must_include,
            must_exclude=must_exclude,
            iteration_budget=options["iteration_budget"],  # type: ignore[arg-type]
        )
        if options["report"]:
            write_report(str(options["report"]), report)
        if options["output"]:
            write_panel(str(options["output"]), people_file, result.panel, id_column)  # type: ignore[arg-type]
        if options["json"]:
            summary = {key: report[key] for key in ("algorithm", "seed", "panel", "min_probability", "probabilities")}
            summary["portfolio_size"] = report["portfolio_size"]
            self.stdout.write(json.dumps(summary))
            return
        distribution = result.distribution
        self.stdout.write(f"Algorithm: {algorithm}; seed {seed!r}; inputs SHA-256 {digest}")
        self.stdout.write(
            f"Minimum selection probability {distribution.min_probability:.6f} over a portfolio of "
            f"{len(distribution.portfolio)} panels"
        )
        for note in distribution.notes:
            self.stdout.write(f"Note: {note}")
        self.stdout.write("Selected: " + ", ".join(result.panel))
