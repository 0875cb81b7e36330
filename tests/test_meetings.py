"""Meetings and standalone events: scheduling in local time, status, pages and their statement counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.errors import ConflictError, DomainError
from app.meetings import services
from app.models import Meeting, MeetingKind, MeetingStatus, MembershipRole, Visibility, utcnow
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in

UTC = UTC


def meeting_data(**overrides) -> services.MeetingData:
    values = {
        "kind": MeetingKind.MEETING,
        "title": "12. Sitzung des IT-Kooperationsrats",
        "start_day": date(2027, 3, 2),
        "start_time": time(10, 0),
        "end_day": None,
        "end_time": time(12, 30),
        "timezone": "Europe/Berlin",
        "location": "Staatskanzlei, Am Ludwigsplatz 14, Saarbrücken",
    }
    values.update(overrides)
    return services.MeetingData(**values)


@pytest.fixture
def body(app):
    return BodyFactory(code="ITKR", name="IT-Kooperationsrat", visibility=Visibility.INTERNAL)


@pytest.fixture
def secretary(body):
    return MembershipFactory(body=body, role=MembershipRole.SECRETARY, voting=False).account


def test_times_are_entered_locally_and_stored_in_utc(body, secretary):
    winter = services.schedule_meeting(secretary, body, meeting_data())
    summer = services.schedule_meeting(secretary, body, meeting_data(start_day=date(2027, 7, 6)))
    assert winter.starts_at == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert summer.starts_at == datetime(2027, 7, 6, 8, 0, tzinfo=UTC)
    assert winter.ends_at - winter.starts_at == timedelta(hours=2, minutes=30)
    assert winter.uid != summer.uid and winter.uid.endswith("@koop")


def test_a_new_meeting_gets_the_german_standard_agenda(body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data())
    titles = [item.title for item in meeting.agenda_items]
    assert titles[0] == "Eröffnung und Begrüßung"
    assert titles[-1] == "Verschiedenes"
    assert len(titles) == 5


def test_all_day_meetings_cover_whole_local_days(body, secretary):
    meeting = services.schedule_meeting(
        secretary,
        body,
        meeting_data(all_day=True, start_time=None, end_time=None, end_day=date(2027, 3, 3)),
    )
    assert meeting.starts_at == datetime(2027, 3, 1, 23, 0, tzinfo=UTC)
    assert meeting.ends_at == datetime(2027, 3, 3, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end_time": time(9, 0)}, "end_time"),
        ({"start_day": date(2027, 3, 28), "start_time": time(2, 30), "end_time": time(4, 0)}, "start_time"),
        ({"start_day": date(2027, 10, 31), "start_time": time(2, 30), "end_time": time(4, 0)}, "start_time"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"start_time": None}, "start_time"),
        ({"all_day": True, "end_day": date(2027, 3, 1)}, "end_day"),
    ],
    ids=["end-before-start", "dst-gap", "dst-ambiguous", "unknown-zone", "no-start", "all-day-backwards"],
)
def test_bad_times_are_refused_at_their_field(body, secretary, overrides, field):
    with pytest.raises(DomainError) as caught:
        services.schedule_meeting(secretary, body, meeting_data(**overrides))
    assert caught.value.field == field
    assert count_rows(Meeting) == 0


def test_calendar_relevant_changes_raise_the_sequence(body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data())
    services.update_meeting(secretary, meeting, meeting_data(description="Neue Beschreibung"))
    assert meeting.sequence == 0  # the description alone is not something a calendar must re-read
    services.update_meeting(secretary, meeting, meeting_data(location="Landtag des Saarlandes"))
    assert meeting.sequence == 1
    services.change_status(secretary, meeting, MeetingStatus.CONFIRMED)
    assert meeting.sequence == 2


def test_status_flow_and_a_held_meeting_stays_held(body, secretary):
    meeting = services.schedule_meeting(
        secretary, body, meeting_data(start_day=date.today() - timedelta(days=2), end_day=None)
    )
    services.change_status(secretary, meeting, MeetingStatus.CONFIRMED)
    services.change_status(secretary, meeting, MeetingStatus.HELD)
    with pytest.raises(ConflictError):
        services.change_status(secretary, meeting, MeetingStatus.CANCELLED)


def test_a_future_meeting_cannot_be_marked_held(body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data())
    with pytest.raises(ConflictError):
        services.change_status(secretary, meeting, MeetingStatus.HELD)


def test_cancelling_keeps_the_reason(body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data())
    services.change_status(secretary, meeting, MeetingStatus.CANCELLED, "Krankheit der Vorsitzenden")
    assert meeting.status is MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "Krankheit der Vorsitzenden"


# Routes


def form_data(**overrides):
    values = {
        "kind": "meeting",
        "title": "Sitzung",
        "start_day": "2027-03-02",
        "start_time": "10:00",
        "end_time": "12:00",
        "timezone": "Europe/Berlin",
    }
    values.update(overrides)
    return values


def test_secretary_schedules_through_the_form(client, body, secretary):
    log_in(client, secretary)
    response = client.post("/meetings/create?body=ITKR", data=form_data())
    assert response.status_code == 302
    meeting = services.get_meeting(int(response.headers["Location"].rsplit("/", 1)[1]))
    page = client.get(f"/meetings/{meeting.id}")
    assert page.status_code == 200
    assert "Sitzung" in html(page)
    assert "Europe/Berlin" in html(page)


def test_the_edit_form_of_a_body_meeting_shows_its_local_times(client, body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data(start_day=date(2027, 7, 6)))
    log_in(client, secretary)
    page = client.get(f"/meetings/{meeting.id}/edit")
    assert page.status_code == 200
    assert 'value="10:00"' in html(page) and 'value="2027-07-06"' in html(page)
    assert 'name="linked_bodies"' not in html(page)


def test_dst_gap_gets_a_message_at_the_field(client, body, secretary):
    log_in(client, secretary)
    response = client.post(
        "/meetings/create?body=ITKR", data=form_data(start_day="2027-03-28", start_time="02:30", end_time="04:00")
    )
    assert response.status_code == 200
    assert "02:30" in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert count_rows(Meeting) == 0


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), ("plain", 403), (MembershipRole.MEMBER, 403), (MembershipRole.SECRETARY, 200), ("organiser", 200)],
)
def test_who_may_schedule(client, body, role, expected):
    if role == "plain":
        log_in(client, AccountFactory())
    elif role == "organiser":
        log_in(client, OrganiserFactory())
    elif role is not None:
        log_in(client, MembershipFactory(body=body, role=role).account)
    assert client.get("/meetings/create?body=ITKR").status_code == expected


def test_confidential_meetings_are_404_for_outsiders(client, secretary):
    secret = BodyFactory(code="GEHEIM", visibility=Visibility.CONFIDENTIAL)
    member = MembershipFactory(body=secret, role=MembershipRole.CHAIR).account
    meeting = services.schedule_meeting(member, secret, meeting_data(title="Vergabesitzung"))
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    log_in(client, AccountFactory())
    assert client.get(f"/meetings/{meeting.id}").status_code == 404
    log_in(client, member)
    assert client.get(f"/meetings/{meeting.id}").status_code == 200


def test_cancelling_a_held_meeting_answers_409(client, body, secretary):
    meeting = services.schedule_meeting(secretary, body, meeting_data(start_day=date.today() - timedelta(days=1)))
    services.change_status(secretary, meeting, MeetingStatus.HELD)
    log_in(client, secretary)
    response = client.post(f"/meetings/{meeting.id}/status", data={"status": "cancelled"})
    assert response.status_code == 409
    assert client.post(f"/meetings/{meeting.id}/status", data={"status": "bogus"}).status_code == 400


def test_standalone_public_event_has_a_public_page(client):
    organiser = OrganiserFactory()
    event = services.schedule_meeting(
        organiser, None, meeting_data(kind=MeetingKind.KICKOFF, title="Auftaktveranstaltung OZG", public=True)
    )
    assert client.get(f"/meetings/{event.id}").status_code == 200
    internal = services.schedule_meeting(organiser, None, meeting_data(kind=MeetingKind.WORKSHOP, title="Workshop"))
    assert client.get(f"/meetings/{internal.id}").status_code == 302


def test_unknown_meeting_is_404(client, secretary):
    log_in(client, secretary)
    assert client.get("/meetings/999999").status_code == 404
    assert client.get("/meetings/create?body=NOPE").status_code == 404


def _meetings(body, count: int):
    start = utcnow() + timedelta(days=1)
    for number in range(count):
        Meeting(
            body=body,
            kind=MeetingKind.MEETING,
            title=f"Sitzung {number}",
            starts_at=start + timedelta(days=number),
            ends_at=start + timedelta(days=number, hours=2),
        )
    from app.extensions import db

    db.session.add_all([m for m in db.session.new])
    db.session.commit()


@pytest.mark.parametrize("url", ["/meetings/", "/bodies/ITKR/meetings", "/bodies/ITKR", "/meetings/calendar", "/"])
def test_meeting_lists_run_a_fixed_number_of_statements(client, body, count_statements, url):
    member = MembershipFactory(body=body).account
    log_in(client, member)
    _meetings(body, 10)
    with count_statements() as few:
        assert client.get(url).status_code == 200
    _meetings(body, 300)
    with count_statements() as many:
        assert client.get(url).status_code == 200
    assert few.count == many.count


def test_meeting_page_runs_a_fixed_number_of_statements(client, body, secretary, count_statements):
    log_in(client, secretary)
    meeting = services.schedule_meeting(secretary, body, meeting_data())
    with count_statements() as counter:
        assert client.get(f"/meetings/{meeting.id}").status_code == 200
    assert counter.count <= 12
