"""The selection report: everything needed to audit the draw, and ``verify_report`` to check it.

The report records the input files' SHA-256, the seed, the options, the whole portfolio, each person's
probability, the draw, the run's statistics, the numerical tolerances and the versions of Python,
NumPy and HiGHS it ran under. A verifier must check every number it is shown, so verification
recomputes each published figure and names every one that differs:

* the files are the ones recorded (each file's digest and the combined digest of the draw);
* the portfolio is a lottery over panels that meet the quotas (probabilities in [0, 1] summing to 1,
  every panel of the right size, within the quotas, respecting households and replacements);
* each person's probability is the total probability of the portfolio panels containing them, and
  the minimum probability is the smallest of the open ones;
* the seed and the digest give the recorded draw number, which picks the recorded panel;
* re-running the algorithm from the files gives the same lottery, statistics, notes and panel;
* the tolerances are the ones this code runs with.

A report that is not a well-formed report (not JSON, a field missing or of the wrong type, a number
that is not finite) is bad input: ``EngineInputError`` naming the file and the field.
"""

from __future__ import annotations

import gzip
import json
import math
import platform
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import highspy
import numpy as np

from engines.errors import EngineInputError
from engines.files import read_json_object
from engines.numbers import MAX_DIGITS
from engines.registry import UnknownNameError

from . import tolerances
from .draw import draw_index, draw_number
from .errors import InfeasibleQuotasError
from .formats import MAX_QUOTA, inputs_sha256, read_instance
from .model import Instance, Portfolio
from .outcome import SelectionOutcome, portfolio_rows
from .service import select_panel

REPORT_FORMAT = "civic-sortition-report/1"
PROBABILITY_MATCH_TOLERANCE = 1e-6
"""How far a re-run's probabilities may be from the recorded ones (LP round-off across machines)."""
ARITHMETIC_TOLERANCE = 1e-9
"""How far a recorded sum or marginal may be from the same sum recomputed from the recorded figures."""
T = TypeVar("T")


def environment() -> dict[str, str]:
    """The versions a run depends on, recorded in the report."""
    return {"python": platform.python_version(), "numpy": np.__version__, "highs": highs_version()}


def highs_version() -> str:
    return str(highspy.Highs().version())


def tolerance_constants() -> dict[str, Any]:
    """Every constant of ``tolerances``, as JSON writes them (tuples as lists)."""
    constants = {name: getattr(tolerances, name) for name in dir(tolerances) if name.isupper()}
    return cast(dict[str, Any], json.loads(json.dumps(constants)))


def build_report(
    result: SelectionOutcome,
    *,
    people_path: str,
    categories_path: str,
    people_sha256: str,
    categories_sha256: str,
    panel_size: int,
    id_column: str | None,
    address_columns: Sequence[str],
    must_include: Sequence[str] = (),
    must_exclude: Sequence[str] = (),
    iteration_budget: int | None = None,
) -> dict[str, object]:
    distribution = result.distribution
    return {
        "format": REPORT_FORMAT,
        "algorithm": result.algorithm,
        "seed": result.seed,
        "panel_size": panel_size,
        "inputs": {
            "people": {"path": people_path, "sha256": people_sha256},
            "categories": {"path": categories_path, "sha256": categories_sha256},
            "sha256": result.inputs_sha256,
        },
        "options": {
            "id_column": id_column,
            "address_columns": list(address_columns),
            "must_include": list(must_include),
            "must_exclude": list(must_exclude),
            "iteration_budget": iteration_budget,
        },
        "panel": list(result.panel),
        "min_probability": distribution.min_probability,
        "probabilities": distribution.probabilities,
        "portfolio_size": len(distribution.portfolio),
        "portfolio": portfolio_rows(distribution.portfolio),
        "draw": {"number": result.draw_number, "index": result.draw_index},
        "stats": {
            "iterations": distribution.iterations,
            "stages": distribution.stages,
            "panels_generated": distribution.panels_generated,
        },
        "notes": list(distribution.notes),
        "solver": {"highs": highs_version(), "tolerances": tolerance_constants()},
        "environment": environment(),
    }


def report_bytes(path: str | Path, report: Mapping[str, object]) -> bytes:
    """The report as written to ``path``: indented JSON, or compact gzipped JSON for ``.gz`` names.

    The portfolio lists every named panel, and certified LEXIMIN portfolios on large pools have tens
    of thousands of them (122 MB of indented JSON for 2,000 respondents choosing 200; 3.5 MB gzipped).
    The gzip header carries no file name or time, so the same report gives the same bytes.
    """
    if Path(path).suffix == ".gz":
        text = json.dumps(report, separators=(",", ":"), sort_keys=False) + "\n"
        return gzip.compress(text.encode("utf-8"), mtime=0)
    return (json.dumps(report, indent=1, sort_keys=False) + "\n").encode("utf-8")


def write_report_to(handle: IO[str], path: str | Path, report: Mapping[str, object]) -> None:
    """Write the report into ``handle``, a file opened by ``engines.files.atomic_write(path, "wb")``."""
    cast(IO[bytes], handle).write(report_bytes(path, report))


def read_report(path: str | Path) -> dict[str, object]:
    """Read a report written by ``select_panel --report`` (plain or ``.gz``).

    ``EngineInputError`` for a file that is missing, truncated, not gzip although named ``.gz``,
    not UTF-8, not JSON (with the line of the syntax error) or not a JSON object.
    """
    name = str(path)
    report = read_json_object(name)
    if report.get("format") != REPORT_FORMAT:
        raise EngineInputError(name, None, f"not a {REPORT_FORMAT} report (field 'format')")
    return report


@dataclass
class Verification:
    matches: bool
    messages: list[str] = field(default_factory=list)
    """Every figure that differs, or one line saying all matched, then the environments compared."""


@dataclass(frozen=True)
class RecordedReport:
    """A report's fields, checked for type and range (not yet for truth)."""

    algorithm: str
    seed: str
    panel_size: int
    people_path: str
    people_sha256: str
    categories_path: str
    categories_sha256: str
    inputs_sha256: str
    id_column: str | None
    address_columns: tuple[str, ...]
    must_include: tuple[str, ...]
    must_exclude: tuple[str, ...]
    iteration_budget: int | None
    panel: tuple[str, ...]
    min_probability: float
    probabilities: dict[str, float]
    portfolio_size: int
    portfolio: Portfolio
    draw_number: float
    draw_index: int
    stats: dict[str, int]
    notes: tuple[str, ...]
    tolerances: dict[str, Any]
    environment: dict[str, str]


class _Fields:
    """Typed access to a report's JSON, raising ``EngineInputError`` naming the field."""

    def __init__(self, path: str) -> None:
        self.path = path

    def bad(self, where: str, what: str) -> EngineInputError:
        return EngineInputError(self.path, None, f"field {where!r} {what}")

    def get(self, data: Mapping[str, object], key: str, kind: type[T], where: str = "") -> T:
        value = data.get(key)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.bad(where + key, f"is missing or not {_KIND_NAMES.get(kind, kind.__name__)}")
        return value

    def optional(self, data: Mapping[str, object], key: str, kind: type[T], where: str = "") -> T | None:
        return None if data.get(key) is None else self.get(data, key, kind, where)

    def mapping(self, data: Mapping[str, object], key: str, where: str = "") -> dict[str, object]:
        return cast(dict[str, object], self.get(data, key, dict, where))

    def count(self, data: Mapping[str, object], key: str, where: str = "", maximum: int = MAX_QUOTA) -> int:
        value = self.get(data, key, int, where)
        if not 0 <= value <= maximum:
            raise self.bad(where + key, f"is {value}, outside [0, {maximum}]")
        return value

    def number(self, value: object, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.bad(where, "is missing or not a number")
        if isinstance(value, int) and abs(value) > 10**MAX_DIGITS:
            raise self.bad(where, "is too large")
        if not math.isfinite(value):
            raise self.bad(where, "is not a finite number")
        return float(value)

    def strings(self, data: Mapping[str, object], key: str, where: str = "") -> tuple[str, ...]:
        items = self.get(data, key, list, where)
        if not all(isinstance(item, str) for item in items):
            raise self.bad(where + key, "is not a list of strings")
        return tuple(cast(list[str], items))


_KIND_NAMES = {str: "a string", int: "a whole number", dict: "an object", list: "a list", float: "a number"}


def parse_report(report: Mapping[str, object], path: str) -> RecordedReport:
    """Check every field's type and range; ``EngineInputError`` naming the first bad field."""
    fields = _Fields(path)
    inputs = fields.mapping(report, "inputs")
    people = fields.mapping(inputs, "people", "inputs.")
    categories = fields.mapping(inputs, "categories", "inputs.")
    options = fields.mapping(report, "options")
    probabilities = fields.mapping(report, "probabilities")
    rows = fields.get(report, "portfolio", list)
    panels: list[tuple[str, ...]] = []
    masses: list[float] = []
    for number, row in enumerate(rows):
        where = f"portfolio[{number}]."
        if not isinstance(row, dict):
            raise fields.bad(where.rstrip("."), "is not an object")
        masses.append(fields.number(row.get("probability"), where + "probability"))
        panels.append(fields.strings(row, "panel", where))
    draw = fields.mapping(report, "draw")
    stats = fields.mapping(report, "stats")
    solver = fields.mapping(report, "solver")
    recorded_environment = report.get("environment")
    return RecordedReport(
        algorithm=fields.get(report, "algorithm", str),
        seed=fields.get(report, "seed", str),
        panel_size=fields.count(report, "panel_size"),
        people_path=fields.get(people, "path", str, "inputs.people."),
        people_sha256=fields.get(people, "sha256", str, "inputs.people."),
        categories_path=fields.get(categories, "path", str, "inputs.categories."),
        categories_sha256=fields.get(categories, "sha256", str, "inputs.categories."),
        inputs_sha256=fields.get(inputs, "sha256", str, "inputs."),
        id_column=fields.optional(options, "id_column", str, "options."),
        address_columns=fields.strings(options, "address_columns", "options."),
        must_include=fields.strings(options, "must_include", "options."),
        must_exclude=fields.strings(options, "must_exclude", "options."),
        iteration_budget=(
            None if options.get("iteration_budget") is None else fields.count(options, "iteration_budget", "options.")
        ),
        panel=fields.strings(report, "panel"),
        min_probability=fields.number(report.get("min_probability"), "min_probability"),
        probabilities={
            str(person): fields.number(value, f"probabilities.{person}") for person, value in probabilities.items()
        },
        portfolio_size=fields.count(report, "portfolio_size", maximum=10**12),
        portfolio=Portfolio(tuple(panels), tuple(masses)),
        draw_number=fields.number(draw.get("number"), "draw.number"),
        draw_index=fields.count(draw, "index", "draw.", maximum=10**12),
        stats={key: fields.count(stats, key, "stats.", maximum=10**12) for key in ("iterations", "stages", "panels_generated")},
        notes=fields.strings(report, "notes"),
        tolerances=fields.mapping(solver, "tolerances", "solver."),
        environment=(
            {str(k): str(v) for k, v in recorded_environment.items()} if isinstance(recorded_environment, dict) else {}
        ),
    )


def _locate(recorded: str, report_dir: Path) -> Path:
    path = Path(recorded)
    if path.exists() or path.is_absolute():
        return path
    return report_dir / path


def panel_problems(instance: Instance, panel: Sequence[str]) -> list[str]:
    """Why ``panel`` is not a valid panel of ``instance`` (empty if it is one)."""
    by_id = {person.id: person for person in instance.people}
    problems = []
    if len(panel) != instance.panel_size:
        problems.append(f"{len(panel)} members, not {instance.panel_size}")
    strangers = [member for member in panel if member not in by_id]
    if strangers:
        return [*problems, f"{strangers[0]!r} is not in the pool"]
    if len(set(panel)) < len(panel):
        problems.append("someone is on it twice")
    tally = Counter((category, by_id[member].features[category]) for member in panel for category in instance.categories)
    problems += [
        f"{q.category}/{q.value} has {tally[(q.category, q.value)]}, outside [{q.min}, {q.max}]"
        for q in instance.quotas
        if not q.min <= tally[(q.category, q.value)] <= q.max
    ]
    homes = Counter(by_id[member].household for member in panel if by_id[member].household is not None)
    if any(members > 1 for members in homes.values()):
        problems.append("two members share a household")
    missing = set(instance.must_include) - set(panel)
    if missing:
        problems.append(f"{sorted(missing)[0]!r} must stay on the panel but is not on it")
    barred = set(instance.must_exclude) & set(panel)
    if barred:
        problems.append(f"{sorted(barred)[0]!r} may not be selected but is on it")
    return problems


def _close(a: float, b: float, tolerance: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=tolerance)


def _lottery_problems(recorded: RecordedReport, instance: Instance) -> list[str]:
    """The recorded portfolio, probabilities and minimum, checked against each other and the quotas."""
    portfolio = recorded.portfolio
    problems = []
    if recorded.portfolio_size != len(portfolio):
        problems.append(f"portfolio_size is {recorded.portfolio_size} but the portfolio lists {len(portfolio)} panels")
    if any(not 0.0 <= mass <= 1.0 for mass in portfolio.probabilities):
        problems.append("a portfolio panel has a probability outside [0, 1]")
    total = math.fsum(portfolio.probabilities)
    if not _close(total, 1.0, ARITHMETIC_TOLERANCE):
        problems.append(f"the portfolio's probabilities sum to {total!r}, not 1")
    for number, panel in enumerate(portfolio.panels):
        wrong = panel_problems(instance, panel)
        if wrong:
            problems.append(f"portfolio panel {number} does not meet the quotas: {wrong[0]}")
            break
    ids = instance.person_ids()
    if set(recorded.probabilities) != set(ids):
        problems.append("probabilities are not given for exactly the people in the pool")
        return problems
    marginals = dict.fromkeys(ids, 0.0)
    for panel, mass in zip(portfolio.panels, portfolio.probabilities, strict=True):
        for member in panel:
            if member in marginals:
                marginals[member] += mass
    for person in ids:
        if not _close(recorded.probabilities[person], marginals[person], ARITHMETIC_TOLERANCE):
            problems.append(
                f"probability of {person!r} is {recorded.probabilities[person]!r}, but the portfolio gives "
                f"{marginals[person]!r}"
            )
            break
    fixed = set(instance.must_include) | set(instance.must_exclude)
    open_values = [value for person, value in recorded.probabilities.items() if person not in fixed]
    smallest = min(open_values) if open_values else 1.0
    if not _close(recorded.min_probability, smallest, ARITHMETIC_TOLERANCE):
        problems.append(f"min_probability is {recorded.min_probability!r}, but the smallest probability is {smallest!r}")
    return problems


def _draw_problems(recorded: RecordedReport, digest: str) -> list[str]:
    problems = []
    if recorded.inputs_sha256 != digest:
        problems.append(f"inputs.sha256 is {recorded.inputs_sha256}, the files give {digest}")
    number = draw_number(recorded.seed, digest, recorded.algorithm)
    if recorded.draw_number != number:
        problems.append(f"draw.number is {recorded.draw_number!r}, the seed and files give {number!r}")
    if len(recorded.portfolio) == 0:
        return [*problems, "the portfolio is empty"]
    index = draw_index(recorded.portfolio, number)
    if recorded.draw_index != index:
        problems.append(f"draw.index is {recorded.draw_index}, the draw number picks panel {index}")
    if list(recorded.portfolio.panels[index]) != list(recorded.panel):
        problems.append("the recorded portfolio and seed give a different panel than the one recorded")
    return problems


def _rerun_problems(recorded: RecordedReport, result: SelectionOutcome) -> list[str]:
    problems = []
    if list(result.panel) != list(recorded.panel):
        problems.append("re-running the selection gives a different panel: " + ", ".join(result.panel))
    if not _close(result.min_probability, recorded.min_probability, PROBABILITY_MATCH_TOLERANCE):
        problems.append(f"minimum probability is {result.min_probability:.9f}, report says {recorded.min_probability:.9f}")
    for person, value in result.probabilities.items():
        if not _close(value, recorded.probabilities.get(person, math.inf), PROBABILITY_MATCH_TOLERANCE):
            problems.append(f"re-running gives {person!r} probability {value:.9f}, report says {recorded.probabilities.get(person)}")
            break
    if len(result.portfolio) != len(recorded.portfolio):
        problems.append(f"re-running gives a portfolio of {len(result.portfolio)} panels, report lists {len(recorded.portfolio)}")
    else:
        ours, theirs = result.portfolio, recorded.portfolio
        for number in range(len(ours)):
            if ours.panels[number] != theirs.panels[number] or not _close(
                ours.probabilities[number], theirs.probabilities[number], PROBABILITY_MATCH_TOLERANCE
            ):
                problems.append(f"re-running gives a different portfolio panel {number}")
                break
    distribution = result.distribution
    rerun_stats = {
        "iterations": distribution.iterations,
        "stages": distribution.stages,
        "panels_generated": distribution.panels_generated,
    }
    for key, value in rerun_stats.items():
        if recorded.stats[key] != value:
            problems.append(f"stats.{key} is {recorded.stats[key]}, re-running gives {value}")
    if tuple(distribution.notes) != recorded.notes:
        problems.append("re-running gives different notes: " + " / ".join(distribution.notes))
    return problems


def verify_report(
    report: Mapping[str, object],
    *,
    report_path: str = "<report>",
    report_dir: Path = Path("."),
    people_path: str | None = None,
    categories_path: str | None = None,
) -> Verification:
    """Recompute every figure of the report; ``matches`` only if all agree.

    ``EngineInputError`` if the report is malformed or the input files cannot be read.
    """
    recorded = parse_report(report, report_path)
    people = Path(people_path) if people_path else _locate(recorded.people_path, report_dir)
    categories = Path(categories_path) if categories_path else _locate(recorded.categories_path, report_dir)
    instance, people_file, categories_file = read_instance(
        people,
        categories,
        recorded.panel_size,
        id_column=recorded.id_column,
        address_columns=recorded.address_columns,
        must_include=recorded.must_include,
        must_exclude=recorded.must_exclude,
    )
    problems = []
    for name, loaded, sha256 in (
        ("people", people_file, recorded.people_sha256),
        ("categories", categories_file, recorded.categories_sha256),
    ):
        if loaded.sha256 != sha256:
            problems.append(f"{name} file {loaded.path} has SHA-256 {loaded.sha256}, report says {sha256}")
    if recorded.tolerances != tolerance_constants():
        changed = sorted(k for k in {*recorded.tolerances, *tolerance_constants()} if recorded.tolerances.get(k) != tolerance_constants().get(k))
        problems.append("solver.tolerances differ from this code's: " + ", ".join(changed))
    digest = inputs_sha256(people_file.sha256, categories_file.sha256)
    problems += _lottery_problems(recorded, instance)
    problems += _draw_problems(recorded, digest)
    try:
        result = select_panel(
            instance,
            algorithm=recorded.algorithm,
            seed=recorded.seed,
            inputs_sha256=digest,
            iteration_budget=recorded.iteration_budget,
        )
    except UnknownNameError as error:
        raise EngineInputError(report_path, None, f"field 'algorithm': {error}") from None
    except InfeasibleQuotasError:
        problems.append("re-running the selection finds the quotas infeasible")
    else:
        problems += _rerun_problems(recorded, result)
    if not problems:
        problems_or_match = [f"panel of {len(recorded.panel)} re-drawn and re-computed: every figure matches the report"]
    else:
        problems_or_match = problems
    now = environment()
    versions = ", ".join(f"{key} {recorded.environment.get(key, '?')}" for key in now)
    problems_or_match.append(f"recorded under {versions}; verified under " + ", ".join(f"{k} {v}" for k, v in now.items()))
    return Verification(not problems, problems_or_match)
