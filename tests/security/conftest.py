"""The security sweep's world: two teams, each holding one of everything a URL can point at.

Team A ("Acme") is the team under attack; team B ("Globex") is the outsider's own team, built
the same way so a sweep can also mix a parent of B with a child of A (``/invites/<B>/answers/<A>``).
The world is built once per module inside a transaction that is rolled back at the end; each
request of the sweep runs in a savepoint that is rolled back too, so a successful POST (a
delete, a cancel) never spoils the next request.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import Membership, Role, Team, User
from api.keys import SCOPES, api_key_create
from candidates.models import CandidateInterview, InviteDelivery
from candidates.services.share import share_link_create
from candidates.tokens import new_invite_token
from interviews.models import InterviewQuestion
from tests.factories import (
    AITextQuestionFactory,
    AnswerFactory,
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    CommentFactory,
    CriterionScoreFactory,
    DecisionFileRequestFactory,
    EvaluationFactory,
    EvaluationRunFactory,
    ImportJobFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    InviteDeliveryFactory,
    KeywordFactory,
    MembershipFactory,
    NarratorFactory,
    RatingFactory,
    RubricCriterionFactory,
    ScorecardCriterionFactory,
    ScorecardFactory,
    ScorecardTemplateFactory,
    SelfIdentificationFactory,
    SurveyOptionFactory,
    SurveyQuestionFactory,
    TeamFactory,
    TeamInvitationFactory,
    TurnFactory,
)

# A string in every team-A name and title: an outsider's page must never contain it.
CANARY = "Zebracanary"

# What a browser could be made to run if an upload were served as a page.
HTML_PAYLOAD = b"<html><body><script>alert(document.cookie)</script></body></html>"

PERSONAS = (
    "anonymous",
    "outsider",
    "owner",
    "admin",
    "recruiter",
    "hiring_manager",  # a reviewer of the interview under test
    "hiring_manager_not_reviewer",
)


@dataclass
class TeamWorld:
    """One team's objects, by the names the URL table uses."""

    team: Team
    users: dict[str, User]
    objects: dict[str, Any] = field(default_factory=dict)
    invite_token: str = ""
    share_token: str = ""
    api_key: str = ""
    invites_by_status: dict[str, CandidateInterview] = field(default_factory=dict)


@dataclass
class World:
    a: TeamWorld
    b: TeamWorld


def _team_world(label: str, slug: str) -> TeamWorld:
    team = TeamFactory(name=f"{label} {CANARY if label == 'Acme' else 'Team'}", slug=slug)
    users = {
        role_name: MembershipFactory(
            team=team, role=role, user__email=f"{role_name}@{slug}.test"
        ).user
        for role_name, role in (
            ("owner", Role.OWNER),
            ("admin", Role.ADMIN),
            ("recruiter", Role.RECRUITER),
            ("hiring_manager", Role.HIRING_MANAGER),
            ("hiring_manager_not_reviewer", Role.HIRING_MANAGER),
        )
    }
    mark = CANARY if label == "Acme" else label
    owner = users["owner"]
    narrator = NarratorFactory(team=team, name=f"{mark} narrator")
    audio = AudioQuestionFactory(team=team, title=f"{mark} audio question", narrator=narrator)
    audio.audio_file.save("prompt.mp3", ContentFile(b"ID3" + b"\0" * 64), save=True)
    survey = SurveyQuestionFactory(
        team=team,
        title=f"{mark} survey question",
        survey_type="MULTIPLE_CHOICE",
        preferred_option="",
    )
    option = SurveyOptionFactory(question=survey, text=f"{mark} option")
    ai_text = AITextQuestionFactory(team=team, title=f"{mark} ai question")
    rubric = RubricCriterionFactory(question=ai_text, name=f"{mark} clarity")

    interview = InterviewFactory(team=team, title=f"{mark} interview", narrator=narrator)
    interview.reviewers.add(users["hiring_manager"])
    audio_item = InterviewQuestionFactory(interview=interview, audio_question=audio)
    survey_item = InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.SURVEY,
        audio_question=None,
        survey_question=survey,
    )
    ai_item = InterviewQuestionFactory(
        interview=interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=ai_text,
    )
    KeywordFactory(interview=interview, text=f"{mark.lower()}keyword")
    template = ScorecardTemplateFactory(interview=interview)
    criterion = ScorecardCriterionFactory(template=template, name=f"{mark} criterion")

    candidate = CandidateFactory(team=team, first_name=mark, last_name="Candidate")
    invites_by_status: dict[str, Any] = {}
    for status in CandidateInterview.Status.values:
        invites_by_status[status] = CandidateInterviewFactory(
            interview=interview,
            candidate=CandidateFactory(team=team, first_name=mark, last_name=status.title()),
            status=status,
            completed_at=timezone.now() if status == CandidateInterview.Status.COMPLETED else None,
        )
    invite_token, digest = new_invite_token()
    # The invite under test: in progress (so the runner takes answers), with a bit of everything.
    invite: Any = CandidateInterviewFactory(
        interview=interview,
        candidate=candidate,
        status=CandidateInterview.Status.IN_PROGRESS,
        token_hash=digest,
        consented_at=timezone.now(),
    )
    answer = AnswerFactory(candidate_interview=invite, interview_question=audio_item)
    answer.media.save("answer.webm", ContentFile(b"\x1aE\xdf\xa3" + b"\0" * 64), save=False)
    answer.media_type = "audio/webm"
    # The Safari copy the worker makes (candidates.recordings), so its route serves a file too.
    answer.rendition.save("answer.m4a", ContentFile(b"\0\0\0\x18ftypM4A " + b"\0" * 64), save=False)
    answer.rendition_type = "audio/mp4"
    answer.save()
    AnswerFactory(candidate_interview=invite, interview_question=survey_item, text="")
    AnswerFactory(candidate_interview=invite, interview_question=ai_item, text=f"{mark} says")
    for number in (1, 2):
        TurnFactory(candidate_interview=invite, turn_number=number, answer=answer)
    evaluation = EvaluationFactory(candidate_interview=invite, answer=answer)
    score = CriterionScoreFactory(evaluation=evaluation, criterion=rubric)
    evaluation_run = EvaluationRunFactory(
        candidate_interview=invite,
        answer=answer,
        requested_by=owner,
        status="completed",
        evaluation=evaluation,
        finished_at=timezone.now(),
    )
    scorecard = ScorecardFactory(
        candidate_interview=invite, reviewer=users["hiring_manager"], template=template
    )
    RatingFactory(scorecard=scorecard, criterion=criterion)
    comment = CommentFactory(candidate_interview=invite, author=owner, answer=answer)
    InviteDeliveryFactory(candidate_interview=invite, status=InviteDelivery.Status.SENT)
    SelfIdentificationFactory(candidate_interview=invite)
    decision_file = DecisionFileRequestFactory(candidate_interview=invite)
    share, share_token = share_link_create(
        interview=interview, invites=[invite], by=owner, label=f"{mark} share"
    )
    import_job = ImportJobFactory(team=team, created_by=owner, interview=interview)

    from uploads.models import Upload
    from webhooks.models import Delivery, Endpoint, Event

    upload = Upload.objects.create(
        candidate_interview=invite,
        interview_question=audio_item,
        length=10,
        partial_path=f"sweep-{slug}.part",
        expires_at=timezone.now() + timedelta(days=1),
    )
    endpoint = Endpoint.objects.create(
        team=team, url=f"https://hooks.{slug}.test/in", secret="s" * 32, created_by=owner
    )
    event = Event.objects.create(team=team, type="candidate_interview.completed", payload={})
    delivery = Delivery.objects.create(endpoint=endpoint, event=event)
    api_key, raw_key = api_key_create(
        organization=team.organization,
        name=f"{mark} key",
        scopes=list(SCOPES),
        team=team,
        by=owner,
    )
    invitation = TeamInvitationFactory(
        team=team, email=f"newcomer@{slug}.test", invited_by=owner, role=Role.RECRUITER
    )
    membership = Membership.objects.get(user=users["recruiter"], team=team)

    objects: dict[str, Any] = {
        "team": team,
        "membership": membership,
        "invitation": invitation,
        "api_key": api_key,
        "narrator": narrator,
        "audio": audio,
        "survey": survey,
        "survey_option": option,
        "ai_text": ai_text,
        "interview": interview,
        "item": audio_item,
        "survey_item": survey_item,
        "ai_item": ai_item,
        "candidate": candidate,
        "invite": invite,
        "answer": answer,
        "comment": comment,
        "score": score,
        "evaluation_run": evaluation_run,
        "scorecard": scorecard,
        "share": share,
        "import_job": import_job,
        "upload": upload,
        "endpoint": endpoint,
        "delivery": delivery,
        "decision_file": decision_file,
    }
    return TeamWorld(
        team=team,
        users=users,
        objects=objects,
        invite_token=invite_token,
        share_token=share_token,
        api_key=raw_key,
        invites_by_status=invites_by_status,
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Both teams, built once for the module and rolled back after it."""
    media = tempfile.mkdtemp(prefix="panelist-sweep-")
    fast = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], MEDIA_ROOT=media
    )
    fast.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            built = World(
                a=_team_world("Acme", "acme-sweep"), b=_team_world("Globex", "globex-sweep")
            )
            # Invites that have expired really are past their date.
            for w in (built.a, built.b):
                expired = w.invites_by_status[CandidateInterview.Status.EXPIRED]
                CandidateInterview.objects.filter(pk=expired.pk).update(
                    expires_at=timezone.now() - timedelta(days=1)
                )
            yield built
            transaction.set_rollback(True)
    finally:
        fast.disable()
        shutil.rmtree(media, ignore_errors=True)
