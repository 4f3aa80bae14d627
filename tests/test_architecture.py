"""The architecture, checked by reading the source (static AST, function-level imports included).

- Engines (pure Python) import nothing from Django.
- A registry module and the rule modules that register into it never import each other.
- No two Django apps import each other; apps use only the kernel modules of the project package.
- No runtime module imports a test oracle (they are GPL or test-only; tests/ and benchmarks/ may).

Packages that do not exist yet (``voting/pb``, ``voting/ranked``) are checked once they appear.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT

ENGINE_PACKAGES = [
    "engines", "voting/pb", "voting/ranked", "voting/rules", "voting/formats", "assemblies/sortition",
]
PROJECT_PACKAGE = "civic"
# The project package's modules that apps may use: the shared kernel, not the wiring.
PROJECT_KERNEL = {"civic.events", "civic.rows", "civic.wsjson"}
ORACLES = {"pabutools", "sortition_algorithms", "pref_voting", "pyrankvote", "abcvoting"}
NOT_RUNTIME = {"tests", "benchmarks"}
SKIP_DIRS = {".venv", "node_modules", "__pycache__", "staticfiles", ".git"}


def _python_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(REPO_ROOT).parts)
        if not parts & SKIP_DIRS and not any(part.startswith(".") for part in path.relative_to(REPO_ROOT).parts):
            yield path


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in _python_files(REPO_ROOT)}


@cache
def imports_of(module: str) -> frozenset[str]:
    """Every module name ``module`` imports anywhere in its body (absolute, as written or resolved).

    ``from a.b import c`` yields ``a.b.c`` when that is a module of ours, else ``a.b``.
    """
    path = _modules()[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in _modules() else base)
    return frozenset(found)


def _top(name: str) -> str:
    return name.split(".")[0]


def _in_package(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _modules_under(package: str) -> list[str]:
    dotted = package.replace("/", ".")
    return sorted(name for name in _modules() if _in_package(name, dotted))


def _local_apps() -> list[str]:
    from django.conf import settings

    return [app for app in settings.INSTALLED_APPS if "." not in app and (REPO_ROOT / app).is_dir()]


# --- Engines -----------------------------------------------------------------------------------

def test_no_engine_module_imports_django():
    offenders = [
        f"{module} imports {name}"
        for package in ENGINE_PACKAGES
        for module in _modules_under(package)
        for name in imports_of(module)
        if _top(name) == "django" or _top(name) in {"channels", "allauth", "daphne"}
    ]
    assert len(_modules_under("engines")) >= 5
    assert not offenders, "\n".join(offenders)


def _registries() -> list[str]:
    return [
        module
        for package in ENGINE_PACKAGES
        for module in _modules_under(package)
        if module.rpartition(".")[2] == "registry"
    ]


def _reachable(start: str, within: str) -> set[str]:
    """Modules of ``within`` (a top-level package) reachable from ``start`` through imports."""
    seen: set[str] = set()
    stack = [start]
    while stack:
        for name in imports_of(stack.pop()):
            if _top(name) == within and name in _modules() and name not in seen:
                seen.add(name)
                stack.append(name)
    return seen


def test_registry_modules_are_found():
    assert "engines.registry" in _registries()


@pytest.mark.parametrize("registry", _registries())
def test_registry_and_rule_modules_do_not_import_each_other(registry):
    """A registry only creates the Registry; rules import it and register (never the other way)."""
    cycles = sorted(
        module for module in _reachable(registry, _top(registry)) if registry in _reachable(module, _top(registry))
    )
    assert not cycles, f"{registry} and {', '.join(cycles)} import each other"


# --- Django apps ----------------------------------------------------------------------------------

def _app_imports() -> dict[str, set[str]]:
    """app -> the other local apps (and project modules) its non-migration modules import."""
    apps = _local_apps()
    graph: dict[str, set[str]] = {}
    for app in apps:
        targets: set[str] = set()
        for module in _modules_under(app):
            if ".migrations" in module:
                continue
            for name in imports_of(module):
                if _top(name) in apps and _top(name) != app:
                    targets.add(name)
        graph[app] = targets
    return graph


def test_local_apps_are_found():
    apps = _local_apps()
    assert {"accounts", "councils", "audit", PROJECT_PACKAGE} <= set(apps)


def test_no_two_apps_import_each_other():
    graph = {app: {_top(name) for name in names} for app, names in _app_imports().items()}
    graph.pop(PROJECT_PACKAGE, None)  # the project package composes the apps (checked below)
    cycles = []
    for app, targets in graph.items():
        for target in targets - {PROJECT_PACKAGE}:
            # A cycle through any number of apps: does target reach app again?
            seen, stack = set(), [target]
            while stack:
                current = stack.pop()
                for following in graph.get(current, set()) - {PROJECT_PACKAGE}:
                    if following == app:
                        cycles.append(f"{app} -> {target} -> ... -> {app}")
                    elif following not in seen:
                        seen.add(following)
                        stack.append(following)
    assert not cycles, "\n".join(sorted(set(cycles)))


def test_apps_use_only_the_kernel_of_the_project_package():
    """civic/ wires the apps together; apps may use its shared kernel (events, rows, wsjson), not its wiring."""
    offenders = [
        f"{app} imports {name}"
        for app, names in _app_imports().items()
        if app != PROJECT_PACKAGE
        for name in names
        if _top(name) == PROJECT_PACKAGE and name not in PROJECT_KERNEL
    ]
    assert not offenders, "\n".join(offenders)


# --- Test oracles ----------------------------------------------------------------------------------

def test_no_runtime_module_imports_a_test_oracle():
    runtime = [name for name in _modules() if _top(name) not in NOT_RUNTIME]
    assert "civic.settings" in runtime and "engines.registry" in runtime
    offenders = [
        f"{module} imports {name}" for module in runtime for name in imports_of(module) if _top(name) in ORACLES
    ]
    assert not offenders, "\n".join(offenders)


def test_the_import_reader_sees_function_level_and_relative_imports():
    """Guard against a reader that would let everything pass: known imports are found."""
    assert "councils.services" in imports_of("civic.views")
    assert "accounts.permissions" in imports_of("accounts.services")  # relative: from .permissions import
    assert "accounts.demo" in imports_of("civic.management.commands.demo_data")
    assert "audit.database" in imports_of("audit.apps")  # inside ready()
