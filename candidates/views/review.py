"""The review page of one candidate interview: answers with media and transcripts, the AI's
advice (which a reviewer may override), scorecards (blind until submitted), comments with
@mentions, and the recruiter's decision.

Everybody in the team with the review permission may review an interview they can see (hiring
managers only those they were added to as reviewers); only authors (recruiters and up) decide
and re-run evaluations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.access import deny, team_required
from accounts.audit import audit_record, client_ip
from accounts.permissions import Perm
from candidates.forms.review import CommentForm, DecisionForm, OverrideForm, ScorecardForm
from candidates.models import Answer, CandidateInterview, Comment, CriterionScore
from candidates.selectors import invites_visible
from candidates.selectors_review import (
    ai_basis,
    ai_overall,
    outside_ratings,
    question_rows,
    report_rerun,
    rerun_latest,
    rerun_state,
    review_invites,
    review_neighbours,
    review_queue,
    scorecard_summary,
    scorecard_template_of,
)
from candidates.services.integrity import facts_by_question
from candidates.services.review import (
    candidate_interview_decide,
    comment_create,
    comment_delete,
    criterion_score_override,
    scorecard_save,
)
from speech.http import media_response

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from accounts.http import TeamRequest


def _get(queryset: QuerySet[Any], **lookup: Any) -> Any:
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError, TypeError) as exc:
        raise Http404("Not found.") from exc


def get_review_invite_for(
    request: TeamRequest, pk: Any, *, full: bool = False
) -> CandidateInterview:
    """The candidate interview ``pk`` if the member may review it (404 otherwise: another
    team's, or an interview a hiring manager was not added to). ``full`` prefetches everything
    the review page shows."""
    if not request.membership.can(Perm.REVIEW):
        raise deny(request, "Your role cannot review candidates.")
    queryset = (
        review_invites(membership=request.membership)
        if full
        else invites_visible(membership=request.membership).select_related(
            "candidate", "interview", "team"
        )
    )
    invite: CandidateInterview = _get(queryset, pk=pk)
    return invite


def _review_url(invite: CandidateInterview, anchor: str = "") -> str:
    url = reverse("candidates:invite_review", args=[invite.pk])
    return f"{url}#{anchor}" if anchor else url


def _thread(invite: CandidateInterview, answer: Answer | None, comments: list[Comment]) -> dict:
    return {
        "invite": invite,
        "answer": answer,
        "comments": comments,
        "form": CommentForm(initial={"answer": answer.pk if answer else None}),
        "dom_id": f"comments-{answer.pk}" if answer else "comments-general",
    }


def _review_context(
    request: TeamRequest,
    invite: CandidateInterview,
    *,
    scorecard_form: ScorecardForm | None = None,
) -> dict[str, Any]:
    rows = question_rows(invite)
    facts = facts_by_question(invite)
    for row in rows:
        row.thread = _thread(  # type: ignore[attr-defined]
            invite, row.answer, list(row.answer.comments.all()) if row.answer else []
        )
        row.facts = facts.get(row.item.pk, [])
    summary = scorecard_summary(invite, viewer=request.user)
    if scorecard_form is None:
        scorecard_form = ScorecardForm(
            initial=ScorecardForm.initial_for(summary.own), criteria=summary.criteria
        )
    previous, following = review_neighbours(membership=request.membership, invite=invite)
    in_queue = request.GET.get("queue") == "mine"
    if in_queue:
        # Walking "Waiting for your scorecard": next is the one after this in the queue's
        # order (this one may just have left it), then any skipped earlier one.
        previous = None
        waiting = review_queue(membership=request.membership).exclude(pk=invite.pk)
        at = invite.completed_at
        following = None
        if at is not None:
            following = waiting.filter(
                Q(completed_at__gt=at) | Q(completed_at=at, pk__gt=invite.pk)
            ).first()
        following = following or waiting.first()
    turns = getattr(invite, "interview_turns", [])
    return {
        "invite": invite,
        "candidate": invite.candidate,
        "interview": invite.interview,
        "rows": rows,
        "conversation": turns,
        "ai": ai_overall(invite, rows),
        "ai_basis": ai_basis(rows),
        "report_rerun": report_rerun(invite),
        "summary": summary,
        "template": scorecard_template_of(invite),
        "scorecard_form": scorecard_form,
        "general_thread": _thread(invite, None, getattr(invite, "general_comments", [])),
        "outside_ratings": outside_ratings(invite),
        "decision_form": DecisionForm(initial={"decision": invite.decision}),
        "can_decide": request.membership.can(Perm.AUTHOR),
        "previous": previous,
        "next": following,
        "in_queue": in_queue,
        "page_title": f"Review · {invite.candidate.full_name}",
        "section": "invites",
    }


def _page(request: TeamRequest, context: dict[str, Any], partial: str = "") -> HttpResponse:
    name = "candidates/review/page.html"
    if partial and request.htmx:
        name = f"{name}#{partial}"
    response = render(request, name, context)
    response["Vary"] = "HX-Request"
    return response


@require_GET
@team_required
def invite_review(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The review page. Opening it is recorded in the audit log (a view of a candidate's
    answers); htmx refreshes of its panels are not."""
    invite = get_review_invite_for(request, pk, full=True)
    if not request.htmx:
        audit_record(
            action="invite.answers_viewed",
            actor=request.user,
            team=request.team,
            obj=invite,
            ip=client_ip(request),
        )
    return _page(request, _review_context(request, invite))


@require_GET
@team_required
def answer_media(request: TeamRequest, pk: UUID, answer_pk: UUID) -> HttpResponse:
    """An answer's recording, with range requests so the player can seek."""
    invite = get_review_invite_for(request, pk)
    answer: Answer = _get(Answer.objects.filter(candidate_interview=invite), pk=answer_pk)
    if not answer.media:
        raise Http404("This answer has no recording.")
    name = answer.media.name or ""
    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    response = media_response(
        request,
        answer.playback or answer.media,  # the seekable copy once made (candidates.recordings)
        content_type=answer.media_type or "application/octet-stream",
        filename=f"answer-{answer.pk}.{extension}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@team_required
def answer_rendition(request: TeamRequest, pk: UUID, answer_pk: UUID) -> HttpResponse:
    """An answer's MP4/M4A rendition (for Safari), with range requests like the recording."""
    invite = get_review_invite_for(request, pk)
    answer: Answer = _get(Answer.objects.filter(candidate_interview=invite), pk=answer_pk)
    if not answer.media or not answer.rendition:
        raise Http404("This answer has no rendition.")
    name = answer.rendition.name or ""
    response = media_response(
        request,
        answer.rendition,
        content_type=answer.rendition_type.split(";", 1)[0] or "application/octet-stream",
        filename=f"answer-{answer.pk}.{name.rsplit('.', 1)[-1] if '.' in name else 'bin'}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_POST
@team_required
def scorecard_save_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Save the reviewer's scorecard as a draft, or submit it (``action=submit``). htmx swaps
    the scorecard panel; without JavaScript the page reloads."""
    invite = get_review_invite_for(request, pk, full=True)
    template = scorecard_template_of(invite)
    criteria = list(template.criteria.all()) if template else []
    form = ScorecardForm(request.POST, criteria=criteria)
    submit = request.POST.get("action") == "submit"
    saved = False
    if form.is_valid():
        try:
            scorecard_save(
                invite=invite,
                reviewer=request.user,
                ratings=form.ratings(),
                recommendation=form.cleaned_data["recommendation"],
                notes=form.cleaned_data["notes"],
                submit=submit,
            )
        except ValidationError as exc:
            form.apply_errors(exc)
        else:
            saved = True
    if saved:
        note = "Scorecard submitted." if submit else "Draft saved."
        if not request.htmx:
            messages.success(request, note)
            return redirect(_review_url(invite, "scorecard"))
        invite = get_review_invite_for(request, pk, full=True)
        context = _review_context(request, invite)
        context["scorecard_saved"] = note
        context["oob"] = True  # the summary card above the answers changes too
        return _page(request, context, "scorecard")
    response = _page(request, _review_context(request, invite, scorecard_form=form), "scorecard")
    if not request.htmx:
        response.status_code = 400
    return response


@require_POST
@team_required
def comment_create_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    invite = get_review_invite_for(request, pk)
    form = CommentForm(request.POST)
    answer = None
    if form.is_valid():
        if form.cleaned_data["answer"]:
            answer = _get(
                Answer.objects.filter(candidate_interview=invite), pk=form.cleaned_data["answer"]
            )
        try:
            comment_create(
                invite=invite, answer=answer, author=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form.add_error("body" if "body" in exc.message_dict else None, exc)
        else:
            form = CommentForm(initial={"answer": answer.pk if answer else None})
    elif request.POST.get("answer"):
        answer = Answer.objects.filter(
            candidate_interview=invite, pk__in=[request.POST["answer"]]
        ).first()
    anchor = f"comments-{answer.pk}" if answer else "comments-general"
    if not request.htmx:
        if form.errors:
            messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(_review_url(invite, anchor))
    return _thread_response(request, invite, answer, form)


def _thread_response(
    request: TeamRequest, invite: CandidateInterview, answer: Answer | None, form: CommentForm
) -> HttpResponse:
    comments = Comment.objects.filter(candidate_interview=invite, answer=answer).select_related(
        "author"
    )
    thread = _thread(invite, answer, list(comments.order_by("created_at", "id")))
    thread["form"] = form
    response = render(request, "candidates/review/_comments.html", {"thread": thread})
    response["Vary"] = "HX-Request"
    return response


@require_POST
@team_required
def comment_delete_view(request: TeamRequest, pk: UUID, comment_pk: int) -> HttpResponse:
    invite = get_review_invite_for(request, pk)
    comment: Comment = _get(
        Comment.objects.filter(candidate_interview=invite).select_related("answer"), pk=comment_pk
    )
    try:
        comment_delete(comment=comment, by=request.user)
    except PermissionDenied as exc:
        raise deny(request, str(exc)) from exc
    answer = comment.answer
    if not request.htmx:
        messages.success(request, "Comment deleted.")
        return redirect(_review_url(invite, f"comments-{answer.pk}" if answer else "comments"))
    return _thread_response(
        request, invite, answer, CommentForm(initial={"answer": answer.pk if answer else None})
    )


@require_POST
@team_required
def decide_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The recruiter's decision. Hiring managers see it but cannot set it (403)."""
    invite = get_review_invite_for(request, pk)
    if not request.membership.can(Perm.AUTHOR):
        raise deny(request, "Only recruiters and admins record the decision.")
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose advance, hold or reject.")
        return redirect(_review_url(invite, "decision"))
    try:
        candidate_interview_decide(
            invite=invite, decision=form.cleaned_data["decision"], by=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Decision recorded: {invite.get_decision_display().lower()}.")
    return redirect(_review_url(invite, "decision"))


@require_POST
@team_required
def override_view(request: TeamRequest, pk: UUID, score_pk: int) -> HttpResponse:
    """A reviewer's score for one AI criterion score, with a required reason."""
    invite = get_review_invite_for(request, pk)
    score: CriterionScore = _get(
        CriterionScore.objects.filter(evaluation__candidate_interview=invite).select_related(
            "evaluation__candidate_interview__team", "overridden_by"
        ),
        pk=score_pk,
    )
    form = OverrideForm(request.POST, prefix=f"o{score.pk}")
    if form.is_valid():
        try:
            score = criterion_score_override(
                score=score,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except ValidationError as exc:
            for name, errors in exc.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
    ok = not form.errors
    if not request.htmx:
        if ok:
            messages.success(request, f"{score.criterion_name}: your score is saved.")
        else:
            messages.error(
                request,
                f"{score.criterion_name}: "
                + " ".join(str(e) for errs in form.errors.values() for e in errs),
            )
        return redirect(_review_url(invite, f"score-{score.pk}"))
    score.override_form = None if ok else form  # type: ignore[attr-defined]
    response = render(
        request, "candidates/review/_criterion_score.html", {"cs": score, "invite": invite}
    )
    response["Vary"] = "HX-Request"
    return response


@require_POST
@team_required
def rerun_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Ask for the interview's report (or one ``answer``'s evaluation) to be evaluated again.
    The run is queued (candidates.tasks.evaluation_run_task) and the page answers at once:
    htmx swaps the AI card's re-run controls for its progress, which polls
    ``rerun_progress_view``; without JavaScript the page reloads and shows the same."""
    invite = get_review_invite_for(request, pk)
    if not request.membership.can(Perm.AUTHOR):
        raise deny(request, "Only recruiters and admins re-run evaluations.")
    answer: Answer | None = None
    if answer_pk := request.POST.get("answer"):
        answer = _get(Answer.objects.filter(candidate_interview=invite), pk=answer_pk)
    # Imported here: the evaluation pipeline loads its providers, which the page does not need.
    from candidates.services.evaluations import evaluation_rerun_request

    try:
        run = evaluation_rerun_request(
            answer_or_invite=answer or invite, by=request.user, ip=client_ip(request)
        )
    except PermissionDenied as exc:
        raise deny(request, str(exc)) from exc
    except ValidationError as exc:  # the candidate declined AI evaluation: nothing to re-run
        messages.error(request, " ".join(exc.messages))
        url = _review_url(invite, "ai-summary")
        if request.htmx:
            response = HttpResponse(status=409)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    if request.htmx:
        return _rerun_response(request, invite, answer)
    messages.success(
        request,
        "Re-evaluation queued: the new evaluation appears here when it is ready."
        if run.is_pending
        else "Evaluated again.",
    )
    return redirect(_review_url(invite, f"answer-{answer.pk}" if answer else "ai-summary"))


@require_GET
@team_required
def rerun_progress_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The AI card's re-run progress (``?answer=``: an answer's, else the report's), polled by
    htmx every 2 s while the run is queued or running. A poll that finds the status it last
    showed (``seen``) answers 204, which swaps nothing; a finished run swaps in its result.
    Without htmx it is a link back to the review page."""
    invite = get_review_invite_for(request, pk)
    answer: Answer | None = None
    if answer_pk := request.GET.get("answer"):
        answer = _get(Answer.objects.filter(candidate_interview=invite), pk=answer_pk)
    if not request.htmx:
        return redirect(_review_url(invite, f"answer-{answer.pk}" if answer else "ai-summary"))
    return _rerun_response(request, invite, answer, seen=request.GET.get("seen", ""))


def _rerun_response(
    request: TeamRequest, invite: CandidateInterview, answer: Answer | None, seen: str = ""
) -> HttpResponse:
    """The re-run controls of the AI card: the progress while the run is pending; once it has
    finished, its outcome with the new evaluation (and the AI figure, which it may change)
    swapped in out of band."""
    run = rerun_latest(invite=invite, answer=answer)
    state = rerun_state(run, finished=True)
    context: dict[str, Any] = {
        "invite": invite,
        "rerun": state,
        "rerun_answer_pk": answer.pk if answer else None,
        "can_decide": request.membership.can(Perm.AUTHOR),
    }
    if state is not None and state.pending:
        if seen == state.status:
            response = HttpResponse(status=204)
        else:
            response = render(request, "candidates/review/_rerun.html", context)
    else:
        full = get_review_invite_for(request, invite.pk, full=True)
        rows = question_rows(full)
        row = next((r for r in rows if answer and r.answer and r.answer.pk == answer.pk), None)
        context.update(
            invite=full,
            row=row,
            # An earlier attempt (not on the page) keeps its button; so does the report.
            can_request=row.ai_rerunnable if row else True,
            ai=ai_overall(full, rows),
            ai_basis=ai_basis(rows),
            oob=True,
        )
        response = render(request, "candidates/review/_rerun_done.html", context)
    response["Vary"] = "HX-Request"
    return response


urlpatterns: list[URLPattern] = [
    path("invites/<uuid:pk>/review/", invite_review, name="invite_review"),
    path("invites/<uuid:pk>/answers/<uuid:answer_pk>/media/", answer_media, name="answer_media"),
    path(
        "invites/<uuid:pk>/answers/<uuid:answer_pk>/media/rendition/",
        answer_rendition,
        name="answer_rendition",
    ),
    path("invites/<uuid:pk>/review/scorecard/", scorecard_save_view, name="review_scorecard"),
    path("invites/<uuid:pk>/review/comments/", comment_create_view, name="review_comment"),
    path(
        "invites/<uuid:pk>/review/comments/<int:comment_pk>/delete/",
        comment_delete_view,
        name="review_comment_delete",
    ),
    path("invites/<uuid:pk>/review/decision/", decide_view, name="review_decide"),
    path(
        "invites/<uuid:pk>/review/scores/<int:score_pk>/override/",
        override_view,
        name="review_override",
    ),
    path("invites/<uuid:pk>/review/rerun/", rerun_view, name="review_rerun"),
    path(
        "invites/<uuid:pk>/review/rerun/progress/",
        rerun_progress_view,
        name="review_rerun_progress",
    ),
]
