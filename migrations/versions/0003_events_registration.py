"""Events and registration: series and cohorts, agendas, speakers, invitation codes,
reminders sent, messages; waiting-list order, promotion and attendance on registrations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:36:06.129339

"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "event_series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('series', 'cohort')", name=op.f("ck_event_series_kind_known")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_event_series_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_series")),
        sa.UniqueConstraint("title", name=op.f("uq_event_series_title")),
    )
    op.create_table(
        "event_series_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_id"],
            ["event_series.id"],
            name=op.f("fk_event_series_members_series_id_event_series"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_series_members")),
        sa.UniqueConstraint(
            "series_id", "organisation", name=op.f("uq_event_series_members_series_id_organisation")
        ),
    )
    op.create_table(
        "event_agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("minutes_from_start", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_agenda_items_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_agenda_items")),
    )
    with op.batch_alter_table("event_agenda_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_event_agenda_items_event_id"), ["event_id"], unique=False
        )

    op.create_table(
        "event_invite_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=120), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=True),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)",
            name=op.f("ck_event_invite_codes_uses_within_limit"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_event_invite_codes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_invite_codes_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_invite_codes")),
        sa.UniqueConstraint("event_id", "code", name=op.f("uq_event_invite_codes_event_id_code")),
    )
    op.create_table(
        "event_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=60), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_messages_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["users.id"],
            name=op.f("fk_event_messages_sender_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_messages")),
    )
    with op.batch_alter_table("event_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_messages_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_speakers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("talk_title", sa.String(length=200), nullable=False),
        sa.Column("slides_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_speakers_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_speakers")),
    )
    with op.batch_alter_table("event_speakers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_speakers_event_id"), ["event_id"], unique=False)

    op.create_table(
        "event_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('day', 'hour')", name=op.f("ck_event_reminders_kind_known")),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_event_reminders_registration_id_registrations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_reminders")),
        sa.UniqueConstraint(
            "registration_id",
            "kind",
            "starts_at",
            name=op.f("uq_event_reminders_registration_id_kind_starts_at"),
        ),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=12), nullable=True))
        batch_op.add_column(
            sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("published_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("cancellation_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_events_series_id"), ["series_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_events_series_id_event_series"),
            "event_series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("waitlisted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("promoted_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("attendance_method", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("invite_code_id", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_registrations_attendance_method_known"),
            "attendance_method IS NULL OR attendance_method IN ('facilitator', 'self')",
        )
        batch_op.create_index(
            "ix_registrations_waitlist", ["event_id", "status", "waitlisted_at", "id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_registrations_invite_code_id_event_invite_codes"),
            "event_invite_codes",
            ["invite_code_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_registrations_invite_code_id_event_invite_codes"), type_="foreignkey"
        )
        batch_op.drop_index("ix_registrations_waitlist")
        batch_op.drop_constraint(op.f("ck_registrations_attendance_method_known"), type_="check")
        batch_op.drop_column("invite_code_id")
        batch_op.drop_column("attendance_method")
        batch_op.drop_column("promoted_at")
        batch_op.drop_column("waitlisted_at")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_events_series_id_event_series"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_events_series_id"))
        batch_op.drop_column("cancellation_reason")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("published_at")
        batch_op.drop_column("calendar_sequence")
        batch_op.drop_column("checkin_code")
        batch_op.drop_column("series_id")

    op.drop_table("event_reminders")
    with op.batch_alter_table("event_speakers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_speakers_event_id"))

    op.drop_table("event_speakers")
    with op.batch_alter_table("event_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_messages_event_id"))

    op.drop_table("event_messages")
    op.drop_table("event_invite_codes")
    with op.batch_alter_table("event_agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_agenda_items_event_id"))

    op.drop_table("event_agenda_items")
    op.drop_table("event_series_members")
    op.drop_table("event_series")
