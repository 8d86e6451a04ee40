"""Typed requests: what the middleware stack puts on ``request`` for the views to rely on."""

from accounts.models import Membership, Team, User
from kit.http import HtmxRequest

__all__ = ["AuthedRequest", "HtmxRequest", "TeamRequest"]


class AuthedRequest(HtmxRequest):
    """A signed-in user's request (``login_required``), possibly in no team yet."""

    user: User
    membership: Membership | None
    team: Team | None


class TeamRequest(AuthedRequest):
    """A request from a member of the current team (``team_required``)."""

    membership: Membership
    team: Team
