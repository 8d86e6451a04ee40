"""Pages for candidates who start on their own, without an invite link: a public or unlisted
interview's start page, a team's list of public interviews, and the signed iframe embed.

None of them needs a login. Starting signs the browser in to the new invite
(``runner_login``) and sends it to the runner.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import client_ip
from accounts.models import Team
from candidates.forms.public import PublicStartForm
from candidates.ratelimit import RateLimit, RateLimitResult, rate_limit_hit
from candidates.runner.session import runner_login
from candidates.services.public import (
    LINK_VISIBILITIES,
    SOURCE_EMBED,
    SOURCE_PUBLIC,
    EmbedDisabled,
    EmbedRejected,
    embed_verify,
    self_start,
)
from interviews.models import Interview
from kit.csp import candidate_page
from kit.pages import apply_errors

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

    from candidates.models import CandidateInterview

# Per client IP and interview: enough for a family or an office behind one address.
START_PER_IP = RateLimit(scope="public_start_ip", limit=10, window_seconds=60 * 60)
# Per email, across interviews: a start can email a link, so this caps mail to any one address.
START_PER_EMAIL = RateLimit(scope="public_start_email", limit=3, window_seconds=60 * 60)

T = "candidates/public/"


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, T + template, context, status=status)


def _to_runner(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    runner_login(request, invite)
    return redirect(reverse("candidates:runner"))


def _too_many(request: HttpRequest, interview: Interview, limit: RateLimitResult) -> HttpResponse:
    response = _page(
        request,
        "rate_limited.html",
        {"interview": interview, "minutes": max(1, round(limit.retry_after / 60))},
        status=429,
    )
    response["Retry-After"] = str(limit.retry_after)
    return response


# ---------------------------------------------------------------- public and unlisted links


@require_http_methods(["GET", "POST"])
def public_start(request: HttpRequest, interview_id: uuid.UUID) -> HttpResponse:
    interview = get_object_or_404(
        Interview.objects.select_related("team"),
        pk=interview_id,
        visibility__in=LINK_VISIBILITIES,
    )
    if not interview.accepts_answers:
        return _page(request, "closed.html", {"interview": interview})
    form = PublicStartForm(request.POST or None)
    if request.method == "POST":
        by_ip = rate_limit_hit(START_PER_IP, f"{interview.pk}:{client_ip(request) or '-'}")
        if not by_ip.allowed:
            return _too_many(request, interview, by_ip)
        if form.is_valid():
            data = form.cleaned_data
            by_email = rate_limit_hit(START_PER_EMAIL, data["email"].lower())
            if not by_email.allowed:
                return _too_many(request, interview, by_email)
            try:
                start = self_start(
                    interview=interview,
                    source=SOURCE_PUBLIC,
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if start.outcome == "created":
                    return _to_runner(request, start.invite)
                # Whoever typed this email may not be its owner: never sign them in to
                # someone's answers. The same page for "open" and "completed" tells a
                # stranger nothing about what that person has done.
                return _page(
                    request, "check_email.html", {"interview": interview, "email": data["email"]}
                )
    return _page(
        request,
        "start.html",
        {"interview": interview, "form": form},
        status=400 if form.errors else 200,
    )


@require_GET
def public_list(request: HttpRequest, team_slug: str) -> HttpResponse:
    team = get_object_or_404(Team, slug=team_slug)
    interviews = (
        Interview.objects.for_team(team)
        .filter(visibility=Interview.Visibility.PUBLIC, status=Interview.Status.ACTIVE)
        .order_by("title")
    )
    return _page(request, "list.html", {"team": team, "interviews": interviews})


# ---------------------------------------------------------------- the signed iframe embed


def _framable_by_allowed_origins(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return candidate_page(view(request, *args, **kwargs))

    return wrapper


@require_GET
@never_cache
@xframe_options_exempt
@_framable_by_allowed_origins
def embed_start(request: HttpRequest, interview_id: uuid.UUID) -> HttpResponse:
    """Start ``interview`` for the candidate named in a signed query string (see
    ``candidates.services.public.embed_canonical_string`` and docs/embedding.md)."""
    interview = get_object_or_404(Interview.objects.select_related("team"), pk=interview_id)
    try:
        details = embed_verify(interview=interview, params=request.GET.lists())
    except EmbedDisabled:
        raise Http404("This team does not embed interviews.") from None
    except EmbedRejected as exc:
        return _page(
            request, "embed_error.html", {"interview": interview, "reason": exc.reason}, 403
        )
    if not interview.accepts_answers:
        return _page(request, "closed.html", {"interview": interview})
    try:
        start = self_start(
            interview=interview,
            source=SOURCE_EMBED,
            email=details.email,
            first_name=details.first_name,
            last_name=details.last_name,
            phone=details.phone,
        )
    except ValidationError as exc:
        return _page(
            request,
            "embed_error.html",
            {"interview": interview, "reason": " ".join(exc.messages)},
            400,
        )
    if start.outcome == "completed":
        return _page(request, "completed.html", {"interview": interview})
    # The integrator's server vouches for the email, so an open invite is resumed.
    return _to_runner(request, start.invite)


urlpatterns: list[URLPattern] = [
    path("p/<uuid:interview_id>/", public_start, name="public_start"),
    path("t/<slug:team_slug>/", public_list, name="public_list"),
    path("embed/<uuid:interview_id>/", embed_start, name="embed_start"),
]
