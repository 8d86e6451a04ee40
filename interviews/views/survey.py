"""The survey question bank: the list, the form that adapts to the type, archive and duplicate.

The form is one page per question. Its buttons (type switch, add, remove and move options) post
the whole form back to the same URL; htmx swaps only the type's settings, and without
JavaScript the page is simply rendered again. Only "Save" calls the service.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts.access import deny, team_required
from interviews.access import get_survey_question_for
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
    survey_question_create,
    survey_question_duplicate,
    survey_question_update,
)
from interviews.tables.survey import SurveyQuestionTable
from interviews.views.builder import add_created_question
from interviews.views.questions import Bank, bank_archive, bank_duplicate, bank_list, bank_unarchive
from kit.pages import render_page

if TYPE_CHECKING:
    from django.forms.formsets import BaseFormSet
    from django.http import HttpResponse

    from accounts.http import TeamRequest
    from accounts.models import Membership
    from interviews.forms.survey import OptionForm

SurveyType = SurveyQuestion.SurveyType
PAGE_SIZE = 25
FORM_TEMPLATE = "interviews/survey/form.html"


BANK = Bank(
    kind="survey",
    title="Survey questions",
    model=SurveyQuestion,
    get_for=get_survey_question_for,
    duplicate=survey_question_duplicate,
)


@require_GET
@team_required
def survey_list(request: TeamRequest) -> HttpResponse:
    return bank_list(
        request,
        BANK,
        queryset=SurveyQuestion.objects.annotate(option_count=Count("options", distinct=True)),
        table_class=SurveyQuestionTable,
        type_choices=SurveyType.choices,
        type_field="survey_type",
    )


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
def survey_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    question, can_edit = get_survey_question_for(request, pk, write=request.method == "POST")
    return _question_page(request, question=question, can_edit=can_edit)


@require_POST
@team_required
def survey_archive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_archive(request, BANK, pk)


@require_POST
@team_required
def survey_unarchive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_unarchive(request, BANK, pk)


@require_POST
@team_required
def survey_duplicate(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_duplicate(request, BANK, pk)


urlpatterns = [
    path("questions/survey/", survey_list, name="survey_list"),
    path("questions/survey/new/", survey_create, name="survey_create"),
    path("questions/survey/<uuid:pk>/", survey_edit, name="survey_edit"),
    path("questions/survey/<uuid:pk>/archive/", survey_archive, name="survey_archive"),
    path("questions/survey/<uuid:pk>/unarchive/", survey_unarchive, name="survey_unarchive"),
    path("questions/survey/<uuid:pk>/duplicate/", survey_duplicate, name="survey_duplicate"),
]
