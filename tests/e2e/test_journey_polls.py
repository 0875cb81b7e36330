"""Journey (issue 7, item 8): an organiser creates a date poll with three proposed dates for a body; two members
answer through the personal links in their mails, without logging in; the organiser closes the poll on the best
date; the meeting exists and its invitations, with an iCalendar REQUEST, are in the outbox. Every page is checked
by axe and the Nu HTML Checker (automatically, see conftest.py).

The organiser works in English (account locale "en") so that the asserted texts stay put while the German
catalogue is being written; the invitees answer in a fresh browser (German), located by ids only.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.extensions import db
from app.models import Invitation, Meeting, MembershipRole, Poll, PollChoice, PollStatus, Visibility
from tests.e2e.conftest import LiveServer, Site
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory
from tests.factories_invitations import calendar_of, mails_to
from tests.factories_polls import day_ahead

SUBMIT = "main form.koop-form button[type=submit]:not([name])"
BERLIN = ZoneInfo("Europe/Berlin")
SLOTS = [(10, time(10, 0)), (12, time(14, 0)), (14, time(9, 30))]  # days ahead, start in Berlin


def test_poll_with_three_dates_is_answered_by_link_and_closed_on_the_best_date(
    site: Site, live_server: LiveServer, live_outbox, new_context, site_for
) -> None:
    body = BodyFactory(code="AGREG", name="AG Registermodernisierung", visibility=Visibility.INTERNAL)
    anna = member(body, "Anna Amt", "anna@example.org")
    bernd = member(body, "Bernd Bürger", "bernd@example.org")
    carla = member(body, "Carla Chair", "carla@example.org", role=MembershipRole.CHAIR)
    OrganiserFactory(email="olga@example.org", display_name="Olga Organiser", locale="en")
    page = site.page

    # The organiser proposes three dates from the body's page.
    site.log_in("olga@example.org")
    site.visit("/bodies/AGREG", name="body")
    with site.navigation("poll-form"):
        page.locator("main a[href='/polls/create?body=AGREG']").click()
    expect(page.locator("#body_id")).to_have_value(str(body.id))
    page.locator("#title").fill("Erste Sitzung der AG")
    page.locator("#description").fill("Bitte bis zur Frist antworten.")
    page.locator("#duration_minutes").fill("90")
    expect(page.locator("#timezone")).to_have_value("Europe/Berlin")
    for row, (days, start) in enumerate(SLOTS):
        page.locator(f"#slots-{row}-day").fill(day_ahead(days).isoformat())
        page.locator(f"#slots-{row}-start").fill(start.strftime("%H:%M"))
    page.locator("#deadline_day").fill(day_ahead(5).isoformat())
    page.locator("#deadline_time").fill("18:00")
    with site.navigation("poll-created"):
        page.locator(SUBMIT).click()

    poll = db.session.scalars(db.select(Poll)).one()
    assert urlpath(page.url) == f"/polls/{poll.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("3 invitations sent")
    slots = sorted(poll.slots, key=lambda slot: slot.starts_at)
    assert [local(slot.starts_at) for slot in slots] == [
        datetime.combine(day_ahead(days), start, tzinfo=BERLIN) for days, start in SLOTS
    ]
    expect(page.locator("#results-table thead th[id^=slot-]")).to_have_count(3)

    # Two invitees answer through their personal links, in browsers of their own (no login, no cookies).
    answers = {
        anna: (PollChoice.NO, PollChoice.YES, PollChoice.IF_NEED_BE),
        bernd: (PollChoice.IF_NEED_BE, PollChoice.YES, PollChoice.YES),
    }
    for account, choices in answers.items():
        mails = mails_to(live_outbox.messages(), account)
        assert len(mails) == 1
        link = re.search(r"\S+/polls/answer/\S+", live_outbox.body(mails[0]))
        assert link, live_outbox.body(mails[0])
        assert link.group(0).startswith(live_server.url + "/polls/answer/")
        invitee = site_for(new_context().new_page())
        invitee.visit(link.group(0), name=f"answer-{account.email.split('@')[0]}")
        form = invitee.page.locator("#answer-form")
        expect(form.locator("fieldset[id^=slot-]")).to_have_count(3)
        for slot, choice in zip(slots, choices, strict=True):
            invitee.page.locator(f"#slot-{slot.id}-{choice.value}").check()
        invitee.page.locator("#comment").fill(f"Gruß, {account.display_name}")
        with invitee.navigation(f"answered-{account.email.split('@')[0]}"):
            form.locator("button[type=submit]").click()
        expect(invitee.page.locator(".koop-flashes")).to_be_visible()
        assert urlpath(invitee.page.url) == urlpath(link.group(0))  # back on the form, which keeps the answers
        for slot, choice in zip(slots, choices, strict=True):
            expect(invitee.page.locator(f"#slot-{slot.id}-{choice.value}")).to_be_checked()
        invitee.page.context.close()

    # The organiser sees the answers and the best date: two yes for the second proposal.
    best = slots[1]
    site.visit(f"/polls/{poll.id}", name="poll-results")
    table = page.locator("#results-table")
    expect(page.locator("#results")).to_contain_text("2 of 3 invited people have answered.")
    expect(table.locator(f"thead th#slot-{best.id} .kern-badge--success")).to_contain_text("Best date")
    expect(table.locator("thead .kern-badge--success")).to_have_count(1)
    anna_row = table.locator("tbody tr", has=page.locator("th", has_text="Anna Amt"))
    expect(anna_row.locator("td")).to_have_text(["✗ No", "✓ Yes", "(✓) If need be", "Gruß, Anna Amt"])
    carla_row = table.locator("tbody tr", has=page.locator("th", has_text="Carla Chair"))
    expect(carla_row.locator("td").first).to_have_text("– No answer")

    # Closing on the best date creates the meeting and sends its invitations.
    with site.navigation("poll-close-form"):
        page.locator(f"#close-slot-{best.id}").click()
    expect(page.locator("#title")).to_have_value("Erste Sitzung der AG")
    expect(page.locator("#agenda-template li")).not_to_have_count(0)  # the body's standard agenda
    page.locator("#location").fill("Rathaus Neunkirchen, Sitzungssaal")
    with site.navigation("poll-closed"):
        page.locator(SUBMIT).click()

    db.session.expire_all()
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert urlpath(page.url) == f"/meetings/{meeting.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("3 invitations sent")
    expect(page.locator("main h1")).to_have_text("Erste Sitzung der AG")
    assert meeting.body_id == body.id
    assert local(meeting.starts_at) == local(best.starts_at)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=90)
    assert meeting.location == "Rathaus Neunkirchen, Sitzungssaal"
    invited = db.session.scalars(db.select(Invitation.account_id).where(Invitation.meeting_id == meeting.id)).all()
    assert sorted(invited) == sorted([anna.id, bernd.id, carla.id])
    poll = db.session.get(Poll, poll.id)
    assert poll.status is PollStatus.CLOSED
    assert poll.chosen_slot_id == best.id

    # Each member has the meeting's invitation with an iCalendar REQUEST for the chosen date.
    for account in (anna, bernd, carla):
        calendars = [calendar_of(m) for m in mails_to(live_outbox.messages(), account) if has_calendar(m)]
        assert len(calendars) == 1, f"{account.email}: {len(calendars)} invitation(s) with a calendar"
        calendar = calendars[0]
        assert str(calendar["METHOD"]) == "REQUEST"
        events = list(calendar.walk("VEVENT"))
        assert len(events) == 1
        event = events[0]
        assert str(event["UID"]) == meeting.uid
        assert int(event["SEQUENCE"]) == meeting.sequence
        assert event.decoded("DTSTART").astimezone(BERLIN) == local(best.starts_at)
        assert event.decoded("DTEND").astimezone(BERLIN) == local(best.starts_at) + timedelta(minutes=90)
        attendees = event.get("ATTENDEE")
        attendees = attendees if isinstance(attendees, list) else [attendees]
        assert [str(a).lower() for a in attendees] == [f"mailto:{account.email}"]

    # The poll page shows the chosen date and leads to the meeting; the meeting page opens from there.
    site.visit(f"/polls/{poll.id}", name="poll-closed-page")
    expect(page.locator("#chosen-date")).to_be_visible()
    expect(page.locator(f"#results-table thead th#slot-{best.id} .kern-badge--info")).to_contain_text("Chosen date")
    expect(page.locator("#results-table [id^=close-slot-]")).to_have_count(0)
    with site.navigation("meeting"):
        page.locator(f"#chosen-date a[href='/meetings/{meeting.id}']").click()
    expect(page.locator("main h1")).to_have_text("Erste Sitzung der AG")
    expect(page.locator("main")).to_contain_text("Rathaus Neunkirchen, Sitzungssaal")


def member(body, name: str, email: str, role: MembershipRole = MembershipRole.MEMBER):
    account = AccountFactory(display_name=name, email=email)
    MembershipFactory(body=body, account=account, role=role)
    return account


def has_calendar(message) -> bool:
    return any(part.get_content_type() == "text/calendar" for part in message.walk())


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]
