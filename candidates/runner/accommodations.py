"""The candidate's request for an accommodation, from the runner's welcome page."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from accounts.audit import client_ip
from candidates.models import CandidateInterview
from candidates.runner.services import runner_progress
from candidates.runner.views import _render, with_invite
from candidates.services.accommodations import accommodated_limits, accommodation_request


@require_POST
@with_invite
def runner_accommodation(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    """Record the request and show the welcome page again, saying it was sent."""
    kinds = request.POST.getlist("kinds")
    note = request.POST.get("note", "")
    context = {
        "invite": invite,
        "interview": invite.interview,
        "progress": runner_progress(invite=invite),
        "timing": accommodated_limits(invite=invite),
    }
    try:
        invite = accommodation_request(invite=invite, kinds=kinds, note=note, ip=client_ip(request))
    except ValidationError as exc:
        context.update(acc_error=" ".join(exc.messages), acc_kinds=kinds, acc_note=note)
        return _render(request, "welcome.html", context, status=422)
    context.update(invite=invite, acc_sent=True)
    return _render(request, "welcome.html", context)


urlpatterns: list[URLPattern] = [
    path("interview/accommodation/", runner_accommodation, name="runner_accommodation"),
]
