"""credit records: versions, database guards, domain events, evidence attachments

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Art 8: no tampering, no unlawful deletion. Once a version leaves `draft` its content is frozen:
# the only changes allowed are verified -> superseded (with the link to the new version) and
# verified -> revoked (with the revocation columns). The comparison is over the whole row minus
# those columns, so a column added later is frozen too. DELETE and TRUNCATE are always refused.
GUARD = """
CREATE FUNCTION credit_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  link_cols text[] := ARRAY['status', 'superseded_by_id', 'updated_at'];
  revoke_cols text[] := ARRAY['status', 'revocation_reason', 'revoking_document',
                              'revoked_by', 'revoked_at', 'updated_at'];
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'credit records are never deleted (Art 8): % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id <> OLD.id OR NEW.record_key <> OLD.record_key OR NEW.version <> OLD.version THEN
    RAISE EXCEPTION 'credit record %: identity columns never change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'draft' AND NEW.status IN ('draft', 'verified') THEN
    RETURN NEW;
  END IF;
  IF to_jsonb(NEW) = to_jsonb(OLD) THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'verified' AND NEW.status = 'superseded' AND NEW.superseded_by_id IS NOT NULL
     AND (to_jsonb(NEW) - link_cols) = (to_jsonb(OLD) - link_cols) THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'verified' AND NEW.status = 'revoked'
     AND (to_jsonb(NEW) - revoke_cols) = (to_jsonb(OLD) - revoke_cols) THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'credit record % is %: its content never changes (Art 8); % -> % refused',
    OLD.id, OLD.status, OLD.status, NEW.status
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# Evidence is append-only as well: an attachment row never changes or disappears.
ATTACHMENTS_GUARD = """
CREATE FUNCTION record_attachments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'record attachments are append-only (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _varchar(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _content_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("occurred_date", sa.Date(), nullable=False),
        sa.Column("title", _varchar(200), nullable=False),
        sa.Column("description", _varchar(4000), nullable=True),
        sa.Column("issuing_authority", _varchar(200), nullable=True),
        sa.Column("decision_number", _varchar(100), nullable=True),
        sa.Column("violation_type", _varchar(200), nullable=True),
        sa.Column("violation_facts", _varchar(4000), nullable=True),
        sa.Column("legal_basis", _varchar(1000), nullable=True),
        sa.Column("penalty_content", _varchar(2000), nullable=True),
        sa.Column("fine_amount", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("penalty_valid_until", sa.Date(), nullable=True),
        sa.Column("data_source_unit", _varchar(200), nullable=True),
        sa.Column("remarks", _varchar(1000), nullable=True),
        sa.Column("punished", sa.Boolean(), nullable=False),
    ]


def _record_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    timestamp = sa.DateTime(timezone=True)
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_key", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("issuing_authority_uscc", _varchar(18), nullable=True),
        sa.Column("data_source_unit_uscc", _varchar(18), nullable=True),
        sa.Column("penalty_category", sa.String(length=40), nullable=True),
        sa.Column("serious_conditions", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=True),
        sa.Column("publication_end_date", sa.Date(), nullable=True),
        sa.Column("in_catalogue", sa.Boolean(), nullable=False),
        sa.Column("rectification_ordered_date", sa.Date(), nullable=True),
        sa.Column("rectified_date", sa.Date(), nullable=True),
        sa.Column("penalty_performed_date", sa.Date(), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_by_id", sa.Uuid(), nullable=True),
        sa.Column("correction_reason", _varchar(1000), nullable=True),
        sa.Column("revocation_reason", _varchar(1000), nullable=True),
        sa.Column("revoking_document", _varchar(200), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", timestamp, nullable=True),
        sa.Column("collected_by", sa.Uuid(), nullable=True),
        sa.Column("verified_by", sa.Uuid(), nullable=True),
        sa.Column("verified_at", timestamp, nullable=True),
        sa.Column("created_at", timestamp, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", timestamp, server_default=sa.text("now()"), nullable=False),
    ]


def _record_constraints() -> list[sa.Constraint]:
    def fk(column: str, table: str, **kwargs: str | bool) -> sa.ForeignKeyConstraint:
        return sa.ForeignKeyConstraint(
            [column], [f"{table}.id"], name=op.f(f"fk_credit_records_{column}_{table}"), **kwargs
        )

    return [
        sa.CheckConstraint(
            "fine_amount IS NULL OR penalty_category IS NOT NULL",
            name=op.f("ck_credit_records_fine"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR verified_at IS NOT NULL",
            name=op.f("ck_credit_records_verified_at"),
        ),
        sa.CheckConstraint(
            "supersedes_id IS NOT NULL OR verified_by IS NULL OR collected_by IS NULL "
            "OR verified_by <> collected_by",
            name=op.f("ck_credit_records_two_person"),
        ),
        sa.CheckConstraint(
            "status <> 'revoked' OR (revocation_reason IS NOT NULL "
            "AND revoking_document IS NOT NULL AND revoked_at IS NOT NULL)",
            name=op.f("ck_credit_records_revocation"),
        ),
        fk("employer_id", "employers"),
        fk("supersedes_id", "credit_records"),
        fk("superseded_by_id", "credit_records", deferrable=True, initially="DEFERRED"),
        fk("revoked_by", "users"),
        fk("collected_by", "users"),
        fk("verified_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_records")),
        sa.UniqueConstraint(
            "record_key", "version", name=op.f("uq_credit_records_record_key_version")
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "credit_records", *_content_columns(), *_record_columns(), *_record_constraints()
    )
    op.create_index(
        "uq_credit_records_current",
        "credit_records",
        ["record_key"],
        unique=True,
        postgresql_where=sa.text("status IN ('draft', 'verified')"),
    )
    op.create_index(
        "ix_credit_records_employer", "credit_records", ["employer_id", "occurred_date"]
    )
    op.create_index("ix_credit_records_occurred", "credit_records", ["occurred_date", "id"])
    op.create_index("ix_credit_records_status", "credit_records", ["status"])
    op.execute(GUARD)
    op.execute(
        "CREATE TRIGGER credit_records_guard BEFORE UPDATE OR DELETE ON credit_records "
        "FOR EACH ROW EXECUTE FUNCTION credit_records_guard()"
    )
    op.execute(
        "CREATE TRIGGER credit_records_no_truncate BEFORE TRUNCATE ON credit_records "
        "FOR EACH STATEMENT EXECUTE FUNCTION credit_records_guard()"
    )
    _create_events()
    _create_attachments()


def _create_events() -> None:
    op.create_table(
        "credit_events",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column(
            "occurred_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["employer_id"], ["employers.id"], name=op.f("fk_credit_events_employer_id_employers")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_credit_events_record_id_credit_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_events")),
    )
    op.create_index("ix_credit_events_employer_id", "credit_events", ["employer_id"])
    op.create_index("ix_credit_events_record_id", "credit_events", ["record_id"])


def _create_attachments() -> None:
    op.create_table(
        "record_attachments",
        sa.Column("file_name", _varchar(255), nullable=False),
        sa.Column("content_type", _varchar(100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", _varchar(64), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "uploaded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["credit_records.id"],
            name=op.f("fk_record_attachments_record_id_credit_records"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_record_attachments_uploaded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_attachments")),
        sa.UniqueConstraint(
            "record_id", "sha256", name=op.f("uq_record_attachments_record_id_sha256")
        ),
    )
    op.execute(ATTACHMENTS_GUARD)
    op.execute(
        "CREATE TRIGGER record_attachments_immutable BEFORE UPDATE OR DELETE ON record_attachments "
        "FOR EACH ROW EXECUTE FUNCTION record_attachments_refuse_change()"
    )


def downgrade() -> None:
    op.drop_table("record_attachments")  # drops its trigger too
    op.execute("DROP FUNCTION record_attachments_refuse_change()")
    op.drop_table("credit_events")
    op.drop_table("credit_records")
    op.execute("DROP FUNCTION credit_records_guard()")
