"""The shared loaders of routes: the object, or 404 (or the login page for anonymous visitors)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app import permissions
from app.bodies.services import get_body
from app.guards import require
from app.meetings.services import get_meeting
from app.models import Body, Meeting, Visibility


def _hidden(body: Body | None) -> None:
    """Stop a request for something the viewer may not see.

    Anonymous visitors of internal things are asked to log in; anything of a confidential body is simply not
    there (404), so that not even its existence shows.
    """
    if body is None or body.visibility is not Visibility.CONFIDENTIAL:
        require(False)
    abort(404)


def load_body(body_code: str) -> Body:
    body = get_body(body_code)
    if body is None:
        abort(404)
    if not permissions.can_view_body(current_user, body):
        _hidden(body)
    return body


def load_meeting(meeting_id: int) -> Meeting:
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    if not permissions.can_view_meeting(current_user, meeting):
        _hidden(meeting.body)
    return meeting
