"""Every value of every enum of the models has its Chinese and English label, and no two values
of one enum can be mistaken for each other when a clerk's text is matched to them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from enum import StrEnum

import pytest

import app.models
from app.models import vocabulary
from app.models.credit_record import RecordCategory, RecordKind, RecordSource, Severity
from app.models.labels import LabelledEnum, folded

CJK = re.compile(r"[\u4e00-\u9fff]")


def _all_str_enums() -> list[type[StrEnum]]:
    """Every StrEnum with values defined in a module of app.models (not the empty base)."""
    found = []
    for module_info in pkgutil.iter_modules(app.models.__path__):
        module = importlib.import_module(f"app.models.{module_info.name}")
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, StrEnum) and value.__module__ == module.__name__ and len(value):
                found.append(value)
    return found


STR_ENUMS = _all_str_enums()


def test_the_walk_finds_the_enums():
    names = {e.__name__ for e in STR_ENUMS}
    assert {"RecordCategory", "Severity", "Grade", "Role", "DayKind", "ImportStatus"} <= names
    assert len(STR_ENUMS) >= 30


@pytest.mark.parametrize("enum", STR_ENUMS, ids=lambda e: e.__name__)
def test_every_value_has_a_chinese_and_an_english_label(enum):
    assert issubclass(enum, LabelledEnum), f"{enum.__name__} is a plain StrEnum"
    for member in enum:
        assert CJK.search(member.zh), f"{enum.__name__}.{member.value}: zh {member.zh!r}"
        assert member.en and not CJK.search(member.en), f"{enum.__name__}.{member.value}"


@pytest.mark.parametrize("enum", STR_ENUMS, ids=lambda e: e.__name__)
def test_no_two_values_share_a_name(enum):
    owners: dict[str, str] = {}
    for member in enum:
        for name in {folded(n) for n in member.names()}:
            assert owners.setdefault(name, member.value) == member.value, (enum.__name__, name)


def test_every_enum_is_a_vocabulary():
    assert set(vocabulary.enums().values()) == set(STR_ENUMS)
    assert list(vocabulary.enums()) == sorted(vocabulary.enums())


def test_an_enum_value_without_both_labels_is_refused():
    with pytest.raises(TypeError, match="Chinese and English"):

        class Unlabelled(LabelledEnum):
            only_code = "only_code", "只有中文"


@pytest.mark.parametrize(
    ("enum", "text", "value"),
    [
        (RecordCategory, "失信", "dishonesty"),
        (RecordCategory, "失信信息", "dishonesty"),
        (RecordCategory, " Dishonesty ", "dishonesty"),
        (RecordCategory, "基础信息", "basic"),
        (RecordKind, "工资", "wages"),
        (RecordKind, "工资支付和最低工资", "wages"),
        (RecordSource, "Written Review", "written_review"),
        (RecordSource, "written-review", "written_review"),
        (RecordSource, "劳动保障监察", "inspection"),
        (RecordSource, "劳动争议仲裁", "arbitration"),
        (Severity, "严 重", "serious"),
        (Severity, "ＬＩＧＨＴ", "light"),  # full-width, as an IME may type it
    ],
)
def test_a_value_is_matched_by_its_code_labels_and_aliases(enum, text, value):
    assert enum.matching(text) == value


def test_an_unknown_text_matches_nothing():
    assert RecordCategory.matching("失信名单") is None
    assert RecordCategory.matching("") is None
