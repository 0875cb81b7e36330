"""Journey (issue 6, item 9): after a meeting of a public council, the secretary opens the meeting's page and
follows it to the attendance (three voting members present, one excused), writes the minutes (general notes and
notes per agenda item), records two decisions on two items and one action item for a member, and circulates the
minutes for comments; the members get a mail with the link. The chair then approves the minutes: the decisions
are numbered RAT-2026-001 and -002 in agenda order (though recorded the other way round) and appear in the
decision register, where the search box finds one of them by a word of its title. The member assigned the action
item sees it on the dashboard; the approved minutes print with their SHA-256. Every page is checked by axe and the
Nu HTML Checker (automatically, see conftest.py).

All accounts work in English (locale "en") so that the asserted texts stay put while the German catalogue is
being written.
"""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import (
    ActionItem,
    ActionItemStatus,
    Attendance,
    AttendanceStatus,
    Decision,
    DecisionOutcome,
    Minutes,
    MinutesStatus,
    Visibility,
)
from tests.e2e.conftest import Site
from tests.factories import AccountFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import MembershipFactory
from tests.factories_invitations import mails_to, make_cast
from tests.factories_minutes import HeldMeetingFactory

SUBMIT = "main form.koop-form button[type=submit]:not([name])"


def test_secretary_records_minutes_chair_approves_and_the_register_and_dashboard_show_the_results(
    site: Site, live_outbox
) -> None:
    cast = make_cast(Visibility.PUBLIC, code="RAT", name="Rat für Digitalisierung")
    erik = MembershipFactory(
        body=cast.body, account=AccountFactory(display_name="Erik Ehrenamt", email="erik@example.org")
    ).account
    meeting = HeldMeetingFactory(body=cast.body, title="3. Sitzung des Rates")  # 10 March 2026: numbers RAT-2026-…
    assistant = AgendaItemFactory(meeting=meeting, position=1, title="Antragsassistent", public=True)
    budget = AgendaItemFactory(meeting=meeting, position=2, title="Haushalt 2027", public=True)
    tender = AgendaItemFactory(meeting=meeting, position=3, title="Vergabe Rechenzentrum", public=False)
    mia = cast.member  # voting member, gets the action item
    page = site.page

    # The secretary opens the meeting, which has no minutes yet, and records who came.
    site.log_in(cast.secretary.email)
    site.visit(f"/meetings/{meeting.id}", name="meeting")
    panel = page.locator("section[aria-labelledby=minutes-panel-heading]")
    expect(panel).to_contain_text("This meeting has no minutes yet.")
    with site.navigation("attendance"):
        panel.get_by_role("link", name="Record the attendance").click()
    expect(page.locator("main h1")).to_have_text("Attendance: 3. Sitzung des Rates")
    expect(page.locator("#saved-heading + p")).to_have_text("No attendance has been recorded yet.")
    present = (cast.chair, cast.deputy, cast.secretary, mia)
    for account in present:
        page.locator(f"#person-{account.id}").get_by_label("Present", exact=True).check()
    page.locator(f"#person-{erik.id}").get_by_label("Excused", exact=True).check()
    with site.navigation("attendance-saved"):
        page.locator("#attendance-form button[type=submit]:not([name])").click()

    # Saving the attendance began the minutes: the secretary is on their page, with the quorum stated.
    assert urlpath(page.url) == f"/minutes/{meeting.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("The attendance has been saved.")
    expect(page.locator("main h1")).to_have_text("Minutes of 3. Sitzung des Rates")
    expect(page.locator("main .kern-badge").first).to_have_text("Status: Draft")
    attendance = page.locator("section[aria-labelledby=attendance-heading]")
    expect(attendance.locator(".koop-attendance")).to_contain_text("Erik Ehrenamt")
    expect(attendance).to_contain_text("The body had a quorum: 3 of 4 voting members present (3 needed).")
    rows = db.session.execute(
        db.select(Attendance.account_id, Attendance.status).where(Attendance.meeting_id == meeting.id)
    ).all()
    assert dict(rows) == {
        **{account.id: AttendanceStatus.PRESENT for account in present},
        erik.id: AttendanceStatus.EXCUSED,
    }

    # The notes: general notes and one per agenda item (the non-public item too: the secretary sees it).
    with site.navigation("minutes-edit"):
        page.locator("main .koop-actions").get_by_role("link", name="Edit the minutes").click()
    assert urlpath(page.url) == f"/minutes/{meeting.id}/edit"
    expect(page.locator("main h1")).to_have_text("Edit the minutes of 3. Sitzung des Rates")
    page.locator("#general_notes").fill("Die Vorsitzende eröffnet die Sitzung um 10:00 Uhr.")
    page.get_by_label("Item 1: Antragsassistent").fill("Der Prototyp wurde **vorgeführt**.")
    page.locator(f"#item_{budget.id}").fill("Die Mittel für 2027 wurden besprochen.")
    page.locator(f"#item_{tender.id}").fill("Drei Angebote liegen vor.")
    with site.navigation("minutes-saved"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == f"/minutes/{meeting.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("The minutes have been saved (version 2).")
    item_one = page.locator(f"#item-{assistant.id}")
    expect(item_one.locator(".koop-prose strong")).to_have_text("vorgeführt")
    expect(page.locator(f"#item-{tender.id}")).to_contain_text("non-public")

    # Two decisions, the one on item 2 first: numbers follow the agenda, not the order of recording.
    decisions = [
        (budget, "Haushaltsmittel für den Betrieb", "Der Rat stellt 50.000 Euro für den Betrieb bereit.", "2 0 1"),
        (assistant, "Einführung des Antragsassistenten", "Der Rat beschließt die Einführung zum 1. Januar.", "3 0 0"),
    ]
    for item, title, text, votes in decisions:
        add_decision(site, item.id, title=title, text=text, votes=votes.split())
    expect(page.locator(f"#item-{budget.id} .koop-decision")).to_contain_text("2 in favour, 0 against, 1 abstention")
    expect(page.locator(f"#item-{assistant.id} .koop-decision")).to_contain_text("not yet numbered")

    # One action item for Mia, from item 1.
    due = today() + timedelta(days=14)
    with site.navigation("action-item-form"):
        item_one.get_by_role("link", name=re.compile("^Add an action item")).click()
    expect(page.locator("main h1")).to_have_text("New action item")
    expect(page.locator("main")).to_contain_text("From the agenda item: Antragsassistent")
    page.locator("#description").fill("Schulungsunterlagen für die Kommunen erstellen")
    page.locator("#assignee").select_option(f"account-{mia.id}")
    page.locator("#due_on").fill(due.isoformat())
    with site.navigation("action-item-saved"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == f"/minutes/{meeting.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("The action item has been added.")
    action_item = db.session.scalars(db.select(ActionItem)).one()
    expect(item_one.locator(f"#action-item-{action_item.id}")).to_contain_text("Mia Müller")
    assert (action_item.assignee_account_id, action_item.due_on) == (mia.id, due)
    assert (action_item.agenda_item_id, action_item.status) == (assistant.id, ActionItemStatus.OPEN)

    # Circulation: the members get a link and may comment until the chosen day.
    until = today() + timedelta(days=7)
    workflow = page.locator("section[aria-labelledby=workflow-heading]")
    workflow.locator("#comments_until").fill(until.isoformat())
    with site.navigation("circulated"):
        workflow.locator(f"form[action='/minutes/{meeting.id}/circulate'] button[type=submit]").click()
    expect(page.locator("main .kern-badge").first).to_have_text("Status: Circulated for comments")
    expect(page.locator("#comments")).to_contain_text("Comments are possible until")
    for account in (*present, erik):
        mails = mails_to(live_outbox.messages(), account)
        assert len(mails) == 1, f"{account.email}: {len(mails)} mail(s)"
        assert f"/minutes/{meeting.id}" in live_outbox.body(mails[0])
    db.session.expire_all()
    minutes = db.session.scalars(db.select(Minutes).where(Minutes.meeting_id == meeting.id)).one()
    assert (minutes.status, minutes.comments_until) == (MinutesStatus.CIRCULATED, until)
    log_out(site)

    # The chair approves: the decisions get their numbers and the content its hash.
    site.log_in(cast.chair.email)
    site.visit(f"/minutes/{meeting.id}", name="minutes-for-chair")
    expect(page.locator("main").get_by_role("link", name="Edit the minutes")).to_have_count(0)
    with site.navigation("approved"):
        page.locator(f"form[action='/minutes/{meeting.id}/approve'] button[type=submit]").click()
    expect(page.locator(".koop-flashes")).to_contain_text("The minutes have been approved.")
    expect(page.locator("main .kern-badge").first).to_have_text("Status: Approved")
    expect(page.locator(f"#item-{assistant.id} .koop-decision")).to_contain_text("Decision number: RAT-2026-001")
    expect(page.locator(f"#item-{budget.id} .koop-decision")).to_contain_text("Decision number: RAT-2026-002")
    expect(page.locator("section[aria-labelledby=workflow-heading]")).to_have_count(0)
    db.session.expire_all()
    minutes = db.session.get(Minutes, minutes.id)
    assert minutes.status is MinutesStatus.APPROVED
    assert minutes.approved_by_id == cast.chair.id
    assert re.fullmatch(r"[0-9a-f]{64}", minutes.content_hash or "")
    expect(page.locator(".koop-minutes-footer code")).to_have_text(minutes.content_hash)
    numbers = dict(db.session.execute(db.select(Decision.title, Decision.number)).all())
    assert numbers == {
        "Einführung des Antragsassistenten": "RAT-2026-001",
        "Haushaltsmittel für den Betrieb": "RAT-2026-002",
    }

    # The printable minutes (a page of their own, without the site's header) carry the numbers and the hash.
    with site.navigation("print"):
        page.locator("main").get_by_role("link", name="Printable version").click()
    assert urlpath(page.url) == f"/exports/minutes/{meeting.id}/print"
    printed = page.locator("body")
    for text in ("RAT-2026-001", "RAT-2026-002", "Erik Ehrenamt", "Schulungsunterlagen", minutes.content_hash):
        expect(printed).to_contain_text(text)

    # The register lists both; the search finds one by a word of its title.
    site.visit("/decisions/", name="register")
    expect(page.locator("main [role=status]")).to_have_text("2 decisions found.")
    register = page.locator("main table.kern-table tbody")
    expect(register.locator("th[scope=row]")).to_have_count(2)
    # Both were decided on the same day; within a day the register's order is not by number, so no order here.
    assert sorted(register.locator("th[scope=row]").all_inner_texts()) == ["RAT-2026-001", "RAT-2026-002"]
    expect(register).to_contain_text("Rat für Digitalisierung")
    page.get_by_label("Search in title and text").fill("Antragsassistenten")
    with site.navigation("register-search"):
        page.locator("main form[role=search] button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_have_text("1 decision found.")
    expect(register.locator("tr")).to_have_count(1)
    expect(register.locator("th[scope=row]")).to_have_text("RAT-2026-001")
    with site.navigation("decision"):
        register.get_by_role("link", name="Einführung des Antragsassistenten").click()
    expect(page.locator("main")).to_contain_text("RAT-2026-001")
    expect(page.locator("main")).to_contain_text("Der Rat beschließt die Einführung zum 1. Januar.")

    # The decision's page leads back to the minutes.
    with site.navigation("minutes-approved"):
        page.locator("main").get_by_role("link", name="Minutes of the meeting").click()
    assert urlpath(page.url) == f"/minutes/{meeting.id}"
    log_out(site)

    # Mia finds her action item on her dashboard.
    site.log_in(mia.email)
    assert urlpath(page.url) == "/"
    row = page.locator(f"section[aria-labelledby=my-action-items] #action-item-{action_item.id}")
    expect(row).to_contain_text("Schulungsunterlagen für die Kommunen erstellen")
    expect(row).to_contain_text("Open")
    expect(row).to_contain_text("3. Sitzung des Rates")


def add_decision(site: Site, item_id: int, *, title: str, text: str, votes: list[str]) -> None:
    """From the minutes page: the item's "Add a decision" link, the form, back to the minutes."""
    page = site.page
    with site.navigation(f"decision-form-{item_id}"):
        page.locator(f"#item-{item_id}").get_by_role("link", name=re.compile("^Add a decision")).click()
    assert urlpath(page.url) == f"/decisions/new/{item_id}"
    expect(page.locator("main h1")).to_have_text("New decision")
    expect(page.locator("#public")).to_be_checked()  # a public item's decision is public unless unticked
    page.locator("#title").fill(title)
    page.locator("#text").fill(text)
    page.locator("#outcome").select_option(DecisionOutcome.ADOPTED.value)
    page.locator("#votes_yes").fill(votes[0])
    page.locator("#votes_no").fill(votes[1])
    page.locator("#votes_abstain").fill(votes[2])
    with site.navigation(f"decision-saved-{item_id}"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url).startswith("/minutes/")
    expect(page.locator(".koop-flashes")).to_contain_text(f"The decision {title} has been recorded.")


def log_out(site: Site) -> None:
    with site.navigation("logged-out"):
        site.page.locator("header form[action='/auth/logout'] button[type=submit]").click()
    assert urlpath(site.page.url) == "/auth/login"  # in the browser's German now: no account, no locale
    expect(site.page.locator(".koop-flashes")).to_be_visible()


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("#")[0].split("?")[0]
