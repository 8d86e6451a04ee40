import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_it_logs_a_routine_403_without_a_traceback(login, hiring_manager, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = login(hiring_manager).get(reverse("dashboard:api_keys"))

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records, "the 403 is still logged, as one line"
    assert all(r.exc_info is None and not r.exc_text for r in records)


def test_it_shows_404_in_the_app_layout_with_a_way_home(login, recruiter):
    response = login(recruiter).get("/no-such-page/")

    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert 'href="/"' in body
    assert "panelist.css" in body


def test_the_500_page_renders_without_a_request_or_database():
    from django.template import loader

    html = loader.get_template("500.html").render()

    assert "Something went wrong" in html
    assert 'href="/"' in html
