from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.views import APIView

from api.auth import ApiKeyAuthentication, HasScopes


class GatherView(APIView):
    """Base of every API view: key authentication and per-method scopes."""

    authentication_classes: ClassVar[list[Any]] = [ApiKeyAuthentication]
    permission_classes: ClassVar[list[Any]] = [HasScopes]
    scopes: ClassVar[dict[str, str]] = {}
