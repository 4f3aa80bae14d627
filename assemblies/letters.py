"""Invitation letters: one print-ready PDF (WeasyPrint), one A4 page per drawn address.

Each page carries the address for a window envelope, the registration code, the short URL and a QR
code (SVG path from the ``qrcode`` package) that opens the registration form with the code filled in.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable

import qrcode
import qrcode.image.svg
from django.template.loader import render_to_string

from .lottery import format_code
from .models import Invitation, Lottery


def qr_svg_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def letters_html(lottery: Lottery, invitations: Iterable[Invitation], register_url: str) -> str:
    letters = []
    for invitation in invitations:
        address = invitation.address
        letters.append({
            "code": format_code(invitation.code),
            "address_lines": address.lines.splitlines() if address else [],
            "postcode": address.postcode if address else "",
            "qr": qr_svg_data_uri(f"{register_url}?code={invitation.code}"),
        })
    return render_to_string("assemblies/lottery_letters.html", {
        "lottery": lottery, "assembly": lottery.assembly, "letters": letters, "register_url": register_url,
        "large_print": lottery.large_print,
    })


def letters_pdf(lottery: Lottery, register_url: str) -> bytes:
    """The whole print run as one PDF."""
    from weasyprint import HTML

    invitations = lottery.invitations.select_related("address").order_by("position")
    return HTML(string=letters_html(lottery, invitations, register_url)).write_pdf()
