"""Locate ``../shared/data`` (beside the project root). Tests read reference data from there.

When CI is set and the data is missing the test fails (it must not silently skip);
on a developer machine without the data it skips with a message.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("CIVIC_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


def shared_path(*parts: str) -> Path:
    """Return the path under shared/data, failing (CI) or skipping (local) if it is missing."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"shared reference data missing: {path}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path
