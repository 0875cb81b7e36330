"""Organisations: create and edit with their rules (AGS, unique name, no parent loops), list filters, 404s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.errors import DomainError
from app.extensions import db
from app.models import Organisation, OrganisationKind, OrganisationLevel
from app.organisations import services
from app.organisations.importer import import_organisations
from app.organisations.services import OrganisationData, check_parent, validate_ags
from tests.clients import IsolatedClient
from tests.factories import AdminFactory, OrganisationFactory, OrganiserFactory, StateOrganisationFactory

SAARLAND_CSV = Path(__file__).resolve().parent.parent / "app" / "data" / "saarland-organisations.csv"


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


@pytest.fixture
def admin(auth):
    account = AdminFactory(email="admin@example.org", locale="en", organisation=None)
    assert auth.login("admin@example.org").status_code == 302
    return account


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def _form(**overrides) -> dict:
    data = {
        "name": "Gemeinde Neudorf",
        "short_name": "Neudorf",
        "kind": "municipality",
        "level": "municipal",
        "ags": "10041100",
        "parent_id": 0,
    }
    data.update(overrides)
    return data


def _field_error(response, field: str) -> str:
    match = re.search(rf'id="{field}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert match, f"no error at the field {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _listed(response) -> list[int]:
    return [int(found) for found in re.findall(r'href="/organisations/(\d+)"', response.get_data(as_text=True))]


def _data(organisation: Organisation, **overrides) -> OrganisationData:
    values = {
        "name": organisation.name,
        "short_name": organisation.short_name,
        "kind": organisation.kind,
        "level": organisation.level,
        "ags": organisation.ags,
        "parent": organisation.parent,
    }
    values.update(overrides)
    return OrganisationData(**values)


# Create and edit


def test_admin_creates_an_organisation(client, admin):
    district = OrganisationFactory(name="Landkreis Beispiel", kind=OrganisationKind.DISTRICT, ags="10042")
    assert client.get("/organisations/create").status_code == 200
    response = client.post("/organisations/create", data=_form(parent_id=district.id, name="  Gemeinde Neudorf "))
    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation).where(Organisation.name == "Gemeinde Neudorf")).one()
    assert response.headers["Location"] == f"/organisations/{organisation.id}"
    assert organisation.kind is OrganisationKind.MUNICIPALITY
    assert organisation.level is OrganisationLevel.MUNICIPAL
    assert organisation.ags == "10041100"
    assert organisation.parent == district

    detail = client.get(f"/organisations/{organisation.id}").get_data(as_text=True)
    assert "Gemeinde Neudorf" in detail
    assert f'href="/organisations/{district.id}"' in detail
    assert f'href="/organisations/{organisation.id}"' in client.get(f"/organisations/{district.id}").get_data(
        as_text=True
    )


def test_organisation_without_ags_and_short_name(client, admin):
    response = client.post("/organisations/create", data=_form(ags="", short_name="", kind="other", level="other"))
    assert response.status_code == 302
    organisation = db.session.scalars(select(Organisation)).one()
    assert organisation.ags is None
    assert organisation.short_name == ""


def test_admin_edits_an_organisation(client, admin):
    organisation = OrganisationFactory(name="Alter Name", ags="10041")
    page = client.get(f"/organisations/{organisation.id}/edit")
    assert page.status_code == 200
    assert 'value="Alter Name"' in page.get_data(as_text=True)
    response = client.post(f"/organisations/{organisation.id}/edit", data=_form(name="Neuer Name", ags="10041"))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisations/{organisation.id}"
    db.session.refresh(organisation)
    assert organisation.name == "Neuer Name"


def test_edit_form_does_not_offer_the_organisation_as_its_own_parent(client, admin):
    organisation = OrganisationFactory(name="Selbst")
    other = OrganisationFactory(name="Andere")
    page = client.get(f"/organisations/{organisation.id}/edit").get_data(as_text=True)
    assert f'<option value="{other.id}"' in page
    assert f'<option value="{organisation.id}"' not in page


def test_duplicate_name_is_refused(client, admin):
    OrganisationFactory(name="Gemeinde Neudorf")
    response = client.post("/organisations/create", data=_form(name="Gemeinde Neudorf"))
    assert response.status_code == 200
    assert "already exists" in _field_error(response, "name")
    assert _count() == 1


def test_renaming_to_an_existing_name_is_refused(client, admin):
    OrganisationFactory(name="Gemeinde Neudorf")
    other = OrganisationFactory(name="Gemeinde Altdorf")
    response = client.post(f"/organisations/{other.id}/edit", data=_form(name="Gemeinde Neudorf"))
    assert response.status_code == 200
    assert "already exists" in _field_error(response, "name")
    db.session.refresh(other)
    assert other.name == "Gemeinde Altdorf"


@pytest.mark.parametrize("name", ["", "   ", "N" * 201])
def test_bad_name_is_refused(client, admin, name):
    response = client.post("/organisations/create", data=_form(name=name))
    assert response.status_code == 200
    assert _field_error(response, "name")
    assert _count() == 0


@pytest.mark.parametrize(("field", "value"), [("kind", "castle"), ("level", "federal")])
def test_unknown_kind_or_level_is_refused(client, admin, field, value):
    response = client.post("/organisations/create", data=_form(**{field: value}))
    assert response.status_code == 200
    assert _field_error(response, field)
    assert _count() == 0


@pytest.mark.parametrize("ags", ["10a41", "1", "123456789", "10 41"])
def test_bad_ags_is_refused_at_the_field(client, admin, ags):
    response = client.post("/organisations/create", data=_form(ags=ags))
    assert response.status_code == 200
    assert _field_error(response, "ags")
    assert _count() == 0


def test_parent_loop_is_refused_at_the_field(client, admin):
    a = OrganisationFactory(name="A")
    b = OrganisationFactory(name="B", parent=a)
    response = client.post(f"/organisations/{a.id}/edit", data=_form(name="A", ags="", parent_id=b.id))
    assert response.status_code == 200
    assert "loop" in _field_error(response, "parent_id")
    db.session.refresh(a)
    assert a.parent is None


def test_own_parent_is_refused_at_the_field(client, admin):
    a = OrganisationFactory(name="A")
    response = client.post(f"/organisations/{a.id}/edit", data=_form(name="A", ags="", parent_id=a.id))
    assert response.status_code == 200
    assert _field_error(response, "parent_id")
    db.session.refresh(a)
    assert a.parent is None


# The rules, at the service


@pytest.mark.parametrize(
    ("ags", "expected"),
    [("10041", "10041"), (" 10041100 ", "10041100"), ("10", "10"), ("", None), ("  ", None), (None, None)],
)
def test_valid_ags(ags, expected):
    assert validate_ags(ags, OrganisationKind.MUNICIPALITY) == expected


@pytest.mark.parametrize("kind", [OrganisationKind.MUNICIPALITY, OrganisationKind.DISTRICT, OrganisationKind.OTHER])
@pytest.mark.parametrize("ags", ["10a41", "1", "123456789", "１２３", "-1004", "10.41"])
def test_invalid_ags(app, ags, kind):
    with pytest.raises(DomainError) as raised:
        validate_ags(ags, kind)
    assert raised.value.field == "ags"


def test_parent_loop_is_refused_and_nothing_is_written(app):
    a = OrganisationFactory(name="A")
    b = OrganisationFactory(name="B", parent=a)
    with pytest.raises(DomainError) as raised:
        services.update_organisation(a, _data(a, parent=b, short_name="changed"))
    assert raised.value.field == "parent_id"
    db.session.rollback()
    db.session.refresh(a)
    assert a.parent is None
    assert a.short_name != "changed"


def test_longer_parent_loop_is_refused(app):
    a = OrganisationFactory(name="A")
    b = OrganisationFactory(name="B", parent=a)
    c = OrganisationFactory(name="C", parent=b)
    with pytest.raises(DomainError):
        check_parent(a, c)
    check_parent(c, a)  # a grandparent is fine


def test_own_parent_is_refused(app):
    a = OrganisationFactory(name="A")
    with pytest.raises(DomainError):
        check_parent(a, a)


def test_create_service_refuses_a_duplicate_name(app):
    existing = OrganisationFactory(name="Gemeinde Neudorf")
    with pytest.raises(DomainError) as raised:
        services.create_organisation(_data(existing, ags=None))
    assert raised.value.field == "name"
    db.session.rollback()
    assert _count() == 1


# The list


def test_list_filters_by_level_and_kind(client, admin):
    ministry = StateOrganisationFactory(name="Ministerium A")
    district = OrganisationFactory(name="Landkreis B", kind=OrganisationKind.DISTRICT)
    municipality = OrganisationFactory(name="Gemeinde C", parent=district)
    other = OrganisationFactory(
        name="Dienstleister D", kind=OrganisationKind.IT_SERVICE_PROVIDER, level=OrganisationLevel.OTHER
    )

    assert set(_listed(client.get("/organisations/"))) == {ministry.id, district.id, municipality.id, other.id}
    assert _listed(client.get("/organisations/?level=state")) == [ministry.id]
    assert _listed(client.get("/organisations/?level=municipal")) == [municipality.id, district.id]  # by name
    assert _listed(client.get("/organisations/?kind=district")) == [district.id]
    assert _listed(client.get("/organisations/?kind=municipality&level=municipal")) == [municipality.id]
    assert _listed(client.get("/organisations/?kind=municipality&level=state")) == []
    assert _listed(client.get("/organisations/?q=gemeinde")) == [municipality.id]
    assert _listed(client.get("/organisations/?q=GB")) != []  # the short name is searched too
    assert len(_listed(client.get("/organisations/?level=moon&kind=castle"))) == 4  # unknown filters are ignored


def test_list_search_treats_wildcards_literally(client, admin):
    OrganisationFactory(name="Gemeinde Ohne", short_name="GO")
    percent = OrganisationFactory(name="100% Digital", short_name="HD")
    underscore = OrganisationFactory(name="IT_Dienst", short_name="ITD")
    assert _listed(client.get("/organisations/", query_string={"q": "%"})) == [percent.id]
    assert _listed(client.get("/organisations/", query_string={"q": "_"})) == [underscore.id]
    assert _listed(client.get("/organisations/", query_string={"q": "\\"})) == []


def test_organiser_sees_the_list_without_the_create_button(client, auth):
    OrganiserFactory(email="organiser@example.org", organisation=None)
    OrganisationFactory()
    auth.login("organiser@example.org")
    page = client.get("/organisations/")
    assert page.status_code == 200
    assert "/organisations/create" not in page.get_data(as_text=True)


def test_organiser_sees_the_saarland_municipalities(app, client, auth):
    import_organisations(SAARLAND_CSV.read_text(encoding="utf-8"))
    OrganiserFactory(email="organiser@example.org", locale="en", organisation=None)
    auth.login("organiser@example.org")
    page = client.get("/organisations/?kind=municipality")
    assert page.status_code == 200
    assert "52 organisations" in page.get_data(as_text=True)
    assert len(_listed(page)) == 50
    assert len(_listed(client.get("/organisations/?kind=municipality&page=2"))) == 2
    assert client.get("/organisations/").status_code == 200


def test_list_page_runs_a_flat_number_of_queries(client, admin, count_statements):
    district = OrganisationFactory(kind=OrganisationKind.DISTRICT)
    OrganisationFactory.create_batch(3, parent=district)
    with count_statements() as few:
        client.get("/organisations/")
    OrganisationFactory.create_batch(30, parent=district)
    with count_statements() as many:
        client.get("/organisations/")
    assert many.count == few.count


# Unknown ids


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/organisations/987654"),
        ("get", "/organisations/987654/edit"),
        ("post", "/organisations/987654/edit"),
    ],
)
def test_unknown_organisation_is_404(client, admin, method, url):
    response = getattr(client, method)(url, data=_form())
    assert response.status_code == 404
    assert "404" in response.get_data(as_text=True)
    assert _count() == 0
