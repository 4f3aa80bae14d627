"""Bounded number parsing and the one number-formatting helper of the engines' JSON.

Parsing: input files are written by people and spreadsheets, so numbers are read as plain decimals
with a bounded number of digits. ``Fraction("1e2000000000")`` or ``int("9" * 10**6)`` would spend
minutes building a number no budget has; ``float("nan")`` would poison every comparison. Every
reader goes through :func:`parse_decimal` / :func:`parse_int`, which refuse those with a reason.

Formatting: :func:`json_number` is how every outcome writes a number: integers stay integers,
exact fractions become floats (the JSON keys of the commands have always been numbers), and
:func:`money` rounds an amount to the currency's minor unit where an amount is *published*.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

MAX_DIGITS = 30
"""Digits before and after the point: 10**30 is far beyond any budget, ballot count or weight."""
MAX_EXPONENT = 30
"""``1e6`` and ``2.5E-3`` are accepted (spreadsheets write them); ``1e2000000000`` is not."""

_DECIMAL = re.compile(
    r"\s*(?P<sign>[+-]?)(?P<int>\d*)(?:\.(?P<frac>\d*))?(?:[eE](?P<exp>[+-]?\d+))?\s*\Z"
)


class NumberError(ValueError):
    """A number a reader refuses; readers turn it into an ``EngineInputError`` with the location."""


def parse_decimal(text: str, *, what: str = "number", allow_negative: bool = False) -> Fraction:
    """Read a decimal (``12``, ``-3.50``, ``1e6``) exactly, within :data:`MAX_DIGITS` and
    :data:`MAX_EXPONENT`; ``NumberError`` naming ``what`` otherwise (NaN, infinity, hex, huge)."""
    match = _DECIMAL.match(text) if len(text) <= 4 * MAX_DIGITS else None
    if match is None or not (match["int"] or match["frac"]):
        raise NumberError(f"{what} {_show(text)} is not a number")
    integer, fraction = match["int"] or "", match["frac"] or ""
    if len(integer.lstrip("0")) > MAX_DIGITS or len(fraction) > MAX_DIGITS:
        raise NumberError(f"{what} {_show(text)} has more than {MAX_DIGITS} digits")
    exponent = 0
    if match["exp"] is not None:
        digits = match["exp"].lstrip("+-").lstrip("0")
        if len(digits) > 3 or int(match["exp"]) > MAX_EXPONENT or int(match["exp"]) < -MAX_EXPONENT:
            raise NumberError(f"{what} {_show(text)} has an exponent beyond ±{MAX_EXPONENT}")
        exponent = int(match["exp"])
    value = Fraction(int(integer or "0") * 10 ** len(fraction) + int(fraction or "0"), 10 ** len(fraction))
    value *= Fraction(10) ** exponent
    if value and len(str(value.numerator)) > 2 * MAX_DIGITS + MAX_EXPONENT:
        raise NumberError(f"{what} {_show(text)} is too large")
    if match["sign"] == "-":
        value = -value
    if value < 0 and not allow_negative:
        raise NumberError(f"{what} {_show(text)} is negative")
    return value


def parse_int(text: str, *, what: str = "number", minimum: int | None = 0, maximum: int | None = None) -> int:
    """Read a whole number of at most :data:`MAX_DIGITS` digits within ``[minimum, maximum]``."""
    stripped = text.strip()
    digits = stripped.lstrip("+-")
    if not digits.isascii() or not digits.isdigit() or stripped[:1] not in "+-0123456789":
        raise NumberError(f"{what} {_show(text)} is not a whole number")
    if len(digits.lstrip("0")) > MAX_DIGITS:
        raise NumberError(f"{what} {_show(text)} has more than {MAX_DIGITS} digits")
    value = int(stripped)
    if minimum is not None and value < minimum:
        raise NumberError(f"{what} {_show(text)} is below {minimum}")
    if maximum is not None and value > maximum:
        raise NumberError(f"{what} {_show(text)} is above {maximum}")
    return value


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def json_number(value: Any) -> Any:
    """The one way an engine writes a number to JSON.

    ``int`` stays ``int``; an integral ``Fraction``/``Decimal``/float becomes ``int``; any other
    exact value becomes the nearest float; non-finite floats become ``None`` (JSON has no NaN);
    NumPy scalars are unwrapped. Anything else is returned unchanged.
    """
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if hasattr(value, "item") and not isinstance(value, str):  # NumPy scalar
        return json_number(value.item())
    return value


def jsonable(value: Any) -> Any:
    """``value`` with every number passed through :func:`json_number`, tuples as lists, keys as str."""
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, str):
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return json_number(value)


def exact(value: Fraction | int) -> str:
    """An exact rational as text (``"7/3"``, ``"12"``): kept beside a rounded figure where a
    published number must be reproducible to the last digit."""
    fraction = Fraction(value)
    return str(fraction.numerator) if fraction.denominator == 1 else f"{fraction.numerator}/{fraction.denominator}"


def money(value: Fraction | int | float | Decimal, minor_unit_places: int = 2) -> Decimal:
    """An amount as published: rounded half-even to the currency's minor unit (cents by default).

    Only for display and published files; counts compare exact values."""
    quantum = Decimal(1).scaleb(-minor_unit_places)
    if isinstance(value, Fraction):
        exact_value = Decimal(value.numerator) / Decimal(value.denominator)
    else:
        exact_value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return exact_value.quantize(quantum, rounding=ROUND_HALF_EVEN)
