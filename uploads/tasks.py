"""Background work for uploads."""

from __future__ import annotations

from celery import shared_task

from uploads import services


@shared_task(acks_late=True)
def uploads_cleanup() -> dict[str, int]:
    """Expire abandoned uploads and free their partial files; run it every hour or so.

    Idempotent, so a redelivered or overlapping run does no harm.
    """
    return services.uploads_cleanup()
