"""Reading and writing files the way every engine command does.

Reading: one discipline for every reader. :func:`read_text` refuses what is not text of a sane size
with an :class:`~engines.errors.EngineInputError` (missing file, directory, undecodable bytes), and
:data:`MAX_FIELD` bounds a CSV field (the csv module's own limit raises a bare ``csv.Error``).

Writing: :func:`atomic_write` writes to a temporary file beside the target and renames it over the
target only when everything was written and flushed, so a failure (full disk, a killed process, a
later error) leaves either the old file or no file, never a half-written one.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import EngineInputError

MAX_FIELD = 128 * 1024
"""Longest CSV field any reader accepts (a project description, a long address line)."""
MAX_FILE_BYTES = 2 * 1024**3
"""Largest input file read into memory."""


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's bytes, or ``EngineInputError`` saying why it cannot be read."""
    name = os.fspath(path)
    try:
        if os.path.isdir(name):
            raise EngineInputError(name, None, "is a directory, not a file")
        size = os.path.getsize(name)
        if size > MAX_FILE_BYTES:
            raise EngineInputError(name, None, f"is {size} bytes, more than the {MAX_FILE_BYTES} accepted")
        with open(name, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise EngineInputError(name, None, "no such file") from None
    except PermissionError:
        raise EngineInputError(name, None, "permission denied") from None
    except OSError as error:
        raise EngineInputError(name, None, f"cannot read: {error.strerror or error}") from None
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise EngineInputError(name, None, f"not a complete gzip file ({error})") from None
    return data


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is dropped); undecodable bytes are an error with the line they are on."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise EngineInputError(name, line, "is not UTF-8 text") from None


def read_text(path: str | os.PathLike[str]) -> str:
    """The file as text, by :func:`read_bytes` and :func:`decode`."""
    return decode(read_bytes(path), os.fspath(path))


def read_json_object(path: str | os.PathLike[str], what: str = "report") -> dict[str, Any]:
    """A JSON object read by :func:`read_bytes` (``.gz`` too) and :func:`decode`.

    ``EngineInputError`` for JSON syntax (with its line), nesting too deep to parse, or a document
    that is not an object; ``what`` names the document in the message."""
    name = os.fspath(path)
    text = decode(read_bytes(name), name)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise EngineInputError(name, error.lineno, f"not a JSON {what} ({error.msg})") from None
    except (RecursionError, ValueError) as error:
        raise EngineInputError(name, None, f"not a JSON {what} ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise EngineInputError(name, None, f"the {what} is not a JSON object")
    return document


def csv_rows(lines: Iterator[str] | list[str], name: str, *, delimiter: str = ",") -> Iterator[tuple[int, list[str]]]:
    """``(line number, fields)`` for each CSV record, with fields bounded by :data:`MAX_FIELD`."""
    csv.field_size_limit(MAX_FIELD)
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise EngineInputError(name, reader.line_num, f"malformed CSV ({error})") from None
        yield reader.line_num, row


@contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[str]]:
    """Write ``path`` all or nothing: a temporary file in the same directory, renamed on success.

    ``OSError`` (missing directory, a directory in the way, a full disk) is raised as
    ``EngineInputError`` naming the path; the temporary file is removed in every case. A link is
    followed to its target, and a device, pipe or socket is refused: renaming over ``/dev/full`` or
    ``/dev/stdout`` would replace the device itself when run as root."""
    name = os.fspath(path)
    target = Path(os.path.realpath(name)) if os.path.islink(name) else Path(name)
    if target.is_dir():
        raise EngineInputError(name, None, "cannot write: it is a directory")
    if target.exists() and not target.is_file():
        raise EngineInputError(name, None, "cannot write: not a regular file")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise EngineInputError(name, None, f"cannot write: no directory {os.fspath(directory)!r}")
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as error:
        raise EngineInputError(name, None, f"cannot write: {error.strerror or error}") from None
    try:
        binary = "b" in mode
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except OSError as error:
        _remove(temporary)
        raise EngineInputError(name, None, f"cannot write: {error.strerror or error}") from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
