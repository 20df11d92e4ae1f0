"""Refresh tokens are credentials: they are kept sealed (Fernet: AES with an HMAC), under a key
derived from SECRET_KEY, so a copy of the database alone does not hand them out. Keys in
SECRET_KEY_FALLBACKS still open what they sealed, so rotating SECRET_KEY loses nothing."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "identity.sealing"


def _fernet(secret: str) -> Fernet:
    digest = salted_hmac(SALT, "refresh tokens", secret=secret, algorithm="sha256").digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _keys() -> MultiFernet:
    return MultiFernet(
        [_fernet(secret) for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]
    )


def seal(text: str) -> str:
    return _keys().encrypt(text.encode()).decode() if text else ""


def unseal(sealed: str) -> str:
    """The text, or "" when it cannot be opened (sealed under a key since retired)."""
    if not sealed:
        return ""
    try:
        return _keys().decrypt(sealed.encode()).decode()
    except InvalidToken:
        return ""
