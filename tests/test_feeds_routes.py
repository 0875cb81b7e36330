"""Calendar routes over HTTP: the feed answers (headers, 304, HEAD, bad input), the token's life, the calendar
pages, and who may use each route."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.calendars.services import account_for_token
from app.extensions import db
from app.meetings.services import update_meeting
from app.models import Membership, MembershipRole, Visibility
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, html, log_in, log_out
from tests.factories_feeds import days_from_today, dst_series, fetch, meeting_at, meeting_data_of, personal_url

CALENDAR_TYPE = "text/calendar; charset=utf-8"


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def body(app):
    return BodyFactory(visibility=Visibility.PUBLIC)


@pytest.fixture
def member(body):
    return MembershipFactory(body=body).account


@pytest.fixture
def meeting(body):
    return meeting_at(body, days_from_today(7), title="Sitzung des Rats")


def feed_paths(body, member, meeting) -> dict[str, str]:
    personal = personal_url(member)
    return {
        "body feed": f"/bodies/{body.code}/calendar.ics",
        "personal feed": personal,
        "personal feed of one body": f"{personal}?body={body.code}",
        "meeting download": f"/meetings/{meeting.id}.ics",
    }


KINDS = ("body feed", "personal feed", "personal feed of one body", "meeting download")


# The answers of a feed


@pytest.mark.parametrize("kind", KINDS)
def test_a_feed_is_text_calendar_with_validators_and_private_caching(client, body, member, meeting, kind):
    response = fetch(client, feed_paths(body, member, meeting)[kind])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert response.headers["ETag"].startswith('"') and len(response.headers["ETag"]) > 20
    assert response.last_modified is not None
    assert response.cache_control.private
    assert Calendar.from_ical(response.get_data())["METHOD"] == "PUBLISH"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("kind", KINDS)
def test_a_second_request_with_a_validator_answers_304(client, body, member, meeting, kind):
    path = feed_paths(body, member, meeting)[kind]
    first = fetch(client, path)
    by_etag = fetch(client, path, **{"If-None-Match": first.headers["ETag"]})
    by_date = fetch(client, path, **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert (by_etag.status_code, by_etag.get_data()) == (304, b"")
    assert (by_date.status_code, by_date.get_data()) == (304, b"")
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    older = fetch(client, path, **{"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert older.status_code == 200 and older.get_data() == first.get_data()


@pytest.mark.parametrize("kind", KINDS)
def test_an_edit_changes_the_etag_and_raises_sequence(client, body, member, meeting, kind):
    path = feed_paths(body, member, meeting)[kind]
    first = fetch(client, path)
    update_meeting(OrganiserFactory(), meeting, meeting_data_of(meeting, title="Sitzung des Rats (verlegt)"))
    second = fetch(client, path, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]

    def sequence(response) -> int:
        [event] = [e for e in Calendar.from_ical(response.get_data()).walk("VEVENT") if str(e["UID"]) == meeting.uid]
        return int(event["SEQUENCE"])

    assert sequence(second) == sequence(first) + 1


@pytest.mark.parametrize("kind", KINDS)
def test_head_answers_like_get_without_a_body(client, body, member, meeting, kind):
    path = feed_paths(body, member, meeting)[kind]
    get = fetch(client, path)
    head = client.head(path)
    head.close()
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    assert head.headers["Content-Type"] == CALENDAR_TYPE
    conditional = client.head(path, headers={"If-None-Match": get.headers["ETag"]})
    conditional.close()
    assert conditional.status_code == 304


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Modified-Since": "gestern"},
        {"If-Modified-Since": "Mon, 99 Foo 2026 25:61:61 GMT"},
        {"If-Modified-Since": ""},
        {"If-None-Match": "not-an-etag"},
        {"If-None-Match": '"', "If-Modified-Since": "32.13.2026"},
    ],
)
def test_malformed_conditional_headers_get_the_whole_feed(client, body, member, meeting, headers):
    for path in feed_paths(body, member, meeting).values():
        response = fetch(client, path, **headers)
        assert response.status_code == 200, (path, headers)


def test_token_feeds_keep_their_secret_out_of_referrers_and_search_engines(client, body, member, meeting):
    paths = feed_paths(body, member, meeting)
    for path in (paths["personal feed"], paths["personal feed of one body"], "/calendar/unknown.ics"):
        response = fetch(client, path)
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Robots-Tag"] == "noindex"
    public = fetch(client, paths["body feed"])
    assert public.headers["Referrer-Policy"] == "same-origin"  # the app's default stays elsewhere
    assert "X-Robots-Tag" not in public.headers


def test_a_download_is_an_attachment(client, meeting):
    response = fetch(client, f"/meetings/{meeting.id}.ics")
    assert response.headers["Content-Disposition"] == f'attachment; filename="meeting-{meeting.id}.ics"'


def test_a_series_occurrence_downloads_its_whole_series(client, body):
    series = dst_series(body)
    response = fetch(client, f"/meetings/{series.occurrences[3].id}.ics")
    assert response.headers["Content-Disposition"] == f'attachment; filename="series-{series.id}.ics"'
    assert b"RRULE:FREQ=WEEKLY" in response.get_data()


# The token


def _without_request(text: str) -> str:
    """The page without what differs by request anyway: the CSRF token and the path the language form returns to."""
    return re.sub(r'name="(csrf_token|next)" value="[^"]*"', "", text)


# A new session's cookie, the length of the echoed path, and the id every request gets (app/requestlog.py).
IGNORED = ("Set-Cookie", "Content-Length", "X-Request-ID")


def test_unknown_and_revoked_tokens_get_the_same_404(client, member):
    revoked = personal_url(member)
    log_in(client, member)
    client.post("/calendar/revoke").close()
    log_out(client)
    answers = [fetch(client, path) for path in (revoked, "/calendar/" + "x" * 43 + ".ics", "/calendar/a.ics")]
    assert {answer.status_code for answer in answers} == {404}
    assert len({_without_request(html(answer)) for answer in answers}) == 1
    assert len({tuple(sorted((k, v) for k, v in answer.headers if k not in IGNORED)) for answer in answers}) == 1


def test_regenerating_ends_the_old_url_at_once(client, member):
    old = personal_url(member)
    assert fetch(client, old).status_code == 200
    log_in(client, member)
    assert client.post("/calendar/regenerate").status_code == 302
    page = client.get("/calendar/")
    new = re.search(r'value="http://localhost(/calendar/[A-Za-z0-9_-]+\.ics)"', html(page)).group(1)
    log_out(client)
    assert fetch(client, old).status_code == 404
    assert fetch(client, new).status_code == 200


def test_membership_is_checked_on_every_request(client, body, member, meeting):
    everything = personal_url(member)
    one_body = everything + f"?body={body.code}"
    assert b"Sitzung des Rats" in fetch(client, everything).get_data()
    assert fetch(client, one_body).status_code == 200
    membership = db.session.scalars(select(Membership).where(Membership.account_id == member.id)).one()
    membership.end_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert b"Sitzung des Rats" not in fetch(client, everything).get_data()
    assert fetch(client, one_body).status_code == 404


@pytest.mark.parametrize("code", ["", "NOPE", "{other}", "{secret}"])
def test_a_body_the_person_does_not_belong_to_is_404(client, member, code):
    other = BodyFactory(visibility=Visibility.PUBLIC)
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    url = personal_url(member) + "?body=" + code.format(other=other.code, secret=secret.code)
    assert fetch(client, url).status_code == 404


def test_a_deactivated_account_has_no_feed(client, member):
    url = personal_url(member)
    member.active = False
    db.session.commit()
    assert fetch(client, url).status_code == 404


# Bad meeting ids and bodies


def test_meeting_downloads_answer_like_the_meeting_page(client):
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    internal = BodyFactory(visibility=Visibility.INTERNAL)
    hidden = meeting_at(secret, days_from_today(3))
    inside = meeting_at(internal, days_from_today(3))
    outsider = AccountFactory()
    assert fetch(client, "/meetings/987654.ics").status_code == 404
    assert fetch(client, "/meetings/99999999999999999999.ics").status_code == 404  # no 500 on PostgreSQL
    assert fetch(client, "/meetings/-1.ics").status_code == 404
    assert fetch(client, f"/meetings/{hidden.id}.ics").status_code == 404
    assert fetch(client, f"/meetings/{inside.id}.ics").status_code == 302  # to the login page
    log_in(client, outsider)
    assert fetch(client, f"/meetings/{hidden.id}.ics").status_code == 404  # not 403: it is not there for them
    assert fetch(client, f"/meetings/{inside.id}.ics").status_code == 200


def test_only_public_bodies_have_a_body_feed(client):
    for visibility in (Visibility.INTERNAL, Visibility.CONFIDENTIAL):
        body = BodyFactory(visibility=visibility)
        MembershipFactory(body=body, account=(insider := AccountFactory()))
        log_in(client, insider)
        assert fetch(client, f"/bodies/{body.code}/calendar.ics").status_code == 404
    assert fetch(client, "/bodies/NOPE/calendar.ics").status_code == 404


# The calendar pages


def test_the_calendar_page_shows_a_new_address_once(client, body, member):
    log_in(client, member)
    first = html(client.get("/calendar/"))
    assert 'action="/calendar/regenerate"' in first
    assert 'action="/calendar/revoke"' not in first and 'id="feed-https"' not in first  # no address yet
    response = client.post("/calendar/regenerate")
    assert response.headers["Location"] == "/calendar/"
    shown = client.get("/calendar/")
    assert shown.cache_control.no_store
    page = html(shown)
    token = re.search(r'value="http://localhost/calendar/([A-Za-z0-9_-]+)\.ics"', page).group(1)
    assert account_for_token(token) == member
    assert f'value="webcal://localhost/calendar/{token}.ics"' in page
    google = "https://calendar.google.com/calendar/r?cid=" + quote(f"webcal://localhost/calendar/{token}.ics", safe="")
    assert f'href="{google}"' in page
    assert f'value="http://localhost/calendar/{token}.ics?body={body.code}"' in page
    assert 'src="/static/js/copy.js"' in page and "<script>" not in page
    assert re.search(r"<button[^>]*data-copy-target=\"feed-https\"[^>]*hidden", page)  # shown by the script only
    for program in ("Outlook", "Google Calendar", "Apple Calendar", "Thunderbird"):
        assert program in page
    again = html(client.get("/calendar/"))
    assert token not in again and 'id="feed-https"' not in again  # shown once only
    assert 'action="/calendar/revoke"' in again and 'action="/calendar/regenerate"' in again


def test_revoking_ends_the_address(client, member):
    url = personal_url(member)
    log_in(client, member)
    assert client.post("/calendar/revoke").headers["Location"] == "/calendar/"
    assert 'action="/calendar/revoke"' not in html(client.get("/calendar/"))  # nothing left to revoke
    log_out(client)
    assert fetch(client, url).status_code == 404


def test_the_pages_posts_need_the_csrf_token(csrf_app, member):
    client = csrf_app.test_client()
    log_in(client, member)
    assert client.post("/calendar/regenerate").status_code == 400
    assert client.post("/calendar/revoke").status_code == 400
    assert member.calendar_token_hash is None


def test_the_body_calendar_page(client, body, member):
    page = html(client.get(f"/bodies/{body.code}/calendar"))
    assert f'value="http://localhost/bodies/{body.code}/calendar.ics"' in page
    assert f'value="webcal://localhost/bodies/{body.code}/calendar.ics"' in page
    assert "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Flocalhost%2Fbodies%2F" in page
    internal = BodyFactory(visibility=Visibility.INTERNAL)
    MembershipFactory(body=internal, account=member)
    log_in(client, member)
    inside = html(client.get(f"/bodies/{internal.code}/calendar"))
    assert "calendar.ics" not in inside and "/calendar/" in inside


# Who may use each route

ROLES = ("anonymous", "no_role", "member", "secretary", "chair", "organiser", "admin")
LOGIN = "login"


def _people(body) -> dict[str, object]:
    people: dict[str, object] = {"anonymous": None, "no_role": AccountFactory(), "organiser": OrganiserFactory(),
                                 "admin": AdminFactory()}
    for role, membership_role in (("member", MembershipRole.MEMBER), ("secretary", MembershipRole.SECRETARY),
                                  ("chair", MembershipRole.CHAIR)):
        people[role] = MembershipFactory(body=body, role=membership_role).account
    return people


def _answers(client, people, method: str, path: str) -> dict[str, object]:
    found = {}
    for role in ROLES:
        log_out(client)
        if people[role] is not None:
            log_in(client, people[role])
        response = client.open(path, method=method)
        response.close()
        if response.status_code == 302 and "/auth/login" in response.headers["Location"]:
            found[role] = LOGIN
        elif response.status_code == 302:
            found[role] = response.headers["Location"]
        else:
            found[role] = response.status_code
    return found


def everyone(answer) -> dict[str, object]:
    return dict.fromkeys(ROLES, answer)


def logged_in(answer) -> dict[str, object]:
    return {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], answer)}


INSIDERS = {"anonymous": 404, "no_role": 404, "member": 200, "secretary": 200, "chair": 200, "organiser": 200,
            "admin": 200}


@pytest.mark.parametrize(
    ("visibility", "method", "path", "expected"),
    [
        (Visibility.PUBLIC, "GET", "/meetings/{meeting}.ics", everyone(200)),
        (Visibility.INTERNAL, "GET", "/meetings/{meeting}.ics", logged_in(200)),
        (Visibility.CONFIDENTIAL, "GET", "/meetings/{meeting}.ics", INSIDERS),
        (Visibility.PUBLIC, "GET", "/meetings/987654.ics", everyone(404)),
        (Visibility.PUBLIC, "GET", "/bodies/{body}/calendar.ics", everyone(200)),
        (Visibility.INTERNAL, "GET", "/bodies/{body}/calendar.ics", everyone(404)),
        (Visibility.CONFIDENTIAL, "GET", "/bodies/{body}/calendar.ics", everyone(404)),
        (Visibility.PUBLIC, "GET", "/bodies/NOPE/calendar.ics", everyone(404)),
        (Visibility.PUBLIC, "GET", "/calendar/{token}.ics", everyone(200)),  # the token is the permission
        (Visibility.PUBLIC, "GET", "/calendar/forged.ics", everyone(404)),
        (Visibility.PUBLIC, "GET", "/calendar/", logged_in(200)),
        (Visibility.PUBLIC, "POST", "/calendar/regenerate", logged_in("/calendar/")),
        (Visibility.PUBLIC, "POST", "/calendar/revoke", logged_in("/calendar/")),
        (Visibility.PUBLIC, "GET", "/calendar/regenerate", everyone(405)),
        (Visibility.PUBLIC, "GET", "/bodies/{body}/calendar", everyone(200)),
        (Visibility.INTERNAL, "GET", "/bodies/{body}/calendar", logged_in(200)),
        (Visibility.CONFIDENTIAL, "GET", "/bodies/{body}/calendar", INSIDERS),
        (Visibility.PUBLIC, "GET", "/bodies/NOPE/calendar", everyone(404)),
    ],
)
def test_who_may_use_each_route(client, visibility, method, path, expected):
    body = BodyFactory(visibility=visibility)
    meeting = meeting_at(body, days_from_today(3))
    owner = AccountFactory()
    people = _people(body)
    token_path = personal_url(owner)
    world = {"body": body.code, "meeting": meeting.id, "token": token_path.removeprefix("/calendar/")[:-4]}
    assert _answers(client, people, method, path.format(**world)) == expected


def test_every_calendar_route_is_covered_above(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules() if rule.endpoint.startswith("calendars.")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == {
        ("/meetings/<int(max=2147483647):meeting_id>.ics", "GET"),
        ("/bodies/<body_code>/calendar.ics", "GET"),
        ("/calendar/<token>.ics", "GET"),
        ("/calendar/", "GET"),
        ("/calendar/regenerate", "POST"),
        ("/calendar/revoke", "POST"),
        ("/bodies/<body_code>/calendar", "GET"),
    }


def test_the_meeting_page_partial_links_the_download_and_the_subscriptions(app, body):
    from flask import render_template, session
    from flask_login import login_user

    series = dst_series(body)
    occurrence = series.occurrences[1]
    with app.test_request_context("/"):
        session["locale"] = "en"  # the words are checked below
        anonymous = render_template("calendars/_meeting_links.html", meeting=occurrence)
    with app.test_request_context("/"):
        login_user(OrganiserFactory(locale="en"))
        organiser = render_template("calendars/_meeting_links.html", meeting=occurrence)
    assert f'href="/meetings/{occurrence.id}.ics"' in anonymous
    assert f'href="/bodies/{body.code}/calendar"' in anonymous and 'href="/calendar/"' not in anonymous
    assert "whole series" in anonymous and 'href="/calendar/"' in organiser
