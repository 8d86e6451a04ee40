from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import AuditEvent, Membership, Role, Team, TeamInvitation
from accounts.permissions import MATRIX, Perm

if TYPE_CHECKING:
    from accounts.models import User

# Who manages a team's integrations (API keys, webhooks): owners and admins, by the matrix.
INTEGRATION_ROLES = [role for role, perms in MATRIX.items() if Perm.MANAGE_INTEGRATIONS in perms]


def membership_current(*, user: Any, team_id: str | None) -> Membership | None:
    """The membership to act in: the chosen team, else the last one used, else the first."""
    memberships = Membership.objects.select_related("team", "team__organization").filter(user=user)
    if team_id:
        chosen = memberships.filter(team_id=team_id).first()
        if chosen:
            return chosen
    if user.last_team_id:
        last = memberships.filter(team_id=user.last_team_id).first()
        if last:
            return last
    return memberships.order_by("team__name").first()


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team").order_by("team__name")


def membership_list(*, team: Team) -> QuerySet[Membership]:
    return Membership.objects.filter(team=team).select_related("user").order_by("user__email")


def invitation_pending_list(*, team: Team) -> QuerySet[TeamInvitation]:
    return TeamInvitation.objects.filter(team=team).pending().select_related("invited_by")


def audit_event_list(
    *,
    team: Team,
    action: str = "",
    actor: str = "",
    since: date | None = None,
    until: date | None = None,
    obj: str = "",
) -> QuerySet[AuditEvent]:
    """The team's audit events, newest first, narrowed by action (or an action prefix ending
    in "."), actor (email or key name, part of it), a date range and an object id or name."""
    events = AuditEvent.objects.filter(team=team).select_related("actor")
    if action.endswith("."):
        events = events.filter(action__startswith=action)
    elif action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    if obj:
        events = events.filter(Q(object_id=obj) | Q(object_repr__icontains=obj))
    return events


def team_list_for_admin(*, user: User) -> QuerySet[Any]:
    """Teams of the organizations where ``user`` administers at least one team."""
    from django.db.models import Count

    from accounts.models import Team
    from accounts.permissions import MATRIX, Perm

    team_admin_roles = [role for role, perms in MATRIX.items() if Perm.MANAGE_TEAMS in perms]
    org_ids = Membership.objects.filter(user=user, role__in=team_admin_roles).values(
        "team__organization_id"
    )
    return (
        Team.objects.filter(organization_id__in=org_ids)
        .select_related("organization")
        .annotate(member_count=Count("memberships"))
        .order_by("name")
    )


def manages_team(*, user: Any, team: Any) -> Exists:
    """An SQL condition: ``user`` (a user, an id or an ``OuterRef``) is an active owner or
    admin of ``team`` (likewise). For annotations and filters, so the check costs no query."""
    return Exists(
        Membership.objects.filter(
            user=user, user__is_active=True, team=team, role__in=INTEGRATION_ROLES
        )
    )


def organization_owner(*, user: User, organization_id: Any) -> bool:
    """Whether ``user`` is an **organization owner**: they hold the owner role in every team of
    the organization (which has at least one). One query. See docs/permissions.md."""
    if not user.is_active:
        return False
    owned = (
        Team.objects.filter(organization_id=organization_id)
        .annotate(
            owned=Exists(Membership.objects.filter(team=OuterRef("pk"), user=user, role=Role.OWNER))
        )
        .values_list("owned", flat=True)
    )
    flags = list(owned)
    return bool(flags) and all(flags)
