"""Review workspace: relevant answers of a framework counted from an index alone.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 15:55:00.000000

"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("framework_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_framework_answers_relevant", ["framework_id", "not_relevant"], unique=False
        )


def downgrade():
    with op.batch_alter_table("framework_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_framework_answers_relevant")
