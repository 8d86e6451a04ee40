from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.selectors import membership_current

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.http import HttpRequest, HttpResponse


class CurrentTeamMiddleware:
    """Sets ``request.membership`` and ``request.team`` for the signed-in user.

    The current team is the one chosen with the team switcher (kept in the session),
    else the last one used, else the first the user belongs to.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = None
        if request.user.is_authenticated:
            membership = membership_current(
                user=request.user, team_id=request.session.get("team_id")
            )
        request.membership = membership  # type: ignore[attr-defined]
        request.team = membership.team if membership else None  # type: ignore[attr-defined]
        return self.get_response(request)
