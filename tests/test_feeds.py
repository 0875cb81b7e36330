"""Calendar feeds without HTTP: what each feed holds for whom, series as RRULE/EXDATE/overrides, the window,
the personal feed token, Last-Modified, and a fixed number of SQL statements."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from app.agendas.services import ItemData, add_item
from app.calendars import services
from app.calendars.services import (
    account_for_token,
    body_feed,
    meeting_download,
    personal_feed,
    regenerate_token,
    revoke_token,
    token_hash,
)
from app.extensions import db
from app.meetings.services import change_status, update_meeting
from app.models import (
    Invitation,
    MeetingStatus,
    Membership,
    MembershipRole,
    RegistrationStatus,
    SeriesFrequency,
    Visibility,
    utcnow,
)
from app.series.services import FollowingData, change_following, occurrences
from tests.clients import IsolatedClient
from tests.factories import AccountFactory, OrganiserFactory
from tests.factories_bodies import BodyFactory, MembershipFactory
from tests.factories_feeds import (
    BERLIN,
    CANCELLED_SLOT,
    MOVED_SLOT,
    days_from_today,
    dst_series,
    expected_series,
    meeting_at,
    meeting_data_of,
    occurrence_on,
    populate,
    stamp,
)
from tests.factories_registrations import EventFactory, RegistrationFactory
from tests.factories_series import make_series


def events(feed) -> list:
    return Calendar.from_ical(feed.content).walk("VEVENT")


def by_uid(feed) -> dict[str, list]:
    found: dict[str, list] = {}
    for event in events(feed):
        found.setdefault(str(event["UID"]), []).append(event)
    return found


def masters(feed) -> list:
    return [event for event in events(feed) if "RRULE" in event]


def summaries(feed) -> set[str]:
    return {str(event["SUMMARY"]) for event in events(feed)}


@pytest.fixture
def body(app):
    return BodyFactory(visibility=Visibility.PUBLIC)


@pytest.fixture
def member(body):
    return MembershipFactory(body=body, account=AccountFactory(locale="de")).account


# The token


def test_a_token_has_256_random_bits_and_only_its_hash_is_stored(member):
    token = regenerate_token(member)
    assert len(token) >= 43  # 32 bytes in URL-safe base64
    assert member.calendar_token_hash == hashlib.sha256(token.encode()).hexdigest() == token_hash(token)
    assert token not in member.calendar_token_hash
    assert account_for_token(token) == member
    assert regenerate_token(member) != token  # random, not derived


def test_a_new_token_ends_the_old_one_at_once_and_revoking_ends_both(member):
    old = regenerate_token(member)
    new = regenerate_token(member)
    assert account_for_token(old) is None
    assert account_for_token(new) == member
    revoke_token(member)
    assert member.calendar_token_hash is None
    assert account_for_token(new) is None


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 5000])
def test_unknown_empty_and_overlong_tokens_find_nobody(member, token):
    regenerate_token(member)
    assert account_for_token(token) is None


def test_a_deactivated_account_has_no_feed(member):
    token = regenerate_token(member)
    member.active = False
    db.session.commit()
    assert account_for_token(token) is None


# Series: one VEVENT with RRULE, EXDATE and overrides


def test_a_series_is_one_master_with_rrule_exdate_and_an_override(body, member):
    series = dst_series(body)
    feed = body_feed(body)
    [master] = masters(feed)
    assert str(master["UID"]) == series.uid
    assert master["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert master["DTSTART"].dt.replace(tzinfo=None) == datetime(2031, 3, 10, 10, 0)
    assert master["DTEND"].dt.replace(tzinfo=None) == datetime(2031, 3, 10, 11, 30)
    rule = master["RRULE"]
    assert rule["FREQ"] == ["WEEKLY"] and rule["BYDAY"] == ["MO"] and rule["WKST"] == ["MO"]
    assert rule["UNTIL"][0] == datetime(2031, 11, 10, 22, 59, 59, tzinfo=UTC)  # end of the last day, in UTC
    # EXDATE: the same zone and value type as DTSTART
    exdate = master["EXDATE"]
    assert exdate.params["TZID"] == "Europe/Berlin"
    assert [item.dt.replace(tzinfo=None) for item in exdate.dts] == [datetime.combine(CANCELLED_SLOT, time(10))]
    assert b"EXDATE;TZID=Europe/Berlin:20310331T100000\r\n" in feed.content
    overrides = [event for event in by_uid(feed)[series.uid] if "RECURRENCE-ID" in event]
    assert len(overrides) == 1  # only the moved one differs from the master
    [moved] = overrides
    assert moved["RECURRENCE-ID"].params["TZID"] == "Europe/Berlin"
    assert moved["RECURRENCE-ID"].dt.replace(tzinfo=None) == datetime.combine(MOVED_SLOT, time(10))
    assert moved["DTSTART"].dt.replace(tzinfo=None) == datetime(2031, 10, 28, 14, 0)
    assert str(master["URL"]).endswith(f"/series/{series.id}")
    assert str(moved["URL"]).endswith(f"/meetings/{occurrence_on(series, MOVED_SLOT).id}")


def test_cancelling_an_occurrence_adds_an_exdate_and_raises_the_masters_sequence(body):
    series = dst_series(body)
    [before] = masters(body_feed(body))
    change_status(OrganiserFactory(), occurrence_on(series, date(2031, 5, 5)), MeetingStatus.CANCELLED)
    [after] = masters(body_feed(body))
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert len(after["EXDATE"].dts) == len(before["EXDATE"].dts) + 1
    assert after["LAST-MODIFIED"].dt >= before["LAST-MODIFIED"].dt


def test_an_occurrence_confirmed_on_its_own_or_with_its_own_agenda_gets_an_override(body):
    series = make_series(body=body)
    organiser = OrganiserFactory()
    first, second, third = series.occurrences[:3]
    change_status(organiser, second, MeetingStatus.CONFIRMED)
    add_item(organiser, third, ItemData(title="Haushalt 2032"))
    feed = body_feed(body)
    overrides = {event["RECURRENCE-ID"].dt: event for event in events(feed) if "RECURRENCE-ID" in event}
    assert set(overrides) == {second.original_start, third.original_start}
    assert str(overrides[second.original_start]["STATUS"]) == "CONFIRMED"
    assert "Haushalt 2032" in str(overrides[third.original_start]["DESCRIPTION"])
    [master] = masters(feed)
    assert str(master["STATUS"]) == "TENTATIVE" and "Haushalt" not in str(master["DESCRIPTION"])


def test_a_series_split_this_and_following_shows_two_series_with_koops_occurrences(body):
    series = make_series(body=body)
    chosen = series.occurrences[4]
    newer = change_following(
        OrganiserFactory(), chosen, FollowingData(title="Neue Zeit", start_time=time(14), end_time=time(15))
    )
    feed = body_feed(body)
    assert sorted(str(event["UID"]) for event in masters(feed)) == sorted([series.uid, newer.uid])
    shown = sorted(
        (str(e["UID"]), stamp(e["DTSTART"].dt), stamp(e["DTEND"].dt))
        for e in recurring_ical_events.of(Calendar.from_ical(feed.content)).all()
    )
    expected = sorted(item[:3] for item in expected_series(series) + expected_series(newer))
    assert shown == expected and len(shown) == 10


def test_a_series_with_every_occurrence_cancelled_is_left_out(body):
    series = make_series(body=body, occurrence_count=2)
    organiser = OrganiserFactory()
    for meeting in series.occurrences:
        change_status(organiser, meeting, MeetingStatus.CANCELLED)
    assert events(body_feed(body)) == []


# Single meetings, cancellations and the window


def test_a_cancelled_meeting_stays_marked_until_it_has_passed(body, member):
    organiser = OrganiserFactory()
    coming = meeting_at(body, days_from_today(3), title="Klausur")
    gone = meeting_at(body, days_from_today(-3), title="Vorbesprechung")
    for meeting in (coming, gone):
        change_status(organiser, meeting, MeetingStatus.CANCELLED)
    german = by_uid(body_feed(body))
    assert list(german) == [coming.uid]
    [event] = german[coming.uid]
    assert str(event["SUMMARY"]) == "Abgesagt: Klausur" and str(event["STATUS"]) == "CANCELLED"
    member.locale = "en"
    db.session.commit()
    assert summaries(personal_feed(member)) == {"Cancelled: Klausur"}


def test_the_window_reaches_90_days_back_and_takes_running_series_whole(body, member):
    kept = meeting_at(body, days_from_today(-88), title="Vor 88 Tagen")
    meeting_at(body, days_from_today(-92), title="Vor 92 Tagen")
    old_but_running = make_series(
        body=body, title="Laufende Reihe", first_day=days_from_today(-200), occurrence_count=None,
        until_on=days_from_today(300), frequency=SeriesFrequency.MONTHLY_DAY,
        weekdays=[], month_day=15,
    )
    make_series(body=body, title="Beendete Reihe", first_day=days_from_today(-300), occurrence_count=3)
    for feed in (body_feed(body), personal_feed(member)):
        assert summaries(feed) == {"Vor 88 Tagen", "Laufende Reihe"}
        shown = [stamp(e["DTSTART"].dt) for e in recurring_ical_events.of(Calendar.from_ical(feed.content)).all()]
        assert stamp(old_but_running.occurrences[0].starts_at) in shown  # older than 90 days, still there
        assert stamp(kept.starts_at) in shown


def test_all_day_meetings_are_dates_with_an_exclusive_end(body):
    meeting_at(body, date(2031, 5, 1), time(0), hours=48, all_day=True)
    [event] = events(body_feed(body))
    assert event["DTSTART"].dt == date(2031, 5, 1) and event["DTEND"].dt == date(2031, 5, 3)
    assert b"DTSTART;VALUE=DATE:20310501\r\n" in body_feed(body).content


# Who sees what


def test_no_attendee_and_no_personal_address_in_any_feed(app, body, member):
    chair = MembershipFactory(body=body, role=MembershipRole.CHAIR).account
    series = dst_series(body, chair)
    meeting = meeting_at(body, days_from_today(4), organiser=chair)
    db.session.add(Invitation(meeting=meeting, account=member))
    db.session.commit()
    feeds = [body_feed(body), personal_feed(member), meeting_download(meeting, member, "de")]
    feeds.append(meeting_download(series.occurrences[0], chair, "de"))
    for feed in feeds:
        text = feed.content.decode()
        assert "ATTENDEE" not in text
        for person in (member, chair):
            assert person.email not in text and person.display_name not in text
        for event in events(feed):
            assert str(event["ORGANIZER"]) == "mailto:koop@koop.example"


def test_non_public_items_only_for_those_who_may_see_them(body, member):
    organiser = OrganiserFactory()
    meeting = meeting_at(body, days_from_today(6))
    add_item(organiser, meeting, ItemData(title="Personalangelegenheit", public=False))
    guest = AccountFactory()
    db.session.add(Invitation(meeting=meeting, account=guest, is_guest=True))
    db.session.commit()
    assert "Personalangelegenheit" not in body_feed(body).content.decode()
    assert "Personalangelegenheit" in personal_feed(member).content.decode()
    assert "Personalangelegenheit" not in personal_feed(guest).content.decode()
    assert "Personalangelegenheit" not in meeting_download(meeting, guest, "de").content.decode()
    assert "Personalangelegenheit" in meeting_download(meeting, organiser, "de").content.decode()


def test_the_personal_feed_holds_bodies_invitations_and_registrations(member):
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    MembershipFactory(body=secret, account=member)
    internal = BodyFactory(visibility=Visibility.INTERNAL)
    meeting_at(secret, days_from_today(2), title="Vertraulich")
    meeting_at(internal, days_from_today(2), title="Fremd")
    invited = meeting_at(internal, days_from_today(3), title="Als Gast")
    db.session.add(Invitation(meeting=invited, account=member, is_guest=True))
    for status, title in ((RegistrationStatus.REGISTERED, "Angemeldet"), (RegistrationStatus.WAITING, "Warteliste"),
                          (RegistrationStatus.CANCELLED, "Abgemeldet")):
        RegistrationFactory(meeting=EventFactory(title=title), account=member, status=status)
    db.session.commit()
    assert summaries(personal_feed(member)) == {"Vertraulich", "Als Gast", "Angemeldet", "Warteliste"}
    assert summaries(personal_feed(member, secret.code)) == {"Vertraulich"}
    # an organiser sees confidential bodies on their pages, but their feed is about their own meetings
    assert summaries(personal_feed(OrganiserFactory())) == set()


def test_a_guest_of_a_confidential_series_gets_only_their_occurrences(member):
    secret = BodyFactory(visibility=Visibility.CONFIDENTIAL)
    series = dst_series(secret)
    invited = occurrence_on(series, date(2031, 6, 2))
    db.session.add(Invitation(meeting=invited, account=member, is_guest=True))
    db.session.commit()
    for feed in (personal_feed(member), meeting_download(invited, member, "de")):
        [event] = events(feed)
        assert str(event["UID"]) == series.uid and "RECURRENCE-ID" in event and "RRULE" not in event
    assert masters(meeting_download(invited, OrganiserFactory(), "de"))  # who sees the body gets the series


def test_leaving_a_body_ends_its_meetings_in_the_feed(body, member):
    meeting_at(body, days_from_today(5), title="Nächste Sitzung")
    assert summaries(personal_feed(member)) == {"Nächste Sitzung"}
    assert personal_feed(member, body.code) is not None
    membership = db.session.scalars(select(Membership)).one()
    membership.end_on = date.today() - timedelta(days=1)
    db.session.commit()
    assert summaries(personal_feed(member)) == set()
    assert personal_feed(member, body.code) is None


@pytest.mark.parametrize("code", ["", "NOPE", "other"])
def test_a_body_filter_outside_ones_memberships_finds_nothing(member, code):
    other = BodyFactory(code="OTHER", visibility=Visibility.PUBLIC)
    assert personal_feed(member, other.code if code == "other" else code) is None


def test_feed_names_and_language(body, member):
    assert "X-WR-CALNAME:Koop – Meine Sitzungen\r\n".encode() in personal_feed(member).content
    assert f"NAME:Koop – {body.name}\r\n".encode() in personal_feed(member, body.code).content
    assert f"X-WR-CALNAME:Koop – {body.name}\r\n".encode() in body_feed(body).content
    member.locale = "en"
    db.session.commit()
    assert "NAME:Koop – My meetings\r\n".encode() in personal_feed(member).content


# Same content, same bytes; Last-Modified


def test_the_same_meetings_give_the_same_bytes_and_an_edit_changes_them(body, member):
    meeting = meeting_at(body, days_from_today(7))
    dst_series(body)
    first, again = personal_feed(member), personal_feed(member)
    assert first.content == again.content and first.etag == again.etag
    update_meeting(OrganiserFactory(), meeting, meeting_data_of(meeting, location="Anderer Raum"))
    changed = personal_feed(member)
    assert changed.etag != first.etag
    before = {str(e["UID"]): e for e in events(first)}[meeting.uid]
    after = {str(e["UID"]): e for e in events(changed)}[meeting.uid]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert changed.last_modified >= first.last_modified


def test_an_agenda_change_raises_last_modified(body):
    meeting = meeting_at(body, days_from_today(7))
    meeting.updated_at = body.updated_at = utcnow() - timedelta(days=2)
    db.session.commit()
    before = body_feed(body)
    add_item(OrganiserFactory(), meeting, ItemData(title="Neuer Punkt"))
    after = body_feed(body)
    assert after.last_modified > before.last_modified
    [event] = events(after)
    assert event["LAST-MODIFIED"].dt > before.last_modified


def test_last_modified_sees_meetings_leave_the_window_and_memberships_end(body, member):
    gone = meeting_at(body, days_from_today(-95))
    gone.updated_at = utcnow() - timedelta(days=100)
    db.session.commit()
    assert body_feed(body).last_modified >= (gone.ends_at + services.FEED_PAST).replace(microsecond=0)
    other = BodyFactory()
    ended = MembershipFactory(body=other, account=member, start_on=date(2020, 1, 1), end_on=date.today())
    ended.updated_at = utcnow() - timedelta(days=30)
    member.updated_at = utcnow() - timedelta(days=30)
    db.session.commit()
    feed = personal_feed(member)
    assert feed.last_modified >= services._local_midnight(date.today())
    assert feed.last_modified <= utcnow() and feed.last_modified.microsecond == 0


# A fixed number of statements


def _statements(client, count_statements, account, meetings: int, series: int) -> tuple[int, int]:
    populate(account, meetings=meetings, series=series)
    token = regenerate_token(account)
    client.get(f"/calendar/{token}.ics").close()  # warm up caches of the app (templates, mappers)
    with count_statements() as counter:
        response = client.get(f"/calendar/{token}.ics")
    response.close()
    assert response.status_code == 200
    return counter.count, len(events_of_bytes(response.get_data()))


def events_of_bytes(data: bytes) -> list:
    return Calendar.from_ical(data).walk("VEVENT")


def test_the_personal_feed_runs_a_fixed_number_of_statements(app, count_statements):
    app.test_client_class = IsolatedClient  # each request its own session, as on a server: nothing cached
    client = app.test_client()
    small, small_events = _statements(client, count_statements, AccountFactory(), meetings=10, series=1)
    large, large_events = _statements(client, count_statements, AccountFactory(), meetings=500, series=10)
    assert large_events > 10 * small_events
    assert small == large, f"{small} statements for 10 meetings, {large} for 500"
    assert large <= 8, large


def test_koops_list_of_a_series_is_what_the_feed_expands(body):
    series = dst_series(body)
    shown = sorted(
        (str(e["UID"]), stamp(e["DTSTART"].dt), stamp(e["DTEND"].dt))
        for e in recurring_ical_events.of(Calendar.from_ical(body_feed(body).content)).all()
    )
    assert shown == sorted(item[:3] for item in expected_series(series))
    assert len(shown) == len([o for o in occurrences(series) if not o.cancelled])


def test_an_occurrence_made_all_day_keeps_a_recurrence_id_like_the_masters_dtstart(body):
    series = make_series(body=body)
    meeting = series.occurrences[2]
    day = meeting.starts_at.astimezone(BERLIN).date()
    update_meeting(
        OrganiserFactory(), meeting, meeting_data_of(meeting, all_day=True, start_day=day, end_day=day,
                                                     timezone="Europe/London")
    )
    [override] = [event for event in events(body_feed(body)) if "RECURRENCE-ID" in event]
    assert override["DTSTART"].dt == day  # the occurrence itself is a whole day now
    recurrence_id = override["RECURRENCE-ID"]
    assert recurrence_id.params["TZID"] == "Europe/Berlin"  # the series' zone, not the occurrence's new one
    assert recurrence_id.dt == meeting.original_start.astimezone(BERLIN)


def test_a_slot_without_its_occurrence_becomes_an_exdate(body):
    series = make_series(body=body, occurrence_count=4)
    gone = series.occurrences[2]
    slot = gone.original_start
    db.session.delete(gone)
    db.session.commit()
    db.session.expire(series)
    feed = body_feed(body)
    [master] = masters(feed)
    assert [item.dt for item in master["EXDATE"].dts] == [slot.astimezone(BERLIN)]
    shown = [stamp(e["DTSTART"].dt) for e in recurring_ical_events.of(Calendar.from_ical(feed.content)).all()]
    assert shown == [item[1] for item in expected_series(series)] and len(shown) == 3
