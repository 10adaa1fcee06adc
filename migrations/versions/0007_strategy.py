"""The draft strategy: its versions (a draft and frozen published copies), the reviewers
invited to comment on it, and their comments per section.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 15:43:01.588270

"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "strategy_reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("invited_at", sa.DateTime(), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("link_generation", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "role IN ('expert', 'steering_group')", name=op.f("ck_strategy_reviewers_role_known")
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_strategy_reviewers_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_strategy_reviewers_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_reviewers")),
        sa.UniqueConstraint(
            "programme_id", "email", name=op.f("uq_strategy_reviewers_programme_id_email")
        ),
    )
    op.create_table(
        "strategy_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'published') = (published_at IS NOT NULL)",
            name=op.f("ck_strategy_versions_published_when_dated"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published')", name=op.f("ck_strategy_versions_status_known")
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_strategy_versions_number_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_strategy_versions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_strategy_versions_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"],
            ["users.id"],
            name=op.f("fk_strategy_versions_published_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_versions")),
        sa.UniqueConstraint(
            "programme_id", "number", name=op.f("uq_strategy_versions_programme_id_number")
        ),
    )
    op.create_table(
        "strategy_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("section_key", sa.String(length=80), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_label", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_strategy_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_strategy_comments_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["strategy_reviewers.id"],
            name=op.f("fk_strategy_comments_reviewer_id_strategy_reviewers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["strategy_versions.id"],
            name=op.f("fk_strategy_comments_version_id_strategy_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_comments")),
    )
    with op.batch_alter_table("strategy_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strategy_comments_reviewer_id"), ["reviewer_id"], unique=False
        )
        batch_op.create_index(
            "ix_strategy_comments_version_section", ["version_id", "section_key"], unique=False
        )


def downgrade():
    with op.batch_alter_table("strategy_comments", schema=None) as batch_op:
        batch_op.drop_index("ix_strategy_comments_version_section")
        batch_op.drop_index(batch_op.f("ix_strategy_comments_reviewer_id"))

    op.drop_table("strategy_comments")
    op.drop_table("strategy_versions")
    op.drop_table("strategy_reviewers")
