"""Feedback: questionnaires, sections, questions, invitations, responses, answers, imports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 15:36:13.440528

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "questionnaires",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("introduction", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("open_link", sa.Boolean(), nullable=False),
        sa.Column("public_code", sa.String(length=24), nullable=False),
        sa.Column("opens_at", sa.DateTime(), nullable=True),
        sa.Column("closes_at", sa.DateTime(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("auto_send", sa.Boolean(), nullable=False),
        sa.Column("follow_up_weeks", sa.Integer(), nullable=True),
        sa.Column("redact", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("original_retention_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("previous_version_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('kloe', 'session_evaluation', 'follow_up', 'open_consultation')",
            name=op.f("ck_questionnaires_kind_known"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'closed')",
            name=op.f("ck_questionnaires_status_known"),
        ),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_questionnaires_closes_after_opening"),
        ),
        sa.CheckConstraint(
            "follow_up_weeks IS NULL OR (follow_up_weeks >= 1 AND follow_up_weeks <= 104)",
            name=op.f("ck_questionnaires_follow_up_weeks_range"),
        ),
        sa.CheckConstraint(
            "original_retention_days >= 0 AND original_retention_days <= retention_days",
            name=op.f("ck_questionnaires_original_within_retention"),
        ),
        sa.CheckConstraint("retention_days > 0", name=op.f("ck_questionnaires_retention_positive")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_questionnaires_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_questionnaires_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_questionnaires_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["previous_version_id"],
            ["questionnaires.id"],
            name=op.f("fk_questionnaires_previous_version_id_questionnaires"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaires")),
        sa.UniqueConstraint("public_code", name=op.f("uq_questionnaires_public_code")),
    )
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.create_index(
            "ix_questionnaires_event_status", ["event_id", "status"], unique=False
        )

    op.create_table(
        "feedback_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("consent_basis", sa.String(length=500), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_imported", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("committed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('uploaded', 'committed', 'discarded')",
            name=op.f("ck_feedback_imports_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_feedback_imports_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_feedback_imports_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["users.id"],
            name=op.f("fk_feedback_imports_uploaded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_imports")),
        sa.UniqueConstraint("key", name=op.f("uq_feedback_imports_key")),
    )
    with op.batch_alter_table("feedback_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_feedback_imports_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_feedback_imports_questionnaire_id"), ["questionnaire_id"], unique=False
        )

    op.create_table(
        "questionnaire_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reminder_count", sa.Integer(), nullable=False),
        sa.Column("last_reminded_at", sa.DateTime(), nullable=True),
        sa.Column("responded_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "source IN ('list', 'attendees')",
            name=op.f("ck_questionnaire_invitations_source_known"),
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_questionnaire_invitations_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_questionnaire_invitations_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_invitations")),
        sa.UniqueConstraint(
            "questionnaire_id",
            "email",
            name=op.f("uq_questionnaire_invitations_questionnaire_id_email"),
        ),
        sa.UniqueConstraint(
            "questionnaire_id",
            "registration_id",
            name=op.f("uq_questionnaire_invitations_questionnaire_id_registration_id"),
        ),
    )
    with op.batch_alter_table("questionnaire_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_invitations_email"), ["email"], unique=False
        )
        batch_op.create_index(
            "ix_questionnaire_invitations_pending",
            ["questionnaire_id", "responded_at"],
            unique=False,
        )

    op.create_table(
        "questionnaire_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_questionnaire_sections_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_sections")),
    )
    with op.batch_alter_table("questionnaire_sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questionnaire_sections_questionnaire_id"),
            ["questionnaire_id"],
            unique=False,
        )

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("help_text", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("impact_level", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "impact_level IS NULL OR impact_level IN ('reaction', 'learning', 'behaviour', 'results')",
            name=op.f("ck_questions_impact_level_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('long_text', 'short_text', 'rating', 'likert', 'single_choice', 'multiple_choice', 'yes_no')",
            name=op.f("ck_questions_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_questions_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["questionnaire_sections.id"],
            name=op.f("fk_questions_section_id_questionnaire_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questions_questionnaire_id"), ["questionnaire_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_questions_section_id"), ["section_id"], unique=False)

    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_id", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=True),
        sa.Column("registration_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("stakeholder_group_id", sa.Integer(), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=80), nullable=False),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("last_page", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "NOT anonymous OR (invitation_id IS NULL AND registration_id IS NULL AND organisation = '' AND region = '')",
            name=op.f("ck_responses_anonymous_holds_no_identity"),
        ),
        sa.CheckConstraint(
            "source IN ('online', 'imported')", name=op.f("ck_responses_source_known")
        ),
        sa.CheckConstraint(
            "status IN ('in_progress', 'submitted')", name=op.f("ck_responses_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_responses_event_id_events"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["feedback_imports.id"],
            name=op.f("fk_responses_import_id_feedback_imports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["questionnaire_invitations.id"],
            name=op.f("fk_responses_invitation_id_questionnaire_invitations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_id"],
            ["questionnaires.id"],
            name=op.f("fk_responses_questionnaire_id_questionnaires"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["registration_id"],
            ["registrations.id"],
            name=op.f("fk_responses_registration_id_registrations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["stakeholder_group_id"],
            ["stakeholder_groups.id"],
            name=op.f("fk_responses_stakeholder_group_id_stakeholder_groups"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_responses_invitation_id")),
        sa.UniqueConstraint(
            "questionnaire_id",
            "submission_key",
            name=op.f("uq_responses_questionnaire_id_submission_key"),
        ),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_responses_corpus", ["questionnaire_id", "status", "answered_at"], unique=False
        )
        batch_op.create_index("ix_responses_event", ["event_id", "answered_at"], unique=False)
        batch_op.create_index("ix_responses_group", ["stakeholder_group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_responses_import_id"), ["import_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_responses_registration_id"), ["registration_id"], unique=False
        )

    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("text_original", sa.Text(), nullable=True),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_answers_question_id_questions"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["responses.id"],
            name=op.f("fk_answers_response_id_responses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint(
            "response_id", "question_id", name=op.f("uq_answers_response_id_question_id")
        ),
    )
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_answers_question_id"), ["question_id"], unique=False)


def downgrade():
    with op.batch_alter_table("answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_answers_question_id"))

    op.drop_table("answers")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_responses_registration_id"))
        batch_op.drop_index(batch_op.f("ix_responses_import_id"))
        batch_op.drop_index("ix_responses_group")
        batch_op.drop_index("ix_responses_event")
        batch_op.drop_index("ix_responses_corpus")

    op.drop_table("responses")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_section_id"))
        batch_op.drop_index(batch_op.f("ix_questions_questionnaire_id"))

    op.drop_table("questions")
    with op.batch_alter_table("questionnaire_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questionnaire_sections_questionnaire_id"))

    op.drop_table("questionnaire_sections")
    with op.batch_alter_table("questionnaire_invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_questionnaire_invitations_pending")
        batch_op.drop_index(batch_op.f("ix_questionnaire_invitations_email"))

    op.drop_table("questionnaire_invitations")
    with op.batch_alter_table("feedback_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_imports_questionnaire_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_imports_created_at"))

    op.drop_table("feedback_imports")
    with op.batch_alter_table("questionnaires", schema=None) as batch_op:
        batch_op.drop_index("ix_questionnaires_event_status")

    op.drop_table("questionnaires")
