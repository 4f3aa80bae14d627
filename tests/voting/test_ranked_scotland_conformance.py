"""Scottish council wards: ``stv-scottish`` elects the official councillors, in order."""

from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from tests.shared_data import shared_path
from voting.formats.ranked_scot import read_scot_csv
from voting.ranked.stv import scottish_stv


def wards() -> list[dict[str, str]]:
    try:
        path = shared_path("ranked", "scotland", "expected.csv")
    except pytest.skip.Exception:
        return [{"file": "missing", "seats": "0", "elected": ""}]
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("ward", wards(), ids=lambda w: w["file"])
def test_scottish_stv_elects_the_declared_councillors_in_order(ward):
    profile = read_scot_csv(shared_path("ranked", "scotland", ward["file"]))
    assert profile.seats == int(ward["seats"])
    result = scottish_stv(profile)
    assert result.elected == ward["elected"].split("|")


@pytest.mark.parametrize("ward", wards()[:6], ids=lambda w: w["file"])
def test_scottish_count_conserves_votes_exactly_at_every_stage(ward):
    result = scottish_stv(read_scot_csv(shared_path("ranked", "scotland", ward["file"])))
    for stage in result.rounds:
        total = sum(stage.tallies.values(), Decimal(0)) + stage.exhausted + stage.fraction_loss
        assert total == result.valid_ballots, f"stage {stage.number}"
        assert all(v == v.quantize(Decimal("0.00001")) for v in stage.tallies.values())
