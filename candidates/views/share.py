"""Share links. In the dashboard: make a link to one candidate interview or a shortlist (from the
invite page), list an interview's links and revoke them. In public (``/s/<token>/``, no
sign-in): the PIN form, then the shortlist and each candidate's read-only review, with the
recordings served through the link.

Public pages are never cached, indexed or sent on as a Referer, and every view through a link
(media included) is audited and counted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import deny, team_required
from accounts.audit import client_ip
from accounts.tenancy import get_for_team, require_membership
from candidates.models import Answer, CandidateInterview, ShareLink
from candidates.ratelimit import RateLimit, rate_limit_hit
from candidates.selectors import (
    invites_visible,
    scorecard_aggregate,
    share_answers,
    share_link_invites,
    share_link_list,
    share_overall_evaluation,
)
from candidates.services.share import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    RATING_COMMENT_MAX,
    REVIEWER_NAME_MAX,
    ShareLinkUnavailable,
    share_link_check_pin,
    share_link_create,
    share_link_record_view,
    share_link_resolve,
    share_link_revoke,
    share_rating_submit,
    shared_name,
)
from candidates.views.invites import get_invite_for
from interviews.selectors import interviews_visible
from kit.pages import apply_errors
from speech.http import media_response

if TYPE_CHECKING:
    from accounts.http import TeamRequest
    from interviews.models import Interview

# Guessing a 4-digit PIN must take longer than the link lives.
PIN_ATTEMPTS = RateLimit(scope="share_pin", limit=5, window_seconds=15 * 60)
SESSION_KEY = "share_links_unlocked"


# ---------------------------------------------------------------- in the dashboard


class ShareForm(forms.Form):
    invites = forms.ModelMultipleChoiceField(
        queryset=CandidateInterview.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        label="Candidates to share",
        error_messages={"required": "Choose at least one candidate to share."},
    )
    label = forms.CharField(
        max_length=150,
        required=False,
        label="Label",
        help_text="For you: who the link is for, e.g. “Dana, head of support”.",
    )
    expires_in_days = forms.IntegerField(
        min_value=MIN_DAYS,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        label="Works for (days)",
        help_text=f"Between {MIN_DAYS} and {MAX_DAYS} days; you can revoke it sooner.",
    )
    pin = forms.CharField(
        max_length=8,
        required=False,
        label="PIN",
        help_text="4 to 8 digits. Send it separately from the link (by phone or chat).",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    hide_names = forms.BooleanField(
        required=False,
        label="Hide names (initials only)",
        help_text="The link shows “A. O.” instead of the candidate's name; answers and recordings "
        "are shown as they are.",
    )
    allow_ratings = forms.BooleanField(
        required=False,
        label="Let them rate the candidates",
        help_text="Whoever opens the link can give each candidate 1 to 5 with a comment; you "
        "see it on the candidate's review page, apart from your team's scores.",
    )

    def __init__(self, *args: Any, shortlist: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.ModelMultipleChoiceField[CandidateInterview] = self.fields["invites"]  # type: ignore[assignment]
        field.queryset = shortlist
        field.label_from_instance = lambda i: (  # type: ignore[method-assign,assignment]
            f"{i.candidate.full_name} · {i.get_status_display()}"
        )


@require_http_methods(["GET", "POST"])
@team_required
def share_create(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Make a share link for this invite, optionally with others of the same interview. Anyone
    who may review the invite may share it (docs/permissions.md: hiring managers too, for the
    interviews they review; any other invite is a 404)."""
    invite, _ = get_invite_for(request, pk)
    if not request.membership.can("review"):
        raise deny(request, "Your role cannot share candidates.")
    interview = invite.interview
    # Others of the same interview can join the shortlist; drafts and cancelled invites have
    # nothing to show (the invite itself is always offered).
    shortlist = (
        invites_visible(membership=request.membership)
        .filter(interview=interview)
        .exclude(
            Q(status__in=[CandidateInterview.Status.DRAFT, CandidateInterview.Status.CANCELLED])
            & ~Q(pk=invite.pk)
        )
        .select_related("candidate")
        .order_by("candidate__last_name", "candidate__first_name")
    )
    # "Share selected" on Results sends its choice as ?invite=<id>&invite=<id>: those of the
    # shortlist start ticked (others, and malformed ids, are ignored).
    wanted = set(request.GET.getlist("invite")[:100])
    chosen = [invite.pk, *(i.pk for i in shortlist if str(i.pk) in wanted and i.pk != invite.pk)]
    form = ShareForm(request.POST or None, shortlist=shortlist, initial={"invites": chosen})
    if request.method == "POST" and form.is_valid():
        try:
            link, token = share_link_create(
                interview=interview,
                invites=form.cleaned_data["invites"],
                by=request.user,
                expires_in_days=form.cleaned_data["expires_in_days"],
                pin=form.cleaned_data["pin"],
                label=form.cleaned_data["label"],
                hide_names=form.cleaned_data["hide_names"],
                allow_ratings=form.cleaned_data["allow_ratings"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The token is not stored: this page is the only time the link can be shown.
            response = render(
                request,
                "candidates/share/created.html",
                {
                    "link": link,
                    "url": settings.SITE_URL + reverse("candidates:share_public", args=[token]),
                    "invite": invite,
                    "interview": interview,
                    "shared": list(form.cleaned_data["invites"]),
                    "page_title": "Share link created",
                    "section": "invites",
                },
            )
            response["Cache-Control"] = "private, no-store"
            return response
    return render(
        request,
        "candidates/share/create.html",
        {
            "form": form,
            "invite": invite,
            "interview": interview,
            "page_title": f"Share · {invite.candidate.full_name}",
            "section": "invites",
        },
        status=422 if form.errors else 200,
    )


def _interview_for(request: TeamRequest, pk: UUID) -> Interview:
    membership = require_membership(request)
    interview, _ = get_for_team(request, interviews_visible(membership=membership), pk)
    return interview


@require_GET
@team_required
def share_list(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The interview's share links: whom each shows, until when, how often it was opened."""
    interview = _interview_for(request, pk)
    return render(
        request,
        "candidates/share/list.html",
        {
            "interview": interview,
            "links": list(share_link_list(interview=interview)),
            "can_edit": request.membership.can_author,
            "page_title": f"Share links · {interview.title}",
            "section": "interviews",
        },
    )


@require_POST
@team_required
def share_revoke(request: TeamRequest, pk: UUID) -> HttpResponse:
    membership = require_membership(request)
    links = ShareLink.objects.filter(interview__in=interviews_visible(membership=membership))
    link, _ = get_for_team(request, links.select_related("team"), pk, write=True)
    share_link_revoke(link=link, by=request.user)
    messages.success(request, f"“{link}” is revoked: it no longer opens.")
    return redirect("candidates:share_list", link.interview_id)


# ---------------------------------------------------------------- in public, through the link


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _private(render(request, f"candidates/share/{template}", context, status=status))


def _unavailable(request: HttpRequest, exc: ShareLinkUnavailable) -> HttpResponse:
    status = 404 if exc.reason == "unknown" else 410
    return _page(request, "closed.html", {"reason": exc.reason}, status=status)


def _unlocked(request: HttpRequest, link: ShareLink) -> bool:
    return not link.pin_hash or str(link.pk) in request.session.get(SESSION_KEY, [])


def _review(invite: CandidateInterview) -> dict[str, Any]:
    """One candidate's read-only review: answers, AI advice and the scorecards' aggregate."""
    return {
        "invite": invite,
        "answers": share_answers(invite=invite),
        "overall": share_overall_evaluation(invite=invite),
        "scorecards": scorecard_aggregate(invite=invite),
    }


def _shortlist_context(link: ShareLink) -> dict[str, Any]:
    invites = list(share_link_invites(link=link))
    total = link.interview.items.count()
    for invite in invites:
        invite.question_total = len(invite.question_order) or total  # type: ignore[attr-defined]
        invite.shared_name = shared_name(link=link, invite=invite)  # type: ignore[attr-defined]
    return {"link": link, "interview": link.interview, "invites": invites}


# The PIN form posts with "Referrer-Policy: no-referrer", which makes browsers send
# "Origin: null", which Django's CSRF check refuses. A forged PIN post can only unlock the link
# for the forger's own victim, and guesses are rate-limited per link and address, so this one
# form goes without the CSRF token.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def share_public(request: HttpRequest, token: str) -> HttpResponse:
    """The link's landing page: the PIN form when it has one, then the shortlist (and, for a
    single candidate, their review right away)."""
    try:
        link = share_link_resolve(token=token)
    except ShareLinkUnavailable as exc:
        return _unavailable(request, exc)
    if not _unlocked(request, link):
        error = ""
        status = 200
        if request.method == "POST":
            attempt = rate_limit_hit(PIN_ATTEMPTS, f"{link.pk}:{client_ip(request) or '-'}")
            if not attempt.allowed:
                minutes = max(1, round(attempt.retry_after / 60))
                error = f"Too many wrong PINs. Try again in {minutes} minute{'s' * (minutes != 1)}."
                status = 429
            elif share_link_check_pin(link=link, pin=request.POST.get("pin", "")):
                request.session.cycle_key()
                request.session[SESSION_KEY] = [
                    *request.session.get(SESSION_KEY, []),
                    str(link.pk),
                ]
                return _private(redirect(request.path))
            else:
                error = "That PIN is not right. Check it with whoever sent you the link."
                status = 422
        return _page(
            request, "pin.html", {"link": link, "error": error, "token": token}, status=status
        )
    context = _shortlist_context(link)
    context["token"] = token
    shown = context["invites"]
    if len(shown) == 1:
        context.update(_review(shown[0]))
    share_link_record_view(link=link, invites=shown, ip=client_ip(request), path=request.path)
    return _page(request, "public.html", context)


@require_GET
def share_public_candidate(request: HttpRequest, token: str, invite_id: UUID) -> HttpResponse:
    """One shared candidate's review (404 for any invite the link does not share)."""
    try:
        link = share_link_resolve(token=token)
    except ShareLinkUnavailable as exc:
        return _unavailable(request, exc)
    if not _unlocked(request, link):
        return _private(redirect("candidates:share_public", token))
    context = _shortlist_context(link)
    invite = next((i for i in context["invites"] if i.pk == invite_id), None)
    if invite is None:
        raise Http404("This link does not share that candidate.")
    context.update(_review(invite), token=token, rated=request.GET.get("rated") == "1")
    share_link_record_view(link=link, invites=[invite], ip=client_ip(request), path=request.path)
    return _page(request, "public.html", context)


class ShareRatingForm(forms.Form):
    reviewer_name = forms.CharField(max_length=REVIEWER_NAME_MAX, label="Your name")
    rating = forms.TypedChoiceField(
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        label="Your rating",
        error_messages={"required": "Choose a rating from 1 to 5."},
    )
    comment = forms.CharField(
        max_length=RATING_COMMENT_MAX, required=False, label="Comment (optional)"
    )


RATINGS = RateLimit(scope="share_rating", limit=20, window_seconds=10 * 60)


# Posted from the public page, which sends no Referer and "Origin: null" (see share_public):
# the link itself is the credential, and submissions are rate-limited per link and address.
@csrf_exempt
@require_POST
def share_rate(request: HttpRequest, token: str, invite_id: UUID) -> HttpResponse:
    """An outside reviewer's rating of one shared candidate (links that allow it)."""
    try:
        link = share_link_resolve(token=token)
    except ShareLinkUnavailable as exc:
        return _unavailable(request, exc)
    if not _unlocked(request, link):
        return _private(redirect("candidates:share_public", token))
    context = _shortlist_context(link)
    invite = next((i for i in context["invites"] if i.pk == invite_id), None)
    if invite is None or not link.allow_ratings:
        raise Http404("This link does not take ratings for that candidate.")
    form = ShareRatingForm(request.POST)
    status = 422
    if not rate_limit_hit(RATINGS, f"{link.pk}:{client_ip(request) or '-'}").allowed:
        form.is_valid()
        form.add_error(None, "Too many ratings from here. Try again in a few minutes.")
        status = 429
    elif form.is_valid():
        try:
            share_rating_submit(
                link=link,
                invite=invite,
                reviewer_name=form.cleaned_data["reviewer_name"],
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            target = reverse("candidates:share_public_candidate", args=[token, invite.pk])
            return _private(redirect(f"{target}?rated=1#rate"))
    context.update(_review(invite), token=token, rating_form=form)
    return _page(request, "public.html", context, status=status)


@require_GET
def share_media(request: HttpRequest, token: str, answer_id: UUID) -> HttpResponse:
    """A shared answer's recording, with byte ranges so the player can seek."""
    return _shared_media(request, token, answer_id, rendition=False)


@require_GET
def share_rendition(request: HttpRequest, token: str, answer_id: UUID) -> HttpResponse:
    """A shared answer's MP4/M4A rendition (for Safari), with byte ranges like the recording."""
    return _shared_media(request, token, answer_id, rendition=True)


def _shared_media(
    request: HttpRequest, token: str, answer_id: UUID, *, rendition: bool
) -> HttpResponse:
    try:
        link = share_link_resolve(token=token)
    except ShareLinkUnavailable as exc:
        return _unavailable(request, exc)
    if not _unlocked(request, link):
        raise Http404("Enter the link's PIN first.")
    try:
        answer = (
            Answer.objects.filter(
                pk=answer_id,
                candidate_interview__in=link.candidate_interviews.all(),
                submitted_at__isnull=False,
            )
            .exclude(media="")
            .exclude(**({"rendition": ""} if rendition else {}))
            .get()
        )
    except (Answer.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("This link does not share that recording.") from exc
    share_link_record_view(
        link=link,
        invites=[answer.candidate_interview_id],
        ip=client_ip(request),
        path=request.path,
        answer=answer.pk,
    )
    file = answer.rendition if rendition else (answer.playback or answer.media)
    content_type = answer.rendition_type.split(";", 1)[0] if rendition else answer.media_type
    name = file.name or ""
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    response = media_response(
        request,
        file,
        content_type=content_type or "application/octet-stream",
        filename=f"answer-{answer.pk}.{extension}",
    )
    return _private(response)


urlpatterns: list[URLPattern] = [
    path("invites/<uuid:pk>/share/", share_create, name="share_create"),
    path("interviews/<uuid:pk>/share-links/", share_list, name="share_list"),
    path("share-links/<uuid:pk>/revoke/", share_revoke, name="share_revoke"),
    path("s/<str:token>/", share_public, name="share_public"),
    path(
        "s/<str:token>/c/<uuid:invite_id>/", share_public_candidate, name="share_public_candidate"
    ),
    path("s/<str:token>/media/<uuid:answer_id>/", share_media, name="share_media"),
    path("s/<str:token>/c/<uuid:invite_id>/rate/", share_rate, name="share_rate"),
    path(
        "s/<str:token>/media/<uuid:answer_id>/rendition/",
        share_rendition,
        name="share_rendition",
    ),
]
