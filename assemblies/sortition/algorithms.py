"""Imports every selection algorithm so that each registers itself in ``registry.ALGORITHMS``."""

from __future__ import annotations

from . import leximin, maximin, nash, sf_legacy_greedy
from .registry import ALGORITHMS, DEFAULT_ALGORITHM

__all__ = ["ALGORITHMS", "DEFAULT_ALGORITHM", "leximin", "maximin", "nash", "sf_legacy_greedy"]
