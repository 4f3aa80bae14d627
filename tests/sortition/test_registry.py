"""The sortition algorithms come from one registry: the registry module imports no algorithm, each
algorithm module registers itself, and what it declares is what the service uses."""

from __future__ import annotations

import ast

from assemblies.sortition import leximin, maximin, nash, sf_legacy_greedy
from assemblies.sortition.registry import ALGORITHMS, DEFAULT_ALGORITHM
from tests.shared_data import REPO_ROOT

PACKAGE = REPO_ROOT / "assemblies" / "sortition"
ALGORITHM_MODULES = {"leximin", "maximin", "nash", "sf_legacy_greedy"}


def imported_modules(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            names.add((node.module or "").split(".")[-1])
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[-1] for alias in node.names)
    return names


def test_the_registry_module_imports_no_algorithm():
    assert imported_modules(PACKAGE / "registry.py") & ALGORITHM_MODULES == set()


def test_every_algorithm_module_registers_itself_with_a_source():
    functions = {entry.function for entry in ALGORITHMS}
    assert functions == {maximin.maximin, leximin.leximin, nash.nash, sf_legacy_greedy.legacy}
    assert DEFAULT_ALGORITHM in ALGORITHMS
    for entry in ALGORITHMS:
        assert entry.source.startswith("Flanigan") and entry.display_name
        assert set(entry.metadata) == {"samples", "iteration_budget"}
    assert [e.key for e in ALGORITHMS if e.metadata["samples"]] == ["legacy"]


def test_no_module_picks_an_algorithm_by_name():
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for key in ALGORITHMS.keys():
            assert f'== "{key}"' not in text and f'is {key}' not in text, path.name
