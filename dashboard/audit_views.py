"""The audit log page: filterable and exportable. Events are append-only (see AuditEvent)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django import forms
from django.http import HttpResponse
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from accounts.access import team_admin_required
from accounts.audit import ACTION_LABELS, audit_record, client_ip
from accounts.selectors import audit_event_list
from dashboard.tables import AuditEventTable
from kit.csv_export import csv_response
from kit.pages import render_page
from kit.tables import BoundedLazyPaginator

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from django.db.models import QuerySet

    from accounts.http import TeamRequest
    from accounts.models import AuditEvent

# Groups offered in the filter besides single actions (an action prefix ending in ".").
ACTION_GROUPS = {
    "auth.": "Sign-ins and failures",
    "permission.": "Refused actions",
    "member.": "Members",
    "invite.": "Invites",
    "candidate.": "Candidates: views, exports, erasures",
    "evaluation.": "AI evaluations and overrides",
    "api_key.": "API keys",
    "webhook.": "Webhooks",
    "team.": "Team settings",
    "share_link.": "Share links",
}


class AuditFilterForm(forms.Form):
    action = forms.CharField(required=False)
    actor = forms.CharField(required=False, max_length=254)
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    object = forms.CharField(required=False, max_length=200)

    def clean(self) -> dict:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date must be on or after the start date.")
        return data


def _events(request: TeamRequest, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    data = form.cleaned_data if form.is_valid() else {}
    return audit_event_list(
        team=request.team,
        action=data.get("action", ""),
        actor=data.get("actor", ""),
        since=data.get("since"),
        until=data.get("until"),
        obj=data.get("object", ""),
    )


AUDIT_CSV_HEADER = [
    "time",
    "actor",
    "action",
    "action_label",
    "object_type",
    "object_id",
    "object",
    "ip",
    "data",
]


def _csv_rows(events: Iterator[AuditEvent]) -> Iterator[Sequence[object]]:
    yield AUDIT_CSV_HEADER
    for e in events:
        yield [
            e.created_at.isoformat(),
            e.actor_label,
            e.action,
            ACTION_LABELS.get(e.action, e.action),
            e.object_type,
            e.object_id,
            e.object_repr,
            e.ip_address or "",
            str(e.data) if e.data else "",
        ]


@require_GET
@team_admin_required
def audit_log(request: TeamRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = _events(request, form)
    if request.GET.get("format") == "csv":
        audit_record(
            action="audit.exported",
            actor=request.user,
            team=request.team,
            ip=client_ip(request),
            data={k: v for k, v in request.GET.items() if k != "format"},
        )
        return csv_response(  # type: ignore[return-value]  # streamed, for any size of log
            _csv_rows(events.iterator(chunk_size=2000)), filename=f"audit-{date.today()}.csv"
        )
    if form.is_bound and not form.is_valid() and request.htmx:
        # The error belongs next to the filter, which the table partial does not hold.
        redirect = HttpResponse(status=204)
        redirect["HX-Redirect"] = request.get_full_path()
        return redirect
    table = AuditEventTable(events)
    RequestConfig(
        request, paginate={"per_page": 50, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    actions = sorted(ACTION_LABELS.items(), key=lambda item: item[1])
    query = request.GET.copy()
    query["format"] = "csv"
    return render_page(
        request,
        "dashboard/audit.html",
        {
            "table": table,
            "form": form,
            "actions": actions,
            "groups": ACTION_GROUPS.items(),
            "action": request.GET.get("action", ""),
            "csv_query": query.urlencode(),
            "page_title": "Audit log",
            "section": "audit",
        },
        partial="table",
    )
