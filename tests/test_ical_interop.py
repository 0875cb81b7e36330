"""Interoperability: every kind of feed, read by two independent parsers, shows exactly Koop's own occurrences.

`recurring-ical-events` (Python) and Mozilla's `ical.js` (the parser of Thunderbird, run with Node.js by
tests/ical_expand.mjs) expand each feed; both must give the occurrences Koop itself lists (start and end in
UTC, status), for a weekly series across both clock changes with one occurrence moved and one cancelled,
single meetings, a cancelled one, an all-day one, an event and a lone occurrence of another body's series.
The ical.js tests are skipped with a reason when Node.js or node_modules/ical.js are missing, except in CI
(CI=true), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import pytest
import recurring_ical_events
from icalendar import Calendar

from app.extensions import db
from app.models import Account, Body, Invitation, Meeting, MeetingSeries, MeetingStatus, MembershipRole, Visibility
from tests.clients import IsolatedClient
from tests.factories import AccountFactory
from tests.factories_bodies import BodyFactory, MembershipFactory, log_in
from tests.factories_feeds import (
    CANCELLED_SLOT,
    MOVED_SLOT,
    Expected,
    days_from_today,
    dst_series,
    expected_series,
    expected_single,
    fetch,
    meeting_at,
    occurrence_on,
    personal_url,
    stamp,
)
from tests.factories_registrations import EventFactory, RegistrationFactory

ROOT = Path(__file__).resolve().parent.parent
EXPAND_SCRIPT = ROOT / "tests" / "ical_expand.mjs"
ICAL_JS = ROOT / "node_modules" / "ical.js" / "package.json"


@pytest.fixture(autouse=True)
def _requests_in_their_own_context(app):
    app.test_client_class = IsolatedClient


# The two parsers


def _require_ical_js() -> None:
    missing = []
    if shutil.which("node") is None:
        missing.append("Node.js (`node`)")
    if not ICAL_JS.exists():
        missing.append("node_modules/ical.js (run `npm ci`)")
    if missing:
        reason = "the ical.js interoperability tests need " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; in CI they must run")
        pytest.skip(reason)


def ical_js(data: bytes, tmp_path: Path) -> list[dict]:
    """The occurrences ical.js expands from the calendar (the script fails on floating times)."""
    _require_ical_js()
    path = tmp_path / "calendar.ics"
    path.write_bytes(data)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(  # noqa: S603 - our own script on our own file
        [node, str(EXPAND_SCRIPT), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"ical.js: {result.stderr}"
    return json.loads(result.stdout)


def recurring(data: bytes) -> list[dict]:
    """The occurrences recurring-ical-events expands from the calendar, in the script's format."""
    found = []
    for event in recurring_ical_events.of(Calendar.from_ical(data)).all():
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        for moment in (start, end):
            assert not (isinstance(moment, datetime) and moment.tzinfo is None), f"floating time in {event['UID']}"
        found.append(
            {
                "uid": str(event["UID"]),
                "start": stamp(start),
                "end": stamp(end),
                "status": str(event.get("STATUS", "")),
                "summary": str(event.get("SUMMARY", "")),
                "location": str(event.get("LOCATION", "")),
                "description": str(event.get("DESCRIPTION", "")),
            }
        )
    return found


PARSERS = {"recurring-ical-events": lambda data, tmp_path: recurring(data), "ical.js": ical_js}


def shown(occurrences: list[dict]) -> list[Expected]:
    return sorted((item["uid"], item["start"], item["end"], item["status"]) for item in occurrences)


# The world the feeds show


@dataclass
class World:
    body: Body
    series: MeetingSeries
    single: Meeting
    cancelled: Meeting
    all_day: Meeting
    event: Meeting
    lone: Meeting  # an occurrence of a confidential body's series the member is invited to as a guest
    member: Account
    chair: Account

    def of_body(self) -> list[Expected]:
        return sorted(
            expected_series(self.series) + [expected_single(m) for m in (self.single, self.cancelled, self.all_day)]
        )

    def personal(self) -> list[Expected]:
        return sorted(self.of_body() + [expected_single(self.event), expected_single(self.lone)])


@pytest.fixture
def world(app) -> World:
    body = BodyFactory(visibility=Visibility.PUBLIC)
    chair = MembershipFactory(body=body, role=MembershipRole.CHAIR).account
    member = MembershipFactory(body=body, account=AccountFactory(locale="en")).account
    series = dst_series(body, chair)
    single = meeting_at(body, days_from_today(10), time(18, 30), hours=1.5, title="Sondersitzung")
    cancelled = meeting_at(body, days_from_today(20), status=MeetingStatus.CANCELLED, title="Klausur")
    all_day = meeting_at(body, days_from_today(30), time(0), hours=48, all_day=True, title="Werkstatttage")
    event = EventFactory(title="Auftakt Registermodernisierung")
    RegistrationFactory(meeting=event, account=member)
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    secret_series = dst_series(secret, title="Vertrauliche Runde", start_time=time(8), end_time=time(9))
    lone = occurrence_on(secret_series, date(2031, 6, 2))
    db.session.add(Invitation(meeting=lone, account=member, is_guest=True))
    db.session.commit()
    return World(body, series, single, cancelled, all_day, event, lone, member, chair)


def _body_feed(client, world: World) -> bytes:
    return fetch(client, f"/bodies/{world.body.code}/calendar.ics").get_data()


def _personal_feed(client, world: World) -> bytes:
    return fetch(client, personal_url(world.member)).get_data()


def _personal_feed_of_body(client, world: World) -> bytes:
    return fetch(client, personal_url(world.member, world.body)).get_data()


def _meeting_download(client, world: World) -> bytes:
    return fetch(client, f"/meetings/{world.single.id}.ics").get_data()


def _series_download(client, world: World) -> bytes:
    return fetch(client, f"/meetings/{occurrence_on(world.series, date(2031, 7, 7)).id}.ics").get_data()


def _guest_download(client, world: World) -> bytes:
    log_in(client, world.member)
    return fetch(client, f"/meetings/{world.lone.id}.ics").get_data()


FEEDS = {
    "body feed": (_body_feed, World.of_body),
    "personal feed": (_personal_feed, World.personal),
    "personal feed of one body": (_personal_feed_of_body, World.of_body),
    "meeting download": (_meeting_download, lambda world: [expected_single(world.single)]),
    "series download": (_series_download, lambda world: sorted(expected_series(world.series))),
    "guest's download": (_guest_download, lambda world: [expected_single(world.lone)]),
}


@pytest.mark.parametrize("parser", PARSERS)
@pytest.mark.parametrize("kind", FEEDS)
def test_the_parsers_expand_exactly_koops_occurrences(client, world, tmp_path, kind, parser):
    get, expected = FEEDS[kind]
    data = get(client, world)
    assert shown(PARSERS[parser](data, tmp_path)) == expected(world)


def test_koops_own_list_crosses_both_clock_changes_with_a_moved_and_a_cancelled_meeting(world):
    """The expectations above are worth something only if the series really shifts in UTC and has both."""
    starts = [start for _uid, start, _end, _status in expected_series(world.series)]
    assert "2031-03-24T09:00:00Z" in starts and "2031-04-07T08:00:00Z" in starts  # winter, then summer time
    assert "2031-10-20T08:00:00Z" in starts and "2031-11-03T09:00:00Z" in starts  # and back
    assert "2031-03-31T08:00:00Z" not in starts  # cancelled
    assert "2031-10-27T09:00:00Z" not in starts and "2031-10-28T13:00:00Z" in starts  # moved to Tuesday 14:00
    assert occurrence_on(world.series, MOVED_SLOT).is_exception
    assert occurrence_on(world.series, CANCELLED_SLOT).status is MeetingStatus.CANCELLED


@pytest.mark.parametrize("parser", PARSERS)
def test_the_moved_occurrence_keeps_its_identity(client, world, tmp_path, parser):
    data = _body_feed(client, world)
    found = [item for item in PARSERS[parser](data, tmp_path) if item["start"] == "2031-10-28T13:00:00Z"]
    assert [item["uid"] for item in found] == [world.series.uid]


@pytest.mark.parametrize("parser", PARSERS)
def test_the_cancelled_single_meeting_says_so_in_the_readers_language(client, world, tmp_path, parser):
    german = {item["uid"]: item for item in PARSERS[parser](_body_feed(client, world), tmp_path)}
    english = {item["uid"]: item for item in PARSERS[parser](_personal_feed(client, world), tmp_path)}
    assert german[world.cancelled.uid]["summary"] == "Abgesagt: Klausur"
    assert english[world.cancelled.uid]["summary"] == "Cancelled: Klausur"  # the member reads English
    assert german[world.cancelled.uid]["status"] == "CANCELLED"


def test_recurring_ical_events_also_reads_the_feeds_own_vtimezone(client, world):
    """Renamed, the TZID is unknown to zoneinfo: only the VTIMEZONE in the feed can give the offsets."""
    data = _body_feed(client, world).replace(b"Europe/Berlin", b"Koop-Test/Berlin")
    assert shown(recurring(data)) == world.of_body()


def test_the_berlin_vtimezone_is_rule_based(client, world):
    calendar = Calendar.from_ical(_personal_feed(client, world))
    zones = calendar.walk("VTIMEZONE")
    assert [str(zone["TZID"]) for zone in zones] == ["Europe/Berlin"]
    parts = zones[0].walk("STANDARD") + zones[0].walk("DAYLIGHT")
    assert {part.name for part in parts} == {"STANDARD", "DAYLIGHT"}
    assert all("RRULE" in part and "RDATE" not in part for part in parts)
    assert b"RDATE" not in calendar.to_ical()


TRICKY = {
    "title": "Ärger; über Kommas, Semikolons \\ und Backslashes – „Zitat“ ✓",
    "location": "Straße 1, 66111 Saarbrücken; Raum \\ 2",
    "description": ("Grüße, liebe Kolleg*innen; bitte C:\\Pfad\\Datei beachten.\nZweite Zeile.\n" * 20).strip(),
}


@pytest.mark.parametrize("parser", PARSERS)
def test_text_survives_the_round_trip(client, app, tmp_path, parser):
    body = BodyFactory(visibility=Visibility.PUBLIC)
    meeting = meeting_at(body, days_from_today(5), **TRICKY)
    items = PARSERS[parser](fetch(client, f"/bodies/{body.code}/calendar.ics").get_data(), tmp_path)
    assert len(items) == 1
    assert items[0]["summary"] == TRICKY["title"]
    assert items[0]["location"] == TRICKY["location"]
    assert items[0]["description"].startswith(TRICKY["description"] + "\n\n")
    assert items[0]["description"].endswith(f"http://localhost/meetings/{meeting.id}")


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_without_ical_js_the_node_tests_skip_but_fail_in_ci(monkeypatch, tmp_path, ci, outcome):
    monkeypatch.setitem(globals(), "ICAL_JS", tmp_path / "missing" / "package.json")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="node_modules/ical.js"):
        _require_ical_js()
