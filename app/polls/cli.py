"""Commands for cron: `flask send-poll-reminders` and `flask purge-polls`."""

from __future__ import annotations

import click
from flask import Flask

from app.polls.services import purge_polls, send_poll_reminders


@click.command("send-poll-reminders")
def send_poll_reminders_command() -> None:
    """Remind, once, everyone who has not answered a poll whose deadline is within POLL_REMINDER_HOURS hours."""
    sent = send_poll_reminders()
    click.echo(f"{sent} poll reminder(s) sent.")


@click.command("purge-polls")
def purge_polls_command() -> None:
    """Delete polls, with their answers, closed (or abandoned) more than POLL_RETENTION_DAYS days ago."""
    deleted = purge_polls()
    click.echo(f"{deleted} poll(s) deleted.")


def register_poll_commands(app: Flask) -> None:
    """Both commands, added by app/cli.py register_commands."""
    app.cli.add_command(send_poll_reminders_command)
    app.cli.add_command(purge_polls_command)
