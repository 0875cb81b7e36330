"""Line diffs between two versions of the minutes' text, per section (general notes, each agenda item)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Literal

from flask_babel import gettext as _

from app.agendas.services import Agenda
from app.minutes.services import MinutesText

CONTEXT_LINES = 2

LineKind = Literal["same", "removed", "added", "gap"]


@dataclass(frozen=True)
class DiffLine:
    kind: LineKind  # "gap": unchanged lines left out between two changes
    text: str


@dataclass(frozen=True)
class DiffSection:
    label: str
    older: str
    newer: str
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind in ("removed", "added") for line in self.lines)


def line_diff(older: str, newer: str, context: int = CONTEXT_LINES) -> list[DiffLine]:
    """The changed lines with a few unchanged ones around them, like a unified diff."""
    if older == newer:
        return []
    before, after = older.splitlines(), newer.splitlines()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    lines: list[DiffLine] = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        if index:
            lines.append(DiffLine("gap", ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", text) for text in before[i1:i2])
                continue
            lines.extend(DiffLine("removed", text) for text in before[i1:i2])
            lines.extend(DiffLine("added", text) for text in after[j1:j2])
    return lines


def compare(older: MinutesText, newer: MinutesText, agenda: Agenda) -> list[DiffSection]:
    """Each section of the text in both versions with its diff: general notes, the items in agenda order, then
    notes on items no longer on the agenda."""
    sections = [
        DiffSection(
            _("General notes"),
            older.general_notes,
            newer.general_notes,
            line_diff(older.general_notes, newer.general_notes),
        )
    ]
    shown = set()
    for entry in agenda:
        shown.add(entry.id)
        before, after = older.notes_for(entry.id), newer.notes_for(entry.id)
        label = _("Item %(number)s: %(title)s", number=entry.number, title=entry.title)
        sections.append(DiffSection(label, before, after, line_diff(before, after)))
    for item_id in sorted((set(older.item_notes) | set(newer.item_notes)) - shown):
        before, after = older.notes_for(item_id), newer.notes_for(item_id)
        if before or after:
            sections.append(DiffSection(_("An item no longer on the agenda"), before, after, line_diff(before, after)))
    return sections
