"""The candidate-facing languages are complete, and the compiled catalogues match the sources."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"


def _entries(lang):
    """(msgid, msgid_plural, [msgstr…]) for each entry of a .po file, header excluded."""
    text = (LOCALE / lang / "LC_MESSAGES" / "django.po").read_text()
    entries = []
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line)
            if match:
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            strs = [v for k, v in sorted(fields.items()) if k.startswith("msgstr")]
            entries.append((fields["msgid"], fields.get("msgid_plural"), strs))
    return entries


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_it_translates_every_message(lang):
    entries = _entries(lang)
    assert len(entries) > 50
    untranslated = [msgid for msgid, _plural, strs in entries if not all(strs)]
    assert untranslated == []


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_it_ships_compiled_catalogues_that_match_the_sources(lang):
    with translation.override(lang):
        for msgid, plural, strs in _entries(lang):
            if plural:
                assert translation.ngettext(msgid, plural, 5) == strs[1], msgid
            else:
                assert translation.gettext(msgid) == strs[0], msgid
