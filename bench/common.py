"""What every benchmark shares: the environment it runs in, the bench team and its fixtures,
a free port, a gunicorn to measure, and the median of repeated runs.

Import this module before anything from Django: it sets the environment (bench database,
DEBUG off, a throw-away data folder) and calls ``django.setup()``.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/panelist_bench"
BENCH_DATA_DIR = "/tmp/panelist-bench"

ENV_DEFAULTS = {
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "DATABASE_URL": BENCH_DATABASE_URL,
    "PANELIST_DATA_DIR": BENCH_DATA_DIR,
    "SECRET_KEY": "bench-only-secret-key-not-for-production-0123456789abcdef",
    "DEBUG": "0",
    "SECURE_HTTPS": "false",
    "LOG_LEVEL": "WARNING",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    # DEBUG is off, and the bench sends no real email or SMS: say that on purpose.
    "ALLOW_CONSOLE_DELIVERY": "true",
}
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

if not settings.configured:
    # A bench run. Under pytest (tests/test_bench_smoke.py) Django is set up already and the
    # environment is left alone, so no other test's subprocess is pointed at the bench database.
    for _name, _value in ENV_DEFAULTS.items():
        os.environ.setdefault(_name, _value)
    django.setup()
from django.db import connection  # noqa: E402

BENCH_TEAM_SLUG = "bench"
BENCH_EMAIL = "bench@example.com"
BENCH_PASSWORD = "bench-password-0123"
QUESTIONS_PER_INTERVIEW = 3
INTERVIEWS = 5


@dataclass
class Fixture:
    team: Any
    user: Any
    interviews: list[Any]
    questions: dict[Any, list[Any]]  # interview pk -> its InterviewQuestion pks, in order


def ensure_fixture(slug: str = BENCH_TEAM_SLUG, email: str = BENCH_EMAIL) -> Fixture:
    """The bench team (an owner, five active interviews of three recorded questions each),
    created on first use. Bench data, so it is written with the ORM directly."""
    from accounts.models import Membership, Organization, Role, Team, User
    from interviews.counters import interview_counts_recount
    from interviews.models import AudioQuestion, Interview, InterviewQuestion

    team = Team.objects.filter(slug=slug).first()
    if team is None:
        organization = Organization.objects.create(name=f"Bench organization {slug}")
        team = Team.objects.create(organization=organization, name=f"Bench {slug}", slug=slug)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, BENCH_PASSWORD, full_name="Bench Owner")
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": Role.OWNER})
    if user.last_team_id != team.pk:
        user.last_team = team
        user.save(update_fields=["last_team"])
    interviews = list(Interview.objects.filter(team=team).order_by("title"))
    created = len(interviews) < INTERVIEWS
    for n in range(len(interviews), INTERVIEWS):
        interview = Interview.objects.create(
            team=team, title=f"Bench interview {n + 1}", answer_time_seconds=600
        )
        for ordinal in range(1, QUESTIONS_PER_INTERVIEW + 1):
            audio = AudioQuestion.objects.create(
                team=team,
                title=f"Bench question {n + 1}.{ordinal}",
                question_script="Tell me about a project you are proud of.",
                transcription_status=AudioQuestion.TranscriptionStatus.COMPLETED,
            )
            InterviewQuestion.objects.create(
                interview=interview,
                kind=InterviewQuestion.Kind.AUDIO,
                audio_question=audio,
                ordinal=ordinal,
            )
        interviews.append(interview)
    if created:  # bench rows skip the services that keep the counters
        interview_counts_recount(interview_ids=[i.pk for i in interviews])
    questions: dict[Any, list[Any]] = {i.pk: [] for i in interviews}
    for pk, interview_id in (
        InterviewQuestion.objects.filter(interview__in=interviews)
        .order_by("ordinal")
        .values_list("pk", "interview_id")
    ):
        questions[interview_id].append(pk)
    return Fixture(team=team, user=user, interviews=interviews, questions=questions)


def session_cookie(user: Any) -> str:
    """A signed-in dashboard session for ``user``, as a login would make it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def api_key(fixture: Fixture) -> str:
    """A new team API key that may read everything (the real service)."""
    from api.keys import SCOPES as API_SCOPES
    from api.keys import api_key_create

    _, key = api_key_create(
        organization=fixture.team.organization,
        name="Bench",
        scopes=list(API_SCOPES),
        team=fixture.team,
        by=fixture.user,
    )
    return key


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare() -> None:
    """The bench database migrated to the code as it is, and the static files' manifest."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    collectstatic()


def collectstatic() -> None:
    """The manifest the production static storage needs (DEBUG is off)."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.exists():
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)


def bench_env(**extra: str) -> dict[str, str]:
    env = {**ENV_DEFAULTS, **os.environ}
    env.update(extra)
    return env


@contextmanager
def gunicorn(workers: int = 2, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The project's WSGI app under gunicorn (sync workers) on a free port: (base URL, process)."""
    collectstatic()
    connection.close()
    port = free_port()
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "dashboard.wsgi",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=bench_env(**env),
    )
    try:
        wait_for_port(port, process)
        wait_for_app(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def wait_for_app(base: str, timeout: float = 60) -> None:
    """Until the workers have loaded Django and answer (the port opens before they do)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/accounts/login/", timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def children(pid: int) -> list[int]:
    """The process ids whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces; the parent id is the second field after it.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def median_of(runs: int, measure: Callable[[], float]) -> tuple[float, list[float]]:
    values = [measure() for _ in range(runs)]
    return statistics.median(values), values


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def have(program: str) -> bool:
    return shutil.which(program) is not None
