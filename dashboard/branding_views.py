"""A team's brand as candidate pages load it: a small stylesheet with its colours, and its logo.

Both are public (candidates have no account) and named by the team's id; a ``v`` parameter
that changes with the colour or the logo lets browsers cache them for good. A stylesheet, not
an inline ``style`` attribute, keeps the strict Content-Security-Policy (``style-src 'self'``).
"""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET

from accounts.branding import KINDS, brand_colors, logo_version, team_brand
from accounts.models import Team

FOREVER = "public, max-age=31536000, immutable"
BRIEFLY = "public, max-age=300"


def _team(pk: UUID) -> Team:
    try:
        return Team.objects.get(pk=pk)
    except Team.DoesNotExist as exc:
        raise Http404("No such team.") from exc


def brand_stylesheet(color: str) -> str:
    """The rules that give candidate pages (``body.candidate``) the brand colour."""
    color, text, hover, on_white = brand_colors(color)
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    rules = [
        f".candidate{{--brand:{color};--brand-text:{text};--brand-hover:{hover};"
        f"--brand-rgb:{r},{g},{b}}}",
        ".candidate .btn-primary{--bs-btn-bg:var(--brand);--bs-btn-border-color:var(--brand);"
        "--bs-btn-color:var(--brand-text);--bs-btn-hover-bg:var(--brand-hover);"
        "--bs-btn-hover-border-color:var(--brand-hover);--bs-btn-hover-color:var(--brand-text);"
        "--bs-btn-active-bg:var(--brand-hover);--bs-btn-active-border-color:var(--brand-hover);"
        "--bs-btn-active-color:var(--brand-text);--bs-btn-disabled-bg:var(--brand);"
        "--bs-btn-disabled-border-color:var(--brand);--bs-btn-disabled-color:var(--brand-text);"
        "--bs-btn-focus-shadow-rgb:var(--brand-rgb)}",
        ".candidate .progress-bar{background-color:var(--brand);color:var(--brand-text)}",
        ".candidate .brand-header{border-top-color:var(--brand)}",
    ]
    if on_white:
        # Only a colour that reads on white may colour text on white.
        rules += [
            ".candidate main a:not(.btn){color:var(--brand)}",
            ".candidate .btn-outline-primary{--bs-btn-color:var(--brand);"
            "--bs-btn-border-color:var(--brand);--bs-btn-hover-bg:var(--brand);"
            "--bs-btn-hover-border-color:var(--brand);--bs-btn-hover-color:var(--brand-text);"
            "--bs-btn-active-bg:var(--brand-hover);--bs-btn-active-border-color:var(--brand-hover);"
            "--bs-btn-active-color:var(--brand-text)}",
        ]
    return "\n".join(rules) + "\n"


@require_GET
def brand_css(request: HttpRequest, pk: UUID) -> HttpResponse:
    brand = team_brand(_team(pk))
    response = HttpResponse(brand_stylesheet(brand.color), content_type="text/css; charset=utf-8")
    current = request.GET.get("v") == brand.color[1:]
    response["Cache-Control"] = FOREVER if current else BRIEFLY
    return response


@require_GET
def brand_logo(request: HttpRequest, pk: UUID) -> HttpResponseBase:
    team = _team(pk)
    name = team.logo.name or ""
    if not name:
        raise Http404("This team has no logo.")
    extension = name.rpartition(".")[2].lower()
    if extension not in KINDS:
        raise Http404("No such logo.")
    try:
        handle = team.logo.storage.open(name, "rb")
    except FileNotFoundError as exc:
        raise Http404("The logo file is missing.") from exc
    response = FileResponse(handle, content_type=KINDS[extension].content_type)
    current = request.GET.get("v") == logo_version(team)
    response["Cache-Control"] = FOREVER if current else BRIEFLY
    return response
