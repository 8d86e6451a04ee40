"""Issue 12: no API key reaches past what its creator can manage.

Before this release any team admin could make an organization key. Every live key is held to
the new rule once, here (and at every request from now on, in ``api.keys``):

- an organization key whose creator owns every team of its organization stays as it is;
- any other organization key becomes a team key of its default team when its creator owns or
  administers that team, and is revoked otherwise (no default team, creator gone or demoted);
- a team key whose creator no longer owns or administers its team (or was deleted, or made it
  on the command line without a person) is revoked.

Each change is written to the audit log of the key's team.
"""

from typing import Any

from django.db import migrations
from django.utils import timezone

# The roles that held ``manage_integrations`` when this migration was written. Frozen here on
# purpose: a migration must keep meaning what it meant, whatever the matrix becomes.
MANAGER_ROLES = ("owner", "admin")
OWNER = "owner"
LABEL = "Release migration (issue 12)"


def api_keys_narrow(apps: Any) -> dict[str, list[str]]:
    """Narrow or revoke every live key that reaches further than its creator may manage.
    Returns the prefixes narrowed and revoked (the tests read them)."""
    ApiKey = apps.get_model("accounts", "ApiKey")
    Membership = apps.get_model("accounts", "Membership")
    Team = apps.get_model("accounts", "Team")
    AuditEvent = apps.get_model("accounts", "AuditEvent")
    done: dict[str, list[str]] = {"narrowed": [], "revoked": []}

    def manages(key: Any, team_id: Any) -> bool:
        return (
            team_id is not None
            and Membership.objects.filter(
                user_id=key.created_by_id,
                user__is_active=True,
                team_id=team_id,
                role__in=MANAGER_ROLES,
            ).exists()
        )

    def owns_organization(key: Any) -> bool:
        teams = set(
            Team.objects.filter(organization_id=key.organization_id).values_list("pk", flat=True)
        )
        owned = set(
            Membership.objects.filter(
                user_id=key.created_by_id, user__is_active=True, team_id__in=teams, role=OWNER
            ).values_list("team_id", flat=True)
        )
        return bool(teams) and owned == teams

    def record(key: Any, action: str, reason: str) -> None:
        AuditEvent.objects.create(
            organization_id=key.organization_id,
            team_id=key.team_id or key.default_team_id,
            actor_label=LABEL,
            action=action,
            object_type="apikey",
            object_id=str(key.pk),
            object_repr=f"{key.name} ({key.prefix}…)"[:200],
            data={"reason": reason},
        )

    now = timezone.now()
    for key in ApiKey.objects.filter(revoked_at__isnull=True).order_by("created_at"):
        if key.team_id is not None:
            if manages(key, key.team_id):
                continue
            reason = "Its creator no longer owns or administers its team."
        elif owns_organization(key):
            continue
        elif manages(key, key.default_team_id):
            key.team_id, key.default_team_id = key.default_team_id, None
            key.save(update_fields=["team", "default_team"])
            record(key, "api_key.narrowed", "Its creator is not an organization owner.")
            done["narrowed"].append(key.prefix)
            continue
        else:
            reason = "Its creator is not an organization owner and cannot manage its default team."
        key.revoked_at = now
        key.save(update_fields=["revoked_at"])
        record(key, "api_key.revoked", reason)
        done["revoked"].append(key.prefix)
    return done


def forward(apps: Any, schema_editor: Any) -> None:
    api_keys_narrow(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_twofactor"),
    ]

    operations = [
        # Not reversible in substance: a revoked key's reach is not given back.
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
