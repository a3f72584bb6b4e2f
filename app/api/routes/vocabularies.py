"""The vocabularies (code → 中文 → English of every enum value): public reference data for the
front-end teams' drop-downs, the same for every caller, so no sign-in is needed."""

from __future__ import annotations

from app.api.routing import api_router
from app.core.errors import InvalidRequest, NotFound, problems
from app.core.i18n import Text
from app.models import vocabulary
from app.models.base import Page
from app.models.vocabulary import Vocabulary

router = api_router(prefix="/vocabularies", tags=["vocabularies"])


class VocabularyNotFound(NotFound):
    """Here, not in a service: the vocabularies are the models' own enums, nothing is stored."""

    slug = "vocabulary-not-found"
    title = Text("没有这个词表", "No such vocabulary")
    about = Text(
        "请求的词表名称不是本服务的任何枚举。",
        "The vocabulary named is none of the service's enums.",
    )
    remedy = Text(
        "GET /api/v1/vocabularies 列出所有词表及其名称。",
        "GET /api/v1/vocabularies lists every vocabulary with its name.",
    )

    def __init__(self, name: str) -> None:
        known = ", ".join(vocabulary.enums())
        super().__init__(
            Text(
                zh=f"没有名为“{name}”的词表；可用的词表：{known}",
                en=f"there is no vocabulary named {name!r}; the vocabularies are: {known}",
            ),
            name=name,
        )


@router.get(
    "",
    summary="全部词表 / Every vocabulary",
    description="Each enum of the API as `{name, values: [{code, zh, en}]}`: the code the API "
    "takes and answers, its Chinese and its English label; vocabularies in name order, values "
    "in the enum's order. The same labels are in each enum's OpenAPI schema (`description`, "
    "`x-enum-descriptions`). Public: no sign-in needed. One page holds them all "
    "(`next_cursor` is null), in the shape of every list.",
    responses=problems(InvalidRequest),
)
async def list_vocabularies() -> Page[Vocabulary]:
    """全部词表：每个枚举的代码及其中文、英文名称，按词表名称排序。"""
    return Page(items=vocabulary.vocabularies(), next_cursor=None)


@router.get(
    "/{name}",
    summary="查看一个词表 / One vocabulary",
    description="One enum's values with their labels, e.g. `record_category`, `severity`.",
    responses=problems(VocabularyNotFound, InvalidRequest),
)
async def get_vocabulary(name: str) -> Vocabulary:
    """一个枚举的全部取值及其中文、英文名称。"""
    enum = vocabulary.enums().get(name)
    if enum is None:
        raise VocabularyNotFound(name)
    return vocabulary.vocabulary(enum)
