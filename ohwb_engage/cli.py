"""Top-level commands: ``flask --app ohwb_engage <command>``.

Features add their own through FEATURE_CLIS.
"""

from __future__ import annotations

import importlib

import click
from flask import Flask
from flask.cli import with_appcontext

# Modules exposing ``commands`` (a list of click commands); each feature adds its own.
FEATURE_CLIS: list[str] = [
    "ohwb_engage.workshops.cli",
    "ohwb_engage.feedback.cli",
    "ohwb_engage.privacy.cli",
]


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", show_default=True, help="Display name.")
@click.password_option(help="Prompted for (hidden, twice) when not given.")
@with_appcontext
def create_admin_command(email: str, name: str, password: str) -> None:
    """Create an administrator, or make an existing account one, with this password."""
    from ohwb_engage.accounts.services import AccountError, create_admin

    try:
        user = create_admin(email, name, password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Administrator {user.id} is ready; sign in at /login.")


@click.command("seed-demo")
@click.option("--force", is_flag=True, help="Seed again even if demo data is already there.")
@with_appcontext
def seed_demo_command(force: bool) -> None:
    """Load a realistic demo programme once: staff of each role, events, questionnaires, answers."""
    from ohwb_engage.demo import DemoRefused, seed_demo

    try:
        report = seed_demo(force=force)
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    for line in report:
        click.echo(line)


@click.command("send-mail")
@click.option("--limit", default=500, show_default=True)
@with_appcontext
def send_mail_command(limit: int) -> None:
    """Send what is due in the outbox (safe to run from cron; retries failures with back-off)."""
    from ohwb_engage.mail.services import deliver_pending, smtp_configured

    if not smtp_configured():
        click.echo("No SMTP server configured (OHWB_MAIL_SERVER): messages stay in the outbox.")
        return
    report = deliver_pending(limit=limit)
    click.echo(f"sent {report.sent}, retrying {report.retrying}, failed {report.failed}")


def register_commands(app: Flask) -> None:
    for command in (create_admin_command, seed_demo_command, send_mail_command):
        app.cli.add_command(command)
    for module_name in FEATURE_CLIS:
        for command in importlib.import_module(module_name).commands:
            app.cli.add_command(command)
