"""Registrations for an event without a capacity no longer count seats on the event's row,
and a new registration's first e-mail is drafted by a job (``notice_due`` marks the rows
still waiting for it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 17:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("notice_due", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.create_index(
            "ix_registrations_notice_due",
            ["id"],
            unique=False,
            sqlite_where=sa.text("notice_due"),
            postgresql_where=sa.text("notice_due"),
        )
    # An unlimited event counted its confirmed places too; from now on only a capacity does.
    op.execute("UPDATE events SET seats_taken = 0 WHERE capacity IS NULL")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f("ck_events_unlimited_counts_none"), "capacity IS NOT NULL OR seats_taken = 0"
        )


def downgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_events_unlimited_counts_none"), type_="check")
    op.execute(
        "UPDATE events SET seats_taken = (SELECT count(*) FROM registrations r "
        "WHERE r.event_id = events.id AND r.status = 'confirmed') WHERE capacity IS NULL"
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("ix_registrations_notice_due")
        batch_op.drop_column("notice_due")
