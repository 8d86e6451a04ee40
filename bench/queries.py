"""Queries per page: every dashboard list page and API list, at two sizes.

    .venv/bin/python -m bench.queries [--sizes 30 300] [--big]

Each size is its own team in the bench database, filled by bench.generate with that many
invites (and the candidates, answers and turns that go with them); its rows are removed again
at the end. ``--big`` adds a column for the bench team itself (bench.generate's 1M invites).
Each URL is requested twice in-process with the test client and the second request's SQL is
counted. The target, enforced by the tests, is at most 12 queries (the home page 16 and the
invite review 24, as their tests say), the same at every size. The smallest default size is 300
invites: below it some lists fit on one page (the first interview's results hold a fifth of the
invites, the candidates list two thirds), and a last page needs no count, so it makes one
query fewer.
The invite review opens the newest completed invite that has answers, at every size.
"""

from __future__ import annotations

import argparse
from typing import Any

from django.db import connection
from django.test import Client

from bench.common import Fixture, ensure_fixture, prepare
from bench.generate import generate, reset

TARGET = 12
# Pages with a budget of their own in the tests (tests/test_home.py, the review tests).
BUDGETS = {"home": 16, "invite review": 24}


def pages(fixture: Fixture) -> dict[str, tuple[str, bool]]:
    """name -> (path, is an API call)."""
    from candidates.models import CandidateInterview

    interview = fixture.interviews[0]
    invite = (
        CandidateInterview.objects.filter(
            team=fixture.team, status="COMPLETED", answers__isnull=False
        )
        .order_by("-created_at")
        .values_list("pk", flat=True)
        .first()
    )
    found = {
        "home": ("/", False),
        "interviews": ("/interviews/", False),
        "audio questions": ("/questions/audio/", False),
        "survey questions": ("/questions/survey/", False),
        "AI text questions": ("/questions/ai-text/", False),
        "narrators": ("/narrators/", False),
        "candidates": ("/candidates/", False),
        "invites": ("/invites/", False),
        "invites (htmx table)": ("/invites/?status=COMPLETED", False),
        "interview results": (f"/interviews/{interview.pk}/results/", False),
        "share links": (f"/interviews/{interview.pk}/share-links/", False),
        "members": ("/settings/members/", False),
        "teams": ("/settings/teams/", False),
        "audit log": ("/settings/audit/", False),
        "API keys": ("/settings/api-keys/", False),
        "webhooks": ("/settings/webhooks/", False),
        "API narrators": ("/qsi/gather/narrators", True),
        "API questions": ("/qsi/gather/questions", True),
        "API survey questions": ("/qsi/gather/survey-questions", True),
        "API AI text questions": ("/qsi/gather/ai-text-questions", True),
        "API interviews": ("/qsi/gather/interviews", True),
        "API candidates": ("/qsi/gather/candidates?pageSize=25", True),
        "API candidate interviews": ("/qsi/gather/candidate-interviews?pageSize=25", True),
        "API webhooks": ("/qsi/gather/webhooks", True),
    }
    if invite is not None:
        found["invite review"] = (f"/invites/{invite}/review/", False)
    return found


def count_queries(fixture: Fixture, key: str) -> dict[str, tuple[int, int]]:
    """name -> (status code, queries) for every page of ``pages``."""
    # A page that fails is reported as its status code in the table, not raised.
    browser = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    browser.force_login(fixture.user)
    machine = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False)
    found: dict[str, tuple[int, int]] = {}
    for name, (path, is_api) in pages(fixture).items():
        client = machine if is_api else browser
        headers = {"x-api-key": key} if is_api else {}
        if name.endswith("(htmx table)"):
            headers["HX-Request"] = "true"
        client.get(path, headers=headers)
        statements: list[str] = []

        def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            statements.append(sql)  # noqa: B023 -- read right after the request
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            response = client.get(path, headers=headers)
        found[name] = (response.status_code, len(statements))
    return found


def main(argv: list[str] | None = None) -> dict[str, dict[str, tuple[int, int]]]:
    from bench.common import api_key

    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--big", action="store_true", help="also the bench team (bench.generate)")
    args = parser.parse_args(argv)
    prepare()
    columns: dict[str, dict[str, tuple[int, int]]] = {}
    for size in args.sizes:
        fixture = ensure_fixture(slug=f"bench-q{size}", email=f"bench-q{size}@example.com")
        reset(fixture)
        generate(fixture, size)
        try:
            columns[f"{size} invites"] = count_queries(fixture, api_key(fixture))
        finally:
            reset(fixture)
    if args.big:
        fixture = ensure_fixture()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM candidates_candidateinterview WHERE team_id = %s",
                [fixture.team.pk],
            )
            rows = cursor.fetchone()[0]
        columns[f"{rows:,} invites"] = count_queries(fixture, api_key(fixture))
    names = list(next(iter(columns.values())))
    heads = list(columns)
    print(f"{'page':<26}" + "".join(f"{h:>18}" for h in heads) + "   constant, in budget?")
    for name in names:
        cells = [columns[h][name] for h in heads]
        counts = [q for _, q in cells]
        budget = BUDGETS.get(name, TARGET)
        ok = len(set(counts)) == 1 and max(counts) <= budget and all(s == 200 for s, _ in cells)
        text = "".join(
            f"{q:>18}" if status == 200 else f"{f'{q} (HTTP {status})':>18}" for status, q in cells
        )
        print(f"{name:<26}{text}   {'yes' if ok else 'NO'}")
    return columns


if __name__ == "__main__":
    main()
