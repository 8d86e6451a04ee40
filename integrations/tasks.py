"""Background work for ATS integrations."""

from __future__ import annotations

from celery import shared_task

from integrations import services


@shared_task(acks_late=True, ignore_result=True)
def ats_orders_notify() -> int:
    return services.ats_orders_notify()
