"""Minutes routes: the page in each status for each role, beginning, editing with the 409 conflict page,
revisions, circulation, comments, approval (chair and deputy only), amendments, the meeting page's panel."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import today
from app.extensions import db
from app.minutes import services
from app.minutes.approval import approve
from app.models import Account, Minutes, MinutesAmendment, MinutesComment, MinutesRevision, MinutesStatus, Visibility
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import count_rows, html, log_in, log_out
from tests.factories_invitations import mails_to
from tests.factories_minutes import (
    ActionItemFactory,
    DecisionFactory,
    HeldMeetingFactory,
    MinutesFactory,
    attend,
    make_sitting,
)

ROLES = ["anonymous", "outsider", "member", "secretary", "chair", "deputy", "organiser", "admin"]
WRITERS = {"secretary", "organiser", "admin"}
APPROVERS = {"chair", "deputy"}
INSIDERS = {"member", "secretary", "chair", "deputy", "organiser", "admin"}


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app):
    return make_sitting()


def act_as(client, sitting, role: str) -> Account | None:
    account = sitting.cast.by_role(role)
    if account is None:
        log_out(client)
    else:
        log_in(client, account)
    return account


def url(sitting, path: str = "") -> str:
    return f"/minutes/{sitting.meeting.id}{path}"


def denied(role: str) -> int:
    """Anonymous visitors are sent to the login page; everyone else is refused."""
    return 302 if role == "anonymous" else 403


def set_status(sitting, status: MinutesStatus) -> None:
    if status is MinutesStatus.APPROVED:
        attend(sitting, sitting.cast.chair, sitting.cast.member)
        approve(sitting.cast.chair, sitting.minutes)
    elif status is MinutesStatus.CIRCULATED:
        services.circulate(sitting.cast.secretary, sitting.minutes, today() + timedelta(days=7))


def fresh(minutes: Minutes) -> Minutes:
    db.session.expire_all()
    return db.session.get(Minutes, minutes.id)


# The page


@pytest.mark.parametrize("role", ROLES)
def test_without_minutes_only_writers_find_the_begin_button(client, sitting, role):
    meeting = HeldMeetingFactory(body=sitting.cast.body)
    act_as(client, sitting, role)
    response = client.get(f"/minutes/{meeting.id}")
    expected = 200 if role in WRITERS else 404
    assert response.status_code == expected
    if expected == 200:
        assert "Begin the minutes" in html(response)


def test_beginning_the_minutes(client, sitting):
    meeting = HeldMeetingFactory(body=sitting.cast.body)
    log_in(client, sitting.cast.member)
    assert client.post(f"/minutes/{meeting.id}/begin").status_code == 403
    log_in(client, sitting.cast.secretary)
    response = client.post(f"/minutes/{meeting.id}/begin")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/minutes/{meeting.id}/edit")
    assert db.session.scalar(select(Minutes).where(Minutes.meeting_id == meeting.id)) is not None
    assert client.post(f"/minutes/{meeting.id}/begin").status_code == 302  # again: the same minutes
    assert count_rows(Minutes) == 2


PAGE = {
    MinutesStatus.DRAFT: {"anonymous": 302, "outsider": 403, "member": 403},
    MinutesStatus.CIRCULATED: {"anonymous": 302, "outsider": 403, "member": 200},
    MinutesStatus.APPROVED: {"anonymous": 200, "outsider": 200, "member": 200},
}


@pytest.mark.parametrize("status", list(PAGE))
@pytest.mark.parametrize("role", ROLES)
def test_who_sees_the_minutes_page_in_each_status(client, sitting, status, role):
    set_status(sitting, status)
    act_as(client, sitting, role)
    response = client.get(url(sitting))
    assert response.status_code == PAGE[status].get(role, 200)
    if response.status_code == 200:
        page = html(response)
        assert "Antragsassistent" in page
        assert ("Vergabe Rechenzentrum" in page) is (role in INSIDERS)
        assert ("Approve the minutes" in page) is (role in APPROVERS and status is not MinutesStatus.APPROVED)
        assert ("Edit the minutes" in page) is (role in WRITERS and status is not MinutesStatus.APPROVED)


def test_a_confidential_bodys_minutes_are_not_there_for_outsiders(client):
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    set_status(sitting, MinutesStatus.APPROVED)
    log_in(client, sitting.cast.outsider)
    assert client.get(url(sitting)).status_code == 404
    log_in(client, sitting.cast.member)
    assert client.get(url(sitting)).status_code == 200


def test_the_page_shows_everything_in_its_place(client, sitting):
    cast = sitting.cast
    attend(sitting, cast.chair, cast.deputy, cast.member)
    services.save_draft(
        cast.secretary,
        sitting.minutes,
        "**Begrüßung** durch den Vorsitz",
        {sitting.public_item.id: "Vorstellung des Assistenten", sitting.closed_item.id: "Angebote geprüft"},
        1,
    )
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Einführung beschlossen")
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Interne Notiz", public=False)
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.closed_item, title="Zuschlag erteilt")
    ActionItemFactory(
        body=cast.body,
        meeting=sitting.meeting,
        agenda_item=sitting.public_item,
        assignee_account=cast.member,
        description="Leitfaden schreiben",
    )
    log_in(client, cast.secretary)
    page = html(client.get(url(sitting)))
    for text in (
        "<strong>Begrüßung</strong>",
        "Item 1: Antragsassistent",
        "Item 2: Vergabe Rechenzentrum",
        "Vorstellung des Assistenten",
        "Einführung beschlossen",
        "Zuschlag erteilt",
        "Leitfaden schreiben",
        "Chris Chair",
        "The body had a quorum",
        "Staatskanzlei, Saal 1",
        f"/decisions/new/{sitting.public_item.id}",
        f"/actions/new?meeting={sitting.meeting.id}&amp;item={sitting.public_item.id}",
        f"/attendance/{sitting.meeting.id}",
        "Status: Draft",
    ):
        assert text in page, text

    approve(cast.chair, sitting.minutes)
    log_out(client)
    page = html(client.get(url(sitting)))
    assert "Einführung beschlossen" in page and "public version" in page
    for hidden in ("Interne Notiz", "Zuschlag erteilt", "Vergabe Rechenzentrum", "Angebote geprüft", "Leitfaden"):
        assert hidden not in page, hidden
    minutes = fresh(sitting.minutes)
    assert minutes.content_hash in page and "Chris Chair" in page and "/decisions/new/" not in page


def test_markdown_is_sanitised_on_the_page(client, sitting):
    log_in(client, sitting.cast.secretary)
    hostile = '<script>alert("x")</script> <img src=x onerror="alert(1)"> [link](javascript:alert(2)) *fine*'
    response = client.post(
        url(sitting, "/edit"),
        data={"version": 1, "general_notes": hostile, f"item_{sitting.public_item.id}": hostile},
    )
    assert response.status_code == 302
    page = html(client.get(url(sitting)))
    assert "<script>alert" not in page and "onerror" not in page and "javascript:" not in page
    assert page.count("<em>fine</em>") == 2


def test_the_pages_statement_count_is_flat(client, sitting, count_statements):
    counts = []
    for size in (2, 20):
        sitting = make_sitting()
        cast = sitting.cast
        items = [sitting.public_item, sitting.closed_item] + [
            AgendaItemFactory(meeting=sitting.meeting, position=position) for position in range(3, size + 1)
        ]
        attend(sitting, cast.chair, cast.member)
        for item in items:
            DecisionFactory(minutes=sitting.minutes, agenda_item=item, outcome="noted")
            ActionItemFactory(body=cast.body, meeting=sitting.meeting, agenda_item=item, assignee_account=cast.member)
        services.save_draft(cast.secretary, sitting.minutes, "x", {item.id: "Notiz" for item in items}, 1)
        services.circulate(cast.secretary, sitting.minutes, today() + timedelta(days=3))
        for item in items:
            services.add_comment(cast.member, sitting.minutes, "Kommentar", item)
        log_in(client, cast.member)
        with count_statements() as counter:
            response = client.get(url(sitting))
        assert response.status_code == 200 and html(response).count("Kommentar") == size
        counts.append(counter.count)
    assert counts[0] == counts[1]


# Editing


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit(client, sitting, role):
    act_as(client, sitting, role)
    response = client.get(url(sitting, "/edit"))
    assert response.status_code == (200 if role in WRITERS else denied(role))
    response = client.post(url(sitting, "/edit"), data={"version": 1, "general_notes": f"von {role}"})
    assert response.status_code == (302 if role in WRITERS else denied(role))
    assert (fresh(sitting.minutes).general_notes == f"von {role}") is (role in WRITERS)


def test_the_edit_form_saves_and_shows_the_current_text(client, sitting):
    log_in(client, sitting.cast.secretary)
    page = html(client.get(url(sitting, "/edit")))
    assert 'name="version"' in page and 'value="1"' in page
    assert "Item 1: Antragsassistent" in page and "Item 2: Vergabe Rechenzentrum" in page
    response = client.post(
        url(sitting, "/edit"),
        data={"version": 1, "general_notes": "Allgemein", f"item_{sitting.public_item.id}": "Zum Assistenten"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url(sitting))
    page = html(client.get(url(sitting, "/edit")))
    assert "The minutes have been saved (version 2)." in page  # the flash
    assert "Zum Assistenten" in page and 'value="2"' in page and "Version 2" in page


def test_a_stale_save_answers_409_with_both_texts(client, sitting):
    item = sitting.public_item
    services.save_draft(sitting.cast.organiser, sitting.minutes, "Die neuere Fassung", {item.id: "Neuere Notiz"}, 1)
    log_in(client, sitting.cast.secretary)
    response = client.post(
        url(sitting, "/edit"),
        data={"version": 1, "general_notes": "Meine Fassung", f"item_{item.id}": "Meine Notiz"},
    )
    assert response.status_code == 409
    page = html(response)
    assert "Olga Organiser" in page and "version 2" in page
    # The user's own text in the fields, the newer text beside it, the form set to save over version 2.
    assert re.search(r"<textarea[^>]*name=\"general_notes\"[^>]*>\s*Meine Fassung</textarea>", page)
    assert re.search(rf"<textarea[^>]*name=\"item_{item.id}\"[^>]*>\s*Meine Notiz</textarea>", page)
    assert "Die neuere Fassung" in page and "Neuere Notiz" in page
    assert re.search(r'name="version"[^>]*value="2"|value="2"[^>]*name="version"', page)
    assert fresh(sitting.minutes).general_notes == "Die neuere Fassung"  # nothing overwritten
    # Resubmitting the form from the conflict page saves.
    response = client.post(
        url(sitting, "/edit"),
        data={"version": 2, "general_notes": "Zusammengeführt", f"item_{item.id}": "Beides"},
    )
    assert response.status_code == 302 and fresh(sitting.minutes).version == 3


def test_an_item_left_out_of_the_form_keeps_its_notes(client, sitting):
    services.save_draft(sitting.cast.secretary, sitting.minutes, "", {sitting.closed_item.id: "Bleibt"}, 1)
    log_in(client, sitting.cast.secretary)
    data = {"version": 2, "general_notes": "Neu", f"item_{sitting.public_item.id}": "Auch neu"}
    assert client.post(url(sitting, "/edit"), data=data).status_code == 302
    text = services.current_text(fresh(sitting.minutes))
    assert text.item_notes == {sitting.closed_item.id: "Bleibt", sitting.public_item.id: "Auch neu"}


def test_bad_edits(client, sitting):
    log_in(client, sitting.cast.secretary)
    response = client.post(url(sitting, "/edit"), data={"version": 1, "general_notes": "x" * 100_001})
    assert response.status_code == 400 and "At most 100000 characters" in html(response)
    assert client.post(url(sitting, "/edit"), data={"general_notes": "ohne Version"}).status_code == 400
    assert client.post(url(sitting, "/edit"), data={"version": "zwei", "general_notes": "x"}).status_code == 400
    assert count_rows(MinutesRevision) == 0
    assert client.get(f"/minutes/{HeldMeetingFactory(body=sitting.cast.body).id}/edit").status_code == 404


def test_approved_minutes_answer_409_on_every_edit_path(client, sitting):
    set_status(sitting, MinutesStatus.APPROVED)
    log_in(client, sitting.cast.secretary)
    assert client.get(url(sitting, "/edit")).status_code == 409
    assert client.post(url(sitting, "/edit"), data={"version": 1, "general_notes": "x"}).status_code == 409
    later = (today() + timedelta(days=3)).isoformat()
    assert client.post(url(sitting, "/circulate"), data={"comments_until": later}).status_code == 409
    assert client.post(url(sitting, "/comments"), data={"text": "x", "agenda_item": 0}).status_code == 409
    log_in(client, sitting.cast.chair)
    assert client.post(url(sitting, "/approve")).status_code == 409
    log_in(client, sitting.cast.secretary)
    # The other helpers' edit paths call ensure_editable too.
    assert client.post(f"/attendance/{sitting.meeting.id}", data={}).status_code == 409
    response = client.post(f"/decisions/new/{sitting.public_item.id}", data={"title": "x", "outcome": "noted"})
    assert response.status_code == 409


# Revisions


def test_revisions_list_and_diff(client, sitting):
    cast = sitting.cast
    services.save_draft(cast.secretary, sitting.minutes, "Zeile eins\nZeile zwei", {}, 1)
    services.save_draft(cast.organiser, sitting.minutes, "Zeile eins\nZeile 2\nZeile drei", {}, 2)
    log_in(client, cast.chair)
    page = html(client.get(url(sitting, "/revisions")))
    assert "Version 2" in page and "Version 3" in page and "Sam Secretary" in page and "Olga Organiser" in page
    page = html(client.get(url(sitting, "/revisions/2")))
    assert "<del><strong>removed:</strong> Zeile zwei</del>" in page
    assert (
        "<ins><strong>added:</strong> Zeile 2</ins>" in page and "<ins><strong>added:</strong> Zeile drei</ins>" in page
    )
    assert "unchanged:</strong> Zeile eins" in page
    assert client.get(url(sitting, "/revisions/9")).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_revisions(client, sitting, role):
    services.save_draft(sitting.cast.secretary, sitting.minutes, "Text", {}, 1)
    act_as(client, sitting, role)
    allowed = role in WRITERS | APPROVERS
    assert client.get(url(sitting, "/revisions")).status_code == (200 if allowed else denied(role))
    assert client.get(url(sitting, "/revisions/2")).status_code == (200 if allowed else denied(role))


# Circulation and comments


@pytest.mark.parametrize("role", ROLES)
def test_who_may_circulate(client, sitting, outbox, role):
    act_as(client, sitting, role)
    later = (today() + timedelta(days=10)).isoformat()
    response = client.post(url(sitting, "/circulate"), data={"comments_until": later})
    assert response.status_code == (302 if role in WRITERS else denied(role))
    assert (fresh(sitting.minutes).status is MinutesStatus.CIRCULATED) is (role in WRITERS)
    assert len(outbox.messages()) == (4 if role in WRITERS else 0)


def test_circulation_mails_a_link_and_refuses_past_dates(client, sitting, outbox):
    log_in(client, sitting.cast.secretary)
    response = client.post(url(sitting, "/circulate"), data={"comments_until": today().isoformat()})
    assert response.status_code == 400 and "day after today" in html(response)
    assert client.post(url(sitting, "/circulate"), data={"comments_until": "kein Datum"}).status_code == 400
    assert outbox.messages() == [] and fresh(sitting.minutes).status is MinutesStatus.DRAFT
    later = today() + timedelta(days=10)
    response = client.post(
        url(sitting, "/circulate"), data={"comments_until": later.isoformat()}, follow_redirects=True
    )
    assert "4 members have been mailed" in html(response)
    message = mails_to(outbox.messages(), sitting.cast.member)[0]
    assert f"http://localhost/minutes/{sitting.meeting.id}" in outbox.body(message) or url(sitting) in outbox.body(
        message
    )


@pytest.mark.parametrize("role", ROLES)
def test_who_may_comment(client, sitting, role):
    set_status(sitting, MinutesStatus.CIRCULATED)
    act_as(client, sitting, role)
    response = client.post(url(sitting, "/comments"), data={"text": f"Anmerkung von {role}", "agenda_item": 0})
    assert response.status_code == (302 if role in INSIDERS else denied(role))
    assert count_rows(MinutesComment) == (1 if role in INSIDERS else 0)


def test_comments_on_items_and_the_deadline(client, sitting):
    set_status(sitting, MinutesStatus.CIRCULATED)
    log_in(client, sitting.cast.member)
    response = client.post(
        url(sitting, "/comments"), data={"text": "Bitte ergänzen", "agenda_item": sitting.public_item.id}
    )
    assert response.status_code == 302
    page = html(client.get(url(sitting)))
    assert "Bitte ergänzen" in page and "Mia Müller" in page
    assert client.post(url(sitting, "/comments"), data={"text": "", "agenda_item": 0}).status_code == 400
    assert client.post(url(sitting, "/comments"), data={"text": "x", "agenda_item": 99999}).status_code == 400
    sitting.minutes.comments_until = today() - timedelta(days=1)
    db.session.commit()
    response = client.post(url(sitting, "/comments"), data={"text": "Zu spät", "agenda_item": 0})
    assert response.status_code == 400 and "The comment period ended on" in html(response)
    assert "Zu spät" in html(response)  # the comment is kept in its field
    assert count_rows(MinutesComment) == 1


def test_a_draft_takes_no_comments(client, sitting):
    log_in(client, sitting.cast.secretary)
    assert client.post(url(sitting, "/comments"), data={"text": "x", "agenda_item": 0}).status_code == 409


# Approval


@pytest.mark.parametrize("role", ROLES)
def test_only_the_chair_and_the_deputy_approve(client, sitting, role):
    attend(sitting, sitting.cast.chair, sitting.cast.member)
    act_as(client, sitting, role)
    response = client.post(url(sitting, "/approve"))
    assert response.status_code == (302 if role in APPROVERS else denied(role))
    assert fresh(sitting.minutes).is_approved is (role in APPROVERS)


def test_approval_without_attendance_is_refused_on_the_page(client, sitting):
    log_in(client, sitting.cast.chair)
    response = client.post(url(sitting, "/approve"))
    assert response.status_code == 400
    assert "Please record the attendance first: the quorum follows from it." in html(response)
    assert fresh(sitting.minutes).status is MinutesStatus.DRAFT


def test_approval_without_quorum_is_refused_on_the_page(client, sitting):
    attend(sitting, sitting.cast.chair)
    DecisionFactory(minutes=sitting.minutes, agenda_item=sitting.public_item, title="Ohne Mehrheit")
    log_in(client, sitting.cast.deputy)
    response = client.post(url(sitting, "/approve"))
    assert response.status_code == 400 and "no quorum" in html(response) and "Ohne Mehrheit" in html(response)


def test_approval_shows_the_hash_in_the_footer(client, sitting):
    attend(sitting, sitting.cast.chair, sitting.cast.member)
    log_in(client, sitting.cast.chair)
    response = client.post(url(sitting, "/approve"), follow_redirects=True)
    minutes = fresh(sitting.minutes)
    page = html(response)
    assert "The minutes have been approved." in page and minutes.content_hash in page
    assert "SHA-256" in page and "Status: Approved" in page


# Amendments


@pytest.mark.parametrize("role", ROLES)
def test_who_may_amend(client, sitting, role):
    set_status(sitting, MinutesStatus.APPROVED)
    act_as(client, sitting, role)
    response = client.post(
        url(sitting, "/amendments"), data={"reason": "Tippfehler", "text": "Richtig", "agenda_item": 0}
    )
    allowed = role in WRITERS | APPROVERS
    assert response.status_code == (302 if allowed else denied(role))
    assert count_rows(MinutesAmendment) == (1 if allowed else 0)


def test_amendments_stand_under_their_item(client, sitting):
    log_in(client, sitting.cast.secretary)
    data = {"reason": "Name falsch", "text": "Es sprach *Frau Müller*.", "agenda_item": sitting.public_item.id}
    assert client.post(url(sitting, "/amendments"), data=data).status_code == 409  # a draft is edited instead
    set_status(sitting, MinutesStatus.APPROVED)
    assert client.post(url(sitting, "/amendments"), data={**data, "reason": ""}).status_code == 400
    assert client.post(url(sitting, "/amendments"), data=data).status_code == 302
    page = html(client.get(url(sitting)))
    section = page[page.index(f'id="item-{sitting.public_item.id}"') :]
    section = section[: section.index("</section>")]
    assert "Name falsch" in section and "<em>Frau Müller</em>" in section and "Sam Secretary" in section
    hidden = {"reason": "x", "text": "y", "agenda_item": sitting.closed_item.id}
    log_in(client, sitting.cast.chair)
    assert client.post(url(sitting, "/amendments"), data=hidden).status_code == 302  # insiders see item 2


# The meeting page


def test_the_meeting_page_shows_the_minutes_panel(client, sitting):
    meeting_url = f"/meetings/{sitting.meeting.id}"
    log_in(client, sitting.cast.secretary)
    page = html(client.get(meeting_url))
    assert url(sitting) in page and url(sitting, "/edit") in page and f"/attendance/{sitting.meeting.id}" in page
    log_in(client, sitting.cast.member)
    assert url(sitting) not in html(client.get(meeting_url))  # a draft is not for members
    set_status(sitting, MinutesStatus.CIRCULATED)
    page = html(client.get(meeting_url))
    assert url(sitting) in page and "Circulated for comments" in page and url(sitting, "/edit") not in page
    other = HeldMeetingFactory(body=sitting.cast.body)
    log_in(client, sitting.cast.secretary)
    assert f"/minutes/{other.id}" in html(client.get(f"/meetings/{other.id}"))  # "write the minutes"
    log_in(client, sitting.cast.outsider)
    assert f"/minutes/{other.id}" not in html(client.get(f"/meetings/{other.id}"))


def test_an_event_without_a_body_has_minutes_for_organisers(client):
    sitting = make_sitting()
    event = HeldMeetingFactory(body=None, public=True)
    MinutesFactory(meeting=event)
    log_in(client, sitting.cast.organiser)
    assert client.get(f"/minutes/{event.id}").status_code == 200
    assert client.get(f"/minutes/{event.id}/edit").status_code == 200
    assert (
        client.post(f"/minutes/{event.id}/edit", data={"version": 1, "general_notes": "Ein Abend"}).status_code == 302
    )


def test_the_forms_need_the_csrf_token(csrf_app, sitting):
    client = csrf_app.test_client()
    log_in(client, sitting.cast.secretary)
    assert client.post(url(sitting, "/edit"), data={"version": 1, "general_notes": "x"}).status_code == 400
    page = html(client.get(url(sitting, "/edit")))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(url(sitting, "/edit"), data={"version": 1, "general_notes": "x", "csrf_token": token})
    assert response.status_code == 302
    assert client.post(url(sitting, "/circulate"), data={"comments_until": "2099-01-01"}).status_code == 400
    log_in(client, sitting.cast.chair)
    assert client.post(url(sitting, "/approve")).status_code == 400
    assert fresh(sitting.minutes).status is MinutesStatus.DRAFT
