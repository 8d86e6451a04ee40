from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.views import APIView

from api.auth import ApiKeyAuthentication, HasScopes
from api.parsers import DepthLimitedJSONParser
from api.ratelimit import ApiKeyRateThrottle, add_rate_limit_headers


class GatherView(APIView):
    """Base of every API view: key authentication, per-method scopes, a rate limit per key,
    JSON bodies of a bounded depth."""

    authentication_classes: ClassVar[list[Any]] = [ApiKeyAuthentication]
    permission_classes: ClassVar[list[Any]] = [HasScopes]
    throttle_classes: ClassVar[list[Any]] = [ApiKeyRateThrottle]
    parser_classes: ClassVar[list[Any]] = [DepthLimitedJSONParser]
    scopes: ClassVar[dict[str, str]] = {}

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        add_rate_limit_headers(request, response)
        return response
