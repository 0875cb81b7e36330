"""Routes of exports: approved minutes as printable HTML and as PDF, in the complete or the public version.

`?version=public|complete`; without it, insiders get the complete version and everyone else the public one.
Only approved minutes are exported: a draft or circulated one is not there (404) for those who may not see it,
and a 409 with a clear message for those who may (a draft is no document to print or pass on).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.errors import ConflictError
from app.exports import services
from app.exports.pdf import render_pdf
from app.guards import require
from app.loaders import load_meeting
from app.minutes.services import minutes_of
from app.models import Minutes

bp = Blueprint("exports", __name__)

VERSIONS = {"public": False, "complete": True}


def _load(meeting_id: int) -> tuple[Minutes, bool]:
    """The approved minutes of the meeting and whether the complete version was asked for (and may be had)."""
    meeting = load_meeting(meeting_id)
    minutes = minutes_of(meeting)
    if minutes is None:
        abort(404)
    if not minutes.is_approved:
        if not permissions.can_view_minutes(current_user, minutes):
            abort(404)
        raise ConflictError(_("Only approved minutes can be exported; these minutes have not been approved yet."))
    require(permissions.can_view_minutes(current_user, minutes))
    version = request.args.get("version")
    if version is None:
        return minutes, permissions.can_view_complete_minutes(current_user, minutes)
    if version not in VERSIONS:
        abort(400)
    if VERSIONS[version]:
        require(permissions.can_view_complete_minutes(current_user, minutes))
    return minutes, VERSIONS[version]


def _version(complete: bool) -> str:
    return "complete" if complete else "public"


def _render(minutes: Minutes, data: services.ExportData, for_pdf: bool) -> str:
    """The Niederschrift as HTML. For the PDF its stylesheet is named relative to the static folder, which is
    WeasyPrint's base URL; times are the meeting's local ones, never moved into the reader's zone."""
    meeting_id = minutes.meeting_id
    other = _version(not data.complete)
    may_switch = data.complete or permissions.can_view_complete_minutes(current_user, minutes)
    return render_template(
        "exports/minutes.html",
        data=data,
        for_pdf=for_pdf,
        stylesheet="css/print.css" if for_pdf else url_for("static", filename="css/print.css"),
        pdf_url=url_for("exports.minutes_pdf", meeting_id=meeting_id, version=_version(data.complete)),
        other_url=url_for("exports.minutes_print", meeting_id=meeting_id, version=other) if may_switch else None,
        local_date=lambda value, style="medium": format_date(value, style, rebase=False) if value else "",
        local_time=lambda value: format_time(value, "short", rebase=False) if value else "",
        local_datetime=lambda value: _day_and_minute(value) if value else "",
        iso=lambda value: value.isoformat() if isinstance(value, date | datetime) else "",
    )


def _day_and_minute(value: datetime) -> str:
    """Day and minute, without seconds: a formal record, not a log line (already in the meeting's zone)."""
    return f"{format_date(value, 'medium', rebase=False)}, {format_time(value, 'short', rebase=False)}"


@bp.route("/minutes/<int:meeting_id>/print")
def minutes_print(meeting_id: int):
    minutes, complete = _load(meeting_id)
    data = services.export_data(minutes, complete)
    response = Response(_render(minutes, data, for_pdf=False), mimetype="text/html")
    response.headers["Cache-Control"] = "private, no-store" if complete else "private"
    return response


@bp.route("/minutes/<int:meeting_id>.pdf")
def minutes_pdf(meeting_id: int):
    minutes, complete = _load(meeting_id)
    data = services.export_data(minutes, complete)
    pdf = render_pdf(_render(minutes, data, for_pdf=True), current_app.static_folder or "")
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{services.filename(data, "pdf")}"'
    response.headers["Cache-Control"] = "private, no-store" if complete else "private"
    return response
