"""VTIMEZONE components with yearly RRULE-based STANDARD and DAYLIGHT parts, derived from zoneinfo.

icalendar's automatic VTIMEZONE lists every transition as an RDATE; Outlook ignores those and then shifts
meetings by an hour after the clock change. Here the transitions of each year are read from zoneinfo and
described as yearly rules ("last Sunday in March at 02:00"); consecutive years that follow the same rule
become one part with one RRULE. A zone without daylight saving gets a single fixed-offset STANDARD part.
"""

from __future__ import annotations

import calendar as _calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Years after the last date a calendar needs: enough to tell which yearly rule the transitions follow.
LOOKAHEAD_YEARS = 2


@dataclass(frozen=True)
class Transition:
    """One change of a zone's UTC offset."""

    at: datetime  # the UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    name: str  # the zone's abbreviation after the change, e.g. "CEST"

    @property
    def local_onset(self) -> datetime:
        """The naive wall-clock time at which the change happens, read on the clock before it (RFC 5545)."""
        return (self.at + self.offset_from).replace(tzinfo=None)

    @property
    def forward(self) -> bool:
        return self.offset_to > self.offset_from


@lru_cache(maxsize=512)
def transitions_in(zone_name: str, year: int) -> tuple[Transition, ...]:
    """The offset changes of a zone in one year, found by a daily scan and a bisection to the second."""
    tz = ZoneInfo(zone_name)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    found: list[Transition] = []
    step = timedelta(hours=6)  # shorter than any gap between two changes in the tz database
    before = start
    before_offset = before.astimezone(tz).utcoffset()
    while before < end:
        after = min(before + step, end)
        after_offset = after.astimezone(tz).utcoffset()
        if after_offset != before_offset:
            low, high = before, after
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                middle = middle.replace(microsecond=0)
                if middle.astimezone(tz).utcoffset() == before_offset:
                    low = middle
                else:
                    high = middle
            if high < end:
                found.append(
                    Transition(high, before_offset, after_offset, high.astimezone(tz).tzname() or "")  # type: ignore[arg-type]
                )
        before, before_offset = after, after_offset
    return tuple(found)


def _rules_for(day: date) -> tuple[str, ...]:
    """Yearly rules that put a change on this day, most usual first: last weekday, n-th weekday, day of month."""
    weekday = WEEKDAYS[day.weekday()]
    days_in_month = _calendar.monthrange(day.year, day.month)[1]
    rules = []
    if day.day + 7 > days_in_month:
        rules.append(f"BYDAY=-1{weekday}")
    nth = (day.day - 1) // 7 + 1
    if nth <= 4:
        rules.append(f"BYDAY={nth}{weekday}")
    rules.append(f"BYMONTHDAY={day.day}")
    return tuple(rules)


@dataclass
class _Part:
    """A run of yearly transitions of one kind that one rule describes."""

    kind: str  # "standard" or "daylight"
    first: Transition
    last: Transition
    rules: tuple[str, ...]  # the rules every transition of the run fits
    count: int

    def key(self, transition: Transition) -> tuple:
        return (transition.offset_from, transition.offset_to, transition.name, transition.local_onset.time(),
                transition.local_onset.month)

    def takes(self, transition: Transition) -> bool:
        if self.key(transition) != self.key(self.first) or transition.at.year != self.last.at.year + 1:
            return False
        return bool(set(self.rules) & set(_rules_for(transition.local_onset.date())))

    def add(self, transition: Transition) -> None:
        candidates = set(_rules_for(transition.local_onset.date()))
        self.rules = tuple(rule for rule in self.rules if rule in candidates)
        self.last = transition
        self.count += 1


def _kind(transition: Transition, transitions_that_year: int) -> str:
    # Forward in a year with two changes is summer time. A lone change is a permanent new standard offset
    # (Moscow 2014), whatever its direction; reading dst() instead would call Dublin's winter "daylight".
    if transitions_that_year >= 2 and transition.forward:
        return "daylight"
    return "standard"


def _parts(zone_name: str, first_year: int, last_year: int) -> list[_Part]:
    parts: list[_Part] = []
    open_parts: dict[str, _Part] = {}
    for year in range(first_year, last_year + 1):
        found = transitions_in(zone_name, year)
        for transition in found:
            kind = _kind(transition, len(found))
            current = open_parts.get(kind)
            if current is not None and current.takes(transition):
                current.add(transition)
                continue
            part = _Part(kind, transition, transition, _rules_for(transition.local_onset.date()), 1)
            parts.append(part)
            open_parts[kind] = part
    return parts


def _offset_before(zone_name: str, year: int) -> tuple[timedelta, str]:
    moment = datetime(year, 1, 1, tzinfo=UTC).astimezone(ZoneInfo(zone_name))
    return moment.utcoffset() or timedelta(0), moment.tzname() or ""


def vtimezone(zone_name: str, first: date, last: date) -> Timezone:
    """A VTIMEZONE for an IANA zone, exact for every time from `first` to `last` and by rule after that.

    Yearly rules are read from the transitions of each year of the range (plus a look-ahead); a run of
    years with the same rule becomes one STANDARD or DAYLIGHT part with an RRULE, ended by UNTIL where a
    later run takes over. A zone without changes in the range is one fixed-offset STANDARD part.
    """
    # A year before the first date, so that some part has begun before it (RFC 5545 defines no offset
    # before the earliest DTSTART).
    first_year, last_year = first.year - 1, max(last.year, first.year) + LOOKAHEAD_YEARS
    component = Timezone()
    component.add("tzid", zone_name)
    parts = _parts(zone_name, first_year, last_year)
    if not parts:
        offset, name = _offset_before(zone_name, first_year)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(1970, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        if name:
            standard.add("tzname", name)
        component.add_component(standard)
        return component
    # The newest run of each kind stays open; runs that a later one replaced end with UNTIL.
    newest = {}
    for part in parts:
        newest[part.kind] = part
    # Without a change late in the range the rules may have stopped (a zone that dropped summer time).
    stopped_after = parts[-1].last.at.year
    for part in parts:
        sub = TimezoneDaylight() if part.kind == "daylight" else TimezoneStandard()
        sub.add("dtstart", part.first.local_onset)
        sub.add("tzoffsetfrom", part.first.offset_from)
        sub.add("tzoffsetto", part.first.offset_to)
        if part.first.name:
            sub.add("tzname", part.first.name)
        runs_on = part is newest[part.kind] and part.last.at.year == stopped_after and stopped_after == last_year
        if part.count > 1 or runs_on:
            rule: dict[str, object] = {"freq": "YEARLY", "bymonth": part.first.local_onset.month}
            name, value = part.rules[0].split("=")
            rule[name.lower()] = value if name == "BYDAY" else int(value)
            if not runs_on:
                # A day of slack: some readers compare UNTIL with the local onset instead of the instant.
                rule["until"] = part.last.at + timedelta(days=1)
            sub.add("rrule", rule)
        component.add_component(sub)
    return component


def zone_name_of(value: datetime) -> str | None:
    """The IANA name of an aware datetime's zone, if it has one."""
    key = getattr(value.tzinfo, "key", None)
    return key if isinstance(key, str) else None
