"""``flask --app ohwb_engage purge-expired``: delete what has passed its retention period."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ohwb_engage.privacy.services import purge_expired


@click.command("purge-expired")
@with_appcontext
def purge_expired_command() -> None:
    """Delete responses past their questionnaire's retention period, unredacted originals
    past theirs, and uploads never imported (safe to run daily from cron)."""
    report = purge_expired()
    click.echo(
        f"deleted {report.responses} responses and {report.invitations} invitations, "
        f"cleared {report.originals} unredacted originals, "
        f"removed {report.uploads} unfinished uploads"
    )


commands = [purge_expired_command]
