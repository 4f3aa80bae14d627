"""Format detection for uploads and ``tally_ranked``: by name and first bytes, never a guess."""

from __future__ import annotations

import pytest

from engines.errors import EngineInputError
from tests.shared_data import shared_path
from voting.formats import ballot_export, blt, detect
from voting.formats.ranked_scot import read_scot_csv


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        (("scotland", "4_cands", "aberdeen_2017_ward11.csv"), detect.SCOT_CSV),
        (("rctab", "generic_csv_test", "generic_csv_test_cvr.csv"), detect.GENERIC_CSV),
        (("rctab", "generic_csv_test", "generic_csv_test_config.json"), detect.RCTAB_CONFIG),
        (("rctab", "test_set_1_exhaust_at_overvote", "test_set_1_exhaust_at_overvote_cvr.json"), detect.CDF_JSON),
        (("rctab", "nist_xml_cdf_2", "nist_xml_cdf_2.xml"), detect.CDF_XML),
    ],
)
def test_shared_files_are_recognised(parts, expected):
    assert detect.detect_file(shared_path("ranked", *parts)) == expected


def test_blt_and_ballot_export_are_recognised_even_without_their_extension(tmp_path):
    profile = read_scot_csv(shared_path("ranked", "scotland", "4_cands", "aberdeen_2017_ward11.csv"))
    (tmp_path / "ward.txt").write_text(blt.write_blt(profile))
    (tmp_path / "ward.data").write_text(ballot_export.dumps(profile))
    assert detect.detect_file(tmp_path / "ward.txt") == detect.BLT
    assert detect.detect_file(tmp_path / "ward.data") == detect.BALLOT_EXPORT
    assert detect.read_ranked(tmp_path / "ward.txt").candidates == profile.candidates


def test_pabulib_files_are_recognised_by_content():
    assert detect.detect_format("upload.txt", b"META\nkey;value\ndescription;x\n") == detect.PABULIB


def test_a_pabulib_file_is_not_read_as_ranked_ballots(tmp_path):
    path = tmp_path / "poll.pb"
    path.write_text("META\nkey;value\n")
    with pytest.raises(EngineInputError, match="participatory budgeting file, not ranked ballots"):
        detect.read_ranked(path)


@pytest.mark.parametrize(
    ("name", "head", "reason"),
    [
        ("notes.txt", b"hello world\n", "unrecognised file format"),
        ("data.json", b'{"something": 1}', "a JSON file must be"),
        ("empty.blt", b"", "file is empty"),
    ],
)
def test_unknown_content_is_refused_with_the_accepted_formats(tmp_path, name, head, reason):
    path = tmp_path / name
    path.write_bytes(head)
    with pytest.raises(EngineInputError, match=reason) as info:
        detect.read_ranked(path)
    assert info.value.path == str(path)
