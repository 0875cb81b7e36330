"""Minutes: one per meeting, written in drafts, circulated, approved, and corrected only by amendments."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import ConflictError
from app.extensions import db
from app.models import Account, Meeting, Minutes


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
