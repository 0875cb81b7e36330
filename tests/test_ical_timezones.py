"""VTIMEZONE: yearly RRULE-based parts (what Outlook reads), never RDATE lists, and offsets that match zoneinfo."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from app.calendars.timezones import transitions_in, vtimezone


def parsed(zone_name: str, first: date, last: date):
    component = vtimezone(zone_name, first, last)
    data = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + component.to_ical() + b"END:VCALENDAR\r\n"
    return Calendar.from_ical(data).walk("VTIMEZONE")[0]


def test_europe_berlin_has_the_eu_rules_and_no_rdate():
    zone = parsed("Europe/Berlin", date(2026, 1, 1), date(2026, 12, 31))
    assert str(zone["TZID"]) == "Europe/Berlin"
    assert b"RDATE" not in zone.to_ical()
    [daylight] = zone.walk("DAYLIGHT")
    [standard] = zone.walk("STANDARD")
    assert daylight["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [3], "BYDAY": ["-1SU"]}
    assert daylight["DTSTART"].dt.time().hour == 2
    assert (daylight["TZOFFSETFROM"].td, daylight["TZOFFSETTO"].td) == (timedelta(hours=1), timedelta(hours=2))
    assert standard["RRULE"] == {"FREQ": ["YEARLY"], "BYMONTH": [10], "BYDAY": ["-1SU"]}
    assert standard["DTSTART"].dt.time().hour == 3
    assert (standard["TZOFFSETFROM"].td, standard["TZOFFSETTO"].td) == (timedelta(hours=2), timedelta(hours=1))
    # Both parts begin before the first day they must cover (RFC 5545 knows no offset before any DTSTART).
    assert daylight["DTSTART"].dt < datetime(2026, 1, 1) and standard["DTSTART"].dt < datetime(2026, 1, 1)


def test_a_long_range_of_unchanged_rules_stays_two_parts():
    zone = parsed("Europe/Berlin", date(2018, 3, 1), date(2031, 1, 1))
    assert len(zone.walk("DAYLIGHT")) == 1 and len(zone.walk("STANDARD")) == 1
    assert "UNTIL" not in zone.walk("DAYLIGHT")[0]["RRULE"]


def test_second_sunday_rules_of_new_york():
    zone = parsed("America/New_York", date(2026, 1, 1), date(2026, 12, 31))
    assert zone.walk("DAYLIGHT")[0]["RRULE"]["BYDAY"] == ["2SU"]
    assert zone.walk("STANDARD")[0]["RRULE"]["BYDAY"] == ["1SU"]


def test_a_rule_change_ends_the_old_parts_with_until():
    """The United States moved their dates in 2007: two runs of each kind, the old one ended by UNTIL."""
    zone = parsed("America/New_York", date(2005, 1, 1), date(2008, 12, 31))
    daylight = zone.walk("DAYLIGHT")
    assert [part["RRULE"]["BYMONTH"] for part in daylight] == [[4], [3]]
    assert "UNTIL" in daylight[0]["RRULE"] and "UNTIL" not in daylight[1]["RRULE"]


def test_a_zone_without_daylight_saving_is_one_fixed_standard_part():
    zone = parsed("Asia/Tokyo", date(2026, 1, 1), date(2026, 12, 31))
    assert not zone.walk("DAYLIGHT")
    [standard] = zone.walk("STANDARD")
    assert standard["TZOFFSETFROM"].td == standard["TZOFFSETTO"].td == timedelta(hours=9)
    assert "RRULE" not in standard


def test_berlin_transitions_of_a_year():
    spring, autumn = transitions_in("Europe/Berlin", 2026)
    assert spring.at == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert spring.local_onset == datetime(2026, 3, 29, 2, 0)
    assert autumn.at == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)
    assert autumn.local_onset == datetime(2026, 10, 25, 3, 0)


@pytest.mark.parametrize(
    ("zone_name", "first", "last"),
    [
        ("Europe/Berlin", date(2018, 1, 1), date(2028, 1, 1)),
        ("America/New_York", date(2005, 1, 1), date(2009, 1, 1)),
        ("Australia/Sydney", date(2024, 1, 1), date(2027, 1, 1)),  # summer time across the new year
        ("America/Sao_Paulo", date(2017, 1, 1), date(2021, 1, 1)),  # dropped summer time in 2019
        ("Asia/Tehran", date(2020, 1, 1), date(2024, 1, 1)),  # by day of month, dropped in 2022
        ("Asia/Kolkata", date(2026, 1, 1), date(2027, 1, 1)),
    ],
)
def test_offsets_from_the_vtimezone_equal_zoneinfo(zone_name, first, last):
    """Read back by an independent implementation (icalendar's), the offsets are right every six hours of the
    range and just before and after each change."""
    tz_from_component = parsed(zone_name, first, last).to_tz(lookup_tzid=False)
    real = ZoneInfo(zone_name)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC)
    moments = [start + timedelta(hours=6 * step) for step in range((end - start) // timedelta(hours=6))]
    for year in range(first.year, last.year + 1):
        for change in transitions_in(zone_name, year):
            moments += [change.at + timedelta(minutes=delta) for delta in (-31, -1, 0, 1, 31)]
    wrong = [m for m in moments if m.astimezone(tz_from_component).utcoffset() != m.astimezone(real).utcoffset()]
    assert wrong == []
