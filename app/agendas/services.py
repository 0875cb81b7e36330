"""Use cases of agendas."""

from __future__ import annotations


from app.extensions import db
from app.models import AgendaItem, Body, Meeting

# The German standard agenda of a council meeting; a body can replace it with its own.
DEFAULT_AGENDA = (
    "Eröffnung und Begrüßung",
    "Feststellung der ordnungsgemäßen Ladung und der Beschlussfähigkeit",
    "Genehmigung der Tagesordnung",
    "Genehmigung der Niederschrift der letzten Sitzung",
    "Verschiedenes",
)


def standard_agenda(body: Body) -> list[str]:
    """The items every new meeting of the body starts with."""
    own = [line.strip() for line in (body.standard_agenda or "").splitlines() if line.strip()]
    return own or list(DEFAULT_AGENDA)


def seed_standard_agenda(meeting: Meeting) -> None:
    """Give a new meeting of a body the body's standard agenda; flushes only."""
    if meeting.body is None or meeting.agenda_items:
        return
    for position, title in enumerate(standard_agenda(meeting.body), start=1):
        meeting.agenda_items.append(AgendaItem(position=position, title=title, public=True))
    db.session.flush()
