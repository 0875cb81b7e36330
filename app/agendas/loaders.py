"""The loader agenda and attachment views share for agenda items (meetings come from app.loaders)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from app import permissions
from app.agendas import services
from app.models import AgendaItem, Meeting


def load_item(meeting: Meeting, item_id: int) -> AgendaItem:
    """An item of this meeting that the viewer may see; a hidden non-public item answers 404 like a missing one."""
    item = services.get_item(meeting, item_id)
    if item is None or not permissions.can_view_agenda_item(current_user, item):
        abort(404)
    return item
