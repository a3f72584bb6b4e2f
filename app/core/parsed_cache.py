"""A small process-wide cache of parsed database content, kept by what identifies the content
(its row's id, version and a digest the database computes), newest use last, the oldest dropped
beyond `size`: for rows read on every request whose parsing costs more than reading their key
(rule set versions, measures catalogues). Keyed by content, so one process serving several
databases (the test suite) or an edited row never gets another's parse."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

Key = TypeVar("Key")
Parsed = TypeVar("Parsed")


class ParsedCache(Generic[Key, Parsed]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[Key, Parsed] = OrderedDict()

    def get(self, key: Key) -> Parsed | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def keep(self, key: Key, parsed: Parsed) -> None:
        self._kept[key] = parsed
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
