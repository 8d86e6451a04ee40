"""Team settings → Message templates: a team's own wording of what candidates are sent, per
message, channel and language, with a live preview and a test sent to oneself (owners and
admins, like the other candidate-message settings)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import team_admin_required
from accounts.audit import client_ip
from candidates.forms.message_templates import MessageTemplateForm
from candidates.models import MessageTemplate
from candidates.services.message_templates import (
    VARIABLES,
    TestSendRefused,
    custom_template,
    default_text,
    key_valid,
    message_template_grid,
    message_template_preview,
    message_template_reset,
    message_template_save,
    message_template_test_send,
    sms_segments,
    template_validate,
)
from kit.pages import apply_errors

if TYPE_CHECKING:
    from accounts.http import TeamRequest


def _key(request: TeamRequest) -> tuple[str, str, str]:
    data = request.POST if request.method == "POST" else request.GET
    kind, channel, language = (data.get(name, "") for name in ("kind", "channel", "language"))
    if not key_valid(kind, channel, language):
        raise Http404("No such message.")
    return kind, channel, language


def _edit_url(kind: str, channel: str, language: str) -> str:
    query = f"kind={kind}&channel={channel}&language={language}"
    return f"{reverse('candidates:message_template_edit')}?{query}"


def _page(
    request: TeamRequest,
    form: MessageTemplateForm,
    key: tuple[str, str, str],
    *,
    status: int = 200,
    preview: Any = None,
) -> HttpResponse:
    kind, channel, language = key
    team = request.team
    template = custom_template(team=team, kind=kind, channel=channel, language=language)
    if preview is None:
        preview = _preview(request, form, key)
    return render(
        request,
        "candidates/message_templates/edit.html",
        {
            "form": form,
            "kind": kind,
            "channel": channel,
            "language": language,
            "kind_label": MessageTemplate.Kind(kind).label,
            "channel_label": MessageTemplate.Channel(channel).label,
            "language_label": MessageTemplate.Language(language).label,
            "template": template,
            "variables": VARIABLES[MessageTemplate.Kind(kind)],
            "preview": preview,
            "page_title": "Edit message",
            "section": "message_templates",
        },
        status=status,
    )


def _preview(
    request: TeamRequest, form: MessageTemplateForm, key: tuple[str, str, str]
) -> dict[str, Any]:
    """The preview of what the form holds, or the errors that stop it."""
    kind, channel, language = key
    data = form.data if form.is_bound else form.initial
    subject, body = str(data.get("subject", "") or ""), str(data.get("body", "") or "")
    # Substitution never fails: an unknown placeholder is left as typed and named below.
    rendered = message_template_preview(
        team=request.team,
        user=request.user,
        kind=kind,
        channel=channel,
        language=language,
        subject=subject,
        body=body,
    )
    chars, segments = sms_segments(rendered.text) if channel == "sms" else (0, 0)
    try:
        template_validate(kind=kind, channel=channel, subject=subject, body=body)
        problems: list[str] = []
    except ValidationError as exc:
        problems = [m for messages_ in exc.message_dict.values() for m in messages_]
    return {
        "subject": rendered.subject,
        "text": rendered.text,
        "chars": chars,
        "segments": segments,
        "problems": problems,
    }


@require_GET
@team_admin_required
def message_template_list(request: TeamRequest) -> HttpResponse:
    rows = message_template_grid(team=request.team)
    for row in rows:
        for cell in row["languages"]:
            cell["url"] = _edit_url(row["kind"], row["channel"], cell["language"])
    return render(
        request,
        "candidates/message_templates/list.html",
        {"rows": rows, "page_title": "Message templates", "section": "message_templates"},
    )


@require_http_methods(["GET", "POST"])
@team_admin_required
def message_template_edit(request: TeamRequest) -> HttpResponse:
    key = _key(request)
    kind, channel, language = key
    if request.method == "GET":
        template = custom_template(team=request.team, kind=kind, channel=channel, language=language)
        if template is not None:
            initial = {"subject": template.subject, "body": template.body}
        else:
            subject, body = default_text(kind=kind, channel=channel, language=language)
            initial = {"subject": subject, "body": body}
        return _page(request, MessageTemplateForm(initial=initial, channel=channel), key)
    form = MessageTemplateForm(request.POST, channel=channel)
    if form.is_valid():
        try:
            message_template_save(
                team=request.team,
                kind=kind,
                channel=channel,
                language=language,
                subject=form.cleaned_data.get("subject", ""),
                body=form.cleaned_data["body"],
                by=request.user,
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Message template saved.")
            return redirect(_edit_url(kind, channel, language))
    return _page(request, form, key, status=400)


@require_POST
@team_admin_required
def message_template_preview_view(request: TeamRequest) -> HttpResponse:
    key = _key(request)
    form = MessageTemplateForm(request.POST, channel=key[1])
    form.is_valid()
    response = render(
        request,
        "candidates/message_templates/edit.html#preview",
        {"preview": _preview(request, form, key), "channel": key[1]},
    )
    response["Vary"] = "HX-Request"
    return response


@require_POST
@team_admin_required
def message_template_reset_view(request: TeamRequest) -> HttpResponse:
    kind, channel, language = _key(request)
    if message_template_reset(
        team=request.team,
        kind=kind,
        channel=channel,
        language=language,
        by=request.user,
        ip=client_ip(request),
    ):
        messages.success(request, "Back to the default message.")
    else:
        messages.info(request, "This message already uses the default.")
    return redirect(_edit_url(kind, channel, language))


@require_POST
@team_admin_required
def message_template_test(request: TeamRequest) -> HttpResponse:
    key = _key(request)
    kind, channel, language = key
    form = MessageTemplateForm(request.POST, channel=channel)
    if form.is_valid():
        try:
            to = message_template_test_send(
                team=request.team,
                by=request.user,
                kind=kind,
                channel=channel,
                language=language,
                subject=form.cleaned_data.get("subject", ""),
                body=form.cleaned_data["body"],
                phone=form.cleaned_data.get("phone", ""),
                ip=client_ip(request),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except TestSendRefused as exc:
            form.add_error(None, str(exc))
            return _page(request, form, key, status=429)
        else:
            messages.success(request, f"Test sent to {to}. Your text was not saved.")
            return _page(request, form, key)
    return _page(request, form, key, status=400)


urlpatterns = [
    path("settings/message-templates/", message_template_list, name="message_templates"),
    path("settings/message-templates/edit/", message_template_edit, name="message_template_edit"),
    path(
        "settings/message-templates/preview/",
        message_template_preview_view,
        name="message_template_preview",
    ),
    path(
        "settings/message-templates/reset/",
        message_template_reset_view,
        name="message_template_reset",
    ),
    path("settings/message-templates/test/", message_template_test, name="message_template_test"),
]
