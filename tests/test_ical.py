"""The iCalendar builder, without a database: what each property says, escaping, all-day, series identity."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.calendars.ical import (
    PRODID,
    Attendee,
    CalendarSettings,
    Method,
    build_calendar,
    meeting_event,
    meetings_ics,
    numbered_agenda,
    to_bytes,
)
from app.models import AgendaItem, Answer, Meeting, MeetingKind, MeetingSeries, MeetingStatus

SETTINGS = CalendarSettings(base_url="https://koop.example", organizer_email="koop@koop.example")
BERLIN = ZoneInfo("Europe/Berlin")
CREATED = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
CHANGED = datetime(2026, 2, 1, 12, 30, tzinfo=UTC)


def make_meeting(**overrides) -> Meeting:
    """A meeting that never touches the database: the builder is a pure function of it."""
    values = {
        "id": 42,
        "kind": MeetingKind.MEETING,
        "title": "12. Sitzung des IT-Kooperationsrats",
        "description": "",
        "starts_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),  # 10:00 in Berlin (winter)
        "ends_at": datetime(2026, 3, 10, 11, 0, tzinfo=UTC),
        "timezone": "Europe/Berlin",
        "all_day": False,
        "location": "Staatskanzlei, Am Ludwigsplatz 14, Saarbrücken",
        "online_url": "",
        "status": MeetingStatus.CONFIRMED,
        "cancel_reason": "",
        "uid": "abc123@koop",
        "sequence": 3,
        "created_at": CREATED,
        "updated_at": CHANGED,
    }
    values.update(overrides)
    return Meeting(**values)


def parse(data: bytes) -> Calendar:
    return Calendar.from_ical(data)


def only_event(calendar: Calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def published(meeting: Meeting, **kwargs) -> Calendar:
    return parse(meetings_ics([meeting], SETTINGS, **kwargs))


def test_calendar_head_and_event_properties():
    calendar = published(make_meeting())
    assert str(calendar["PRODID"]) == PRODID == "-//Koop//Koop//DE"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    event = only_event(calendar)
    assert str(event["UID"]) == "abc123@koop"
    assert event["SEQUENCE"] == 3
    assert event["DTSTAMP"].dt == CHANGED
    assert event["LAST-MODIFIED"].dt == CHANGED
    assert event["CREATED"].dt == CREATED
    assert event["DTSTART"].dt == datetime(2026, 3, 10, 10, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].params["TZID"] == "Europe/Berlin"
    assert event["DTEND"].dt == datetime(2026, 3, 10, 12, 0, tzinfo=BERLIN)
    assert str(event["SUMMARY"]) == "12. Sitzung des IT-Kooperationsrats"
    assert str(event["LOCATION"]) == "Staatskanzlei, Am Ludwigsplatz 14, Saarbrücken"
    assert str(event["URL"]) == "https://koop.example/meetings/42"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:koop@koop.example"
    assert event["ORGANIZER"].params["CN"] == "Koop"
    assert "ATTENDEE" not in event  # a published calendar names no one


def test_the_bytes_are_the_same_for_the_same_meeting():
    """DTSTAMP comes from the meeting, not the clock: a feed's ETag changes only with its content."""
    assert meetings_ics([make_meeting()], SETTINGS) == meetings_ics([make_meeting()], SETTINGS)
    assert meetings_ics([make_meeting()], SETTINGS) != meetings_ics([make_meeting(sequence=4)], SETTINGS)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (MeetingStatus.PLANNED, "TENTATIVE"),
        (MeetingStatus.CONFIRMED, "CONFIRMED"),
        (MeetingStatus.HELD, "CONFIRMED"),
        (MeetingStatus.CANCELLED, "CANCELLED"),
    ],
)
def test_status(status, expected):
    assert str(only_event(published(make_meeting(status=status)))["STATUS"]) == expected


@pytest.mark.parametrize(("language", "prefix"), [("de", "Abgesagt: "), ("en", "Cancelled: ")])
def test_a_cancelled_meeting_says_so_in_the_summary_of_a_published_calendar(language, prefix):
    event = only_event(published(make_meeting(status=MeetingStatus.CANCELLED), language=language))
    assert str(event["SUMMARY"]) == prefix + "12. Sitzung des IT-Kooperationsrats"


def test_a_cancel_message_keeps_the_plain_title_and_names_the_attendee():
    meeting = make_meeting(status=MeetingStatus.CANCELLED)
    attendee = Attendee("anna@example.org", "Anna Müller, Dr.", Answer.ACCEPTED)
    event = meeting_event(meeting, SETTINGS, method=Method.CANCEL, attendee=attendee)
    calendar = parse(to_bytes(build_calendar([event], Method.CANCEL)))
    assert str(calendar["METHOD"]) == "CANCEL"
    event = only_event(calendar)
    assert str(event["SUMMARY"]) == "12. Sitzung des IT-Kooperationsrats"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["ATTENDEE"]) == "mailto:anna@example.org"
    params = event["ATTENDEE"].params
    assert params["CN"] == "Anna Müller, Dr."
    assert (params["PARTSTAT"], params["RSVP"], params["ROLE"]) == ("ACCEPTED", "TRUE", "REQ-PARTICIPANT")


@pytest.mark.parametrize(
    ("answer", "partstat"),
    [(Answer.OPEN, "NEEDS-ACTION"), (Answer.ACCEPTED, "ACCEPTED"), (Answer.DECLINED, "DECLINED"),
     (Answer.TENTATIVE, "TENTATIVE")],
)
def test_partstat_follows_the_answer(answer, partstat):
    event = meeting_event(make_meeting(), SETTINGS, method=Method.REQUEST,
                          attendee=Attendee("a@example.org", "A", answer, guest=True))
    assert event["ATTENDEE"].params["PARTSTAT"] == partstat
    assert event["ATTENDEE"].params["ROLE"] == "OPT-PARTICIPANT"


def test_a_double_quote_in_a_name_does_not_break_the_parameter():
    event = meeting_event(make_meeting(), SETTINGS, method=Method.REQUEST,
                          attendee=Attendee("a@example.org", 'Bernd "Bernie" Schulz; IT', Answer.OPEN))
    parsed = only_event(parse(to_bytes(build_calendar([event], Method.REQUEST))))
    assert parsed["ATTENDEE"].params["CN"] == "Bernd 'Bernie' Schulz; IT"
    assert str(parsed["ATTENDEE"]) == "mailto:a@example.org"


def test_all_day_meetings_are_dates_with_an_exclusive_end():
    # Two local days, 2026-03-10 and 11, stored as midnight to midnight in Berlin.
    meeting = make_meeting(
        all_day=True,
        starts_at=datetime(2026, 3, 9, 23, 0, tzinfo=UTC),
        ends_at=datetime(2026, 3, 11, 23, 0, tzinfo=UTC),
    )
    calendar = published(meeting)
    event = only_event(calendar)
    assert event["DTSTART"].dt == date(2026, 3, 10)
    assert event["DTEND"].dt == date(2026, 3, 12)
    assert b"DTSTART;VALUE=DATE:20260310" in calendar.to_ical()
    assert not calendar.walk("VTIMEZONE")  # dates need no zone


def test_location_carries_the_online_link_and_description_the_agenda_and_page():
    meeting = make_meeting(online_url="https://video.example/room?id=1;x=2", description="Bitte pünktlich.")
    meeting.agenda_items = [
        AgendaItem(id=1, position=1, title="Eröffnung und Begrüßung", public=True),
        AgendaItem(id=2, position=2, title="Personalsachen", public=False),
        AgendaItem(id=3, position=3, title="Haushalt", public=True),
        AgendaItem(id=4, parent_id=3, position=1, title="Haushalt 2027", public=True),
        AgendaItem(id=5, parent_id=2, position=1, title="Unter Personalsachen", public=True),
    ]
    event = only_event(published(meeting, language="de"))
    assert str(event["LOCATION"]) == (
        "Staatskanzlei, Am Ludwigsplatz 14, Saarbrücken (Online: https://video.example/room?id=1;x=2)"
    )
    description = str(event["DESCRIPTION"])
    assert description.startswith("Bitte pünktlich.\n\nTagesordnung:\nTOP 1 Eröffnung und Begrüßung\n")
    assert "TOP 3 Haushalt\nTOP 3.1 Haushalt 2027" in description
    assert "Personalsachen" not in description  # non-public, and what hangs below it
    assert description.endswith("Sitzungsseite: https://koop.example/meetings/42")
    insider = str(only_event(published(meeting, language="en", include_non_public=True))["DESCRIPTION"])
    assert "Item 2 Personalsachen\nItem 2.1 Unter Personalsachen" in insider
    assert "Meeting page: https://koop.example/meetings/42" in insider


def test_an_online_only_meeting_has_the_link_as_location():
    event = only_event(published(make_meeting(location="", online_url="https://video.example/r")))
    assert str(event["LOCATION"]) == "https://video.example/r"


def test_numbered_agenda_orders_by_position():
    items = [
        AgendaItem(id=7, position=2, title="B"),
        AgendaItem(id=8, position=1, title="A"),
        AgendaItem(id=9, parent_id=7, position=2, title="B2"),
        AgendaItem(id=10, parent_id=7, position=1, title="B1"),
    ]
    for item in items:
        item.public = True
    assert [(number, item.title) for number, item in numbered_agenda(items, False)] == [
        ("1", "A"), ("2", "B"), ("2.1", "B1"), ("2.2", "B2")
    ]


TRICKY = 'Umlaute äöüß ÄÖÜ, Kommas, Semikolons; Backslash \\ und "Anführungszeichen": ' + "lang " * 60


def test_text_survives_a_round_trip():
    meeting = make_meeting(title=TRICKY[:200], description=TRICKY + "\nzweite Zeile\n\nTOP-artig; a,b\\n",
                           location="Raum 1; Gebäude A, Saarbrücken \\ Nord")
    data = meetings_ics([meeting], SETTINGS)
    assert all(len(line) <= 75 for line in data.split(b"\r\n")), "lines must be folded at 75 octets"
    event = only_event(parse(data))
    assert str(event["SUMMARY"]) == TRICKY[:200]
    assert str(event["LOCATION"]) == "Raum 1; Gebäude A, Saarbrücken \\ Nord"
    assert str(event["DESCRIPTION"]).startswith(TRICKY + "\nzweite Zeile\n\nTOP-artig; a,b\\n")


def test_folding_never_splits_a_multibyte_character():
    meeting = make_meeting(title="ä" * 199)
    data = meetings_ics([meeting], SETTINGS)
    for line in data.split(b"\r\n"):
        line.decode("utf-8")  # each physical line is valid UTF-8 on its own
    assert str(only_event(parse(data))["SUMMARY"]) == "ä" * 199


def test_a_series_occurrence_uses_the_series_uid_and_its_original_slot():
    series = MeetingSeries(uid="series-1@koop", sequence=2)
    meeting = make_meeting(
        series_id=7,
        series=series,
        original_start=datetime(2026, 7, 7, 8, 0, tzinfo=UTC),  # 10:00 in Berlin (summer)
        starts_at=datetime(2026, 7, 8, 12, 0, tzinfo=UTC),  # moved to the next day
        ends_at=datetime(2026, 7, 8, 13, 0, tzinfo=UTC),
        sequence=1,
    )
    calendar = published(meeting)
    event = only_event(calendar)
    assert str(event["UID"]) == "series-1@koop"
    assert event["RECURRENCE-ID"].dt == datetime(2026, 7, 7, 10, 0, tzinfo=BERLIN)
    assert event["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert event["SEQUENCE"] == 3  # its own changes and the series'
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_feed_properties():
    events = [meeting_event(make_meeting(), SETTINGS)]
    data = to_bytes(build_calendar(events, Method.PUBLISH, name="Gremium ITKR", refresh_interval=timedelta(hours=1)))
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in data
    assert b"NAME:Gremium ITKR\r\n" in data and b"X-WR-CALNAME:Gremium ITKR\r\n" in data


def test_settings_from_config():
    settings = CalendarSettings.from_config({"BASE_URL": "https://k.example/", "MAIL_SENDER": "Koop <post@k.example>"})
    assert settings.base_url == "https://k.example"
    assert settings.organizer_email == "post@k.example"


def test_one_vtimezone_per_zone_used():
    meetings = [
        make_meeting(),
        make_meeting(id=43, uid="b@koop", timezone="America/New_York"),
        make_meeting(id=44, uid="c@koop", starts_at=datetime(2027, 8, 1, 8, tzinfo=UTC),
                     ends_at=datetime(2027, 8, 1, 9, tzinfo=UTC)),
    ]
    calendar = parse(meetings_ics(meetings, SETTINGS))
    assert sorted(str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")) == ["America/New_York", "Europe/Berlin"]
    assert calendar.subcomponents[0].name == "VTIMEZONE"  # zones before the events that use them
    new_york = only_event(parse(meetings_ics([meetings[1]], SETTINGS)))
    assert new_york["DTSTART"].params["TZID"] == "America/New_York"
    assert new_york["DTSTART"].dt.hour == 5  # 09:00 UTC in March 2026 is 05:00 EDT (DST started on 8 March)
