"""Registry of ranked counting rules, keyed by the names used on the command line and in files.

A rule registers itself with a small decorator carrying its display name and the RCTab
``winnerElectionMode`` values it implements, so that ``tally_ranked --method`` and an RCTab
configuration file both find the same function and nothing maps names in two places.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RuleFunction = Callable[..., Any]


@dataclass(frozen=True)
class RankedRule:
    """A registered rule: its command-line name, human name and the function itself."""

    name: str
    display_name: str
    function: RuleFunction
    rctab_modes: tuple[str, ...] = ()
    multi_winner: bool = False


RULES: dict[str, RankedRule] = {}
RCTAB_MODES: dict[str, RankedRule] = {}


def register(
    name: str, display_name: str, *, rctab_modes: tuple[str, ...] = (), multi_winner: bool = False
) -> Callable[[RuleFunction], RuleFunction]:
    """Record ``function`` under ``name`` (and any RCTab modes); the function is returned unchanged."""

    def decorate(function: RuleFunction) -> RuleFunction:
        entry = RankedRule(name, display_name, function, rctab_modes, multi_winner)
        if name in RULES:
            raise ValueError(f"ranked rule {name!r} registered twice")
        RULES[name] = entry
        for mode in rctab_modes:
            RCTAB_MODES[mode] = entry
        function.display_name = display_name  # type: ignore[attr-defined]
        return function

    return decorate


def _load() -> None:
    # Importing the rule modules runs their decorators; done lazily to avoid import cycles.
    from voting.rules import condorcet, irv, stv  # noqa: F401


def get_rule(name: str) -> RankedRule:
    """The rule registered as ``name``; ``KeyError`` lists the known names."""
    _load()
    try:
        return RULES[name]
    except KeyError:
        raise KeyError(f"unknown ranked method {name!r}; known: {', '.join(sorted(RULES))}") from None


def rule_for_rctab_mode(mode: str) -> RankedRule:
    """The rule implementing an RCTab ``winnerElectionMode``."""
    _load()
    try:
        return RCTAB_MODES[mode]
    except KeyError:
        raise KeyError(f"unsupported RCTab winnerElectionMode {mode!r}") from None


def method_names() -> list[str]:
    _load()
    return sorted(RULES)
