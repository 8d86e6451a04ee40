"""The permission matrix: what each team role may do. docs/permissions.md is the same table
in prose, and a test keeps the two identical."""

from enum import StrEnum

from accounts.models import Role


class Perm(StrEnum):
    VIEW = "view"
    REVIEW = "review"
    AUTHOR = "author"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_OWNERS = "manage_owners"
    MANAGE_TEAMS = "manage_teams"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_AUDIT = "view_audit"


_READ = {Perm.VIEW, Perm.REVIEW}
_AUTHOR = _READ | {Perm.AUTHOR}
_ADMIN = _AUTHOR | {
    Perm.MANAGE_MEMBERS,
    Perm.MANAGE_TEAMS,
    Perm.MANAGE_INTEGRATIONS,
    Perm.MANAGE_SETTINGS,
    Perm.VIEW_AUDIT,
}

MATRIX: dict[str, frozenset[Perm]] = {
    Role.OWNER: frozenset(_ADMIN | {Perm.MANAGE_OWNERS}),
    Role.ADMIN: frozenset(_ADMIN),
    Role.RECRUITER: frozenset(_AUTHOR),
    Role.HIRING_MANAGER: frozenset(_READ),
}


def role_can(role: str, perm: Perm) -> bool:
    return perm in MATRIX.get(role, frozenset())
