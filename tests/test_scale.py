"""`flask seed-scale`: the tiny preset makes what it says, and the data keeps the app's invariants."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.auth.passwords import verify_password
from app.bodies.services import parity_of, roster
from app.clock import today
from app.decisions.numbering import in_agenda_order
from app.errors import DomainError
from app.extensions import db
from app.minutes.approval import approve
from app.models import (
    Account,
    ActionItem,
    Body,
    Decision,
    DecisionCounter,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Membership,
    MembershipRole,
    Minutes,
    MinutesStatus,
    Organisation,
    OrganisationKind,
    OrganisationLevel,
    Visibility,
    utcnow,
)
from app.queries import PAGE_SIZE
from app.scale import BENCH_TOKEN, PRESETS, SCALE_PASSWORD, seed_scale
from app.series.services import slots
from tests.factories_bodies import BodyFactory, log_in
from tests.factories_invitations import FutureMeetingFactory

TINY = PRESETS["tiny"]


@pytest.fixture
def seeded(app):
    return seed_scale(TINY)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_tiny_makes_about_what_the_preset_says(seeded):
    counts = seeded.counts
    assert counts["bodies"] == TINY.bodies
    assert counts["minutes"] == TINY.minutes
    assert abs(counts["meetings"] - TINY.meetings) <= TINY.meetings * 0.05
    assert abs(counts["decisions"] - TINY.decisions) <= TINY.decisions * 0.05
    assert abs(counts["action_items"] - TINY.action_items) <= TINY.action_items * 0.05
    assert counts["accounts"] >= TINY.accounts
    assert counts["organisations"] == 73  # the Saarland's real ones
    # What the report says is what the database holds.
    for name, count in counts.items():
        assert db.session.scalar(select(func.count()).select_from(db.metadata.tables[name])) == count, name
    assert _count(MeetingSeries) > 0 and counts["agenda_items"] > counts["meetings"]


def test_references_are_whole(seeded):
    if db.engine.dialect.name == "sqlite":  # PostgreSQL checked every foreign key while loading
        assert db.session.execute(text("PRAGMA foreign_key_check")).all() == []
    held = {m.id for m in db.session.scalars(select(Meeting).where(Meeting.status == MeetingStatus.HELD))}
    assert set(db.session.scalars(select(Minutes.meeting_id))) <= held


def test_rosters_keep_their_rules(seeded):
    day = today()
    for body in db.session.scalars(select(Body)):
        current = roster(body).current
        if body.dissolved_on is None:
            assert sum(1 for m in current if m.role is MembershipRole.CHAIR) == 1, body.code
        if body.parity_required:
            parity = parity_of(current)
            assert parity.balanced and parity.state > 0, body.code
    people = defaultdict(int)
    for membership in db.session.scalars(select(Membership)):
        assert membership.end_on is None or membership.end_on > membership.start_on
        assert not (membership.role is MembershipRole.GUEST and membership.voting)
        if membership.is_current(day):
            people[(membership.body_id, membership.account_id)] += 1
    assert max(people.values()) == 1


def test_series_occurrences_sit_on_their_rule(seeded):
    for series in db.session.scalars(select(MeetingSeries)):
        occurrences = series.occurrences
        assert sorted(m.original_start for m in occurrences) == slots(series)
        assert series.first_day == slots(series)[0].astimezone(series_zone(series)).date()
        regular = [m for m in occurrences if not m.is_exception]
        assert regular, series.id
        assert {(m.title, m.location, m.online_url) for m in regular} == {
            (regular[0].title, regular[0].location, regular[0].online_url)
        }
        for meeting in regular:
            assert meeting.starts_at == meeting.original_start
            assert meeting.ends_at - meeting.starts_at == timedelta(minutes=series.duration_minutes)
        assert all(m.is_exception for m in occurrences if m.status is MeetingStatus.CANCELLED)


def series_zone(series: MeetingSeries):
    from zoneinfo import ZoneInfo

    return ZoneInfo(series.timezone)


def test_decisions_are_numbered_in_order_and_the_counters_hold_the_last_number(seeded):
    serials: dict[tuple[int, int], list[int]] = defaultdict(list)
    for minutes in db.session.scalars(select(Minutes)):
        decisions = list(minutes.decisions)
        if minutes.status is MinutesStatus.APPROVED:
            assert minutes.content_hash and minutes.approved_content and minutes.attendance_recorded_at
            ordered = in_agenda_order(decisions)
            assert [d.serial for d in ordered] == sorted(d.serial for d in decisions)
            for decision in decisions:
                code = decision.body.code
                assert decision.number == f"{code}-{decision.year}-{decision.serial:03d}"
                assert decision.year == decision.decided_on.year
                serials[(decision.body_id, decision.year)].append(decision.serial)
        else:
            assert all(d.number is None and d.serial is None for d in decisions)
    counters = {(c.body_id, c.year): c.last_serial for c in db.session.scalars(select(DecisionCounter))}
    assert counters == {key: max(values) for key, values in serials.items()}
    for values in serials.values():
        assert sorted(values) == list(range(1, len(values) + 1))


def test_approving_new_minutes_continues_the_numbers(seeded):
    pending = db.session.scalars(
        select(Minutes).where(Minutes.status != MinutesStatus.APPROVED).order_by(Minutes.id)
    ).all()
    minutes = next(m for m in pending if m.decisions)  # there are always some: see app.scale.generator
    meeting = minutes.meeting
    year = minutes.decisions[0].decided_on.year
    counter = db.session.get(DecisionCounter, (meeting.body_id, year))
    last = counter.last_serial if counter else 0
    chair = db.session.scalars(
        select(Account)
        .join(Membership, Membership.account_id == Account.id)
        .where(Membership.body_id == meeting.body_id, Membership.role == MembershipRole.CHAIR,
               Membership.end_on.is_(None))
    ).one()
    minutes.attendance_recorded_at = utcnow()
    db.session.commit()

    approve(chair, minutes)

    serials = sorted(d.serial for d in minutes.decisions)
    assert serials == list(range(last + 1, last + 1 + len(serials)))
    assert db.session.get(DecisionCounter, (meeting.body_id, year)).last_serial == serials[-1]


def test_decision_search_finds_the_bench_term(seeded):
    term = seeded.bench.search_term
    expected = _count(Decision.__table__.select().where(Decision.title.contains(term)).subquery())
    assert expected > 0
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM decisions_fts")) == _count(Decision)
        found = db.session.scalar(text("SELECT count(*) FROM decisions_fts WHERE decisions_fts MATCH :q"), {"q": term})
    else:
        found = db.session.scalar(
            text("SELECT count(*) FROM decisions WHERE to_tsvector('german', title || ' ' || text) "
                 "@@ plainto_tsquery('german', :q)"),
            {"q": term},
        )
    assert found >= expected


def test_action_items_have_one_assignee(seeded):
    for item in db.session.scalars(select(ActionItem)):
        assert (item.assignee_account_id is None) != (item.assignee_organisation_id is None)
        assert item.meeting_id is not None and item.body_id == item.meeting.body_id


def test_the_bench_account_logs_in_and_has_its_feed(seeded, client):
    bench = seeded.bench
    account = db.session.scalars(select(Account).where(Account.email == bench.email)).one()
    assert verify_password(account.password_hash, SCALE_PASSWORD)
    assert len(roster_codes(account)) == TINY.bench_bodies == len(bench.body_codes)
    meeting = db.session.get(Meeting, bench.meeting_id)
    assert meeting.body.code == bench.chair_body_code

    feed = client.get(f"/calendar/{BENCH_TOKEN}.ics")
    assert feed.status_code == 200
    assert feed.get_data().count(b"BEGIN:VEVENT") >= TINY.bench_feed_meetings // 2

    log_in(client, account)
    for path in ("/", f"/bodies/{bench.chair_body_code}", f"/meetings/{bench.meeting_id}"):
        assert client.get(path).status_code == 200, path


def roster_codes(account: Account) -> set[str]:
    day = today()
    return {
        m.body.code for m in db.session.scalars(select(Membership).where(Membership.account_id == account.id))
        if m.is_current(day)
    }


def test_ids_go_on_after_the_generated_rows(seeded):
    organisation = Organisation(name="Neu angelegt", kind=OrganisationKind.OTHER, level=OrganisationLevel.OTHER)
    db.session.add(organisation)
    db.session.commit()
    assert organisation.id == seeded.counts["organisations"] + 1


def test_a_database_with_data_is_refused_unless_forced(seeded):
    with pytest.raises(DomainError, match="--force"):
        seed_scale(TINY)
    again = seed_scale(TINY, force=True)
    assert again.counts == seeded.counts
    assert _count(Body) == TINY.bodies


def test_the_command_runs_only_in_development(app, runner, database_url, tmp_path):
    refused = runner.invoke(args=["seed-scale", "--preset", "tiny"])
    assert refused.exit_code != 0 and "development" in refused.output
    assert _count(Account) == 0

    development = create_app(
        "development", {"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX": str(tmp_path / "outbox")}
    )
    with development.app_context():
        result = development.test_cli_runner().invoke(args=["seed-scale", "--preset", "tiny"])
        assert result.exit_code == 0, result.output
        assert "bench@koop.example" in result.output and f"/calendar/{BENCH_TOKEN}.ics" in result.output
        assert "decisions" in result.output
        again = development.test_cli_runner().invoke(args=["seed-scale", "--preset", "tiny"])
        assert again.exit_code != 0 and "--force" in again.output
        db.session.remove()
        db.engine.dispose()


def test_a_body_with_more_than_a_page_of_past_meetings_pages_through_them(app, client):
    # Found with the scale data: the pagination links of a body's meetings lost the body's code (a 500).
    body = BodyFactory(visibility=Visibility.PUBLIC)
    start = utcnow() - timedelta(days=400)
    for number in range(PAGE_SIZE + 1):
        FutureMeetingFactory(body=body, starts_at=start + timedelta(days=number),
                             ends_at=start + timedelta(days=number, hours=2), status=MeetingStatus.HELD)

    first = client.get(f"/bodies/{body.code}/meetings?past=1")
    assert first.status_code == 200
    assert f"/bodies/{body.code}/meetings?past=1&amp;page=2" in first.get_data(as_text=True)
    second = client.get(f"/bodies/{body.code}/meetings?past=1&page=2")
    assert second.status_code == 200
    assert f"/bodies/{body.code}/meetings?past=1&amp;page=1" in second.get_data(as_text=True)
