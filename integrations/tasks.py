"""Background work for ATS integrations."""

from __future__ import annotations

from celery import shared_task

from integrations import services

# Each call has its own timeout (services.NOTIFY_TIMEOUT_SECONDS); the run as a whole stops
# before beat queues the next one (every 60 s), so two runs never PATCH the same order at once.
# What it did not reach is told on the next run.
NOTIFY_SOFT_TIME_LIMIT = 50


@shared_task(
    acks_late=True,
    ignore_result=True,
    soft_time_limit=NOTIFY_SOFT_TIME_LIMIT,
    time_limit=NOTIFY_SOFT_TIME_LIMIT + 5,
)
def ats_orders_notify() -> int:
    return services.ats_orders_notify()
