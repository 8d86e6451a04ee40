"""Text fields that take only JSON strings.

DRF's ``CharField`` turns a number into text (``12`` becomes ``"12"``), so a body the OpenAPI
calls invalid (a number where it says string) would be accepted. Every text field of the API
is one of these instead, and refuses anything but a string with a 400 naming the field."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from interviews.languages import LANGUAGES


class _StringOnly(serializers.CharField):
    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Text(_StringOnly):
    pass


class Url(_StringOnly, serializers.URLField):
    pass


@extend_schema_field({"type": "string", "enum": sorted(code for code, _name in LANGUAGES)})
class Language(Text):
    """A language code from Panelist's list (interviews/languages.py); the model's choices
    reject any other with an error naming the field, and the schema lists them."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 16)
        super().__init__(**kwargs)
