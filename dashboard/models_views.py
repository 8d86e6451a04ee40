"""The owner's AI models page: every model Panelist can load on this server, its licences and
the SHA-256 of its files, checked now (``speech.models``; the same list as ``./panelist
models``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import deny
from speech.models import inventory

if TYPE_CHECKING:
    from django.http import HttpResponse

    from accounts.http import AuthedRequest


@login_required
@never_cache
@require_GET
def ai_models(request: AuthedRequest) -> HttpResponse:
    membership = request.membership
    if membership is None or not membership.can_manage_owners:
        raise deny(request, "Only owners can see the server's AI models.")
    rows = inventory()
    return render(
        request,
        "dashboard/ai_models.html",
        {
            "rows": rows,
            "refused": [row for row in rows if row.state.startswith("refused")],
            "page_title": "AI models",
            "section": "ai_models",
        },
    )
