"""Minutes: one per meeting, written in drafts, circulated, approved, and corrected only by amendments.

Saving is optimistic: a save names the version it started from and one UPDATE ... WHERE version = :expected
decides, so of two concurrent saves exactly one wins and the other gets both texts back (StaleVersion).
Approval claims the row the same way, so it waits for a save in flight and a save after it finds the
minutes approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.audit.services import record, snapshot
from app.bodies.services import roster
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.mail import send_to_account
from app.minutes.records import item_notes_of
from app.models import (
    Account,
    AgendaItem,
    Meeting,
    MeetingStatus,
    Minutes,
    MinutesAmendment,
    MinutesComment,
    MinutesItemNote,
    MinutesRevision,
    MinutesStatus,
    utcnow,
)

MAX_TEXT = 100_000  # per field: the general notes and each item's notes
MAX_COMMENT = 10_000
MAX_REASON = 2_000
MAX_COMMENT_PERIOD = timedelta(days=366)


def minutes_of(meeting: Meeting) -> Minutes | None:
    return db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id))


def ensure_minutes(actor: Account, meeting: Meeting) -> Minutes:
    """The meeting's minutes, begun as an empty draft if there are none yet (flushes; the caller commits)."""
    minutes = minutes_of(meeting)
    if minutes is None:
        minutes = Minutes(meeting=meeting, created_by_id=actor.id, updated_by_id=actor.id)
        db.session.add(minutes)
        db.session.flush()
    return minutes


def ensure_editable(minutes: Minutes) -> None:
    """Approved minutes never change in place (409): a correction is an amendment."""
    if minutes.is_approved:
        raise ConflictError(_("These minutes have been approved; add an amendment to correct them."))


def begin_minutes(actor: Account, meeting: Meeting) -> Minutes:
    """Start the meeting's minutes as an empty draft; minutes already begun (by someone else) are returned."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise ConflictError(_("This meeting was cancelled, so it has no minutes."))
    existing = minutes_of(meeting)
    if existing is not None:
        return existing
    try:
        minutes = ensure_minutes(actor, meeting)
    except IntegrityError:  # begun by someone else at the same moment: theirs will do
        db.session.rollback()
        existing = minutes_of(meeting)
        if existing is None:
            raise ConflictError(_("The minutes are being begun by someone else right now. Please try again.")) from None
        return existing
    record(actor, "create", minutes, summary=meeting.title)
    db.session.commit()
    return minutes


# The text and its versions


@dataclass(frozen=True)
class MinutesText:
    """The written part of the minutes at one version: general notes and notes by agenda item id."""

    version: int
    general_notes: str
    item_notes: dict[int, str]

    def notes_for(self, item_id: int) -> str:
        return self.item_notes.get(item_id, "")

    def same_text(self, other: MinutesText) -> bool:
        mine = {key: value for key, value in self.item_notes.items() if value}
        theirs = {key: value for key, value in other.item_notes.items() if value}
        return self.general_notes == other.general_notes and mine == theirs


class StaleVersion(ConflictError):
    """A save started from an older version: nothing was written; both texts go back to the writer."""

    def __init__(self, submitted: MinutesText, current: MinutesText, saved_by: Account | None, saved_at: datetime):
        super().__init__(
            _("Someone else saved these minutes while you were editing. Nothing of yours has been saved yet.")
        )
        self.submitted = submitted
        self.current = current
        self.saved_by = saved_by
        self.saved_at = saved_at


def current_text(minutes: Minutes) -> MinutesText:
    """The minutes' text as stored now (one query for the item notes)."""
    notes = item_notes_of(minutes)
    return MinutesText(minutes.version, minutes.general_notes, {key: row.notes for key, row in notes.items()})


def _normalised(text: str) -> str:
    """Browsers send CRLF from textareas; store LF, without trailing blanks, so diffs compare like with like."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def _check_length(text: str, field_name: str) -> None:
    if len(text) > MAX_TEXT:
        raise DomainError(
            _(
                "This text is %(length)d characters long; at most %(count)d are possible. "
                "Please shorten it or move long material into an attachment.",
                length=len(text),
                count=MAX_TEXT,
            ),
            field=field_name,
        )


def _meeting_item_ids(meeting: Meeting) -> set[int]:
    return set(db.session.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)))


def save_draft(actor: Account, minutes: Minutes, general_notes: str, item_notes: dict[int, str], version: int) -> int:
    """Save the text the writer started from `version`; returns the new version.

    Items missing from `item_notes` keep their notes. Approved minutes answer 409; a stale version raises
    StaleVersion with the newer text, and nothing is written. Each save keeps a revision with the full text.
    """
    ensure_editable(minutes)
    general_notes = _normalised(general_notes)
    _check_length(general_notes, "general_notes")
    unknown = set(item_notes) - _meeting_item_ids(minutes.meeting)
    if unknown:
        raise DomainError(_("The notes name an agenda item that is not on this meeting's agenda."))
    cleaned = {item_id: _normalised(text) for item_id, text in item_notes.items()}
    for item_id, text in cleaned.items():
        _check_length(text, f"item_{item_id}")

    rows = item_notes_of(minutes)
    stored = MinutesText(minutes.version, minutes.general_notes, {key: row.notes for key, row in rows.items()})
    submitted = MinutesText(version, general_notes, {**stored.item_notes, **cleaned})
    if version == stored.version and submitted.same_text(stored):
        return stored.version  # nothing changed: no revision, no new version

    before = snapshot(minutes)
    new_version = version + 1
    claimed = db.session.execute(
        update(Minutes)
        .where(Minutes.id == minutes.id, Minutes.version == version, Minutes.status != MinutesStatus.APPROVED)
        .values(version=new_version, general_notes=general_notes, updated_by_id=actor.id, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()  # also expires `minutes`: what follows reads the row as it is now
        ensure_editable(minutes)
        newer = current_text(minutes)
        raise StaleVersion(submitted, newer, minutes.updated_by, minutes.updated_at)

    db.session.expire(minutes)
    for item_id, text in cleaned.items():
        row = rows.get(item_id)
        if row is None:
            if text:
                db.session.add(MinutesItemNote(minutes_id=minutes.id, agenda_item_id=item_id, notes=text))
        elif row.notes != text:
            row.notes = text
    full_notes = {str(key): text for key, text in sorted(submitted.item_notes.items()) if text}
    db.session.add(
        MinutesRevision(
            minutes_id=minutes.id,
            version=new_version,
            general_notes=general_notes,
            item_notes_json=json.dumps(full_notes, ensure_ascii=False, sort_keys=True),
            author_id=actor.id,
        )
    )
    record(actor, "update", minutes, before, summary=minutes.meeting.title)
    db.session.commit()
    return new_version


def revisions(minutes: Minutes) -> list[MinutesRevision]:
    """Every saved version, newest first, with its author."""
    query = (
        select(MinutesRevision)
        .where(MinutesRevision.minutes_id == minutes.id)
        .options(selectinload(MinutesRevision.author))
        .order_by(MinutesRevision.version.desc())
    )
    return list(db.session.scalars(query))


def get_revision(minutes: Minutes, version: int) -> MinutesRevision | None:
    return db.session.scalar(
        select(MinutesRevision).where(MinutesRevision.minutes_id == minutes.id, MinutesRevision.version == version)
    )


def revision_text(revision: MinutesRevision) -> MinutesText:
    notes = json.loads(revision.item_notes_json or "{}")
    return MinutesText(revision.version, revision.general_notes, {int(key): text for key, text in notes.items()})


# Circulation and comments


def circulation_recipients(meeting: Meeting) -> list[Account]:
    """The body's current members with active accounts, each once (an event without a body has none)."""
    if meeting.body is None:
        return []
    accounts: dict[int, Account] = {}
    for membership in roster(meeting.body).current:
        if membership.account.active:
            accounts.setdefault(membership.account.id, membership.account)
    return list(accounts.values())


def _mail_link(endpoint: str, **values: int) -> str:
    """An absolute link for a mail, built from the URL map so it works outside a request too."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def circulate(actor: Account, minutes: Minutes, comments_until: date) -> int:
    """Send the minutes to the body's members for comments until a day after today; returns the mails sent.

    Circulated minutes can be circulated again (after changes, with a new deadline): the members get a new mail.
    """
    ensure_editable(minutes)
    day = today()
    if comments_until <= day:
        raise DomainError(_("Please choose a day after today for the end of the comment period."), "comments_until")
    if comments_until > day + MAX_COMMENT_PERIOD:
        raise DomainError(_("Please choose a day within the next year."), "comments_until")
    before = snapshot(minutes)
    minutes.status = MinutesStatus.CIRCULATED
    minutes.comments_until = comments_until
    minutes.circulated_at = utcnow()
    minutes.circulated_by_id = actor.id
    minutes.updated_by_id = actor.id
    recipients = circulation_recipients(minutes.meeting)
    record(actor, "circulate", minutes, before, summary=minutes.meeting.title)
    db.session.commit()
    # After the commit: a mail is never sent for a circulation that did not happen.
    link = _mail_link("minutes.detail", meeting_id=minutes.meeting_id)
    for account in recipients:
        send_to_account(
            account,
            "minutes_circulated",
            meeting=minutes.meeting,
            minutes=minutes,
            sender=actor,
            link=link,
            comments_until=comments_until,
        )
    return len(recipients)


def ensure_open_for_comments(minutes: Minutes) -> None:
    """Only circulated minutes take comments (409 otherwise; approved ones say how to correct them)."""
    ensure_editable(minutes)
    if minutes.status is not MinutesStatus.CIRCULATED:
        raise ConflictError(_("These minutes are not circulated for comments."))


def add_comment(actor: Account, minutes: Minutes, text: str, agenda_item: AgendaItem | None = None) -> MinutesComment:
    """A member's comment on circulated minutes, until the end of the comment period (inclusive)."""
    ensure_open_for_comments(minutes)
    if minutes.comments_until is not None and today() > minutes.comments_until:
        raise DomainError(
            _(
                "The comment period ended on %(date)s. Please contact the secretary directly.",
                date=format_date(minutes.comments_until, "long"),
            ),
            "text",
        )
    text = _normalised(text)
    if not text:
        raise DomainError(_("Please enter your comment."), "text")
    if len(text) > MAX_COMMENT:
        raise DomainError(_("At most %(count)d characters, please.", count=MAX_COMMENT), "text")
    if agenda_item is not None and agenda_item.meeting_id != minutes.meeting_id:
        raise DomainError(_("Please choose an item of this meeting."), "agenda_item")
    comment = MinutesComment(minutes=minutes, agenda_item=agenda_item, author=actor, text=text)
    db.session.add(comment)
    db.session.commit()
    return comment


# Amendments


def ensure_amendable(minutes: Minutes) -> None:
    """Amendments correct approved minutes; until approval the minutes themselves are edited (409)."""
    if not minutes.is_approved:
        raise ConflictError(_("Only approved minutes take amendments; until then, edit the minutes themselves."))


def add_amendment(
    actor: Account, minutes: Minutes, reason: str, text: str, agenda_item: AgendaItem | None = None
) -> MinutesAmendment:
    """Correct approved minutes: the amendment stands beside the frozen record, with reason, author and time."""
    ensure_amendable(minutes)
    reason, text = _normalised(reason), _normalised(text)
    if not reason:
        raise DomainError(_("Please give the reason for the amendment."), "reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("At most %(count)d characters, please.", count=MAX_REASON), "reason")
    if not text:
        raise DomainError(_("Please enter the corrected text."), "text")
    _check_length(text, "text")
    if agenda_item is not None and agenda_item.meeting_id != minutes.meeting_id:
        raise DomainError(_("Please choose an item of this meeting."), "agenda_item")
    amendment = MinutesAmendment(minutes=minutes, agenda_item=agenda_item, reason=reason, text=text, author=actor)
    db.session.add(amendment)
    record(actor, "amend", amendment, summary=minutes.meeting.title)
    db.session.commit()
    return amendment
