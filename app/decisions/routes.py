"""Routes of decisions: recording them on an agenda item, the decision register and a decision's page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app import permissions
from app.clock import today
from app.decisions import register, services
from app.decisions.forms import DecisionForm
from app.errors import DomainError
from app.extensions import db
from app.forms import attach_error
from app.guards import require
from app.loaders import load_meeting
from app.models import ActionItem, AgendaItem, Decision, DecisionOutcome, Meeting
from app.queries import paginate
from app.urls import safe_next_url

bp = Blueprint("decisions", __name__)

MAX_PAGE = 100_000  # past any real register; keeps the offset inside the database's integers


def _load_item(agenda_item_id: int) -> AgendaItem:
    """An agenda item the viewer may see: missing or hidden ones are 404, as their meetings' loader decides."""
    item = db.session.get(AgendaItem, agenda_item_id)
    if item is None:
        abort(404)
    load_meeting(item.meeting_id)
    if not permissions.can_view_agenda_item(current_user, item):
        abort(404)
    return item


def _may_view(decision: Decision) -> bool:
    """Numbered decisions as the register shows them; a draft one also for insiders who see its minutes."""
    if permissions.can_view_decision(current_user, decision):
        return True
    return permissions.can_view_minutes(current_user, decision.minutes) and permissions.can_see_non_public_items(
        current_user, decision.agenda_item.meeting
    )


def _load_decision(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    load_meeting(decision.agenda_item.meeting_id)
    if not _may_view(decision):
        abort(404)
    return decision


def _back(meeting: Meeting, anchor: str) -> str:
    """Where a change returns to: the page it came from (if on this site), else the meeting's minutes."""
    return safe_next_url(request.values.get("next")) or url_for("minutes.detail", meeting_id=meeting.id, _anchor=anchor)


def _data(form: DecisionForm) -> services.DecisionData:
    return services.DecisionData(
        title=form.title.data or "",
        text=form.text.data or "",
        outcome=DecisionOutcome(form.outcome.data),
        votes_yes=form.votes_yes.data,
        votes_no=form.votes_no.data,
        votes_abstain=form.votes_abstain.data,
        public=bool(form.public.data),
    )


@bp.route("/new/<int:agenda_item_id>", methods=["GET", "POST"])
def create(agenda_item_id: int):
    item = _load_item(agenda_item_id)
    require(permissions.can_record_minutes(current_user, item.meeting))
    services.ensure_decidable(item)
    form = DecisionForm()
    if request.method == "GET":
        form.public.data = services.item_is_public(item)
    if form.validate_on_submit():
        try:
            decision = services.add_decision(current_user, item, _data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The decision %(title)s has been recorded.", title=decision.title), "success")
            return redirect(_back(item.meeting, f"decision-{decision.id}"))
    back = _back(item.meeting, f"item-{item.id}")
    return render_template("decisions/form.html", form=form, item=item, decision=None, back=back)


@bp.route("/<int:decision_id>/edit", methods=["GET", "POST"])
def edit(decision_id: int):
    decision = _load_decision(decision_id)
    item = decision.agenda_item
    require(permissions.can_record_minutes(current_user, item.meeting))
    services.ensure_decidable(item)
    form = DecisionForm(obj=decision)
    if request.method == "GET":
        form.outcome.data = decision.outcome.value
    if form.validate_on_submit():
        try:
            services.update_decision(current_user, decision, _data(form))
        except DomainError as error:
            attach_error(form, error)
        else:
            flash(_("The decision has been saved."), "success")
            return redirect(_back(item.meeting, f"decision-{decision.id}"))
    back = _back(item.meeting, f"decision-{decision.id}")
    return render_template("decisions/form.html", form=form, item=item, decision=decision, back=back)


@bp.route("/<int:decision_id>/delete", methods=["POST"])
def delete(decision_id: int):
    decision = _load_decision(decision_id)
    item = decision.agenda_item
    require(permissions.can_record_minutes(current_user, item.meeting))
    title = decision.title
    services.delete_decision(current_user, decision)
    flash(_("The decision %(title)s has been deleted.", title=title), "success")
    return redirect(_back(item.meeting, f"item-{item.id}"))


def _filters() -> register.RegisterFilters:
    """The register's filters from the query string; a value that makes no sense is left out, never an error."""
    year = request.args.get("year", type=int)
    outcome = request.args.get("outcome", "")
    return register.RegisterFilters(
        body_code=register.clean_query(request.args.get("body", ""))[:40] or None,
        year=year if year is not None and 1 <= year <= 9999 else None,
        outcome=DecisionOutcome(outcome) if outcome in {member.value for member in DecisionOutcome} else None,
        q=register.clean_query(request.args.get("q", "")),
    )


@bp.route("/")
def index():
    filters = _filters()
    page_number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = paginate(register.register_query(current_user, filters), page_number)
    bodies, years = register.filter_choices(current_user)
    return render_template(
        "decisions/index.html", page=page, filters=filters, bodies=bodies, years=years, outcomes=list(DecisionOutcome)
    )


@bp.route("/<int:decision_id>")
def detail(decision_id: int):
    decision = _load_decision(decision_id)
    action_items = [
        action_item
        for action_item in db.session.scalars(
            select(ActionItem).where(ActionItem.decision_id == decision.id).order_by(ActionItem.due_on, ActionItem.id)
        )
        if permissions.can_view_action_item(current_user, action_item)
    ]
    meeting = decision.agenda_item.meeting
    return render_template(
        "decisions/detail.html",
        decision=decision,
        action_items=action_items,
        today=today(),
        minutes_url=url_for("minutes.detail", meeting_id=meeting.id, _anchor=f"decision-{decision.id}")
        if permissions.can_view_minutes(current_user, decision.minutes)
        else None,
    )
