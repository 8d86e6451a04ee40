"""The AI text question bank: the list, the form with its rubric, archive and duplicate.

The rubric's buttons (add, remove, move a criterion) post the whole form back to the same URL;
htmx swaps only the rubric, and without JavaScript the page is simply rendered again.
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
from interviews.access import get_ai_text_question_for
from interviews.forms.ai_text import (
    BLANK_CRITERION,
    AITextQuestionForm,
    criterion_formset,
    criterion_inputs,
    criterion_rows,
    question_initial,
)
from interviews.forms.rows import (
    apply_service_errors,
    mark_focus,
    parse_action,
    raw_rows,
    raw_values,
    rearrange,
)
from interviews.models import AITextQuestion
from interviews.selectors import question_usage_list
from interviews.services.ai_text import (
    MAX_CRITERIA,
    ai_text_question_create,
    ai_text_question_duplicate,
    ai_text_question_update,
)
from interviews.tables.ai_text import AITextQuestionTable
from interviews.views.builder import add_created_question
from interviews.views.questions import Bank, bank_archive, bank_duplicate, bank_list, bank_unarchive
from kit.pages import render_page

if TYPE_CHECKING:
    from django.forms.formsets import BaseFormSet
    from django.http import HttpResponse

    from accounts.http import TeamRequest
    from accounts.models import Membership
    from interviews.forms.ai_text import CriterionForm

PAGE_SIZE = 25
FORM_TEMPLATE = "interviews/ai_text/form.html"


BANK = Bank(
    kind="ai_text",
    title="AI text questions",
    model=AITextQuestion,
    get_for=get_ai_text_question_for,
    duplicate=ai_text_question_duplicate,
)


@require_GET
@team_required
def ai_text_list(request: TeamRequest) -> HttpResponse:
    return bank_list(
        request,
        BANK,
        queryset=AITextQuestion.objects.annotate(criterion_count=Count("criteria", distinct=True)),
        table_class=AITextQuestionTable,
    )


def _context(
    *,
    membership: Membership,
    form: AITextQuestionForm,
    criteria: BaseFormSet[CriterionForm],
    question: AITextQuestion | None,
    can_edit: bool,
    about_criteria: list[str] | None = None,
    focus_add: bool = False,
) -> dict[str, Any]:
    if question is None:
        title = "New AI text question"
    else:
        title = question.title if can_edit else f"{question.title} (read only)"
    return {
        "form": form,
        "criteria": criteria,
        "question": question,
        "can_edit": can_edit,
        "can_add": can_edit and len(criteria.forms) < MAX_CRITERIA,
        "about_criteria": about_criteria or [],
        "focus_add": focus_add,
        "usages": question_usage_list(question=question, membership=membership) if question else [],
        "page_title": title,
        "section": "questions",
    }


def _question_page(
    request: TeamRequest, *, question: AITextQuestion | None, can_edit: bool
) -> HttpResponse:
    if request.method != "POST":
        if question is None:
            form = AITextQuestionForm()
            rows = [dict(BLANK_CRITERION)]
        else:
            form = AITextQuestionForm(initial=question_initial(question))
            rows = criterion_rows(list(question.criteria.order_by("ordinal")))
        context = _context(
            membership=request.membership,
            form=form,
            criteria=criterion_formset(initial=rows),
            question=question,
            can_edit=can_edit,
        )
        return render_page(request, FORM_TEMPLATE, context)

    form = AITextQuestionForm(request.POST)
    criteria = criterion_formset(request.POST)
    action = parse_action(request.POST.get("action"))
    if not action.is_save:
        # Rearrange what was typed and show it again; nothing is validated or saved yet.
        rows, focus = rearrange(
            raw_rows(criteria), action, blank=BLANK_CRITERION, first_field="name"
        )
        form = AITextQuestionForm(initial=raw_values(form))
        criteria = criterion_formset(initial=rows)
        focus_add = mark_focus(criteria, focus)
        context = _context(
            membership=request.membership,
            form=form,
            criteria=criteria,
            question=question,
            can_edit=can_edit,
            focus_add=focus_add,
        )
        return render_page(request, FORM_TEMPLATE, context, partial="rubric")

    form_ok = form.is_valid()
    rows_ok = criteria.is_valid()
    about_criteria = [str(e) for e in criteria.non_form_errors()]
    if form_ok and rows_ok:
        data = form.cleaned_data
        fields = {
            "title": data["title"],
            "question_text": data["question_text"],
            "description": data["description"],
            "language": data["language"],
            "max_answer_length": data["max_answer_length"],
            "criteria": criterion_inputs(criteria),
        }
        try:
            if question is None:
                saved = ai_text_question_create(team=request.team, by=request.user, **fields)
            else:
                saved = ai_text_question_update(question=question, **fields)
        except ValidationError as exc:
            about_criteria += apply_service_errors(exc, form, rows_key="criteria", formset=criteria)
        else:
            messages.success(request, f"Saved “{saved.title}”.")
            url = reverse("interviews:ai_text_list")
            if question is None:
                url = add_created_question(request, saved) or url
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = _context(
        membership=request.membership,
        form=form,
        criteria=criteria,
        question=question,
        can_edit=can_edit,
        about_criteria=about_criteria,
    )
    return render_page(request, FORM_TEMPLATE, context, partial="question_form", status=422)


@require_http_methods(["GET", "POST"])
@team_required
def ai_text_create(request: TeamRequest) -> HttpResponse:
    if not request.membership.can_author:
        raise deny(request, "Your role in this team can read questions but not write them.")
    return _question_page(request, question=None, can_edit=True)


@require_http_methods(["GET", "POST"])
@team_required
def ai_text_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    question, can_edit = get_ai_text_question_for(request, pk, write=request.method == "POST")
    return _question_page(request, question=question, can_edit=can_edit)


@require_POST
@team_required
def ai_text_archive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_archive(request, BANK, pk)


@require_POST
@team_required
def ai_text_unarchive(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_unarchive(request, BANK, pk)


@require_POST
@team_required
def ai_text_duplicate(request: TeamRequest, pk: UUID) -> HttpResponse:
    return bank_duplicate(request, BANK, pk)


urlpatterns = [
    path("questions/ai-text/", ai_text_list, name="ai_text_list"),
    path("questions/ai-text/new/", ai_text_create, name="ai_text_create"),
    path("questions/ai-text/<uuid:pk>/", ai_text_edit, name="ai_text_edit"),
    path("questions/ai-text/<uuid:pk>/archive/", ai_text_archive, name="ai_text_archive"),
    path("questions/ai-text/<uuid:pk>/unarchive/", ai_text_unarchive, name="ai_text_unarchive"),
    path("questions/ai-text/<uuid:pk>/duplicate/", ai_text_duplicate, name="ai_text_duplicate"),
]
