"""Load: candidates answering and uploading while recruiters browse, against gunicorn on
PostgreSQL with a real Celery worker processing what the candidates hand in.

    .venv/bin/python -m bench.load                 # 200 candidates, 20 recruiters, 5 minutes
    .venv/bin/python -m bench.load --seconds 30    # a quick run

Each simulated candidate opens an invite link (the token is exchanged for a session), reads
the privacy notice and consents, writes two answers, uploads a short Opus/WebM recording
through the tus endpoint (create, then one PATCH), hands the interview in, and starts over with
the next invite. Each recruiter, signed in, opens the invite list, an interview's results and
a finished candidate's review page. Everyone pauses ``--think`` seconds (±50 %) between
requests, as people do; redirects are followed by hand so each request is timed on its own.

gunicorn (2 workers × 4 threads, gthread) serves the production settings (DEBUG off, static
files through WhiteNoise) from the database ``panelist_load`` (created and migrated on first
use); one Celery worker (concurrency 1) transcribes, spots keywords and evaluates. Prints the
requests and errors (any non-2xx/3xx answer or transport error; the target is 0), and p50, p95
and p99 per endpoint. Exits 1 on any error.

Loopback only; nothing here is meant for a machine you care about: it flushes Redis database
13 (its broker) at start.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = "postgres://postgres@127.0.0.1:5432/panelist_load"
BROKER_URL = "redis://127.0.0.1:6379/13"
ENV = {
    "DJANGO_SETTINGS_MODULE": "dashboard.settings",
    "DATABASE_URL": DATABASE_URL,
    "PANELIST_DATA_DIR": "/tmp/panelist-load",
    "SECRET_KEY": "load-only-secret-key-not-for-production-0123456789abcdef",
    "DEBUG": "0",
    "SECURE_HTTPS": "false",
    "LOG_LEVEL": "WARNING",
    "CELERY_BROKER_URL": BROKER_URL,
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
}
TEAM_SLUG = "load"
RECRUITER_PASSWORD = "load-password-0123"
TIMEOUT = 60
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STEPS = ("welcome", "consent", "device", "practice", "finish")
ANSWER_FORM = re.compile(r'action="/interview/answer/([^/"]+)/"')
RECORDER = re.compile(r'data-question="([0-9a-f-]{36})"')


def _environment() -> None:
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def _create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    server = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _setup() -> None:
    import django

    _create_database(os.environ["DATABASE_URL"])
    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


# --- the data the run needs -------------------------------------------------------------------


@dataclass
class Fixture:
    interview_id: str
    invites: list[str]  # tokens, each used by one candidate session
    reviewable: list[str]  # invite ids a recruiter may open for review
    recruiter_cookies: list[str]


def recording(seconds: float = 2.0) -> bytes:
    """A short Opus-in-WebM answer written as a browser's MediaRecorder does."""
    import io

    import av
    import numpy as np

    buffer = io.BytesIO()
    rate = 48_000
    with av.open(buffer, "w", format="webm", options={"live": "1"}) as output:
        stream = output.add_stream("libopus", rate=rate, layout="mono")
        step = 960
        for start in range(0, int(seconds * rate), step):
            t = (np.arange(start, start + step) / rate).astype(np.float32)
            pcm = (8000 * np.sin(2 * math.pi * 440 * t)).astype("<i2")
            frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def fixture(*, invites: int, recruiters: int) -> Fixture:
    """A team with one interview (two written questions, one recorded), ``invites`` fresh invite
    links, a few handed-in invites to review, and ``recruiters`` signed-in recruiters. Bench
    data, written with the ORM directly (the services would send every invite by email)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from accounts.models import Membership, Organization, Role, Team
    from candidates.models import Candidate, CandidateInterview
    from candidates.tokens import new_invite_token
    from interviews.counters import interview_counts_recount
    from interviews.models import AITextQuestion, AudioQuestion, Interview, InterviewQuestion

    User = get_user_model()
    team = Team.objects.filter(slug=TEAM_SLUG).first()
    if team is None:
        organization = Organization.objects.create(name="Load organization")
        team = Team.objects.create(organization=organization, name="Load team", slug=TEAM_SLUG)
    interview = Interview.objects.filter(team=team).first()
    if interview is None:
        interview = Interview.objects.create(
            team=team, title="Load interview", answer_time_seconds=120
        )
        for ordinal in (1, 2):
            question = AITextQuestion.objects.create(
                team=team,
                title=f"Written question {ordinal}",
                question_text="How would you make a slow page fast?",
            )
            InterviewQuestion.objects.create(
                interview=interview,
                kind=InterviewQuestion.Kind.AI_TEXT,
                ai_text_question=question,
                ordinal=ordinal,
            )
        audio = AudioQuestion.objects.create(
            team=team,
            title="Recorded question",
            question_script="Tell me about a project you are proud of.",
            transcription_status=AudioQuestion.TranscriptionStatus.COMPLETED,
        )
        InterviewQuestion.objects.create(
            interview=interview, kind=InterviewQuestion.Kind.AUDIO, audio_question=audio, ordinal=3
        )
    now = timezone.now()
    run = now.strftime("%Y%m%d%H%M%S")
    candidates = Candidate.objects.bulk_create(
        Candidate(
            team=team,
            first_name="Load",
            last_name=f"Candidate {n}",
            email=f"load-{run}-{n}@example.com",
        )
        for n in range(invites + 20)
    )
    tokens = [new_invite_token() for _ in candidates]
    rows = CandidateInterview.objects.bulk_create(
        CandidateInterview(
            team=team,
            interview=interview,
            candidate=candidate,
            status=CandidateInterview.Status.INVITED,
            invited_at=now,
            expires_at=now + timedelta(days=7),
            token_hash=digest,
        )
        for candidate, (_token, digest) in zip(candidates, tokens, strict=True)
    )
    # The last twenty are handed in at once, so the review page has something from the start.
    done = rows[invites:]
    CandidateInterview.objects.filter(pk__in=[r.pk for r in done]).update(
        status=CandidateInterview.Status.COMPLETED,
        started_at=now,
        completed_at=now,
        consented_at=now,
    )
    interview_counts_recount(interview_ids=[interview.pk])  # bench rows skip the services
    cookies = []
    for n in range(recruiters):
        email = f"recruiter{n}@load.example.com"
        user = User.objects.filter(email=email).first() or User.objects.create_user(
            email, RECRUITER_PASSWORD, full_name=f"Recruiter {n}"
        )
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": Role.RECRUITER})
        if user.last_team_id != team.pk:
            user.last_team = team
            user.save(update_fields=["last_team"])
        client = Client()
        client.force_login(user)
        cookies.append(client.cookies["sessionid"].value)
    return Fixture(
        interview_id=str(interview.pk),
        invites=[token for token, _digest in tokens[:invites]],
        reviewable=[str(r.pk) for r in done],
        recruiter_cookies=cookies,
    )


# --- the servers ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_app(base: str, process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            if requests.get(f"{base}/accounts/login/", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {timeout} s")


def start_servers(log_dir: Path) -> tuple[str, list[subprocess.Popen[bytes]]]:
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    env = {**os.environ}
    port = _free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    web = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "dashboard.wsgi",
            *("--workers", "2", "--threads", "4", "--worker-class", "gthread"),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "120", "--log-level", "warning"),
            # Idle connections outlive anyone's pause: with gunicorn's 2 s default, a client
            # reusing a connection the server is closing gets "connection reset" (a proxy in
            # front of gunicorn, as in production, keeps its upstream connections open too).
            *("--keep-alive", "30"),
        ],
        cwd=ROOT,
        env=env,
        stdout=(log_dir / "gunicorn.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/celery"),
            *("-A", "dashboard", "worker", "--concurrency", "1", "--loglevel", "WARNING"),
            *("--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=env,
        stdout=(log_dir / "worker.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for_app(base, web)
    return base, [web, worker]


def stop_servers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the simulated people ---------------------------------------------------------------------


@dataclass
class Stats:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    handed_in: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, name: str, seconds: float) -> None:
        with self.lock:
            self.timings[name].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


class Person(ABC):
    """A simulated user: ``run`` is what they do until the run's end."""

    def __init__(self, base: str, stats: Stats, stop_at: float, think: float) -> None:
        import requests

        self.base, self.stats, self.stop_at, self.think = base, stats, stop_at, think
        self.http = requests.Session()

    def pause(self) -> None:
        time.sleep(random.uniform(0.5, 1.5) * self.think)

    @abstractmethod
    def run(self) -> None: ...

    def running(self) -> bool:
        return time.monotonic() < self.stop_at

    def call(self, name: str, method: str, path: str, expect: tuple[int, ...], **kw: Any) -> Any:
        started = time.monotonic()
        try:
            response = self.http.request(
                method, self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw
            )
        except Exception as exc:  # every transport failure counts as an error of the run
            self.stats.error(f"{name}: {exc!r}")
            return None
        self.stats.record(name, time.monotonic() - started)
        if response.status_code not in expect:
            self.stats.error(f"{name}: HTTP {response.status_code} {path}")
            return None
        return response

    def csrf(self, page: Any) -> str:
        found = CSRF_INPUT.search(page.text) if page is not None else None
        return found.group(1) if found else str(self.http.cookies.get("csrftoken") or "")


class Candidate(Person):
    def __init__(self, *args: Any, invites: list[str], lock: threading.Lock, media: bytes):
        super().__init__(*args)
        self.invites, self.invites_lock, self.media = invites, lock, media

    def next_token(self) -> str | None:
        with self.invites_lock:
            return self.invites.pop() if self.invites else None

    def run(self) -> None:
        while self.running() and (token := self.next_token()):
            self.http.cookies.clear()
            self.interview(token)

    def interview(self, token: str) -> None:
        """Follow the runner as a browser does: each page says what to do next."""
        if not self.call("candidate: open link", "GET", f"/i/{token}/", (302,)):
            return
        for _ in range(12):
            page = self.call("candidate: runner page", "GET", "/interview/", (200,))
            if page is None or not self.running():
                return
            self.pause()
            csrf = self.csrf(page)
            form = {"csrfmiddlewaretoken": csrf}
            step = next((s for s in STEPS if f'action="/interview/{s}/"' in page.text), "")
            if step == "consent":
                form["agree"] = "yes"
            if step in ("welcome", "consent", "device", "practice"):
                if not self.call(
                    f"candidate: {step}", "POST", f"/interview/{step}/", (302,), data=form
                ):
                    return
                continue
            if step == "finish":
                if self.call("candidate: hand in", "POST", "/interview/finish/", (302,), data=form):
                    with self.stats.lock:
                        self.stats.handed_in += 1
                return
            item = ANSWER_FORM.search(page.text)
            if item:
                form["text"] = "I would measure first, then cache, index and paginate the queries."
                path = f"/interview/answer/{item.group(1)}/"
                if not self.call("candidate: written answer", "POST", path, (302,), data=form):
                    return
                continue
            question = RECORDER.search(page.text)
            if question is None:
                self.stats.error("candidate: a runner page with nothing to do")
                return
            if not self.upload(question.group(1), csrf):
                return
        self.stats.error("candidate: still not handed in after 12 pages")

    def upload(self, question: str, csrf: str) -> bool:
        """The recorder's tus upload: create, then send the recording in one PATCH."""
        from uploads.services import encode_metadata

        metadata = {"question": question, "filename": "answer.webm", "filetype": "audio/webm"}
        tus = {"Tus-Resumable": "1.0.0", "X-CSRFToken": csrf}
        headers = {
            **tus,
            "Upload-Length": str(len(self.media)),
            "Upload-Metadata": encode_metadata(metadata),
        }
        created = self.call(
            "candidate: upload create", "POST", "/uploads/", (201,), headers=headers
        )
        if created is None:
            return False
        location = created.headers["Location"].removeprefix(self.base)
        headers = {**tus, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
        patch = self.call(
            "candidate: upload patch", "PATCH", location, (204,), data=self.media, headers=headers
        )
        return patch is not None


class Recruiter(Person):
    def __init__(self, *args: Any, cookie: str, interview_id: str, reviewable: list[str]):
        super().__init__(*args)
        self.http.cookies.set("sessionid", cookie)
        self.interview_id, self.reviewable = interview_id, reviewable

    def run(self) -> None:
        while self.running():
            self.call("recruiter: invite list", "GET", "/invites/", (200,))
            self.pause()
            path = f"/interviews/{self.interview_id}/results/"
            self.call("recruiter: results", "GET", path, (200,))
            self.pause()
            review = f"/invites/{random.choice(self.reviewable)}/review/"
            self.call("recruiter: review", "GET", review, (200,))
            self.pause()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def report(stats: Stats, seconds: float, args: argparse.Namespace) -> None:
    total = sum(len(v) for v in stats.timings.values())
    print(
        f"\n{args.candidates} candidates, {args.recruiters} recruiters, {seconds:.0f} s, "
        f"think {args.think} s; gunicorn 2 workers x 4 threads; PostgreSQL; 1 Celery worker"
    )
    print(f"requests {total} ({total / seconds:.1f}/s), errors {len(stats.errors)}, ", end="")
    print(f"interviews handed in {stats.handed_in}")
    print(f"{'endpoint':<28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name in sorted(stats.timings):
        values = stats.timings[name]
        print(
            f"{name:<28} {len(values):>6} {statistics.median(values) * 1000:>8.0f} "
            f"{percentile(values, 95) * 1000:>8.0f} {percentile(values, 99) * 1000:>8.0f} "
            f"{max(values) * 1000:>8.0f}"
        )
    for message in stats.errors[:20]:
        print(f"error: {message}")


def processing_backlog() -> str:
    from candidates.models import Answer

    pending = Answer.objects.filter(
        status__in=[Answer.Status.SUBMITTED, Answer.Status.PROCESSING]
    ).count()
    processed = Answer.objects.filter(status=Answer.Status.PROCESSED).count()
    failed = Answer.objects.filter(status=Answer.Status.FAILED).count()
    return f"answers processed {processed}, still queued {pending}, failed {failed}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--recruiters", type=int, default=20)
    parser.add_argument("--think", type=float, default=2.0, help="mean pause between requests")
    args = parser.parse_args(argv)

    _environment()
    _setup()
    media = recording()
    # A candidate needs about 12 think-pauses per interview; keep a generous supply of links.
    per_candidate = max(2, math.ceil(args.seconds / (8 * args.think)) + 1)
    data = fixture(invites=args.candidates * per_candidate, recruiters=args.recruiters)
    from django.db import connection

    connection.close()
    base, processes = start_servers(Path(os.environ["PANELIST_DATA_DIR"]) / "logs")
    stats = Stats()
    try:
        stop_at = time.monotonic() + args.seconds
        lock = threading.Lock()
        people: list[Person] = [
            Candidate(
                base, stats, stop_at, args.think, invites=data.invites, lock=lock, media=media
            )
            for _ in range(args.candidates)
        ]
        people += [
            Recruiter(
                base,
                stats,
                stop_at,
                args.think,
                cookie=cookie,
                interview_id=data.interview_id,
                reviewable=data.reviewable,
            )
            for cookie in data.recruiter_cookies
        ]
        started = time.monotonic()
        threads = [threading.Thread(target=p.run, daemon=True) for p in people]
        for n, thread in enumerate(threads):
            thread.start()
            if n % 20 == 19:
                time.sleep(0.2)  # people arrive over a couple of seconds, not in one instant
        for thread in threads:
            thread.join(args.seconds + TIMEOUT * 3)
        elapsed = time.monotonic() - started
    finally:
        stop_servers(processes)
    report(stats, elapsed, args)
    print(processing_backlog())
    return 1 if stats.errors else 0


if __name__ == "__main__":
    sys.exit(main())
