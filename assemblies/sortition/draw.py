"""The public, reproducible draw of one panel from a portfolio.

The randomness is a SHA-256 digest of a published seed (e.g. lottery numbers or a dice roll announced
after the pool closed), the SHA-256 of the input files and the algorithm name. Its first 8 bytes, read
as a big-endian integer and divided by 2**64, give a number u in [0, 1). The panels are in canonical
order (by their members' positions in the people file) and the drawn panel is the first whose
cumulative probability exceeds u. Nothing depends on hash ordering, the platform's RNG or library
versions, so anyone with the files and the seed can recompute the panel by hand.

LEGACY's sampling runs also need random numbers; they come from NumPy's PCG64 seeded with a digest of
the same inputs under a different label.
"""

from __future__ import annotations

import hashlib

import numpy as np

from .model import Portfolio

DRAW_DOMAIN = "civic-sortition-draw-v1"


def seed_digest(seed: str, inputs_sha256: str, algorithm: str, purpose: str = "draw") -> bytes:
    text = f"{DRAW_DOMAIN}\npurpose {purpose}\nseed {seed}\ninputs {inputs_sha256}\nalgorithm {algorithm}\n"
    return hashlib.sha256(text.encode("utf-8")).digest()


def draw_number(seed: str, inputs_sha256: str, algorithm: str) -> float:
    """u in [0, 1) from the seed and the inputs' digest (53 significant bits, exact in a float)."""
    digest = seed_digest(seed, inputs_sha256, algorithm)
    return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)


def draw_index(portfolio: Portfolio, number: float) -> int:
    """Index of the panel whose cumulative-probability interval contains ``number``."""
    cumulative = 0.0
    for index, probability in enumerate(portfolio.probabilities):
        cumulative += probability
        if number < cumulative:
            return index
    return len(portfolio.probabilities) - 1


def sampling_generator(seed: str, inputs_sha256: str, algorithm: str) -> np.random.Generator:
    """A PCG64 generator for algorithms that sample (LEGACY), derived from the same published inputs."""
    digest = seed_digest(seed, inputs_sha256, algorithm, purpose="sampling")
    return np.random.Generator(np.random.PCG64(int.from_bytes(digest, "big")))
