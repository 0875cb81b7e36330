"""Series pages: scheduling through the form, the series page, "this and all following", ending early; roles."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from app.extensions import db
from app.meetings.services import change_status
from app.models import Meeting, MeetingSeries, MeetingStatus, MembershipRole, Visibility
from app.series.services import occurrences
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in
from tests.factories_series import assert_consistent, make_series

MAY_SCHEDULE = ["secretary", "chair", "deputy_chair", "organiser", "admin"]
MAY_NOT = ["member", "substitute", "guest", "account"]


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def body(app):
    return BodyFactory(code="AGREG", name="AG Registermodernisierung", visibility=Visibility.INTERNAL)


def person(kind: str, body):
    if kind == "organiser":
        return OrganiserFactory(locale="en")
    if kind == "admin":
        return AdminFactory(locale="en")
    if kind == "account":
        return AccountFactory(locale="en")
    role = MembershipRole(kind)
    account = AccountFactory(locale="en")
    return MembershipFactory(body=body, account=account, role=role, voting=role is not MembershipRole.GUEST).account


def become(client, kind: str, body) -> None:
    if kind != "anonymous":
        log_in(client, person(kind, body))


def form(**overrides) -> dict:
    data = {
        "title": "AG Register",
        "frequency": "weekly",
        "interval": "2",
        "weekdays": ["MO", "TH"],
        "nth": "1",
        "nth_weekday": "MO",
        "month_day": "",
        "first_day": "2031-01-06",
        "start_time": "10:00",
        "end_time": "11:30",
        "timezone": "Europe/Berlin",
        "ends": "count",
        "until_on": "",
        "occurrence_count": "6",
        "location": "Saarbrücken",
        "online_url": "",
        "description": "",
    }
    data.update(overrides)
    return data


def series_of(body) -> list[MeetingSeries]:
    db.session.expire_all()
    return list(db.session.scalars(select(MeetingSeries).where(MeetingSeries.body_id == body.id)))


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


# Scheduling


@pytest.mark.parametrize("kind", MAY_SCHEDULE)
def test_schedulers_get_the_form(client, body, kind):
    become(client, kind, body)
    response = client.get("/series/create?body=AGREG")
    assert response.status_code == 200
    page = html(response)
    assert "<legend" in page and 'type="checkbox" id="weekdays-0" name="weekdays" value="MO"' in page
    assert 'type="radio"' in page and "Months without this day are skipped" in page
    assert "<script" not in page and "style=" not in page


@pytest.mark.parametrize("kind", MAY_NOT)
def test_others_may_not_schedule(client, body, kind):
    become(client, kind, body)
    assert client.get("/series/create?body=AGREG").status_code == 403
    assert client.post("/series/create?body=AGREG", data=form()).status_code == 403
    assert count_rows(MeetingSeries) == 0


def test_anonymous_visitors_log_in_first(client, body):
    assert is_login_redirect(client.get("/series/create?body=AGREG"))
    assert is_login_redirect(client.post("/series/create?body=AGREG", data=form()))


def test_public_body_anonymous_still_logs_in(client):
    BodyFactory(code="OFFEN", visibility=Visibility.PUBLIC)
    assert is_login_redirect(client.get("/series/create?body=OFFEN"))


@pytest.mark.parametrize("query", ["", "?body=", "?body=NOPE"])
def test_unknown_body(client, body, query):
    become(client, "organiser", body)
    assert client.get(f"/series/create{query}").status_code == 404


def test_a_confidential_body_stays_hidden(client):
    BodyFactory(code="GEHEIM", visibility=Visibility.CONFIDENTIAL)
    become(client, "account", None)
    assert client.get("/series/create?body=GEHEIM").status_code == 404


def test_a_dissolved_body_gets_no_series(client):
    body = BodyFactory(code="ALT", dissolved_on=date(2024, 1, 1))
    become(client, "organiser", body)
    assert client.get("/series/create?body=ALT").status_code == 409
    assert client.post("/series/create?body=ALT", data=form()).status_code == 409
    assert count_rows(MeetingSeries) == 0


def test_a_secretary_schedules_a_fortnightly_series(client, body):
    become(client, "secretary", body)
    response = client.post("/series/create?body=AGREG", data=form())
    [series] = series_of(body)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/series/{series.id}"
    assert (series.interval, series.weekdays, series.occurrence_count) == (2, "MO,TH", 6)
    assert len(occurrences(series)) == 6
    page = html(client.get(response.headers["Location"]))
    assert "The series has been scheduled: 6 meetings." in page
    assert "Every 2 weeks on Monday and Thursday, 10:00–11:30 (Europe/Berlin)" in page


def test_a_monthly_series_on_the_last_friday(client, body):
    become(client, "chair", body)
    response = client.post("/series/create?body=AGREG", data=form(
        frequency="monthly_nth_weekday", interval="1", nth="-1", nth_weekday="FR", weekdays=[], ends="until",
        until_on="2031-06-30",
    ))
    assert response.status_code == 302
    [series] = series_of(body)
    assert (series.nth, series.weekdays, series.until_on) == (-1, "FR", date(2031, 6, 30))
    assert len(occurrences(series)) == 6


def test_a_monthly_series_on_the_31st(client, body):
    become(client, "organiser", body)
    response = client.post("/series/create?body=AGREG", data=form(
        frequency="monthly_day", interval="1", month_day="31", weekdays=["MO"], ends="until", until_on="2031-07-31",
        occurrence_count="7",  # the count belongs to the other choice and is ignored
    ))
    assert response.status_code == 302
    [series] = series_of(body)
    assert (series.month_day, series.weekdays, series.occurrence_count) == (31, "", None)
    assert len(occurrences(series)) == 4  # January, March, May, July


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"interval": "0"}, "Please enter a whole number from 1 to 12."),
        ({"interval": "zwei"}, "Not a valid integer value."),
        ({"weekdays": []}, "Please choose at least one weekday."),
        ({"weekdays": ["MO", "XX"]}, "is not a valid choice"),
        ({"occurrence_count": "101"}, "Please enter a number of meetings from 1 to 100."),
        ({"interval": "1", "weekdays": ["MO", "TU", "WE", "TH", "FR"], "ends": "until", "until_on": "2031-05-30"},
         "This rule gives 105 meetings; a series can have at most 100."),
        ({"ends": "until", "until_on": "2033-12-31", "interval": "4", "weekdays": ["MO"]}, "at most 2 years"),
        ({"ends": "until", "until_on": ""}, "Please choose when the series ends"),
        ({"ends": "count", "occurrence_count": ""}, "Please choose when the series ends"),
        ({"ends": "sometime"}, "Not a valid choice"),
        ({"frequency": "daily"}, "Not a valid choice"),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
        ({"end_time": "09:00"}, "The meetings must end after they start, on the same day."),
        ({"frequency": "monthly_day", "month_day": "32"}, "Please enter a day of the month from 1 to 31."),
        ({"frequency": "monthly_day", "month_day": ""}, "Please enter a day of the month from 1 to 31."),
        ({"frequency": "monthly_nth_weekday", "nth": "5"}, "Not a valid choice"),
        ({"interval": "1", "weekdays": ["SU"], "first_day": "2031-03-23", "start_time": "02:30", "end_time": "04:00"},
         "02:30 does not exist on 2031-03-30 in Europe/Berlin"),
        ({"title": ""}, "This field is required."),
        ({"first_day": "01.01.2031"}, "Not a valid date value."),
        ({"online_url": "javascript:alert(1)"}, "Please enter a full web address."),
    ],
)
def test_bad_input_is_shown_next_to_the_form(client, body, overrides, message):
    become(client, "secretary", body)
    response = client.post("/series/create?body=AGREG", data=form(**overrides))
    assert response.status_code == 200
    assert message in html(response)
    assert count_rows(MeetingSeries) == count_rows(Meeting) == 0


def test_the_form_needs_its_csrf_token(csrf_app, body):
    client = csrf_app.test_client()
    become(client, "secretary", body)
    assert client.post("/series/create?body=AGREG", data=form()).status_code == 400
    series = make_series(body=body)
    assert client.post(f"/series/{series.id}/end", data={"last_day": "2031-01-20"}).status_code == 400
    assert len(occurrences(series)) == 10


# The series page


@pytest.mark.parametrize(
    ("visibility", "kind", "expected"),
    [
        (Visibility.PUBLIC, "anonymous", 200),
        (Visibility.PUBLIC, "account", 200),
        (Visibility.INTERNAL, "anonymous", "login"),
        (Visibility.INTERNAL, "account", 200),
        (Visibility.INTERNAL, "member", 200),
        (Visibility.CONFIDENTIAL, "anonymous", 404),
        (Visibility.CONFIDENTIAL, "account", 404),
        (Visibility.CONFIDENTIAL, "member", 200),
        (Visibility.CONFIDENTIAL, "guest", 200),
        (Visibility.CONFIDENTIAL, "secretary", 200),
        (Visibility.CONFIDENTIAL, "organiser", 200),
        (Visibility.CONFIDENTIAL, "admin", 200),
    ],
)
def test_the_series_page_is_visible_like_its_body(client, visibility, kind, expected):
    body = BodyFactory(visibility=visibility)
    series = make_series(body=body, occurrence_count=3)
    become(client, kind, body)
    response = client.get(f"/series/{series.id}")
    if expected == "login":
        assert is_login_redirect(response)
    else:
        assert response.status_code == expected


def test_an_unknown_series(client, body):
    become(client, "organiser", body)
    assert client.get("/series/987654").status_code == 404
    assert client.get("/series/987654/edit-following/1").status_code == 404
    assert client.post("/series/987654/end", data={"last_day": "2031-01-01"}).status_code == 404


def test_the_page_lists_occurrences_with_links_status_and_exceptions(client, body):
    organiser = OrganiserFactory(locale="en")
    series = make_series(body=body, occurrence_count=4)
    meetings = series.occurrences
    change_status(organiser, meetings[2], MeetingStatus.CANCELLED)
    for meeting in meetings:
        db.session.refresh(meeting)
    log_in(client, organiser)
    page = html(client.get(f"/series/{series.id}"))
    for meeting in meetings:
        assert f'href="/meetings/{meeting.id}"' in page
    assert page.count("changed on its own") == 1
    assert "Cancelled" in page
    edit_links = [f"/series/{series.id}/edit-following/{meeting.id}" for meeting in meetings]
    assert [link in page for link in edit_links] == [True, True, False, True]
    assert f'action="/series/{series.id}/end"' in page
    assert '<th scope="col"' in page and "<h2" in page


def test_readers_see_no_actions(client, body):
    series = make_series(body=body, occurrence_count=2)
    become(client, "member", body)
    page = html(client.get(f"/series/{series.id}"))
    assert "edit-following" not in page and "/end" not in page


def test_the_series_page_runs_a_flat_number_of_statements(client, body, count_statements):
    small = make_series(body=body, occurrence_count=10).id
    large = make_series(body=body, occurrence_count=100).id
    become(client, "secretary", body)
    with count_statements() as few:
        assert client.get(f"/series/{small}").status_code == 200
    with count_statements() as many:
        response = client.get(f"/series/{large}")
    assert response.status_code == 200
    assert many.count == few.count <= 6
    assert f"/series/{large}?page=2" in html(response)
    assert client.get(f"/series/{large}?page=2").status_code == 200


# This and all following


@pytest.mark.parametrize("kind", MAY_SCHEDULE)
def test_schedulers_change_this_and_all_following(client, body, kind):
    series = make_series(body=body, occurrence_count=6)
    third = series.occurrences[2]
    become(client, kind, body)
    url = f"/series/{series.id}/edit-following/{third.id}"
    page = html(client.get(url))
    assert 'value="10:00"' in page and "4 meetings change" in page
    response = client.post(url, data={"title": "AG neu", "start_time": "14:00", "end_time": "15:00",
                                      "location": "Saarlouis", "online_url": ""})
    assert response.status_code == 302
    new, old = sorted(series_of(body), key=lambda s: -s.id)
    assert response.headers["Location"] == f"/series/{new.id}"
    assert (old.until_on, new.start_time, len(occurrences(new))) == (date(2031, 1, 19), "14:00", 4)
    assert_consistent(old)
    assert_consistent(new)


@pytest.mark.parametrize("kind", MAY_NOT)
def test_others_may_not_change_following(client, body, kind):
    series = make_series(body=body, occurrence_count=3)
    url = f"/series/{series.id}/edit-following/{series.occurrences[1].id}"
    become(client, kind, body)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"title": "X", "start_time": "14:00", "end_time": "15:00"}).status_code == 403
    assert len(series_of(body)) == 1


def test_change_following_anonymous_and_foreign_meetings(client, body):
    series = make_series(body=body, occurrence_count=3)
    other = make_series(body=body, occurrence_count=2)
    url = f"/series/{series.id}/edit-following/{series.occurrences[1].id}"
    assert is_login_redirect(client.get(url))
    become(client, "secretary", body)
    assert client.get(f"/series/{series.id}/edit-following/{other.occurrences[0].id}").status_code == 404
    assert client.get(f"/series/{series.id}/edit-following/987654").status_code == 404


def test_change_following_bad_input_and_conflicts(client, body):
    organiser = OrganiserFactory(locale="en")
    series = make_series(body=body, occurrence_count=3)
    past = make_series(body=body, first_day=date(2025, 1, 6), occurrence_count=2)
    change_status(organiser, past.occurrences[0], MeetingStatus.HELD)
    change_status(organiser, series.occurrences[2], MeetingStatus.CANCELLED)
    log_in(client, organiser)
    url = f"/series/{series.id}/edit-following/{series.occurrences[1].id}"
    response = client.post(url, data={"title": "AG", "start_time": "14:00", "end_time": "13:00"})
    assert response.status_code == 200 and "The meetings must end after they start" in html(response)
    response = client.post(url, data={"title": "AG", "start_time": "", "end_time": "13:00"})
    assert response.status_code == 200 and "This field is required." in html(response)
    assert client.get(f"/series/{past.id}/edit-following/{past.occurrences[0].id}").status_code == 409
    assert client.get(f"/series/{series.id}/edit-following/{series.occurrences[2].id}").status_code == 409
    assert len(series_of(body)) == 2


# Ending early


@pytest.mark.parametrize("kind", MAY_SCHEDULE)
def test_schedulers_end_a_series_early(client, body, kind):
    series = make_series(body=body, occurrence_count=10)
    become(client, kind, body)
    response = client.post(f"/series/{series.id}/end", data={"last_day": "2031-01-20"}, follow_redirects=True)
    assert response.status_code == 200
    assert "7 later meetings deleted, 0 cancelled" in html(response)
    [series] = series_of(body)
    assert series.until_on == date(2031, 1, 20) and len(occurrences(series)) == 3


@pytest.mark.parametrize("kind", [*MAY_NOT, "anonymous"])
def test_others_may_not_end_a_series(client, body, kind):
    series = make_series(body=body, occurrence_count=4)
    become(client, kind, body)
    response = client.post(f"/series/{series.id}/end", data={"last_day": "2031-01-10"})
    assert is_login_redirect(response) if kind == "anonymous" else response.status_code == 403
    assert len(occurrences(series)) == 4


def test_ending_early_is_post_only(client, body):
    series = make_series(body=body, occurrence_count=2)
    become(client, "secretary", body)
    assert client.get(f"/series/{series.id}/end").status_code == 405


@pytest.mark.parametrize(
    ("last_day", "message"),
    [("", "Please enter a valid last day."), ("morgen", "Please enter a valid last day."),
     ("2030-12-01", "its last day cannot be earlier"), ("2031-12-01", "already ends")],
)
def test_ending_early_with_a_bad_day(client, body, last_day, message):
    series = make_series(body=body, occurrence_count=4)
    become(client, "secretary", body)
    response = client.post(f"/series/{series.id}/end", data={"last_day": last_day}, follow_redirects=True)
    assert response.status_code == 200 and message in html(response)
    assert len(occurrences(series)) == 4


def test_ending_before_a_held_meeting_is_a_conflict(client, body):
    organiser = OrganiserFactory(locale="en")
    series = make_series(body=body, first_day=date(2025, 1, 6), occurrence_count=3)
    change_status(organiser, series.occurrences[2], MeetingStatus.HELD)
    log_in(client, organiser)
    assert client.post(f"/series/{series.id}/end", data={"last_day": "2025-01-07"}).status_code == 409
    assert len(occurrences(series)) == 3


def test_edit_one_occurrence_then_the_page_marks_it(client, body):
    """Editing one occurrence goes through the meeting's own edit page and makes it an exception."""
    series = make_series(body=body, occurrence_count=3, start_time=time(10), end_time=time(11))
    second = series.occurrences[1]
    become(client, "secretary", body)
    response = client.post(f"/meetings/{second.id}/edit", data={
        "kind": "meeting", "title": second.title, "start_day": "2031-01-14", "start_time": "10:00",
        "end_time": "11:00", "timezone": "Europe/Berlin", "location": "Homburg",
    })
    assert response.status_code == 302
    page = html(client.get(f"/series/{series.id}"))
    assert page.count("changed on its own") == 1 and "instead of" in page
    [series] = series_of(body)
    assert [o.is_exception for o in occurrences(series)] == [False, True, False]

