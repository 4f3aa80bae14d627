"""``manage.py select_panel``: compute a fair distribution over panels, draw one, export it.

Exit codes: 0 selected; 1 quotas cannot be met (the diagnosis is printed); 2 bad input (one
``FILE:LINE: reason`` line; for a command-line option, the option's name stands for the file).
The report and the panel are written atomically, and only once everything is computed: a failure
leaves neither a cut-off file nor a new file beside an old one.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import ExitStack
from typing import IO, Any, TextIO

from django.core.management.base import CommandError, CommandParser

from assemblies.management.base import EngineCommand
from assemblies.sortition.errors import InfeasibleQuotasError
from assemblies.sortition.formats import (
    MAX_QUOTA,
    guess_id_column,
    inputs_sha256,
    read_instance,
    write_panel_rows,
)
from assemblies.sortition.model import Progress
from assemblies.sortition.registry import ALGORITHMS, DEFAULT_ALGORITHM
from assemblies.sortition.report import build_report, write_report_to
from assemblies.sortition.service import select_panel
from engines.errors import EngineInputError
from engines.files import atomic_write
from engines.numbers import NumberError, parse_int
from engines.registry import UnknownNameError

PROGRESS_INTERVAL_SECONDS = 1.0


def split_list(values: list[str] | None) -> list[str]:
    """Accept both ``--x a b`` and ``--x a,b``."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


def option_int(options: dict[str, Any], name: str, *, what: str, minimum: int) -> int | None:
    """A whole-number option, bounded; ``EngineInputError`` naming the option otherwise."""
    value = options.get(name.lstrip("-").replace("-", "_"))
    if value is None:
        return None
    try:
        return parse_int(str(value), what=what, minimum=minimum, maximum=MAX_QUOTA)
    except NumberError as error:
        raise EngineInputError(name, None, str(error)) from None



class ProgressPrinter:
    """Throttled progress lines on stderr, so long LEXIMIN runs show they are alive."""

    def __init__(self, stream: TextIO | IO[str]) -> None:
        self.stream = stream
        self.last = time.monotonic()

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_INTERVAL_SECONDS:
            return
        self.last = now
        if progress.message == "sampling":
            self.stream.write(f"{progress.algorithm}: {progress.iteration} runs sampled\n")
        else:
            self.stream.write(
                f"{progress.algorithm} stage {progress.stage} iteration {progress.iteration}: "
                f"minimum probability {progress.lower_bound:.6f} (bound {progress.upper_bound:.6f}), "
                f"{progress.panels} panels" + (f" [{progress.message}]" if progress.message else "") + "\n"
            )
        self.stream.flush()


class Command(EngineCommand):
    help = "Select a citizens' assembly panel by fair stratified sortition (LEXIMIN by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", required=True, help="respondents CSV")
        parser.add_argument("--categories", required=True, help="categories/quotas CSV")
        parser.add_argument("--size", required=True, help="panel size")
        parser.add_argument(
            "--algorithm",
            default=DEFAULT_ALGORITHM,
            metavar="{" + ",".join(ALGORITHMS.names()) + "}",
            help=f"default {DEFAULT_ALGORITHM}. " + ALGORITHMS.help_text(),
        )
        parser.add_argument("--seed", default="0", help="published seed, e.g. lottery numbers")
        parser.add_argument("--address-columns", nargs="*", default=[], help="columns that identify a household")
        parser.add_argument("--id-column", default=None, help="id column (default: guessed, else row index)")
        parser.add_argument("--must-include", nargs="*", default=[], help="ids already on the panel (replacements)")
        parser.add_argument("--must-exclude", nargs="*", default=[], help="ids that may not be selected (drop-outs)")
        parser.add_argument(
            "--iteration-budget",
            default=None,
            help="cap column generation at this many iterations, for algorithms that take a budget (reproducible)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
        parser.add_argument(
            "--report", help="write the selection report here (JSON; gzipped JSON if the name ends in .gz)"
        )
        parser.add_argument("--output", help="write the selected people's rows (CSV) here")

    def handle(self, *args: object, **options: Any) -> None:
        people_path, categories_path = str(options["people"]), str(options["categories"])
        address_columns = split_list(options["address_columns"])
        must_include = split_list(options["must_include"])
        must_exclude = split_list(options["must_exclude"])
        size = option_int(options, "--size", what="panel size", minimum=1)
        budget = option_int(options, "--iteration-budget", what="iteration budget", minimum=1)
        algorithm, seed = str(options["algorithm"]), str(options["seed"])
        id_option: str | None = options["id_column"]
        try:
            ALGORITHMS.resolve(algorithm)
        except UnknownNameError as error:
            raise EngineInputError("--algorithm", None, str(error)) from None
        assert size is not None  # --size is required
        with ExitStack() as outputs:
            # opened first, so a bad path is refused before the computation and nothing is left behind
            report_file = outputs.enter_context(atomic_write(options["report"], "wb")) if options["report"] else None
            panel_file = outputs.enter_context(atomic_write(options["output"])) if options["output"] else None
            instance, people_file, categories_file = read_instance(
                people_path,
                categories_path,
                size,
                id_column=id_option,
                address_columns=address_columns,
                must_include=must_include,
                must_exclude=must_exclude,
            )
            digest = inputs_sha256(people_file.sha256, categories_file.sha256)
            try:
                result = select_panel(
                    instance,
                    algorithm=algorithm,
                    seed=seed,
                    inputs_sha256=digest,
                    progress=ProgressPrinter(sys.stderr),
                    iteration_budget=budget,
                )
            except InfeasibleQuotasError as error:
                raise CommandError(str(error), returncode=1) from None
            report = build_report(
                result,
                people_path=people_path,
                categories_path=categories_path,
                people_sha256=people_file.sha256,
                categories_sha256=categories_file.sha256,
                panel_size=instance.panel_size,
                id_column=id_option,
                address_columns=address_columns,
                must_include=must_include,
                must_exclude=must_exclude,
                iteration_budget=budget,
            )
            if report_file is not None:
                write_report_to(report_file, str(options["report"]), report)
            if panel_file is not None:
                id_column = id_option if id_option is not None else guess_id_column(people_file.header, instance.categories)
                write_panel_rows(panel_file, people_file, result.panel, id_column)
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict()))
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
