"""Who is logged in: a plain value rebuilt from the database on every page run."""

from __future__ import annotations

from dataclasses import dataclass

from app.utils.enums import Role


@dataclass(frozen=True)
class Identity:
    account_id: int
    username: str
    display_name: str
    role: str
    auth_source: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def label(self) -> str:
        return self.display_name or self.username
