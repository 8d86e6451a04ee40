"""Texts only with a recorded agreement, and quiet hours (issue 18, item 3).

An invite is texted only when the candidate agreed (``CandidateInterview.sms_opt_in`` True),
with the words the agreement was recorded under (``sms_opt_in_wording``) and when
(``sms_opt_in_at``): ``SmsOptIn`` carries them into ``invites.invite_create`` and
``invite_create_many``; ``delivery`` refuses a text for an invite without one.

Quiet hours: a text (invite or reminder) and any reminder reach a candidate only inside the
team's window (``Team.quiet_hours_start`` to ``quiet_hours_end``, 08:00-21:00 by default) in the
candidate's time zone. ``delivery`` asks ``held_until`` just before sending; outside the window
the delivery is held (``InviteDelivery.Status.HELD``, ``not_before``) and released by the beat
task ``invite_deliver_held`` once the window opens. An invite's first email is not held: the
recruiter sends it now, and email waits in the inbox.

The candidate's zones: the invite's ``time_zone`` when given, else the zones of the phone
number's country or region (``phonenumbers``), else the site's ``TIME_ZONE``. A number whose
region spans several zones (the United States, Canada, Australia...) may be texted only when
the window is open in *every* one of them, the conservative choice: nobody on that number is
woken. When those windows never overlap, the first zone listed decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from phonenumbers import timezone as phone_timezones

if TYPE_CHECKING:
    from candidates.models import CandidateInterview, InviteDelivery

# The words each way of recording the agreement stores with the invite.
FORM_WORDING = (
    "The candidates agreed to receive text messages about this interview (the invite and "
    "reminders)."
)
IMPORT_WORDING = (
    "The import file's sms_opt_in column says the candidate agreed to receive text messages "
    "about this interview."
)
API_WORDING = (
    "The API client stated that the candidate agreed to receive text messages about this "
    "interview (smsOptIn: true)."
)


@dataclass(frozen=True)
class SmsOptIn:
    """Who agreed to texts, and the words it was recorded under."""

    wording: str
    # The candidates who agreed (ids); None: every candidate of the call.
    candidate_ids: frozenset[Any] | None = None

    def covers(self, candidate_id: Any) -> bool:
        return self.candidate_ids is None or candidate_id in self.candidate_ids


def not_agreed_error(name: str) -> str:
    return (
        f"{name} has not agreed to receive text messages: send by email, or record their "
        "agreement first."
    )


def zones_for_phone(phone: str) -> list[str]:
    """The IANA zones of a number's country or region; [] when unknown."""
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return []
    zones = [z for z in phone_timezones.time_zones_for_number(number) if z != "Etc/Unknown"]
    valid = []
    for name in zones:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        valid.append(name)
    return valid


def candidate_zones(*, time_zone: str, phone: str) -> list[str]:
    """The zones quiet hours are checked in: the stated one, else the phone's, else the site's."""
    if time_zone:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            pass  # Not a zone this machine knows: the phone's, as if none were given.
        else:
            return [time_zone]
    return zones_for_phone(phone) or [settings.TIME_ZONE]


def _next_open(at: datetime, zone: ZoneInfo, start: time, end: time) -> datetime:
    """``at`` when the window is open in ``zone`` then, else the moment it next opens."""
    local = at.astimezone(zone)
    if start <= local.time() < end:
        return at
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    # Wall-clock time in the zone: a DST change between now and then is taken into account.
    return datetime.combine(day, start, tzinfo=zone).astimezone(UTC)


def quiet_until(*, at: datetime, zones: list[str], start: time, end: time) -> datetime | None:
    """None when a message may go at ``at``; else when it may (the window open in every zone)."""
    infos = [ZoneInfo(name) for name in zones]
    moment = at
    for _ in range(8):
        later = max(_next_open(moment, zone, start, end) for zone in infos)
        if later == moment:
            return None if moment == at else moment
        moment = later
    # The windows never overlap: the first zone decides.
    first = _next_open(at, infos[0], start, end)
    return None if first == at else first


def quiet_hours_apply(delivery: InviteDelivery) -> bool:
    """Whether quiet hours govern this delivery: every text, and every reminder."""
    return delivery.channel == "sms" or delivery.purpose == "reminder"


def held_until(
    invite: CandidateInterview, delivery: InviteDelivery, *, at: datetime
) -> datetime | None:
    """None when ``delivery`` may go at ``at``; else when the candidate's window next opens."""
    if not quiet_hours_apply(delivery):
        return None
    team = invite.team
    zones = candidate_zones(time_zone=invite.time_zone, phone=invite.candidate.phone or "")
    return quiet_until(at=at, zones=zones, start=team.quiet_hours_start, end=team.quiet_hours_end)


def window_label(invite: CandidateInterview) -> str:
    """The zone(s) quiet hours are read in for an invite, for the people who see a held
    delivery: "Europe/Paris", "America/New_York, America/Chicago, ... (from the phone number)"."""
    if invite.time_zone:
        return invite.time_zone
    zones = zones_for_phone(invite.candidate.phone or "")
    if not zones:
        return f"{settings.TIME_ZONE} (the site's; no zone given)"
    shown = ", ".join(zones[:3]) + (", ..." if len(zones) > 3 else "")
    return f"{shown} (from the phone number)"
