"""Quiet hours (issue 18, item 3): the arithmetic in the candidate's zone, across DST, and with the
zone inferred from a phone number (every zone of a multi-zone country must be awake); then the
team's window applied to texts and reminders: held, released by the beat task, shown."""

import logging
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from candidates.models import InviteDelivery
from candidates.services.delivery import invite_deliveries_release_held
from candidates.services.invites import (
    invite_cancel,
    invite_create,
    invite_create_many,
    invite_remind_due,
)
from candidates.services.sms_consent import (
    FORM_WORDING,
    SmsOptIn,
    candidate_zones,
    quiet_until,
    zones_for_phone,
)
from tests.factories import CandidateFactory, InterviewFactory

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


# ------------------------------------------------- applied to texts and reminders (deliveries)

PARIS_NIGHT = utc(2026, 6, 1, 21, 30)  # 23:30 in Paris (summer time)
PARIS_MORNING = utc(2026, 6, 2, 6)  # 08:00 in Paris


@pytest.fixture
def clock(monkeypatch):
    """The time the services see, set by the test (``clock.at = ...``)."""

    class Clock:
        at = PARIS_NIGHT

    the_clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: the_clock.at)
    return the_clock


@pytest.fixture
def night_team(team):
    team.quiet_hours_start, team.quiet_hours_end = START, END
    team.save(update_fields=["quiet_hours_start", "quiet_hours_end"])
    return team


@pytest.fixture
def french_candidate(team):
    return CandidateFactory(team=team, first_name="Zoé", phone="+33612345678")


def invite_by(team, recruiter, candidate, channels, capture, **kwargs):
    with capture(execute=True):
        invite, _token = invite_create(
            team=team,
            by=recruiter,
            candidate=candidate,
            interview=InterviewFactory(team=team),
            delivery_types=channels,
            sms_opt_in=True if "sms" in channels else None,
            **kwargs,
        )
    return invite


def texts(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "panelist.sms"]


def test_a_text_at_night_is_held_until_the_candidates_morning_and_then_sent(
    night_team,
    recruiter,
    french_candidate,
    clock,
    caplog,
    django_capture_on_commit_callbacks,
):
    with caplog.at_level(logging.INFO, logger="panelist.sms"):
        invite = invite_by(
            night_team,
            recruiter,
            french_candidate,
            ["sms", "email"],
            django_capture_on_commit_callbacks,
        )
        by_channel = {d.channel: d for d in invite.deliveries.all()}
        # The email goes now (it waits in the inbox); the text waits for 08:00 in Paris.
        assert by_channel["email"].status == "sent"
        assert len(mail.outbox) == 1
        held = by_channel["sms"]
        assert (held.status, held.not_before, held.attempts) == ("held", PARIS_MORNING, 0)
        assert held.link_hash == invite.token_hash
        assert texts(caplog) == []

        # Before the window opens the beat task releases nothing.
        clock.at = PARIS_MORNING - timedelta(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            assert invite_deliveries_release_held() == 0
        clock.at = PARIS_MORNING + timedelta(minutes=3)
        with django_capture_on_commit_callbacks(execute=True):
            assert invite_deliveries_release_held() == 1
        held.refresh_from_db()
        assert (held.status, held.attempts) == ("logged", 1)
        [text] = texts(caplog)
        assert "+33612345678" in text
        # Released once: a second run finds nothing.
        with django_capture_on_commit_callbacks(execute=True):
            assert invite_deliveries_release_held() == 0


def test_a_text_inside_the_window_goes_at_once(
    night_team, recruiter, french_candidate, clock, caplog, django_capture_on_commit_callbacks
):
    clock.at = utc(2026, 6, 1, 12)  # 14:00 in Paris
    with caplog.at_level(logging.INFO, logger="panelist.sms"):
        invite = invite_by(
            night_team, recruiter, french_candidate, ["sms"], django_capture_on_commit_callbacks
        )
    assert invite.deliveries.get().status == "logged"
    assert len(texts(caplog)) == 1


def test_the_zone_given_with_the_invite_wins_over_the_phones(
    night_team, recruiter, french_candidate, clock, django_capture_on_commit_callbacks
):
    # 23:30 in Paris is 07:30 in Tokyo: the window opens there at 08:00, half an hour later.
    invite = invite_by(
        night_team,
        recruiter,
        french_candidate,
        ["sms"],
        django_capture_on_commit_callbacks,
        time_zone="Asia/Tokyo",
    )
    assert invite.deliveries.get().not_before == utc(2026, 6, 1, 23)


def test_the_teams_own_window_is_used(
    team, recruiter, french_candidate, clock, django_capture_on_commit_callbacks
):
    team.quiet_hours_start, team.quiet_hours_end = time(9, 30), time(17)
    team.save()
    clock.at = utc(2026, 6, 1, 15, 30)  # 17:30 in Paris: after this team's window
    invite = invite_by(
        team, recruiter, french_candidate, ["sms"], django_capture_on_commit_callbacks
    )
    assert invite.deliveries.get().not_before == utc(2026, 6, 2, 7, 30)


def test_an_email_reminder_at_night_is_held_too(
    night_team, recruiter, clock, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory(team=night_team, email="ana@example.com", phone="")
    clock.at = utc(2026, 6, 1, 10)
    invite = invite_by(
        night_team,
        recruiter,
        candidate,
        ["email"],
        django_capture_on_commit_callbacks,
        time_zone="Europe/Paris",
        expiry_days=3,
    )
    mail.outbox.clear()
    clock.at = PARIS_NIGHT + timedelta(days=2)  # inside the reminder window, at night
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_remind_due() == 1
    reminder = invite.deliveries.get(purpose="reminder")
    assert (reminder.status, reminder.not_before) == ("held", PARIS_MORNING + timedelta(days=2))
    assert mail.outbox == []
    clock.at = PARIS_MORNING + timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_deliveries_release_held() == 1
    reminder.refresh_from_db()
    assert reminder.status == "sent"
    [sent] = mail.outbox
    assert sent.to == ["ana@example.com"]


def test_a_text_that_would_wait_past_the_expiry_is_not_sent_and_says_why(
    night_team, recruiter, french_candidate, clock, django_capture_on_commit_callbacks
):
    invite = invite_by(
        night_team,
        recruiter,
        french_candidate,
        ["sms"],
        django_capture_on_commit_callbacks,
        expires_at=PARIS_NIGHT + timedelta(hours=2),
    )
    delivery = invite.deliveries.get()
    assert delivery.status == "failed"
    assert "quiet hours in the candidate's time zone last until after the invite expires" in (
        delivery.error
    )


def test_a_held_text_for_an_invite_cancelled_meanwhile_is_not_sent(
    night_team, recruiter, french_candidate, clock, caplog, django_capture_on_commit_callbacks
):
    invite = invite_by(
        night_team, recruiter, french_candidate, ["sms"], django_capture_on_commit_callbacks
    )
    invite_cancel(invite=invite, by=recruiter)
    clock.at = PARIS_MORNING
    with (
        caplog.at_level(logging.INFO, logger="panelist.sms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert invite_deliveries_release_held() == 1
    delivery = invite.deliveries.get()
    assert (delivery.status, delivery.error) == ("failed", "Not sent: the invite is cancelled.")
    assert texts(caplog) == []


def test_a_batch_holds_its_texts_and_the_import_progress_counts_them(
    night_team, recruiter, clock, caplog, django_capture_on_commit_callbacks
):
    candidates = [
        CandidateFactory(team=night_team, phone=f"+3361234567{n}", email=f"c{n}@example.com")
        for n in range(3)
    ]
    with (
        caplog.at_level(logging.INFO, logger="panelist.sms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch = invite_create_many(
            team=night_team,
            by=recruiter,
            candidates=candidates,
            interview=InterviewFactory(team=night_team),
            delivery_types=["sms", "email"],
            sms_opt_in=SmsOptIn(wording=FORM_WORDING),
        )
    assert not batch.failed
    statuses = sorted(
        InviteDelivery.objects.filter(candidate_interview__team=night_team).values_list(
            "channel", "status", "not_before", "attempts"
        )
    )
    assert statuses == [("email", "sent", None, 1)] * 3 + [("sms", "held", PARIS_MORNING, 0)] * 3
    assert texts(caplog) == []
    clock.at = PARIS_MORNING
    with (
        caplog.at_level(logging.INFO, logger="panelist.sms"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert invite_deliveries_release_held() == 3
    assert len(texts(caplog)) == 3


def test_the_import_progress_counts_held_messages(team):
    from candidates.selectors import ImportProgress

    progress = ImportProgress(
        total=2, imported=2, invited=2, invite_failed=0, channels=1,
        sent=1, logged=0, failed=0, retrying=0, pending=0, held=1,
    )  # fmt: skip
    # Held is finished for now: the bar is full, and nothing is "to go".
    assert progress.percent == 100
    assert not progress.sending


def test_the_invite_page_says_until_when_and_in_which_zone(
    login, night_team, recruiter, french_candidate, clock, django_capture_on_commit_callbacks
):
    invite = invite_by(
        night_team, recruiter, french_candidate, ["sms"], django_capture_on_commit_callbacks
    )
    html = login(recruiter).get(reverse("candidates:invite_detail", args=[invite.pk])).content
    page = html.decode()
    assert "Held for quiet hours" in page
    assert 'data-testid="held-until"' in page
    assert PARIS_MORNING.isoformat() in page
    assert "between 08:00 and 21:00 in their time zone (Europe/Paris (from the phone number))" in (
        page
    )


def test_the_beat_runs_the_release_every_five_minutes(settings):
    schedule = {e["task"]: e for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["candidates.tasks.invite_deliver_held"]["schedule"] == 5 * 60
