"""listing review: a wage-arrears listing is entered as a draft and verified by a second
reviewer (four eyes, like a credit record), its credit record written at verification; a listing
whose record was revoked ends as `revoked`; existing listings were verified at entry and stay
as they are (in force, or ended)

Revision ID: 0016_listing_review
Revises: 0014
Create Date: 2026-12-01 12:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_listing_review"
down_revision: str | None = "0015_corrections_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "blacklist_entries"

# A draft only becomes a listing (its verification fills the record and the verifier); while
# listed only the early-removal facts and the end may change; an ended listing never changes.
GUARD = """
CREATE OR REPLACE FUNCTION blacklist_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  verify_cols text[] := ARRAY['status', 'credit_record_id', 'verified_by', 'verified_at',
                              'version', 'updated_at'];
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
  IF OLD.status = 'draft' THEN
    IF NEW.status NOT IN ('draft', 'listed')
       OR (to_jsonb(NEW) - verify_cols) <> (to_jsonb(OLD) - verify_cols) THEN
      RAISE EXCEPTION 'blacklist entry %: a draft listing only becomes a listing by its '
        'verification; its decision never changes', OLD.id
        USING ERRCODE = 'insufficient_privilege';
    END IF;
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

# 0006's guard, restored by the downgrade.
OLD_GUARD = """
CREATE OR REPLACE FUNCTION blacklist_entries_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

VERIFIED = (
    "(status = 'draft' AND credit_record_id IS NULL AND verified_at IS NULL "
    "AND verified_by IS NULL) "
    "OR (status <> 'draft' AND credit_record_id IS NOT NULL AND verified_at IS NOT NULL)"
)
REMOVAL = (
    "status IN ('draft', 'listed') OR (removed_on IS NOT NULL AND removal_reason IS NOT NULL "
    "AND removal_document IS NOT NULL AND removed_at IS NOT NULL)"
)
REMOVAL_KIND = (
    "(status IN ('draft', 'listed') AND removal_kind IS NULL AND removed_on IS NULL) "
    "OR (status = 'removed' AND removal_kind = 'early' "
    "AND arrears_paid_on IS NOT NULL AND commitment_received_on IS NOT NULL) "
    "OR (status = 'expired' AND removal_kind = 'expiry' AND removed_on >= expires_on) "
    "OR (status = 'revoked' AND removal_kind IS NULL)"
)
OLD_REMOVAL = (
    "status = 'listed' OR (removed_on IS NOT NULL AND removal_reason IS NOT NULL "
    "AND removal_document IS NOT NULL AND removed_at IS NOT NULL)"
)
OLD_REMOVAL_KIND = (
    "(status = 'listed' AND removal_kind IS NULL AND removed_on IS NULL) "
    "OR (status = 'removed' AND removal_kind = 'early' "
    "AND arrears_paid_on IS NOT NULL AND commitment_received_on IS NOT NULL) "
    "OR (status = 'expired' AND removal_kind = 'expiry' AND removed_on >= expires_on)"
)


def _replace_check(name: str, condition: str) -> None:
    op.drop_constraint(op.f(f"ck_{TABLE}_{name}"), TABLE, type_="check")
    op.create_check_constraint(op.f(f"ck_{TABLE}_{name}"), TABLE, condition)


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("verified_by", sa.Uuid(), nullable=True))
    op.add_column(TABLE, sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.create_foreign_key(
        op.f(f"fk_{TABLE}_verified_by_users"), TABLE, "users", ["verified_by"], ["id"]
    )
    op.alter_column(TABLE, "credit_record_id", nullable=True)
    op.execute(GUARD)  # the backfill below is a change the old guard refuses for ended listings
    # Listings before this revision were verified when entered, by the reviewer who entered
    # them: verified then, by no second person (verified_by stays NULL).
    op.execute("ALTER TABLE blacklist_entries DISABLE TRIGGER blacklist_entries_guard")
    op.execute("UPDATE blacklist_entries SET verified_at = created_at")
    op.execute("ALTER TABLE blacklist_entries ENABLE TRIGGER blacklist_entries_guard")
    op.create_check_constraint(op.f(f"ck_{TABLE}_verified"), TABLE, VERIFIED)
    op.create_check_constraint(
        op.f(f"ck_{TABLE}_two_person"),
        TABLE,
        "verified_by IS NULL OR listed_by IS NULL OR verified_by <> listed_by",
    )
    _replace_check("removal", REMOVAL)
    _replace_check("removal_kind", REMOVAL_KIND)
    op.create_index(
        "uq_blacklist_entries_credit_record_id", TABLE, ["credit_record_id"], unique=True
    )
    # grading reads which listings ended before a cycle from this index alone (`grading.facts`)
    op.create_index(
        "ix_blacklist_entries_period",
        TABLE,
        ["employer_id", "listed_on"],
        postgresql_include=["removed_on", "expires_on"],
    )
    op.drop_index("ix_blacklist_entries_employer_id", table_name=TABLE)


def downgrade() -> None:
    # 0014 has no draft and no revoked listing: refuse rather than invent a record or an end.
    op.execute(
        "DO $$ BEGIN IF EXISTS (SELECT 1 FROM blacklist_entries "
        "WHERE status IN ('draft', 'revoked')) THEN RAISE EXCEPTION 'draft or revoked "
        "wage-arrears listings exist: 0014 cannot hold them'; END IF; END $$"
    )
    op.create_index("ix_blacklist_entries_employer_id", TABLE, ["employer_id"])
    op.drop_index("ix_blacklist_entries_period", table_name=TABLE)
    op.drop_index("uq_blacklist_entries_credit_record_id", table_name=TABLE)
    _replace_check("removal_kind", OLD_REMOVAL_KIND)
    _replace_check("removal", OLD_REMOVAL)
    op.drop_constraint(op.f(f"ck_{TABLE}_two_person"), TABLE, type_="check")
    op.drop_constraint(op.f(f"ck_{TABLE}_verified"), TABLE, type_="check")
    op.execute(OLD_GUARD)
    op.alter_column(TABLE, "credit_record_id", nullable=False)
    op.drop_constraint(op.f(f"fk_{TABLE}_verified_by_users"), TABLE, type_="foreignkey")
    op.drop_column(TABLE, "verified_at")
    op.drop_column(TABLE, "verified_by")
