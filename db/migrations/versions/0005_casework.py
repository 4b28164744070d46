"""casework: caseworker regions, invites, notes, info requests, relay, pending input,
reminders, staff notices (issue 5)

Revision ID: 0005
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('caseworker_invites',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('created_by', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_by', sa.BigInteger(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caseworker_invites')),
    sa.UniqueConstraint('token', name=op.f('uq_caseworker_invites_token'))
    )
    op.create_table('pending_inputs',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_pending_inputs'))
    )
    op.create_table('caseworker_regions',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('region', sa.String(length=8), nullable=False),
    sa.Column('added_by', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_caseworker_regions_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'region', name=op.f('pk_caseworker_regions'))
    )
    op.create_table('case_notes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('author_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_case_notes_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notes'))
    )
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.create_index('ix_case_notes_application_id', ['application_id'], unique=False)

    op.create_table('case_notices',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_case_notices_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_notices'))
    )
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.create_index('ix_case_notices_application_id', ['application_id'], unique=False)

    op.create_table('relay_conversations',
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=False, nullable=False),
    sa.Column('caseworker_id', sa.BigInteger(), nullable=False),
    sa.Column('family_user_id', sa.BigInteger(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_relay_conversations_application_id_applications')),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_relay_conversations'))
    )
    with op.batch_alter_table('relay_conversations', schema=None) as batch_op:
        batch_op.create_index('ix_relay_conversations_family_user_id', ['family_user_id'], unique=False)

    op.create_table('relay_messages',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('sender_id', sa.BigInteger(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('file_id', sa.String(length=256), nullable=True),
    sa.Column('file_kind', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_relay_messages_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relay_messages'))
    )
    with op.batch_alter_table('relay_messages', schema=None) as batch_op:
        batch_op.create_index('ix_relay_messages_application_id', ['application_id'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('anchor', sa.String(length=40), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=36), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_reminders_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('kind', 'application_id', 'anchor', name=op.f('uq_reminders_kind'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index('ix_reminders_due_at', ['due_at'], unique=False)

    op.create_table('info_requests',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('asked_by', sa.BigInteger(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer_text', sa.Text(), nullable=True),
    sa.Column('answer_document_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['answer_document_id'], ['documents.id'], name=op.f('fk_info_requests_answer_document_id_documents')),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_info_requests_application_id_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_info_requests'))
    )
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.create_index('ix_info_requests_application_id', ['application_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('info_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_info_requests_application_id')

    op.drop_table('info_requests')
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index('ix_reminders_due_at')

    op.drop_table('reminders')
    with op.batch_alter_table('relay_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_relay_messages_application_id')

    op.drop_table('relay_messages')
    with op.batch_alter_table('relay_conversations', schema=None) as batch_op:
        batch_op.drop_index('ix_relay_conversations_family_user_id')

    op.drop_table('relay_conversations')
    with op.batch_alter_table('case_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_case_notices_application_id')

    op.drop_table('case_notices')
    with op.batch_alter_table('case_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_case_notes_application_id')

    op.drop_table('case_notes')
    op.drop_table('caseworker_regions')
    op.drop_table('pending_inputs')
    op.drop_table('caseworker_invites')
