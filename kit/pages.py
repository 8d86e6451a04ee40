"""Rendering a dashboard page, and a service's errors on its form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.shortcuts import render
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError
    from django.forms import BaseForm
    from django.http import HttpResponse

    from kit.http import HtmxRequest


def render_page(
    request: HtmxRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str = "",
    status: int = 200,
) -> HttpResponse:
    """The page, or only its ``partial`` (a ``{% partialdef %}``) for an htmx request that is
    not boosted; either way ``Vary: HX-Request``, so caches keep the two apart."""
    use_partial = partial and request.htmx and not request.htmx.boosted
    name = f"{template}#{partial}" if use_partial else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def apply_errors(
    form: BaseForm, exc: ValidationError, *, rename: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError next to the form field it names (``rename`` maps a
    service's argument to the form's field); errors of no field of the form go on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        field = (rename or {}).get(name, name)
        form.add_error(field if field in form.fields else None, errors)
