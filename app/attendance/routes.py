"""Routes of attendance: recording who attended a meeting, and the members excluded from an agenda item."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.agendas.loaders import load_item
from app.agendas.services import numbered_agenda
from app.attendance import services
from app.attendance.forms import STATUS_LABELS, attendance_form, conflicts_form
from app.errors import DomainError
from app.forms import attach_error
from app.guards import require
from app.loaders import load_meeting
from app.models import Meeting

bp = Blueprint("attendance", __name__)


def _after_saving(meeting: Meeting, fallback: str) -> str:
    """The minutes page once it exists (the minutes blueprint may not have it yet), else the form again."""
    if "minutes.detail" in current_app.view_functions:
        return url_for("minutes.detail", meeting_id=meeting.id)
    return fallback


@bp.route("/<int:meeting_id>", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_record_minutes(current_user, meeting))
    if request.method == "POST":
        services.ensure_recordable(meeting)  # approved minutes: 409 before anything else
    sheet = services.attendance_sheet(meeting)
    form = attendance_form(sheet)
    if request.method == "POST" and "more_rows" in request.form:
        form.add_rows()
    elif form.validate_on_submit():
        try:
            services.record_attendance(current_user, meeting, form.entries(sheet), form.guests_entered())
        except DomainError as error:
            form.attach(error)
        else:
            flash(_("The attendance has been saved."), "success")
            return redirect(_after_saving(meeting, url_for("attendance.edit", meeting_id=meeting.id)))
    return render_template(
        "attendance/edit.html",
        meeting=meeting,
        sheet=sheet,
        form=form,
        refusal=services.recording_refusal(meeting),
        status_labels=STATUS_LABELS,
        agenda=numbered_agenda(meeting, current_user),
        conflicts=services.conflicts_of(meeting),
    )


@bp.route("/<int:meeting_id>/items/<int:item_id>/conflicts", methods=["GET", "POST"])
def conflicts(meeting_id: int, item_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_record_minutes(current_user, meeting))
    item = load_item(meeting, item_id)  # a non-public item only for those who see such items, else 404
    if request.method == "POST":
        services.ensure_recordable(meeting)
    current = services.conflicts_of(meeting).get(item.id, [])
    form = conflicts_form(
        services.member_choices(meeting), [row.account_id for row in current], current[0].reason if current else ""
    )
    if form.validate_on_submit():
        try:
            services.set_conflicts(current_user, item, form.account_ids.data or [], form.reason.data or "")
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The conflicts of interest have been saved."), "success")
            fallback = url_for("attendance.conflicts", meeting_id=meeting.id, item_id=item.id)
            return redirect(_after_saving(meeting, fallback))
    agenda = numbered_agenda(meeting, current_user)
    return render_template(
        "attendance/conflicts.html",
        meeting=meeting,
        item=item,
        number=next((entry.number for entry in agenda if entry.item.id == item.id), ""),
        form=form,
        current=current,
        refusal=services.recording_refusal(meeting),
        frozen=services.is_frozen(meeting),
        quorum=services.item_quorum(meeting, item),
    )
