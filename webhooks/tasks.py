"""Background work for webhooks: one delivery attempt per task, and the sweep of due ones."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from webhooks import services


@shared_task(acks_late=True, ignore_result=True)
def webhook_deliver(delivery_id: Any) -> str:
    """Send one pending delivery. Retries are new deliveries scheduled by the service (their
    delays run to a day, too long for a task's own retry); a duplicate run does nothing."""
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    return delivery.status if delivery else "skipped"


@shared_task(acks_late=True, ignore_result=True)
def webhooks_deliver_due() -> int:
    return services.deliveries_enqueue_due()
