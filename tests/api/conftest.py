"""API fixtures: keys with chosen scopes, and a client that sends them."""

import pytest
from rest_framework.test import APIClient

from api.keys import SCOPES, api_key_create


@pytest.fixture
def make_key(team, owner):
    def _make(*, scopes=SCOPES, team_level=True, default_team=None, for_team=None):
        target = for_team or team
        _api_key, raw = api_key_create(
            organization=target.organization,
            name="Test integration",
            scopes=list(scopes),
            team=target if team_level else None,
            default_team=default_team,
            by=owner,
        )
        return raw

    return _make


@pytest.fixture
def api(make_key):
    """An API client authenticated with a team key holding every scope."""
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=make_key())
    return client


@pytest.fixture
def anonymous_api():
    return APIClient()
