"""intake batch audit: the digest of the credit records one intake batch wrote, which the batch's
one audit event records and the verification recomputes, and the index that finds the batch
event of a record (issue 16 §4)

Revision ID: 0031_intake_batch_audit
Revises: 0030_reports
Create Date: 2026-12-01 21:30:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031_intake_batch_audit"
down_revision: str | None = "0030_reports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Art 8. The records one intake batch created verified have ids sharing a 96-bit prefix
# (app.records.service.batch_ids) and nothing else lies between the first and the last: the
# batch's audit event names them by that range, their count and this digest, in id order. Each
# row is the JSON array of every column a verified record keeps for good (its identity, its
# content, who collected and verified it, when), as jsonb prints it: every string quoted and
# escaped, NULL as null, dates ISO, amounts at their stored scale, instants in UTC (never the
# session's time zone). Left out: what the record's lawful life changes, each change audited by
# an event of its own (status, superseded_by_id, the revocation's columns, updated_at). Rows are
# joined by a newline, which no row's text holds.
RECORDS_DIGEST = """
CREATE FUNCTION credit_records_digest(first_id uuid, last_id uuid,
  OUT written bigint, OUT digest text)
LANGUAGE sql STABLE AS $$
  SELECT count(*),
         encode(sha256(convert_to(coalesce(string_agg(jsonb_build_array(
           1, c.id, c.record_key, c.version, c.revision, c.employer_id, c.category, c.source,
           c.kind, c.occurred_date, c.title, c.description, c.issuing_authority,
           c.issuing_authority_uscc, c.decision_number, c.violation_type, c.violation_facts,
           c.legal_basis, c.penalty_category, c.penalty_content, c.fine_amount, c.decision_date,
           c.penalty_valid_until, c.data_source_unit, c.data_source_unit_uscc, c.remarks,
           c.punished, c.serious_conditions, c.severity, c.publication_end_date, c.in_catalogue,
           c.rectification_ordered_date, c.rectified_date, c.penalty_performed_date,
           c.supersedes_id, c.correction_reason, c.collected_by, c.verified_by,
           to_char(c.verified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
           to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
         )::text, E'\\n' ORDER BY c.id), ''), 'UTF8')), 'hex')
  FROM credit_records c WHERE c.id BETWEEN $1 AND $2
$$
"""

# A record's batch event: the batch whose first id is the greatest not above the record's.
BATCH_INDEX = """
CREATE INDEX ix_audit_events_records_written ON audit_events
  ((CAST(changes #>> '{records_written,new,first_id}' AS uuid)))
  WHERE changes ? 'records_written'
"""


def upgrade() -> None:
    op.execute(RECORDS_DIGEST)
    op.execute(BATCH_INDEX)


def downgrade() -> None:
    # Batch events written since cannot be checked below this revision: refuse.
    op.execute(
        """
        DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM audit_events WHERE changes ? 'records_written') THEN
            RAISE EXCEPTION 'intake batch audit events exist: the records they name cannot be '
              'verified below 0031_intake_batch_audit (Art 8)';
          END IF;
        END
        $$
        """
    )
    op.execute("DROP INDEX ix_audit_events_records_written")
    op.execute("DROP FUNCTION credit_records_digest(uuid, uuid)")
