"""The decision register: what each viewer sees (the SQL filter agrees with the predicate), filters, full-text
search on SQLite (FTS5) and PostgreSQL (german), bad input, pagination and a fixed number of statements."""

from __future__ import annotations

from datetime import date

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select, text

from app.decisions import register
from app.decisions.numbering import number_decisions
from app.extensions import db
from app.models import Decision, DecisionOutcome, Invitation, MinutesStatus, Visibility
from app.permissions import can_view_decision
from app.queries import PAGE_SIZE
from tests.factories import AccountFactory
from tests.factories_agendas import AgendaItemFactory
from tests.factories_bodies import html, log_in
from tests.factories_minutes import DecisionFactory, HeldMeetingFactory, MinutesFactory, make_sitting


@pytest.fixture(autouse=True)
def english(app):
    app.extensions["babel"].locale_selector = lambda: "en"


def approve(minutes) -> list[Decision]:
    minutes.status = MinutesStatus.APPROVED
    numbered = number_decisions(minutes)
    db.session.commit()
    return numbered


def is_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def ids(actor, filters: register.RegisterFilters | None = None) -> list[int]:
    query = register.register_query(actor, filters or register.RegisterFilters())
    return [decision.id for decision in db.session.scalars(query)]


# Who sees what: the SQL filter and the predicate agree


@pytest.fixture
def world(app):
    """Three bodies (public, internal, confidential), each with approved and draft minutes, public and
    non-public items (and a public sub-item under a non-public one), public and non-public decisions, and a
    guest invited to one confidential meeting."""
    sittings = {visibility: make_sitting(visibility) for visibility in Visibility}
    decisions: list[Decision] = []
    for sitting in sittings.values():
        sub_item = AgendaItemFactory(meeting=sitting.meeting, parent=sitting.closed_item, position=3, public=True)
        for item in (sitting.public_item, sitting.closed_item, sub_item):
            for public in (True, False):
                decisions.append(DecisionFactory(minutes=sitting.minutes, agenda_item=item, public=public))
        approve(sitting.minutes)
        draft_meeting = HeldMeetingFactory(body=sitting.cast.body)
        draft = MinutesFactory(meeting=draft_meeting)
        decisions.append(DecisionFactory(minutes=draft, agenda_item=AgendaItemFactory(meeting=draft_meeting)))
    guest = AccountFactory(display_name="Gabi Gast")
    db.session.add(Invitation(meeting=sittings[Visibility.CONFIDENTIAL].meeting, account=guest, is_guest=True))
    db.session.commit()
    people = [AnonymousUserMixin(), guest]
    for sitting in sittings.values():
        cast = sitting.cast
        people += [cast.outsider, cast.member, cast.secretary, cast.chair, cast.deputy, cast.organiser, cast.admin]
    return sittings, decisions, people


def test_the_register_filter_and_the_predicate_agree_for_every_role(app, world):
    _sittings, decisions, people = world
    seen_by_someone = set()
    for person in people:
        db.session.rollback()  # a fresh transaction: a fresh cache of roles and invitations
        expected = {d.id for d in decisions if can_view_decision(person, d)}
        assert set(ids(person)) == expected, getattr(person, "display_name", "anonymous")
        seen_by_someone |= expected
    # The world is rich enough to matter: something hidden, something seen, and drafts never.
    assert seen_by_someone and len(seen_by_someone) < len(decisions)
    assert all(d.number is not None for d in decisions if d.id in seen_by_someone)


def test_anonymous_visitors_see_public_decisions_of_public_bodies_only(app, world):
    sittings, decisions, _people = world
    public_body = sittings[Visibility.PUBLIC]
    seen = {d.id for d in decisions if d.id in ids(AnonymousUserMixin())}
    expected = {
        d.id
        for d in decisions
        if d.body_id == public_body.cast.body.id
        and d.public
        and d.agenda_item_id == public_body.public_item.id
        and d.number is not None
    }
    assert seen == expected and len(expected) == 1


def test_counts_and_pages_hold_only_what_the_viewer_may_see(client, world):
    sittings, _decisions, _people = world
    page = html(client.get("/decisions/"))
    assert "1 decision found." in page
    log_in(client, sittings[Visibility.PUBLIC].cast.member)
    page = html(client.get("/decisions/"))
    # Public body: all 6 of its approved decisions; internal body: its public decision of a public item.
    assert "7 decisions found." in page


# The page


@pytest.fixture
def two_bodies(app):
    council = make_sitting(Visibility.PUBLIC, code="ITKR", name="IT-Kooperationsrat")
    group = make_sitting(Visibility.PUBLIC, code="AGREG", name="AG Register")
    first = DecisionFactory(
        minutes=council.minutes,
        agenda_item=council.public_item,
        title="Einführung des Antragsassistenten",
        text="Der Beschluss gilt ab sofort.",
        votes_yes=5,
        votes_no=0,
        votes_abstain=1,
    )
    second = DecisionFactory(
        minutes=group.minutes,
        agenda_item=group.public_item,
        decided_on=date(2025, 6, 1),
        title="Haushalt 2026",
        text="Die Mittel für das Rechenzentrum werden bewilligt.",
        outcome=DecisionOutcome.REJECTED,
        votes_yes=1,
        votes_no=4,
        votes_abstain=0,
    )
    approve(council.minutes)
    approve(group.minutes)
    return council, group, first, second


def test_the_register_lists_decisions_newest_first_in_a_table(client, two_bodies):
    _council, _group, first, second = two_bodies
    response = client.get("/decisions/")
    page = html(response)
    assert response.status_code == 200
    assert page.index("ITKR-2026-001") < page.index("AGREG-2025-001")
    assert "<caption" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "5 in favour, 0 against, 1 abstention" in page and "1 in favour, 4 against, 0 abstentions" in page
    assert "Adopted" in page and "Rejected" in page and "IT-Kooperationsrat" in page
    assert f'href="/decisions/{first.id}"' in page and f'href="/decisions/{second.id}"' in page
    # The filters are labelled.
    for name in ("q", "body", "year", "outcome"):
        assert f'<label class="kern-label" for="{name}">' in page


def test_the_navigation_links_to_the_register(client, two_bodies):
    page = html(client.get("/decisions/"))
    assert 'href="/decisions/" aria-current="page">Decisions</a>' in page
    log_in(client, two_bodies[0].cast.member)
    assert 'href="/decisions/" aria-current="page">Decisions</a>' in html(client.get("/decisions/"))
    assert 'href="/decisions/">Decisions</a>' in html(client.get("/"))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("body=ITKR", ["first"]),
        ("body=AGREG", ["second"]),
        ("body=NOPE", []),
        ("year=2025", ["second"]),
        ("year=2026", ["first"]),
        ("outcome=rejected", ["second"]),
        ("outcome=adopted", ["first"]),
        ("outcome=noted", []),
        ("q=Antragsassistenten", ["first"]),
        ("q=rechenzentrum", ["second"]),
        ("q=Rechenzentrum+Mittel", ["second"]),
        ("q=Rechenzentrum+Antragsassistenten", []),
        ("q=Antragsassistenten&body=AGREG", []),
        ("q=Haushalt&year=2025&outcome=rejected&body=AGREG", ["second"]),
    ],
)
def test_filters_and_search(client, two_bodies, query, expected):
    _council, _group, first, second = two_bodies
    by_name = {"first": first, "second": second}
    page = html(client.get(f"/decisions/?{query}"))
    for name, decision in by_name.items():
        assert (f'href="/decisions/{decision.id}"' in page) is (name in expected), name


def test_the_filter_choices_name_only_what_the_viewer_may_see(client, two_bodies, app):
    hidden = make_sitting(Visibility.CONFIDENTIAL, code="GEHEIM", name="Geheimer Kreis")
    DecisionFactory(minutes=hidden.minutes, agenda_item=hidden.public_item, decided_on=date(2019, 5, 5))
    approve(hidden.minutes)
    page = html(client.get("/decisions/"))
    assert "Geheimer Kreis" not in page and "2019" not in page
    assert '<option value="ITKR">IT-Kooperationsrat</option>' in page
    log_in(client, hidden.cast.member)
    page = html(client.get("/decisions/"))
    assert "Geheimer Kreis" in page and '<option value="2019">2019</option>' in page


# Full-text search with the database's own engine


def test_search_finds_words_of_title_and_text(app, two_bodies):
    _council, _group, first, second = two_bodies
    anonymous = AnonymousUserMixin()
    assert ids(anonymous, register.RegisterFilters(q="haushalt")) == [second.id]
    assert ids(anonymous, register.RegisterFilters(q="sofort")) == [first.id]
    assert ids(anonymous, register.RegisterFilters(q="Rathaus")) == []


def test_search_follows_edits_of_title_and_text(app, two_bodies):
    _council, _group, first, _second = two_bodies
    first.title = "Neue Überschrift"
    db.session.commit()
    anonymous = AnonymousUserMixin()
    assert ids(anonymous, register.RegisterFilters(q="Überschrift")) == [first.id]
    assert ids(anonymous, register.RegisterFilters(q="Antragsassistenten")) == []


def test_postgres_finds_inflected_german_words(app, two_bodies):
    if not is_postgres():
        pytest.skip("stemming is PostgreSQL's german configuration; SQLite's FTS5 matches words as written")
    _council, _group, first, second = two_bodies
    anonymous = AnonymousUserMixin()
    # "Beschlüsse" finds "Beschluss", "Haushalte" finds "Haushalt".
    assert ids(anonymous, register.RegisterFilters(q="Beschlüsse")) == [first.id]
    assert ids(anonymous, register.RegisterFilters(q="Haushalte")) == [second.id]


def test_sqlite_ignores_case_and_diacritics(app, two_bodies):
    if is_postgres():
        pytest.skip("SQLite's tokenizer")
    _council, _group, first, _second = two_bodies
    assert ids(AnonymousUserMixin(), register.RegisterFilters(q="EINFUHRUNG")) == [first.id]


@pytest.mark.postgres
def test_postgres_search_uses_the_gin_index(app, two_bodies):
    if not is_postgres():
        pytest.skip("PostgreSQL only")
    condition = register.search_condition("Haushalt")
    query = select(Decision.id).where(condition)
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(row[0] for row in db.session.execute(text(f"EXPLAIN {compiled}")))
    db.session.rollback()
    assert "ix_decisions_search" in plan, plan


def test_sqlite_search_uses_the_fts_table(app, two_bodies):
    if is_postgres():
        pytest.skip("SQLite only")
    compiled = str(register.register_query(AnonymousUserMixin(), register.RegisterFilters(q="x")).compile(db.engine))
    assert "decisions_fts MATCH" in compiled


@pytest.mark.parametrize(
    ("typed", "phrases"),
    [
        ("Haushalt", '"Haushalt"'),
        ("Haushalt OR Rat", '"Haushalt" "OR" "Rat"'),
        ('say "hi"', '"say" """hi"""'),
        ("NEAR(a b)", '"NEAR(a" "b)"'),
        ("-x *", '"-x" "*"'),
        ("a\x00b\tc", '"a" "b" "c"'),
        ("   ", ""),
    ],
)
def test_fts5_words_are_quoted_phrases(typed, phrases):
    assert register.fts5_query(typed) == phrases


def test_operators_are_treated_as_text(app, two_bodies):
    _council, _group, first, _second = two_bodies
    anonymous = AnonymousUserMixin()
    # As operators these would find the first decision; as text they find nothing (no "or", "not" in it).
    assert ids(anonymous, register.RegisterFilters(q="Antragsassistenten OR Rathaus")) == []
    assert ids(anonymous, register.RegisterFilters(q="Antragsassistenten NOT Rathaus")) == []
    assert ids(anonymous, register.RegisterFilters(q="Antrags*")) == []
    # Quotes, parentheses and a leading minus are only text around the word.
    assert ids(anonymous, register.RegisterFilters(q='"Antragsassistenten"')) == [first.id]
    assert ids(anonymous, register.RegisterFilters(q="(Antragsassistenten)")) == [first.id]
    assert ids(anonymous, register.RegisterFilters(q="-Antragsassistenten")) == [first.id]


NASTY = [
    '"',
    "'",
    '""',
    '"unterminated',
    "a\"b'c",
    "(",
    ")",
    "()",
    "*",
    "**",
    "-",
    "--",
    "+",
    "^",
    ":",
    "title:Haushalt",
    "{title text}:Haushalt",
    "NEAR",
    "NEAR(Haushalt Rat, 2)",
    "NEAR/2",
    "AND",
    "OR",
    "NOT",
    "Haushalt AND",
    "OR Haushalt",
    "Haushalt NOT",
    "a & b | !c",
    "!",
    "&",
    "|",
    "<->",
    "haus:*",
    ":*",
    "''",
    "\\",
    "\\\\'",
    "%",
    "_",
    "%_%",
    "'; DROP TABLE decisions; --",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\t\n\r",
    "\u202eevil",
    "\ufeff",
    "😀 Haushalt",
    "ü" * 5000,
    "Beschlüsse" * 300,
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
    "null",
    "undefined",
    "   ",
]


@pytest.mark.parametrize("typed", NASTY)
def test_no_search_string_causes_an_error(client, two_bodies, typed):
    response = client.get("/decisions/", query_string={"q": typed})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html(response)


@pytest.mark.parametrize(
    "query_string",
    [
        {"year": "abc"},
        {"year": "-5"},
        {"year": "99999999999999999999999"},
        {"year": "0"},
        {"outcome": "magic"},
        {"outcome": "'"},
        {"body": "'\"<>"},
        {"body": "x" * 5000},
        {"body": "\x00"},
        {"page": "0"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "999999999999999999999999999"},
        {"page": "9999"},
    ],
)
def test_no_filter_value_causes_an_error(client, two_bodies, query_string):
    assert client.get("/decisions/", query_string=query_string).status_code == 200


# Pagination and a fixed number of statements


def many_decisions(sitting, count: int) -> None:
    """`count` numbered public decisions on the sitting's public item, inserted in bulk."""
    code = sitting.cast.body.code
    db.session.add_all(
        Decision(
            minutes_id=sitting.minutes.id,
            agenda_item_id=sitting.public_item.id,
            body_id=sitting.cast.body.id,
            decided_on=date(2026, 3, 10),
            position=serial,
            title=f"Beschluss {serial}",
            text="Text",
            outcome=DecisionOutcome.ADOPTED,
            votes_yes=3,
            votes_no=0,
            votes_abstain=0,
            public=True,
            year=2026,
            serial=serial,
            number=f"{code}-2026-{serial:03d}",
        )
        for serial in range(1, count + 1)
    )
    sitting.minutes.status = MinutesStatus.APPROVED
    db.session.commit()


def test_the_register_is_paginated(client, app):
    sitting = make_sitting(Visibility.PUBLIC, code="ITKR")
    many_decisions(sitting, PAGE_SIZE + 3)
    first = html(client.get("/decisions/"))
    assert f"{PAGE_SIZE + 3} decisions found." in first and "Page 1 of 2" in first
    assert 'rel="next"' in first
    second = html(client.get("/decisions/?page=2&q=Beschluss"))
    assert second.count('scope="row"') == 3 and 'href="/decisions/?page=1&amp;q=Beschluss"' in second


def statements_for(client, count_statements, path: str) -> int:
    client.get(path)  # warm-up: the first request of a client loads more
    with count_statements() as counter:
        assert client.get(path).status_code == 200
    return counter.count


@pytest.mark.parametrize("who", ["anonymous", "member", "organiser"])
def test_a_fixed_number_of_statements_for_10_or_1000_decisions(client, app, count_statements, who):
    sitting = make_sitting(Visibility.PUBLIC, code="ITKR")
    if who != "anonymous":
        log_in(client, getattr(sitting.cast, who))
    many_decisions(sitting, 10)
    few = statements_for(client, count_statements, "/decisions/?q=Beschluss&outcome=adopted")
    db.session.execute(Decision.__table__.delete())
    db.session.commit()
    many_decisions(sitting, 1000)
    many = statements_for(client, count_statements, "/decisions/?q=Beschluss&outcome=adopted")
    assert many == few
    assert many <= 8
