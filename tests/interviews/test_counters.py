"""The interviews' counters (interviews.counters): kept by the services in the same transaction,
equal to a recount after any sequence of invite and question changes, backfilled by the
migration, repaired by ``manage.py interview_counts_recount``, and read by the lists."""

import importlib
import io
import uuid
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from candidates.models import CandidateInterview, InvalidTransition
from candidates.services.invites import (
    candidate_interview_transition,
    invite_cancel,
    invite_create,
    invite_expire_due,
    invite_extend,
    invite_resend,
    invite_send,
)
from candidates.services.privacy import candidate_erase
from interviews.counters import (
    interview_counts_recount,
    invite_counts_apply,
    invite_counts_apply_many,
)
from interviews.models import Interview
from interviews.services.copy import interview_copy
from interviews.services.interviews import (
    interview_question_add,
    interview_question_remove,
    interview_update,
)
from tests.factories import (
    AudioQuestionFactory,
    CandidateFactory,
    CandidateInterviewFactory,
    InterviewFactory,
    InterviewQuestionFactory,
    TeamFactory,
)

pytestmark = pytest.mark.django_db
Status = CandidateInterview.Status
migration = importlib.import_module("interviews.migrations.0008_interview_counters")


def _counters(interview):
    interview.refresh_from_db()
    return (
        interview.question_count,
        interview.open_invite_count,
        interview.completed_invite_count,
    )


class InviteLife(RuleBasedStateMachine):
    """Random invites to two interviews, moved by the services as the dashboard, the runner,
    the beat and an erasure request move them; after every step the counters equal a recount
    (the recount finds nothing to change)."""

    def __init__(self) -> None:
        super().__init__()
        self.team = TeamFactory()
        self.interviews = [InterviewFactory(team=self.team) for _ in range(2)]
        self.invites: list[CandidateInterview] = []

    def _pick(self, data: st.DataObject) -> CandidateInterview:
        invite = data.draw(st.sampled_from(self.invites))
        invite.refresh_from_db()
        return invite

    @rule(which=st.integers(0, 1), send=st.booleans())
    def create(self, which: int, send: bool) -> None:
        candidate = CandidateFactory(team=self.team)
        invite, _token = invite_create(
            team=self.team,
            by=None,
            candidate=candidate,
            interview=self.interviews[which],
            send=send,
        )
        self.invites.append(invite)

    @precondition(lambda self: self.invites)
    @rule(data=st.data())
    def transition(self, data: st.DataObject) -> None:
        invite = self._pick(data)
        targets = CandidateInterview.TRANSITIONS[invite.status]
        if targets:
            candidate_interview_transition(invite=invite, to=data.draw(st.sampled_from(targets)))

    @precondition(lambda self: self.invites)
    @rule(data=st.data(), action=st.sampled_from(["cancel", "extend", "resend", "send"]))
    def dashboard(self, data: st.DataObject, action: str) -> None:
        invite = self._pick(data)
        try:
            if action == "cancel":
                invite_cancel(invite=invite, by=None)
            elif action == "extend":
                invite_extend(invite=invite, until=timezone.now() + timedelta(days=3))
            elif action == "resend":
                invite_resend(invite=invite, by=None)
            else:
                invite_send(invite=invite, by=None)
        except (ValidationError, InvalidTransition):
            pass  # not allowed from this status: nothing changed

    @precondition(lambda self: self.invites)
    @rule(data=st.data(), resend=st.booleans())
    def reopen(self, data: st.DataObject, resend: bool) -> None:
        """Extend or resend an expired invite (found rarely by picking any invite)."""
        expired = list(
            CandidateInterview.objects.filter(
                pk__in=[i.pk for i in self.invites], status=Status.EXPIRED
            ).order_by("pk")
        )
        if expired:
            invite = data.draw(st.sampled_from(expired))
            if resend:
                invite_resend(invite=invite, by=None)
            else:
                invite_extend(invite=invite, until=timezone.now() + timedelta(days=3))

    @precondition(lambda self: self.invites)
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        due = data.draw(st.lists(st.sampled_from(self.invites), max_size=4, unique_by=id))
        past = timezone.now() - timedelta(minutes=1)
        CandidateInterview.objects.filter(pk__in=[i.pk for i in due]).update(expires_at=past)
        invite_expire_due()

    @precondition(lambda self: self.invites)
    @rule(data=st.data())
    def erase(self, data: st.DataObject) -> None:
        invite = self._pick(data)
        candidate_erase(candidate=invite.candidate, by=None)
        self.invites.remove(invite)

    @rule(which=st.integers(0, 1), remove=st.booleans())
    def question(self, which: int, remove: bool) -> None:
        interview = self.interviews[which]
        item = interview.items.order_by("-ordinal").first()
        if remove and item is not None:
            interview_question_remove(item=item)
        else:
            question = AudioQuestionFactory(team=self.team)
            interview_question_add(interview=interview, question=question)

    @invariant()
    def counters_match_a_recount(self) -> None:
        assert interview_counts_recount(interview_ids=[i.pk for i in self.interviews]) == 0


def test_random_invite_lives_leave_the_counters_equal_to_a_recount():
    run_state_machine_as_test(
        InviteLife,
        settings=settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_it_counts_open_and_completed_invites_and_questions(team):
    interview = InterviewFactory(team=team)
    interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    invite, _ = invite_create(
        team=team, by=None, candidate=CandidateFactory(team=team), interview=interview
    )
    assert _counters(interview) == (1, 1, 0)
    candidate_interview_transition(invite=invite, to=Status.IN_PROGRESS)
    assert _counters(interview) == (1, 1, 0)
    candidate_interview_transition(invite=invite, to=Status.COMPLETED)
    assert _counters(interview) == (1, 0, 1)


def test_apply_changes_nothing_when_no_counter_moves(team, django_assert_num_queries):
    interview = InterviewFactory(team=team)
    with django_assert_num_queries(0):
        invite_counts_apply(interview_id=interview.pk, before=None, after=Status.DRAFT)
        invite_counts_apply(interview_id=interview.pk, before=Status.INVITED, after="IN_PROGRESS")
        invite_counts_apply(interview_id=interview.pk, before=Status.CANCELLED, after=None)
        invite_counts_apply(interview_id=interview.pk, before=None, after=Status.INVITED, n=0)
    with django_assert_num_queries(1):
        invite_counts_apply(interview_id=interview.pk, before=None, after=Status.INVITED, n=7)
    assert _counters(interview) == (0, 7, 0)


def test_apply_many_makes_one_update_per_interview(team, django_assert_num_queries):
    first, second = InterviewFactory(team=team), InterviewFactory(team=team)
    moves = [(first.pk, None, Status.INVITED)] * 3 + [(second.pk, None, Status.COMPLETED)] * 2
    with django_assert_num_queries(2):
        invite_counts_apply_many(moves=moves)
    with django_assert_num_queries(1):
        invite_counts_apply_many(
            moves=[(first.pk, Status.INVITED, Status.EXPIRED), (second.pk, Status.DRAFT, None)]
        )
    assert _counters(first) == (0, 2, 0)
    assert _counters(second) == (0, 0, 2)


def test_a_counter_that_drifted_never_goes_below_zero_and_the_recount_repairs_it(team):
    interview = InterviewFactory(team=team)
    invite = CandidateInterviewFactory(interview=interview, status=Status.INVITED)
    Interview.objects.filter(pk=interview.pk).update(open_invite_count=0)  # a row written around
    candidate_interview_transition(invite=invite, to=Status.CANCELLED)
    assert _counters(interview) == (0, 0, 0)
    CandidateInterview.objects.filter(pk=invite.pk).update(status=Status.INVITED)
    assert interview_counts_recount() == 1
    assert _counters(interview) == (0, 1, 0)
    assert interview_counts_recount() == 0


def test_the_expiry_sweep_moves_the_counters_by_the_invites_it_expires(team):
    interview = InterviewFactory(team=team)
    past = timezone.now() - timedelta(hours=1)
    CandidateInterviewFactory.create_batch(3, interview=interview, expires_at=past)
    CandidateInterviewFactory(interview=interview, status=Status.IN_PROGRESS, expires_at=past)
    CandidateInterviewFactory(interview=interview)  # not due
    assert _counters(interview) == (0, 5, 0)
    assert invite_expire_due() == 4
    assert _counters(interview) == (0, 1, 0)


def test_erasing_a_candidate_takes_their_invites_off_the_counters(team):
    first, second = InterviewFactory(team=team), InterviewFactory(team=team)
    candidate = CandidateFactory(team=team)
    CandidateInterviewFactory(interview=first, candidate=candidate)
    CandidateInterviewFactory(
        interview=second, candidate=candidate, status=Status.COMPLETED, completed_at=timezone.now()
    )
    CandidateInterviewFactory(interview=second)
    candidate_erase(candidate=candidate, by=None)
    assert _counters(first) == (0, 0, 0)
    assert _counters(second) == (0, 1, 0)


def test_a_copy_counts_its_questions(team):
    interview = InterviewFactory(team=team)
    for _ in range(3):
        interview_question_add(interview=interview, question=AudioQuestionFactory(team=team))
    CandidateInterviewFactory(interview=interview)
    copy = interview_copy(interview=interview, to_team=team, by=None)
    assert copy.question_count == 3
    assert _counters(copy) == (3, 0, 0)


def test_saving_settings_does_not_write_back_stale_counters(team):
    interview = InterviewFactory(team=team)
    stale = Interview.objects.get(pk=interview.pk)
    CandidateInterviewFactory(interview=interview)
    interview_update(interview=stale, title="Renamed")
    assert _counters(interview) == (0, 1, 0)
    assert interview.title == "Renamed"


# ---------------------------------------------------------------- the migration and the command


def test_the_migration_backfills_the_counters_from_the_rows(team, settings):
    interviews = [InterviewFactory(team=team) for _ in range(3)]
    InterviewQuestionFactory.create_batch(2, interview=interviews[0])
    CandidateInterviewFactory.create_batch(2, interview=interviews[0])
    CandidateInterviewFactory(interview=interviews[1], status=Status.IN_PROGRESS)
    CandidateInterviewFactory(
        interview=interviews[1], status=Status.COMPLETED, completed_at=timezone.now()
    )
    CandidateInterviewFactory(interview=interviews[2], status=Status.EXPIRED)
    Interview.objects.update(question_count=0, open_invite_count=0, completed_invite_count=0)
    migration.CHUNK, chunk = 2, migration.CHUNK  # more than one chunk
    try:
        migration.backfill(apps, None)
    finally:
        migration.CHUNK = chunk
    assert [_counters(i) for i in interviews] == [(2, 2, 0), (0, 1, 1), (0, 0, 0)]
    assert interview_counts_recount() == 0


def test_the_command_recounts_and_says_how_many_changed(team):
    first, second = InterviewFactory(team=team), InterviewFactory(team=team)
    CandidateInterviewFactory(interview=first)
    CandidateInterviewFactory(interview=second)
    out = io.StringIO()
    call_command("interview_counts_recount", stdout=out)
    assert out.getvalue().strip() == "0 interviews changed."
    Interview.objects.update(open_invite_count=9)
    out = io.StringIO()
    call_command("interview_counts_recount", "--interview", str(first.pk), stdout=out)
    assert out.getvalue().strip() == "1 interview changed."
    assert _counters(first) == (0, 1, 0)
    assert _counters(second) == (0, 9, 0)
    out = io.StringIO()
    call_command("interview_counts_recount", stdout=out)
    assert out.getvalue().strip() == "1 interview changed."
    assert _counters(second) == (0, 1, 0)


def test_the_command_refuses_an_unknown_interview(team):
    with pytest.raises(CommandError, match="Not an interview id"):
        call_command("interview_counts_recount", "--interview", "nope")
    with pytest.raises(CommandError, match="No interview"):
        call_command("interview_counts_recount", "--interview", str(uuid.uuid4()))


# ---------------------------------------------------------------- the pages read the counters


def _set_counters(interview, questions, open_, completed):
    # Counters with no rows behind them: a page that shows them read the counters, not rows.
    Interview.objects.filter(pk=interview.pk).update(
        question_count=questions, open_invite_count=open_, completed_invite_count=completed
    )


@pytest.mark.parametrize("page", ["interviews:interview_list", "dashboard:home"])
def test_the_lists_show_the_counters(login, recruiter, team, page):
    interview = InterviewFactory(team=team, title="Backend Engineer")
    _set_counters(interview, 4, 1234, 567)
    table = login(recruiter).get(reverse(page)).context["table"]
    [row] = list(table.rows)
    assert [row.get_cell(c) for c in ("question_count", "invited_count", "completed_count")] == [
        4,
        1234,
        567,
    ]


def test_the_interview_list_sorts_by_a_counter(login, recruiter, team):
    for title, open_ in (("Few", 2), ("Many", 200), ("Some", 20)):
        _set_counters(InterviewFactory(team=team, title=title), 1, open_, 0)
    response = login(recruiter).get(
        reverse("interviews:interview_list"), {"sort": "-invited_count"}
    )
    titles = [row.record.title for row in response.context["table"].paginated_rows]
    assert titles == ["Many", "Some", "Few"]
