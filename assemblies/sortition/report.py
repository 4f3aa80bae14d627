"""The selection report: everything needed to audit the draw, and ``verify`` to check it.

The report records the input files' SHA-256, the seed, the options, the whole portfolio and each
person's probability. Verification checks three things: the files are the ones recorded, the recorded
portfolio and seed give the recorded panel, and re-running the algorithm from the files gives the same
panel again.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import highspy

from . import tolerances
from .draw import draw_index, draw_number
from .formats import inputs_sha256, read_instance
from .model import Portfolio, SelectionResult
from .service import select_panel

REPORT_FORMAT = "civic-sortition-report/1"
PROBABILITY_MATCH_TOLERANCE = 1e-6


def build_report(
    result: SelectionResult,
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
    constants = {name: getattr(tolerances, name) for name in dir(tolerances) if name.isupper()}
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
        "portfolio": [
            {"probability": probability, "panel": list(panel)}
            for panel, probability in zip(distribution.portfolio.panels, distribution.portfolio.probabilities, strict=True)
        ],
        "draw": {"number": result.draw_number, "index": result.draw_index},
        "stats": {
            "iterations": distribution.iterations,
            "stages": distribution.stages,
            "panels_generated": distribution.panels_generated,
        },
        "notes": list(distribution.notes),
        "solver": {"highs": highspy.Highs().version(), "tolerances": constants},
    }


def write_report(path: str | Path, report: dict[str, object]) -> None:
    """Write the report as indented JSON, or as compact gzipped JSON when the name ends in ``.gz``.

    The portfolio lists every named panel, and certified LEXIMIN portfolios on large pools have tens
    of thousands of them (122 MB of indented JSON for 2,000 respondents choosing 200; 3.5 MB gzipped).
    The gzip header carries no file name or time, so the same report gives the same bytes.
    """
    path = Path(path)
    if path.suffix == ".gz":
        text = json.dumps(report, separators=(",", ":"), sort_keys=False) + "\n"
        with path.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as packed:
            packed.write(text.encode("utf-8"))
        return
    path.write_text(json.dumps(report, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def read_report(path: str | Path) -> dict[str, object]:
    """Read a report written by :func:`write_report` (plain or ``.gz``).

    Raises ``OSError`` or ``ValueError`` (with the reason) for a file that is missing, truncated,
    not gzip although named ``.gz``, or not a JSON object.
    """
    path = Path(path)
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as packed:
                data = packed.read()
        except EOFError as error:  # a truncated gzip stream
            raise ValueError(f"truncated gzip file ({error})") from None
        text = data.decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    report = json.loads(text)
    if not isinstance(report, dict):
        raise ValueError("the report is not a JSON object")
    return report


@dataclass
class Verification:
    matches: bool
    messages: list[str] = field(default_factory=list)


def _locate(recorded: str, report_dir: Path) -> Path:
    path = Path(recorded)
    if path.exists() or path.is_absolute():
        return path
    return report_dir / path


def verify_report(
    report: dict[str, object],
    *,
    report_dir: Path = Path("."),
    people_path: str | None = None,
    categories_path: str | None = None,
) -> Verification:
    """Re-run the draw and the selection from the report; ``matches`` only if all agree."""
    messages: list[str] = []
    if report.get("format") != REPORT_FORMAT:
        return Verification(False, [f"not a {REPORT_FORMAT} report"])
    inputs = report["inputs"]
    options = report["options"]
    assert isinstance(inputs, dict) and isinstance(options, dict)
    people = Path(people_path) if people_path else _locate(inputs["people"]["path"], report_dir)
    categories = Path(categories_path) if categories_path else _locate(inputs["categories"]["path"], report_dir)
    instance, people_file, categories_file = read_instance(
        people,
        categories,
        int(report["panel_size"]),  # type: ignore[arg-type]
        id_column=options["id_column"],
        address_columns=options["address_columns"],
        must_include=options["must_include"],
        must_exclude=options["must_exclude"],
    )
    ok = True
    for name, loaded in (("people", people_file), ("categories", categories_file)):
        if loaded.sha256 != inputs[name]["sha256"]:
            ok = False
            messages.append(f"{name} file {loaded.path} has SHA-256 {loaded.sha256}, report says {inputs[name]['sha256']}")
    digest = inputs_sha256(people_file.sha256, categories_file.sha256)
    seed, algorithm = str(report["seed"]), str(report["algorithm"])
    recorded_panel = list(report["panel"])  # type: ignore[call-overload]
    portfolio_rows = report["portfolio"]
    assert isinstance(portfolio_rows, list)
    portfolio = Portfolio(
        tuple(tuple(row["panel"]) for row in portfolio_rows), tuple(float(row["probability"]) for row in portfolio_rows)
    )
    redrawn = list(portfolio.panels[draw_index(portfolio, draw_number(seed, digest, algorithm))])
    if redrawn != recorded_panel:
        ok = False
        messages.append("the recorded portfolio and seed give a different panel than the one recorded")
    result = select_panel(
        instance,
        algorithm=algorithm,
        seed=seed,
        inputs_sha256=digest,
        iteration_budget=options.get("iteration_budget"),
    )
    if list(result.panel) != recorded_panel:
        ok = False
        messages.append("re-running the selection gives a different panel: " + ", ".join(result.panel))
    recorded_min = float(report["min_probability"])  # type: ignore[arg-type]
    if not math.isclose(result.min_probability, recorded_min, abs_tol=PROBABILITY_MATCH_TOLERANCE):
        ok = False
        messages.append(f"minimum probability is {result.min_probability:.9f}, report says {recorded_min:.9f}")
    if ok:
        messages.append(f"panel of {len(recorded_panel)} re-drawn and re-computed: matches the report")
    return Verification(ok, messages)
