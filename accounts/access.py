"""Access helpers for views: who may open a page, and which object they may touch."""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect

from accounts.audit import audit_record, client_ip
from accounts.models import Membership, Team, TeamInvitation

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse

    from accounts.http import AuthedRequest

    View = Callable[..., HttpResponse]


def team_required(view: View) -> View:
    """Signed in and a member of a team; someone in no team is sent to set one up."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "membership", None) is None:
            return redirect("dashboard:welcome")
        return view(request, *args, **kwargs)

    return wrapper


def deny(request: HttpRequest, message: str) -> PermissionDenied:
    """A 403 that is also written to the audit log."""
    membership = getattr(request, "membership", None)
    audit_record(
        action="permission.denied",
        actor=request.user,
        team=membership.team if membership else None,
        ip=client_ip(request),
        data={"path": request.path, "method": request.method, "reason": message},
    )
    return PermissionDenied(message)


def team_admin_required(view: View) -> View:
    """Owners and admins of the current team only (403 for other roles)."""

    @team_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.membership.is_admin:  # type: ignore[attr-defined]
            raise deny(request, "Only the team's owners and admins can manage the team.")
        return view(request, *args, **kwargs)

    return wrapper


def get_member_for(request: HttpRequest, pk: int) -> Membership:
    """A membership of the current team (404 otherwise)."""
    team = request.membership.team  # type: ignore[attr-defined]
    try:
        return Membership.objects.select_related("user", "team").get(team=team, pk=pk)
    except Membership.DoesNotExist as exc:
        raise Http404("No such member in this team.") from exc


def get_invitation_for(request: HttpRequest, pk: UUID) -> TeamInvitation:
    team = request.membership.team  # type: ignore[attr-defined]
    try:
        return TeamInvitation.objects.select_related("team").get(team=team, pk=pk)
    except TeamInvitation.DoesNotExist as exc:
        raise Http404("No such invitation in this team.") from exc


def get_team_for_admin(request: AuthedRequest, pk: UUID) -> Team:
    """A team the user administers (owner/admin). Teams they cannot see are a 404."""
    user = request.user
    membership = (
        Membership.objects.select_related("team", "team__organization")
        .filter(user=user, team_id=pk)
        .first()
    )
    if membership is None:
        raise Http404("No such team.")
    if not membership.can("manage_teams"):
        raise deny(request, "Only the team's owners and admins can rename it.")
    return membership.team


def get_team_for_member(request: AuthedRequest, pk: Any) -> Team:
    """A team the user belongs to (for the team switcher, which posts its id); 404 otherwise,
    a malformed id included."""
    memberships = Membership.objects.select_related("team").filter(user=request.user)
    try:
        return memberships.get(team_id=pk).team
    except (Membership.DoesNotExist, ValidationError) as exc:
        raise Http404("You are not a member of that team.") from exc
