"""Routes of the minutes: the page, beginning and editing them, revisions, circulation, comments, approval and
amendments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.agendas.loaders import load_item
from app.agendas.services import numbered_agenda
from app.errors import DomainError
from app.forms import attach_error
from app.guards import require
from app.loaders import load_meeting
from app.minutes import services
from app.minutes.approval import approve as approve_minutes
from app.minutes.diff import compare
from app.minutes.forms import (
    AmendmentForm,
    BeginForm,
    CirculateForm,
    CommentForm,
    item_choices,
    item_field_name,
    minutes_form,
)
from app.minutes.page import minutes_page
from app.models import Meeting, Minutes

bp = Blueprint("minutes", __name__)


def _load_minutes(meeting: Meeting) -> Minutes:
    minutes = services.minutes_of(meeting)
    if minutes is None:
        abort(404)
    return minutes


def _detail(minutes: Minutes, status: int = 200, error: str | None = None, **forms: Any):
    """The minutes page; a refused action shows it again with its form's errors (and `error`) and a 4xx."""
    page = minutes_page(minutes, current_user)
    whole = _("The minutes as a whole")
    comment_form = forms.get("comment_form") or CommentForm()
    comment_form.agenda_item.choices = item_choices(page.agenda, whole)
    amendment_form = forms.get("amendment_form") or AmendmentForm()
    amendment_form.agenda_item.choices = item_choices(page.agenda, whole)
    return render_template(
        "minutes/detail.html",
        page=page,
        minutes=minutes,
        meeting=minutes.meeting,
        error=error,
        action_form=BeginForm(),
        circulate_form=forms.get("circulate_form") or CirculateForm(),
        comment_form=comment_form,
        amendment_form=amendment_form,
    ), status


@bp.route("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = services.minutes_of(meeting)
    if minutes is None:
        # No minutes yet: the writers may begin them; for everyone else there is nothing here.
        if not permissions.can_record_minutes(current_user, meeting):
            abort(404)
        return render_template("minutes/begin.html", meeting=meeting, form=BeginForm())
    require(permissions.can_view_minutes(current_user, minutes))
    return _detail(minutes)


@bp.route("/<int:meeting_id>/begin", methods=["POST"])
def create(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_record_minutes(current_user, meeting))
    if not BeginForm().validate_on_submit():
        abort(400)
    services.begin_minutes(current_user, meeting)
    return redirect(url_for("minutes.edit", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_record_minutes(current_user, meeting))
    services.ensure_editable(minutes)
    agenda = numbered_agenda(meeting, current_user)
    text = services.current_text(minutes)
    form = minutes_form(agenda)
    if not form.is_submitted():
        form = minutes_form(
            agenda,
            version=text.version,
            general_notes=text.general_notes,
            **{item_field_name(entry.id): text.notes_for(entry.id) for entry in agenda},
        )
    elif form.validate():
        try:
            version = services.save_draft(
                current_user, minutes, form.general_notes.data or "", form.item_notes(), form.version.data
            )
        except services.StaleVersion as conflict:
            # Resubmitting the form saves over the newer version (the field renders what was posted, so both).
            form.version.data = conflict.current.version
            form.version.raw_data = [str(conflict.current.version)]
            newer = conflict.current
            for entry in agenda:  # a part the writer did not send starts from the newer text
                if not form[item_field_name(entry.id)].raw_data:
                    form[item_field_name(entry.id)].data = newer.notes_for(entry.id)
            parts = [(form.general_notes, newer.general_notes, conflict.submitted.general_notes)] + [
                (form[item_field_name(e.id)], newer.notes_for(e.id), conflict.submitted.notes_for(e.id)) for e in agenda
            ]
            return render_template(
                "minutes/conflict.html", meeting=meeting, minutes=minutes, form=form, parts=parts, conflict=conflict
            ), 409
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The minutes have been saved (version %(version)d).", version=version), "success")
            return redirect(url_for("minutes.detail", meeting_id=meeting.id))
    elif form.version.errors:
        abort(400)  # the hidden version is missing or forged: nothing to compare a save with
    return render_template("minutes/edit.html", meeting=meeting, minutes=minutes, form=form, agenda=agenda), (
        400 if form.errors else 200
    )


@bp.route("/<int:meeting_id>/revisions")
def revisions(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_view_minutes_revisions(current_user, meeting))
    return render_template(
        "minutes/revisions.html", meeting=meeting, minutes=minutes, revisions=services.revisions(minutes)
    )


@bp.route("/<int:meeting_id>/revisions/<int:version>")
def revision(meeting_id: int, version: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_view_minutes_revisions(current_user, meeting))
    found = services.get_revision(minutes, version)
    if found is None:
        abort(404)
    agenda = numbered_agenda(meeting, current_user)
    sections = compare(services.revision_text(found), services.current_text(minutes), agenda)
    return render_template("minutes/revision.html", meeting=meeting, minutes=minutes, revision=found, sections=sections)


@bp.route("/<int:meeting_id>/circulate", methods=["POST"])
def circulate(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_record_minutes(current_user, meeting))
    services.ensure_editable(minutes)
    form = CirculateForm()
    if form.validate_on_submit():
        try:
            sent = services.circulate(current_user, minutes, form.comments_until.data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(
                ngettext(
                    "The minutes have been circulated for comments until %(date)s; %(num)d member has been mailed.",
                    "The minutes have been circulated for comments until %(date)s; %(num)d members have been mailed.",
                    sent,
                    date=format_date(form.comments_until.data, "long"),
                ),
                "success",
            )
            return redirect(url_for("minutes.detail", meeting_id=meeting.id))
    return _detail(minutes, 400, circulate_form=form)


@bp.route("/<int:meeting_id>/comments", methods=["POST"])
def comment(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_view_minutes(current_user, minutes))
    # Approved (or not circulated) minutes take no comments, whoever asks: 409 rather than 403.
    services.ensure_open_for_comments(minutes)
    require(permissions.can_comment_on_minutes(current_user, minutes))
    form = CommentForm()
    form.agenda_item.choices = item_choices(numbered_agenda(meeting, current_user), "")
    if form.validate_on_submit():
        item = load_item(meeting, form.agenda_item.data) if form.agenda_item.data else None
        try:
            services.add_comment(current_user, minutes, form.text.data or "", item)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("Thank you. Your comment has been added."), "success")
            return redirect(url_for("minutes.detail", meeting_id=meeting.id, _anchor="comments"))
    return _detail(minutes, 400, comment_form=form)


@bp.route("/<int:meeting_id>/approve", methods=["POST"])
def approve(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_approve_minutes(current_user, meeting))
    if not BeginForm().validate_on_submit():
        abort(400)
    try:
        approve_minutes(current_user, minutes)
    except DomainError as error:
        return _detail(minutes, 400, error=error.message)
    flash(_("The minutes have been approved."), "success")
    return redirect(url_for("minutes.detail", meeting_id=meeting.id))


@bp.route("/<int:meeting_id>/amendments", methods=["POST"])
def amend(meeting_id: int):
    meeting = load_meeting(meeting_id)
    minutes = _load_minutes(meeting)
    require(permissions.can_amend_minutes(current_user, meeting))
    services.ensure_amendable(minutes)
    form = AmendmentForm()
    form.agenda_item.choices = item_choices(numbered_agenda(meeting, current_user), "")
    if form.validate_on_submit():
        item = load_item(meeting, form.agenda_item.data) if form.agenda_item.data else None
        try:
            services.add_amendment(current_user, minutes, form.reason.data or "", form.text.data or "", item)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The amendment has been added."), "success")
            return redirect(url_for("minutes.detail", meeting_id=meeting.id, _anchor="amendments"))
    return _detail(minutes, 400, amendment_form=form)
