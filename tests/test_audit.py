import re
from pathlib import Path

from accounts.audit import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[1]


def test_it_has_a_readable_label_for_every_action_the_code_records():
    recorded = set()
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        recorded |= set(re.findall(r'_audit\(request, "([a-z_]+\.[a-z_]+)"', text))
    assert recorded, "found no audit actions in the code"
    assert recorded - set(ACTION_LABELS) == set()
