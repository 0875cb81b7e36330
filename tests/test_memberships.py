"""Memberships: the services' rules without HTTP, the database backstops, and the roster routes."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from app.bodies import services
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import AuditEntry, Membership, MembershipRole, Visibility
from tests.factories import (
    AccountFactory,
    AdminFactory,
    OrganiserFactory,
    StateOrganisationFactory,
)
from tests.factories_bodies import (
    START,
    BodyFactory,
    MembershipFactory,
    count_rows,
    html,
    log_in,
    membership_data,
)


@pytest.fixture
def organiser(app):
    return OrganiserFactory()


@pytest.fixture
def body(app):
    return BodyFactory(name="AG Registermodernisierung", code="AGREG")


class TestServices:
    def test_add_defaults_to_the_persons_own_organisation(self, organiser, body):
        account = AccountFactory()
        membership = services.add_membership(organiser, body, membership_data(account, role=MembershipRole.SECRETARY))
        assert membership.id is not None
        assert membership.organisation is account.organisation
        assert (membership.role, membership.voting, membership.start_on, membership.end_on) == (
            MembershipRole.SECRETARY,
            True,
            START,
            None,
        )
        assert membership.is_current(today())

    def test_add_on_behalf_of_another_organisation(self, organiser, body):
        account = AccountFactory()
        ministry = StateOrganisationFactory()
        membership = services.add_membership(
            organiser, body, membership_data(account, organisation=ministry, voting=False)
        )
        assert membership.organisation is ministry
        assert membership.voting is False

    def test_a_guest_with_a_vote_is_a_field_error(self, organiser, body):
        with pytest.raises(DomainError) as caught:
            services.add_membership(organiser, body, membership_data(AccountFactory(), role=MembershipRole.GUEST))
        assert caught.value.field == "voting"
        assert count_rows(Membership) == 0

    def test_a_guest_without_vote_is_fine(self, organiser, body):
        guest = services.add_membership(
            organiser, body, membership_data(AccountFactory(), role=MembershipRole.GUEST, voting=False)
        )
        assert guest.role is MembershipRole.GUEST and not guest.voting

    def test_ending_before_starting_is_a_field_error(self, organiser, body):
        with pytest.raises(DomainError) as caught:
            services.add_membership(
                organiser, body, membership_data(AccountFactory(), start_on=date(2022, 1, 2), end_on=date(2022, 1, 1))
            )
        assert caught.value.field == "end_on"
        assert count_rows(Membership) == 0

    def test_a_second_current_chair_is_a_field_error(self, organiser, body):
        MembershipFactory(body=body, role=MembershipRole.CHAIR)
        with pytest.raises(DomainError) as caught:
            services.add_membership(organiser, body, membership_data(AccountFactory(), role=MembershipRole.CHAIR))
        assert caught.value.field == "role"
        assert count_rows(Membership) == 1

    def test_a_new_chair_after_the_old_one_left_is_fine(self, organiser, body):
        MembershipFactory(body=body, role=MembershipRole.CHAIR, end_on=date(2022, 1, 1))
        chair = services.add_membership(
            organiser, body, membership_data(AccountFactory(), role=MembershipRole.CHAIR, start_on=date(2022, 1, 1))
        )
        assert chair.is_current(today())

    def test_a_chair_of_another_body_does_not_count(self, organiser, body):
        MembershipFactory(role=MembershipRole.CHAIR)
        services.add_membership(organiser, body, membership_data(AccountFactory(), role=MembershipRole.CHAIR))

    @pytest.mark.parametrize(
        ("existing", "new"),
        [
            ((START, None), (START, None)),
            ((START, None), (date(2023, 1, 1), None)),
            ((START, date(2022, 1, 1)), (date(2021, 6, 1), None)),
            ((date(2030, 1, 1), None), (START, date(2030, 1, 2))),
        ],
        ids=["both-open", "later-start", "starts-before-the-old-ends", "future-one"],
    )
    def test_overlapping_memberships_of_one_person_are_a_field_error(self, organiser, body, existing, new):
        account = AccountFactory()
        MembershipFactory(body=body, account=account, start_on=existing[0], end_on=existing[1])
        with pytest.raises(DomainError) as caught:
            services.add_membership(organiser, body, membership_data(account, start_on=new[0], end_on=new[1]))
        assert caught.value.field == "account_id"
        assert count_rows(Membership) == 1

    def test_successive_memberships_of_one_person_are_fine(self, organiser, body):
        account = AccountFactory()
        first = services.add_membership(organiser, body, membership_data(account, end_on=date(2021, 1, 1)))
        second = services.add_membership(organiser, body, membership_data(account, start_on=date(2021, 1, 1)))
        assert not first.is_current(today()) and second.is_current(today())
        # The same person in another body at the same time is fine as well.
        services.add_membership(organiser, BodyFactory(), membership_data(account))

    def test_a_deactivated_account_cannot_join(self, organiser, body):
        with pytest.raises(DomainError) as caught:
            services.add_membership(organiser, body, membership_data(AccountFactory(active=False)))
        assert caught.value.field == "account_id"

    def test_a_dissolved_body_takes_no_members(self, organiser):
        old = BodyFactory(dissolved_on=today() - timedelta(days=1))
        with pytest.raises(ConflictError):
            services.add_membership(organiser, old, membership_data(AccountFactory()))

    def test_update_checks_the_same_rules_but_not_against_itself(self, organiser, body):
        MembershipFactory(body=body, role=MembershipRole.CHAIR)
        membership = MembershipFactory(body=body)
        services.update_membership(organiser, membership, membership_data(membership.account, voting=False))
        assert membership.voting is False
        with pytest.raises(DomainError) as caught:
            services.update_membership(
                organiser, membership, membership_data(membership.account, role=MembershipRole.CHAIR)
            )
        assert caught.value.field == "role"
        with pytest.raises(DomainError) as caught:
            services.update_membership(
                organiser, membership, membership_data(membership.account, role=MembershipRole.GUEST)
            )
        assert caught.value.field == "voting"
        assert membership.role is MembershipRole.MEMBER

    def test_end_sets_the_end_date_and_keeps_the_row(self, organiser, body):
        membership = MembershipFactory(body=body)
        services.end_membership(organiser, membership, today())
        assert membership.end_on == today()
        assert not membership.is_current(today())
        assert count_rows(Membership) == 1
        roster = services.roster(body, include_former=True)
        assert roster.current == [] and roster.former == [membership]

    def test_end_before_start_is_a_field_error(self, organiser, body):
        membership = MembershipFactory(body=body, start_on=date(2024, 1, 1))
        with pytest.raises(DomainError) as caught:
            services.end_membership(organiser, membership, date(2023, 12, 31))
        assert caught.value.field == "end_on"
        assert membership.end_on is None

    def test_ending_an_ended_membership_is_a_conflict(self, organiser, body):
        membership = MembershipFactory(body=body, end_on=date(2022, 1, 1))
        with pytest.raises(ConflictError):
            services.end_membership(organiser, membership, date(2022, 6, 1))
        assert membership.end_on == date(2022, 1, 1)

    def test_a_membership_ending_in_the_future_can_be_ended_earlier(self, organiser, body):
        membership = MembershipFactory(body=body, end_on=today() + timedelta(days=100))
        services.end_membership(organiser, membership, today())
        assert membership.end_on == today()

    def test_there_is_no_way_to_delete_a_membership(self):
        assert not [name for name in dir(services) if "delete" in name.lower() or "remove" in name.lower()]


class TestDatabaseBackstops:
    """When the services are bypassed, the database still refuses what they would refuse."""

    def _insert(self, **values) -> None:
        db.session.add(Membership(**values))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()

    def test_one_open_membership_per_person_and_body(self, body):
        existing = MembershipFactory(body=body)
        self._insert(body=body, account=existing.account, role=MembershipRole.MEMBER, voting=True, start_on=START)

    def test_one_open_chair_per_body(self, body):
        MembershipFactory(body=body, role=MembershipRole.CHAIR)
        self._insert(body=body, account=AccountFactory(), role=MembershipRole.CHAIR, voting=True, start_on=START)

    def test_guests_never_vote(self, body):
        self._insert(body=body, account=AccountFactory(), role=MembershipRole.GUEST, voting=True, start_on=START)

    def test_no_end_before_start(self, body):
        self._insert(
            body=body, account=AccountFactory(), role=MembershipRole.MEMBER, voting=True, start_on=START,
            end_on=START - timedelta(days=1),
        )  # fmt: skip

    def test_ended_memberships_do_not_block(self, body):
        account = AccountFactory()
        MembershipFactory(body=body, account=account, role=MembershipRole.CHAIR, end_on=date(2021, 1, 1))
        MembershipFactory(body=body, account=account, role=MembershipRole.CHAIR, start_on=date(2021, 1, 1))
        assert count_rows(Membership) == 2


# Routes


def _form(account, **overrides) -> dict:
    data = {
        "account_id": account.id,
        "role": "member",
        "organisation_id": 0,
        "voting": "y",
        "start_on": "2020-01-01",
        "end_on": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def chair(body):
    return MembershipFactory(body=body, role=MembershipRole.CHAIR, account=AccountFactory(locale="en")).account


MANAGERS = ["chair", "deputy_chair", "organiser", "admin"]
NOT_MANAGERS = ["secretary", "member", "substitute", "guest", "account"]


def _person(kind: str, body):
    if kind == "organiser":
        return OrganiserFactory()
    if kind == "admin":
        return AdminFactory()
    if kind == "account":
        return AccountFactory()
    role = MembershipRole(kind)
    return MembershipFactory(body=body, role=role, voting=role is not MembershipRole.GUEST).account


@pytest.mark.parametrize("kind", MANAGERS)
def test_managers_add_members(client, body, kind):
    log_in(client, _person(kind, body))
    assert client.get("/bodies/AGREG/members/add").status_code == 200
    newcomer = AccountFactory()
    before = count_rows(Membership)
    response = client.post("/bodies/AGREG/members/add", data=_form(newcomer))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bodies/AGREG")
    assert count_rows(Membership) == before + 1
    membership = db.session.scalars(db.select(Membership).filter_by(account_id=newcomer.id)).one()
    assert membership.organisation_id == newcomer.organisation_id
    assert membership.voting and membership.role is MembershipRole.MEMBER


@pytest.mark.parametrize("kind", NOT_MANAGERS)
def test_others_cannot_touch_the_roster(client, body, kind):
    membership = MembershipFactory(body=body)
    log_in(client, _person(kind, body))
    assert client.get("/bodies/AGREG/members/add").status_code == 403
    assert client.post("/bodies/AGREG/members/add", data=_form(AccountFactory())).status_code == 403
    assert client.get(f"/bodies/AGREG/members/{membership.id}/edit").status_code == 403
    assert client.post(f"/bodies/AGREG/members/{membership.id}/end", data={"end_on": "2024-01-01"}).status_code == 403
    assert membership.end_on is None


def test_anonymous_visitors_are_sent_to_log_in(client, body):
    membership = MembershipFactory(body=body)
    for response in (
        client.get("/bodies/AGREG/members/add"),
        client.post("/bodies/AGREG/members/add", data=_form(AccountFactory())),
        client.get(f"/bodies/AGREG/members/{membership.id}/edit"),
        client.post(f"/bodies/AGREG/members/{membership.id}/end", data={"end_on": "2024-01-01"}),
    ):
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]


def test_the_chair_of_another_body_cannot_manage_this_one(client, body):
    other_chair = MembershipFactory(role=MembershipRole.CHAIR).account
    log_in(client, other_chair)
    assert client.get("/bodies/AGREG/members/add").status_code == 403


def test_a_former_chair_cannot_manage_the_roster(client, body):
    former = MembershipFactory(body=body, role=MembershipRole.CHAIR, end_on=today()).account
    log_in(client, former)
    assert client.get("/bodies/AGREG/members/add").status_code == 403


def test_unknown_bodies_and_memberships_are_404(client, body, chair):
    log_in(client, chair)
    elsewhere = MembershipFactory()
    assert client.get("/bodies/NOSUCH/members/add").status_code == 404
    assert client.get("/bodies/AGREG/members/999999/edit").status_code == 404
    assert client.post("/bodies/AGREG/members/999999/end", data={"end_on": "2024-01-01"}).status_code == 404
    # A membership of another body, reached through this body's address.
    assert client.get(f"/bodies/AGREG/members/{elsewhere.id}/edit").status_code == 404
    assert client.post(f"/bodies/AGREG/members/{elsewhere.id}/end", data={"end_on": "2024-01-01"}).status_code == 404
    assert elsewhere.end_on is None


def test_members_of_a_confidential_body_are_404_for_outsiders(client):
    secret = BodyFactory(code="SECRET", visibility=Visibility.CONFIDENTIAL)
    membership = MembershipFactory(body=secret)
    log_in(client, AccountFactory())
    assert client.get("/bodies/SECRET/members/add").status_code == 404
    assert client.get(f"/bodies/SECRET/members/{membership.id}/edit").status_code == 404
    assert client.post(f"/bodies/SECRET/members/{membership.id}/end", data={"end_on": "2024-01-01"}).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"role": "guest"}, "voting"),
        ({"start_on": "2022-01-02", "end_on": "2022-01-01"}, "end_on"),
        ({"role": "chair"}, "role"),
        ({"start_on": ""}, "start_on"),
        ({"start_on": "not a date"}, "start_on"),
        ({"role": "emperor"}, "role"),
        ({"account_id": 999999}, "account_id"),
        ({"organisation_id": 999999}, "organisation_id"),
    ],
    ids=["guest-with-vote", "ends-before-start", "second-chair", "no-start", "bad-date", "unknown-role",
         "unknown-account", "unknown-organisation"],
)  # fmt: skip
def test_bad_membership_input_gives_a_field_message_and_writes_nothing(client, body, chair, overrides, field):
    log_in(client, chair)
    newcomer = AccountFactory()
    rows, entries = count_rows(Membership), count_rows(AuditEntry)
    response = client.post("/bodies/AGREG/members/add", data=_form(newcomer, **overrides))
    assert response.status_code == 200
    assert f'id="{field}-error"' in html(response)
    assert (count_rows(Membership), count_rows(AuditEntry)) == (rows, entries)


def test_a_second_membership_of_the_same_person_is_a_field_message(client, body, chair):
    log_in(client, chair)
    member = MembershipFactory(body=body, account=AccountFactory(display_name="Doppelt Dabei")).account
    rows = count_rows(Membership)
    response = client.post("/bodies/AGREG/members/add", data=_form(member))
    assert response.status_code == 200
    page = html(response)
    assert 'id="account_id-error"' in page
    assert "Doppelt Dabei already has a membership in this body for this period." in page
    assert count_rows(Membership) == rows


def test_the_guest_message_names_the_rule(client, body, chair):
    log_in(client, chair)
    response = client.post("/bodies/AGREG/members/add", data=_form(AccountFactory(), role="guest"))
    assert "Guests never have a vote." in html(response)
    response = client.post("/bodies/AGREG/members/add", data=_form(AccountFactory(), role="guest", voting=None))
    assert response.status_code == 302


def test_edit_a_membership(client, body, chair):
    log_in(client, chair)
    ministry = StateOrganisationFactory()
    membership = MembershipFactory(body=body)
    page = client.get(f"/bodies/AGREG/members/{membership.id}/edit")
    assert page.status_code == 200
    assert "End the membership" in html(page)
    response = client.post(
        f"/bodies/AGREG/members/{membership.id}/edit",
        data=_form(membership.account, role="substitute", organisation_id=ministry.id, voting=None),
    )
    assert response.status_code == 302
    assert (membership.role, membership.organisation_id, membership.voting) == (
        MembershipRole.SUBSTITUTE,
        ministry.id,
        False,
    )


def test_a_bad_edit_writes_nothing(client, body, chair):
    log_in(client, chair)
    membership = MembershipFactory(body=body)
    entries = count_rows(AuditEntry)
    response = client.post(f"/bodies/AGREG/members/{membership.id}/edit", data=_form(membership.account, role="chair"))
    assert response.status_code == 200
    assert 'id="role-error"' in html(response)
    db.session.expire_all()
    assert membership.role is MembershipRole.MEMBER
    assert count_rows(AuditEntry) == entries


def test_end_a_membership_through_the_roster(client, body, chair):
    log_in(client, chair)
    membership = MembershipFactory(body=body, account=AccountFactory(display_name="Gerda Gehend"))
    assert "Gerda Gehend" in html(client.get("/bodies/AGREG"))
    response = client.post(f"/bodies/AGREG/members/{membership.id}/end", data={"end_on": today().isoformat()})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/bodies/AGREG")
    assert membership.end_on == today()
    assert count_rows(Membership) == 2
    assert "The membership of Gerda Gehend ends on" in html(client.get("/bodies/AGREG"))
    assert "Gerda Gehend" not in html(client.get("/bodies/AGREG"))
    former = html(client.get("/bodies/AGREG?former=1"))
    assert "Former and future members" in former
    assert "Gerda Gehend" in former


@pytest.mark.parametrize("end_on", ["", "31.12.2019", "2019-12-31"], ids=["missing", "bad-format", "before-start"])
def test_a_bad_end_date_goes_back_to_the_form_and_writes_nothing(client, body, chair, end_on):
    log_in(client, chair)
    membership = MembershipFactory(body=body)
    entries = count_rows(AuditEntry)
    response = client.post(f"/bodies/AGREG/members/{membership.id}/end", data={"end_on": end_on})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bodies/AGREG/members/{membership.id}/edit")
    db.session.expire_all()
    assert membership.end_on is None
    assert count_rows(AuditEntry) == entries
    page = html(client.get(response.headers["Location"]))
    assert "kern-alert--danger" in page


def test_a_dissolved_body_answers_409_to_every_roster_change(client, organiser):
    old = BodyFactory(code="OLD", dissolved_on=today() - timedelta(days=1))
    membership = MembershipFactory(body=old)
    log_in(client, organiser)
    for response in (
        client.get("/bodies/OLD/members/add"),
        client.post("/bodies/OLD/members/add", data=_form(AccountFactory())),
        client.get(f"/bodies/OLD/members/{membership.id}/edit"),
        client.post(f"/bodies/OLD/members/{membership.id}/edit", data=_form(membership.account, role="guest")),
        client.post(f"/bodies/OLD/members/{membership.id}/end", data={"end_on": today().isoformat()}),
    ):
        assert response.status_code == 409
        assert "This body has been dissolved" in html(response)
    assert membership.end_on is None
    assert count_rows(Membership) == 1


def test_the_roster_form_offers_the_persons_own_organisation_as_default(client, body, chair):
    log_in(client, chair)
    page = html(client.get("/bodies/AGREG/members/add"))
    assert "own organisation" in page
    assert f'value="{today().isoformat()}"' in page  # the start date defaults to today


def test_roster_groups_by_role_and_marks_votes(client, body, chair):
    MembershipFactory(
        body=body, role=MembershipRole.GUEST, voting=False, account=AccountFactory(display_name="Gustav Gast")
    )
    log_in(client, chair)
    page = html(client.get("/bodies/AGREG"))
    roster = page[page.index('id="roster-heading"') :]
    assert roster.index("Chair") < roster.index("Guest") < roster.index("Gustav Gast")
    assert "no vote" in roster


def test_ending_later_cannot_overlap_the_next_membership(app, organiser, body):
    account = AccountFactory()
    first = MembershipFactory(body=body, account=account, end_on=today() + timedelta(days=10))
    MembershipFactory(body=body, account=account, start_on=today() + timedelta(days=10))
    with pytest.raises(DomainError) as caught:
        services.end_membership(organiser, first, today() + timedelta(days=20))
    assert caught.value.field == "end_on"
    assert first.end_on == today() + timedelta(days=10)
    services.end_membership(organiser, first, today() + timedelta(days=5))
    assert first.end_on == today() + timedelta(days=5)


def test_ending_a_chair_later_cannot_overlap_the_next_chair(app, organiser, body):
    first = MembershipFactory(body=body, role=MembershipRole.CHAIR, end_on=today() + timedelta(days=10))
    MembershipFactory(body=body, role=MembershipRole.CHAIR, start_on=today() + timedelta(days=10))
    with pytest.raises(DomainError):
        services.end_membership(organiser, first, today() + timedelta(days=20))
    assert first.end_on == today() + timedelta(days=10)
