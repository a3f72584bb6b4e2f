"""Chinese first, English on request: the two languages a message is written in, and which one a
request reads (`Accept-Language`; Chinese when it names neither)."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Literal, NamedTuple

Language = Literal["zh", "en"]
DEFAULT: Language = "zh"

_language: ContextVar[Language] = ContextVar("language", default=DEFAULT)


class Text(NamedTuple):
    """One message in both languages; `say` picks the one the request reads."""

    zh: str
    en: str

    def in_(self, language: Language) -> str:
        return self.en if language == "en" else self.zh


def negotiate(accept_language: str | None) -> Language:
    """The first of zh/en by the header's q-values (RFC 9110 §12.5.4); Chinese otherwise."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("zh", "en"):
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        candidate = (-q, position, "en" if primary == "en" else "zh")
        if best is None or candidate < best:
            best = candidate  # type: ignore[assignment]
    return best[2] if best else DEFAULT


def use(language: Language) -> None:
    """Set the language of the running request (the request middleware calls it)."""
    _language.set(language)


def current() -> Language:
    return _language.get()


def say(text: Text | str) -> str:
    """The message in the running request's language (a plain str is the same in both)."""
    return text.in_(current()) if isinstance(text, Text) else text
