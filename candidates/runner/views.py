"""The candidate runner: from the invite link to the thank-you page.

The link's token is exchanged for a session on the first visit and the browser is sent to
``/interview/``, a URL without it. Every step is a plain page with a plain form; recording is
the one step that needs JavaScript (static/js/runner.js).
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import client_ip
from candidates.models import CandidateInterview, SelfIdentification
from candidates.notices import (
    ai_notice,
    default_integrity_notice,
    privacy_notice,
    uses_ai_evaluation,
)
from candidates.runner.chat import (
    ChatStale,
    ChatState,
    chat_progress,
    chat_reply,
    chat_state,
    chat_survey_answer,
    is_chat_interview,
)
from candidates.runner.services import (
    RunnerClosed,
    runner_answer_typed,
    runner_answers,
    runner_check_open,
    runner_consent,
    runner_finish,
    runner_progress,
    runner_request_alternative,
    self_id_offered,
    self_identification_record,
)
from candidates.runner.session import runner_invite, runner_login
from candidates.services.accommodations import accommodated_limits
from candidates.services.ai_choice import ai_decline_offered, ai_evaluation_decline
from candidates.services.integrity import (
    IntegrityRefused,
    integrity_fact_record,
    integrity_noted,
    integrity_told,
)
from candidates.tokens import invite_by_token
from interviews.models import InterviewQuestion
from kit.csp import candidate_page

if TYPE_CHECKING:
    from collections.abc import Callable


def _language(invite: CandidateInterview | None) -> str:
    return invite.page_language if invite else "en"


def _render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    *,
    media_urls: list[str] | None = None,
) -> HttpResponse:
    invite = context.get("invite")
    lang = _language(invite)
    with translation.override(lang):
        response = render(
            request, f"candidates/runner/{template}", {"lang": lang, **context}, status=status
        )
    response["Referrer-Policy"] = "same-origin"
    response["Content-Language"] = lang
    return candidate_page(response, media_urls=media_urls or [])


def _closed(request: HttpRequest, invite: CandidateInterview, reason: str) -> HttpResponse:
    return _render(request, "closed.html", {"invite": invite, "reason": reason}, status=410)


def _htmx_to_runner() -> HttpResponse:
    """A swap cannot show a whole page: send the browser to the runner, which explains."""
    response = HttpResponse(status=200)
    response["HX-Redirect"] = reverse("candidates:runner")
    return response


def with_invite(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The signed-in invite, open for answers; else the page that explains why not."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        invite = runner_invite(request)
        if invite is None:
            return _render(request, "invalid.html", {"reason": "no-session"}, status=403)
        try:
            runner_check_open(invite)
        except RunnerClosed as closed:
            if getattr(request, "htmx", False):
                return _htmx_to_runner()
            if closed.reason == "completed":
                return redirect("candidates:runner_thanks")
            return _closed(request, invite, closed.reason)
        # Messages made while handling the request (errors) speak the candidate's language.
        with translation.override(_language(invite)):
            return view(request, invite, *args, **kwargs)

    return never_cache(wrapper)


@require_GET
def runner_enter(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: sign this browser in to the invite and drop the token from the URL."""
    invite = invite_by_token(token)
    if invite is None:
        response = _render(request, "invalid.html", {"reason": "unknown"}, status=404)
        return response
    runner_login(request, invite)
    response = redirect("candidates:runner")
    # The token is in this URL: never let it travel on as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return candidate_page(response)


@require_GET
@with_invite
def runner(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    """Whatever comes next for this candidate."""
    chat = is_chat_interview(invite.interview)
    progress = chat_progress(invite=invite) if chat else runner_progress(invite=invite)
    context: dict[str, Any] = {
        "invite": invite,
        "interview": invite.interview,
        "progress": progress,
    }
    if invite.consented_at is None and not request.session.get("welcomed"):
        context["timing"] = accommodated_limits(invite=invite)
        return _render(request, "welcome.html", context)
    if invite.consented_at is None:
        return _render(request, "consent.html", _consent_context(invite, context))
    if chat:
        return _chat_page(request, invite, chat_state(invite=invite))
    # A new browser checks its devices again, but only while something is left to record: a
    # browser without a camera can still finish the written and survey questions.
    needs_devices = progress.recordings_left
    if needs_devices and not request.session.get("device_ok"):
        return _render(request, "device.html", context)
    if needs_devices and not request.session.get("practice_done"):
        return _render(request, "practice.html", context)
    if progress.current is None:
        return _render(request, "finish.html", context)
    return _question_page(request, invite, progress.current, context)


def _question_page(
    request: HttpRequest,
    invite: CandidateInterview,
    item: InterviewQuestion,
    context: dict[str, Any],
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    answer = runner_answers(invite=invite).get(str(item.pk))
    timing = accommodated_limits(invite=invite, item=item)
    context.update(
        item=item,
        question=item.question,
        error=error,
        values=values or {},
        previous=answer,
        think_seconds=timing.think_seconds,
        answer_seconds=timing.answer_seconds,
        untimed=timing.untimed,
        retakes=timing.retakes,
        integrity=integrity_told(invite),
    )
    # A prompt the team hosts elsewhere plays from there (and the page allows only that).
    prompt = getattr(item.question, "audio_url", "")
    return _render(request, "question.html", context, status=status, media_urls=[prompt])


def _chat_context(
    invite: CandidateInterview,
    state: ChatState,
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    current = state.current
    return {
        "invite": invite,
        "interview": invite.interview,
        "chat": state,
        "item": current,
        "question": current.question if current is not None else None,
        "error": error,
        "values": values or {},
    }


def _chat_page(
    request: HttpRequest,
    invite: CandidateInterview,
    state: ChatState,
    *,
    error: str = "",
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The AI interview as a chat: the conversation so far and the reply box."""
    context = _chat_context(invite, state, error=error, values=values)
    return _render(request, "chat.html", context, status=status)


def _chat_back() -> HttpResponse:
    return redirect(reverse("candidates:runner") + "#chat-composer")


@require_POST
@with_invite
def runner_chat(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    """The candidate's reply in the chat: an htmx post gets the new messages (and the next
    reply box out of band); a plain form post is redirected back to the chat."""
    if not is_chat_interview(invite.interview):
        return redirect("candidates:runner")
    before = chat_state(invite=invite)
    item_id = request.POST.get("item", "")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    data = {
        "text": request.POST.get("text", ""),
        "choice": request.POST.get("choice", ""),
        "options": request.POST.getlist("options"),
    }
    try:
        if before.current is not None and before.current.kind == "survey":
            after = chat_survey_answer(invite=invite, item_id=item_id, version=version, data=data)
        else:
            after = chat_reply(
                invite=invite, item_id=item_id, version=version, text=str(data["text"])
            )
    except ChatStale:
        # Another tab or a double click got there first: show the conversation as it is.
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse(status=200)
            response["HX-Refresh"] = "true"
            return response
        return _chat_back()
    except RunnerClosed:
        return _htmx_to_runner() if request.htmx else redirect("candidates:runner")  # type: ignore[attr-defined]
    except ValidationError as exc:
        error = " ".join(exc.messages)
        if request.htmx:  # type: ignore[attr-defined]
            context = _chat_context(invite, before, error=error, values=data)
            response = _render(request, "_chat_composer.html", context, status=422)
            response["HX-Retarget"] = "#chat-composer"
            response["HX-Reswap"] = "outerHTML"
            return response
        return _chat_page(request, invite, before, error=error, values=data, status=422)
    if not request.htmx:  # type: ignore[attr-defined]
        return _chat_back()
    context = _chat_context(invite, after)
    context["new_messages"] = after.messages[len(before.messages) :]
    response = _render(request, "_chat_update.html", context)
    response["Vary"] = "HX-Request"
    return response


@require_POST
@with_invite
def runner_welcome(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    request.session["welcomed"] = True
    return redirect("candidates:runner")


def _consent_context(invite: CandidateInterview, context: dict[str, Any]) -> dict[str, Any]:
    """The team's notices in the candidate's language (defaults are translated)."""
    team = invite.team
    return {
        **context,
        "privacy_notice": privacy_notice(team=team),
        "ai_notice": ai_notice(team=team) if uses_ai_evaluation(invite.interview) else "",
        "ai_decline_offered": ai_decline_offered(invite=invite),
        "integrity_notice": default_integrity_notice() if integrity_noted(invite.interview) else "",
        "retention_months": team.retention_months,
    }


@require_POST
@with_invite
def runner_consent_view(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    declines_ai = request.POST.get("ai_decline") == "yes"
    decline_error = ""
    if request.POST.get("agree") == "yes" and declines_ai:
        try:
            invite = ai_evaluation_decline(invite=invite, ip=client_ip(request))
        except ValidationError as exc:
            decline_error = " ".join(exc.messages)
    if request.POST.get("agree") != "yes" or decline_error:
        context = {
            "invite": invite,
            "interview": invite.interview,
            "progress": runner_progress(invite=invite),
            "error": request.POST.get("agree") != "yes",
            "decline_error": decline_error,
            "ai_decline_checked": declines_ai,
        }
        return _render(request, "consent.html", _consent_context(invite, context), status=422)
    runner_consent(invite=invite, ip=client_ip(request))
    return redirect("candidates:runner")


@require_POST
@with_invite
def runner_alternative(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    """The candidate asks to be assessed another way instead of taking this interview."""
    try:
        invite = runner_request_alternative(
            invite=invite, note=request.POST.get("note", ""), ip=client_ip(request)
        )
    except ValidationError as exc:
        context = {
            "invite": invite,
            "interview": invite.interview,
            "progress": runner_progress(invite=invite),
            "note_error": " ".join(exc.messages),
            "note": request.POST.get("note", ""),
        }
        return _render(request, "consent.html", _consent_context(invite, context), status=422)
    return _render(
        request, "alternative_sent.html", {"invite": invite, "interview": invite.interview}
    )


@require_POST
@with_invite
def runner_device(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    request.session["device_ok"] = True
    return redirect("candidates:runner")


@require_POST
@with_invite
def runner_practice(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    request.session["practice_done"] = True
    return redirect("candidates:runner")


@require_POST
@with_invite
def runner_answer(request: HttpRequest, invite: CandidateInterview, item_id: UUID) -> HttpResponse:
    """A survey or written answer."""
    progress = runner_progress(invite=invite)
    item = next((i for i in progress.items if i.pk == item_id), None)
    if item is None:
        return redirect("candidates:runner")
    data = {
        "text": request.POST.get("text", ""),
        "choice": request.POST.get("choice", ""),
        "options": request.POST.getlist("options"),
    }
    try:
        runner_answer_typed(invite=invite, item=item, data=data)
    except ValidationError as exc:
        context = {"invite": invite, "interview": invite.interview, "progress": progress}
        return _question_page(
            request, invite, item, context, error=" ".join(exc.messages), values=data, status=422
        )
    return redirect("candidates:runner")


@require_POST
@with_invite
def runner_integrity_fact(
    request: HttpRequest, invite: CandidateInterview, item_id: UUID
) -> HttpResponse:
    """What the browser noted while a question was on screen (``runner.js``): the page hidden
    for ``seconds``, or ``characters`` pasted. 204 when noted; 400 naming the field; 403 when
    facts are not noted for this invite; 429 past the limits. Only for a candidate who was told
    (the consent page's integrity notice)."""
    item = next((i for i in runner_progress(invite=invite).items if i.pk == item_id), None)
    if item is None:
        return JsonResponse({"errors": {"item": ["Not a question of this interview."]}}, status=404)
    kind = request.POST.get("kind", "")
    value = request.POST.get("characters" if kind == "paste" else "seconds", "")
    try:
        integrity_fact_record(invite=invite, item=item, kind=kind, value=value)
    except ValidationError as exc:
        return JsonResponse({"errors": exc.message_dict}, status=400)
    except IntegrityRefused as exc:
        return JsonResponse({"errors": {"kind": [str(exc)]}}, status=exc.status)
    return HttpResponse(status=204)


@require_POST
@with_invite
def runner_finish_view(request: HttpRequest, invite: CandidateInterview) -> HttpResponse:
    try:
        invite = runner_finish(invite=invite)
    except ValidationError:
        return redirect("candidates:runner")
    if self_id_offered(invite):
        return redirect("candidates:runner_self_id")
    return redirect("candidates:runner_thanks")


SELF_ID_FIELDS = ("sex", "race_ethnicity")


@require_http_methods(["GET", "POST"])
@never_cache
def runner_self_id(request: HttpRequest) -> HttpResponse:
    """The voluntary self-identification survey, after the interview is handed in."""
    invite = runner_invite(request)
    if invite is None:
        return _render(request, "invalid.html", {"reason": "no-session"}, status=403)
    if not self_id_offered(invite):
        return redirect("candidates:runner_thanks")
    with translation.override(_language(invite)):
        error = ""
        if request.method == "POST":
            if "skip" in request.POST:
                return redirect("candidates:runner_thanks")
            try:
                self_identification_record(
                    invite=invite,
                    sex=request.POST.get("sex", ""),
                    race_ethnicity=request.POST.get("race_ethnicity", ""),
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                return redirect("candidates:runner_thanks")
        return _render(
            request,
            "self_id.html",
            {
                "invite": invite,
                "interview": invite.interview,
                "sexes": SelfIdentification.Sex.choices,
                "races": SelfIdentification.RaceEthnicity.choices,
                "error": error,
            },
            status=422 if error else 200,
        )


@require_GET
@never_cache
def runner_thanks(request: HttpRequest) -> HttpResponse:
    invite = runner_invite(request)
    if invite is None:
        return _render(request, "invalid.html", {"reason": "no-session"}, status=403)
    if invite.status != CandidateInterview.Status.COMPLETED:
        return redirect("candidates:runner")
    return _render(request, "thanks.html", {"invite": invite, "interview": invite.interview})


@require_GET
@with_invite
def runner_prompt_audio(
    request: HttpRequest, invite: CandidateInterview, item_id: UUID
) -> HttpResponse:
    """The spoken prompt of one of this invite's questions."""
    from speech.http import media_response

    progress = runner_progress(invite=invite)
    item = next((i for i in progress.items if i.pk == item_id), None)
    if item is None or item.audio_question is None or not item.audio_question.audio_file:
        raise Http404("No spoken prompt for that question.")
    return media_response(
        request, item.audio_question.audio_file, content_type="audio/mpeg", filename="question.mp3"
    )


urlpatterns: list[URLPattern] = [
    path("i/<str:token>/", runner_enter, name="runner_enter"),
    path("interview/", runner, name="runner"),
    path("interview/welcome/", runner_welcome, name="runner_welcome"),
    path("interview/consent/", runner_consent_view, name="runner_consent"),
    path("interview/device/", runner_device, name="runner_device"),
    path("interview/practice/", runner_practice, name="runner_practice"),
    path("interview/answer/<uuid:item_id>/", runner_answer, name="runner_answer"),
    path("interview/chat/", runner_chat, name="runner_chat"),
    path("interview/facts/<uuid:item_id>/", runner_integrity_fact, name="runner_integrity_fact"),
    path("interview/prompt/<uuid:item_id>.mp3", runner_prompt_audio, name="runner_prompt"),
    path("interview/finish/", runner_finish_view, name="runner_finish"),
    path("interview/alternative/", runner_alternative, name="runner_alternative"),
    path("interview/about-you/", runner_self_id, name="runner_self_id"),
    path("interview/thanks/", runner_thanks, name="runner_thanks"),
]
