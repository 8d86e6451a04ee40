"""Rows edited inline (survey options, rubric criteria): a plain formset posted back whole.

The form's buttons are named ``action``: ``save`` (also the default, so Enter saves),
``refresh`` (re-render after the type changed), ``add``, ``remove:<i>``, ``up:<i>`` and
``down:<i>``. Every action except save re-renders an unbound copy of the form holding what was
typed, with the rows rearranged, and validates nothing; so it works the same without JavaScript
(a full page) and with htmx (only the rows' part of the form).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms

if TYPE_CHECKING:
    from django.core.exceptions import ValidationError
    from django.forms.formsets import BaseFormSet


class RequiredByService(forms.CharField):
    """Shown as required, but an empty value goes to the service, whose message names the rule:
    so a form with an empty title still shows the options' errors in the same answer."""

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


VERBS = frozenset({"save", "refresh", "add", "remove", "up", "down"})


@dataclass(frozen=True)
class RowAction:
    verb: str
    index: int = -1

    @property
    def is_save(self) -> bool:
        return self.verb == "save"


@dataclass(frozen=True)
class Focus:
    """Where the keyboard focus goes after a rearrangement: a row's field or button, or the
    "Add" button (``index`` -1)."""

    index: int
    target: str


def parse_action(value: str | None) -> RowAction:
    verb, _, index = (value or "save").partition(":")
    if verb not in VERBS:
        return RowAction("refresh")
    if verb in {"remove", "up", "down"}:
        if not index.isdigit():
            return RowAction("refresh")
        return RowAction(verb, int(index))
    return RowAction(verb)


def raw_values(form: forms.Form) -> dict[str, Any]:
    """What was typed into ``form``, unvalidated, to show again."""
    return {name: form[name].data for name in form.fields}


def raw_rows(formset: BaseFormSet[Any]) -> list[dict[str, Any]]:
    return [raw_values(form) for form in formset.forms]


def rearrange(
    rows: list[dict[str, Any]], action: RowAction, *, blank: dict[str, Any], first_field: str
) -> tuple[list[dict[str, Any]], Focus | None]:
    """``rows`` after ``action``, and what to focus next."""
    rows = list(rows)
    i = action.index
    if action.verb == "add":
        rows.append(dict(blank))
        return rows, Focus(len(rows) - 1, first_field)
    if not 0 <= i < len(rows):
        return rows, None
    if action.verb == "remove":
        del rows[i]
        return rows, Focus(-1, "add")
    if action.verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
        return rows, Focus(i - 1, "up" if i - 1 > 0 else "down")
    if action.verb == "down" and i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
        return rows, Focus(i + 1, "down" if i + 1 < len(rows) - 1 else "up")
    return rows, None


def mark_focus(formset: BaseFormSet[Any], focus: Focus | None) -> bool:
    """Put ``autofocus`` where the focus belongs; True when that is the "Add" button.

    htmx focuses an ``autofocus`` element it swaps in, and a browser focuses it on page load,
    so the keyboard stays where the user was working with or without JavaScript.
    """
    if focus is None:
        return False
    if focus.index < 0:
        return focus.target == "add"
    if focus.index < len(formset.forms):
        form = formset.forms[focus.index]
        if focus.target in form.fields:
            form.fields[focus.target].widget.attrs["autofocus"] = True
        else:
            form.focus = focus.target
    return False


def apply_service_errors(
    exc: ValidationError, form: forms.Form, *, rows_key: str, formset: BaseFormSet[Any]
) -> list[str]:
    """Put a service's messages next to their fields: ``<rows_key>.<i>.<field>`` on row ``i``.
    Returns the messages about the rows as a whole (``<rows_key>``), shown above them."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return []
    about_rows: list[str] = []
    for key, errors in exc.error_dict.items():
        messages = [m for e in errors for m in e.messages]
        head, _, rest = key.partition(".")
        if head == rows_key and rest:
            index, _, field = rest.partition(".")
            if index.isdigit() and int(index) < len(formset.forms):
                row = formset.forms[int(index)]
                visible = field in row.fields and not row.fields[field].widget.is_hidden
                row.add_error(field if visible else None, messages)
                continue
            about_rows.extend(messages)
        elif key == rows_key:
            about_rows.extend(messages)
        elif key in form.fields:
            form.add_error(key, messages)
        else:
            form.add_error(None, messages)
    return about_rows
