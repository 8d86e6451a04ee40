"""Is the background engine working? The worker's heartbeat, the queue's age and the broker.

The worker records a heartbeat in Django's default cache when it starts and from a beat task
every 20 s (``dashboard.tasks.engine_heartbeat``), with how long that task waited in the queue.
The queue's age is that wait, or on the file-system broker the age of its oldest waiting
message file, whichever is larger. The owners' banner and ``/health/`` read this; both use the
answer cached for a few seconds, so a page view costs one cache read and no broker round-trip.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection

from dashboard.broker import oldest_message_age
from dashboard.celery import app

HEARTBEAT_KEY = "engine:heartbeat"
STATUS_KEY = "engine:status:{probe}"
STATUS_TTL = 5


@dataclass(frozen=True)
class EngineStatus:
    worker: str  # ok, stale, missing, or eager (tasks run in the web process: no worker needed)
    queue: str  # ok, stuck, or eager
    worker_seen_seconds: int | None
    queue_oldest_seconds: int | None
    database: bool | None = None  # None: not probed (the banner does not)
    broker: bool | None = None

    @property
    def worker_down(self) -> bool:
        return self.worker in ("stale", "missing")

    @property
    def queue_stuck(self) -> bool:
        return self.queue == "stuck"

    @property
    def healthy(self) -> bool:
        return (
            self.database is not False
            and self.broker is not False
            and not self.worker_down
            and not self.queue_stuck
        )


def engine_heartbeat_record(*, lag: float | None) -> None:
    """The worker is alive now; ``lag``: seconds its heartbeat task waited in the queue."""
    cache.set(HEARTBEAT_KEY, {"at": time.time(), "lag": lag}, timeout=24 * 3600)


def _is_filesystem_broker() -> bool:
    return str(app.conf.broker_url or "").startswith("filesystem://")


def _queue_folder() -> str | None:
    options = app.conf.broker_transport_options or {}
    return options.get("data_folder_in")


def broker_reachable() -> bool:
    if _is_filesystem_broker():
        folder = _queue_folder()
        return folder is not None and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)
    try:
        with app.connection_for_write(connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=3)
    except Exception:  # any failure to connect (refused, DNS, auth, timeout) is "down"
        return False
    return True


def database_reachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def engine_status(*, probe: bool = False) -> EngineStatus:
    """The engine's state now; ``probe`` also tries the database and the broker."""
    database = database_reachable() if probe else None
    broker = broker_reachable() if probe else None
    if app.conf.task_always_eager:
        return EngineStatus("eager", "eager", None, None, database, broker)
    now = time.time()
    beat: dict[str, Any] | None = cache.get(HEARTBEAT_KEY)
    seen = None if beat is None else max(0.0, now - beat["at"])
    ages = [beat["lag"]] if beat and beat.get("lag") is not None else []
    if _is_filesystem_broker() and (folder := _queue_folder()):
        queues = {queue.name for queue in app.amqp.queues.values()}
        if (age := oldest_message_age(folder, queues)) is not None:
            ages.append(age)
    oldest = max(ages, default=None)
    if seen is None:
        worker = "missing"
    elif seen > settings.ENGINE_WORKER_STALE_SECONDS:
        worker = "stale"
    else:
        worker = "ok"
    queue = "stuck" if oldest is not None and oldest > settings.ENGINE_QUEUE_STALE_SECONDS else "ok"
    return EngineStatus(
        worker=worker,
        queue=queue,
        worker_seen_seconds=None if seen is None else int(seen),
        queue_oldest_seconds=None if oldest is None else int(oldest),
        database=database,
        broker=broker,
    )


def engine_status_cached(*, probe: bool = False) -> EngineStatus:
    key = STATUS_KEY.format(probe=int(probe))
    status = cache.get(key)
    if not isinstance(status, EngineStatus):
        status = engine_status(probe=probe)
        cache.set(key, status, STATUS_TTL)
    return status
