"""Decision files: the candidate's page that asks for one (a signed link from their email, no
sign-in), and the team's pages that review and send them (owners, admins and recruiters;
hiring managers get a 403)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.audit import client_ip
from accounts.tenancy import get_for_team
from candidates.forms.decision_files import DecisionFileCloseForm, DecisionFileNoteForm
from candidates.models import DecisionFileRequest
from candidates.selectors_decision_files import (
    decision_file_compose,
    decision_file_html,
    decision_file_requests,
    open_decision_file,
)
from candidates.services.decision_files import (
    DecisionFileRefused,
    LinkState,
    decision_file_close,
    decision_file_link_read,
    decision_file_prepare,
    decision_file_request,
    decision_file_send,
)
from candidates.tables.decision_files import DecisionFileTable
from kit.csp import candidate_page
from kit.pages import apply_errors, render_page
from kit.tables import BoundedLazyPaginator

if TYPE_CHECKING:
    from accounts.http import TeamRequest

Status = DecisionFileRequest.Status
FILTERS = (
    ("requested", "Waiting"),
    ("sent", "Sent"),
    ("cancelled", "Closed"),
    ("all", "All"),
)
PAGE_SIZE = 25


# ---------------------------------------------------------------- the candidate


def _candidate_render(
    request: HttpRequest, link: LinkState, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    invite = link.invite
    with translation.override(link.language):
        response = render(
            request,
            "candidates/decision_files/ask.html",
            {
                "lang": link.language,
                "state": link.state,
                "invite": invite,
                "interview": invite.interview if invite else None,
                **context,
            },
            status=status,
        )
    # The link is in the URL: it goes nowhere as a Referer.
    response["Referrer-Policy"] = "same-origin"
    response["Content-Language"] = link.language
    return candidate_page(response)


@require_http_methods(["GET", "POST"])
@never_cache
def decision_file_ask(request: HttpRequest, token: str) -> HttpResponse:
    """What the file is, and a button to ask for it. Refused: a link Panelist did not make
    (404), one past its date or whose data is deleted (410, saying so)."""
    link = decision_file_link_read(token)
    if link.invite is None:
        return _candidate_render(request, link, {}, status=404 if link.state == "invalid" else 410)
    invite = link.invite
    context: dict[str, Any] = {"open_request": open_decision_file(invite)}
    if request.method == "POST":
        with translation.override(link.language):
            try:
                file_request, created = decision_file_request(
                    invite=invite, language=link.language, ip=client_ip(request)
                )
            except DecisionFileRefused:
                return _candidate_render(request, link, {**context, "too_many": True}, status=429)
            except ValidationError as exc:
                context["error"] = " ".join(exc.messages)
                return _candidate_render(request, link, context, status=422)
        context.update(open_request=file_request, just_asked=created)
    return _candidate_render(request, link, context)


# ---------------------------------------------------------------- the team


def _require_sender(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Only recruiters and admins handle decision file requests.")


def _get_request(request: TeamRequest, pk: uuid.UUID) -> DecisionFileRequest:
    _require_sender(request)
    rows = DecisionFileRequest.objects.select_related(
        "candidate_interview__candidate",
        "candidate_interview__interview",
        "candidate_interview__team",
        "prepared_by",
        "sent_by",
    )
    file_request, _can_edit = get_for_team(request, rows, pk, write=True)
    return file_request


@require_GET
@team_required
def decision_file_list(request: TeamRequest) -> HttpResponse:
    _require_sender(request)
    status = request.GET.get("status", "requested")
    if status not in dict(FILTERS):
        status = "requested"
    rows = decision_file_requests(team=request.team, status="" if status == "all" else status)
    table = DecisionFileTable(rows)
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    return render_page(
        request,
        "candidates/decision_files/list.html",
        {
            "table": table,
            "filters": FILTERS,
            "status": status,
            "has_any": DecisionFileRequest.objects.for_team(request.team).exists(),
            "page_title": "Decision file requests",
            "section": "candidates",
        },
        partial="table",
    )


def _detail(
    request: TeamRequest,
    file_request: DecisionFileRequest,
    *,
    note_form: DecisionFileNoteForm | None = None,
    close_form: DecisionFileCloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    invite = file_request.candidate_interview
    note_form = note_form or DecisionFileNoteForm(initial={"note": file_request.note})
    record = None
    if file_request.is_open:
        # What "Send" would send now (with the saved note); a sent file shows its text as sent.
        record = decision_file_compose(
            invite=invite, note=file_request.note, language=file_request.language
        )
    return render(
        request,
        "candidates/decision_files/detail.html",
        {
            "file_request": file_request,
            "invite": invite,
            "candidate": invite.candidate,
            "record_html": decision_file_html(record) if record is not None else "",
            "note_form": note_form,
            "close_form": close_form or DecisionFileCloseForm(),
            "page_title": f"Decision file · {invite.candidate.full_name}",
            "section": "candidates",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@team_required
def decision_file_detail(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """The file as it would be sent now, for review; POST saves the note to the candidate."""
    file_request = _get_request(request, pk)
    if request.method == "POST":
        form = DecisionFileNoteForm(request.POST)
        if form.is_valid():
            try:
                decision_file_prepare(
                    file_request=file_request,
                    note=form.cleaned_data["note"],
                    by=request.user,
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "The note is saved. Check the file, then send it.")
                return redirect("candidates:decision_file_detail", pk=file_request.pk)
        return _detail(request, file_request, note_form=form, status=422)
    return _detail(request, file_request)


@require_POST
@team_required
def decision_file_send_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    file_request = _get_request(request, pk)
    form = DecisionFileNoteForm(request.POST)
    if "note" in request.POST and not form.is_valid():
        return _detail(request, file_request, note_form=form, status=422)
    note = form.cleaned_data["note"] if "note" in request.POST else None
    try:
        file_request, sent = decision_file_send(
            file_request=file_request, by=request.user, note=note, ip=client_ip(request)
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return _detail(request, file_request, note_form=form, status=422)
    if sent:
        messages.success(
            request, f"The decision file is sent to {file_request.candidate_interview.candidate}."
        )
    else:
        messages.info(request, "This decision file was already sent; it was not sent again.")
    return redirect("candidates:decision_file_detail", pk=file_request.pk)


@require_POST
@team_required
def decision_file_close_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    file_request = _get_request(request, pk)
    form = DecisionFileCloseForm(request.POST)
    if form.is_valid():
        try:
            decision_file_close(
                file_request=file_request,
                reason=form.cleaned_data["reason"],
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "The request is closed without sending.")
            return redirect("candidates:decision_file_detail", pk=file_request.pk)
    return _detail(request, file_request, close_form=form, status=422)


urlpatterns: list[URLPattern] = [
    path("decision-file/<str:token>/", decision_file_ask, name="decision_file_ask"),
    path("decision-files/", decision_file_list, name="decision_file_list"),
    path("decision-files/<uuid:pk>/", decision_file_detail, name="decision_file_detail"),
    path("decision-files/<uuid:pk>/send/", decision_file_send_view, name="decision_file_send"),
    path("decision-files/<uuid:pk>/close/", decision_file_close_view, name="decision_file_close"),
]
