"""Questionnaires carry a structure key, renewed by every edit of their sections or
questions, so each process can cache the answering pages and forms under it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.add_column(sa.Column("structure_key", sa.String(length=16), nullable=True))
    # Existing rows share one starting key: the cache is keyed by id and key together, and
    # every new row and every later edit draws a random key.
    op.execute("UPDATE questionnaires SET structure_key = 'm0009'")
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.alter_column("structure_key", existing_type=sa.String(length=16), nullable=False)


def downgrade():
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.drop_column("structure_key")
