"""``x-api-key`` authentication, scopes, and which team a request acts on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from accounts.models import Team
from api.keys import api_key_check, api_key_teams

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

    from accounts.models import ApiKey


class KeyUser:
    """The authenticated principal of an API request: the key, acting as its creator."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey) -> None:
        self.api_key = api_key
        self.user = api_key.created_by
        self.pk = self.user.pk if self.user else None

    def __str__(self) -> str:
        return f"API key {self.api_key.name}"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[KeyUser, ApiKey] | None:
        raw = request.headers.get("x-api-key", "").strip()
        if not raw:
            return None
        api_key = api_key_check(raw)
        if api_key is None:
            raise exceptions.AuthenticationFailed("The x-api-key header holds no valid key.")
        if api_key.created_by_id is None or (
            api_key.team_id is not None and not api_key.reaches_team  # type: ignore[attr-defined]
        ):
            # A key acts as its creator: once they may no longer manage its team, it is dead.
            raise exceptions.AuthenticationFailed(
                "This key no longer works: the person who made it can no longer manage its "
                "team (or has left). Ask a team owner or admin for a new key."
            )
        return KeyUser(api_key), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'ApiKey header="x-api-key"'


class HasScopes(BasePermission):
    """The view's ``scopes`` = {"GET": "interviews:read", "POST": "interviews:write", …}."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if api_key is None:
            raise exceptions.NotAuthenticated("Send your API key in the x-api-key header.")
        needed = getattr(view, "scopes", {}).get(request.method)
        if needed and needed not in api_key.scopes:
            raise exceptions.PermissionDenied(f"This key lacks the scope {needed}.")
        return True


def _param(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if value is None and isinstance(getattr(request, "data", None), dict):
        value = request.data.get(name)
    # A JSON false or 0 would otherwise read as "not sent" (and DRF's UUIDField takes it).
    if value is not None and not isinstance(value, str):
        raise exceptions.ValidationError({name: ["Must be a UUID, as a string."]})
    return value


def request_team(request: Request) -> Team:
    """The team the request acts on: ``teamId`` (query or body) where the key reaches it
    (``api.keys.api_key_teams``; 404 otherwise), else the key's team or default team. An
    organization key with neither is a 400; one whose creator no longer manages its default
    team is a 403."""
    api_key: ApiKey = request.auth
    asked = _param(request, "teamId")
    if asked:
        team = (
            api_key_teams(api_key)
            .select_related("organization")
            .filter(pk=_uuid_or_none(asked))
            .first()
        )
        if team is None:
            raise exceptions.NotFound(f"No team {asked} is reachable with this key.")
        return team
    if api_key.team_id is not None:
        # ApiKeyAuthentication has refused the key if its creator no longer manages it.
        return api_key.team  # type: ignore[return-value]
    if api_key.default_team_id is not None:
        if not api_key.reaches_default_team:  # type: ignore[attr-defined]
            raise exceptions.PermissionDenied(
                "The person who made this key can no longer manage its default team: "
                "send the teamId of a team they own or administer."
            )
        return api_key.default_team  # type: ignore[return-value]
    raise exceptions.ValidationError(
        {"teamId": ["This organization key has no default team: send teamId."]}
    )


def request_user(request: Request) -> Any:
    """``userId`` (a member of the request's team) when given, else the key's creator."""
    from accounts.models import Membership

    asked = _param(request, "userId")
    if asked:
        membership = (
            Membership.objects.select_related("user")
            .filter(user_id=_uuid_or_none(asked), team=request_team(request))
            .first()
        )
        if membership is None:
            raise exceptions.ValidationError({"userId": ["No member of this team has that id."]})
        return membership.user
    return request.auth.created_by


def _uuid_or_none(value: Any) -> str:
    """``value`` as a UUID string, or one that matches no row (ids are UUIDs)."""
    import uuid

    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return "00000000-0000-0000-0000-000000000000"
