"""measures: the policies rule sets and measure sets implement (Art 18), and the measures
catalogue by grade (Art 11-13, 人社部令第45号), seeded with docs/law.md §4

Revision ID: 0028_measures
Revises: 0029_inspection_plans
Create Date: 2026-12-01 21:00:00+00:00
"""

import uuid
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028_measures"
down_revision: str | None = "0029_inspection_plans"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
# app.models.policy.WENSHUI_2022: the policy rule set version 1 implements
WENSHUI_2022 = "00000000-0000-4000-8000-0000000000a1"
LOCAL = "文水县人社局信用分级分类监管办法（文人社字〔2022〕46号）"
WAGE_ARREARS = "人社部令第45号《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》"
RELATED = "就相关联的事项 / on related matters"


def _measure(
    measure_id: str, applies_to: str, kind: str, citation: str, zh: str, en: str,
    scope: str | None = None,
) -> dict:  # fmt: skip
    return {
        "measure_id": measure_id, "applies_to": applies_to, "kind": kind, "citation": citation,
        "scope": scope, "text_zh": zh, "text_en": en,
    }  # fmt: skip


LAWFUL = "在法定权限范围内 / within the statutory powers"
# Version 1 (docs/law.md §4): Art 11-13 and the joint punishment of listed units. Frozen here as
# data: later versions are added through the API (POST /api/v1/measure-sets).
DEFAULT_MEASURES = [
    _measure("A.patrol_exempt", "A", "rewards", f"{LOCAL} 第十一条第（一）项",
             "免于日常巡视检查", "exempt from routine patrol inspection", LAWFUL),
    _measure("A.award_priority", "A", "rewards", f"{LOCAL} 第十一条第（二）项",
             "优先取得与人力资源和社会保障工作有关的评先、评优资格",
             "priority for HR-and-social-security awards", LAWFUL),
    _measure("A.policy_support", "A", "rewards", f"{LOCAL} 第十一条第（三）项",
             "同等条件下，优先给予就业、职业培训、人才、社保、劳动关系等政策支持",
             "other things equal, priority for employment, training, talent, social-insurance "
             "and labour-relations policy support", LAWFUL),
    _measure("A.other_incentives", "A", "rewards", f"{LOCAL} 第十一条第（四）项",
             "国家和本市规定的其他激励措施", "other incentives of national and city rules",
             LAWFUL),
    _measure("B.more_patrols", "B", "restricts", f"{LOCAL} 第十二条第（一）项",
             "适当增加日常巡视检查频次", "more frequent routine patrol inspection"),
    _measure("B.legal_guidance", "B", "guides", f"{LOCAL} 第十二条第（二）项",
             "加强劳动保障法律、法规、规章的宣传指导，帮助其改进劳动用工管理，提升信用等级",
             "guidance on labour-security law to improve its employment practice and its grade"),
    _measure("B.credit_statement", "B", "guides", f"{LOCAL} 第十二条第（三）项",
             "参加各类评比表彰活动及公司上市审核等时，对近1年内信用情况评审后出具说明",
             "for awards and listing (IPO) reviews, a statement issued after reviewing its "
             "credit of the past year"),
    _measure("C.key_supervision", "C", "restricts", f"{LOCAL} 第十三条第（一）项",
             "列为日常监管重点对象，强化日常巡视检查",
             "a key target of routine supervision, with stronger patrol inspection", RELATED),
    _measure("C.interview", "C", "restricts", f"{LOCAL} 第十三条第（二）项",
             "对主要负责人、直接责任人进行约谈，督促其遵守人社法律法规，约谈情况记入用人单位信用记录",
             "an interview of the principal and the directly responsible persons, entered in "
             "the unit's credit record", RELATED),
    _measure("C.award_refused", "C", "restricts", f"{LOCAL} 第十三条第（三）项",
             "在与人力资源和社会保障工作有关的评先、评优资格评价时，不予通过",
             "fails the review for HR-and-social-security awards", RELATED),
    _measure("C.no_compliance_confirmation", "C", "restricts", f"{LOCAL} 第十三条第（四）项",
             "限制出具各类确认遵守劳动保障法律法规情况的书面文件",
             "no written confirmations of compliance with labour-security law", RELATED),
    _measure("wage_arrears.joint_punishment", "wage_arrears_list", "restricts",
             f"{LOCAL} 第十三条第二款; {WAGE_ARREARS}",
             "按照法律法规规定进行联合惩戒：在政府资金支持、政府采购、招投标、融资贷款、市场准入、"
             "税收优惠、评优评先、交通出行等方面依法依规予以限制",
             "joint punishment as the law provides: restrictions in government funding, public "
             "procurement, tendering, financing, market access, tax incentives, awards and "
             "travel"),
]  # fmt: skip

NO_OVERLAP = (
    "ALTER TABLE measure_sets ADD CONSTRAINT ex_measure_sets_effective_no_overlap EXCLUDE USING "
    "gist (daterange(effective_from, effective_to, '[]') WITH &&)"
)

# There is no edit: a version is only closed by a newer one (its open end, once) and never
# deleted, so what a unit was told its grade meant can always be shown again.
MEASURE_SETS_GUARD = """
CREATE FUNCTION measure_sets_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  open_cols text[] := ARRAY['effective_to', 'updated_at'];
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'measure sets are never deleted: version % refused', OLD.version
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF (to_jsonb(NEW) - open_cols) IS DISTINCT FROM (to_jsonb(OLD) - open_cols)
     OR (OLD.effective_to IS NOT NULL AND NEW.effective_to IS DISTINCT FROM OLD.effective_to) THEN
    RAISE EXCEPTION 'measure set version % is frozen: supersede it with a new version',
      OLD.version USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "policies",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("document_number", sqlmodel.sql.sqltypes.AutoString(length=100),
                  nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("succeeds_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= valid_from",
                           name=op.f("ck_policies_validity")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_policies_created_by_users")),
        sa.ForeignKeyConstraint(["succeeds_id"], ["policies.id"],
                                name=op.f("fk_policies_succeeds_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policies")),
        sa.UniqueConstraint("document_number", name=op.f("uq_policies_document_number")),
    )  # fmt: skip
    op.create_table(
        "policy_extensions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("document", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_policy_extensions_created_by_users")),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"],
                                name=op.f("fk_policy_extensions_policy_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_extensions")),
    )  # fmt: skip
    op.create_index("ix_policy_extensions_policy", "policy_extensions",
                    ["policy_id", "created_at"])  # fmt: skip
    policies = sa.table(
        "policies",
        sa.column("id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("document_number", sa.String()),
        sa.column("valid_from", sa.Date()),
        sa.column("valid_until", sa.Date()),
    )
    op.bulk_insert(
        policies,
        [
            {
                "id": uuid.UUID(WENSHUI_2022),
                "name": "文水县用人单位劳动保障信用分级分类监管办法（试行）",
                "document_number": "文人社字〔2022〕46号",
                "valid_from": date(2022, 12, 26),
                "valid_until": date(2024, 12, 25),  # Art 18: two years
            }
        ],
    )
    # Filled by the default, which fires no row trigger: version 1 may be in use (frozen).
    op.add_column(
        "rule_sets",
        sa.Column("policy_id", sa.Uuid(), nullable=False,
                  server_default=sa.text(f"'{WENSHUI_2022}'")),
    )  # fmt: skip
    op.alter_column("rule_sets", "policy_id", server_default=None)
    op.create_foreign_key(
        op.f("fk_rule_sets_policy_id_policies"), "rule_sets", "policies", ["policy_id"], ["id"]
    )
    op.create_table(
        "measure_sets",
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effective_to", sa.Date(), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Uuid(), nullable=False),
        sa.Column("measures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", TS, server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("jsonb_typeof(measures) = 'array'",
                           name=op.f("ck_measure_sets_measures_array")),
        sa.CheckConstraint("effective_to IS NULL OR effective_to >= effective_from",
                           name=op.f("ck_measure_sets_effective_dates")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_measure_sets_version_positive")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name=op.f("fk_measure_sets_created_by_users")),
        sa.ForeignKeyConstraint(["policy_id"], ["policies.id"],
                                name=op.f("fk_measure_sets_policy_id_policies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measure_sets")),
        sa.UniqueConstraint("version", name=op.f("uq_measure_sets_version")),
    )  # fmt: skip
    op.execute(NO_OVERLAP)
    op.execute(MEASURE_SETS_GUARD)
    op.execute(
        "CREATE TRIGGER measure_sets_guard BEFORE UPDATE OR DELETE ON measure_sets "
        "FOR EACH ROW EXECUTE FUNCTION measure_sets_guard()"
    )
    measure_sets = sa.table(
        "measure_sets",
        sa.column("id", sa.Uuid()),
        sa.column("version", sa.Integer()),
        sa.column("effective_from", sa.Date()),
        sa.column("description", sa.String()),
        sa.column("policy_id", sa.Uuid()),
        sa.column("measures", postgresql.JSONB()),
    )
    op.bulk_insert(
        measure_sets,
        [
            {
                "id": uuid.UUID("00000000-0000-4000-8000-0000000000b1"),
                "version": 1,
                "effective_from": date(2022, 12, 26),
                "description": "文水县办法第十一条至第十三条及拖欠农民工工资失信联合惩戒",
                "policy_id": uuid.UUID(WENSHUI_2022),
                "measures": DEFAULT_MEASURES,
            }
        ],
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS measure_sets_guard ON measure_sets")
    op.execute("DROP FUNCTION IF EXISTS measure_sets_guard()")
    op.drop_table("measure_sets")
    op.drop_constraint(op.f("fk_rule_sets_policy_id_policies"), "rule_sets", type_="foreignkey")
    # dropping a column fires no row trigger (the rule sets' guard)
    op.drop_column("rule_sets", "policy_id")
    op.drop_index("ix_policy_extensions_policy", table_name="policy_extensions")
    op.drop_table("policy_extensions")
    op.drop_table("policies")
