"""The narrators page and the API say how clear each voice is in its language, and its licence
(issue 20, item 3), from the figures of speech.voice_quality."""

import pytest
from django.urls import reverse

from speech.voice_quality import MEASURED
from tests.factories import NarratorFactory

pytestmark = pytest.mark.django_db


def test_the_narrators_page_and_the_api_say_how_clear_each_voice_is(login, recruiter, team, api):
    NarratorFactory(team=team, name="Claire", language="fr", voice="fr-fr")
    NarratorFactory(team=team, name="Nora", language="en", provider="openai", voice="alloy")
    html = login(recruiter).get(reverse("interviews:narrator_list")).content.decode()
    assert "Hard to understand" in html
    assert "Not measured" in html
    body = api.get("/qsi/gather/narrators").json()["data"]["narrators"]
    by_name = {n["name"]: n for n in body}
    assert by_name["Claire"]["clarity"] == "hard to understand"
    assert by_name["Claire"]["wordErrorRate"] == MEASURED[("espeak", "", "fr")]
    assert by_name["Claire"]["licence"].startswith("GPL-3.0-or-later")
    assert by_name["Nora"]["clarity"] == "not measured"
    assert by_name["Nora"]["wordErrorRate"] is None
