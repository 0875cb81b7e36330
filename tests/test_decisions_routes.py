"""Decision routes: recording (new, edit, delete) per role and status, and a decision's own page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.decisions.numbering import number_decisions
from app.extensions import db
from app.models import (
    AttendanceStatus,
    Decision,
    DecisionOutcome,
    MeetingKind,
    MinutesStatus,
    Visibility,
)
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import count_rows, html, log_in, log_out
from tests.factories_minutes import (
    ActionItemFactory,
    AttendanceFactory,
    DecisionFactory,
    HeldMeetingFactory,
    make_sitting,
)

ROLES = ["anonymous", "outsider", "member", "secretary", "chair", "deputy", "organiser", "admin"]
RECORDERS = {"secretary", "organiser", "admin"}
INSIDERS = {"member", "secretary", "chair", "deputy", "organiser", "admin"}


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app):
    return make_sitting(Visibility.PUBLIC, code="ITKR", name="IT-Kooperationsrat")


def act_as(client, sitting, role: str) -> None:
    if role == "anonymous":
        log_out(client)
    else:
        log_in(client, getattr(sitting.cast, role))


def form(**overrides) -> dict:
    values = {
        "title": "Einführung des Antragsassistenten",
        "text": "Der Rat beschließt die Einführung.",
        "outcome": "adopted",
        "votes_yes": "5",
        "votes_no": "0",
        "votes_abstain": "1",
        "public": "y",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def approve(minutes) -> None:
    minutes.status = MinutesStatus.APPROVED
    number_decisions(minutes)
    db.session.commit()


# New


@pytest.mark.parametrize("role", ROLES)
def test_the_new_decision_form_per_role(client, sitting, role):
    act_as(client, sitting, role)
    response = client.get(f"/decisions/new/{sitting.public_item.id}")
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == (200 if role in RECORDERS else 403)


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_decision_per_role(client, sitting, role):
    act_as(client, sitting, role)
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data=form())
    if role in RECORDERS:
        assert response.status_code == 302
        decision = db.session.scalar(select(Decision))
        assert (decision.votes_yes, decision.votes_no, decision.votes_abstain) == (5, 0, 1)
        assert decision.outcome is DecisionOutcome.ADOPTED and decision.public
    else:
        assert response.status_code in (302, 403) and count_rows(Decision) == 0
        if role != "anonymous":
            assert response.status_code == 403


def test_the_form_starts_public_only_on_a_public_item(client, sitting):
    log_in(client, sitting.cast.secretary)
    checkbox = re.compile(r'<input[^>]*id="public"[^>]*>')
    assert " checked " in checkbox.search(html(client.get(f"/decisions/new/{sitting.public_item.id}"))).group(0)
    assert " checked " not in checkbox.search(html(client.get(f"/decisions/new/{sitting.closed_item.id}"))).group(0)


def test_after_saving_it_returns_to_next_if_on_this_site(client, sitting):
    log_in(client, sitting.cast.secretary)
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data=form(next="/meetings/1"))
    assert response.headers["Location"].endswith("/meetings/1")
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data=form(next="https://evil.example/"))
    assert "evil" not in response.headers["Location"]


def test_a_missing_item_is_404(client, sitting):
    log_in(client, sitting.cast.secretary)
    assert client.get("/decisions/new/999999").status_code == 404


def test_a_non_public_item_is_404_for_outsiders(client, sitting):
    log_in(client, sitting.cast.outsider)
    assert client.get(f"/decisions/new/{sitting.closed_item.id}").status_code == 404


def test_a_confidential_bodys_item_is_404_for_anonymous_and_outsiders(client, app):
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    assert client.get(f"/decisions/new/{sitting.public_item.id}").status_code == 404
    log_in(client, sitting.cast.outsider)
    assert client.get(f"/decisions/new/{sitting.public_item.id}").status_code == 404


def test_an_event_without_a_body_is_409(client, sitting):
    event = HeldMeetingFactory(body=None, kind=MeetingKind.INFORMATION_EVENT)
    item = AgendaItemFactory(meeting=event)
    log_in(client, sitting.cast.organiser)
    response = client.get(f"/decisions/new/{item.id}")
    assert response.status_code == 409 and "without a body" in html(response)
    assert client.post(f"/decisions/new/{item.id}", data=form()).status_code == 409
    assert count_rows(Decision) == 0


def test_approved_minutes_are_409(client, sitting):
    approve(sitting.minutes)
    log_in(client, sitting.cast.secretary)
    assert client.get(f"/decisions/new/{sitting.public_item.id}").status_code == 409
    assert client.post(f"/decisions/new/{sitting.public_item.id}", data=form()).status_code == 409
    assert count_rows(Decision) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"title": "x" * 301}, "title", "301"),
        ({"votes_yes": "-1"}, "votes_yes", "whole number from 0"),
        ({"votes_no": "1.5"}, "votes_no", "integer"),
        ({"votes_abstain": "abc"}, "votes_abstain", "integer"),
        ({"votes_yes": "99999999999999999999"}, "votes_yes", "whole number from 0"),
        ({"outcome": "approved-by-magic"}, "outcome", "Not a valid choice"),
    ],
)
def test_bad_input_is_shown_on_its_field(client, sitting, overrides, field, message):
    log_in(client, sitting.cast.secretary)
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data=form(**overrides))
    page = html(response)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page
    if message != "301":
        assert message in page
    assert count_rows(Decision) == 0


def test_more_votes_than_members_present_is_shown_on_the_form(client, sitting):
    cast = sitting.cast
    for account in (cast.chair, cast.member):
        AttendanceFactory(meeting=sitting.meeting, account=account, status=AttendanceStatus.PRESENT)
    log_in(client, cast.secretary)
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data=form())
    page = html(response)
    assert response.status_code == 200 and 'id="votes_yes-error"' in page
    assert "only 2 voting members were present" in page
    assert count_rows(Decision) == 0


def test_a_public_decision_on_a_non_public_item_is_refused(client, sitting):
    log_in(client, sitting.cast.secretary)
    response = client.post(f"/decisions/new/{sitting.closed_item.id}", data=form())
    assert response.status_code == 200 and 'id="public-error"' in html(response)
    assert client.post(f"/decisions/new/{sitting.closed_item.id}", data=form(public=None)).status_code == 302


def test_votes_may_be_left_empty(client, sitting):
    log_in(client, sitting.cast.secretary)
    response = client.post(
        f"/decisions/new/{sitting.public_item.id}",
        data=form(outcome="noted", votes_yes="", votes_no="", votes_abstain=""),
    )
    assert response.status_code == 302
    decision = db.session.scalar(select(Decision))
    assert decision.votes_yes is None and decision.outcome is DecisionOutcome.NOTED


def test_recording_needs_the_csrf_token(csrf_app, client, sitting):
    log_in(client, sitting.cast.secretary)
    assert client.post(f"/decisions/new/{sitting.public_item.id}", data=form()).status_code == 400
    assert count_rows(Decision) == 0


# Edit and delete


@pytest.fixture
def decision(sitting):
    return DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Alter Titel")


@pytest.mark.parametrize("role", ROLES)
def test_editing_per_role(client, sitting, decision, role):
    act_as(client, sitting, role)
    get = client.get(f"/decisions/{decision.id}/edit")
    post = client.post(f"/decisions/{decision.id}/edit", data=form(title="Neuer Titel"))
    db.session.expire_all()
    title = db.session.get(Decision, decision.id).title
    if role in RECORDERS:
        assert get.status_code == 200 and "Alter Titel" in html(get)
        assert post.status_code == 302 and title == "Neuer Titel"
    else:
        # A draft decision is hidden (404) from those who may not see the draft minutes; the chair and deputy
        # see them, but do not record.
        expected = 403 if role in {"chair", "deputy"} else 404
        assert (get.status_code, post.status_code) == (expected, expected)
        assert title == "Alter Titel"


@pytest.mark.parametrize("role", ROLES)
def test_deleting_per_role(client, sitting, decision, role):
    act_as(client, sitting, role)
    response = client.post(f"/decisions/{decision.id}/delete")
    if role in RECORDERS:
        assert response.status_code == 302 and count_rows(Decision) == 0
    else:
        assert response.status_code == (403 if role in {"chair", "deputy"} else 404)
        assert count_rows(Decision) == 1


def test_edit_and_delete_of_a_missing_decision_are_404(client, sitting):
    log_in(client, sitting.cast.secretary)
    assert client.get("/decisions/999999/edit").status_code == 404
    assert client.post("/decisions/999999/delete").status_code == 404


def test_edit_and_delete_after_approval_are_409(client, sitting, decision):
    approve(sitting.minutes)
    log_in(client, sitting.cast.secretary)
    assert client.get(f"/decisions/{decision.id}/edit").status_code == 409
    assert client.post(f"/decisions/{decision.id}/edit", data=form(title="Neu")).status_code == 409
    assert client.post(f"/decisions/{decision.id}/delete").status_code == 409
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).title == "Alter Titel"


def test_a_bad_edit_changes_nothing(client, sitting, decision):
    log_in(client, sitting.cast.secretary)
    response = client.post(f"/decisions/{decision.id}/edit", data=form(title="Neu", votes_no="-3"))
    assert response.status_code == 200 and 'id="votes_no-error"' in html(response)
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).title == "Alter Titel"


# The decision's page


def test_a_numbered_public_decision_is_readable_without_login(client, sitting, decision):
    decision.votes_yes, decision.votes_no, decision.votes_abstain = 5, 0, 1
    action_item = ActionItemFactory(body=sitting.cast.body, decision=decision, assignee_account=sitting.cast.member)
    approve(sitting.minutes)
    page = html(client.get(f"/decisions/{decision.id}"))
    assert "ITKR-2026-001" in page and "Alter Titel" in page
    assert "5 in favour, 0 against, 1 abstention" in page and "Adopted" in page
    assert "IT-Kooperationsrat" in page and sitting.meeting.title in page and "Antragsassistent" in page
    # Action items are the body's internal work.
    assert action_item.description not in page
    log_in(client, sitting.cast.member)
    assert action_item.description in html(client.get(f"/decisions/{decision.id}"))


@pytest.mark.parametrize("role", ROLES)
def test_the_page_of_a_draft_decision_per_role(client, sitting, decision, role):
    act_as(client, sitting, role)
    response = client.get(f"/decisions/{decision.id}")
    if role == "anonymous" or role in {"outsider", "member"}:
        assert response.status_code == 404
    else:
        assert response.status_code == 200 and "not yet numbered" in html(response)


@pytest.mark.parametrize("role", ROLES)
def test_the_page_of_a_non_public_decision_per_role(client, sitting, role):
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item, public=False)
    approve(sitting.minutes)
    act_as(client, sitting, role)
    assert client.get(f"/decisions/{decision.id}").status_code == (200 if role in INSIDERS else 404)


def test_a_missing_decision_is_404(client, sitting):
    assert client.get("/decisions/999999").status_code == 404


def test_an_internal_bodys_decision_asks_anonymous_visitors_to_log_in(client, app):
    sitting = make_sitting(Visibility.INTERNAL)
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item)
    approve(sitting.minutes)
    response = client.get(f"/decisions/{decision.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, sitting.cast.outsider)
    assert client.get(f"/decisions/{decision.id}").status_code == 200


def test_a_confidential_bodys_decision_is_404_for_outsiders(client, app):
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item)
    approve(sitting.minutes)
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    log_in(client, sitting.cast.outsider)
    assert client.get(f"/decisions/{decision.id}").status_code == 404
    log_in(client, sitting.cast.member)
    assert client.get(f"/decisions/{decision.id}").status_code == 200


def test_the_entry_macro_shows_edit_links_only_when_editable(app, sitting, decision):
    from flask import render_template_string

    template = '{% from "decisions/_macros.html" import decision_entry %}{{ decision_entry(decision, editable) }}'
    with app.test_request_context():
        plain = render_template_string(template, decision=decision, editable=False)
        editable = render_template_string(template, decision=decision, editable=True)
    assert "not yet numbered" in plain and "Alter Titel" in plain and "Adopted" in plain and "public" in plain
    assert f"/decisions/{decision.id}/edit" not in plain
    assert f"/decisions/{decision.id}/edit" in editable and f"/decisions/{decision.id}/delete" in editable


@pytest.mark.parametrize("role", ROLES)
def test_editing_a_numbered_public_decision_per_role(client, sitting, decision, role):
    """Once numbered it is seen by all, so the refusal shows: login for anonymous, 409 for recorders."""
    approve(sitting.minutes)
    act_as(client, sitting, role)
    response = client.get(f"/decisions/{decision.id}/edit")
    if role == "anonymous":
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == (409 if role in RECORDERS else 403)
