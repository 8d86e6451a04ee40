"""Settings for the benchmarks: the project's own, plus two baseline pages (see bench.urls)."""

from dashboard.settings import *  # noqa: F403
from dashboard.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [BASE_DIR / "templates", BASE_DIR / "bench" / "templates"]
