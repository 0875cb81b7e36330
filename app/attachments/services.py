"""Use cases of attachments: upload onto a meeting or an agenda item, delete, look up."""

from __future__ import annotations

from typing import IO

from flask import current_app
from flask_babel import gettext as _

from app.agendas.services import ensure_editable
from app.attachments import files
from app.errors import DomainError
from app.extensions import db
from app.models import Account, AgendaItem, Attachment, Meeting

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
ALLOWED_LABEL = "PDF, ODT, ODS, ODP, DOC, DOCX, XLS, XLSX, PPT, PPTX, PNG, JPEG, GIF, WebP"


def max_bytes() -> int:
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", MAX_ATTACHMENT_BYTES))


def get_attachment(attachment_id: int) -> Attachment | None:
    return db.session.get(Attachment, attachment_id)


def upload_attachment(
    actor: Account, meeting: Meeting, item: AgendaItem | None, filename: str, stream: IO[bytes]
) -> Attachment:
    """Keep a file on the meeting (or one of its items) if its content is an allowed type matching its extension."""
    ensure_editable(meeting)
    if item is not None and item.meeting_id != meeting.id:
        raise DomainError(_("This agenda item belongs to another meeting."))
    name = files.display_filename(filename)
    extension = files.extension_of(name)
    if not name:
        raise DomainError(_("Please choose a file."), field="file")
    if not extension:
        raise DomainError(
            _("Files without an extension are not allowed. Allowed are: %(allowed)s.", allowed=ALLOWED_LABEL),
            field="file",
        )
    if extension not in files.EXTENSION_KINDS:
        raise DomainError(
            _(
                "Files of the type .%(extension)s are not allowed. Allowed are: %(allowed)s.",
                extension=extension,
                allowed=ALLOWED_LABEL,
            ),
            field="file",
        )
    limit = max_bytes()
    try:
        stored_name, size = files.store(stream, limit)
    except files.TooLarge:
        raise DomainError(
            _("The file is larger than %(size)d MB.", size=limit // (1024 * 1024)), field="file"
        ) from None
    try:
        if size == 0:
            raise DomainError(_("The file is empty."), field="file")
        kind = files.EXTENSION_KINDS[extension]
        if kind not in files.content_kinds(files.path_of(stored_name)):
            raise DomainError(
                _("The content of the file does not match its extension .%(extension)s.", extension=extension),
                field="file",
            )
        attachment = Attachment(
            meeting=meeting,
            agenda_item=item,
            filename=name,
            stored_name=stored_name,
            content_type=files.CONTENT_TYPES[kind],
            size=size,
            uploaded_by=actor,
        )
        db.session.add(attachment)
        db.session.commit()
    except BaseException as error:
        if not isinstance(error, DomainError):
            db.session.rollback()
        files.remove([stored_name])
        raise
    return attachment


def delete_attachment(actor: Account, attachment: Attachment) -> None:
    """Remove the attachment; its file goes once the row is gone for good."""
    ensure_editable(attachment.meeting)
    stored_name = attachment.stored_name
    db.session.delete(attachment)
    db.session.commit()
    files.remove([stored_name])
