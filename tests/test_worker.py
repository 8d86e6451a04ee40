"""A real Celery worker process consumes what the web process enqueues."""

import email
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from accounts.models import Membership, Role
from accounts.services import team_invitation_create
from dashboard.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def _reset_connections() -> None:
    """Drop pooled broker connections so the next send uses the current broker settings."""
    import kombu.pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    kombu.pools.reset()


@pytest.fixture
def worker(tmp_path, settings):
    """A ``celery worker`` subprocess on the test database, and this process as its producer."""
    broker = os.environ.get("PANELIST_TEST_BROKER_URL", "filesystem://")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        # The same key as this process: invite links are derived from it, and a worker that
        # signs with another key could not make the link again (as in production, where every
        # process shares one SECRET_KEY).
        "SECRET_KEY": settings.SECRET_KEY,
        "DEBUG": "true",
        "PANELIST_DATA_DIR": str(tmp_path / "data"),
    }
    for folder in ("broker/queue", "broker/processed", "mail", "data"):
        (tmp_path / folder).mkdir(parents=True)
    queue = f"test-{os.getpid()}-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "dashboard",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {
        k: app.conf[k]
        for k in (
            "task_always_eager",
            "broker_url",
            "broker_transport_options",
            "task_default_queue",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=broker,
        broker_transport_options=(
            {
                "data_folder_in": str(tmp_path / "broker/queue"),
                "data_folder_out": str(tmp_path / "broker/queue"),
                "processed_folder": str(tmp_path / "broker/processed"),
                "control_folder": str(tmp_path / "broker/control"),
            }
            if broker.startswith("filesystem")
            else {}
        ),
        task_default_queue=queue,
    )
    _reset_connections()
    try:
        yield tmp_path / "mail"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        app.conf.update(saved)
        _reset_connections()
        print(out[-4000:])


def test_it_emails_a_team_invitation_from_a_real_worker(worker, team, admin_user):
    acting = Membership.objects.get(user=admin_user, team=team)
    invitation, token = team_invitation_create(
        team=team, email="ada@example.com", role=Role.RECRUITER, acting=acting
    )

    # The file backend writes a message, then a line of dashes: a file without that line is
    # still being written.
    def written() -> list[str]:
        texts = [path.read_text() for path in worker.iterdir()]
        return [text for text in texts if "\n" + "-" * 79 in text]

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not written():
        time.sleep(0.25)
    texts = written()
    assert texts, "the worker did not send the invitation email within 60 s"
    messages = [email.message_from_string(text.split("\n---", 1)[0]) for text in texts]
    assert [m["To"] for m in messages] == ["ada@example.com"]
    message = messages[0]
    text = message.get_payload(0).get_payload(decode=True).decode()
    assert f"/accounts/invitations/{token}/" in text
    assert invitation.team.name in text


# --- answer processing and the interview's report


def _wait_for(check, *, seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def test_a_real_worker_processes_the_answers_and_writes_the_report(worker):
    from candidates.models import Answer, Evaluation
    from candidates.runner.services import runner_answer_typed, runner_consent, runner_finish
    from interviews.models import InterviewQuestion
    from tests.factories import (
        AITextQuestionFactory,
        CandidateInterviewFactory,
        InterviewQuestionFactory,
        RubricCriterionFactory,
    )

    invite = CandidateInterviewFactory()
    question = AITextQuestionFactory(team=invite.team)
    RubricCriterionFactory(question=question, name="Trade-offs", strong_answer="Caching, fields.")
    item = InterviewQuestionFactory(
        interview=invite.interview,
        kind=InterviewQuestion.Kind.AI_TEXT,
        audio_question=None,
        ai_text_question=question,
    )
    invite = runner_consent(invite=invite, ip=None)  # type: ignore[assignment]
    answer = runner_answer_typed(
        invite=invite,
        item=item,
        data={
            "text": "REST caches well over HTTP and is simple to operate; GraphQL fetches "
            "exactly the fields a screen needs, in one request."
        },
    )
    runner_finish(invite=invite)

    def done() -> bool:
        return Evaluation.objects.filter(
            candidate_interview=invite, answer=None, status="completed"
        ).exists()

    assert _wait_for(done), "the worker wrote no report within 120 s"
    answer.refresh_from_db()
    assert answer.status == Answer.Status.PROCESSED
    assert answer.processing["evaluate"]["status"] == "done"
    assert Evaluation.objects.get(answer=answer, is_current=True).status == "completed"
