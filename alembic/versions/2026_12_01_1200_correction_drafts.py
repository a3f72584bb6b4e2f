"""correction drafts: a person's correction is a draft version N+1 beside the verified version N
(still in force) until a second person verifies it, or it is withdrawn; two persons checked for
corrections too

- `uq_credit_records_current` (one draft-or-verified version per record) becomes two indexes:
  one verified version per record, and one open draft (a first version or a pending correction).
- status `withdrawn`: a draft correction taken back; the guard lets a draft become `withdrawn`
  (status and `updated_at` only) and nothing change after.
- `ck_credit_records_verified_at`: a withdrawn draft was never verified either.
- two persons for corrections too: the guard refuses a draft becoming verified by the person
  who entered it. (`ck_credit_records_two_person` keeps exempting rows with `supersedes_id`:
  corrections made before were verified at once by their corrector, and are kept as they were,
  Art 8; a NOT VALID constraint instead would break SQLAlchemy's reflection of the table.)

Revision ID: 0015_corrections_drafts
Revises: 0014
Create Date: 2026-12-01 12:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_corrections_drafts"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The guard of migration 0002 with one more allowed change, draft -> withdrawn, and two persons
# on every verification: a draft (a first version or a correction) is never verified by the
# person who entered it.
GUARD = """
CREATE OR REPLACE FUNCTION credit_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  link_cols text[] := ARRAY['status', 'superseded_by_id', 'updated_at'];
  revoke_cols text[] := ARRAY['status', 'revocation_reason', 'revoking_document',
                              'revoked_by', 'revoked_at', 'updated_at'];
  withdraw_cols text[] := ARRAY['status', 'updated_at'];
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'credit records are never deleted (Art 8): % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF NEW.id <> OLD.id OR NEW.record_key <> OLD.record_key OR NEW.version <> OLD.version THEN
    RAISE EXCEPTION 'credit record %: identity columns never change', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'draft' AND NEW.status = 'verified' AND NEW.verified_by = NEW.collected_by THEN
    RAISE EXCEPTION 'credit record %: verified by the person who entered it (Art 8: two persons)',
      OLD.id USING ERRCODE = 'check_violation';
  END IF;
  IF OLD.status = 'draft' AND NEW.status IN ('draft', 'verified') THEN
    RETURN NEW;
  END IF;
  IF to_jsonb(NEW) = to_jsonb(OLD) THEN
    RETURN NEW;
  END IF;
  IF OLD.status = 'draft' AND NEW.status = 'withdrawn'
     AND (to_jsonb(NEW) - withdraw_cols) = (to_jsonb(OLD) - withdraw_cols) THEN
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

# Migration 0002's guard, restored by the downgrade.
OLD_GUARD = """
CREATE OR REPLACE FUNCTION credit_records_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

TABLE = "credit_records"


def upgrade() -> None:
    op.drop_index("uq_credit_records_current", table_name=TABLE)
    for name, status in (("verified", "verified"), ("draft", "draft")):
        op.create_index(
            f"uq_credit_records_{name}",
            TABLE,
            ["record_key"],
            unique=True,
            postgresql_where=sa.text(f"status = '{status}'"),
        )
    op.drop_constraint(op.f("ck_credit_records_verified_at"), TABLE, type_="check")
    op.create_check_constraint(
        op.f("ck_credit_records_verified_at"),
        TABLE,
        "status IN ('draft', 'withdrawn') OR verified_at IS NOT NULL",
    )
    op.create_check_constraint(
        op.f("ck_credit_records_withdrawn_correction"),
        TABLE,
        "status <> 'withdrawn' OR supersedes_id IS NOT NULL",
    )
    op.execute(GUARD)


def downgrade() -> None:
    # 0014 knows neither a withdrawn version nor a correction beside the version it corrects.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM credit_records WHERE status = 'withdrawn' "
        "OR (status = 'draft' AND supersedes_id IS NOT NULL)) THEN RAISE EXCEPTION "
        "'cannot downgrade below 0015: credit records hold draft or withdrawn corrections'; "
        "END IF; END $$"
    )
    op.execute(OLD_GUARD)
    op.drop_constraint(op.f("ck_credit_records_withdrawn_correction"), TABLE, type_="check")
    op.drop_constraint(op.f("ck_credit_records_verified_at"), TABLE, type_="check")
    op.create_check_constraint(
        op.f("ck_credit_records_verified_at"), TABLE, "status = 'draft' OR verified_at IS NOT NULL"
    )
    op.drop_index("uq_credit_records_draft", table_name=TABLE)
    op.drop_index("uq_credit_records_verified", table_name=TABLE)
    op.create_index(
        "uq_credit_records_current",
        TABLE,
        ["record_key"],
        unique=True,
        postgresql_where=sa.text("status IN ('draft', 'verified')"),
    )
