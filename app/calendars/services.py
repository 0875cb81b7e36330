"""Calendar feeds and downloads: what each holds for whom, when it last changed, and the personal feed token.

Three kinds, each a fixed number of SQL statements whatever the number of meetings:

- a meeting's download: the meeting, or its whole series for those who see the series' body;
- a public body's feed: its meetings, public agenda items only, in German;
- a person's feed (secret URL): the meetings of their current bodies, the meetings they are invited to and
  the events they registered for (or are waiting for), in their language, with the non-public agenda items
  they may read; `?body=` narrows it to one of their current bodies. Memberships are read on every request.

A feed covers meetings that ended at most 90 days ago, and every series with an occurrence in that window as
a whole; a cancelled single meeting stays (marked) until it has passed. Last-Modified is the latest change of
anything the content depends on, including meetings leaving the window and memberships starting or ending by
date, so that If-Modified-Since never keeps a changed feed from a calendar program.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, and_, event, false, func, or_, select
from sqlalchemy.orm import Session, joinedload, subqueryload

from app import permissions
from app.bodies.access import current_roles
from app.bodies.services import get_body
from app.calendars.feeds import Reader, SeriesEntry, calendar_bytes, feed_events
from app.calendars.ical import CalendarSettings, words
from app.clock import today
from app.extensions import db
from app.models import (
    Account,
    AgendaItem,
    Body,
    Invitation,
    Meeting,
    MeetingStatus,
    Membership,
    Registration,
    RegistrationStatus,
    utcnow,
)

FEED_PAST = timedelta(days=90)
REFRESH_INTERVAL = timedelta(hours=1)
TOKEN_BYTES = 32  # 256 random bits; the issue asks for at least 128
MAX_TOKEN_LENGTH = 100  # anything longer is not one of ours: no need to hash it
# Registrations that put an event into the person's calendar (the waiting list may still move up).
CALENDAR_REGISTRATIONS = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Google Calendar's "add this calendar" page; the person's browser opens it, Koop itself fetches nothing.
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="


@dataclass(frozen=True)
class Feed:
    """A calendar ready to send: its bytes, when it last changed, and a file name for downloads."""

    content: bytes
    last_modified: datetime
    filename: str

    @property
    def etag(self) -> str:
        """A strong validator of exactly these bytes (DTSTAMP is the last change, not the time of the request)."""
        return hashlib.sha256(self.content).hexdigest()[:40]


def settings() -> CalendarSettings:
    return CalendarSettings.from_config(current_app.config)


# The personal feed token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def regenerate_token(account: Account) -> str:
    """A new secret feed URL token for the account; only its hash is kept, so the old URL stops working at once."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    account.calendar_token_hash = token_hash(token)
    db.session.commit()
    return token


def revoke_token(account: Account) -> None:
    """No personal feed any more: the URL answers 404 like one that never existed."""
    account.calendar_token_hash = None
    db.session.commit()


def account_for_token(token: str) -> Account | None:
    """The active account whose feed token this is; None for unknown, revoked and deactivated alike."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    account = db.session.scalar(select(Account).where(Account.calendar_token_hash == token_hash(token)))
    if account is None or not permissions.can_have_personal_feed(account):
        return None
    return account


# What goes into a feed


def _with_details(query):
    # subqueryload: one statement for all agendas however many meetings (selectinload needs one per 500)
    return query.options(joinedload(Meeting.body), joinedload(Meeting.series), subqueryload(Meeting.agenda_items))


def _in_window(now: datetime) -> ColumnElement[bool]:
    """Ended at most 90 days ago; a cancelled meeting only until it has passed."""
    return and_(
        Meeting.ends_at >= now - FEED_PAST,
        or_(Meeting.status != MeetingStatus.CANCELLED, Meeting.ends_at >= now),
    )


def _running_series(now: datetime, bodies: ColumnElement[bool]) -> Any:
    """Ids of the series of these bodies with an occurrence in the window: they are shown whole."""
    return select(Meeting.series_id).where(Meeting.series_id.is_not(None), bodies, Meeting.ends_at >= now - FEED_PAST)


def _split(rows: Iterable[Meeting], whole: set[int] | None) -> tuple[list[Meeting], list[SeriesEntry]]:
    """Single meetings (and occurrences shown on their own) apart from the series shown whole.

    `whole` holds the body ids whose series are shown whole (None: every series among the rows).
    """
    singles: list[Meeting] = []
    by_series: dict[int, list[Meeting]] = {}
    for meeting in rows:
        if meeting.series_id is not None and (whole is None or meeting.body_id in whole):
            by_series.setdefault(meeting.series_id, []).append(meeting)
        else:
            singles.append(meeting)
    entries = []
    for occurrences in by_series.values():
        series = occurrences[0].series
        if series is not None:  # always: series_id is set and the series was loaded with the meetings
            entries.append(SeriesEntry(series, occurrences))
    return singles, entries


def _latest(*moments: datetime | None) -> datetime:
    """The latest of the moments, never in the future, in whole seconds (HTTP dates have no fractions)."""
    now = utcnow()
    known = [moment for moment in moments if moment is not None]
    latest = min(max(known, default=EPOCH), now)
    return latest.astimezone(UTC).replace(microsecond=0)


def _changes_of(rows: Sequence[Meeting], entries: Sequence[SeriesEntry]) -> list[datetime]:
    moments = [meeting.updated_at for meeting in rows]
    moments += [entry.series.updated_at for entry in entries]
    return moments


def _local_midnight(day: date | None) -> datetime | None:
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _window_changes(scope: ColumnElement[bool], now: datetime) -> tuple[Any, Any]:
    """Two scalar subqueries: when the last meeting of the scope left the window (its end, 90 days later),
    and when the last cancelled meeting in the window passed (and so left the feed)."""
    cutoff = now - FEED_PAST
    left = select(func.max(Meeting.ends_at)).where(scope, Meeting.ends_at < cutoff).scalar_subquery()
    passed = (
        select(func.max(Meeting.ends_at))
        .where(scope, Meeting.status == MeetingStatus.CANCELLED, Meeting.ends_at < now, Meeting.ends_at >= cutoff)
        .scalar_subquery()
    )
    return left, passed


def _later(moment: datetime | None, by: timedelta) -> datetime | None:
    return moment + by if moment is not None else None


def personal_feed(account: Account, body_code: str | None = None) -> Feed | None:
    """The account's own feed, or None (answer 404) when `body_code` is not one of its current bodies."""
    member_of = set(current_roles(account))
    body: Body | None = None
    if body_code is not None:
        body = get_body(body_code)
        if body is None or not permissions.can_filter_personal_feed(account, body):
            return None
        member_of = {body.id}
    now = utcnow()
    in_my_bodies = Meeting.body_id.in_(sorted(member_of)) if member_of else false()
    if body is None:
        invited = select(Invitation.meeting_id).where(Invitation.account_id == account.id)
        registered = select(Registration.meeting_id).where(
            Registration.account_id == account.id, Registration.status.in_(CALENDAR_REGISTRATIONS)
        )
        mine: ColumnElement[bool] = or_(Meeting.id.in_(invited), Meeting.id.in_(registered))
    else:
        mine = false()
    # Series of the person's bodies are shown whole; an occurrence of another body's series they are invited
    # to (or registered for) is shown on its own, with the series' UID and its RECURRENCE-ID, as in the mails.
    shown_alone = or_(
        and_(Meeting.series_id.is_(None), or_(in_my_bodies, mine)),
        and_(Meeting.series_id.is_not(None), mine, ~in_my_bodies),
    )
    query = select(Meeting).where(
        or_(and_(shown_alone, _in_window(now)), Meeting.series_id.in_(_running_series(now, in_my_bodies)))
    )
    rows = list(db.session.scalars(_with_details(query)))
    singles, entries = _split(rows, member_of)
    singles = [meeting for meeting in singles if permissions.can_view_meeting(account, meeting)]
    entries = [entry for entry in entries if permissions.can_view_whole_series(account, entry.occurrences[0])]

    day = today()
    left, passed = _window_changes(or_(in_my_bodies, mine), now)
    facts = db.session.execute(
        select(
            left,
            passed,
            select(func.max(Membership.updated_at)).where(Membership.account_id == account.id).scalar_subquery(),
            select(func.max(Membership.start_on))
            .where(Membership.account_id == account.id, Membership.start_on <= day)
            .scalar_subquery(),
            select(func.max(Membership.end_on))
            .where(Membership.account_id == account.id, Membership.end_on <= day)
            .scalar_subquery(),
            select(func.max(Registration.updated_at)).where(Registration.account_id == account.id).scalar_subquery(),
            select(func.max(Invitation.sent_at)).where(Invitation.account_id == account.id).scalar_subquery(),
        )
    ).one()
    last_modified = _latest(
        *_changes_of(rows, entries),
        account.updated_at,
        body.updated_at if body is not None else None,
        _later(facts[0], FEED_PAST),
        facts[1],
        facts[2],
        _local_midnight(facts[3]),
        _local_midnight(facts[4]),
        facts[5],
        facts[6],
    )
    language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    reader = Reader(language, lambda meeting: permissions.can_see_non_public_items(account, meeting))
    name = f"Koop – {body.name}" if body is not None else f"Koop – {words(language)['my_meetings']}"
    content = calendar_bytes(feed_events(singles, entries, settings(), reader), name=name, refresh=REFRESH_INTERVAL)
    return Feed(content, last_modified, f"{body.code if body else 'koop'}.ics")


def body_feed(body: Body) -> Feed:
    """A public body's feed: the same for everyone, public agenda items only, in German."""
    now = utcnow()
    of_body = Meeting.body_id == body.id
    query = select(Meeting).where(
        of_body,
        or_(and_(Meeting.series_id.is_(None), _in_window(now)), Meeting.series_id.in_(_running_series(now, of_body))),
    )
    rows = list(db.session.scalars(_with_details(query)))
    singles, entries = _split(rows, None)
    left, passed = _window_changes(of_body, now)
    facts = db.session.execute(select(left, passed)).one()
    last_modified = _latest(*_changes_of(rows, entries), body.updated_at, _later(facts[0], FEED_PAST), facts[1])
    reader = Reader("de")
    content = calendar_bytes(
        feed_events(singles, entries, settings(), reader), name=f"Koop – {body.name}", refresh=REFRESH_INTERVAL
    )
    return Feed(content, last_modified, f"{body.code}.ics")


def meeting_download(meeting: Meeting, viewer: Any, language: str) -> Feed:
    """One meeting as a file; an occurrence of a series brings its whole series, for those who see its body."""
    reader = Reader(language, lambda item: permissions.can_see_non_public_items(viewer, item))
    if meeting.series_id is not None and permissions.can_view_whole_series(viewer, meeting):
        rows = list(db.session.scalars(_with_details(select(Meeting).where(Meeting.series_id == meeting.series_id))))
        singles, entries = _split(rows, None)
        events = feed_events([], entries, settings(), reader)
        if events:
            last_modified = _latest(*_changes_of(rows, entries))
            return Feed(calendar_bytes(events), last_modified, f"series-{meeting.series_id}.ics")
    events = feed_events([meeting], [], settings(), reader)
    last_modified = _latest(meeting.updated_at)
    return Feed(calendar_bytes(events), last_modified, f"meeting-{meeting.id}.ics")


# The calendar pages


@dataclass(frozen=True)
class FeedUrls:
    """The ways to subscribe to one feed."""

    https: str
    webcal: str
    google: str


def feed_urls(path: str) -> FeedUrls:
    """The https:// and webcal:// URLs of a feed path, and Google Calendar's subscribe link for it."""
    base = settings().base_url
    https = base + path
    _scheme, _sep, rest = https.partition("://")
    webcal = f"webcal://{rest}" if rest else https
    return FeedUrls(https=https, webcal=webcal, google=GOOGLE_SUBSCRIBE + quote(webcal, safe=""))


def current_bodies(account: Account) -> list[Body]:
    """The bodies the account currently belongs to, by name: each can be a feed of its own (?body=)."""
    ids = sorted(current_roles(account))
    if not ids:
        return []
    return list(db.session.scalars(select(Body).where(Body.id.in_(ids)).order_by(Body.name, Body.id)))


# Keeping LAST-MODIFIED honest


@event.listens_for(Session, "before_flush")
def _touch_meetings_with_changed_agendas(session: Session, flush_context: Any, instances: Any) -> None:
    """The agenda is part of a meeting's calendar DESCRIPTION, so changing it changes the meeting's LAST-MODIFIED
    and DTSTAMP (its updated_at): calendar programs and If-Modified-Since then see the new agenda."""
    touched: set[int] = set()
    with session.no_autoflush:
        for item in chain(session.new, session.dirty, session.deleted):
            if not isinstance(item, AgendaItem):
                continue
            if item in session.dirty and not session.is_modified(item, include_collections=False):
                continue
            meeting = item.__dict__.get("meeting")
            if meeting is None and item.meeting_id is not None:
                meeting = session.get(Meeting, item.meeting_id)
            if meeting is None or meeting in session.new or meeting in session.deleted or id(meeting) in touched:
                continue
            touched.add(id(meeting))
            meeting.updated_at = utcnow()
