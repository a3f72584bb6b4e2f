"""The vocabularies: every labelled enum of the models, by name, as `GET /api/v1/vocabularies`
answers them (code → 中文 → English), for the front-end teams' drop-downs."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from pydantic import BaseModel, Field

import app.models
from app.models.labels import LabelledEnum


class VocabularyValue(BaseModel):
    code: str = Field(description="what the API takes and answers", examples=["dishonesty"])
    zh: str = Field(description="中文名称", examples=["失信信息"])
    en: str = Field(description="English label", examples=["dishonesty information"])


class Vocabulary(BaseModel):
    name: str = Field(
        description="the enum's name in snake case (its OpenAPI schema is the CamelCase name)",
        examples=["record_category"],
    )
    values: list[VocabularyValue] = Field(description="in the enum's own order")


def name_of(enum: type[LabelledEnum]) -> str:
    """`RecordCategory` → `record_category`."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.__name__).lower()


@cache
def enums() -> dict[str, type[LabelledEnum]]:
    """Every labelled enum defined in app.models, by name, in name order."""
    for module in pkgutil.iter_modules(app.models.__path__):
        importlib.import_module(f"app.models.{module.name}")
    found: dict[str, type[LabelledEnum]] = {}
    pending = list(LabelledEnum.__subclasses__())
    while pending:
        enum = pending.pop()
        pending.extend(enum.__subclasses__())
        if enum.__module__.startswith("app.models."):
            found[name_of(enum)] = enum
    return dict(sorted(found.items()))


def vocabulary(enum: type[LabelledEnum]) -> Vocabulary:
    return Vocabulary(
        name=name_of(enum),
        values=[VocabularyValue(code=m.value, zh=m.zh, en=m.en) for m in enum],
    )


def vocabularies() -> list[Vocabulary]:
    return [vocabulary(enum) for enum in enums().values()]
