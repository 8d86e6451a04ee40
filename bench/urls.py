"""The project's URLs plus the baselines, served by the same process. The first two do no
database or table work: a bare Django JSON view, and a signed-in page that prints 25 constant
rows in the dashboard's layout. The fair two do what any list must: a JSON view that
authenticates an API key the API's way and returns the team's 25 newest invites from one
indexed query (``invite_team_created``) as plain dicts; and the same 25 constant rows as a
django-tables2 table rendered through ``components/table.html`` in the dashboard's layout, so
a list's ratio to it measures what the list adds (its queries and cells), not the table kit.
Selected only by ``DJANGO_SETTINGS_MODULE=bench.settings``; production never routes here."""

from typing import Any

import django_tables2 as tables
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig
from rest_framework import exceptions

from api.auth import ApiKeyAuthentication
from candidates.models import CandidateInterview
from kit.tables import BoundedLazyPaginator, DirectCellsMixin

ROWS = [
    {
        "id": f"0190a3c1-0000-7000-8000-{n:012d}",
        "name": f"Candidate {n}",
        "email": f"candidate{n}@example.com",
        "interview": "Backend engineer",
        "status": "INVITED",
        "expiresAt": "2026-12-01T12:00:00Z",
    }
    for n in range(25)
]


@require_GET
def bare_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"data": ROWS, "meta": {"pageSize": 25}})


@require_GET
@login_required
def constant_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bench/constant.html",
        {"rows": ROWS, "page_title": "Constant", "section": "invites"},
    )


# CandidateInterviewOut's fields, as the API names them.
INVITE_FIELDS = {
    "id": "id",
    "status": "status",
    "candidateId": "candidate_id",
    "interviewId": "interview_id",
    "teamId": "team_id",
    "deliveryTypes": "delivery_types",
    "language": "language",
    "source": "source",
    "expiresAt": "expires_at",
    "invitedAt": "invited_at",
    "startedAt": "started_at",
    "completedAt": "completed_at",
    "cancelledAt": "cancelled_at",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}


@require_GET
def keyed_json(request: HttpRequest) -> JsonResponse:
    """The team's 25 newest invites for an ``x-api-key``, checked by the API's own
    authentication (the hashed-key look-up, its creator's standing, ``last_used_at``)."""
    try:
        found = ApiKeyAuthentication().authenticate(request)
    except exceptions.AuthenticationFailed as exc:
        return JsonResponse({"detail": str(exc.detail)}, status=401)
    if found is None or found[1].team_id is None:
        return JsonResponse({"detail": "Send a team API key in x-api-key."}, status=401)
    rows = (
        CandidateInterview.objects.filter(team_id=found[1].team_id)
        .order_by("-created_at")
        .values(*INVITE_FIELDS.values())[:25]
    )
    data = [{name: row[field] for name, field in INVITE_FIELDS.items()} for row in rows]
    return JsonResponse({"data": {"candidateInterviews": data}, "meta": {"pageSize": 25}})


class ConstantTable(DirectCellsMixin, tables.Table):
    """The constant rows as the lists show theirs: orderable headers, the lists' cell path."""

    name = tables.Column(verbose_name="Candidate")
    email = tables.Column(verbose_name="Email")
    interview = tables.Column(verbose_name="Interview")
    status = tables.Column(verbose_name="Status")
    expiresAt = tables.Column(verbose_name="Expires")

    class Meta:
        empty_text = "No rows."


@require_GET
@login_required
def constant_table(request: HttpRequest) -> HttpResponse:
    table = ConstantTable(ROWS)
    RequestConfig(
        request, paginate={"per_page": 25, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    context: dict[str, Any] = {"table": table, "page_title": "Constant", "section": "invites"}
    return render(request, "bench/constant_table.html", context)


urlpatterns = [
    path("bench/json/", bare_json, name="bench_json"),
    path("bench/constant/", constant_page, name="bench_constant"),
    path("bench/json-key/", keyed_json, name="bench_json_key"),
    path("bench/table/", constant_table, name="bench_table"),
    path("", include("dashboard.urls")),
]
