from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts import names
from lms.accounts.roles import COMPANY_ROLES, Role
from lms.db import OrgOwnedMixin, TimestampMixin
from lms.extensions import Model

if TYPE_CHECKING:
    from lms.orgs.models import Department, Organization


class User(UserMixin, TimestampMixin, Model):
    """A person. Company people carry `org_id`; provider staff (admin, trainer) do not.

    A person belongs to at most one company, so the company is fixed the
    moment the user is loaded (see `lms.tenancy`).
    """

    __tablename__ = "users"
    __table_args__ = (sa.Index("ix_users_org_id_name_key", "org_id", "name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("departments.id", ondelete="SET NULL"), index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    furigana: Mapped[str | None] = mapped_column(sa.String(100))
    # 五十音 order: kept equal to names.name_key(display_name, furigana) on every ORM write (see below).
    name_key: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    locale: Mapped[str] = mapped_column(sa.String(8), default="ja")
    # The opaque id xAPI statements carry instead of anything personal (lms.xapi), made on first use.
    xapi_id: Mapped[str | None] = mapped_column(sa.String(36), unique=True)
    # Overrides UserMixin.is_active: Flask-Login refuses a deactivated person.
    is_active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    # Which scheduled mails the person wants (one-click unsubscribe turns one off).
    notify_module_open: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_reminder: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    notify_digest: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # The calendar feed's secret, stored hashed like every other token; a new one revokes the old.
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    org: Mapped[Organization | None] = relationship()
    department: Mapped[Department | None] = relationship()
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    # The raw key of the session this object was loaded for (not a column): Flask-Login
    # keeps get_id() in the session and remember cookies, so both name a session row,
    # not the person, and die with it (lms.accounts.sessions).
    if TYPE_CHECKING:  # declared for mypy only: SQLAlchemy would try to map a run-time annotation
        session_key: str | None
    session_key = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"

    def get_id(self) -> str:
        if not self.session_key:
            raise RuntimeError("sign in through lms.accounts.sessions.open_session, which opens a session row")
        return str(self.session_key)

    # UserMixin compares get_id(), which is now per session: the same person is the same person.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, User):
            return self.id == other.id
        return NotImplemented

    __hash__ = object.__hash__
    @classmethod
    def name_order(cls) -> tuple[Any, ...]:
        """ORDER BY for every list of people: furigana (as hiragana) or name, then id for ties."""
        return (cls.name_key, cls.id)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r.role) for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def company_roles(self) -> frozenset[Role]:
        return self.roles & COMPANY_ROLES

    def set_roles(self, roles: Iterable[Role | str]) -> None:
        wanted = {Role(r) for r in roles}
        current = {Role(r.role): r for r in self.role_rows}
        for role, row in current.items():
            if role not in wanted:
                self.role_rows.remove(row)
        for role in wanted:
            if role not in current:
                self.role_rows.append(UserRole(role=role.value))

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)


@sa.event.listens_for(User, "before_insert")
@sa.event.listens_for(User, "before_update")
def _keep_name_key(_mapper: Any, _connection: Any, user: User) -> None:
    user.name_key = names.name_key(user.display_name, user.furigana)


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(16), primary_key=True)


class TrainerAssignment(OrgOwnedMixin, TimestampMixin, Model):
    """A trainer may work with the companies they are assigned to, and no others."""

    __tablename__ = "trainer_assignments"
    __table_args__ = (sa.UniqueConstraint("trainer_id", "org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trainer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)

    trainer: Mapped[User] = relationship()


class UserToken(TimestampMixin, Model):
    """A single-use, time-limited secret sent by email (password reset, invitation).

    Only a hash is stored, so a database leak does not leak working links.
    """

    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginCounter(Model):
    """Sign-in attempts per account key or client address within a window that starts at the first one.

    One row per key, counted up by a single INSERT ... ON CONFLICT DO UPDATE ...
    RETURNING before the password is checked, so parallel attempts cannot all
    read the same count (see `lms.accounts.service.authenticate`).
    """

    __tablename__ = "login_counters"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    window_started_at: Mapped[datetime]
    attempts: Mapped[int]


class UserSession(Model):
    """One signed-in browser. The cookie carries the raw key, the table only its hash.

    A session is valid only while its row exists, so ending it here ends it on
    every worker at once, and a copied cookie dies with it.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime]


class RosterImport(OrgOwnedMixin, TimestampMixin, Model):
    """An uploaded roster waiting for confirmation: parsed once, previewed, applied once."""

    __tablename__ = "roster_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(sa.String(255))
    encoding: Mapped[str] = mapped_column(sa.String(16))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON)
    applied_at: Mapped[datetime | None]
