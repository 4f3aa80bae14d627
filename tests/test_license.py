"""civic is AGPL-3.0-or-later: the full licence text ships with the code and the metadata says so."""

from __future__ import annotations

import tomllib

from tests.shared_data import REPO_ROOT


def test_license_file_is_the_full_agpl_3_text():
    text = (REPO_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("GNU AFFERO GENERAL PUBLIC LICENSE\nVersion 3, 19 November 2007\n")
    for heading in ("0. Definitions.", "13. Remote Network Interaction; Use with the GNU General Public License.",
                    "17. Interpretation of Sections 15 and 16.", "END OF TERMS AND CONDITIONS"):
        assert heading in text
    assert len(text) > 30_000


def test_pyproject_declares_agpl_3_or_later():
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
