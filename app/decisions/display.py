"""How a decision reads: its votes German-style ("einstimmig", "5 dafür, 0 dagegen, 1 Enthaltung") and its outcome."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from app.models import Decision, DecisionOutcome

OUTCOME_LABELS = {
    DecisionOutcome.ADOPTED: _l("Adopted"),
    DecisionOutcome.REJECTED: _l("Rejected"),
    DecisionOutcome.DEFERRED: _l("Deferred"),
    DecisionOutcome.NOTED: _l("Noted"),
}


def outcome_label(outcome: DecisionOutcome) -> str:
    return str(OUTCOME_LABELS[DecisionOutcome(outcome)])


def votes_text(decision: Decision) -> str:
    """Unanimous when all voted in favour, else the three counts; empty when no votes were recorded."""
    yes, no, abstain = decision.votes_yes, decision.votes_no, decision.votes_abstain
    if yes is None and no is None and abstain is None:
        return ""
    yes, no, abstain = yes or 0, no or 0, abstain or 0
    if yes > 0 and no == 0 and abstain == 0:
        return _("unanimous")
    # Only "abstention" changes with its number (German "Enthaltung"/"Enthaltungen"); "dafür" and "dagegen" do not.
    return _(
        "%(yes)d in favour, %(no)d against, %(abstentions)s",
        yes=yes,
        no=no,
        abstentions=ngettext("%(num)d abstention", "%(num)d abstentions", abstain),
    )
