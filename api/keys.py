"""API keys: ``pk_<prefix>_<secret>``. Only the SHA-256 of the whole key is stored; the prefix
finds the row, and the hash is compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import ApiKey

if TYPE_CHECKING:
    from accounts.models import Organization, Team, User

SCOPES = (
    "interviews:read",
    "interviews:write",
    "questions:read",
    "questions:write",
    "candidates:read",
    "candidates:write",
    "webhooks:read",
    "webhooks:write",
)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    name: str,
    scopes: list[str] | tuple[str, ...],
    team: Team | None = None,
    default_team: Team | None = None,
    by: User | None = None,
) -> tuple[ApiKey, str]:
    """A new key and its secret (shown once). ``team`` makes it a team key; without it the
    key belongs to the organization and acts on ``default_team`` or the ``teamId`` asked for."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": "Give the key a name, e.g. the system that will use it."})
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope(s): {', '.join(unknown)}."})
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    for field, chosen in (("team", team), ("default_team", default_team)):
        if chosen is not None and chosen.organization_id != organization.pk:
            raise ValidationError({field: "That team belongs to another organization."})
    prefix = secrets.token_hex(6)
    key = f"pk_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        organization=organization,
        team=team,
        default_team=default_team if team is None else None,
        name=name,
        prefix=prefix,
        secret_hash=_digest(key),
        scopes=sorted(set(scopes)),
        created_by=by,
    )
    audit_record(
        action="api_key.created",
        actor=by,
        team=team or default_team,
        obj=api_key,
        data={"scopes": api_key.scopes},
    )
    return api_key, key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by: User | None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(action="api_key.revoked", actor=by, team=api_key.team, obj=api_key)
    return api_key


API_KEY_USE_AUDIT_SECONDS = 60 * 60


def api_key_check(raw: str) -> ApiKey | None:
    """The live key for ``raw``, or None. Never says which part was wrong."""
    parts = raw.split("_")
    if len(parts) < 3 or parts[0] != "pk":
        return None
    api_key = (
        ApiKey.objects.select_related("organization", "team", "default_team", "created_by")
        .filter(prefix=parts[1], revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not hmac.compare_digest(api_key.secret_hash, _digest(raw)):
        return None
    now = timezone.now()
    last = api_key.last_used_at
    if last is None or (now - last).total_seconds() > 60:
        # At most one write a minute per key: "last used" is for people, not accounting.
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    if last is None or (now - last).total_seconds() > API_KEY_USE_AUDIT_SECONDS:
        # The audit log shows that a key is in use, at most once an hour of continuous use.
        audit_record(
            action="api_key.used",
            team=api_key.team or api_key.default_team,
            obj=api_key,
            actor_label=api_key.name,
        )
    return api_key
