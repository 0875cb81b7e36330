"""Attendance routes: the form per role and visibility, saving with stand-ins and guests, errors on the form,
the freeze after approval (409), the conflicts of interest page, CSRF, and a flat number of statements."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceStatus,
    ConflictOfInterest,
    Invitation,
    MeetingStatus,
    MembershipRole,
    MinutesStatus,
    Visibility,
)
from tests.factories import AccountFactory, StateOrganisationFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import MembershipFactory, count_rows, html, log_in, log_out
from tests.factories_invitations import FutureMeetingFactory
from tests.factories_minutes import make_sitting

ROLES = ["anonymous", "outsider", "member", "secretary", "chair", "deputy", "organiser", "admin"]
RECORDERS = {"secretary", "organiser", "admin"}


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


@pytest.fixture
def sitting(app):
    return make_sitting(Visibility.PUBLIC)


def act_as(client, sitting, who: str) -> None:
    if who == "anonymous":
        log_out(client)
    else:
        log_in(client, getattr(sitting.cast, who))


def url(sitting) -> str:
    return f"/attendance/{sitting.meeting.id}"


def conflicts_url(sitting, item=None) -> str:
    return f"/attendance/{sitting.meeting.id}/items/{(item or sitting.public_item).id}/conflicts"


def form_data(sitting, present=(), excused=(), stand_ins=None, **extra) -> dict:
    """Every member of the sitting with a status (absent unless named) and "stands in for" (nobody unless named)."""
    stand_ins = stand_ins or {}
    data = {}
    for account in sitting.cast.members():
        status = "present" if account in present else "excused" if account in excused else "absent"
        data[f"status_{account.id}"] = status
        data[f"for_{account.id}"] = str(stand_ins[account].id) if account in stand_ins else "0"
    data.update(extra)
    return data


def saved(sitting) -> dict:
    rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == sitting.meeting.id))
    return {row.account_id or row.guest_name: row.status for row in rows}


def expected_status(who: str, visibility: Visibility) -> int:
    if who in RECORDERS:
        return 200
    if visibility is Visibility.CONFIDENTIAL and who in ("anonymous", "outsider"):
        return 404
    return 302 if who == "anonymous" else 403


# Who may open the pages


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("who", ROLES)
def test_who_may_record_attendance(client, who, visibility):
    sitting = make_sitting(visibility)
    act_as(client, sitting, who)
    status = expected_status(who, visibility)
    for target in (url(sitting), conflicts_url(sitting), conflicts_url(sitting, sitting.closed_item)):
        response = client.get(target)
        assert response.status_code == status, target
        if status == 302:
            assert "/auth/login" in response.headers["Location"]
        if status != 200:
            assert client.post(target, data={}).status_code == status
    assert count_rows(Attendance) == 0 and count_rows(ConflictOfInterest) == 0


def test_missing_meetings_and_items_are_404(client, sitting):
    log_in(client, sitting.cast.secretary)
    assert client.get("/attendance/999999").status_code == 404
    assert client.get(f"/attendance/{2**40}").status_code == 404
    assert client.get(f"/attendance/{sitting.meeting.id}/items/999999/conflicts").status_code == 404
    assert client.get(f"/attendance/{sitting.meeting.id}/items/{2**40}/conflicts").status_code == 404
    other = make_sitting(Visibility.PUBLIC)
    assert client.get(conflicts_url(sitting, other.public_item)).status_code == 404  # an item of another meeting


def test_an_invited_guest_of_a_confidential_body_may_not_record(client):
    sitting = make_sitting(Visibility.CONFIDENTIAL)
    guest = AccountFactory()
    db.session.add(Invitation(meeting=sitting.meeting, account=guest, is_guest=True))
    db.session.commit()
    log_in(client, guest)
    assert client.get(url(sitting)).status_code == 403


def test_a_non_public_item_is_hidden_from_who_may_not_see_it(client, sitting, app):
    """An organiser sees non-public items; should the predicate ever refuse, the item answers 404 (not 403)."""
    log_in(client, sitting.cast.organiser)
    assert client.get(conflicts_url(sitting, sitting.closed_item)).status_code == 200
    from app import permissions

    original = permissions.can_see_non_public_items
    permissions.can_see_non_public_items = lambda actor, meeting: False
    try:
        assert client.get(conflicts_url(sitting, sitting.closed_item)).status_code == 404
        assert client.get(conflicts_url(sitting)).status_code == 200
    finally:
        permissions.can_see_non_public_items = original


# The form


def test_the_form_lists_everyone_expected_and_the_saved_quorum(client, sitting):
    cast = sitting.cast
    guest = AccountFactory(display_name="Gerd Gast")
    db.session.add(Invitation(meeting=sitting.meeting, account=guest, is_guest=True))
    db.session.add(Invitation(meeting=sitting.meeting, account=cast.member, answer="declined"))
    db.session.commit()
    log_in(client, cast.secretary)
    page = html(client.get(url(sitting)))
    for name in ("Chris Chair", "Dana Deputy", "Sam Secretary", "Mia Müller", "Gerd Gast"):
        assert name in page
    assert "No attendance has been recorded yet." in page
    assert "quorum" not in page.split('id="saved-heading"')[1].split("</section>")[0]  # nothing to count yet
    assert f'name="status_{guest.id}"' in page and f'name="for_{guest.id}"' in page
    assert re.search(rf'value="excused"[^>]*checked[^>]*name="status_{cast.member.id}"|'
                     rf'name="status_{cast.member.id}"[^>]*value="excused"[^>]*checked|'
                     rf'checked[^>]*name="status_{cast.member.id}"[^>]*value="excused"', page)  # the declined answer
    assert page.count('name="guests-') == 6  # three empty rows: name and organisation
    assert "Vergabe Rechenzentrum" in page  # the non-public item, for the secretary's conflicts
    assert '<th scope="row"' in page and "Attendance of Mia Müller" in page


def test_saving_records_and_redirects(client, sitting, app):
    cast = sitting.cast
    substitute = MembershipFactory(body=cast.body, role=MembershipRole.SUBSTITUTE).account
    log_in(client, cast.secretary)
    data = form_data(sitting, present=[cast.chair, cast.secretary], excused=[cast.member])
    data.update({f"status_{substitute.id}": "present", f"for_{substitute.id}": str(cast.member.id),
                 "guests-0-name": "Frau Presse", "guests-0-organisation": "Landeszeitung", "guests-1-name": "",
                 "guests-1-organisation": ""})
    response = client.post(url(sitting), data=data)
    assert response.status_code == 302
    target = f"/minutes/{sitting.meeting.id}" if "minutes.detail" in app.view_functions else url(sitting)
    assert response.headers["Location"].endswith(target)
    assert saved(sitting) == {
        cast.chair.id: AttendanceStatus.PRESENT,
        cast.deputy.id: AttendanceStatus.ABSENT,
        cast.secretary.id: AttendanceStatus.PRESENT,
        cast.member.id: AttendanceStatus.EXCUSED,
        substitute.id: AttendanceStatus.PRESENT,
        "Frau Presse": AttendanceStatus.PRESENT,
    }
    page = html(client.get(url(sitting)))
    assert "The body had a quorum: 2 of 3 voting members present (2 needed)." in page
    assert "standing in for Mia Müller" in page and "Frau Presse (Landeszeitung)" in page
    assert 'value="Frau Presse"' in page  # the saved guest is on the form again


def test_errors_go_back_to_the_form_and_save_nothing(client, sitting):
    cast = sitting.cast
    log_in(client, cast.secretary)
    data = form_data(sitting, present=[cast.chair, cast.deputy], stand_ins={cast.deputy: cast.chair})
    response = client.post(url(sitting), data=data)
    assert response.status_code == 200
    page = html(response)
    assert "Chris Chair is present; nobody can stand in for them." in page
    assert f'id="for_{cast.deputy.id}-error"' in page and 'aria-invalid="true"' in page
    data = form_data(sitting)
    del data[f"status_{cast.member.id}"]
    page = html(client.post(url(sitting), data=data))
    assert "Please choose present, excused or absent for Mia Müller." in page
    page = html(client.post(url(sitting), data=form_data(sitting, **{"guests-0-organisation": "Presse"})))
    assert "Please enter the guest&#39;s name." in page or "Please enter the guest's name." in page
    page = html(client.post(url(sitting), data=form_data(sitting, **{"guests-0-name": "x" * 201})))
    assert "Field cannot be longer than 200 characters." in page
    page = html(client.post(url(sitting), data=form_data(sitting, **{f"status_{cast.chair.id}": "asleep"})))
    assert "Please choose present, excused or absent for Chris Chair." in page
    assert client.post(url(sitting), data=form_data(sitting, **{f"for_{cast.chair.id}": "abc"})).status_code == 200
    assert count_rows(Attendance) == 0


def test_absurd_guest_rows_are_no_error(client, sitting):
    log_in(client, sitting.cast.secretary)
    data = form_data(sitting, **{"guests-5000-name": "Fern", "guests-x-name": "Kaputt", "guests--1-name": "Minus"})
    assert client.post(url(sitting), data=data).status_code in (200, 302)
    data = form_data(sitting, **{f"guests-{n}-name": f"Gast {n}" for n in range(150)})
    response = client.post(url(sitting), data=data)
    assert response.status_code in (200, 302)
    assert count_rows(Attendance) <= 4 + 100


def test_more_guest_rows(client, sitting):
    log_in(client, sitting.cast.secretary)
    response = client.post(url(sitting), data=form_data(sitting, more_rows="1"))
    assert response.status_code == 200
    assert html(response).count('name="guests-') == 12
    assert count_rows(Attendance) == 0


def test_a_meeting_to_come_or_cancelled_shows_why_not(client, sitting):
    cast = sitting.cast
    future = FutureMeetingFactory(body=cast.body)
    log_in(client, cast.secretary)
    page = html(client.get(f"/attendance/{future.id}"))
    assert "has not started yet" in page and "attendance-form" not in page
    response = client.post(f"/attendance/{future.id}", data={f"status_{cast.chair.id}": "present"})
    assert response.status_code == 200 and "has not started yet" in html(response)
    sitting.meeting.status = MeetingStatus.CANCELLED
    db.session.commit()
    assert "has been cancelled" in html(client.get(url(sitting)))
    assert client.post(url(sitting), data=form_data(sitting)).status_code == 200
    assert count_rows(Attendance) == 0


def test_approved_minutes_are_frozen(client, sitting):
    cast = sitting.cast
    log_in(client, cast.secretary)
    assert client.post(url(sitting), data=form_data(sitting, present=[cast.chair])).status_code == 302
    sitting.minutes.status = MinutesStatus.APPROVED
    db.session.commit()
    page = html(client.get(url(sitting)))
    assert "can no longer be changed" in page and "attendance-form" not in page
    assert client.post(url(sitting), data=form_data(sitting, present=[cast.member])).status_code == 409
    assert client.post(url(sitting), data={}).status_code == 409
    assert saved(sitting)[cast.chair.id] is AttendanceStatus.PRESENT
    assert "can no longer be changed" in html(client.get(conflicts_url(sitting)))
    response = client.post(conflicts_url(sitting), data={"account_ids": [str(cast.member.id)]})
    assert response.status_code == 409
    assert count_rows(ConflictOfInterest) == 0


def test_an_event_without_a_body(client, app):
    from tests.factories_minutes import HeldMeetingFactory

    event = HeldMeetingFactory(body=None, public=True)
    person = AccountFactory(display_name="Petra Person")
    db.session.add(Invitation(meeting=event, account=person))
    db.session.commit()
    organiser = make_sitting(Visibility.PUBLIC).cast.organiser
    log_in(client, organiser)
    page = html(client.get(f"/attendance/{event.id}"))
    assert "Petra Person" in page and "Stands in for" not in page and "quorum" not in page
    response = client.post(f"/attendance/{event.id}", data={f"status_{person.id}": "present",
                                                            "guests-0-name": "Walk-in"})
    assert response.status_code == 302
    assert count_rows(Attendance) == 2


def test_the_form_runs_the_same_statements_for_few_or_many(client, count_statements):
    counts = []
    for size in (1, 25):
        sitting = make_sitting(Visibility.PUBLIC, parity_required=True)
        state = StateOrganisationFactory()
        for index in range(size):
            MembershipFactory(body=sitting.cast.body, organisation=state if index % 2 else None)
            db.session.add(Invitation(meeting=sitting.meeting, account=AccountFactory(), is_guest=True))
        db.session.commit()
        log_in(client, sitting.cast.secretary)
        client.post(url(sitting), data={"more_rows": "1"})  # warm up the session's loaded user
        db.session.expire_all()
        with count_statements() as counter:
            assert client.get(url(sitting)).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_saving_needs_the_csrf_token(csrf_app, sitting):
    client = csrf_app.test_client()
    log_in(client, sitting.cast.secretary)
    assert client.post(url(sitting), data=form_data(sitting)).status_code == 400
    assert client.post(conflicts_url(sitting), data={}).status_code == 400
    assert count_rows(Attendance) == 0


# Conflicts of interest


def test_recording_conflicts(client, sitting, app):
    cast = sitting.cast
    log_in(client, cast.secretary)
    page = html(client.get(conflicts_url(sitting)))
    assert "Conflicts of interest: item 1" in page and "Antragsassistent" in page
    for name in ("Chris Chair", "Dana Deputy", "Sam Secretary", "Mia Müller"):
        assert name in page
    response = client.post(conflicts_url(sitting), data={"account_ids": [str(cast.member.id)], "reason": "Anbieter"})
    assert response.status_code == 302
    target = f"/minutes/{sitting.meeting.id}" if "minutes.detail" in app.view_functions else conflicts_url(sitting)
    assert response.headers["Location"].endswith(target)
    rows = db.session.scalars(select(ConflictOfInterest)).all()
    assert [(row.agenda_item_id, row.account_id, row.reason) for row in rows] == [
        (sitting.public_item.id, cast.member.id, "Anbieter")
    ]
    page = html(client.get(conflicts_url(sitting)))
    assert "Mia Müller – Anbieter" in page
    assert "For this item:" in page and "0 of 2 voting members present" in page
    page = html(client.get(url(sitting)))
    assert "excluded: Mia Müller" in page


def test_conflicts_errors(client, sitting):
    cast = sitting.cast
    log_in(client, cast.secretary)
    response = client.post(conflicts_url(sitting), data={"account_ids": [str(cast.outsider.id)]})
    assert response.status_code == 200 and "Only members of the body can be excluded" in html(response)
    response = client.post(conflicts_url(sitting), data={"account_ids": ["abc"]})
    assert response.status_code == 200
    response = client.post(conflicts_url(sitting), data={"account_ids": [str(cast.member.id)], "reason": "r" * 301})
    assert response.status_code == 200
    assert count_rows(ConflictOfInterest) == 0


def test_conflicts_of_a_non_public_item_for_the_secretary(client, sitting):
    cast = sitting.cast
    log_in(client, cast.secretary)
    page = html(client.get(conflicts_url(sitting, sitting.closed_item)))
    assert "Vergabe Rechenzentrum" in page and "non-public" in page
    response = client.post(conflicts_url(sitting, sitting.closed_item), data={"account_ids": [str(cast.chair.id)]})
    assert response.status_code == 302
    assert db.session.scalar(select(ConflictOfInterest.account_id)) == cast.chair.id


def test_conflicts_of_an_item_with_sub_items(client, sitting):
    sub = AgendaItemFactory(meeting=sitting.meeting, parent=sitting.public_item, position=1, title="Teilpunkt")
    log_in(client, sitting.cast.secretary)
    assert "Conflicts of interest: item 1.1" in html(client.get(conflicts_url(sitting, sub)))
