"""Agenda routes: the agenda page, adding, editing, deleting and moving items, and a body's standard agenda."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AgendaItem, Body, MeetingStatus, MembershipRole, Visibility
from tests.factories import AccountFactory, AdminFactory, OrganiserFactory
from tests.factories_agendas import AgendaItemFactory, AttachmentFactory, MeetingFactory, items_of
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows, html, log_in, log_out

ROLES = ["anonymous", "outsider", "member", "secretary", "chair", "deputy", "organiser", "admin"]
MANAGERS = {"secretary", "chair", "deputy", "organiser", "admin"}


@pytest.fixture(autouse=True)
def english(app):
    """The messages are checked in English, whatever the catalogue holds (accounts default to German)."""
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture(autouse=True)
def attachment_folder(app, tmp_path: Path) -> Path:
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def body(app):
    return BodyFactory(code="ITKR", name="IT-Kooperationsrat", visibility=Visibility.PUBLIC)


@pytest.fixture
def meeting(body):
    return MeetingFactory(body=body, title="12. Sitzung")


@pytest.fixture
def items(meeting):
    return items_of(meeting, "Eröffnung", "Bericht", "Verschiedenes")


@pytest.fixture
def secretary(body):
    return MembershipFactory(body=body, role=MembershipRole.SECRETARY).account


@pytest.fixture
def member(body):
    return MembershipFactory(body=body, role=MembershipRole.MEMBER).account


def act_as(client, who: str, body: Body) -> None:
    """Log in as a person with the given relation to the body (or log out)."""
    roles = {"member": MembershipRole.MEMBER, "secretary": MembershipRole.SECRETARY, "chair": MembershipRole.CHAIR}
    roles["deputy"] = MembershipRole.DEPUTY_CHAIR
    if who == "anonymous":
        log_out(client)
    elif who == "outsider":
        log_in(client, AccountFactory())
    elif who == "organiser":
        log_in(client, OrganiserFactory())
    elif who == "admin":
        log_in(client, AdminFactory())
    else:
        log_in(client, MembershipFactory(body=body, role=roles[who]).account)


def titles(meeting) -> list[tuple[int | None, int, str]]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    rows = db.session.scalars(
        query.order_by(AgendaItem.parent_id.is_not(None), AgendaItem.parent_id, AgendaItem.position)
    )
    return [(item.parent_id, item.position, item.title) for item in rows]


def expected(who: str, allowed: int = 302) -> int:
    """Managers get `allowed`; anonymous visitors go to the login page; everyone else gets 403."""
    return allowed if who in MANAGERS else 302 if who == "anonymous" else 403


# The agenda page


def test_the_agenda_page_shows_the_numbered_items(client, meeting, items, secretary):
    AgendaItemFactory(
        meeting=meeting, parent=items[1], position=1, title="Haushalt", presenter="Kämmerei", planned_minutes=20
    )
    items[0].description = "**Willkommen** <script>alert(1)</script>"
    db.session.commit()
    page = html(client.get(f"/agendas/{meeting.id}"))
    for text in ("Item 1", "Item 2", "Item 2.1", "Item 3", "Haushalt", "Kämmerei", "<strong>Willkommen</strong>"):
        assert text in page
    assert "<script>alert(1)</script>" not in page
    assert '<th scope="row"' in page and '<th scope="col"' in page
    assert "Move up" not in page and "Add an item" not in page  # anonymous: no controls
    log_in(client, secretary)
    page = html(client.get(f"/agendas/{meeting.id}"))
    assert page.count("Move up<") == 2 and page.count("Move down<") == 2  # not for the first and the last sibling
    assert "Add an item" in page and "Add sub-item" in page and 'enctype="multipart/form-data"' in page


def test_non_public_items_and_their_files_are_hidden_on_the_page(client, meeting, items, member):
    secret = AgendaItemFactory(meeting=meeting, position=4, title="Personalangelegenheit Müller", public=False)
    AttachmentFactory(meeting=meeting, agenda_item=secret, filename="Personalakte.pdf")
    AttachmentFactory(meeting=meeting, agenda_item=items[0], filename="Einladung.pdf")
    for who in ("anonymous", "outsider"):
        act_as(client, who, meeting.body)
        page = html(client.get(f"/agendas/{meeting.id}"))
        assert "Einladung.pdf" in page
        assert "Personalangelegenheit" not in page and "Personalakte" not in page and "Item 4" not in page
    log_in(client, member)
    page = html(client.get(f"/agendas/{meeting.id}"))
    assert "Personalangelegenheit Müller" in page and "Personalakte.pdf" in page and "non-public" in page


def test_the_agenda_page_follows_the_meetings_visibility(client):
    internal = MeetingFactory(body=BodyFactory(visibility=Visibility.INTERNAL))
    confidential = MeetingFactory(body=BodyFactory(visibility=Visibility.CONFIDENTIAL))
    response = client.get(f"/agendas/{internal.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.get(f"/agendas/{confidential.id}").status_code == 404
    log_in(client, AccountFactory())
    assert client.get(f"/agendas/{internal.id}").status_code == 200
    assert client.get(f"/agendas/{confidential.id}").status_code == 404
    assert client.get("/agendas/999999").status_code == 404
    log_in(client, MembershipFactory(body=confidential.body).account)
    assert client.get(f"/agendas/{confidential.id}").status_code == 200


def test_the_agenda_page_runs_the_same_statements_for_5_or_50_items(client, body, secretary, count_statements):
    counts = []
    log_in(client, secretary)
    for size in (5, 50):
        meeting = MeetingFactory(body=body)
        for position in range(1, size + 1):
            item = AgendaItemFactory(meeting=meeting, position=position, public=position % 2 == 0)
            AgendaItemFactory(meeting=meeting, parent=item, position=1)
            AttachmentFactory(meeting=meeting, agenda_item=item)
        db.session.expire_all()
        with count_statements() as counter:
            assert client.get(f"/agendas/{meeting.id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


# Adding


@pytest.mark.parametrize("who", ROLES)
def test_who_may_add_items(client, meeting, items, who):
    act_as(client, who, meeting.body)
    url = f"/agendas/{meeting.id}/items/add"
    assert client.get(url).status_code == expected(who, 200)
    response = client.post(url, data={"title": "Haushalt 2031", "public": "y"})
    assert response.status_code == expected(who)
    assert count_rows(AgendaItem) == (4 if who in MANAGERS else 3)
    if who in MANAGERS:
        new = db.session.scalars(select(AgendaItem).filter_by(title="Haushalt 2031")).one()
        assert new.position == 4 and new.public
        assert response.headers["Location"].endswith(f"/agendas/{meeting.id}#item-{new.id}")


def test_add_a_non_public_item_with_all_fields(client, meeting, secretary):
    log_in(client, secretary)
    response = client.post(
        f"/agendas/{meeting.id}/items/add",
        data={"title": "Personal", "description": "- a\n- b", "presenter": "Vorsitz", "planned_minutes": "15"},
    )
    assert response.status_code == 302
    item = db.session.scalars(select(AgendaItem)).one()
    assert (item.title, item.public, item.presenter, item.planned_minutes, item.description) == (
        "Personal",
        False,
        "Vorsitz",
        15,
        "- a\n- b",
    )


def test_add_a_sub_item(client, meeting, items, secretary):
    log_in(client, secretary)
    url = f"/agendas/{meeting.id}/items/add?parent={items[1].id}"
    page = html(client.get(url))
    assert "New sub-item" in page and "Sub-item of: Bericht" in page
    client.post(url, data={"title": "Finanzen", "public": "y"})
    client.post(url, data={"title": "Personal", "public": "y"})
    page = html(client.get(f"/agendas/{meeting.id}"))
    page = page[page.index("<table") :]
    assert page.index("Item 2.1") < page.index("Finanzen") < page.index("Item 2.2") < page.index("Personal")
    assert page.index("Personal") < page.index("Item 3")


def test_a_sub_item_of_a_sub_item_is_refused(client, meeting, items, secretary):
    sub = AgendaItemFactory(meeting=meeting, parent=items[1], position=1, title="Finanzen")
    log_in(client, secretary)
    response = client.post(f"/agendas/{meeting.id}/items/add?parent={sub.id}", data={"title": "Zu tief"})
    assert response.status_code == 200
    assert "Sub-items can only be added to a main item of this meeting." in html(response)
    assert count_rows(AgendaItem) == 4


def test_a_parent_of_another_meeting_or_unknown_is_404(client, meeting, items, secretary):
    foreign = AgendaItemFactory(meeting=MeetingFactory(body=meeting.body))
    log_in(client, secretary)
    assert client.get(f"/agendas/{meeting.id}/items/add?parent={foreign.id}").status_code == 404
    assert client.post(f"/agendas/{meeting.id}/items/add?parent=999999", data={"title": "x"}).status_code == 404
    assert client.get("/agendas/999999/items/add").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"title": "x" * 301}, "Field cannot be longer than 300 characters."),
        ({"title": "ok", "planned_minutes": "viel"}, "Not a valid integer value."),
        ({"title": "ok", "planned_minutes": "0"}, "Please enter a number of minutes from 1 to 1440."),
        ({"title": "ok", "planned_minutes": "5000"}, "Please enter a number of minutes from 1 to 1440."),
        ({"title": "ok", "presenter": "p" * 201}, "Field cannot be longer than 200 characters."),
        ({"title": "   "}, "Please enter a title."),
    ],
    ids=["no-title", "long-title", "minutes-text", "minutes-zero", "minutes-huge", "long-presenter", "blank-title"],
)
def test_bad_item_input_is_shown_at_the_field(client, meeting, secretary, data, message):
    log_in(client, secretary)
    response = client.post(f"/agendas/{meeting.id}/items/add", data=data)
    assert response.status_code == 200
    page = html(response)
    assert message in page and 'aria-invalid="true"' in page
    assert count_rows(AgendaItem) == 0


# Editing and deleting


@pytest.mark.parametrize("who", ROLES)
def test_who_may_edit_items(client, meeting, items, who):
    act_as(client, who, meeting.body)
    url = f"/agendas/{meeting.id}/items/{items[1].id}/edit"
    assert client.get(url).status_code == expected(who, 200)
    response = client.post(url, data={"title": "Bericht der Geschäftsstelle", "planned_minutes": "10"})
    assert response.status_code == expected(who)
    db.session.expire_all()
    changed = items[1].title == "Bericht der Geschäftsstelle"
    assert changed is (who in MANAGERS)
    if changed:
        assert items[1].public is False and items[1].planned_minutes == 10  # an unticked box is "non-public"


def test_the_edit_page_shows_the_item_and_its_files(client, meeting, items, secretary):
    AttachmentFactory(meeting=meeting, agenda_item=items[1], filename="Bericht.pdf")
    log_in(client, secretary)
    page = html(client.get(f"/agendas/{meeting.id}/items/{items[1].id}/edit"))
    assert 'value="Bericht"' in page and "Bericht.pdf" in page
    assert f'action="/attachments/meetings/{meeting.id}/items/{items[1].id}"' in page
    assert f'action="/agendas/{meeting.id}/items/{items[1].id}/delete"' in page


def test_items_of_other_meetings_hidden_items_and_unknown_ids_are_404(client, meeting, items, secretary):
    other = MeetingFactory(body=meeting.body)
    secret = AgendaItemFactory(meeting=meeting, position=4, public=False)
    log_in(client, secretary)
    for action in ("edit", "delete", "up", "down"):
        method = client.get if action == "edit" else client.post
        assert method(f"/agendas/{other.id}/items/{items[0].id}/{action}").status_code == 404
        assert method(f"/agendas/{meeting.id}/items/999999/{action}").status_code == 404
    log_in(client, AccountFactory())
    assert client.get(f"/agendas/{meeting.id}/items/{secret.id}/edit").status_code == 404
    assert client.post(f"/agendas/{meeting.id}/items/{secret.id}/delete").status_code == 404


@pytest.mark.parametrize("who", ROLES)
def test_who_may_delete_items(client, meeting, items, who):
    act_as(client, who, meeting.body)
    response = client.post(f"/agendas/{meeting.id}/items/{items[1].id}/delete")
    assert response.status_code == expected(who)
    if who in MANAGERS:
        assert response.headers["Location"].endswith(f"/agendas/{meeting.id}")
        assert [(position, title) for _, position, title in titles(meeting)] == [(1, "Eröffnung"), (2, "Verschiedenes")]
    else:
        assert count_rows(AgendaItem) == 3


def test_delete_is_post_only(client, meeting, items, secretary):
    log_in(client, secretary)
    assert client.get(f"/agendas/{meeting.id}/items/{items[0].id}/delete").status_code == 405


# Moving


@pytest.mark.parametrize("who", ROLES)
def test_who_may_move_items(client, meeting, items, who):
    act_as(client, who, meeting.body)
    response = client.post(f"/agendas/{meeting.id}/items/{items[2].id}/up")
    assert response.status_code == expected(who)
    order = [title for _, _, title in titles(meeting)]
    if who in MANAGERS:
        assert response.headers["Location"].endswith(f"/agendas/{meeting.id}#item-{items[2].id}")
        assert order == ["Eröffnung", "Verschiedenes", "Bericht"]
    else:
        assert order == ["Eröffnung", "Bericht", "Verschiedenes"]


def test_moving_works_without_javascript(client, meeting, items, secretary):
    log_in(client, secretary)
    first, second, third = items
    assert client.post(f"/agendas/{meeting.id}/items/{first.id}/up").status_code == 302  # no-op, no error
    assert client.post(f"/agendas/{meeting.id}/items/{third.id}/down").status_code == 302  # no-op, no error
    assert [(p, t) for _, p, t in titles(meeting)] == [(1, "Eröffnung"), (2, "Bericht"), (3, "Verschiedenes")]
    client.post(f"/agendas/{meeting.id}/items/{first.id}/down")
    client.post(f"/agendas/{meeting.id}/items/{first.id}/down")
    assert [(p, t) for _, p, t in titles(meeting)] == [(1, "Bericht"), (2, "Verschiedenes"), (3, "Eröffnung")]
    page = html(client.get(f"/agendas/{meeting.id}"))
    page = page[page.index("<table") :]
    assert page.index("Bericht") < page.index("Verschiedenes") < page.index("Eröffnung")


def test_moving_returns_to_the_meeting_page_when_asked(client, meeting, items, secretary):
    log_in(client, secretary)
    response = client.post(f"/agendas/{meeting.id}/items/{items[1].id}/up", data={"next": f"/meetings/{meeting.id}"})
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}#item-{items[1].id}")
    response = client.post(f"/agendas/{meeting.id}/items/{items[1].id}/up", data={"next": "//evil.example/"})
    assert response.headers["Location"].endswith(f"/agendas/{meeting.id}#item-{items[1].id}")


def test_moving_needs_the_csrf_token(csrf_app, client, meeting, items, secretary):
    log_in(client, secretary)
    assert client.post(f"/agendas/{meeting.id}/items/{items[1].id}/up").status_code == 400
    assert [title for _, _, title in titles(meeting)] == ["Eröffnung", "Bericht", "Verschiedenes"]


# A held meeting


def test_a_held_meetings_agenda_is_read_only(client, meeting, items, secretary):
    meeting.status = MeetingStatus.HELD
    db.session.commit()
    log_in(client, secretary)
    base = f"/agendas/{meeting.id}/items"
    assert client.get(f"{base}/add").status_code == 409
    assert client.post(f"{base}/add", data={"title": "Neu"}).status_code == 409
    assert client.get(f"{base}/{items[0].id}/edit").status_code == 409
    assert client.post(f"{base}/{items[0].id}/edit", data={"title": "Neu"}).status_code == 409
    assert client.post(f"{base}/{items[0].id}/delete").status_code == 409
    assert client.post(f"{base}/{items[1].id}/up").status_code == 409
    assert client.post(f"{base}/{items[1].id}/down").status_code == 409
    assert [title for _, _, title in titles(meeting)] == ["Eröffnung", "Bericht", "Verschiedenes"]
    page = html(client.get(f"/agendas/{meeting.id}"))
    assert "Move up" not in page and "Add an item" not in page and 'type="file"' not in page
    assert "can no longer be changed" in page


# The standard agenda of a body


@pytest.mark.parametrize("who", ROLES)
def test_who_may_edit_the_standard_agenda(client, body, who):
    act_as(client, who, body)
    url = f"/agendas/standard/{body.code}"
    assert client.get(url).status_code == expected(who, 200)
    response = client.post(url, data={"standard_agenda": "Begrüßung\nBericht\nVerschiedenes"})
    assert response.status_code == expected(who)
    db.session.expire_all()
    assert (body.standard_agenda == "Begrüßung\nBericht\nVerschiedenes") is (who in MANAGERS)
    if who in MANAGERS:
        assert response.headers["Location"].endswith(f"/bodies/{body.code}")


def test_the_standard_agenda_form_starts_with_the_default(client, body, secretary):
    log_in(client, secretary)
    page = html(client.get(f"/agendas/standard/{body.code}"))
    assert "Eröffnung und Begrüßung\nFeststellung der ordnungsgemäßen Ladung" in page
    assert '<ol class="kern-list kern-list--number" lang="de">' in page


def test_a_too_long_standard_agenda_is_shown_at_the_field(client, body, secretary):
    log_in(client, secretary)
    response = client.post(f"/agendas/standard/{body.code}", data={"standard_agenda": "x" * 301})
    assert response.status_code == 200 and "Item 1 is longer than 300 characters." in html(response)
    assert body.standard_agenda == ""


def test_standard_agenda_of_hidden_unknown_or_dissolved_bodies(client):
    internal = BodyFactory(visibility=Visibility.INTERNAL)
    confidential = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    dissolved = BodyFactory(dissolved_on=date(2020, 6, 1))
    response = client.get(f"/agendas/standard/{internal.code}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, AccountFactory())
    assert client.get(f"/agendas/standard/{confidential.code}").status_code == 404
    assert client.get("/agendas/standard/NOSUCH").status_code == 404
    log_in(client, OrganiserFactory())
    assert client.get(f"/agendas/standard/{dissolved.code}").status_code == 409
    assert client.post(f"/agendas/standard/{dissolved.code}", data={"standard_agenda": "x"}).status_code == 409


def test_a_new_meeting_starts_with_the_bodys_standard_agenda(app, client, body, secretary):
    from datetime import time

    from app.meetings.services import MeetingData, schedule_meeting
    from app.models import MeetingKind

    log_in(client, secretary)
    client.post(f"/agendas/standard/{body.code}", data={"standard_agenda": "Begrüßung\nHaushalt\nVerschiedenes"})
    with app.test_request_context():
        meeting = schedule_meeting(
            secretary,
            body,
            MeetingData(
                kind=MeetingKind.MEETING,
                title="13. Sitzung",
                start_day=date(2030, 5, 6),
                start_time=time(10),
                end_day=None,
                end_time=time(12),
            ),
        )
    page = html(client.get(f"/agendas/{meeting.id}"))
    page = page[page.index("<table") :]
    assert page.index("Begrüßung") < page.index("Haushalt") < page.index("Verschiedenes")


def test_the_agenda_page_of_a_public_event(client):
    event = MeetingFactory(body=None, public=True, title="Auftaktveranstaltung")
    items_of(event, "Begrüßung", "Vortrag")
    page = html(client.get(f"/agendas/{event.id}"))
    assert "Auftaktveranstaltung" in page and "Vortrag" in page
    internal_event = MeetingFactory(body=None, public=False)
    response = client.get(f"/agendas/{internal_event.id}")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, AccountFactory())
    assert client.post(f"/agendas/{event.id}/items/add", data={"title": "x"}).status_code == 403
    log_in(client, OrganiserFactory())
    assert client.post(f"/agendas/{event.id}/items/add", data={"title": "Podium"}).status_code == 302
