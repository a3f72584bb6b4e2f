"""Enums whose every value carries its Chinese and English label (the API's vocabularies).

A member is written `dishonesty = "dishonesty", "失信信息", "dishonesty information", "失信"`:
the code (what the API and the database hold), its Chinese label, its English label, then any
other words a clerk may write for it in an import file. A member without both labels is a
TypeError when the module is imported, so no value can be added unlabelled.

The OpenAPI schema of each enum lists its values as "code — 中文 / English" in its description
and in `x-enum-descriptions` (one entry per value, in the order of `enum`), for the front-end
teams' drop-downs; `GET /api/v1/vocabularies` answers the same labels as data.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Self

from pydantic import GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

# Ignored when a clerk's text is matched to a value: "Written Review", "written_review" and
# "written-review" are one value; so are "失信 信息" and "失信信息".
_IGNORED = frozenset(" \t\r\n\u00a0\u3000_-")


def folded(text: str) -> str:
    """`text` as compared with codes and labels: NFKC (full-width to half-width), case-folded,
    without spaces, underscores or hyphens."""
    return "".join(
        ch for ch in unicodedata.normalize("NFKC", text).casefold() if ch not in _IGNORED
    )


class LabelledEnum(StrEnum):
    zh: str
    en: str
    aliases: tuple[str, ...]

    # `*labels`, not `zh, en, *aliases`: after the class is made, `Role("admin")` looks a
    # member up by its code, and type checkers read that call against this signature.
    def __new__(cls, value: str, *labels: str) -> LabelledEnum:
        if len(labels) < 2 or not all(labels[:2]):
            raise TypeError(f"{cls.__name__}.{value}: give its Chinese and English labels")
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh, member.en, *aliases = labels
        member.aliases = tuple(aliases)
        return member

    def names(self) -> tuple[str, ...]:
        """Every text that means this value: code, labels, aliases."""
        return (self.value, self.zh, self.en, *self.aliases)

    @classmethod
    def matching(cls, text: str) -> Self | None:
        """The value `text` names (its code, a label or an alias, spaced and cased as typed)."""
        wanted = folded(text)
        return next((m for m in cls if any(folded(n) == wanted for n in m.names())), None)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        listing = "\n".join(f"- `{m.value}` — {m.zh} / {m.en}" for m in cls)
        intro = target.get("description")
        target["description"] = f"{intro}\n\n{listing}" if intro else listing
        target["x-enum-descriptions"] = [f"{m.zh} / {m.en}" for m in cls]
        return schema
