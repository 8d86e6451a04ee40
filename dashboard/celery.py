"""The Celery application. Configuration comes from Django settings (``CELERY_*``)."""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

# kombu's own file-system transport can kill the worker and loses a killed worker's task
# (see dashboard/broker.py): every filesystem:// URL, old configurations included, gets ours.
TRANSPORT_ALIASES["filesystem"] = "dashboard.broker:Transport"

app = Celery("panelist")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
