"""Fair stratified random selection of citizens' assembly panels (sortition). Pure Python, no Django.

Flanigan, Gölz, Gupta, Hennig & Procaccia, "Fair algorithms for selecting citizens' assemblies",
Nature 596 (2021): compute a distribution over quota-satisfying panels that is as fair as the quotas
allow (LEXIMIN by default; maximin, Nash welfare, and the LEGACY greedy method for comparison), then
draw one panel from it with a published seed. Entry points live in ``service`` (``select_panel``,
``select_replacements``); files in ``formats``; the audit report and ``verify`` in ``report``; the
algorithms by name in ``registry.ALGORITHMS`` (filled by importing ``algorithms``, as this package does).
"""

from . import algorithms  # noqa: F401  (registers every algorithm)
