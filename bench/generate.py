"""Fill the bench database with one team holding N candidate interviews, fast, with COPY.

    .venv/bin/python -m bench.generate [--invites 1000000] [--reset]

Per 1.5 invites one candidate; statuses spread like a busy team's; a third of the completed
invites carry one answer per question (three) and two transcript turns per answer. Ids are
UUIDv7 made from each row's own creation time, so they sort like ``created_at``. Every row
satisfies the database's constraints (status values, completed_at on completed invites,
unique tokens, one answer per question and attempt, turn end after start).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection

from bench.common import Fixture, ensure_fixture, load_average, prepare

STATUSES = (
    ("DRAFT", 0.08),
    ("INVITED", 0.30),
    ("IN_PROGRESS", 0.07),
    ("COMPLETED", 0.40),
    ("EXPIRED", 0.10),
    ("CANCELLED", 0.05),
)
INVITES_PER_CANDIDATE = 1.5
ANSWERED_SHARE = 1 / 3  # of completed invites
TURNS_PER_ANSWER = 2
SPAN = timedelta(days=365)
BLOCK = 1 << 20
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Anita", "Guido")
LAST = ("Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Torvalds")
ANSWER_TEXT = "I led the migration of our billing system to PostgreSQL and cut costs by a third."


def uuid7_at(moment: datetime) -> uuid.UUID:
    """A UUIDv7 (the layout of accounts.ids.uuid7) for ``moment`` rather than now."""
    unix_ms = int(moment.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def ts(moment: datetime | None) -> str:
    return r"\N" if moment is None else moment.isoformat()


class Copier:
    """Rows written to ``COPY table (columns) FROM STDIN`` in text format, a block at a time."""

    def __init__(self, cursor: Any, table: str, columns: list[str]) -> None:
        self.cursor, self.table, self.columns = cursor, table, columns
        self.buffer: list[str] = []
        self.size = 0
        self.rows = 0
        self.seconds = 0.0
        self._copy: Any = None
        self._context: Any = None

    def __enter__(self) -> Copier:
        self.started = time.perf_counter()
        self._context = self.cursor.copy(
            f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        )
        self._copy = self._context.__enter__()
        return self

    def row(self, values: list[str]) -> None:
        line = "\t".join(values) + "\n"
        self.buffer.append(line)
        self.size += len(line)
        self.rows += 1
        if self.size >= BLOCK:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self._copy.write("".join(self.buffer).encode())
            self.buffer, self.size = [], 0

    def __exit__(self, *exc: Any) -> None:
        if exc[0] is None:
            self.flush()
        self._context.__exit__(*exc)
        self.seconds = time.perf_counter() - self.started


def reset(fixture: Fixture) -> None:
    """Remove the bench team's candidates, invites, answers and turns (and what hangs off them)."""
    team_id = fixture.team.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM candidates_candidate WHERE team_id <> %s)", [team_id]
        )
        others = cursor.fetchone()[0]
        if not others:
            # Only the bench team has candidates: TRUNCATE is instant where DELETE takes minutes.
            cursor.execute(
                "TRUNCATE candidates_turn, candidates_answer, candidates_candidateinterview, "
                "candidates_candidate CASCADE"
            )
            _recount(fixture)
            return
    # Other teams' rows stay: the ORM's delete follows every relation (deliveries, uploads…).
    from candidates.models import Candidate, CandidateInterview

    CandidateInterview.objects.filter(team=fixture.team).delete()
    Candidate.objects.filter(team=fixture.team).delete()
    _recount(fixture)


def _recount(fixture: Fixture) -> None:
    """COPY and TRUNCATE skip the services that keep the interviews' counters."""
    from interviews.counters import interview_counts_recount

    interview_counts_recount(interview_ids=[i.pk for i in fixture.interviews])


def generate(fixture: Fixture, invites: int, seed: int = 7) -> dict[str, Any]:
    """Insert ``invites`` candidate interviews (and their candidates, answers, turns)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    start = now - SPAN
    team_id = str(fixture.team.pk)
    user_id = str(fixture.user.pk)
    interviews = [str(i.pk) for i in fixture.interviews]
    questions = {str(k): [str(q) for q in v] for k, v in fixture.questions.items()}
    candidates = max(1, int(invites / INVITES_PER_CANDIDATE))
    names, weights = zip(*STATUSES, strict=True)
    run = os.urandom(4).hex()  # keeps emails unique when generating twice without --reset
    step = SPAN / candidates
    started = time.perf_counter()
    counts: dict[str, int] = {}
    seconds: dict[str, float] = {}
    with connection.cursor() as django_cursor:
        cursor = django_cursor.cursor  # the psycopg 3 cursor, for COPY
        candidate_ids: list[tuple[str, datetime]] = []
        with Copier(
            cursor,
            "candidates_candidate",
            [
                "id",
                "team_id",
                "first_name",
                "last_name",
                "email",
                "phone",
                "external_id",
                "created_by_id",
                "created_at",
                "updated_at",
                "last_activity_at",
            ],
        ) as copy:
            for n in range(candidates):
                created = start + step * n
                pk = str(uuid7_at(created))
                candidate_ids.append((pk, created))
                stamp = created.isoformat()
                copy.row(
                    [
                        pk,
                        team_id,
                        FIRST[n % len(FIRST)],
                        LAST[n % len(LAST)],
                        f"c{n}.{run}@example.com",
                        "+14155550123" if n % 3 == 0 else "",
                        f"ats-{n}",
                        user_id,
                        stamp,
                        stamp,
                        stamp,
                    ]
                )
        counts["candidates"], seconds["candidates"] = copy.rows, copy.seconds

        answered: list[tuple[str, str, datetime]] = []
        invite_columns = [
            "id",
            "team_id",
            "candidate_id",
            "interview_id",
            "status",
            "token_hash",
            "link_nonce",
            "delivery_types",
            "expires_at",
            "invited_at",
            "started_at",
            "completed_at",
            "cancelled_at",
            "question_order",
            "attempts_used",
            "language",
            "source",
            "reminded_at",
            "last_seen_at",
            "consented_at",
            "consent_ip",
            "consent_version",
            "alternative_requested_at",
            "alternative_note",
            "alternative_resolved_at",
            "decision",
            "decided_at",
            "decided_by_id",
            "created_by_id",
            "created_at",
            "updated_at",
            "external_redirect_uri",
            "time_zone",
            "accommodation_time",
            "accommodation_extra_retakes",
            "accommodation_extra_days",
            "accommodation_request_kinds",
            "accommodation_request_note",
            "ai_declined_notice_version",
            "personal_note",
            "sms_opt_in_wording",
        ]
        order_json = {k: json.dumps(v) for k, v in questions.items()}
        with Copier(cursor, "candidates_candidateinterview", invite_columns) as copy:
            statuses = rng.choices(names, weights, k=invites)
            for n in range(invites):
                candidate, candidate_created = candidate_ids[
                    min(int(n / INVITES_PER_CANDIDATE), candidates - 1)
                ]
                created = candidate_created + timedelta(minutes=n % 90)
                interview = interviews[n % len(interviews)]
                status = statuses[n]
                invited = None if status == "DRAFT" else created + timedelta(minutes=1)
                started_at = completed = cancelled = consented = None
                if status in ("IN_PROGRESS", "COMPLETED"):
                    started_at = created + timedelta(hours=5)
                    consented = started_at
                if status == "COMPLETED":
                    completed = created + timedelta(hours=5, minutes=20)
                if status == "CANCELLED":
                    cancelled = created + timedelta(days=1)
                expires = created + timedelta(days=7)
                if status in ("INVITED", "IN_PROGRESS"):
                    # Open invites past their expiry are EXPIRED by the beat task within minutes.
                    expires = max(expires, now + timedelta(days=1 + n % 7))
                pk = str(uuid7_at(created))
                updated = completed or cancelled or started_at or invited or created
                decision = ""
                if status == "COMPLETED":
                    decision = ("", "advance", "hold", "reject")[n % 4]
                copy.row(
                    [
                        pk,
                        team_id,
                        candidate,
                        interview,
                        status,
                        r"\N" if status == "DRAFT" else os.urandom(32).hex(),
                        "",  # link_nonce: a bench link is never shown again
                        '["email"]',
                        ts(expires),
                        ts(invited),
                        ts(started_at),
                        ts(completed),
                        ts(cancelled),
                        order_json[interview],
                        "1" if started_at else "0",
                        "",
                        "invite",
                        r"\N",
                        ts(started_at),
                        ts(consented),
                        "127.0.0.1" if consented else r"\N",
                        "v1" if consented else "",
                        r"\N",
                        "",
                        r"\N",
                        decision,
                        ts(completed + timedelta(days=1)) if decision and completed else r"\N",
                        user_id if decision else r"\N",
                        user_id,
                        ts(created),
                        ts(updated),
                        "",  # external_redirect_uri
                        "",  # time_zone (sms_opt_in: NULL, "not asked")
                        "",  # accommodation_time: standard
                        "0",
                        "0",
                        "[]",
                        "",
                        "",  # ai_declined_notice_version (ai_declined_at: NULL)
                        "",  # personal_note
                        "",  # sms_opt_in_wording (sms_opt_in, sms_opt_in_at: NULL)
                    ]
                )
                if status == "COMPLETED" and rng.random() < ANSWERED_SHARE:
                    answered.append((pk, interview, started_at))  # type: ignore[arg-type]
        counts["invites"], seconds["invites"] = copy.rows, copy.seconds

        answer_rows: list[tuple[str, str, datetime]] = []
        with Copier(
            cursor,
            "candidates_answer",
            [
                "id",
                "candidate_interview_id",
                "interview_question_id",
                "attempt",
                "status",
                "media",
                "media_type",
                "duration_seconds",
                "text",
                "survey_score",
                "knockout_flagged",
                "transcript",
                "transcript_language",
                "keyword_hits",
                "processing",
                "retakes_used",
                "submitted_at",
                "created_at",
                "playback",
                "rendition",
                "rendition_type",
                "transcript_model",
            ],
        ) as copy:
            for invite, interview, started_at in answered:
                for index, question in enumerate(questions[interview]):
                    created = started_at + timedelta(minutes=2 + 5 * index)
                    pk = str(uuid7_at(created))
                    answer_rows.append((pk, invite, created))
                    copy.row(
                        [
                            pk,
                            invite,
                            question,
                            "1",
                            "processed",
                            f"answers/bench/{pk}.webm",
                            "video/webm",
                            "42.5",
                            "",
                            r"\N",
                            "f",
                            ANSWER_TEXT,
                            "en",
                            "[]",
                            "{}",
                            "0",
                            ts(created),
                            ts(created),
                            "",  # no seekable copy or Safari rendition: bench files are names
                            "",
                            "",
                            "tiny.en",
                        ]
                    )
        counts["answers"], seconds["answers"] = copy.rows, copy.seconds

        with Copier(
            cursor,
            "candidates_turn",
            [
                "candidate_interview_id",
                "answer_id",
                "turn_number",
                "role",
                "content",
                "start_seconds",
                "end_seconds",
                "audio_url",
                "is_pending_question",
                "evaluation",
                "created_at",
            ],
        ) as copy:
            number = 0
            previous = None
            for answer, invite, created in answer_rows:
                number = number + 1 if invite == previous else 1
                previous = invite
                stamp = ts(created)
                copy.row(
                    [
                        invite,
                        answer,
                        str(number),
                        "candidate",
                        ANSWER_TEXT[:40],
                        "0",
                        "20.5",
                        "",
                        "f",
                        r"\N",
                        stamp,
                    ]
                )
                number += 1
                copy.row(
                    [
                        invite,
                        answer,
                        str(number),
                        "candidate",
                        ANSWER_TEXT[40:],
                        "20.5",
                        "42.5",
                        "",
                        "f",
                        r"\N",
                        stamp,
                    ]
                )
        counts["turns"], seconds["turns"] = copy.rows, copy.seconds
        copy_seconds = time.perf_counter() - started
        analyzed = time.perf_counter()
        for table in ("candidate", "candidateinterview", "answer", "turn"):
            django_cursor.execute(f"ANALYZE candidates_{table}")
        analyze_seconds = time.perf_counter() - analyzed
    _recount(fixture)
    total_rows = sum(counts.values())
    return {
        "counts": counts,
        "seconds": seconds,
        "copy_seconds": copy_seconds,
        "analyze_seconds": analyze_seconds,
        "total_rows": total_rows,
        "rows_per_second": total_rows / copy_seconds if copy_seconds else 0.0,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--invites", type=int, default=1_000_000)
    parser.add_argument("--reset", action="store_true", help="remove the bench team's rows first")
    args = parser.parse_args(argv)
    prepare()  # A new bench database is migrated first.
    fixture = ensure_fixture()
    if args.reset:
        began = time.perf_counter()
        reset(fixture)
        print(f"reset: {time.perf_counter() - began:.1f} s")
    print(f"generating {args.invites:,} invites for team {fixture.team.slug} ({load_average()})")
    result = generate(fixture, args.invites)
    for table, rows in result["counts"].items():
        secs = result["seconds"][table]
        rate = rows / max(secs, 1e-9)
        print(f"  {table:<11} {rows:>10,} rows in {secs:7.1f} s  ({rate:,.0f} rows/s)")
    print(
        f"total {result['total_rows']:,} rows in {result['copy_seconds']:.1f} s "
        f"({result['rows_per_second']:,.0f} rows/s), ANALYZE {result['analyze_seconds']:.1f} s"
    )
    return result


if __name__ == "__main__":
    main()
