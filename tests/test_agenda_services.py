"""Agenda services without HTTP: numbering, sub-items, visibility, editing, ordering, standard agendas."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from app.agendas import services
from app.agendas.services import DEFAULT_AGENDA, ItemData
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import AgendaItem, Attachment, Meeting, MeetingStatus, MembershipRole, Visibility
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_agendas import (
    AgendaItemFactory,
    AttachmentFactory,
    MeetingFactory,
    items_of,
)
from tests.factories_bodies import BodyFactory, MembershipFactory, count_rows


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context():
        yield


@pytest.fixture(autouse=True)
def english(app):
    """The messages are checked in English, whatever the catalogue holds (accounts default to German)."""
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture(autouse=True)
def attachment_folder(app, tmp_path: Path) -> Path:
    """Each test keeps its attachments in a folder of its own."""
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def body(app):
    return BodyFactory(code="ITKR", visibility=Visibility.PUBLIC)


@pytest.fixture
def meeting(body):
    return MeetingFactory(body=body)


@pytest.fixture
def secretary(body):
    return MembershipFactory(body=body, role=MembershipRole.SECRETARY).account


@pytest.fixture
def member(body):
    return MembershipFactory(body=body, role=MembershipRole.MEMBER).account


def positions(meeting: Meeting, parent: AgendaItem | None = None) -> list[tuple[int, str]]:
    query = select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
    query = query.where(AgendaItem.parent_id.is_(None) if parent is None else AgendaItem.parent_id == parent.id)
    return [(item.position, item.title) for item in db.session.scalars(query.order_by(AgendaItem.position))]


def numbers(meeting: Meeting, actor) -> list[tuple[str, str]]:
    return [(entry.number, entry.item.title) for entry in services.numbered_agenda(meeting, actor)]


# The standard agenda


def test_the_default_agenda_is_the_german_one(body):
    assert services.standard_agenda(body) == list(DEFAULT_AGENDA)
    assert DEFAULT_AGENDA[0] == "Eröffnung und Begrüßung" and DEFAULT_AGENDA[-1] == "Verschiedenes"


def test_a_body_sets_its_own_standard_agenda(body, secretary):
    services.update_standard_agenda(secretary, body, "  Begrüßung \n\n  Bericht   der Geschäftsstelle\nVerschiedenes\n")
    assert body.standard_agenda == "Begrüßung\nBericht der Geschäftsstelle\nVerschiedenes"
    assert services.standard_agenda(body) == ["Begrüßung", "Bericht der Geschäftsstelle", "Verschiedenes"]
    meeting = MeetingFactory(body=body)
    services.seed_standard_agenda(meeting)
    assert [item.title for item in meeting.agenda_items] == [
        "Begrüßung",
        "Bericht der Geschäftsstelle",
        "Verschiedenes",
    ]


def test_an_empty_standard_agenda_or_the_default_itself_means_the_default(body, secretary):
    services.update_standard_agenda(secretary, body, "Eigener Punkt")
    services.update_standard_agenda(secretary, body, "\n".join(DEFAULT_AGENDA))
    assert body.standard_agenda == ""
    services.update_standard_agenda(secretary, body, "Eigener Punkt")
    services.update_standard_agenda(secretary, body, "   \n ")
    assert body.standard_agenda == "" and services.standard_agenda(body) == list(DEFAULT_AGENDA)


@pytest.mark.parametrize("text", ["x" * 301, "\n".join(f"Punkt {n}" for n in range(51))], ids=["long-line", "too-many"])
def test_a_standard_agenda_too_long_is_refused(body, secretary, text):
    with pytest.raises(DomainError) as caught:
        services.update_standard_agenda(secretary, body, text)
    assert caught.value.field == "standard_agenda"
    db.session.rollback()
    assert body.standard_agenda == ""


def test_a_dissolved_bodys_standard_agenda_stays(secretary):
    from datetime import date

    dissolved = BodyFactory(dissolved_on=date(2020, 6, 1))
    with pytest.raises(ConflictError):
        services.update_standard_agenda(secretary, dissolved, "Neu")


# Numbering and visibility


def test_items_are_numbered_with_sub_items(meeting, secretary):
    items_of(meeting, "Eröffnung", "Bericht", "Projekte", "Verschiedenes")
    projects = db.session.scalars(select(AgendaItem).filter_by(title="Projekte")).one()
    services.add_item(secretary, meeting, ItemData(title="Registermodernisierung"), parent=projects)
    services.add_item(secretary, meeting, ItemData(title="Portalverbund"), parent=projects)
    assert numbers(meeting, secretary) == [
        ("1", "Eröffnung"),
        ("2", "Bericht"),
        ("3", "Projekte"),
        ("3.1", "Registermodernisierung"),
        ("3.2", "Portalverbund"),
        ("4", "Verschiedenes"),
    ]
    agenda = services.numbered_agenda(meeting, secretary)
    assert [entry.depth for entry in agenda] == [0, 0, 0, 1, 1, 0]
    assert (agenda[0].first, agenda[0].last, agenda[5].last, agenda[3].first, agenda[4].last) == (
        True,
        False,
        True,
        True,
        True,
    )


def test_sub_items_go_one_level_deep_only(meeting, secretary):
    [top] = items_of(meeting, "Projekte")
    sub = services.add_item(secretary, meeting, ItemData(title="Unterpunkt"), parent=top)
    with pytest.raises(DomainError):
        services.add_item(secretary, meeting, ItemData(title="Unter-Unterpunkt"), parent=sub)
    other = AgendaItemFactory(meeting=MeetingFactory(body=meeting.body))
    with pytest.raises(DomainError):
        services.add_item(secretary, meeting, ItemData(title="Fremd"), parent=other)
    assert count_rows(AgendaItem) == 3


def test_non_public_items_and_their_files_are_hidden_from_non_members(meeting, member):
    opening, secret, misc = items_of(meeting, "Eröffnung", "Personalangelegenheit", "Verschiedenes")
    secret.public = False
    under_secret = AgendaItemFactory(meeting=meeting, parent=secret, position=1, title="Vertrag", public=True)
    hidden_sub = AgendaItemFactory(meeting=meeting, parent=opening, position=1, title="Vertraulich", public=False)
    AttachmentFactory(meeting=meeting, agenda_item=secret, filename="geheim.pdf")
    AttachmentFactory(meeting=meeting, agenda_item=under_secret, filename="vertrag.pdf")
    AttachmentFactory(meeting=meeting, agenda_item=opening, filename="einladung.pdf")
    AttachmentFactory(meeting=meeting, agenda_item=None, filename="sitzung.pdf")
    db.session.commit()

    outsider = AccountFactory()
    assert numbers(meeting, outsider) == [("1", "Eröffnung"), ("3", "Verschiedenes")]
    agenda = services.numbered_agenda(meeting, outsider)
    files = [attachment.filename for entry in agenda for attachment in entry.attachments]
    assert files == ["einladung.pdf"]
    assert [attachment.filename for attachment in agenda.attachments] == ["sitzung.pdf"]

    from flask_login import AnonymousUserMixin

    assert numbers(meeting, AnonymousUserMixin()) == numbers(meeting, outsider)
    for insider in (member, OrganiserFactory()):
        assert numbers(meeting, insider) == [
            ("1", "Eröffnung"),
            ("1.1", "Vertraulich"),
            ("2", "Personalangelegenheit"),
            ("2.1", "Vertrag"),
            ("3", "Verschiedenes"),
        ]
    files = [a.filename for entry in services.numbered_agenda(meeting, member) for a in entry.attachments]
    assert sorted(files) == ["einladung.pdf", "geheim.pdf", "vertrag.pdf"]
    assert hidden_sub.id is not None


def test_a_former_member_no_longer_sees_non_public_items(meeting):
    from datetime import date

    former = MembershipFactory(body=meeting.body, start_on=date(2019, 1, 1), end_on=date(2020, 1, 1)).account
    items_of(meeting, "Öffentlich")
    AgendaItemFactory(meeting=meeting, position=2, title="Nichtöffentlich", public=False)
    assert numbers(meeting, former) == [("1", "Öffentlich")]


def test_numbered_agenda_runs_two_statements_for_5_or_50_items(app, body, count_statements):
    organiser = OrganiserFactory()
    counts = []
    for size in (5, 50):
        meeting = MeetingFactory(body=body)
        for position in range(1, size + 1):
            item = AgendaItemFactory(meeting=meeting, position=position, public=position % 3 != 0)
            AgendaItemFactory(meeting=meeting, parent=item, position=1)
            AttachmentFactory(meeting=meeting, agenda_item=item)
        AttachmentFactory(meeting=meeting)
        meeting = db.session.get(Meeting, meeting.id)
        assert meeting.body is body and organiser.is_authenticated and organiser.role  # loaded before counting
        with count_statements() as counter:
            agenda = services.numbered_agenda(meeting, organiser)
            shown = [(entry.number, entry.item.title, [a.filename for a in entry.attachments]) for entry in agenda]
        assert len(shown) == 2 * size
        counts.append(counter.count)
    assert counts == [2, 2]


def test_numbered_agenda_for_a_member_stays_flat_too(app, body, member, count_statements):
    counts = []
    for size in (5, 50):
        meeting = MeetingFactory(body=body)
        for position in range(1, size + 1):
            item = AgendaItemFactory(meeting=meeting, position=position)
            AttachmentFactory(meeting=meeting, agenda_item=item)
        db.session.expire_all()
        with count_statements() as counter:
            assert len(services.numbered_agenda(meeting, member)) == size
        counts.append(counter.count)
    # Everything expired: the meeting, the account, the body, the roles, then the items and the attachments.
    assert counts[0] == counts[1] <= 6


# Editing


def test_add_an_item_at_the_end(meeting, secretary):
    items_of(meeting, "Eröffnung", "Verschiedenes")
    item = services.add_item(
        secretary,
        meeting,
        ItemData(
            title="  Haushalt 2031 ",
            description="**Vorlage** folgt",
            public=False,
            presenter=" Frau Beispiel ",
            planned_minutes=30,
        ),
    )
    assert (item.position, item.title, item.presenter, item.planned_minutes, item.public) == (
        3,
        "Haushalt 2031",
        "Frau Beispiel",
        30,
        False,
    )
    assert item.description == "**Vorlage** folgt"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ItemData(title="   "), "title"),
        (ItemData(title="x" * 301), "title"),
        (ItemData(title="ok", presenter="p" * 201), "presenter"),
        (ItemData(title="ok", planned_minutes=0), "planned_minutes"),
        (ItemData(title="ok", planned_minutes=1441), "planned_minutes"),
        (ItemData(title="ok", description="d" * 20001), "description"),
    ],
    ids=["blank-title", "long-title", "long-presenter", "zero-minutes", "too-many-minutes", "long-description"],
)
def test_bad_item_data_is_a_field_error_and_writes_nothing(meeting, secretary, data, field):
    [item] = items_of(meeting, "Eröffnung")
    with pytest.raises(DomainError) as caught:
        services.add_item(secretary, meeting, data)
    assert caught.value.field == field
    with pytest.raises(DomainError):
        services.update_item(secretary, item, data)
    db.session.rollback()
    assert count_rows(AgendaItem) == 1 and item.title == "Eröffnung"


def test_update_an_item(meeting, secretary):
    [item] = items_of(meeting, "Eröffnung")
    services.update_item(
        secretary, item, ItemData(title="Begrüßung", public=False, presenter="Vorsitz", planned_minutes=5)
    )
    db.session.expire_all()
    assert (item.title, item.public, item.presenter, item.planned_minutes) == ("Begrüßung", False, "Vorsitz", 5)


def test_moving_up_and_down_keeps_positions_without_gaps(meeting, secretary):
    first, second, third = items_of(meeting, "A", "B", "C")
    assert services.move_item(secretary, third, "up") is True
    assert positions(meeting) == [(1, "A"), (2, "C"), (3, "B")]
    assert services.move_item(secretary, first, "down") is True
    assert positions(meeting) == [(1, "C"), (2, "A"), (3, "B")]
    # The first item up and the last item down: nothing happens, and no error.
    assert services.move_item(secretary, third, "up") is False
    assert services.move_item(secretary, second, "down") is False
    assert positions(meeting) == [(1, "C"), (2, "A"), (3, "B")]


def test_sub_items_move_among_their_siblings_only(meeting, secretary):
    top, other = items_of(meeting, "Projekte", "Verschiedenes")
    a = services.add_item(secretary, meeting, ItemData(title="a"), parent=top)
    b = services.add_item(secretary, meeting, ItemData(title="b"), parent=top)
    services.move_item(secretary, b, "up")
    assert positions(meeting, top) == [(1, "b"), (2, "a")]
    assert services.move_item(secretary, b, "up") is False
    assert positions(meeting) == [(1, "Projekte"), (2, "Verschiedenes")]
    assert a.parent_id == top.id and other.position == 2


def test_moving_repairs_gaps_left_by_older_data(meeting, secretary):
    a = AgendaItemFactory(meeting=meeting, position=2, title="A")
    AgendaItemFactory(meeting=meeting, position=7, title="B")
    services.move_item(secretary, a, "up")
    assert positions(meeting) == [(1, "A"), (2, "B")]


def test_delete_an_item_with_its_sub_items_and_files(meeting, secretary, attachment_folder):
    first, second, third = items_of(meeting, "A", "B", "C")
    sub = services.add_item(secretary, meeting, ItemData(title="B.1"), parent=second)
    stored = attachment_folder / "abc123"
    attachment_folder.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"%PDF-")
    AttachmentFactory(meeting=meeting, agenda_item=sub, stored_name="abc123")
    AttachmentFactory(meeting=meeting, agenda_item=first)
    services.delete_item(secretary, second)
    assert positions(meeting) == [(1, "A"), (2, "C")]
    assert count_rows(AgendaItem) == 2 and count_rows(Attachment) == 1
    assert not stored.exists()


def test_delete_a_sub_item_renumbers_its_siblings(meeting, secretary):
    [top] = items_of(meeting, "Projekte")
    a = services.add_item(secretary, meeting, ItemData(title="a"), parent=top)
    services.add_item(secretary, meeting, ItemData(title="b"), parent=top)
    services.delete_item(secretary, a)
    assert positions(meeting, top) == [(1, "b")]
    assert numbers(meeting, secretary) == [("1", "Projekte"), ("1.1", "b")]


def test_a_held_meetings_agenda_is_read_only(meeting, secretary):
    [item] = items_of(meeting, "Eröffnung")
    meeting.status = MeetingStatus.HELD
    db.session.commit()
    for change in (
        lambda: services.add_item(secretary, meeting, ItemData(title="Neu")),
        lambda: services.update_item(secretary, item, ItemData(title="Neu")),
        lambda: services.delete_item(secretary, item),
        lambda: services.move_item(secretary, item, "up"),
    ):
        with pytest.raises(ConflictError):
            change()
    db.session.rollback()
    assert positions(meeting) == [(1, "Eröffnung")]


def test_a_cancelled_meetings_agenda_can_still_change(meeting, secretary):
    meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    services.add_item(secretary, meeting, ItemData(title="Neu"))
    assert positions(meeting) == [(1, "Neu")]


def test_get_item_only_finds_items_of_the_meeting(meeting):
    [item] = items_of(meeting, "A")
    other = MeetingFactory(body=meeting.body)
    assert services.get_item(meeting, item.id) is item
    assert services.get_item(other, item.id) is None
    assert services.get_item(meeting, 999999) is None
    assert services.get_item(meeting, None) is None


# The predicates


def test_can_edit_agenda_until_the_meeting_is_held(meeting, secretary, member):
    from app.permissions import can_edit_agenda

    assert can_edit_agenda(secretary, meeting) and not can_edit_agenda(member, meeting)
    meeting.status = MeetingStatus.HELD
    assert not can_edit_agenda(secretary, meeting) and not can_edit_agenda(OrganiserFactory(), meeting)


def test_can_view_agenda_item_and_attachment(meeting, member):
    from flask_login import AnonymousUserMixin

    from app.permissions import can_view_agenda_item, can_view_attachment

    secret = AgendaItemFactory(meeting=meeting, public=False)
    under = AgendaItemFactory(meeting=meeting, parent=secret, position=1, public=True)
    open_item = AgendaItemFactory(meeting=meeting, public=True)
    anonymous = AnonymousUserMixin()
    assert can_view_agenda_item(anonymous, open_item)
    assert not can_view_agenda_item(anonymous, secret) and not can_view_agenda_item(anonymous, under)
    assert can_view_agenda_item(member, secret) and can_view_agenda_item(member, under)
    on_meeting = AttachmentFactory(meeting=meeting)
    on_secret = AttachmentFactory(meeting=meeting, agenda_item=secret)
    assert can_view_attachment(anonymous, on_meeting) and not can_view_attachment(anonymous, on_secret)
    assert can_view_attachment(member, on_secret)


def test_a_standalone_events_non_public_items_are_for_organisers(app):
    from flask_login import AnonymousUserMixin

    event = MeetingFactory(body=None, public=True)
    items_of(event, "Begrüßung")
    AgendaItemFactory(meeting=event, position=2, title="Intern", public=False)
    assert numbers(event, AnonymousUserMixin()) == [("1", "Begrüßung")]
    assert numbers(event, AccountFactory()) == [("1", "Begrüßung")]
    assert numbers(event, OrganiserFactory()) == [("1", "Begrüßung"), ("2", "Intern")]
