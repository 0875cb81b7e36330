"""Routes of event registration: settings, register, cancel, the participant list and its CSV."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app import permissions
from app.errors import DomainError
from app.forms import attach_error, id_choices
from app.guards import require
from app.loaders import load_meeting
from app.models import Meeting
from app.organisations.services import organisation_choices
from app.queries import paginate
from app.registrations import services
from app.registrations.forms import RegistrationSettingsForm

bp = Blueprint("registrations", __name__)


def meeting_page(meeting: Meeting) -> str:
    """Where the registration panel lives."""
    return url_for("meetings.detail", meeting_id=meeting.id)


@bp.route("/<int:meeting_id>/settings", methods=["GET", "POST"])
def settings(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    current = services.settings_of(meeting)
    form = RegistrationSettingsForm()
    form.organisations.choices = id_choices(organisation_choices())
    if request.method == "GET":
        form.registration_enabled.data = current.enabled
        form.capacity.data = current.capacity
        form.deadline_day.data = current.deadline_day
        form.deadline_time.data = current.deadline_time
        form.organisations.data = [organisation.id for organisation in current.organisations]
        form.seats_per_organisation.data = current.seats_per_organisation
    if form.validate_on_submit():
        data = services.RegistrationSettings(
            enabled=form.registration_enabled.data,
            capacity=form.capacity.data,
            deadline_day=form.deadline_day.data,
            deadline_time=form.deadline_time.data,
            organisations=services.organisations_with_ids(form.organisations.data or []),
            seats_per_organisation=form.seats_per_organisation.data,
        )
        try:
            moved_up = services.update_settings(current_user, meeting, data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The registration settings have been saved."), "success")
            if moved_up:
                flash(
                    ngettext(
                        "%(num)d person moved up from the waiting list.",
                        "%(num)d people moved up from the waiting list.",
                        len(moved_up),
                    ),
                    "info",
                )
            return redirect(url_for("registrations.index", meeting_id=meeting.id))
    return render_template("registrations/settings.html", form=form, meeting=meeting, meeting_url=meeting_page(meeting))


@bp.route("/<int:meeting_id>/register", methods=["POST"])
def register(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_register(current_user, meeting))
    try:
        registration = services.register(current_user, meeting)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        if registration.status is services.REGISTERED:
            flash(_("You are registered. A confirmation is on its way to you by email."), "success")
        else:
            flash(
                _("All seats are taken: you are on the waiting list and move up automatically when a seat frees."),
                "info",
            )
    return redirect(meeting_page(meeting))


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
def cancel(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_cancel_registration(current_user, meeting))
    try:
        services.cancel(current_user, meeting)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        flash(_("Your registration has been cancelled."), "success")
    return redirect(meeting_page(meeting))


@bp.route("/<int:meeting_id>")
def index(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    counts = services.status_counts(meeting)
    page = paginate(services.participants_query(meeting), request.args.get("page", 1, type=int))
    offset = (page.page - 1) * page.per_page
    rows = services.numbered(page.items, offset, counts[services.REGISTERED])
    return render_template(
        "registrations/index.html",
        meeting=meeting,
        page=page,
        rows=rows,
        registered=counts[services.REGISTERED],
        waiting=counts[services.WAITING],
        cancelled=counts[services.CANCELLED],
        deadline_text=services.deadline_text(meeting.registration_deadline) if meeting.registration_deadline else None,
        meeting_url=meeting_page(meeting),
    )


@bp.route("/<int:meeting_id>/participants.csv")
def participants_csv(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    content = services.participants_csv(meeting, current_user.timezone)
    response = Response(content, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="participants-{meeting.id}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
