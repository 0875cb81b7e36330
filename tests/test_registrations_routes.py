"""Registration routes: permissions per role, register and cancel, settings form, participant list and CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from app.extensions import db
from app.models import MeetingStatus, MembershipRole, Registration, RegistrationStatus, Visibility, utcnow
from app.registrations import services
from tests.factories import AccountFactory, AdminFactory, OrganisationFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in, log_out
from tests.factories_registrations import EventFactory, RegistrationFactory

REGISTERED, WAITING, CANCELLED = RegistrationStatus.REGISTERED, RegistrationStatus.WAITING, RegistrationStatus.CANCELLED
ROLES = ("anonymous", "outsider", "member", "secretary", "chair", "organiser", "admin")


@pytest.fixture
def people(app):
    """One account per role; the body roles belong to `body`."""
    body = BodyFactory(visibility=Visibility.INTERNAL)
    accounts = {
        "outsider": AccountFactory(locale="en"),
        "organiser": OrganiserFactory(locale="en"),
        "admin": AdminFactory(locale="en"),
    }
    for role in ("member", "secretary", "chair"):
        accounts[role] = MembershipFactory(body=body, role=MembershipRole(role), account__locale="en").account
    accounts["body"] = body
    return accounts


def act_as(client, people, role):
    if role == "anonymous":
        log_out(client)
    else:
        log_in(client, people[role])


def redirects_to_login(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


# Permissions per role for every route

MANAGERS_OF_EVENT = {"organiser", "admin"}
MANAGERS_OF_BODY_MEETING = {"secretary", "chair", "organiser", "admin"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("of_body", [False, True], ids=["event", "body-meeting"])
@pytest.mark.parametrize("path", ["settings", "", "participants.csv"])
def test_organiser_pages_per_role(client, people, role, of_body, path):
    meeting = EventFactory(body=people["body"] if of_body else None)
    act_as(client, people, role)
    response = client.get(f"/registrations/{meeting.id}/{path}".rstrip("/"))
    managers = MANAGERS_OF_BODY_MEETING if of_body else MANAGERS_OF_EVENT
    if role == "anonymous":
        assert redirects_to_login(response)
    elif role in managers:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["register", "cancel"])
def test_register_and_cancel_per_role(client, people, role, action):
    meeting = EventFactory()
    act_as(client, people, role)
    response = client.post(f"/registrations/{meeting.id}/{action}")
    if role == "anonymous":
        assert redirects_to_login(response)
        assert count_rows(Registration) == 0
    else:
        assert response.status_code == 302
        assert response.headers["Location"] == f"/meetings/{meeting.id}"
        assert count_rows(Registration) == (1 if action == "register" else 0)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "settings"),
        ("post", "settings"),
        ("get", ""),
        ("get", "participants.csv"),
        ("post", "register"),
        ("post", "cancel"),
    ],
)
def test_unknown_meeting_is_404(client, people, method, path):
    log_in(client, people["admin"])
    response = getattr(client, method)(f"/registrations/987654/{path}".rstrip("/"))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"), [("get", "settings"), ("get", ""), ("post", "register"), ("post", "cancel")]
)
def test_a_confidential_bodys_meeting_stays_hidden_from_outsiders(client, people, method, path):
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    meeting = EventFactory(body=secret)
    log_in(client, people["outsider"])
    assert getattr(client, method)(f"/registrations/{meeting.id}/{path}".rstrip("/")).status_code == 404
    assert count_rows(Registration) == 0


def test_an_internal_event_asks_anonymous_visitors_to_log_in(client):
    meeting = EventFactory(public=False)
    assert redirects_to_login(client.get(f"/registrations/{meeting.id}"))


def test_changes_need_the_csrf_token(csrf_app, client, people):
    meeting = EventFactory()
    log_in(client, people["outsider"])
    assert client.post(f"/registrations/{meeting.id}/register").status_code == 400
    assert count_rows(Registration) == 0


# Register and cancel through HTTP


def test_capacity_two_journey_over_http(client, outbox):
    meeting = EventFactory(capacity=2, title="Kick-off")
    anna, ben, cara = (AccountFactory(locale="en") for _ in range(3))
    for account in (anna, ben):
        log_in(client, account)
        client.post(f"/registrations/{meeting.id}/register")
    log_in(client, cara)
    response = client.post(f"/registrations/{meeting.id}/register", follow_redirects=True)
    assert "you are on the waiting list" in html(response)
    log_in(client, anna)
    response = client.post(f"/registrations/{meeting.id}/cancel", follow_redirects=True)
    assert "Your registration has been cancelled." in html(response)
    db.session.expire_all()
    assert services.status_counts(meeting)[REGISTERED] == 2
    assert outbox.last()["To"] == cara.email and outbox.last()["Subject"] == "You have a seat: Kick-off"


def test_registering_twice_gives_a_clear_message(client, people):
    meeting = EventFactory()
    log_in(client, people["outsider"])
    client.post(f"/registrations/{meeting.id}/register")
    response = client.post(f"/registrations/{meeting.id}/register")
    assert response.status_code == 409
    assert "You are already registered for this event." in html(response)
    assert count_rows(Registration) == 1


def test_registering_after_the_deadline_gives_a_clear_message(client, people):
    meeting = EventFactory(registration_deadline=utcnow() - timedelta(hours=1))
    log_in(client, people["outsider"])
    response = client.post(f"/registrations/{meeting.id}/register", follow_redirects=True)
    assert "The registration deadline" in html(response) and "has passed" in html(response)
    assert count_rows(Registration) == 0


def test_registering_when_registration_is_not_enabled_gives_a_clear_message(client, people):
    meeting = EventFactory(registration_enabled=False)
    log_in(client, people["outsider"])
    response = client.post(f"/registrations/{meeting.id}/register", follow_redirects=True)
    assert "Registration for this event is not open." in html(response)
    assert count_rows(Registration) == 0


def test_an_organisation_that_may_not_register_gets_403(client):
    allowed = OrganisationFactory()
    meeting = EventFactory(registration_organisations=[allowed])
    log_in(client, AccountFactory(organisation=OrganisationFactory()))
    assert client.post(f"/registrations/{meeting.id}/register").status_code == 403
    log_in(client, AccountFactory(organisation=allowed))
    assert client.post(f"/registrations/{meeting.id}/register").status_code == 302
    assert count_rows(Registration) == 1


def test_cancelling_without_a_registration_gives_a_clear_message(client, people):
    meeting = EventFactory()
    log_in(client, people["outsider"])
    response = client.post(f"/registrations/{meeting.id}/cancel", follow_redirects=True)
    assert "You are not registered for this event." in html(response)


def test_cancelling_once_the_event_has_begun_is_a_conflict(client):
    meeting = EventFactory(starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=2))
    registration = RegistrationFactory(meeting=meeting, account__locale="en")
    log_in(client, registration.account)
    response = client.post(f"/registrations/{meeting.id}/cancel")
    assert response.status_code == 409 and "already begun" in html(response)
    db.session.expire_all()
    assert registration.status is REGISTERED


# Settings form


def settings_form(**overrides) -> dict:
    data = {
        "registration_enabled": "y",
        "capacity": "30",
        "deadline_day": "",
        "deadline_time": "",
        "seats_per_organisation": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_settings_form_saves_and_shows_the_current_values(client, people):
    meeting = EventFactory(
        registration_enabled=False,
        capacity=None,
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC),
    )
    allowed = OrganisationFactory(name="Landkreis Neunkirchen")
    log_in(client, people["organiser"])
    page = client.get(f"/registrations/{meeting.id}/settings")
    assert page.status_code == 200 and 'name="capacity"' in html(page)
    response = client.post(
        f"/registrations/{meeting.id}/settings",
        data=settings_form(
            capacity="40",
            deadline_day="2030-06-20",
            deadline_time="18:00",
            organisations=[str(allowed.id)],
            seats_per_organisation="2",
        ),
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/registrations/{meeting.id}"
    db.session.expire_all()
    assert meeting.registration_enabled and meeting.capacity == 40 and meeting.seats_per_organisation == 2
    assert meeting.registration_deadline == datetime(2030, 6, 20, 16, 0, tzinfo=UTC)
    assert meeting.registration_organisations == [allowed]
    page = html(client.get(f"/registrations/{meeting.id}/settings"))
    assert 'value="2030-06-20"' in page and 'value="18:00"' in page and 'value="40"' in page
    assert f'<option selected value="{allowed.id}">' in page or f'value="{allowed.id}" selected' in page


def test_settings_capacity_below_registered_is_shown_on_the_field(client, people):
    meeting = EventFactory(capacity=5)
    RegistrationFactory.create_batch(3, meeting=meeting)
    log_in(client, people["organiser"])
    response = client.post(f"/registrations/{meeting.id}/settings", data=settings_form(capacity="2"))
    assert response.status_code == 200
    page = html(response)
    assert 'id="capacity-error"' in page and "3 people are already registered" in page
    db.session.expire_all()
    assert meeting.capacity == 5


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"capacity": "0"}, "capacity", "at least 1"),
        ({"capacity": "many"}, "capacity", ""),
        ({"seats_per_organisation": "0"}, "seats_per_organisation", "at least 1"),
        ({"deadline_day": "2030-03-31", "deadline_time": "02:30"}, "deadline_time", "does not exist"),
        ({"deadline_day": "2030-07-02", "deadline_time": "10:00"}, "deadline_day", "before the event starts"),
        ({"deadline_day": "2030-06-01"}, "deadline_time", "time of the deadline"),
        ({"organisations": ["987654"]}, "organisations", ""),
    ],
)
def test_settings_bad_input_is_a_field_error(client, people, overrides, field, message):
    meeting = EventFactory(
        starts_at=datetime(2030, 7, 1, 8, 0, tzinfo=UTC), ends_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC)
    )
    log_in(client, people["organiser"])
    response = client.post(f"/registrations/{meeting.id}/settings", data=settings_form(**overrides))
    assert response.status_code == 200
    page = html(response)
    assert f'id="{field}-error"' in page and message in page
    db.session.expire_all()
    assert meeting.capacity == 2 and meeting.registration_deadline is None


def test_raising_the_capacity_in_the_form_reports_who_moved_up(client, people):
    meeting = EventFactory(capacity=1)
    RegistrationFactory(meeting=meeting)
    RegistrationFactory(meeting=meeting, status=WAITING)
    log_in(client, people["organiser"])
    response = client.post(
        f"/registrations/{meeting.id}/settings", data=settings_form(capacity="2"), follow_redirects=True
    )
    assert "1 person moved up from the waiting list." in html(response)


def test_settings_of_a_held_event_are_a_conflict(client, people):
    meeting = EventFactory(status=MeetingStatus.HELD)
    log_in(client, people["organiser"])
    assert client.post(f"/registrations/{meeting.id}/settings", data=settings_form(capacity="9")).status_code == 409
    db.session.expire_all()
    assert meeting.capacity == 2


# Participant list and CSV


def test_participant_list_shows_registered_waiting_in_order_and_cancelled(client, people):
    meeting = EventFactory(capacity=1)
    now = utcnow()
    RegistrationFactory(meeting=meeting, account__display_name="Anna Seat", created_at=now)
    later, earlier = now + timedelta(minutes=2), now + timedelta(minutes=1)
    RegistrationFactory(meeting=meeting, account__display_name="Cara Later", status=WAITING, created_at=later)
    RegistrationFactory(meeting=meeting, account__display_name="Ben Earlier", status=WAITING, created_at=earlier)
    RegistrationFactory(meeting=meeting, account__display_name="Dora Gone", status=CANCELLED)
    log_in(client, people["organiser"])
    page = html(client.get(f"/registrations/{meeting.id}"))
    order = [page.index(name) for name in ("Anna Seat", "Ben Earlier", "Cara Later", "Dora Gone")]
    assert order == sorted(order)
    assert "Waiting, number 1" in page and "Waiting, number 2" in page
    assert "participants.csv" in page


def test_participant_list_pages_and_keeps_counting_the_waiting_list(client, people):
    meeting = EventFactory(capacity=10)
    base = utcnow()
    RegistrationFactory.create_batch(10, meeting=meeting)
    for index in range(45):
        RegistrationFactory(meeting=meeting, status=WAITING, created_at=base + timedelta(seconds=index))
    log_in(client, people["organiser"])
    first = html(client.get(f"/registrations/{meeting.id}"))
    assert "Waiting, number 40<" in first and "Waiting, number 41<" not in first and "Page 1 of 2" in first
    second = html(client.get(f"/registrations/{meeting.id}?page=2"))
    assert "Waiting, number 41<" in second and "Waiting, number 45<" in second


def test_participant_list_runs_a_flat_number_of_statements(client, people, count_statements):
    meeting = EventFactory(capacity=None)
    RegistrationFactory.create_batch(10, meeting=meeting)
    log_in(client, people["organiser"])
    db.session.expire_all()  # each request then loads what it needs, as a fresh worker would
    with count_statements() as few:
        assert client.get(f"/registrations/{meeting.id}").status_code == 200
    db.session.expire_all()
    with count_statements() as few_csv:
        assert client.get(f"/registrations/{meeting.id}/participants.csv").status_code == 200
    RegistrationFactory.create_batch(190, meeting=meeting)
    db.session.expire_all()
    with count_statements() as many:
        assert client.get(f"/registrations/{meeting.id}").status_code == 200
    db.session.expire_all()
    with count_statements() as many_csv:
        assert client.get(f"/registrations/{meeting.id}/participants.csv").status_code == 200
    assert many.count == few.count
    assert many_csv.count == few_csv.count


def test_csv_opens_in_german_excel(client, people):
    meeting = EventFactory(capacity=1)
    saarbruecken = OrganisationFactory(name="Landeshauptstadt Saarbrücken")
    RegistrationFactory(
        meeting=meeting,
        account=AccountFactory(display_name="Jörg Müßig", email="joerg@example.org", organisation=saarbruecken),
        created_at=datetime(2030, 1, 15, 9, 30, tzinfo=UTC),
    )
    RegistrationFactory(meeting=meeting, account__display_name='=HYPERLINK("http://evil")', status=WAITING)
    RegistrationFactory(meeting=meeting, account=AccountFactory(display_name="+49 681 123"), status=WAITING)
    RegistrationFactory(
        meeting=meeting, account__display_name="-1+2", account__email="@sum@example.org", status=WAITING
    )
    RegistrationFactory(meeting=meeting, account=AccountFactory(display_name="Semi; Colon"), status=CANCELLED)
    log_in(client, people["organiser"])

    response = client.get(f"/registrations/{meeting.id}/participants.csv")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="participants-{meeting.id}.csv"'
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "Name;Email;Organisation;Status;Registered on"
    # The organiser's zone is Europe/Berlin: 09:30 UTC in January is 10:30.
    assert lines[1] == "Jörg Müßig;joerg@example.org;Landeshauptstadt Saarbrücken;Registered;15.01.2030 10:30"
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    names = [row[0] for row in rows[1:]]
    assert "'=HYPERLINK(\"http://evil\")" in names
    assert "'+49 681 123" in names and "'-1+2" in names
    assert "Semi; Colon" in names  # quoted, so the semicolon stays inside the cell
    assert "'@sum@example.org" in [row[1] for row in rows[1:]]
    assert [row[3] for row in rows[1:]] == ["Registered", "Waiting list", "Waiting list", "Waiting list", "Cancelled"]
    assert all(len(row) == 5 for row in rows)


def test_csv_speaks_the_organisers_language(client):
    meeting = EventFactory()
    RegistrationFactory(meeting=meeting, status=WAITING)
    log_in(client, OrganiserFactory(locale="de"))
    text = client.get(f"/registrations/{meeting.id}/participants.csv").data.decode("utf-8-sig")
    header, row = text.split("\r\n")[:2]
    assert header == "Name;E-Mail;Organisation;Status;Angemeldet am"
    assert row.split(";")[3] == "Warteliste"


def test_csv_cells_guard_against_formulas():
    assert [services._cell(value) for value in ("=1+1", "+1", "-1", "@x", "\tx", "\rx", "a=b", "")] == [
        "'=1+1",
        "'+1",
        "'-1",
        "'@x",
        "'\tx",
        "'\rx",
        "a=b",
        "",
    ]


# The partial the meeting page includes

PANEL = '{% from "registrations/_panel.html" import registration_panel %}{{ registration_panel(panel, meeting) }}'


def render_panel(app, meeting, actor) -> str:
    with app.test_request_context(f"/meetings/{meeting.id}"), force_locale("en"):
        return render_template_string(PANEL, panel=services.registration_panel(meeting, actor), meeting=meeting)


def test_panel_offers_registration_and_then_cancellation(app):
    meeting = EventFactory(capacity=1)
    anna, ben = AccountFactory(locale="en"), AccountFactory(locale="en")
    page = render_panel(app, meeting, anna)
    assert f'action="/registrations/{meeting.id}/register"' in page and "1 of 1 free" in page
    assert 'id="registration-heading"' in page
    RegistrationFactory(meeting=meeting, account=anna)
    page = render_panel(app, meeting, anna)
    assert "You are registered." in page and f'action="/registrations/{meeting.id}/cancel"' in page
    page = render_panel(app, meeting, ben)
    assert "Join the waiting list" in page


def test_panel_for_a_waiting_person_names_the_position(app):
    meeting = EventFactory(capacity=1)
    RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status=WAITING)
    page = render_panel(app, meeting, waiting.account)
    assert "You are number 1 on the waiting list." in page and "Leave the waiting list" in page


def test_panel_asks_anonymous_visitors_to_log_in(app):
    meeting = EventFactory(public=True)
    page = render_panel(app, meeting, AnonymousUserMixin())
    assert f"/auth/login?next=/meetings/{meeting.id}" in page and "/register" not in page


def test_panel_links_organisers_to_the_list_and_settings(app):
    meeting = EventFactory(registration_enabled=False)
    page = render_panel(app, meeting, OrganiserFactory(locale="en"))
    assert "Registration is not open for this event." in page
    assert f'href="/registrations/{meeting.id}"' in page and f'href="/registrations/{meeting.id}/settings"' in page


def test_panel_shows_nothing_when_registration_is_off_for_ordinary_viewers(app):
    meeting = EventFactory(registration_enabled=False)
    assert render_panel(app, meeting, AccountFactory()).strip() == ""


def test_the_meeting_page_shows_the_panel(client):
    meeting = EventFactory(capacity=1)
    waiting = RegistrationFactory(meeting=meeting, status=WAITING, account__locale="en")
    RegistrationFactory(meeting=meeting)
    log_in(client, waiting.account)
    page = html(client.get(f"/meetings/{meeting.id}"))
    assert 'id="registration-heading"' in page and "You are number 1 on the waiting list." in page
    assert f'action="/registrations/{meeting.id}/cancel"' in page
