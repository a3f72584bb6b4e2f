"""audit anchors: audit events hashed over canonical JSON (digest version 2; the events written
before keep version 1 and verify under it), and the digest of the evaluations one grading
statement wrote, which the audit event of that statement records and the verification recomputes

Revision ID: 0020_audit_anchors
Revises: 0019_sessions_keys
Create Date: 2026-12-01 13:10:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020_audit_anchors"
down_revision: str | None = "0019_sessions_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Art 8. Version 1 (migration 0001) joins the fields with '|' and reads NULL as '': text could
# move across a field boundary ('a|b' + 'c' = 'a' + 'b|c') and an empty value pass for a missing
# one. Version 2 hashes a JSON array of the fields, its text as jsonb prints it (one spelling for
# each value): every string quoted and escaped, NULL as null, `changes` canonical.
AUDIT_DIGEST_V2 = """
CREATE FUNCTION audit_event_digest_v2(prev text, e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(
    2, prev, e.seq, e.id,
    to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
    e.actor_type, e.actor_id, e.actor_name, e.action,
    e.resource_type, e.resource_id, e.changes, e.request_id
  )::text, 'UTF8')), 'hex')
$$
"""

# What the verification recomputes: each event under the digest it was written with (NULL for a
# version nobody wrote, which never matches).
AUDIT_HASH = """
CREATE FUNCTION audit_event_hash(prev text, e audit_events) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE e.digest_version
    WHEN 1 THEN audit_event_digest(prev, e)
    WHEN 2 THEN audit_event_digest_v2(prev, e)
  END
$$
"""

# The chain trigger of 0001, now writing version 2 whatever the writer sent.
AUDIT_CHAIN_V2 = """
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7310003);
  NEW.seq := nextval(pg_get_serial_sequence('audit_events', 'seq'));
  SELECT hash INTO last_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.digest_version := 2;
  NEW.hash := audit_event_digest_v2(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$
"""

AUDIT_CHAIN_V1 = """
CREATE OR REPLACE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7310003);
  NEW.seq := nextval(pg_get_serial_sequence('audit_events', 'seq'));
  SELECT hash INTO last_hash FROM audit_events ORDER BY seq DESC LIMIT 1;
  NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
  NEW.hash := audit_event_digest(NEW.prev_hash, NEW);
  RETURN NEW;
END
$$
"""

# The evaluations one grading statement wrote have ids sharing a 96-bit prefix (a statement's
# UUIDv7s, see app.core.db.ordered_ids) and nothing else lies between its first and last: the
# statement's audit event names them by that range, their count, what all of them share (cycle,
# origin, rule set version, grading run) and this digest of what grading wrote in each, in id
# order. Each row in a self-delimiting binary form: fixed-width ids, the two one-letter grades
# as their code points (0 for an empty one), arrays in their binary form (lengths included; the
# rule ids are ASCII, the same bytes in any client encoding), a byte for NULL or not. What a
# grade's later life changes (status, deadlines, supersession) is not in it. Kept to a few cheap
# operations per row: a grading run digests every evaluation it writes. Read by an index range
# scan, already in id order (a sorted subquery feeds the aggregate).
EVALUATIONS_DIGEST = """
CREATE FUNCTION evaluations_digest(
  first_id uuid, last_id uuid, cycle int, origin text, rule_set_version int, grading_run_id uuid,
  OUT written bigint, OUT strays bigint, OUT digest text)
LANGUAGE sql STABLE AS $$
  SELECT count(*),
         count(*) FILTER (WHERE (v.cycle, v.origin, v.rule_set_version, v.grading_run_id)
                                IS DISTINCT FROM ($3, $4, $5, $6)),
         encode(sha256(coalesce(string_agg(
           uuid_send(v.id) || uuid_send(v.employer_id)
           || int8send(CAST(ascii(v.grade) AS bigint) << 32 | ascii(v.computed_grade))
           || array_send(v.fired_rules)
           || coalesce('\\x01'::bytea || array_send(v.evidence_counts), '\\x00'::bytea)
           || coalesce('\\x01'::bytea || array_send(v.evidence_ids), '\\x00'::bytea)
           || coalesce('\\x01'::bytea || uuid_send(v.supersedes_id), '\\x00'::bytea),
           ''::bytea), ''::bytea)), 'hex')
  FROM (SELECT * FROM evaluations WHERE id BETWEEN $1 AND $2 ORDER BY id) v
$$
"""


def upgrade() -> None:
    # The events written so far keep version 1 (they were hashed so); the trigger writes 2.
    op.execute("ALTER TABLE audit_events ADD COLUMN digest_version smallint NOT NULL DEFAULT 1")
    op.execute("ALTER TABLE audit_events ALTER COLUMN digest_version DROP DEFAULT")
    op.execute(AUDIT_DIGEST_V2)
    op.execute(AUDIT_HASH)
    op.execute(AUDIT_CHAIN_V2)
    op.execute(EVALUATIONS_DIGEST)


def downgrade() -> None:
    # Version-2 events cannot be checked by version 1: refuse rather than leave them unverifiable.
    op.execute(
        """
        DO $$
        BEGIN
          IF EXISTS (SELECT 1 FROM audit_events WHERE digest_version <> 1) THEN
            RAISE EXCEPTION 'audit events of digest version 2 exist: the trail written since '
              '0020_audit_anchors cannot be verified below it (Art 8)';
          END IF;
        END
        $$
        """
    )
    op.execute("DROP FUNCTION evaluations_digest(uuid, uuid, int, text, int, uuid)")
    op.execute(AUDIT_CHAIN_V1)
    op.execute("DROP FUNCTION audit_event_hash(text, audit_events)")
    op.execute("DROP FUNCTION audit_event_digest_v2(text, audit_events)")
    op.execute("ALTER TABLE audit_events DROP COLUMN digest_version")
