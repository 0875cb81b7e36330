"""The reminder command for cron: `flask send-reminders`."""

from __future__ import annotations

import click

from app.invitations.services import send_reminders


@click.command("send-reminders")
def send_reminders_command() -> None:
    """Mail each invited person once a reminder of a meeting that starts within REMINDER_HOURS_BEFORE hours."""
    sent = send_reminders()
    click.echo(f"{sent} reminder(s) sent.")
