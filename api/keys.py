"""API keys: ``pk_<prefix>_<secret>``. Only the SHA-256 of the whole key is stored; the prefix
finds the row, and the hash is compared in constant time.

A key acts as its creator and never reaches further than they could: at every request it
reaches only the teams (its own, or for an organization key any of the organization's) in
which its creator is *now* an owner or admin. Organization keys are made and revoked by
organization owners only (``accounts.selectors.organization_owner``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import ApiKey, Team
from accounts.selectors import manages_team, organization_owner
from kit.keys import key_matches, key_new, key_prefix, secret_digest

if TYPE_CHECKING:
    from accounts.models import Organization, User

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


@transaction.atomic
def api_key_create(
    *,
    organization: Organization,
    name: str,
    scopes: list[str] | tuple[str, ...],
    team: Team | None = None,
    default_team: Team | None = None,
    by: User,
) -> tuple[ApiKey, str]:
    """A new key and its secret (shown once), acting as ``by``. ``team`` makes it a team key
    (``by`` must own or administer the team); without it the key belongs to the organization
    and acts on ``default_team`` or the ``teamId`` asked for (``by`` must own the organization)."""
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
    if team is None and not organization_owner(user=by, organization_id=organization.pk):
        raise ValidationError(
            {
                "level": "Only organization owners (owners of every team of the organization) "
                "can make organization keys: make a key for this team instead."
            }
        )
    if team is not None and not _manages(by, team):
        raise PermissionDenied("Only the team's owners and admins can make its API keys.")
    prefix, key = key_new("pk")
    api_key = ApiKey.objects.create(
        organization=organization,
        team=team,
        default_team=default_team if team is None else None,
        name=name,
        prefix=prefix,
        secret_hash=secret_digest(key),
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


def _manages(user: User, team: Team) -> bool:
    return (
        Team.objects.filter(pk=team.pk)
        .filter(manages_team(user=user, team=OuterRef("pk")))
        .exists()
    )


def api_key_can_revoke(*, api_key: ApiKey, user: User) -> bool:
    """Organization keys: organization owners. Team keys: the team's owners and admins."""
    if api_key.team is None:
        return organization_owner(user=user, organization_id=api_key.organization_id)
    return _manages(user, api_key.team)


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, by: User | None) -> ApiKey:
    """Revoke ``api_key`` (at once, for good). ``by`` None is the system (a command, a test)."""
    if by is not None and not api_key_can_revoke(api_key=api_key, user=by):
        raise PermissionDenied("Only those who may manage this key can revoke it.")
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action="api_key.revoked",
            actor=by,
            team=api_key.team or api_key.default_team,
            obj=api_key,
        )
    return api_key


def api_key_teams(api_key: ApiKey) -> QuerySet[Team]:
    """The teams ``api_key`` reaches now: its own team, or for an organization key its
    organization's teams; of those only the ones its creator owns or administers today."""
    teams = Team.objects.filter(organization_id=api_key.organization_id).filter(
        manages_team(user=api_key.created_by_id, team=OuterRef("pk"))
    )
    if api_key.team_id is not None:
        teams = teams.filter(pk=api_key.team_id)
    return teams


API_KEY_USE_AUDIT_SECONDS = 60 * 60


def api_key_check(raw: str) -> ApiKey | None:
    """The live key for ``raw``, or None. Never says which part was wrong. The key comes
    annotated with whether its creator still manages its team (``reaches_team``) and its
    default team (``reaches_default_team``): the same query, no more."""
    prefix = key_prefix(raw, "pk")
    if prefix is None:
        return None
    api_key = (
        ApiKey.objects.select_related("organization", "team", "default_team", "created_by")
        .annotate(
            reaches_team=manages_team(user=OuterRef("created_by"), team=OuterRef("team")),
            reaches_default_team=manages_team(
                user=OuterRef("created_by"), team=OuterRef("default_team")
            ),
        )
        .filter(prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if api_key is None or not key_matches(api_key.secret_hash, raw):
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
