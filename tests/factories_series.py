"""Helpers for series tests: the data of a series, a series made through the service, and the invariants."""

from __future__ import annotations

from datetime import date, time
from typing import Any

from app.models import Account, Body, MeetingSeries, MeetingStatus, SeriesFrequency
from app.series.services import SeriesData, create_series, occurrences, slots
from tests.factories import OrganiserFactory
from tests.factories_bodies import BodyFactory

# A Monday well in the future, so no occurrence has started yet.
FIRST_MONDAY = date(2031, 1, 6)


def series_data(**overrides: Any) -> SeriesData:
    """A weekly series on Mondays, 10:00-11:30 in Berlin, 10 meetings, unless a test says otherwise."""
    values: dict[str, Any] = {
        "title": "Arbeitsgruppe Registermodernisierung",
        "frequency": SeriesFrequency.WEEKLY,
        "first_day": FIRST_MONDAY,
        "start_time": time(10, 0),
        "end_time": time(11, 30),
        "interval": 1,
        "weekdays": ["MO"],
        "occurrence_count": 10,
        "timezone": "Europe/Berlin",
        "location": "Saarbrücken, Raum 1.12",
    }
    if "until_on" in overrides and "occurrence_count" not in overrides:
        values["occurrence_count"] = None
    values.update(overrides)
    return SeriesData(**values)


def make_series(body: Body | None = None, actor: Account | None = None, **overrides: Any) -> MeetingSeries:
    return create_series(actor or OrganiserFactory(), body or BodyFactory(), series_data(**overrides))


def assert_consistent(series: MeetingSeries) -> None:
    """The invariants the calendar export relies on (see app.series.services)."""
    found = occurrences(series)
    kept = [occurrence for occurrence in found if not occurrence.cancelled]
    rule_slots = slots(series)
    # every slot has its occurrence; only occurrences cancelled by ending the series early lie beyond the rule
    assert [occurrence.original_start for occurrence in found if occurrence.original_start in rule_slots] == rule_slots
    assert all(occurrence.original_start in rule_slots for occurrence in kept)
    for occurrence in found:
        if not occurrence.is_exception:
            assert occurrence.start == occurrence.original_start
            assert (occurrence.end - occurrence.start).total_seconds() == series.duration_minutes * 60
    regular = [m for m in series.occurrences if not m.is_exception]
    assert len({(m.title, m.location, m.online_url) for m in regular}) <= 1
    assert all(m.status is not MeetingStatus.CANCELLED for m in regular)
