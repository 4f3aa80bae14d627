"""The management commands: JSON output, exit codes, one-line errors, report verification and
reproducibility across processes with different hash seeds."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared_data import REPO_ROOT

from .helpers import SF_SAMPLE, SMALL_20, paths

CATEGORIES = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n"
PEOPLE = "id,gender\na,female\nb,male\nc,female\nd,male\n"


def manage(*args: str, hash_seed: str = "0") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def select_args(shared, *extra: str) -> list[str]:
    people, categories = paths(shared)
    return ["select_panel", "--people", people, "--categories", categories, "--size", str(shared.size), *extra]


def test_json_output_has_the_documented_fields():
    completed = manage(*select_args(SMALL_20, "--algorithm", "maximin", "--seed", "31415", "--json"))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert set(result) >= {"algorithm", "seed", "panel", "min_probability", "probabilities", "portfolio_size"}
    assert result["algorithm"] == "maximin" and result["seed"] == "31415"
    assert len(result["panel"]) == 20
    assert result["min_probability"] == pytest.approx(0.1, abs=1e-6)
    assert sum(result["probabilities"].values()) == pytest.approx(20)


def test_same_seed_gives_same_panel_whatever_the_hash_seed(tmp_path):
    outputs = set()
    for hash_seed in ("0", "1", "12345"):
        completed = manage(*select_args(SF_SAMPLE, "--algorithm", "maximin", "--seed", "7 14 21 28 35 42", "--json"), hash_seed=hash_seed)
        assert completed.returncode == 0, completed.stderr
        outputs.add(tuple(json.loads(completed.stdout)["panel"]))
    assert len(outputs) == 1


def test_different_seeds_can_give_different_panels():
    panels = set()
    for seed in ("1", "2", "3"):
        completed = manage(*select_args(SMALL_20, "--algorithm", "maximin", "--seed", seed, "--json"))
        panels.add(tuple(json.loads(completed.stdout)["panel"]))
    assert len(panels) > 1


def test_verify_panel_accepts_a_genuine_report_and_rejects_a_tampered_one(tmp_path):
    report_path = tmp_path / "report.json"
    output = tmp_path / "panel.csv"
    completed = manage(
        *select_args(SF_SAMPLE, "--algorithm", "maximin", "--seed", "99", "--report", str(report_path), "--output", str(output))
    )
    assert completed.returncode == 0, completed.stderr
    assert len(output.read_text().splitlines()) == 23
    assert manage("verify_panel", str(report_path)).returncode == 0
    report = json.loads(report_path.read_text())
    report["panel"][0] = next(p for p in report["probabilities"] if p not in report["panel"])
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(report))
    completed = manage("verify_panel", str(tampered))
    assert completed.returncode == 1
    assert "MISMATCH" in completed.stderr


def test_gzipped_report_is_reproducible_and_verifies(tmp_path):
    """``--report X.json.gz`` writes the same report compactly gzipped, byte-identical on a re-run,
    and ``verify_panel`` reads it; a truncated one is refused with exit 2 and the reason."""
    plain, packed, again = tmp_path / "r.json", tmp_path / "r.json.gz", tmp_path / "again.json.gz"
    for target in (plain, packed, again):
        completed = manage(*select_args(SMALL_20, "--algorithm", "leximin", "--seed", "7", "--report", str(target)))
        assert completed.returncode == 0, completed.stderr
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert packed.read_bytes() == again.read_bytes()
    assert json.loads(gzip.decompress(packed.read_bytes())) == json.loads(plain.read_text())
    completed = manage("verify_panel", str(packed))
    assert completed.returncode == 0, completed.stderr
    assert "MATCH" in completed.stdout
    truncated = tmp_path / "truncated.json.gz"
    truncated.write_bytes(packed.read_bytes()[:40])
    completed = manage("verify_panel", str(truncated))
    assert completed.returncode == 2
    assert "truncated.json.gz: not a complete gzip file" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_verify_panel_rejects_a_changed_people_file(tmp_path):
    people, categories = paths(SMALL_20)
    copy = tmp_path / "respondents.csv"
    copy.write_bytes(Path(people).read_bytes())
    report_path = tmp_path / "report.json"
    args = ["select_panel", "--people", str(copy), "--categories", categories, "--size", "20", "--algorithm", "maximin"]
    assert manage(*args, "--report", str(report_path)).returncode == 0
    copy.write_bytes(Path(people).read_bytes().rstrip(b"\n") + b"\nmale,liberal\n")
    completed = manage("verify_panel", str(report_path))
    assert completed.returncode == 1


@pytest.mark.parametrize(
    ("categories", "people", "size", "needle"),
    [
        (CATEGORIES, "id,gender\na,female\nb,other\n", "2", "people.csv:3: "),
        ("feature,value,min,max\ngender,female,3,2\n", PEOPLE, "2", "categories.csv:2: "),
        (CATEGORIES, PEOPLE, "5", "larger than the pool"),
        (CATEGORIES, "id,gender\na,female\na,male\n", "2", "duplicate id"),
        ("feature,value,min,max\ngender,female,x,2\n", PEOPLE, "2", "not a whole number"),
    ],
    ids=["unknown-value", "min-over-max", "size-over-pool", "duplicate-id", "non-numeric"],
)
def test_bad_input_exits_2_with_one_line(tmp_path, categories, people, size, needle):
    (tmp_path / "categories.csv").write_text(categories)
    (tmp_path / "people.csv").write_text(people)
    completed = manage(
        "select_panel", "--people", str(tmp_path / "people.csv"), "--categories", str(tmp_path / "categories.csv"), "--size", size
    )
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1, completed.stderr
    assert needle in lines[0]
    assert "Traceback" not in completed.stderr


def test_infeasible_quotas_exit_1_with_a_diagnosis(tmp_path):
    (tmp_path / "categories.csv").write_text("feature,value,min,max\ngender,female,3,3\ngender,male,0,3\n")
    (tmp_path / "people.csv").write_text(PEOPLE)
    completed = manage(
        "select_panel", "--people", str(tmp_path / "people.csv"), "--categories", str(tmp_path / "categories.csv"), "--size", "3"
    )
    assert completed.returncode == 1
    assert "gender/female (2 respondents): min 3 -> 2" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_call_command_runs_in_process(capsys):
    from django.core.management import call_command

    people, categories = paths(SMALL_20)
    call_command("select_panel", people=people, categories=categories, size=20, algorithm="leximin", json=True)
    result = json.loads(capsys.readouterr().out)
    assert result["algorithm"] == "leximin" and len(result["panel"]) == 20


def test_budgeted_leximin_report_verifies(tmp_path):
    report_path = tmp_path / "report.json"
    completed = manage(*select_args(SF_SAMPLE, "--iteration-budget", "40", "--seed", "5", "--report", str(report_path)))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(report_path.read_text())["options"]["iteration_budget"] == 40
    assert manage("verify_panel", str(report_path)).returncode == 0


@pytest.mark.parametrize(
    ("flag", "target", "needle"),
    [
        ("--report", "missing/report.json", "cannot write: no directory"),
        ("--output", ".", "cannot write: it is a directory"),
    ],
    ids=["missing-directory", "a-directory"],
)
def test_bad_output_paths_exit_2_with_one_line(tmp_path, flag, target, needle):
    completed = manage(*select_args(SMALL_20, "--algorithm", "maximin", flag, str(tmp_path / target)))
    assert completed.returncode == 2
    assert len(completed.stderr.strip().splitlines()) == 1, completed.stderr
    assert needle in completed.stderr


def test_an_output_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    completed = manage(*select_args(SMALL_20, "--algorithm", "maximin", "--report", str(fifo)))
    assert completed.returncode == 2
    assert completed.stderr.strip() == f"{fifo}: cannot write: not a regular file"
    assert fifo.is_fifo()


def test_a_failed_write_leaves_the_earlier_report_and_panel_untouched(tmp_path):
    """The panel cannot be written (its directory is missing), so the report is not replaced either:
    no new report beside a stale panel, no cut-off file, no temporary file left behind."""
    report, panel = tmp_path / "report.json", tmp_path / "panel.csv"
    report.write_text("earlier report\n")
    panel.write_text("earlier panel\n")
    completed = manage(
        *select_args(SMALL_20, "--algorithm", "maximin", "--report", str(report), "--output", str(tmp_path / "gone" / "p.csv"))
    )
    assert completed.returncode == 2, completed.stderr
    assert report.read_text() == "earlier report\n" and panel.read_text() == "earlier panel\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.csv", "report.json"]


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--size", "1e2000000000", "--size: panel size '1e2000000000' is not a whole number"),
        ("--size", "99999999999999999999", "--size: panel size '99999999999999999999' is above"),
        ("--iteration-budget", "NaN", "--iteration-budget: iteration budget 'NaN' is not a whole number"),
        ("--algorithm", "coin-toss", "--algorithm: unknown sortition algorithm 'coin-toss'"),
    ],
    ids=["exponent-size", "20-digit-size", "nan-budget", "unknown-algorithm"],
)
def test_bad_options_exit_2_with_one_line(option, value, needle):
    people, categories = paths(SMALL_20)
    args = {"--size": "20", "--algorithm": "maximin", option: value}
    completed = manage("select_panel", "--people", people, "--categories", categories, *[x for kv in args.items() for x in kv])
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [completed.stderr.strip()]
    assert completed.stderr.startswith(needle), completed.stderr


def test_a_seed_in_exponent_form_is_just_a_seed():
    completed = manage(*select_args(SMALL_20, "--algorithm", "maximin", "--seed", "1e2000000000", "--json"))
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["seed"] == "1e2000000000"


def test_closed_stdout_ends_quietly(tmp_path):
    people, categories = paths(SF_SAMPLE)
    command = (
        f"{sys.executable} manage.py select_panel --people {people} --categories {categories} --size 22 "
        "--algorithm maximin --json | head -c 10"
    )
    completed = subprocess.run(["bash", "-c", command], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert completed.stdout == '{"engine":'
    assert "Traceback" not in completed.stderr and "Exception" not in completed.stderr, completed.stderr


def test_help_lists_every_registered_algorithm_with_its_source():
    from assemblies.sortition.registry import ALGORITHMS

    completed = manage("select_panel", "--help")
    text = " ".join(completed.stdout.split())
    for entry in ALGORITHMS:
        assert f"{entry.key}: {entry.display_name}" in text
    assert "Nature 596 (2021)" in text
