"""Routes of the start page, dashboard, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from app.actions.services import my_action_items
from app.bodies.services import my_memberships
from app.clock import today
from app.main import services
from app.main.forms import LanguageForm
from app.meetings.services import my_meetings_query, upcoming_meetings
from app.urls import safe_next_url

bp = Blueprint("main", __name__)

DASHBOARD_ACTION_ITEMS = 10


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    day = today()
    # The most urgent few; rendering hundreds would make the dashboard slow, and /actions/ lists them all.
    action_items = my_action_items(current_user, day, limit=DASHBOARD_ACTION_ITEMS + 1)
    return render_template(
        "main/dashboard.html",
        memberships=my_memberships(current_user),
        meetings=upcoming_meetings(my_meetings_query(current_user, upcoming=True)),
        action_items=action_items[:DASHBOARD_ACTION_ITEMS],
        more_action_items=len(action_items) > DASHBOARD_ACTION_ITEMS,
        today=day,
    )


@bp.route("/language", methods=["POST"])
def language():
    form = LanguageForm()
    if not form.validate_on_submit() or not services.choose_language(form.locale.data or ""):
        abort(400)
    return redirect(safe_next_url(form.next.data) or url_for("main.index"))


@bp.route("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 when not; no details either way."""
    if not services.database_reachable():
        return {"status": "unavailable"}, 503
    return {"status": "ok"}
