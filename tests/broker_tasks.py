"""A test-only task for the broker tests; their worker imports it with ``-I tests.broker_tasks``."""

import os
import time

from celery import shared_task


@shared_task(acks_late=True)
def broker_probe(log: str, n: int, hold: float = 0.0) -> None:
    """Log its start and end to a file; the first run of a held task waits ``hold`` seconds
    (long enough to be killed) and every later run of it does not."""
    with open(log, "a") as f:
        f.write(f"start {n}\n")
    marker = f"{log}.held-{n}"
    if hold and not os.path.exists(marker):
        open(marker, "w").close()
        time.sleep(hold)
    with open(log, "a") as f:
        f.write(f"done {n}\n")
