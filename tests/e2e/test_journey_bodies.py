"""Journey (issue 3, item 7): an organiser creates a working group under the council, adds a member from a state
organisation and one from a municipal organisation through the roster form, and sees the parity balance change
from "1 : 0, the municipal side is short" to "1 : 1, balanced". Every page is checked by axe and the Nu HTML
Checker (automatically, see conftest.py).

The organiser works in English (account locale "en"), so that the texts asserted here do not change while the
German catalogue is being written; structure is located by ids, labels and classes.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import Body, BodyKind, BodyLevel, Membership, Visibility
from tests.e2e.conftest import Site
from tests.factories import AccountFactory, OrganisationFactory, OrganiserFactory, StateOrganisationFactory
from tests.factories_bodies import BodyFactory

SUBMIT = "main form.koop-form button[type=submit]"


def test_organiser_creates_a_working_group_and_balances_its_parity(site: Site) -> None:
    council = BodyFactory(
        name="IT-Kooperationsrat",
        code="ITKR",
        kind=BodyKind.STEERING_COUNCIL,
        level=BodyLevel.JOINT,
        visibility=Visibility.INTERNAL,
        parity_required=True,
    )
    OrganiserFactory(email="olga@example.org", display_name="Olga Organiser", locale="en")
    ministry = StateOrganisationFactory(name="Ministerium für Inneres, Bauen und Sport", short_name="MIBS")
    town = OrganisationFactory(name="Gemeinde Musterstadt", short_name="MUS")
    AccountFactory(email="stefan@example.org", display_name="Stefan Staat", organisation=ministry)
    AccountFactory(email="karla@example.org", display_name="Karla Kommune", organisation=town)
    page = site.page

    site.log_in("olga@example.org")
    site.visit("/bodies/ITKR", name="council")
    with site.navigation("new-body-form"):
        page.locator(f"main a[href='/bodies/create?parent={council.id}']").click()
    expect(page.locator("#parent_id")).to_have_value(str(council.id))  # preset to the council

    page.locator("#name").fill("AG Registermodernisierung")
    page.locator("#code").fill("AGREG")
    page.locator("#kind").select_option("working_group")
    page.locator("#level").select_option("joint")
    page.locator("#visibility").select_option("internal")
    page.locator("#parity_required").check()
    with site.navigation("working-group-created"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == "/bodies/AGREG"
    expect(page.locator("main h1")).to_contain_text("AG Registermodernisierung")
    # The breadcrumb leads back to the council.
    expect(page.locator("main a[href='/bodies/ITKR']")).to_have_text("IT-Kooperationsrat")
    parity = page.locator("main .koop-parity-panel")
    expect(parity).to_contain_text("State 0 : 0 Municipalities")
    expect(parity).to_have_class(re.compile(r"koop-parity-panel--balanced"))

    # First member: from the state side; the balance tips and the flag names the municipal side as short.
    add_member(site, "Stefan Staat", "stefan@example.org", "first-member")
    expect(page.locator(".koop-flashes")).to_contain_text("Stefan Staat")
    expect(parity).to_contain_text("State 1 : 0 Municipalities")
    expect(parity).to_have_class(re.compile(r"koop-parity-panel--unbalanced"))
    expect(parity.locator(".kern-alert--warning")).to_contain_text("the municipal side lacks 1 voting seat")

    # The roster form shows the same flag before the second member is added.
    with site.navigation("add-member-form-unbalanced"):
        page.locator("main a[href='/bodies/AGREG/members/add']").click()
    expect(page.locator("main .koop-parity-panel--unbalanced")).to_contain_text("the municipal side lacks 1")

    # Second member: from the municipal side; balanced again.
    fill_member_form(site, "Karla Kommune", "karla@example.org")
    with site.navigation("second-member"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == "/bodies/AGREG"
    expect(parity).to_contain_text("State 1 : 1 Municipalities")
    expect(parity).to_have_class(re.compile(r"koop-parity-panel--balanced"))
    expect(parity).to_contain_text("balanced")
    expect(parity.locator(".kern-alert--warning")).to_have_count(0)

    roster = page.locator("main section[aria-labelledby=roster-heading]")
    expect(roster.locator("tbody th[scope=row]")).to_have_text(["Karla Kommune", "Stefan Staat"])  # by name
    expect(roster).to_contain_text("Ministerium für Inneres, Bauen und Sport")
    expect(roster).to_contain_text("Gemeinde Musterstadt")

    # The council lists its new working group.
    with site.navigation("council-with-child"):
        page.locator("main a[href='/bodies/ITKR']").click()
    expect(page.locator("main section[aria-labelledby=children-heading] a[href='/bodies/AGREG']")).to_be_visible()

    db.session.expire_all()
    group = db.session.scalars(db.select(Body).where(Body.code == "AGREG")).one()
    assert group.parent_id == council.id
    assert group.parity_required
    memberships = db.session.scalars(db.select(Membership).where(Membership.body_id == group.id)).all()
    assert {(m.account.display_name, m.voting, m.end_on) for m in memberships} == {
        ("Stefan Staat", True, None),
        ("Karla Kommune", True, None),
    }


def fill_member_form(site: Site, name: str, email: str) -> None:
    page = site.page
    page.locator("#account_id").select_option(label=f"{name} <{email}>")
    page.locator("#role").select_option("member")
    page.locator("#organisation_id").select_option("0")  # the person's own organisation
    expect(page.locator("#voting")).to_be_checked()
    expect(page.locator("#start_on")).not_to_have_value("")  # today, preset


def add_member(site: Site, name: str, email: str, screenshot: str) -> None:
    page = site.page
    with site.navigation(f"{screenshot}-form"):
        page.locator("main a[href$='/members/add']").click()
    fill_member_form(site, name, email)
    with site.navigation(screenshot):
        page.locator(SUBMIT).click()
    assert urlpath(page.url).startswith("/bodies/")


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]
