"""Routes of meeting series: schedule one for a body, its page, "this and all following", ending it early."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_timezone, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.bodies.services import get_body
from app.clock import today
from app.errors import DomainError
from app.forms import attach_error
from app.guards import require
from app.i18n import timezone_names
from app.meetings.times import utc_to_local
from app.models import Body, Meeting, MeetingSeries, SeriesFrequency, Visibility
from app.queries import paginate
from app.series import services
from app.series.forms import ENDS_COUNT, ENDS_UNTIL, EndForm, FollowingForm, SeriesForm

bp = Blueprint("series", __name__)


def _check_visible(body: Body) -> None:
    """404 for a body the viewer may not see; anonymous visitors of an internal one are asked to log in."""
    if not permissions.can_view_body(current_user, body):
        if body.visibility is Visibility.INTERNAL:
            require(False)
        abort(404)  # a confidential body's series stay hidden


def _load(series_id: int) -> MeetingSeries:
    series = services.get_series(series_id)
    if series is None:
        abort(404)
    _check_visible(series.body)
    return series


def _load_occurrence(series: MeetingSeries, meeting_id: int) -> Meeting:
    meeting = services.get_occurrence(series, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _series_data(form: SeriesForm) -> services.SeriesData:
    frequency = SeriesFrequency(form.frequency.data)
    return services.SeriesData(
        title=form.title.data or "",
        frequency=frequency,
        first_day=form.first_day.data,
        start_time=form.start_time.data,
        end_time=form.end_time.data,
        interval=form.interval.data,
        weekdays=list(form.weekdays.data or []) if frequency is SeriesFrequency.WEEKLY else [],
        nth=form.nth.data,
        nth_weekday=form.nth_weekday.data,
        month_day=form.month_day.data,
        until_on=form.until_on.data if form.ends.data == ENDS_UNTIL else None,
        occurrence_count=form.occurrence_count.data if form.ends.data == ENDS_COUNT else None,
        timezone=form.timezone.data,
        location=form.location.data or "",
        online_url=form.online_url.data or "",
        description=form.description.data or "",
    )


@bp.route("/create", methods=["GET", "POST"])
def create():
    body = get_body(request.args.get("body", ""))
    if body is None:
        abort(404)
    _check_visible(body)
    require(permissions.can_schedule_meetings(current_user, body))
    services.ensure_body_active(body)
    form = SeriesForm()
    form.timezone.choices = timezone_names()
    if form.validate_on_submit():
        try:
            series = services.create_series(current_user, body, _series_data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            count = len(series.occurrences)
            message = ngettext(
                "The series has been scheduled: %(num)d meeting.",
                "The series has been scheduled: %(num)d meetings.",
                count,
            )
            flash(message, "success")
            return redirect(url_for("series.detail", series_id=series.id))
    return render_template("series/form.html", form=form, body=body)


@bp.route("/<int:series_id>")
def detail(series_id: int):
    series = _load(series_id)
    page = paginate(services.occurrences_query(series), request.args.get("page", 1, type=int))
    return render_template(
        "series/detail.html",
        series=series,
        page=page,
        rule=services.describe(series),
        viewer_zone=str(get_timezone()),
        end_form=EndForm(),
        dissolved=series.body.is_dissolved(today()),
    )


@bp.route("/<int:series_id>/edit-following/<int:meeting_id>", methods=["GET", "POST"])
def edit_following(series_id: int, meeting_id: int):
    series = _load(series_id)
    meeting = _load_occurrence(series, meeting_id)
    require(permissions.can_schedule_meetings(current_user, series.body))
    services.ensure_following_editable(meeting)
    form = FollowingForm(obj=meeting)
    if request.method == "GET":
        form.start_time.data = utc_to_local(meeting.starts_at, series.timezone).time()
        form.end_time.data = utc_to_local(meeting.ends_at, series.timezone).time()
    if form.validate_on_submit():
        data = services.FollowingData(
            title=form.title.data or "",
            start_time=form.start_time.data,
            end_time=form.end_time.data,
            location=form.location.data or "",
            online_url=form.online_url.data or "",
        )
        try:
            target = services.change_following(current_user, meeting, data)
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The meeting and the following ones have been changed."), "success")
            return redirect(url_for("series.detail", series_id=target.id))
    changing, keeping = services.following_counts(meeting)
    return render_template(
        "series/edit_following.html",
        form=form,
        series=series,
        meeting=meeting,
        slot_day=utc_to_local(meeting.original_start, series.timezone).date(),
        changing=changing,
        keeping=keeping,
    )


@bp.route("/<int:series_id>/end", methods=["POST"])
def end(series_id: int):
    series = _load(series_id)
    require(permissions.can_schedule_meetings(current_user, series.body))
    form = EndForm()
    if not form.validate_on_submit():
        flash(_("Please enter a valid last day."), "danger")
        return redirect(url_for("series.detail", series_id=series.id))
    try:
        ending = services.end_series(current_user, series, form.last_day.data)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("series.detail", series_id=series.id))
    flash(
        _(
            "The series now ends on %(date)s: %(deleted)d later meetings deleted, %(cancelled)d cancelled.",
            date=format_date(form.last_day.data),
            deleted=ending.deleted,
            cancelled=ending.cancelled,
        ),
        "success",
    )
    return redirect(url_for("series.detail", series_id=series.id))
