"""Event commands for cron: ``flask --app ohwb_engage send-reminders``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("send-reminders")
@click.option("--batch", default=200, show_default=True, help="Registrations per transaction.")
@with_appcontext
def send_reminders_command(batch: int) -> None:
    """Queue reminders due a day and an hour before events, and any new registration's first
    e-mail that its job has not drafted yet (idempotent; run every few minutes)."""
    from ohwb_engage.workshops.notices import draft_due_notices
    from ohwb_engage.workshops.reminders import send_reminders

    drafted = draft_due_notices(batch=batch)
    report = send_reminders(batch=batch)
    click.echo(f"reminders queued: {report.day} a day before, {report.hour} an hour before")
    if drafted:
        click.echo(f"first e-mails of new registrations drafted: {drafted}")


commands = [send_reminders_command]
