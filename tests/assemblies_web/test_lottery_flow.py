"""The civic lottery end to end through its services: invitations, registration, selection, confirmation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Role
from assemblies import lottery
from assemblies.models import Membership, Respondent, SelectionRun
from audit.models import AuditEntry

from .factories import QUOTAS, register_all, select, set_up

pytestmark = pytest.mark.django_db


def _meets(run: SelectionRun, lot) -> bool:
    features = {r.public_id: r.features for r in lot.respondents.all()}
    for category, value, low, high in QUOTAS:
        count = sum(1 for pid in run.drawn if features[pid][category] == value)
        if not low <= count <= high:
            return False
    return len(set(run.drawn)) == lot.panel_size


def test_invitation_draw_is_stratified_by_ward_and_reproducible_from_the_published_seed(make_user):
    setup = set_up(make_user(Role.OFFICER), addresses=60, invitations=30)
    invitations = list(setup.lottery.invitations.select_related("address"))
    assert len(invitations) == 30
    assert {w: sum(i.ward == w for i in invitations) for w in ("North", "South", "East")} == {"North": 10, "South": 10, "East": 10}
    again = lottery.stratified_draw([(a.external_id, a.ward) for a in setup.lottery.addresses.all()], 30,
                                    setup.lottery.invitation_seed, setup.lottery.addresses_sha256)
    assert sorted(again) == sorted(i.address.external_id for i in invitations)
    assert len({i.code for i in invitations}) == 30
    entry = AuditEntry.objects.get(action="lottery.invitations_draw")
    assert entry.after["seed"] == "7 12 19 23 41 44"


def test_the_draw_needs_a_seed_published_first_and_then_the_address_list_is_frozen(make_user):
    officer = make_user(Role.OFFICER)
    setup = set_up(officer, addresses=0)
    lottery.import_addresses(officer, setup.lottery, b"id,address_line_1,postcode,ward\n1,1 High St,RV1 1AA,North\n")
    with pytest.raises(ValidationError, match="Publish the seed"):
        lottery.draw_invitations(officer, setup.lottery)
    lottery.set_up_lottery(officer, setup.assembly, invitations_to_send=1)
    lottery.publish_invitation_seed(officer, setup.lottery, "42")
    with pytest.raises(ValidationError, match="fixed"):
        lottery.import_addresses(officer, setup.lottery, b"id,address_line_1,postcode,ward\n2,2 High St,RV1 1AA,North\n")


def test_one_registration_per_code_and_wrong_codes_are_refused(make_user):
    setup = set_up(make_user(Role.OFFICER))
    code = setup.lottery.invitations.first().code
    answers = {"gender": "female", "age": "65+"}
    lottery.register(code, name="A B", email="ab@example.org", features=answers, consent=True)
    with pytest.raises(ValidationError, match="already been used"):
        lottery.register(code, name="C D", email="cd@example.org", features=answers, consent=True)
    with pytest.raises(ValidationError, match="do not recognise"):
        lottery.register("ZZZZ-ZZZZ", name="C D", email="cd@example.org", features=answers, consent=True)
    with pytest.raises(ValidationError, match="8 letters"):
        lottery.register("12", name="C D", email="cd@example.org", features=answers, consent=True)


def test_registration_needs_consent_and_valid_quota_answers(make_user):
    setup = set_up(make_user(Role.OFFICER))
    code = setup.lottery.invitations.first().code
    with pytest.raises(ValidationError, match="consent"):
        lottery.register(code, name="A", email="a@example.org", features={"gender": "female", "age": "65+"}, consent=False)
    with pytest.raises(ValidationError, match="age"):
        lottery.register(code, name="A", email="a@example.org", features={"gender": "female", "age": "7"}, consent=True)
    assert not Respondent.objects.exists()


def test_household_limit_refuses_a_second_person_at_the_same_address(make_user):
    officer = make_user(Role.OFFICER)
    setup = set_up(officer, addresses=0)
    data = b"id,address_line_1,postcode,ward\n1,Flat 1 High St,RV1 1AA,North\n2,flat 1  high st,rv1 1aa,North\n"
    lottery.import_addresses(officer, setup.lottery, data)
    lottery.set_up_lottery(officer, setup.assembly, invitations_to_send=2)
    lottery.publish_invitation_seed(officer, setup.lottery, "1")
    lottery.draw_invitations(officer, setup.lottery)
    first, second = setup.lottery.invitations.all()
    answers = {"gender": "female", "age": "65+"}
    lottery.register(first.code, name="A", email="a@example.org", features=answers, consent=True)
    with pytest.raises(ValidationError, match="household"):
        lottery.register(second.code, name="B", email="b@example.org", features=answers, consent=True)


def test_assisted_registration_is_for_staff_only_and_marked(make_user):
    setup = set_up(make_user(Role.OFFICER))
    code = setup.lottery.invitations.first().code
    answers = {"gender": "male", "age": "16-39"}
    with pytest.raises(Exception, match="permission"):
        lottery.register(code, name="A", phone="0770", features=answers, consent=True, actor=make_user(Role.RESIDENT))
    respondent = lottery.register(code, name="A", phone="0770", features=answers, consent=True, actor=setup.officer)
    assert respondent.assisted


def test_selected_panel_meets_quotas_and_the_confirmed_person_becomes_a_member(make_user, client):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    run = select(setup.officer, setup.lottery)
    assert run.status == SelectionRun.Status.DONE, run.message
    assert _meets(run, setup.lottery)
    chosen = Respondent.objects.get(public_id=run.drawn[0])
    assert chosen.status == Respondent.Status.SELECTED
    confirmed = lottery.respond_to_selection(chosen.token, accept=True, password="a-long-pass-phrase-9")
    membership = Membership.objects.get(user=confirmed.user, assembly=setup.assembly)
    assert membership.role == Membership.Role.MEMBER and confirmed.user.role == Role.ASSEMBLY_MEMBER
    assert client.login(email=chosen.email, password="a-long-pass-phrase-9")


def test_replacements_keep_the_people_who_stay_and_meet_the_quotas(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    first = select(setup.officer, setup.lottery)
    leaving = Respondent.objects.get(public_id=first.drawn[0])
    lottery.respond_to_selection(leaving.token, accept=False)
    run = select(setup.officer, setup.lottery, seed="replace-1", kind=SelectionRun.Kind.REPLACEMENT)
    assert run.status == SelectionRun.Status.DONE, run.message
    assert leaving.public_id not in run.drawn
    assert set(first.drawn) - {leaving.public_id} <= set(run.drawn)
    assert _meets(run, setup.lottery)
    assert lottery.current_panel(setup.lottery).__len__() == setup.lottery.panel_size


def test_infeasible_quotas_give_the_diagnosis_and_no_panel(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery, features=lambda i: {"gender": "male", "age": ["16-39", "40-64", "65+"][i % 3]})
    run = select(setup.officer, setup.lottery)
    assert run.status == SelectionRun.Status.INFEASIBLE
    assert run.drawn == [] and run.report is None
    assert any(r["category"] == "gender" for r in run.diagnosis["relaxations"])
    assert not Respondent.objects.filter(status=Respondent.Status.SELECTED).exists()


def test_a_run_executed_twice_is_left_alone(make_user):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    run = select(setup.officer, setup.lottery)
    assert lottery.execute_run(run.pk).drawn == run.drawn
    with pytest.raises(ValidationError, match="replacements"):
        lottery.start_selection(setup.officer, setup.lottery, seed="again")


def test_confirming_by_link_signs_the_new_member_in_and_opens_their_sessions(make_user, client):
    setup = set_up(make_user(Role.OFFICER))
    register_all(setup.lottery)
    run = select(setup.officer, setup.lottery)
    chosen = Respondent.objects.get(public_id=run.drawn[0])
    response = client.post(f"/register/confirm/{chosen.token}/", {"answer": "accept", "password": "a-long-pass-phrase-9"})
    assert response.status_code == 302 and response["Location"] == f"/assemblies/{setup.assembly.slug}/member/"
    assert client.get(response["Location"]).status_code == 200
