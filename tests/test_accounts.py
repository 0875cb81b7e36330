"""Accounts: invitations, the admin's list and edit pages, (de)activation and the person's own profile."""

from __future__ import annotations

import re
from email.header import decode_header, make_header

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.accounts import services
from app.errors import DomainError
from app.extensions import db
from app.models import Account, GlobalRole
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, AdminFactory, OrganisationFactory, OrganiserFactory

INVITE_LINK = re.compile(r"http://localhost(/auth/invitation/[A-Za-z0-9_\-]+)")


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


def _accounts() -> int:
    return db.session.scalar(select(func.count()).select_from(Account))


def _field_error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, f"no error at the field {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _subject(message) -> str:
    """The decoded subject (non-ASCII subjects travel MIME-encoded)."""
    return str(make_header(decode_header(message["Subject"])))


def _invite_link(outbox, message=None) -> str:
    match = INVITE_LINK.search(outbox.body(message or outbox.last()))
    assert match, "no invitation link in the mail"
    return match.group(1)


def _invitation(**overrides) -> dict:
    data = {"display_name": "Erika Mustermann", "email": "erika@example.org", "organisation_id": 0, "locale": "en"}
    data.update(overrides)
    return data


@pytest.fixture
def admin(auth) -> Account:
    """A logged-in admin who reads the pages in English."""
    account = AdminFactory(email="admin@example.org", display_name="Ada Admin", locale="en")
    assert auth.login("admin@example.org").status_code == 302
    return account


@pytest.fixture
def organiser(auth) -> Account:
    account = OrganiserFactory(email="organiser@example.org", display_name="Otto Organiser", locale="en")
    assert auth.login("organiser@example.org").status_code == 302
    return account


# Invitations


def test_admin_invites_in_english(client, admin, outbox):
    organisation = OrganisationFactory(name="Stadt Beispielhausen")
    response = client.post(
        "/accounts/invite",
        data=_invitation(email="Erika@Example.org", organisation_id=organisation.id, role="organiser"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/"

    account = db.session.scalars(select(Account).where(Account.email == "erika@example.org")).one()
    assert account.display_name == "Erika Mustermann"
    assert account.organisation == organisation
    assert account.role is GlobalRole.ORGANISER
    assert account.locale == "en"
    assert not account.has_password

    message = outbox.last()
    assert message["To"] == "erika@example.org"
    assert message["Subject"] == "Your invitation to Koop"
    body = outbox.body(message)
    assert "Hello Erika Mustermann," in body
    assert "Ada Admin has invited you to Koop" in body
    assert "valid for 7 days" in body
    assert client.get(_invite_link(outbox, message)).status_code == 200


def test_admin_invites_in_german(client, admin, outbox):
    response = client.post("/accounts/invite", data=_invitation(locale="de"))
    assert response.status_code == 302
    message = outbox.last()
    with force_locale("de"):
        assert _subject(message) == gettext("Your invitation to Koop")
        assert gettext("Hello %(name)s,", name="Erika Mustermann") in outbox.body(message)
    assert client.get(_invite_link(outbox, message)).status_code == 200


def test_mail_language_follows_the_recipient_not_the_inviter(client, admin, outbox):
    client.post("/accounts/invite", data=_invitation(locale="de"))
    client.post("/accounts/invite", data=_invitation(email="john@example.org", display_name="John", locale="en"))
    german, english = outbox.messages()
    assert english["Subject"] == "Your invitation to Koop"
    with force_locale("de"):
        assert _subject(german) == gettext("Your invitation to Koop")


def test_organiser_invites_without_a_role_field(client, organiser, outbox):
    page = client.get("/accounts/invite")
    assert page.status_code == 200
    assert 'name="role"' not in page.get_data(as_text=True)

    response = client.post("/accounts/invite", data=_invitation(role="admin"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # organisers do not see the account list
    account = db.session.scalars(select(Account).where(Account.email == "erika@example.org")).one()
    assert account.role is GlobalRole.NONE
    assert outbox.last()["To"] == "erika@example.org"


def test_service_refuses_a_role_from_an_organiser(app):
    organiser = OrganiserFactory()
    with pytest.raises(DomainError) as raised:
        services.invite_account(organiser, "Erika", "erika@example.org", None, role=GlobalRole.ADMIN)
    assert raised.value.field == "role"
    assert _accounts() == 1


def test_admin_sees_the_role_field(client, admin):
    assert 'name="role"' in client.get("/accounts/invite").get_data(as_text=True)


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.org", "", "x" * 250 + "@example.org"])
def test_invalid_email_is_refused(client, admin, outbox, email):
    response = client.post("/accounts/invite", data=_invitation(email=email))
    assert response.status_code == 200
    assert _field_error(response, "email")
    assert _accounts() == 1
    assert outbox.messages() == []


def test_duplicate_email_is_refused_whatever_its_case(client, admin, outbox):
    AccountFactory(email="taken@example.org")
    response = client.post("/accounts/invite", data=_invitation(email="Taken@EXAMPLE.org"))
    assert response.status_code == 200
    assert "already exists" in _field_error(response, "email")
    assert _accounts() == 2
    assert outbox.messages() == []


def test_overlong_name_is_refused(client, admin, outbox):
    response = client.post("/accounts/invite", data=_invitation(display_name="N" * 121))
    assert response.status_code == 200
    assert _field_error(response, "display_name")
    assert _accounts() == 1
    assert outbox.messages() == []


def test_missing_name_is_refused(client, admin):
    response = client.post("/accounts/invite", data=_invitation(display_name=""))
    assert response.status_code == 200
    assert _field_error(response, "display_name")
    assert _accounts() == 1


def test_unknown_organisation_is_refused(client, admin):
    response = client.post("/accounts/invite", data=_invitation(organisation_id=987654))
    assert response.status_code == 200
    assert _field_error(response, "organisation_id")
    assert _accounts() == 1


def test_unknown_invitation_language_is_refused(client, admin):
    response = client.post("/accounts/invite", data=_invitation(locale="fr"))
    assert response.status_code == 200
    assert _field_error(response, "locale")
    assert _accounts() == 1


def test_resend_invitation_retires_the_old_link(client, admin, outbox):
    client.post("/accounts/invite", data=_invitation())
    account = db.session.scalars(select(Account).where(Account.email == "erika@example.org")).one()
    old_link = _invite_link(outbox)

    response = client.post(f"/accounts/{account.id}/invitation")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/{account.id}/edit"
    assert len(outbox.messages()) == 2
    new_link = _invite_link(outbox)
    assert new_link != old_link
    assert client.get(old_link).status_code == 404
    assert client.get(new_link).status_code == 200


def test_organiser_can_resend_an_invitation(client, organiser, outbox):
    invited = AccountFactory(password_hash=None, locale="en")
    response = client.post(f"/accounts/{invited.id}/invitation")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert outbox.last()["To"] == invited.email


def test_resend_invitation_to_an_account_with_password_is_refused(client, admin, outbox):
    person = AccountFactory()
    response = client.post(f"/accounts/{person.id}/invitation", follow_redirects=True)
    assert response.status_code == 200
    assert "already set a password" in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_resend_invitation_to_a_deactivated_account_is_refused(client, admin, outbox):
    person = AccountFactory(password_hash=None, active=False)
    response = client.post(f"/accounts/{person.id}/invitation", follow_redirects=True)
    assert "deactivated" in response.get_data(as_text=True)
    assert outbox.messages() == []


# Admin edits


def test_admin_edits_an_account(app, client, admin):
    old_organisation, new_organisation = OrganisationFactory(), OrganisationFactory()
    person = AccountFactory(email="person@example.org", organisation=old_organisation)
    person_client = app.test_client()
    person_client.post("/auth/login", data={"email": "person@example.org", "password": "correct-horse-battery"})
    assert person_client.get("/accounts/profile").status_code == 200

    page = client.get(f"/accounts/{person.id}/edit")
    assert page.status_code == 200
    assert 'value="person@example.org"' in page.get_data(as_text=True)

    response = client.post(
        f"/accounts/{person.id}/edit",
        data={
            "display_name": "Petra Person",
            "email": "Petra@Example.org",
            "organisation_id": new_organisation.id,
            "role": "organiser",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/"
    db.session.refresh(person)
    assert person.display_name == "Petra Person"
    assert person.email == "petra@example.org"
    assert person.organisation == new_organisation
    assert person.role is GlobalRole.ORGANISER
    # The login changed, so the open session ends.
    assert person_client.get("/accounts/profile").status_code == 302


def test_admin_edit_keeps_the_session_when_the_email_stays(app, client, admin):
    person = AccountFactory(email="person@example.org")
    version = person.session_version
    response = client.post(
        f"/accounts/{person.id}/edit",
        data={"display_name": "Renamed", "email": "person@example.org", "organisation_id": 0, "role": "none"},
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.session_version == version
    assert person.organisation is None


def test_admin_edit_refuses_a_duplicate_email(client, admin):
    AccountFactory(email="taken@example.org")
    person = AccountFactory(email="person@example.org")
    response = client.post(
        f"/accounts/{person.id}/edit",
        data={"display_name": "P", "email": "TAKEN@example.org", "organisation_id": 0, "role": "none"},
    )
    assert response.status_code == 200
    assert "already exists" in _field_error(response, "email")
    db.session.refresh(person)
    assert person.email == "person@example.org"


def test_admin_edit_refuses_an_unknown_role(client, admin):
    person = AccountFactory()
    response = client.post(
        f"/accounts/{person.id}/edit",
        data={"display_name": "P", "email": person.email, "organisation_id": 0, "role": "emperor"},
    )
    assert response.status_code == 200
    assert _field_error(response, "role")
    db.session.refresh(person)
    assert person.role is GlobalRole.NONE


def test_admin_cannot_drop_their_own_admin_role(client, admin):
    response = client.post(
        f"/accounts/{admin.id}/edit",
        data={"display_name": "Ada Admin", "email": "admin@example.org", "organisation_id": 0, "role": "organiser"},
    )
    assert response.status_code == 200
    assert "own administrator role" in _field_error(response, "role")
    db.session.refresh(admin)
    assert admin.role is GlobalRole.ADMIN


def test_admin_can_edit_their_own_name(client, admin):
    response = client.post(
        f"/accounts/{admin.id}/edit",
        data={"display_name": "Ada A.", "email": "admin@example.org", "organisation_id": 0, "role": "admin"},
    )
    assert response.status_code == 302
    db.session.refresh(admin)
    assert admin.display_name == "Ada A."


def test_unknown_account_is_404(client, admin):
    assert client.get("/accounts/987654/edit").status_code == 404
    assert client.post("/accounts/987654/deactivate").status_code == 404
    assert client.post("/accounts/987654/reactivate").status_code == 404
    assert client.post("/accounts/987654/invitation").status_code == 404


# Deactivation


def test_deactivation_ends_the_open_session_at_once(app, client, admin):
    person = AccountFactory(email="person@example.org")
    person_client = app.test_client()
    person_client.post("/auth/login", data={"email": "person@example.org", "password": "correct-horse-battery"})
    assert person_client.get("/accounts/profile").status_code == 200

    response = client.post(f"/accounts/{person.id}/deactivate")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/accounts/{person.id}/edit"
    db.session.refresh(person)
    assert not person.active
    assert person_client.get("/accounts/profile").status_code == 302
    login = person_client.post("/auth/login", data={"email": "person@example.org", "password": "correct-horse-battery"})
    assert login.status_code == 200

    response = client.post(f"/accounts/{person.id}/reactivate")
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.active
    login = person_client.post("/auth/login", data={"email": "person@example.org", "password": "correct-horse-battery"})
    assert login.status_code == 302


def test_deactivating_twice_changes_nothing(client, admin):
    person = AccountFactory(active=False)
    version = person.session_version
    assert client.post(f"/accounts/{person.id}/deactivate").status_code == 302
    db.session.refresh(person)
    assert not person.active
    assert person.session_version == version


def test_admin_cannot_deactivate_themself(client, admin):
    assert client.post(f"/accounts/{admin.id}/deactivate").status_code == 403
    db.session.refresh(admin)
    assert admin.active
    page = client.get(f"/accounts/{admin.id}/edit").get_data(as_text=True)
    assert f"/accounts/{admin.id}/deactivate" not in page


def test_service_refuses_self_deactivation(app):
    admin = AdminFactory()
    with pytest.raises(DomainError):
        services.set_active(admin, admin, False)
    assert admin.active


def test_edit_page_offers_deactivation_and_resending(client, admin):
    invited = AccountFactory(password_hash=None)
    page = client.get(f"/accounts/{invited.id}/edit").get_data(as_text=True)
    assert f"/accounts/{invited.id}/deactivate" in page
    assert f"/accounts/{invited.id}/invitation" in page


# Profile


def test_profile_edit(client, auth):
    person = AccountFactory(email="person@example.org", locale="de")
    auth.login("person@example.org")
    assert client.get("/accounts/profile").status_code == 200
    response = client.post(
        "/accounts/profile", data={"display_name": "  Paula Person ", "locale": "en", "timezone": "America/New_York"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/profile"
    db.session.refresh(person)
    assert person.display_name == "Paula Person"
    assert person.locale == "en"
    assert person.timezone == "America/New_York"
    # The chosen language is the page language from now on.
    assert '<html lang="en">' in client.get("/accounts/profile").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"display_name": "Paula", "locale": "en", "timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"display_name": "Paula", "locale": "fr", "timezone": "Europe/Berlin"}, "locale"),
        ({"display_name": "P" * 121, "locale": "en", "timezone": "Europe/Berlin"}, "display_name"),
        ({"display_name": "", "locale": "en", "timezone": "Europe/Berlin"}, "display_name"),
    ],
)
def test_profile_refuses_bad_values(client, auth, data, field):
    person = AccountFactory(email="person@example.org", display_name="Before", locale="en", timezone="Europe/Berlin")
    auth.login("person@example.org")
    response = client.post("/accounts/profile", data=data)
    assert response.status_code == 200
    assert _field_error(response, field)
    db.session.refresh(person)
    assert (person.display_name, person.locale, person.timezone) == ("Before", "en", "Europe/Berlin")


@pytest.mark.parametrize(
    ("locale", "timezone", "field"), [("en", "Mars/Olympus_Mons", "timezone"), ("fr", "Europe/Berlin", "locale")]
)
def test_profile_service_refuses_unknown_values(app, locale, timezone, field):
    person = AccountFactory(locale="de")
    with pytest.raises(DomainError) as raised:
        services.update_profile(person, "Name", locale, timezone)
    assert raised.value.field == field
    db.session.refresh(person)
    assert person.locale == "de"


# The list


def _listed(response) -> list[int]:
    return [int(found) for found in re.findall(r'href="/accounts/(\d+)/edit"', response.get_data(as_text=True))]


def test_list_filters(client, admin):
    organiser = OrganiserFactory(display_name="Olga Organiser", email="olga@example.org")
    gone = AccountFactory(display_name="Gustav Gone", email="gustav@example.org", active=False)
    plain = AccountFactory(display_name="Paul Plain", email="paul@other.example")

    assert set(_listed(client.get("/accounts/"))) == {admin.id, organiser.id, gone.id, plain.id}
    assert _listed(client.get("/accounts/?q=olga")) == [organiser.id]
    assert _listed(client.get("/accounts/?q=OTHER.EXAMPLE")) == [plain.id]  # email, any case
    assert _listed(client.get("/accounts/?role=organiser")) == [organiser.id]
    assert set(_listed(client.get("/accounts/?role=none"))) == {gone.id, plain.id}
    assert _listed(client.get("/accounts/?status=inactive")) == [gone.id]
    assert set(_listed(client.get("/accounts/?status=active"))) == {admin.id, organiser.id, plain.id}
    assert _listed(client.get("/accounts/?status=active&role=none&q=paul")) == [plain.id]
    # Unknown filter values are ignored rather than failing.
    assert len(_listed(client.get("/accounts/?role=emperor&status=sleeping"))) == 4


def test_list_search_treats_wildcards_literally(client, admin):
    AccountFactory(display_name="Anna", email="anna@example.org")
    percent = AccountFactory(display_name="100% Sure", email="sure@example.org")
    assert _listed(client.get("/accounts/", query_string={"q": "%"})) == [percent.id]
    assert _listed(client.get("/accounts/", query_string={"q": "_"})) == []


def test_list_pagination_beyond_fifty_rows(client, admin):
    AccountFactory.create_batch(55)
    first = client.get("/accounts/")
    assert first.status_code == 200
    assert len(_listed(first)) == 50
    assert "56 accounts" in first.get_data(as_text=True)
    assert "page=2" in first.get_data(as_text=True)
    second = client.get("/accounts/?page=2")
    assert len(_listed(second)) == 6
    assert not set(_listed(first)) & set(_listed(second))
    assert _listed(client.get("/accounts/?page=99")) == []
    assert client.get("/accounts/?page=0").status_code == 200
    assert client.get("/accounts/?page=abc").status_code == 200


def test_list_page_runs_a_flat_number_of_queries(client, admin, count_statements):
    AccountFactory.create_batch(5)
    with count_statements() as few:
        client.get("/accounts/")
    AccountFactory.create_batch(30)
    with count_statements() as many:
        client.get("/accounts/")
    assert many.count == few.count
