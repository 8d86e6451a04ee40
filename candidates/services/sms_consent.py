"""Texts only with a recorded agreement, and quiet hours (issue 18, item 3).

An invite is texted only when the candidate agreed (``CandidateInterview.sms_opt_in`` True),
with the words the agreement was recorded under (``sms_opt_in_wording``) and when
(``sms_opt_in_at``): ``SmsOptIn`` carries them into ``invites.invite_create`` and
``invite_create_many``; ``delivery`` refuses a text for an invite without one.

Quiet hours: the arithmetic only, so far; not yet applied to deliveries nor to reminders, and
not yet a team setting.

The candidate's zones: the invite's ``time_zone`` when given, else the zones of the phone
number's country or region (``phonenumbers``), else the site's ``TIME_ZONE``. A number whose
region spans several zones (the United States, Canada, Australia...) may be texted only when
the window is open in *every* one of them, the conservative choice: nobody on that number is
woken. When those windows never overlap, the first zone listed decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from phonenumbers import timezone as phone_timezones

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
