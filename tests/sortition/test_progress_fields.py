"""Progress tells the truth (issue 15): the guaranteed minimum, the bound, the mass placed and the
time left are what a progress bar shows, so each must mean what it says while the run goes on."""

from __future__ import annotations

import pytest

from assemblies.sortition.certified import certified_leximin, relaxation_leximin
from assemblies.sortition.model import Progress
from assemblies.sortition.national import national_instance
from assemblies.sortition.pool import compile_pool


@pytest.fixture(scope="module")
def run() -> tuple[list[Progress], float]:
    pool = compile_pool(national_instance(800, 40, seed=4))
    relaxed = relaxation_leximin(pool)
    assert relaxed is not None
    reports: list[Progress] = []
    attempt = certified_leximin(pool, progress=reports.append, stop_mass=1e-3, fast=True)
    assert attempt.certified is not None, attempt.failure
    return reports, float(relaxed.levels.min())


def test_guaranteed_minimum_rises_during_the_decomposition_and_never_passes_the_bound(run):
    reports, bound = run
    peeling = [r for r in reports if r.phase == "decomposition"]
    assert len(peeling) >= 5
    minimums = [r.lower_bound for r in peeling]
    assert minimums == sorted(minimums)
    assert minimums[-1] > 0.5 * bound  # not 0 until the end
    assert all(r.upper_bound == pytest.approx(bound, abs=1e-12) for r in peeling)
    assert all(r.lower_bound <= r.upper_bound + 1e-9 for r in reports)


def test_mass_placed_grows_to_one_and_time_left_is_estimated(run):
    reports, _ = run
    peeling = [r for r in reports if r.phase == "decomposition"]
    masses = [r.mass_placed for r in peeling]
    assert all(m is not None and 0.0 <= m <= 1.0 for m in masses)
    assert masses == sorted(masses)
    estimates = [r.seconds_left for r in peeling if r.seconds_left is not None]
    assert estimates and all(e >= 0 for e in estimates)
    phases = [r.phase for r in reports]
    assert phases[0] == "relaxation"
    assert phases.index("closing") > phases.index("decomposition")
    done = reports[-1]
    assert done.phase == "done" and done.mass_placed == 1.0 and done.seconds_left == 0.0
    assert done.lower_bound >= 0.999 * done.upper_bound


def test_relaxation_reports_no_lottery_yet_but_the_bound(run):
    reports, bound = run
    relaxation = [r for r in reports if r.phase == "relaxation"]
    assert relaxation and all(r.lower_bound == 0.0 and r.mass_placed == 0.0 for r in relaxation)
    assert all(r.upper_bound == pytest.approx(bound, abs=1e-12) for r in relaxation)


def test_progress_payload_for_the_web_bar():
    report = Progress("leximin", 3, 40, 0.009, 0.012, 120, "decomposing", mass_placed=0.8, seconds_left=12.5, phase="decomposition")
    payload = report.to_dict()
    assert payload["guaranteed_minimum"] == 0.009 and payload["bound"] == 0.012
    assert payload["mass_placed"] == 0.8 and payload["seconds_left"] == 12.5
    assert payload["relative_gap"] == pytest.approx(0.25)
    assert Progress("maximin", 1, 0, 0.05, 0.06, 1).to_dict()["mass_placed"] is None  # old callers unchanged
