"""The role vocabulary. Platform roles belong to provider staff; company roles to a company's people."""
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    TRAINER = "trainer"
    EXECUTIVE = "executive"
    ORG_ADMIN = "org_admin"
    EMPLOYEE = "employee"


PLATFORM_ROLES = frozenset({Role.ADMIN, Role.TRAINER})
COMPANY_ROLES = frozenset({Role.EXECUTIVE, Role.ORG_ADMIN, Role.EMPLOYEE})
