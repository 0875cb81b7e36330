"""Journey (issue 4, item 11): an organiser creates a kick-off event (standalone, no body) and opens registration
with 2 seats; two people register, a third lands on the waiting list; one cancels, and the third moves up and
gets a mail. Every page is checked by axe and the Nu HTML Checker (automatically, see conftest.py).

Everyone works in English (account locale "en") so that the asserted texts stay put while the German catalogue
is being written; fields and buttons are located by ids and form actions.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.extensions import db
from app.models import Meeting, MeetingKind, Registration, RegistrationStatus
from tests.e2e.conftest import LiveServer, Site
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_invitations import calendar_of, mails_to
from tests.factories_polls import day_ahead

SUBMIT = "main form.koop-form button[type=submit]"
BERLIN = ZoneInfo("Europe/Berlin")


def test_kickoff_with_two_seats_fills_and_the_waiting_list_moves_up(
    site: Site, live_server: LiveServer, live_outbox, new_context, site_for
) -> None:
    OrganiserFactory(email="olga@example.org", display_name="Olga Organiser", locale="en")
    paula = AccountFactory(email="paula@example.org", display_name="Paula Pauls", locale="en")
    quentin = AccountFactory(email="quentin@example.org", display_name="Quentin Quast", locale="en")
    rita = AccountFactory(email="rita@example.org", display_name="Rita Roth", locale="en")
    event_day = day_ahead(21)
    page = site.page

    # The organiser creates the kick-off event, standing on its own.
    site.log_in("olga@example.org")
    site.visit("/meetings/create", name="event-form")
    expect(page.locator("#kind")).to_have_value(MeetingKind.KICKOFF.value)
    page.locator("#title").fill("Auftaktveranstaltung Registermodernisierung")
    page.locator("#start_day").fill(event_day.isoformat())
    page.locator("#start_time").fill("10:00")
    page.locator("#end_time").fill("15:00")
    expect(page.locator("#timezone")).to_have_value("Europe/Berlin")
    page.locator("#location").fill("Stummsche Reithalle, Neunkirchen")
    with site.navigation("event-created"):
        page.locator(SUBMIT).click()
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert urlpath(page.url) == f"/meetings/{meeting.id}"
    assert meeting.body_id is None
    assert meeting.kind is MeetingKind.KICKOFF
    assert meeting.starts_at == datetime.combine(event_day, time(10), tzinfo=BERLIN)

    # ... and opens registration for 2 people, from the registration panel of the event page.
    expect(
        registration_panel(site), "the event page has no registration panel (registrations/_panel.html)"
    ).to_be_visible()
    with site.navigation("registration-settings"):
        page.locator(f"main a[href='/registrations/{meeting.id}/settings']").click()
    page.locator("#registration_enabled").check()
    page.locator("#capacity").fill("2")
    with site.navigation("registration-opened"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == f"/registrations/{meeting.id}"
    expect(page.locator("main")).to_contain_text("0 of 2 seats")
    expect(page.locator("main tbody tr")).to_have_count(1)  # "Nobody has registered yet."

    people = {}
    for account in (paula, quentin, rita):
        person = site_for(new_context().new_page())
        person.log_in(account.email)
        people[account] = person

    # Two people register and get a seat, with a confirmation mail and its calendar file.
    for account, free_before, free_after in ((paula, 2, 1), (quentin, 1, 0)):
        person = people[account]
        slug = account.email.split("@")[0]
        person.visit(f"/meetings/{meeting.id}", name=f"event-{slug}")
        panel = registration_panel(person)
        expect(panel).to_contain_text(f"{free_before} of 2 free")
        with person.navigation(f"registered-{slug}"):
            register_button(person, meeting).click()
        expect(person.page.locator(".koop-flashes")).to_contain_text("You are registered.")
        expect(panel.locator(".kern-alert--success")).to_contain_text("You are registered.")
        expect(panel).to_contain_text(f"{free_after} of 2 free")
        expect(cancel_button(person, meeting)).to_be_visible()
        confirmations = mails_to(live_outbox.messages(), account)
        assert len(confirmations) == 1
        calendar = calendar_of(confirmations[0])
        assert str(calendar["METHOD"]) == "REQUEST"
        assert str(next(iter(calendar.walk("VEVENT")))["UID"]) == meeting.uid

    # The third lands on the waiting list.
    person = people[rita]
    person.visit(f"/meetings/{meeting.id}", name="event-full")
    panel = registration_panel(person)
    expect(panel).to_contain_text("0 of 2 free")
    expect(panel).to_contain_text("All seats are taken")
    with person.navigation("waiting"):
        register_button(person, meeting).click()
    expect(person.page.locator(".koop-flashes")).to_contain_text("waiting list")
    expect(panel.locator(".kern-alert--info")).to_contain_text("You are number 1 on the waiting list.")
    expect(panel).to_contain_text("1 person waiting")
    waiting_mails = mails_to(live_outbox.messages(), rita)
    assert len(waiting_mails) == 1
    assert "number 1 on the waiting list" in live_outbox.body(waiting_mails[0])
    assert not any(part.get_content_type() == "text/calendar" for part in waiting_mails[0].walk())

    site.visit(f"/registrations/{meeting.id}", name="participants-full")
    expect(page.locator("main")).to_contain_text("2 of 2 seats")
    expect(status_of(site, "Rita Roth")).to_have_text("Waiting, number 1")

    # Paula cancels: her seat goes to Rita at once, who gets a mail with the calendar file.
    person = people[paula]
    person.visit(f"/meetings/{meeting.id}", name="event-before-cancelling")
    with person.navigation("cancelled"):
        cancel_button(person, meeting).click()
    expect(person.page.locator(".koop-flashes")).to_contain_text("Your registration has been cancelled.")
    expect(registration_panel(person)).to_contain_text("You have cancelled your registration.")

    cancellations = mails_to(live_outbox.messages(), paula)
    assert len(cancellations) == 2
    assert str(calendar_of(cancellations[-1])["METHOD"]) == "CANCEL"

    moved_up = mails_to(live_outbox.messages(), rita)
    assert len(moved_up) == 2
    assert "moved up from the waiting list" in live_outbox.body(moved_up[-1])
    assert f"/meetings/{meeting.id}" in live_outbox.body(moved_up[-1])
    calendar = calendar_of(moved_up[-1])
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(next(iter(calendar.walk("VEVENT")))["UID"]) == meeting.uid

    person = people[rita]
    person.visit(f"/meetings/{meeting.id}", name="moved-up")
    panel = registration_panel(person)
    expect(panel.locator(".kern-alert--success")).to_contain_text("You are registered.")
    expect(panel).to_contain_text("0 of 2 free")
    expect(panel).not_to_contain_text("waiting")

    site.visit(f"/registrations/{meeting.id}", name="participants-after")
    expect(page.locator("main")).to_contain_text("2 of 2 seats")
    expect(status_of(site, "Quentin Quast")).to_have_text("Registered")
    expect(status_of(site, "Rita Roth")).to_have_text("Registered")
    expect(status_of(site, "Paula Pauls")).to_have_text("Cancelled")

    db.session.expire_all()
    statuses = {
        registration.account_id: registration.status
        for registration in db.session.scalars(db.select(Registration).where(Registration.meeting_id == meeting.id))
    }
    assert statuses == {
        paula.id: RegistrationStatus.CANCELLED,
        quentin.id: RegistrationStatus.REGISTERED,
        rita.id: RegistrationStatus.REGISTERED,
    }


def registration_panel(person: Site):
    return person.page.locator("main section[aria-labelledby=registration-heading]")


def register_button(person: Site, meeting: Meeting):
    return person.page.locator(f"main form[action='/registrations/{meeting.id}/register'] button[type=submit]")


def cancel_button(person: Site, meeting: Meeting):
    return person.page.locator(f"main form[action='/registrations/{meeting.id}/cancel'] button[type=submit]")


def status_of(site: Site, name: str):
    row = site.page.locator("main tbody tr", has=site.page.locator("th", has_text=name))
    return row.locator("td .kern-badge")


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]
