"""The project's URLs plus two baselines served by the same process: a bare Django JSON view
and a signed-in page that renders 25 constant rows in the dashboard's layout. Selected only by
``DJANGO_SETTINGS_MODULE=bench.settings``; production never routes here."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET

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


urlpatterns = [
    path("bench/json/", bare_json, name="bench_json"),
    path("bench/constant/", constant_page, name="bench_constant"),
    path("", include("dashboard.urls")),
]
