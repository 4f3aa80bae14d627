"""Which format an uploaded or named file is in, from its name and first bytes.

The web upload and ``tally_ranked`` both ask :func:`detect_format` rather than guessing by
extension alone: a ``.json`` file may be an RCTab contest configuration, a NIST CDF cast vote
record report or civic's own ballot export, and a ``.csv`` file a scot-elex ward file or a generic
CVR (which needs an RCTab configuration to be read). A file no reader accepts is refused with an
:class:`~engines.errors.EngineInputError` naming the formats that are accepted.

Ranked files are read with :func:`read_ranked`, which detects the format and calls its reader.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from engines.errors import EngineInputError
from engines.files import read_bytes
from voting.ranked.ballots import RankedProfile

from . import ballot_export, blt, pabulib, ranked_scot, rctab

SNIFF_BYTES = 64 * 1024
"""How much of the start of a file detection reads (enough for a JSON document's first keys)."""


@dataclass(frozen=True)
class DetectedFormat:
    """A format: its key, the engine that counts it, and what a person would call it."""

    key: str
    engine: str
    description: str


PABULIB = DetectedFormat("pabulib", "pb", "pabulib .pb participatory budgeting file")
BLT = DetectedFormat("blt", "ranked", ".blt ballot file (ERS / OpenSTV)")
SCOT_CSV = DetectedFormat("scot-csv", "ranked", "scot-elex ward CSV (Scottish council STV)")
GENERIC_CSV = DetectedFormat("generic-csv", "ranked", "generic CSV cast vote records (needs an RCTab configuration)")
CDF_JSON = DetectedFormat("cdf-json", "ranked", "NIST SP 1500-103 CDF cast vote records (JSON)")
CDF_XML = DetectedFormat("cdf-xml", "ranked", "NIST SP 1500-103 CDF cast vote records (XML)")
RCTAB_CONFIG = DetectedFormat("rctab-config", "ranked", "RCTab contest configuration (JSON)")
BALLOT_EXPORT = DetectedFormat("ballot-export", "ranked", "civic ranked-ballot export (JSON)")

FORMATS = (PABULIB, BLT, SCOT_CSV, GENERIC_CSV, CDF_JSON, CDF_XML, RCTAB_CONFIG, BALLOT_EXPORT)

_BLT_HEADER = re.compile(rb"\A\s*(?:#[^\n]*\n\s*)*\d+\s+\d+\s*(?:#[^\n]*)?(?:\r?\n|\Z)")


def detect_format(name: str, head: bytes) -> DetectedFormat:
    """The format of a file called ``name`` that starts with ``head`` (its first bytes)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".gz":
        suffix = Path(name[: -len(".gz")]).suffix.lower()
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if suffix == ".pb" or pabulib.looks_like_pabulib(head):
        return PABULIB
    if suffix == ".xml" or text.startswith(b"<"):
        return CDF_XML
    if suffix == ".json" or text.startswith(b"{"):
        return _json_format(name, head)
    if suffix == ".csv":
        decoded = text.decode("utf-8", errors="replace")
        return SCOT_CSV if ranked_scot.looks_like_scot_csv(decoded) else GENERIC_CSV
    if suffix == ".blt" or _BLT_HEADER.match(text):
        return BLT
    accepted = ", ".join(f.description for f in FORMATS)
    raise EngineInputError(name, None, f"unrecognised file format (accepted: {accepted})")


def _json_format(name: str, head: bytes) -> DetectedFormat:
    """Tell the JSON formats apart by their top-level keys (the whole head if it parses, else a scan)."""
    try:
        data = json.loads(head.decode("utf-8-sig"))
        keys = set(data) if isinstance(data, dict) else set()
        declared = data.get("format") if isinstance(data, dict) else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        keys = {k.decode("utf-8", "replace") for k in re.findall(rb'"([A-Za-z@]+)"\s*:', head)}
        found = re.search(rb'"format"\s*:\s*"([^"]*)"', head)
        declared = found.group(1).decode("utf-8", "replace") if found else None
    if declared == ballot_export.FORMAT:
        return BALLOT_EXPORT
    if {"candidates", "rules"} <= keys:
        return RCTAB_CONFIG
    if keys & {"CVR", "Election", "@type"}:
        return CDF_JSON
    raise EngineInputError(
        name, None, "a JSON file must be a civic ballot export, an RCTab configuration or a NIST CDF CVR report"
    )


def detect_file(path: str | os.PathLike[str]) -> DetectedFormat:
    """The format of the file at ``path`` (missing, unreadable or empty files are refused)."""
    name = os.fspath(path)
    data = read_bytes(name)
    if not data.strip():
        raise EngineInputError(name, None, "file is empty")
    return detect_format(name, data[:SNIFF_BYTES])


def _rctab_config(path: str) -> RankedProfile:
    return rctab.read_profile(rctab.load_config(path))


def _generic_csv(path: str) -> RankedProfile:
    raise EngineInputError(path, 1, "generic CSV cast vote records need --rctab-config")


RANKED_READERS: dict[DetectedFormat, Callable[[str], RankedProfile]] = {
    BLT: blt.read_blt,
    SCOT_CSV: ranked_scot.read_scot_csv,
    GENERIC_CSV: _generic_csv,
    CDF_JSON: lambda path: rctab.read_cdf_file(path, xml=False),
    CDF_XML: lambda path: rctab.read_cdf_file(path, xml=True),
    RCTAB_CONFIG: _rctab_config,
    BALLOT_EXPORT: ballot_export.read_ballot_export,
}
"""The reader of each ranked format (a path in, a profile out)."""


def read_ranked(path: str | os.PathLike[str]) -> RankedProfile:
    """Detect the format of ``path`` and read it as ranked ballots."""
    name = os.fspath(path)
    detected = detect_file(name)
    reader = RANKED_READERS.get(detected)
    if reader is None:
        raise EngineInputError(name, None, f"is a {detected.description}, not ranked ballots")
    return reader(name)
