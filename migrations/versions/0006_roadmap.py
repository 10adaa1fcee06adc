"""Programmes, roadmap items with their themes and references, publication notices,
and the quote and contact opt-ins on responses.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:40:06.826443

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programmes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("framework_id", sa.Integer(), nullable=True),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("public_published_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_programmes_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["framework_id"],
            ["frameworks.id"],
            name=op.f("fk_programmes_framework_id_frameworks"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programmes")),
        sa.UniqueConstraint("slug", name=op.f("uq_programmes_slug")),
    )
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_programmes_framework_id"), ["framework_id"], unique=False
        )

    op.create_table(
        "programme_notices",
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("address_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_programme_notices_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("programme_id", "address_hash", name=op.f("pk_programme_notices")),
    )
    op.create_table(
        "roadmap_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("horizon", sa.String(length=10), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "horizon IN ('short', 'medium', 'long')", name=op.f("ck_roadmap_items_horizon_known")
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'agreed', 'in_progress', 'done', 'dropped')",
            name=op.f("ck_roadmap_items_status_known"),
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_roadmap_items_not_own_parent")
        ),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 100", name=op.f("ck_roadmap_items_progress_range")
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["roadmap_items.id"],
            name=op.f("fk_roadmap_items_parent_id_roadmap_items"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programmes.id"],
            name=op.f("fk_roadmap_items_programme_id_programmes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roadmap_items")),
    )
    with op.batch_alter_table("roadmap_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_roadmap_items_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(
            "ix_roadmap_items_programme_position", ["programme_id", "position"], unique=False
        )

    op.create_table(
        "roadmap_item_themes",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["roadmap_items.id"],
            name=op.f("fk_roadmap_item_themes_item_id_roadmap_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_roadmap_item_themes_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", "theme_id", name=op.f("pk_roadmap_item_themes")),
    )
    with op.batch_alter_table("roadmap_item_themes", schema=None) as batch_op:
        batch_op.create_index("ix_roadmap_item_themes_theme", ["theme_id"], unique=False)

    op.create_table(
        "roadmap_references",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("authors", sa.String(length=300), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('academic', 'practice')", name=op.f("ck_roadmap_references_kind_known")
        ),
        sa.CheckConstraint(
            "year IS NULL OR (year >= 1800 AND year <= 2200)",
            name=op.f("ck_roadmap_references_year_range"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["roadmap_items.id"],
            name=op.f("fk_roadmap_references_item_id_roadmap_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roadmap_references")),
    )
    with op.batch_alter_table("roadmap_references", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roadmap_references_item_id"), ["item_id"], unique=False
        )

    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("may_quote", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("contact_consent", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_column("contact_consent")
        batch_op.drop_column("may_quote")

    with op.batch_alter_table("roadmap_references", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roadmap_references_item_id"))

    op.drop_table("roadmap_references")
    with op.batch_alter_table("roadmap_item_themes", schema=None) as batch_op:
        batch_op.drop_index("ix_roadmap_item_themes_theme")

    op.drop_table("roadmap_item_themes")
    with op.batch_alter_table("roadmap_items", schema=None) as batch_op:
        batch_op.drop_index("ix_roadmap_items_programme_position")
        batch_op.drop_index(batch_op.f("ix_roadmap_items_parent_id"))

    op.drop_table("roadmap_items")
    op.drop_table("programme_notices")
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programmes_framework_id"))

    op.drop_table("programmes")
