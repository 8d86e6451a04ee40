from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dashboard.engine import engine_status_cached


@require_GET
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """For monitors, no sign-in: 200 when the database, the broker and a worker are up and the
    queue is moving, else 503. States and ages only, nothing about any team."""
    status = engine_status_cached(probe=True)
    body = {
        "status": "ok" if status.healthy else "unhealthy",
        "database": "ok" if status.database else "down",
        "broker": "ok" if status.broker else "down",
        "worker": status.worker,
        "workerLastSeenSeconds": status.worker_seen_seconds,
        "queue": status.queue,
        "queueOldestSeconds": status.queue_oldest_seconds,
    }
    return JsonResponse(body, status=200 if status.healthy else 503)
