"""Typed requests: what the middleware stack puts on ``request`` for the views to rely on."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails

from accounts.models import Membership, Team, User


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails


class AuthedRequest(HtmxRequest):
    """A signed-in user's request (``login_required``), possibly in no team yet."""

    user: User
    membership: Membership | None
    team: Team | None


class TeamRequest(AuthedRequest):
    """A request from a member of the current team (``team_required``)."""

    membership: Membership
    team: Team
