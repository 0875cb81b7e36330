"""Recording attendance, and the summary of it that minutes and exports show."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.attendance.quorum import Quorum, attendance_of, quorum, voting_seats
from app.models import Attendance, AttendanceStatus, Meeting


@dataclass
class AttendanceSummary:
    """Attendance sorted into the lists a Niederschrift shows, with the quorum it gives."""

    present: list[Attendance] = field(default_factory=list)  # members and substitutes standing in
    excused: list[Attendance] = field(default_factory=list)
    absent: list[Attendance] = field(default_factory=list)
    guests: list[Attendance] = field(default_factory=list)
    quorum: Quorum | None = None

    @property
    def recorded(self) -> bool:
        return bool(self.present or self.excused or self.absent or self.guests)


def attendance_summary(meeting: Meeting) -> AttendanceSummary:
    """The meeting's attendance in lists, and its quorum (three queries)."""
    attendance = attendance_of(meeting)
    summary = AttendanceSummary()
    for entry in attendance:
        if entry.is_guest:
            summary.guests.append(entry)
        elif entry.status is AttendanceStatus.PRESENT:
            summary.present.append(entry)
        elif entry.status is AttendanceStatus.EXCUSED:
            summary.excused.append(entry)
        else:
            summary.absent.append(entry)
    summary.quorum = quorum(meeting, voting_seats(meeting), attendance)
    return summary
