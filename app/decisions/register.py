"""The decision register: every decision a viewer may see, filtered and searched in the database.

`visible_to` is app.permissions.can_view_decision as SQL, so that pages and their counts hold only what the
viewer may see; tests/test_decisions_register.py checks that both agree for every role.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, column, false, func, literal_column, or_, select, table, true
from sqlalchemy.orm import aliased, contains_eager

from app.bodies.access import current_roles, invited_meeting_ids
from app.extensions import db
from app.models import AgendaItem, Body, Decision, DecisionCounter, DecisionOutcome, Meeting, Visibility
from app.permissions import Actor, is_logged_in, is_organiser

MAX_QUERY = 200  # characters of a search; longer ones are cut, not refused
ParentItem = aliased(AgendaItem)


@dataclass(frozen=True)
class RegisterFilters:
    body_code: str | None = None
    year: int | None = None
    outcome: DecisionOutcome | None = None
    q: str = ""


def _joined(query: Select) -> Select:
    """The tables the visibility rule looks at: the item, its parent item, its meeting and the meeting's body."""
    return (
        query.select_from(Decision)
        .join(AgendaItem, Decision.agenda_item_id == AgendaItem.id)
        .outerjoin(ParentItem, AgendaItem.parent_id == ParentItem.id)
        .join(Meeting, AgendaItem.meeting_id == Meeting.id)
        .join(Body, Meeting.body_id == Body.id)
    )


def _insider_and_body_seen(actor: Actor) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """can_see_non_public_items and can_view_body as conditions on Body."""
    logged_in = is_logged_in(actor)
    member_of = set(current_roles(actor)) if logged_in else set()
    # can_see_non_public_items: organisers and admins, and the body's current members.
    insider = true() if is_organiser(actor) else Body.id.in_(member_of) if member_of else false()
    # can_view_body: public for everyone, internal for the logged-in, confidential for insiders.
    body_seen = or_(
        Body.visibility == Visibility.PUBLIC,
        and_(Body.visibility == Visibility.INTERNAL, true() if logged_in else false()),
        insider,
    )
    return insider, body_seen


def visible_to(actor: Actor) -> ColumnElement[bool]:
    """can_view_decision as a condition on the joined tables (a decision's meeting always has a body)."""
    insider, body_seen = _insider_and_body_seen(actor)
    invited = invited_meeting_ids(actor) if is_logged_in(actor) else frozenset()
    meeting_seen = or_(body_seen, Meeting.id.in_(invited)) if invited else body_seen
    item_public = and_(AgendaItem.public.is_(True), or_(AgendaItem.parent_id.is_(None), ParentItem.public.is_(True)))
    return and_(
        Decision.number.is_not(None),
        meeting_seen,
        or_(item_public, insider),
        or_(Decision.public.is_(True), insider),
    )


def register_query(actor: Actor, filters: RegisterFilters) -> Select:
    """The viewer's decisions, newest first, with their bodies loaded by the same statement."""
    query = _joined(select(Decision)).where(visible_to(actor)).options(contains_eager(Decision.body))
    if filters.body_code:
        query = query.where(Body.code == filters.body_code)
    if filters.year is not None:
        query = query.where(Decision.year == filters.year)
    if filters.outcome is not None:
        query = query.where(Decision.outcome == filters.outcome)
    condition = search_condition(filters.q)
    if condition is not None:
        query = query.where(condition)
    # The numbers' own order within a day (two decisions of one meeting: -002 above -001), not the recording's.
    return query.order_by(Decision.decided_on.desc(), Decision.serial.desc(), Decision.id.desc())


def filter_choices(actor: Actor) -> tuple[list[tuple[str, str]], list[int]]:
    """The bodies (code, name) and years with numbered decisions among the bodies the viewer sees, for the
    filter selects. The decision counters hold exactly the bodies and years that have numbers: two small queries,
    where reading them off the decisions themselves walked every decision (most of a second at national size)."""
    _insider, body_seen = _insider_and_body_seen(actor)
    numbered = select().select_from(Body).join(DecisionCounter, DecisionCounter.body_id == Body.id)
    numbered = numbered.where(body_seen, DecisionCounter.last_serial > 0)
    # Two small distinct lists rather than every (body, year) pair: thousands of rows fewer at national size.
    bodies = db.session.execute(numbered.add_columns(Body.code, Body.name).distinct().order_by(Body.name, Body.code))
    years = db.session.scalars(
        numbered.add_columns(DecisionCounter.year).distinct().order_by(DecisionCounter.year.desc())
    )
    return [(row.code, row.name) for row in bodies], list(years)


# Full-text search

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_query(q: str) -> str:
    """The words as typed, without control characters (PostgreSQL refuses NUL), at most MAX_QUERY long."""
    return " ".join(_CONTROL.sub(" ", q or "").split())[:MAX_QUERY].strip()


def fts5_query(q: str) -> str:
    """An FTS5 MATCH string in which each word is a quoted phrase, so the words are only ever text: AND, OR,
    NOT, NEAR, *, -, ^, : and parentheses lose their meaning; quotes inside a word are doubled."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in clean_query(q).split())


# The indexed expression of migration 0006, written out so that PostgreSQL uses ix_decisions_search.
_FTS = table("decisions_fts", column("rowid"))
_PG_VECTOR = literal_column("to_tsvector('german', decisions.title || ' ' || decisions.text)")


def search_condition(q: str) -> ColumnElement[bool] | None:
    words = clean_query(q)
    if not words:
        return None
    if db.engine.dialect.name == "postgresql":
        # The matches first, from the GIN index: left to itself the planner walks the decisions newest first and
        # computes each one's vector (150-200 ms at national size, against 1 ms).
        matching = select(Decision.id).where(
            _PG_VECTOR.op("@@")(func.plainto_tsquery(literal_column("'german'"), words))
        )
        matches = matching.cte("matching_decisions").prefix_with("MATERIALIZED")
        return Decision.id.in_(select(matches.c.id))
    matches = select(_FTS.c.rowid).where(literal_column("decisions_fts").op("MATCH")(fts5_query(words)))
    return Decision.id.in_(matches)
