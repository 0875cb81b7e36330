"""Routes of calendars: meeting downloads, body and personal feeds (stable paths), and the calendar pages.

The blueprint has no URL prefix: the feed paths (/meetings/<id>.ics, /bodies/<code>/calendar.ics,
/calendar/<token>.ics) are part of the product, and calendar programs keep them for years.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app import permissions
from app.bodies.services import get_body
from app.calendars import services
from app.guards import require
from app.loaders import load_body, load_meeting
from app.urls import MAX_ID

bp = Blueprint("calendars", __name__)

# The secret is in the URL: no search engine, no Referer header, no shared cache may keep it.
TOKEN_ENDPOINTS = frozenset({"calendars.personal_feed"})
# A new feed token is shown once, on the page the regeneration redirects to; only its hash is stored.
NEW_TOKEN_KEY = "calendars_new_token"  # noqa: S105 -- the name of a session key, not a secret


def _calendar_response(feed: services.Feed, download: bool = False) -> Response:
    """text/calendar with a strong ETag and Last-Modified; 304 for If-None-Match and If-Modified-Since.

    The validators decide first, so that a calendar program revalidating an unchanged feed never has its
    bytes built or fetched; a 304 carries no Content-Length (it would have to be the full one, RFC 9110).
    """
    response = Response(mimetype="text/calendar")  # werkzeug adds "; charset=utf-8" for text/*
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    # Feeds differ by viewer (language, non-public items): never in a shared cache, and always revalidated,
    # so that a cancelled meeting or a revoked token shows at the next refresh.
    response.cache_control.private = True
    response.cache_control.no_cache = True
    if download:
        response.headers["Content-Disposition"] = f'attachment; filename="{feed.filename}"'
    response.make_conditional(request)
    if response.status_code == 200:
        response.set_data(feed.content)
    else:
        response.headers.pop("Content-Length", None)
    return response


def _token_feed_headers(response: Response) -> Response:
    if request.endpoint in TOKEN_ENDPOINTS:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.record_once
def _register_headers_last(state: BlueprintSetupState) -> None:
    # Talisman writes Referrer-Policy on every response in an app-wide after_request hook (flask-talisman 1.1
    # has no per-view option for it). Flask runs app-wide hooks in reverse order of registration, so a hook
    # put first in the list runs last and has the final word on the token feed's headers.
    app: Flask = state.app
    app.after_request_funcs.setdefault(None, []).insert(0, _token_feed_headers)


# The feeds


# Ids beyond a 32-bit integer cannot exist; PostgreSQL would refuse to even compare them (a 500, not a 404).


@bp.route(f"/meetings/<int(max={MAX_ID}):meeting_id>.ics")
def meeting_file(meeting_id: int):
    meeting = load_meeting(meeting_id)
    feed = services.meeting_download(meeting, current_user, str(get_locale() or "de"))
    return _calendar_response(feed, download=True)


@bp.route("/bodies/<body_code>/calendar.ics")
def body_feed(body_code: str):
    services.read_without_transaction()
    body = get_body(body_code)
    if body is None or not permissions.can_view_body_feed(current_user, body):
        abort(404)
    return _calendar_response(services.body_feed(body))


@bp.route("/calendar/<token>.ics")
def personal_feed(token: str):
    # Unknown, revoked and deactivated give the same 404, and so does a body the person does not belong to.
    services.read_without_transaction()
    feed = services.feed_for_token(token, request.args.get("body"))
    if feed is None:
        abort(404)
    return _calendar_response(feed)


# The calendar pages


@bp.route("/calendar/")
def index():
    require(permissions.can_have_personal_feed(current_user))
    token = session.pop(NEW_TOKEN_KEY, None)
    if token is not None and services.token_hash(token) != current_user.calendar_token_hash:
        token = None  # replaced or dropped in the meantime (another tab)
    bodies = services.current_bodies(current_user)
    feeds = None
    if token is not None:
        path = url_for("calendars.personal_feed", token=token)
        feeds = {
            "all": services.feed_urls(path),
            "bodies": [(body, services.feed_urls(f"{path}?body={body.code}")) for body in bodies],
        }
    response = make_response(
        render_template(
            "calendars/index.html",
            feeds=feeds,
            has_token=current_user.calendar_token_hash is not None,
            bodies=bodies,
        )
    )
    if feeds is not None:
        response.cache_control.no_store = True  # the page with the secret stays out of every cache and history
    return response


@bp.route("/calendar/regenerate", methods=["POST"])
def regenerate():
    require(permissions.can_have_personal_feed(current_user))
    had_token = current_user.calendar_token_hash is not None
    session[NEW_TOKEN_KEY] = services.regenerate_token(current_user)
    if had_token:
        flash(_("Your new calendar address is ready. The old one no longer works."), "success")
    else:
        flash(_("Your calendar address is ready."), "success")
    return redirect(url_for("calendars.index"))


@bp.route("/calendar/revoke", methods=["POST"])
def revoke():
    require(permissions.can_have_personal_feed(current_user))
    services.revoke_token(current_user)
    session.pop(NEW_TOKEN_KEY, None)
    flash(_("Your calendar address no longer works."), "success")
    return redirect(url_for("calendars.index"))


@bp.route("/bodies/<body_code>/calendar")
def body(body_code: str):
    body = load_body(body_code)
    public = permissions.can_view_body_feed(current_user, body)
    return render_template(
        "calendars/body.html",
        body=body,
        feed=services.feed_urls(url_for("calendars.body_feed", body_code=body.code)) if public else None,
        member=permissions.can_filter_personal_feed(current_user, body),
    )
