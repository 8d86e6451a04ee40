"""An interview's results: the table of its candidates with AI and reviewer scores, analytics,
a side-by-side comparison, a CSV export and printable scorecards. Every role that may see the
interview may see these (hiring managers: the interviews they review)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.audit import audit_record, client_ip
from accounts.permissions import Perm
from candidates.agreement import interview_agreement
from candidates.analytics import interview_analytics_cached
from candidates.models import CandidateInterview
from candidates.scores import scores_of
from candidates.selectors_results import (
    SORTS,
    compare_rows,
    result_list,
    results_annotated,
    scorecards_for_print,
)
from candidates.services.review import BULK_DECIDE_MAX, invite_decide_bulk
from candidates.tables.results import ResultTable, ai_score_html, decision_badge, review_url
from interviews.selectors import interviews_visible
from kit.csv_export import csv_response
from kit.pages import render_page
from kit.tables import BoundedLazyPaginator

if TYPE_CHECKING:
    from accounts.http import TeamRequest
    from interviews.models import Interview

PAGE_SIZE = 25
COMPARE_MIN, COMPARE_MAX = 2, 4
# A printout of more than this many candidates is better split by filters.
PRINT_LIMIT = 200


class ResultFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[
            ("", "Any status"),
            *(c for c in CandidateInterview.Status.choices if c[0] != "DRAFT"),
        ],
    )
    decision = forms.ChoiceField(
        required=False,
        label="Decision",
        choices=[("", "Any decision"), *CandidateInterview.Decision.choices, ("none", "Undecided")],
    )
    knockout = forms.ChoiceField(
        required=False,
        label="Knockouts",
        choices=[("", "Flagged or not"), ("yes", "Flagged"), ("no", "Not flagged")],
    )

    def filters(self) -> dict[str, str]:
        return dict(self.cleaned_data) if self.is_valid() else {}


def get_results_interview(request: TeamRequest, pk: uuid.UUID) -> Interview:
    """The interview ``pk`` if the member may see it (404 otherwise, hiring managers included
    for an interview they do not review)."""
    try:
        return interviews_visible(membership=request.membership).get(pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404("No interview with that id.") from exc


def _filters(request: TeamRequest) -> tuple[ResultFilterForm, dict[str, str]]:
    form = ResultFilterForm(request.GET or None)
    filters = form.filters()
    if (sort := request.GET.get("sort", "")) in SORTS:
        filters["sort"] = sort
    return form, filters


@require_GET
@team_required
def result_list_view(request: TeamRequest, interview_pk: uuid.UUID) -> HttpResponse:
    interview = get_results_interview(request, interview_pk)
    filter_form, filters = _filters(request)
    filters.pop("sort", None)  # The table sorts (same keys, see ResultTable.order_*).
    table = ResultTable(result_list(interview=interview, filters=filters))
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    context: dict[str, Any] = {
        "interview": interview,
        "table": table,
        "filter_form": filter_form,
        "page_title": f"Results · {interview.title}",
        "section": "interviews",
    }
    if not (request.htmx and not request.htmx.boosted):
        # The analytics panel is its own request (result_analytics_view): the table never
        # waits for the aggregates.
        context["has_any"] = (
            CandidateInterview.objects.filter(team_id=interview.team_id, interview=interview)
            .exclude(status=CandidateInterview.Status.DRAFT)
            .exists()
        )
        if context["has_any"]:
            context["agreement"] = interview_agreement(interview=interview)
    return render_page(request, "candidates/results/list.html", context, partial="table")


@require_GET
@team_required
def result_analytics_view(request: TeamRequest, interview_pk: uuid.UUID) -> HttpResponse:
    """The results page's analytics panel: a fragment that the page loads after it shows
    (htmx), or a page of its own without JavaScript. Served from the per-interview cache."""
    interview = get_results_interview(request, interview_pk)
    analytics = interview_analytics_cached(interview=interview)
    context = {
        "interview": interview,
        "analytics": analytics,
        "charts": analytics.charts,
        "page_title": f"Analytics · {interview.title}",
        "section": "interviews",
    }
    if request.htmx:
        return render_page(request, "candidates/results/_analytics.html", context)
    return render_page(request, "candidates/results/analytics.html", context)


# ---------------------------------------------------------------- compare


def _uuids(values: list[str]) -> list[str]:
    """Distinct ids in the given order; a malformed one is a 404 like an unknown one."""
    seen: list[str] = []
    for value in values:
        try:
            pk = str(uuid.UUID(value))
        except ValueError as exc:
            raise Http404("No candidate interview with that id.") from exc
        if pk not in seen:
            seen.append(pk)
    return seen


@require_GET
@team_required
def compare_view(request: TeamRequest, interview_pk: uuid.UUID) -> HttpResponse:
    """Two to four of the interview's candidates side by side, question by question.
    Any id that is not one of this interview's invites (another team's included) is a 404."""
    interview = get_results_interview(request, interview_pk)
    ids = _uuids(request.GET.getlist("ids"))
    context: dict[str, Any] = {
        "interview": interview,
        "page_title": f"Compare · {interview.title}",
        "section": "interviews",
        "compare_min": COMPARE_MIN,
        "compare_max": COMPARE_MAX,
    }
    if not COMPARE_MIN <= len(ids) <= COMPARE_MAX:
        context["error"] = (
            f"Choose between {COMPARE_MIN} and {COMPARE_MAX} candidates to compare; "
            f"you chose {len(ids)}."
        )
        return render(request, "candidates/results/compare.html", context, status=400)
    found = {
        str(i.pk): i
        for i in results_annotated(
            CandidateInterview.objects.filter(
                team_id=interview.team_id, interview=interview, pk__in=ids
            ).exclude(status=CandidateInterview.Status.DRAFT)
        )
    }
    if len(found) != len(ids):
        raise Http404("No candidate interview with that id.")
    invites = [found[pk] for pk in ids]
    context.update(
        invites=[
            {
                "invite": i,
                "review_url": review_url(i.pk),
                "ai": ai_score_html(scores_of(i), testid="compare-ai-score"),
                "human": scores_of(i).human_text,
                "decision": decision_badge(i),
            }
            for i in invites
        ],
        rows=compare_rows(interview=interview, invites=invites),
    )
    return render(request, "candidates/results/compare.html", context)


# ---------------------------------------------------------------- bulk decisions

BULK_ACTIONS = {
    "advance": "Advance",
    "hold": "Hold",
    "reject": "Reject",
}


def _selected(interview: Interview, values: list[str]) -> list[CandidateInterview]:
    """The chosen invites of this interview in the given order; any other id is a 404."""
    ids = _uuids(values)
    found = {
        str(i.pk): i
        for i in CandidateInterview.objects.filter(
            team_id=interview.team_id, interview=interview, pk__in=ids
        )
        .exclude(status=CandidateInterview.Status.DRAFT)
        .select_related("candidate", "team")
    }
    if len(found) != len(ids):
        raise Http404("No candidate interview with that id.")
    return [found[pk] for pk in ids]


@require_http_methods(["GET", "POST"])
@team_required
def result_decide_view(request: TeamRequest, interview_pk: uuid.UUID) -> HttpResponse:
    """Advance, hold or reject the selected candidates in one step (GET: a confirmation naming
    them; POST: record it), or share them (a redirect to the share page with each as
    ``invite=<id>``). Only recruiters and admins decide, as on the review page; whoever may
    review may share."""
    interview = get_results_interview(request, interview_pk)
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("decision", "")
    # Sharing needs only the review permission (hiring managers share too); deciding, author.
    if request.method == "POST" and action != "share" and not request.membership.can(Perm.AUTHOR):
        raise deny(request, "Only recruiters and admins record the decision.")
    back = reverse("candidates:interview_results", args=[interview.pk])
    values = data.getlist("ids")
    if not values or len(values) > BULK_DECIDE_MAX:
        messages.error(
            request,
            _("Select between 1 and %(max)d candidates first.") % {"max": BULK_DECIDE_MAX},
        )
        return redirect(back)
    invites = _selected(interview, values)
    if action == "share":
        query = urlencode([("invite", str(i.pk)) for i in invites])
        return redirect(f"{reverse('candidates:share_create', args=[invites[0].pk])}?{query}")
    if action not in BULK_ACTIONS:
        messages.error(request, _("Choose advance, hold, reject or share."))
        return redirect(back)
    if not request.membership.can(Perm.AUTHOR):
        raise deny(request, "Only recruiters and admins record the decision.")
    context: dict[str, Any] = {
        "interview": interview,
        "invites": invites,
        "decision": action,
        "decision_label": CandidateInterview.Decision(action).label,
        "back": back,
        "page_title": f"Confirm decision · {interview.title}",
        "section": "interviews",
    }
    if request.method == "POST":
        try:
            invite_decide_bulk(invites=invites, decision=action, by=request.user)
        except ValidationError as exc:
            context["error"] = " ".join(exc.messages)
            return render(request, "candidates/results/decide.html", context, status=400)
        messages.success(
            request,
            ngettext(
                "Decision recorded for %(n)d candidate: %(decision)s.",
                "Decision recorded for %(n)d candidates: %(decision)s.",
                len(invites),
            )
            % {"n": len(invites), "decision": context["decision_label"].lower()},
        )
        return redirect(back)
    return render(request, "candidates/results/decide.html", context)


# ---------------------------------------------------------------- exports

CSV_HEADER = [
    "Candidate",
    "Email",
    "Status",
    "Invited",
    "Started",
    "Completed",
    "AI score (advice)",
    "AI score based on",
    "Reviewer score",
    "Scorecards",
    "Knockout flags",
    "Decision",
    "AI evaluation declined",
]


def _iso(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


def _csv_rows(invites: Any) -> Iterator[Sequence[object]]:
    yield CSV_HEADER
    for invite in invites.iterator(chunk_size=2000):
        scores = scores_of(invite)
        yield [
            invite.candidate.full_name,
            invite.candidate.email,
            invite.get_status_display(),
            _iso(invite.invited_at),
            _iso(invite.started_at),
            _iso(invite.completed_at),
            "" if scores.ai is None else scores.ai_text,
            scores.ai_basis_text,
            "" if scores.human is None else scores.human_text,
            invite.scorecard_count,
            invite.knockout_count,
            invite.get_decision_display() if invite.decision else "",
            "yes" if invite.ai_evaluation_declined else "no",
        ]


def _audit(request: TeamRequest, action: str, interview: Interview, filters: dict) -> None:
    audit_record(
        action=action,
        actor=request.user,
        team=request.team,
        obj=interview,
        ip=client_ip(request),
        data={"filters": filters},
    )


@require_GET
@team_required  # type: ignore[arg-type]  # a streaming response is not an HttpResponse
def result_export_view(request: TeamRequest, interview_pk: uuid.UUID) -> StreamingHttpResponse:
    """The results table as CSV, with the page's filters and sort, streamed row by row."""
    interview = get_results_interview(request, interview_pk)
    _, filters = _filters(request)
    _audit(request, "results.exported", interview, filters)
    name = slugify(interview.title) or "interview"
    stamp = timezone.localdate().isoformat()
    return csv_response(
        _csv_rows(result_list(interview=interview, filters=filters)),
        filename=f"{name}-results-{stamp}.csv",
    )


@require_GET
@team_required
def scorecards_print_view(request: TeamRequest, interview_pk: uuid.UUID) -> HttpResponse:
    """Each filtered candidate with a submitted scorecard on a page of its own when printed:
    the reviewers' ratings, recommendations and notes, and the decision."""
    interview = get_results_interview(request, interview_pk)
    _, filters = _filters(request)
    invites = list(
        scorecards_for_print(result_list(interview=interview, filters=filters))[: PRINT_LIMIT + 1]
    )
    _audit(request, "results.scorecards_printed", interview, filters)
    return render(
        request,
        "candidates/results/scorecards.html",
        {
            "interview": interview,
            "invites": [(i, scores_of(i)) for i in invites[:PRINT_LIMIT]],
            "truncated": len(invites) > PRINT_LIMIT,
            "print_limit": PRINT_LIMIT,
            "printed_at": timezone.now(),
            "page_title": f"Scorecards · {interview.title}",
            "section": "interviews",
        },
    )


urlpatterns: list[URLPattern] = [
    path("interviews/<uuid:interview_pk>/results/", result_list_view, name="interview_results"),
    path(
        "interviews/<uuid:interview_pk>/results/analytics/",
        result_analytics_view,
        name="interview_results_analytics",
    ),
    path(
        "interviews/<uuid:interview_pk>/results/export.csv",
        result_export_view,
        name="interview_results_export",
    ),
    path(
        "interviews/<uuid:interview_pk>/results/scorecards/",
        scorecards_print_view,
        name="interview_results_scorecards",
    ),
    path("interviews/<uuid:interview_pk>/compare/", compare_view, name="interview_compare"),
    path(
        "interviews/<uuid:interview_pk>/results/decide/",
        result_decide_view,
        name="interview_results_decide",
    ),
]
