"""Action item routes: creating and editing, closing and reopening, my list, a body's list, the dashboard and the
follow-up on the next meeting's page, for every role."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.main.routes import DASHBOARD_ACTION_ITEMS
from app.models import ActionItem, ActionItemStatus, MeetingStatus, Visibility
from tests.factories import AccountFactory, OrganisationFactory
from tests.factories_bodies import count_rows, html, log_in, log_out
from tests.factories_invitations import FutureMeetingFactory
from tests.factories_minutes import ActionItemFactory, DecisionFactory, HeldMeetingFactory, Sitting, make_sitting

ROLES = ["anonymous", "outsider", "member", "secretary", "chair", "deputy", "organiser", "admin"]
MANAGERS = {"secretary", "chair", "deputy", "organiser", "admin"}
INSIDERS = MANAGERS | {"member"}


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app) -> Sitting:
    return make_sitting(Visibility.PUBLIC)


def act_as(client, sitting: Sitting, who: str):
    if who == "anonymous":
        log_out(client)
        return None
    account = getattr(sitting.cast, who if who != "outsider" else "outsider")
    log_in(client, account)
    return account


def expected(who: str, allowed: int, insiders: set[str] = MANAGERS) -> int:
    return allowed if who in insiders else 302 if who == "anonymous" else 403


def in_days(days: int) -> str:
    return (today() + timedelta(days=days)).isoformat()


def new_url(sitting: Sitting, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"meeting": sitting.meeting.id, **params}.items())
    return f"/actions/new?{query}"


def form(assignee: str, **overrides) -> dict[str, str]:
    values = {"description": "Rahmenvereinbarung an die Kommunen verschicken", "assignee": assignee,
              "due_on": in_days(14)}
    values.update(overrides)
    return values


def items() -> list[ActionItem]:
    return list(db.session.scalars(select(ActionItem).order_by(ActionItem.id)))


# Creating


@pytest.mark.parametrize("who", ROLES)
def test_the_new_item_form_per_role(client, sitting, who):
    act_as(client, sitting, who)
    response = client.get(new_url(sitting, item=sitting.public_item.id))
    assert response.status_code == expected(who, 200)
    if who == "anonymous":
        assert "/auth/login" in response.headers["Location"]
    if response.status_code == 200:
        page = html(response)
        assert "From the agenda item: Antragsassistent" in page
        assert "Members of the body" in page and "Organisations" in page and "Mia Müller" in page


@pytest.mark.parametrize("who", ROLES)
def test_creating_an_item_per_role(client, sitting, who):
    act_as(client, sitting, who)
    response = client.post(new_url(sitting, item=sitting.public_item.id),
                           data=form(f"account-{sitting.cast.member.id}"))
    assert response.status_code == expected(who, 302)
    assert count_rows(ActionItem) == (1 if who in MANAGERS else 0)


def test_a_created_item_goes_back_to_where_it_came_from(client, sitting):
    log_in(client, sitting.cast.secretary)
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item)
    organisation = OrganisationFactory(name="Landkreis Neunkirchen")
    response = client.post(new_url(sitting, decision=decision.id, next="/meetings/"),
                           data=form(f"organisation-{organisation.id}"))
    assert response.status_code == 302 and response.headers["Location"] == "/meetings/"
    [item] = items()
    assert (item.decision_id, item.agenda_item_id, item.assignee_organisation_id) == (
        decision.id, sitting.closed_item.id, organisation.id
    )
    response = client.post(
        new_url(sitting, next="https://evil.example/"), data=form(f"account-{sitting.cast.member.id}")
    )
    assert response.headers["Location"] == f"/actions/bodies/{sitting.cast.body.code}"


@pytest.mark.parametrize(
    "values, message",
    [
        ({"description": ""}, "This field is required."),
        ({"description": "x" * 2001}, "Field cannot be longer than 2000 characters."),
        ({"assignee": ""}, "This field is required."),
        ({"assignee": "account-999999"}, "Not a valid choice."),
        ({"assignee": "account-abc"}, "Not a valid choice."),
        ({"assignee": "both-1"}, "Not a valid choice."),
        ({"due_on": "2026-13-45"}, "Not a valid date value."),
        ({"due_on": "2020-01-01"}, "has already passed"),
        ({"due_on": "2999-01-01"}, "within the next 10 years"),
    ],
)
def test_bad_input_shows_the_form_again_and_writes_nothing(client, sitting, values, message):
    log_in(client, sitting.cast.secretary)
    response = client.post(new_url(sitting), data={**form(f"account-{sitting.cast.member.id}"), **values})
    assert response.status_code == 200 and message in html(response)
    assert 'aria-invalid="true"' in html(response)
    assert count_rows(ActionItem) == 0


def test_unknown_or_mismatched_sources_are_404(client, sitting):
    log_in(client, sitting.cast.secretary)
    other = make_sitting()
    decision = DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item)
    for url in (
        "/actions/new",
        "/actions/new?meeting=abc",
        "/actions/new?meeting=999999",
        new_url(sitting, item=other.public_item.id),
        new_url(sitting, item=999999),
        new_url(sitting, decision=999999),
        new_url(sitting, item=sitting.closed_item.id, decision=decision.id),
        new_url(sitting, item=2**40),
        new_url(sitting, decision=-1),
        f"/actions/new?meeting={2**40}",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, data=form(f"account-{sitting.cast.member.id}")).status_code == 404, url
    event = HeldMeetingFactory(body=None)
    log_in(client, sitting.cast.organiser)
    assert client.get(f"/actions/new?meeting={event.id}").status_code == 404
    assert count_rows(ActionItem) == 0


def test_a_cancelled_meeting_or_dissolved_body_answers_409(client, sitting):
    log_in(client, sitting.cast.secretary)
    cancelled = HeldMeetingFactory(body=sitting.cast.body, status=MeetingStatus.CANCELLED)
    assert client.get(f"/actions/new?meeting={cancelled.id}").status_code == 409
    response = client.post(f"/actions/new?meeting={cancelled.id}", data=form(f"account-{sitting.cast.member.id}"))
    assert response.status_code == 409
    item = ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.member)
    sitting.cast.body.dissolved_on = today() - timedelta(days=1)
    db.session.commit()
    assert client.get(new_url(sitting)).status_code == 409
    assert client.post(new_url(sitting), data=form(f"account-{sitting.cast.member.id}")).status_code == 409
    assert client.get(f"/actions/{item.id}/edit").status_code == 409
    assert client.post(f"/actions/{item.id}/edit", data=form(f"account-{sitting.cast.chair.id}")).status_code == 409
    assert count_rows(ActionItem) == 1 and item.assignee_account_id == sitting.cast.member.id
    # closing out the work of a dissolved body stays possible
    assert client.post(f"/actions/{item.id}/status", data={"status": "done"}).status_code == 302


def test_confidential_and_internal_bodies(client):
    confidential = make_sitting(Visibility.CONFIDENTIAL)
    internal = make_sitting(Visibility.INTERNAL)
    item = ActionItemFactory(body=confidential.cast.body, assignee_organisation=confidential.cast.outsider.organisation)
    urls = [new_url(confidential), f"/actions/{item.id}/edit", f"/actions/bodies/{confidential.cast.body.code}"]
    for who in ("anonymous", "outsider"):
        act_as(client, confidential, who)
        for url in urls:
            assert client.get(url).status_code == 404, (who, url)
        assert client.post(f"/actions/{item.id}/status", data={"status": "done"}).status_code == 404
    # the outsider's organisation is named, but the body is confidential: not even their list shows the item
    log_in(client, confidential.cast.outsider)
    assert "Aufgabe Nummer" not in html(client.get("/actions/?status=all"))
    log_out(client)
    response = client.get(f"/actions/bodies/{internal.cast.body.code}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, internal.cast.outsider)
    assert client.get(new_url(internal)).status_code == 403
    log_in(client, confidential.cast.member)
    assert client.get(f"/actions/bodies/{confidential.cast.body.code}").status_code == 200


def test_the_csrf_token_is_needed(csrf_app, client, sitting):
    item = ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.member)
    log_in(client, sitting.cast.secretary)
    assert client.post(new_url(sitting), data=form(f"account-{sitting.cast.member.id}")).status_code == 400
    assert client.post(f"/actions/{item.id}/status", data={"status": "done"}).status_code == 400
    assert count_rows(ActionItem) == 1 and item.status is ActionItemStatus.OPEN


# Editing


@pytest.mark.parametrize("who", ROLES)
def test_editing_per_role(client, sitting, who):
    item = ActionItemFactory(body=sitting.cast.body, meeting=sitting.meeting, assignee_account=sitting.cast.member,
                             due_on=today() + timedelta(days=3))
    act_as(client, sitting, who)
    response = client.get(f"/actions/{item.id}/edit")
    assert response.status_code == expected(who, 200)
    if response.status_code == 200:
        assert f'<option selected value="account-{sitting.cast.member.id}">' in html(response)
    response = client.post(f"/actions/{item.id}/edit", data=form(f"account-{sitting.cast.chair.id}"))
    assert response.status_code == expected(who, 302)
    db.session.refresh(item)
    assert item.assignee_account_id == (sitting.cast.chair.id if who in MANAGERS else sitting.cast.member.id)


def test_editing_unknown_items_is_404_and_bad_input_is_shown(client, sitting):
    log_in(client, sitting.cast.chair)
    assert client.get("/actions/999999/edit").status_code == 404
    assert client.get(f"/actions/{2**40}/edit").status_code == 404
    assert client.post(f"/actions/{2**40}/status", data={"status": "done"}).status_code == 404
    item = ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.member)
    response = client.post(f"/actions/{item.id}/edit", data=form(f"account-{sitting.cast.member.id}", description=""))
    assert response.status_code == 200 and "This field is required." in html(response)
    assert item.description.startswith("Aufgabe Nummer")


# Status


@pytest.mark.parametrize("who", ROLES)
def test_closing_someone_elses_item_per_role(client, sitting, who):
    item = ActionItemFactory(body=sitting.cast.body, assignee_organisation=OrganisationFactory())
    act_as(client, sitting, who)
    response = client.post(f"/actions/{item.id}/status", data={"status": "done"})
    assert response.status_code == expected(who, 302)
    db.session.refresh(item)
    assert item.status is (ActionItemStatus.DONE if who in MANAGERS else ActionItemStatus.OPEN)


def test_the_assigned_person_and_their_organisation_close_their_items(client, sitting):
    mine = ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.member)
    ours = ActionItemFactory(body=sitting.cast.body, assignee_organisation=sitting.cast.outsider.organisation)
    log_in(client, sitting.cast.member)
    response = client.post(f"/actions/{mine.id}/status", data={"status": "done", "next": "/"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.post(f"/actions/{ours.id}/status", data={"status": "done"}).status_code == 403
    colleague = AccountFactory(organisation=sitting.cast.outsider.organisation)  # not a member of the body
    log_in(client, colleague)
    response = client.post(f"/actions/{ours.id}/status", data={"status": "dropped"})
    assert response.status_code == 302 and response.headers["Location"] == "/actions/"
    db.session.refresh(mine)
    db.session.refresh(ours)
    assert mine.status is ActionItemStatus.DONE and mine.completed_at is not None
    assert ours.status is ActionItemStatus.DROPPED
    log_in(client, sitting.cast.member)
    client.post(f"/actions/{mine.id}/status", data={"status": "open"})
    db.session.refresh(mine)
    assert mine.status is ActionItemStatus.OPEN and mine.completed_at is None


def test_a_bad_status_is_400(client, sitting):
    item = ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.member)
    log_in(client, sitting.cast.member)
    for data in ({"status": "finished"}, {}, {"status": ""}):
        assert client.post(f"/actions/{item.id}/status", data=data).status_code == 400
    assert client.post("/actions/999999/status", data={"status": "done"}).status_code == 404
    assert client.get(f"/actions/{item.id}/status").status_code == 405


# My list and the body's list


@pytest.mark.parametrize("who", ROLES)
def test_my_list_per_role(client, sitting, who):
    account = act_as(client, sitting, who)
    if account is not None:
        ActionItemFactory(body=sitting.cast.body, assignee_account=account, description="Meine Aufgabe")
    response = client.get("/actions/")
    assert response.status_code == expected(who, 200, set(ROLES) - {"anonymous"})
    if account is not None:
        assert "Meine Aufgabe" in html(response)


def test_my_list_marks_overdue_items_and_filters_by_status(client, sitting):
    me = sitting.cast.member
    ActionItemFactory(body=sitting.cast.body, assignee_account=me, description="Längst fällig",
                      due_on=today() - timedelta(days=2))
    ActionItemFactory(body=sitting.cast.body, assignee_organisation=me.organisation, description="Für unser Haus",
                      due_on=today() + timedelta(days=9))
    ActionItemFactory(body=sitting.cast.body, assignee_account=me, description="Erledigt",
                      status=ActionItemStatus.DONE, due_on=today() - timedelta(days=20))
    ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.chair, description="Nicht meine")
    log_in(client, me)
    page = html(client.get("/actions/"))
    assert page.index("Längst fällig") < page.index("Für unser Haus")
    assert page.count(">Overdue<") == 1 and "koop-action-items__overdue" in page
    assert "Erledigt" not in page and "Nicht meine" not in page and "2 action items" in page
    page = html(client.get("/actions/?status=done"))
    assert "Erledigt" in page and "Längst fällig" not in page and ">Overdue<" not in page  # closed is never overdue
    page = html(client.get("/actions/?status=all"))
    assert all(text in page for text in ("Erledigt", "Längst fällig", "Für unser Haus"))
    assert client.get("/actions/?status=<script>&page=-3").status_code == 200


def test_my_list_is_paginated(client, sitting):
    me = sitting.cast.member
    db.session.add_all(
        ActionItem(body_id=sitting.cast.body.id, assignee_account_id=me.id, description=f"Aufgabe {n:03d}",
                   due_on=today() + timedelta(days=n))
        for n in range(60)
    )
    db.session.commit()
    log_in(client, me)
    first = html(client.get("/actions/"))
    assert "Aufgabe 000" in first and "Aufgabe 059" not in first and "Page 1 of 2" in first
    second = html(client.get("/actions/?page=2"))
    assert "Aufgabe 059" in second and "Aufgabe 000" not in second


@pytest.mark.parametrize("who", ROLES)
def test_the_bodys_list_per_role(client, sitting, who):
    ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.chair, description="Bericht vorbereiten")
    act_as(client, sitting, who)
    response = client.get(f"/actions/bodies/{sitting.cast.body.code}")
    assert response.status_code == expected(who, 200, INSIDERS)
    if response.status_code == 200:
        page = html(response)
        assert "Bericht vorbereiten" in page
        assert ("Mark as done" in page) == (who in MANAGERS)  # the chair's item: a plain member may not close it
        assert (">Edit<" in page) == (who in MANAGERS)


def test_the_bodys_list_filters_and_404s(client, sitting):
    ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.chair, description="Offen")
    ActionItemFactory(body=sitting.cast.body, assignee_account=sitting.cast.chair, description="Verworfen",
                      status=ActionItemStatus.DROPPED)
    log_in(client, sitting.cast.member)
    page = html(client.get(f"/actions/bodies/{sitting.cast.body.code}"))
    assert "Offen" in page and "Verworfen" not in page
    page = html(client.get(f"/actions/bodies/{sitting.cast.body.code}?status=dropped"))
    assert "Verworfen" in page and ">Offen<" not in page
    assert client.get("/actions/bodies/NOPE").status_code == 404
    assert client.get("/actions/bodies/no%00code").status_code == 404


# The dashboard


def test_the_dashboard_shows_my_open_items_overdue_marked(client, sitting):
    me = sitting.cast.member
    ActionItemFactory(body=sitting.cast.body, meeting=sitting.meeting, assignee_account=me,
                      description="Stellungnahme abgeben", due_on=today() - timedelta(days=1))
    ActionItemFactory(body=sitting.cast.body, assignee_organisation=me.organisation, description="Haus-Aufgabe",
                      due_on=today() + timedelta(days=5))
    log_in(client, me)
    page = html(client.get("/"))
    assert "My action items" in page and "Stellungnahme abgeben" in page and "Haus-Aufgabe" in page
    assert ">Overdue<" in page and "3. Sitzung des Rates" in page and 'href="/actions/"' in page
    log_in(client, sitting.cast.outsider)
    page = html(client.get("/"))
    assert "No open action items" in page and "Stellungnahme" not in page


def test_the_dashboard_runs_the_same_statements_for_10_or_1000_items(client, sitting, count_statements):
    me = sitting.cast.member
    log_in(client, me)
    counts = []
    for size in (10, 990):
        db.session.add_all(
            ActionItem(body_id=sitting.cast.body.id, meeting_id=sitting.meeting.id, assignee_account_id=me.id,
                       description=f"Aufgabe {n}", due_on=today() + timedelta(days=n % 30 - 10))
            for n in range(size)
        )
        db.session.commit()
        with count_statements() as counter:
            response = client.get("/")
        assert response.status_code == 200
        counts.append(counter.count)
    page = html(response)
    assert page.count('id="action-item-') == DASHBOARD_ACTION_ITEMS  # the most urgent; /actions/ has them all
    assert "most urgent" in page
    assert counts[0] == counts[1]


# The follow-up on the next meeting


@pytest.fixture
def next_meeting(sitting):
    ActionItemFactory(body=sitting.cast.body, meeting=sitting.meeting, assignee_account=sitting.cast.member,
                      description="Kostenschätzung nachreichen", due_on=today() - timedelta(days=3))
    ActionItemFactory(body=sitting.cast.body, meeting=sitting.meeting, assignee_account=sitting.cast.member,
                      description="Schon erledigt", status=ActionItemStatus.DONE)
    return FutureMeetingFactory(body=sitting.cast.body, title="4. Sitzung des Rates")


@pytest.mark.parametrize("who", ROLES)
def test_the_follow_up_shows_on_the_next_meeting_for_insiders(client, sitting, next_meeting, who):
    act_as(client, sitting, who)
    response = client.get(f"/meetings/{next_meeting.id}")
    assert response.status_code == 200
    page = html(response)
    shown = who in INSIDERS
    assert ("Follow-up: open action items" in page) == shown
    assert ("Kostenschätzung nachreichen" in page) == shown
    assert "Schon erledigt" not in page
    if shown:
        assert page.index("Agenda") < page.index("Follow-up") and ">Overdue<" in page
        assert ("Mark as done" in page) == (who in MANAGERS or who == "member")  # the member is the assignee


def test_no_follow_up_on_the_meeting_itself_or_a_cancelled_one(client, sitting, next_meeting):
    log_in(client, sitting.cast.member)
    assert "Follow-up" not in html(client.get(f"/meetings/{sitting.meeting.id}"))
    next_meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    assert "Follow-up" not in html(client.get(f"/meetings/{next_meeting.id}"))


def test_the_meeting_page_stays_flat_with_5_or_200_follow_up_items(client, sitting, count_statements):
    log_in(client, sitting.cast.secretary)
    meeting = FutureMeetingFactory(body=sitting.cast.body)
    counts = []
    for size in (5, 195):
        db.session.add_all(
            ActionItem(body_id=sitting.cast.body.id, meeting_id=sitting.meeting.id,
                       assignee_account_id=sitting.cast.member.id, description=f"Aufgabe {n}")
            for n in range(size)
        )
        db.session.commit()
        with count_statements() as counter:
            response = client.get(f"/meetings/{meeting.id}")
        assert response.status_code == 200
        counts.append(counter.count)
    assert html(response).count('id="action-item-') == 200
    assert counts[0] == counts[1] <= 12
