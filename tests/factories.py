"""Factories that arrange data inside their own app context and return ids, never objects."""

from __future__ import annotations

from itertools import count

from flask import Flask

from ohwb_engage.accounts.models import User
from ohwb_engage.accounts.passwords import hash_password
from ohwb_engage.extensions import db

PASSWORD = "correct horse battery staple"
_seq = count(1)
_hashes: dict[str, str] = {}


def password_hash(password: str) -> str:
    """Argon2 is slow on purpose; hash each test password once per session."""
    if password not in _hashes:
        _hashes[password] = hash_password(password)
    return _hashes[password]


def make_staff(
    app: Flask,
    role: str = "admin",
    *,
    email: str | None = None,
    name: str | None = None,
    password: str | None = PASSWORD,
    active: bool = True,
) -> int:
    n = next(_seq)
    with app.app_context():
        user = User(
            email=email or f"{role}{n}@example.org",
            name=name or f"{role.title()} Person {n}",
            role=role,
            password_hash=password_hash(password) if password else None,
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def email_of(app: Flask, user_id: int) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email
