"""Letters: one PDF page per invitation with its code; the mailing-house CSV lists every letter."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from pypdf import PdfReader

from accounts.models import Role
from assemblies import lottery

from .factories import set_up

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("large_print", [False, True])
def test_letters_pdf_has_one_page_per_invitation_with_its_code(make_user, large_print):
    setup = set_up(make_user(Role.OFFICER), addresses=30, invitations=12)
    lottery.set_up_lottery(setup.officer, setup.assembly, large_print=large_print)
    client = Client()
    client.force_login(setup.officer)
    response = client.get(f"/officer/assemblies/{setup.assembly.slug}/letters.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    codes = [lottery.format_code(i.code) for i in setup.lottery.invitations.order_by("position")]
    assert len(pages) == len(codes) == 12
    for page, code in zip(pages, codes, strict=True):
        text = page.extract_text()
        assert code in text and "/register/" in text


def test_mailing_csv_lists_every_letter_with_address_and_code(make_user):
    setup = set_up(make_user(Role.OFFICER), addresses=30, invitations=12)
    client = Client()
    client.force_login(setup.officer)
    response = client.get(f"/officer/assemblies/{setup.assembly.slug}/mailing.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 12
    assert {lottery.normalise_code(r["code"]) for r in rows} == set(setup.lottery.invitations.values_list("code", flat=True))
    assert all(r["postcode"] and r["address"] and r["url"].endswith(lottery.normalise_code(r["code"])) for r in rows)


def test_long_set_up_texts_still_fit_one_large_print_page_per_letter(make_user):
    setup = set_up(make_user(Role.OFFICER), addresses=6, invitations=3)
    lottery.set_up_lottery(setup.officer, setup.assembly, large_print=True, support_offered="Childcare " * 60,
                           sessions_plan="Saturday " * 60)
    setup.assembly.question = "How should we " * 80
    setup.assembly.save()
    client = Client()
    client.force_login(setup.officer)
    response = client.get(f"/officer/assemblies/{setup.assembly.slug}/letters.pdf")
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 3


def test_the_qr_svg_draws_exactly_the_qrcode_modules_of_the_registration_url():
    import re

    import qrcode

    from assemblies.letters import qr_svg

    url = "https://civic.example.gov.uk/register/?code=ABCD2345"
    svg = qr_svg(url)
    reference = qrcode.QRCode(border=2, mask_pattern=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    reference.add_data(url)
    reference.make(fit=True)
    matrix = reference.get_matrix()
    drawn = [[False] * len(matrix) for _ in matrix]
    for x, y, width in re.findall(r"M(\d+) (\d+)\.5h(\d+)", svg):
        for dx in range(int(width)):
            drawn[int(y)][int(x) + dx] = True
    assert drawn == [[bool(cell) for cell in row] for row in matrix]
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in svg


def test_addresses_the_stamp_font_cannot_show_are_laid_out_in_full_and_keep_one_page_each(make_user):
    officer = make_user(Role.OFFICER)
    setup = set_up(officer, addresses=0)
    data = "id,address_line_1,postcode,ward\n1,ul. Łódzka 5,RV1 1AA,North\n2,2 Mill Lane,RV1 1AB,South\n".encode()
    lottery.import_addresses(officer, setup.lottery, data)
    lottery.set_up_lottery(officer, setup.assembly, invitations_to_send=2)
    lottery.publish_invitation_seed(officer, setup.lottery, "1")
    lottery.draw_invitations(officer, setup.lottery)
    from assemblies.letters import letters_pdf

    setup.lottery.refresh_from_db()
    pages = PdfReader(io.BytesIO(letters_pdf(setup.lottery, "https://civic.example/register/"))).pages
    assert len(pages) == 2
    assert any("Łódzka" in page.extract_text() for page in pages)
    for page, inv in zip(pages, setup.lottery.invitations.order_by("position"), strict=True):
        assert lottery.format_code(inv.code) in page.extract_text()
