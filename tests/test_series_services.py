"""Meeting series without HTTP: expanding rules in local time, limits, bad input, changes from one on, ending."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from flask import session
from icalendar import Calendar, Event, vRecur
from sqlalchemy import select

from app.errors import ConflictError, DomainError
from app.extensions import db
from app.meetings.services import MeetingData, change_status, update_meeting
from app.meetings.times import utc_to_local
from app.models import (
    AgendaItem,
    Invitation,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    SeriesFrequency,
    utcnow,
)
from app.series import services
from app.series.services import FollowingData, change_following, end_series, occurrences, recurrence_rule, slots
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, count_rows
from tests.factories_series import assert_consistent, make_series, series_data

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local_days(series: MeetingSeries) -> list[date]:
    return [utc_to_local(o.start, series.timezone).date() for o in occurrences(series)]


def meetings_of(series: MeetingSeries) -> list[Meeting]:
    query = select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.original_start)
    return list(db.session.scalars(query))


@pytest.fixture
def notified(monkeypatch) -> list[int]:
    """The meetings whose invited people would be mailed an update (the mails are another module's business)."""
    calls: list[int] = []
    monkeypatch.setattr(services, "tell_everyone_concerned", lambda meeting: calls.append(meeting.id))
    return calls


# Expanding the rule


def test_ten_oclock_stays_ten_oclock_across_both_clock_changes(app):
    spring = make_series(first_day=date(2031, 3, 17), until_on=date(2031, 4, 7))
    assert [o.start for o in occurrences(spring)] == [
        utc(2031, 3, 17, 9),  # CET: UTC+1
        utc(2031, 3, 24, 9),
        utc(2031, 3, 31, 8),  # CEST from 30 March: UTC+2
        utc(2031, 4, 7, 8),
    ]
    autumn = make_series(first_day=date(2031, 10, 20), occurrence_count=2)
    assert [o.start for o in occurrences(autumn)] == [utc(2031, 10, 20, 8), utc(2031, 10, 27, 9)]
    for series in (spring, autumn):
        for occurrence in occurrences(series):
            local_start = utc_to_local(occurrence.start, "Europe/Berlin")
            assert (local_start.hour, local_start.minute) == (10, 0)
            assert occurrence.end - occurrence.start == timedelta(minutes=90)
        assert_consistent(series)


def test_every_two_weeks_on_monday_and_thursday(app):
    series = make_series(interval=2, weekdays=["TH", "MO"], occurrence_count=6)
    assert series.weekdays == "MO,TH"
    assert local_days(series) == [
        date(2031, 1, 6), date(2031, 1, 9), date(2031, 1, 20), date(2031, 1, 23), date(2031, 2, 3), date(2031, 2, 6),
    ]


def test_second_tuesday_of_the_month(app):
    series = make_series(
        frequency=SeriesFrequency.MONTHLY_NTH_WEEKDAY, nth=2, nth_weekday="TU", first_day=date(2031, 1, 1),
        occurrence_count=4,
    )
    assert local_days(series) == [date(2031, 1, 14), date(2031, 2, 11), date(2031, 3, 11), date(2031, 4, 8)]
    assert (series.nth, series.weekdays) == (2, "TU")
    assert series.first_day == date(2031, 1, 14)  # DTSTART is the first real occurrence


def test_last_friday_of_the_month(app):
    series = make_series(
        frequency=SeriesFrequency.MONTHLY_NTH_WEEKDAY, nth=-1, nth_weekday="FR", first_day=date(2031, 1, 1),
        occurrence_count=3,
    )
    assert local_days(series) == [date(2031, 1, 31), date(2031, 2, 28), date(2031, 3, 28)]


def test_the_31st_skips_months_without_one(app):
    series = make_series(
        frequency=SeriesFrequency.MONTHLY_DAY, month_day=31, first_day=date(2031, 1, 1), until_on=date(2031, 7, 31)
    )
    assert local_days(series) == [date(2031, 1, 31), date(2031, 3, 31), date(2031, 5, 31), date(2031, 7, 31)]
    assert series.weekdays == "" and series.nth is None


def test_every_other_month_on_the_15th(app):
    series = make_series(
        frequency=SeriesFrequency.MONTHLY_DAY, month_day=15, interval=2, first_day=date(2031, 1, 20),
        occurrence_count=3,
    )
    assert local_days(series) == [date(2031, 3, 15), date(2031, 5, 15), date(2031, 7, 15)]


def test_ending_after_a_count_and_on_a_day(app):
    counted = make_series(occurrence_count=5)
    assert len(occurrences(counted)) == 5
    assert (counted.occurrence_count, counted.until_on) == (5, None)
    until = make_series(until_on=date(2031, 2, 3))  # a Monday: the last day counts
    assert local_days(until) == [date(2031, 1, 6), date(2031, 1, 13), date(2031, 1, 20), date(2031, 1, 27),
                                 date(2031, 2, 3)]
    assert (until.occurrence_count, until.until_on) == (None, date(2031, 2, 3))


def test_first_day_moves_onto_the_first_occurrence(app):
    series = make_series(first_day=date(2031, 1, 8), occurrence_count=2)  # a Wednesday, series on Mondays
    assert series.first_day == date(2031, 1, 13)
    assert local_days(series) == [date(2031, 1, 13), date(2031, 1, 20)]


def test_each_occurrence_is_a_meeting_of_its_own_with_the_standard_agenda(app):
    body = BodyFactory(standard_agenda="Begrüßung\nBerichte\nVerschiedenes")
    organiser = OrganiserFactory()
    series = make_series(body=body, actor=organiser, occurrence_count=3, description="Regeltermin")
    meetings = meetings_of(series)
    assert len(meetings) == 3
    assert len({m.uid for m in meetings} | {series.uid}) == 4
    for meeting in meetings:
        assert meeting.series_id == series.id and meeting.body_id == body.id
        assert meeting.original_start == meeting.starts_at and not meeting.is_exception
        assert meeting.kind is MeetingKind.MEETING and meeting.status is MeetingStatus.PLANNED
        assert meeting.organiser_id == organiser.id
        assert (meeting.title, meeting.location, meeting.description) == (
            "Arbeitsgruppe Registermodernisierung", "Saarbrücken, Raum 1.12", "Regeltermin",
        )
        assert [item.title for item in meeting.agenda_items] == ["Begrüßung", "Berichte", "Verschiedenes"]
    assert (series.sequence, series.start_time, series.duration_minutes) == (0, "10:00", 90)
    assert_consistent(series)


def test_the_rule_for_calendars_expands_to_the_same_occurrences(app):
    """RRULE parts from recurrence_rule(), through icalendar and dateutil's own RRULE parser: same instants."""
    cases = [
        {"interval": 2, "weekdays": ["MO", "TH"], "first_day": date(2031, 3, 3), "until_on": date(2031, 11, 30)},
        {"frequency": SeriesFrequency.MONTHLY_NTH_WEEKDAY, "nth": -1, "nth_weekday": "FR", "occurrence_count": 14},
        {"frequency": SeriesFrequency.MONTHLY_DAY, "month_day": 31, "until_on": date(2032, 12, 31)},
    ]
    for case in cases:
        series = make_series(**case)
        event = Event()
        event.add("dtstart", datetime.combine(series.first_day, time(10), tzinfo=BERLIN))
        event.add("rrule", vRecur(recurrence_rule(series)))
        calendar = Calendar()
        calendar.add_component(event)
        parsed = Calendar.from_ical(calendar.to_ical()).walk("VEVENT")[0]
        start = parsed.decoded("dtstart")
        rule_text = parsed["RRULE"].to_ical().decode()
        expanded = [moment.astimezone(UTC) for moment in rrulestr(rule_text, dtstart=start)]
        assert expanded == slots(series) == [o.original_start for o in occurrences(series)]


def test_recurrence_rule_parts(app):
    weekly = make_series(interval=2, weekdays=["MO", "TH"], until_on=date(2031, 3, 31))
    assert recurrence_rule(weekly) == {
        "FREQ": "WEEKLY", "INTERVAL": 2, "BYDAY": ["MO", "TH"], "UNTIL": utc(2031, 3, 31, 21, 59, 59), "WKST": "MO",
    }
    monthly = make_series(frequency=SeriesFrequency.MONTHLY_NTH_WEEKDAY, nth=2, nth_weekday="TU", occurrence_count=4)
    assert recurrence_rule(monthly) == {"FREQ": "MONTHLY", "INTERVAL": 1, "BYDAY": ["2TU"], "COUNT": 4, "WKST": "MO"}


# Limits and bad input: a field-aware error, and nothing written


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"occurrence_count": 101}, "occurrence_count", "from 1 to 100"),
        ({"occurrence_count": 0}, "occurrence_count", "from 1 to 100"),
        ({"weekdays": ["MO", "TU", "WE", "TH", "FR"], "until_on": date(2031, 5, 30)}, "until_on", "105 meetings"),
        ({"frequency": SeriesFrequency.MONTHLY_DAY, "month_day": 1, "first_day": date(2031, 1, 1),
          "until_on": date(2033, 2, 1)}, "until_on",
         "at most 2 years"),
        ({"frequency": SeriesFrequency.MONTHLY_DAY, "month_day": 1, "occurrence_count": 30}, "occurrence_count",
         "at most 2 years"),
        ({"interval": 0}, "interval", "from 1 to 12"),
        ({"interval": 13}, "interval", "from 1 to 12"),
        ({"interval": None}, "interval", "from 1 to 12"),
        ({"weekdays": []}, "weekdays", "at least one weekday"),
        ({"weekdays": ["MO", "XX"]}, "weekdays", "at least one weekday"),
        ({"occurrence_count": None}, "ends", "when the series ends"),
        ({"until_on": date(2031, 3, 1), "occurrence_count": 5}, "ends", "not both"),
        ({"until_on": date(2030, 12, 31)}, "until_on", "before the first meeting"),
        ({"frequency": SeriesFrequency.MONTHLY_NTH_WEEKDAY, "nth": 5, "nth_weekday": "TU"}, "nth", "last"),
        ({"frequency": SeriesFrequency.MONTHLY_NTH_WEEKDAY, "nth": 2, "nth_weekday": None}, "nth_weekday", "weekday"),
        ({"frequency": SeriesFrequency.MONTHLY_DAY, "month_day": 32}, "month_day", "from 1 to 31"),
        ({"frequency": SeriesFrequency.MONTHLY_DAY, "month_day": None}, "month_day", "from 1 to 31"),
        ({"end_time": time(9, 0)}, "end_time", "end after they start"),
        ({"end_time": time(10, 0)}, "end_time", "end after they start"),
        ({"start_time": None}, "start_time", "start time"),
        ({"end_time": None}, "end_time", "end time"),
        ({"first_day": None}, "first_day", "first meeting"),
        ({"title": "   "}, "title", "title"),
        ({"timezone": "Europe/Saarbruecken"}, "timezone", "Unknown time zone"),
    ],
)
def test_bad_rules_are_refused_with_a_field_error(app, overrides, field, words):
    body, organiser = BodyFactory(), OrganiserFactory()
    with pytest.raises(DomainError) as caught:
        services.create_series(organiser, body, series_data(**overrides))
    assert caught.value.field == field
    assert words in caught.value.message
    db.session.rollback()
    assert count_rows(MeetingSeries) == count_rows(Meeting) == count_rows(AgendaItem) == 0


def test_exactly_100_meetings_and_exactly_2_years_are_allowed(app):
    hundred = make_series(occurrence_count=100)
    assert len(occurrences(hundred)) == 100
    two_years = make_series(frequency=SeriesFrequency.MONTHLY_DAY, month_day=1, first_day=date(2031, 1, 1),
                            until_on=date(2033, 1, 1))
    assert local_days(two_years)[-1] == date(2033, 1, 1)


def test_a_rule_that_never_meets_is_refused(app):
    organiser, body = OrganiserFactory(), BodyFactory()
    with pytest.raises(DomainError, match="no meeting at all"):
        services.create_series(organiser, body, series_data(
            frequency=SeriesFrequency.MONTHLY_DAY, month_day=31, first_day=date(2031, 2, 1), until_on=date(2031, 2, 28)
        ))


@pytest.mark.parametrize(
    ("clock", "day", "words"),
    [
        (time(2, 30), "2031-03-30", "does not exist"),  # the clocks jump from 02:00 to 03:00
        (time(2, 30), "2031-10-26", "happens twice"),  # 02:00-03:00 happens twice
    ],
)
def test_an_occurrence_in_a_clock_change_refuses_the_series_naming_the_day(app, clock, day, words):
    organiser, body = OrganiserFactory(), BodyFactory()
    data = series_data(weekdays=["SU"], first_day=date.fromisoformat(day) - timedelta(days=14),
                       until_on=date(2031, 11, 30), start_time=clock,
                       end_time=time(4, 0))
    with pytest.raises(DomainError) as caught:
        services.create_series(organiser, body, data)
    assert caught.value.field == "start_time"
    assert day in caught.value.message and words in caught.value.message
    db.session.rollback()
    assert count_rows(Meeting) == 0


def test_a_dissolved_body_gets_no_series(app):
    body = BodyFactory(dissolved_on=date(2024, 1, 1))
    with pytest.raises(ConflictError):
        services.create_series(OrganiserFactory(), body, series_data())
    assert count_rows(MeetingSeries) == 0


# Editing one occurrence: the meetings services make it an exception


def _moved(meeting: Meeting, **changes) -> MeetingData:
    local_start = utc_to_local(meeting.starts_at, meeting.timezone)
    local_end = utc_to_local(meeting.ends_at, meeting.timezone)
    values = {
        "kind": meeting.kind, "title": meeting.title, "start_day": local_start.date(),
        "start_time": local_start.time(), "end_day": None, "end_time": local_end.time(),
        "timezone": meeting.timezone, "location": meeting.location, "online_url": meeting.online_url,
        "description": meeting.description,
    }
    values.update(changes)
    return MeetingData(**values)


def test_editing_one_occurrence_makes_it_an_exception(app):
    series = make_series(occurrence_count=4)
    organiser = OrganiserFactory()
    second, third = meetings_of(series)[1:3]
    slot = second.original_start
    update_meeting(organiser, second, _moved(second, start_day=date(2031, 1, 14), start_time=time(14),
                                             end_time=time(15), location="Neunkirchen"))
    change_status(organiser, third, MeetingStatus.CANCELLED, "Feiertag")
    assert second.is_exception and second.sequence == 1 and second.original_start == slot
    assert second.starts_at == utc(2031, 1, 14, 13)
    assert third.is_exception and third.status is MeetingStatus.CANCELLED
    first, fourth = meetings_of(series)[0], meetings_of(series)[3]
    assert not first.is_exception and not fourth.is_exception and first.sequence == fourth.sequence == 0
    assert [(o.cancelled, o.is_exception) for o in occurrences(series)] == [
        (False, False), (False, True), (True, True), (False, False),
    ]
    assert_consistent(series)


# This and all following


def test_this_and_following_splits_the_series_and_leaves_exceptions_alone(app, notified):
    series = make_series(occurrence_count=10)
    organiser = OrganiserFactory()
    meetings = meetings_of(series)
    moved, cancelled = meetings[5], meetings[7]
    update_meeting(organiser, moved, _moved(moved, start_time=time(8), end_time=time(9), location="Homburg"))
    change_status(organiser, cancelled, MeetingStatus.CANCELLED)
    chosen = meetings[3]
    moved_start, moved_sequence = moved.starts_at, moved.sequence

    target = change_following(organiser, chosen, FollowingData(
        title="AG Register (neu)", start_time=time(14, 0), end_time=time(16, 0), location="Saarlouis",
    ))

    assert target.id != series.id and target.uid != series.uid
    # The old series' SEQUENCE: 1 for the split plus those of the moved and the cancelled occurrence that left
    # it, so the master VEVENT's SEQUENCE (series' plus occurrences') never goes down.
    assert (series.until_on, series.occurrence_count, series.sequence) == (date(2031, 1, 26), None, 3)
    assert (target.first_day, target.start_time, target.duration_minutes) == (date(2031, 1, 27), "14:00", 120)
    assert (target.occurrence_count, target.until_on, target.frequency, target.weekdays) == (
        7, None, SeriesFrequency.WEEKLY, "MO",
    )
    assert [m.id for m in meetings_of(series)] == [m.id for m in meetings[:3]]
    assert [m.id for m in meetings_of(target)] == [m.id for m in meetings[3:]]
    for meeting in meetings[:3]:
        assert (meeting.title, meeting.location, meeting.sequence) == ("Arbeitsgruppe Registermodernisierung",
                                                                        "Saarbrücken, Raum 1.12", 0)
    for meeting in (meetings[3], meetings[4], meetings[6], meetings[8], meetings[9]):
        local_start = utc_to_local(meeting.starts_at, "Europe/Berlin")
        assert (local_start.hour, local_start.weekday()) == (14, 0)
        assert meeting.ends_at - meeting.starts_at == timedelta(hours=2)
        assert (meeting.title, meeting.location, meeting.sequence) == ("AG Register (neu)", "Saarlouis", 1)
        assert not meeting.is_exception
    # the exceptions keep what was changed on its own; only their RECURRENCE-ID follows the new rule
    assert (moved.starts_at, moved.location, moved.sequence, moved.is_exception) == (
        moved_start, "Homburg", moved_sequence, True,
    )
    assert utc_to_local(moved.original_start, "Europe/Berlin").replace(tzinfo=None) == datetime(2031, 2, 10, 14)
    assert cancelled.status is MeetingStatus.CANCELLED and cancelled.is_exception
    assert sorted(notified) == [m.id for m in meetings[3:]]  # changed, or moved to the new series
    # each occurrence: its own 1 plus the new series' 3 (started at the old series' SEQUENCE, see above)
    assert [m.sequence + target.sequence for m in meetings[3:]] == [4, 4, 4, 4, 4, 4, 4]
    assert_consistent(series)
    assert_consistent(target)


def test_this_and_following_from_an_exception_puts_it_back_on_the_rule(app, notified):
    series = make_series(occurrence_count=4)
    organiser = OrganiserFactory()
    second = meetings_of(series)[1]
    update_meeting(organiser, second, _moved(second, start_time=time(12), end_time=time(13)))
    target = change_following(organiser, second, FollowingData(title="AG", start_time=time(12), end_time=time(13)))
    assert not second.is_exception and second.series_id == target.id
    assert_consistent(series)
    assert_consistent(target)


def test_this_and_following_from_the_first_changes_the_series_in_place(app, notified):
    series = make_series(until_on=date(2031, 2, 24))
    organiser = OrganiserFactory()
    first = meetings_of(series)[0]
    target = change_following(organiser, first, FollowingData(
        title="AG", start_time=time(9, 15), end_time=time(10, 0), online_url="https://video.example.org/ag",
    ))
    assert target.id == series.id
    assert (series.start_time, series.duration_minutes, series.sequence, series.until_on) == (
        "09:15", 45, 1, date(2031, 2, 24),
    )
    assert count_rows(MeetingSeries) == 1
    assert all(m.online_url == "https://video.example.org/ag" for m in meetings_of(series))
    assert_consistent(series)


def test_this_and_following_of_an_until_series_keeps_its_end(app, notified):
    series = make_series(until_on=date(2031, 3, 31))
    target = change_following(OrganiserFactory(), meetings_of(series)[2], FollowingData(
        title="AG", start_time=time(11), end_time=time(12),
    ))
    assert (target.until_on, target.occurrence_count) == (date(2031, 3, 31), None)
    assert series.until_on == date(2031, 1, 19)
    assert len(occurrences(series)) + len(occurrences(target)) == 13
    assert_consistent(series)
    assert_consistent(target)


def test_this_and_following_across_the_clock_change_keeps_local_time(app, notified):
    series = make_series(first_day=date(2031, 3, 10), occurrence_count=6)
    target = change_following(OrganiserFactory(), meetings_of(series)[1], FollowingData(
        title="AG", start_time=time(15), end_time=time(16),
    ))
    assert [o.start for o in occurrences(target)] == [
        utc(2031, 3, 17, 14), utc(2031, 3, 24, 14), utc(2031, 3, 31, 13), utc(2031, 4, 7, 13), utc(2031, 4, 14, 13),
    ]
    assert_consistent(target)


def test_this_and_following_without_a_change_changes_nothing(app, notified):
    series = make_series(occurrence_count=4)
    third = meetings_of(series)[2]
    target = change_following(OrganiserFactory(), third, FollowingData(
        title=third.title, start_time=time(10), end_time=time(11, 30), location=third.location,
    ))
    assert target.id == series.id and series.sequence == 0 and count_rows(MeetingSeries) == 1
    assert notified == []


def test_this_and_following_refuses_a_new_time_in_a_clock_change(app, notified):
    series = make_series(weekdays=["SU"], first_day=date(2031, 3, 16), occurrence_count=4)
    second = meetings_of(series)[1]
    with pytest.raises(DomainError) as caught:
        change_following(OrganiserFactory(), second, FollowingData(title="AG", start_time=time(2, 30),
                                                                   end_time=time(3, 30)))
    assert caught.value.field == "start_time" and "2031-03-30" in caught.value.message
    db.session.rollback()
    assert count_rows(MeetingSeries) == 1 and series.start_time == "10:00" and series.sequence == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (FollowingData(title="AG", start_time=time(11), end_time=time(10)), "end_time"),
        (FollowingData(title="", start_time=time(11), end_time=time(12)), "title"),
        (FollowingData(title="AG", start_time=None, end_time=time(12)), "start_time"),
    ],
)
def test_this_and_following_bad_input(app, notified, data, field):
    series = make_series(occurrence_count=3)
    with pytest.raises(DomainError) as caught:
        change_following(OrganiserFactory(), meetings_of(series)[1], data)
    assert caught.value.field == field


def test_this_and_following_refuses_held_and_cancelled_occurrences(app, notified):
    organiser = OrganiserFactory()
    past = make_series(first_day=date(2025, 1, 6), occurrence_count=4)
    meetings = meetings_of(past)
    change_status(organiser, meetings[2], MeetingStatus.HELD)
    with pytest.raises(ConflictError, match="held"):
        change_following(organiser, meetings[2], FollowingData(title="AG", start_time=time(9), end_time=time(10)))
    with pytest.raises(ConflictError, match="20.01.2025|Jan 20, 2025"):  # a later held one blocks too
        change_following(organiser, meetings[1], FollowingData(title="AG", start_time=time(9), end_time=time(10)))
    change_status(organiser, meetings[3], MeetingStatus.CANCELLED)
    with pytest.raises(ConflictError, match="cancelled"):
        change_following(organiser, meetings[3], FollowingData(title="AG", start_time=time(9), end_time=time(10)))
    db.session.rollback()
    assert count_rows(MeetingSeries) == 1 and past.sequence == 0


def test_following_counts(app):
    series = make_series(occurrence_count=5)
    organiser = OrganiserFactory()
    meetings = meetings_of(series)
    change_status(organiser, meetings[3], MeetingStatus.CANCELLED)
    assert services.following_counts(meetings[1]) == (3, 1)
    assert services.following_counts(meetings[4]) == (1, 0)


# Ending a series early


def test_ending_early_deletes_the_later_occurrences_nobody_was_told_of(app, notified):
    series = make_series(occurrence_count=10)
    ending = end_series(OrganiserFactory(), series, date(2031, 2, 4))
    assert ending == services.Ending(deleted=5, cancelled=0)
    assert local_days(series)[-1] == date(2031, 2, 3)
    assert (series.until_on, series.occurrence_count, series.sequence) == (date(2031, 2, 4), None, 1)
    assert count_rows(Meeting) == 5 and count_rows(AgendaItem) == 25
    assert notified == []
    assert_consistent(series)


def test_ending_early_cancels_occurrences_whose_invitations_went_out(app, notified):
    series = make_series(occurrence_count=6)
    meetings = meetings_of(series)
    meetings[4].invitations_sent_at = utcnow()
    db.session.add(Invitation(meeting=meetings[5], account=AccountFactory()))  # invited, mail not yet sent
    db.session.commit()
    ending = end_series(OrganiserFactory(), series, date(2031, 1, 26))
    assert ending == services.Ending(deleted=1, cancelled=2)
    assert [(o.cancelled, o.is_exception) for o in occurrences(series)] == [(False, False)] * 3 + [(True, True)] * 2
    assert meetings[4].status is MeetingStatus.CANCELLED and meetings[4].sequence == 1
    assert meetings[4].cancel_reason == "The series was ended early."
    assert sorted(notified) == sorted([meetings[4].id, meetings[5].id])
    assert_consistent(series)


@pytest.mark.parametrize(
    ("last_day", "words"),
    [(date(2031, 1, 5), "begins on"), (date(2031, 3, 10), "already ends"), (date(2032, 1, 1), "already ends")],
)
def test_ending_early_bad_days(app, notified, last_day, words):
    series = make_series(occurrence_count=10)  # 6 January to 10 March
    with pytest.raises(DomainError, match=words) as caught:
        end_series(OrganiserFactory(), series, last_day)
    assert caught.value.field == "last_day"
    db.session.rollback()
    assert count_rows(Meeting) == 10 and series.sequence == 0


def test_ending_early_before_a_held_occurrence_is_a_conflict(app, notified):
    organiser = OrganiserFactory()
    series = make_series(first_day=date(2025, 1, 6), occurrence_count=4)
    change_status(organiser, meetings_of(series)[2], MeetingStatus.HELD)
    with pytest.raises(ConflictError, match="held"):
        end_series(organiser, series, date(2025, 1, 10))
    db.session.rollback()
    assert count_rows(Meeting) == 4
    assert end_series(organiser, series, date(2025, 1, 20)) == services.Ending(deleted=1, cancelled=0)


def test_ending_early_after_a_split(app, notified):
    organiser = OrganiserFactory()
    series = make_series(occurrence_count=8)
    target = change_following(organiser, meetings_of(series)[4], FollowingData(title="AG", start_time=time(13),
                                                                               end_time=time(14)))
    end_series(organiser, target, date(2031, 2, 17))
    assert local_days(target) == [date(2031, 2, 3), date(2031, 2, 10), date(2031, 2, 17)]
    assert_consistent(series)
    assert_consistent(target)


def test_occurrences_report_cancelled_ones(app):
    series = make_series(occurrence_count=3)
    change_status(OrganiserFactory(), meetings_of(series)[1], MeetingStatus.CANCELLED)
    found = occurrences(series)
    assert [o.cancelled for o in found] == [False, True, False]
    assert all(o.start.tzinfo is not None and o.end > o.start for o in found)
    assert [o.meeting_id for o in found] == [m.id for m in meetings_of(series)]


def test_describe(app):
    with app.test_request_context():
        session["locale"] = "en"
        weekly = make_series(interval=2, weekdays=["MO", "TH"], occurrence_count=6)
        assert services.describe(weekly).startswith(
            "Every 2 weeks on Monday and Thursday, 10:00–11:30 (Europe/Berlin), 6 meetings from"
        )
        monthly = make_series(frequency=SeriesFrequency.MONTHLY_DAY, month_day=31, until_on=date(2031, 12, 31))
        assert "months without this day are skipped" in services.describe(monthly)
        last = make_series(frequency=SeriesFrequency.MONTHLY_NTH_WEEKDAY, nth=-1, nth_weekday="FR", occurrence_count=2)
        assert "Every month on the last Friday" in services.describe(last)


def test_ending_early_mails_a_cancellation_for_the_series_instance(app, outbox):
    """With the real invitation mails: the invited get METHOD:CANCEL for the series' UID at the occurrence's slot."""
    from app.invitations.services import send_invitations
    from app.models import MembershipRole
    from tests.factories_bodies import MembershipFactory

    body = BodyFactory()
    member = MembershipFactory(body=body, role=MembershipRole.MEMBER, account=AccountFactory(locale="en")).account
    organiser = OrganiserFactory()
    series = make_series(body=body, actor=organiser, occurrence_count=4)
    last = meetings_of(series)[3]
    send_invitations(organiser, last, [])
    assert len(outbox.messages()) == 1
    assert end_series(organiser, series, date(2031, 1, 13)) == services.Ending(deleted=1, cancelled=1)
    [request, cancel] = outbox.messages()
    assert cancel["To"] == member.email
    [attachment] = [part for part in cancel.walk() if part.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(attachment.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["UID"]) == series.uid
    assert event.decoded("RECURRENCE-ID").astimezone(UTC) == last.original_start


def test_this_and_following_mails_an_update_to_the_invited(app, outbox):
    """With the real invitation mails: a moved occurrence's update carries its new series' UID and slot."""
    from app.invitations.services import send_invitations
    from app.models import MembershipRole
    from tests.factories_bodies import MembershipFactory

    body = BodyFactory()
    member = MembershipFactory(body=body, role=MembershipRole.MEMBER, account=AccountFactory(locale="en")).account
    organiser = OrganiserFactory()
    series = make_series(body=body, actor=organiser, occurrence_count=4)
    third = meetings_of(series)[2]
    send_invitations(organiser, third, [])
    target = change_following(organiser, meetings_of(series)[1], FollowingData(
        title="AG", start_time=time(14), end_time=time(15),
    ))
    updates = [m for m in outbox.messages()[1:] if m["To"] == member.email]
    requests = []
    for message in updates:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                calendar = Calendar.from_ical(part.get_payload(decode=True))
                if str(calendar["METHOD"]) == "REQUEST":
                    requests.append(calendar.walk("VEVENT")[0])
    [event] = requests
    assert str(event["UID"]) == target.uid
    assert event.decoded("RECURRENCE-ID").astimezone(UTC) == third.original_start == utc(2031, 1, 20, 13)
    assert event.decoded("DTSTART").astimezone(UTC) == utc(2031, 1, 20, 13)
