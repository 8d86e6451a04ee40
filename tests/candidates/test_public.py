"""Self-started interviews: the public/unlisted link, the team's public list, the signed embed,
rate limits and the embed key."""

import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate, CandidateInterview, InviteDelivery
from candidates.ratelimit import RateLimit, rate_limit_hit
from candidates.runner.session import SESSION_KEY
from candidates.services.public import (
    EmbedDisabled,
    EmbedRejected,
    embed_canonical_string,
    embed_snippet,
    embed_verify,
    self_start,
    team_embed_key_rotate,
)
from candidates.views.public import START_PER_EMAIL, START_PER_IP
from interviews.models import Interview
from tests.factories import CandidateFactory, CandidateInterviewFactory, InterviewFactory

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
KEY = "k" * 64
DOCS = Path(__file__).resolve().parents[2] / "docs" / "embedding.md"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def interview(team):
    return InterviewFactory(
        team=team,
        title="Support agent (internal title)",
        display_name="Support Agent",
        visibility=Interview.Visibility.PUBLIC,
        welcome_message="Welcome to Acme!",
    )


@pytest.fixture
def embedded(team):
    team.embed_signing_key = KEY
    team.save()
    return InterviewFactory(team=team, display_name="Embedded role")


def start(interview, **overrides):
    values = {
        "interview": interview,
        "source": "public",
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Silva",
    }
    return self_start(**{**values, **overrides})


def signed_params(interview, *, key=KEY, ts=None, **params):
    """Query parameters signed the documented way, independently of the service's helpers."""
    import hashlib
    import hmac

    params = {"email": "ana@example.com", "first_name": "Ana", **params}
    params["ts"] = str(int(time.time()) if ts is None else ts)
    pairs = sorted({**params, "interview": str(interview.pk)}.items())
    canonical = "&".join(f"{k}={v}" for k, v in pairs)
    params["sig"] = hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()
    return params


def as_query(params) -> QueryDict:
    return QueryDict(urlencode(params))


# ---------------------------------------------------------------- self_start


def test_it_creates_a_candidate_and_an_invited_invite(interview, team):
    team.invite_expiry_days = 3
    team.save()
    result = start(interview, phone="+1 415 555 0123")
    invite = result.invite
    assert result.outcome == "created"
    assert invite.status == Status.INVITED
    assert invite.source == "public"
    assert invite.team == team
    assert invite.invited_at is not None
    assert invite.expires_at - timezone.now() > timedelta(days=2, hours=23)
    assert invite.expires_at - timezone.now() <= timedelta(days=3)
    assert invite.candidate.full_name == "Ana Silva"
    assert invite.candidate.phone == "+14155550123"
    assert invite.delivery_types == ["email"]
    assert invite.token_hash is None
    assert not InviteDelivery.objects.exists()


def test_it_reuses_the_candidate_by_email_and_fills_only_empty_fields(interview, team):
    existing = CandidateFactory(
        team=team, email="Ana@Example.com", first_name="Ana", last_name="", phone=""
    )
    result = start(
        interview,
        email="ana@example.COM",
        first_name="Anna",
        last_name="Silva",
        phone="+14155550123",
    )
    existing.refresh_from_db()
    assert result.invite.candidate == existing
    assert Candidate.objects.filter(team=team).count() == 1
    assert existing.first_name == "Ana"
    assert existing.last_name == "Silva"
    assert existing.phone == "+14155550123"
    assert existing.email == "Ana@Example.com"


def test_it_keeps_candidates_apart_per_team(interview, other_team):
    CandidateFactory(team=other_team, email="ana@example.com")
    result = start(interview)
    assert result.invite.candidate.team == interview.team
    assert Candidate.objects.filter(email__iexact="ana@example.com").count() == 2


def test_it_sends_a_fresh_link_to_an_open_invite_instead_of_making_a_second(interview):
    first = start(interview).invite
    CandidateInterview.objects.filter(pk=first.pk).update(status=Status.IN_PROGRESS)
    again = start(interview)
    assert again.outcome == "open"
    assert again.invite == first
    assert CandidateInterview.objects.filter(interview=interview).count() == 1
    delivery = InviteDelivery.objects.get(candidate_interview=first)
    assert delivery.channel == "email"
    first.refresh_from_db()
    assert first.token_hash


def test_it_reopens_a_lapsed_open_invite_by_resending_it(interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    lapsed = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        delivery_types=["email"],
        expires_at=timezone.now() - timedelta(hours=1),
    )
    result = start(interview)
    lapsed.refresh_from_db()
    assert result.outcome == "open"
    assert result.invite == lapsed
    assert not lapsed.is_expired
    assert InviteDelivery.objects.filter(candidate_interview=lapsed).exists()


def test_it_emails_a_new_link_for_an_open_invite_that_had_no_channel(interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    CandidateInterviewFactory(interview=interview, candidate=candidate, delivery_types=[])
    assert start(interview).outcome == "open"
    assert list(InviteDelivery.objects.values_list("channel", flat=True)) == ["email"]


def test_it_extends_a_lapsed_open_invite_for_an_embed_without_sending(embedded, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    lapsed = CandidateInterviewFactory(
        interview=embedded,
        candidate=candidate,
        status=Status.IN_PROGRESS,
        delivery_types=["email"],
        expires_at=timezone.now() - timedelta(hours=1),
    )
    result = start(embedded, source="embed")
    assert result.outcome == "open"
    assert result.invite == lapsed
    assert result.invite.expires_at - timezone.now() > timedelta(days=6)
    assert not InviteDelivery.objects.exists()


def test_it_makes_a_new_invite_after_a_cancelled_one(interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    CandidateInterviewFactory(interview=interview, candidate=candidate, status=Status.CANCELLED)
    assert start(interview).outcome == "created"


def test_it_reports_a_completed_invite_without_making_another(interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    done = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    result = start(interview)
    assert result.outcome == "completed"
    assert result.invite == done
    assert CandidateInterview.objects.filter(interview=interview).count() == 1


def test_it_accepts_unlisted_interviews_from_a_link(interview):
    interview.visibility = Interview.Visibility.UNLISTED
    interview.save()
    assert start(interview).outcome == "created"


def test_it_refuses_invite_only_interviews_from_a_link(interview):
    interview.visibility = Interview.Visibility.INVITE
    interview.save()
    with pytest.raises(ValidationError) as exc:
        start(interview)
    assert "interview" in exc.value.message_dict
    assert not Candidate.objects.exists()


@pytest.mark.parametrize("status", [Interview.Status.PAUSED, Interview.Status.CLOSED])
def test_it_refuses_interviews_that_do_not_accept_answers(interview, status):
    interview.status = status
    interview.save()
    with pytest.raises(ValidationError) as exc:
        start(interview)
    assert "not accepting" in exc.value.message_dict["interview"][0]


def test_it_lets_an_embed_start_an_invite_only_interview(embedded):
    result = start(embedded, source="embed")
    assert result.outcome == "created"
    assert result.invite.source == "embed"


def test_it_names_the_field_of_bad_candidate_details(interview):
    with pytest.raises(ValidationError) as exc:
        start(interview, first_name=" ", email="not-an-email")
    assert set(exc.value.message_dict) >= {"first_name", "email"}
    assert not CandidateInterview.objects.exists()


# ---------------------------------------------------------------- the rate limiter

RULE = RateLimit(scope="test", limit=3, window_seconds=60)


def test_it_allows_hits_up_to_the_limit_then_refuses():
    now = 1_000_040.0
    results = [rate_limit_hit(RULE, "1.2.3.4", now=now) for _ in range(4)]
    assert [r.allowed for r in results] == [True, True, True, False]
    assert results[-1].count == 4
    assert results[-1].retry_after == 60 - 20


def test_it_opens_a_fresh_window_when_the_old_one_ends():
    now = 1_000_040.0
    for _ in range(4):
        rate_limit_hit(RULE, "1.2.3.4", now=now)
    assert not rate_limit_hit(RULE, "1.2.3.4", now=now + 39).allowed
    fresh = rate_limit_hit(RULE, "1.2.3.4", now=now + 40)
    assert fresh.allowed
    assert fresh.count == 1


def test_it_counts_each_key_and_scope_apart():
    now = 1_000_040.0
    for _ in range(3):
        rate_limit_hit(RULE, "1.2.3.4", now=now)
    assert rate_limit_hit(RULE, "5.6.7.8", now=now).allowed
    other = RateLimit(scope="other", limit=3, window_seconds=60)
    assert rate_limit_hit(other, "1.2.3.4", now=now).allowed


# ---------------------------------------------------------------- embed signatures


def test_it_canonicalises_sorted_decoded_pairs_with_the_interview_and_without_sig():
    query = QueryDict("ts=1700000000&last_name=Mar%C3%ADa+Silva&email=a%2Bb%40x.io&sig=ff")
    canonical = embed_canonical_string(query.items(), interview_id="0190-abc")
    assert canonical == ("email=a+b@x.io&interview=0190-abc&last_name=María Silva&ts=1700000000")


def test_it_accepts_a_valid_signature_and_returns_the_details(embedded):
    params = signed_params(embedded, last_name="Silva Ó", phone="+14155550123")
    details = embed_verify(interview=embedded, params=as_query(params).lists())
    assert details.email == "ana@example.com"
    assert details.first_name == "Ana"
    assert details.last_name == "Silva Ó"
    assert details.phone == "+14155550123"


def test_it_accepts_an_upper_case_signature(embedded):
    params = signed_params(embedded)
    params["sig"] = params["sig"].upper()
    embed_verify(interview=embedded, params=as_query(params).lists())


def test_it_signs_extra_parameters_too(embedded):
    params = signed_params(embedded, utm_source="careers")
    embed_verify(interview=embedded, params=as_query(params).lists())
    params["utm_source"] = "elsewhere"
    with pytest.raises(EmbedRejected):
        embed_verify(interview=embedded, params=as_query(params).lists())


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda p: p.pop("sig"), "missing"),
        (lambda p: p.update(sig="zz" * 32), "missing"),
        (lambda p: p.update(sig=p["sig"][:-2]), "missing"),
        (lambda p: p.update(email="mallory@example.com"), "does not match"),
        (lambda p: p.pop("ts"), "does not match"),
        (lambda p: p.update(interview="x"), "reserved"),
    ],
)
def test_it_rejects_missing_malformed_or_tampered_signatures(embedded, tamper, reason):
    params = signed_params(embedded)
    tamper(params)
    with pytest.raises(EmbedRejected) as exc:
        embed_verify(interview=embedded, params=as_query(params).lists())
    assert reason in exc.value.reason


def test_it_rejects_a_repeated_parameter(embedded):
    query = as_query(signed_params(embedded)).copy()
    query.appendlist("email", "mallory@example.com")
    with pytest.raises(EmbedRejected, match="more than once"):
        embed_verify(interview=embedded, params=query.lists())


def test_it_rejects_a_signature_made_with_another_key(embedded):
    params = signed_params(embedded, key="another-key")
    with pytest.raises(EmbedRejected, match="does not match"):
        embed_verify(interview=embedded, params=as_query(params).lists())


def test_it_rejects_a_signature_made_for_another_interview(embedded, team):
    other = InterviewFactory(team=team)
    params = signed_params(other)
    with pytest.raises(EmbedRejected, match="does not match"):
        embed_verify(interview=embedded, params=as_query(params).lists())


def test_it_raises_embed_disabled_when_the_team_has_no_key(interview):
    with pytest.raises(EmbedDisabled):
        embed_verify(interview=interview, params=as_query(signed_params(interview)).lists())


@pytest.mark.parametrize(
    ("age", "ok"),
    [(0, True), (599, True), (600, True), (601, False), (-60, True), (-61, False)],
)
def test_it_accepts_timestamps_only_inside_the_replay_window(embedded, age, ok):
    now = 1_800_000_000
    params = as_query(signed_params(embedded, ts=now - age)).lists()
    if ok:
        embed_verify(interview=embedded, params=params, now=now)
    else:
        with pytest.raises(EmbedRejected):
            embed_verify(interview=embedded, params=params, now=now)


def test_it_rejects_a_timestamp_that_is_not_whole_seconds(embedded):
    params = signed_params(embedded, ts="soon")
    with pytest.raises(EmbedRejected, match="timestamp"):
        embed_verify(interview=embedded, params=as_query(params).lists())


def _docs_block(heading: str, fence: str) -> str:
    text = DOCS.read_text()
    after = text.split(heading, 1)[1]
    return re.search(rf"```{fence}\n(.*?)```", after, re.S).group(1)


def test_it_accepts_urls_signed_by_the_documented_python_example(embedded):
    namespace = {"EMBED_SIGNING_KEY": KEY, "__name__": "docs_example"}
    code = _docs_block("### Python", "python").replace(
        '"0190f3c1-5b6e-7e2a-9c1d-2f3e4a5b6c7d"', repr(str(embedded.pk))
    )
    exec(code, namespace)
    details = embed_verify(interview=embedded, params=QueryDict(namespace["query"]).lists())
    assert details.first_name == "Ana María"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_it_accepts_urls_signed_by_the_documented_javascript_example(embedded, tmp_path):
    (tmp_path / "sign.mjs").write_text(_docs_block("### JavaScript", "js"))
    (tmp_path / "main.mjs").write_text(
        'import { signedQuery } from "./sign.mjs";\n'
        f"console.log(signedQuery({KEY!r}, {str(embedded.pk)!r}, "
        '{ email: "ana+1@example.com", first_name: "Ana María", last_name: "Silva & Co" }));\n'
    )
    query = subprocess.run(
        ["node", str(tmp_path / "main.mjs")], capture_output=True, text=True, check=True
    ).stdout.strip()
    details = embed_verify(interview=embedded, params=QueryDict(query).lists())
    assert (details.email, details.first_name, details.last_name) == (
        "ana+1@example.com",
        "Ana María",
        "Silva & Co",
    )


def test_it_builds_an_iframe_snippet_with_a_placeholder(embedded):
    embedded.display_name = 'Support "Tier 1" <agents>'
    snippet = embed_snippet(embedded, base_url="https://panelist.example.com/")
    assert snippet.startswith(
        f'<iframe src="https://panelist.example.com/embed/{embedded.pk}/?{{SIGNED_QUERY}}"'
    )
    assert 'allow="camera; microphone; autoplay"' in snippet
    assert 'title="Support &quot;Tier 1&quot; &lt;agents&gt;"' in snippet
    assert snippet.endswith("></iframe>")


def test_it_rotates_the_team_embed_key(team):
    first = team_embed_key_rotate(team=team)
    team.refresh_from_db()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert team.embed_signing_key == first
    second = team_embed_key_rotate(team=team)
    assert second != first


def test_it_stops_accepting_urls_signed_with_a_rotated_key(embedded, team):
    params = as_query(signed_params(embedded)).lists()
    team_embed_key_rotate(team=team)
    embedded.team.refresh_from_db()
    with pytest.raises(EmbedRejected):
        embed_verify(interview=embedded, params=params)


# ---------------------------------------------------------------- the public start page


def url(interview):
    return reverse("candidates:public_start", args=[interview.pk])


FORM = {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com", "phone": ""}


def test_it_shows_the_start_page(client, interview):
    response = client.get(url(interview))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Support Agent" in body
    assert "internal title" not in body
    assert "Acme Recruiting" in body
    assert "Welcome to Acme!" in body
    assert 'name="website"' in body
    assert response["X-Frame-Options"] == "DENY"


def test_it_starts_signs_in_and_sends_to_the_runner(client, interview):
    response = client.post(url(interview), {**FORM, "phone": "+44 20 7946 0958"})
    invite = CandidateInterview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("candidates:runner") == "/interview/"
    assert invite.source == "public"
    assert invite.status == Status.INVITED
    assert invite.candidate.phone == "+442079460958"
    assert client.session[SESSION_KEY] == str(invite.pk)


def test_it_rotates_the_session_when_signing_in(client, interview):
    client.get(url(interview))
    before = client.session.session_key
    client.post(url(interview), FORM)
    assert client.session.session_key != before


def test_it_emails_instead_of_signing_in_to_an_open_invite(client, interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    open_invite = CandidateInterviewFactory(
        interview=interview, candidate=candidate, delivery_types=["email"]
    )
    response = client.post(url(interview), {**FORM, "email": "ANA@example.com"})
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert list(CandidateInterview.objects.all()) == [open_invite]
    assert InviteDelivery.objects.filter(candidate_interview=open_invite).count() == 1


def test_it_actually_emails_the_fresh_link(
    client, interview, team, mailoutbox, django_capture_on_commit_callbacks
):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    CandidateInterviewFactory(interview=interview, candidate=candidate, delivery_types=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url(interview), FORM)
    assert [m.to for m in mailoutbox] == [["ana@example.com"]]
    assert "/i/" in mailoutbox[0].body


def test_it_shows_the_same_page_for_a_completed_invite(client, interview, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    response = client.post(url(interview), FORM)
    assert "Check your email" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_shows_field_errors(client, interview):
    response = client.post(url(interview), {**FORM, "email": "nope", "phone": "0207 946 0958"})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"email", "phone"}
    assert not Candidate.objects.exists()


def test_it_drops_submissions_that_fill_the_honeypot(client, interview):
    response = client.post(url(interview), {**FORM, "website": "http://spam.example"})
    assert response.status_code == 400
    assert "could not start" in response.content.decode()
    assert not Candidate.objects.exists()
    assert SESSION_KEY not in client.session


def test_it_limits_starts_per_ip(client, interview):
    for _ in range(START_PER_IP.limit):
        assert client.post(url(interview), {**FORM, "email": ""}).status_code == 400
    response = client.post(url(interview), FORM)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many attempts" in response.content.decode()
    assert not Candidate.objects.exists()


def test_it_limits_starts_per_ip_per_interview(client, interview, team):
    for _ in range(START_PER_IP.limit):
        client.post(url(interview), {**FORM, "email": ""})
    other = InterviewFactory(team=team, visibility=Interview.Visibility.UNLISTED)
    assert client.post(url(other), FORM).status_code == 302


def test_it_limits_starts_per_email(client, interview, team):
    for _ in range(START_PER_EMAIL.limit):
        assert client.post(url(interview), FORM).status_code in (200, 302)
    other = InterviewFactory(team=team, visibility=Interview.Visibility.PUBLIC)
    response = client.post(url(other), {**FORM, "email": "Ana@Example.com"})
    assert response.status_code == 429
    assert not CandidateInterview.objects.filter(interview=other).exists()


def test_it_hides_invite_only_and_unknown_interviews(client, interview):
    interview.visibility = Interview.Visibility.INVITE
    interview.save()
    assert client.get(url(interview)).status_code == 404
    assert client.post(url(interview), FORM).status_code == 404
    assert client.get("/p/not-a-uuid/").status_code == 404


@pytest.mark.parametrize("status", [Interview.Status.PAUSED, Interview.Status.CLOSED])
def test_it_shows_a_friendly_page_when_not_accepting_answers(client, interview, status):
    interview.status = status
    interview.save()
    response = client.get(url(interview))
    assert response.status_code == 200
    assert "not accepting answers" in response.content.decode()
    client.post(url(interview), FORM)
    assert not Candidate.objects.exists()


# ---------------------------------------------------------------- the team's public list


def test_it_lists_only_the_teams_public_active_interviews(client, team, other_team, interview):
    InterviewFactory(team=team, title="Unlisted", visibility=Interview.Visibility.UNLISTED)
    InterviewFactory(team=team, title="Invite only")
    InterviewFactory(team=team, title="Paused", visibility="public", status=Interview.Status.PAUSED)
    InterviewFactory(team=other_team, title="Elsewhere", visibility="public")
    response = client.get(reverse("candidates:public_list", args=[team.slug]))
    assert response.status_code == 200
    assert [i.pk for i in response.context["interviews"]] == [interview.pk]
    body = response.content.decode()
    assert url(interview) in body
    for hidden in ("Unlisted", "Invite only", "Paused", "Elsewhere"):
        assert hidden not in body


def test_it_says_when_a_team_has_no_open_interviews(client, team):
    response = client.get(reverse("candidates:public_list", args=[team.slug]))
    assert "no open interviews" in response.content.decode()


def test_it_404s_the_list_of_an_unknown_team(client):
    assert client.get(reverse("candidates:public_list", args=["nobody"])).status_code == 404


def test_it_lists_in_constant_queries(client, team, django_assert_max_num_queries):
    for n in range(30):
        InterviewFactory(team=team, title=f"Role {n:02}", visibility="public")
    with django_assert_max_num_queries(3):
        response = client.get(reverse("candidates:public_list", args=[team.slug]))
    assert len(response.context["interviews"]) == 30


# ---------------------------------------------------------------- the embed view


def embed_url(interview, params):
    return f"{reverse('candidates:embed_start', args=[interview.pk])}?{urlencode(params)}"


def test_it_starts_an_embedded_interview_and_signs_in(client, embedded, settings):
    settings.EMBED_ALLOWED_ORIGINS = ["https://careers.example.com"]
    response = client.get(embed_url(embedded, signed_params(embedded, last_name="Silva")))
    invite = CandidateInterview.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/interview/"
    assert invite.source == "embed"
    assert invite.candidate.full_name == "Ana Silva"
    assert client.session[SESSION_KEY] == str(invite.pk)
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'self' https://careers.example.com" in policy
    assert "script-src 'self'" in policy  # the site's policy, not frame-ancestors alone


def test_it_resumes_an_open_invite_from_an_embed(client, embedded, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    open_invite = CandidateInterviewFactory(
        interview=embedded, candidate=candidate, status=Status.IN_PROGRESS
    )
    response = client.get(embed_url(embedded, signed_params(embedded)))
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(open_invite.pk)
    assert CandidateInterview.objects.count() == 1


def test_it_shows_a_completed_page_from_an_embed(client, embedded, team):
    candidate = CandidateFactory(team=team, email="ana@example.com")
    CandidateInterviewFactory(
        interview=embedded,
        candidate=candidate,
        status=Status.COMPLETED,
        completed_at=timezone.now(),
    )
    response = client.get(embed_url(embedded, signed_params(embedded)))
    assert response.status_code == 200
    assert "already completed" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_it_answers_403_to_a_bad_signature_in_a_framable_page(client, embedded):
    params = signed_params(embedded)
    params["email"] = "mallory@example.com"
    response = client.get(embed_url(embedded, params))
    assert response.status_code == 403
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"].split("; ")
    assert "frame-ancestors 'self'" in policy
    assert "script-src 'self'" in policy
    assert not Candidate.objects.exists()


def test_it_answers_403_to_a_missing_signature(client, embedded):
    response = client.get(embed_url(embedded, {"email": "ana@example.com", "first_name": "Ana"}))
    assert response.status_code == 403


def test_it_answers_403_to_an_expired_link(client, embedded):
    old = int(time.time()) - 11 * 60
    response = client.get(embed_url(embedded, signed_params(embedded, ts=old)))
    assert response.status_code == 403
    assert "too old" in response.content.decode()


def test_it_answers_404_when_the_team_has_no_key(client, interview):
    response = client.get(embed_url(interview, signed_params(interview)))
    assert response.status_code == 404


def test_it_answers_400_to_signed_but_incomplete_details(client, embedded):
    response = client.get(embed_url(embedded, signed_params(embedded, first_name="")))
    assert response.status_code == 400
    assert "First name is required" in response.content.decode()


def test_it_shows_the_paused_page_in_an_embed(client, embedded):
    embedded.status = Interview.Status.PAUSED
    embedded.save()
    response = client.get(embed_url(embedded, signed_params(embedded)))
    assert response.status_code == 200
    assert "not accepting answers" in response.content.decode()
    assert "X-Frame-Options" not in response


def test_it_refuses_to_post_to_the_embed(client, embedded):
    assert client.post(embed_url(embedded, signed_params(embedded))).status_code == 405
