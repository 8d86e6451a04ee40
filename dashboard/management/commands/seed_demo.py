"""``manage.py seed_demo``: a demo organization to click through.

Two teams, one login per role, three interviews (one per interview type, using all three
question kinds and all six survey types), 60 candidates with invites in every status, answers,
transcripts, AI evaluations, scorecards and comments.

Idempotent: every object is found by a natural key (the organization's name, a team's slug,
a user's email, a question's title in its team, an invite's token hash, an answer's invite,
question and attempt, …) and only what is missing is created, so a second run adds nothing.
Invite tokens derive from fixed strings and the password is public: demo data only, never
for a production database.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone

from accounts.models import Membership, Organization, Role, Team, User
from accounts.services import team_create
from candidates.models import (
    Answer,
    Candidate,
    CandidateInterview,
    Comment,
    CriterionScore,
    Evaluation,
    InviteDelivery,
    Rating,
    Scorecard,
    Turn,
)
from candidates.services.processing import candidate_interview_process_enqueue, survey_score
from candidates.services.sms_consent import FORM_WORDING
from interviews.counters import interview_counts_recount
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
from interviews.selectors import interview_scorecard_template
from interviews.services.audio import audio_question_request_tts
from interviews.services.interviews import interview_create, interview_question_add

PASSWORD = "panelist-demo"
ORGANIZATION = "Northwind Talent"
ENGINEERING = ("northwind-engineering", "Northwind Engineering")
SALES = ("northwind-sales", "Northwind Sales")

# email, full name, role in the first team, role in the second team (None: not a member)
USERS: tuple[tuple[str, str, Role, Role | None], ...] = (
    ("owner@panelist.demo", "Olivia Bennett", Role.OWNER, Role.OWNER),
    ("admin@panelist.demo", "Marcus Okafor", Role.ADMIN, Role.ADMIN),
    # The README's tour copies an interview to the other team: the recruiter belongs to both.
    ("recruiter@panelist.demo", "Priya Raman", Role.RECRUITER, Role.RECRUITER),
    ("manager@panelist.demo", "Daniel Kowalski", Role.HIRING_MANAGER, None),
)

Status = CandidateInterview.Status
SurveyType = SurveyQuestion.SurveyType
M = TypeVar("M", bound=models.Model)
K = TypeVar("K", bound=Hashable)


# --- What to create ------------------------------------------------------------------------

# Answers come in three qualities: 0 strong, 1 fair, 2 weak.


@dataclass(frozen=True)
class Opt:
    text: str
    weight: str | None = None
    preferred: bool = False


@dataclass(frozen=True)
class Criterion:
    name: str
    description: str
    weight: int = 1


@dataclass(frozen=True)
class AudioSpec:
    title: str
    script: str
    transcripts: tuple[tuple[str, ...], ...]  # by quality; one transcript line per sentence


@dataclass(frozen=True)
class SurveySpec:
    title: str
    text: str
    survey_type: str
    options: tuple[Opt, ...] = ()
    preferred_option: str = ""
    max_character_length: int | None = None
    select_all_for_full_score: bool = False
    knockout: bool = False
    free_text_answers: tuple[str, ...] = ()  # FREE_TEXT only, by quality


@dataclass(frozen=True)
class AITextSpec:
    title: str
    text: str
    rubric: tuple[Criterion, ...]  # description: what a strong answer shows
    answers: tuple[tuple[str, ...], ...]  # by quality; sentences, quoted as evidence


QuestionSpec = AudioSpec | SurveySpec | AITextSpec


@dataclass(frozen=True)
class InterviewSpec:
    title: str
    interview_type: str
    description: str
    keywords: tuple[str, ...]
    questions: tuple[QuestionSpec, ...]
    scorecard: tuple[Criterion, ...]
    settings: dict[str, Any] = field(default_factory=dict)


WORK_AUTHORISATION = SurveySpec(
    title="Work authorisation",
    text="Are you authorised to work in the country where this role is based?",
    survey_type=SurveyType.YES_NO,
    preferred_option=SurveyQuestion.PreferredOption.YES,
    knockout=True,
)

BACKEND = InterviewSpec(
    title="Backend Engineer",
    interview_type=Interview.InterviewType.STANDARD,
    description="Python and Django engineers for the platform team. Recorded video answers.",
    keywords=("Django", "PostgreSQL", "API design", "Celery", "testing"),
    settings={"think_time_seconds": 30, "answer_time_seconds": 180, "retakes_allowed": 1},
    questions=(
        AudioSpec(
            title="Introduce yourself",
            script="Tell us about yourself and the backend systems you have worked on "
            "most recently.",
            transcripts=(
                (
                    "I'm a backend engineer with six years of experience, mostly in Python "
                    "and Django.",
                    "Most recently I led the move of our billing service out of the monolith, "
                    "backed by its own PostgreSQL database.",
                    "I care a lot about testing and observability, so I set up our tracing and "
                    "on-call dashboards.",
                ),
                (
                    "I've been writing Python for about three years.",
                    "At my current job I work on the REST API for our mobile app.",
                    "I mostly fix bugs and add endpoints when product asks for them.",
                ),
                (
                    "I studied computer science and did a bootcamp afterwards.",
                    "I built a few small projects with Flask.",
                    "I'm looking for my first full-time backend role.",
                ),
            ),
        ),
        AudioSpec(
            title="A production incident",
            script="Describe a production incident you helped resolve. What happened, what did "
            "you do, and what changed afterwards?",
            transcripts=(
                (
                    "Last year a migration locked our orders table during peak traffic and "
                    "checkout timed out.",
                    "I rolled the deploy back, then rewrote the migration to add the column "
                    "without a default and backfill it in batches.",
                    "Afterwards we added a CI check that flags locking migrations, and we "
                    "haven't had one since.",
                ),
                (
                    "Our Celery queue backed up one night and emails were delayed by hours.",
                    "I restarted the workers and scaled them up until the queue drained.",
                    "We talked about alerting on queue length, but I'm not sure it happened.",
                ),
                (
                    "I haven't really been on call yet.",
                    "Once a page on our site was slow and my lead fixed it.",
                    "I watched how he used the logs to find the problem.",
                ),
            ),
        ),
        AudioSpec(
            title="Designing for scale",
            script="How would you design an API that needs to handle ten times its current "
            "traffic next year?",
            transcripts=(
                (
                    "First I'd measure where the time goes today, with load tests against "
                    "production-like data.",
                    "Then I'd keep the web tier stateless so it scales out, add read replicas "
                    "and cache the hot read endpoints.",
                    "Anything slow, like exports or emails, moves to background workers behind "
                    "a queue.",
                ),
                (
                    "I would add more servers behind the load balancer.",
                    "We could also add Redis caching for the slow endpoints.",
                    "And make sure the database has the right indexes.",
                ),
                (
                    "I would probably rewrite it in a faster language.",
                    "Maybe Go or Rust would handle more requests.",
                    "I'd have to look into it more.",
                ),
            ),
        ),
        WORK_AUTHORISATION,
        AITextSpec(
            title="Caching trade-offs",
            text="Explain when you would add a cache in front of a database, and what can "
            "go wrong.",
            rubric=(
                Criterion(
                    "Correctness",
                    "Explains read-heavy workloads, hit ratio and where the cache sits.",
                    2,
                ),
                Criterion(
                    "Trade-offs",
                    "Names staleness, invalidation and stampedes, and how to limit them.",
                    2,
                ),
                Criterion("Concrete example", "Grounds the answer in a real example.", 1),
            ),
            answers=(
                (
                    "I add a cache when a read-heavy endpoint queries data that changes far less "
                    "often than it is read, so most requests are served as cache hits.",
                    "The hard part is invalidation: after a write the cache can serve stale data, "
                    "so I delete the key in the same code path as the write, or accept a short "
                    "TTL where staleness is harmless.",
                    "A stampede is another risk when a hot key expires and every request hits "
                    "the database at once; a lock or early refresh avoids it.",
                    "For example, we cached product catalogue pages for 60 seconds and cut "
                    "database load by 80 percent.",
                ),
                (
                    "A cache is useful when the database is slow.",
                    "You store results in Redis so the next request is faster.",
                    "The risk is that the data can be out of date if it changes.",
                ),
                (
                    "Caching makes everything faster, so I would always add one.",
                    "Redis is the best cache.",
                    "I don't think much can go wrong if it is configured correctly.",
                ),
            ),
        ),
    ),
    scorecard=(
        Criterion("Technical depth", "Understands the systems they describe, not just the tools."),
        Criterion("Problem solving", "Breaks problems down and reasons about trade-offs."),
        Criterion("Communication", "Explains clearly to a technical and a non-technical listener."),
        Criterion("Ownership", "Follows through: incidents, tests, documentation.", 2),
    ),
)

SUPPORT = InterviewSpec(
    title="Customer Support Screening",
    interview_type=Interview.InterviewType.QUESTIONNAIRE,
    description="A five-minute screening questionnaire for the customer support team.",
    keywords=("empathy", "refund", "escalation", "Zendesk"),
    settings={"recording_mode": Interview.RecordingMode.AUDIO},
    questions=(
        SurveySpec(
            title="Why customer support?",
            text="In a few sentences, why do you enjoy working in customer support?",
            survey_type=SurveyType.FREE_TEXT,
            max_character_length=500,
            free_text_answers=(
                "I like turning a frustrated customer into a happy one. In my last role I "
                "handled billing questions for a SaaS product and kept a 96% satisfaction "
                "score. I also enjoy writing help articles so the same question doesn't come "
                "up twice.",
                "I enjoy helping people and I'm patient. I worked in retail for two years and "
                "dealt with customers every day.",
                "I need a job that I can do from home.",
            ),
        ),
        SurveySpec(
            title="Weekend shifts",
            text="Can you work one weekend shift per month?",
            survey_type=SurveyType.YES_NO,
            preferred_option=SurveyQuestion.PreferredOption.YES,
            knockout=True,
        ),
        SurveySpec(
            title="High ticket volume",
            text="How do you feel about handling 40 or more tickets a day?",
            survey_type=SurveyType.THUMBS_UP_DOWN,
            options=(Opt("Thumbs up", preferred=True), Opt("Thumbs down")),
        ),
        SurveySpec(
            title="An angry customer",
            text="A customer is angry about a late refund. What do you do first?",
            survey_type=SurveyType.MULTIPLE_CHOICE,
            options=(
                Opt("Acknowledge the frustration and check the refund's status", preferred=True),
                Opt("Explain the refund policy"),
                Opt("Escalate to a manager"),
                Opt("Offer a discount code"),
            ),
        ),
        SurveySpec(
            title="Help-desk experience",
            text="How much experience do you have with help-desk software such as Zendesk?",
            survey_type=SurveyType.MULTIPLE_CHOICE_WEIGHTED,
            options=(
                Opt("More than 3 years", weight="3"),
                Opt("1 to 3 years", weight="2"),
                Opt("Less than a year", weight="1"),
                Opt("None yet", weight="0"),
            ),
        ),
        SurveySpec(
            title="Support languages",
            text="Which languages can you support customers in? Select all that apply.",
            survey_type=SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER,
            select_all_for_full_score=True,
            options=(
                Opt("English", preferred=True),
                Opt("Spanish", preferred=True),
                Opt("French"),
                Opt("German"),
            ),
        ),
    ),
    scorecard=(
        Criterion("Empathy", "Puts the customer's problem first."),
        Criterion("Written communication", "Clear, friendly, correct."),
        Criterion("Availability", "Fits the shifts the team needs."),
    ),
)

PRODUCT_MANAGER = InterviewSpec(
    title="Product Manager – AI interview",
    interview_type=Interview.InterviewType.AI,
    description="Written answers scored against a rubric by the built-in evaluator.",
    keywords=("roadmap", "metrics", "A/B test", "stakeholders"),
    settings={"ai_style": "conversational", "ai_seniority": "senior", "ai_tone": "friendly"},
    questions=(
        AITextSpec(
            title="Prioritisation",
            text="You have three customer requests and capacity for only one this quarter. "
            "How do you decide which one to build?",
            rubric=(
                Criterion("Framework", "Compares impact, effort and strategic fit explicitly.", 2),
                Criterion("Customer evidence", "Uses usage data, revenue at stake and reach.", 2),
                Criterion("Communicating the decision", "Shares the trade-off with stakeholders."),
            ),
            answers=(
                (
                    "I'd start by writing down the problem behind each request rather than the "
                    "feature that was asked for.",
                    "Then I'd compare them on impact, reach, confidence and effort, using usage "
                    "data and the revenue of the accounts asking.",
                    "I'd check each against our strategy for the year, because a smaller request "
                    "that moves our main goal can beat a louder one.",
                    "Finally I'd explain the decision and the trade-off to the customers and the "
                    "sales team, with a date to revisit the other two.",
                ),
                (
                    "I would ask which customer is the biggest and start there.",
                    "I'd also ask engineering how long each one takes.",
                    "Then I'd pick the one with the best balance.",
                ),
                (
                    "I would build the one the CEO wants.",
                    "The others can wait until next quarter.",
                    "Customers usually understand.",
                ),
            ),
        ),
        AITextSpec(
            title="Measuring success",
            text="How would you measure whether a new onboarding flow is working?",
            rubric=(
                Criterion("Metrics", "Defines a primary metric tied to activation.", 2),
                Criterion("Experiment design", "Proposes a controlled comparison, sized ahead.", 2),
                Criterion("Guardrails", "Watches side effects such as tickets or churn."),
            ),
            answers=(
                (
                    "I'd define activation first, for example the share of new teams that send "
                    "their first invite within seven days.",
                    "Then I'd run an A/B test against the old flow, sized in advance so we can "
                    "detect a two-point change.",
                    "As guardrails I'd watch support tickets and 30-day retention, so we don't "
                    "win activation by rushing people through.",
                ),
                (
                    "I'd look at how many people finish the onboarding flow.",
                    "If more people finish it than before, it's working.",
                    "We could also send a survey.",
                ),
                (
                    "I would ask users if they like it.",
                    "If the feedback is positive it's a success.",
                    "Page views would also go up.",
                ),
            ),
        ),
        AITextSpec(
            title="Disagreeing with engineering",
            text="Tell us about a time you disagreed with an engineering lead. "
            "How did you resolve it?",
            rubric=(
                Criterion(
                    "Collaboration", "Seeks the other view and reaches a shared decision.", 2
                ),
                Criterion("Outcome", "Describes a concrete result."),
                Criterion("Reflection", "Says what they learned or would do differently."),
            ),
            answers=(
                (
                    "Our engineering lead wanted to pause features for a quarter to rewrite the "
                    "billing code, and I thought we would lose a key renewal.",
                    "I asked her to walk me through the incidents the old code had caused, and "
                    "saw the risk was bigger than I had assumed.",
                    "We split the rewrite into three milestones and shipped the renewal feature "
                    "on the new code in the second one.",
                    "The renewal closed, and I learned to ask what not doing technical work "
                    "costs before arguing against it.",
                ),
                (
                    "An engineer thought a feature would take too long.",
                    "We had a meeting and cut the scope.",
                    "In the end we shipped a smaller version.",
                ),
                (
                    "I don't usually disagree with engineers.",
                    "They know the technical side better than me.",
                    "I just follow their estimates.",
                ),
            ),
        ),
    ),
    scorecard=(
        Criterion("Product sense", "Finds the problem behind the request."),
        Criterion("Analytical thinking", "Decides with data and says how they would measure."),
        Criterion("Communication", "Structured, concise, adapts to the audience."),
        Criterion("Leadership", "Brings engineering, design and sales along."),
    ),
)

ACCOUNT_EXECUTIVE = InterviewSpec(
    title="Account Executive",
    interview_type=Interview.InterviewType.STANDARD,
    description="Mid-market account executives for the sales team.",
    keywords=("pipeline", "quota", "champion"),
    settings={"recording_mode": Interview.RecordingMode.AUDIO},
    questions=(
        AudioSpec(
            title="Your best deal",
            script="Walk us through the best deal you have closed: the customer, the obstacles "
            "and how you won it.",
            transcripts=(
                (
                    "My best deal was a three-year contract with a regional hospital group.",
                    "The obstacle was their security review, so I brought our security engineer "
                    "to the second call and answered every question in writing within a week.",
                    "We won because I had mapped every stakeholder and had a champion in finance.",
                ),
                (
                    "I closed a deal with a logistics company last quarter.",
                    "It took about four months and a lot of follow-up emails.",
                    "In the end they signed because our price was lower.",
                ),
                (
                    "I've mostly worked on inbound leads.",
                    "The customers usually know what they want already.",
                    "I send them the contract.",
                ),
            ),
        ),
        AudioSpec(
            title="Managing your pipeline",
            script="How do you keep your pipeline healthy when you are already close to quota?",
            transcripts=(
                (
                    "I block two mornings a week for prospecting, however the quarter is going.",
                    "Every Friday I review open opportunities and drop those without a next step.",
                    "That keeps next quarter's pipeline at three times quota.",
                ),
                (
                    "I keep my CRM up to date.",
                    "When I'm close to quota I focus on closing.",
                    "Then I start prospecting again at the beginning of the next quarter.",
                ),
                (
                    "If I'm close to quota I relax a bit.",
                    "The pipeline usually fills up on its own.",
                    "Marketing sends leads.",
                ),
            ),
        ),
        SurveySpec(
            title="Travel",
            text="Are you able to travel to customer sites up to twice a month?",
            survey_type=SurveyType.YES_NO,
            preferred_option=SurveyQuestion.PreferredOption.YES,
            knockout=True,
        ),
    ),
    scorecard=(
        Criterion("Discovery", "Finds the customer's real problem and budget."),
        Criterion("Closing", "Moves deals to signature without discounting them away."),
        Criterion("Pipeline discipline", "Keeps the pipeline honest and full."),
    ),
)

FIRST_NAMES = (
    "Amara", "Ben", "Chloé", "Diego", "Elena", "Farid", "Grace", "Hiroshi", "Isabel", "Jamal",
    "Katarzyna", "Liam", "Mei", "Noah", "Olumide", "Priya", "Quentin", "Rosa", "Samir", "Tara",
    "Umar", "Valentina", "Wei", "Ximena", "Yusuf", "Zoe", "Aisha", "Bruno", "Camille", "Dmitri",
)  # fmt: skip
LAST_NAMES = (
    "Adeyemi", "Bauer", "Castillo", "Dubois", "Eriksen", "Fischer", "García", "Haddad",
    "Ivanova", "Jensen", "Kim", "Lindqvist", "Moreau", "Nakamura", "O'Connor", "Patel", "Quinn",
    "Rossi", "Schmidt", "Tanaka", "Uddin", "Vasquez", "Walsh", "Xu", "Yilmaz", "Zhang",
    "Abbott", "Brennan", "Chen", "Desai",
)  # fmt: skip
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")

# Status of each first-team candidate's invite, by candidate number modulo 10. With three
# interviews (candidate number modulo 3) every interview gets every status.
STATUS_CYCLE = (
    Status.COMPLETED, Status.INVITED, Status.COMPLETED, Status.IN_PROGRESS, Status.COMPLETED,
    Status.EXPIRED, Status.DRAFT, Status.COMPLETED, Status.CANCELLED, Status.IN_PROGRESS,
)  # fmt: skip
SECOND_TEAM_STATUSES = (
    Status.COMPLETED, Status.IN_PROGRESS, Status.INVITED, Status.DRAFT, Status.COMPLETED,
)  # fmt: skip
FIRST_TEAM_CANDIDATES = 60
# The Backend Engineer's most recently completed invites (the top of its Results) get real
# recordings: the sentences of their transcripts spoken by the offline TTS into WebM/Opus, then
# transcribed and evaluated by the worker's pipeline, as a candidate's answers would be.
RECORDED_INVITES = 3
RECORDING_VOICES = ("en-us", "en-gb", "en-us")

MANAGER_COMMENTS = (
    "Strong on the incident question; worth a follow-up on their migration tooling.",
    "Clear communicator. I'd like to see more depth on scaling.",
    "Not a fit for this level, but maybe for the junior opening.",
    "Let's invite them to the final round.",
)
RECRUITER_COMMENTS = (
    "Asked about remote work: told them hybrid, two days in the office.",
    "Salary expectations are within the band.",
)
EVALUATION_SUMMARIES = (
    "Covers every criterion with specific, relevant detail.",
    "Answers the question but stays general; thin evidence for some criteria.",
    "Misses most of what the rubric asks for.",
)
RATIONALES = {
    5: "Meets the criterion fully, with concrete detail.",
    4: "Meets the criterion with minor gaps.",
    3: "Partly meets the criterion.",
    2: "Touches the criterion without substance.",
    1: "Does not address the criterion.",
}
SCORECARD_NOTES = {
    Scorecard.Recommendation.STRONG_YES: "Excellent across the board; move forward.",
    Scorecard.Recommendation.YES: "Solid; a few areas to probe in the next round.",
    Scorecard.Recommendation.NO: "Not strong enough for this role right now.",
    Scorecard.Recommendation.STRONG_NO: "Clear gaps on the essentials.",
}


# --- Helpers -------------------------------------------------------------------------------


def _first_or_create(model: type[M], defaults: dict[str, Any] | None = None, **lookup: Any) -> M:
    """The oldest row matching ``lookup``, or a new one (``get_or_create`` minus the
    MultipleObjectsReturned when someone has since added a look-alike)."""
    obj = model._default_manager.filter(**lookup).order_by("pk").first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **(defaults or {}))
    return obj


def _ensure(
    model: type[M], wanted: Iterable[M], key: Callable[[M], K], existing: Iterable[M]
) -> tuple[dict[K, M], list[M]]:
    """Insert the ``wanted`` rows whose natural key is not in ``existing``.

    Returns every row (existing or new) by key, and the new rows.
    """
    by_key = {key(obj): obj for obj in existing}
    missing: list[M] = []
    for obj in wanted:
        k = key(obj)
        if k not in by_key:
            by_key[k] = obj
            missing.append(obj)
    model._default_manager.bulk_create(missing)
    return by_key, missing


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and c.isalnum()).lower()


def _clamp(score: int) -> int:
    return max(1, min(5, score))


# --- Teams, people, interviews ---------------------------------------------------------------


@dataclass
class SeededItem:
    item: InterviewQuestion
    spec: QuestionSpec
    options: list[SurveyOption]
    criteria: list[RubricCriterion]


@dataclass
class SeededInterview:
    interview: Interview
    spec: InterviewSpec
    items: list[SeededItem]
    template: ScorecardTemplate
    scorecard_criteria: list[ScorecardCriterion]


def _seed_users() -> dict[str, User]:
    users = {}
    for email, full_name, _, _ in USERS:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, PASSWORD, full_name=full_name)
        users[email] = user
    return users


def _seed_team(
    organization: Organization, slug: str, name: str, users: dict[str, User], column: int
) -> Team:
    owner = users[USERS[0][0]]
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        team = team_create(organization=organization, name=name, slug=slug, by=owner)
    for email, _, *roles in USERS:
        role = roles[column]
        if role is not None:
            Membership.objects.get_or_create(user=users[email], team=team, defaults={"role": role})
    return team


def _seed_question(
    team: Team, spec: QuestionSpec, by: User, narrator: Narrator
) -> tuple[
    AudioQuestion | SurveyQuestion | AITextQuestion, list[SurveyOption], list[RubricCriterion]
]:
    if isinstance(spec, AudioSpec):
        audio = _first_or_create(
            AudioQuestion,
            team=team,
            title=spec.title,
            defaults={
                "question_script": spec.script,
                "narrator": narrator,
                "created_by": by,
                "audio_type": AudioQuestion.AudioType.TTS,
                "transcription_status": AudioQuestion.TranscriptionStatus.PENDING,
            },
        )
        if not audio.audio_script_hash:
            # New here: the worker speaks the script (after the seeding transaction commits).
            audio_question_request_tts(question=audio)
        return audio, [], []
    if isinstance(spec, SurveySpec):
        survey = _first_or_create(
            SurveyQuestion,
            team=team,
            title=spec.title,
            defaults={
                "question_text": spec.text,
                "survey_type": spec.survey_type,
                "created_by": by,
                "preferred_option": spec.preferred_option,
                "max_character_length": spec.max_character_length,
                "select_all_for_full_score": spec.select_all_for_full_score,
            },
        )
        options, _ = _ensure(
            SurveyOption,
            (
                SurveyOption(
                    question=survey,
                    text=opt.text,
                    ordinal=n,
                    is_preferred=opt.preferred,
                    weight=Decimal(opt.weight) if opt.weight is not None else None,
                )
                for n, opt in enumerate(spec.options, start=1)
            ),
            key=lambda o: o.ordinal,
            existing=survey.options.all(),
        )
        return survey, [options[k] for k in sorted(options)], []
    ai_text = _first_or_create(
        AITextQuestion,
        team=team,
        title=spec.title,
        defaults={"question_text": spec.text, "created_by": by},
    )
    criteria, _ = _ensure(
        RubricCriterion,
        (
            RubricCriterion(
                question=ai_text,
                name=c.name,
                strong_answer=c.description,
                weight=c.weight,
                ordinal=n,
            )
            for n, c in enumerate(spec.rubric, start=1)
        ),
        key=lambda c: c.ordinal,
        existing=ai_text.criteria.all(),
    )
    return ai_text, [], [criteria[k] for k in sorted(criteria)]


def _seed_interview(
    team: Team, spec: InterviewSpec, by: User, narrator: Narrator
) -> SeededInterview:
    interview = Interview.objects.filter(team=team, title=spec.title).order_by("pk").first()
    if interview is None:
        interview = interview_create(
            team=team,
            title=spec.title,
            by=by,
            interview_type=spec.interview_type,
            description=spec.description,
            narrator=narrator,
            scorecard_name=f"{spec.title} scorecard",
            scorecard_criteria=[
                {"name": c.name, "description": c.description, "weight": c.weight}
                for c in spec.scorecard
            ],
            **spec.settings,
        )
    seeded = {}
    for question_spec in spec.questions:
        question, options, criteria = _seed_question(team, question_spec, by, narrator)
        seeded[question.pk] = (question_spec, question, options, criteria)
    items_with_questions = interview.items.select_related(
        "audio_question", "survey_question", "ai_text_question"
    )
    linked = {item.question.pk for item in items_with_questions}
    for question_spec, question, _, _ in seeded.values():
        if question.pk not in linked:
            knockout = isinstance(question_spec, SurveySpec) and question_spec.knockout
            interview_question_add(interview=interview, question=question, knockout=knockout)
    items = []
    for item in items_with_questions.order_by("ordinal"):
        if item.question.pk in seeded:
            question_spec, _, options, criteria = seeded[item.question.pk]
            items.append(SeededItem(item, question_spec, options, criteria))

    _ensure(
        Keyword,
        (Keyword(interview=interview, text=text) for text in spec.keywords),
        key=lambda k: k.text,
        existing=interview.keywords.all(),
    )
    template = interview_scorecard_template(interview) or _first_or_create(
        ScorecardTemplate, team=team, interview=interview, name=f"{spec.title} scorecard"
    )
    scorecard_criteria, _ = _ensure(
        ScorecardCriterion,
        (
            ScorecardCriterion(
                template=template,
                name=c.name,
                description=c.description,
                weight=c.weight,
                ordinal=n,
            )
            for n, c in enumerate(spec.scorecard, start=1)
        ),
        key=lambda c: c.ordinal,
        existing=template.criteria.all(),
    )
    return SeededInterview(
        interview,
        spec,
        items,
        template,
        [scorecard_criteria[k] for k in sorted(scorecard_criteria)],
    )


# --- Candidates and everything that happens to them -------------------------------------------


@dataclass(frozen=True)
class PlannedInvite:
    seq: int  # position in the team's plan; drives every "random" choice
    candidate: int  # candidate number, also the index into the name lists
    interview: int  # index into the team's interviews
    status: str

    @property
    def quality(self) -> int:
        """Strong (0), fair (1) or weak (2): mostly strong and fair, some weak."""
        return (0, 1, 0, 2, 1)[(self.candidate * 7 + self.interview) % 5]

    def variant(self, ordinal: int) -> int:
        """The quality of one answer: the candidate's, now and then a notch lower."""
        return min(self.quality + ((self.seq + ordinal) % 4 == 0), 2)


def _first_team_plan() -> list[PlannedInvite]:
    rows = []
    for n in range(FIRST_TEAM_CANDIDATES):
        rows.append((n, n % 3, STATUS_CYCLE[n % 10]))
        if n % 4 == 3:  # some candidates take a second interview
            rows.append((n, (n + 1) % 3, STATUS_CYCLE[(n + 3) % 10]))
    return [PlannedInvite(seq, *row) for seq, row in enumerate(rows)]


def _second_team_plan() -> list[PlannedInvite]:
    first = FIRST_TEAM_CANDIDATES  # names after the first team's, so nobody is in both
    return [
        PlannedInvite(seq, first + seq, 0, status)
        for seq, status in enumerate(SECOND_TEAM_STATUSES)
    ]


def _candidate(team: Team, number: int, by: User) -> Candidate:
    first = FIRST_NAMES[number % len(FIRST_NAMES)]
    # Shifting the last name by one every round of first names keeps every pair unique.
    last = LAST_NAMES[(number * 7 + number // len(FIRST_NAMES)) % len(LAST_NAMES)]
    domain = EMAIL_DOMAINS[number % len(EMAIL_DOMAINS)]
    return Candidate(
        team=team,
        first_name=first,
        last_name=last,
        created_by=by,
        email=f"{_ascii(first)}.{_ascii(last)}@{domain}",
        # +1 415 555-0100 to -0199: reserved for fiction, and valid E.164 all the same.
        phone=f"+1415555{100 + number:04d}" if number % 5 else "",
        external_id=f"ATS-{10_000 + number}" if number % 3 == 0 else "",
    )


@dataclass
class Timeline:
    created_at: datetime
    updated_at: datetime
    invited_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    expires_at: datetime | None = None


def _timeline(plan: PlannedInvite, now: datetime) -> Timeline:
    """Timestamps that agree with the status: nothing in the future but expiry dates."""
    s = plan.seq
    days, hours = timedelta(days=1), timedelta(hours=1)
    if plan.status == Status.DRAFT:
        created = now - (1 + s % 5) * days - (s % 7) * hours
        return Timeline(created_at=created, updated_at=created)
    invited = {
        Status.INVITED: now - (1 + s % 9) * days,
        Status.IN_PROGRESS: now - (2 + s % 10) * days,
        Status.COMPLETED: now - (4 + s % 35) * days,
        Status.CANCELLED: now - (3 + s % 20) * days,
        Status.EXPIRED: now - (20 + s % 25) * days,
    }[Status(plan.status)] - (s % 11) * hours
    t = Timeline(
        created_at=invited - timedelta(minutes=10),
        updated_at=invited,
        invited_at=invited,
        expires_at=invited + 21 * days,
    )
    if plan.status in (Status.IN_PROGRESS, Status.COMPLETED):
        t.started_at = invited + days + (s % 5) * hours
        t.updated_at = t.started_at
    if plan.status == Status.COMPLETED:
        assert t.started_at is not None
        t.completed_at = t.started_at + timedelta(minutes=18 + s % 25)
        t.updated_at = t.completed_at
    if plan.status == Status.CANCELLED:
        t.cancelled_at = t.updated_at = invited + days + 3 * hours
    if plan.status == Status.EXPIRED:
        t.expires_at = t.updated_at = invited + 14 * days
        if s % 2 == 0:  # expired part-way through
            t.started_at = invited + 2 * days
    return t


def _answered_items(plan: PlannedInvite, interview: SeededInterview) -> list[SeededItem]:
    if plan.status == Status.COMPLETED:
        return interview.items
    if plan.status == Status.IN_PROGRESS and plan.seq % 3:
        return interview.items[: (len(interview.items) + 1) // 2]
    return []


@dataclass
class PlannedAnswer:
    answer: Answer
    item: SeededItem
    variant: int
    options: list[SurveyOption]
    sentences: tuple[str, ...]  # a transcript (audio) or the written answer (AI text)


def _plan_answer(
    plan: PlannedInvite,
    invite: CandidateInterview,
    item: SeededItem,
    submitted_at: datetime,
    *,
    recorded: bool = False,
) -> PlannedAnswer:
    v = plan.variant(item.item.ordinal)
    answer = Answer(
        candidate_interview=invite,
        interview_question=item.item,
        attempt=1,
        status=Answer.Status.SUBMITTED,
        submitted_at=submitted_at,
    )
    spec, options = item.spec, item.options
    chosen: list[SurveyOption] = []
    sentences: tuple[str, ...] = ()
    if isinstance(spec, AudioSpec):
        sentences = spec.transcripts[v]
        if not recorded:  # a recorded answer is processed by the pipeline (_record)
            answer.status = Answer.Status.PROCESSED
            answer.duration_seconds = round(sum(_speech_seconds(s) + 0.6 for s in sentences) + 1, 1)
    elif isinstance(spec, AITextSpec):
        sentences = spec.answers[v]
        answer.text = " ".join(sentences)
    elif spec.survey_type == SurveyType.FREE_TEXT:
        answer.text = spec.free_text_answers[v]
    elif spec.survey_type == SurveyType.YES_NO:
        said_no = v == 2 and plan.seq % 2 == 0
        answer.text = "NO" if said_no else "YES"
    elif spec.survey_type == SurveyType.MULTIPLE_CHOICE_MULTIPLE_ANSWER:
        preferred = [o for o in options if o.is_preferred]
        others = [o for o in options if not o.is_preferred]
        chosen = [preferred, [preferred[0], others[0]], [others[plan.seq % len(others)]]][v]
    elif spec.survey_type == SurveyType.MULTIPLE_CHOICE_WEIGHTED:
        by_weight = sorted(options, key=lambda o: o.weight or 0, reverse=True)
        chosen = [by_weight[min(v + plan.seq % 2, len(by_weight) - 1)]]
    else:  # THUMBS_UP_DOWN, MULTIPLE_CHOICE: the preferred option unless the answer is weak
        others = [o for o in options if not o.is_preferred]
        preferred_option = next(o for o in options if o.is_preferred)
        chosen = [preferred_option] if v < 2 else [others[plan.seq % len(others)]]
    if isinstance(spec, SurveySpec):
        # The same scoring as the processing pipeline: one source of truth for every rule.
        answer.survey_score, answer.knockout_flagged = survey_score(
            item=item.item, text=answer.text, chosen=chosen, options=options
        )
    return PlannedAnswer(answer, item, v, chosen, sentences)


def _speech_seconds(sentence: str) -> float:
    return round(len(sentence.split()) / 2.6, 1)  # about 156 words a minute


def _plan_turns(
    invite: CandidateInterview, answers: list[tuple[PlannedAnswer, Answer]], *, recorded: bool
) -> list[Turn]:
    """Transcript lines. A recorded answer's lines are timed from the start of its recording;
    an AI interview's conversation is timed from the start of the interview. An answer with a
    real recording gets its lines from the transcription instead."""
    turns: list[Turn] = []
    clock = 0.0
    for planned, answer in answers:
        spec = planned.item.spec
        if isinstance(spec, SurveySpec) or (recorded and isinstance(spec, AudioSpec)):
            continue
        if isinstance(spec, AudioSpec):
            clock = 0.5
        else:
            spoken = _speech_seconds(spec.text)
            turns.append(
                Turn(
                    candidate_interview=invite,
                    turn_number=len(turns) + 1,
                    role=Turn.Role.AGENT,
                    content=spec.text,
                    start_seconds=clock,
                    end_seconds=round(clock + spoken, 1),
                )
            )
            clock = round(clock + spoken + 2.0, 1)
        for sentence in planned.sentences:
            end = round(clock + _speech_seconds(sentence), 1)
            turns.append(
                Turn(
                    candidate_interview=invite,
                    answer=answer,
                    turn_number=len(turns) + 1,
                    role=Turn.Role.CANDIDATE,
                    content=sentence,
                    start_seconds=clock,
                    end_seconds=end,
                )
            )
            clock = round(end + 0.6, 1)
        clock += 1.5
    return turns


def _recommendation(average: float) -> str:
    rec = Scorecard.Recommendation
    if average >= 4.25:
        return rec.STRONG_YES
    if average >= 3.25:
        return rec.YES
    return rec.NO if average >= 2.25 else rec.STRONG_NO


def _seed_candidates(
    team: Team,
    interviews: list[SeededInterview],
    plan: list[PlannedInvite],
    *,
    recruiter: User,
    reviewer: User,
    now: datetime,
    recorded_invites: int = 0,
) -> list[CandidateInterview]:
    """Seed the team's candidates and what happened to them; return the invites whose answers
    have real recordings that this run made (for the pipeline to transcribe and evaluate)."""
    # Candidates, keyed on their email.
    numbers = sorted({p.candidate for p in plan})
    candidates, new_candidates = _ensure(
        Candidate,
        (_candidate(team, n, recruiter) for n in numbers),
        key=lambda c: c.email.lower(),
        existing=Candidate.objects.for_team(team),
    )
    candidate_by_number = {
        n: candidates[_candidate(team, n, recruiter).email.lower()] for n in numbers
    }

    # Invites, keyed on their token hash.
    timelines = {p.seq: _timeline(p, now) for p in plan}
    tokens = {
        p.seq: hashlib.sha256(
            f"panelist-demo:{team.slug}:{p.candidate}:{interviews[p.interview].spec.title}".encode()
        ).hexdigest()
        for p in plan
    }
    wanted = []
    for p in plan:
        t, candidate = timelines[p.seq], candidate_by_number[p.candidate]
        interview = interviews[p.interview]
        wanted.append(
            CandidateInterview(
                team=team,
                candidate=candidate,
                interview=interview.interview,
                status=p.status,
                token_hash=tokens[p.seq],
                created_by=recruiter,
                delivery_types=["email", "sms"] if candidate.phone else ["email"],
                # Texts only with a recorded agreement (as the invite form records it).
                sms_opt_in=True if candidate.phone else None,
                sms_opt_in_wording=FORM_WORDING if candidate.phone else "",
                sms_opt_in_at=t.invited_at if candidate.phone else None,
                invited_at=t.invited_at,
                started_at=t.started_at,
                completed_at=t.completed_at,
                cancelled_at=t.cancelled_at,
                expires_at=t.expires_at,
                question_order=[str(i.item.pk) for i in interview.items],
                attempts_used=1 if t.started_at else 0,
            )
        )
    invites, new_invites = _ensure(
        CandidateInterview,
        wanted,
        key=lambda i: i.token_hash,
        existing=CandidateInterview.objects.for_team(team),
    )
    invite_by_seq = {p.seq: invites[tokens[p.seq]] for p in plan}
    recorded = _recorded_seqs(plan, timelines, interviews, recorded_invites)

    # auto_now_add stamped the new rows with today; give them their history instead.
    seq_by_token = {tokens[p.seq]: p.seq for p in plan}
    for invite in new_invites:
        t = timelines[seq_by_token[invite.token_hash]]  # type: ignore[index]
        invite.created_at, invite.updated_at = t.created_at, t.updated_at
    CandidateInterview.objects.bulk_update(new_invites, ["created_at", "updated_at"])
    # The seeded statuses are history, written without the services that keep the counters.
    interview_counts_recount(interview_ids={i.interview_id for i in new_invites})
    new_candidate_ids = {c.pk for c in new_candidates}
    for number in numbers:
        candidate = candidate_by_number[number]
        if candidate.pk in new_candidate_ids:
            mine = [timelines[p.seq] for p in plan if p.candidate == number]
            candidate.created_at = min(t.created_at for t in mine) - timedelta(hours=2)
            candidate.last_activity_at = max(t.updated_at for t in mine)
    Candidate.objects.bulk_update(new_candidates, ["created_at", "last_activity_at"])

    # Delivery log: one email per sent invite, and a text message when there is a phone.
    deliveries = []
    for p in plan:
        invite = invite_by_seq[p.seq]
        if invite.invited_at is None:
            continue
        for channel in invite.delivery_types:
            deliveries.append(
                InviteDelivery(
                    candidate_interview=invite,
                    channel=channel,
                    status=InviteDelivery.Status.SENT,
                    attempts=1,
                    sent_at=invite.invited_at,
                    provider_message_id=f"demo-{channel}-{team.slug}-{p.seq}",
                )
            )
    _ensure(
        InviteDelivery,
        deliveries,
        key=lambda d: (d.candidate_interview_id, d.channel, d.purpose),
        existing=InviteDelivery.objects.for_team(team),
    )

    # Answers, keyed on (invite, question, attempt).
    planned_answers: dict[int, list[PlannedAnswer]] = {}
    for p in plan:
        invite, t = invite_by_seq[p.seq], timelines[p.seq]
        answered = _answered_items(p, interviews[p.interview])
        if answered:
            assert t.started_at is not None
            planned_answers[p.seq] = [
                _plan_answer(
                    p,
                    invite,
                    item,
                    t.started_at + timedelta(minutes=3 * (k + 1)),
                    recorded=p.seq in recorded,
                )
                for k, item in enumerate(answered)
            ]
    answers, new_answers = _ensure(
        Answer,
        (pa.answer for pas in planned_answers.values() for pa in pas),
        key=_answer_key,
        existing=Answer.objects.for_team(team),
    )
    saved = {
        seq: [(pa, answers[_answer_key(pa.answer)]) for pa in pas]
        for seq, pas in planned_answers.items()
    }
    new_ids = {a.pk for a in new_answers}
    Answer.selected_options.through.objects.bulk_create(
        [
            Answer.selected_options.through(answer_id=answer.pk, surveyoption_id=option.pk)
            for pairs in saved.values()
            for pa, answer in pairs
            if answer.pk in new_ids
            for option in pa.options
        ]
    )

    # Transcript lines, keyed on (invite, turn number).
    _ensure(
        Turn,
        (
            turn
            for seq, pairs in saved.items()
            for turn in _plan_turns(invite_by_seq[seq], pairs, recorded=seq in recorded)
        ),
        key=lambda t: (t.candidate_interview_id, t.turn_number),
        existing=Turn.objects.for_team(team),
    )

    # Real recordings: spoken, encoded and left for the pipeline (which evaluates them too).
    with_recordings = _record(
        [(p, saved.get(p.seq, [])) for p in plan if p.seq in recorded], new_ids
    )

    # AI evaluations of written answers, for two completed invites in three.
    evaluations, scores = [], []
    for p in plan:
        if p.status != Status.COMPLETED or p.seq % 3 == 2 or p.seq in recorded:
            continue
        invite = invite_by_seq[p.seq]
        assert invite.completed_at is not None
        for pa, answer in saved.get(p.seq, []):
            if not pa.item.criteria:
                continue
            evaluation = Evaluation(
                candidate_interview=invite,
                answer=answer,
                status=Evaluation.Status.COMPLETED,
                provider="builtin",
                model_name="multilingual-e5-small-q4",
                prompt_version="1",
                version=1,
                summary=EVALUATION_SUMMARIES[pa.variant],
                completed_at=invite.completed_at + timedelta(minutes=4),
            )
            total = weights = 0
            for criterion in pa.item.criteria:
                score = _clamp((5, 3, 2)[pa.variant] + (0, -1, 1)[(p.seq + criterion.ordinal) % 3])
                total, weights = total + score * criterion.weight, weights + criterion.weight
                scores.append(
                    CriterionScore(
                        evaluation=evaluation,
                        criterion=criterion,
                        criterion_name=criterion.name,
                        score=score,
                        rationale=RATIONALES[score],
                        evidence=pa.sentences[(criterion.ordinal - 1) % len(pa.sentences)],
                    )
                )
            evaluation.overall_score = (Decimal(total) / weights).quantize(Decimal("0.01"))
            evaluations.append(evaluation)
    evaluations_by_key, _ = _ensure(
        Evaluation,
        evaluations,
        key=lambda e: (e.candidate_interview_id, e.answer_id, e.version),
        existing=Evaluation.objects.for_team(team),
    )
    for row in scores:  # point each score at the saved evaluation (new or already there)
        e = row.evaluation
        row.evaluation = evaluations_by_key[(e.candidate_interview_id, e.answer_id, e.version)]
    _ensure(
        CriterionScore,
        scores,
        key=lambda s: (s.evaluation_id, s.criterion_name),
        existing=CriterionScore.objects.for_team(team),
    )

    # Scorecards by the reviewer for every other completed invite; one in four still a draft.
    scorecards, ratings = [], []
    for p in plan:
        if p.status != Status.COMPLETED or not _scorecard_planned(p):
            continue
        invite, interview = invite_by_seq[p.seq], interviews[p.interview]
        assert invite.completed_at is not None
        scorecard = Scorecard(
            candidate_interview=invite,
            template=interview.template,
            reviewer=reviewer,
            submitted_at=invite.completed_at + timedelta(days=1)
            if _scorecard_submitted(p)
            else None,
        )
        values = []
        for scorecard_criterion in interview.scorecard_criteria:
            offset = (0, 1, -1)[(p.seq + scorecard_criterion.ordinal) % 3]
            value = _clamp((4, 3, 2)[p.quality] + offset)
            values.append(value)
            ratings.append(Rating(scorecard=scorecard, criterion=scorecard_criterion, score=value))
        if scorecard.submitted_at:
            scorecard.recommendation = _recommendation(sum(values) / len(values))
            scorecard.notes = SCORECARD_NOTES[Scorecard.Recommendation(scorecard.recommendation)]
        scorecards.append(scorecard)
    scorecards_by_key, _ = _ensure(
        Scorecard,
        scorecards,
        key=lambda s: (s.candidate_interview_id, s.reviewer_id),
        existing=Scorecard.objects.for_team(team),
    )
    for rating in ratings:
        s = rating.scorecard
        rating.scorecard = scorecards_by_key[(s.candidate_interview_id, s.reviewer_id)]
    _ensure(
        Rating,
        ratings,
        key=lambda r: (r.scorecard_id, r.criterion_id),
        existing=Rating.objects.for_team(team),
    )

    # A comment or two on some completed invites.
    comments = []
    for p in plan:
        if p.status != Status.COMPLETED or p.seq % 3:
            continue
        invite = invite_by_seq[p.seq]
        body = MANAGER_COMMENTS[p.seq // 3 % len(MANAGER_COMMENTS)]
        comments.append(Comment(candidate_interview=invite, author=reviewer, body=body))
        if p.seq % 2 == 0:
            body = RECRUITER_COMMENTS[p.seq // 6 % len(RECRUITER_COMMENTS)]
            comments.append(Comment(candidate_interview=invite, author=recruiter, body=body))
    _ensure(
        Comment,
        comments,
        key=lambda c: (c.candidate_interview_id, c.author_id, c.body),
        existing=Comment.objects.for_team(team),
    )
    return with_recordings


def _scorecard_planned(plan: PlannedInvite) -> bool:
    """Whether the reviewer has a scorecard (submitted or a draft) on a completed invite."""
    return plan.seq % 2 == 0


def _scorecard_submitted(plan: PlannedInvite) -> bool:
    return _scorecard_planned(plan) and plan.seq % 8 != 4


def _recorded_seqs(
    plan: list[PlannedInvite],
    timelines: dict[int, Timeline],
    interviews: list[SeededInterview],
    count: int,
) -> set[int]:
    """The ``count`` most recently completed invites of the first interview that asks for
    recorded answers (the rows a newcomer sees first on its Results page), and the oldest one
    still waiting for the reviewer's scorecard (where the hiring manager's queue starts)."""
    if not count:
        return set()
    audio = [
        i for i, s in enumerate(interviews) if any(isinstance(q.spec, AudioSpec) for q in s.items)
    ]
    if not audio:
        return set()
    completed = [p for p in plan if p.status == Status.COMPLETED and p.interview == audio[0]]
    completed.sort(key=lambda p: timelines[p.seq].completed_at or timelines[p.seq].created_at)
    waiting = [p for p in completed if not _scorecard_submitted(p)]
    return {p.seq for p in completed[-count:]} | {p.seq for p in waiting[:1]}


def _webm_opus(wav: bytes) -> tuple[bytes, float]:
    """A WAV file as WebM/Opus (what a browser's MediaRecorder makes), and its length in s."""
    import av

    source = av.open(io.BytesIO(wav), "r")
    out = io.BytesIO()
    target = av.open(out, "w", format="webm")
    stream = target.add_stream("libopus", rate=48000, layout="mono")
    resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
    samples = 0
    with source, target:
        for frame in source.decode(audio=0):
            samples += frame.samples
            for resampled in resampler.resample(frame):
                target.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            target.mux(stream.encode(resampled))
        target.mux(stream.encode(None))
        rate = source.streams.audio[0].rate
    return out.getvalue(), round(samples / rate, 1)


def _record(
    invites: list[tuple[PlannedInvite, list[tuple[PlannedAnswer, Answer]]]], new_ids: set[Any]
) -> list[CandidateInterview]:
    """Speak each new recorded answer's transcript with the offline TTS into a WebM/Opus file
    on the answer (still submitted, so the pipeline transcribes and evaluates it). Returns the
    invites that got recordings."""
    from django.core.files.base import ContentFile

    from speech.tts import get_provider

    tts = get_provider(Narrator.Provider.ESPEAK)
    recorded: list[CandidateInterview] = []
    for plan, pairs in invites:
        made = False
        for planned, answer in pairs:
            if answer.pk not in new_ids or not isinstance(planned.item.spec, AudioSpec):
                continue
            voice = RECORDING_VOICES[plan.candidate % len(RECORDING_VOICES)]
            wav = tts.synthesize(" ".join(planned.sentences), voice=voice, language="en", speed=1.0)
            webm, seconds = _webm_opus(wav)
            answer.media.save(f"demo-{answer.pk}.webm", ContentFile(webm), save=False)
            answer.duration_seconds = seconds
            Answer.objects.filter(pk=answer.pk).update(
                media=answer.media.name, duration_seconds=seconds
            )
            made = True
        if made:
            recorded.append(answer.candidate_interview)
    return recorded


def _answer_key(answer: Answer) -> Hashable:
    return (answer.candidate_interview_id, answer.interview_question_id, answer.attempt)


# --- The command -----------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Create demo data: the Northwind Talent organization, two teams, a login per role "
        f"(password “{PASSWORD}”), three interviews and 60 candidates. Safe to run again."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only a database without users; otherwise print the demo sign-ins (if "
            "the demo is there) and add nothing. What `./panelist up` runs on every start.",
        )
        parser.add_argument(
            "--recordings",
            type=int,
            default=RECORDED_INVITES,
            choices=range(0, 11),
            metavar="N",
            help="How many completed invites get real recordings, transcribed and evaluated "
            f"by the worker (0-10, default {RECORDED_INVITES}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and User.objects.exists():
            if User.objects.filter(email=USERS[0][0]).exists():
                self._sign_ins()
            else:
                self.stdout.write("The database has users: no demo data added.")
            return
        now = timezone.now()
        with transaction.atomic():
            organization = _first_or_create(Organization, name=ORGANIZATION)
            users = _seed_users()
            engineering = _seed_team(organization, *ENGINEERING, users, column=0)
            sales = _seed_team(organization, *SALES, users, column=1)
            User.objects.filter(pk__in=[u.pk for u in users.values()], last_team=None).update(
                last_team=engineering
            )
            owner, admin, recruiter, manager = (users[email] for email, *_ in USERS)

            narrator = _first_or_create(
                Narrator,
                team=engineering,
                name="Northwind voice",
                defaults={"provider": Narrator.Provider.ESPEAK, "voice": "en-us", "language": "en"},
            )
            interviews = [
                _seed_interview(engineering, spec, recruiter, narrator)
                for spec in (BACKEND, SUPPORT, PRODUCT_MANAGER)
            ]
            # The demo hiring manager reviews the engineering team's interviews (hiring managers
            # see only the interviews they review).
            for seeded in interviews:
                seeded.interview.reviewers.add(manager)
            with_recordings = _seed_candidates(
                engineering,
                interviews,
                _first_team_plan(),
                recruiter=recruiter,
                reviewer=manager,
                now=now,
                recorded_invites=options["recordings"],
            )
            # Transcribed and evaluated by the worker once the seeding commits, as a candidate's
            # answers are when they complete the interview.
            for invite in with_recordings:
                candidate_interview_process_enqueue(invite=invite)

            sales_narrator = _first_or_create(
                Narrator,
                team=sales,
                name="Sales voice",
                defaults={"provider": Narrator.Provider.ESPEAK, "voice": "en-gb", "language": "en"},
            )
            sales_interviews = [_seed_interview(sales, ACCOUNT_EXECUTIVE, admin, sales_narrator)]
            _seed_candidates(
                sales,
                sales_interviews,
                _second_team_plan(),
                recruiter=admin,
                reviewer=owner,
                now=now,
            )

        self._report(engineering, sales)

    def _report(self, *teams: Team) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo data is ready: {ORGANIZATION}."))
        for team in teams:
            counts = (
                (Interview.objects.for_team(team).count(), "interview"),
                (Candidate.objects.for_team(team).count(), "candidate"),
                (CandidateInterview.objects.for_team(team).count(), "invite"),
            )
            summary = ", ".join(f"{n} {noun}{pluralize(n)}" for n, noun in counts)
            out.write(f"  {team.name} ({team.slug}): {summary}")
        out.write("")
        self._sign_ins()

    def _sign_ins(self) -> None:
        out = self.stdout
        out.write(f"Open {settings.SITE_URL} and sign in as:")
        out.write("")
        width = max(len(email) for email, *_ in USERS)
        out.write(f"  {'email':<{width}}  {'password':<{len(PASSWORD)}}  role")
        for email, _, role, second_role in USERS:
            also = f" (also {second_role.label.lower()} of {SALES[1]})" if second_role else ""
            out.write(f"  {email:<{width}}  {PASSWORD}  {role.label}{also}")
        out.write("")
