"""The generator behind `flask seed-scale`: organisations, people, bodies, meetings and their records.

Everything is drawn from one seeded random generator, so a preset and a seed always give the same data (apart
from the dates, which are laid around today). Rows go to the database in bulk (app.scale.bulk); the app's
invariants are kept by construction:

- one open chair per body, one open membership per person and body, guests never vote, memberships end after
  they start; bodies that require parity have as many voting members from state as from municipal organisations;
- series occurrences sit on the slots of their series' rule (app.series.services.slots) with the series' title,
  place and duration unless they are exceptions (moved or cancelled);
- minutes only for held meetings; approved ones have attendance, a quorum for every adopted or rejected decision,
  their content and its SHA-256; their decisions are numbered CODE-YEAR-NNN per body and year in meeting and
  agenda order, and decision_counters hold the last serial, so approving new minutes continues the numbers;
- each action item has exactly one assignee (a person or an organisation).

The data spans five years: four back and one ahead of today.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from app.models import (
    QUORUM_SHARES,
    ActionItemStatus,
    Answer,
    AttendanceStatus,
    BodyKind,
    BodyLevel,
    DecisionOutcome,
    GlobalRole,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    MembershipRole,
    MinutesStatus,
    OrganisationKind,
    OrganisationLevel,
    QuorumRule,
    RegistrationStatus,
    SeriesFrequency,
    Visibility,
)
from app.scale import names
from app.scale.names import State
from app.scale.presets import Preset
from app.series.services import slots

BERLIN = ZoneInfo("Europe/Berlin")
SAARLAND_CSV = Path(__file__).resolve().parent.parent / "data" / "saarland-organisations.csv"
PAST_DAYS = 4 * 365
FUTURE_DAYS = 365
FEED_WINDOW_DAYS = 90 + FUTURE_DAYS  # what a personal feed shows of a body's meetings (app.calendars.services)
INVITATION_WINDOW = (-120, 30)  # days around today with invitations in Koop (older ones were sent by mail)
SEATS_BY_KIND = {
    BodyKind.STEERING_COUNCIL: (16, 16),
    BodyKind.PROJECT_GROUP: (8, 14),
    BodyKind.WORKING_GROUP: (5, 12),
    BodyKind.OTHER: (6, 12),
}
# How a body's name starts a sentence: "Der IT-Kooperationsrat", "Die Projektgruppe", "Der Digitalisierungsausschuss".
ARTICLE = {
    BodyKind.STEERING_COUNCIL: "Der",
    BodyKind.PROJECT_GROUP: "Die",
    BodyKind.WORKING_GROUP: "Die",
    BodyKind.OTHER: "Der",
}
MEETINGS_PER_YEAR = {
    BodyKind.STEERING_COUNCIL: 6,
    BodyKind.PROJECT_GROUP: 10,
    BodyKind.WORKING_GROUP: 14,
    BodyKind.OTHER: 8,
}


def berlin(day: date, clock: time) -> datetime:
    """A Berlin wall-clock time as an aware UTC datetime (the generator never uses 02:00-03:00)."""
    return datetime.combine(day, clock, tzinfo=BERLIN).astimezone(UTC)


def uid(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}@koop"


@dataclass(slots=True)
class Org:
    id: int
    name: str
    short_name: str
    kind: OrganisationKind
    level: OrganisationLevel
    state: str | None  # state code; None: nationwide
    parent_id: int | None = None
    ags: str | None = None
    city: str = ""
    accounts: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Seat:
    """A membership as the generator tracks it, to know who sat in a body on a given day."""

    id: int
    account_id: int
    organisation_id: int
    role: MembershipRole
    voting: bool
    start_on: date
    end_on: date | None

    def on(self, day: date) -> bool:
        return self.start_on <= day and (self.end_on is None or self.end_on > day)


@dataclass(slots=True)
class BodyPlan:
    id: int
    code: str
    name: str
    kind: BodyKind
    level: BodyLevel
    state: State
    visibility: Visibility
    parity: bool
    quorum_rule: QuorumRule
    founded_on: date
    dissolved_on: date | None
    city: str
    district_id: int | None = None  # a district's own body: its people come from there
    bench: bool = False
    series_body: bool = False
    weight: float = 1.0
    quota: int = 0
    seats: list[Seat] = field(default_factory=list)

    def members_on(self, day: date) -> list[Seat]:
        return [seat for seat in self.seats if seat.on(day)]

    def role_on(self, day: date, *roles: MembershipRole) -> Seat | None:
        return next((seat for seat in self.seats if seat.role in roles and seat.on(day)), None)


@dataclass(slots=True)
class MeetingPlan:
    id: int
    body: BodyPlan
    day: date  # local day of the start
    starts_at: datetime
    ends_at: datetime
    status: MeetingStatus
    series_id: int | None = None
    keeps_minutes: bool = False
    minutes_approved: bool = False


@dataclass
class Bench:
    """The known account the benchmarks log in with, and what they look at."""

    email: str = "bench@koop.example"
    account_id: int = 0
    body_codes: list[str] = field(default_factory=list)
    chair_body_code: str = ""
    meeting_id: int = 0  # a held meeting of the chair body with approved minutes
    search_term: str = "Registermodernisierung"


class Tables:
    """The buffers the generator fills, one per table, in the order the rows must be written."""

    def __init__(self, now: datetime) -> None:
        from app.extensions import db
        from app.scale.bulk import Buffer

        t = db.metadata.tables
        stamps = {"created_at": now, "updated_at": now}
        self.organisations = Buffer(t["organisations"], {"ags": None, "parent_id": None, **stamps})
        self.accounts = Buffer(
            t["accounts"],
            {
                "role": GlobalRole.NONE.value,
                "locale": "de",
                "timezone": "Europe/Berlin",
                "active": True,
                "calendar_token_hash": None,
                "session_version": 1,
                "last_login_at": None,
                **stamps,
            },
        )
        self.bodies = Buffer(
            t["bodies"], {"parent_id": None, "dissolved_on": None, "notice_days": 7, "standard_agenda": "", **stamps}
        )
        self.memberships = Buffer(t["memberships"], stamps)
        self.meeting_series = Buffer(
            t["meeting_series"],
            {"timezone": "Europe/Berlin", "nth": None, "month_day": None, "until_on": None, "sequence": 0, **stamps},
        )
        self.meetings = Buffer(
            t["meetings"],
            {
                "description": "",
                "timezone": "Europe/Berlin",
                "all_day": False,
                "online_url": "",
                "cancel_reason": "",
                "public": False,
                "sequence": 0,
                "series_id": None,
                "original_start": None,
                "is_exception": False,
                "invitations_sent_at": None,
                "registration_enabled": False,
                "capacity": None,
                "registration_deadline": None,
                "seats_per_organisation": None,
                **stamps,
            },
        )
        self.meeting_bodies = Buffer(t["meeting_bodies"])
        self.agenda_items = Buffer(
            t["agenda_items"], {"parent_id": None, "description": "", "presenter": "", "planned_minutes": None}
        )
        self.invitations = Buffer(
            t["invitations"], {"is_guest": False, "answered_at": None, "reminded_at": None}
        )
        self.registrations = Buffer(t["registrations"], stamps)
        self.minutes = Buffer(
            t["minutes"],
            {
                "attendance_recorded_at": None,
                "comments_until": None,
                "circulated_at": None,
                "circulated_by_id": None,
                "approved_at": None,
                "approved_by_id": None,
                "approved_content": None,
                "content_hash": None,
                **stamps,
            },
        )
        self.minutes_revisions = Buffer(t["minutes_revisions"])
        self.minutes_item_notes = Buffer(t["minutes_item_notes"])
        self.attendances = Buffer(
            t["attendances"],
            {"guest_name": "", "guest_organisation": "", "is_guest": False, "stands_in_for_id": None},
        )
        self.decisions = Buffer(
            t["decisions"],
            {"votes_yes": None, "votes_no": None, "votes_abstain": None, "year": None, "serial": None, "number": None},
        )
        self.decision_counters = Buffer(t["decision_counters"])
        self.action_items = Buffer(
            t["action_items"],
            {
                "meeting_id": None,
                "agenda_item_id": None,
                "decision_id": None,
                "assignee_account_id": None,
                "assignee_organisation_id": None,
                "completed_at": None,
            },
        )

    def in_order(self) -> list:
        return list(vars(self).values())


class Generator:
    """Draws the data of one preset into `t`, the tables' buffers; app.scale.seed_scale writes them out."""

    def __init__(self, preset: Preset, seed: int, today: date, password_hash: str, bench_token_hash: str) -> None:
        self.preset = preset
        self.rng = random.Random(seed)  # noqa: S311 -- repeatable test data, no secrets
        self.today = today
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.span_start = today - timedelta(days=PAST_DAYS)
        self.span_end = today + timedelta(days=FUTURE_DAYS)
        self.password_hash = password_hash
        self.bench_token_hash = bench_token_hash
        self.t = Tables(self.now)
        self.places = names.PlaceNames(self.rng)
        self.orgs: list[Org] = []
        self.orgs_by_state: dict[str, list[Org]] = defaultdict(list)
        self.bodies: list[BodyPlan] = []
        self.bench = Bench()
        self.account_org: list[int] = [0]  # account id -> organisation id (index 0 unused)
        self.meetings: list[MeetingPlan] = []
        self._ids: dict[str, int] = defaultdict(int)
        self.counters: dict[tuple[int, int], int] = defaultdict(int)
        self.pending_minutes_meeting = 0
        self._pool_cache: dict[tuple[str, int | None], tuple[list[Org], list[Org], list[Org]]] = {}

    def next_id(self, table: str) -> int:
        self._ids[table] += 1
        return self._ids[table]

    # Organisations

    def states(self) -> tuple[State, ...]:
        return names.STATES if self.preset.whole_country else (names.SAARLAND,)

    def add_org(self, name: str, short: str, kind: OrganisationKind, level: OrganisationLevel, state: str | None,
                parent: Org | None = None, ags: str | None = None, city: str = "") -> Org:
        org = Org(self.next_id("organisations"), name, short, kind, level, state,
                  parent.id if parent else None, ags, city or name)
        self.orgs.append(org)
        if state is not None:
            self.orgs_by_state[state].append(org)
        self.t.organisations.add(id=org.id, name=name, short_name=short, kind=kind.value, level=level.value,
                                 ags=ags, parent_id=org.parent_id)
        return org

    def make_organisations(self) -> None:
        for state in self.states():
            if state.code == "SL":
                self._saarland()
            else:
                self._generated_state(state)
        if self.preset.whole_country:
            for index, (name, short) in enumerate(names.IT_SERVICE_PROVIDERS):
                state = names.STATES[index % len(names.STATES)]
                self.add_org(name, short, OrganisationKind.IT_SERVICE_PROVIDER, OrganisationLevel.MUNICIPAL,
                             state.code, city=state.name)

    def _saarland(self) -> None:
        by_name: dict[str, Org] = {}
        with SAARLAND_CSV.open(encoding="utf-8") as file:
            for row in csv.DictReader(file):
                parent = by_name.get(row["parent"]) if row["parent"] else None
                name = row["name"]
                self.places.reserve(name)
                city = name if row["kind"] == "municipality" else (parent.name if parent else "Saarbrücken")
                org = self.add_org(name, row["short_name"], OrganisationKind(row["kind"]),
                                   OrganisationLevel(row["level"]), "SL", parent, row["ags"] or None, city)
                by_name[name] = org

    def _generated_state(self, state: State) -> None:
        capital = names.CITY_STATE_MUNICIPALITIES.get(state.code, (None,))[0] or self.places.new()
        ministries = names.CITY_STATE_MINISTRIES if state.city_state else names.MINISTRIES
        for name, short in ministries:
            self.add_org(f"{name} ({state.name})", f"{short}-{state.code}", OrganisationKind.STATE_MINISTRY,
                         OrganisationLevel.STATE, state.code, city=capital)
        if state.city_state:
            for city in names.CITY_STATE_MUNICIPALITIES[state.code]:
                self.places.reserve(city)
                self.add_org(city, "", OrganisationKind.MUNICIPALITY, OrganisationLevel.MUNICIPAL, state.code)
            return
        for name, short in names.MUNICIPAL_ASSOCIATIONS:
            self.add_org(f"{name} {state.name}", f"{short}-{state.code}", OrganisationKind.MUNICIPAL_ASSOCIATION,
                         OrganisationLevel.MUNICIPAL, state.code, city=capital)
        rural = state.rural_districts
        per_district = [state.municipalities // rural + (1 if i < state.municipalities % rural else 0)
                        for i in range(rural)]
        for number in range(1, rural + state.urban_districts + 1):
            place = self.places.new()
            ags = f"{state.ags}{number:03d}"
            if number <= rural:
                district = self.add_org(f"Landkreis {place}", "", OrganisationKind.DISTRICT,
                                        OrganisationLevel.MUNICIPAL, state.code, ags=ags, city=place)
                for index in range(per_district[number - 1]):
                    town = place if index == 0 else self.places.new()
                    self.add_org(town if index else f"{town} (Stadt)", "", OrganisationKind.MUNICIPALITY,
                                 OrganisationLevel.MUNICIPAL, state.code, district, f"{ags}{index + 1:03d}", town)
            else:
                self.add_org(f"Stadt {place}", "", OrganisationKind.DISTRICT, OrganisationLevel.MUNICIPAL,
                             state.code, ags=ags, city=place)

    # Accounts

    def make_accounts(self) -> None:
        weights = {
            OrganisationKind.STATE_MINISTRY: 40.0,
            OrganisationKind.MUNICIPAL_ASSOCIATION: 12.0,
            OrganisationKind.IT_SERVICE_PROVIDER: 15.0,
            OrganisationKind.DISTRICT: 8.0,
            OrganisationKind.MUNICIPALITY: 4.0,
            OrganisationKind.OTHER: 3.0,
        }
        target = self.preset.accounts - 2  # the administrator and the bench account come on top
        shares = [weights[org.kind] for org in self.orgs]
        total = sum(shares)
        exact = [target * share / total for share in shares]
        counts = [max(1, math.floor(value)) for value in exact]
        rest = target - sum(counts)
        by_remainder = sorted(range(len(exact)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True)
        for index in by_remainder[: max(rest, 0)]:
            counts[index] += 1
        emails: set[str] = set()
        organiser_orgs = {org.id for org in self.orgs if org.short_name.startswith(("STK", "SK-", "MI-", "MIBS"))}
        for org, count in zip(self.orgs, counts, strict=True):
            domain = names.ascii_slug(org.short_name or org.name).replace(" ", "") + ".example"
            for index in range(count):
                first, last = self.rng.choice(names.FIRST_NAMES), self.rng.choice(names.LAST_NAMES)
                local = names.ascii_slug(f"{first}.{last}")
                email = f"{local}@{domain}"
                number = 2
                while email in emails:
                    email = f"{local}{number}@{domain}"
                    number += 1
                emails.add(email)
                role = GlobalRole.NONE
                if org.id in organiser_orgs and index == 0:
                    role = GlobalRole.ORGANISER
                self._add_account(org, email, f"{first} {last}", role)
        admin_org = self.orgs[0]
        self._add_account(admin_org, "admin@koop.example", "Anna Admin", GlobalRole.ADMIN, pool=False)

    def _add_account(self, org: Org, email: str, name: str, role: GlobalRole, pool: bool = True,
                     token_hash: str | None = None) -> int:
        account_id = self.next_id("accounts")
        self.account_org.append(org.id)
        if pool:
            org.accounts.append(account_id)
        rng = self.rng
        last_login = self.now - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 1440))
        created = self.now - timedelta(days=PAST_DAYS + rng.randint(0, 300))
        self.t.accounts.add(
            id=account_id, email=email, display_name=name, organisation_id=org.id, role=role.value,
            locale="en" if rng.random() < 0.04 else "de", active=rng.random() > 0.01 or not pool,
            password_hash=self.password_hash, calendar_token_hash=token_hash,
            last_login_at=last_login if rng.random() < 0.8 else None, created_at=created, updated_at=created,
        )
        return account_id

    def make_bench_account(self) -> None:
        ministry = next(org for org in self.orgs_by_state["SL"] if org.short_name == "MIBS")
        self.bench.account_id = self._add_account(
            ministry, self.bench.email, "Bea Bench", GlobalRole.NONE, pool=False, token_hash=self.bench_token_hash
        )

    # Bodies and memberships

    def make_bodies(self) -> None:
        states = self.states()
        weights = [10 + s.rural_districts + s.urban_districts + s.municipalities / 50 for s in states]
        quotas = _apportion(self.preset.bodies, weights)
        for state, quota in zip(states, quotas, strict=True):
            self._bodies_of_state(state, quota)
        self._choose_bench_bodies()
        self._set_quotas()
        for body in self.bodies:
            self._staff(body)

    def _new_body(self, state: State, code: str, name: str, kind: BodyKind, level: BodyLevel,
                  parent: BodyPlan | None, visibility: Visibility, parity: bool, city: str,
                  district_id: int | None = None) -> BodyPlan:
        rng = self.rng
        founded = self.span_start - timedelta(days=rng.randint(30, 1500))
        dissolved = None
        if parent is not None and kind is not BodyKind.STEERING_COUNCIL:
            chance = rng.random()
            if chance < 0.03:  # founded during the five years
                founded = self.span_start + timedelta(days=rng.randint(30, PAST_DAYS - 400))
            elif chance < 0.05:  # dissolved during them
                dissolved = self.span_start + timedelta(days=rng.randint(400, PAST_DAYS - 60))
        body = BodyPlan(
            id=self.next_id("bodies"), code=code, name=name, kind=kind, level=level, state=state,
            visibility=visibility, parity=parity,
            quorum_rule=rng.choices(list(QuorumRule), weights=(6, 2, 1, 1))[0],
            founded_on=founded, dissolved_on=dissolved, city=city, district_id=district_id,
        )
        self.bodies.append(body)
        mandate = (
            f"{ARTICLE[kind]} {name.split(' ')[0]} koordiniert die gemeinsame Umsetzung des Onlinezugangsgesetzes "
            f"in {state.name}.\n\n- berichtet halbjährlich\n- stimmt sich mit den Kommunen ab"
        )
        self.t.bodies.add(
            id=body.id, name=name, code=code, kind=kind.value, level=level.value,
            parent_id=parent.id if parent else None, mandate=mandate, visibility=visibility.value,
            parity_required=parity, quorum_rule=body.quorum_rule.value, founded_on=founded, dissolved_on=dissolved,
            notice_days=rng.choice((7, 7, 14)),
        )
        return body

    def _bodies_of_state(self, state: State, quota: int) -> None:
        rng = self.rng
        orgs = self.orgs_by_state[state.code]
        capital = next((org.city for org in orgs if org.kind is OrganisationKind.STATE_MINISTRY), state.name)
        council = self._new_body(state, f"{state.code}ITKR", f"IT-Kooperationsrat {state.name}",
                                 BodyKind.STEERING_COUNCIL, BodyLevel.JOINT, None, Visibility.PUBLIC, True, capital)
        districts = [org for org in orgs if org.kind is OrganisationKind.DISTRICT]
        own = min(len(districts), (quota - 1) // 4)
        for number, district in enumerate(rng.sample(districts, own), start=1):
            self._new_body(state, f"{state.code}DA{number:03d}", f"Digitalisierungsausschuss {district.name}",
                           BodyKind.OTHER, BodyLevel.MUNICIPAL, None, self._visibility(), False, district.city,
                           district.id)
        rest = quota - 1 - own
        project_count = max(1, rest // 4) if rest else 0
        topics = list(names.TOPICS)
        rng.shuffle(topics)
        projects = []
        for number in range(1, project_count + 1):
            topic = topics[(number - 1) % len(topics)]
            joint = rng.random() < 0.6
            projects.append(self._new_body(
                state, f"{state.code}PG{number:03d}", f"Projektgruppe {topic} ({state.name})",
                BodyKind.PROJECT_GROUP, BodyLevel.JOINT if joint else BodyLevel.STATE, council,
                self._visibility(), joint and rng.random() < 0.5, capital,
            ))
        for number in range(1, rest - project_count + 1):
            topic = rng.choice(names.TOPICS)
            level = rng.choice((BodyLevel.STATE, BodyLevel.MUNICIPAL, BodyLevel.JOINT))
            self._new_body(
                state, f"{state.code}AG{number:03d}", f"Arbeitsgruppe {topic} {number} ({state.name})",
                BodyKind.WORKING_GROUP, level, rng.choice(projects) if projects else council,
                self._visibility(), level is BodyLevel.JOINT and rng.random() < 0.3, capital,
            )

    def _visibility(self) -> Visibility:
        return self.rng.choices(list(Visibility), weights=(40, 45, 15))[0]

    def _choose_bench_bodies(self) -> None:
        """Project and working groups of the Saarland, running through the five years, without parity."""
        candidates = [
            body for body in self.bodies
            if body.state.code == "SL" and body.kind in (BodyKind.PROJECT_GROUP, BodyKind.WORKING_GROUP)
            and not body.parity and body.dissolved_on is None and body.founded_on < self.span_start
        ]
        projects = [body for body in candidates if body.kind is BodyKind.PROJECT_GROUP]
        groups = [body for body in candidates if body.kind is BodyKind.WORKING_GROUP]
        mixed = [body for pair in zip(projects, groups, strict=False) for body in pair]  # both kinds, alternating
        mixed += [body for body in candidates if body not in mixed]
        chosen = mixed[: self.preset.bench_bodies]
        visibilities = (Visibility.INTERNAL, Visibility.PUBLIC, Visibility.CONFIDENTIAL)
        for index, body in enumerate(chosen):
            body.bench = True
            body.series_body = index % 2 == 1
            # A mix of visibilities, so the benchmarks see each kind of permission check.
            if body.visibility is not visibilities[index % 3]:
                body.visibility = visibilities[index % 3]
                self._patch_body_visibility(body)
        self.bench.body_codes = [body.code for body in chosen]
        self.bench.chair_body_code = chosen[0].code

    def _patch_body_visibility(self, body: BodyPlan) -> None:
        position = self.t.bodies.columns.index("visibility")
        for index, row in enumerate(self.t.bodies.rows):
            if row[0] == body.id:
                values = list(row)
                values[position] = body.visibility.value
                self.t.bodies.rows[index] = tuple(values)

    def _set_quotas(self) -> None:
        preset = self.preset
        bench = [body for body in self.bodies if body.bench]
        in_window = FEED_WINDOW_DAYS / (PAST_DAYS + FUTURE_DAYS)  # the share of a body's meetings a feed shows
        per_bench = round(preset.bench_feed_meetings / max(len(bench), 1) / in_window)
        for body in bench:
            body.quota = per_bench
        others = [body for body in self.bodies if not body.bench]
        for body in others:
            start, end = self._active(body)
            body.weight = MEETINGS_PER_YEAR[body.kind] * max((end - start).days, 0) / 365
            body.series_body = body.kind is BodyKind.WORKING_GROUP and self.rng.random() < 0.4
        remaining = max(preset.meetings - preset.events - per_bench * len(bench), len(others))
        for body, quota in zip(others, _apportion(remaining, [b.weight for b in others]), strict=True):
            body.quota = quota

    def _active(self, body: BodyPlan) -> tuple[date, date]:
        start = max(body.founded_on + timedelta(days=14), self.span_start)
        end = min(body.dissolved_on or self.span_end, self.span_end)
        return start, end

    def _pools(self, body: BodyPlan) -> tuple[list[Org], list[Org], list[Org]]:
        """Organisations a body's state-level, municipal-level and other members come from."""
        key = (body.state.code, body.district_id)
        if key not in self._pool_cache:
            people = [o for o in self.orgs_by_state[body.state.code] if o.accounts]
            state_side = [o for o in people if o.level is OrganisationLevel.STATE]
            if body.district_id is not None:
                municipal = [o for o in people if body.district_id in (o.id, o.parent_id)]
            else:
                main = [o for o in people if o.level is OrganisationLevel.MUNICIPAL
                        and o.kind is not OrganisationKind.MUNICIPALITY]
                towns = [o for o in people if o.kind is OrganisationKind.MUNICIPALITY]
                municipal = main + self.rng.sample(towns, min(len(towns), 60))
            other = [o for o in people if o.kind is OrganisationKind.IT_SERVICE_PROVIDER] or municipal
            self._pool_cache[key] = (state_side or municipal, municipal or state_side, other)
        return self._pool_cache[key]

    def _staff(self, body: BodyPlan) -> None:
        rng = self.rng
        state_side, municipal, other = self._pools(body)
        low, high = SEATS_BY_KIND[body.kind]
        voting = rng.randint(low, high)
        if body.parity:
            voting += voting % 2
            sides = [OrganisationLevel.STATE] * (voting // 2) + [OrganisationLevel.MUNICIPAL] * (voting // 2)
        elif body.level is BodyLevel.STATE:
            sides = [OrganisationLevel.STATE] * voting
        elif body.level is BodyLevel.MUNICIPAL:
            sides = [OrganisationLevel.MUNICIPAL] * (voting - 1) + [OrganisationLevel.STATE]
        else:
            sides = [rng.choice((OrganisationLevel.STATE, OrganisationLevel.MUNICIPAL)) for _ in range(voting)]
        if body.bench or body.level is BodyLevel.STATE:
            sides.sort(key=lambda level: level is not OrganisationLevel.STATE)  # a state member in the chair
        seats: list[tuple[MembershipRole, bool, list[Org]]] = []
        for index, side in enumerate(sides):
            role = MembershipRole.CHAIR if index == 0 else (
                MembershipRole.DEPUTY_CHAIR if index == 1 else MembershipRole.MEMBER)
            seats.append((role, True, state_side if side is OrganisationLevel.STATE else municipal))
        seats.append((MembershipRole.SECRETARY, False, other if rng.random() < 0.3 else state_side or municipal))
        if body.parity:  # substitutes come in pairs, so the roster stays balanced
            seats += [(MembershipRole.SUBSTITUTE, True, state_side), (MembershipRole.SUBSTITUTE, True, municipal)]
        elif rng.random() < 0.5 or body.code == self.bench.chair_body_code:  # the bench meeting has a stand-in
            side = municipal if body.level is BodyLevel.MUNICIPAL else state_side
            seats.append((MembershipRole.SUBSTITUTE, True, side))
        if rng.random() < 0.3:
            seats.append((MembershipRole.GUEST, False, other))
        taken: set[int] = set()
        start, end = body.founded_on, body.dissolved_on
        bench_role = None
        if body.bench:
            bench_role = MembershipRole.CHAIR if body.code == self.bench.chair_body_code else (
                MembershipRole.SECRETARY if body.code == self.bench.body_codes[1 % len(self.bench.body_codes)]
                else MembershipRole.MEMBER)
        for role, votes, pool in seats:
            if bench_role is role:
                self._seat(body, self.bench.account_id, role, votes, start, end)
                taken.add(self.bench.account_id)
                bench_role = None
                continue
            holder = self._pick(pool, taken, body.state.code)
            changes_on = None
            if rng.random() < 0.3:  # the seat changed hands once during the five years
                earliest = max(start, self.span_start) + timedelta(days=30)
                latest = min(end or self.today, self.today) - timedelta(days=14)
                if earliest < latest:
                    changes_on = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
            if changes_on is None:
                self._seat(body, holder, role, votes, start, end)
            else:
                self._seat(body, holder, role, votes, start, changes_on)
                self._seat(body, self._pick(pool, taken, body.state.code), role, votes, changes_on, end)

    def _pick(self, pool: list[Org], taken: set[int], state: str) -> int:
        for _attempt in range(20):
            org = self.rng.choice(pool)
            account = self.rng.choice(org.accounts)
            if account not in taken:
                taken.add(account)
                return account
        # A small pool (a district with few people): anyone of the pool not yet in the body, else of the state.
        for org in [*pool, *self.orgs_by_state[state]]:
            for account in org.accounts:
                if account not in taken:
                    taken.add(account)
                    return account
        raise RuntimeError("too few accounts for the bodies; raise the number of accounts")

    def _seat(self, body: BodyPlan, account_id: int, role: MembershipRole, voting: bool, start: date,
              end: date | None) -> None:
        seat = Seat(self.next_id("memberships"), account_id, self.account_org[account_id], role, voting, start, end)
        body.seats.append(seat)
        self.t.memberships.add(
            id=seat.id, body_id=body.id, account_id=account_id, role=role.value, organisation_id=seat.organisation_id,
            voting=voting, start_on=start, end_on=end,
        )

    # Meetings and series

    def make_meetings(self) -> None:
        for body in self.bodies:
            if body.quota <= 0:
                continue
            if body.series_body:
                self._series_meetings(body)
            else:
                self._single_meetings(body, body.quota)
        self._events()

    def _status(self, ends_at: datetime) -> MeetingStatus:
        chance = self.rng.random()
        if ends_at < self.now:
            return MeetingStatus.HELD if chance < 0.9 else (
                MeetingStatus.CANCELLED if chance < 0.95 else MeetingStatus.CONFIRMED)
        if chance < 0.04:
            return MeetingStatus.CANCELLED
        return MeetingStatus.CONFIRMED if chance < 0.45 else MeetingStatus.PLANNED

    def _place(self, body: BodyPlan) -> tuple[str, str]:
        chance = self.rng.random()
        room = f"{body.city}, {self.rng.choice(names.ROOMS)}"
        link = f"https://konferenz.koop.example/{body.code.lower()}"
        if chance < 0.25:
            return "", link
        if chance < 0.4:
            return room, link
        return room, ""

    def _single_meetings(self, body: BodyPlan, count: int) -> None:
        rng = self.rng
        start, end = self._active(body)
        spacing = max((end - start).days, 1) / count
        clock = rng.choice((time(9, 30), time(10), time(13), time(14)))
        location, online = self._place(body)
        for number in range(count):
            day = start + timedelta(days=int((number + rng.random() * 0.8) * spacing))
            day = _weekday(day)
            if day >= end:
                day = _weekday(end - timedelta(days=3))
            starts_at = berlin(day, clock)
            ends_at = starts_at + timedelta(minutes=rng.choice((90, 120, 120, 150, 180)))
            status = self._status(ends_at)
            self._meeting(body, day, starts_at, ends_at, status, f"{number + 1}. Sitzung {body.name}",
                          location, online)

    def _meeting(self, body: BodyPlan, day: date, starts_at: datetime, ends_at: datetime, status: MeetingStatus,
                 title: str, location: str, online: str, **extra) -> MeetingPlan:
        rng = self.rng
        plan = MeetingPlan(self.next_id("meetings"), body, day, starts_at, ends_at, status, extra.get("series_id"))
        self.meetings.append(plan)
        created = min(starts_at - timedelta(days=rng.randint(20, 90)), self.now)
        updated = min(created + timedelta(days=rng.randint(0, 20)), self.now)
        organiser = body.role_on(min(day, self.today), MembershipRole.SECRETARY, MembershipRole.CHAIR)
        sent = None
        invited = INVITATION_WINDOW[0] <= (day - self.today).days <= INVITATION_WINDOW[1]
        if invited and status is not MeetingStatus.PLANNED:
            sent = min(starts_at - timedelta(days=14), self.now)
        extra.setdefault("sequence", rng.choice((0, 0, 0, 1, 2)) + (1 if status is MeetingStatus.CANCELLED else 0))
        self.t.meetings.add(
            id=plan.id, body_id=body.id, kind=MeetingKind.MEETING.value, title=title[:200], starts_at=starts_at,
            ends_at=ends_at, location=location, online_url=online, status=status.value,
            cancel_reason="Terminkollision" if status is MeetingStatus.CANCELLED else "",
            uid=uid(rng), organiser_id=organiser.account_id if organiser else None, invitations_sent_at=sent,
            description="Bitte die Unterlagen im Vorfeld lesen." if rng.random() < 0.3 else "",
            created_at=created, updated_at=updated, **extra,
        )
        return plan

    def _series_meetings(self, body: BodyPlan) -> None:
        rng = self.rng
        start, end = self._active(body)
        weeks = max((end - start).days, 1) / body.quota / 7  # between meetings, on average
        weekday = rng.choice(("MO", "TU", "WE", "TH"))
        clock = rng.choice(("09:00", "10:00", "14:00"))
        duration = rng.choice((60, 90, 120))
        location, online = self._place(body)
        first = start
        made = 0
        while first < end:  # series one after the other until the body's end; the rhythm decides the count
            # Every n weeks, n rounded up or down at random so that the body meets as often as planned on average.
            interval = min(max(math.floor(weeks) + (rng.random() < weeks % 1), 1), 12)
            count = min(rng.randint(10, 40), 100, 104 // interval)
            series = MeetingSeries(frequency=SeriesFrequency.WEEKLY, interval=interval, weekdays=weekday,
                                   first_day=first, start_time=clock, timezone="Europe/Berlin",
                                   occurrence_count=count, duration_minutes=duration)
            starts = slots(series)
            if not starts or starts[0].astimezone(BERLIN).date() >= end:
                break
            starts = [slot for slot in starts if slot.astimezone(BERLIN).date() < end]
            series.first_day = starts[0].astimezone(BERLIN).date()
            series.occurrence_count = len(starts)
            made += len(starts)
            self._series(body, series, starts, duration, location, online)
            first = starts[-1].astimezone(BERLIN).date() + timedelta(days=7 * interval)
        if made < body.quota:  # extra sessions beside the rhythm
            self._single_meetings(body, min(body.quota - made, max(body.quota // 10, 1)))

    def _series(self, body: BodyPlan, series: MeetingSeries, starts: list[datetime], duration: int,
                location: str, online: str) -> None:
        rng = self.rng
        series_id = self.next_id("meeting_series")
        created = min(starts[0] - timedelta(days=rng.randint(14, 60)), self.now)
        self.t.meeting_series.add(
            id=series_id, body_id=body.id, uid=uid(rng), sequence=rng.choice((0, 0, 1)),
            frequency=series.frequency.value, interval=series.interval, weekdays=series.weekdays,
            first_day=series.first_day, start_time=series.start_time, duration_minutes=duration,
            occurrence_count=series.occurrence_count, created_at=created, updated_at=created,
        )
        title = f"Regeltermin {body.name}"
        for slot in starts:
            chance = rng.random()
            starts_at, exception, status = slot, False, None
            if chance < 0.04:
                exception, status = True, MeetingStatus.CANCELLED
            elif chance < 0.06:
                starts_at, exception = slot + timedelta(days=1), True
            ends_at = starts_at + timedelta(minutes=duration)
            if status is None:
                status = self._status(ends_at)
                if status is MeetingStatus.CANCELLED:
                    exception = True
            self._meeting(body, starts_at.astimezone(BERLIN).date(), starts_at, ends_at, status, title, location,
                          online, series_id=series_id, original_start=slot, is_exception=exception)

    def _events(self) -> None:
        rng = self.rng
        kinds = (MeetingKind.KICKOFF, MeetingKind.INFORMATION_EVENT, MeetingKind.WORKSHOP)
        states = self.states()
        for number in range(self.preset.events):
            state = states[number % len(states)]
            bodies = [body for body in self.bodies if body.state is state]
            kind = kinds[number % 3]
            topic = rng.choice(names.TOPICS)
            if number < len(states):  # each state's next kick-off is still ahead
                day = _weekday(self.today + timedelta(days=rng.randint(10, 60)))
            else:
                day = _weekday(self.span_start + timedelta(days=rng.randint(0, PAST_DAYS + FUTURE_DAYS - 1)))
            starts_at = berlin(day, time(10))
            ends_at = starts_at + timedelta(hours=rng.choice((3, 4, 6)))
            organiser = next((a for o in self.orgs_by_state[state.code] if o.kind is OrganisationKind.STATE_MINISTRY
                              for a in o.accounts), None)
            registration = kind is MeetingKind.KICKOFF
            capacity = rng.randint(40, 200) if registration else None
            title = {
                MeetingKind.KICKOFF: "Auftaktveranstaltung",
                MeetingKind.INFORMATION_EVENT: "Informationsveranstaltung",
                MeetingKind.WORKSHOP: "Workshop",
            }[kind]
            status = MeetingStatus.HELD if ends_at < self.now else MeetingStatus.CONFIRMED
            meeting_id = self.next_id("meetings")
            created = min(starts_at - timedelta(days=60), self.now)
            self.t.meetings.add(
                id=meeting_id, body_id=None, kind=kind.value, title=f"{title} {topic} ({state.name})",
                starts_at=starts_at, ends_at=ends_at,
                location=f"{bodies[0].city if bodies else state.name}, Großer Saal",
                status=status.value, public=rng.random() < 0.5, uid=uid(rng), organiser_id=organiser,
                registration_enabled=registration, capacity=capacity,
                registration_deadline=starts_at - timedelta(days=7) if registration else None,
                created_at=created, updated_at=created,
            )
            for body in rng.sample(bodies, min(len(bodies), rng.randint(1, 3))):
                self.t.meeting_bodies.add(meeting_id=meeting_id, body_id=body.id)
            if registration and capacity:
                self._registrations(meeting_id, state, capacity, starts_at,
                                    with_bench=state.code == "SL" and number < len(states))

    def _registrations(self, meeting_id: int, state: State, capacity: int, starts_at: datetime,
                       with_bench: bool) -> None:
        rng = self.rng
        pool = [a for o in self.orgs_by_state[state.code] for a in o.accounts]
        chosen = rng.sample(pool, min(len(pool), rng.randint(capacity // 4, capacity + capacity // 10)))
        if with_bench:
            chosen.append(self.bench.account_id)
        opened = starts_at - timedelta(days=50)
        for index, account in enumerate(chosen):
            status = RegistrationStatus.REGISTERED if index < capacity else RegistrationStatus.WAITING
            if account != self.bench.account_id and rng.random() < 0.05:
                status = RegistrationStatus.CANCELLED
            at = min(opened + timedelta(minutes=index * 37), self.now)
            self.t.registrations.add(
                id=self.next_id("registrations"), meeting_id=meeting_id, account_id=account,
                organisation_id=self.account_org[account], status=status.value, created_at=at, updated_at=at,
            )

    # Agendas, invitations, minutes, decisions, action items

    def choose_minutes(self) -> None:
        """Exactly the preset's number of held meetings get minutes; steering and project groups more often."""
        held = [m for m in self.meetings if m.status is MeetingStatus.HELD]
        rng = self.rng

        def key(meeting: MeetingPlan) -> float:
            weight = 3.0 if meeting.body.bench or meeting.body.kind in (
                BodyKind.STEERING_COUNCIL, BodyKind.PROJECT_GROUP) else 1.0
            return rng.random() ** (1 / weight)

        chosen = sorted(held, key=key, reverse=True)[: self.preset.minutes]
        for meeting in chosen:
            meeting.keeps_minutes = True
        # The bench chair body's latest held meeting has draft minutes: approving them continues the numbers.
        latest = max((m for m in held if m.body.code == self.bench.chair_body_code), key=lambda m: m.starts_at,
                     default=None)
        if latest is not None and not latest.keeps_minutes and chosen:
            chosen[-1].keeps_minutes = False
            latest.keeps_minutes = True
        self.pending_minutes_meeting = latest.id if latest is not None else 0

    def records(self) -> Iterator[None]:
        """Agenda items, invitations and minutes with everything in them, body by body; yields between bodies so
        the caller can write what has piled up."""
        by_body: dict[int, list[MeetingPlan]] = defaultdict(list)
        for meeting in self.meetings:
            by_body[meeting.body.id].append(meeting)
        decisions_left = self.preset.decisions
        actions_left = self.preset.action_items
        minutes_left = self.preset.minutes
        for body in self.bodies:
            for meeting in sorted(by_body[body.id], key=lambda m: (m.starts_at, m.id)):
                if meeting.keeps_minutes:
                    # Spread what is left evenly over the minutes still to come, give or take one.
                    decisions = _share(decisions_left, minutes_left, self.rng)
                    actions = _share(actions_left, minutes_left, self.rng)
                    self._minutes(meeting, decisions, actions)
                    decisions_left -= decisions
                    actions_left -= actions
                    minutes_left -= 1
                else:
                    self._agenda(meeting, topics=1)
                self._invitations(meeting)
            yield None
        self._bench_guest_invitation()
        for (body_id, year), serial in sorted(self.counters.items()):
            self.t.decision_counters.add(body_id=body_id, year=year, last_serial=serial)
        yield None

    def _agenda(self, meeting: MeetingPlan, topics: int) -> list[tuple[int, str, bool]]:
        """The items of a meeting; returns its topic items (id, title, public)."""
        rng = self.rng
        position = 1
        out = []

        def item(title: str, public: bool = True, parent_id: int | None = None, at: int | None = None) -> int:
            item_id = self.next_id("agenda_items")
            self.t.agenda_items.add(id=item_id, meeting_id=meeting.id, parent_id=parent_id,
                                    position=at if at is not None else position, title=title, public=public,
                                    planned_minutes=rng.choice((None, 10, 15, 30)))
            return item_id

        item("Eröffnung, Begrüßung und Feststellung der Beschlussfähigkeit")
        position += 1
        for _ in range(topics):
            title = rng.choice(names.TOPICS)
            public = rng.random() > 0.12
            item_id = item(f"{title}: Sachstand und Beschlussfassung", public)
            out.append((item_id, title, public))
            if rng.random() < 0.08:
                sub = item(f"{title}: Finanzierung", public, parent_id=item_id, at=1)
                out.append((sub, title, public))
            position += 1
        item("Verschiedenes")
        return out

    def _minutes(self, meeting: MeetingPlan, decision_count: int, action_count: int) -> None:
        rng = self.rng
        body = meeting.body
        topics = self._agenda(meeting, topics=min(max(2, decision_count), 4))
        age = (self.today - meeting.day).days
        if age >= 45:
            status = MinutesStatus.APPROVED if rng.random() < 0.98 else MinutesStatus.CIRCULATED
        elif age >= 14:
            status = MinutesStatus.CIRCULATED if rng.random() < 0.6 else MinutesStatus.APPROVED
        else:
            status = MinutesStatus.DRAFT
        if meeting.id == self.pending_minutes_meeting:
            status = MinutesStatus.DRAFT
        secretary = body.role_on(meeting.day, MembershipRole.SECRETARY, MembershipRole.CHAIR)
        chair = body.role_on(meeting.day, MembershipRole.CHAIR, MembershipRole.DEPUTY_CHAIR)
        writer = secretary.account_id if secretary else None
        present = self._attendance(meeting)
        minutes_id = self.next_id("minutes")
        version = rng.choice((2, 2, 3))
        general = "Die Sitzung verlief ohne besondere Vorkommnisse.\n\n- Protokoll: Geschäftsstelle"
        created = min(meeting.ends_at + timedelta(hours=2), self.now)
        circulated_at = min(meeting.ends_at + timedelta(days=rng.randint(3, 10)), self.now)
        approved_at = min(meeting.ends_at + timedelta(days=rng.randint(14, 44)), self.now)
        numbered = status is MinutesStatus.APPROVED
        meeting.minutes_approved = numbered
        notes: dict[str, str] = {}
        for item_id, title, _public in topics:
            text = f"Die Geschäftsstelle berichtet zum Stand **{title}**. Aussprache; Fragen wurden beantwortet."
            notes[str(item_id)] = text
            self.t.minutes_item_notes.add(id=self.next_id("minutes_item_notes"), minutes_id=minutes_id,
                                          agenda_item_id=item_id, notes=text)
        decisions = self._decisions(meeting, minutes_id, topics, decision_count, present, numbered)
        content = hash_ = None
        if numbered:
            content = json.dumps(
                {"format": "koop-minutes/1", "meeting": {"id": meeting.id, "day": meeting.day.isoformat()},
                 "general_notes": general, "item_notes": notes, "decisions": [d[1] for d in decisions]},
                ensure_ascii=False, sort_keys=True,
            )
            hash_ = hashlib.sha256(content.encode("utf-8")).hexdigest()
        self.t.minutes.add(
            id=minutes_id, meeting_id=meeting.id, status=status.value, general_notes=general, version=version,
            attendance_recorded_at=created if status is not MinutesStatus.DRAFT else None,
            comments_until=(circulated_at + timedelta(days=14)).date() if status is not MinutesStatus.DRAFT else None,
            circulated_at=circulated_at if status is not MinutesStatus.DRAFT else None,
            circulated_by_id=writer if status is not MinutesStatus.DRAFT else None,
            approved_at=approved_at if numbered else None,
            approved_by_id=chair.account_id if numbered and chair else None,
            approved_content=content, content_hash=hash_, created_by_id=writer, updated_by_id=writer,
            created_at=created, updated_at=approved_at if numbered else created,
        )
        for number in range(2, version + 1):
            self.t.minutes_revisions.add(
                id=self.next_id("minutes_revisions"), minutes_id=minutes_id, version=number, general_notes=general,
                item_notes_json=json.dumps(notes, ensure_ascii=False, sort_keys=True), author_id=writer,
                created_at=created + timedelta(hours=number),
            )
        self._actions(meeting, topics, [d[0] for d in decisions], action_count, writer)

    def _attendance(self, meeting: MeetingPlan) -> int:
        """Record who came; returns the voting seats present. Enough come for a quorum (adopted decisions need one)."""
        rng = self.rng
        members = meeting.body.members_on(meeting.day)
        seats = [s for s in members if s.voting and s.role is not MembershipRole.SUBSTITUTE]
        substitutes = [s for s in members if s.role is MembershipRole.SUBSTITUTE]
        share, more_than = QUORUM_SHARES[meeting.body.quorum_rule]
        needed = math.floor(len(seats) * share) + 1 if more_than else math.ceil(len(seats) * share)
        states = {s.id: (AttendanceStatus.PRESENT if rng.random() < 0.8 else rng.choice(
            (AttendanceStatus.EXCUSED, AttendanceStatus.EXCUSED, AttendanceStatus.ABSENT))) for s in seats}
        stand_ins: dict[int, Seat] = {}
        for seat in seats:
            if states[seat.id] is AttendanceStatus.EXCUSED and substitutes and rng.random() < 0.5:
                stand_ins[seat.id] = substitutes.pop()
        present = sum(1 for s in seats if states[s.id] is AttendanceStatus.PRESENT or s.id in stand_ins)
        for seat in seats:
            if present >= needed:
                break
            if states[seat.id] is not AttendanceStatus.PRESENT and seat.id not in stand_ins:
                states[seat.id] = AttendanceStatus.PRESENT
                present += 1
        recorded = min(meeting.ends_at + timedelta(hours=1), self.now)
        writer = meeting.body.role_on(meeting.day, MembershipRole.SECRETARY)
        for seat in members:
            if seat.role is MembershipRole.SUBSTITUTE:
                continue  # recorded only when standing in, below
            status_ = states.get(seat.id, AttendanceStatus.PRESENT if rng.random() < 0.7 else AttendanceStatus.EXCUSED)
            self.t.attendances.add(
                id=self.next_id("attendances"), meeting_id=meeting.id, account_id=seat.account_id,
                status=status_.value, is_guest=seat.role is MembershipRole.GUEST,
                recorded_by_id=writer.account_id if writer else None, recorded_at=recorded,
            )
        for absent_id, substitute in stand_ins.items():
            absent = next(s for s in seats if s.id == absent_id)
            self.t.attendances.add(
                id=self.next_id("attendances"), meeting_id=meeting.id, account_id=substitute.account_id,
                status=AttendanceStatus.PRESENT.value, stands_in_for_id=absent.account_id,
                recorded_by_id=writer.account_id if writer else None, recorded_at=recorded,
            )
        if rng.random() < 0.1:
            self.t.attendances.add(
                id=self.next_id("attendances"), meeting_id=meeting.id, account_id=None,
                guest_name=f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}",
                guest_organisation="Fachverfahrenshersteller", is_guest=True, status=AttendanceStatus.PRESENT.value,
                recorded_by_id=writer.account_id if writer else None, recorded_at=recorded,
            )
        return present

    def _decisions(self, meeting: MeetingPlan, minutes_id: int, topics: list[tuple[int, str, bool]], count: int,
                   present: int, numbered: bool) -> list[tuple[int, dict]]:
        rng = self.rng
        body = meeting.body
        year = meeting.day.year
        made = []
        per_item: dict[int, int] = defaultdict(int)
        # Numbered in agenda order (app.decisions.numbering.in_agenda_order): `topics` is in agenda order (a
        # sub-item right after its parent), and an item's decisions follow each other by position.
        for index in sorted(range(count), key=lambda i: i % len(topics)):
            item_id, topic, public = topics[index % len(topics)]
            per_item[item_id] += 1
            outcome = rng.choices(list(DecisionOutcome), weights=(75, 5, 7, 13))[0]
            votes: dict[str, int | None] = {"votes_yes": None, "votes_no": None, "votes_abstain": None}
            if outcome in (DecisionOutcome.ADOPTED, DecisionOutcome.REJECTED) and rng.random() < 0.9:
                no = rng.randint(0, max(present // 4, 0))
                abstain = rng.randint(0, max(present // 5, 0))
                yes = max(present - no - abstain, 0)
                if outcome is DecisionOutcome.REJECTED:
                    yes, no = no, yes
                votes = {"votes_yes": yes, "votes_no": no, "votes_abstain": abstain}
            noun, verb = rng.choice(names.DECISIONS)
            title = f"{topic}: {noun}"
            text = (
                f"{ARTICLE[body.kind]} {body.name.split(' ')[0]} {verb} {topic}. Die Geschäftsstelle wird gebeten, "
                f"bis zur nächsten Sitzung einen Umsetzungsplan vorzulegen; die Kosten trägt das Land "
                f"nach dem vereinbarten Schlüssel."
            )
            decision_id = self.next_id("decisions")
            number = {}
            if numbered:
                self.counters[(body.id, year)] += 1
                serial = self.counters[(body.id, year)]
                number = {"year": year, "serial": serial, "number": f"{body.code}-{year}-{serial:03d}"}
            stamp = min(meeting.ends_at + timedelta(hours=3), self.now)
            self.t.decisions.add(
                id=decision_id, minutes_id=minutes_id, agenda_item_id=item_id, body_id=body.id,
                decided_on=meeting.day, position=per_item[item_id], title=title, text=text,
                outcome=outcome.value, public=public, created_at=stamp, updated_at=stamp, **votes, **number,
            )
            made.append((decision_id, {"title": title, "outcome": outcome.value, **number, **votes}))
        return made

    def _actions(self, meeting: MeetingPlan, topics: list[tuple[int, str, bool]], decision_ids: list[int],
                 count: int, writer: int | None) -> None:
        rng = self.rng
        members = meeting.body.members_on(meeting.day) or meeting.body.seats
        for index in range(count):
            item_id, topic, _public = topics[index % len(topics)]
            decision_id = decision_ids[index % len(decision_ids)] if decision_ids and rng.random() < 0.6 else None
            seat = rng.choice(members)
            assignee: dict[str, int | None] = {"assignee_account_id": seat.account_id}
            if rng.random() < 0.2:
                assignee = {"assignee_organisation_id": seat.organisation_id}
            due = meeting.day + timedelta(days=rng.randint(14, 120))
            overdue_by = (self.today - due).days
            if overdue_by > 30:
                status = rng.choices(list(ActionItemStatus), weights=(10, 85, 5))[0]
            elif overdue_by > 0:
                status = rng.choices(list(ActionItemStatus), weights=(50, 45, 5))[0]
            else:
                status = rng.choices(list(ActionItemStatus), weights=(80, 18, 2))[0]
            created = min(meeting.ends_at + timedelta(hours=4), self.now)
            completed = None
            if status is ActionItemStatus.DONE:
                completed = min(berlin(due, time(12)) - timedelta(days=rng.randint(0, 10)), self.now)
                completed = max(completed, created)
            self.t.action_items.add(
                id=self.next_id("action_items"), body_id=meeting.body.id, meeting_id=meeting.id,
                agenda_item_id=item_id, decision_id=decision_id,
                description=f"{rng.choice(names.ACTION_VERBS)} {topic}", due_on=due, status=status.value,
                completed_at=completed, created_by_id=writer, created_at=created,
                updated_at=completed or created, **assignee,
            )

    def _invitations(self, meeting: MeetingPlan) -> None:
        offset = (meeting.day - self.today).days
        if not INVITATION_WINDOW[0] <= offset <= INVITATION_WINDOW[1] or meeting.status is MeetingStatus.PLANNED:
            return
        rng = self.rng
        sent = min(meeting.starts_at - timedelta(days=14), self.now)
        past = meeting.ends_at < self.now
        for seat in meeting.body.members_on(meeting.day):
            answer = rng.choices(list(Answer), weights=(10, 70, 15, 5) if past else (50, 35, 10, 5))[0]
            self.t.invitations.add(
                id=self.next_id("invitations"), meeting_id=meeting.id, account_id=seat.account_id, answer=answer.value,
                answered_at=None if answer is Answer.OPEN else min(sent + timedelta(days=2), self.now),
                sent_at=sent,
            )

    def _bench_guest_invitation(self) -> None:
        """The bench account is a guest at one upcoming meeting of a body it does not belong to."""
        codes = set(self.bench.body_codes)
        for meeting in self.meetings:
            if (meeting.body.state.code == "SL" and meeting.body.code not in codes and meeting.starts_at > self.now
                    and meeting.status is MeetingStatus.CONFIRMED):
                self.t.invitations.add(
                    id=self.next_id("invitations"), meeting_id=meeting.id, account_id=self.bench.account_id,
                    answer=Answer.ACCEPTED.value, answered_at=self.now, sent_at=self.now, is_guest=True,
                )
                return

    def bench_meeting(self) -> int:
        """The latest held meeting of the bench account's chair body with approved minutes (or any with minutes)."""
        body_meetings = [m for m in self.meetings if m.body.code == self.bench.chair_body_code and m.keeps_minutes]
        approved = [m for m in body_meetings if m.minutes_approved]
        chosen = max(approved or body_meetings, key=lambda m: m.starts_at, default=None)
        return chosen.id if chosen else 0


def _weekday(day: date) -> date:
    """Saturday moves to Friday, Sunday to Monday."""
    if day.weekday() == 5:
        return day - timedelta(days=1)
    if day.weekday() == 6:
        return day + timedelta(days=1)
    return day


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` in proportion to the weights, in whole numbers that add up (largest remainder)."""
    whole = sum(weights) or 1.0
    exact = [total * weight / whole for weight in weights]
    counts = [math.floor(value) for value in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _share(left: int, parts: int, rng: random.Random) -> int:
    """One part of what is left, varied by up to one either way, never below one."""
    if parts <= 0:
        return 0
    base = left / parts
    return max(1, round(base + rng.uniform(-1, 1))) if left > 0 else 1
