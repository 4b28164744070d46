"""form runs: questionnaire progress (issue 4)

Revision ID: 0004
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_STATUS = sa.Enum(
    "active", "paused", "completed", "cancelled", name="runstatus", native_enum=False, length=16
)


def upgrade() -> None:
    op.create_table(
        "form_runs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("form_id", sa.String(length=16), nullable=False),
        sa.Column("status", _STATUS, nullable=False),
        sa.Column("current", sa.String(length=32), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("prefilled", _JSON, nullable=False),
        sa.Column("pending", _JSON, nullable=False),
        sa.Column("subject_id", _ID, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_form_runs_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_runs")),
    )
    with op.batch_alter_table("form_runs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_form_runs_active_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.create_index(
            "uq_form_runs_open_user_form",
            ["user_id", "form_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'paused')"),
            postgresql_where=sa.text("status IN ('active', 'paused')"),
        )


def downgrade() -> None:
    with op.batch_alter_table("form_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_form_runs_open_user_form")
        batch_op.drop_index("uq_form_runs_active_user")
    op.drop_table("form_runs")
