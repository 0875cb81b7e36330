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

Feeds are asked for again and again, so a feed is first only its fingerprint: one statement reads, for every
meeting it holds, what decides what it shows of the meeting and to whom (id, updated_at, SEQUENCE, its series'
and its body's state, the person's invitation), and with it everything Last-Modified needs. The fingerprint
is the ETag; a 304 needs nothing more. The bytes are built only when they are sent, from the shared cache
(app.cache): the whole feed under its fingerprint, or else assembled from each meeting's cached VEVENT
(app.calendars.pieces), so that only what changed is rendered again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache as cache_once
from functools import cached_property
from itertools import chain
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    event,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, joinedload, subqueryload

from app import permissions
from app.bodies.access import current_roles
from app.bodies.services import get_body
from app.cache import cache
from app.calendars import pieces
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
    MeetingSeries,
    MeetingStatus,
    Membership,
    Registration,
    RegistrationStatus,
    utcnow,
)
from app.models.types import UTCDateTime

FEED_PAST = timedelta(days=90)
REFRESH_INTERVAL = timedelta(hours=1)
TOKEN_BYTES = 32  # 256 random bits; the issue asks for at least 128
MAX_TOKEN_LENGTH = 100  # anything longer is not one of ours: no need to hash it
# Registrations that put an event into the person's calendar (the waiting list may still move up).
CALENDAR_REGISTRATIONS = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITING)
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Google Calendar's "add this calendar" page; the person's browser opens it, Koop itself fetches nothing.
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r?cid="


class Feed:
    """A calendar ready to send: its validators at once, its bytes only when asked for (a 304 never needs them).

    The ETag is strong: equal ETags mean equal bytes. A download's is a hash of its bytes; a feed's is its
    fingerprint, a hash of everything its bytes are made from (app.calendars.pieces explains why that is
    enough), so that a calendar program revalidating an unchanged feed costs a few small queries.
    """

    def __init__(self, etag: str, last_modified: datetime, filename: str, build: Callable[[], bytes]) -> None:
        self.etag = etag
        self.last_modified = last_modified
        self.filename = filename
        self._build = build

    @classmethod
    def of_bytes(cls, content: bytes, last_modified: datetime, filename: str) -> Feed:
        return cls(hashlib.sha256(content).hexdigest()[:40], last_modified, filename, lambda: content)

    @cached_property
    def content(self) -> bytes:
        return self._build()


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


def read_without_transaction() -> None:
    """Let this request's statements run without a transaction around them (autocommit), when it has not used
    the database yet. A feed only reads, and each of its answers comes from one statement (app.calendars.pieces
    explains why a later statement can only see newer data, never older); on PostgreSQL this saves the
    BEGIN and ROLLBACK round trips, a third of the time of a 304."""
    session = db.session()
    # Only on a connection of our own from the pool: a session bound to a connection someone else manages (a
    # test's outer transaction) keeps that connection's mode.
    if not session.in_transaction() and isinstance(session.get_bind(), Engine):
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


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


# The feeds' statements are built once per process with these parameters: building and caching a statement
# of this size costs more than running it, and a feed is asked for again and again.
NOW = bindparam("now", type_=UTCDateTime())
CUTOFF = bindparam("cutoff", type_=UTCDateTime())  # NOW - FEED_PAST
DAY = bindparam("day", type_=Date())  # today, for memberships by date
ACCOUNT_ID = bindparam("account_id", type_=Integer())
TOKEN_HASH = bindparam("token_hash", type_=String())
BODY_ID = bindparam("body_id", type_=Integer())


def _window_parameters() -> dict[str, Any]:
    now = utcnow()
    return {"now": now, "cutoff": now - FEED_PAST}


def _in_window() -> ColumnElement[bool]:
    """Ended at most 90 days ago; a cancelled meeting only until it has passed."""
    return and_(Meeting.ends_at >= CUTOFF, or_(Meeting.status != MeetingStatus.CANCELLED, Meeting.ends_at >= NOW))


def _running_series(bodies: ColumnElement[bool]) -> Any:
    """Ids of the series of these bodies with an occurrence in the window: they are shown whole."""
    return select(Meeting.series_id).where(Meeting.series_id.is_not(None), bodies, Meeting.ends_at >= CUTOFF)


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


def _local_midnight(day: date | None) -> datetime | None:
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def _window_changes(scope: ColumnElement[bool]) -> tuple[Any, Any]:
    """Two scalar subqueries: when the last meeting of the scope left the window (its end, 90 days later),
    and when the last cancelled meeting in the window passed (and so left the feed)."""
    left = select(func.max(Meeting.ends_at)).where(scope, Meeting.ends_at < CUTOFF).scalar_subquery()
    passed = (
        select(func.max(Meeting.ends_at))
        .where(scope, Meeting.status == MeetingStatus.CANCELLED, Meeting.ends_at < NOW, Meeting.ends_at >= CUTOFF)
        .scalar_subquery()
    )
    return left, passed


def _later(moment: datetime | None, by: timedelta) -> datetime | None:
    return moment + by if moment is not None else None


@dataclass(frozen=True)
class Contents:
    """What a feed is made of, read in one statement without loading a meeting: a version line for each of its
    meetings ("m<id>:<updated_at>:<sequence>") and for whatever else can change what it shows of them without
    changing their updated_at (which every change of a meeting, of its series membership, its body or its
    agenda moves): the series it may hold ("s<id>:<updated_at>", rule, title and SEQUENCE), and for a personal
    feed the person's invitations ("i<meeting>:<answer>") and the bodies of the meetings they were invited to
    or registered for ("b<id>:<visibility>", who may see them). Those are supersets (every series of the
    person's bodies, every invitation), which can only change the fingerprint more often than the bytes, never
    less. Then when they last changed, and the facts Last-Modified also depends on."""

    lines: tuple[str, ...]  # sorted
    changed: tuple[datetime | None, ...]
    facts: tuple[Any, ...]

    @property
    def meeting_ids(self) -> list[int]:
        return [int(line[1:].partition(":")[0]) for line in self.lines if line.startswith("m")]


def _versions(tag: str, parts: Sequence[Any]) -> Any:
    """The aggregate of one version line per row: the tag, then the parts as text, separated by colons."""
    line: Any = literal(tag, String)
    for index, part in enumerate(parts):
        line = line + (":" if index else "") + cast(part, String)
    return func.aggregate_strings(line, ",")


@dataclass(frozen=True)
class Versions:
    """A scalar subquery of version lines, and one of when the rows last changed."""

    lines: Any
    changed: Any

    @classmethod
    def of(cls, tag: str, parts: Sequence[Any], changed: Any, *where: ColumnElement[bool]) -> Versions:
        return cls(
            select(_versions(tag, parts)).where(*where).scalar_subquery(),
            select(func.max(changed)).where(*where).scalar_subquery(),
        )


def _contents_statement(where: ColumnElement[bool], others: Sequence[Versions], facts: Sequence[Any]) -> Select:
    """The versions of the meetings `where` selects, and of `others`, and the `facts`, in one statement.

    It runs on every request for a feed, so the meetings' part reads the meetings table alone, without joins.
    """
    return (
        select(_versions("m", [Meeting.id, Meeting.updated_at, Meeting.sequence]), func.max(Meeting.updated_at))
        .add_columns(*(other.lines for other in others), *(other.changed for other in others), *facts)
        .where(where)
    )


def _contents_of(row: Sequence[Any], others: int) -> Contents:
    """The Contents of a row of _contents_statement with `others` other versions."""
    lines = [line for text in (row[0], *row[2 : 2 + others]) if text for line in text.split(",")]
    changed = (row[1], *row[2 + others : 2 + 2 * others])
    return Contents(tuple(sorted(lines)), changed, tuple(row[2 + 2 * others :]))


def _contents(statement: Select, others: int, parameters: dict[str, Any]) -> Contents:
    return _contents_of(db.session.execute(statement, parameters).one(), others)


PERSONAL_OTHERS = 3  # series, invitations, bodies of the invited or registered meetings
SERIES_ONLY = 1  # the other versions of a feed of one body


def _among(ids: Any) -> ColumnElement[bool]:
    """Meeting.id among the ids of a subquery. On PostgreSQL as `= ANY(ARRAY(subquery))`: the array is computed
    once and the meetings are fetched by primary key; an IN or an OR of IN-subqueries let the planner scan all
    250,000 meetings of a national installation on every feed request (a third of a second and more)."""
    (column,) = ids.subquery().c
    if db.engine.dialect.name == "postgresql":
        return Meeting.id == func.any(func.array(select(column).scalar_subquery()))
    return Meeting.id.in_(select(column))


@cache_once
def _personal_statement(one_body: bool, by_token: bool = False) -> Select:
    """The contents of a personal feed: with `one_body`, of the body BODY_ID only (the caller checked that the
    person belongs to it, and so sees all of it); else of all the person's current bodies (the rule of
    current_roles in app.bodies.access, here as a subquery whose result comes back as the last column), their
    invitations and their registrations. The person is ACCOUNT_ID; `by_token`, the account whose feed token
    hashes to TOKEN_HASH, which then comes first in the row (no row when there is none): a single round trip."""
    account_id: Any = ACCOUNT_ID
    if by_token:
        account_id = select(Account.id).where(Account.calendar_token_hash == TOKEN_HASH).scalar_subquery()
    series_parts = (MeetingSeries.id, MeetingSeries.updated_at)
    if one_body:
        in_my_bodies: ColumnElement[bool] = Meeting.body_id == BODY_ID
        mine: ColumnElement[bool] = false()
        candidates: ColumnElement[bool] = in_my_bodies
        member_of: list[Any] = []
        others = [Versions.of("s", series_parts, MeetingSeries.updated_at, MeetingSeries.body_id == BODY_ID)]
    else:
        current = (Membership.account_id == account_id, Membership.start_on <= DAY,
                   or_(Membership.end_on.is_(None), Membership.end_on > DAY))
        my_bodies = select(Membership.body_id).where(*current)
        in_my_bodies = Meeting.body_id.in_(my_bodies)
        invited = select(Invitation.meeting_id).where(Invitation.account_id == account_id)
        # Equalities rather than IN (...): a list parameter would make SQLAlchemy rewrite the SQL on every run.
        registered = select(Registration.meeting_id).where(
            Registration.account_id == account_id, or_(*(Registration.status == s for s in CALENDAR_REGISTRATIONS))
        )
        mine = _among(union_all(invited, registered))
        of_mine = select(Meeting.series_id, Meeting.body_id).where(mine).subquery()
        # Every meeting the feed can hold (running series are of the person's bodies), as one id list.
        # (The bodies' part as a join, so that their meetings are found through the body index.)
        of_my_bodies = select(Meeting.id).join(Membership, Membership.body_id == Meeting.body_id).where(*current)
        candidates = _among(union(of_my_bodies, invited, registered))
        others = [
            Versions.of(
                "s", series_parts, MeetingSeries.updated_at,
                or_(MeetingSeries.body_id.in_(my_bodies), MeetingSeries.id.in_(select(of_mine.c.series_id))),
            ),
            Versions.of("i", (Invitation.meeting_id, Invitation.answer), Invitation.sent_at,
                        Invitation.account_id == account_id),
            Versions.of("b", (Body.id, Body.visibility), Body.updated_at, Body.id.in_(select(of_mine.c.body_id))),
        ]
        body_ids = func.aggregate_strings(cast(Membership.body_id, String), ",")
        member_of = [select(body_ids).where(*current).scalar_subquery()]
    # Series of the person's bodies are shown whole; an occurrence of another body's series they are invited
    # to (or registered for) is shown on its own, with the series' UID and its RECURRENCE-ID, as in the mails.
    shown_alone = or_(
        and_(Meeting.series_id.is_(None), or_(in_my_bodies, mine)),
        and_(Meeting.series_id.is_not(None), mine, ~in_my_bodies),
    )
    of_account = (Membership.account_id == account_id,)
    facts = [
        *_window_changes(candidates),
        select(func.max(Membership.updated_at)).where(*of_account).scalar_subquery(),
        select(func.max(Membership.start_on)).where(*of_account, Membership.start_on <= DAY).scalar_subquery(),
        select(func.max(Membership.end_on)).where(*of_account, Membership.end_on <= DAY).scalar_subquery(),
        select(func.max(Registration.updated_at)).where(Registration.account_id == account_id).scalar_subquery(),
        *member_of,
    ]
    in_feed = and_(
        candidates, or_(and_(shown_alone, _in_window()), Meeting.series_id.in_(_running_series(in_my_bodies)))
    )
    statement = _contents_statement(in_feed, others, facts)
    if by_token:
        contents = statement.subquery()
        statement = select(Account, *contents.c).join(contents, true())
        statement = statement.where(Account.calendar_token_hash == TOKEN_HASH)
    return statement


@cache_once
def _body_statement() -> Select:
    """The contents of the feed of the body BODY_ID."""
    of_body = Meeting.body_id == BODY_ID
    in_feed = and_(
        of_body, or_(and_(Meeting.series_id.is_(None), _in_window()), Meeting.series_id.in_(_running_series(of_body)))
    )
    series = Versions.of("s", (MeetingSeries.id, MeetingSeries.updated_at), MeetingSeries.updated_at,
                         MeetingSeries.body_id == BODY_ID)
    return _contents_statement(in_feed, [series], _window_changes(of_body))


def _fingerprint(*context: object, contents: Contents) -> str:
    return pieces.digest(pieces.code_version(), *dataclasses.astuple(settings()), *context, *contents.lines)


def _load_meetings(contents: Contents) -> list[Meeting]:
    """The feed's meetings, with body and series (agendas only for groups not in the cache)."""
    ids = contents.meeting_ids
    if not ids:
        return []
    query = select(Meeting).where(Meeting.id.in_(ids))
    return list(db.session.scalars(query.options(joinedload(Meeting.body), joinedload(Meeting.series))))


def _cached_feed(fingerprint: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    """The whole feed under its fingerprint; built (from cached groups) only when no instance has it yet."""

    def content() -> bytes:
        key = "ical:feed:" + fingerprint
        found = cache().get(key)
        if found is None:
            found = build()
            cache().set(key, found)
        return found

    return content


def feed_for_token(token: str, body_code: str | None = None) -> Feed | None:
    """The personal feed behind a secret URL, or None (answer 404) for an unknown, revoked or deactivated token
    and for a body the person does not belong to. Without `body_code` one statement finds the account and the
    feed's fingerprint, so that revalidating an unchanged feed is a single round trip to the database."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if body_code is not None:
        account = account_for_token(token)
        return personal_feed(account, body_code) if account is not None else None
    parameters = {"token_hash": token_hash(token), "day": today(), **_window_parameters()}
    row = db.session.execute(_personal_statement(False, by_token=True), parameters).first()
    if row is None or not permissions.can_have_personal_feed(row[0]):
        return None
    return _personal_feed(row[0], None, _contents_of(row[1:], PERSONAL_OTHERS))


def personal_feed(account: Account, body_code: str | None = None) -> Feed | None:
    """The account's own feed, or None (answer 404) when `body_code` is not one of its current bodies."""
    body: Body | None = None
    parameters = {"account_id": account.id, "day": today(), **_window_parameters()}
    if body_code is not None:
        body = get_body(body_code)
        if body is None or not permissions.can_filter_personal_feed(account, body):
            return None
        parameters["body_id"] = body.id
    others = SERIES_ONLY if body is not None else PERSONAL_OTHERS
    return _personal_feed(account, body, _contents(_personal_statement(body is not None), others, parameters))


def _personal_feed(account: Account, body: Body | None, contents: Contents) -> Feed:
    left_at, passed_at, membership_changed, started_on, ended_on, registered_at, *rest = contents.facts
    if body is not None:
        member_of = {body.id}
    else:
        member_of = {int(body_id) for body_id in (rest[0] or "").split(",") if body_id}
    last_modified = _latest(
        *contents.changed,
        account.updated_at,
        body.updated_at if body is not None else None,
        _later(left_at, FEED_PAST),
        passed_at,
        membership_changed,
        _local_midnight(started_on),
        _local_midnight(ended_on),
        registered_at,
    )
    language = account.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    name = f"Koop – {body.name}" if body is not None else f"Koop – {words(language)['my_meetings']}"
    fingerprint = _fingerprint(
        "personal", account.id, account.role, account.active, language, name, sorted(member_of), contents=contents
    )

    def build() -> bytes:
        singles, entries = _split(_load_meetings(contents), member_of)
        singles = [meeting for meeting in singles if permissions.can_view_meeting(account, meeting)]
        entries = [entry for entry in entries if permissions.can_view_whole_series(account, entry.occurrences[0])]
        reader = Reader(language, lambda meeting: permissions.can_see_non_public_items(account, meeting))
        return pieces.assemble(singles, entries, settings(), reader, name=name, refresh=REFRESH_INTERVAL)

    filename = f"{body.code if body else 'koop'}.ics"
    return Feed(fingerprint[:40], last_modified, filename, _cached_feed(fingerprint, build))


def body_feed(body: Body) -> Feed:
    """A public body's feed: the same for everyone, public agenda items only, in German."""
    contents = _contents(_body_statement(), SERIES_ONLY, {"body_id": body.id, **_window_parameters()})
    left_at, passed_at = contents.facts
    last_modified = _latest(*contents.changed, body.updated_at, _later(left_at, FEED_PAST), passed_at)
    name = f"Koop – {body.name}"
    fingerprint = _fingerprint("body", body.id, name, contents=contents)

    def build() -> bytes:
        singles, entries = _split(_load_meetings(contents), None)
        return pieces.assemble(singles, entries, settings(), Reader("de"), name=name, refresh=REFRESH_INTERVAL)

    return Feed(fingerprint[:40], last_modified, f"{body.code}.ics", _cached_feed(fingerprint, build))


def meeting_download(meeting: Meeting, viewer: Any, language: str) -> Feed:
    """One meeting as a file; an occurrence of a series brings its whole series, for those who see its body."""
    reader = Reader(language, lambda item: permissions.can_see_non_public_items(viewer, item))
    if meeting.series_id is not None and permissions.can_view_whole_series(viewer, meeting):
        rows = list(db.session.scalars(_with_details(select(Meeting).where(Meeting.series_id == meeting.series_id))))
        singles, entries = _split(rows, None)
        events = feed_events([], entries, settings(), reader)
        if events:
            last_modified = _latest(*(row.updated_at for row in rows), *(entry.series.updated_at for entry in entries))
            return Feed.of_bytes(calendar_bytes(events), last_modified, f"series-{meeting.series_id}.ics")
    events = feed_events([meeting], [], settings(), reader)
    last_modified = _latest(meeting.updated_at)
    return Feed.of_bytes(calendar_bytes(events), last_modified, f"meeting-{meeting.id}.ics")


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
