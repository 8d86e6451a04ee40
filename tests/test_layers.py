"""The floors of the house (docs/architecture.md, "Edge kit and the question kinds"): ``kit/`` at
the bottom imports no app; the apps build on it and never import ``dashboard/``, the project
that sits above them all. Read from the source (every ``import``, at any depth in a module), so
a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "accounts",
    "interviews",
    "candidates",
    "speech",
    "api",
    "webhooks",
    "uploads",
    "integrations",
)
PROJECT = "dashboard"

# (module file, imported module) -> why it may. Empty today; an entry needs a reason that a
# ground-floor module or ``django.conf.settings`` cannot serve.
ALLOWED: dict[tuple[str, str], str] = {}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            # ``from dashboard import limits`` names the module ``dashboard.limits``.
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _modules(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


def _offences(packages: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    offences = []
    for path in _modules(*packages):
        name = path.relative_to(ROOT).as_posix()
        for line, module in _imports(path):
            top = module.split(".")[0]
            if top in forbidden and (name, module) not in ALLOWED:
                offences.append(f"{name}:{line} imports {module}")
    return sorted(set(offences))


def test_no_app_imports_the_project():
    offences = _offences(APPS, (PROJECT,))
    assert not offences, (
        "Apps sit below dashboard/ (../shared/DESIGN.md): take the helper from kit/, settings "
        "from django.conf.settings.\n" + "\n".join(offences)
    )


def test_the_kit_imports_no_app():
    offences = _offences(("kit",), (*APPS, PROJECT))
    assert not offences, "kit/ is the ground floor.\n" + "\n".join(offences)


def test_every_allowed_exception_is_still_needed():
    stale = [
        key
        for key in ALLOWED
        if (ROOT / key[0]).exists()
        and key[1] not in {module for _line, module in _imports(ROOT / key[0])}
    ]
    assert not stale, f"Remove these from ALLOWED: {stale}"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ("from dashboard.views import _render", True),
        ("def f():\n    from dashboard import limits", True),
        ("import dashboard.celery", True),
        ("from kit.pages import render_page", False),
        ("from django.conf import settings", False),
    ],
)
def test_it_sees_every_form_of_import(tmp_path, source, caught):
    module = tmp_path / "m.py"
    module.write_text(source)
    assert any(name.split(".")[0] == PROJECT for _line, name in _imports(module)) is caught
