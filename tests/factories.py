"""factory_boy factories for every model. Related objects share one team by default."""

from datetime import time, timedelta
from typing import Any

import factory
from django.utils import timezone

from accounts.models import (
    ApiKey,
    AuditEvent,
    Membership,
    Organization,
    RecoveryCode,
    Role,
    Team,
    TeamInvitation,
    TOTPDevice,
    TwoFactorPolicy,
    User,
)
from candidates.models import (
    Answer,
    AnswerEmbedding,
    Candidate,
    CandidateInterview,
    CandidateMessage,
    Comment,
    CriterionScore,
    DecisionFileRequest,
    Evaluation,
    ImportJob,
    IntegrityFact,
    InviteDelivery,
    MessageTemplate,
    Rating,
    RetentionTally,
    ReviewNotice,
    Scorecard,
    SelfIdentification,
    ShareLink,
    ShareRating,
    Turn,
)
from interviews.counters import invite_counts_apply, question_count_apply
from interviews.models import (
    AITextQuestion,
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Keyword,
    Narrator,
    RubricCriterion,
    ScorecardCriterion,
    ScorecardTemplate,
    SurveyOption,
    SurveyQuestion,
)

PASSWORD = "correct-horse-battery-staple"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    # Quiet hours open all day, so that no test depends on the hour it runs at; the tests of
    # quiet hours set a window and a clock (tests/candidates/test_quiet_hours.py).
    quiet_hours_start = time(0, 0)
    quiet_hours_end = time.max


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.RECRUITER


class TeamInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TeamInvitation

    team = factory.SubFactory(TeamFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.RECRUITER
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ApiKeyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApiKey

    team = factory.SubFactory(TeamFactory)
    organization = factory.SelfAttribute("team.organization")
    name = "Test key"
    prefix = factory.Sequence(lambda n: f"pk{n:08d}")
    secret_hash = factory.Sequence(lambda n: f"{n:064x}")
    scopes = factory.LazyFunction(lambda: ["interviews:read"])


class AuditEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEvent

    team = factory.SubFactory(TeamFactory)
    organization = factory.SelfAttribute("team.organization")
    action = "test.event"
    actor_label = "someone@example.com"


class NarratorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Narrator

    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Narrator {n}")
    voice = "en-us"


class AudioQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AudioQuestion

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Audio question {n}")
    question_script = "Tell me about yourself and your background."
    transcription_status = AudioQuestion.TranscriptionStatus.COMPLETED


class SurveyQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyQuestion

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Survey question {n}")
    question_text = "Are you authorised to work in this country?"
    survey_type = SurveyQuestion.SurveyType.YES_NO
    preferred_option = SurveyQuestion.PreferredOption.YES


class SurveyOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyOption

    question = factory.SubFactory(
        SurveyQuestionFactory, survey_type="MULTIPLE_CHOICE", preferred_option=""
    )
    text = factory.Sequence(lambda n: f"Option {n}")
    ordinal = factory.Sequence(lambda n: n + 1)


class AITextQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AITextQuestion

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"AI text question {n}")
    question_text = "Explain the difference between REST and GraphQL APIs."


class RubricCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricCriterion

    question = factory.SubFactory(AITextQuestionFactory)
    name = "Clarity"
    strong_answer = "Explains trade-offs with concrete examples."
    ordinal = factory.Sequence(lambda n: n + 1)


class InterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interview

    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Interview {n}")


class InterviewQuestionFactory(factory.django.DjangoModelFactory):
    """An audio question at the next free ordinal (use the services to keep ordinals dense)."""

    class Meta:
        model = InterviewQuestion

    interview = factory.SubFactory(InterviewFactory)
    kind = InterviewQuestion.Kind.AUDIO
    audio_question = factory.SubFactory(
        AudioQuestionFactory, team=factory.SelfAttribute("..interview.team")
    )
    ordinal = factory.LazyAttribute(lambda o: o.interview.items.count() + 1)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> InterviewQuestion:
        # Rows the builder services would have counted (interviews.counters).
        item = super()._create(model_class, *args, **kwargs)
        question_count_apply(interview_id=item.interview_id, delta=1)
        return item


class KeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Keyword

    interview = factory.SubFactory(InterviewFactory)
    text = factory.Sequence(lambda n: f"keyword{n}")


class ScorecardTemplateFactory(factory.django.DjangoModelFactory):
    """The interview's template (one per interview: an interview that has one gets it back)."""

    class Meta:
        model = ScorecardTemplate
        django_get_or_create = ("interview",)

    interview = factory.SubFactory(InterviewFactory)
    team = factory.SelfAttribute("interview.team")
    name = "Standard scorecard"


class ScorecardCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScorecardCriterion

    template = factory.SubFactory(ScorecardTemplateFactory)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    ordinal = factory.Sequence(lambda n: n + 1)


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    team = factory.SubFactory(TeamFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")
    phone = "+14155550123"


class CandidateInterviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateInterview

    interview = factory.SubFactory(InterviewFactory)
    team = factory.SelfAttribute("interview.team")
    candidate = factory.SubFactory(CandidateFactory, team=factory.SelfAttribute("..team"))
    status = CandidateInterview.Status.INVITED
    invited_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    token_hash = factory.Sequence(lambda n: f"{n:064x}")

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> CandidateInterview:
        # An invite the invite services would have counted (interviews.counters).
        invite = super()._create(model_class, *args, **kwargs)
        invite_counts_apply(interview_id=invite.interview_id, before=None, after=invite.status)
        return invite


class InviteDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InviteDelivery

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    channel = InviteDelivery.Channel.EMAIL


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Answer

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    interview_question = factory.SubFactory(
        InterviewQuestionFactory, interview=factory.SelfAttribute("..candidate_interview.interview")
    )
    text = "An answer."
    submitted_at = factory.LazyFunction(timezone.now)


class TurnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Turn

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    turn_number = factory.Sequence(lambda n: n + 1)
    role = Turn.Role.CANDIDATE
    content = "I have five years of experience with Django."
    start_seconds = 0.0
    end_seconds = 3.5


class EvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evaluation

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    provider = "builtin"
    model_name = "multilingual-e5-small-q4"
    prompt_version = "1"
    status = Evaluation.Status.COMPLETED


class CriterionScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CriterionScore

    evaluation = factory.SubFactory(EvaluationFactory)
    criterion_name = "Clarity"
    score = 4
    evidence = "I have five years of experience with Django."


class ScorecardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scorecard

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    reviewer = factory.SubFactory(UserFactory)


class RatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rating

    scorecard = factory.SubFactory(ScorecardFactory)
    criterion = factory.SubFactory(
        ScorecardCriterionFactory,
        template__interview=factory.SelfAttribute("...scorecard.candidate_interview.interview"),
    )
    score = 4


class SelfIdentificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SelfIdentification

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    team = factory.SelfAttribute("candidate_interview.team")


class RetentionTallyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionTally

    team = factory.SubFactory(TeamFactory)
    month = factory.LazyFunction(lambda: timezone.now().date().replace(day=1))
    reason = "retention"
    invites = 3


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    author = factory.SubFactory(UserFactory)
    body = "Strong communicator."


class ShareLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShareLink
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    interview = factory.SubFactory(InterviewFactory, team=factory.SelfAttribute("..team"))
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))

    @factory.post_generation
    def candidate_interviews(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            self.candidate_interviews.set(extracted)


class ShareRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShareRating

    share_link = factory.SubFactory(ShareLinkFactory)
    team = factory.SelfAttribute("share_link.team")
    candidate_interview = factory.SubFactory(
        CandidateInterviewFactory,
        team=factory.SelfAttribute("..team"),
        interview=factory.SelfAttribute("..share_link.interview"),
    )
    reviewer_name = factory.Sequence(lambda n: f"Outside reviewer {n}")
    rating = 4


class ReviewNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewNotice

    user = factory.SubFactory(UserFactory)
    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    kind = ReviewNotice.Kind.EACH


class CandidateMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CandidateMessage

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    kind = CandidateMessage.Kind.RECEIVED


class DecisionFileRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DecisionFileRequest

    candidate_interview = factory.SubFactory(
        CandidateInterviewFactory,
        status=CandidateInterview.Status.COMPLETED,
        completed_at=factory.LazyFunction(timezone.now),
    )
    team = factory.SelfAttribute("candidate_interview.team")
    language = "en"


class IntegrityFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IntegrityFact

    candidate_interview = factory.SubFactory(
        CandidateInterviewFactory, integrity_told_at=factory.LazyFunction(timezone.now)
    )
    kind = IntegrityFact.Kind.PAGE_HIDDEN
    seconds = 12
    occurred_at = factory.LazyFunction(timezone.now)


class AnswerEmbeddingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnswerEmbedding

    answer = factory.SubFactory(AnswerFactory)
    interview_question = factory.SelfAttribute("answer.interview_question")
    vector = b"\x00" * 4 * 384
    model = "multilingual-e5-small-q4"


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MessageTemplate

    team = factory.SubFactory(TeamFactory)
    kind = MessageTemplate.Kind.INVITE
    channel = MessageTemplate.Channel.EMAIL
    language = MessageTemplate.Language.EN
    subject = "Interview with {team_name}"
    body = "Hello {first_name},\n\nPlease answer here: {link}"


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    team = factory.SubFactory(TeamFactory)
    filename = "candidates.csv"


def _totp_secret_encrypted() -> str:
    from accounts.twofactor import secret_encrypt, secret_new

    return secret_encrypt(secret_new())


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TOTPDevice

    user = factory.SubFactory(UserFactory)
    secret_encrypted = factory.LazyFunction(_totp_secret_encrypted)


class RecoveryCodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecoveryCode

    user = factory.SubFactory(UserFactory)
    code_hash = factory.Sequence(lambda n: f"{n:064x}")


class TwoFactorPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TwoFactorPolicy

    organization = factory.SubFactory(OrganizationFactory)
    require_for_admins = True


from candidates.models import EvaluationRun  # noqa: E402  (appended with its factory)


class EvaluationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvaluationRun

    candidate_interview = factory.SubFactory(CandidateInterviewFactory)
    status = EvaluationRun.Status.QUEUED


from integrations.models import AtsOrder, Connector, ConnectorRequest  # noqa: E402  (appended with its factories)


class ConnectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connector

    team = factory.SubFactory(TeamFactory)
    kind = Connector.Kind.GREENHOUSE
    key_prefix = factory.Sequence(lambda n: f"{n:012x}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")


class AtsOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AtsOrder

    connector = factory.SubFactory(ConnectorFactory)
    invite = factory.SubFactory(
        CandidateInterviewFactory, interview__team=factory.SelfAttribute("...connector.team")
    )
    external_candidate_id = factory.Sequence(lambda n: str(17681532 + n))
    application_id = factory.Sequence(lambda n: str(26234709 + n))


class ConnectorRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConnectorRequest

    connector = factory.SubFactory(ConnectorFactory)
    method = "GET"
    path = "/integrations/greenhouse/list_tests"
    status_code = 200
    duration_ms = 12


from accounts.models_sso import OrganizationSSO, SSODomain  # noqa: E402  (appended with its factory)


class OrganizationSSOFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationSSO

    organization = factory.SubFactory(OrganizationFactory)
    enabled = True
    issuer = "https://idp.example.com"
    client_id = "panelist"
    authorization_endpoint = "https://idp.example.com/authorize"
    token_endpoint = "https://idp.example.com/token"
    userinfo_endpoint = "https://idp.example.com/userinfo"
    jwks_uri = "https://idp.example.com/jwks"


class SSODomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SSODomain

    sso = factory.SubFactory(OrganizationSSOFactory)
    domain = factory.Sequence(lambda n: f"org{n}.example.com")
