"""Long runs report progress: the service API calls a callback; the command prints throttled lines."""

from __future__ import annotations

import io

from assemblies.management.commands.select_panel import ProgressPrinter
from assemblies.sortition.model import Progress
from assemblies.sortition.service import select_panel

from .helpers import SF_SAMPLE, load


def test_progress_callback_sees_iterations_and_the_current_minimum():
    reports: list[Progress] = []
    result = select_panel(load(SF_SAMPLE), algorithm="leximin", progress=reports.append)
    assert reports
    assert {report.algorithm for report in reports} == {"leximin"}
    assert max(report.stage for report in reports) == result.distribution.stages
    first_stage = [report for report in reports if report.stage == 1]
    assert first_stage[-1].lower_bound >= first_stage[0].lower_bound
    assert all(report.lower_bound <= report.upper_bound + 1e-9 for report in reports)


def test_command_progress_lines_are_throttled():
    stream = io.StringIO()
    printer = ProgressPrinter(stream)
    printer.last = 0.0
    for iteration in range(100):
        printer(Progress("maximin", 1, iteration, 0.05, 0.06, iteration))
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("maximin stage 1 iteration 0: minimum probability 0.050000")
