"""Share links: making, listing and revoking them in the dashboard, and the public read-only
review behind ``/s/<token>/`` (PIN, expiry, revocation, shortlist scope, media, audit)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from candidates.models import ShareLink, ShareRating
from candidates.services.share import (
    ShareLinkUnavailable,
    share_link_check_pin,
    share_link_create,
    share_link_resolve,
    share_link_revoke,
    share_rating_submit,
)
from candidates.tokens import token_hash
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    CriterionScoreFactory,
    EvaluationFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    RatingFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
)
from tests.speech.media_helpers import tone

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/s/([A-Za-z0-9_-]+)/")
EMAIL = "ada.private@example.com"
PHONE = "+14155550123"


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def interview(team):
    return InterviewFactory(team=team, title="Support Lead")


def _invite(interview, first, last, **kwargs):
    candidate = CandidateFactory(team=interview.team, first_name=first, last_name=last, **kwargs)
    return CandidateInterviewFactory(
        interview=interview, candidate=candidate, status="COMPLETED", completed_at=timezone.now()
    )


@pytest.fixture
def ada(interview):
    return _invite(interview, "Ada", "Lovelace", email=EMAIL, phone=PHONE)


@pytest.fixture
def grace(interview):
    return _invite(interview, "Grace", "Hopper", email="grace@example.com")


@pytest.fixture
def alan(interview):
    """Invited to the same interview, never shared."""
    return _invite(interview, "Alan", "Turing", email="alan@example.com")


def _text_answer(invite, text="I calm angry customers down by listening first."):
    question = AITextQuestionFactory(team=invite.team, title="Difficult customer")
    item = InterviewQuestionFactory(
        interview=invite.interview, kind="ai_text", audio_question=None, ai_text_question=question
    )
    return AnswerFactory(candidate_interview=invite, interview_question=item, text=text)


def _recorded_answer(invite, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    question = AudioQuestionFactory(team=invite.team, title="Tell us about you")
    item = InterviewQuestionFactory(interview=invite.interview, audio_question=question)
    answer = AnswerFactory(
        candidate_interview=invite,
        interview_question=item,
        text="",
        media_type="audio/webm",
        transcript="I have led a support team for four years.",
    )
    answer.media.save("answer.webm", ContentFile(tone()))
    return answer


def _link(interview, invites, recruiter, **kwargs):
    values = {"expires_in_days": 7, "pin": "", "label": "For Dana"} | kwargs
    return share_link_create(interview=interview, invites=invites, by=recruiter, **values)


def _url(token, *rest):
    return reverse("candidates:share_public", args=[token]) + "".join(f"{r}/" for r in rest)


# ---------------------------------------------------------------- services


def test_it_stores_only_the_tokens_hash_and_a_hashed_pin(interview, ada, recruiter):
    link, token = _link(interview, [ada], recruiter, pin="4821")
    link.refresh_from_db()
    assert link.token_hash == token_hash(token)
    assert token not in link.token_hash
    assert link.pin_hash != "4821"
    assert check_password("4821", link.pin_hash)
    assert share_link_check_pin(link=link, pin="4821")
    assert not share_link_check_pin(link=link, pin="4822")
    assert list(link.candidate_interviews.all()) == [ada]
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    event = AuditEvent.objects.get(action="share_link.created")
    assert event.object_id == str(link.pk)
    assert event.data["invites"] == [str(ada.pk)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pin": "12a4"}, "pin"),
        ({"pin": "123"}, "pin"),
        ({"pin": "123456789"}, "pin"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 31}, "expires_in_days"),
        ({"label": "x" * 151}, "label"),
    ],
)
def test_it_refuses_bad_link_settings_naming_the_field(interview, ada, recruiter, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        _link(interview, [ada], recruiter, **kwargs)
    assert field in exc.value.error_dict
    assert not ShareLink.objects.exists()


def test_it_refuses_an_invite_of_another_interview(interview, ada, recruiter, team):
    other = CandidateInterviewFactory(interview=InterviewFactory(team=team))
    with pytest.raises(ValidationError) as exc:
        _link(interview, [ada, other], recruiter)
    assert "invites" in exc.value.error_dict
    with pytest.raises(ValidationError):
        _link(interview, [], recruiter)


def test_it_resolves_only_live_links(interview, ada, recruiter):
    link, token = _link(interview, [ada], recruiter)
    assert share_link_resolve(token=token) == link
    with pytest.raises(ShareLinkUnavailable) as exc:
        share_link_resolve(token="nope")
    assert exc.value.reason == "unknown"
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ShareLinkUnavailable) as exc:
        share_link_resolve(token=token)
    assert exc.value.reason == "expired"
    link.refresh_from_db()
    share_link_revoke(link=link, by=recruiter)
    with pytest.raises(ShareLinkUnavailable) as exc:
        share_link_resolve(token=token)
    assert exc.value.reason == "revoked"
    assert (
        AuditEvent.objects.filter(action="share_link.revoked", object_id=str(link.pk)).count() == 1
    )


# ---------------------------------------------------------------- making a link in the dashboard


def test_it_makes_a_link_from_the_invite_page_and_shows_it_once(
    login, recruiter, interview, ada, grace, alan
):
    client = login(recruiter)
    page = client.get(reverse("candidates:invite_detail", args=[ada.pk]))
    assert reverse("candidates:share_create", args=[ada.pk]) in page.text
    form = client.get(reverse("candidates:share_create", args=[ada.pk]))
    assert form.status_code == 200
    assert "Grace Hopper" in form.text
    response = client.post(
        reverse("candidates:share_create", args=[ada.pk]),
        {
            "invites": [ada.pk, grace.pk],
            "label": "Dana",
            "expires_in_days": "3",
            "pin": "2468",
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    token = LINK.search(response.text).group(1)
    link = ShareLink.objects.get()
    assert link.token_hash == token_hash(token)
    assert set(link.candidate_interviews.all()) == {ada, grace}
    assert link.created_by == recruiter
    assert link.label == "Dana"
    assert link.pin_hash
    # Shown once: the list of links does not show it again.
    listing = client.get(reverse("candidates:share_list", args=[interview.pk]))
    assert listing.status_code == 200
    assert "Dana" in listing.text
    assert token not in listing.text


def test_share_selected_from_results_ticks_the_chosen_candidates(
    login, recruiter, interview, ada, grace, alan, other_team
):
    from tests.factories import CandidateInterviewFactory, InterviewFactory

    elsewhere = CandidateInterviewFactory(interview=InterviewFactory(team=other_team))
    query = f"?invite={ada.pk}&invite={grace.pk}&invite={elsewhere.pk}&invite=not-an-id"
    form = login(recruiter).get(reverse("candidates:share_create", args=[ada.pk]) + query)
    assert form.status_code == 200
    assert set(form.context["form"].initial["invites"]) == {ada.pk, grace.pk}
    html = form.content.decode()
    checked = [line for line in html.splitlines() if "checked" in line and 'name="invites"' in line]
    assert len(checked) == 2


def test_it_shows_errors_next_to_the_fields(login, recruiter, interview, ada):
    other = CandidateInterviewFactory(interview=InterviewFactory(team=interview.team))
    response = login(recruiter).post(
        reverse("candidates:share_create", args=[ada.pk]),
        {"invites": [ada.pk, other.pk], "expires_in_days": "45", "pin": "12"},
    )
    assert response.status_code == 422
    assert 'id="id_invites-error"' in response.text
    assert 'id="id_expires_in_days-error"' in response.text
    response = login(recruiter).post(
        reverse("candidates:share_create", args=[ada.pk]),
        {"invites": [ada.pk], "expires_in_days": "7", "pin": "12"},
    )
    assert response.status_code == 422
    assert 'id="id_pin-error"' in response.text
    assert not ShareLink.objects.exists()


def test_making_a_link_needs_login_and_the_team(client, login, outsider, interview, ada):
    url = reverse("candidates:share_create", args=[ada.pk])
    assert client.get(url).status_code == 302
    assert login(outsider).get(url).status_code == 404


def test_a_hiring_manager_shares_the_interviews_they_review(
    login, hiring_manager, interview, ada, grace
):
    """docs/permissions.md: `review` (hiring managers too) covers sharing candidates."""
    url = reverse("candidates:share_create", args=[ada.pk])
    client = login(hiring_manager)
    # An interview they do not review is invisible to them.
    assert client.get(url).status_code == 404
    interview.reviewers.add(hiring_manager)
    page = client.get(reverse("candidates:invite_detail", args=[ada.pk]))
    assert 'data-testid="share-button"' in page.text
    assert client.get(url).status_code == 200
    response = client.post(url, {"invites": [ada.pk, grace.pk], "expires_in_days": "7"})
    assert response.status_code == 200
    link = ShareLink.objects.get()
    assert link.created_by == hiring_manager
    assert set(link.candidate_interviews.all()) == {ada, grace}
    # "Share" on Results leads them there too (deciding stays with recruiters and admins).
    results = reverse("candidates:interview_results_decide", args=[interview.pk])
    shared = client.get(results, {"decision": "share", "ids": [ada.pk, grace.pk]})
    assert shared.status_code == 302
    assert shared["Location"].startswith(url)
    assert client.post(results, {"decision": "advance", "ids": [ada.pk]}).status_code == 403


def test_a_link_that_hides_names_shows_initials_and_nothing_that_names_them(
    interview, ada, grace, recruiter
):
    _text_answer(ada)
    link, token = _link(interview, [ada, grace], recruiter, hide_names=True)
    assert link.hide_names
    pages = [Client().get(_url(token)).text, Client().get(_url(token, "c", ada.pk)).text]
    for html in pages:
        for secret in ("Ada", "Lovelace", "Grace", "Hopper", EMAIL, PHONE):
            assert secret not in html, secret
    assert "A. L." in pages[1]
    assert "G. H." in pages[0]


def test_an_outside_reviewer_rates_through_a_link_that_allows_it(login, recruiter, interview, ada):
    _link_obj, token = _link(interview, [ada], recruiter, allow_ratings=True)
    page = Client().get(_url(token, "c", ada.pk))
    assert 'data-testid="outside-rating"' in page.text
    rate = reverse("candidates:share_rate", args=[token, ada.pk])
    response = Client().post(
        rate, {"reviewer_name": "Dana Head", "rating": "4", "comment": "Calm and clear."}
    )
    assert response.status_code == 302
    assert "rated=1" in response["Location"]
    rating = ShareRating.objects.get()
    assert (rating.reviewer_name, rating.rating, rating.comment) == (
        "Dana Head",
        4,
        "Calm and clear.",
    )
    assert rating.team == interview.team
    # The same name rating again changes the rating instead of adding one.
    Client().post(rate, {"reviewer_name": "Dana Head", "rating": "5"})
    assert ShareRating.objects.get().rating == 5
    # The team sees it on the review page, apart from its own score.
    review = login(recruiter).get(reverse("candidates:invite_review", args=[ada.pk])).text
    assert 'data-testid="outside-ratings"' in review
    assert "Dana Head" in review
    assert (
        "not counted in the team&#x27;s score" in review
        or "not counted in the team's score" in review
    )
    assert AuditEvent.objects.filter(action="share_link.rated").count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reviewer_name": "Dana", "rating": "7"}, "rating"),
        ({"reviewer_name": "Dana", "rating": ""}, "rating"),
        ({"reviewer_name": "  ", "rating": "3"}, "reviewer_name"),
        ({"reviewer_name": "D" * 101, "rating": "3"}, "reviewer_name"),
        ({"reviewer_name": "Dana", "rating": "3", "comment": "x" * 2001}, "comment"),
    ],
)
def test_a_bad_rating_is_an_error_on_its_field_and_nothing_is_saved(
    interview, ada, recruiter, data, field
):
    _link_obj, token = _link(interview, [ada], recruiter, allow_ratings=True)
    response = Client().post(reverse("candidates:share_rate", args=[token, ada.pk]), data)
    assert response.status_code == 422
    error_id = {"rating": "rating-error"}.get(field, f"id_{field}-error")
    assert f'id="{error_id}"' in response.text
    assert not ShareRating.objects.exists()


def test_ratings_need_a_link_that_allows_them_and_is_live(interview, ada, alan, recruiter):
    plain, plain_token = _link(interview, [ada], recruiter)
    assert 'data-testid="outside-rating"' not in Client().get(_url(plain_token, "c", ada.pk)).text
    body = {"reviewer_name": "Dana", "rating": "3"}
    assert (
        Client()
        .post(reverse("candidates:share_rate", args=[plain_token, ada.pk]), body)
        .status_code
        == 404
    )
    link, token = _link(interview, [ada], recruiter, allow_ratings=True)
    # A candidate the link does not share.
    assert (
        Client().post(reverse("candidates:share_rate", args=[token, alan.pk]), body).status_code
        == 404
    )
    share_link_revoke(link=link, by=recruiter)
    assert (
        Client().post(reverse("candidates:share_rate", args=[token, ada.pk]), body).status_code
        == 410
    )
    with pytest.raises(ValidationError) as caught:
        share_rating_submit(link=plain, invite=ada, reviewer_name="Dana", rating=3)
    assert "rating" in caught.value.message_dict
    assert not ShareRating.objects.exists()


def test_it_revokes_a_link_from_the_list(
    login, recruiter, hiring_manager, outsider, interview, ada
):
    link, token = _link(interview, [ada], recruiter)
    url = reverse("candidates:share_revoke", args=[link.pk])
    assert login(outsider).post(url).status_code == 404
    interview.reviewers.add(hiring_manager)
    assert login(hiring_manager).post(url).status_code == 403
    response = login(recruiter).post(url)
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert Client().get(_url(token)).status_code == 410


def test_the_link_list_is_scoped_to_the_team(login, outsider, interview):
    assert (
        login(outsider).get(reverse("candidates:share_list", args=[interview.pk])).status_code
        == 404
    )


# ---------------------------------------------------------------- the public review


def test_it_shows_the_review_without_login_and_without_contact_details(
    interview, ada, recruiter, settings, tmp_path
):
    _text_answer(ada)
    _recorded_answer(ada, settings, tmp_path)
    _link_obj, token = _link(interview, [ada], recruiter)
    response = Client().get(_url(token))
    assert response.status_code == 200
    text = response.text
    assert "Ada Lovelace" in text
    assert "I calm angry customers down by listening first." in text
    assert "I have led a support team for four years." in text
    assert EMAIL not in text
    assert PHONE not in text
    # Nor in another format (not "415" alone: a random id in the page may hold those digits).
    for shown in ("4155550123", "415-555-0123", "(415) 555", "415 555 0123"):
        assert shown not in text
    assert response["X-Robots-Tag"].startswith("noindex")
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "private, no-store"
    # Read-only: no forms to comment, rate or decide.
    assert "<form" not in text
    assert "<textarea" not in text


def test_it_shows_survey_choices_ai_advice_and_the_scorecards_aggregate(
    interview, ada, recruiter, hiring_manager, owner
):
    survey = SurveyQuestionFactory(team=interview.team, title="Shift preference")
    option = SurveyOptionFactory(question=survey, text="Evenings and weekends", ordinal=1)
    item = InterviewQuestionFactory(
        interview=interview, kind="survey", audio_question=None, survey_question=survey
    )
    answer = AnswerFactory(candidate_interview=ada, interview_question=item, text="")
    answer.selected_options.add(option)
    evaluation = EvaluationFactory(
        candidate_interview=ada, answer=answer, overall_score=4, summary="Flexible and clear."
    )
    CriterionScoreFactory(evaluation=evaluation, criterion_name="Availability", score=4)
    template = ScorecardTemplateFactory(interview=interview)
    criterion = ScorecardCriterionFactory(template=template, name="Empathy", ordinal=1)
    for reviewer, score in ((hiring_manager, 4), (owner, 5)):
        card = ScorecardFactory(
            candidate_interview=ada,
            template=template,
            reviewer=reviewer,
            recommendation="yes",
            submitted_at=timezone.now(),
            notes="Private note",
        )
        RatingFactory(scorecard=card, criterion=criterion, score=score)
    draft = ScorecardFactory(candidate_interview=ada, template=template, reviewer=recruiter)
    RatingFactory(scorecard=draft, criterion=criterion, score=1)
    _link_obj, token = _link(interview, [ada], recruiter)
    text = Client().get(_url(token)).text
    assert "Evenings and weekends" in text
    assert "Flexible and clear." in text
    assert "not a decision" in text
    assert "Team scorecards (2)" in text
    assert "4.5 / 5" in text  # the draft's 1 does not count
    assert "Yes: 2" in text
    assert "Private note" not in text
    assert hiring_manager.email not in text


def test_it_asks_for_the_pin_and_checks_it(interview, ada, recruiter):
    _text_answer(ada)
    _link_obj, token = _link(interview, [ada], recruiter, pin="482193")
    browser = Client()
    page = browser.get(_url(token))
    assert page.status_code == 200
    assert 'name="pin"' in page.text
    assert "Ada Lovelace" not in page.text
    assert page["Referrer-Policy"] == "no-referrer"
    wrong = browser.post(_url(token), {"pin": "111111"})
    assert wrong.status_code == 422
    assert 'id="pin-error"' in wrong.text
    assert "not right" in wrong.text
    assert "Ada Lovelace" not in wrong.text
    right = browser.post(_url(token), {"pin": "482193"})
    assert right.status_code == 302
    page = browser.get(_url(token))
    assert "Ada Lovelace" in page.text
    assert "listening first" in page.text
    # Another browser still needs the PIN.
    assert "Ada Lovelace" not in Client().get(_url(token)).text


def test_it_rate_limits_pin_guesses(interview, ada, recruiter):
    _link_obj, token = _link(interview, [ada], recruiter, pin="4821")
    browser = Client()
    for _ in range(5):
        assert browser.post(_url(token), {"pin": "0000"}).status_code == 422
    blocked = browser.post(_url(token), {"pin": "4821"})
    assert blocked.status_code == 429
    assert 'id="pin-error"' in blocked.text
    assert "Too many" in blocked.text
    assert "Ada Lovelace" not in browser.get(_url(token)).text


def test_an_expired_link_is_gone(interview, ada, recruiter, alan):
    link, token = _link(interview, [ada], recruiter)
    answer = _text_answer(ada)
    ShareLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    for url in (_url(token), _url(token, "c", ada.pk), _url(token, "media", answer.pk)):
        response = Client().get(url)
        assert response.status_code == 410
        assert "expired" in response.text
        assert "Ada" not in response.text
        assert response["Cache-Control"] == "private, no-store"


def test_a_revoked_link_is_gone(interview, ada, recruiter):
    link, token = _link(interview, [ada], recruiter)
    share_link_revoke(link=link, by=recruiter)
    response = Client().get(_url(token))
    assert response.status_code == 410
    assert "revoked" in response.text


def test_an_unknown_token_is_not_found():
    response = Client().get(_url("x" * 43))
    assert response.status_code == 404
    assert "does not work" in response.text


def test_the_shortlist_shows_only_the_shared_invites(interview, ada, grace, alan, recruiter):
    _text_answer(alan, text="Alan's secret answer")
    _link_obj, token = _link(interview, [ada, grace], recruiter)
    browser = Client()
    page = browser.get(_url(token))
    assert page.status_code == 200
    assert "Ada Lovelace" in page.text
    assert "Grace Hopper" in page.text
    assert "Alan" not in page.text
    assert browser.get(_url(token, "c", grace.pk)).status_code == 200
    assert browser.get(_url(token, "c", alan.pk)).status_code == 404
    assert browser.get(_url(token, "c", "not-a-uuid")).status_code == 404


def test_media_through_the_link_supports_ranges_and_only_shared_answers(
    interview, ada, alan, recruiter, settings, tmp_path
):
    answer = _recorded_answer(ada, settings, tmp_path)
    other = _recorded_answer(alan, settings, tmp_path)
    _link_obj, token = _link(interview, [ada], recruiter)
    browser = Client()
    page = browser.get(_url(token))
    media_url = _url(token, "media", answer.pk)
    assert f'src="{media_url}"' in page.text
    whole = browser.get(media_url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == answer.media.open("rb").read()
    partial = browser.get(media_url, headers={"Range": "bytes=0-99"})
    assert partial.status_code == 206
    assert partial["Content-Range"].startswith("bytes 0-99/")
    assert len(b"".join(partial.streaming_content)) == 100
    assert partial["Cache-Control"] == "private, no-store"
    assert browser.get(_url(token, "media", other.pk)).status_code == 404


def test_media_needs_the_pin_first(interview, ada, recruiter, settings, tmp_path):
    answer = _recorded_answer(ada, settings, tmp_path)
    _link_obj, token = _link(interview, [ada], recruiter, pin="4821")
    assert Client().get(_url(token, "media", answer.pk)).status_code == 404


def test_every_view_through_the_link_is_audited_and_counted(
    interview, ada, grace, recruiter, settings, tmp_path
):
    answer = _recorded_answer(ada, settings, tmp_path)
    link, token = _link(interview, [ada, grace], recruiter)
    browser = Client(REMOTE_ADDR="203.0.113.7")
    browser.get(_url(token))
    browser.get(_url(token, "c", ada.pk))
    browser.get(_url(token, "media", answer.pk), headers={"Range": "bytes=0-9"})
    link.refresh_from_db()
    assert link.view_count == 3
    assert link.last_viewed_at is not None
    events = list(AuditEvent.objects.filter(action="share_link.viewed").order_by("created_at"))
    assert len(events) == 3
    assert all(e.object_id == str(link.pk) and e.ip_address == "203.0.113.7" for e in events)
    assert all(e.data["link"] == str(link.pk) for e in events)
    assert set(events[0].data["invites"]) == {str(ada.pk), str(grace.pk)}
    assert events[1].data["invites"] == [str(ada.pk)]
    assert events[2].data["answer"] == str(answer.pk)
    assert all(e.team_id == interview.team_id for e in events)


def test_the_pin_form_alone_is_not_a_view(interview, ada, recruiter):
    link, token = _link(interview, [ada], recruiter, pin="4821")
    Client().get(_url(token))
    link.refresh_from_db()
    assert link.view_count == 0


def _queries(url):
    browser = Client()
    with CaptureQueriesContext(connection) as ctx:
        assert browser.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_share_page_makes_a_constant_number_of_queries(interview, recruiter):
    def build(answers, candidates):
        invites = [_invite(interview, f"C{n}", "Person") for n in range(candidates)]
        for n in range(answers):
            answer = _text_answer(invites[0], text=f"Answer {n}")
            evaluation = EvaluationFactory(candidate_interview=invites[0], answer=answer)
            CriterionScoreFactory(evaluation=evaluation)
        _link_obj, token = _link(interview, invites, recruiter)
        return token, invites[0]

    small, first_small = build(1, 2)
    large, first_large = build(8, 9)
    assert _queries(_url(small)) == _queries(_url(large))
    assert _queries(_url(small, "c", first_small.pk)) == _queries(_url(large, "c", first_large.pk))
