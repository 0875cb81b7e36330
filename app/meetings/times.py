"""Local wall-clock times to UTC and back, refusing times that do not exist or exist twice."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import gettext as _

from app.errors import DomainError


def zone(name: str, field: str = "timezone") -> ZoneInfo:
    """The IANA zone of this name, or a DomainError for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(_("Unknown time zone %(name)s.", name=name), field=field) from None


def local_to_utc(day: date, clock: time, zone_name: str, field: str = "starts_at") -> datetime:
    """The UTC instant of a local date and time in a zone.

    02:30 on the last Sunday of March does not exist in Europe/Berlin (clocks jump from 02:00 to 03:00), and
    02:30 on the last Sunday of October happens twice: both get a clear message instead of a silent guess.
    """
    tz = zone(zone_name)
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive:
            raise DomainError(
                _(
                    "%(time)s does not exist on %(date)s in %(zone)s (the clocks are put forward).",
                    time=clock.strftime("%H:%M"),
                    date=day.isoformat(),
                    zone=zone_name,
                ),
                field=field,
            )
        raise DomainError(
            _(
                "%(time)s happens twice on %(date)s in %(zone)s (the clocks are put back); please choose another time.",
                time=clock.strftime("%H:%M"),
                date=day.isoformat(),
                zone=zone_name,
            ),
            field=field,
        )
    return first.astimezone(UTC)


def utc_to_local(instant: datetime, zone_name: str) -> datetime:
    return instant.astimezone(zone(zone_name))


def all_day_bounds(first_day: date, last_day: date, zone_name: str) -> tuple[datetime, datetime]:
    """UTC instants of local midnight at the start of the first day and after the last day."""
    tz = zone(zone_name)
    start = datetime.combine(first_day, time(0), tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
