"""Invite links: an unguessable token in the URL; only its SHA-256 is stored.

An invite's token is derived from a random nonce kept on the invite and the site's
``SECRET_KEY`` (HMAC-SHA256), so the recruiter can be shown the link again and reminders carry
the same link, while the database alone (a backup, a leaked dump) reveals no working link: that
needs the key too. Rotating ``SECRET_KEY`` keeps links working (they are looked up by hash);
they can be shown again while the old key is in ``SECRET_KEY_FALLBACKS``.
"""

from __future__ import annotations

import base64
import hmac
import secrets

from django.conf import settings
from django.utils.crypto import salted_hmac

from candidates.models import CandidateInterview
from kit.keys import secret_digest

_LINK_SALT = "panelist.candidates.tokens.invite-link"


token_hash = secret_digest


def new_invite_token() -> tuple[str, str]:
    """A fresh random token, and the hash to store (share links; tests)."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _derive(nonce: str, secret: str) -> str:
    digest = salted_hmac(_LINK_SALT, nonce, secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_invite_link() -> tuple[str, str, str]:
    """A fresh link for an invite: (nonce to store, token for the URL, hash to store)."""
    nonce = secrets.token_urlsafe(24)
    token = _derive(nonce, settings.SECRET_KEY)
    return nonce, token, token_hash(token)


def invite_token(invite: CandidateInterview) -> str | None:
    """The token of the invite's current link, or None when it cannot be shown again (a draft,
    a link issued before links were kept, or one made with a key no longer configured)."""
    if not invite.link_nonce or not invite.token_hash:
        return None
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        token = _derive(invite.link_nonce, secret)
        if hmac.compare_digest(token_hash(token), invite.token_hash):
            return token
    return None


def invite_by_token(token: str) -> CandidateInterview | None:
    if not token or len(token) > 100:
        return None
    return (
        CandidateInterview.objects.select_related("candidate", "interview", "team")
        .filter(token_hash=token_hash(token))
        .first()
    )
