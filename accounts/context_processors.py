from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.selectors import membership_list_for_user


def current_team(request: HttpRequest) -> dict[str, Any]:
    """The current team and membership, and (lazily) the teams for the switcher."""
    membership = getattr(request, "membership", None)
    user = request.user
    return {
        "membership": membership,
        "current_team": membership.team if membership else None,
        "my_memberships": SimpleLazyObject(
            lambda: list(membership_list_for_user(user=user)) if user.is_authenticated else []
        ),
    }
