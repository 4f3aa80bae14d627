"""The engines' shared kernel: bounded numbers, the registry and atomic writes."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest

from engines.errors import EngineInputError
from engines.files import atomic_write
from engines.numbers import NumberError, json_number, money, parse_decimal, parse_int
from engines.registry import Registry, UnknownNameError


@pytest.mark.parametrize("text", ["1e2000000000", "nan", "Infinity", "0x10", "9" * 31, "1e-31", "", "1,5"])
def test_parse_decimal_refuses_what_no_file_should_carry(text: str) -> None:
    with pytest.raises(NumberError):
        parse_decimal(text)


@pytest.mark.parametrize(
    ("text", "value"), [("12", 12), ("3.50", Fraction(7, 2)), ("1e6", 10**6), ("2.5E-3", Fraction(1, 400)), (" .5 ", Fraction(1, 2))]
)
def test_parse_decimal_reads_exactly(text: str, value: Fraction) -> None:
    assert parse_decimal(text) == value


def test_parse_int_bounds() -> None:
    assert parse_int("007", maximum=10) == 7
    for text in ["-1", "11", "1.0", "9" * 40]:
        with pytest.raises(NumberError):
            parse_int(text, maximum=10)


def test_one_number_format() -> None:
    assert json_number(Fraction(6, 3)) == 2 and isinstance(json_number(Fraction(6, 3)), int)
    assert json_number(Fraction(1, 4)) == 0.25
    assert json_number(float("nan")) is None
    assert str(money(Fraction(7199999999999999, 10**12))) == "7200.00"


def test_registry_resolves_aliases_with_their_options_and_refuses_unknown_names() -> None:
    registry: Registry = Registry("test rule")

    @registry.register("plain", display_name="Plain", source="paper", options={"a": 1}, aliases={"old": {"b": 2}})
    def plain() -> None:
        """Plain rule."""

    entry, options = registry.resolve("old")
    assert entry.function is plain and options == {"a": 1, "b": 2}
    assert registry.describe()[0]["aliases"] == ["old"]
    with pytest.raises(UnknownNameError, match="known: old, plain"):
        registry.resolve("nope")
    with pytest.raises(ValueError, match="twice"):
        registry.register("plain", display_name="x", source="y")(plain)


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError("later failure")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_atomic_write_refuses_directories_missing_folders_and_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path, reason in [(tmp_path, "directory"), (tmp_path / "no" / "x", "no directory"), (fifo, "not a regular file")]:
        with pytest.raises(EngineInputError, match=reason), atomic_write(path) as handle:
            handle.write("x")
    assert fifo.exists() and not fifo.is_file()


def test_atomic_write_through_a_link_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with atomic_write(link) as handle:
        handle.write("new")
    assert link.is_symlink() and real.read_text() == "new"
