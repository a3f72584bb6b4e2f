"""Failed sign-ins, counted per client address and per (address, username): what slows password
guessing without letting a stranger lock anyone out (app/accounts/throttle.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


class SignInFailures(SQLModel, table=True):
    __tablename__ = "sign_in_failures"

    # sha256 of what is counted: the address, or the address and the name typed (a name may be
    # a password typed in the wrong box, so it is never kept as text)
    key: str = Field(primary_key=True, max_length=64)
    failures: int
    window_started_at: datetime = Field(sa_type=sa.DateTime(timezone=True), index=True)
    blocked_until: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
