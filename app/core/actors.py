"""Who is acting: a staff or employer user, a machine client, the system itself, or the public."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from app.models.client import ClientSource
from app.models.user import Role


@dataclass(frozen=True)
class Actor:
    kind: str  # "user", "client", "system" or "public"
    id: uuid.UUID | None = None
    name: str | None = None
    role: Role | None = None
    employer_id: uuid.UUID | None = None
    source: ClientSource | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    trusted: bool = False  # a machine client whose intake records arrive verified
    request_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


PUBLIC = Actor(kind="public")


def system(name: str = "system", request_id: str | None = None) -> Actor:
    return Actor(kind="system", name=name, request_id=request_id)
