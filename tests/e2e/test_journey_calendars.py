"""Journey: a member makes a personal calendar address, copies it with the button, and the feed answers.

Locators use ids and data attributes, not words: the German catalogue is still being written.
"""

from __future__ import annotations

from playwright.sync_api import expect

from app.models import Visibility
from tests.e2e.conftest import LiveServer, Site
from tests.factories import AccountFactory
from tests.factories_bodies import BodyFactory, MembershipFactory


def test_a_member_makes_and_copies_a_calendar_address(site: Site, live_server: LiveServer) -> None:
    body = BodyFactory(visibility=Visibility.PUBLIC, code="ITKR")
    MembershipFactory(body=body, account=AccountFactory(email="mia@example.org"))
    page = site.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])

    site.visit("/bodies/ITKR/calendar", name="body-calendar")
    expect(page.locator("#body-feed-https")).to_have_value(f"{live_server.url}/bodies/ITKR/calendar.ics")
    expect(page.locator("[data-copy-target='body-feed-https']")).to_be_visible()  # shown by js/copy.js

    site.log_in("mia@example.org")
    site.visit("/calendar/", name="calendar-empty")
    with site.navigation("calendar-new-address"):
        page.locator("main form[action='/calendar/regenerate'] button").click()
    address = page.locator("#feed-https").input_value()
    assert address.startswith(f"{live_server.url}/calendar/") and address.endswith(".ics")

    page.locator("[data-copy-target='feed-https']").click()
    expect(page.locator("[data-copy-status='feed-https']")).not_to_be_empty()
    assert page.evaluate("() => navigator.clipboard.readText()") == address

    feed = page.request.get(address)
    assert feed.status == 200
    assert feed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert feed.headers["referrer-policy"] == "no-referrer"
