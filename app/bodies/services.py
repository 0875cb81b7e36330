"""Use cases of bodies and memberships, and the queries their pages run."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from app import permissions
from app.audit import services as audit
from app.bodies.access import current_roles
from app.clock import today
from app.errors import ConflictError, DomainError
from app.extensions import db
from app.models import (
    ROLE_ORDER,
    Account,
    AuditEntry,
    Body,
    BodyKind,
    BodyLevel,
    Membership,
    MembershipRole,
    Organisation,
    OrganisationLevel,
    QuorumRule,
    Visibility,
)


@dataclass
class BodyData:
    """The editable fields of a body, as typed values."""

    name: str
    code: str
    kind: BodyKind
    level: BodyLevel
    parent: Body | None
    mandate: str
    visibility: Visibility
    parity_required: bool
    quorum_rule: QuorumRule = QuorumRule.MORE_THAN_HALF
    founded_on: date | None = None
    dissolved_on: date | None = None


@dataclass
class MembershipData:
    account: Account
    role: MembershipRole
    organisation: Organisation | None
    voting: bool
    start_on: date
    end_on: date | None = None


@dataclass(frozen=True)
class Parity:
    """Voting members representing each level, for a body that must be balanced."""

    state: int
    municipal: int

    @property
    def balanced(self) -> bool:
        return self.state == self.municipal

    @property
    def short_side(self) -> OrganisationLevel | None:
        if self.state < self.municipal:
            return OrganisationLevel.STATE
        if self.municipal < self.state:
            return OrganisationLevel.MUNICIPAL
        return None

    @property
    def missing(self) -> int:
        return abs(self.state - self.municipal)


@dataclass
class TreeNode:
    body: Body
    depth: int
    parity: Parity | None
    role: MembershipRole | None


@dataclass
class Roster:
    current: list[Membership]
    former: list[Membership] = field(default_factory=list)

    def by_role(self) -> list[tuple[MembershipRole, list[Membership]]]:
        groups: dict[MembershipRole, list[Membership]] = defaultdict(list)
        for membership in self.current:
            groups[membership.role].append(membership)
        return [(role, groups[role]) for role in ROLE_ORDER if groups[role]]


# Loading


def get_body_by_id(body_id: int | None) -> Body | None:
    return db.session.get(Body, body_id) if body_id else None


def get_account(account_id: int | None) -> Account:
    """The active account chosen in a form, or a field error."""
    account = db.session.get(Account, account_id) if account_id else None
    if account is None or not account.active:
        raise DomainError(_("Please choose a person."), field="account_id")
    return account


# The shape every short code has (the body form checks it); anything else cannot name a body.
CODE_SHAPE = re.compile(r"[A-Z0-9]{2,12}")


def get_body(code: str) -> Body | None:
    """The body with this short code, in any case; None for a code no body can have."""
    code = code.upper()
    if not CODE_SHAPE.fullmatch(code):
        return None  # without asking the database, which may refuse the text (PostgreSQL and NUL bytes)
    return db.session.scalars(select(Body).where(Body.code == code)).one_or_none()


def body_choices(exclude: Body | None = None) -> list[tuple[int, str]]:
    """Bodies a body may report to: neither itself nor one of its descendants, and not dissolved.

    The body's current parent stays on offer even when dissolved, so that saving the body does not force a move.
    """
    excluded = _descendant_ids(exclude) if exclude is not None else set()
    day = today()
    current_parent = exclude.parent_id if exclude is not None and exclude.parent_id is not None else -1
    rows = db.session.execute(
        select(Body.id, Body.name, Body.code)
        .where(or_(Body.dissolved_on.is_(None), Body.dissolved_on > day, Body.id == current_parent))
        .order_by(Body.name)
    )
    return [(row.id, f"{row.name} ({row.code})") for row in rows if row.id not in excluded]


def account_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Account.id, Account.display_name, Account.email)
        .where(Account.active.is_(True))
        .order_by(func.lower(Account.display_name))
    )
    return [(row.id, f"{row.display_name} <{row.email}>") for row in rows]


def _current_filter(day: date):
    return and_(Membership.start_on <= day, or_(Membership.end_on.is_(None), Membership.end_on > day))


def _descendant_ids(body: Body) -> set[int]:
    """The ids of the body and of all bodies below it (one query: the parent map of all bodies is small)."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for body_id, parent_id in db.session.execute(select(Body.id, Body.parent_id)):
        children[parent_id].append(body_id)
    found, queue = {body.id}, [body.id]
    while queue:
        for child in children[queue.pop()]:
            if child not in found:
                found.add(child)
                queue.append(child)
    return found


def visible_tree(
    actor, kind: BodyKind | None = None, level: BodyLevel | None = None, mine: bool = False
) -> list[TreeNode]:
    """Bodies the actor may see, as a depth-first tree; a filtered-out or hidden parent lifts its children up.

    Runs a fixed number of statements whatever the number of bodies.
    """
    bodies = list(db.session.scalars(select(Body).order_by(Body.name)))
    parent_of = {b.id: b.parent_id for b in bodies}
    roles = current_roles(actor) if permissions.is_logged_in(actor) else {}
    visible = {b.id: b for b in bodies if permissions.can_view_body(actor, b)}

    def shown(body: Body) -> bool:
        return (
            (kind is None or body.kind is kind)
            and (level is None or body.level is level)
            and (not mine or body.id in roles)
        )

    parities = parity_by_body([b.id for b in visible.values() if b.parity_required])
    children: dict[int | None, list[Body]] = defaultdict(list)
    for body in visible.values():
        parent_id = body.parent_id
        while parent_id is not None and parent_id not in visible:  # skip hidden parents
            parent_id = parent_of.get(parent_id)
        children[parent_id].append(body)

    nodes: list[TreeNode] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for body in children[parent_id]:
            if shown(body):
                nodes.append(TreeNode(body, depth, parities.get(body.id), roles.get(body.id)))
                walk(body.id, depth + 1)
            else:
                walk(body.id, depth)

    walk(None, 0)
    return nodes


def parity_by_body(body_ids: list[int]) -> dict[int, Parity]:
    """Voting current members per level for each body, in one grouped query."""
    if not body_ids:
        return {}
    counts: dict[int, dict[OrganisationLevel, int]] = defaultdict(lambda: defaultdict(int))
    rows = db.session.execute(
        select(Membership.body_id, Organisation.level, func.count())
        .join(Organisation, Membership.organisation_id == Organisation.id)
        .where(Membership.body_id.in_(body_ids), Membership.voting.is_(True), _current_filter(today()))
        .group_by(Membership.body_id, Organisation.level)
    )
    for body_id, org_level, count in rows:
        counts[body_id][org_level] = count
    return {
        body_id: Parity(counts[body_id][OrganisationLevel.STATE], counts[body_id][OrganisationLevel.MUNICIPAL])
        for body_id in body_ids
    }


def parity_of(memberships: list[Membership]) -> Parity:
    """Parity of a roster already loaded with organisations (no query)."""
    voting = [m for m in memberships if m.voting and m.organisation is not None]
    return Parity(
        state=sum(1 for m in voting if m.organisation.level is OrganisationLevel.STATE),
        municipal=sum(1 for m in voting if m.organisation.level is OrganisationLevel.MUNICIPAL),
    )


def roster(body: Body, include_former: bool = False) -> Roster:
    """The body's memberships with people and organisations loaded, in one query."""
    day = today()
    query = (
        select(Membership)
        .options(joinedload(Membership.account), joinedload(Membership.organisation))
        .where(Membership.body_id == body.id)
    )
    if not include_former:
        query = query.where(_current_filter(day))
    memberships = sorted(
        db.session.scalars(query),
        key=lambda m: (ROLE_ORDER.index(m.role), m.account.display_name.lower(), m.start_on),
    )
    return Roster(
        current=[m for m in memberships if m.is_current(day)],
        former=sorted((m for m in memberships if not m.is_current(day)), key=lambda m: m.start_on, reverse=True),
    )


def visible_children(actor, body: Body) -> list[Body]:
    children = db.session.scalars(select(Body).where(Body.parent_id == body.id).order_by(Body.name))
    return [child for child in children if permissions.can_view_body(actor, child)]


def my_memberships(account: Account) -> list[Membership]:
    """The account's current memberships with their bodies, for the dashboard."""
    return list(
        db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.body))
            .join(Body, Membership.body_id == Body.id)
            .where(Membership.account_id == account.id, _current_filter(today()))
            .order_by(Body.name)
        )
    )


def body_history(body: Body) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .options(joinedload(AuditEntry.actor))
            .where(AuditEntry.body_id == body.id)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        )
    )


# Changing bodies


def _check_body(body: Body | None, data: BodyData) -> None:
    existing = get_body(data.code)
    if existing is not None and existing is not body:
        raise DomainError(_("Another body already uses this short code."), field="code")
    if data.parent is not None:
        if body is not None and data.parent.id in _descendant_ids(body):
            raise DomainError(_("A body cannot report to itself or to one of the bodies below it."), field="parent_id")
        moves = body is None or data.parent.id != body.parent_id
        if moves and data.parent.is_dissolved(today()):
            raise DomainError(_("A dissolved body cannot take new bodies under it."), field="parent_id")
    if data.founded_on and data.dissolved_on and data.dissolved_on < data.founded_on:
        raise DomainError(_("A body cannot be dissolved before it was founded."), field="dissolved_on")


def _apply(body: Body, data: BodyData) -> None:
    body.name = data.name.strip()
    body.code = data.code.strip().upper()
    body.kind = data.kind
    body.level = data.level
    body.parent = data.parent
    body.mandate = data.mandate.strip()
    body.visibility = data.visibility
    body.parity_required = data.parity_required
    body.quorum_rule = data.quorum_rule
    body.founded_on = data.founded_on
    body.dissolved_on = data.dissolved_on


def create_body(actor: Account, data: BodyData) -> Body:
    _check_body(None, data)
    body = Body()
    _apply(body, data)
    db.session.add(body)
    audit.record(actor, "create", body, summary=body.name)
    db.session.commit()
    return body


def ensure_not_dissolved(body: Body) -> None:
    """A dissolved body is read-only: any change answers 409."""
    if body.is_dissolved(today()):
        raise ConflictError(_("This body has been dissolved; it stays in the history but can no longer be changed."))


def update_body(actor: Account, body: Body, data: BodyData) -> None:
    ensure_not_dissolved(body)
    _check_body(body, data)
    before = audit.snapshot(body)
    _apply(body, data)
    audit.record(actor, "update", body, before, summary=body.name)
    db.session.commit()


# Changing memberships


def _overlaps(start: date, end: date | None, other: Membership) -> bool:
    return (other.end_on is None or start < other.end_on) and (end is None or other.start_on < end)


def _check_membership(body: Body, data: MembershipData, membership: Membership | None) -> None:
    if data.role is MembershipRole.GUEST and data.voting:
        raise DomainError(_("Guests never have a vote."), field="voting")
    if data.end_on is not None and data.end_on < data.start_on:
        raise DomainError(_("A membership cannot end before it starts."), field="end_on")
    others = db.session.scalars(
        select(Membership)
        .options(joinedload(Membership.account))
        .where(Membership.body_id == body.id, Membership.id != (membership.id if membership else -1))
    )
    for other in others:
        if not _overlaps(data.start_on, data.end_on, other):
            continue
        if other.account_id == data.account.id:
            raise DomainError(
                _("%(name)s already has a membership in this body for this period.", name=data.account.display_name),
                field="account_id",
            )
        if data.role is MembershipRole.CHAIR and other.role is MembershipRole.CHAIR:
            raise DomainError(
                _("%(name)s chairs this body already; end that membership first.", name=other.account.display_name),
                field="role",
            )


def _apply_membership(membership: Membership, data: MembershipData) -> None:
    membership.account = data.account
    membership.role = data.role
    membership.organisation = data.organisation if data.organisation is not None else data.account.organisation
    membership.voting = data.voting and data.role is not MembershipRole.GUEST
    membership.start_on = data.start_on
    membership.end_on = data.end_on


def add_membership(actor: Account, body: Body, data: MembershipData) -> Membership:
    ensure_not_dissolved(body)
    if not data.account.active:
        raise DomainError(_("This account is deactivated."), field="account_id")
    _check_membership(body, data, None)
    membership = Membership(body=body)
    _apply_membership(membership, data)
    db.session.add(membership)
    audit.record(actor, "create", membership, summary=data.account.display_name)
    db.session.commit()
    return membership


def update_membership(actor: Account, membership: Membership, data: MembershipData) -> None:
    ensure_not_dissolved(membership.body)
    _check_membership(membership.body, data, membership)
    before = audit.snapshot(membership)
    _apply_membership(membership, data)
    audit.record(actor, "update", membership, before, summary=membership.account.display_name)
    db.session.commit()


def end_membership(actor: Account, membership: Membership, end_on: date) -> None:
    """End a membership on a day (it is current up to the day before); memberships are never deleted."""
    ensure_not_dissolved(membership.body)
    if end_on < membership.start_on:
        raise DomainError(_("A membership cannot end before it starts."), field="end_on")
    if membership.end_on is not None and membership.end_on <= today():
        raise ConflictError(_("This membership has ended already."))
    # A later end than planned must not run into the person's next membership or the next chair's term.
    extended = MembershipData(
        account=membership.account,
        role=membership.role,
        organisation=membership.organisation,
        voting=membership.voting,
        start_on=membership.start_on,
        end_on=end_on,
    )
    try:
        _check_membership(membership.body, extended, membership)
    except DomainError as error:
        raise DomainError(error.message, field="end_on") from None
    before = audit.snapshot(membership)
    membership.end_on = end_on
    audit.record(actor, "end", membership, before, summary=membership.account.display_name)
    db.session.commit()
