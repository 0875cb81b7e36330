"""Routes of date polls: the permission matrix of every route for every role, the bad inputs of the new-poll
form, answering logged in and by the mailed link (404 for bad links, 409 after the deadline or closing), the
results page and its CSV, closing into a meeting, and the commands."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Invitation,
    Meeting,
    Poll,
    PollAnswer,
    PollChoice,
    PollInvitee,
    PollStatus,
    Visibility,
    utcnow,
)
from app.polls import services
from tests.clients import IsolatedClient
from tests.factories import AccountFactory
from tests.factories_bodies import count_rows, html, log_in, log_out
from tests.factories_invitations import make_cast
from tests.factories_polls import (
    answer_all,
    answer_link,
    day_ahead,
    invitee_of,
    make_poll,
    next_spring_forward,
    set_deadline_passed,
)

ROLES = ("anonymous", "outsider", "member", "secretary", "deputy", "chair", "organiser", "admin")
MANAGERS = {"secretary", "deputy", "chair", "organiser", "admin"}
INVITED = {"member", "secretary", "deputy", "chair"}
YES, MAYBE, NO = PollChoice.YES, PollChoice.IF_NEED_BE, PollChoice.NO


@pytest.fixture(autouse=True)
def isolated_requests(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def cast(app):
    return make_cast()


@pytest.fixture
def poll(cast):
    return make_poll(cast)


def as_role(client, cast, role: str):
    account = cast.by_role(role)
    if account is not None:
        log_in(client, account)
    return account


def to_login(response) -> bool:
    return response.status_code == 302 and "/auth/login" in response.headers["Location"]


def new_poll_form(body_id: int | str, /, **overrides: str | None) -> dict[str, str]:
    """The new-poll form as a browser posts it: three filled and three empty date rows."""
    data: dict[str, str | None] = {
        "title": "Erste Sitzung der AG",
        "description": "",
        "meeting_kind": "meeting",
        "duration_minutes": "120",
        "timezone": "Europe/Berlin",
        "body_id": str(body_id),
        "deadline_day": day_ahead(5).isoformat(),
        "deadline_time": "18:00",
    }
    for index, (days, start) in enumerate(((10, "10:00"), (12, "14:00"), (14, "09:30"))):
        data[f"slots-{index}-day"], data[f"slots-{index}-start"] = day_ahead(days).isoformat(), start
    for index in range(3, 6):
        data[f"slots-{index}-day"], data[f"slots-{index}-start"] = "", ""
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def answer_form(poll: Poll, *choices: PollChoice, comment: str = "") -> dict[str, str]:
    data = {f"slot_{slot.id}": choice.value for slot, choice in zip(poll.slots, choices, strict=True)}
    data["comment"] = comment
    return data


def fresh(model, object_id):
    db.session.expire_all()
    return db.session.get(model, object_id)


def close_form(**overrides: str) -> dict[str, str]:
    return {"title": "Konstituierende Sitzung", "location": "Staatskanzlei", "online_url": "", "description": "",
            **overrides}


# The permission matrix


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_list(client, cast, poll, role):
    as_role(client, cast, role)
    response = client.get("/polls/")
    if role == "anonymous":
        assert to_login(response)
    else:
        assert response.status_code == 200
        text = html(response)
        assert (poll.title in text) is (role in INVITED | MANAGERS)
        assert ('id="new-poll"' in text) is (role in MANAGERS)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_new_poll_page(client, cast, role):
    as_role(client, cast, role)
    response = client.get("/polls/create")
    if role == "anonymous":
        assert to_login(response)
    elif role in MANAGERS:
        assert response.status_code == 200
        assert html(response).count('type="date"') == 6 + 1  # six date rows and the deadline
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_create_a_poll_for_the_body(client, cast, outbox, role):
    as_role(client, cast, role)
    response = client.post("/polls/create", data=new_poll_form(cast.body.id))
    if role in MANAGERS:
        poll = db.session.scalars(select(Poll)).one()
        assert response.status_code == 302 and response.headers["Location"] == f"/polls/{poll.id}"
        assert len(outbox.messages()) == 4 and count_rows(PollInvitee) == 4
    else:
        assert to_login(response) if role == "anonymous" else response.status_code == 403
        assert count_rows(Poll) == 0 and outbox.messages() == []


def test_a_body_can_be_preset_and_only_its_managers_use_it(client, cast):
    as_role(client, cast, "chair")
    response = client.get(f"/polls/create?body={cast.body.code}")
    assert response.status_code == 200
    body_option = rf'<option selected value="{cast.body.id}">|<option value="{cast.body.id}" selected'
    assert re.search(body_option, html(response))
    assert "No body" not in html(response)  # chairs start polls for their body, not events
    other = make_cast()
    assert client.get(f"/polls/create?body={other.body.code}").status_code == 403
    assert client.get("/polls/create?body=NOPE").status_code == 404


def test_a_chair_cannot_post_a_poll_for_another_body_or_for_none(client, cast):
    other = make_cast()
    as_role(client, cast, "chair")
    for body_id in (other.body.id, 0):
        response = client.post("/polls/create", data=new_poll_form(body_id))
        assert response.status_code == 200 and 'id="body_id-error"' in html(response)
    assert count_rows(Poll) == 0


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_poll_and_its_results(client, cast, poll, role):
    answer_all(poll, cast.member, YES, MAYBE, NO, comment="Gern vormittags")
    as_role(client, cast, role)
    response = client.get(f"/polls/{poll.id}")
    if role == "anonymous":
        assert to_login(response)
    elif role in INVITED | MANAGERS:
        assert response.status_code == 200
        text = html(response)
        assert 'id="results-table"' in text and "Gern vormittags" in text
        assert ('id="answer-link"' in text) is (role in INVITED)
        assert ('id="close-slot-' in text) is (role in MANAGERS)
    else:
        assert response.status_code == 403


def test_a_confidential_bodys_poll_is_not_there_for_outsiders(client):
    cast = make_cast(visibility=Visibility.CONFIDENTIAL)
    poll = make_poll(cast)
    as_role(client, cast, "outsider")
    assert client.get(f"/polls/{poll.id}").status_code == 404
    assert client.get(f"/polls/{poll.id}/results.csv").status_code == 404
    as_role(client, cast, "member")
    assert client.get(f"/polls/{poll.id}").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_may_answer_logged_in(client, cast, poll, role):
    account = as_role(client, cast, role)
    page = client.get(f"/polls/{poll.id}/answer")
    response = client.post(f"/polls/{poll.id}/answer", data=answer_form(poll, YES, NO, MAYBE))
    if role == "anonymous":
        assert to_login(page) and to_login(response)
    elif role in INVITED:
        assert page.status_code == 200
        assert response.status_code == 303 and response.headers["Location"] == f"/polls/{poll.id}"
        invitee = fresh(PollInvitee, invitee_of(poll, account).id)
        assert sorted(answer.choice for answer in invitee.answers) == sorted([YES, NO, MAYBE])
    else:
        assert page.status_code == 403 and response.status_code == 403  # organisers answer nothing for others
        assert count_rows(PollAnswer) == 0


@pytest.mark.parametrize("role", ROLES)
def test_the_mailed_link_works_for_whoever_holds_it(client, cast, poll, outbox, role):
    """The signature is the authority: logged in as someone else or not at all, the link answers for its person."""
    link = answer_link(outbox, cast.member)
    as_role(client, cast, role)
    page = client.get(link)
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "same-origin"  # the token never reaches another site
    assert "no-store" in page.headers["Cache-Control"] and page.headers["X-Robots-Tag"] == "noindex"
    assert cast.member.display_name in html(page)
    response = client.post(link, data=answer_form(poll, MAYBE, MAYBE, YES, comment="Per Video"))
    assert response.status_code == 303 and response.headers["Location"] == link
    invitee = fresh(PollInvitee, invitee_of(poll, cast.member).id)
    assert invitee.comment == "Per Video" and len(invitee.answers) == 3


@pytest.mark.parametrize("role", ROLES)
def test_who_may_download_the_csv(client, cast, poll, role):
    as_role(client, cast, role)
    response = client.get(f"/polls/{poll.id}/results.csv")
    if role == "anonymous":
        assert to_login(response)
    elif role in INVITED | MANAGERS:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == f'attachment; filename="poll-{poll.id}.csv"'
        assert response.data.startswith(b"\xef\xbb\xbf")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_open_the_closing_page(client, cast, poll, role):
    as_role(client, cast, role)
    response = client.get(f"/polls/{poll.id}/close/{poll.slots[0].id}")
    if role == "anonymous":
        assert to_login(response)
    elif role in MANAGERS:
        assert response.status_code == 200
        text = html(response)
        assert 'id="agenda-template"' in text and "Eröffnung und Begrüßung" in text
        assert 'value="Erste Sitzung der AG"' in text  # the poll's title, to confirm
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_who_may_close(client, cast, poll, outbox, role):
    as_role(client, cast, role)
    response = client.post(f"/polls/{poll.id}/close/{poll.slots[1].id}", data=close_form())
    if role in MANAGERS:
        meeting = db.session.scalars(select(Meeting)).one()
        assert response.status_code == 302 and response.headers["Location"] == f"/meetings/{meeting.id}"
        assert count_rows(Invitation) == 4
    else:
        assert to_login(response) if role == "anonymous" else response.status_code == 403
        assert count_rows(Meeting) == 0 and fresh(Poll, poll.id).status is PollStatus.OPEN


# 404


def test_unknown_polls_and_slots_are_not_found(client, cast, poll):
    other = make_poll(cast, title="Andere")
    as_role(client, cast, "organiser")
    assert client.get("/polls/987654").status_code == 404
    assert client.get("/polls/987654/results.csv").status_code == 404
    assert client.get("/polls/987654/answer").status_code == 404
    assert client.get(f"/polls/{poll.id}/close/987654").status_code == 404
    assert client.get(f"/polls/{poll.id}/close/{other.slots[0].id}").status_code == 404
    assert client.post(f"/polls/{poll.id}/close/{other.slots[0].id}", data=close_form()).status_code == 404
    assert count_rows(Meeting) == 0


@pytest.mark.parametrize("role", ["anonymous", "member", "organiser"])
def test_a_forged_or_foreign_link_is_a_clear_404(app, client, cast, poll, role):
    other = make_poll(cast, title="Andere")
    signer = URLSafeSerializer(app.config["SECRET_KEY"], salt=services.ANSWER_SALT)
    foreign = signer.dumps([other.id, invitee_of(poll, cast.member).id])
    as_role(client, cast, role)
    for link in ("/polls/answer/forged", f"/polls/answer/{foreign}", f"/polls/answer/{'a' * 600}"):
        page = client.get(link)
        assert page.status_code == 404
        assert "This poll link cannot be used" in html(page)
        assert client.post(link, data=answer_form(poll, YES, YES, YES)).status_code == 404
    assert count_rows(PollAnswer) == 0


# 409


def test_answers_after_the_deadline_are_a_conflict(client, cast, poll, outbox):
    link = answer_link(outbox, cast.member)
    set_deadline_passed(poll)
    for path in (link, f"/polls/{poll.id}/answer"):
        if path != link:
            as_role(client, cast, "member")
        page = client.get(path)
        assert page.status_code == 409 and "deadline" in html(page)
        assert client.post(path, data=answer_form(poll, YES, YES, YES)).status_code == 409
    assert count_rows(PollAnswer) == 0
    detail = client.get(f"/polls/{poll.id}")
    assert 'id="answer-link"' not in html(detail) and "The deadline has passed" in html(detail)


def test_a_closed_poll_takes_no_answers_and_shows_the_date(client, cast, poll, outbox):
    link = answer_link(outbox, cast.member)
    as_role(client, cast, "organiser")
    assert client.post(f"/polls/{poll.id}/close/{poll.slots[0].id}", data=close_form()).status_code == 302
    page = client.get(link)
    assert page.status_code == 409 and "closed" in html(page)
    assert "(Europe/Berlin)" in html(page)  # the chosen date
    as_role(client, cast, "member")
    assert client.post(f"/polls/{poll.id}/answer", data=answer_form(poll, YES, YES, YES)).status_code == 409
    detail = html(client.get(f"/polls/{poll.id}"))
    assert 'id="chosen-date"' in detail and "To the meeting" in detail
    assert "Choose this date" not in detail


def test_closing_twice_is_a_conflict(client, cast, poll):
    as_role(client, cast, "organiser")
    assert client.post(f"/polls/{poll.id}/close/{poll.slots[0].id}", data=close_form()).status_code == 302
    assert client.get(f"/polls/{poll.id}/close/{poll.slots[1].id}").status_code == 409
    response = client.post(f"/polls/{poll.id}/close/{poll.slots[1].id}", data=close_form())
    assert response.status_code == 409 and "closed already" in html(response)
    assert count_rows(Meeting) == 1


# Bad input on the forms


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({f"slots-{i}-{part}": "" for i in range(3) for part in ("day", "start")}, "Please propose at least one date."),
        ({"slots-1-start": ""}, "Please enter a start time for this date too."),
        ({"slots-1-day": ""}, "Please enter the date of this start time too."),
        ({"slots-2-day": day_ahead(-2).isoformat()}, "This date is in the past."),
        ({"slots-4-day": day_ahead(10).isoformat(), "slots-4-start": "10:00"}, "This date is proposed twice."),
        ({"deadline_day": day_ahead(11).isoformat()}, "The deadline must not be after the first proposed date."),
        ({"slots-0-day": "31.02.2027"}, 'id="slots-0-day-error"'),  # WTForms' own messages are in German here
        ({"deadline_day": ""}, 'id="deadline_day-error"'),
        ({"title": ""}, 'id="title-error"'),
        ({"duration_minutes": "0"}, "Please enter between 15 and 1440 minutes."),
        ({"body_id": "0", "meeting_kind": "kickoff"}, "Nobody would be invited"),
    ],
)
def test_bad_input_shows_a_message_and_writes_nothing(client, cast, outbox, overrides, message):
    as_role(client, cast, "organiser")
    response = client.post("/polls/create", data=new_poll_form(cast.body.id, **overrides))
    assert response.status_code == 200
    assert message in html(response)
    assert 'class="kern-error"' in html(response)
    assert count_rows(Poll) == 0 and outbox.messages() == []


def test_a_slot_in_the_daylight_saving_gap_is_named_next_to_its_row(client, cast, outbox):
    gap = next_spring_forward(day_ahead(10))
    as_role(client, cast, "organiser")
    response = client.post("/polls/create", data=new_poll_form(
        cast.body.id, **{"slots-3-day": gap.isoformat(), "slots-3-start": "02:30"}))
    text = html(response)
    assert response.status_code == 200 and "does not exist" in text
    assert re.search(r'id="slots-3-day-error"', text) and 'aria-invalid="true"' in text
    assert count_rows(Poll) == 0 and outbox.messages() == []


def test_more_rows_without_javascript(client, cast):
    as_role(client, cast, "organiser")
    form = new_poll_form(cast.body.id, **{"slots-0-day": "", "more_rows": "1"})
    response = client.post("/polls/create", data=form)
    text = html(response)
    assert response.status_code == 200
    assert text.count('id="slots-') >= 9 * 2 and 'id="slots-8-day"' in text
    assert f'value="{day_ahead(12).isoformat()}"' in text  # what was entered stays
    assert 'class="kern-error"' not in text
    assert count_rows(Poll) == 0


def test_an_answer_for_every_slot_is_needed(client, cast, poll, outbox):
    link = answer_link(outbox, cast.member)
    data = answer_form(poll, YES, NO, YES)
    del data[f"slot_{poll.slots[1].id}"]
    response = client.post(link, data=data)
    assert response.status_code == 200
    assert "Please choose yes, if need be or no for this date." in html(response)
    assert f'id="slot-{poll.slots[1].id}-error"' in html(response)
    assert count_rows(PollAnswer) == 0
    data[f"slot_{poll.slots[1].id}"] = "maybe"
    assert client.post(link, data=data).status_code == 200
    assert count_rows(PollAnswer) == 0


def test_closing_needs_a_title_and_a_valid_link(client, cast, poll):
    as_role(client, cast, "organiser")
    path = f"/polls/{poll.id}/close/{poll.slots[0].id}"
    assert 'id="title-error"' in html(client.post(path, data=close_form(title="")))
    assert "Please enter a full web address." in html(client.post(path, data=close_form(online_url="nonsense")))
    assert count_rows(Meeting) == 0


def test_closing_at_short_notice_asks_for_confirmation(client, cast, outbox):
    poll = make_poll(cast, slots=[services.SlotInput(day_ahead(3), time(10, 0), "slots-0")], deadline_day=day_ahead(1))
    as_role(client, cast, "organiser")
    path = f"/polls/{poll.id}/close/{poll.slots[0].id}"
    page = html(client.get(path))
    assert "less than the notice period of 7 days" in page and 'id="confirm_short_notice"' in page
    response = client.post(path, data=close_form())
    assert response.status_code == 200 and "Please confirm" in html(response)
    assert count_rows(Meeting) == 0
    assert client.post(path, data=close_form(confirm_short_notice="y")).status_code == 302
    assert count_rows(Meeting) == 1


def test_the_answer_form_needs_its_csrf_token(csrf_app, cast, poll, outbox):
    client = csrf_app.test_client()
    link = answer_link(outbox, cast.member)
    assert client.post(link, data=answer_form(poll, YES, YES, YES)).status_code == 400
    assert count_rows(PollAnswer) == 0
    page = html(client.get(link))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = answer_form(poll, YES, YES, YES) | {"csrf_token": token}
    assert client.post(link, data=data).status_code == 303
    assert count_rows(PollAnswer) == 3


# The pages


def test_the_answer_page_has_a_labelled_radio_group_per_slot_with_the_zone(client, cast, poll, outbox):
    answer_all(poll, cast.member, YES, MAYBE, NO)
    text = html(client.get(answer_link(outbox, cast.member)))
    assert text.count("<fieldset") == 3 and text.count("<legend") == 3
    for slot in poll.slots:
        legend = re.search(rf'id="slot-{slot.id}".*?<legend class="kern-label">([^<]+)</legend>', text, re.S).group(1)
        assert "(Europe/Berlin)" in legend
        for choice in ("yes", "if_need_be", "no"):
            assert f'id="slot-{slot.id}-{choice}"' in text and f'for="slot-{slot.id}-{choice}"' in text
    for slot, choice in ((poll.slots[0], "yes"), (poll.slots[2], "no")):
        radio = re.search(rf'<input[^>]*id="slot-{slot.id}-{choice}"[^>]*>', text).group(0)
        assert "checked" in radio
    assert 'name="comment"' in text


def test_the_answer_page_names_the_readers_own_zone_too(client, cast, poll, outbox):
    cast.member.timezone = "America/New_York"
    db.session.commit()
    text = html(client.get(answer_link(outbox, cast.member)))
    assert "(Europe/Berlin); in America/New_York:" in text


def test_the_results_table_has_header_cells_symbols_and_marks_the_best_date(client, cast, poll):
    answer_all(poll, cast.member, YES, MAYBE, NO)
    answer_all(poll, cast.chair, YES, NO, NO)
    as_role(client, cast, "organiser")
    text = html(client.get(f"/polls/{poll.id}"))
    table = text[text.index('id="results-table"'):text.index("</table>")]
    assert table.count('scope="col"') == 1 + 3 + 1
    assert table.count('scope="row"') == 4 + 3 + 1  # people, three count rows and the closing row
    assert "✓ Yes" in table and "(✓) If need be" in table and "✗ No" in table and "– No answer" in table
    assert table.count("★ Best date") == 1
    best = re.search(rf'id="slot-{poll.slots[0].id}">(.*?)</th>', table, re.S).group(1)
    assert "Best date" in best
    assert "times in Europe/Berlin" in table


@pytest.mark.parametrize("path", ["/polls/{poll}", "/polls/"])
def test_statements_stay_flat_for_5_or_50_invitees(client, cast, count_statements, path):
    counts = []
    for size, title in ((5, "Klein"), (50, "Groß")):
        extra = [AccountFactory() for _ in range(size)]
        poll = make_poll(cast, title=title, accounts=extra)
        for account in extra[:3]:
            answer_all(poll, account, YES, NO, MAYBE, comment="ok")
        as_role(client, cast, "organiser")
        with count_statements() as counter:
            response = client.get(path.format(poll=poll.id))
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# The whole way, over HTTP


def test_create_answer_by_link_close_on_the_best_date(client, cast, outbox):
    as_role(client, cast, "chair")
    response = client.post("/polls/create", data=new_poll_form(cast.body.id, title="Erste Sitzung"))
    poll = db.session.scalars(select(Poll)).one()
    assert response.status_code == 302
    log_out(client)
    client.post(answer_link(outbox, cast.member), data=answer_form(poll, NO, YES, MAYBE))
    client.post(answer_link(outbox, cast.deputy), data=answer_form(poll, YES, YES, NO))
    poll = fresh(Poll, poll.id)
    best = services.results(poll).best
    assert best == {poll.slots[1].id}
    as_role(client, cast, "secretary")
    before = len(outbox.messages())
    response = client.post(f"/polls/{poll.id}/close/{poll.slots[1].id}",
                           data=close_form(title="1. Sitzung", location="Saarbrücken"))
    meeting = db.session.scalars(select(Meeting)).one()
    assert response.status_code == 302 and meeting.title == "1. Sitzung"
    assert meeting.starts_at == poll.slots[1].starts_at
    assert len(outbox.messages()) - before == 8  # an invitation and the result for each of the four
    detail = client.get(response.headers["Location"])
    assert detail.status_code == 200


def test_the_commands(app, runner, cast, poll):
    poll.deadline = utcnow() + timedelta(hours=2)
    db.session.commit()
    result = runner.invoke(args=["send-poll-reminders"])
    assert result.exit_code == 0 and "4 poll reminder(s) sent." in result.output
    assert "0 poll reminder(s) sent." in runner.invoke(args=["send-poll-reminders"]).output
    services.close_poll(cast.organiser, poll, poll.slots[0], services.CloseData(title="Sitzung"))
    poll = fresh(Poll, poll.id)
    poll.closed_at = utcnow() - timedelta(days=100)
    db.session.commit()
    result = runner.invoke(args=["purge-polls"])
    assert result.exit_code == 0 and "1 poll(s) deleted." in result.output
    assert count_rows(Poll) == 0
