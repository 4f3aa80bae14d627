"""Which function counts which rule: names from pabulib META and from ``tally_pb --rule``.

Rules register themselves with :func:`pb_rule`, which records a display name and a one-line
source; :data:`PABULIB_RULES` maps every ``rule`` value pabulib uses in META to a registered rule
and the options that reading implies. ``unknown`` is mapped to nothing on purpose: pabulib writes
it when the city's rule is not known, and a count must not pretend to know it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voting.rules.pb import Instance, PBError, Profile, Result

RuleFunction = Callable[..., Result]


@dataclass(frozen=True)
class RuleSpec:
    key: str
    display_name: str
    function: RuleFunction
    source: str
    options: dict[str, Any] = field(default_factory=dict)


_RULES: dict[str, RuleSpec] = {}


def pb_rule(key: str, display_name: str, source: str, **options: Any) -> Callable[[RuleFunction], RuleFunction]:
    """Register ``function`` under ``key`` (the name used by ``--rule``) with fixed ``options``."""

    def register(function: RuleFunction) -> RuleFunction:
        _RULES[key] = RuleSpec(key, display_name, function, source, dict(options))
        return function

    return register


def rules() -> dict[str, RuleSpec]:
    """All registered rules (importing the rule modules registers them)."""
    from voting.rules import greedy, mes, phragmen  # noqa: F401  (import for registration)

    return dict(_RULES)


PABULIB_RULES: dict[str, tuple[str, dict[str, Any]]] = {
    "greedy": ("greedy", {}),
    "greedy-no-skip": ("greedy-no-skip", {}),
    "greedy-threshold": ("greedy-threshold", {}),
    # Poznań's rule (file comment): greedy until the first project that does not fit, then that
    # project too if the money left covers at least 80 % of it (the rest from a reserve).
    "greedy-custom": ("greedy-custom", {}),
    # Warsaw 2024 (Bielany, Praga-Północ): the files carry no exclusivity data and their comments
    # describe no extra step; greedy with skipping reproduces both official outcomes.
    "greedy-exclusive": ("greedy", {}),
    "equalshares": ("equalshares", {"completion": "none"}),
    # Add1 as the MES cities counted it: raise the per-voter budget until the next step would
    # overspend (Assen 2024, Świecie 2023, Wieliczka 2023 all reproduce; see voting.rules.mes).
    "equalshares/add1": ("equalshares", {"completion": "add1"}),
    "equalshares/add1u": ("equalshares", {"completion": "add1-utilitarian"}),
    "equalshares/add1-utilitarian": ("equalshares", {"completion": "add1-utilitarian"}),
    "equalshares/utilitarian": ("equalshares", {"completion": "utilitarian"}),
    "equalshares/add1-comparison": ("equalshares", {"completion": "add1", "comparison": True}),
    "phragmen": ("phragmen", {}),
    "sequential-phragmen": ("phragmen", {}),
}
"""META ``rule`` value -> (registered rule, options). ``unknown`` is deliberately absent."""


def resolve(name: str) -> tuple[RuleSpec, dict[str, Any]]:
    """Find a rule by registered key or pabulib META name; ``PBError`` for ``unknown`` and typos."""
    registry = rules()
    if name in registry:
        spec = registry[name]
        return spec, dict(spec.options)
    if name in PABULIB_RULES:
        key, options = PABULIB_RULES[name]
        spec = registry[key]
        return spec, {**spec.options, **options}
    if name == "unknown":
        raise PBError("the file's rule is 'unknown'; name one with --rule")
    known = sorted(set(registry) | set(PABULIB_RULES))
    raise PBError(f"unknown rule {name!r} (known: {', '.join(known)})")


def accepted_options(spec: RuleSpec) -> set[str]:
    """Keyword options the rule's function takes (``--completion`` only makes sense for MES)."""
    parameters = inspect.signature(spec.function).parameters.values()
    return {p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY}


def count(name: str, instance: Instance, profile: Profile, **options: Any) -> Result:
    """Run the rule called ``name`` (registered key or META value) with ``options`` on top of its own.

    ``None`` options are dropped; an option the rule does not take is an error, not ignored.
    """
    spec, implied = resolve(name)
    given = {k: v for k, v in options.items() if v is not None}
    unknown = set(given) - accepted_options(spec)
    if unknown:
        raise PBError(f"rule {spec.key} takes no option {', '.join(sorted(unknown))}")
    result = spec.function(instance, profile, **{**implied, **given})
    if name != spec.key:
        result.details["declared_rule"] = name
    return result
