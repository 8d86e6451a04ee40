"""Quiet-hours arithmetic (issue 18, item 3): in the candidate's zone, across DST, and with the
zone inferred from a phone number (every zone of a multi-zone country must be awake)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from candidates.services.sms_consent import candidate_zones, quiet_until, zones_for_phone

START, END = time(8), time(21)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_inside_the_window_it_may_go_now():
    assert quiet_until(at=utc(2026, 6, 1, 12), zones=["Europe/Paris"], start=START, end=END) is None


def test_late_in_the_evening_it_waits_for_the_morning_in_the_candidates_zone():
    # 21:30 in Paris (summer, UTC+2) -> 08:00 Paris next day = 06:00 UTC.
    at = utc(2026, 6, 1, 19, 30)
    assert quiet_until(at=at, zones=["Europe/Paris"], start=START, end=END) == utc(2026, 6, 2, 6)


def test_early_in_the_morning_it_waits_for_the_same_day():
    # 03:00 in New York (winter, UTC-5) -> 08:00 New York = 13:00 UTC.
    at = utc(2026, 1, 15, 8)
    assert quiet_until(at=at, zones=["America/New_York"], start=START, end=END) == utc(
        2026, 1, 15, 13
    )


def test_the_opening_follows_the_clock_change():
    # Paris springs forward on 29 March 2026: 22:00 on the 28th (UTC+1) waits until 08:00 on
    # the 29th, which is UTC+2: 06:00 UTC, not 07:00.
    at = utc(2026, 3, 28, 21)
    assert quiet_until(at=at, zones=["Europe/Paris"], start=START, end=END) == utc(2026, 3, 29, 6)
    # New York falls back on 1 November 2026: 08:00 that day is UTC-5, 13:00 UTC.
    at = utc(2026, 11, 1, 5)
    assert quiet_until(at=at, zones=["America/New_York"], start=START, end=END) == utc(
        2026, 11, 1, 13
    )


def test_the_window_closes_at_the_end_time():
    at = utc(2026, 6, 1, 19)  # 21:00 in Paris: closed
    assert quiet_until(at=at, zones=["Europe/Paris"], start=START, end=END) is not None


def test_a_country_of_several_zones_waits_until_every_zone_is_awake():
    zones = ["America/New_York", "America/Los_Angeles"]
    # 09:00 in New York is 06:00 in Los Angeles: wait until 08:00 there, 15:00 UTC (summer).
    at = utc(2026, 6, 1, 13)
    assert quiet_until(at=at, zones=zones, start=START, end=END) == utc(2026, 6, 1, 15)
    # 20:30 in Los Angeles is 23:30 in New York: wait until 08:00 New York, 12:00 UTC, and then
    # until 08:00 Los Angeles, 15:00 UTC.
    at = utc(2026, 6, 2, 3, 30)
    assert quiet_until(at=at, zones=zones, start=START, end=END) == utc(2026, 6, 2, 15)


def test_the_zone_comes_from_the_phone_number():
    assert zones_for_phone("+33612345678") == ["Europe/Paris"]
    # A Spanish mobile may be in the Canaries, an hour behind: both count.
    assert sorted(zones_for_phone("+34612345678")) == ["Atlantic/Canary", "Europe/Madrid"]
    us = zones_for_phone("+14155550123")
    assert "America/Los_Angeles" in us
    assert zones_for_phone("not a number") == []


def test_a_stated_time_zone_wins_over_the_phone(settings):
    assert candidate_zones(time_zone="Asia/Tokyo", phone="+33612345678") == ["Asia/Tokyo"]
    assert candidate_zones(time_zone="", phone="+33612345678") == ["Europe/Paris"]
    assert candidate_zones(time_zone="", phone="") == [settings.TIME_ZONE]


@pytest.mark.parametrize("phone", ["+33612345678", "+14155550123", "+34612345678"])
def test_an_inferred_zone_gives_an_answer_inside_the_window(phone):
    at = utc(2026, 6, 1, 2)
    zones = candidate_zones(time_zone="", phone=phone)
    until = quiet_until(at=at, zones=zones, start=START, end=END) or at
    assert until >= at
    for zone in zones:
        assert START <= until.astimezone(ZoneInfo(zone)).time() < END
