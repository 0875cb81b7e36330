"""Logging in and out, sessions, rate limits, password resets and invitation links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app import create_app
from app.accounts.services import invite_account
from app.auth.passwords import verify_password
from app.extensions import db
from app.models import Account, AccountToken, TokenPurpose, utcnow
from tests.clients import IsolatedClient
from tests.factories import PASSWORD, AccountFactory, AdminFactory

NEW_PASSWORD = "a-brand-new-secret"
WRONG_CREDENTIALS = "Email address or password is wrong."
INVALID_LINK = "This link cannot be used"
LINK = re.compile(r"http://localhost(/auth/(?:reset|invitation)/[A-Za-z0-9_\-]+)")
CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*(")')


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


def _link(outbox) -> str:
    """The path of the link in the newest mail."""
    match = LINK.search(outbox.body(outbox.last()))
    assert match, "no link in the mail"
    return match.group(1)


def _choose_english(client):
    """The pages these tests read are checked in English (German is the default and has its own catalogue)."""
    assert client.post("/language", data={"locale": "en", "next": "/"}).status_code == 302
    return client


@pytest.fixture
def client(app):
    return _choose_english(app.test_client())


def _without_csrf(html: str) -> str:
    return CSRF_VALUE.sub(r"\1\2", html)


def _set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def _cookie(response, name: str) -> str:
    found = [cookie for cookie in _set_cookies(response) if cookie.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[0]


def _logged_in(client) -> bool:
    response = client.get("/accounts/profile")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
    return False


def _expire_tokens(account: Account) -> None:
    db.session.execute(
        update(AccountToken)
        .where(AccountToken.account_id == account.id)
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def _invite(email: str = "new.person@example.org") -> Account:
    inviter = AdminFactory()
    return invite_account(inviter, display_name="New Person", email=email, organisation=None, locale="en")


# Logging in and out


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert 'name="email"' in response.get_data(as_text=True)


def test_login_with_email_in_any_case(client, auth):
    account = AccountFactory(email="boss@example.org")
    response = auth.login("  BOSS@Example.ORG ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert _logged_in(client)
    db.session.refresh(account)
    assert account.last_login_at is not None


def test_wrong_password_is_refused(client, auth):
    AccountFactory(email="boss@example.org")
    response = auth.login("boss@example.org", "not-the-password")
    assert response.status_code == 200
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_unknown_email_gets_the_same_answer_as_a_wrong_password(app, auth):
    AccountFactory(email="boss@example.org")
    wrong_password = auth.login("boss@example.org", "not-the-password")
    other = _choose_english(app.test_client())
    unknown = other.post("/auth/login", data={"email": "nobody@example.org", "password": "x" * 12})
    assert unknown.status_code == wrong_password.status_code == 200
    assert WRONG_CREDENTIALS in unknown.get_data(as_text=True)
    # Apart from the typed email (echoed in the field) and the CSRF token, the pages are the same.
    normalise = lambda r, email: _without_csrf(r.get_data(as_text=True)).replace(email, "EMAIL")  # noqa: E731
    assert normalise(unknown, "nobody@example.org") == normalise(wrong_password, "boss@example.org")


def test_account_without_password_cannot_log_in(client, auth):
    AccountFactory(email="invited@example.org", password_hash=None)
    response = auth.login("invited@example.org", "")
    assert response.status_code == 200
    response = auth.login("invited@example.org", "anything-at-all")
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_deactivated_account_gets_a_clear_message(client, auth):
    AccountFactory(email="gone@example.org", active=False)
    response = auth.login("gone@example.org")
    assert response.status_code == 200
    assert "This account has been deactivated" in response.get_data(as_text=True)
    assert not _logged_in(client)


def test_deactivated_account_with_wrong_password_learns_nothing(auth):
    AccountFactory(email="gone@example.org", active=False)
    response = auth.login("gone@example.org", "not-the-password")
    page = response.get_data(as_text=True)
    assert WRONG_CREDENTIALS in page
    assert "deactivated" not in page


def test_logged_in_person_visiting_login_goes_to_the_dashboard(client, auth):
    AccountFactory(email="boss@example.org")
    auth.login("boss@example.org")
    response = client.get("/auth/login")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_is_post_only(client, auth):
    AccountFactory(email="boss@example.org")
    auth.login("boss@example.org")
    assert client.get("/auth/logout").status_code == 405
    assert _logged_in(client)
    response = auth.logout()
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert not _logged_in(client)


def test_remember_me_sets_the_remember_cookie(client):
    AccountFactory(email="boss@example.org")
    response = client.post("/auth/login", data={"email": "boss@example.org", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookie = _cookie(response, "remember_token")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_without_remember_me_there_is_no_remember_cookie(auth):
    AccountFactory(email="boss@example.org")
    response = auth.login("boss@example.org")
    assert response.status_code == 302
    assert not [cookie for cookie in _set_cookies(response) if cookie.startswith("remember_token=")]


def test_session_cookie_is_httponly_and_samesite_lax(auth):
    AccountFactory(email="boss@example.org")
    cookie = _cookie(auth.login("boss@example.org"), "session")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_session_and_remember_cookies_are_secure(app, database_url):
    AccountFactory(email="boss@example.org")
    production = create_app("production", {"SECRET_KEY": "a-real-secret", "SQLALCHEMY_DATABASE_URI": database_url})
    client = production.test_client()
    # Production sends plain HTTP to HTTPS first.
    assert client.get("/auth/login").status_code in (301, 302)
    response = client.post(
        "/auth/login",
        data={"email": "boss@example.org", "password": PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    assert response.status_code == 400  # CSRF is on in production; the form needs its token
    login_page = client.get("/auth/login", base_url="https://localhost")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page.get_data(as_text=True))
    assert token
    response = client.post(
        "/auth/login",
        data={"email": "boss@example.org", "password": PASSWORD, "remember": "y", "csrf_token": token.group(1)},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    assert "max-age" in response.headers.get("Strict-Transport-Security", "")
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_parameter_cannot_leave_the_site(client, target):
    AccountFactory(email="boss@example.org")
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": "boss@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_next_parameter_within_the_site_is_followed(client):
    AccountFactory(email="boss@example.org")
    response = client.post(
        "/auth/login",
        query_string={"next": "/organisations/?q=Saar"},
        data={"email": "boss@example.org", "password": PASSWORD},
    )
    assert response.headers["Location"] == "/organisations/?q=Saar"


def test_protected_page_sends_anonymous_visitors_to_login_with_next(client):
    response = client.get("/accounts/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


# Rate limit


def test_eleventh_failed_login_within_a_minute_is_refused(client, auth):
    AccountFactory(email="boss@example.org")
    for _ in range(10):
        assert auth.login("boss@example.org", "not-the-password").status_code == 200
    response = auth.login("boss@example.org", "not-the-password")
    assert response.status_code == 429
    assert "Too many attempts (429)" in response.get_data(as_text=True)
    # The right password does not get through either while the limit holds.
    assert auth.login("boss@example.org").status_code == 429


def test_successful_logins_do_not_count_towards_the_limit(app, client, auth):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"  # a small limit keeps the (slow on purpose) hashing short
    AccountFactory(email="boss@example.org")
    for _ in range(4):
        assert auth.login("boss@example.org").status_code == 302
        assert auth.logout().status_code == 302
    for _ in range(3):
        assert auth.login("boss@example.org", "not-the-password").status_code == 200
    assert auth.login("boss@example.org", "not-the-password").status_code == 429


def test_login_limit_comes_from_the_config(app, auth):
    app.config["LOGIN_RATE_LIMIT"] = "2 per minute"
    for _ in range(2):
        assert auth.login("nobody@example.org", "not-the-password").status_code == 200
    assert auth.login("nobody@example.org", "not-the-password").status_code == 429


def test_reset_requests_are_rate_limited(client):
    for _ in range(10):
        assert client.post("/auth/reset", data={"email": "nobody@example.org"}).status_code == 302
    assert client.post("/auth/reset", data={"email": "nobody@example.org"}).status_code == 429


# Password reset


def test_reset_request_answers_the_same_for_known_and_unknown_emails(app, outbox):
    AccountFactory(email="known@example.org")
    first, second = _choose_english(app.test_client()), _choose_english(app.test_client())
    known = first.post("/auth/reset", data={"email": "known@example.org"}, follow_redirects=True)
    unknown = second.post("/auth/reset", data={"email": "unknown@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert known.request.path == unknown.request.path == "/auth/login"
    assert _without_csrf(known.get_data(as_text=True)) == _without_csrf(unknown.get_data(as_text=True))
    assert "If an account exists for this address" in known.get_data(as_text=True)
    messages = outbox.messages()
    assert [message["To"] for message in messages] == ["known@example.org"]


def test_reset_request_is_case_insensitive(client, outbox):
    AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "Known@Example.org"})
    assert outbox.last()["To"] == "known@example.org"


def test_reset_request_for_a_deactivated_account_sends_nothing(client, outbox):
    AccountFactory(email="gone@example.org", active=False)
    response = client.post("/auth/reset", data={"email": "gone@example.org"})
    assert response.status_code == 302
    assert outbox.messages() == []


def test_reset_request_for_an_invited_account_sends_a_new_invitation(client, outbox):
    AccountFactory(email="invited@example.org", password_hash=None, locale="en")
    client.post("/auth/reset", data={"email": "invited@example.org"})
    assert "/auth/invitation/" in _link(outbox)


def test_reset_request_with_an_invalid_email_shows_a_field_error(client, outbox):
    response = client.post("/auth/reset", data={"email": "not-an-email"})
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert outbox.messages() == []


def test_password_reset_sets_a_new_password(client, auth, outbox):
    account = AccountFactory(email="known@example.org", locale="en")
    client.post("/auth/reset", data={"email": "known@example.org"})
    message = outbox.last()
    assert message["Subject"] == "Set a new password for Koop"
    link = _link(outbox)
    assert link.startswith("/auth/reset/")
    assert client.get(link).status_code == 200
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    db.session.refresh(account)
    assert verify_password(account.password_hash, NEW_PASSWORD)
    assert auth.login("known@example.org", PASSWORD).status_code == 200
    assert auth.login("known@example.org", NEW_PASSWORD).status_code == 302


def test_reset_link_is_valid_for_one_hour(client, outbox):
    account = AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "known@example.org"})
    token = db.session.scalars(select(AccountToken).where(AccountToken.account_id == account.id)).one()
    assert token.purpose is TokenPurpose.PASSWORD_RESET
    assert token.expires_at - token.created_at == timedelta(hours=1)


def test_expired_reset_link_is_refused(client, outbox):
    account = AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "known@example.org"})
    link = _link(outbox)
    _expire_tokens(account)
    for response in (client.get(link), client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert response.status_code == 404
        assert INVALID_LINK in response.get_data(as_text=True)
    db.session.refresh(account)
    assert verify_password(account.password_hash, PASSWORD)


def test_reset_link_works_once(client, outbox):
    AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "known@example.org"})
    link = _link(outbox)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    second = client.post(link, data={"password": "another-new-secret", "confirm": "another-new-secret"})
    assert second.status_code == 404
    assert INVALID_LINK in second.get_data(as_text=True)
    assert client.get(link).status_code == 404


def test_a_new_reset_link_retires_the_older_one(client, outbox):
    AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "known@example.org"})
    first = _link(outbox)
    client.post("/auth/reset", data={"email": "known@example.org"})
    second = _link(outbox)
    assert first != second
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


@pytest.mark.parametrize("token", ["forged-token", "x" * 43, "x" * 500])
def test_forged_reset_link_is_refused(client, token):
    AccountFactory(email="known@example.org")
    response = client.get(f"/auth/reset/{token}")
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    assert (
        client.post(f"/auth/reset/{token}", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    )


def test_invitation_link_is_not_a_reset_link(client, outbox):
    _invite()
    link = _link(outbox)
    assert client.get(link.replace("/invitation/", "/reset/")).status_code == 404


def test_password_change_ends_other_sessions(app, client, auth, outbox):
    account = AccountFactory(email="known@example.org")
    assert auth.login("known@example.org").status_code == 302
    assert _logged_in(client)
    version = account.session_version

    other = _choose_english(app.test_client())
    other.post("/auth/reset", data={"email": "known@example.org"})
    assert other.post(_link(outbox), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    db.session.refresh(account)
    assert account.session_version == version + 1
    assert not _logged_in(client)


def test_password_change_ends_remembered_sessions_too(app, outbox):
    AccountFactory(email="known@example.org")
    client = _choose_english(app.test_client())
    client.post("/auth/login", data={"email": "known@example.org", "password": PASSWORD, "remember": "y"})
    client.delete_cookie("session")  # a new browser session: only the remember cookie is left
    assert _logged_in(client)

    other = _choose_english(app.test_client())
    other.post("/auth/reset", data={"email": "known@example.org"})
    assert other.post(_link(outbox), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    client.delete_cookie("session")
    assert not _logged_in(client)


# Invitations


def test_invitation_link_sets_the_first_password(client, auth, outbox):
    account = _invite()
    link = _link(outbox)
    assert link.startswith("/auth/invitation/")
    page = client.get(link)
    assert page.status_code == 200
    assert "new.person@example.org" in page.get_data(as_text=True)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    db.session.refresh(account)
    assert account.has_password
    assert auth.login("New.Person@example.org", NEW_PASSWORD).status_code == 302


def test_invitation_link_is_valid_for_seven_days(client, outbox):
    account = _invite()
    token = db.session.scalars(select(AccountToken).where(AccountToken.account_id == account.id)).one()
    assert token.purpose is TokenPurpose.INVITATION
    assert token.expires_at - token.created_at == timedelta(days=7)
    link = _link(outbox)
    # Six days and 23 hours later it still works ...
    db.session.execute(
        update(AccountToken).where(AccountToken.id == token.id).values(expires_at=utcnow() + timedelta(hours=1))
    )
    db.session.commit()
    assert client.get(link).status_code == 200
    # ... a moment after the seventh day it does not.
    _expire_tokens(account)
    response = client.get(link)
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404


def test_invitation_link_works_once(client, outbox):
    _invite()
    link = _link(outbox)
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(link).status_code == 404
    response = client.post(link, data={"password": "another-new-secret", "confirm": "another-new-secret"})
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_forged_invitation_link_is_refused(client, outbox):
    _invite()
    link = _link(outbox)
    forged = link[:-4] + ("aaaa" if not link.endswith("aaaa") else "bbbb")
    response = client.get(forged)
    assert response.status_code == 404
    assert INVALID_LINK in response.get_data(as_text=True)


def test_invitation_of_a_deactivated_account_is_refused(client, outbox):
    account = _invite()
    link = _link(outbox)
    account.active = False
    db.session.commit()
    assert client.get(link).status_code == 404


@pytest.mark.parametrize("password", ["short", "123456789"])
def test_weak_password_gets_a_field_message(client, outbox, password):
    account = _invite()
    link = _link(outbox)
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    error = re.search(r'id="password-error">(.*?)</p>', page, re.S)
    assert error and "at least 10 characters" in error.group(1)
    assert 'aria-describedby="password-hint password-error"' in page
    db.session.refresh(account)
    assert not account.has_password
    assert client.get(link).status_code == 200  # the link is not used up by a refused attempt


def test_password_that_is_the_email_is_refused(client, outbox):
    _invite(email="longname.person@example.org")
    link = _link(outbox)
    password = "longname.person@example.org"
    response = client.post(link, data={"password": password, "confirm": password})
    assert response.status_code == 200
    assert "must not be your email address" in response.get_data(as_text=True)


def test_mismatched_confirmation_gets_a_field_message(client, outbox):
    account = _invite()
    link = _link(outbox)
    response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert response.status_code == 200
    error = re.search(r'id="confirm-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert error and "The two passwords differ." in error.group(1)
    db.session.refresh(account)
    assert not account.has_password


def test_reset_with_weak_password_keeps_the_old_one(client, outbox):
    account = AccountFactory(email="known@example.org")
    client.post("/auth/reset", data={"email": "known@example.org"})
    link = _link(outbox)
    response = client.post(link, data={"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert 'id="password-error"' in response.get_data(as_text=True)
    db.session.refresh(account)
    assert verify_password(account.password_hash, PASSWORD)
    unused = db.session.scalar(select(func.count()).select_from(AccountToken).where(AccountToken.used_at.is_(None)))
    assert unused == 1
