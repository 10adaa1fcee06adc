"""``flask --app ohwb_engage send-surveys``: evaluations and follow-ups to attendees."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ohwb_engage.feedback.services import send_due_surveys


@click.command("send-surveys")
@with_appcontext
def send_surveys_command() -> None:
    """Invite attendees of ended events to their evaluation or follow-up survey (cron-safe)."""
    report = send_due_surveys()
    click.echo(
        f"invited {report.invited} attendees to {report.questionnaires} questionnaires"
        if report.invited
        else "nothing due"
    )


commands = [send_surveys_command]
