"""The PB rules' registry: :data:`PB_RULES`, and the names pabulib files use for them.

This module only creates the registry and declares the pabulib META ``rule`` values that stand
for a registered rule with options (aliases), and the one it refuses; it imports no rule. Each
rule module (``greedy``, ``mes``, ``phragmen``) registers itself with ``@PB_RULES.register`` and
its metadata (display name, source, ballot types, the options it ``accepts``), and
``voting.pb`` imports them all, so ``from voting.pb import PB_RULES`` gives the full list.

``unknown`` is refused on purpose: pabulib writes it when the city's rule is not known, and a
count must not pretend to know it.
"""

from __future__ import annotations

from collections.abc import Callable

from engines.registry import Registry

from .outcome import PBOutcome

RuleFunction = Callable[..., PBOutcome]

PB_RULES: Registry[RuleFunction] = Registry("PB rule")

# Warsaw 2024 (Bielany, Praga-Północ): the files carry no exclusivity data and their comments
# describe no extra step; greedy with skipping reproduces both official outcomes.
PB_RULES.alias("greedy-exclusive", "greedy", note="Warsaw's greedy-exclusive, counted as greedy (no exclusivity data)")
# Add1 as the MES cities counted it: raise the per-voter budget until the next step would
# overspend (Assen 2024, Świecie 2023, Wieliczka 2023 all reproduce; see voting.pb.mes).
PB_RULES.alias("equalshares/add1", "equalshares", completion="add1")
PB_RULES.alias("equalshares/add1u", "equalshares", completion="add1-utilitarian")
PB_RULES.alias("equalshares/add1-utilitarian", "equalshares", completion="add1-utilitarian")
PB_RULES.alias("equalshares/utilitarian", "equalshares", completion="utilitarian")
PB_RULES.alias("equalshares/add1-comparison", "equalshares", completion="add1", comparison=True)
PB_RULES.alias("sequential-phragmen", "phragmen")
PB_RULES.refuse("unknown", "the file's rule is 'unknown'; name one with --rule")
