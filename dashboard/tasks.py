"""The worker's heartbeat (see dashboard/engine.py)."""

from __future__ import annotations

import time
from typing import Any

from celery import shared_task
from celery.signals import before_task_publish, worker_ready

from dashboard.engine import engine_heartbeat_record

PUBLISHED_HEADER = "panelist_published_at"


@shared_task(bind=True, acks_late=True, ignore_result=True)
def engine_heartbeat(self: Any) -> None:
    """Beat sends this every 20 s: the worker is alive, and its wait says how far behind the
    queue is on any broker (the message's publish time travels in a header)."""
    # A worker puts custom headers on the request itself; apply() keeps them in .headers.
    published = getattr(self.request, PUBLISHED_HEADER, None) or (self.request.headers or {}).get(
        PUBLISHED_HEADER
    )
    engine_heartbeat_record(lag=None if published is None else max(0.0, time.time() - published))


@before_task_publish.connect
def _stamp_heartbeat(sender: str | None = None, headers: dict[str, Any] | None = None, **_: Any):
    if sender == engine_heartbeat.name and headers is not None:
        headers[PUBLISHED_HEADER] = time.time()


@worker_ready.connect
def _worker_started(**_: Any) -> None:
    engine_heartbeat_record(lag=None)
