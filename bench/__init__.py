"""Reproducible benchmarks: each module is a command that prints its figures.

See docs/performance.md for the commands, the results and the targets. They run against their
own PostgreSQL database (``panelist_bench`` by default, see ``bench.common``), never the
development one.
"""
