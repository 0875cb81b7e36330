"""Routes of meetings and events: my meetings, the month view, the meeting page, scheduling and status."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app import permissions
from app.bodies.services import body_choices
from app.errors import DomainError
from app.forms import attach_error, id_choices
from app.guards import require
from app.i18n import label, timezone_names
from app.loaders import load_body, load_meeting
from app.meetings import services
from app.meetings.forms import MeetingForm, StatusForm
from app.meetings.times import local_to_utc, utc_to_local
from app.models import Body, Meeting, MeetingKind
from app.queries import paginate

bp = Blueprint("meetings", __name__)

EVENT_KINDS = (MeetingKind.KICKOFF, MeetingKind.INFORMATION_EVENT, MeetingKind.WORKSHOP)


@bp.route("/")
@login_required
def index():
    past = request.args.get("past") == "1"
    page = paginate(services.my_meetings_query(current_user, upcoming=not past), request.args.get("page", 1, type=int))
    return render_template("meetings/index.html", page=page, past=past)


@bp.route("/calendar")
@login_required
def calendar():
    """A month as an accessible table: weeks as rows, weekdays as column headers."""
    try:
        first = datetime.strptime(request.args.get("month", ""), "%Y-%m").date()
    except ValueError:
        first = date.today().replace(day=1)
    if not 1900 <= first.year <= 2200:
        abort(404)
    next_month = (first + timedelta(days=32)).replace(day=1)
    zone_name = current_user.timezone
    start = local_to_utc(first - timedelta(days=first.weekday()), time(0), zone_name)
    grid_end = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
    end = local_to_utc(grid_end, time(0), zone_name)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in services.meetings_between(current_user, start, end):
        day = utc_to_local(meeting.starts_at, meeting.timezone if meeting.all_day else zone_name).date()
        last = utc_to_local(
            meeting.ends_at - timedelta(seconds=1), meeting.timezone if meeting.all_day else zone_name
        ).date()
        while day <= last:
            by_day.setdefault(day, []).append(meeting)
            day += timedelta(days=1)
    weeks, day = [], first - timedelta(days=first.weekday())
    while day < grid_end:
        weeks.append([day + timedelta(days=offset) for offset in range(7)])
        day += timedelta(days=7)
    previous_month = (first - timedelta(days=1)).replace(day=1)
    return render_template(
        "meetings/calendar.html",
        first=first,
        weeks=weeks,
        by_day=by_day,
        previous_month=previous_month,
        next_month=next_month,
        today=date.today(),
    )


def _form(body: Body | None, meeting: Meeting | None) -> MeetingForm:
    form = MeetingForm(obj=meeting)
    form.timezone.choices = timezone_names()
    if body is not None or (meeting is not None and meeting.body_id is not None):
        del form.public
        del form.linked_bodies
    else:
        form.linked_bodies.choices = id_choices(body_choices())
        form.kind.choices = [choice for choice in form.kind.choices if choice.value in {k.value for k in EVENT_KINDS}]
    if request.method == "GET" and meeting is not None:
        local_start = utc_to_local(meeting.starts_at, meeting.timezone)
        local_end = utc_to_local(meeting.ends_at, meeting.timezone)
        form.kind.data = meeting.kind.value
        form.start_day.data = local_start.date()
        if meeting.all_day:
            form.end_day.data = (local_end - timedelta(days=1)).date()
        else:
            form.start_time.data = local_start.time()
            form.end_time.data = local_end.time()
            form.end_day.data = local_end.date() if local_end.date() != local_start.date() else None
        if form.linked_bodies is not None:  # removed (None) for meetings of a body
            form.linked_bodies.data = [b.id for b in meeting.linked_bodies]
    elif request.method == "GET" and body is None:
        form.kind.data = MeetingKind.KICKOFF.value
    return form


def _data(form: MeetingForm) -> services.MeetingData:
    linked = getattr(form, "linked_bodies", None)
    public = getattr(form, "public", None)
    return services.MeetingData(
        kind=MeetingKind(form.kind.data),
        title=form.title.data or "",
        start_day=form.start_day.data,
        start_time=form.start_time.data,
        end_day=form.end_day.data,
        end_time=form.end_time.data,
        timezone=form.timezone.data,
        all_day=form.all_day.data,
        location=form.location.data or "",
        online_url=form.online_url.data or "",
        description=form.description.data or "",
        public=bool(public.data) if public is not None else False,
        linked_bodies=services.bodies_by_ids(linked.data or []) if linked is not None else [],
    )


@bp.route("/create", methods=["GET", "POST"])
def create():
    body_code = request.args.get("body", "")
    body = load_body(body_code) if body_code else None
    require(
        permissions.can_schedule_meetings(current_user, body) if body else permissions.can_create_events(current_user)
    )
    form = _form(body, None)
    if form.validate_on_submit():
        try:
            meeting = services.schedule_meeting(current_user, body, _data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("%(title)s has been scheduled.", title=meeting.title), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, body=body, meeting=None)


@bp.route("/<int:meeting_id>")
def detail(meeting_id: int):
    meeting = load_meeting(meeting_id)
    return render_template(
        "meetings/detail.html",
        meeting=meeting,
        status_form=StatusForm(),
        **services.meeting_page(meeting, current_user),
    )


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def edit(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    form = _form(meeting.body, meeting)
    if form.validate_on_submit():
        try:
            services.update_meeting(current_user, meeting, _data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The meeting has been saved."), "success")
            return redirect(url_for("meetings.detail", meeting_id=meeting.id))
    return render_template("meetings/form.html", form=form, body=meeting.body, meeting=meeting)


@bp.route("/<int:meeting_id>/status", methods=["POST"])
def change_status(meeting_id: int):
    meeting = load_meeting(meeting_id)
    require(permissions.can_manage_meeting(current_user, meeting))
    form = StatusForm()
    status = form.chosen_status() if form.validate_on_submit() else None
    if status is None:
        abort(400)
    services.change_status(current_user, meeting, status, form.reason.data or "")
    flash(_("The status is now: %(status)s.", status=label(status)), "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))
