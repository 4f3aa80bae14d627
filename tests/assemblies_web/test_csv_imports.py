"""Acceptance 6: malformed CSVs give a per-row error report and import nothing."""

from __future__ import annotations

import pytest

from accounts.models import Role
from assemblies import lottery
from assemblies.models import Address

from .factories import addresses_csv, set_up

pytestmark = pytest.mark.django_db

GOOD = addresses_csv(3)


@pytest.fixture
def fresh(make_user):
    officer = make_user(Role.OFFICER)
    return set_up(officer, addresses=0)


def _errors(fresh, data: bytes) -> list[tuple[int, str]]:
    with pytest.raises(lottery.RowErrors) as caught:
        lottery.import_addresses(fresh.officer, fresh.lottery, data)
    assert not Address.objects.exists()
    return caught.value.rows


def test_missing_columns_are_named(fresh):
    rows = _errors(fresh, b"id,address_line_1,ward\n1,1 High St,North\n")
    assert rows == [(1, "missing column(s): postcode; the header has id, address_line_1, ward")]


def test_bad_encoding_names_the_line(fresh):
    rows = _errors(fresh, GOOD + "4,5 Caf\u00e9 Row,RV1 1AA,North\n".encode("latin-1"))
    assert rows[0][0] == 5 and "not UTF-8" in rows[0][1]


def test_duplicate_ids_name_both_rows(fresh):
    rows = _errors(fresh, GOOD + b"A2,9 Mill Lane,Riverside,RV9 9AA,North\n")
    assert rows == [(5, "duplicate id 'A2' (first on row 3)")]


def test_unknown_wards_are_listed_per_row_with_every_other_error(fresh):
    data = GOOD + b"A7,7 Mill Lane,Riverside,RV9 9AA,Westminster\n,8 Mill Lane,,RV9 9AA,North\nA9,too,few\n"
    rows = _errors(fresh, data)
    assert (5, "unknown ward 'Westminster'; the council's wards are East, North, South") in rows
    assert (6, "the id is empty") in rows
    assert (7, "has 3 fields, the header has 5") in rows


def test_a_good_file_imports_every_row_and_records_its_digest(fresh):
    assert lottery.import_addresses(fresh.officer, fresh.lottery, GOOD) == 3
    fresh.lottery.refresh_from_db()
    assert len(fresh.lottery.addresses_sha256) == 64


def test_population_shares_suggest_quota_ranges():
    shares = lottery.parse_shares(b"category,value,share\ngender,female,0.51\ngender,male,0.49\nage,16-39,40%\nage,40+,60%\n")
    suggested = {(c, v): (lo, hi) for c, v, lo, hi, _ in lottery.suggested_quotas(shares, 50)}
    assert suggested[("gender", "female")] == (24, 27)
    assert suggested[("age", "40+")] == (29, 31)


def test_shares_that_do_not_add_up_or_are_not_numbers_are_reported_per_row():
    with pytest.raises(lottery.RowErrors) as caught:
        lottery.parse_shares(b"category,value,share\ngender,female,lots\ngender,male,0.3\n")
    assert (2, "share 'lots' is not a number") in caught.value.rows
    assert any("add up to 0.300" in reason for _, reason in caught.value.rows)


def test_typed_quotas_are_checked_per_line():
    with pytest.raises(lottery.RowErrors) as caught:
        lottery.parse_quota_lines("gender, female, 2, 4\ngender, male, 5, 1\nage\n", panel_size=6)
    assert [row for row, _ in caught.value.rows] == [2, 3]


def test_the_invitations_page_shows_the_row_errors(fresh, client):
    client.force_login(fresh.officer)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(f"/officer/assemblies/{fresh.assembly.slug}/invitations/", {
        "action": "import", "file": SimpleUploadedFile("a.csv", GOOD + b"A2,dup,x,RV1,North\n")})
    assert response.status_code == 400
    assert "Row 5" in response.content.decode() and "duplicate id" in response.content.decode()
    assert not Address.objects.exists()
