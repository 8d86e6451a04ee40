"""The benchmarks' data paths at a tiny size, so the scripts under bench/ cannot rot.

The figures themselves come from running the scripts (docs/performance.md); these tests only
check that each one still drives the real code: the generator's COPY rows satisfy the
database's constraints, every list page answers in-process, the padded upload passes the
server's content check, the speech providers run, a CSV import previews, and the two baseline
views answer.
"""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection

from bench import bulk_invite, generate, queries, speech, throughput, upload
from bench.common import ensure_fixture
from candidates.models import Answer, Candidate, CandidateInterview, ImportJob, Turn

pytestmark = pytest.mark.django_db

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the generator writes with PostgreSQL's COPY"
)


@pytest.fixture
def bench_team(db):
    return ensure_fixture(slug="smoke", email="smoke@example.com")


@pytest.fixture
def bench_urls(settings):
    """bench.settings' two differences: the URLconf with the baselines and their template."""
    settings.ROOT_URLCONF = "bench.urls"
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [
        {**engine, "DIRS": [*engine["DIRS"], settings.BASE_DIR / "bench" / "templates"]}
    ]


@pytest.fixture
def filled(bench_team):
    generate.generate(bench_team, 60)
    return bench_team


@postgres_only
def test_it_generates_rows_that_satisfy_the_constraints(filled):
    invites = CandidateInterview.objects.filter(team=filled.team)
    assert invites.count() == 60
    assert Candidate.objects.filter(team=filled.team).count() == 40
    assert not invites.filter(status="COMPLETED", completed_at__isnull=True).exists()
    answers = Answer.objects.filter(candidate_interview__team=filled.team)
    assert answers.count() % 3 == 0
    assert Turn.objects.filter(candidate_interview__team=filled.team).count() == (
        2 * answers.count()
    )
    # Ids sort like creation times (UUIDv7 made from each row's created_at).
    ordered = list(invites.order_by("created_at").values_list("pk", flat=True))
    assert ordered == sorted(ordered)


@postgres_only
def test_it_resets_only_the_bench_team(filled, bench_team):
    other = ensure_fixture(slug="smoke-other", email="smoke-other@example.com")
    generate.generate(other, 3)
    generate.reset(bench_team)
    assert not CandidateInterview.objects.filter(team=bench_team.team).exists()
    assert CandidateInterview.objects.filter(team=other.team).count() == 3


@postgres_only
def test_it_counts_the_queries_of_every_list_page(filled):
    from bench.common import api_key

    counted = queries.count_queries(filled, api_key(filled))
    assert {name: status for name, (status, _) in counted.items() if status != 200} == {}
    assert counted["invites"][1] > 0


@postgres_only
def test_it_captures_the_throughput_pages_sql(filled, bench_urls):
    from bench.common import api_key

    captured = throughput.capture_queries(filled, throughput.urls(filled), api_key(filled))
    assert captured["bare JSON"] == []
    assert captured["invite list"]
    assert throughput.invite_counts(
        ['SELECT COUNT(*) AS "__count" FROM "candidates_candidateinterview" WHERE 1']
    )
    assert not throughput.invite_counts(['SELECT "id" FROM "candidates_candidateinterview"'])


def test_it_pads_a_recording_that_the_upload_check_accepts(tmp_path):
    from uploads.services import MIN_SECONDS, probe_recording

    total = 3 * upload.MIB
    prefix = upload.padded_prefix(total)
    path = tmp_path / "answer.webm"
    zeros = bytes(upload.MIB)
    with path.open("wb") as handle:
        for offset, length in upload.chunks(prefix, total, upload.MIB):
            handle.write(upload.piece(prefix, offset, length, zeros))
    assert path.stat().st_size == total
    info = probe_recording(path, min_seconds=MIN_SECONDS, max_seconds=60)
    assert 2.5 < info.duration < 3.5


def test_it_previews_a_generated_csv_through_the_import_service(bench_team):
    from candidates.services.imports import import_job_create

    job, ignored = import_job_create(
        team=bench_team.team,
        by=bench_team.user,
        filename="bench.csv",
        data=bulk_invite.csv_bytes(5, "smoke"),
    )
    assert (job.status, job.total, job.errors, ignored) == (ImportJob.Status.PREVIEW, 5, [], [])


def test_it_serves_the_two_baselines(client, bench_urls, bench_team):
    response = client.get("/bench/json/")
    assert len(json.loads(response.content)["data"]) == 25
    assert client.get("/bench/constant/").status_code == 302  # the page needs a login
    client.force_login(bench_team.user)
    response = client.get("/bench/constant/")
    assert response.status_code == 200
    assert response.content.count(b"<tr>") == 26


def test_it_serves_the_fair_baselines(client, bench_urls, bench_team):
    from bench.common import api_key

    assert client.get("/bench/json-key/").status_code == 401
    response = client.get("/bench/json-key/", headers={"x-api-key": api_key(bench_team)})
    assert response.status_code == 200
    assert json.loads(response.content)["data"]["candidateInterviews"] == []
    client.force_login(bench_team.user)
    response = client.get("/bench/table/")
    assert response.status_code == 200
    assert response.content.count(b"<td") == 25 * 5  # through components/table.html


def test_it_measures_speech_and_evaluation():
    chars_per_second, wav = speech.tts_chars_per_second(0.25)
    assert chars_per_second > 0
    assert wav[:4] == b"RIFF"
    assert speech.evaluations_per_second(1) > 0


def test_a_bench_command_starts_in_a_bare_environment(tmp_path):
    """``python -m bench.…`` sets its own environment: none of the developer's variables (a
    bench once died at start-up for want of ALLOW_CONSOLE_DELIVERY, which only shells had)."""
    import os
    import subprocess
    import sys

    from bench.common import ROOT

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PANELIST_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.ai_quality", "--split", "dev"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Spearman (scored cases)" in done.stdout


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


WEB_ROW = re.compile(
    r"^\s+(constant page|invite list|API list)\s+(web-[12])\s+([\d.]+)\s+([\d.]+)"
    r"\s+([\d.]+)\s+([\d.]+)\s+(\d+)$",
    re.MULTILINE,
)
WORKER_ROW = re.compile(r"^\s+(scaleout-[12])@\S+\s+(\d+)\s", re.MULTILINE)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the scale-out bench runs on PostgreSQL"
)
def test_it_measures_two_web_processes_and_two_workers(tmp_path):
    """bench.scaleout at a tiny size, on the test database (its rows are committed, so the
    bench's own processes see them): both web processes and both workers have figures."""
    import os
    import subprocess
    import sys

    from bench.common import ROOT

    if not _redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379 (the bench's broker is db 12, cache db 11)")
    s = connection.settings_dict
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "PANELIST_DATA_DIR": str(tmp_path),
        "DATABASE_URL": (
            f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        ),
    }
    arguments = ["--seconds", "1", "--rounds", "1", "--candidates", "20", "--questions", "6"]
    done = subprocess.run(
        [sys.executable, "-m", "bench.scaleout", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:])
    web = {(url, process): row for url, process, *row in WEB_ROW.findall(done.stdout)}
    assert set(web) == {
        (url, process)
        for url in ("constant page", "invite list", "API list")
        for process in ("web-1", "web-2")
    }, done.stdout
    for *figures, errors in web.values():  # req/s and p50, alone and together
        assert min(float(figure) for figure in figures) > 0, done.stdout
        assert errors == "0", done.stdout
    workers = dict(WORKER_ROW.findall(done.stdout))
    assert set(workers) == {"scaleout-1", "scaleout-2"}, done.stdout
    assert all(int(tasks) > 0 for tasks in workers.values()), done.stdout
    assert "6 MP3s on S3" in done.stdout
    assert "each Message-ID once" in done.stdout


def test_the_voice_benchmark_runs_from_one_command(tmp_path):
    """bench.tts_quality on one prompt of one voice: synthesised in its own process,
    transcribed back by Whisper base, a WER and a real-time factor printed."""
    import os
    import subprocess
    import sys

    from bench.common import ROOT

    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PANELIST_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.tts_quality", "--prompts", "1", "--voices", "espeak:es"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    row = re.search(r"^espeak:es\s+es\s+([\d.]+)%\s+([\d.]+)\s", done.stdout, re.MULTILINE)
    assert row, done.stdout
    assert 0 <= float(row.group(1)) <= 100
    assert float(row.group(2)) > 0
