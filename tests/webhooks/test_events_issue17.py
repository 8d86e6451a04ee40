"""Issue 17 part 3: webhook events for every change an ATS cares about. Each is recorded by the
service that makes the change (so the dashboard and the API both send it), in the change's
transaction, and delivered signed like the others."""

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from api.keys import SCOPES, api_key_create
from candidates.models import CandidateInterview
from candidates.services.invites import (
    candidate_interview_transition,
    invite_create,
    invite_create_many,
    invite_expire_due,
    invite_extend,
)
from candidates.services.privacy import candidate_erase
from candidates.services.review import (
    candidate_interview_decide,
    criterion_score_override,
    invite_decide_bulk,
    scorecard_save,
)
from interviews.models import Interview
from interviews.services.audio import audio_question_fail
from interviews.services.copy import interview_copy
from interviews.services.interviews import (
    interview_bulk_set_status,
    interview_create,
    interview_update,
)
from tests.factories import (
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    CriterionScoreFactory,
    InterviewFactory,
    ScorecardCriterionFactory,
)
from webhooks.forms import EndpointForm
from webhooks.models import Delivery, Event, EventType
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

Status = CandidateInterview.Status
NEW_TYPES = [
    EventType.STATUS_CHANGED,
    EventType.DECIDED,
    EventType.SCORECARD_SUBMITTED,
    EventType.EVALUATION_OVERRIDDEN,
    EventType.CANDIDATE_ERASED,
    EventType.INTERVIEW_CREATED,
    EventType.INTERVIEW_ARCHIVED,
    EventType.QUESTION_AUDIO_FAILED,
]


@pytest.fixture
def endpoint(team, receiver):
    return endpoint_create(team=team, url=receiver.url, event_types=EventType.values)


def _payloads(type: str) -> list[dict]:
    return [e.payload for e in Event.objects.filter(type=type).order_by("created_at", "id")]


def _only(type: str) -> dict:
    payloads = _payloads(type)
    assert len(payloads) == 1, payloads
    return payloads[0]


def _completed(team, **kwargs):
    return CandidateInterviewFactory(
        interview__team=team, status=Status.COMPLETED, completed_at=timezone.now(), **kwargs
    )


# --- one trigger per new event, through the real service ---------------------------------------


def _status_changed(team, user):
    invite = CandidateInterviewFactory(interview__team=team)
    candidate_interview_transition(invite=invite, to=Status.IN_PROGRESS)
    return EventType.STATUS_CHANGED


def _decided(team, user):
    candidate_interview_decide(invite=_completed(team), decision="advance", by=user)
    return EventType.DECIDED


def _scorecard(team, user):
    invite = _completed(team)
    criterion = ScorecardCriterionFactory(template__interview=invite.interview)
    scorecard_save(
        invite=invite,
        reviewer=user,
        ratings=[{"criterion": criterion.pk, "score": 4, "note": ""}],
        recommendation="yes",
        notes="",
        submit=True,
    )
    return EventType.SCORECARD_SUBMITTED


def _overridden(team, user):
    score = CriterionScoreFactory(evaluation__candidate_interview=_completed(team))
    criterion_score_override(score=score, value=2, reason="Too generous", by=user)
    return EventType.EVALUATION_OVERRIDDEN


def _erased(team, user):
    candidate_erase(candidate=_completed(team).candidate, by=user)
    return EventType.CANDIDATE_ERASED


def _created(team, user):
    interview_create(team=team, title="Backend engineer", by=user)
    return EventType.INTERVIEW_CREATED


def _archived(team, user):
    interview_update(interview=InterviewFactory(team=team), status=Interview.Status.ARCHIVED)
    return EventType.INTERVIEW_ARCHIVED


def _audio_failed(team, user):
    question = AudioQuestionFactory(team=team)
    audio_question_fail(question_id=question.pk, wanted=question.audio_script_hash, reason="No")
    return EventType.QUESTION_AUDIO_FAILED


TRIGGERS = [
    _status_changed,
    _decided,
    _scorecard,
    _overridden,
    _erased,
    _created,
    _archived,
    _audio_failed,
]


def test_every_new_event_type_has_a_trigger_here():
    assert len(TRIGGERS) == len(NEW_TYPES)


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: t.__name__.strip("_"))
def test_it_records_the_event_with_the_change(team, recruiter, endpoint, trigger):
    event_type = trigger(team, recruiter)
    event = Event.objects.filter(type=event_type).get()
    assert event.team_id == team.pk
    assert event.payload["teamId"] == str(team.pk)
    assert list(Delivery.objects.filter(event=event).values_list("endpoint", flat=True)) == [
        endpoint.pk
    ]


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: t.__name__.strip("_"))
def test_it_records_no_event_when_the_change_rolls_back(team, recruiter, endpoint, trigger):
    def change() -> None:
        with transaction.atomic():
            trigger(team, recruiter)
            raise RuntimeError("the change fails")

    with pytest.raises(RuntimeError):
        change()
    assert not Event.objects.exists()
    assert not Delivery.objects.exists()


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: t.__name__.strip("_"))
def test_a_subscribed_endpoint_gets_a_signed_delivery(
    team, recruiter, receiver, django_capture_on_commit_callbacks, trigger
):
    """Subscribed to the new type only: it gets that event and nothing else."""
    event_type = NEW_TYPES[TRIGGERS.index(trigger)]
    endpoint = endpoint_create(team=team, url=receiver.url, event_types=[event_type])
    with django_capture_on_commit_callbacks(execute=True):
        assert trigger(team, recruiter) == event_type
    event = Event.objects.get()
    assert event.type == event_type
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request["headers"].items()}
    verified = Webhook(endpoint.secret).verify(request["body"], headers)
    assert verified["type"] == event_type
    assert verified["data"] == event.payload
    assert headers["webhook-id"] == str(event.pk)
    assert Delivery.objects.get(event=event).status == Delivery.Status.SUCCEEDED


def test_an_endpoint_not_subscribed_gets_none_of_them(team, recruiter, receiver):
    endpoint_create(team=team, url=receiver.url, event_types=[EventType.COMPLETED])
    for trigger in TRIGGERS:
        trigger(team, recruiter)
    assert not Event.objects.exists()


# --- payloads ----------------------------------------------------------------------------------


def test_status_changed_names_both_statuses_for_every_transition(team, endpoint):
    invite = CandidateInterviewFactory(interview__team=team)
    candidate_interview_transition(invite=invite, to=Status.IN_PROGRESS)
    candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    invite.refresh_from_db()
    assert _payloads(EventType.STATUS_CHANGED) == [
        {
            "id": str(invite.pk),
            "candidateId": str(invite.candidate_id),
            "interviewId": str(invite.interview_id),
            "teamId": str(team.pk),
            "from": "INVITED",
            "to": "IN_PROGRESS",
            "at": _payloads(EventType.STATUS_CHANGED)[0]["at"],
        },
        {
            "id": str(invite.pk),
            "candidateId": str(invite.candidate_id),
            "interviewId": str(invite.interview_id),
            "teamId": str(team.pk),
            "from": "IN_PROGRESS",
            "to": "COMPLETED",
            "at": invite.updated_at.isoformat(),
        },
    ]
    # The specific events are still sent, unchanged.
    assert len(_payloads(EventType.STARTED)) == len(_payloads(EventType.COMPLETED)) == 1
    assert _only(EventType.COMPLETED)["status"] == "COMPLETED"


def test_status_changed_when_an_expired_invite_is_extended(team, endpoint):
    invite = CandidateInterviewFactory(interview__team=team)
    candidate_interview_transition(invite=invite, to=Status.EXPIRED)
    Event.objects.all().delete()
    invite_extend(invite=invite, until=timezone.now() + timedelta(days=3))
    payload = _only(EventType.STATUS_CHANGED)
    assert (payload["from"], payload["to"]) == ("EXPIRED", "INVITED")
    assert not _payloads(EventType.INVITED)  # reopening is not a new invitation


def test_batch_invites_record_one_status_change_each(team, recruiter, endpoint):
    interview = InterviewFactory(team=team)
    candidates = [CandidateFactory(team=team) for _ in range(3)]
    batch = invite_create_many(
        team=team,
        by=recruiter,
        candidates=candidates,
        interview=interview,
        delivery_types=["email"],
    )
    assert len(batch.created) == 3
    changes = _payloads(EventType.STATUS_CHANGED)
    assert sorted(p["id"] for p in changes) == sorted(str(i.pk) for i in batch.created)
    assert {(p["from"], p["to"]) for p in changes} == {("DRAFT", "INVITED")}
    assert len(_payloads(EventType.INVITED)) == 3
    # The same status change as inviting one at a time (created as a draft, then sent).
    Event.objects.all().delete()
    single = CandidateFactory(team=team)
    invite_create(team=team, candidate=single, interview=interview, by=recruiter)
    assert _without_ids(_only(EventType.STATUS_CHANGED)) == _without_ids(changes[0])


def test_batched_expiry_records_one_status_change_each(team, endpoint):
    past = timezone.now() - timedelta(hours=1)
    invited = CandidateInterviewFactory(interview__team=team, expires_at=past)
    started = CandidateInterviewFactory(
        interview__team=team, expires_at=past, status=Status.IN_PROGRESS
    )
    assert invite_expire_due() == 2
    changes = {p["id"]: (p["from"], p["to"]) for p in _payloads(EventType.STATUS_CHANGED)}
    assert changes == {
        str(invited.pk): ("INVITED", "EXPIRED"),
        str(started.pk): ("IN_PROGRESS", "EXPIRED"),
    }
    assert len(_payloads(EventType.EXPIRED)) == 2


def test_decided_names_the_decision_and_who_made_it(team, recruiter, endpoint):
    invite = _completed(team)
    candidate_interview_decide(invite=invite, decision="hold", by=recruiter)
    candidate_interview_decide(invite=invite, decision="reject", by=recruiter)
    invite.refresh_from_db()
    assert _payloads(EventType.DECIDED)[-1] == {
        "id": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(team.pk),
        "decision": "reject",
        "previousDecision": "hold",
        "reason": None,
        "decidedAt": invite.decided_at.isoformat(),
        "decidedById": str(recruiter.pk),
        "decidedByEmail": recruiter.email,
    }
    assert _payloads(EventType.DECIDED)[0]["previousDecision"] is None


def test_bulk_decisions_record_one_event_per_invite(team, recruiter, endpoint):
    invites = [_completed(team) for _ in range(3)]
    invite_decide_bulk(invites=invites, decision="advance", by=recruiter)
    assert sorted(p["id"] for p in _payloads(EventType.DECIDED)) == sorted(
        str(i.pk) for i in invites
    )


def test_a_refused_decision_records_nothing(team, recruiter, endpoint):
    from django.core.exceptions import ValidationError

    pending = CandidateInterviewFactory(interview__team=team)
    invites = list(CandidateInterview.objects.filter(pk__in=[_completed(team).pk, pending.pk]))
    with pytest.raises(ValidationError):
        invite_decide_bulk(invites=invites, decision="advance", by=recruiter)
    assert not _payloads(EventType.DECIDED)


def test_scorecard_submitted_once_not_for_drafts(team, recruiter, endpoint):
    invite = _completed(team)
    criterion = ScorecardCriterionFactory(template__interview=invite.interview)
    ratings = [{"criterion": criterion.pk, "score": 5, "note": "Clear"}]
    save = dict(invite=invite, reviewer=recruiter, ratings=ratings, notes="")
    scorecard_save(**save, recommendation="", submit=False)
    assert not _payloads(EventType.SCORECARD_SUBMITTED)
    scorecard = scorecard_save(**save, recommendation="strong_yes", submit=True)
    scorecard_save(**save, recommendation="yes", submit=True)  # an edit: no second event
    assert _only(EventType.SCORECARD_SUBMITTED) == {
        "id": str(scorecard.pk),
        "candidateInterviewId": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(team.pk),
        "recommendation": "strong_yes",
        "ratings": [{"criterionId": str(criterion.pk), "score": 5}],
        "submittedAt": scorecard.submitted_at.isoformat(),
        "reviewerId": str(recruiter.pk),
        "reviewerEmail": recruiter.email,
    }


def test_evaluation_overridden_keeps_the_ai_score_and_the_reason(team, recruiter, endpoint):
    invite = _completed(team)
    score = CriterionScoreFactory(evaluation__candidate_interview=invite, score=4)
    criterion_score_override(score=score, value=2, reason="Too  generous", by=recruiter)
    criterion_score_override(score=score, value=3, reason="On reflection", by=recruiter)
    first, second = _payloads(EventType.EVALUATION_OVERRIDDEN)
    assert first["previousOverride"] is None
    assert second == {
        "id": str(score.evaluation_id),
        "candidateInterviewId": str(invite.pk),
        "candidateId": str(invite.candidate_id),
        "interviewId": str(invite.interview_id),
        "teamId": str(team.pk),
        "answerId": None,
        "criterionScoreId": str(score.pk),
        "criterionId": None,
        "criterionName": "Clarity",
        "score": 4,
        "previousOverride": 2,
        "override": 3,
        "reason": "On reflection",
        "overriddenAt": second["overriddenAt"],
        "overriddenById": str(recruiter.pk),
        "overriddenByEmail": recruiter.email,
    }
    assert first["reason"] == "Too generous"


def test_candidate_erased_carries_ids_only(team, owner, endpoint):
    invite = _completed(team)
    candidate = invite.candidate
    candidate_interview_decide(invite=invite, decision="advance", by=owner)
    candidate_erase(candidate=candidate, by=owner)
    payload = _only(EventType.CANDIDATE_ERASED)
    assert payload == {
        "id": str(candidate.pk),
        "teamId": str(team.pk),
        "candidateInterviewIds": [str(invite.pk)],
        "reason": "erasure",
        "erasedAt": payload["erasedAt"],
    }
    stored = json.dumps(list(Event.objects.values_list("payload", flat=True)))
    for personal in (candidate.email, candidate.first_name, candidate.last_name):
        assert personal
        assert personal not in stored
    # The candidate's earlier events are forgotten; only the erasure remains.
    assert list(Event.objects.values_list("type", flat=True)) == [EventType.CANDIDATE_ERASED]


def test_interview_created_by_create_and_copy(team, recruiter, endpoint):
    interview = interview_create(team=team, title="Backend engineer", by=recruiter)
    copy = interview_copy(interview=interview, to_team=team, by=recruiter)
    first, second = _payloads(EventType.INTERVIEW_CREATED)
    assert first == {
        "id": str(interview.pk),
        "teamId": str(team.pk),
        "title": "Backend engineer",
        "status": interview.status,
        "interviewType": interview.interview_type,
        "language": interview.language,
        "updatedAt": interview.updated_at.isoformat(),
        "createdById": str(recruiter.pk),
        "createdByEmail": recruiter.email,
    }
    assert second["id"] == str(copy.pk)


def test_interview_archived_once_with_the_update(team, endpoint):
    interview = InterviewFactory(team=team)
    interview_update(interview=interview, status=Interview.Status.ARCHIVED)
    interview_update(interview=interview, title="Still archived")
    payload = _only(EventType.INTERVIEW_ARCHIVED)
    assert payload["id"] == str(interview.pk)
    assert payload["status"] == Interview.Status.ARCHIVED
    assert payload["archivedAt"] == interview.archived_at.isoformat()
    assert len(_payloads(EventType.INTERVIEW_UPDATED)) == 2


def test_bulk_status_changes_send_updated_and_archived(team, endpoint):
    interviews = [InterviewFactory(team=team) for _ in range(3)]
    ids = [i.pk for i in interviews]
    assert interview_bulk_set_status(team=team, ids=ids, status=Interview.Status.PAUSED) == 3
    assert len(_payloads(EventType.INTERVIEW_UPDATED)) == 3
    assert not _payloads(EventType.INTERVIEW_ARCHIVED)
    assert interview_bulk_set_status(team=team, ids=ids, status=Interview.Status.ARCHIVED) == 3
    assert sorted(p["id"] for p in _payloads(EventType.INTERVIEW_ARCHIVED)) == sorted(
        str(i) for i in ids
    )
    assert len(_payloads(EventType.INTERVIEW_UPDATED)) == 6


def test_question_audio_failed_says_why(team, endpoint):
    question = AudioQuestionFactory(team=team, title="Why us?")
    audio_question_fail(
        question_id=question.pk, wanted=question.audio_script_hash, reason="Voice unavailable"
    )
    assert _only(EventType.QUESTION_AUDIO_FAILED) == {
        "id": str(question.pk),
        "teamId": str(team.pk),
        "title": "Why us?",
        "language": question.language,
        "transcriptionStatus": "failed",
        "failureReason": "Voice unavailable",
    }


# --- both edges: the API and the dashboard send the same events --------------------------------


def _without_ids(payload: dict) -> dict:
    varying = {"id", "candidateId", "interviewId", "at", "decidedAt", "decidedById"}
    return {k: v for k, v in payload.items() if k not in varying and not k.endswith("Email")}


@pytest.fixture
def api(team, owner):
    from rest_framework.test import APIClient

    _key, raw = api_key_create(
        organization=team.organization, name="ATS", scopes=list(SCOPES), team=team, by=owner
    )
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def test_a_decision_sends_the_same_event_from_the_api_and_the_dashboard(
    team, owner, recruiter, endpoint, api, login
):
    by_api, by_dashboard = _completed(team), _completed(team)
    response = api.post(
        "/qsi/gather/candidate-interviews/decisions",
        {"candidateInterviewIds": [str(by_api.pk)], "decision": "advance"},
        format="json",
    )
    assert response.status_code == 200
    client = login(recruiter)
    url = reverse("candidates:review_decide", args=[by_dashboard.pk])
    assert client.post(url, {"decision": "advance"}).status_code == 302
    from_api, from_dashboard = _payloads(EventType.DECIDED)
    assert (from_api["id"], from_dashboard["id"]) == (str(by_api.pk), str(by_dashboard.pk))
    assert (from_api["decidedByEmail"], from_dashboard["decidedByEmail"]) == (
        owner.email,
        recruiter.email,
    )
    assert _without_ids(from_api) == _without_ids(from_dashboard)


def test_a_cancellation_sends_the_same_events_from_the_api_and_the_dashboard(
    team, recruiter, endpoint, api, login
):
    by_api = CandidateInterviewFactory(interview__team=team)
    by_dashboard = CandidateInterviewFactory(interview__team=team)
    response = api.post(f"/qsi/gather/candidate-interviews/{by_api.pk}/cancel")
    assert response.status_code == 200
    client = login(recruiter)
    url = reverse("candidates:invite_cancel", args=[by_dashboard.pk])
    assert client.post(url).status_code == 302
    from_api, from_dashboard = _payloads(EventType.STATUS_CHANGED)
    assert (from_api["id"], from_dashboard["id"]) == (str(by_api.pk), str(by_dashboard.pk))
    assert (
        _without_ids(from_api)
        == _without_ids(from_dashboard)
        == {
            "teamId": str(team.pk),
            "from": "INVITED",
            "to": "CANCELLED",
        }
    )
    assert len(_payloads(EventType.CANCELLED)) == 2


# --- choosing the new types ----------------------------------------------------------------


def test_the_form_and_the_api_offer_the_new_types(team, api):
    offered = {value for value, _label in EndpointForm().fields["event_types"].choices}
    assert set(NEW_TYPES) <= offered
    response = api.post(
        "/qsi/gather/webhooks",
        {"url": "https://hooks.example.com/panelist", "eventTypes": NEW_TYPES},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert set(response.json()["data"]["webhook"]["eventTypes"]) == set(NEW_TYPES)
