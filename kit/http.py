"""The request that django-htmx's middleware annotates; the apps' typed requests extend it."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
