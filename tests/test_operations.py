"""Operations: a request id on every answer and in every log line, one access line per request with secrets
masked, and a clear 503 page (never a traceback) when the database does not answer."""

from __future__ import annotations

import logging
import re

import pytest

from app import create_app
from tests.clients import IsolatedClient
from tests.factories_bodies import BodyFactory, MembershipFactory
from tests.factories_feeds import personal_url

# Nothing listens on port 1: connecting fails at once with "connection refused".
UNREACHABLE = "postgresql+psycopg://koop:secret-password@127.0.0.1:1/koop"


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


def access_lines(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "koop.requests"]


# Request ids


def test_every_answer_has_a_new_request_id(client):
    first = client.get("/healthz")
    second = client.get("/")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert all(re.fullmatch(r"[0-9a-f]{32}", value) for value in ids)
    assert ids[0] != ids[1]


def test_a_sane_incoming_request_id_is_kept(client):
    for value in ("f3a1c2d4e5b6a7980112233445566778", "Root=1-67891233-abcdef012345678912345678", "abc.def:42_x"):
        response = client.get("/healthz", headers={"X-Request-ID": value})
        assert response.headers["X-Request-ID"] == value


@pytest.mark.parametrize(
    "value",
    ["", "two words", "x" * 101, 'quote"d', "new\\nline", "-starts-with-a-dash", "ümlaut", "a;b", "<script>"],
)
def test_an_odd_incoming_request_id_is_replaced(client, value):
    response = client.get("/healthz", headers={"X-Request-ID": value})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_error_pages_carry_the_request_id_too(client):
    for path, status in (("/nowhere", 404), ("/language", 405)):
        response = client.get(path)
        assert response.status_code == status and response.headers["X-Request-ID"]


# The access line


def test_one_access_line_per_request_with_method_path_status_and_duration(client, caplog):
    with caplog.at_level(logging.INFO, logger="koop"):
        response = client.get("/bodies/?search=secret-words", headers={"X-Request-ID": "req-42"})
        client.get("/nowhere")
    first, second = access_lines(caplog)
    status = response.status_code
    assert re.fullmatch(rf"request_id=req-42 method=GET path=/bodies/ status={status} duration_ms=\d+\.\d", first)
    assert "secret-words" not in caplog.text  # never the query string
    assert "path=/nowhere status=404" in second


def test_feed_tokens_in_paths_are_masked(app, client, caplog):
    body = BodyFactory()
    member = MembershipFactory(body=body).account
    url = personal_url(member)
    token = url.removeprefix("/calendar/").removesuffix(".ics")
    with caplog.at_level(logging.INFO, logger="koop"):
        assert client.get(url).status_code == 200
        assert client.get(url + f"?body={body.code}").status_code == 200
        assert client.get("/calendar/not-a-token.ics").status_code == 404
        client.get("/auth/reset/some-reset-token")
        client.get("/auth/invitation/some-invitation-token")
        client.get("/polls/answer/some-poll-token")
    lines = access_lines(caplog)
    assert len(lines) == 6
    assert all(token not in line and "-token" not in line for line in lines)
    assert token not in caplog.text and "not-a-token" not in caplog.text
    assert "path=/calendar/***.ics status=200" in lines[0]
    assert "path=/calendar/***.ics status=404" in lines[2]
    assert "path=/auth/reset/*** " in lines[3] and "path=/polls/answer/*** " in lines[5]


def test_other_log_lines_of_a_request_carry_its_id(app, client, capfd):
    @app.route("/test-warning")
    def warn():
        logging.getLogger("koop.test").warning("something odd")
        return "ok"

    client.get("/test-warning", headers={"X-Request-ID": "trace-me-7"})
    err = capfd.readouterr().err
    assert re.search(r"WARNING koop\.test \[trace-me-7\] something odd", err)
    assert re.search(r"INFO koop\.requests \[trace-me-7\] request_id=trace-me-7 method=GET path=/test-warning", err)


def test_log_requests_off_keeps_the_ids_and_drops_the_lines(app, client, caplog):
    app.config["LOG_REQUESTS"] = False
    with caplog.at_level(logging.INFO, logger="koop"):
        response = client.get("/healthz")
    assert response.headers["X-Request-ID"] and access_lines(caplog) == []


# The database does not answer


@pytest.fixture
def unreachable():
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": UNREACHABLE, "BABEL_DEFAULT_LOCALE": "en", "WTF_CSRF_ENABLED": False}
    )
    app.test_client_class = IsolatedClient
    return app


NEED_THE_DATABASE = ["/bodies/", "/bodies/ITKR", "/meetings/1", "/decisions/", "/calendar/" + "x" * 43 + ".ics"]


@pytest.mark.parametrize("path", NEED_THE_DATABASE)
def test_pages_that_need_the_database_answer_503_never_a_traceback(unreachable, path, caplog):
    with caplog.at_level(logging.WARNING, logger="koop"):
        response = unreachable.test_client().get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-Request-ID"]
    assert "Temporarily unavailable (503)" in page and "cannot reach its database" in page
    for leak in ("Traceback", "OperationalError", "psycopg", "127.0.0.1", "secret-password", "koop@"):
        assert leak not in page
    assert "database unavailable: OperationalError" in caplog.text
    assert "secret-password" not in caplog.text


def test_a_logged_in_visitor_gets_the_503_page_too(unreachable):
    client = unreachable.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"  # the account is loaded from the database on the first use of current_user
        session["_fresh"] = True
    response = client.get("/")
    assert response.status_code == 503
    assert "Temporarily unavailable (503)" in response.get_data(as_text=True)


def test_a_form_post_answers_503_as_well(unreachable):
    response = unreachable.test_client().post("/auth/login", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 503


def test_the_health_check_still_says_503_without_details(unreachable):
    response = unreachable.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "unavailable"}
