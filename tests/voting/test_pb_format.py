"""The pabulib reader copes with real files, round-trips exactly and names the line of every error."""

from __future__ import annotations

import csv
from fractions import Fraction
from pathlib import Path

import pytest

from tests.shared_data import SHARED_DATA, shared_path
from voting.formats.pabulib import (
    PabulibError,
    format_pb,
    looks_like_pabulib,
    pb_file_from_election,
    read_pb,
    read_pb_text,
    write_pb,
)
from voting.pb.types import PBBallot, PBInstance, PBProfile, Project

ROUND_TRIP_MAX_BYTES = 400_000


def _small_shared_files() -> list[str]:
    index = SHARED_DATA / "pabulib" / "index.csv"
    if not index.exists():
        return []
    with open(index, encoding="utf-8", newline="") as handle:
        return [row["file"] for row in csv.DictReader(handle) if int(row["bytes"]) <= ROUND_TRIP_MAX_BYTES]


GOOD = (
    "META\nkey;value\nbudget;100\nvote_type;approval\nmax_length;2\n"
    "PROJECTS\nproject_id;cost;name\n1;60;One\n2;50;Two\n3;40;Three\n"
    "VOTES\nvoter_id;vote\nv1;1,2\nv2;3\n"
)


@pytest.mark.parametrize("file_name", _small_shared_files())
def test_shared_file_round_trips_field_for_field(file_name: str) -> None:
    original = read_pb(shared_path("pabulib", file_name))
    again = read_pb_text(format_pb(original))
    assert again.meta == original.meta
    assert again.project_columns == original.project_columns
    assert again.project_rows == original.project_rows
    assert again.vote_columns == original.vote_columns
    assert again.vote_rows == original.vote_rows
    assert again.instance == original.instance
    assert list(again.profile.ballots) == list(original.profile.ballots)


def test_bom_crlf_quotes_and_optional_columns_are_read() -> None:
    text = (
        "\ufeffMETA\r\nkey;value\r\nbudget;1000.50\r\nvote_type;cumulative\r\n"
        'comment;"#1: semicolons; inside; quotes"\r\n'
        "PROJECTS\r\nname;cost;project_id;category\r\n"
        '"Park; benches";500.25;p1;green,culture\r\nLibrary;300;p2;\r\n'
        "VOTES\r\nage;voter_id;points;vote\r\n34;a;2,1;p1,p2\r\n;b;;\r\n"
    )
    pb = read_pb_text(text)
    assert pb.meta["comment"] == "#1: semicolons; inside; quotes"
    assert pb.instance.budget == Fraction(200_100, 200)
    first = pb.instance.project("p1")
    assert first.name == "Park; benches" and first.cost == Fraction("500.25")
    assert first.categories == ("green", "culture")
    assert pb.profile.ballots[0] == PBBallot(("p1", "p2"), (2, 1), 1, "a")
    assert pb.profile.ballots[1].projects == ()  # an empty ballot still holds a budget share


def test_written_file_reads_back_the_same_and_leaves_no_temporary(tmp_path: Path) -> None:
    pb = read_pb_text(GOOD)
    target = tmp_path / "out.pb"
    write_pb(pb, target)
    assert read_pb(target).vote_rows == pb.vote_rows
    assert [p.name for p in tmp_path.iterdir()] == ["out.pb"]


def test_failed_write_leaves_the_old_file_untouched(tmp_path: Path) -> None:
    target = tmp_path / "out.pb"
    target.write_text("previous content", encoding="utf-8")
    pb = read_pb_text(GOOD)
    pb.vote_rows.append(None)  # type: ignore[arg-type]  # a row csv cannot write
    with pytest.raises(csv.Error):
        write_pb(pb, target)
    assert target.read_text(encoding="utf-8") == "previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["out.pb"]


def test_election_built_in_code_exports_and_reads_back() -> None:
    instance = PBInstance((Project("a", Fraction("10.5"), "A"), Project("b", Fraction(3), "B")), Fraction(12))
    profile = PBProfile("cumulative", [PBBallot(("a", "b"), (3, 1), 2, "x"), PBBallot((), (), 1, "y")])
    pb = read_pb_text(format_pb(pb_file_from_election(instance, profile)))
    assert pb.instance.budget == 12 and pb.instance.project("a").cost == Fraction(21, 2)
    assert list(pb.profile.ballots) == [PBBallot(("a", "b"), (3, 1), 2, "x"), PBBallot((), (), 1, "y")]


BAD_INPUTS = [
    ("negative cost", GOOD.replace("2;50;Two", "2;-50;Two"), 9, "cost of project 2 '-50' is negative"),
    ("non-numeric cost", GOOD.replace("2;50;Two", "2;fifty;Two"), 9, "cost of project 2 'fifty' is not a number"),
    ("budget missing", GOOD.replace("budget;100\n", ""), 5, "META has no budget"),
    ("budget not a number", GOOD.replace("budget;100", "budget;lots"), 3, "budget 'lots' is not a number"),
    ("unknown project", GOOD.replace("v2;3", "v2;7"), 14, "vote names unknown project '7'"),
    ("duplicate project", GOOD.replace("3;40;Three", "2;40;Three"), 10, "duplicate project id '2'"),
    ("empty profile", GOOD.replace("v1;1,2\nv2;3\n", ""), 12, "empty profile"),
    ("ballot too long", GOOD.replace("v2;3", "v2;1,2,3"), 14, "more than max_length 2"),
    ("project twice", GOOD.replace("v2;3", "v2;3,3"), 14, "same project twice"),
    ("voter twice", GOOD.replace("v2;3", "v1;3"), 14, "votes twice"),
    ("row too short", GOOD.replace("1;60;One", "1;60"), 8, "PROJECTS row has 2 fields"),
    ("no VOTES section", GOOD.split("VOTES")[0], 10, "no VOTES section"),
    ("sections out of order", GOOD.replace("PROJECTS\n", "VOTES\n", 1), 6, "section VOTES out of place"),
    ("unknown vote type", GOOD.replace("approval", "plurality-ish"), 4, "unknown vote_type"),
    ("points missing", GOOD.replace("approval", "cumulative"), 13, "need a 'points' column"),
]


@pytest.mark.parametrize(("case", "text", "line", "reason"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_malformed_input_names_file_line_and_reason(case: str, text: str, line: int, reason: str) -> None:
    with pytest.raises(PabulibError) as error:
        read_pb_text(text, name="upload.pb")
    assert error.value.path == "upload.pb"
    assert error.value.line == line, str(error.value)
    assert reason in error.value.reason
    assert str(error.value) == f"upload.pb:{line}: {error.value.reason}"
    assert "\n" not in str(error.value)


def test_pabulib_content_is_recognised_without_the_extension() -> None:
    assert looks_like_pabulib(GOOD.encode())
    assert looks_like_pabulib(b"\xef\xbb\xbfMETA\r\nkey;value\r\n")
    assert looks_like_pabulib(b'"META";\n"key";"value"\n')
    assert not looks_like_pabulib(b"3 1\n1 2 3 0\n")  # a .blt file
    assert not looks_like_pabulib(b"META\nproject_id;cost\n")


def test_missing_file_is_a_pabulib_error(tmp_path: Path) -> None:
    with pytest.raises(PabulibError, match="no such file"):
        read_pb(tmp_path / "nope.pb")


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.pb"
    path.write_bytes(GOOD.replace("One", "Łódź").encode("utf-16"))
    with pytest.raises(PabulibError):
        read_pb(path)
