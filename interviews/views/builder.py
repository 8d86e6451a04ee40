"""The interview list, the interview builder (ordered questions), copy, bulk status, scorecard
templates and the candidate preview."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.audit import client_ip
from accounts.http import TeamRequest
from accounts.models import Membership, Role, User
from candidates.runner.chat import chat_mode_notice
from interviews.access import get_visible_interview_for
from interviews.forms.builder import (
    BulkStatusForm,
    CopyForm,
    CriterionFormSet,
    InterviewFilterForm,
    InterviewForm,
    ScorecardForm,
)
from interviews.models import Interview, InterviewQuestion
from interviews.selectors import (
    PICKER_MODELS,
    interview_items,
    interview_list,
    interview_scorecard_template,
    interviews_visible,
    picker_questions,
    teams_writable_by,
)
from interviews.services.copy import interview_copy
from interviews.services.interviews import (
    ItemSettings,
    StaleQuestionList,
    interview_bulk_set_status,
    interview_create,
    interview_question_add,
    interview_questions_apply,
    interview_reviewers_set,
    interview_update,
)
from interviews.services.scorecards import (
    DEFAULT_ANCHORS,
    SCALE,
    scorecard_template_create_default,
    scorecard_template_save,
)
from kit.csp import site_policy, use_policy
from kit.pages import apply_errors, render_page

PAGE_SIZE = 25


def _require_author(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Your role can view interviews but not change them.")


# ---------------------------------------------------------------- the list and bulk status


@require_GET
@team_required
def interview_list_view(request: TeamRequest) -> HttpResponse:
    filter_form = InterviewFilterForm(request.GET or None)
    interviews = interview_list(
        team=request.team, filters=filter_form.filters(), membership=request.membership
    )
    from interviews.tables.builder import InterviewListTable

    table = InterviewListTable(interviews)
    if not request.membership.can_author:
        table.columns.hide("select")
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return render_page(
        request,
        "interviews/builder/list.html",
        {
            "table": table,
            "filter_form": filter_form,
            "status_choices": Interview.Status.choices,
            "has_any": interviews_visible(membership=request.membership).exists(),
            "page_title": "Interviews",
            "section": "interviews",
        },
        partial="table",
    )


@require_POST
@team_required
def interview_bulk(request: TeamRequest) -> HttpResponse:
    """Change the status of the selected interviews, after a confirmation that names them."""
    _require_author(request)
    ids = request.POST.getlist("ids")
    chosen = list(
        interviews_visible(membership=request.membership).filter(pk__in=ids).order_by("title")
    )
    form = BulkStatusForm(request.POST, choices=[(str(i.pk), i.title) for i in chosen])
    if not form.is_valid() or len(chosen) != len(set(ids)):
        message = (
            "Select at least one interview and a status."
            if not ids or chosen
            else ("Some of the selected interviews no longer exist.")
        )
        if request.htmx:
            return render(request, "interviews/builder/_bulk_confirm.html", {"error": message})
        messages.error(request, message)
        return redirect("interviews:interview_list")
    status = form.cleaned_data["status"]
    if request.POST.get("confirm") != "yes":
        context = {
            "interviews": chosen,
            "status": status,
            "status_label": Interview.Status(status).label,
        }
        template = "interviews/builder/_bulk_confirm.html"
        if not request.htmx:
            template = "interviews/builder/bulk_confirm.html"
            context["page_title"] = "Confirm"
        return render(request, template, context)
    count = interview_bulk_set_status(team=request.team, ids=ids, status=status)
    messages.success(
        request,
        f"{count} interview{'s' if count != 1 else ''} set to {Interview.Status(status).label}."
        if count
        else "Nothing changed: the selected interviews already had that status.",
    )
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("interviews:interview_list")
        return response
    return redirect("interviews:interview_list")


# ---------------------------------------------------------------- create and settings


def _save_settings(
    request: TeamRequest, form: InterviewForm, interview: Interview | None
) -> Interview:
    if interview is None:
        return interview_create(
            team=request.team,
            by=request.user,
            keywords=form.keyword_list(),
            ip=client_ip(request),
            **form.settings(),
        )
    return interview_update(interview=interview, keywords=form.keyword_list(), **form.settings())


@require_http_methods(["GET", "POST"])
@team_required
def interview_create_view(request: TeamRequest) -> HttpResponse:
    _require_author(request)
    form = InterviewForm(request.POST or None, team=request.team)
    if request.method == "POST" and form.is_valid():
        try:
            interview = _save_settings(request, form, None)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Interview created. Now add its questions.")
            return redirect("interviews:interview_detail", interview.pk)
    return render(
        request,
        "interviews/builder/form.html",
        {"form": form, "page_title": "New interview", "section": "interviews"},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@team_required
def interview_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    interview, _ = get_visible_interview_for(request, pk, write=True)
    form = InterviewForm(request.POST or None, instance=interview, team=request.team)
    if request.method == "POST" and form.is_valid():
        try:
            _save_settings(request, form, interview)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("interviews:interview_detail", interview.pk)
    return render(
        request,
        "interviews/builder/form.html",
        {
            "form": form,
            "interview": interview,
            "reviewers_form": ReviewersForm(interview=interview),
            "page_title": f"Settings · {interview.title}",
            "section": "interviews",
        },
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- reviewers


class ReviewersForm(forms.Form):
    """The hiring managers who review an interview. Any member of the team is accepted here so
    that the service, not the form, says why someone who is not a hiring manager is refused."""

    reviewers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Hiring managers who review this interview",
        help_text="They see this interview's candidates, answers and scores, and nothing else.",
    )

    def __init__(self, *args: Any, interview: Interview, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"reviewers": list(interview.reviewers.all())})
        super().__init__(*args, **kwargs)
        field: forms.ModelMultipleChoiceField[User] = self.fields["reviewers"]  # type: ignore[assignment]
        members = Membership.objects.filter(team_id=interview.team_id)
        field.queryset = User.objects.filter(pk__in=members.values("user_id")).order_by("email")
        self.managers = list(
            User.objects.filter(
                pk__in=members.filter(role=Role.HIRING_MANAGER).values("user_id")
            ).order_by("full_name", "email")
        )

    @property
    def chosen(self) -> set[str]:
        """The ids ticked: as posted, or the current reviewers."""
        if self.is_bound:
            return {str(v) for v in self.data.getlist("reviewers")}  # type: ignore[attr-defined]
        return {str(u.pk) for u in self.initial.get("reviewers", [])}


@require_http_methods(["GET", "POST"])
@team_required
def interview_reviewers(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Choose the interview's reviewers (htmx swaps the card; without JavaScript, a redirect
    back to the settings page)."""
    interview, _ = get_visible_interview_for(request, pk, write=True)
    if request.method == "GET" and not request.htmx:
        return redirect("interviews:interview_edit", interview.pk)
    # Ticking nobody posts nothing: an empty POST still means "no reviewers".
    form = ReviewersForm(request.POST if request.method == "POST" else None, interview=interview)
    note = ""
    if request.method == "POST" and form.is_valid():
        try:
            added = interview_reviewers_set(
                interview=interview, users=form.cleaned_data["reviewers"], by=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            note = "Reviewers saved."
            if added:
                note += f" Emailed {', '.join(u.display_name for u in added)} a link."
            if not request.htmx:
                messages.success(request, note)
                return redirect("interviews:interview_edit", interview.pk)
            form = ReviewersForm(interview=interview)
    response = render(
        request,
        "interviews/builder/_reviewers.html",
        {"interview": interview, "reviewers_form": form, "saved_note": note},
        status=422 if form.errors else 200,
    )
    response["Vary"] = "HX-Request"
    return response


# ---------------------------------------------------------------- the builder


def _builder_context(request: TeamRequest, interview: Interview, **extra: Any) -> dict[str, Any]:
    kind = request.GET.get("kind") or request.POST.get("kind") or InterviewQuestion.Kind.AUDIO
    if kind not in PICKER_MODELS:
        kind = InterviewQuestion.Kind.AUDIO
    q = request.GET.get("q", "")
    can_edit = request.membership.can_author
    return {
        "interview": interview,
        "items": interview_items(interview=interview),
        "can_edit": can_edit,
        "picker_kind": kind,
        "picker_kinds": InterviewQuestion.Kind.choices,
        "picker_q": q,
        "picker": picker_questions(interview=interview, kind=kind, q=q) if can_edit else [],
        "keywords": [k.text for k in interview.keywords.all()],
        "scorecard": interview_scorecard_template(interview),
        "chat_notice": chat_mode_notice(interview)
        if interview.interview_type == Interview.InterviewType.AI
        else None,
        "page_title": interview.title,
        "section": "interviews",
        **extra,
    }


@require_GET
@team_required
def interview_detail(request: TeamRequest, pk: UUID) -> HttpResponse:
    interview, _ = get_visible_interview_for(request, pk)
    if request.htmx and request.htmx.target == "picker":
        return render_page(
            request,
            "interviews/builder/detail.html",
            _builder_context(request, interview),
            partial="picker",
        )
    return render_page(
        request, "interviews/builder/detail.html", _builder_context(request, interview)
    )


def _list_response(
    request: TeamRequest, interview: Interview, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The re-rendered question list (htmx), or back to the builder page."""
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("interviews:interview_detail", interview.pk)
    interview.refresh_from_db()
    context = _builder_context(request, interview, list_error=error)
    response = render(
        request, "interviews/builder/detail.html#question_list", context, status=status
    )
    response["Vary"] = "HX-Request"
    return response


def _version(request: TeamRequest) -> int | None:
    try:
        return int(request.POST["version"])
    except (KeyError, ValueError):
        return None


def _int_or_none(value: str, field: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationError(
            {field: "Enter a whole number of seconds, or leave it empty."}
        ) from exc


@require_POST
@team_required
def interview_questions(request: TeamRequest, pk: UUID) -> HttpResponse:
    """One endpoint for the whole question list as shown: drag-and-drop order (``order``),
    a keyboard move (``move_item`` = "<id>:up|down"), a removal (``remove_item`` = id), and each
    question's knockout flag and time overrides. A stale ``version`` changes nothing."""
    interview, _ = get_visible_interview_for(request, pk, write=True)
    post = request.POST
    move_id, _, direction = post.get("move_item", "").partition(":")
    try:
        settings = {
            item_id: ItemSettings(
                knockout=f"knockout:{item_id}" in post,
                think_time_seconds=_int_or_none(post.get(f"think:{item_id}", ""), "think_time"),
                answer_time_seconds=_int_or_none(post.get(f"answer:{item_id}", ""), "answer_time"),
            )
            for item_id in (key.removeprefix("seen:") for key in post if key.startswith("seen:"))
        }
        interview_questions_apply(
            interview=interview,
            expected_version=_version(request),
            remove=post.get("remove_item", ""),
            move=(move_id, direction) if move_id else None,
            order=post.getlist("order"),
            settings=settings,
        )
    except StaleQuestionList as exc:
        return _list_response(request, interview, error=" ".join(exc.messages), status=409)
    except ValidationError as exc:
        return _list_response(request, interview, error=" ".join(exc.messages), status=422)
    return _list_response(request, interview)


@require_POST
@team_required
def interview_question_add_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    """Add a question from the bank (the picker) at the end of the list."""
    interview, _ = get_visible_interview_for(request, pk, write=True)
    kind = request.POST.get("kind", "")
    if kind not in PICKER_MODELS:
        raise Http404("Unknown question kind.")
    model = PICKER_MODELS[kind][0]
    try:
        question = model.objects.for_team(request.team).get(pk=request.POST.get("question"))
    except (model.DoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("No such question in this team.") from exc
    error = ""
    try:
        interview_question_add(interview=interview, question=question)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, f"Added “{question}”.")
        return redirect(
            f"{reverse('interviews:interview_detail', args=[interview.pk])}?kind={kind}"
        )
    interview.refresh_from_db()
    context = _builder_context(request, interview, list_error=error, added=question)
    response = render(request, "interviews/builder/_added.html", context)
    response["Vary"] = "HX-Request"
    return response


def add_created_question(request: TeamRequest, question: Any) -> str | None:
    """After a question is created from a builder (``add_to`` = interview id), add it there.

    Returns the builder's URL to go back to, or None when the question was not made from one.
    """
    interview = adding_to(request)
    if interview is None:
        return None
    try:
        interview_question_add(interview=interview, question=question)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{question}” was created and added to {interview.title}.")
    return reverse("interviews:interview_detail", args=[interview.pk])


def adding_to(request: TeamRequest) -> Interview | None:
    """The team's interview a question is being created for (``add_to``), if any."""
    add_to = request.POST.get("add_to") or request.GET.get("add_to")
    if not add_to:
        return None
    return Interview.objects.for_team(request.team).filter(pk__in=_valid_ids([add_to])).first()


def _valid_ids(values: list[str]) -> list[str]:
    import uuid

    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


# ---------------------------------------------------------------- copy


@require_http_methods(["GET", "POST"])
@team_required
def interview_copy_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    interview, _ = get_visible_interview_for(request, pk, write=True)
    teams = teams_writable_by(user=request.user, organization_id=request.team.organization_id)
    form = CopyForm(request.POST or None, teams=teams, current_team=request.team)
    if request.method == "POST" and form.is_valid():
        target = form.teams[form.cleaned_data["team"]]
        copy = interview_copy(
            interview=interview,
            to_team=target,
            by=request.user,
            copy_keywords=form.cleaned_data["copy_keywords"],
            ip=client_ip(request),
        )
        if target.pk != request.team.pk:
            request.session["team_id"] = str(target.pk)
            messages.success(
                request, f"Copied to {target.name}. You are now working in {target.name}."
            )
        else:
            messages.success(request, "Copied. This is the copy.")
        url = reverse("interviews:interview_detail", args=[copy.pk])
        if request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)
    template = (
        "interviews/builder/_copy_modal.html" if request.htmx else "interviews/builder/copy.html"
    )
    return render(
        request,
        template,
        {
            "interview": interview,
            "form": form,
            "page_title": f"Copy {interview.title}",
            "section": "interviews",
        },
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- scorecard template


def _criteria_initial(template: Any) -> list[dict[str, Any]]:
    if template is None:
        return []
    return [
        {
            "name": c.name,
            "description": c.description,
            "weight": c.weight,
            **{f"anchor_{p}": c.anchors.get(p, "") for p in SCALE},
        }
        for c in template.criteria.all()
    ]


@require_http_methods(["GET", "POST"])
@team_required
def interview_scorecard(request: TeamRequest, pk: UUID) -> HttpResponse:
    interview, can_edit = get_visible_interview_for(request, pk)
    template = interview_scorecard_template(interview)
    if request.method == "POST":
        _require_author(request)
        if "use_default" in request.POST:
            scorecard_template_create_default(interview=interview)
            messages.success(request, "The standard scorecard is in place; adjust it as you like.")
            return redirect("interviews:interview_scorecard", interview.pk)
        form = ScorecardForm(request.POST)
        formset = CriterionFormSet(request.POST, prefix="criteria")
        if "add" in request.POST:
            # Re-render with one more empty row; nothing is saved yet.
            data = request.POST.copy()
            total = int(data.get("criteria-TOTAL_FORMS", 0))
            data["criteria-TOTAL_FORMS"] = str(total + 1)
            for point, text in DEFAULT_ANCHORS.items():
                data[f"criteria-{total}-anchor_{point}"] = text
            data[f"criteria-{total}-weight"] = "1"
            formset = CriterionFormSet(data, prefix="criteria")
            form = ScorecardForm(data)
            for row in formset.forms[:-1]:
                row.is_valid()
            return render(
                request,
                "interviews/builder/scorecard.html",
                {
                    "interview": interview,
                    "form": form,
                    "formset": formset,
                    "can_edit": can_edit,
                    "scale": SCALE,
                    "page_title": "Scorecard",
                    "section": "interviews",
                    "fresh_row": total,
                },
            )
        if form.is_valid() and formset.is_valid():
            criteria = [
                {
                    "name": row.cleaned_data["name"],
                    "description": row.cleaned_data.get("description", ""),
                    "weight": row.cleaned_data["weight"],
                    "anchors": row.anchors(),
                }
                for row in formset.forms
                if row.cleaned_data and not row.cleaned_data.get("DELETE")
            ]
            try:
                scorecard_template_save(
                    interview=interview, name=form.cleaned_data["name"], criteria=criteria
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Scorecard saved.")
                return redirect("interviews:interview_detail", interview.pk)
        status = 422
    else:
        form = ScorecardForm(initial={"name": template.name if template else "Standard scorecard"})
        formset = CriterionFormSet(initial=_criteria_initial(template), prefix="criteria")
        status = 200
    return render(
        request,
        "interviews/builder/scorecard.html",
        {
            "interview": interview,
            "form": form,
            "formset": formset,
            "can_edit": can_edit,
            "has_template": template is not None,
            "scale": SCALE,
            "page_title": f"Scorecard · {interview.title}",
            "section": "interviews",
        },
        status=status,
    )


# ---------------------------------------------------------------- preview


@require_GET
@team_required
def interview_preview(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The interview as a candidate sees it, without an invite; nothing is saved."""
    interview, _ = get_visible_interview_for(request, pk)
    items = interview_items(interview=interview)
    response = render(
        request,
        "interviews/builder/preview.html",
        {
            "interview": interview,
            "items": items,
            "asked": interview.random_question_count or len(items),
            "page_title": f"Preview · {interview.name_for_candidates}",
        },
    )
    # Prompts the team hosts elsewhere play here as in the runner, under the same policy.
    prompts = [item.audio_question.audio_url for item in items if item.audio_question]
    return use_policy(response, site_policy(media_urls=prompts))


urlpatterns: list[URLPattern] = [
    path("interviews/", interview_list_view, name="interview_list"),
    path("interviews/new/", interview_create_view, name="interview_create"),
    path("interviews/bulk/", interview_bulk, name="interview_bulk"),
    path("interviews/<uuid:pk>/", interview_detail, name="interview_detail"),
    path("interviews/<uuid:pk>/edit/", interview_edit, name="interview_edit"),
    path("interviews/<uuid:pk>/reviewers/", interview_reviewers, name="interview_reviewers"),
    path("interviews/<uuid:pk>/questions/", interview_questions, name="interview_questions"),
    path(
        "interviews/<uuid:pk>/questions/add/",
        interview_question_add_view,
        name="interview_question_add",
    ),
    path("interviews/<uuid:pk>/copy/", interview_copy_view, name="interview_copy"),
    path("interviews/<uuid:pk>/scorecard/", interview_scorecard, name="interview_scorecard"),
    path("interviews/<uuid:pk>/preview/", interview_preview, name="interview_preview"),
]
