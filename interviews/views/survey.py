"""The survey question bank: the list, the form that adapts to the type, archive and duplicate.

The form is one page per question. Its buttons (type switch, add, remove and move options) post
the whole form back to the same URL; htmx swaps only the type's settings, and without
JavaScript the page is simply rendered again. Only "Save" calls the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from candidates.selectors import questions_visible
from interviews.access import get_survey_question_for
from interviews.filters import QuestionFilterForm, question_list
from interviews.forms.rows import (
    apply_service_errors,
    mark_focus,
    parse_action,
    raw_rows,
    raw_values,
    rearrange,
)
from interviews.forms.survey import (
    BLANK_OPTION,
    WEIGHTED,
    WITH_PREFERRED,
    SurveyQuestionForm,
    option_formset,
    option_inputs,
    option_rows,
    question_fields,
    question_initial,
    rows_for_type,
)
from interviews.models import SurveyQuestion
from interviews.selectors import question_usage_list
from interviews.services.survey import (
    MAX_OPTIONS,
    WITH_OPTIONS,
    survey_question_archive,
    survey_question_create,
    survey_question_duplicate,
    survey_question_unarchive,
    survey_question_update,
)
from interviews.tables.survey import SurveyQuestionTable
from interviews.views.builder import add_created_question

if TYPE_CHECKING:
    from django.forms.formsets import BaseFormSet
    from django.http import HttpResponse

    from accounts.http import TeamRequest
    from accounts.models import Membership
    from interviews.forms.survey import OptionForm

SurveyType = SurveyQuestion.SurveyType
PAGE_SIZE = 25
FORM_TEMPLATE = "interviews/survey/form.html"


def render_page(
    request: TeamRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page, or only ``partial`` of it for an htmx request."""
    use_partial = partial and request.htmx and not request.htmx.boosted
    response = render(
        request, f"{template}#{partial}" if use_partial else template, context, status=status
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@team_required
def survey_list(request: TeamRequest) -> HttpResponse:
    filter_form = QuestionFilterForm(request.GET or None, type_choices=SurveyType.choices)
    questions = question_list(
        queryset=SurveyQuestion.objects.annotate(option_count=Count("options", distinct=True)),
        membership=request.membership,
        filters=filter_form.filters(),
        text_fields=("question_text", "description"),
        type_field="survey_type",
    )
    table = SurveyQuestionTable(questions)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    has_any = (
        bool(table.paginator.count)
        or questions_visible(SurveyQuestion.objects.all(), membership=request.membership).exists()
    )
    context = {
        "table": table,
        "filter_form": filter_form,
        "has_any": has_any,
        "page_title": "Survey questions",
        "section": "questions",
    }
    return render_page(request, "interviews/survey/list.html", context, partial="table")


def _context(
    *,
    membership: Membership,
    form: SurveyQuestionForm,
    options: BaseFormSet[OptionForm],
    question: SurveyQuestion | None,
    can_edit: bool,
    about_options: list[str] | None = None,
    focus_add: bool = False,
) -> dict[str, Any]:
    survey_type = form["survey_type"].value()
    limit = 2 if survey_type == SurveyType.THUMBS_UP_DOWN else MAX_OPTIONS
    if question is None:
        title = "New survey question"
    else:
        title = question.title if can_edit else f"{question.title} (read only)"
    return {
        "form": form,
        "options": options,
        "question": question,
        "can_edit": can_edit,
        "survey_type": survey_type,
        "uses_options": survey_type in WITH_OPTIONS,
        "show_weight": survey_type in WEIGHTED,
        "show_preferred": survey_type in WITH_PREFERRED,
        "can_add": can_edit and len(options.forms) < limit,
        "about_options": about_options or [],
        "focus_add": focus_add,
        "usages": question_usage_list(question=question, membership=membership) if question else [],
        "page_title": title,
        "section": "questions",
    }


def _question_page(
    request: TeamRequest, *, question: SurveyQuestion | None, can_edit: bool
) -> HttpResponse:
    if request.method != "POST":
        if question is None:
            form = SurveyQuestionForm(
                initial={"survey_type": SurveyType.MULTIPLE_CHOICE, "language": "en"}
            )
            rows = rows_for_type(SurveyType.MULTIPLE_CHOICE, [])
        else:
            form = SurveyQuestionForm(initial=question_initial(question))
            rows = option_rows(list(question.options.order_by("ordinal")))
        options = option_formset(initial=rows)
        context = _context(
            membership=request.membership,
            form=form,
            options=options,
            question=question,
            can_edit=can_edit,
        )
        return render_page(request, FORM_TEMPLATE, context)

    form = SurveyQuestionForm(request.POST)
    options = option_formset(request.POST)
    action = parse_action(request.POST.get("action"))
    if not action.is_save:
        # Rearrange what was typed and show it again; nothing is validated or saved yet.
        survey_type = str(form["survey_type"].value())
        rows, focus = rearrange(raw_rows(options), action, blank=BLANK_OPTION, first_field="text")
        if action.verb == "refresh":
            rows = rows_for_type(survey_type, rows)
        form = SurveyQuestionForm(initial=raw_values(form))
        options = option_formset(initial=rows)
        focus_add = mark_focus(options, focus)
        context = _context(
            membership=request.membership,
            form=form,
            options=options,
            question=question,
            can_edit=can_edit,
            focus_add=focus_add,
        )
        return render_page(request, FORM_TEMPLATE, context, partial="type_settings")

    uses_options = form["survey_type"].value() in WITH_OPTIONS
    form_ok = form.is_valid()
    # Rows a type doesn't use are only carried along (hidden) in case the type changes back.
    rows_ok = options.is_valid() or not uses_options
    about_options = [str(e) for e in options.non_form_errors()] if uses_options else []
    if form_ok and rows_ok:
        fields = question_fields(form)
        inputs = option_inputs(options, fields["survey_type"])
        try:
            if question is None:
                saved = survey_question_create(
                    team=request.team, by=request.user, options=inputs, **fields
                )
            else:
                saved = survey_question_update(question=question, options=inputs, **fields)
        except ValidationError as exc:
            about_options += apply_service_errors(exc, form, rows_key="options", formset=options)
        else:
            messages.success(request, f"Saved “{saved.title}”.")
            url = reverse("interviews:survey_list")
            if question is None:
                url = add_created_question(request, saved) or url
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _context(
        membership=request.membership,
        form=form,
        options=options,
        question=question,
        can_edit=can_edit,
        about_options=about_options,
    )
    return render_page(request, FORM_TEMPLATE, context, partial="question_form", status=422)


@require_http_methods(["GET", "POST"])
@team_required
def survey_create(request: TeamRequest) -> HttpResponse:
    if not request.membership.can_author:
        raise deny(request, "Your role in this team can read questions but not write them.")
    return _question_page(request, question=None, can_edit=True)


@require_http_methods(["GET", "POST"])
@team_required
def survey_edit(request: TeamRequest, pk: str) -> HttpResponse:
    question, can_edit = get_survey_question_for(request, pk, write=request.method == "POST")
    return _question_page(request, question=question, can_edit=can_edit)


@require_POST
@team_required
def survey_archive(request: TeamRequest, pk: str) -> HttpResponse:
    """Archive; when interviews use the question, first ask to confirm, naming them."""
    question, _ = get_survey_question_for(request, pk, write=True)
    usages = list(question_usage_list(question=question, membership=request.membership))
    if usages and request.POST.get("confirm") != "yes":
        return render(
            request,
            "interviews/survey/archive_confirm.html",
            {
                "question": question,
                "usages": usages,
                "page_title": f"Archive “{question.title}”?",
                "section": "questions",
            },
        )
    survey_question_archive(question=question)
    messages.success(
        request,
        f"Archived “{question.title}”. It is hidden from the bank; interviews that use it "
        "still ask it.",
    )
    return redirect("interviews:survey_list")


@require_POST
@team_required
def survey_unarchive(request: TeamRequest, pk: str) -> HttpResponse:
    question, _ = get_survey_question_for(request, pk, write=True)
    survey_question_unarchive(question=question)
    messages.success(request, f"“{question.title}” is back in the bank.")
    return redirect("interviews:survey_edit", pk=question.pk)


@require_POST
@team_required
def survey_duplicate(request: TeamRequest, pk: str) -> HttpResponse:
    question, _ = get_survey_question_for(request, pk, write=True)
    copy = survey_question_duplicate(question=question, by=request.user)
    messages.success(request, f"Copied “{question.title}”. You are editing the copy.")
    return redirect("interviews:survey_edit", pk=copy.pk)


urlpatterns = [
    path("questions/survey/", survey_list, name="survey_list"),
    path("questions/survey/new/", survey_create, name="survey_create"),
    path("questions/survey/<str:pk>/", survey_edit, name="survey_edit"),
    path("questions/survey/<str:pk>/archive/", survey_archive, name="survey_archive"),
    path("questions/survey/<str:pk>/unarchive/", survey_unarchive, name="survey_unarchive"),
    path("questions/survey/<str:pk>/duplicate/", survey_duplicate, name="survey_duplicate"),
]
