"""Who may do what: the roles a token carries and their permissions, as data."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PUBLIC = "public"  # no token
    PLANNER = "planner"
    DEVELOPER_COMPANY = "developer_company"
    ADMIN = "admin"


class Permission(StrEnum):
    READ_CONFIDENTIAL = "read_confidential"  # sale prices, buyers, option holders, dates
    EDIT_PLAN = "edit_plan"  # buildings' life, the plan's years
    EDIT_SALE = "edit_sale"  # parcels' sale status


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PUBLIC: frozenset(),
    Role.PLANNER: frozenset({Permission.EDIT_PLAN}),
    Role.DEVELOPER_COMPANY: frozenset({Permission.READ_CONFIDENTIAL, Permission.EDIT_SALE}),
    Role.ADMIN: frozenset(Permission),
}

# Roles a token can carry (public is the absence of one).
TOKEN_ROLES: tuple[str, ...] = tuple(r.value for r in Role if r is not Role.PUBLIC)


def allows(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


class Reader:
    """Who is asking: a token's name and role, or the public."""

    __slots__ = ("name", "role")

    def __init__(self, role: Role = Role.PUBLIC, name: str | None = None) -> None:
        self.role = role
        self.name = name

    def may(self, permission: Permission) -> bool:
        return allows(self.role, permission)

    @property
    def authenticated(self) -> bool:
        return self.role is not Role.PUBLIC

    def __repr__(self) -> str:
        return f"Reader({self.role.value!r}, {self.name!r})"


PUBLIC = Reader()
