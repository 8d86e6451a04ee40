"""The invite pages: invite candidates, the invite list, and one invite with its link, delivery
log and actions (send, remind, send a new link, extend, cancel). Hiring managers see them all
and change nothing (nor see the candidate's link, which lets anyone answer as the candidate)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from accounts.access import deny, team_required
from accounts.tenancy import get_for_team, require_membership
from candidates.forms.accommodations import AccommodationForm
from candidates.forms.invites import (
    InviteCreateForm,
    InviteExtendForm,
    InviteFilterForm,
    default_expiry_day,
)
from candidates.models import Candidate, CandidateInterview, InviteDelivery
from candidates.selectors import invites_visible, restrict_invites
from candidates.services.accommodations import accommodation_label
from candidates.services.invites import (
    InviteBatch,
    invite_cancel,
    invite_create_many,
    invite_current_url,
    invite_extend,
    invite_remind,
    invite_resend,
    invite_send,
)
from candidates.services.sms_consent import FORM_WORDING, SmsOptIn, window_label
from candidates.tables.invites import InviteTable, invite_list
from interviews.models import Interview
from interviews.selectors import interviews_visible, sees_all_interviews
from kit.pages import apply_errors, render_page
from kit.tables import BoundedLazyPaginator

if TYPE_CHECKING:
    from django.http import QueryDict

    from accounts.http import TeamRequest
    from accounts.models import Team

PAGE_SIZE = 25
SEARCH_LIMIT = 20
Status = CandidateInterview.Status
PENDING_DELIVERY = (
    InviteDelivery.Status.QUEUED,
    InviteDelivery.Status.SENDING,
    InviteDelivery.Status.RETRYING,
)


def get_invite_for(
    request: TeamRequest, pk: Any, *, write: bool = False
) -> tuple[CandidateInterview, bool]:
    """The current team's invite ``pk`` that the caller may see (404 otherwise: a hiring manager
    sees only invites to interviews shared with them) and whether the caller may change it
    (with ``write=True``, 403 for a read-only role)."""
    membership = require_membership(request)
    return get_for_team(
        request,
        invites_visible(membership=membership).select_related(
            "candidate", "interview", "team", "created_by"
        ),
        pk,
        write=write,
    )


def _require_author(request: TeamRequest) -> None:
    if not request.membership.can_author:
        raise deny(request, "Your role can view invites but not send or change them.")


def _uuids(values: list[str]) -> list[str]:
    valid = []
    for value in values:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    return valid


def _channels_label(channels: list[str]) -> str:
    names = {"email": "email", "sms": "SMS"}
    return " and ".join(names.get(c, c) for c in channels) or "no channel"


# ---------------------------------------------------------------- invite candidates


def _picker(team: Team, data: QueryDict) -> dict[str, Any]:
    """The chosen candidates (checked) and, below them, candidates matching ``q``."""
    chosen_ids = _uuids(data.getlist("candidates"))
    team_candidates = Candidate.objects.for_team(team)
    chosen = list(team_candidates.filter(pk__in=chosen_ids).order_by("last_name", "first_name"))
    q = data.get("q", "").strip()
    matches = team_candidates.exclude(pk__in=chosen_ids)
    for word in q.split()[:5]:
        matches = matches.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(external_id__iexact=word)
        )
    return {"chosen": chosen, "matches": list(matches[:SEARCH_LIMIT]), "q": q}


# The invite services' arguments that the create form names otherwise.
INVITE_FIELDS = {"expires_at": "expires_on", "candidate": "candidates"}


def _batch_errors(batch: InviteBatch) -> list[str]:
    """Why each candidate was not invited; a duplicate names and links to the open invite."""
    errors: list[str] = []
    for failure in batch.failed:
        if (existing := failure.existing) is not None:
            errors.append(
                format_html(
                    '{} already has an open invite to {} ({}): <a href="{}">open it</a> to '
                    "remind, extend or cancel it.",
                    failure.candidate.full_name,
                    existing.interview.title,
                    existing.get_status_display().lower(),
                    reverse("candidates:invite_detail", args=[existing.pk]),
                )
            )
        else:
            errors.append(f"{failure.candidate.full_name}: {failure.message}")
    return errors


@require_http_methods(["GET", "POST"])
@team_required
def invite_create_view(request: TeamRequest) -> HttpResponse:
    """Pick an interview and candidates, then send now or save drafts.

    Candidates arrive chosen as ``?candidates=<id>&…`` (the candidate list's selection, by GET
    or POST); the search below finds more. An htmx search swaps only the picker.
    """
    _require_author(request)
    team = request.team
    data = request.POST if request.method == "POST" else request.GET
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("send", "draft"):
        form = InviteCreateForm(request.POST, team=team)
        if form.is_valid():
            try:
                batch = invite_create_many(
                    team=team,
                    by=request.user,
                    candidates=form.cleaned_data["candidates"],
                    interview=form.cleaned_data["interview"],
                    delivery_types=form.cleaned_data["delivery_types"],
                    expires_at=form.expires_at(),
                    send=action == "send",
                    personal_note=form.cleaned_data["personal_note"],
                    sms_opt_in=SmsOptIn(FORM_WORDING) if form.cleaned_data["sms_opt_in"] else None,
                )
            except ValidationError as exc:
                apply_errors(form, exc, rename=INVITE_FIELDS)
            else:
                if not batch.created and any(f.existing for f in batch.failed):
                    # Nobody was invited, some because they already are: say so next to the
                    # candidates, with a way to each open invite, rather than a result page
                    # that lists nobody.
                    form.add_error("candidates", _batch_errors(batch))
                else:
                    return render(
                        request,
                        "candidates/invites/create_result.html",
                        {
                            "batch": batch,
                            "failures": zip(batch.failed, _batch_errors(batch), strict=True),
                            "interview": form.cleaned_data["interview"],
                            "sent": action == "send",
                            "channels": _channels_label(form.cleaned_data["delivery_types"]),
                            "page_title": "Invites sent" if action == "send" else "Drafts saved",
                            "section": "invites",
                        },
                    )
    else:
        # A first visit, the candidate list's selection, or a search without JavaScript:
        # keep whatever was chosen so far.
        initial: dict[str, Any] = {}
        if interview := _uuids([data.get("interview", "")]):
            initial["interview"] = interview[0]
        if channels := data.getlist("delivery_types"):
            initial["delivery_types"] = channels
        if expires := data.get("expires_on"):
            initial["expires_on"] = expires
        form = InviteCreateForm(initial=initial, team=team)
    context = {
        "form": form,
        **_picker(team, data),
        "has_interviews": Interview.objects.for_team(team)
        .filter(status=Interview.Status.ACTIVE)
        .exists(),
        "default_expiry": default_expiry_day(team.invite_expiry_days),
        "page_title": "Invite candidates",
        "section": "invites",
    }
    if request.htmx and request.htmx.target == "candidate-picker":
        return render_page(
            request, "candidates/invites/create.html", context, partial="candidate_picker"
        )
    response = render(
        request, "candidates/invites/create.html", context, status=422 if form.errors else 200
    )
    response["Vary"] = "HX-Request"
    return response


# ---------------------------------------------------------------- the list


@require_GET
@team_required
def invite_list_view(request: TeamRequest) -> HttpResponse:
    membership = request.membership
    filter_form = InviteFilterForm(request.GET or None, team=request.team)
    if not sees_all_interviews(membership):
        # Only the interviews shared with a hiring manager are theirs to filter by.
        visible = interviews_visible(membership=membership).order_by("title")
        filter_form.fields["interview"].choices = [  # type: ignore[attr-defined]
            ("", "Any interview"),
            *((str(pk), title) for pk, title in visible.values_list("pk", "title")),
        ]
    invites = invite_list(team=request.team, filters=filter_form.filters())
    table = InviteTable(restrict_invites(invites, membership=membership))
    RequestConfig(
        request, paginate={"per_page": PAGE_SIZE, "paginator_class": BoundedLazyPaginator}
    ).configure(table)
    return render_page(
        request,
        "candidates/invites/list.html",
        {
            "table": table,
            "filter_form": filter_form,
            "has_any": invites_visible(membership=membership).exists(),
            "page_title": "Invites",
            "section": "invites",
        },
        partial="table",
    )


# ---------------------------------------------------------------- one invite


def _timeline(invite: CandidateInterview) -> list[tuple[str, Any]]:
    events = [
        ("Created", invite.created_at),
        ("Invited", invite.invited_at),
        ("Started", invite.started_at),
        ("Reminded", invite.reminded_at),
        ("Completed", invite.completed_at),
        ("Cancelled", invite.cancelled_at),
    ]
    if invite.status == Status.EXPIRED:
        events.append(("Expired", invite.expires_at))
    return sorted(((label, at) for label, at in events if at), key=lambda e: e[1])


def _detail_context(request: TeamRequest, invite: CandidateInterview) -> dict[str, Any]:
    deliveries = list(invite.deliveries.order_by("-created_at", "-pk"))
    # The received and decision emails (candidates.services.candidate_messages): one query.
    candidate_messages = list(invite.messages.order_by("-created_at", "-pk"))
    can_edit = request.membership.can_author
    open_or_expired = invite.status in (Status.INVITED, Status.IN_PROGRESS, Status.EXPIRED)
    link_works = invite.status in (Status.INVITED, Status.IN_PROGRESS) and not invite.is_expired
    extendable = invite.status not in (Status.COMPLETED, Status.CANCELLED)
    # Suggest the team's usual length again, counted from today or the current expiry.
    base = timezone.localdate()
    if invite.expires_at:
        base = max(base, timezone.localdate(invite.expires_at))
    suggested = base + timedelta(days=invite.team.invite_expiry_days)
    return {
        "invite": invite,
        "candidate": invite.candidate,
        "deliveries": deliveries,
        "candidate_messages": candidate_messages,
        "polling": any(d.status in PENDING_DELIVERY for d in deliveries),
        # Where quiet hours are read, when something waits for them.
        "quiet_hours": window_label(invite)
        if any(d.status == InviteDelivery.Status.HELD for d in deliveries)
        else "",
        "timeline": _timeline(invite),
        "can_edit": can_edit,
        # docs/permissions.md: whoever may review may share (hiring managers included).
        "can_share": request.membership.can("review"),
        "can_send": can_edit and invite.status == Status.DRAFT,
        "can_remind": can_edit and link_works,
        "can_resend": can_edit and open_or_expired,
        # Only those who may send it see the link: it lets anyone answer as the candidate.
        "link_url": invite_current_url(invite) if can_edit and link_works else "",
        "link_works": link_works,
        "can_extend": can_edit and extendable,
        "can_cancel": can_edit and invite.can_transition_to(Status.CANCELLED),
        "extend_form": InviteExtendForm(initial={"until": suggested}),
        "accommodation_form": AccommodationForm.for_invite(invite),
        "accommodation": accommodation_label(invite),
        # The candidate's latest decision file request (candidates.services.decision_files).
        "decision_file": invite.decision_files.order_by("-requested_at").first()
        if can_edit
        else None,
        "page_title": f"{invite.candidate.full_name} · {invite.interview.title}",
        "section": "invites",
    }


@require_GET
@team_required
def invite_detail(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """The invite, its timeline and its delivery log, which refreshes itself (htmx polling)
    while a delivery is queued or retrying."""
    invite, _ = get_invite_for(request, pk)
    partial = "delivery_log" if request.htmx and request.htmx.target == "delivery-log" else ""
    return render_page(
        request, "candidates/invites/detail.html", _detail_context(request, invite), partial=partial
    )


@require_POST
@team_required
def invite_send_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    invite, _ = get_invite_for(request, pk, write=True)
    try:
        invite, _token = invite_send(invite=invite, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"Invite sent to {invite.candidate.full_name} by "
            f"{_channels_label(invite.delivery_types)}.",
        )
    return redirect("candidates:invite_detail", invite.pk)


@require_POST
@team_required
def invite_remind_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """Send the candidate the same link again."""
    invite, _ = get_invite_for(request, pk, write=True)
    try:
        invite = invite_remind(invite=invite, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"A reminder with the same link is on its way to {invite.candidate.full_name} by "
            f"{_channels_label(invite.delivery_types)}.",
        )
    return redirect("candidates:invite_detail", invite.pk)


@require_http_methods(["GET", "POST"])
@team_required
def invite_resend_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """ "Send a new link": GET asks for confirmation (a modal for htmx, a page otherwise), since
    the old link stops working; POST sends it."""
    invite, _ = get_invite_for(request, pk, write=True)
    if request.method == "POST":
        try:
            invite, _token = invite_resend(invite=invite, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"A new link is on its way to {invite.candidate.full_name} by "
                f"{_channels_label(invite.delivery_types)}; the previous link no longer works.",
            )
        return redirect("candidates:invite_detail", invite.pk)
    template = (
        "candidates/invites/_new_link_modal.html"
        if request.htmx
        else "candidates/invites/new_link_confirm.html"
    )
    response = render(
        request,
        template,
        {"invite": invite, "page_title": "Send a new link?", "section": "invites"},
    )
    response["Vary"] = "HX-Request"
    return response


@require_POST
@team_required
def invite_extend_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    invite, _ = get_invite_for(request, pk, write=True)
    form = InviteExtendForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("candidates:invite_detail", invite.pk)
    was_expired = invite.status == Status.EXPIRED
    try:
        invite = invite_extend(invite=invite, until=form.expires_at())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            f"The link now works until {form.cleaned_data['until']:%d %b %Y}."
            + (" The invite is open again." if was_expired else ""),
        )
    return redirect("candidates:invite_detail", invite.pk)


@require_http_methods(["GET", "POST"])
@team_required
def invite_cancel_view(request: TeamRequest, pk: uuid.UUID) -> HttpResponse:
    """GET asks for confirmation (a modal for htmx, a page otherwise); POST cancels."""
    invite, _ = get_invite_for(request, pk, write=True)
    if request.method == "POST":
        try:
            invite_cancel(invite=invite, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"The invite of {invite.candidate.full_name} to {invite.interview.title} is "
                "cancelled; its link no longer works.",
            )
        return redirect("candidates:invite_detail", invite.pk)
    template = (
        "candidates/invites/_cancel_modal.html"
        if request.htmx
        else "candidates/invites/cancel_confirm.html"
    )
    response = render(
        request,
        template,
        {"invite": invite, "page_title": "Cancel the invite?", "section": "invites"},
    )
    response["Vary"] = "HX-Request"
    return response


urlpatterns: list[URLPattern] = [
    path("invites/", invite_list_view, name="invite_list"),
    path("invites/new/", invite_create_view, name="invite_create"),
    path("invites/<uuid:pk>/", invite_detail, name="invite_detail"),
    path("invites/<uuid:pk>/send/", invite_send_view, name="invite_send"),
    path("invites/<uuid:pk>/remind/", invite_remind_view, name="invite_remind"),
    path("invites/<uuid:pk>/resend/", invite_resend_view, name="invite_resend"),
    path("invites/<uuid:pk>/extend/", invite_extend_view, name="invite_extend"),
    path("invites/<uuid:pk>/cancel/", invite_cancel_view, name="invite_cancel"),
]
