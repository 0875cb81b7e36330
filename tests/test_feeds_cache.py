"""Feeds from the cache: the same bytes as the builder writes, a fingerprint (the ETag) that changes with every
change a feed can show, a 304 that builds nothing, and a cold feed assembled from cached pieces.

Speed is asserted as statement counts and cache hits, never as time.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from app.agendas.services import ItemData, add_item
from app.bodies.services import end_membership, update_body
from app.cache import EXTENSION_KEY, Cache, LocalStore
from app.calendars import pieces
from app.calendars.feeds import calendar_bytes, feed_events
from app.calendars.services import body_feed, personal_feed
from app.extensions import db
from app.invitations.services import answer_invitation
from app.meetings.services import change_status, update_meeting
from app.models import (
    Answer,
    Invitation,
    Meeting,
    MeetingStatus,
    MembershipRole,
    RegistrationStatus,
    Visibility,
    utcnow,
)
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, data_of
from tests.factories_feeds import (
    days_from_today,
    dst_series,
    fetch,
    meeting_at,
    meeting_data_of,
    personal_url,
    populate,
)
from tests.factories_registrations import EventFactory, RegistrationFactory
from tests.factories_series import make_series


@pytest.fixture
def body(app):
    return BodyFactory(visibility=Visibility.PUBLIC)


@pytest.fixture
def member(body):
    return MembershipFactory(body=body, account=AccountFactory(locale="de")).account


def the_cache(app: Flask) -> Cache:
    return app.extensions[EXTENSION_KEY]


def forget_everything(app: Flask) -> None:
    store = the_cache(app).store
    assert isinstance(store, LocalStore)
    store.clear()


def reference_assemble(singles, whole_series, settings, reader, *, name=None, refresh=None) -> bytes:
    """What the builder writes without any cache: app.calendars.feeds end to end."""
    return calendar_bytes(feed_events(singles, whole_series, settings, reader), name=name, refresh=refresh)


@pytest.fixture
def rich(body, member):
    """Everything a feed can hold: a series across both clock changes (one occurrence moved, one cancelled), a
    meeting with a non-public item, an all-day one, a cancelled one, an invitation to another body's meeting,
    a lone occurrence of a confidential series, a registration, and a meeting in another zone."""
    organiser = OrganiserFactory()
    dst_series(body)
    meeting = meeting_at(body, days_from_today(6), title="Mit Personalsache")
    add_item(organiser, meeting, ItemData(title="Personalangelegenheit", public=False))
    add_item(organiser, meeting, ItemData(title="Haushalt"))
    meeting_at(body, days_from_today(9), title="Klausurtag", all_day=True, hours=30)
    change_status(organiser, meeting_at(body, days_from_today(3), title="Fällt aus"), MeetingStatus.CANCELLED, "Krank")
    meeting_at(body, days_from_today(12), title="London calling", timezone="Europe/London")
    other = BodyFactory(visibility=Visibility.INTERNAL)
    guest_at = meeting_at(other, days_from_today(4), title="Als Gast")
    secret_series = make_series(body=BodyFactory(visibility=Visibility.CONFIDENTIAL), title="Geheime Reihe")
    db.session.add_all([
        Invitation(meeting=guest_at, account=member, is_guest=True),
        Invitation(meeting=secret_series.occurrences[1], account=member, is_guest=True),
    ])
    RegistrationFactory(meeting=EventFactory(title="Auftakt"), account=member, status=RegistrationStatus.REGISTERED)
    db.session.commit()
    return meeting


# The same bytes as the builder


@pytest.mark.parametrize("locale", ["de", "en"])
def test_assembled_feeds_are_byte_for_byte_what_the_builder_writes(app, monkeypatch, body, member, rich, locale):
    member.locale = locale
    db.session.commit()
    feeds = {
        "personal": lambda: personal_feed(member),
        "one body": lambda: personal_feed(member, body.code),
        "body": lambda: body_feed(body),
    }
    cold = {kind: feed().content for kind, feed in feeds.items()}
    warm = {kind: feed().content for kind, feed in feeds.items()}
    # A change to one meeting: its group is rendered again, the others come from the cache.
    update_meeting(OrganiserFactory(), rich, meeting_data_of(rich, location="Raum 2"))
    partly = {kind: feed().content for kind, feed in feeds.items()}
    monkeypatch.setattr(pieces, "assemble", reference_assemble)
    forget_everything(app)
    assert {kind: feed().content for kind, feed in feeds.items()} == partly
    update_meeting(OrganiserFactory(), rich, meeting_data_of(rich, location=rich.location))  # back, for `cold`
    assert cold == warm
    assert "Personalangelegenheit" in unfolded(cold["personal"])
    assert "Personalangelegenheit" not in unfolded(cold["body"])
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/London" in cold["personal"]


def test_a_feed_without_meetings_is_still_a_calendar(app, monkeypatch, member):
    empty = personal_feed(AccountFactory()).content
    monkeypatch.setattr(pieces, "assemble", reference_assemble)
    forget_everything(app)
    assert personal_feed(AccountFactory()).content == empty
    assert empty.startswith(b"BEGIN:VCALENDAR\r\n") and empty.endswith(b"END:VCALENDAR\r\n")


# The fingerprint changes with every change a feed can show


def unfolded(content: bytes) -> str:
    """The calendar's text with folded lines joined again (RFC 5545 3.1), for looking for words in it."""
    return content.replace(b"\r\n ", b"").decode()


def _etag_and_bytes(feed) -> tuple[str, str]:
    return feed.etag, unfolded(feed.content)


def test_the_fingerprint_is_stable_while_nothing_changes(body, member, rich):
    first, again = personal_feed(member), personal_feed(member)
    assert first.etag == again.etag and first.content == again.content
    assert len(first.etag) == 40


def test_an_edit_changes_etag_and_bytes(body, member, rich):
    before = _etag_and_bytes(personal_feed(member))
    update_meeting(OrganiserFactory(), rich, meeting_data_of(rich, title="Neuer Titel"))
    after = _etag_and_bytes(personal_feed(member))
    assert after[0] != before[0] and "Neuer Titel" in after[1] and "Neuer Titel" not in before[1]


def test_a_cancellation_changes_etag_and_bytes(body, member, rich):
    before = _etag_and_bytes(body_feed(body))
    change_status(OrganiserFactory(), rich, MeetingStatus.CANCELLED, "Raum fehlt")
    after = _etag_and_bytes(body_feed(body))
    assert after[0] != before[0] and "Abgesagt: Mit Personalsache" in after[1]


def test_an_agenda_change_changes_etag_and_bytes(body, member, rich):
    before = _etag_and_bytes(personal_feed(member))
    add_item(OrganiserFactory(), rich, ItemData(title="Neuer Tagesordnungspunkt"))
    after = _etag_and_bytes(personal_feed(member))
    assert after[0] != before[0] and "Neuer Tagesordnungspunkt" in after[1]


def test_a_change_to_the_series_changes_etag_and_bytes(body, member):
    series = make_series(body=body, title="Jour fixe")
    before = _etag_and_bytes(personal_feed(member))
    change_status(OrganiserFactory(), series.occurrences[3], MeetingStatus.CANCELLED)
    after = _etag_and_bytes(personal_feed(member))
    assert after[0] != before[0] and after[1].count("EXDATE") > before[1].count("EXDATE")


def test_memberships_change_etag_and_bytes(body, member, rich):
    other = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    meeting_at(other, days_from_today(5), title="Vertrauliche Runde")
    before = _etag_and_bytes(personal_feed(member))
    joined = MembershipFactory(body=other, account=member)
    after_joining = _etag_and_bytes(personal_feed(member))
    assert after_joining[0] != before[0] and "Vertrauliche Runde" in after_joining[1]
    end_membership(OrganiserFactory(), joined, date.today())
    after_leaving = _etag_and_bytes(personal_feed(member))
    assert after_leaving[0] != after_joining[0] and "Vertrauliche Runde" not in after_leaving[1]


def test_a_role_that_sees_non_public_items_changes_etag_and_bytes(body, rich):
    guest = AccountFactory()
    db.session.add(Invitation(meeting=rich, account=guest, is_guest=True))
    db.session.commit()
    before = _etag_and_bytes(personal_feed(guest))
    assert "Personalangelegenheit" not in before[1]
    MembershipFactory(body=body, account=guest, role=MembershipRole.GUEST, voting=False)
    after = _etag_and_bytes(personal_feed(guest))
    assert after[0] != before[0] and "Personalangelegenheit" in after[1]


def test_an_answer_changes_the_etag(body, member, rich):
    """Feeds show no answers today; the fingerprint covers them anyway, so a feed that shows them one day
    cannot be served stale. The bytes stay the same."""
    invitation = Invitation(meeting=rich, account=member)
    db.session.add(invitation)
    db.session.commit()
    before = _etag_and_bytes(personal_feed(member))
    answer_invitation(invitation, Answer.DECLINED)
    after = _etag_and_bytes(personal_feed(member))
    assert after[0] != before[0]
    assert after[1] == before[1]


def test_a_body_turning_confidential_hides_its_meeting_from_a_registered_outsider(body, rich):
    outsider = AccountFactory()
    RegistrationFactory(meeting=rich, account=outsider, status=RegistrationStatus.REGISTERED)
    before = _etag_and_bytes(personal_feed(outsider))
    assert "Mit Personalsache" in before[1]
    update_body(OrganiserFactory(), body, data_of(body, visibility=Visibility.CONFIDENTIAL))
    after = _etag_and_bytes(personal_feed(outsider))
    assert after[0] != before[0] and "Mit Personalsache" not in after[1]


def test_language_and_the_installations_links_change_etag_and_bytes(app, body, member, rich):
    german = _etag_and_bytes(personal_feed(member))
    member.locale = "en"
    db.session.commit()
    english = _etag_and_bytes(personal_feed(member))
    assert english[0] != german[0] and "My meetings" in english[1]
    app.config["BASE_URL"] = "https://koop.example.org"
    moved = _etag_and_bytes(personal_feed(member))
    assert moved[0] != english[0] and "https://koop.example.org/meetings/" in moved[1]


def test_a_meeting_leaving_the_window_changes_the_etag(body, member):
    meeting = meeting_at(body, days_from_today(-80), title="Bald weg")
    before = _etag_and_bytes(personal_feed(member))
    meeting.starts_at -= timedelta(days=30)
    meeting.ends_at -= timedelta(days=30)
    db.session.commit()
    after = _etag_and_bytes(personal_feed(member))
    assert after[0] != before[0] and "Bald weg" not in after[1]


# The cache is used


@pytest.fixture
def big(app):
    app.test_client_class = IsolatedClient  # each request its own session, as on a server
    account = AccountFactory()
    populate(account, meetings=60, series=3)
    return account


def test_a_304_builds_nothing_and_costs_one_statement(app, big, count_statements):
    client = app.test_client()
    url = personal_url(big)
    etag = fetch(client, url).headers["ETag"]
    stats = the_cache(app).stats
    seen = (stats.hits, stats.misses, stats.writes)
    with count_statements() as counter:
        response = fetch(client, url, **{"If-None-Match": etag})
    assert response.status_code == 304 and response.get_data() == b""
    assert "Content-Length" not in response.headers
    assert counter.count == 1  # the token's account with the fingerprint and all Last-Modified needs
    assert (stats.hits, stats.misses, stats.writes) == seen  # the cache was not even asked


def test_a_warm_feed_is_one_cache_hit_and_one_statement(app, big, count_statements):
    client = app.test_client()
    url = personal_url(big)
    first = fetch(client, url)
    stats = the_cache(app).stats
    hits, misses = stats.hits, stats.misses
    with count_statements() as counter:
        again = fetch(client, url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    assert counter.count == 1
    assert (stats.hits - hits, stats.misses - misses) == (1, 0)


def test_after_one_change_only_that_group_is_rendered_again(app, big, count_statements):
    client = app.test_client()
    url = personal_url(big)
    before = fetch(client, url)
    groups = before.get_data().count(b"BEGIN:VEVENT") - before.get_data().count(b"RECURRENCE-ID")
    meeting = next(m for m in db.session.scalars(select(Meeting)) if m.series_id is None and m.starts_at > utcnow()
                   and m.status is not MeetingStatus.CANCELLED)
    update_meeting(OrganiserFactory(), meeting, meeting_data_of(meeting, title="Geändert"))
    stats = the_cache(app).stats
    hits, misses, writes = stats.hits, stats.misses, stats.writes
    with count_statements() as counter:
        after = fetch(client, url)
    assert "Geändert" in unfolded(after.get_data())
    # the whole feed and the changed meeting are new; every other group comes from the cache in one get_many
    assert stats.misses - misses == 2
    assert stats.hits - hits == groups - 1
    assert stats.writes - writes == 2
    # account and fingerprint, the meetings, the person's current roles (who sees non-public items), one agenda
    assert counter.count == 4


def test_the_statement_count_does_not_grow_with_the_feed(app, count_statements):
    app.test_client_class = IsolatedClient
    client = app.test_client()
    counts = []
    for meetings, series in ((5, 1), (120, 6)):
        account = AccountFactory()
        populate(account, meetings=meetings, series=series)
        url = personal_url(account)
        with count_statements() as cold:
            fetch(client, url)
        with count_statements() as warm:
            fetch(client, url)
        counts.append((cold.count, warm.count))
    assert counts[0] == counts[1], counts


# A cache that does not answer


class BrokenStore:
    def get_many(self, keys):
        raise ConnectionError("Redis is away")

    def set_many(self, items, ttl):
        raise ConnectionError("Redis is away")


def test_a_broken_cache_means_building_never_an_error(app, body, member, rich, caplog):
    expected = personal_feed(member).content
    app.extensions[EXTENSION_KEY] = Cache(BrokenStore(), prefix="koop:", ttl=60)
    app.test_client_class = IsolatedClient
    with caplog.at_level("WARNING", logger="koop.cache"):
        response = fetch(app.test_client(), personal_url(member))
    assert response.status_code == 200 and response.get_data() == expected
    assert any("building without the cache" in record.getMessage() for record in caplog.records)
