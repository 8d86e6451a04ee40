"""The candidate list, a candidate's page, adding and editing candidates, and CSV imports."""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.http import TeamRequest
from accounts.tenancy import get_for_team
from candidates.forms.candidates import (
    CandidateFilterForm,
    CandidateForm,
    ImportStartForm,
    ImportUploadForm,
)
from candidates.models import ImportJob
from candidates.selectors import (
    candidate_invites,
    candidate_list,
    candidates_visible,
    import_job_progress,
    import_job_recent,
)
from candidates.services.candidates import (
    DuplicateCandidate,
    candidate_create,
    candidate_update,
)
from candidates.services.imports import (
    MAX_BYTES,
    MAX_ROWS,
    Match,
    import_job_create,
    import_job_start,
    invite_many_function,
)
from candidates.tables.candidates import CandidateTable
from interviews.selectors import interviews_visible, sees_all_interviews
from kit.pages import apply_errors, render_page
from kit.tables import BoundedLazyPaginator

PAGE_SIZE = 25
# How much of an import the preview lists.
PREVIEW_ROWS = 20
PREVIEW_ERRORS = 200


def _require_author(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Your role can view candidates but not add, change or import them.")


# ---------------------------------------------------------------- the list and a candidate


@require_GET
@team_required
def candidate_list_view(request: TeamRequest) -> HttpResponse:
    membership = request.membership
    filter_form = CandidateFilterForm(request.GET or None, team=request.team)
    if not sees_all_interviews(membership):
        # Only the interviews shared with a hiring manager are theirs to filter by.
        visible = interviews_visible(membership=membership).order_by("title")
        filter_form.fields["interview"].choices = [  # type: ignore[attr-defined]
            ("", "Any interview"),
            *((str(pk), title) for pk, title in visible.values_list("pk", "title")),
        ]
    table = CandidateTable(
        candidate_list(team=request.team, filters=filter_form.filters(), membership=membership)
    )
    if not request.membership.can_author:
        table.columns.hide("select")
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    return render_page(
        request,
        "candidates/candidates/list.html",
        {
            "table": table,
            "filter_form": filter_form,
            # Only the whole page shows the empty state; the table fragment never needs it.
            "has_any": bool(request.htmx) or candidates_visible(membership=membership).exists(),
            "page_title": "Candidates",
            "section": "candidates",
        },
        partial="table",
    )


@require_GET
@team_required
def candidate_detail(request: TeamRequest, pk: UUID) -> HttpResponse:
    candidate, can_edit = get_for_team(
        request,
        candidates_visible(membership=request.membership).select_related("created_by"),
        pk,
    )
    return render(
        request,
        "candidates/candidates/detail.html",
        {
            "candidate": candidate,
            "invites": list(candidate_invites(candidate=candidate, membership=request.membership)),
            "can_edit": can_edit,
            "page_title": candidate.full_name,
            "section": "candidates",
        },
    )


def _save_errors(form: CandidateForm, exc: ValidationError) -> None:
    if isinstance(exc, DuplicateCandidate):
        url = reverse("candidates:candidate_detail", args=[exc.existing.pk])
        form.add_error(
            "email",
            ValidationError(
                format_html(
                    'A candidate with this email already exists in this team: <a href="{}">{}</a>.',
                    url,
                    exc.existing.full_name,
                )
            ),
        )
    else:
        apply_errors(form, exc)


@require_http_methods(["GET", "POST"])
@team_required
def candidate_create_view(request: TeamRequest) -> HttpResponse:
    _require_author(request)
    form = CandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            candidate = candidate_create(team=request.team, by=request.user, **form.values())
        except ValidationError as exc:
            _save_errors(form, exc)
        else:
            messages.success(request, f"{candidate.full_name} added.")
            return redirect("candidates:candidate_detail", candidate.pk)
    return render(
        request,
        "candidates/candidates/form.html",
        {"form": form, "page_title": "New candidate", "section": "candidates"},
        status=422 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@team_required
def candidate_edit(request: TeamRequest, pk: UUID) -> HttpResponse:
    candidate, _ = get_for_team(
        request, candidates_visible(membership=request.membership), pk, write=True
    )
    form = CandidateForm(
        request.POST or None,
        initial={name: getattr(candidate, name) for name in CandidateForm.base_fields},
    )
    if request.method == "POST" and form.is_valid():
        try:
            candidate_update(candidate=candidate, **form.values())
        except ValidationError as exc:
            _save_errors(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("candidates:candidate_detail", candidate.pk)
    return render(
        request,
        "candidates/candidates/form.html",
        {
            "form": form,
            "candidate": candidate,
            "page_title": f"Edit · {candidate.full_name}",
            "section": "candidates",
        },
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- CSV import


@require_http_methods(["GET", "POST"])
@team_required
def candidate_import(request: TeamRequest) -> HttpResponse:
    """Upload a CSV; it is parsed into a preview (an ImportJob) and nothing else is saved."""
    _require_author(request)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job, ignored = import_job_create(
                team=request.team, by=request.user, filename=upload.name, data=upload.read()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if ignored:
                messages.info(request, f"Columns ignored: {', '.join(ignored)}.")
            return redirect("candidates:import_detail", job.pk)
    return render(
        request,
        "candidates/candidates/import.html",
        {
            "form": form,
            "recent": list(import_job_recent(team=request.team)),
            "max_mb": MAX_BYTES // 1024 // 1024,
            "max_rows": f"{MAX_ROWS:,}",
            "page_title": "Import candidates",
            "section": "candidates",
        },
        status=422 if form.errors else 200,
    )


def _progress_context(job: ImportJob) -> dict[str, Any]:
    errors: list[dict[str, Any]] = job.errors
    progress = import_job_progress(job=job)
    importing = job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)
    return {
        "job": job,
        "progress": progress,
        # Every second while rows are imported or messages go out; while the only ones left
        # wait for a retry (minutes away), every 10 seconds.
        "poll": "1s" if importing or progress.pending else "10s" if progress.retrying else "",
        "unchanged": job.processed - job.created_count - job.updated_count,
        "invited": progress.invited,
        "invite_failed": progress.invite_failed,
        "errors": errors[:PREVIEW_ERRORS],
        "more_errors": max(0, len(errors) - PREVIEW_ERRORS),
        "error_rows": len({e["row"] for e in errors}),
    }


def _import_context(
    request: TeamRequest, job: ImportJob, start_form: ImportStartForm | None = None
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = job.rows
    matches = Counter(row.get("match", Match.NEW) for row in rows)
    can_invite = invite_many_function() is not None
    if start_form is None and can_invite and job.status == ImportJob.Status.PREVIEW:
        start_form = ImportStartForm(team=request.team)
    return {
        **_progress_context(job),
        "rows": rows[:PREVIEW_ROWS],
        "more_rows": max(0, len(rows) - PREVIEW_ROWS),
        "new_count": matches[Match.NEW],
        "update_count": matches[Match.UPDATE],
        "exists_count": matches[Match.EXISTS],
        "start_form": start_form,
        "page_title": f"Import · {job.filename or 'CSV'}",
        "section": "candidates",
    }


@require_GET
@team_required
def import_detail(request: TeamRequest, pk: UUID) -> HttpResponse:
    """The preview before importing, then the progress (polled by htmx) and the result."""
    if request.htmx:
        # The progress poll: a small fragment, without the parsed rows.
        jobs = ImportJob.objects.select_related("interview").defer("rows")
        job, _ = get_for_team(request, jobs, pk, write=True)
        context = _progress_context(job)
    else:
        job, _ = get_for_team(
            request, ImportJob.objects.select_related("interview"), pk, write=True
        )
        context = _import_context(request, job)
    return render_page(
        request, "candidates/candidates/import_detail.html", context, partial="progress"
    )


@require_POST
@team_required
def import_start(request: TeamRequest, pk: UUID) -> HttpResponse:
    job, _ = get_for_team(request, ImportJob.objects.all(), pk, write=True)
    start_form = (
        ImportStartForm(request.POST, team=request.team) if invite_many_function() else None
    )
    if start_form is None or start_form.is_valid():
        chosen = start_form.cleaned_data if start_form else {}
        interview = chosen.get("interview")
        try:
            import_job_start(
                job=job,
                interview=interview,
                # The delivery boxes only mean something once an interview is chosen.
                delivery_types=chosen.get("delivery_types", []) if interview else [],
            )
        except ValidationError as exc:
            if start_form is None or not hasattr(exc, "error_dict"):
                messages.error(request, " ".join(exc.messages))
                return redirect("candidates:import_detail", job.pk)
            apply_errors(start_form, exc)
        else:
            return redirect("candidates:import_detail", job.pk)
    return render(
        request,
        "candidates/candidates/import_detail.html",
        _import_context(request, job, start_form),
        status=422,
    )


urlpatterns: list[URLPattern] = [
    path("candidates/", candidate_list_view, name="candidate_list"),
    path("candidates/new/", candidate_create_view, name="candidate_create"),
    path("candidates/import/", candidate_import, name="candidate_import"),
    path("candidates/import/<uuid:pk>/", import_detail, name="import_detail"),
    path("candidates/import/<uuid:pk>/start/", import_start, name="import_start"),
    path("candidates/<uuid:pk>/", candidate_detail, name="candidate_detail"),
    path("candidates/<uuid:pk>/edit/", candidate_edit, name="candidate_edit"),
]
