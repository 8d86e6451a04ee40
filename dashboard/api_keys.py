"""Settings → API keys: list the keys the user may manage, create one (its secret shown once),
revoke. Team owners and admins manage the team's keys; organization owners also the
organization's keys (see docs/permissions.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import team_admin_required
from accounts.models import ApiKey
from accounts.selectors import organization_owner
from api.keys import SCOPES, api_key_create, api_key_revoke
from kit.pages import apply_errors

if TYPE_CHECKING:
    from accounts.http import TeamRequest
    from accounts.models import Team


class ApiKeyForm(forms.Form):
    TEAM, ORGANIZATION = "team", "organization"

    name = forms.CharField(
        max_length=100, help_text="What uses the key, e.g. “ATS sync”, so you know what to revoke."
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in SCOPES],
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="Give the key only what the integration needs.",
    )
    level = forms.ChoiceField(
        choices=[(TEAM, "This team only")],
        initial=TEAM,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"invalid_choice": "Only organization owners can make organization keys."},
    )

    def __init__(self, *args: Any, organization_owner: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organization_owner:
            # Offered only to those the service lets make one (api.keys.api_key_create).
            self.fields["level"].choices = [  # type: ignore[attr-defined]
                (self.TEAM, "This team only"),
                (
                    self.ORGANIZATION,
                    "The whole organization (acts on this team unless teamId is sent)",
                ),
            ]


def team_api_keys(team: Team, *, with_organization_keys: bool) -> QuerySet[ApiKey]:
    """This team's keys, and with ``with_organization_keys`` (for organization owners) the
    organization's keys too, newest first."""
    reach = Q(team=team)
    if with_organization_keys:
        reach |= Q(team__isnull=True, organization_id=team.organization_id)
    return (
        ApiKey.objects.filter(reach)
        .select_related("team", "default_team", "created_by")
        .order_by("-created_at")
    )


def _owns_organization(request: TeamRequest) -> bool:
    return organization_owner(user=request.user, organization_id=request.team.organization_id)


def _page(
    request: TeamRequest,
    form: ApiKeyForm,
    owns_organization: bool,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = {
        "keys": list(team_api_keys(request.team, with_organization_keys=owns_organization)),
        "form": form,
        "organization_owner": owns_organization,
        "page_title": "API keys",
        "section": "api_keys",
        **extra,
    }
    response = render(request, "dashboard/api_keys.html", context, status=status)
    # The page may hold a new key's secret: never keep it in a cache.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@team_admin_required
def api_keys(request: TeamRequest) -> HttpResponse:
    """The list, and (POST) a new key, whose secret this one response shows."""
    owns = _owns_organization(request)
    if request.method != "POST":
        return _page(request, ApiKeyForm(organization_owner=owns), owns)
    form = ApiKeyForm(request.POST, organization_owner=owns)
    if form.is_valid():
        team_level = form.cleaned_data["level"] == ApiKeyForm.TEAM
        try:
            api_key, raw = api_key_create(
                organization=request.team.organization,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                team=request.team if team_level else None,
                default_team=None if team_level else request.team,
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Rendered, not redirected: the secret must not travel through the session.
            return _page(
                request,
                ApiKeyForm(organization_owner=owns),
                owns,
                status=201,
                created=api_key,
                secret=raw,
            )
    return _page(request, form, owns, status=422)


@require_POST
@team_admin_required
def api_key_revoke_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Revoke one of the keys this page lists for the user; any other key is a 404."""
    keys = team_api_keys(request.team, with_organization_keys=_owns_organization(request))
    try:
        api_key = keys.get(pk=pk)
    except ApiKey.DoesNotExist as exc:
        raise Http404("No such API key in this team.") from exc
    api_key_revoke(api_key=api_key, by=request.user)
    messages.success(request, f"Revoked “{api_key.name}”: requests with it now get 401.")
    return redirect("dashboard:api_keys")
