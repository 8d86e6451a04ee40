"""What the three question banks (audio, survey, AI text) share: the list page, archive with
its confirmation, unarchive and duplicate. Each kind's module keeps its own views (their URLs,
methods and forms) and calls these with its ``Bank``; the forms and the create/update services
differ by kind and stay in the kind's module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tables2 import RequestConfig

from interviews.filters import QuestionFilterForm, question_list
from interviews.selectors import question_usage_list, questions_visible
from interviews.services.questions import question_archive, question_unarchive
from kit.pages import render_page

if TYPE_CHECKING:
    import django_tables2 as tables
    from django.http import HttpResponse

    from accounts.http import TeamRequest
    from accounts.tenancy import TeamScopedQuerySet
    from interviews.models import QuestionBase

PAGE_SIZE = 25


@dataclass(frozen=True)
class Bank:
    """One kind's bank: its URL names are ``interviews:<kind>_list``, ``_edit``, ``_archive``."""

    kind: str
    title: str
    model: type[QuestionBase]
    get_for: Callable[..., tuple[Any, bool]]
    duplicate: Callable[..., Any]
    text_fields: tuple[str, ...] = ("question_text", "description")

    def url(self, action: str, pk: UUID | None = None) -> str:
        return reverse(f"interviews:{self.kind}_{action}", args=[] if pk is None else [pk])


def bank_list(
    request: TeamRequest,
    bank: Bank,
    *,
    queryset: TeamScopedQuerySet[Any],
    table_class: type[tables.Table],
    type_choices: list[tuple[str, str]] | None = None,
    type_field: str = "",
) -> HttpResponse:
    """The bank's questions the member may see, filtered, sorted and paged; ``has_any`` tells
    the page to show the filters and table or what to do first."""
    filter_form = QuestionFilterForm(request.GET or None, type_choices=type_choices)
    questions = question_list(
        queryset=queryset,
        membership=request.membership,
        filters=filter_form.filters(),
        text_fields=bank.text_fields,
        type_field=type_field,
    )
    table = table_class(questions)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    everything: TeamScopedQuerySet[Any] = bank.model.objects.all()
    has_any = (
        bool(table.paginator.count)
        or questions_visible(everything, membership=request.membership).exists()
    )
    context = {
        "table": table,
        "filter_form": filter_form,
        "has_any": has_any,
        "can_edit": request.membership.can_author,
        "page_title": bank.title,
        "section": "questions",
    }
    return render_page(request, f"interviews/{bank.kind}/list.html", context, partial="table")


def bank_archive(request: TeamRequest, bank: Bank, pk: UUID) -> HttpResponse:
    """Archive at once a question no interview uses; otherwise (or on a GET) first a page that
    names the interviews and asks to confirm."""
    question, _ = bank.get_for(request, pk, write=True)
    usages = list(question_usage_list(question=question, membership=request.membership))
    confirmed = request.method == "POST" and (not usages or request.POST.get("confirm"))
    if not confirmed:
        return render(
            request,
            "interviews/archive_confirm.html",
            {
                "question": question,
                "usages": usages,
                "bank": bank,
                "list_url": bank.url("list"),
                "edit_url": bank.url("edit", question.pk),
                "archive_url": bank.url("archive", question.pk),
                "page_title": f"Archive “{question.title}”?",
                "section": "questions",
            },
        )
    question_archive(question=question)
    messages.success(
        request,
        f"Archived “{question.title}”. It is hidden from the bank; interviews that use it "
        "still ask it.",
    )
    return redirect(bank.url("list"))


def bank_unarchive(request: TeamRequest, bank: Bank, pk: UUID) -> HttpResponse:
    question, _ = bank.get_for(request, pk, write=True)
    question_unarchive(question=question)
    messages.success(request, f"“{question.title}” is back in the bank.")
    return redirect(bank.url("edit", question.pk))


def bank_duplicate(request: TeamRequest, bank: Bank, pk: UUID) -> HttpResponse:
    question, _ = bank.get_for(request, pk, write=True)
    copy = bank.duplicate(question=question, by=request.user)
    messages.success(request, f"Copied “{question.title}”. You are editing the copy.")
    return redirect(bank.url("edit", copy.pk))
