"""The audit trail: entries for every change, the admins' log with filters, a body's history, no edits."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from app.audit import services as audit
from app.bodies import services
from app.clock import today
from app.errors import DomainError
from app.extensions import db
from app.models import Account, AuditEntry, BodyKind, MembershipRole, Organisation, Visibility
from tests.factories import AccountFactory, AdminFactory, OrganisationFactory, OrganiserFactory
from tests.factories_bodies import (
    START,
    BodyFactory,
    MembershipFactory,
    body_data,
    count_rows,
    data_of,
    html,
    log_in,
    membership_data,
)


def entries(**filters) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).filter_by(**filters).order_by(AuditEntry.id)))


def only_entry(**filters) -> AuditEntry:
    found = entries(**filters)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def organiser(app):
    return OrganiserFactory(display_name="Olga Organisatorin", locale="en")


@pytest.fixture
def admin(app):
    return AdminFactory(display_name="Adam Admin", locale="en")


# Bodies and memberships


def test_creating_a_body_records_who_and_every_field(organiser):
    parent = BodyFactory()
    body = services.create_body(
        organiser,
        body_data(name="AG Register", code="AGREG", parent=parent, parity_required=True, founded_on=date(2024, 1, 2)),
    )
    entry = only_entry(object_type="body", object_id=body.id)
    assert (entry.actor_id, entry.action, entry.body_id, entry.summary) == (
        organiser.id,
        "create",
        body.id,
        "AG Register",
    )
    assert entry.created_at is not None and entry.created_at.tzinfo is not None
    assert entry.changes["name"] == [None, "AG Register"]
    assert entry.changes["code"] == [None, "AGREG"]
    assert entry.changes["kind"] == [None, "working_group"]
    assert entry.changes["parent_id"] == [None, parent.id]
    assert entry.changes["parity_required"] == [None, True]
    assert entry.changes["founded_on"] == [None, "2024-01-02"]
    assert "mandate" not in entry.changes and "dissolved_on" not in entry.changes  # empty fields are left out


def test_editing_a_body_records_only_the_changed_fields(organiser):
    body = services.create_body(organiser, body_data(name="Alt", mandate="Erst"))
    services.update_body(organiser, body, data_of(body, name="Neu", visibility=Visibility.PUBLIC, mandate="Erst"))
    entry = entries(object_type="body", object_id=body.id)[-1]
    assert entry.action == "update" and entry.actor_id == organiser.id
    assert entry.changes == {"name": ["Alt", "Neu"], "visibility": ["internal", "public"]}


def test_an_edit_that_changes_nothing_writes_no_entry(organiser):
    body = services.create_body(organiser, body_data())
    before = count_rows(AuditEntry)
    services.update_body(organiser, body, data_of(body))
    services.update_body(organiser, body, data_of(body, code=body.code.lower(), name=f"  {body.name} "))
    assert count_rows(AuditEntry) == before


def test_memberships_record_add_edit_and_end(organiser):
    body = BodyFactory()
    account = AccountFactory(display_name="Mara Mitglied")
    membership = services.add_membership(organiser, body, membership_data(account, role=MembershipRole.SECRETARY))
    created = only_entry(object_type="membership", action="create")
    assert (created.object_id, created.body_id, created.actor_id, created.summary) == (
        membership.id,
        body.id,
        organiser.id,
        "Mara Mitglied",
    )
    assert created.changes == {
        "account_id": [None, account.id],
        "role": [None, "secretary"],
        "organisation_id": [None, account.organisation_id],
        "voting": [None, True],
        "start_on": [None, START.isoformat()],
    }
    services.update_membership(
        organiser, membership, membership_data(account, role=MembershipRole.SECRETARY, voting=False)
    )
    updated = only_entry(object_type="membership", action="update")
    assert updated.changes == {"voting": [True, False]}
    services.update_membership(
        organiser, membership, membership_data(account, role=MembershipRole.SECRETARY, voting=False)
    )
    assert len(entries(object_type="membership", action="update")) == 1
    services.end_membership(organiser, membership, today())
    ended = only_entry(object_type="membership", action="end")
    assert ended.changes == {"end_on": [None, today().isoformat()]}
    assert ended.body_id == body.id


def test_a_refused_change_writes_no_entry(organiser):
    body = BodyFactory(code="ITKR")
    MembershipFactory(body=body, role=MembershipRole.CHAIR)
    before = count_rows(AuditEntry)
    with pytest.raises(DomainError):
        services.create_body(organiser, body_data(code="ITKR"))
    with pytest.raises(DomainError):
        services.add_membership(organiser, body, membership_data(AccountFactory(), role=MembershipRole.CHAIR))
    assert count_rows(AuditEntry) == before


def test_the_routes_record_the_logged_in_person(client, organiser):
    chair = MembershipFactory(body=BodyFactory(code="AGX"), role=MembershipRole.CHAIR).account
    log_in(client, organiser)
    client.post(
        "/bodies/create",
        data={"name": "Neue Runde", "code": "NEU", "kind": "other", "level": "joint", "parent_id": 0,
              "visibility": "internal", "quorum": "more_than_half"},
    )  # fmt: skip
    assert only_entry(object_type="body", action="create").actor_id == organiser.id
    log_in(client, chair)
    newcomer = AccountFactory()
    client.post(
        "/bodies/AGX/members/add",
        data={"account_id": newcomer.id, "role": "member", "organisation_id": 0, "start_on": "2024-01-01"},
    )
    assert only_entry(object_type="membership", action="create").actor_id == chair.id


# Accounts and organisations


def test_account_changes_write_entries(client, admin, outbox):
    organisation = OrganisationFactory()
    log_in(client, admin)
    response = client.post(
        "/accounts/invite",
        data={"display_name": "Ines Neu", "email": "ines@example.org", "organisation_id": organisation.id,
              "role": "none", "locale": "de"},
    )  # fmt: skip
    assert response.status_code == 302
    invited = db.session.scalars(select(Account).filter_by(email="ines@example.org")).one()
    entry = only_entry(object_type="account", object_id=invited.id)
    assert (entry.action, entry.actor_id) == ("invite", admin.id)
    assert entry.changes["email"] == [None, "ines@example.org"]

    response = client.post(
        f"/accounts/{invited.id}/edit",
        data={"display_name": "Ines Neumann", "email": "ines@example.org", "organisation_id": organisation.id,
              "role": "organiser"},
    )  # fmt: skip
    assert response.status_code == 302
    edited = entries(object_type="account", object_id=invited.id, action="update")[-1]
    assert edited.actor_id == admin.id
    assert edited.changes == {"display_name": ["Ines Neu", "Ines Neumann"], "role": ["none", "organiser"]}

    assert client.post(f"/accounts/{invited.id}/deactivate").status_code == 302
    deactivated = only_entry(object_type="account", object_id=invited.id, action="deactivate")
    assert deactivated.changes == {"active": [True, False]} and deactivated.actor_id == admin.id


def test_profile_changes_write_an_entry_by_the_person(client, app):
    person = AccountFactory(display_name="Paula Profil", locale="de")
    log_in(client, person)
    response = client.post(
        "/accounts/profile", data={"display_name": "Paula Profil", "locale": "en", "timezone": "Europe/Lisbon"}
    )
    assert response.status_code == 302
    entry = only_entry(object_type="account", object_id=person.id)
    assert (entry.action, entry.actor_id) == ("update", person.id)
    assert entry.changes == {"locale": ["de", "en"], "timezone": ["Europe/Berlin", "Europe/Lisbon"]}


def test_organisation_changes_write_entries(client, admin):
    log_in(client, admin)
    response = client.post(
        "/organisations/create",
        data={"name": "Gemeinde Testheim", "short_name": "TH", "kind": "municipality", "level": "municipal",
              "ags": "10041100", "parent_id": 0},
    )  # fmt: skip
    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation).filter_by(name="Gemeinde Testheim")).one()
    created = only_entry(object_type="organisation", object_id=organisation.id)
    assert (created.action, created.actor_id, created.changes["ags"]) == ("create", admin.id, [None, "10041100"])
    response = client.post(
        f"/organisations/{organisation.id}/edit",
        data={"name": "Gemeinde Testheim", "short_name": "TSTH", "kind": "municipality", "level": "municipal",
              "ags": "10041100", "parent_id": 0},
    )  # fmt: skip
    assert response.status_code == 302
    updated = only_entry(object_type="organisation", object_id=organisation.id, action="update")
    assert updated.changes == {"short_name": ["TH", "TSTH"]} and updated.actor_id == admin.id


# The admins' log


def _summaries(response) -> list[str]:
    return re.findall(
        r"(?:created|changed|ended|invited|deactivated|reactivated)(?: · \w+ #\d+)?: ([^<]+)</td>", html(response)
    )


def test_only_admins_see_the_audit_log(client, organiser, admin):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    log_in(client, organiser)
    assert client.get("/audit/").status_code == 403
    log_in(client, MembershipFactory(role=MembershipRole.CHAIR).account)
    assert client.get("/audit/").status_code == 403
    log_in(client, admin)
    assert client.get("/audit/").status_code == 200


def test_the_audit_log_filters_by_object_and_person(client, organiser, admin):
    alpha = services.create_body(admin, body_data(name="Alpha Runde", code="ALPHA"))
    services.create_body(organiser, body_data(name="Beta Runde", code="BETA"))
    services.add_membership(organiser, alpha, membership_data(AccountFactory(display_name="Mona Mitglied")))
    log_in(client, admin)

    everything = client.get("/audit/")
    assert _summaries(everything) == ["Mona Mitglied", "Beta Runde", "Alpha Runde"]  # newest first
    assert _summaries(client.get("/audit/?object_type=membership")) == ["Mona Mitglied"]
    assert _summaries(client.get("/audit/?object_type=body")) == ["Beta Runde", "Alpha Runde"]
    assert _summaries(client.get(f"/audit/?object_type=body&object_id={alpha.id}")) == ["Alpha Runde"]
    assert _summaries(client.get(f"/audit/?actor={organiser.id}")) == ["Mona Mitglied", "Beta Runde"]
    assert _summaries(client.get(f"/audit/?actor={admin.id}&object_type=body")) == ["Alpha Runde"]
    # Unknown or malformed filters are ignored, never an error.
    assert len(_summaries(client.get("/audit/?object_type=nonsense&object_id=x&actor=y"))) == 3
    assert _summaries(client.get("/audit/?actor=999999")) == []


def test_the_audit_log_pages_through_many_entries(client, admin):
    body = BodyFactory()
    for number in range(60):
        db.session.add(
            AuditEntry(actor_id=admin.id, action="update", object_type="body", object_id=body.id, body_id=body.id,
                       summary=f"Eintrag {number:02d}", changes={})
        )  # fmt: skip
    db.session.commit()
    log_in(client, admin)
    first = html(client.get("/audit/"))
    second = html(client.get("/audit/?page=2"))
    assert "Eintrag 59" in first and "Eintrag 00" not in first
    assert "Eintrag 00" in second and "Eintrag 59" not in second
    assert client.get("/audit/?page=99").status_code == 200


def test_entries_query_filters(organiser, admin):
    body = services.create_body(organiser, body_data())
    services.create_body(admin, body_data(code="OTHER"))
    query = audit.entries_query("body", body.id, organiser.id)
    assert [entry.object_id for entry in db.session.scalars(query)] == [body.id]


# A body's history tab


def test_the_history_tab_shows_the_bodys_own_entries(client, organiser):
    body = services.create_body(organiser, body_data(name="Eigene Runde", code="OWN", visibility=Visibility.PUBLIC))
    other = services.create_body(organiser, body_data(name="Fremde Runde", code="OTHER"))
    services.add_membership(organiser, body, membership_data(AccountFactory(display_name="Hanna Hier")))
    services.add_membership(organiser, other, membership_data(AccountFactory(display_name="Dora Dort")))
    services.update_body(organiser, body, data_of(body, kind=BodyKind.PROJECT_GROUP))
    log_in(client, organiser)
    page = html(client.get("/bodies/OWN/history"))
    assert "Hanna Hier" in page and "Olga Organisatorin" in page
    assert "working_group" in page and "project_group" in page  # before and after
    assert "Dora Dort" not in page and "Fremde Runde" not in page


def test_a_change_by_a_deleted_actor_shows_as_system(client, admin):
    body = BodyFactory(code="SYS")
    db.session.add(
        AuditEntry(actor_id=None, action="update", object_type="body", object_id=body.id, body_id=body.id,
                   summary="Import", changes={"name": ["a", "b"]})
    )  # fmt: skip
    db.session.commit()
    log_in(client, admin)
    assert "System" in html(client.get("/bodies/SYS/history"))


# Entries never change


def test_entries_cannot_be_changed_or_deleted_through_the_orm(organiser):
    body = services.create_body(organiser, body_data())
    entry = only_entry(object_type="body")
    entry.summary = "rewritten"
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    entry = only_entry(object_type="body")
    db.session.delete(entry)
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    assert only_entry(object_type="body").summary == body.name


def test_the_person_filter_offers_deactivated_actors_too(client, admin):
    gone = OrganiserFactory(display_name="Gerd Gegangen")
    services.create_body(gone, body_data())
    gone.active = False
    db.session.commit()
    log_in(client, admin)
    page = html(client.get("/audit/"))
    assert f'<option value="{gone.id}">Gerd Gegangen' in page
    assert _summaries(client.get(f"/audit/?actor={gone.id}")) == [body_data().name]
