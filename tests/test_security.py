"""Security: CSRF, security headers, no third-party requests, open redirects, error pages in both languages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import abort
from flask_babel import force_locale, gettext

from app.auth.tokens import issue_token
from app.errors import ConflictError
from app.extensions import db
from app.models import TokenPurpose
from tests.clients import IsolatedClient
from tests.factories import PASSWORD, AccountFactory, AdminFactory, OrganisationFactory

STATIC = Path(__file__).resolve().parent.parent / "app" / "static"
CSRF_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
URL_ATTRIBUTE = re.compile(r'\b(?:src|href|action|srcset|poster|data)\s*=\s*["\']([^"\']*)["\']', re.I)
ERROR_HEADINGS = {
    400: "Bad request (400)",
    403: "Access denied (403)",
    404: "Page not found (404)",
    409: "Conflict (409)",
    500: "Something went wrong (500)",
}


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


def _translated(app, locale: str, text: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(text)


def _csrf_token(client, path: str = "/auth/login") -> str:
    match = CSRF_TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


# CSRF


def test_login_without_csrf_token_is_refused(csrf_app, client):
    csrf_app.config["BABEL_DEFAULT_LOCALE"] = "de"  # the product's default language, as anonymous visitors see it
    AccountFactory(email="boss@example.org")
    response = client.post("/auth/login", data={"email": "boss@example.org", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _translated(csrf_app, "de", ERROR_HEADINGS[400]) in page
    expired = "The form has expired or was not sent from this site. Please go back, reload the page and try again."
    assert _translated(csrf_app, "de", expired)[:20] in page
    assert client.get("/accounts/profile").status_code == 302  # not logged in


def test_login_with_a_wrong_csrf_token_is_refused(csrf_app, client):
    csrf_app.config["BABEL_DEFAULT_LOCALE"] = "de"
    AccountFactory(email="boss@example.org")
    _csrf_token(client)
    data = {"email": "boss@example.org", "password": PASSWORD, "csrf_token": "IjEyMzQ1Ig.forged.token"}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 400
    assert _translated(csrf_app, "de", ERROR_HEADINGS[400]) in response.get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(csrf_app, client):
    AccountFactory(email="boss@example.org")
    foreign_token = _csrf_token(csrf_app.test_client())
    _csrf_token(client)
    data = {"email": "boss@example.org", "password": PASSWORD, "csrf_token": foreign_token}
    assert client.post("/auth/login", data=data).status_code == 400


def test_login_with_the_right_csrf_token_works(csrf_app, client):
    AccountFactory(email="boss@example.org")
    token = _csrf_token(client)
    data = {"email": "boss@example.org", "password": PASSWORD, "csrf_token": token}
    response = client.post("/auth/login", data=data)
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/language", {"locale": "en"}),
        ("/auth/logout", {}),
        ("/auth/reset", {"email": "boss@example.org"}),
        ("/accounts/profile", {"display_name": "X", "locale": "en", "timezone": "Europe/Berlin"}),
    ],
)
def test_every_state_change_needs_the_token(csrf_app, client, outbox, path, data):
    account = AccountFactory(email="boss@example.org", locale="de")
    token = _csrf_token(client)
    assert client.post("/auth/login", data={"email": "boss@example.org", "password": PASSWORD, "csrf_token": token})
    response = client.post(path, data=data)
    assert response.status_code == 400
    db.session.refresh(account)
    assert account.locale == "de"
    assert account.display_name != "X"
    assert outbox.messages() == []


# Headers


@pytest.mark.parametrize("path", ["/", "/auth/login", "/no-such-page", "/healthz", "/static/favicon.svg"])
def test_security_headers(client, path):
    response = client.get(path)
    response.close()  # static files are streamed from disk
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "*" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin")


def test_passwords_are_hashed_with_argon2id(client, auth):
    account = AccountFactory(email="boss@example.org")
    assert account.password_hash.startswith("$argon2id$")


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# No third-party requests, nothing the CSP would block


def _get_routes(app) -> list:
    return [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and rule.endpoint != "static"]


def _pages(app, client) -> dict[str, str]:
    """Every GET page of the app, with real objects for its URL parameters."""
    organisation = OrganisationFactory()
    invited = AccountFactory(password_hash=None, organisation=organisation)
    other = AccountFactory(organisation=organisation)
    values = {
        "organisation_id": organisation.id,
        "account_id": other.id,
        "token": issue_token(invited, TokenPurpose.INVITATION, timedelta(days=1)),
    }
    reset_token = issue_token(other, TokenPurpose.PASSWORD_RESET, timedelta(hours=1))
    db.session.commit()
    pages = {}
    with app.test_request_context():
        from flask import url_for

        for rule in _get_routes(app):
            arguments = {name: values.get(name) for name in rule.arguments}
            if rule.endpoint == "auth.reset_password":
                arguments["token"] = reset_token
            if None in arguments.values():
                continue  # routes of later issues; the permission matrix makes sure they get covered
            pages[rule.endpoint] = url_for(rule.endpoint, **arguments)
    rendered = {}
    for endpoint, url in pages.items():
        response = client.get(url)
        assert response.status_code < 500, (endpoint, response.status_code)
        if response.mimetype == "text/html" and response.status_code != 302:
            rendered[url] = response.get_data(as_text=True)
    return rendered


def _external_urls(html: str) -> list[str]:
    urls = URL_ATTRIBUTE.findall(html)
    return [url for url in urls if re.match(r"^\s*(https?:)?//", url, re.I) and not url.startswith("http://localhost/")]


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_pages_load_nothing_from_other_hosts(app, client, auth, who):
    if who == "admin":
        AdminFactory(email="admin@example.org", organisation=None)
        assert auth.login("admin@example.org").status_code == 302
    rendered = _pages(app, client)
    assert len(rendered) >= (3 if who == "anonymous" else 8)
    for url, html in rendered.items():
        assert _external_urls(html) == [], url
        # The CSP allows no inline code: no script or style blocks, no style attributes, no event handlers.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), url
        assert "<style" not in html.lower(), url
        assert not re.search(r"\sstyle\s*=", html, re.I), url
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), url


def test_error_pages_load_nothing_from_other_hosts(client):
    assert _external_urls(client.get("/no-such-page").get_data(as_text=True)) == []


def test_static_styles_load_nothing_from_other_hosts():
    sheets = list(STATIC.rglob("*.css"))
    assert sheets
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8")
        assert not re.search(r"url\(\s*['\"]?\s*(https?:)?//", text, re.I), sheet
        assert not re.search(r"@import\s+(url\()?\s*['\"]?\s*(https?:)?//", text, re.I), sheet


# Open redirects


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example", "javascript:alert(1)"])
def test_language_switch_stays_on_the_site(client, target):
    response = client.post("/language", data={"locale": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_returns_to_the_page(client):
    response = client.post("/language", data={"locale": "en", "next": "/auth/login?next=/accounts/"})
    assert response.headers["Location"] == "/auth/login?next=/accounts/"
    assert '<html lang="en">' in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_refuses_unknown_languages(client):
    assert client.post("/language", data={"locale": "fr", "next": "/"}).status_code == 400


def test_language_switch_is_remembered_in_the_account(client, auth):
    account = AccountFactory(email="boss@example.org", locale="de")
    auth.login("boss@example.org")
    client.post("/language", data={"locale": "en", "next": "/"})
    db.session.refresh(account)
    assert account.locale == "en"


# Error pages in both languages


@pytest.fixture
def failing_routes(app):
    """Routes that fail on purpose, registered on this test's app only."""

    def conflict():
        raise ConflictError("Someone else saved this first.")

    def aborted_conflict():
        abort(409)

    def crash():
        raise RuntimeError("boom")

    app.add_url_rule("/_test/conflict", view_func=conflict)
    app.add_url_rule("/_test/aborted-conflict", view_func=aborted_conflict)
    app.add_url_rule("/_test/crash", view_func=crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # render the 500 page instead of raising into the test


def _error_response(client, auth, code: int):
    if code == 400:
        return client.post("/language", data={"locale": "xx"})
    if code == 403:
        auth.login("plain@example.org")
        return client.get("/accounts/")
    if code == 404:
        return client.get("/no/such/page")
    if code == 409:
        return client.get("/_test/conflict")
    return client.get("/_test/crash")


@pytest.mark.parametrize("code", sorted(ERROR_HEADINGS))
@pytest.mark.parametrize("locale", ["de", "en"])
def test_error_pages_in_both_languages(app, client, auth, failing_routes, code, locale):
    AccountFactory(email="plain@example.org", locale=locale)
    client.post("/language", data={"locale": locale, "next": "/"})
    response = _error_response(client, auth, code)
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert f'<html lang="{locale}">' in page
    heading = ERROR_HEADINGS[code] if locale == "en" else _translated(app, "de", ERROR_HEADINGS[code])
    assert f'<h1 class="kern-heading-large">{heading}</h1>' in page
    assert 'href="#main"' in page  # the full layout, with its skip link
    assert "Traceback" not in page and "boom" not in page


def test_conflict_page_shows_the_message(app, client, failing_routes):
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    response = client.get("/_test/conflict")
    assert response.status_code == 409
    assert "Someone else saved this first." in response.get_data(as_text=True)
    response = client.get("/_test/aborted-conflict")
    assert response.status_code == 409
    assert _translated(app, "de", ERROR_HEADINGS[409]) in response.get_data(as_text=True)


def test_method_not_allowed_page(app, client):
    app.config["BABEL_DEFAULT_LOCALE"] = "de"
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert '<html lang="de">' in response.get_data(as_text=True)
