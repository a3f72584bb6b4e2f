"""grading: rule sets (seeded with the national criteria and Art 13), evaluations, grading runs,
credit-event consumers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 08:49:10.750176+00:00
"""

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NATIONAL = "人社部规〔2016〕1号 第七条"
LOCAL = "文水县人社局信用分级分类监管办法（文人社字〔2022〕46号）"


def _rule(rule_id: str, grade: str, citation: str, description: str, when: dict | None) -> dict:
    return {
        "rule_id": rule_id,
        "grade": grade,
        "citation": citation,
        "description": description,
        "when": when,
    }


# Version 1 (docs/law.md §3): the national criteria, which Shanxi's standard implements, plus
# Art 13. Frozen here as data: later versions are added through the API, never by editing this.
DEFAULT_RULES = [
    _rule(
        "C.punished_threshold",
        "C",
        f"{NATIONAL}第三项第1目; {LOCAL} 第九条",
        "{cycle}年度因劳动保障违法行为被查处{count}次（{threshold}次以上评为C级）",
        {"fact": "punished_count", "at_least": "punished_threshold"},
    ),
    _rule(
        "C.group_incident",
        "C",
        f"{NATIONAL}第三项第2目; {LOCAL} 第九条",
        "{cycle}年度因劳动保障违法行为引发群体性事件、极端事件或造成严重不良社会影响",
        {"fact": "group_incident", "at_least": None},
    ),
    _rule(
        "C.child_or_forced_labour",
        "C",
        f"{NATIONAL}第三项第3目; {LOCAL} 第九条",
        "{cycle}年度因使用童工、强迫劳动等严重劳动保障违法行为被查处",
        {"fact": "child_or_forced_labour", "at_least": None},
    ),
    _rule(
        "C.refused_to_perform",
        "C",
        f"{NATIONAL}第三项第4目; {LOCAL} 第九条",
        "{cycle}年度拒不履行劳动保障监察限期整改指令、行政处理决定或者行政处罚决定",
        {"fact": "refused_to_perform", "at_least": None},
    ),
    _rule(
        "C.obstructed_inspection",
        "C",
        f"{NATIONAL}第三项第5目; {LOCAL} 第九条",
        "{cycle}年度无理抗拒、阻挠人力资源社会保障行政部门实施劳动保障监察",
        {"fact": "obstructed_inspection", "at_least": None},
    ),
    _rule(
        "C.criminal_liability",
        "C",
        f"{NATIONAL}第三项第6目; {LOCAL} 第九条",
        "{cycle}年度因劳动保障违法行为被追究刑事责任",
        {"fact": "criminal_liability", "at_least": None},
    ),
    _rule(
        "C.wage_arrears_list",
        "C",
        f"{LOCAL} 第十三条; 人社部令第45号",
        "截至{cycle}年末列入拖欠农民工工资失信联合惩戒对象名单",
        {"fact": "wage_arrears_list", "at_least": None},
    ),
    _rule(
        "B.punished",
        "B",
        f"{NATIONAL}第二项; {LOCAL} 第九条",
        "{cycle}年度因劳动保障违法行为被查处{count}次，无C级情形",
        {"fact": "punished_count", "at_least": None},
    ),
    _rule(
        "B.art17_rectified",
        "B",
        f"{LOCAL} 第十七条",
        "C级单位已纠正违法行为并履行行政处罚决定（{count}项），评价周期满后调整信用等级",
        {"fact": "rectified_count", "at_least": None},
    ),
    _rule(
        "A.no_punishment",
        "A",
        f"{NATIONAL}第一项; {LOCAL} 第九条",
        "{cycle}年度未因劳动保障违法行为被查处",
        None,
    ),
]
DEFAULT_PARAMETERS = {
    "punished_threshold": 3,
    "notice_window_working_days": 5,
    "art17_working_days": 5,
}

# Art 18, docs/law.md §10: two versions never apply on the same day.
NO_OVERLAP = (
    "ALTER TABLE rule_sets ADD CONSTRAINT ex_rule_sets_effective_no_overlap EXCLUDE USING gist "
    "(daterange(effective_from, effective_to, '[]') WITH &&)"
)

# A version that produced an evaluation is frozen: only closing its open end (superseding it by
# a newer version) and its description may change; it is never deleted.
RULE_SETS_GUARD = """
CREATE FUNCTION rule_sets_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  open_cols text[] := ARRAY['effective_to', 'description', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rule sets are never deleted: version % refused', OLD.version
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - open_cols) IS DISTINCT FROM (to_jsonb(OLD) - open_cols)
     AND EXISTS (SELECT 1 FROM evaluations WHERE rule_set_version = OLD.version) THEN
    RAISE EXCEPTION 'rule set version % is in use: supersede it with a new version', OLD.version
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$
"""

# Art 8, docs/law.md §3: a grade is kept (three years at least) and can be replayed: what it said
# and why never changes; only its lifecycle moves on (representation, decision, taking effect, being
# superseded), and a superseded evaluation is history that never changes again.
EVALUATIONS_GUARD = """
CREATE FUNCTION evaluations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  open_cols text[] := ARRAY['status', 'representation_deadline', 'representation',
                            'represented_at', 'represented_by', 'decision', 'decision_reason',
                            'decided_by', 'decided_at', 'effective_from', 'superseded_by',
                            'superseded_at', 'updated_at'];
BEGIN
  IF TG_OP <> 'UPDATE' THEN
    RAISE EXCEPTION 'evaluations are kept (Art 8): % refused', TG_OP
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF OLD.status = 'superseded' AND to_jsonb(NEW) <> to_jsonb(OLD) THEN
    RAISE EXCEPTION 'evaluation % is superseded: history never changes', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - open_cols) <> (to_jsonb(OLD) - open_cols) THEN
    RAISE EXCEPTION 'evaluation %: its grade and explanation never change; re-grade instead',
      OLD.id USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$
"""

# Employers are never deleted (Art 8: a deregistered unit keeps its status and its history), and
# an employer's id never changes. Enforced here because evaluations rely on it instead of a
# foreign key: `evaluations.employer_id` and `evaluations.rule_set_version` carry no FK, since a
# grading run of a million employers spent a third of its time in the per-row checks of those two
# keys. Both hold by construction: the one writer of grades (`grading.apply`) takes employer ids
# from the employers table and the rule-set version it validated in the same transaction, and
# neither side can disappear afterwards (this guard; `rule_sets_guard` refuses DELETE and any
# change of a version in use).
EMPLOYERS_GUARD = """
CREATE FUNCTION employers_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    RAISE EXCEPTION 'employer %: an id never changes', OLD.id
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RAISE EXCEPTION 'employers are never deleted (Art 8): % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "consumed_events",
        sa.Column("consumer", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "consumed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_consumed_events")),
    )
    op.create_table(
        "event_consumers",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_event_consumers")),
    )
    op.create_table(
        "rule_sets",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("parameters", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("rules", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
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
        sa.CheckConstraint("jsonb_typeof(rules) = 'array'", name=op.f("ck_rule_sets_rules_array")),
        sa.CheckConstraint(
            "effective_to IS NULL OR effective_to >= effective_from",
            name=op.f("ck_rule_sets_effective_dates"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_rule_sets_version_positive")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_rule_sets_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_rule_sets_version")),
    )
    op.create_table(
        "grading_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("employer_ids", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("counts", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("after_employer_id", sa.Uuid(), nullable=True),
        sa.Column("errors", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'finished', 'failed')",
            name=op.f("ck_grading_runs_status_known"),
        ),
        sa.CheckConstraint("done >= 0 AND total >= 0", name=op.f("ck_grading_runs_progress")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_grading_runs_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_set_version"],
            ["rule_sets.version"],
            name=op.f("fk_grading_runs_rule_set_version_rule_sets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grading_runs")),
    )
    op.create_index("ix_grading_runs_created", "grading_runs", ["created_at", "id"], unique=False)
    op.create_index(
        "uq_grading_runs_active",
        "grading_runs",
        ["cycle"],
        unique=True,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("employer_id", sa.Uuid(), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("computed_grade", sa.String(length=1), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=16), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("fired_rules", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("explanation", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("representation_deadline", sa.Date(), nullable=True),
        sa.Column("representation", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("represented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("represented_by", sa.Uuid(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("decision_reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_by", sa.Uuid(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grading_run_id", sa.Uuid(), nullable=True),
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
            "computed_grade IN ('A', 'B', 'C')", name=op.f("ck_evaluations_computed_grade_known")
        ),
        sa.CheckConstraint(
            "decision IS DISTINCT FROM 'change' OR decision_reason IS NOT NULL",
            name=op.f("ck_evaluations_change_reason"),
        ),
        sa.CheckConstraint("grade IN ('A', 'B', 'C')", name=op.f("ck_evaluations_grade_known")),
        sa.CheckConstraint(
            "status <> 'final' OR effective_from IS NOT NULL", name=op.f("ck_evaluations_final")
        ),
        sa.CheckConstraint(
            "status <> 'notice' OR (grade = 'C' AND representation_deadline IS NOT NULL)",
            name=op.f("ck_evaluations_notice"),
        ),
        sa.CheckConstraint(
            "status <> 'superseded' OR superseded_at IS NOT NULL",
            name=op.f("ck_evaluations_superseded"),
        ),
        sa.CheckConstraint(
            "status IN ('notice', 'final', 'superseded')", name=op.f("ck_evaluations_status_known")
        ),
        sa.CheckConstraint("cycle BETWEEN 2000 AND 2100", name=op.f("ck_evaluations_cycle_range")),
        sa.CheckConstraint(
            "decision IS NULL OR (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_evaluations_decided"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_evaluations_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["represented_by"], ["users.id"], name=op.f("fk_evaluations_represented_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["evaluations.id"],
            name=op.f("fk_evaluations_superseded_by_evaluations"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["evaluations.id"],
            name=op.f("fk_evaluations_supersedes_id_evaluations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
    )
    op.create_index(
        "ix_evaluations_employer",
        "evaluations",
        ["employer_id", "cycle", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_evaluations_notice_deadline",
        "evaluations",
        ["representation_deadline"],
        unique=False,
        postgresql_where=sa.text("status = 'notice'"),
    )
    op.create_index(
        "uq_evaluations_current",
        "evaluations",
        ["employer_id", "cycle"],
        unique=True,
        postgresql_where=sa.text("status IN ('notice', 'final')"),
    )
    # The facts of a slice of employers, read by an index-only range scan (grading.facts).
    op.create_index(
        "ix_credit_records_grading",
        "credit_records",
        ["employer_id", "id"],
        unique=False,
        postgresql_include=[
            "punished",
            "serious_conditions",
            "kind",
            "decision_date",
            "occurred_date",
            "rectified_date",
            "penalty_performed_date",
        ],
        postgresql_where=sa.text(
            "status = 'verified' AND (punished OR serious_conditions <> '{}' "
            "OR kind = 'wage_arrears_listing')"
        ),
    )
    op.execute(NO_OVERLAP)
    # Events written before grading existed are covered by the first yearly run, not replayed.
    op.execute(
        "INSERT INTO event_consumers (name, last_event_id) "
        "SELECT 'grading', coalesce(max(id), 0) FROM credit_events"
    )
    op.execute(RULE_SETS_GUARD)
    op.execute(EVALUATIONS_GUARD)
    op.execute(
        "CREATE TRIGGER evaluations_guard BEFORE UPDATE OR DELETE ON evaluations "
        "FOR EACH ROW EXECUTE FUNCTION evaluations_guard()"
    )
    op.execute(
        "CREATE TRIGGER evaluations_no_truncate BEFORE TRUNCATE ON evaluations "
        "FOR EACH STATEMENT EXECUTE FUNCTION evaluations_guard()"
    )
    op.execute(
        "CREATE TRIGGER rule_sets_guard BEFORE UPDATE OR DELETE ON rule_sets "
        "FOR EACH ROW EXECUTE FUNCTION rule_sets_guard()"
    )
    op.execute(EMPLOYERS_GUARD)
    op.execute(
        "CREATE TRIGGER employers_no_delete BEFORE DELETE ON employers "
        "FOR EACH ROW EXECUTE FUNCTION employers_guard()"
    )
    op.execute(
        "CREATE TRIGGER employers_no_truncate BEFORE TRUNCATE ON employers "
        "FOR EACH STATEMENT EXECUTE FUNCTION employers_guard()"
    )
    op.execute(
        "CREATE TRIGGER employers_id_fixed BEFORE UPDATE OF id ON employers "
        "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION employers_guard()"
    )
    rule_sets = sa.table(
        "rule_sets",
        sa.column("id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.Date()),
        sa.column("description", sa.String()),
        sa.column("parameters", postgresql.JSONB()),
        sa.column("rules", postgresql.JSONB()),
    )
    op.bulk_insert(
        rule_sets,
        [
            {
                "id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
                "version": 1,
                "effective_from": date(2022, 12, 26),
                "description": "国家标准（人社部规〔2016〕1号第七条）及文水县办法第十三条、第十七条",  # noqa: E501
                "parameters": DEFAULT_PARAMETERS,
                "rules": DEFAULT_RULES,
            }
        ],
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS employers_id_fixed ON employers")
    op.execute("DROP TRIGGER IF EXISTS employers_no_truncate ON employers")
    op.execute("DROP TRIGGER IF EXISTS employers_no_delete ON employers")
    op.execute("DROP FUNCTION IF EXISTS employers_guard()")
    op.execute("DROP TRIGGER IF EXISTS evaluations_no_truncate ON evaluations")
    op.execute("DROP TRIGGER IF EXISTS evaluations_guard ON evaluations")
    op.execute("DROP FUNCTION IF EXISTS evaluations_guard()")
    op.execute("DROP TRIGGER IF EXISTS rule_sets_guard ON rule_sets")
    op.execute("DROP FUNCTION IF EXISTS rule_sets_guard()")
    op.drop_index(
        "uq_evaluations_current",
        table_name="evaluations",
        postgresql_where=sa.text("status IN ('notice', 'final')"),
    )
    op.drop_index(
        "ix_evaluations_notice_deadline",
        table_name="evaluations",
        postgresql_where=sa.text("status = 'notice'"),
    )
    op.drop_index("ix_evaluations_employer", table_name="evaluations")
    op.drop_index("ix_credit_records_grading", table_name="credit_records")
    op.drop_table("evaluations")
    op.drop_index(
        "uq_grading_runs_active",
        table_name="grading_runs",
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.drop_index("ix_grading_runs_created", table_name="grading_runs")
    op.drop_table("grading_runs")
    op.drop_table("rule_sets")
    op.drop_table("event_consumers")
    op.drop_table("consumed_events")
