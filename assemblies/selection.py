"""The one place the web side calls the sortition engine; only this file follows its API.

Everything going in is plain data (random public ids, quota answers, quotas); everything coming out
is plain data (the drawn ids, each person's probability, the public report, or a diagnosis).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from assemblies.sortition.errors import InfeasibleQuotasError
from assemblies.sortition.model import Instance, Person, Progress, Quota
from assemblies.sortition.public_report import build_public_report, public_inputs_sha256, verify_public_report
from assemblies.sortition.registry import ALGORITHMS, DEFAULT_ALGORITHM
from assemblies.sortition.service import select_panel  # also fills the registry

QuotaRow = tuple[str, str, int, int]


@dataclass
class Selection:
    """What a run produced: a panel and its report, or a diagnosis and no panel."""

    drawn: list[str] = field(default_factory=list)
    probabilities: dict[str, float] = field(default_factory=dict)
    report: dict[str, Any] | None = None
    diagnosis: dict[str, Any] | None = None
    diagnosis_text: str = ""


def algorithm_choices() -> list[tuple[str, str]]:
    return [(entry.key, entry.display_name) for entry in ALGORITHMS.entries()]


def default_algorithm() -> str:
    return DEFAULT_ALGORITHM


def _instance(
    pool: Sequence[tuple[str, Mapping[str, str]]], quotas: Sequence[QuotaRow], panel_size: int,
    must_include: Sequence[str] = (), must_exclude: Sequence[str] = (),
) -> Instance:
    return Instance(
        people=tuple(Person(pid, dict(features)) for pid, features in pool),
        quotas=tuple(Quota(c, v, lo, hi) for c, v, lo, hi in quotas),
        panel_size=panel_size,
        must_include=tuple(must_include),
        must_exclude=tuple(must_exclude),
    )


def run_selection(
    pool: Sequence[tuple[str, Mapping[str, str]]],
    quotas: Sequence[QuotaRow],
    panel_size: int,
    *,
    algorithm: str,
    seed: str,
    private_inputs_sha256: Mapping[str, str],
    progress: Callable[[float, str], None] | None = None,
    must_include: Sequence[str] = (),
    must_exclude: Sequence[str] = (),
) -> Selection:
    """Select a panel; with ``must_include``/``must_exclude`` this is a replacement run."""
    instance = _instance(pool, quotas, panel_size, must_include, must_exclude)

    def report_progress(step: Progress) -> None:
        if progress is None:
            return
        gap = step.upper_bound - step.lower_bound
        fraction = 0.0 if step.upper_bound <= 0 else max(0.0, min(0.95, 1.0 - gap / max(step.upper_bound, 1e-9)))
        progress(fraction, step.message or f"{step.algorithm}: stage {step.stage}, {step.panels} panels")

    public_digest = public_inputs_sha256(_instance(pool, quotas, panel_size))
    try:
        result = select_panel(instance, algorithm=algorithm, seed=seed, inputs_sha256=public_digest,
                              progress=report_progress)
    except InfeasibleQuotasError as error:
        diagnosis = error.diagnosis
        as_dict = diagnosis.as_dict() if hasattr(diagnosis, "as_dict") else {"problems": [str(diagnosis)]}
        return Selection(diagnosis=as_dict, diagnosis_text=str(diagnosis))
    report = None
    if not must_include and not must_exclude:
        report = build_public_report(instance, result, private_inputs_sha256=private_inputs_sha256)
    return Selection(drawn=list(result.panel), probabilities=dict(result.distribution.probabilities), report=report)


def verify_report(report: Mapping[str, Any]) -> tuple[bool, list[str]]:
    outcome = verify_public_report(report)
    return outcome.matches, outcome.messages
