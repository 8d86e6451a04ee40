from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from accounts.models import AuditEvent, Membership, TeamInvitation

if TYPE_CHECKING:
    from accounts.models import Team, User


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
