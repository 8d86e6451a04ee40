"""The team's settings for what candidates are told (owners and admins)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from accounts.access import team_admin_required
from accounts.audit import client_ip
from candidates.forms.messages import MessageSettingsForm
from candidates.services.candidate_messages import MESSAGE_SETTINGS, team_messages_update
from kit.pages import apply_errors

if TYPE_CHECKING:
    from accounts.http import TeamRequest


@require_http_methods(["GET", "POST"])
@team_admin_required
def message_settings(request: TeamRequest) -> HttpResponse:
    team = request.team
    form = MessageSettingsForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            team_messages_update(
                team=team,
                by=request.user,
                ip=client_ip(request),
                **{name: form.cleaned_data[name] for name in MESSAGE_SETTINGS},
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Candidate message settings saved.")
            return redirect("candidates:message_settings")
        team.refresh_from_db()
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "candidates/messages/settings.html",
        {"form": form, "page_title": "Candidate messages", "section": "candidate_messages"},
        status=status,
    )


urlpatterns = [
    path("settings/candidate-messages/", message_settings, name="message_settings"),
]
