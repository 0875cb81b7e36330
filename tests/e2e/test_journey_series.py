"""Journey (issue 4, item 11): a body's secretary schedules a series (every 2 weeks on Tuesdays, 6 meetings),
opens one occurrence, cancels it with a reason and sees it marked cancelled on the series page. Every page is
checked by axe and the Nu HTML Checker (automatically, see conftest.py).

The secretary works in English (account locale "en") so that the asserted texts stay put while the German
catalogue is being written; fields are located by their ids.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.clock import today
from app.extensions import db
from app.models import Meeting, MeetingSeries, MeetingStatus, MembershipRole, Visibility
from tests.e2e.conftest import Site
from tests.factories import AccountFactory
from tests.factories_bodies import BodyFactory, MembershipFactory

SUBMIT = "main form.koop-form button[type=submit]"
BERLIN = ZoneInfo("Europe/Berlin")


def next_tuesday_after(day: date, days: int) -> date:
    start = day + timedelta(days=days)
    return start + timedelta(days=(1 - start.weekday()) % 7)


def test_secretary_schedules_a_series_and_cancels_one_occurrence(site: Site) -> None:
    body = BodyFactory(code="AGREG", name="AG Registermodernisierung", visibility=Visibility.INTERNAL)
    secretary = AccountFactory(email="sekretariat@example.org", display_name="Sina Sekretariat", locale="en")
    MembershipFactory(body=body, account=secretary, role=MembershipRole.SECRETARY)
    MembershipFactory(body=body)  # a member, who is not invited yet: cancelling mails nobody
    first_tuesday = next_tuesday_after(today(), 7)
    expected_days = [first_tuesday + timedelta(weeks=2 * n) for n in range(6)]
    page = site.page

    site.log_in("sekretariat@example.org")
    site.visit("/bodies/AGREG", name="body")
    with site.navigation("series-form"):
        page.locator("main a[href='/series/create?body=AGREG']").click()

    page.locator("#title").fill("Sitzung der AG Registermodernisierung")
    page.locator("#frequency-0").check()  # weekly: every n weeks on chosen weekdays
    expect(page.locator("#frequency-0")).to_have_value("weekly")
    page.locator("#interval").fill("2")
    page.locator("input[name=weekdays][value=TU]").check()
    page.locator("#first_day").fill(first_tuesday.isoformat())
    page.locator("#start_time").fill("10:00")
    page.locator("#end_time").fill("11:30")
    expect(page.locator("#timezone")).to_have_value("Europe/Berlin")
    page.locator("#ends-1").check()
    expect(page.locator("#ends-1")).to_have_value("count")
    page.locator("#occurrence_count").fill("6")
    page.locator("#location").fill("Ministerium, Raum 1.23")
    with site.navigation("series-scheduled"):
        page.locator(SUBMIT).click()

    series = db.session.scalars(db.select(MeetingSeries).where(MeetingSeries.body_id == body.id)).one()
    assert urlpath(page.url) == f"/series/{series.id}"
    expect(page.locator(".koop-flashes")).to_contain_text("6 meetings")
    rows = page.locator("main section[aria-labelledby=occurrences-heading] tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.locator(".kern-badge--danger")).to_have_count(0)

    occurrences = sorted(series.occurrences, key=lambda meeting: meeting.starts_at)
    assert [local(m.starts_at).date() for m in occurrences] == expected_days
    assert {local(m.starts_at).time() for m in occurrences} == {time(10, 0)}
    assert {local(m.ends_at).time() for m in occurrences} == {time(11, 30)}
    chosen = occurrences[2]

    with site.navigation("occurrence"):
        rows.nth(2).locator(f"a[href='/meetings/{chosen.id}']").click()
    expect(page.locator("main h1")).to_have_text("Sitzung der AG Registermodernisierung")
    expect(page.locator(f"main a[href='/series/{series.id}']")).to_be_visible()

    disclosure = page.locator("main details.koop-details")
    expect(disclosure).to_have_count(1)
    expect(page.locator("#cancel-reason")).to_be_hidden()
    disclosure.locator("summary").click()
    expect(page.locator("#cancel-reason")).to_be_visible()
    assert site.axe() == []  # the opened disclosure, too
    page.locator("#cancel-reason").fill("Der Raum ist belegt.")
    with site.navigation("occurrence-cancelled"):
        disclosure.locator("button[type=submit]").click()
    assert urlpath(page.url) == f"/meetings/{chosen.id}"
    expect(page.locator("main .kern-alert--danger")).to_contain_text("This meeting has been cancelled.")
    expect(page.locator("main .kern-alert--danger")).to_contain_text("Der Raum ist belegt.")
    expect(page.locator("main details.koop-details")).to_have_count(0)  # nothing left to cancel

    with site.navigation("series-with-cancelled"):
        page.locator(f"main a[href='/series/{series.id}']").click()
    expect(rows).to_have_count(6)
    cancelled_row = rows.filter(has=page.locator(f"a[href='/meetings/{chosen.id}']"))
    expect(cancelled_row.locator(".kern-badge--danger")).to_have_text("Cancelled")
    expect(cancelled_row).to_contain_text("changed on its own")
    expect(rows.locator(".kern-badge--danger")).to_have_count(1)
    # A cancelled occurrence cannot start a "this and all following" change.
    expect(cancelled_row.locator("a[href*='edit-following']")).to_have_count(0)
    expect(rows.locator("a[href*='edit-following']")).to_have_count(5)

    db.session.expire_all()
    statuses = {m.id: m.status for m in db.session.scalars(db.select(Meeting).where(Meeting.series_id == series.id))}
    assert statuses.pop(chosen.id) is MeetingStatus.CANCELLED
    assert set(statuses.values()) == {MeetingStatus.PLANNED}
    assert db.session.get(Meeting, chosen.id).cancel_reason == "Der Raum ist belegt."


def local(moment: datetime) -> datetime:
    return moment.astimezone(BERLIN)


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]
