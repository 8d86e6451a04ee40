import io

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import Membership, Organization, Role, Team
from candidates.models import (
    Answer,
    Candidate,
    CandidateInterview,
    Comment,
    CriterionScore,
    Evaluation,
    Rating,
    Scorecard,
    Turn,
)
from candidates.selectors_review import review_queue
from interviews.models import (
    AudioQuestion,
    Interview,
    InterviewQuestion,
    Keyword,
    Narrator,
    ScorecardCriterion,
    ScorecardTemplate,
    SurveyQuestion,
)

pytestmark = pytest.mark.django_db

LOGINS = {
    "owner@panelist.demo": Role.OWNER,
    "admin@panelist.demo": Role.ADMIN,
    "recruiter@panelist.demo": Role.RECRUITER,
    "manager@panelist.demo": Role.HIRING_MANAGER,
}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.fixture
def output() -> str:
    return seed()


@pytest.fixture
def first_team(output: str) -> Team:
    return Team.objects.get(slug="northwind-engineering")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_it_creates_an_organization_with_two_teams(output: str) -> None:
    organization = Organization.objects.get(name="Northwind Talent")
    slugs = sorted(organization.teams.values_list("slug", flat=True))
    assert slugs == ["northwind-engineering", "northwind-sales"]


def test_it_creates_one_login_per_role_that_can_sign_in(output: str) -> None:
    assert "http://127.0.0.1:8000" in output
    for email, role in LOGINS.items():
        assert email in output
        membership = Membership.objects.get(user__email=email, team__slug="northwind-engineering")
        assert membership.role == role
        assert membership.user.full_name
        assert authenticate(username=email, password="panelist-demo") == membership.user
    assert output.count("panelist-demo") >= len(LOGINS)


def test_it_gives_owner_admin_and_the_tour_recruiter_a_second_team(output: str) -> None:
    second = dict(
        Membership.objects.filter(team__slug="northwind-sales").values_list("user__email", "role")
    )
    # The README's tour copies an interview to the other team, as the recruiter.
    assert second == {
        "owner@panelist.demo": Role.OWNER,
        "admin@panelist.demo": Role.ADMIN,
        "recruiter@panelist.demo": Role.RECRUITER,
    }
    assert "Recruiter (also recruiter of Northwind Sales)" in output


def test_it_creates_three_interviews_using_every_question_kind(first_team: Team) -> None:
    interviews = Interview.objects.for_team(first_team)
    assert sorted(interviews.values_list("interview_type", flat=True)) == [
        "ai",
        "questionnaire",
        "standard",
    ]
    kinds = set(InterviewQuestion.objects.for_team(first_team).values_list("kind", flat=True))
    assert kinds == set(InterviewQuestion.Kind.values)
    for interview in interviews:
        ordinals = list(interview.items.values_list("ordinal", flat=True))
        assert ordinals == list(range(1, len(ordinals) + 1))
        assert Keyword.objects.filter(interview=interview).exists()
        template = ScorecardTemplate.objects.get(interview=interview)
        assert 3 <= ScorecardCriterion.objects.filter(template=template).count() <= 4


def test_it_uses_all_six_survey_types_with_valid_options(first_team: Team) -> None:
    questions = {
        q.survey_type: q
        for q in SurveyQuestion.objects.for_team(first_team).filter(usages__isnull=False)
    }
    assert set(questions) == set(SurveyQuestion.SurveyType.values)
    types = SurveyQuestion.SurveyType
    free_text = questions[types.FREE_TEXT]
    assert free_text.max_character_length
    assert not free_text.options.exists()
    assert questions[types.YES_NO].preferred_option == "YES"
    assert questions[types.THUMBS_UP_DOWN].options.count() == 2
    multiple_choice = questions[types.MULTIPLE_CHOICE].options
    assert multiple_choice.count() >= 2
    assert multiple_choice.filter(is_preferred=True).count() == 1
    assert not questions[types.MULTIPLE_CHOICE_WEIGHTED].options.filter(weight=None).exists()
    several = questions[types.MULTIPLE_CHOICE_MULTIPLE_ANSWER]
    assert several.select_all_for_full_score
    assert several.options.filter(is_preferred=True).exists()


def test_it_marks_a_survey_question_of_the_standard_interview_as_knockout(
    first_team: Team,
) -> None:
    backend = Interview.objects.for_team(first_team).get(title="Backend Engineer")
    assert list(backend.items.values_list("kind", "knockout")) == [
        ("audio", False),
        ("audio", False),
        ("audio", False),
        ("survey", True),
        ("ai_text", False),
    ]


def test_it_leaves_text_to_speech_pending_with_an_espeak_narrator(first_team: Team) -> None:
    narrator = Narrator.objects.for_team(first_team).get()
    assert (narrator.provider, narrator.voice) == ("espeak", "en-us")
    audio = AudioQuestion.objects.for_team(first_team)
    assert audio.exists()
    assert set(audio.values_list("transcription_status", "audio_type")) == {("pending", "tts")}


def test_it_creates_sixty_candidates_with_invites_in_every_status(first_team: Team) -> None:
    assert Candidate.objects.for_team(first_team).count() == 60
    invites = CandidateInterview.objects.for_team(first_team)
    for interview in Interview.objects.for_team(first_team):
        statuses = set(invites.filter(interview=interview).values_list("status", flat=True))
        assert statuses == set(CandidateInterview.Status.values), interview.title
    for invite in invites:
        invite.full_clean()  # E.164 phones, lengths, choices
        assert len(invite.token_hash or "") == 64


def test_it_gives_invites_timestamps_that_match_their_status(first_team: Team) -> None:
    for invite in CandidateInterview.objects.for_team(first_team):
        status = CandidateInterview.Status
        if invite.status == status.DRAFT:
            assert invite.invited_at is None
            continue
        assert invite.invited_at is not None
        if invite.status == status.COMPLETED:
            assert invite.started_at < invite.completed_at  # type: ignore[operator]
        if invite.status == status.EXPIRED:
            assert invite.is_expired
        if invite.status in (status.INVITED, status.IN_PROGRESS):
            assert invite.accepts_answers
        if invite.status == status.CANCELLED:
            assert invite.cancelled_at is not None


def test_it_puts_a_few_candidates_in_the_second_team(output: str) -> None:
    sales = Team.objects.get(slug="northwind-sales")
    assert Candidate.objects.for_team(sales).count() == 5
    assert CandidateInterview.objects.for_team(sales).count() == 5
    engineering = Team.objects.get(slug="northwind-engineering")
    sales_emails = set(Candidate.objects.for_team(sales).values_list("email", flat=True))
    assert not Candidate.objects.for_team(engineering).filter(email__in=sales_emails).exists()


def test_it_creates_answers_transcripts_evaluations_and_scorecards(first_team: Team) -> None:
    answers = Answer.objects.for_team(first_team)
    assert answers.filter(candidate_interview__status="COMPLETED").exists()
    assert answers.filter(candidate_interview__status="IN_PROGRESS").exists()
    assert answers.filter(selected_options__isnull=False).exists()
    assert Turn.objects.for_team(first_team).filter(start_seconds__isnull=False).exists()
    evaluations = Evaluation.objects.for_team(first_team)
    assert evaluations.exists()
    for evaluation in evaluations.select_related("answer"):
        assert 1 <= evaluation.overall_score <= 5  # type: ignore[operator]
        assert evaluation.answer is not None
        for score in evaluation.scores.all():
            assert score.evidence in evaluation.answer.text
    assert CriterionScore.objects.for_team(first_team).exists()
    scorecards = Scorecard.objects.for_team(first_team)
    assert set(scorecards.values_list("reviewer__email", flat=True)) == {"manager@panelist.demo"}
    for scorecard in scorecards:
        criteria = ScorecardCriterion.objects.filter(template=scorecard.template)
        assert Rating.objects.filter(scorecard=scorecard).count() == criteria.count()
    assert Comment.objects.for_team(first_team).exists()


def test_it_keeps_turn_numbers_unique_and_ordered_per_invite(first_team: Team) -> None:
    for invite in CandidateInterview.objects.for_team(first_team).filter(turns__isnull=False):
        numbers = list(invite.turns.values_list("turn_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))


def test_it_changes_nothing_when_run_twice(output: str) -> None:
    before = row_counts()
    assert seed() == output
    assert row_counts() == before


def test_it_fills_in_what_is_missing_on_a_second_run(output: str) -> None:
    before = row_counts()
    # Deleting a candidate cascades to their invites, answers, transcript, reviews.
    deleted, _ = Candidate.objects.filter(email="amara.adeyemi@example.com").delete()
    assert deleted > 10
    seed()
    assert row_counts() == before


def test_if_empty_seeds_an_empty_database(db) -> None:
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", "--recordings", "0", stdout=out)
    assert Team.objects.filter(slug="northwind-engineering").exists()
    assert "Demo data is ready" in out.getvalue()


def test_if_empty_adds_nothing_on_a_warm_start_and_prints_the_sign_ins(output: str) -> None:
    before = row_counts()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert row_counts() == before
    assert "Demo data is ready" not in out.getvalue()
    assert "recruiter@panelist.demo" in out.getvalue()


def test_if_empty_leaves_a_database_of_real_users_alone(django_user_model) -> None:
    django_user_model.objects.create_user("someone@example.com", "a-long-password-1")
    before = row_counts()
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert row_counts() == before
    assert "no demo data added" in out.getvalue()
    assert not Organization.objects.filter(name="Northwind Talent").exists()


def test_recorded_answers_are_real_webm_opus_spoken_from_their_transcripts(
    first_team: Team,
) -> None:
    import av

    recorded = list(Answer.objects.for_team(first_team).exclude(media=""))
    invites = {a.candidate_interview_id for a in recorded}
    for answer in recorded:
        assert answer.status == Answer.Status.SUBMITTED  # left for the pipeline
        assert answer.interview_question.kind == InterviewQuestion.Kind.AUDIO
        with answer.media.open("rb") as handle, av.open(handle) as container:
            assert container.format.name.startswith("matroska,webm")
            stream = container.streams.audio[0]
            assert stream.codec_context.name == "opus"
            seconds = sum(frame.samples for frame in container.decode(stream)) / stream.rate
        assert abs(seconds - float(answer.duration_seconds)) < 0.2
        assert seconds > 3
    # The first reviews a newcomer opens: the top of the Backend Engineer's Results (its three
    # most recently completed invites) and the head of the hiring manager's queue.
    newest = (
        CandidateInterview.objects.for_team(first_team)
        .filter(interview__title="Backend Engineer", status="COMPLETED")
        .order_by("-completed_at")[:3]
    )
    manager = Membership.objects.get(user__email="manager@panelist.demo", team=first_team)
    head = review_queue(membership=manager).first()
    assert head is not None
    assert invites == {i.pk for i in newest} | {head.pk}


def test_recorded_answers_are_transcribed_and_evaluated_by_the_pipeline(
    db, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--recordings", "1", stdout=io.StringIO())
    recorded = list(Answer.objects.exclude(media="").select_related("candidate_interview"))
    invite = recorded[0].candidate_interview
    for answer in recorded:
        assert answer.status == Answer.Status.PROCESSED, answer.processing
        # Whisper heard the TTS: most of the words of the planned transcript come back.
        words = set(answer.transcript.lower().replace(",", " ").replace(".", " ").split())
        assert len(words) >= 10
        assert Turn.objects.filter(answer=answer, role=Turn.Role.CANDIDATE).exists()
        # Judged on the interview's generic scorecard, the offline evaluator gives no advice
        # rather than a misleading figure (docs/ai.md), and says why.
        evaluation = Evaluation.objects.get(answer=answer, is_current=True)
        assert evaluation.status == Evaluation.Status.ABSTAINED
        assert "judged on the interview's generic scorecard" in evaluation.error
        assert not evaluation.scores.exists()
    # Each invite's report (its whole-interview evaluation) rests on the answers that were
    # evaluated, and its transcript lines follow the invite's other lines without a clash.
    for invite in {a.candidate_interview for a in recorded}:
        report = Evaluation.objects.get(candidate_interview=invite, answer=None, is_current=True)
        assert report.status in (Evaluation.Status.COMPLETED, Evaluation.Status.REFUSED)
        numbers = list(invite.turns.values_list("turn_number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1))
