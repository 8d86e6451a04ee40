"""Secrets the application must read back (an identity provider's client secret), sealed at
rest with Fernet under a key derived from ``SECRET_KEY``; ``SECRET_KEY_FALLBACKS`` still open
what older keys sealed, so a rotation does not lose them. ``purpose`` keeps the keys of
different uses apart: a value sealed for one cannot be opened as another."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.conf import settings


def _fernet(purpose: str) -> Any:
    from cryptography.fernet import Fernet, MultiFernet

    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"{purpose}:{k}".encode()).digest()))
            for k in keys
        ]
    )


def seal(raw: str, *, purpose: str) -> str:
    return str(_fernet(purpose).encrypt(raw.encode()).decode())


def unseal(sealed: str, *, purpose: str) -> str:
    """The raw value; raises ``cryptography.fernet.InvalidToken`` if no current key opens it."""
    return str(_fernet(purpose).decrypt(sealed.encode()).decode())
