"""Bounded numbers in ranked ballot files, located: a bad one is an ``EngineInputError`` naming the
file and line (``engines.numbers`` refuses NaN, infinity, ``1e2000000000`` and 20-digit counts)."""

from __future__ import annotations

from decimal import Decimal

from engines.errors import EngineInputError
from engines.numbers import NumberError, parse_decimal, parse_int

MAX_CANDIDATES = 10_000
"""More candidates than any ballot paper has had; a bigger number is a typo or a corrupt file."""
MAX_RANK = 10_000
"""Highest rank number a ballot may carry."""


def located_int(
    token: str, what: str, path: str, line: int | None, *, minimum: int | None = 0, maximum: int | None = None
) -> int:
    """``token`` as a whole number in ``[minimum, maximum]``, or the located error."""
    try:
        return parse_int(token, what=what, minimum=minimum, maximum=maximum)
    except NumberError as error:
        raise EngineInputError(path, line, str(error)) from None


def located_weight(token: str, path: str, line: int | None) -> int | Decimal:
    """A positive ballot weight, exact: ``int`` when whole, else the ``Decimal`` written."""
    try:
        value = parse_decimal(token, what="ballot weight")
    except NumberError as error:
        raise EngineInputError(path, line, str(error)) from None
    if value <= 0:
        raise EngineInputError(path, line, f"ballot weight must be positive, got {token.strip()}")
    return value.numerator if value.denominator == 1 else Decimal(token.strip())
