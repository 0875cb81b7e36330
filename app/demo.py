"""Demo data for development: real Saarland organisations and one account per role."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.auth.passwords import hash_password
from app.extensions import db
from app.minutes.demo import seed_minutes
from app.models import Account, GlobalRole, Organisation
from app.organisations.importer import import_organisations
from app.polls.demo import seed_polls

DATA_FOLDER = Path(__file__).parent / "data"
DEMO_PASSWORD = "koop-demo"  # noqa: S105 - the published demo login, loaded only in development
DEMO_ACCOUNTS = (
    # email, name, organisation short name, global role
    ("admin@koop.example", "Anna Admin", "eGo-Saar", GlobalRole.ADMIN),
    ("organiser@koop.example", "Olaf Organisator", "MIBS", GlobalRole.ORGANISER),
    ("chair@koop.example", "Clara Vorsitz", "MIBS", GlobalRole.NONE),
    ("secretary@koop.example", "Sven Schriftführer", "eGo-Saar", GlobalRole.NONE),
    ("member@koop.example", "Mia Mitglied", "SSGT", GlobalRole.NONE),
)


def seed_demo() -> None:
    """Load the demo data; safe to run twice (existing rows are kept)."""
    import_organisations((DATA_FOLDER / "saarland-organisations.csv").read_text(encoding="utf-8"))
    organisations = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    password_hash = hash_password(DEMO_PASSWORD)
    existing = set(db.session.scalars(select(Account.email)))
    for email, name, organisation, role in DEMO_ACCOUNTS:
        if email in existing:
            continue
        db.session.add(
            Account(
                email=email,
                display_name=name,
                organisation=organisations.get(organisation),
                role=role,
                password_hash=password_hash,
            )
        )
    db.session.commit()
    seed_bodies()
    seed_meetings()
    seed_polls()
    seed_minutes()


# Further demo people: (email, name, organisation name or short name).
COUNCIL_STATE_MEMBERS = (
    ("stk@koop.example", "Stefan Kramer", "STK"),
    ("mfw@koop.example", "Fatma Yilmaz", "MFW"),
    ("mwide@koop.example", "Jonas Becker", "MWIDE"),
    ("mbk@koop.example", "Birgit Schäfer", "MBK"),
    ("masfg@koop.example", "Paul Wagner", "MASFG"),
    ("mdj@koop.example", "Julia Hoffmann", "MdJ"),
    ("mukmav@koop.example", "Lukas Schmitt", "MUKMAV"),
)
COUNCIL_MUNICIPAL_MEMBERS = (
    ("lkt@koop.example", "Petra Klein", "LKT"),
    ("rvsb@koop.example", "Markus Weber", "RVSB"),
    ("saarbruecken@koop.example", "Sabine Meyer", "Saarbrücken"),
    ("neunkirchen@koop.example", "Thomas Müller", "Neunkirchen"),
    ("saarlouis@koop.example", "Andrea Fischer", "Saarlouis"),
    ("homburg@koop.example", "Michael Schneider", "Homburg"),
)
DEPUTY_CHAIR = ("deputy@koop.example", "Dieter Stellmacher", "SSGT")


def seed_bodies() -> None:
    """The IT-Kooperationsrat (8 : 8), its project groups and four working groups, one deliberately unbalanced."""
    from datetime import date

    from app.bodies import services as bodies
    from app.models import Body, BodyKind, BodyLevel, MembershipRole, Visibility

    if bodies.get_body("ITKR") is not None:
        return
    organisations: dict[str, Organisation] = {}
    for organisation in db.session.scalars(select(Organisation)):
        organisations[organisation.name] = organisation
        if organisation.short_name:
            organisations[organisation.short_name] = organisation
    people = {a.email: a for a in db.session.scalars(select(Account))}
    password_hash = hash_password(DEMO_PASSWORD)
    for email, name, organisation in (*COUNCIL_STATE_MEMBERS, *COUNCIL_MUNICIPAL_MEMBERS, DEPUTY_CHAIR):
        if email not in people:
            people[email] = Account(
                email=email, display_name=name, organisation=organisations[organisation], password_hash=password_hash
            )
            db.session.add(people[email])
    db.session.commit()
    admin = people["admin@koop.example"]

    def body(code: str, name: str, kind: BodyKind, level: BodyLevel, visibility: Visibility, **extra) -> Body:
        return bodies.create_body(
            admin,
            bodies.BodyData(
                name=name,
                code=code,
                kind=kind,
                level=level,
                parent=extra.pop("parent", None),
                mandate=extra.pop("mandate", ""),
                visibility=visibility,
                parity_required=extra.pop("parity_required", False),
                founded_on=extra.pop("founded_on", date(2019, 2, 1)),
            ),
        )

    def seat(target: Body, email: str, role: MembershipRole = MembershipRole.MEMBER, voting: bool = True, **extra):
        return bodies.add_membership(
            admin,
            target,
            bodies.MembershipData(
                account=people[email],
                role=role,
                organisation=extra.get("organisation"),
                voting=voting,
                start_on=extra.get("start_on", target.founded_on or date(2019, 2, 1)),
                end_on=extra.get("end_on"),
            ),
        )

    council = body(
        "ITKR",
        "IT-Kooperationsrat Saarland",
        BodyKind.STEERING_COUNCIL,
        BodyLevel.JOINT,
        Visibility.INTERNAL,
        parity_required=True,
        mandate=(
            "Der IT-Kooperationsrat steuert die **gemeinsame Umsetzung des Onlinezugangsgesetzes (OZG)** "
            "durch Land und Kommunen im Saarland.\n\n"
            "- Er ist paritätisch mit Vertreterinnen und Vertretern des Landes und der Kommunen besetzt.\n"
            "- Er richtet Projekt- und Arbeitsgruppen ein und nimmt ihre Berichte entgegen.\n"
            "- Er beschließt die Priorisierung der 575 OZG-Leistungen für das Saarland."
        ),
    )
    seat(council, "chair@koop.example", MembershipRole.CHAIR)
    seat(council, DEPUTY_CHAIR[0], MembershipRole.DEPUTY_CHAIR)
    for email, _name, _organisation in COUNCIL_STATE_MEMBERS:
        seat(council, email)
    seat(council, "member@koop.example")
    for email, _name, _organisation in COUNCIL_MUNICIPAL_MEMBERS:
        seat(council, email)
    seat(council, "secretary@koop.example", MembershipRole.SECRETARY, voting=False)
    seat(council, "organiser@koop.example", MembershipRole.GUEST, voting=False)

    ozg = body(
        "OZGK",
        "Projektgruppe OZG-Umsetzung Kommunen",
        BodyKind.PROJECT_GROUP,
        BodyLevel.MUNICIPAL,
        Visibility.PUBLIC,
        parent=council,
        mandate="Koordiniert die Umsetzung der OZG-Leistungen in den 52 saarländischen Kommunen.",
    )
    seat(ozg, DEPUTY_CHAIR[0], MembershipRole.CHAIR)
    seat(ozg, "member@koop.example")
    seat(ozg, "saarbruecken@koop.example")
    seat(ozg, "neunkirchen@koop.example")
    seat(ozg, "secretary@koop.example", MembershipRole.SECRETARY, voting=False)

    tender = body(
        "VERGABE",
        "Projektgruppe Vergabe Plattformbetrieb",
        BodyKind.PROJECT_GROUP,
        BodyLevel.JOINT,
        Visibility.CONFIDENTIAL,
        parent=ozg,
        mandate="Bereitet die Ausschreibung des Plattformbetriebs vor. Vertraulich bis zur Vergabeentscheidung.",
    )
    seat(tender, "chair@koop.example", MembershipRole.CHAIR)
    seat(tender, "rvsb@koop.example")

    payment = body(
        "AGPAY", "AG E-Payment", BodyKind.WORKING_GROUP, BodyLevel.STATE, Visibility.INTERNAL, parent=council
    )
    seat(payment, "mfw@koop.example", MembershipRole.CHAIR)
    seat(payment, "mwide@koop.example")

    building = body(
        "AGBAU", "AG Bauen & Wohnen", BodyKind.WORKING_GROUP, BodyLevel.MUNICIPAL, Visibility.PUBLIC, parent=ozg
    )
    seat(building, "homburg@koop.example", MembershipRole.CHAIR)
    seat(building, "saarlouis@koop.example")

    basics = body(
        "AGBASIS",
        "AG Basisdienste",
        BodyKind.WORKING_GROUP,
        BodyLevel.JOINT,
        Visibility.INTERNAL,
        parent=council,
        parity_required=True,
    )
    seat(basics, "stk@koop.example", MembershipRole.CHAIR)
    seat(basics, "mbk@koop.example")
    seat(basics, "lkt@koop.example")
    seat(basics, "member@koop.example")

    standards = body(
        "AGSTD",
        "AG Standards und Schnittstellen",
        BodyKind.WORKING_GROUP,
        BodyLevel.JOINT,
        Visibility.INTERNAL,
        parent=council,
        parity_required=True,
        mandate="Deliberately unbalanced in the demo data: three state seats, one municipal seat.",
    )
    seat(standards, "masfg@koop.example", MembershipRole.CHAIR)
    seat(standards, "mdj@koop.example")
    seat(standards, "mukmav@koop.example")
    seat(standards, "neunkirchen@koop.example")
    # A former member, so the roster's history has something to show.
    seat(standards, "saarbruecken@koop.example", start_on=date(2019, 2, 1), end_on=date(2023, 6, 30))


def seed_meetings() -> None:
    """The 2018 information event, the kick-off event, and meetings of the council with agendas."""
    from datetime import date, time, timedelta

    from app.bodies import services as bodies
    from app.clock import today
    from app.meetings import services as meetings
    from app.minutes.demo import add_agenda, council_agenda
    from app.models import Meeting, MeetingKind, MeetingStatus
    from app.registrations import services as registrations

    if db.session.scalar(select(Meeting.id).limit(1)) is not None:
        return
    organiser = db.session.scalars(select(Account).where(Account.email == "organiser@koop.example")).one()
    secretary = db.session.scalars(select(Account).where(Account.email == "secretary@koop.example")).one()
    council = bodies.get_body("ITKR")
    ozg = bodies.get_body("OZGK")

    information_event = meetings.schedule_meeting(
        organiser,
        None,
        meetings.MeetingData(
            kind=MeetingKind.INFORMATION_EVENT,
            title="Informationsveranstaltung zur OZG-Umsetzung für die saarländischen Kommunen",
            start_day=date(2018, 11, 6),
            start_time=time(14, 0),
            end_day=None,
            end_time=time(17, 0),
            location="Stummsche Reithalle, Neunkirchen",
            description=(
                "Die Landesregierung, der Saarländische Städte- und Gemeindetag, der Landkreistag und eGo-Saar "
                "informieren die Bürgermeisterinnen und Bürgermeister über die gemeinsame Umsetzung des "
                "Onlinezugangsgesetzes. Mit Beiträgen von AKDB, Dataport, regio iT und der KGSt."
            ),
            public=True,
            linked_bodies=[council],
        ),
    )
    meetings.change_status(organiser, information_event, MeetingStatus.HELD)

    kickoff_day = today() + timedelta(days=45)
    kickoff = meetings.schedule_meeting(
        organiser,
        None,
        meetings.MeetingData(
            kind=MeetingKind.KICKOFF,
            title="Auftaktveranstaltung der OZG-Projektgruppen",
            start_day=kickoff_day,
            start_time=time(9, 30),
            end_day=None,
            end_time=time(15, 0),
            location="Staatskanzlei des Saarlandes, Am Ludwigsplatz 14, 66117 Saarbrücken",
            description="Start der Projekt- und Arbeitsgruppen: Ziele, Zeitplan, Zusammenarbeit.",
            public=True,
            linked_bodies=[ozg],
        ),
    )
    registrations.update_settings(
        organiser,
        kickoff,
        registrations.RegistrationSettings(
            enabled=True, capacity=120, deadline_day=kickoff_day - timedelta(days=7), deadline_time=time(12, 0)
        ),
    )
    for email in ("member@koop.example", "saarbruecken@koop.example", "neunkirchen@koop.example"):
        registrations.register(db.session.scalars(select(Account).where(Account.email == email)).one(), kickoff)

    def council_meeting(day: date, number: int, status: MeetingStatus) -> Meeting:
        meeting = meetings.schedule_meeting(
            secretary,
            council,
            meetings.MeetingData(
                kind=MeetingKind.MEETING,
                title=f"{number}. Sitzung des IT-Kooperationsrats",
                start_day=day,
                start_time=time(10, 0),
                end_day=None,
                end_time=time(12, 30),
                location="Ministerium für Inneres, Bauen und Sport, Franz-Josef-Röder-Straße 21, Saarbrücken",
                online_url="https://video.koop.example/itkr",
            ),
        )
        add_agenda(secretary, meeting, council_agenda(number))
        if status is not MeetingStatus.PLANNED:
            meetings.change_status(secretary, meeting, MeetingStatus.CONFIRMED)
        if status is MeetingStatus.HELD:
            meetings.change_status(secretary, meeting, MeetingStatus.HELD)
        return meeting

    seed_series()

    council_meeting(date(2019, 2, 12), 1, MeetingStatus.HELD)
    council_meeting(today() - timedelta(days=60), 23, MeetingStatus.HELD)
    council_meeting(today() + timedelta(days=14), 24, MeetingStatus.CONFIRMED)
    council_meeting(today() + timedelta(days=90), 25, MeetingStatus.PLANNED)


def seed_series() -> None:
    """A fortnightly series of the AG Basisdienste with one moved and one cancelled occurrence."""
    from datetime import time, timedelta

    from app.bodies import services as bodies
    from app.clock import today
    from app.meetings import services as meetings
    from app.meetings.times import utc_to_local
    from app.models import MeetingStatus, SeriesFrequency
    from app.series import services as series

    basics = bodies.get_body("AGBASIS")
    chair = db.session.scalars(select(Account).where(Account.email == "stk@koop.example")).one()
    first = today() - timedelta(days=today().weekday()) + timedelta(days=8)  # a Tuesday soon
    created = series.create_series(
        chair,
        basics,
        series.SeriesData(
            title="Arbeitstreffen AG Basisdienste",
            frequency=SeriesFrequency.WEEKLY,
            first_day=first,
            start_time=time(10, 0),
            end_time=time(11, 30),
            interval=2,
            weekdays=["TU"],
            occurrence_count=12,
            location="eGo-Saar, Saarbrücken",
            online_url="https://video.koop.example/agbasis",
        ),
    )
    moved, cancelled = created.occurrences[2], created.occurrences[4]
    local = utc_to_local(moved.starts_at, moved.timezone)
    meetings.update_meeting(
        chair,
        moved,
        meetings.MeetingData(
            kind=moved.kind,
            title=moved.title,
            start_day=local.date() + timedelta(days=1),
            start_time=time(14, 0),
            end_day=None,
            end_time=time(15, 30),
            location=moved.location,
            online_url=moved.online_url,
        ),
    )
    meetings.change_status(chair, cancelled, MeetingStatus.CANCELLED, "Feiertag")
