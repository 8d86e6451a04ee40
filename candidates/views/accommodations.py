"""Accommodations on the invite page: set or clear them, grant the candidate's request."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accounts.access import team_required
from accounts.audit import client_ip
from candidates.forms.accommodations import AccommodationForm
from candidates.services.accommodations import (
    accommodation_clear,
    accommodation_grant,
    accommodation_label,
    accommodation_set,
)
from candidates.views.invites import _detail_context, get_invite_for
from kit.pages import apply_errors, render_page

if TYPE_CHECKING:
    from accounts.http import TeamRequest


def _done(request: TeamRequest, invite_pk: uuid.UUID, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("candidates:invite_detail", invite_pk)


@require_POST
@team_required
def invite_accommodation_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """Set the invite's accommodation (or clear it, with the Clear button)."""
    invite, _ = get_invite_for(request, pk, write=True)
    if "clear" in request.POST:
        invite = accommodation_clear(invite=invite, by=request.user, ip=client_ip(request))
        return _done(
            request, invite.pk, "Accommodation cleared: standard timers, retakes and expiry."
        )
    form = AccommodationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            invite = accommodation_set(
                invite=invite,
                by=request.user,
                ip=client_ip(request),
                time=data["time"],
                extra_retakes=data["extra_retakes"],
                extra_days=data["extra_days"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            label = accommodation_label(invite) or "standard timers and retakes"
            return _done(request, invite.pk, f"Accommodation saved: {label}.")
    context = _detail_context(request, invite)
    context["accommodation_form"] = form
    return render_page(request, "candidates/invites/detail.html", context, status=422)


@require_POST
@team_required
def invite_accommodation_grant_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """Grant the candidate's request in one click."""
    invite, _ = get_invite_for(request, pk, write=True)
    try:
        invite = accommodation_grant(invite=invite, by=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("candidates:invite_detail", invite.pk)
    return _done(request, invite.pk, f"Request granted: {accommodation_label(invite)}.")


urlpatterns: list[URLPattern] = [
    path(
        "invites/<uuid:pk>/accommodation/",
        invite_accommodation_view,
        name="invite_accommodation",
    ),
    path(
        "invites/<uuid:pk>/accommodation/grant/",
        invite_accommodation_grant_view,
        name="invite_accommodation_grant",
    ),
]
