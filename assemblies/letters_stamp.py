"""The fast print run: WeasyPrint lays out the letter once; each invitation's address, code and QR
code are then stamped onto a copy of that page as plain PDF drawing operators.

Laying out 5,000 identical letters is 5,000 times the same work; stamping is a few hundred bytes
per page. The template and the stamp share :class:`Layout`, so the blank regions of the template
are where the stamp draws. Addresses that the standard PDF font cannot show (outside Windows-1252)
make :func:`stamped_letters_pdf` return ``None`` and the caller lays out every letter instead.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.template.loader import render_to_string

MM = 72 / 25.4
PAGE_HEIGHT = 297 * MM


@dataclass(frozen=True)
class Layout:
    body_pt: float
    address_pt: float
    code_pt: float
    body_top_mm: float
    body_height_mm: float
    code_top_mm: float
    code_height_mm: float
    code_text_width_mm: float
    qr_mm: float


NORMAL = Layout(body_pt=11, address_pt=11, code_pt=22, body_top_mm=92, body_height_mm=120, code_top_mm=216,
                code_height_mm=52, code_text_width_mm=118, qr_mm=42)
LARGE = Layout(body_pt=16, address_pt=16, code_pt=30, body_top_mm=88, body_height_mm=122, code_top_mm=212,
               code_height_mm=60, code_text_width_mm=112, qr_mm=48)
ADDRESS_TOP_MM = 40
LEFT_MM = 20


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _stamp(letter: dict[str, Any], layout: Layout, matrix: list[list[bool]]) -> bytes:
    from .letters import qr_runs  # letters imports this module

    ops = [b"q /Tpl Do Q", b"BT", f"/F1 {layout.address_pt} Tf {layout.address_pt * 1.3:.2f} TL".encode()]
    top = PAGE_HEIGHT - ADDRESS_TOP_MM * MM - layout.address_pt
    ops.append(f"{LEFT_MM * MM:.2f} {top:.2f} Td".encode())
    for line in [*letter["address_lines"], letter["postcode"]]:
        ops.append(_pdf_text(line) + b" Tj T*")
    ops.append(b"ET")
    box_bottom = PAGE_HEIGHT - (layout.code_top_mm + layout.code_height_mm) * MM
    ops.append(b"BT")
    ops.append(f"/F2 {layout.code_pt} Tf {(LEFT_MM + 4) * MM:.2f} {box_bottom + 6 * MM:.2f} Td".encode())
    ops.append(_pdf_text(letter["code"]) + b" Tj ET")
    size = len(matrix)
    module = layout.qr_mm * MM / size
    qr_left = (LEFT_MM + 170 - 4) * MM - layout.qr_mm * MM
    qr_top = box_bottom + 5 * MM + layout.qr_mm * MM
    ops.append(b"0 g")
    for y, start, end in qr_runs(matrix):
        ops.append(f"{qr_left + start * module:.2f} {qr_top - (y + 1) * module:.2f} "
                   f"{(end - start) * module:.2f} {module:.2f} re".encode())
    ops.append(b"f")
    return b"\n".join(ops)


def stamped_letters_pdf(context: dict[str, Any], letters: Sequence[dict[str, Any]]) -> bytes | None:
    """One PDF, one page per letter, or None if an address cannot be shown in the standard font."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject
    from weasyprint import HTML

    from .letters import qr_matrix

    try:
        for letter in letters:
            for line in [*letter["address_lines"], letter["postcode"], letter["code"]]:
                line.encode("cp1252")
    except UnicodeEncodeError:
        return None
    layout = LARGE if context["large_print"] else NORMAL
    html = render_to_string("assemblies/lottery_letter_template.html", {**context, "layout": asdict(layout)})
    template = PdfReader(io.BytesIO(HTML(string=html).write_pdf())).pages[0]

    writer = PdfWriter()
    first = writer.add_page(template)
    form = StreamObject()
    form.set_data(first.get_contents().get_data())  # type: ignore[union-attr]
    form.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(v) for v in first.mediabox]),
        NameObject("/Resources"): first["/Resources"],
    })
    form_ref = writer._add_object(form)

    def font(base: str) -> Any:
        return writer._add_object(DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject(base), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))

    resources = DictionaryObject({
        NameObject("/XObject"): DictionaryObject({NameObject("/Tpl"): form_ref}),
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): font("/Helvetica"),
                                               NameObject("/F2"): font("/Courier-Bold")}),
    })
    resources_ref = writer._add_object(resources)
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    for letter in letters:
        page = writer.add_blank_page(width, height)
        content = StreamObject()
        content.set_data(_stamp(letter, layout, qr_matrix(letter["url"])))
        page[NameObject("/Resources")] = resources_ref
        page[NameObject("/Contents")] = writer._add_object(content.flate_encode())
    writer.remove_page(0)
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
