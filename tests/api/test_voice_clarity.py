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


def test_each_narrator_has_a_sample_that_plays_without_a_key(api, team, other_team):
    from django.test import Client

    from speech.media import probe

    claire = NarratorFactory(team=team, name="Claire", language="fr", voice="fr-fr")
    body = api.get("/qsi/gather/narrators").json()["data"]["narrators"]
    [listed] = body
    url = listed["sampleUrl"]
    assert url.startswith("http://testserver/qsi/gather/media/narrators/")
    played = Client().get(url)  # no key, no cookie: straight into an <audio> tag
    assert played.status_code == 200
    assert played["Content-Type"] == "audio/mpeg"
    sample = b"".join(played.streaming_content) if played.streaming else played.content
    assert probe(sample).duration > 1
    # The same bytes the narrators page plays (one service, cached by the voice's settings).
    from interviews.services.audio import narrator_sample

    assert sample == narrator_sample(narrator=claire)
    # A changed link, or one naming another team's narrator with this signature, is a 404.
    other = NarratorFactory(team=other_team, name="Other")
    assert Client().get(url.replace(str(claire.pk), str(other.pk))).status_code == 404
    claire.delete()
    assert Client().get(url).status_code == 404
