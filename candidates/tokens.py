"""Invite links: an unguessable token in the URL; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
import secrets

from candidates.models import CandidateInterview


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_invite_token() -> tuple[str, str]:
    """A fresh token for an invite link, and the hash to store on the invite."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def invite_by_token(token: str) -> CandidateInterview | None:
    if not token or len(token) > 100:
        return None
    return (
        CandidateInterview.objects.select_related("candidate", "interview", "team")
        .filter(token_hash=token_hash(token))
        .first()
    )
