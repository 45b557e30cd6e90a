"""The permission table as the issue states it: each role and what it may do."""

from __future__ import annotations

import pytest

from gis.roles import PERMISSIONS, PUBLIC, TOKEN_ROLES, Permission, Reader, Role

# From the issue: planner reads all but confidential sale data and edits plan data;
# developer_company reads sale data and edits sale status; admin does everything.
EXPECTED = {
    Role.PUBLIC: set(),
    Role.PLANNER: {Permission.EDIT_PLAN},
    Role.DEVELOPER_COMPANY: {Permission.READ_CONFIDENTIAL, Permission.EDIT_SALE},
    Role.ADMIN: set(Permission),
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_exactly_its_permissions(role):
    reader = Reader(role, "x")
    assert {p for p in Permission if reader.may(p)} == EXPECTED[role]
    assert PERMISSIONS[role] == EXPECTED[role]


def test_public_is_the_reader_without_a_token():
    assert not PUBLIC.authenticated and PUBLIC.name is None
    assert Reader(Role.PLANNER, "p").authenticated


def test_only_non_public_roles_can_be_given_to_tokens():
    assert set(TOKEN_ROLES) == {"planner", "developer_company", "admin"}
