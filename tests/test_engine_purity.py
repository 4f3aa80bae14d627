"""The counting and selection engines import nothing from Django.

They are meant to be reusable and checkable by anyone with plain Python, so a
Django import creeping in would be an architectural regression.
"""

from __future__ import annotations

import subprocess
import sys

from tests.shared_data import REPO_ROOT

# Packages that do not exist (yet, or any more) are skipped; tests/test_architecture.py reads the
# same packages statically.
PURE_PACKAGES = ["engines", "voting/pb", "voting/ranked", "voting/rules", "voting/formats", "assemblies/sortition"]


def test_engine_packages_import_without_django():
    modules = []
    for package in PURE_PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            dotted = ".".join(path.relative_to(REPO_ROOT).with_suffix("").parts)
            modules.append(dotted.removesuffix(".__init__"))
    assert len(modules) > 10
    probe = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"Django imported by the engines: {result.stdout}"
