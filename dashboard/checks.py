"""Deployment checks of our own (``manage.py check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def check_shared_store(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """A broker server means workers (and often web servers) on several machines; the default
    cache is one file per machine, so each would count its own sign-in throttles and rate
    limits, and the web side would never see a worker's heartbeat (the engine banner and
    /health/ would say "no worker")."""
    broker = settings.CELERY_BROKER_URL
    if broker.startswith("filesystem://") or settings.CACHE_URL:
        return []
    return [
        Warning(
            "CELERY_BROKER_URL points at a broker server but CACHE_URL is not set: throttles, "
            "rate limits and the worker heartbeat would be counted per machine.",
            hint="Set CACHE_URL=redis://host:6379/1 (a Redis every web and worker process "
            "reaches).",
            id="panelist.W001",
        )
    ]
