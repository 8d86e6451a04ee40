from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dashboard.engine import EngineStatus, engine_status_cached


def engine_alert(request: HttpRequest) -> dict[str, Any]:
    """For owners and admins, the engine's state when it needs them (None when all is well).
    Lazy: only a page that shows the banner reads it (one cache read, no broker round-trip)."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.is_admin:
        return {"engine_alert": None}

    def alert() -> EngineStatus | None:
        status = engine_status_cached()
        return status if status.worker_down or status.queue_stuck else None

    return {"engine_alert": SimpleLazyObject(alert)}
