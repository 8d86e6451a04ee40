"""Evaluation quality: graded interview answers and the command that scores an evaluator on them.

    .venv/bin/python -m bench.ai_quality [--evaluator offline] [--show]

See :mod:`bench.ai_quality.cases` for the cases and docs/ai.md for the results.
"""
