"""The API's shapes. ``rows_of`` renders a page of them in one pass."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from rest_framework import serializers


def rows_of(out: type[serializers.Serializer], **context: Any) -> Callable[[Any], dict[str, Any]]:
    """One row's shape for ``api.responses.paginate``, from one ``out`` serializer for the
    whole page: what ``out(rows, many=True)`` does (its child renders each row). Building a
    serializer per row deep-copies its declared fields every time, about half of a page's
    rendering."""
    return out(context=context).to_representation
