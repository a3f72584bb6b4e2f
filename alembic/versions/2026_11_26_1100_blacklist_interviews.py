"""wage-arrears joint-punishment list and interviews: tables and database guards

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 08:37:27.174748+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# 人社部令第45号 and Art 8: a listing is never deleted. Its decision is frozen from the start; while
# listed only the early-removal facts and the removal itself may change, and once removed or
# expired nothing changes. Listed persons are append-only. DELETE and TRUNCATE are refused.
ENTRIES_GUARD = """
CREATE FUNCTION blacklist_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  open_cols text[] := ARRAY['arrears_paid_on', 'commitment_received_on', 'status', 'removed_on',
                            'removal_kind', 'removal_reason', 'removal_document', 'removed_by',
                            'removed_at', 'version', 'updated_at'];
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'blacklist entries are never deleted (Art 8): % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF to_jsonb(NEW) = to_jsonb(OLD) THEN
    RETURN NEW;
  END IF;
  IF OLD.status <> 'listed' THEN
    RAISE EXCEPTION 'blacklist entry % is %: an ended listing never changes', OLD.id, OLD.status
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - open_cols) <> (to_jsonb(OLD) - open_cols) THEN
    RAISE EXCEPTION 'blacklist entry %: the listing decision never changes', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$
"""

PERSONS_GUARD = """
CREATE FUNCTION blacklist_persons_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'blacklisted persons are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# Art 13(2), Art 8: an interview entered in the credit record is never deleted and its account
# never changes; only the link to the grade that led to it may be filled in later.
INTERVIEWS_GUARD = """
CREATE FUNCTION interviews_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'evaluation_id') = (to_jsonb(OLD) - 'evaluation_id')
  THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'interviews are never deleted nor changed (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _guard(table: str, function: str, *, row_events: str = "UPDATE OR DELETE") -> None:
    op.execute(
        f"CREATE TRIGGER {table}_guard BEFORE {row_events} ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {function}()"
    )
    op.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
    )


def upgrade() -> None:
    op.create_table(
        "blacklist_entries",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("decision_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("listed_on", sa.Date(), nullable=False),
        sa.Column(
            "payment_order_number", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False
        ),
        sa.Column("payment_deadline", sa.Date(), nullable=False),
        sa.Column("workers_affected", sa.Integer(), nullable=False),
        sa.Column("ground", sa.String(length=32), nullable=False),
        sa.Column("amount_owed", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("facts", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("arrears_paid_on", sa.Date(), nullable=True),
        sa.Column("commitment_received_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_kind", sa.String(length=16), nullable=True),
        sa.Column("removal_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("removal_document", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("removed_by", sa.Uuid(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("credit_record_id", sa.Uuid(), nullable=False),
        sa.Column("listed_by", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(status = 'listed' AND removal_kind IS NULL AND removed_on IS NULL) "
            "OR (status = 'removed' AND removal_kind = 'early' "
            "AND arrears_paid_on IS NOT NULL AND commitment_received_on IS NOT NULL) "
            "OR (status = 'expired' AND removal_kind = 'expiry' AND removed_on >= expires_on)",
            name=op.f("ck_blacklist_entries_removal_kind"),
        ),
        sa.CheckConstraint(
            "status = 'listed' OR (removed_on IS NOT NULL AND removal_reason IS NOT NULL "
            "AND removal_document IS NOT NULL AND removed_at IS NOT NULL)",
            name=op.f("ck_blacklist_entries_removal"),
        ),
        sa.CheckConstraint(
            "amount_owed > 0 AND workers_affected > 0", name=op.f("ck_blacklist_entries_arrears")
        ),
        sa.CheckConstraint("expires_on > listed_on", name=op.f("ck_blacklist_entries_term")),
        sa.CheckConstraint(
            "payment_deadline < listed_on", name=op.f("ck_blacklist_entries_overdue")
        ),
        sa.ForeignKeyConstraint(
            ["credit_record_id"],
            ["credit_records.id"],
            name=op.f("fk_blacklist_entries_credit_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"],
            ["employers.id"],
            name=op.f("fk_blacklist_entries_employer_id_employers"),
        ),
        sa.ForeignKeyConstraint(
            ["listed_by"], ["users.id"], name=op.f("fk_blacklist_entries_listed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["removed_by"], ["users.id"], name=op.f("fk_blacklist_entries_removed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_entries")),
    )
    op.create_index(
        "ix_blacklist_entries_employer_id", "blacklist_entries", ["employer_id"], unique=False
    )
    op.create_index(
        "ix_blacklist_entries_listed", "blacklist_entries", ["listed_on", "id"], unique=False
    )
    op.create_index(
        "uq_blacklist_entries_active",
        "blacklist_entries",
        ["employer_id"],
        unique=True,
        postgresql_where=sa.text("status = 'listed'"),
    )
    op.create_table(
        "interviews",
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("interviewed_on", sa.Date(), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=150), nullable=False),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("commitments", sqlmodel.sql.sqltypes.AutoString(length=1500), nullable=True),
        sa.Column("evaluation_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("persons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("officers", postgresql.ARRAY(sa.String(length=50)), nullable=False),
        sa.Column("credit_record_id", sa.Uuid(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "jsonb_typeof(persons) = 'array' AND jsonb_array_length(persons) BETWEEN 1 AND 20",
            name=op.f("ck_interviews_persons"),
        ),
        sa.CheckConstraint(
            "cardinality(officers) BETWEEN 1 AND 10", name=op.f("ck_interviews_officers")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_interviews_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["credit_record_id"],
            ["credit_records.id"],
            name=op.f("fk_interviews_credit_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_interviews_employer_id_employers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interviews")),
    )
    op.create_index(
        "ix_interviews_employer", "interviews", ["employer_id", "interviewed_on"], unique=False
    )
    op.create_index(
        "ix_interviews_interviewed", "interviews", ["interviewed_on", "id"], unique=False
    )
    op.create_table(
        "blacklist_persons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("id_number_enc", sa.LargeBinary(), nullable=False),
        sa.Column("id_number_masked", sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["blacklist_entries.id"],
            name=op.f("fk_blacklist_persons_entry_id_blacklist_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blacklist_persons")),
        sa.UniqueConstraint(
            "entry_id", "position", name=op.f("uq_blacklist_persons_entry_id_position")
        ),
    )
    op.execute(ENTRIES_GUARD)
    _guard("blacklist_entries", "blacklist_entries_guard")
    op.execute(PERSONS_GUARD)
    _guard("blacklist_persons", "blacklist_persons_refuse_change")
    op.execute(INTERVIEWS_GUARD)
    _guard("interviews", "interviews_guard")


def downgrade() -> None:
    op.drop_table("blacklist_persons")
    op.drop_index("ix_interviews_interviewed", table_name="interviews")
    op.drop_index("ix_interviews_employer", table_name="interviews")
    op.drop_table("interviews")
    op.drop_index(
        "uq_blacklist_entries_active",
        table_name="blacklist_entries",
        postgresql_where=sa.text("status = 'listed'"),
    )
    op.drop_index("ix_blacklist_entries_listed", table_name="blacklist_entries")
    op.drop_index("ix_blacklist_entries_employer_id", table_name="blacklist_entries")
    op.drop_table("blacklist_entries")  # drops the triggers too
    op.execute("DROP FUNCTION interviews_guard()")
    op.execute("DROP FUNCTION blacklist_persons_refuse_change()")
    op.execute("DROP FUNCTION blacklist_entries_guard()")
