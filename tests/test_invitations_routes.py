"""Routes of invitations: sending (with the notice-period step), answering on the page and by the mailed link,
and the permission matrix of every route for every role."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.invitations import services
from app.models import Answer, Invitation, Meeting, MeetingStatus, Visibility
from tests.clients import IsolatedClient
from tests.factories import AccountFactory
from tests.factories_bodies import count_rows, html, log_in
from tests.factories_invitations import FutureMeetingFactory, calendar_of, local_start, make_cast

ROLES = ("anonymous", "outsider", "member", "secretary", "deputy", "chair", "organiser", "admin")
MANAGERS = {"secretary", "deputy", "chair", "organiser", "admin"}


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def cast(app):
    return make_cast()


@pytest.fixture
def meeting(cast):
    return FutureMeetingFactory(body=cast.body, title="Sitzung des Rats")


def as_role(client, cast, role: str):
    account = cast.by_role(role)
    if account is not None:
        log_in(client, account)
    return account


def invite_all(cast, meeting: Meeting, guests=()) -> None:
    services.send_invitations(cast.secretary, meeting, list(guests))


def invitation_of(meeting_id: int, account_id: int) -> Invitation:
    db.session.expire_all()
    return db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == meeting_id, Invitation.account_id == account_id)
    ).one()


def reply_link(outbox, account) -> str:
    for message in outbox.messages():
        if message["To"] == account.email:
            found = re.search(r"http://localhost(/invitations/\d+/reply/[A-Za-z0-9_.\-]+)", outbox.body(message))
            assert found
            return found.group(1)
    raise AssertionError("no invitation mail")


# The permission matrix


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_send_page(client, cast, meeting, role):
    as_role(client, cast, role)
    response = client.get(f"/invitations/{meeting.id}/send")
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    elif role in MANAGERS:
        assert response.status_code == 200
        assert "Send invitations" in html(response)
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_send(client, cast, meeting, outbox, role):
    as_role(client, cast, role)
    response = client.post(f"/invitations/{meeting.id}/send", data={})
    if role in MANAGERS:
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
        assert count_rows(Invitation) == 4 and len(outbox.messages()) == 4
    else:
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert count_rows(Invitation) == 0 and outbox.messages() == []


@pytest.mark.parametrize("role", ROLES)
def test_who_may_answer_on_the_meeting_page(client, cast, meeting, role):
    invite_all(cast, meeting)
    account = as_role(client, cast, role)
    response = client.post(f"/invitations/{meeting.id}/answer", data={"answer": "accepted"})
    invited = role in {"member", "secretary", "deputy", "chair"}
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    elif invited:
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
        assert invitation_of(meeting.id, account.id).answer is Answer.ACCEPTED
    else:
        assert response.status_code == 403  # not invited: organisers and admins answer nothing for others


@pytest.mark.parametrize("role", ROLES)
def test_the_mailed_link_works_for_anyone_who_holds_it(client, cast, meeting, outbox, role):
    """The signature is the authority: logged in as someone else or not at all, the link answers for its person."""
    invite_all(cast, meeting)
    link = reply_link(outbox, cast.member)
    as_role(client, cast, role)
    assert client.get(link).status_code == 200
    response = client.post(link, data={"answer": "tentative"})
    assert response.status_code == 303
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.TENTATIVE


@pytest.mark.parametrize("role", ROLES)
def test_a_confidential_bodys_meeting_is_not_found_by_outsiders(client, app, role):
    cast = make_cast(visibility=Visibility.CONFIDENTIAL)
    meeting = FutureMeetingFactory(body=cast.body)
    as_role(client, cast, role)
    send = client.get(f"/invitations/{meeting.id}/send")
    answer = client.post(f"/invitations/{meeting.id}/answer", data={"answer": "accepted"})
    if role == "outsider":
        assert send.status_code == 404 and answer.status_code == 404
    elif role == "anonymous":
        assert send.status_code == 404 and answer.status_code == 404
    elif role == "member":
        assert send.status_code == 403 and answer.status_code == 403  # a member, but not invited yet
    else:
        assert send.status_code == 200


def test_unknown_meetings_are_not_found(client, cast):
    log_in(client, cast.admin)
    assert client.get("/invitations/999999/send").status_code == 404
    assert client.post("/invitations/999999/answer", data={"answer": "accepted"}).status_code == 404
    assert client.get("/invitations/999999/reply/abc").status_code == 404


# Sending


def test_guests_are_chosen_with_checkboxes(client, cast, meeting, outbox):
    guest = AccountFactory(display_name="Gabi Gast")
    AccountFactory(display_name="Inaktiv", active=False)
    log_in(client, cast.secretary)
    page = html(client.get(f"/invitations/{meeting.id}/send"))
    assert 'type="checkbox"' in page and "Gabi Gast" in page
    assert "Inaktiv" not in page
    assert "Mia Müller" in page  # listed among the members to be invited, not as a possible guest
    assert f'value="{cast.member.id}"' not in page
    response = client.post(f"/invitations/{meeting.id}/send", data={"guests": [guest.id]})
    assert response.status_code == 302
    assert invitation_of(meeting.id, guest.id).is_guest
    assert len(outbox.messages()) == 5
    # The chosen guest is not offered again.
    assert "Gabi Gast" not in html(client.get(f"/invitations/{meeting.id}/send"))


def test_a_guest_who_is_not_offered_is_refused(client, cast, meeting, outbox):
    log_in(client, cast.secretary)
    response = client.post(f"/invitations/{meeting.id}/send", data={"guests": [cast.member.id]})
    assert response.status_code == 200  # not a valid choice: the form says so
    assert count_rows(Invitation) == 0 and outbox.messages() == []
    assert client.post(f"/invitations/{meeting.id}/send", data={"guests": ["x"]}).status_code == 200


def test_short_notice_asks_for_confirmation_first(client, cast, outbox):
    meeting = FutureMeetingFactory(body=cast.body, starts_at=local_start(2))
    log_in(client, cast.secretary)
    page = html(client.get(f"/invitations/{meeting.id}/send"))
    assert "less than the notice period of 7 days" in page
    assert 'name="confirm_short_notice"' in page
    response = client.post(f"/invitations/{meeting.id}/send", data={})
    assert response.status_code == 200
    assert "Please confirm" in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert count_rows(Invitation) == 0 and outbox.messages() == []
    response = client.post(f"/invitations/{meeting.id}/send", data={"confirm_short_notice": "y"},
                           follow_redirects=False)
    assert response.status_code == 302
    assert len(outbox.messages()) == 4
    with client.session_transaction() as session:
        flashes = dict((message, category) for category, message in session["_flashes"])
    assert flashes["The notice period of 7 days was shortened; the invitations say so."] == "warning"


def test_in_time_no_confirmation_is_asked(client, cast, meeting):
    log_in(client, cast.secretary)
    assert 'name="confirm_short_notice"' not in html(client.get(f"/invitations/{meeting.id}/send"))


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_sending_for_a_cancelled_or_held_meeting_is_a_conflict(client, cast, status):
    meeting = FutureMeetingFactory(body=cast.body, status=status)
    log_in(client, cast.secretary)
    assert client.get(f"/invitations/{meeting.id}/send").status_code == 409
    assert client.post(f"/invitations/{meeting.id}/send", data={}).status_code == 409


def test_sending_twice_says_everyone_is_invited(client, cast, meeting, outbox):
    log_in(client, cast.secretary)
    client.post(f"/invitations/{meeting.id}/send", data={})
    client.post(f"/invitations/{meeting.id}/send", data={})
    assert len(outbox.messages()) == 4
    with client.session_transaction() as session:
        messages = [message for _category, message in session["_flashes"]]
    assert "Everyone has been invited already; no mail was sent." in messages


# Answering


def test_a_bad_answer_is_a_bad_request(client, cast, meeting, outbox):
    invite_all(cast, meeting)
    log_in(client, cast.member)
    assert client.post(f"/invitations/{meeting.id}/answer", data={"answer": "maybe"}).status_code == 400
    assert client.post(f"/invitations/{meeting.id}/answer", data={"answer": "open"}).status_code == 400
    link = reply_link(outbox, cast.member)
    assert client.post(link, data={"answer": "yes"}).status_code == 400
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.OPEN


@pytest.mark.parametrize("status", [MeetingStatus.CANCELLED, MeetingStatus.HELD])
def test_answering_a_cancelled_or_held_meeting_is_a_conflict(client, cast, meeting, outbox, status):
    invite_all(cast, meeting)
    link = reply_link(outbox, cast.member)
    meeting.status = status
    db.session.commit()
    page = client.get(link)
    assert page.status_code == 200 and "takes no more answers" in html(page)
    assert 'name="answer"' not in html(page)
    assert client.post(link, data={"answer": "accepted"}).status_code == 409
    log_in(client, cast.member)
    assert client.post(f"/invitations/{meeting.id}/answer", data={"answer": "accepted"}).status_code == 409
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.OPEN


def test_the_reply_page_shows_the_meeting_and_three_buttons_without_login(client, cast, meeting, outbox):
    invite_all(cast, meeting)
    response = client.get(reply_link(outbox, cast.member))
    page = html(response)
    assert response.status_code == 200
    assert "Sitzung des Rats" in page and "Mia Müller" in page
    assert re.findall(r'name="answer" value="(\w+)"', page) == ["accepted", "tentative", "declined"]
    assert response.headers["Referrer-Policy"] == "same-origin"  # the token never reaches another site
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert "no-store" in response.headers["Cache-Control"]


def test_a_forged_link_is_not_found_with_a_clear_page(client, cast, meeting, outbox):
    invite_all(cast, meeting)
    link = reply_link(outbox, cast.member)
    for bad in (link[:-3] + "abc", f"/invitations/{meeting.id}/reply/nonsense", link + "x"):
        response = client.get(bad)
        assert response.status_code == 404
        assert "This answer link cannot be used" in html(response)
        assert client.post(bad, data={"answer": "accepted"}).status_code == 404
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.OPEN


def test_a_link_used_for_another_meeting_is_not_found(client, cast, meeting, outbox):
    other = FutureMeetingFactory(body=cast.body)
    invite_all(cast, meeting)
    invite_all(cast, other)
    token = reply_link(outbox, cast.member).rsplit("/", 1)[1]
    response = client.post(f"/invitations/{other.id}/reply/{token}", data={"answer": "declined"})
    assert response.status_code == 404
    assert invitation_of(other.id, cast.member.id).answer is Answer.OPEN
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.OPEN


def test_the_answer_form_keeps_csrf_protection(client, csrf_app, cast, meeting, outbox):
    invite_all(cast, meeting)
    link = reply_link(outbox, cast.member)
    assert client.post(link, data={"answer": "accepted"}).status_code == 400
    page = html(client.get(link))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(link, data={"answer": "accepted", "csrf_token": token}).status_code == 303
    assert invitation_of(meeting.id, cast.member.id).answer is Answer.ACCEPTED


def test_an_answer_reaches_the_update_mail_attendee(client, cast, meeting, outbox):
    invite_all(cast, meeting)
    client.post(reply_link(outbox, cast.member), data={"answer": "declined"})
    db.session.expire_all()
    from app.meetings.services import change_status

    change_status(cast.secretary, db.session.get(Meeting, meeting.id), MeetingStatus.PLANNED)
    update = [m for m in outbox.messages() if m["To"] == cast.member.email][-1]
    assert calendar_of(update).walk("VEVENT")[0]["ATTENDEE"].params["PARTSTAT"] == "DECLINED"


# The partial template of the meeting page


def test_the_partial_renders_the_answer_form_and_the_table_without_queries(app, cast, meeting, count_statements):
    invite_all(cast, meeting)
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    with app.test_request_context():
        mine = services.my_invitation(meeting, cast.member)
        invitations = services.answers_for(meeting)
        template = app.jinja_env.from_string(
            '{% from "invitations/_answers.html" import answer_form, answers_table %}'
            "{{ answer_form(mine) }}{{ answers_table(invitations) }}"
        )
        with count_statements() as counter:
            page = template.render(mine=mine, invitations=invitations, csrf_token=lambda: "t")
    assert counter.count == 0
    assert f'action="/invitations/{meeting.id}/answer"' in page
    assert page.count('<th scope="row"') == 4
    assert "Mia Müller" in page and "No answer yet" in page
