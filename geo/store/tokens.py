"""API tokens: a random secret shown once; only its SHA-256 is stored."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import InputError, NotFound
from geo.store.dialects import dialect_for
from geo.store.models import Token
from geo.store.workflow import ROLES

PREFIX = "zns_"


@dataclass(frozen=True)
class Identity:
    """Who is calling: the token's name and role."""

    id: int
    name: str
    role: str


def hash_token(token: str) -> str:
    """The SHA-256 (hex) of a token's secret: what is stored and looked up."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    """The API tokens of one database: create, authenticate, list, revoke."""

    def __init__(self, db: sa.Engine, ensure):
        """Tokens in ``db``; ``ensure()`` migrates it first when needed."""
        self.db = db
        self.dialect = dialect_for(db)
        self._ensure = ensure

    def create(self, role: str, name: str) -> str:
        """A new token for ``role``; the secret is returned once and never stored."""
        self._ensure()
        if role not in ROLES:
            raise InputError(f"role {role!r} is not one of {', '.join(ROLES)}", message_id="tokens.bad_role",
                             message_values={"role": str(role), "roles": ", ".join(ROLES)}, field="role")
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise InputError("a token needs a name of 1 to 200 characters (who or what uses it)",
                             message_id="tokens.bad_name",
                             message_values={"limit": 200}, field="name")
        token = PREFIX + secrets.token_urlsafe(32)
        with self.dialect.writer(self.db).begin() as connection:
            connection.execute(sa.insert(Token.__table__).values(
                name=name, role=role, token_hash=hash_token(token),
                created_at=dt.datetime.now(dt.UTC)))
        return token

    def authenticate(self, token: str | None) -> Identity | None:
        """The identity of a valid, unrevoked token, else None."""
        if not token:
            return None
        self._ensure()
        with self.db.connect() as connection:
            row = connection.execute(sa.select(Token.id, Token.name, Token.role).where(
                Token.token_hash == hash_token(token.strip()), Token.revoked_at.is_(None))).first()
        return Identity(row.id, row.name, row.role) if row else None

    def list(self) -> list[dict]:
        """Every token (never its secret nor its hash), oldest first."""
        self._ensure()
        with self.db.connect() as connection:
            rows = connection.execute(sa.select(Token.__table__).order_by(Token.id)).mappings().all()
        return [{"id": r["id"], "name": r["name"], "role": r["role"],
                 "created_at": r["created_at"].isoformat(), "revoked": r["revoked_at"] is not None}
                for r in rows]

    def revoke(self, token_id: int) -> None:
        """Revoke an active token; NotFound if there is none with this id."""
        self._ensure()
        with self.dialect.writer(self.db).begin() as connection:
            done = connection.execute(sa.update(Token.__table__).where(
                Token.id == token_id, Token.revoked_at.is_(None)).values(
                revoked_at=dt.datetime.now(dt.UTC))).rowcount
        if not done:
            raise NotFound(f"there is no active token with id {token_id}", message_id="tokens.not_found",
                           message_values={"id": token_id}, id=token_id)
