"""Candidate trust pages: privacy settings and retention preview, a candidate's export and
erasure, and adverse-impact reports."""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import deny, team_admin_required, team_required
from accounts.audit import audit_record, client_ip
from accounts.tenancy import get_for_team
from candidates.forms.compliance import PrivacySettingsForm
from candidates.impact import ImpactReport, interview_impact_report, team_impact_report
from candidates.impact_ai import interview_ai_impact_report
from candidates.notices import default_ai_notice, default_privacy_notice
from candidates.selectors import candidates_visible, invites_visible
from candidates.services.privacy import (
    PRIVACY_FIELDS,
    candidate_erase,
    candidate_export,
    invite_alternative_resolve,
    retention_preview,
    team_privacy_update,
)
from candidates.views.fairness import team_fairness_context
from interviews.models import Interview
from kit.pages import apply_errors

if TYPE_CHECKING:
    from accounts.http import TeamRequest


# --- privacy settings -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@team_admin_required
def privacy_settings(request: TeamRequest) -> HttpResponse:
    team = request.team
    form = PrivacySettingsForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        try:
            team_privacy_update(
                team=team,
                by=request.user,
                ip=client_ip(request),
                **{name: form.cleaned_data[name] for name in PRIVACY_FIELDS},
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Privacy settings saved.")
            return redirect("candidates:privacy_settings")
        team.refresh_from_db()
    return render(
        request,
        "candidates/compliance/privacy.html",
        {
            "form": form,
            "default_privacy_notice": default_privacy_notice(team=team),
            "default_ai_notice": default_ai_notice(),
            "preview": retention_preview(team=team),
            "page_title": "Privacy & retention",
            "section": "privacy",
        },
    )


# --- one candidate's data -------------------------------------------------------------------


def _candidate_for_privacy(request: TeamRequest, pk: UUID) -> Any:
    candidate, can_edit = get_for_team(
        request, candidates_visible(membership=request.membership), pk
    )
    if not can_edit:
        raise deny(request, "Only recruiters and admins can export or erase a candidate's data.")
    return candidate


@require_GET
@team_required
def candidate_export_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    candidate = _candidate_for_privacy(request, pk)
    data = candidate_export(candidate=candidate, by=request.user, ip=client_ip(request))
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@team_required
def candidate_erase_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    candidate = _candidate_for_privacy(request, pk)
    error = ""
    if request.method == "POST":
        typed = request.POST.get("confirm", "").strip()
        if typed.casefold() != candidate.full_name.casefold():
            error = f"Type the candidate's full name, {candidate.full_name}, to confirm."
        else:
            name = candidate.full_name
            removed = candidate_erase(candidate=candidate, by=request.user, ip=client_ip(request))
            messages.success(
                request,
                f"{name} was erased: {removed['invites']} interview(s), {removed['answers']} "
                f"answer(s) and {removed['files']} file(s) deleted.",
            )
            return redirect("candidates:candidate_list")
    return render(
        request,
        "candidates/compliance/erase.html",
        {
            "candidate": candidate,
            "invite_count": candidate.invites.count(),
            "error": error,
            "page_title": f"Erase {candidate.full_name}",
            "section": "candidates",
        },
        status=422 if error else 200,
    )


@require_POST
@team_required
def invite_alternative_resolve_view(request: TeamRequest, pk: UUID) -> HttpResponse:
    invite, _can_edit = get_for_team(
        request, invites_visible(membership=request.membership), pk, write=True
    )
    try:
        invite_alternative_resolve(invite=invite, by=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "The request for an alternative process is marked as handled.")
    return redirect("candidates:invite_detail", pk=invite.pk)


# --- adverse impact -------------------------------------------------------------------------


def _impact_response(
    request: TeamRequest,
    report: ImpactReport,
    *,
    title: str,
    interview: Interview | None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        action="report.adverse_impact_viewed",
        actor=request.user,
        team=request.team,
        obj=interview,
        ip=client_ip(request),
        data={"format": request.GET.get("format", "html")},
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="adverse-impact.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "dimension",
                "category",
                "applicants",
                "selected",
                "selection_rate",
                "impact_ratio",
                "below_four_fifths",
                "excluded",
                # "decisions": selected = advanced; "ai_advice": selected = the AI advice is at
                # or above the team's pass score (the next column), before any decision.
                "measure",
                "ai_pass_score",
            ]
        )
        measures = [("decisions", report, "")]
        if extra and extra.get("ai_report") is not None:
            measures.append(("ai_advice", extra["ai_report"], str(extra["ai_threshold"])))
        for measure, rows, pass_score in measures:
            for row in rows.rows:
                writer.writerow(
                    [
                        row.dimension,
                        row.label,
                        row.applicants,
                        row.selected,
                        row.selection_rate if row.selection_rate is not None else "",
                        row.impact_ratio if row.impact_ratio is not None else "",
                        "yes" if row.below_four_fifths else "no",
                        row.excluded,
                        measure,
                        pass_score,
                    ]
                )
        return response
    return render(
        request,
        "candidates/compliance/impact.html",
        {
            "report": report,
            "dimensions": [
                ("Sex", report.dimension("sex")),
                ("Race / ethnicity", report.dimension("race_ethnicity")),
                ("Intersectional", report.dimension("intersectional")),
            ],
            "interview": interview,
            "page_title": title,
            "section": "impact",
            "ai_dimensions": [
                ("Sex", "sex"),
                ("Race / ethnicity", "race_ethnicity"),
                ("Intersectional", "intersectional"),
            ],
            **(extra or {}),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@team_admin_required
def team_impact(request: TeamRequest) -> HttpResponse:
    """The team's report, with AI agreement, the report on AI advice and (POST) the score at
    which AI advice passes."""
    fairness = team_fairness_context(request)
    if fairness is None:
        messages.success(request, "The AI advice pass score is saved.")
        return redirect(reverse("candidates:team_impact") + "#ai-impact")
    return _impact_response(
        request,
        team_impact_report(team=request.team),
        title="Adverse impact",
        interview=None,
        extra=fairness,
        status=422 if fairness["threshold_form"].errors else 200,
    )


@require_GET
@team_admin_required
def interview_impact(request: TeamRequest, pk: UUID) -> HttpResponse:
    interview, _can_edit = get_for_team(request, Interview.objects.all(), pk)
    return _impact_response(
        request,
        interview_impact_report(interview=interview),
        title=f"Adverse impact · {interview.title}",
        interview=interview,
        extra={
            "ai_report": interview_ai_impact_report(interview=interview),
            "ai_threshold": request.team.ai_pass_threshold,
        },
    )


urlpatterns = [
    path("settings/privacy/", privacy_settings, name="privacy_settings"),
    path("settings/adverse-impact/", team_impact, name="team_impact"),
    path("interviews/<uuid:pk>/adverse-impact/", interview_impact, name="interview_impact"),
    path(
        "invites/<uuid:pk>/alternative/resolve/",
        invite_alternative_resolve_view,
        name="invite_alternative_resolve",
    ),
    path("candidates/<uuid:pk>/export/", candidate_export_view, name="candidate_export"),
    path("candidates/<uuid:pk>/erase/", candidate_erase_view, name="candidate_erase"),
]
