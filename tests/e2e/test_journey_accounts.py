"""Journey: an administrator invites a person, who sets a password, logs in and switches the language.

Locators use ids, hrefs and the `lang` attribute, not words: the German catalogue is still being written.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import LiveServer, Site
from tests.factories import AdminFactory, OrganisationFactory, StateOrganisationFactory

SUBMIT = "main form.koop-form button[type=submit]"
NEW_PASSWORD = "a-long-new-password-42"


def nav_link(site: Site, href: str):
    return site.page.locator(f"nav.koop-nav a[href='{href}']")


def test_admin_invites_a_person_who_sets_a_password_and_switches_language(
    site: Site, live_server: LiveServer, live_outbox
) -> None:
    AdminFactory(email="ada@example.org", display_name="Ada Admin")
    OrganisationFactory(name="Gemeinde Musterstadt")
    page = site.page

    site.log_in("ada@example.org")
    expect(page.locator("main h1")).to_contain_text("Ada Admin")

    with site.navigation("accounts"):
        nav_link(site, "/accounts/").click()
    with site.navigation("invite-form"):
        page.locator("main a[href='/accounts/invite']").click()
    page.locator("#display_name").fill("Nora Neu")
    page.locator("#email").fill("nora.neu@example.org")
    page.locator("#organisation_id").select_option(label="Gemeinde Musterstadt")
    with site.navigation("invited"):
        page.locator(SUBMIT).click()
    expect(page.locator(".koop-flashes")).to_contain_text("Nora Neu")
    expect(page.locator("main table")).to_contain_text("nora.neu@example.org")

    with site.navigation("log-out"):
        page.locator("nav.koop-nav form button[type=submit]").click()

    mails = [message for message in live_outbox.messages() if message["To"] == "nora.neu@example.org"]
    assert len(mails) == 1
    link = re.search(r"\S+/auth/invitation/\S+", live_outbox.body(mails[0]))
    assert link, live_outbox.body(mails[0])
    assert link.group(0).startswith(live_server.url + "/auth/invitation/")

    site.visit(link.group(0), name="invitation")
    expect(page.locator("main h1")).to_contain_text("Nora Neu")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    with site.navigation("password-set"):
        page.locator(SUBMIT).click()
    assert urlpath(page.url) == "/auth/login"
    expect(page.locator(".koop-flashes")).to_be_visible()

    site.log_in("nora.neu@example.org", NEW_PASSWORD)
    expect(page.locator("main h1")).to_contain_text("Nora Neu")
    assert site.html_lang() == "de"

    language_button = page.locator("header .koop-language button")
    expect(language_button).to_have_attribute("lang", "en")
    with site.navigation("english"):
        language_button.click()
    assert site.html_lang() == "en"
    expect(nav_link(site, "/")).to_have_text("Dashboard")
    expect(language_button).to_have_attribute("lang", "de")

    with site.navigation("german-again"):
        language_button.click()
    assert site.html_lang() == "de"
    assert urlpath(page.url) == "/"


def test_every_admin_page_and_form_error(site: Site) -> None:
    """The pages an administrator sees, so each template is checked once by axe and the HTML checker."""
    AdminFactory(email="ada@example.org", display_name="Ada Admin")
    district = StateOrganisationFactory(name="Landkreis Beispiel", short_name="LKB")
    OrganisationFactory(name="Gemeinde Musterstadt", parent=district, ags="10041100")
    page = site.page

    site.visit("/", name="welcome")
    site.visit("/auth/reset", name="reset-request")
    page.locator("#email").fill("somebody@example.org")
    with site.navigation("reset-requested"):
        page.locator(SUBMIT).click()
    expect(page.locator(".koop-flashes")).to_be_visible()

    site.visit("/auth/login", name="login")
    page.locator("#email").fill("ada@example.org")
    page.locator("#password").fill("not-the-password")
    with site.navigation("login-wrong-password"):
        page.locator(SUBMIT).click()
    expect(page.locator("main .kern-alert--danger")).to_be_visible()

    site.log_in("ada@example.org")

    with site.navigation("organisations"):
        nav_link(site, "/organisations/").click()
    with site.navigation("organisation"):
        page.locator("main table a", has_text="Landkreis Beispiel").click()
    expect(page.locator("main h1")).to_have_text("Landkreis Beispiel")
    expect(page.locator("main")).to_contain_text("Gemeinde Musterstadt")

    site.visit("/organisations/create", name="organisation-form")
    page.locator("#ags").fill("abc")  # an optional field with a hint and an error
    with site.navigation("organisation-form-errors"):
        page.locator(SUBMIT).click()
    expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.locator("#ags")).to_have_attribute("aria-describedby", "ags-hint ags-error")

    with site.navigation("profile"):
        page.locator("nav.koop-nav a[href='/accounts/profile']").click()

    with site.navigation("accounts"):
        nav_link(site, "/accounts/").click()
    with site.navigation("account-edit"):
        page.locator("main table a", has_text="Ada Admin").click()
    expect(page.locator("#email")).to_have_value("ada@example.org")

    site.visit("/no-such-page", status=404, name="not-found")


def test_narrow_screen_has_no_horizontal_overflow(new_context, site_for) -> None:
    """At 320 CSS pixels (WCAG 1.4.10 reflow) the dashboard and the organisations list fit the width."""
    AdminFactory(email="ada@example.org", display_name="Ada Admin")
    OrganisationFactory(name="Zweckverband Elektronische Verwaltung für saarländische Kommunen", short_name="eGo-Saar")
    OrganisationFactory(name="Gemeinde Musterstadt")
    site = site_for(new_context(viewport={"width": 320, "height": 640}).new_page())

    site.log_in("ada@example.org")
    for path, name in [("/", "dashboard-320px"), ("/organisations/", "organisations-320px")]:
        site.visit(path, name=name)
        # clientWidth is the viewport less a classic scrollbar, so this also catches a page 310 px wide.
        scroll_width, client_width = site.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert client_width <= 320
        assert scroll_width <= client_width + 1, f"{path} is {scroll_width}px wide in a {client_width}px viewport"

    # The wide table scrolls in its own box, which the keyboard can reach and scroll.
    table_box = site.page.locator("main [role=region]:has(table)")
    table_box.focus()
    site.page.keyboard.press("ArrowRight")
    site.page.wait_for_function("box => box.scrollLeft > 0", arg=table_box.element_handle(), timeout=2000)
    site.check("organisations-320px-table-scrolled")


def urlpath(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]
