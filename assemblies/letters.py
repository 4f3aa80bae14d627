"""Invitation letters: one print-ready PDF (WeasyPrint), one A4 page per drawn address.

Each page carries the address for a window envelope, the registration code, the short URL and a QR
code (from the ``qrcode`` package, drawn as SVG) that opens the registration form with the code.

Speed (5,000 letters is a normal print run): by default the letter is laid out once and each
invitation stamped on a copy (``letters_stamp``: 5,000 letters in about 13 s on a loaded 2-core
machine). Laying out every page instead (addresses outside Windows-1252, or ``stamped=False``) takes
about 40 ms of CPU per page, so those runs are cut into chunks laid out in parallel processes and
the chunk PDFs are concatenated. The QR's SVG path
is one stroked line per run of dark modules (not a square per module), and the mask pattern is fixed (any of
the eight is valid; choosing the "best" one costs more than the rest of the QR), which together
cut the drawing cost of a letter by more than half.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import django
import qrcode
from django.template.loader import render_to_string

from .lottery import format_code
from .models import Lottery

CHUNK = 250
PARALLEL_FROM = 600  # below this, one process is faster than starting workers


def qr_matrix(text: str) -> list[list[bool]]:
    """The QR code's modules (with a 2-module quiet zone), from the ``qrcode`` package."""
    code = qrcode.QRCode(border=2, mask_pattern=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def qr_runs(matrix: Sequence[Sequence[bool]]) -> Iterator[tuple[int, int, int]]:
    """``(row, first column, column after the last)`` of every horizontal run of dark modules:
    the SVG and the stamped PDF both draw a QR code as these runs."""
    size = len(matrix)
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                yield y, start, x
            else:
                x += 1


def qr_svg(text: str) -> str:
    """The QR code of ``text`` as a compact SVG document."""
    matrix = qr_matrix(text)
    size = len(matrix)
    parts = [f"M{start} {y + 0.5}h{end - start}" for y, start, end in qr_runs(matrix)]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
            f'<rect width="{size}" height="{size}" fill="#fff"/>'
            f'<path stroke="#000" stroke-width="1" fill="none" d="{"".join(parts)}"/></svg>')


def qr_data_uri(text: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode("ascii")).decode("ascii")


def _render(context: dict[str, Any], letters: Sequence[dict[str, Any]]) -> bytes:
    from weasyprint import HTML

    for letter in letters:
        letter["qr"] = qr_data_uri(letter["url"])
    html = render_to_string("assemblies/lottery_letters.html", {**context, "letters": letters})
    return bytes(HTML(string=html).write_pdf())


def letters_pdf(lottery: Lottery, register_url: str, *, workers: int | None = None, stamped: bool = True) -> bytes:
    """The whole print run as one PDF, in position order.

    By default the letter is laid out once and each invitation stamped on it (``letters_stamp``);
    with ``stamped=False``, or when an address needs characters the stamp's font lacks, every
    letter is laid out by WeasyPrint.
    """
    assembly = lottery.assembly
    context = {
        "assembly": {"name": assembly.name, "question": assembly.question, "council": {"name": assembly.council.name}},
        "lottery": {"panel_size": lottery.panel_size, "support_offered": lottery.support_offered,
                    "sessions_plan": lottery.sessions_plan, "retention_until": lottery.retention_until},
        "register_url": register_url, "large_print": lottery.large_print,
    }
    letters = [
        {"code": format_code(inv.code), "url": f"{register_url}?code={inv.code}",
         "address_lines": inv.address.lines.splitlines() if inv.address else [],
         "postcode": inv.address.postcode if inv.address else ""}
        for inv in lottery.invitations.select_related("address").order_by("position")
    ]
    if stamped:
        from .letters_stamp import stamped_letters_pdf

        fast = stamped_letters_pdf(context, letters)
        if fast is not None:
            return fast
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(letters) < PARALLEL_FROM or workers < 2:
        return _render(context, letters)
    chunks = [letters[i:i + CHUNK] for i in range(0, len(letters), CHUNK)]
    # Fresh interpreters (spawn, not fork: the parent may run an event loop and hold connections)
    # set Django up before they unpickle the render function.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=django.setup) as pool:
        parts = list(pool.map(_render, [context] * len(chunks), chunks))
    return _concatenate(parts)


def _concatenate(parts: Sequence[bytes]) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
