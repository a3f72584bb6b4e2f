"""sessions and data keys: a token generation per account (a password change or reset, or
disabling the account, ends the tokens issued before it); personal data stored before keys had
versions is marked as format 0 (a leading 00 byte) so that it is told apart from format 1
(01, key version, nonce, ciphertext bound to its row); listed persons' ID numbers may be
re-encrypted under a new key, nothing else of theirs changes

Revision ID: 0019_sessions_keys
Revises: 0022_sign_in_throttle
Create Date: 2026-12-01 13:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019_sessions_keys"
down_revision: str | None = "0022_sign_in_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERSONAL_DATA = (
    ("employers", "legal_representative_id_number_enc"),
    ("employers", "contact_phone_enc"),
    ("blacklist_persons", "id_number_enc"),
)

# Listed persons stay append-only (Art 8); a key rotation (labor-credit rotate-data-key) may
# rewrite the ciphertext of the ID number and nothing else.
PERSONS_GUARD = """
CREATE OR REPLACE FUNCTION blacklist_persons_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'id_number_enc') = (to_jsonb(OLD) - 'id_number_enc')
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'blacklisted persons are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

PERSONS_GUARD_BEFORE = """
CREATE OR REPLACE FUNCTION blacklist_persons_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'blacklisted persons are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.add_column(
        "users", sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)
    )
    op.alter_column("users", "token_generation", server_default=None)
    op.execute(PERSONS_GUARD)
    for table, column in PERSONAL_DATA:
        op.execute(
            f"UPDATE {table} SET {column} = '\\x00'::bytea || {column} WHERE {column} IS NOT NULL"
        )


def downgrade() -> None:
    # Format 1 needs the key to be turned back into the old format: a migration never holds it.
    for table, column in PERSONAL_DATA:
        op.execute(
            f"""DO $$ BEGIN
              IF EXISTS (SELECT 1 FROM {table} WHERE get_byte({column}, 0) <> 0) THEN
                RAISE EXCEPTION '{table}.{column} holds ciphertexts under a versioned key, '
                  'which the code before 0019 cannot read';
              END IF;
            END $$"""
        )
        op.execute(f"UPDATE {table} SET {column} = substr({column}, 2) WHERE {column} IS NOT NULL")
    op.execute(PERSONS_GUARD_BEFORE)
    op.drop_column("users", "token_generation")
