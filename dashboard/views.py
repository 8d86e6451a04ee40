"""The recruiter home, the team switcher, and the team-admin pages."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import (
    get_invitation_for,
    get_member_for,
    get_team_for_admin,
    get_team_for_member,
    team_admin_required,
    team_required,
)
from accounts.audit import client_ip
from accounts.branding import team_brand, team_settings_update
from accounts.forms import ChangeRoleForm, InviteMemberForm, TeamForm
from accounts.http import AuthedRequest, TeamRequest
from accounts.selectors import (
    invitation_pending_list,
    membership_list,
    team_list_for_admin,
)
from accounts.services import (
    membership_change_role,
    membership_remove,
    organization_setup,
    team_create,
    team_invitation_create,
    team_invitation_revoke,
    user_switch_team,
)
from candidates.analytics import team_funnels
from candidates.selectors import (
    alternative_requests_open,
    invite_recent_activity,
    invite_status_counts,
    invites_needing_attention,
    invites_visible,
)
from candidates.selectors_review import review_queue
from dashboard.forms import OrganizationSetupForm, TeamSettingsForm
from dashboard.tables import InterviewTable, MemberTable, TeamTable
from interviews.selectors import interview_list
from kit.pages import apply_errors, render_page

PAGE_SIZE = 25


@require_GET
@team_required
def home(request: TeamRequest) -> HttpResponse:
    team = request.team
    membership = request.membership
    table = InterviewTable(interview_list(team=team, membership=membership))
    RequestConfig(request, paginate={"per_page": 10}).configure(table)
    counts = invite_status_counts(team=team, membership=membership)
    queue = review_queue(membership=membership)
    waiting = list(queue[:10])
    context = {
        "table": table,
        "counts": counts,
        "total_invites": sum(counts.values()),
        "recent": list(invite_recent_activity(team=team, membership=membership)),
        "funnels": team_funnels(invites_visible(membership=request.membership)),
        "alternative_requests": list(alternative_requests_open(membership=membership)[:10]),
        "attention": invites_needing_attention(membership=membership),
        "queue": waiting,
        "queue_count": len(waiting) if len(waiting) < 10 else queue.count(),
        "page_title": "Home",
    }
    return render_page(request, "dashboard/home.html", context, partial="table")


@require_http_methods(["GET", "POST"])
@login_required
def welcome(request: AuthedRequest) -> HttpResponse:
    """For a signed-in user in no team: set up an organization, or wait for an invite."""
    if getattr(request, "membership", None) is not None:
        return redirect("dashboard:home")
    form = OrganizationSetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization, team = organization_setup(
                name=form.cleaned_data["organization"],
                team_name=form.cleaned_data["team"],
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["team_id"] = str(team.pk)
            messages.success(request, f"{organization.name} is ready. Invite your colleagues next.")
            return redirect("dashboard:members")
    return render(request, "dashboard/welcome.html", {"form": form, "page_title": "Welcome"})


@require_POST
@team_required
def team_switch(request: TeamRequest) -> HttpResponse:
    team = get_team_for_member(request, request.POST.get("team", ""))
    request.session["team_id"] = str(team.pk)
    user_switch_team(user=request.user, team=team)
    messages.info(request, f"You are now working in {team.name}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = reverse("dashboard:home")
    return redirect(next_url)


@require_http_methods(["GET", "POST"])
@team_admin_required
def teams(request: TeamRequest) -> HttpResponse:
    """The organization's teams that the user administers, and a form to create one."""
    team = request.team
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_team = team_create(
                organization=team.organization,
                name=form.cleaned_data["name"],
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Team {new_team.name} created; you are its owner.")
            return redirect("dashboard:teams")
    table = TeamTable(team_list_for_admin(user=request.user))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render_page(
        request,
        "dashboard/teams.html",
        {"table": table, "form": form, "page_title": "Teams", "section": "teams"},
        partial="table",
    )


@require_http_methods(["GET", "POST"])
@team_required
def team_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Team settings: name, branding (colour, logo) and the invite defaults."""
    team = get_team_for_admin(request, pk)
    initial = {
        "name": team.name,
        "brand_color": team_brand(team).color,
        "invite_expiry_days": team.invite_expiry_days,
        "reminder_hours_before_expiry": team.reminder_hours_before_expiry,
    }
    data = request.POST if request.method == "POST" else None
    form = TeamSettingsForm(data, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            team_settings_update(
                team=team,
                by=request.user,
                name=values["name"],
                brand_color=values["brand_color"],
                invite_expiry_days=values["invite_expiry_days"],
                reminder_hours_before_expiry=values["reminder_hours_before_expiry"],
                logo=values["logo"],
                remove_logo=values["remove_logo"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Settings of {team.name} saved.")
            return redirect("dashboard:team_edit", team.pk)
    return render(
        request,
        "dashboard/team_edit.html",
        {
            "team": team,
            "form": form,
            "brand": team_brand(team),
            "page_title": f"{team.name} settings",
            "section": "teams",
        },
        status=422 if form.errors else 200,
    )


def _members_context(request: TeamRequest, invite_form: InviteMemberForm) -> dict[str, Any]:
    team = request.team
    table = MemberTable(membership_list(team=team))
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return {
        "table": table,
        "invite_form": invite_form,
        "invitations": list(invitation_pending_list(team=team)),
        "role_form": ChangeRoleForm(),
        "page_title": "Members",
        "section": "members",
    }


@require_GET
@team_admin_required
def members(request: TeamRequest) -> HttpResponse:
    return render_page(
        request,
        "dashboard/members.html",
        _members_context(request, InviteMemberForm()),
        partial="table",
    )


@require_POST
@team_admin_required
def member_invite(request: TeamRequest) -> HttpResponse:
    form = InviteMemberForm(request.POST)
    if form.is_valid():
        try:
            invitation, _token = team_invitation_create(
                team=request.team,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                acting=request.membership,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if request.htmx:
                context = _members_context(request, InviteMemberForm())
                context["sent"] = invitation
                return render_page(
                    request, "dashboard/members.html", context, partial="invite_panel"
                )
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("dashboard:members")
    status = 422
    if request.htmx:
        response = render_page(
            request,
            "dashboard/members.html",
            _members_context(request, form),
            partial="invite_panel",
        )
        response.status_code = status
        return response
    response = render(request, "dashboard/members.html", _members_context(request, form))
    response.status_code = status
    return response


@require_POST
@team_admin_required
def member_role(request: TeamRequest, pk: int) -> HttpResponse:
    membership = get_member_for(request, pk)
    form = ChangeRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a valid role.")
        return redirect("dashboard:members")
    try:
        membership_change_role(
            membership=membership,
            role=form.cleaned_data["role"],
            acting=request.membership,
            ip=client_ip(request),
        )
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"{membership.user.display_name} is now {membership.get_role_display()}."
        )
    return redirect("dashboard:members")


@require_POST
@team_admin_required
def member_remove(request: TeamRequest, pk: int) -> HttpResponse:
    membership = get_member_for(request, pk)
    try:
        membership_remove(membership=membership, acting=request.membership, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"{membership.user.display_name} was removed from {membership.team.name}. "
            "What they created stays with the team.",
        )
    return redirect("dashboard:members")


@require_POST
@team_admin_required
def invitation_revoke(request: TeamRequest, pk: UUID) -> HttpResponse:
    invitation = get_invitation_for(request, pk)
    team_invitation_revoke(invitation=invitation, acting=request.membership, ip=client_ip(request))
    messages.success(request, f"The invitation to {invitation.email} was revoked.")
    return redirect("dashboard:members")
