"""Journey: a secretary sends invitations at short notice with a guest; a member answers through the mailed link
without logging in; a forged link gets a clear page. Every page is checked by axe and the Nu HTML Checker."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.extensions import db
from app.models import Answer, Invitation
from tests.e2e.conftest import LiveServer, Site
from tests.factories import AccountFactory
from tests.factories_invitations import FutureMeetingFactory, local_start, make_cast


def test_secretary_invites_and_a_member_answers_by_the_mailed_link(
    site: Site, live_server: LiveServer, live_outbox, new_context, site_for
) -> None:
    cast = make_cast()
    AccountFactory(display_name="Gabi Gast", email="gabi@example.org")
    meeting = FutureMeetingFactory(body=cast.body, title="Sitzung des Rats", starts_at=local_start(3))
    page = site.page

    site.log_in(cast.secretary.email)
    site.visit(f"/invitations/{meeting.id}/send", name="send")
    expect(page.locator("main .kern-alert--warning")).to_be_visible()
    page.get_by_label(re.compile("Gabi Gast")).check()
    with site.navigation("send-unconfirmed"):
        page.locator("main form.koop-form button[type=submit]").click()
    expect(page.locator("#confirm_short_notice")).to_have_attribute("aria-invalid", "true")
    page.locator("#confirm_short_notice").check()
    with site.navigation("sent"):
        page.locator("main form.koop-form button[type=submit]").click()
    assert page.url.endswith(f"/meetings/{meeting.id}")
    assert len(live_outbox.messages()) == 5

    member_mail = next(m for m in live_outbox.messages() if m["To"] == cast.member.email)
    link = re.search(r"\S+/invitations/\d+/reply/\S+", live_outbox.body(member_mail)).group(0)
    assert link.startswith(live_server.url)

    stranger = site_for(new_context().new_page())  # no login, no cookies
    stranger.visit(link, name="reply")
    expect(stranger.page.locator("main h1")).to_contain_text("Sitzung des Rats")
    with stranger.navigation("answered"):
        stranger.page.locator("main button[name=answer][value=tentative]").click()
    expect(stranger.page.locator(".koop-flashes")).to_be_visible()
    expect(stranger.page.locator("main button[value=tentative]")).to_have_attribute("aria-pressed", "true")
    db.session.expire_all()
    invitation = db.session.scalars(
        db.select(Invitation).where(Invitation.meeting_id == meeting.id, Invitation.account_id == cast.member.id)
    ).one()
    assert invitation.answer is Answer.TENTATIVE

    stranger.visit(link[:-4] + "abcd", status=404, name="forged")
    expect(stranger.page.locator("main h1")).to_be_visible()
