"""Readers and writers for the two quota/pool file formats we accept.

* Sortition Foundation CSV (sortition-algorithms): categories ``feature|category, value|name, min,
  max[, min_flex, max_flex]``; people: an id column, one column per category, optional address columns.
* citizensassemblies-replication CSV (Flanigan et al. 2021): categories ``category, feature, min, max``
  where *feature* is the value; respondents have one column per category and no id (the 0-based row
  index is the id).

Errors are ``EngineInputError(path, line, reason)``: the line counts the header as line 1, as a
spreadsheet does, so an officer can find the row. Files are read through ``engines.files`` (missing
files, directories, non-UTF-8 bytes and CSV fields over 128 KB are refused there) and quotas through
``engines.numbers`` (no ``1e2000000000``); files are written atomically.
Names and values match case-insensitively, as the Sortition Foundation tools do.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from engines.errors import EngineInputError
from engines.files import atomic_write, csv_rows, decode, read_bytes
from engines.numbers import NumberError, parse_decimal

from .model import Instance, Person, Quota

SORTITION_FOUNDATION = "sortition-foundation-csv"
REPLICATION = "replication-csv"

CATEGORY_HEADERS = ("feature", "category")
VALUE_HEADERS = ("value", "name", "category value", "category_value", "category-value")
ID_HEADER_GUESSES = ("id", "person_id", "nationbuilder_id", "respondent_id")
HOUSEHOLD_SEPARATOR = "\x1f"
ROW_KEY = "__row__"
"""Where a row of ``LoadedFile.rows`` keeps its line number (a header may not use this name)."""
MAX_QUOTA = 1_000_000_000
"""Largest quota or panel size accepted: far beyond any pool, well within the solvers' integers."""


def _key(text: str) -> str:
    return text.strip().casefold()


@dataclass(frozen=True)
class LoadedFile:
    """A file's rows plus the SHA-256 of its exact bytes (the draw is tied to this digest)."""

    path: str
    header: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    sha256: str


def read_csv(path: str | Path) -> LoadedFile:
    """Read a CSV file as text; the digest covers the raw bytes so re-saving a file changes it."""
    name = str(path)
    raw = read_bytes(name)
    records = csv_rows(io.StringIO(decode(raw, name), newline=""), name)
    try:
        _, header = next(records)
    except StopIteration:
        raise EngineInputError(name, 1, "file is empty (no header row)") from None
    header = [column.strip() for column in header]
    if ROW_KEY in header:
        raise EngineInputError(name, 1, f"column name {ROW_KEY!r} is reserved")
    seen: set[str] = set()
    for column in header:
        if _key(column) in seen:
            raise EngineInputError(name, 1, f"column {column!r} appears twice in the header")
        seen.add(_key(column))
    rows = []
    for row_number, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise EngineInputError(name, row_number, f"{len(cells)} cells but the header has {len(header)}")
        cells = cells + [""] * (len(header) - len(cells))
        row = {column: cell.strip() for column, cell in zip(header, cells, strict=True)}
        row[ROW_KEY] = str(row_number)
        rows.append(row)
    return LoadedFile(name, tuple(header), tuple(rows), hashlib.sha256(raw).hexdigest())


def _find_column(header: Sequence[str], candidates: Iterable[str]) -> str | None:
    by_key = {_key(column): column for column in header}
    for candidate in candidates:
        if candidate in by_key:
            return by_key[candidate]
    return None


def _integer(file: LoadedFile, row: dict[str, str], column: str) -> int:
    """A quota: a whole number in [0, MAX_QUOTA] (``2``, ``2.0`` and ``2e0`` are all 2)."""
    text = row.get(column, "")
    line = int(row[ROW_KEY])
    try:
        number = parse_decimal(text, what=column)
    except NumberError as error:
        reason = str(error)
        if "not a number" in reason:
            reason = f"{column} is {text!r}, not a whole number"
        raise EngineInputError(file.path, line, reason) from None
    if number.denominator != 1:
        raise EngineInputError(file.path, line, f"{column} is {text!r}, not a whole number")
    if number > MAX_QUOTA:
        raise EngineInputError(file.path, line, f"{column} is {text!r}, more than {MAX_QUOTA}")
    return int(number)


def _optional_integer(file: LoadedFile, row: dict[str, str], column: str | None) -> int | None:
    return _integer(file, row, column) if column is not None and row.get(column, "") != "" else None


def categories_format(header: Sequence[str]) -> tuple[str, str, str]:
    """Detect the categories format from its header: (format, category column, value column)."""
    value_column = _find_column(header, VALUE_HEADERS)
    if value_column is not None:
        category_column = _find_column(header, CATEGORY_HEADERS)
        if category_column is not None:
            return SORTITION_FOUNDATION, category_column, value_column
    category_column = _find_column(header, ("category",))
    feature_column = _find_column(header, ("feature",))
    if category_column is not None and feature_column is not None:
        return REPLICATION, category_column, feature_column
    raise ValueError("expected columns category/feature and value/name, or category and feature")


def parse_categories(file: LoadedFile) -> tuple[tuple[Quota, ...], str]:
    """Turn a categories file into quotas, rejecting non-numeric quotas, min > max and duplicates."""
    try:
        file_format, category_column, value_column = categories_format(file.header)
    except ValueError as error:
        raise EngineInputError(file.path, 1, str(error)) from None
    for column in ("min", "max"):
        if _find_column(file.header, (column,)) is None:
            raise EngineInputError(file.path, 1, f"missing column {column!r}")
    min_column = _find_column(file.header, ("min",)) or "min"
    max_column = _find_column(file.header, ("max",)) or "max"
    min_flex_column = _find_column(file.header, ("min_flex",))
    max_flex_column = _find_column(file.header, ("max_flex",))
    quotas: list[Quota] = []
    seen: dict[tuple[str, str], int] = {}
    canonical_category: dict[str, str] = {}
    for row in file.rows:
        row_number = int(row[ROW_KEY])
        category, value = row[category_column], row[value_column]
        if not category:
            raise EngineInputError(file.path, row_number, f"empty {category_column}")
        if not value:
            raise EngineInputError(file.path, row_number, f"empty {value_column}")
        category = canonical_category.setdefault(_key(category), category)
        low = _integer(file, row, min_column)
        high = _integer(file, row, max_column)
        if low > high:
            raise EngineInputError(file.path, row_number, f"min {low} is greater than max {high} for {category}/{value}")
        min_flex = _optional_integer(file, row, min_flex_column)
        max_flex = _optional_integer(file, row, max_flex_column)
        if min_flex is not None and min_flex > low:
            raise EngineInputError(file.path, row_number, f"min_flex {min_flex} is greater than min {low}")
        if max_flex is not None and max_flex < high:
            raise EngineInputError(file.path, row_number, f"max_flex {max_flex} is less than max {high}")
        key = (_key(category), _key(value))
        if key in seen:
            raise EngineInputError(file.path, row_number, f"{category}/{value} already defined on line {seen[key]}")
        seen[key] = row_number
        quotas.append(Quota(category, value, low, high, min_flex, max_flex))
    if not quotas:
        raise EngineInputError(file.path, None, "no quota rows")
    return tuple(quotas), file_format


def guess_id_column(header: Sequence[str], categories: Iterable[str]) -> str | None:
    """The id column if the file has an obvious one; ``None`` means use the row index (replication)."""
    category_keys = {_key(category) for category in categories}
    candidates = [column for column in header if _key(column) not in category_keys]
    found = _find_column(candidates, ID_HEADER_GUESSES)
    if found is not None:
        return found
    suffixed = [column for column in candidates if _key(column).endswith("_id")]
    return suffixed[0] if suffixed else None


def parse_people(
    file: LoadedFile,
    quotas: Sequence[Quota],
    *,
    id_column: str | None = None,
    address_columns: Sequence[str] = (),
) -> tuple[Person, ...]:
    """Turn a people file into persons whose values are spelled as in the categories file."""
    categories = tuple(dict.fromkeys(quota.category for quota in quotas))
    values: dict[str, dict[str, str]] = {_key(category): {} for category in categories}
    for quota in quotas:
        values[_key(quota.category)][_key(quota.value)] = quota.value
    columns: dict[str, str] = {}
    for category in categories:
        column = _find_column(file.header, (_key(category),))
        if column is None:
            raise EngineInputError(file.path, 1, f"no column for category {category!r}")
        columns[category] = column
    if id_column is None:
        id_column = guess_id_column(file.header, categories)
    elif _find_column(file.header, (_key(id_column),)) is None:
        raise EngineInputError(file.path, 1, f"no id column {id_column!r}")
    else:
        id_column = _find_column(file.header, (_key(id_column),))
    address = []
    for column in address_columns:
        found = _find_column(file.header, (_key(column),))
        if found is None:
            raise EngineInputError(file.path, 1, f"no address column {column!r}")
        address.append(found)
    people: list[Person] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(file.rows):
        row_number = int(row[ROW_KEY])
        person_id = row[id_column] if id_column is not None else str(index)
        if not person_id:
            raise EngineInputError(file.path, row_number, f"empty id in column {id_column!r}")
        if person_id in seen:
            raise EngineInputError(file.path, row_number, f"duplicate id {person_id!r} (first on line {seen[person_id]})")
        seen[person_id] = row_number
        features = {}
        for category in categories:
            raw = row[columns[category]]
            canonical = values[_key(category)].get(_key(raw))
            if canonical is None:
                raise EngineInputError(
                    file.path, row_number, f"{columns[category]} is {raw!r}, which is not a value of category {category!r}"
                )
            features[category] = canonical
        household = None
        if address:
            household = HOUSEHOLD_SEPARATOR.join(_key(row[column]) for column in address)
        people.append(Person(person_id, features, household))
    return tuple(people)


def read_instance(
    people_path: str | Path,
    categories_path: str | Path,
    panel_size: int,
    *,
    id_column: str | None = None,
    address_columns: Sequence[str] = (),
    must_include: Sequence[str] = (),
    must_exclude: Sequence[str] = (),
) -> tuple[Instance, LoadedFile, LoadedFile]:
    """Read both files into an ``Instance``; also return the loaded files for hashing and export."""
    categories_file = read_csv(categories_path)
    quotas, _ = parse_categories(categories_file)
    people_file = read_csv(people_path)
    people = parse_people(people_file, quotas, id_column=id_column, address_columns=address_columns)
    if panel_size < 1:
        raise EngineInputError(people_file.path, None, f"panel size {panel_size} must be at least 1")
    if panel_size > len(people):
        raise EngineInputError(
            people_file.path, None, f"panel size {panel_size} is larger than the pool of {len(people)} respondents"
        )
    known = {person.id for person in people}
    for person_id in (*must_include, *must_exclude):
        if person_id not in known:
            raise EngineInputError(people_file.path, None, f"id {person_id!r} given for replacement is not in the pool")
    instance = Instance(people, quotas, panel_size, tuple(must_include), tuple(must_exclude))
    return instance, people_file, categories_file


def inputs_sha256(people_sha256: str, categories_sha256: str) -> str:
    """One digest for the pair of input files; the draw's randomness is derived from it and the seed."""
    text = f"civic-sortition-inputs-v1\ncategories {categories_sha256}\npeople {people_sha256}\n"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def write_categories(path: str | Path, quotas: Sequence[Quota], file_format: str = SORTITION_FOUNDATION) -> None:
    """Write quotas in either format (flex columns only in the Sortition Foundation format)."""
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if file_format == REPLICATION:
            writer.writerow(["category", "feature", "min", "max"])
            for quota in quotas:
                writer.writerow([quota.category, quota.value, quota.min, quota.max])
            return
        with_flex = any(quota.min_flex is not None or quota.max_flex is not None for quota in quotas)
        writer.writerow(["feature", "value", "min", "max"] + (["min_flex", "max_flex"] if with_flex else []))
        for quota in quotas:
            flex = []
            if with_flex:
                flex = [
                    quota.min_flex if quota.min_flex is not None else 0,
                    quota.max_flex if quota.max_flex is not None else quota.max,
                ]
            writer.writerow([quota.category, quota.value, quota.min, quota.max, *flex])


def write_people(path: str | Path, instance: Instance, file_format: str = SORTITION_FOUNDATION) -> None:
    """Write the pool: with an ``id`` column (Sortition Foundation) or without (replication)."""
    categories = instance.categories
    with atomic_write(path) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        if file_format == REPLICATION:
            writer.writerow(categories)
            for person in instance.people:
                writer.writerow([person.features[category] for category in categories])
            return
        writer.writerow(["id", *categories])
        for person in instance.people:
            writer.writerow([person.id, *(person.features[category] for category in categories)])


def write_panel_rows(handle: IO[str], people_file: LoadedFile, panel: Sequence[str], id_column: str | None) -> None:
    """Export the selected people's original rows (all columns), in the order of the people file, into
    an open text file (``select_panel`` opens it with ``engines.files.atomic_write``)."""
    chosen = set(panel)
    writer = csv.writer(handle, lineterminator="\n")
    if id_column is None:
        writer.writerow(["id", *people_file.header])
    else:
        writer.writerow(people_file.header)
    for index, row in enumerate(people_file.rows):
        person_id = row[id_column] if id_column is not None else str(index)
        if person_id in chosen:
            cells = [row[column] for column in people_file.header]
            writer.writerow(cells if id_column is not None else [person_id, *cells])
