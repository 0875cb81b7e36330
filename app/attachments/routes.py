"""Routes of attachments: upload onto a meeting or an agenda item, download behind the visibility check, delete."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.agendas.loaders import load_item
from app.attachments import files, services
from app.attachments.forms import AttachmentForm
from app.errors import DomainError
from app.guards import require
from app.loaders import load_meeting
from app.models import AgendaItem, Attachment, Meeting
from app.urls import safe_next_url

bp = Blueprint("attachments", __name__)


@bp.app_template_global()
def attachment_rules() -> dict[str, object]:
    """What the upload forms tell people (and the browser's file picker) about allowed files."""
    return {
        "accept": ",".join(f".{extension}" for extension in files.EXTENSION_KINDS),
        "allowed": services.ALLOWED_LABEL,
        "max_megabytes": services.max_bytes() // (1024 * 1024),
    }


@bp.app_template_filter("filesize")
def filesize(size: int) -> str:
    """Bytes in KB or MB, with the locale's decimal separator."""
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024)), format="#,##0"))
    return _("%(size)s MB", size=format_decimal(size / (1024 * 1024), format="#,##0.0"))


def _load(attachment_id: int) -> Attachment:
    """The attachment if the viewer may see what it belongs to; a hidden one answers 404 like a missing one."""
    attachment = services.get_attachment(attachment_id)
    if attachment is None:
        abort(404)
    load_meeting(attachment.meeting_id)
    if not permissions.can_view_attachment(current_user, attachment):
        abort(404)
    return attachment


def _back(meeting: Meeting, item: AgendaItem | None) -> str:
    if target := safe_next_url(request.form.get("next")):
        return target
    if item is not None:
        return url_for("agendas.edit", meeting_id=meeting.id, item_id=item.id)
    return url_for("agendas.detail", meeting_id=meeting.id)


def _upload(meeting: Meeting, item: AgendaItem | None):
    require(permissions.can_manage_meeting(current_user, meeting))
    form = AttachmentForm()
    if not form.validate_on_submit():
        flash(" ".join(str(message) for message in form.file.errors) or _("Please choose a file."), "danger")
        return redirect(_back(meeting, item))
    upload = form.file.data
    try:
        attachment = services.upload_attachment(current_user, meeting, item, upload.filename or "", upload.stream)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(_("%(name)s has been attached.", name=attachment.filename), "success")
    return redirect(_back(meeting, item))


@bp.route("/meetings/<int:meeting_id>", methods=["POST"])
def create(meeting_id: int):
    return _upload(load_meeting(meeting_id), None)


@bp.route("/meetings/<int:meeting_id>/items/<int:item_id>", methods=["POST"])
def create_for_item(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    return _upload(meeting, load_item(meeting, item_id))


@bp.route("/<int:attachment_id>")
def detail(attachment_id: int):
    attachment = _load(attachment_id)
    path = files.path_of(attachment.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=attachment.content_type, as_attachment=True, conditional=True, max_age=0)
    response.headers["Content-Type"] = attachment.content_type
    response.headers["Content-Disposition"] = files.content_disposition(attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Files of internal and confidential meetings must not be kept by shared caches.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/<int:attachment_id>/delete", methods=["POST"])
def delete(attachment_id: int):
    attachment = _load(attachment_id)
    meeting, item = attachment.meeting, attachment.agenda_item
    require(permissions.can_manage_meeting(current_user, meeting))
    name = attachment.filename
    services.delete_attachment(current_user, attachment)
    flash(_("%(name)s has been deleted.", name=name), "success")
    return redirect(_back(meeting, item))
