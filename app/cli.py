"""Flask commands: create-admin, seed-demo, seed-scale, organisations import."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.passwords import hash_password
from app.auth.services import check_new_password, normalise_email
from app.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from app.errors import DomainError
from app.extensions import db
from app.invitations.cli import send_reminders_command
from app.models import Account, GlobalRole
from app.organisations.importer import ImportFailed, import_organisations
from app.polls.cli import register_poll_commands
from app.scale.presets import PRESETS

organisations_cli = AppGroup("organisations", help="Manage organisations.")


def _in_english(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command with English messages: a shell has no person whose language could be chosen."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapper


@organisations_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_in_english
def import_command(csv_file: Path) -> None:
    """Import organisations from CSV_FILE (columns name, short_name, kind, level, parent, ags)."""
    try:
        report = import_organisations(csv_file.read_text(encoding="utf-8"))
    except ImportFailed as failure:
        for error in failure.errors:
            click.echo(error, err=True)
        raise click.ClickException("Nothing was imported.") from None
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text. Nothing was imported.") from None
    click.echo(f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged.")


@click.command("create-admin")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.password_option()
@_in_english
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator account (for a new installation)."""
    email = normalise_email(email)
    if db.session.scalars(select(Account).where(Account.email == email)).first():
        raise click.ClickException(f"An account {email} exists already.")
    account = Account(email=email, display_name=name, role=GlobalRole.ADMIN)
    try:
        check_new_password(account, password)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    account.password_hash = hash_password(password)
    db.session.add(account)
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database holds accounts already.")
@_in_english
def seed_demo_command(if_empty: bool) -> None:
    """Load demo data (development only): the Saarland's organisations and the demo accounts."""
    if current_app.config["ENV_NAME"] != "development":
        raise click.ClickException("seed-demo runs only in development (KOOP_ENV=development).")
    if if_empty and db.session.scalar(select(func.count()).select_from(Account)):
        click.echo("The database holds data already; no demo data loaded.")
        return
    seed_demo()
    click.echo(f"Demo data loaded. Log in at {current_app.config['BASE_URL']}/auth/login with:")
    for email, _name, _organisation, role in DEMO_ACCOUNTS:
        click.echo(f"  {email:<26} password {DEMO_PASSWORD}   ({role.value})")


@click.command("seed-scale")
@click.option("--preset", type=click.Choice(list(PRESETS)), default="saarland", show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed gives the same data.")
@click.option("--force", is_flag=True, help="Empty a database that holds data first (deletes everything in it).")
@_in_english
def seed_scale_command(preset: str, seed: int, force: bool) -> None:
    """Generate nationwide data for benchmarks (development only; needs a migrated, empty database)."""
    from app.scale import SCALE_PASSWORD, seed_scale

    if current_app.config["ENV_NAME"] != "development":
        raise click.ClickException("seed-scale runs only in development (KOOP_ENV=development).")
    click.echo(f"Generating the {preset} preset ...")
    try:
        report = seed_scale(PRESETS[preset], seed=seed, force=force, progress=click.echo)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Made in {report.seconds:.1f} s on {report.database}:")
    for table, count in report.counts.items():
        if count:
            click.echo(f"  {table:<20} {count:>10,}")
    bench = report.bench
    click.echo(f"Every account's password: {SCALE_PASSWORD}")
    click.echo(f"Bench account: {bench.email} (member of {', '.join(bench.body_codes)})")
    click.echo(f"  body page:     {current_app.config['BASE_URL']}/bodies/{bench.chair_body_code}")
    click.echo(f"  meeting page:  {current_app.config['BASE_URL']}/meetings/{bench.meeting_id}")
    click.echo(f"  feed:          {report.feed_url}")
    click.echo(f"  search term:   {bench.search_term}")


def register_commands(app: Flask) -> None:
    app.cli.add_command(organisations_cli)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(seed_scale_command)
    app.cli.add_command(send_reminders_command)
    register_poll_commands(app)
