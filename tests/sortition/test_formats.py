"""Reading and writing both file formats; bad input is named by file, row and reason."""

from __future__ import annotations

import pytest

from assemblies.sortition.formats import (
    REPLICATION,
    SORTITION_FOUNDATION,
    parse_categories,
    read_csv,
    read_instance,
    write_categories,
    write_people,
)
from engines.errors import EngineInputError

from .helpers import SF_SAMPLE, SMALL_20, load, paths


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


CATEGORIES = "feature,value,min,max\ngender,female,1,2\ngender,male,1,2\n"
PEOPLE = "id,gender\na,female\nb,male\nc,Female\n"


def test_sortition_foundation_sample_is_read_with_case_insensitive_values():
    instance = load(SF_SAMPLE)
    assert len(instance.people) == 150
    assert instance.categories == ("Gender", "age_bracket", "edu_level", "geo_bucket")
    assert instance.people[0].id == "p0"
    assert len(instance.quotas) == 20


def test_replication_format_uses_feature_as_value_and_row_index_as_id():
    instance = load(SMALL_20)
    assert len(instance.people) == 200
    assert instance.categories == ("gender", "leaning")
    assert instance.people[0].id == "0" and instance.people[0].features == {"gender": "female", "leaning": "conservative"}
    assert {q.value for q in instance.quotas} == {"female", "male", "liberal", "conservative"}


def test_format_is_detected_from_the_header():
    _, sf_format = parse_categories(read_csv(paths(SF_SAMPLE)[1]))
    _, replication_format = parse_categories(read_csv(paths(SMALL_20)[1]))
    assert (sf_format, replication_format) == (SORTITION_FOUNDATION, REPLICATION)


@pytest.mark.parametrize("file_format", [SORTITION_FOUNDATION, REPLICATION])
def test_written_files_read_back_identically(tmp_path, file_format):
    instance = load(SF_SAMPLE)
    write_categories(tmp_path / "c.csv", instance.quotas, file_format)
    write_people(tmp_path / "p.csv", instance, file_format)
    again, _, _ = read_instance(tmp_path / "p.csv", tmp_path / "c.csv", instance.panel_size)
    assert [(q.category, q.value, q.min, q.max) for q in again.quotas] == [
        (q.category, q.value, q.min, q.max) for q in instance.quotas
    ]
    assert [p.features for p in again.people] == [p.features for p in instance.people]
    if file_format == SORTITION_FOUNDATION:
        assert [p.id for p in again.people] == [p.id for p in instance.people]


@pytest.mark.parametrize(
    ("categories", "people", "size", "file", "row", "reason"),
    [
        (CATEGORIES, "id,gender\na,female\nb,other\n", 2, "people", 3, "not a value of category"),
        ("feature,value,min,max\ngender,female,3,2\ngender,male,0,2\n", PEOPLE, 2, "categories", 2, "greater than max"),
        (CATEGORIES, PEOPLE, 4, "people", None, "larger than the pool"),
        (CATEGORIES, "id,gender\na,female\nb,male\na,male\n", 2, "people", 4, "duplicate id"),
        ("feature,value,min,max\ngender,female,one,2\ngender,male,0,2\n", PEOPLE, 2, "categories", 2, "not a whole number"),
        (CATEGORIES, "id,age\na,young\n", 1, "people", 1, "no column for category"),
        ("feature,value,min,max\ngender,female,-1,2\n", PEOPLE, 2, "categories", 2, "negative"),
    ],
    ids=["unknown-value", "min-over-max", "size-over-pool", "duplicate-id", "non-numeric", "missing-column", "negative"],
)
def test_bad_input_names_file_row_and_reason(tmp_path, categories, people, size, file, row, reason):
    files = {"categories": write(tmp_path, "categories.csv", categories), "people": write(tmp_path, "people.csv", people)}
    with pytest.raises(EngineInputError) as caught:
        read_instance(files["people"], files["categories"], size)
    error = caught.value
    assert error.path == files[file]
    assert error.line == row
    assert reason in error.reason
    assert "\n" not in str(error)
