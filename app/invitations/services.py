"""Use cases of invitations (being written: see the meetings issue)."""

from __future__ import annotations

from app.models import Meeting


def notify_change(meeting: Meeting) -> None:
    """Mail everyone already invited an update (METHOD:REQUEST, same UID, higher SEQUENCE) or, for a
    cancelled meeting, a cancellation (METHOD:CANCEL). Does nothing before the invitations were sent."""
    if meeting.invitations_sent_at is None:
        return
    raise NotImplementedError("invitation mails are being written")
