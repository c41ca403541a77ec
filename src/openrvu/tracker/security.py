"""Password hashing (argon2id) and opaque tokens stored only as hashes."""

from __future__ import annotations

import contextlib
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults are the RFC 9106 "low memory" argon2id profile.
_HASHER = PasswordHasher()
# Verified when the email is unknown, so a miss costs the same time as a wrong password.
_DUMMY_HASH = _HASHER.hash("openrvu-timing-equaliser")


def set_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Use other argon2id parameters (a test suite on a slow machine); returns the previous hasher.

    Hashes made with other parameters still verify, and are upgraded on the next sign-in.
    """
    global _HASHER, _DUMMY_HASH
    previous = _HASHER
    _HASHER = hasher
    _DUMMY_HASH = hasher.hash("openrvu-timing-equaliser")
    return previous


API_TOKEN_PREFIX = "orvu_"


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (salted; the clear text is never stored)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> tuple[bool, str | None]:
    """Check ``password`` against ``password_hash``.

    Returns ``(ok, new_hash)``: ``new_hash`` is set when the stored hash uses outdated parameters and
    should be replaced (rehash on login). A ``None`` hash (unknown user) still costs one verification.
    """
    if password_hash is None:
        with contextlib.suppress(VerificationError):
            _HASHER.verify(_DUMMY_HASH, password)
        return False, None
    try:
        _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _HASHER.check_needs_rehash(password_hash):
        return True, _HASHER.hash(password)
    return True, None


def hash_token(token: str) -> str:
    """SHA-256 hex of a session or API token: tokens are random, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str = "") -> tuple[str, str]:
    """A fresh random token and its hash: ``(token, token_hash)``."""
    token = prefix + secrets.token_urlsafe(32)
    return token, hash_token(token)
