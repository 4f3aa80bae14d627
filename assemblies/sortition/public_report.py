"""The public selection report: what anyone may check with their own tools, with no personal data.

The report holds the pool as random ids with their quota answers (nothing else about a person), the
quotas, the panel size, the algorithm, the seed, the lottery (every panel with its probability),
each respondent's probability, the drawn ids and SHA-256 digests of the private input files.

The draw is reproducible from the report alone: its random number comes from the seed and
``public_inputs_sha256`` (a digest of pool, quotas and panel size in canonical JSON), so
:func:`verify_public_report` needs nothing but the report. It checks that

1. every panel of the lottery has ``panel_size`` distinct people from the pool and meets every quota,
   and the probabilities form a distribution whose marginals are the published ``probabilities``;
2. re-running the algorithm on the pool and quotas gives the same probabilities;
3. re-running the seeded draw on the published lottery and on the re-computed one gives ``drawn``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engines.errors import EngineInputError
from engines.files import read_json_object

from .draw import draw_index, draw_number
from .errors import InfeasibleQuotasError
from .model import Instance, Person, Portfolio, Quota
from .outcome import SelectionOutcome
from .registry import ALGORITHMS
from .service import select_panel

PUBLIC_REPORT_FORMAT = "civic-public-selection-report/1"
PROBABILITY_TOLERANCE = 1e-6


def public_inputs_sha256(instance: Instance) -> str:
    """SHA-256 of the canonical JSON of the pool (ids, features), the quotas and the panel size."""
    content = {
        "pool": [{"id": p.id, "features": {c: p.features[c] for c in instance.categories}} for p in instance.people],
        "quotas": [{"category": q.category, "value": q.value, "min": q.min, "max": q.max} for q in instance.quotas],
        "panel_size": instance.panel_size,
    }
    text = json.dumps(content, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def build_public_report(
    instance: Instance,
    result: SelectionOutcome,
    *,
    private_inputs_sha256: Mapping[str, str],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The report of a run made with ``inputs_sha256=public_inputs_sha256(instance)``."""
    portfolio = result.distribution.portfolio
    return {
        "format": PUBLIC_REPORT_FORMAT,
        "pool": [{"id": p.id, "features": {c: p.features[c] for c in instance.categories}} for p in instance.people],
        "quotas": [{"category": q.category, "value": q.value, "min": q.min, "max": q.max} for q in instance.quotas],
        "panel_size": instance.panel_size,
        "algorithm": result.rule,
        "seed": result.seed,
        "public_inputs_sha256": result.inputs_sha256,
        "panels": [
            {"members": list(panel), "probability": probability}
            for panel, probability in zip(portfolio.panels, portfolio.probabilities, strict=True)
        ],
        "probabilities": dict(result.distribution.probabilities),
        "drawn": list(result.panel),
        "draw": {"number": result.draw_number, "index": result.draw_index},
        "private_inputs_sha256": dict(private_inputs_sha256),
        **(dict(extra) if extra else {}),
    }


@dataclass
class PublicVerification:
    matches: bool
    messages: list[str] = field(default_factory=list)


class MalformedReport(ValueError):
    """The report lacks a key or has a value of the wrong shape (named in the message)."""


def _instance(report: Mapping[str, Any]) -> Instance:
    try:
        quotas = tuple(
            Quota(str(q["category"]), str(q["value"]), int(q["min"]), int(q["max"])) for q in report["quotas"]
        )
        categories = tuple(dict.fromkeys(q.category for q in quotas))
        people = []
        for row in report["pool"]:
            features = row["features"]
            if not isinstance(features, dict) or set(features) != set(categories):
                raise MalformedReport(f"pool entry {row.get('id')!r}: features must name exactly the quota categories")
            people.append(Person(str(row["id"]), {c: str(features[c]) for c in categories}))
        panel_size = int(report["panel_size"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        if isinstance(error, MalformedReport):
            raise
        raise MalformedReport(f"pool, quotas or panel_size malformed ({error!r})") from None
    if len({p.id for p in people}) != len(people):
        raise MalformedReport("pool ids are not unique")
    return Instance(tuple(people), quotas, panel_size)


def _panel_problems(panel: list[str], instance: Instance, features: Mapping[str, Mapping[str, str]]) -> list[str]:
    problems = []
    if len(panel) != instance.panel_size or len(set(panel)) != len(panel):
        problems.append(f"has {len(set(panel))} distinct members, not {instance.panel_size}")
    unknown = [m for m in panel if m not in features]
    if unknown:
        return problems + [f"names people not in the pool: {', '.join(unknown[:5])}"]
    for quota in instance.quotas:
        count = sum(1 for m in panel if features[m][quota.category] == quota.value)
        if not quota.min <= count <= quota.max:
            problems.append(f"has {count} {quota.category}/{quota.value}, quota {quota.min}-{quota.max}")
    return problems


def read_public_report(path: str) -> dict[str, Any]:
    """Read a public report file; ``EngineInputError`` if it is unreadable or not a JSON object."""
    return read_json_object(path)


def verify_public_report(report: Mapping[str, Any], *, name: str | None = None) -> PublicVerification:
    """Check the report from its own content; ``matches`` only if every check agrees.

    A missing or malformed key raises :class:`MalformedReport`, or ``EngineInputError`` naming the
    file when ``name`` is given.
    """
    try:
        return _verify(report)
    except MalformedReport as error:
        if name is None:
            raise
        raise EngineInputError(name, None, str(error)) from None


def _verify(report: Mapping[str, Any]) -> PublicVerification:
    if report.get("format") != PUBLIC_REPORT_FORMAT:
        raise MalformedReport(f"not a {PUBLIC_REPORT_FORMAT} report")
    instance = _instance(report)
    try:
        algorithm, seed = str(report["algorithm"]), str(report["seed"])
        rows = list(report["panels"])
        panels = [[str(m) for m in row["members"]] for row in rows]
        weights = [float(row["probability"]) for row in rows]
        published = {str(k): float(v) for k, v in dict(report["probabilities"]).items()}
        drawn = [str(m) for m in report["drawn"]]
    except (KeyError, TypeError, ValueError) as error:
        raise MalformedReport(f"algorithm, seed, panels, probabilities or drawn malformed ({error!r})") from None
    if algorithm not in ALGORITHMS:
        raise MalformedReport(f"unknown algorithm {algorithm!r}; known: {', '.join(ALGORITHMS.keys())}")
    ok, messages = True, []

    def fail(message: str) -> None:
        nonlocal ok
        ok = False
        messages.append(message)

    features = {p.id: p.features for p in instance.people}
    for number, panel in enumerate(panels, start=1):
        for problem in _panel_problems(panel, instance, features):
            fail(f"panel {number} of the lottery {problem}")
    if not panels or any(w < -PROBABILITY_TOLERANCE for w in weights) or not math.isclose(sum(weights), 1.0, abs_tol=1e-6):
        fail("the lottery's probabilities are not a probability distribution")
    marginals = dict.fromkeys(features, 0.0)
    for panel, weight in zip(panels, weights, strict=True):
        for member in set(panel) & marginals.keys():
            marginals[member] += weight
    if set(published) != set(features):
        fail("probabilities do not list exactly the people in the pool")
    elif any(abs(marginals[p] - published[p]) > PROBABILITY_TOLERANCE for p in features):
        fail("the published probabilities are not the lottery's marginals")
    for problem in _panel_problems(drawn, instance, features):
        fail(f"the drawn panel {problem}")

    digest = public_inputs_sha256(instance)
    portfolio = Portfolio(tuple(tuple(p) for p in panels), tuple(weights))
    if panels and sorted(panels[draw_index(portfolio, draw_number(seed, digest, algorithm))]) != sorted(drawn):
        fail("the seeded draw on the published lottery gives a different panel than the drawn ids")
    try:
        rerun = select_panel(instance, algorithm=algorithm, seed=seed, inputs_sha256=digest)
    except InfeasibleQuotasError as error:
        fail(f"no panel meets the published quotas: {error}")
        return PublicVerification(ok, messages)
    recomputed = rerun.distribution.probabilities
    differing = [p for p in features if abs(recomputed.get(p, 0.0) - published.get(p, -1.0)) > PROBABILITY_TOLERANCE]
    if differing:
        fail(f"re-computed probabilities differ for {len(differing)} people (e.g. {differing[0]})")
    if sorted(rerun.panel) != sorted(drawn):
        fail("re-running the seeded selection draws a different panel than the drawn ids")
    if ok:
        messages.append(
            f"{len(panels)} panels meet the quotas; probabilities of {len(features)} people re-computed; "
            f"the seeded draw gives the {len(drawn)} drawn ids"
        )
    return PublicVerification(ok, messages)
