"""Recording attendance and conflicts of interest, and the summary of attendance that minutes and exports show."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app.attendance.quorum import (
    Quorum,
    attendance_of,
    excluded_account_ids,
    holds_seat,
    memberships_on_day,
    quorum,
    voting_seats,
)
from app.audit import services as audit
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.minutes.services import ensure_editable, ensure_minutes, minutes_of
from app.models import (
    ROLE_ORDER,
    Account,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    ConflictOfInterest,
    Invitation,
    Meeting,
    MeetingStatus,
    Membership,
    Minutes,
    Organisation,
    utcnow,
)

MAX_GUESTS = 100  # guests without an account on one meeting's list
MAX_GUEST_NAME = 200  # the columns' lengths
MAX_GUEST_ORGANISATION = 200
MAX_CONFLICT_REASON = 300


# Reading


@dataclass
class ExpectedPerson:
    """Someone the secretary records as present, excused or absent: a member on the meeting's day, someone
    invited, or an account recorded before as a guest."""

    account: Account
    membership: Membership | None = None
    invitation: Invitation | None = None
    attendance: Attendance | None = None  # as saved last

    @property
    def is_guest(self) -> bool:
        """Not a member, and not invited as a participant either."""
        return self.membership is None and (self.invitation is None or self.invitation.is_guest)

    @property
    def holds_seat(self) -> bool:
        return self.membership is not None and holds_seat(self.membership)

    @property
    def required(self) -> bool:
        """Members and invited people must be recorded; a guest recorded earlier may be left off again."""
        return self.membership is not None or self.invitation is not None

    @property
    def organisation(self) -> Organisation | None:
        """On whose behalf: the membership's organisation, else the person's own."""
        if self.membership is not None and self.membership.organisation is not None:
            return self.membership.organisation
        return self.account.organisation


@dataclass
class AttendanceSummary:
    """Attendance sorted into the lists a Niederschrift shows, with the quorum it gives."""

    present: list[Attendance] = field(default_factory=list)  # members and substitutes standing in
    excused: list[Attendance] = field(default_factory=list)
    absent: list[Attendance] = field(default_factory=list)
    guests: list[Attendance] = field(default_factory=list)  # guests who came (invited guests who did not are left out)
    quorum: Quorum | None = None
    # On whose behalf each person attended (the membership's organisation, else their own), by account id.
    organisations: dict[int, str] = field(default_factory=dict)

    @property
    def recorded(self) -> bool:
        return bool(self.present or self.excused or self.absent or self.guests)

    def organisation_of(self, entry: Attendance) -> str:
        if entry.account_id is None:
            return entry.guest_organisation
        return self.organisations.get(entry.account_id, "")


@dataclass
class AttendanceSheet:
    """Everything the attendance form shows, loaded with a fixed number of queries."""

    people: list[ExpectedPerson]
    guests: list[Attendance]  # guests without an account, as saved
    seats: list[Membership]  # voting seats someone may stand in for
    summary: AttendanceSummary
    minutes: Minutes | None

    @property
    def frozen(self) -> bool:
        return self.minutes is not None and self.minutes.is_approved


def _invitations_of(meeting: Meeting) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.meeting_id == meeting.id)
            .options(joinedload(Invitation.account).joinedload(Account.organisation))
            .order_by(Invitation.id)
        )
    )


def _sort_key(person: ExpectedPerson) -> tuple:
    # Members by role, then the invited, then guests recorded before; by name within each.
    if person.membership is not None:
        group = ROLE_ORDER.index(person.membership.role)
    else:
        group = len(ROLE_ORDER) + (0 if person.invitation is not None else 1)
    return group, person.account.display_name.lower(), person.account.id


def expected_people(
    memberships: list[Membership], invitations: list[Invitation], attendance: list[Attendance]
) -> list[ExpectedPerson]:
    """Members, invited people and accounts recorded before, once each, in the order the form lists them."""
    people: dict[int, ExpectedPerson] = {}
    for membership in memberships:
        person = people.get(membership.account_id)
        if person is None:
            people[membership.account_id] = ExpectedPerson(membership.account, membership=membership)
        elif holds_seat(membership) and not person.holds_seat:  # two memberships on one day: the seat counts
            person.membership = membership
    for invitation in invitations:
        person = people.setdefault(invitation.account_id, ExpectedPerson(invitation.account))
        person.invitation = invitation
    for entry in attendance:
        if entry.account_id is not None and entry.account is not None:
            person = people.setdefault(entry.account_id, ExpectedPerson(entry.account))
            person.attendance = entry
    return sorted(people.values(), key=_sort_key)


def _summary(
    meeting: Meeting, memberships: list[Membership], attendance: list[Attendance], people: list[ExpectedPerson]
) -> AttendanceSummary:
    summary = AttendanceSummary()
    for entry in attendance:
        if entry.is_guest:
            if entry.status is AttendanceStatus.PRESENT:
                summary.guests.append(entry)
        elif entry.status is AttendanceStatus.PRESENT:
            summary.present.append(entry)
        elif entry.status is AttendanceStatus.EXCUSED:
            summary.excused.append(entry)
        else:
            summary.absent.append(entry)
    for person in people:
        if person.organisation is not None:
            summary.organisations[person.account.id] = person.organisation.name
    summary.quorum = quorum(meeting, [m for m in memberships if holds_seat(m)], attendance)
    return summary


def attendance_summary(meeting: Meeting) -> AttendanceSummary:
    """The meeting's attendance in lists, with organisations, and its quorum: a fixed number of queries."""
    attendance = attendance_of(meeting)
    memberships = memberships_on_day(meeting)
    return _summary(meeting, memberships, attendance, expected_people(memberships, [], attendance))


def attendance_sheet(meeting: Meeting) -> AttendanceSheet:
    """The attendance form's people, saved guests, seats, summary and minutes: a fixed number of queries."""
    attendance = attendance_of(meeting)
    memberships = memberships_on_day(meeting)
    invitations = _invitations_of(meeting)
    people = expected_people(memberships, invitations, attendance)
    return AttendanceSheet(
        people=people,
        guests=[entry for entry in attendance if entry.account_id is None],
        seats=sorted((m for m in memberships if holds_seat(m)), key=lambda m: m.account.display_name.lower()),
        summary=_summary(meeting, memberships, attendance, people),
        minutes=minutes_of(meeting),
    )


# Recording attendance


@dataclass(frozen=True)
class AttendanceEntry:
    """One expected person's attendance; a present person may stand in (and vote) for an absent voting member."""

    account_id: int
    status: AttendanceStatus
    stands_in_for_id: int | None = None


@dataclass(frozen=True)
class GuestEntry:
    """A guest who came: an account (not expected otherwise) or a name with an optional organisation.
    `field` names the form row (e.g. "guests-0") so that an error is shown next to it."""

    name: str = ""
    organisation: str = ""
    account_id: int | None = None
    field: str | None = None


def recording_refusal(meeting: Meeting) -> str | None:
    """Why attendance (and conflicts of interest) cannot be recorded for the meeting now, or None."""
    if meeting.status is MeetingStatus.CANCELLED:
        return _("This meeting has been cancelled; there is no attendance to record.")
    if meeting.starts_at > utcnow():
        return _("This meeting has not started yet; attendance can be recorded once it has begun.")
    return None


def ensure_recordable(meeting: Meeting) -> None:
    """Once the minutes are approved, attendance and conflicts of interest are part of the record (409)."""
    minutes = minutes_of(meeting)
    if minutes is not None:
        ensure_editable(minutes)


def is_frozen(meeting: Meeting) -> bool:
    """Whether the meeting's minutes are approved, which freezes its attendance and conflicts of interest."""
    minutes = minutes_of(meeting)
    return minutes is not None and minutes.is_approved


def _check_meeting(meeting: Meeting) -> None:
    refusal = recording_refusal(meeting)
    if refusal is not None:
        raise DomainError(refusal)
    ensure_recordable(meeting)


def _locked_minutes(actor: Account, meeting: Meeting) -> Minutes:
    """The meeting's minutes, begun if need be, locked for this transaction so that two saves (or a save and an
    approval) take turns; checked again after the wait."""
    try:
        minutes = ensure_minutes(actor, meeting)
    except IntegrityError:  # someone else began the minutes at the same moment
        db.session.rollback()
        raise ConflictError(_("Someone else is saving this meeting's record right now. Please try again.")) from None
    query = select(Minutes).where(Minutes.id == minutes.id).with_for_update().execution_options(populate_existing=True)
    minutes = db.session.scalars(query).one()
    try:
        ensure_editable(minutes)  # approved while this save waited
    except ConflictError:
        db.session.rollback()
        raise
    return minutes


def _status_text(entry: Attendance, names: dict[int, str]) -> str:
    """One line of the audit entry (stored data, not translated)."""
    name = names.get(entry.account_id, "?") if entry.account_id is not None else entry.guest_name
    text = f"{name}: {entry.status.value}"
    if entry.is_guest:
        text += " (guest)"
    if entry.stands_in_for_id is not None:
        text += f", for {names.get(entry.stands_in_for_id, '?')}"
    return text


def _counts_text(rows: list[Attendance]) -> str:
    members = [row for row in rows if not row.is_guest]
    counts = [f"{sum(1 for row in members if row.status is status)} {status.value}" for status in AttendanceStatus]
    return ", ".join([*counts, f"{len(rows) - len(members)} guests"])


def record_attendance(
    actor: Account, meeting: Meeting, entries: list[AttendanceEntry], guests: list[GuestEntry]
) -> Minutes:
    """Replace the meeting's attendance with `entries` (every member on the meeting's day and everyone invited,
    each once) and `guests`, and mark the minutes' attendance as recorded; one transaction.

    Errors name the form field they belong to: `status_<account id>`, `for_<account id>`, `<guest field>-name`.
    """
    _check_meeting(meeting)
    previous = attendance_of(meeting)
    memberships = memberships_on_day(meeting)
    people = {p.account.id: p for p in expected_people(memberships, _invitations_of(meeting), previous)}
    names = {account_id: person.account.display_name for account_id, person in people.items()}

    statuses = _check_entries(entries, people)
    _check_stand_ins(entries, statuses, people)
    guest_accounts = _check_guests(guests, people)
    names.update((account.id, account.display_name) for account in guest_accounts.values())

    before = [_status_text(entry, names) for entry in previous]
    minutes_before = minutes_of(meeting)
    snapshot = audit.snapshot(minutes_before) if minutes_before is not None else None
    minutes = _locked_minutes(actor, meeting)
    db.session.execute(delete(Attendance).where(Attendance.meeting_id == meeting.id))
    rows = [
        Attendance(
            meeting_id=meeting.id,
            account_id=entry.account_id,
            status=entry.status,
            is_guest=people[entry.account_id].is_guest,
            stands_in_for_id=entry.stands_in_for_id,
            recorded_by_id=actor.id,
        )
        for entry in sorted(entries, key=lambda e: _sort_key(people[e.account_id]))
    ]
    for guest in guests:
        rows.append(
            Attendance(
                meeting_id=meeting.id,
                account_id=guest.account_id,
                guest_name="" if guest.account_id is not None else guest.name.strip(),
                guest_organisation="" if guest.account_id is not None else guest.organisation.strip(),
                is_guest=True,
                status=AttendanceStatus.PRESENT,
                recorded_by_id=actor.id,
            )
        )
    db.session.add_all(rows)
    minutes.attendance_recorded_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent save got in between despite the lock (SQLite has none)
        db.session.rollback()
        raise ConflictError(_("Someone else saved the attendance at the same moment. Please try again.")) from None
    after = [_status_text(entry, names) for entry in rows]
    audit.record(
        actor,
        "record_attendance",
        minutes,
        snapshot,
        summary=f"{meeting.title}: {_counts_text(rows)}",
        extra={"attendance": ["; ".join(before) or None, "; ".join(after)]},
    )
    db.session.commit()
    return minutes


def _check_entries(entries: list[AttendanceEntry], people: dict[int, ExpectedPerson]) -> dict[int, AttendanceStatus]:
    statuses: dict[int, AttendanceStatus] = {}
    for entry in entries:
        person = people.get(entry.account_id)
        if person is None:
            raise DomainError(
                _("Only the body's members and the people invited can be recorded here (unknown person %(id)s).",
                  id=entry.account_id)
            )
        if entry.account_id in statuses:
            raise DomainError(_("%(name)s is listed twice.", name=person.account.display_name),
                              field=f"status_{entry.account_id}")
        if not isinstance(entry.status, AttendanceStatus):
            raise DomainError(_("Please choose present, excused or absent for %(name)s.",
                                name=person.account.display_name), field=f"status_{entry.account_id}")
        statuses[entry.account_id] = entry.status
    for account_id, person in people.items():
        if person.required and account_id not in statuses:
            raise DomainError(_("Please choose present, excused or absent for %(name)s.",
                                name=person.account.display_name), field=f"status_{account_id}")
    return statuses


def _check_stand_ins(
    entries: list[AttendanceEntry], statuses: dict[int, AttendanceStatus], people: dict[int, ExpectedPerson]
) -> None:
    taken: dict[int, int] = {}
    for entry in entries:
        member_id = entry.stands_in_for_id
        if member_id is None:
            continue
        field_name = f"for_{entry.account_id}"
        name = people[entry.account_id].account.display_name
        if member_id == entry.account_id:
            raise DomainError(_("Nobody can stand in for themselves."), field=field_name)
        if entry.status is not AttendanceStatus.PRESENT:
            raise DomainError(_("%(name)s can stand in for a member only when present.", name=name), field=field_name)
        member = people.get(member_id)
        if member is None or not member.holds_seat:
            raise DomainError(_("%(name)s can stand in only for a voting member of the body.", name=name),
                              field=field_name)
        member_name = member.account.display_name
        if statuses.get(member_id) is AttendanceStatus.PRESENT:
            raise DomainError(_("%(member)s is present; nobody can stand in for them.", member=member_name),
                              field=field_name)
        if member_id in taken:
            raise DomainError(
                _("%(member)s already has a stand-in: %(other)s.", member=member_name,
                  other=people[taken[member_id]].account.display_name),
                field=field_name,
            )
        taken[member_id] = entry.account_id


def _check_guests(guests: list[GuestEntry], people: dict[int, ExpectedPerson]) -> dict[int, Account]:
    """The guests' rows are well formed; returns the guests' accounts by id (one query)."""
    if len(guests) > MAX_GUESTS:
        raise DomainError(_("A meeting can list at most %(max)d guests.", max=MAX_GUESTS), field="guests")
    ids = [guest.account_id for guest in guests if guest.account_id is not None]
    accounts = {a.id: a for a in db.session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}
    seen: set[int] = set()
    for index, guest in enumerate(guests):
        row = guest.field or f"guests-{index}"
        if guest.account_id is not None:
            account = accounts.get(guest.account_id)
            if account is None:
                raise DomainError(_("There is no account %(id)s.", id=guest.account_id), field=row)
            if guest.account_id in people or guest.account_id in seen:
                raise DomainError(_("%(name)s is on the list already.", name=account.display_name), field=row)
            seen.add(guest.account_id)
            continue
        name, organisation = guest.name.strip(), guest.organisation.strip()
        if not name:
            raise DomainError(_("Please enter the guest's name."), field=f"{row}-name")
        if len(name) > MAX_GUEST_NAME:
            raise DomainError(_("Please shorten the name to %(max)d characters.", max=MAX_GUEST_NAME),
                              field=f"{row}-name")
        if len(organisation) > MAX_GUEST_ORGANISATION:
            raise DomainError(_("Please shorten the organisation to %(max)d characters.", max=MAX_GUEST_ORGANISATION),
                              field=f"{row}-organisation")
    return accounts


# Conflicts of interest (Befangenheit)


def conflicts_of(meeting: Meeting) -> dict[int, list[ConflictOfInterest]]:
    """The members excluded from each of the meeting's agenda items, by item id: one query (with the people)."""
    rows = db.session.scalars(
        select(ConflictOfInterest)
        .join(AgendaItem, ConflictOfInterest.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting.id)
        .options(selectinload(ConflictOfInterest.account))
        .order_by(ConflictOfInterest.agenda_item_id, ConflictOfInterest.id)
    )
    by_item: dict[int, list[ConflictOfInterest]] = {}
    for row in rows:
        by_item.setdefault(row.agenda_item_id, []).append(row)
    return by_item


def set_conflicts(actor: Account, agenda_item: AgendaItem, account_ids: list[int], reason: str = "") -> None:
    """Replace the members excluded from an agenda item for a conflict of interest (none: nobody is)."""
    meeting = agenda_item.meeting
    _check_meeting(meeting)
    reason = reason.strip()
    if len(reason) > MAX_CONFLICT_REASON:
        raise DomainError(_("Please shorten the reason to %(max)d characters.", max=MAX_CONFLICT_REASON),
                          field="reason")
    members = {m.account_id: m.account for m in memberships_on_day(meeting)}
    chosen = list(dict.fromkeys(account_ids))  # once each, in the order given
    if chosen and meeting.body_id is None:
        raise DomainError(_("This event has no body, so there are no members to exclude."), field="account_ids")
    unknown = [account_id for account_id in chosen if account_id not in members]
    if unknown:
        raise DomainError(_("Only members of the body can be excluded from an item."), field="account_ids")

    previous = list(
        db.session.scalars(
            select(ConflictOfInterest)
            .where(ConflictOfInterest.agenda_item_id == agenda_item.id)
            .options(selectinload(ConflictOfInterest.account))
            .order_by(ConflictOfInterest.id)
        )
    )
    before = "; ".join(_conflict_text(row.account.display_name, row.reason) for row in previous) or None
    minutes_before = minutes_of(meeting)
    snapshot = audit.snapshot(minutes_before) if minutes_before is not None else None
    minutes = _locked_minutes(actor, meeting)
    db.session.execute(delete(ConflictOfInterest).where(ConflictOfInterest.agenda_item_id == agenda_item.id))
    db.session.add_all(
        ConflictOfInterest(agenda_item_id=agenda_item.id, account_id=account_id, reason=reason) for account_id in chosen
    )
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("Someone else saved these conflicts at the same moment. Please try again.")) from None
    after = "; ".join(_conflict_text(members[account_id].display_name, reason) for account_id in chosen)
    if before != (after or None):
        audit.record(
            actor,
            "set_conflicts",
            minutes,
            snapshot,
            summary=f"{meeting.title}: {agenda_item.title}",
            extra={f"conflicts_of_interest (item {agenda_item.id})": [before, after or None]},
        )
    db.session.commit()


def _conflict_text(name: str, reason: str) -> str:
    return f"{name} ({reason})" if reason else name


def member_choices(meeting: Meeting) -> list[Account]:
    """The body's members on the meeting's day, by name: the people who can be excluded from an item."""
    accounts = {m.account_id: m.account for m in memberships_on_day(meeting)}
    return sorted(accounts.values(), key=lambda account: (account.display_name.lower(), account.id))


def item_quorum(meeting: Meeting, agenda_item: AgendaItem) -> Quorum | None:
    """The quorum for one item, without the members excluded from it."""
    return quorum(meeting, voting_seats(meeting), attendance_of(meeting), excluded_account_ids(agenda_item.id))
