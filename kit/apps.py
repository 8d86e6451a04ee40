from django.apps import AppConfig


class KitConfig(AppConfig):
    """An app only so that Django finds the ``panelist`` template tags; it has no models."""

    name = "kit"
    verbose_name = "Edge kit"
