"""Accommodations: more time (a multiplier, or untimed), extra retakes and more days for one
invite. A recruiter sets them at any time, even mid-interview; a candidate may ask from the
welcome page (saying nothing about why, if they wish) and a recruiter grants that in one click.

``accommodated_limits`` is the one function every timer and limit reads: the runner's page,
its retake check, the upload server's duration and retake checks and the API all agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from candidates.models import CandidateInterview
from kit import limits

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User
    from interviews.models import InterviewQuestion

Status = CandidateInterview.Status
ExtraTime = CandidateInterview.ExtraTime

RETAKES_MAX = 10
DAYS_MAX = 90
# An untimed answer still stops somewhere, so the file has an end: twice the longest answer
# time an interview may set (30 minutes). A multiplied limit never passes it either.
ANSWER_CEILING_SECONDS = 3600
REQUEST_KINDS = ("time", "retakes", "days")
# What one click grants for each kind asked for; asking for nothing specific grants DEFAULT.
GRANT_FOR: dict[str, dict[str, Any]] = {
    "time": {"time": ExtraTime.X15},
    "retakes": {"retakes": 1},
    "days": {"days": 7},
}
DEFAULT_GRANT: dict[str, Any] = {"time": ExtraTime.X15, "retakes": 1}
_MULTIPLIERS = {ExtraTime.X125: 1.25, ExtraTime.X15: 1.5, ExtraTime.X2: 2.0, ExtraTime.X3: 3.0}


@dataclass(frozen=True)
class Limits:
    """The timers and retakes one invite gets for one question (or the interview's defaults)."""

    think_seconds: int  # 0: no countdown; the candidate starts recording when ready
    answer_seconds: int  # where the recorder stops (the ceiling when untimed)
    retakes: int
    untimed: bool = False


def accommodated_limits(
    *, invite: CandidateInterview, item: InterviewQuestion | None = None
) -> Limits:
    """The think time, answer time and retakes ``invite`` gets for ``item`` (the interview's
    own settings when ``item`` is None), with its accommodation applied."""
    interview = invite.interview
    think = interview.think_time_seconds
    answer = interview.answer_time_seconds
    if item is not None:
        if item.think_time_seconds is not None:
            think = item.think_time_seconds
        answer = item.answer_time_seconds or answer
    retakes = interview.retakes_allowed + invite.accommodation_extra_retakes
    if invite.accommodation_time == ExtraTime.UNTIMED:
        return Limits(0, ANSWER_CEILING_SECONDS, retakes, untimed=True)
    factor = _MULTIPLIERS.get(invite.accommodation_time, 1.0)  # type: ignore[call-overload]
    return Limits(
        think_seconds=math.ceil(think * factor),
        answer_seconds=min(math.ceil(answer * factor), ANSWER_CEILING_SECONDS),
        retakes=retakes,
    )


def _clean(time: str, extra_retakes: Any, extra_days: Any) -> tuple[str, int, int]:
    errors: dict[str, str] = {}
    if time not in ("", *ExtraTime.values):
        errors["time"] = "Choose standard time, " + ", ".join(ExtraTime.values) + "."
    values = []
    for field, value, top in (
        ("extra_retakes", extra_retakes, RETAKES_MAX),
        ("extra_days", extra_days, DAYS_MAX),
    ):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = -1
        if isinstance(value, bool) or not 0 <= number <= top:
            errors[field] = f"A whole number from 0 to {top}."
        values.append(number)
    if errors:
        raise ValidationError(errors)
    return time, values[0], values[1]


def _move_expiry(invite: CandidateInterview, days: int) -> None:
    """Shift the expiry of an open or expired invite by ``days``. An expired invite whose new
    expiry is ahead reopens (as extending does); a decrease never moves an expiry into the
    past. A completed or cancelled invite is final here: nothing moves, nothing reopens."""
    final = invite.status in (Status.COMPLETED, Status.CANCELLED)
    if not days or invite.expires_at is None or final:
        return
    from candidates.services.invites import invite_extend

    now = timezone.now()
    until = invite.expires_at + timedelta(days=days)
    if days < 0:
        if invite.expires_at <= now:
            return
        until = max(until, now + timedelta(hours=1))
    if until <= now:  # expired long ago and still past with the days added: reopen nothing
        CandidateInterview.objects.filter(pk=invite.pk).update(expires_at=until)
        return
    invite_extend(invite=invite, until=until)


@transaction.atomic
def accommodation_set(
    *,
    invite: CandidateInterview,
    by: User | None,
    time: str = "",
    extra_retakes: Any = 0,
    extra_days: Any = 0,
    ip: str | None = None,
) -> CandidateInterview:
    """Set the invite's accommodation (replacing the one before); all zero/empty clears it.

    Allowed at any time, even after the candidate started: the next question they open gets
    the new timers. A change of extra days moves ``expires_at`` by the difference. Setting
    one also settles the candidate's open request, if any. Audited (the values, no reason).
    """
    time, extra_retakes, extra_days = _clean(time, extra_retakes, extra_days)
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    before = _values(locked)
    _move_expiry(locked, extra_days - locked.accommodation_extra_days)
    locked.refresh_from_db()
    now = timezone.now()
    locked.accommodation_time = time
    locked.accommodation_extra_retakes = extra_retakes
    locked.accommodation_extra_days = extra_days
    locked.accommodation_set_at = now if locked.has_accommodation else None
    granted = locked.accommodation_request_open and locked.has_accommodation
    if granted:
        locked.accommodation_resolved_at = now
    locked.save(
        update_fields=[
            "accommodation_time",
            "accommodation_extra_retakes",
            "accommodation_extra_days",
            "accommodation_set_at",
            "accommodation_resolved_at",
            "updated_at",
        ]
    )
    after = _values(locked)
    if after != before:
        audit_record(
            action="invite.accommodation_set"
            if locked.has_accommodation
            else "invite.accommodation_cleared",
            actor=by,
            team=locked.team,
            obj=locked,
            ip=ip,
            actor_label="" if by else "API or system",
            data={"before": before, "after": after},
        )
    invite.refresh_from_db()
    return invite


def accommodation_clear(
    *, invite: CandidateInterview, by: User | None, ip: str | None = None
) -> CandidateInterview:
    """Back to the interview's own timers, retakes and expiry (the added days come off)."""
    return accommodation_set(invite=invite, by=by, ip=ip)


def _values(invite: CandidateInterview) -> dict[str, Any]:
    return {
        "time": invite.accommodation_time,
        "extra_retakes": invite.accommodation_extra_retakes,
        "extra_days": invite.accommodation_extra_days,
    }


@transaction.atomic
def accommodation_request(
    *, invite: CandidateInterview, kinds: Iterable[str], note: str, ip: str | None = None
) -> CandidateInterview:
    """The candidate asks for an accommodation: what (any of ``REQUEST_KINDS``, or nothing
    specific) and, if they wish, a few words. Only recruiters see it. Asking again updates it."""
    from candidates.runner.services import runner_check_open

    runner_check_open(invite)
    chosen = sorted({str(k) for k in kinds})
    if any(k not in REQUEST_KINDS for k in chosen):
        raise ValidationError({"kinds": _("Choose from the options shown.")})
    note = note.strip()
    if len(note) > limits.ACCOMMODATION_NOTE:  # the message says 1,000: keep them equal
        raise ValidationError({"note": _("Keep your message under 1,000 characters.")})
    locked = CandidateInterview.objects.select_for_update().get(pk=invite.pk)
    locked.accommodation_requested_at = timezone.now()
    locked.accommodation_request_kinds = chosen
    locked.accommodation_request_note = note
    locked.accommodation_resolved_at = None
    locked.save(
        update_fields=[
            "accommodation_requested_at",
            "accommodation_request_kinds",
            "accommodation_request_note",
            "accommodation_resolved_at",
            "updated_at",
        ]
    )
    audit_record(
        action="invite.accommodation_requested",
        team=locked.team,
        obj=locked,
        ip=ip,
        actor_label="candidate",
        data={"kinds": chosen},
    )
    return locked


def accommodation_grant(
    *, invite: CandidateInterview, by: User | None, ip: str | None = None
) -> CandidateInterview:
    """Grant the candidate's open request in one click: for each kind asked for, the usual
    amount (``GRANT_FOR``) on top of what is set already (never less); ``DEFAULT_GRANT`` when
    they asked for nothing specific."""
    invite.refresh_from_db()  # the request may have come in after the caller loaded it
    if not invite.accommodation_request_open:
        raise ValidationError({"request": "There is no open request for an accommodation."})
    wanted: dict[str, Any] = {}
    for kind in invite.accommodation_request_kinds or []:
        wanted.update(GRANT_FOR.get(kind, {}))
    wanted = wanted or DEFAULT_GRANT
    time = invite.accommodation_time
    if "time" in wanted and _rank(wanted["time"]) > _rank(time):
        time = wanted["time"]
    granted = accommodation_set(
        invite=invite,
        by=by,
        ip=ip,
        time=time,
        extra_retakes=min(
            invite.accommodation_extra_retakes + wanted.get("retakes", 0), RETAKES_MAX
        ),
        extra_days=min(invite.accommodation_extra_days + wanted.get("days", 0), DAYS_MAX),
    )
    audit_record(
        action="invite.accommodation_granted",
        actor=by,
        team=granted.team,
        obj=granted,
        ip=ip,
        data=_values(granted),
    )
    return granted


def _rank(time: str) -> float:
    if time == ExtraTime.UNTIMED:
        return math.inf
    return _MULTIPLIERS.get(time, 1.0)  # type: ignore[call-overload]


def accommodation_label(invite: CandidateInterview) -> str:
    """The accommodation in a few words, for recruiters ("2× time, +1 retake, +7 days")."""
    parts = []
    if invite.accommodation_time:
        parts.append(invite.get_accommodation_time_display())
    if n := invite.accommodation_extra_retakes:
        parts.append(f"+{n} retake{'s' if n != 1 else ''}")
    if n := invite.accommodation_extra_days:
        parts.append(f"+{n} day{'s' if n != 1 else ''}")
    return ", ".join(parts)
